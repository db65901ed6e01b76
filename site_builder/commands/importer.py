"""``site-builder import SOURCE.txt``: propose article drafts from a raw newspaper page."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from site_builder.ingest import Proposal

HELP = """\
Turn a raw newspaper page (plain text from the print layout) into article drafts.

Headlines, kickers, subtitles, column names and bylines are recognised,
paragraphs split by the layout are rejoined, and text that cannot be placed
in an article is listed as an orphan fragment. If a map file lies beside the
source (<name>.map.toml), the drafts follow it exactly. Drafts are written to
the drafts folder as <slug>.zh.md; an existing file is never replaced unless
--force, and then it is kept as <name>~. See docs/import.md.
"""


def _year(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 9999:
        raise argparse.ArgumentTypeError(f"not a year: {value!r}")
    return int(value)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date like 2022-02-09: {value!r}") from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="propose article drafts from a raw newspaper page", description=HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", type=Path, metavar="SOURCE.txt", help="the page as plain UTF-8 text")
    p.add_argument("--out", type=Path, help="drafts folder (default: drafts/ in the project folder)")
    p.add_argument("--force", action="store_true", help="replace existing drafts, keeping each old file as <name>~")
    p.add_argument("--dry-run", action="store_true", help="print the proposal; write nothing")
    p.add_argument("--json", action="store_true", help="print the proposal as JSON (implies --dry-run)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--map", type=Path, help="the page's map file (default: <source>.map.toml beside it, if any)")
    group.add_argument("--no-map", action="store_true", help="ignore the map file: propose by the rules alone")
    p.add_argument("--year", type=_year, help="year for dates in leads such as 2月8日 (default: the page's year)")
    p.add_argument("--date", type=_date, help="the page's date (default: from the file name or a masthead line)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from site_builder.errors import ImportError_
    from site_builder.ingest import map_path_for, propose, read_page
    from site_builder.ingest.mapfile import load_map
    from site_builder.ingest.write import write_drafts

    source: Path = args.source
    map_path = None if args.no_map else args.map or map_path_for(source)
    page_map = load_map(map_path, str(map_path)) if map_path and (args.map or map_path.exists()) else None
    try:
        page = read_page(source, str(source), args.root, year=args.year, page_date=args.date, page_map=page_map)
    except ImportError_ as exc:  # a source that is not text: one line naming the file
        print(exc.problems[0], file=sys.stderr)
        return 1
    proposal = propose(page, page_map)
    if args.json:
        data = proposal.as_json()
        data["map"] = str(map_path) if page_map is not None else None  # null: proposed by the rules alone
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if args.dry_run:
        _print_summary(proposal, page.rel)
        if page_map is not None:
            print(f"  (as the map {map_path} says; --no-map: by the rules alone)")
        return 0
    out = args.out if args.out is not None else args.root / "drafts"
    written = write_drafts(proposal.drafts, out, force=args.force)
    if not args.quiet:
        for path in written:
            print(f"wrote {path}", file=sys.stderr)
        for o in proposal.orphans:
            print(f"{page.rel}:{o.line}: warning: orphan fragment, not placed in any article: {_short(o.text)}",
                  file=sys.stderr)
    return 0


def _print_summary(proposal: Proposal, rel: str) -> None:
    n, k = len(proposal.drafts), len(proposal.orphans)
    print(f"{rel}: {n} article{'s' * (n != 1)}, {k} orphan fragment{'s' * (k != 1)}")
    for d in proposal.drafts:
        who = "、".join(d.reporters) or "no byline"
        paras = len(d.paragraphs)
        print(f"  {d.order}. {d.title} ({d.kind}; {who}) - {paras} paragraph{'s' * (paras != 1)}, lines {d.source_lines}"
              f" -> {d.slug}.zh.md")
    for o in proposal.orphans:
        print(f"  orphan, line {o.line}: {_short(o.text)}")
    for note in proposal.notes:
        print(f"  note, line {note.line}: {note.message}")


def _short(text: str, n: int = 30) -> str:
    return text if len(text) <= n else text[:n] + "…"
