"""Units (headlines, bylines, paragraphs) -> stories, orphan fragments and notes for the editor.

Rules, in the order they are tried for each paragraph:

1. A news lead (本报讯（记者X）…) or a byline line starts a story; the headline
   group right above it is its headline.
2. A paragraph right below a headline group starts a story (a feature, or a
   commentary under a column name).
3. A paragraph marked （上接第N版）, or one that opens mid-sentence (with
   punctuation or a particle such as 的), continues the latest story whose
   text stopped mid-sentence or was marked （下转第N版）; with no such story it
   is an orphan.
4. Any other paragraph continues the current story; before the first story,
   or after an orphan, it is an orphan too.

A gap — a run of blank lines, where the layout dropped a block — is not
bridged on a guess. A paragraph right below a headline group across a gap is
the story's lead only if it opens like one (tx.opens_lead); otherwise it is an
orphan and the headline waits for the next paragraph. A paragraph across a gap
from a paragraph that stopped mid-sentence is an orphan (a piece that opens
mid-sentence was already joined there by join.py, with a note).

A headline group with no text of its own (a banner above other headlines) goes
to the first later story that has a byline but no headline, preferring one
whose lead repeats the headline; a banner left over is an orphan.

Last, a meeting report's speech that the layout placed after another article,
and that was joined to that article's unfinished paragraph, goes back to the
report (see :func:`_return_reported_speech`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from site_builder.ingest import text as tx
from site_builder.ingest.classify import Piece
from site_builder.ingest.heads import HeadGroup, split_run
from site_builder.ingest.join import Paragraph, Unit

_PUNCT_RE = re.compile(r"[\s\W_]+")


@dataclass(frozen=True)
class Orphan:
    """Text the importer could not place in a story."""

    text: str
    line: int
    lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class Note:
    """Something the editor should check: ``line: message``."""

    line: int
    message: str


@dataclass(frozen=True)
class Story:
    """One article as found on the page."""

    head: HeadGroup | None
    byline_piece: Piece | None
    paragraphs: tuple[Paragraph, ...]
    extra_lines: tuple[int, ...] = ()  # a repeated headline above a continuation

    @property
    def byline(self) -> tx.Byline | None:
        if self.byline_piece is not None:
            return self.byline_piece.byline
        return self.paragraphs[0].byline if self.paragraphs else None

    @property
    def first_line(self) -> int:
        return min(self.source_lines())

    def source_lines(self) -> tuple[int, ...]:
        out = list(self.extra_lines)
        if self.head:
            out += self.head.source_lines()
        if self.byline_piece:
            out.append(self.byline_piece.line)
        for par in self.paragraphs:
            out += par.lines
        return tuple(sorted(set(out)))


@dataclass
class _Building:
    """A story while the page is read (mutable only inside :func:`group`)."""

    head: HeadGroup | None
    byline_piece: Piece | None
    paragraphs: list[Paragraph] = field(default_factory=list)
    extra_lines: list[int] = field(default_factory=list)

    def freeze(self) -> Story:
        return Story(self.head, self.byline_piece, tuple(self.paragraphs), tuple(self.extra_lines))

    @property
    def loose_end(self) -> bool:
        return bool(self.paragraphs) and (self.paragraphs[-1].open or self.paragraphs[-1].jump_to)


def _plain(text: str) -> str:
    return _PUNCT_RE.sub("", text)


def group(units: list[Unit]) -> tuple[list[Story], list[Orphan], list[Note]]:
    """Stories in page order, orphan fragments, and notes."""
    stories: list[_Building] = []
    orphans: list[Orphan] = []
    notes: list[Note] = []
    pending: list[HeadGroup] = []
    run: list[Piece] = []
    banners: list[tuple[HeadGroup, int]] = []  # (group, number of stories started before it)
    current: _Building | None = None
    stray = False  # the last paragraph was an orphan: what follows cannot be placed either
    joined_across: set[int] = set()  # lines joined to a paragraph elsewhere on the page (noted already)

    def lost(par: Paragraph, message: str) -> None:
        """``par`` is an orphan because of a gap above it; say why."""
        orphans.append(Orphan(par.text, par.line, par.lines))
        notes.append(Note(par.line, message))

    def start(byline_piece: Piece | None) -> _Building:
        nonlocal current, stray
        head = pending.pop() if pending else None
        banners.extend((g, len(stories)) for g in pending)
        pending.clear()
        current, stray = _Building(head, byline_piece), False
        stories.append(current)
        return current

    def continued(par: Paragraph) -> _Building | None:
        """The story a continuation belongs to: a jump (下转) first, else the latest loose end."""
        ends = [s for s in stories if s.loose_end]
        jumped = [s for s in ends if s.paragraphs[-1].jump_to]
        pool = jumped if par.jump_from and jumped else ends
        return pool[-1] if pool else None

    for u, previous in zip(units, [None, *units]):
        if isinstance(u, Piece) and u.kind in ("heading", "column"):
            run.append(u)
            continue
        if run:
            pending.extend(split_run(run))
            run = []
        if isinstance(u, Piece):  # a byline on its own line
            start(u)
            continue
        if u.byline is None and pending and not u.jump_from and u.after_gap and not tx.opens_lead(u.text):
            lost(u, f"below the headline at line {pending[-1].first_line} across a run of blank lines, and it does "
                    "not open like a lead: the article's beginning may be missing")
            continue  # the headline waits for the next paragraph
        if u.byline is not None or (pending and not u.jump_from):
            start(None).paragraphs.append(u)
        elif u.jump_from or tx.starts_mid_sentence(u.text):
            target = continued(u)
            if target is None:
                orphans.append(Orphan(u.text, u.line, u.lines))
                banners.extend((g, len(stories)) for g in pending)
                pending.clear()
                stray = True
                continue
            for g in pending:  # a headline repeated above the continuation
                target.extra_lines.extend(g.source_lines())
            pending.clear()
            last = target.paragraphs[-1]
            if last.open:
                target.paragraphs[-1] = last.join(u)
                joined_across.add(u.line)
                notes.append(Note(u.line, f"continues the paragraph at line {last.line}"))
            else:
                target.paragraphs.append(u)
                notes.append(Note(u.line, f"continues the article at line {target.paragraphs[0].line}"))
            current, stray = target, False
        elif (current is not None and not stray and u.after_gap and isinstance(previous, Paragraph) and previous.open
              and not previous.jump_to):
            lost(u, f"across a run of blank lines from line {previous.lines[-1]}, which stopped mid-sentence: "
                    "text may be missing between them")
            stray = True
        elif current is not None and not stray:
            current.paragraphs.append(u)
        else:
            orphans.append(Orphan(u.text, u.line, u.lines))
            stray = True
    if run:
        pending.extend(split_run(run))
    banners.extend((g, len(stories)) for g in pending)
    _place_banners(stories, banners, orphans, notes)
    _return_reported_speech(stories, notes)
    out: list[Story] = []
    for s in stories:
        if not s.paragraphs:
            lines = s.freeze().source_lines()
            text = " ".join(filter(None, [s.head.text() if s.head else "", s.byline_piece.text if s.byline_piece else ""]))
            orphans.append(Orphan(text, lines[0], lines))
            notes.append(Note(lines[0], "a headline or byline with no text below it"))
            continue
        for par in s.paragraphs:
            notes.extend(Note(b, f"joined to line {a} across a run of blank lines: text may be missing between them"
                              if b in par.gap_joins else f"joined to line {a}, which stopped mid-sentence")
                         for a, b in zip(par.lines, par.lines[1:]) if b not in joined_across)
            if par.jump_to:
                notes.append(Note(par.lines[-1], "the article continues on another page (下转)"))
            elif par.open:
                notes.append(Note(par.lines[-1], "the paragraph stops mid-sentence and nothing on the page continues it"))
        out.append(s.freeze())
    orphans.sort(key=lambda o: o.line)
    notes.sort(key=lambda n: n.line)
    return out, orphans, notes


def _return_reported_speech(stories: list[_Building], notes: list[Note]) -> None:
    """Take a meeting report's speech back from the article it was joined to.

    A report names its speaker (…书记朱建军在会上强调). A piece joined to an
    unfinished paragraph of another article that reports that speaker's words
    (朱建军强调，…), where that article never names the speaker, is the report's
    text placed after another article: the join is undone, the piece (with the
    pieces joined after it) goes to the end of the report, and so do the
    paragraphs right after it that open the way only a meeting report does
    (会上，…). Only joins are undone: a whole paragraph that quotes the speaker
    stays where it is.
    """
    speakers = [(s, name) for s in stories for name in [_speaker(s)] if name]
    for story in stories:
        i = 0
        while i < len(story.paragraphs):
            moved = _take_speech(story, i, speakers, notes)
            i += 1
            if moved is None:
                continue
            report, tail = moved
            while i < len(story.paragraphs) and tx.opens_report(story.paragraphs[i].text):
                par = story.paragraphs.pop(i)
                tail.append(par)
                notes.append(Note(par.line, "opens the way a meeting report does: moved with the paragraph above"))
            at = sum(1 for p in report.paragraphs if p.line < tail[0].line)
            report.paragraphs[at:at] = tail


def _speaker(story: _Building) -> str | None:
    return next((name for par in story.paragraphs for name in [tx.speaker(par.text)] if name), None)


def _take_speech(story: _Building, i: int, speakers: list[tuple[_Building, str]],
                 notes: list[Note]) -> tuple[_Building, list[Paragraph]] | None:
    """Undo the join inside ``story.paragraphs[i]`` where another report's speech begins, if there is one."""
    par = story.paragraphs[i]
    for line, part in zip(par.lines[1:], par.parts[1:]):
        for report, name in speakers:
            if report is story or report.freeze().first_line > line or not tx.reports_words_of(part, name):
                continue
            before, rest = par.split(line)
            others = [p.text for p in story.paragraphs if p is not par] + [before.text]
            if story.head is not None:
                others.append(story.head.text())
            if any(name in t for t in others):
                continue
            story.paragraphs[i] = before
            where = report.byline_piece.line if report.byline_piece else report.paragraphs[0].line
            notes.append(Note(line, f"reports the words of {name}, the speaker of the article at line {where}, which "
                                    f"the article at line {story.freeze().first_line} never names: not joined to line "
                                    f"{before.lines[-1]} but moved to that report (text may be missing before it)"))
            return report, [rest]
    return None


def _place_banners(stories: list[_Building], banners: list[tuple[HeadGroup, int]], orphans: list[Orphan],
                   notes: list[Note]) -> None:
    """Give each banner headline to a later story with a byline and no headline, or list it as an orphan."""
    for g, after in banners:
        if not g.lines:
            orphans.append(Orphan(g.text(), g.first_line, g.source_lines()))
            continue
        title = _plain(g.roles()[1])
        pool = [s for s in stories[after:] if s.head is None and (s.byline_piece or (s.paragraphs and s.paragraphs[0].byline))]
        match = next((s for s in pool if s.paragraphs and title and title in _plain(s.paragraphs[0].text)), None)
        chosen = match or (pool[0] if pool else None)
        if chosen is None:
            orphans.append(Orphan(g.text(), g.first_line, g.source_lines()))
            notes.append(Note(g.first_line, "a headline with no article below it"))
            continue
        chosen.head = g
        first = chosen.byline_piece.line if chosen.byline_piece else chosen.paragraphs[0].line
        notes.append(Note(g.first_line, f"headline placed above the article at line {first}"))
