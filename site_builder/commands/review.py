"""``site-builder review``: mark English sections as checked against the Chinese as it is now."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from site_builder.errors import Problem, SiteError

if TYPE_CHECKING:
    from site_builder.model import Article
    from site_builder.translate.memory import Memory

HELP = """\
Mark the English of sections as reviewed: checked by you against the Chinese
as it is now. Each section's marker in content/articles/<slug>.en.md gets
status=reviewed and the hash of the current Chinese (zh=...), so a stale
section is no longer out of date and a machine draft counts as checked. The
English text itself is not changed. A suggestion block beside a section
(from `translate --refresh`) is removed: you have dealt with it. The reviewed
sections are recorded in the translation memory (content/translation-memory.jsonl),
so that when the Chinese changes again `status` shows what changed.

Run it after you have edited the English: `site-builder status` lists what is
stale or unchecked. Name the sections by id (as in the markers and in
`status`; title, subtitle, kicker and column for the front matter), or give
--all for every section of the article that has English and is not reviewed
yet. The file is rewritten atomically (the previous version kept as
<slug>.en.md~), and only the markers and suggestion blocks of those sections
change.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("review", help="mark English sections as checked against the current Chinese",
                       description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("slug", metavar="SLUG", help="the article")
    p.add_argument("ids", nargs="*", metavar="ID", help="the sections (see `site-builder status SLUG`)")
    p.add_argument("--all", action="store_true", help="every section with English that is stale or a machine draft")
    p.add_argument("--dry-run", action="store_true", help="list what would be marked; change nothing")
    p.set_defaults(func=run)


@dataclass
class Review:
    """What a review marked (or, dry, would mark)."""

    en_path: str
    marked: list[str] = field(default_factory=list)
    dropped_suggestions: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # reviewed against the current Chinese before
    qa: list[Problem] = field(default_factory=list)  # translation QA findings in the sections marked


def review(root: Path, slug: str, ids: list[str], every: bool = False, dry_run: bool = False) -> Review:
    """Mark sections of ``slug`` reviewed (see the command's help); raises SiteError naming file and line."""
    from site_builder.content import article_file
    from site_builder.translate.enfile import write_reviews
    from site_builder.translate.memory import Memory

    if bool(ids) == every:
        raise SiteError("name the sections to mark (their ids) or give --all, not both", "review", 0)
    art = _article(root, slug)
    sections = {s.id: s for s in art.all_sections()}
    zh_rel = article_file(slug)
    unknown = [sid for sid in ids if sid not in sections]
    if unknown:
        raise SiteError([Problem(zh_rel, 0, f"no section {sid!r} in this article") for sid in unknown])
    missing = [sid for sid in ids if art.translation_state(sections[sid]) == "missing"]
    if missing:
        raise SiteError([Problem(art.en.path, 0, f"section {sid!r} has no English to review (line "
                                 f"{sections[sid].line} of {zh_rel})") for sid in missing])
    chosen = ids if ids else [s.id for s in art.all_sections() if art.translation_state(s) in ("machine", "stale")]
    out = Review(art.en.path)
    todo: dict[str, tuple[str, str]] = {}
    for sid in dict.fromkeys(chosen):
        sec, tr = sections[sid], art.en.translations[sid]
        if tr.status == "reviewed" and tr.zh_hash == sec.hash and tr.suggestion is None:
            out.already.append(sid)
        else:
            todo[sid] = (sec.hash, sec.text)
    if dry_run:
        out.marked = list(todo)
        out.dropped_suggestions = [sid for sid in todo if art.en.translations[sid].suggestion is not None]
        return out
    if todo:
        memory = Memory.load(root)  # read (and checked) before anything is written
        out.marked, out.dropped_suggestions = write_reviews(root / art.en.path, art.en.path, todo)
        out.qa = _after(root, slug, out.marked, memory)
    return out


def _after(root: Path, slug: str, ids: list[str], memory: Memory) -> list[Problem]:
    """The article as now written: its reviewed sections go into the translation memory (so that, once the
    Chinese changes again, `status` can show what changed), and the translation QA findings (figures,
    registered names...) in sections ``ids`` are returned as warnings: a review is the translator's call,
    but a figure of the Chinese missing from the English is worth a look."""
    from site_builder.registry import load_registry
    from site_builder.translate.pipeline import feed_reviewed
    from site_builder.translate.qa import check_articles

    art = _article(root, slug)
    feed_reviewed(memory, [art])
    memory.save()
    lines = {art.en.translations[sid].line for sid in ids}
    return [Problem(p.path, p.line, p.message, "warning") for p in check_articles([art], load_registry(root).entities)
            if p.line in lines]


def _article(root: Path, slug: str) -> Article:
    """The article ``slug``, read alone (a review touches one article: the others are not parsed)."""
    from site_builder.content import SLUG_RE, article_file, load_article
    from site_builder.errors import ContentError

    rel = article_file(slug)
    if not SLUG_RE.match(slug) or not (root / rel).is_file():
        raise SiteError(f"no article {slug!r}", "content/articles", 0)
    problems: list[Problem] = []
    art = load_article(root, root / rel, problems)
    if art is None or problems:
        raise ContentError(problems)
    return art


def run(args: argparse.Namespace) -> int:
    done = review(args.root, args.slug, args.ids, args.all, args.dry_run)
    verb = "would mark" if args.dry_run else "marked"
    print(f"{done.en_path}: {verb} {len(done.marked)} section(s) reviewed"
          + (f" ({', '.join(done.marked)})" if done.marked else "")
          + (f"; suggestion removed for {', '.join(done.dropped_suggestions)}" if done.dropped_suggestions else "")
          + (f"; already reviewed: {', '.join(done.already)}" if done.already else ""), file=sys.stderr)
    for problem in done.qa:
        print(problem, file=sys.stderr)
    return 0
