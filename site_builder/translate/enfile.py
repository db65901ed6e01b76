"""Rewrite an English file block by block, leaving everything else byte for byte.

The file is handled as lines (line endings kept). A block is a marker line and
the lines up to the next marker. An update replaces the marker and text of one
block (keeping the blank lines that separate it from the next), or inserts a new
block after the section that precedes it in the Chinese order. Comments, front
matter, order, blank lines and every other block stay exactly as they were.

Whether an update may still be applied is decided here, on the file as it is
right before writing (a translator may have edited it while the model ran):
human text is never overwritten.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from site_builder.content import Marker, is_marker_line, parse_en, parse_marker
from site_builder.errors import ContentError, Problem
from site_builder.model import Translation, text_hash
from site_builder.output import atomic_write

T = TypeVar("T")

FILL, REFRESH, SUGGEST = "fill", "refresh", "suggest"
_HINT_CHARS = 20


@dataclass(frozen=True)
class Update:
    """New English for one section: ``fill`` a missing one, ``refresh`` a stale machine draft,
    or ``suggest`` a new draft beside stale human text."""

    id: str
    action: str
    zh_hash: str
    text: str
    engine: str
    hint: str = ""

    def marker(self) -> str:
        if self.action == SUGGEST:
            return f"<!-- suggestion § {self.id} zh={self.zh_hash} engine={self.engine} -->"
        return (f"<!-- § {self.id} status=machine zh={self.zh_hash} mt={text_hash(self.text)} "
                f"engine={self.engine}{_hint_tail(self.hint)} -->")


def _hint_tail(hint: str) -> str:
    """`` | `` and the first characters of the Chinese, for the translator (the parser ignores it)."""
    hint = re.sub(r"\s+", " ", hint).replace("--", "")[:_HINT_CHARS].strip()
    return f" | {hint}" if hint else ""


def overwritable(tr: Translation | None) -> bool:
    """True when the English is absent, empty, or an untouched machine draft (its text matches ``mt``)."""
    if tr is None or not tr.text.strip():
        return True
    return tr.status == "machine" and tr.mt_hash is not None and tr.mt_hash == text_hash(tr.text)


def still_applies(update: Update, tr: Translation | None) -> bool:
    """Decide on the current file: may ``update`` be written?"""
    if update.action == FILL:
        return tr is None or not tr.text.strip()
    if update.action == REFRESH:
        return tr is not None and overwritable(tr) and tr.zh_hash != update.zh_hash
    return tr is not None and not overwritable(tr) and tr.zh_hash != update.zh_hash


@dataclass(frozen=True)
class _Block:
    id: str
    suggestion: bool
    start: int  # index of the marker line
    end: int  # exclusive
    attrs: dict[str, str]


class Lines:
    """An English file as lines with their endings; blocks found like the parser finds them."""

    def __init__(self, text: str):
        self.bom = text.startswith("\ufeff")
        text = text[1:] if self.bom else text
        self.eol = "\r\n" if "\r\n" in text else "\n"
        self.lines = re.findall(r"[^\n]*\n|[^\n]+$", text)

    def render(self) -> str:
        return ("\ufeff" if self.bom else "") + "".join(self.lines)

    @staticmethod
    def _bare(line: str) -> str:
        return line.rstrip("\r\n")

    def body_start(self) -> int:
        if self.lines and self._bare(self.lines[0]).strip() == "+++":
            for i in range(1, len(self.lines)):
                if self._bare(self.lines[i]).strip() == "+++":
                    return i + 1
        return 0

    def blocks(self) -> list[_Block]:
        starts: list[tuple[int, Marker | None]] = []
        for i in range(self.body_start(), len(self.lines)):
            line = self._bare(self.lines[i])
            if is_marker_line(line):
                starts.append((i, parse_marker(line, i + 1, "", [])))
        out = []
        for k, (i, mk) in enumerate(starts):
            end = starts[k + 1][0] if k + 1 < len(starts) else len(self.lines)
            out.append(_Block(mk.id if mk else "", bool(mk and mk.suggestion), i, end, mk.attrs if mk else {}))
        return out

    def _find(self, sid: str, suggestion: bool) -> _Block | None:
        return next((b for b in self.blocks() if b.id == sid and b.suggestion == suggestion), None)

    def _text_lines(self, text: str) -> list[str]:
        return [line + self.eol for line in text.strip().split("\n")]

    def replace(self, block: _Block, marker: str, text: str) -> None:
        body = self.lines[block.start + 1:block.end]
        last = max((i for i, ln in enumerate(body) if ln.strip()), default=-1)
        sep = body[last + 1:]
        if not sep and block.end < len(self.lines):
            sep = [self.eol]
        self.lines[block.start:block.end] = [marker + self.eol, *self._text_lines(text), *sep]

    def insert(self, index: int, marker: str, text: str) -> None:
        new = [marker + self.eol, *self._text_lines(text)]
        if index < len(self.lines):
            new.append(self.eol)
        before = self.lines[:index]
        if before and not before[-1].endswith("\n"):
            self.lines[index - 1] += self.eol
        if before and before[-1].strip() and index > self.body_start():
            new.insert(0, self.eol)
        self.lines[index:index] = new

    def _insert_position(self, sid: str, order: list[str]) -> int:
        blocks = self.blocks()
        pos = order.index(sid) if sid in order else len(order)
        previous = set(order[:pos])
        after = [b for b in blocks if b.id in previous]
        if after:
            anchor = max(after, key=lambda b: (order.index(b.id), b.start))
            end = anchor.end
            for b in blocks:  # keep a section's suggestion block right after it
                if b.start == end and b.suggestion and b.id == anchor.id:
                    end = b.end
            return end
        return blocks[0].start if blocks else len(self.lines)

    def set_section(self, update: Update, order: list[str]) -> None:
        block = self._find(update.id, suggestion=False)
        if block is not None:
            self.replace(block, update.marker(), update.text)
        else:
            self.insert(self._insert_position(update.id, order), update.marker(), update.text)

    def set_suggestion(self, update: Update) -> None:
        block = self._find(update.id, suggestion=True)
        if block is not None:
            self.replace(block, update.marker(), update.text)
            return
        section = self._find(update.id, suggestion=False)
        assert section is not None  # still_applies() checked that the section exists
        self.insert(section.end, update.marker(), update.text)

    def set_marker(self, block: _Block, marker: str) -> None:
        """Replace the marker line of ``block``, keeping its line ending."""
        line = self.lines[block.start]
        self.lines[block.start] = marker + line[len(self._bare(line)):]

    def remove(self, block: _Block) -> None:
        """Drop ``block``; at the end of the file, with the blank lines that separated it from the one before."""
        start = block.start
        if block.end == len(self.lines):
            while start > self.body_start() and not self.lines[start - 1].strip():
                start -= 1
        del self.lines[start:block.end]


def reviewed_marker(sid: str, zh_hash: str, hint: str) -> str:
    """The marker of English a translator has checked against the Chinese of hash ``zh_hash``."""
    return f"<!-- § {sid} status=reviewed zh={zh_hash}{_hint_tail(hint)} -->"


def suggestion_hashes(text: str) -> dict[str, str]:
    """Section id -> ``zh`` hash of the suggestion block stored for it."""
    return {b.id: b.attrs.get("zh", "") for b in Lines(text).blocks() if b.suggestion}


def apply_updates(text: str, rel: str, updates: list[Update], order: list[str]) -> tuple[str, list[Update]]:
    """Apply the updates that still apply to ``text``; returns (new text, updates applied)."""
    current = _parsed(text, rel)
    lines = Lines(text)
    applied = []
    for up in updates:
        if not still_applies(up, current.get(up.id)):
            continue
        if up.action == SUGGEST:
            lines.set_suggestion(up)
        else:
            lines.set_section(up, order)
        applied.append(up)
    return lines.render(), applied


def apply_reviews(text: str, rel: str, reviews: dict[str, tuple[str, str]]) -> tuple[str, list[str], list[str]]:
    """Mark sections reviewed in ``text``: ``reviews`` maps a section id to (Chinese hash, hint).

    Each marker becomes :func:`reviewed_marker` (the English under it is left as it is) and the
    section's suggestion block, if any, is dropped. Returns (new text, ids marked, ids whose
    suggestion was dropped); an id with no English in ``text`` is not marked.
    """
    current = _parsed(text, rel)
    lines = Lines(text)
    marked, dropped = [], []
    for sid, (zh_hash, hint) in reviews.items():
        tr = current.get(sid)
        if tr is None or not tr.text.strip():
            continue
        section = lines._find(sid, suggestion=False)
        assert section is not None  # parse_en found it
        lines.set_marker(section, reviewed_marker(sid, zh_hash, hint))
        marked.append(sid)
        suggestion = lines._find(sid, suggestion=True)
        if suggestion is not None:
            lines.remove(suggestion)
            dropped.append(sid)
    return lines.render(), marked, dropped


def _parsed(text: str, rel: str) -> dict[str, Translation]:
    """The English sections of ``text``; ContentError if the file has problems."""
    problems: list[Problem] = []
    norm = text.lstrip("\ufeff").replace("\r\n", "\n")
    if "\r" in norm:
        raise ContentError("lone carriage return in the file; save it with \\n or \\r\\n line endings", rel, 1)
    current = parse_en(norm, rel, problems)
    if problems:
        raise ContentError(problems)
    return current


def _read(path: Path, rel: str) -> str:
    try:
        data = path.read_bytes() if path.exists() else b""
    except OSError as exc:
        raise ContentError(f"cannot read: {exc.strerror or exc}", rel, 0) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(f"not valid UTF-8 (byte {exc.start})", rel, data[:exc.start].count(b"\n") + 1) from None


def _rewrite(path: Path, rel: str, change: Callable[[str], tuple[str, T]]) -> T:
    """Re-read ``path``, ``change`` its text (returning the new text and what it did), write it atomically
    (with a ``~`` backup) if it changed; returns what ``change`` did."""
    text = _read(path, rel)
    new, done = change(text)
    if new != text:
        atomic_write(path, new.encode("utf-8"), backup=True)
    return done


def write_updates(path: Path, rel: str, updates: list[Update], order: list[str]) -> list[Update]:
    """Apply to ``path`` as it is now the updates that still apply (:func:`apply_updates`)."""
    return _rewrite(path, rel, lambda text: apply_updates(text, rel, updates, order))


def write_reviews(path: Path, rel: str, reviews: dict[str, tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Mark the sections of ``path`` as it is now reviewed (:func:`apply_reviews`): (ids marked, suggestions dropped)."""

    def change(text: str) -> tuple[str, tuple[list[str], list[str]]]:
        new, marked, dropped = apply_reviews(text, rel, reviews)
        return new, (marked, dropped)

    return _rewrite(path, rel, change)
