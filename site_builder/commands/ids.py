"""``site-builder ids``: write permanent section ids into Chinese articles whose paragraphs have none."""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from site_builder.content import MARKER_RE, _blocks, is_marker_line, read_text, split_front_matter
from site_builder.errors import ContentError, Problem, SiteError
from site_builder.model import text_hash

HELP = """\
Give every paragraph of content/articles/*.zh.md that has no section marker a
permanent id (<!-- § k7m2qa -->: six lower-case base32 characters, unique in
the article). Only files with such paragraphs are rewritten, atomically, and
nothing else in them changes. A paragraph whose provisional id (p-...) already
has an English translation keeps that id, so the translation stays joined.

With --check, nothing is written: paragraphs without an id are listed as
path:line and the exit code is 1 if there are any.
"""

_RAW_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_EOL_RE = re.compile(r"(?:\r\n|\r|\n)$")


@dataclass(frozen=True)
class Plan:
    """The paragraphs of one file that need an id: (1-based line of their first line, id to give)."""

    path: Path
    rel: str
    assign: tuple[tuple[int, str], ...]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ids", help="write permanent section ids into articles", description=HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--check", action="store_true", help="list paragraphs without an id (path:line); exit 1 if any")
    p.set_defaults(func=run)


def _ids_in(lines: list[str]) -> set[str]:
    return {m.group(2) for ln in lines if (m := MARKER_RE.match(ln.strip()))}


def plan(path: Path, rel: str) -> Plan:
    """Which paragraphs of ``path`` need ids, and which; raises ContentError for a file that cannot be read."""
    from site_builder.ingest.write import new_ids

    text = read_text(path, rel)
    _fm, body_start, _ = split_front_matter(text, rel, required=True)
    lines = text.split("\n")
    body = lines[body_start - 1:]
    missing = [(start, "\n".join(block).strip()) for start, block in _blocks(body, body_start)
               if not is_marker_line(block[0])]
    if not missing:
        return Plan(path, rel, ())
    en_path = path.with_name(path.name[: -len(".zh.md")] + ".en.md")
    en_rel = rel[: -len(".zh.md")] + ".en.md"
    en_ids = _ids_in(read_text(en_path, en_rel).split("\n")) if en_path.is_file() else set()
    fresh = iter(new_ids(len(missing), _ids_in(body) | en_ids))
    assign = []
    for start, para in missing:
        provisional = "p-" + text_hash(para)[:6]  # the id the build gave it (content.parse_zh_body)
        assign.append((start, provisional if provisional in en_ids else next(fresh)))
    return Plan(path, rel, tuple(assign))


def insert_markers(raw: str, assign: tuple[tuple[int, str], ...]) -> str:
    """``raw`` with a marker line before each given line; line endings (CRLF too) and a BOM stay as they are."""
    lines = _RAW_LINE_RE.findall(raw)
    for line, sid in sorted(assign, reverse=True):
        i = line - 1
        ending = _EOL_RE.search(lines[i] if i < len(lines) else "") or (_EOL_RE.search(lines[i - 1]) if i else None)
        lines.insert(i, f"<!-- § {sid} -->" + (ending.group() if ending else "\n"))
    return "".join(lines)


def run(args: argparse.Namespace) -> int:
    from site_builder.output import atomic_write

    root: Path = args.root
    folder = root / "content" / "articles"
    plans: list[Plan] = []
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.zh.md")) if folder.is_dir() else []:
        rel = path.relative_to(root).as_posix()
        try:
            p = plan(path, rel)
        except SiteError as exc:
            problems.extend(exc.problems)
            continue
        if p.assign:
            plans.append(p)
    if problems:
        raise ContentError(problems)
    if args.check:
        for p in plans:
            for line, _sid in p.assign:
                print(f"{p.rel}:{line}: paragraph has no section id")
        return 1 if plans else 0
    for p in plans:
        raw = p.path.read_bytes().decode("utf-8")
        try:
            atomic_write(p.path, insert_markers(raw, p.assign).encode("utf-8"))
        except OSError as exc:
            raise ContentError(f"cannot write: {exc.strerror or exc}", p.rel, 0) from None
        if not args.quiet:
            print(f"{p.rel}: {len(p.assign)} section id{'s' if len(p.assign) != 1 else ''} written", file=sys.stderr)
    return 0
