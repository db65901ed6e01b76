"""``site-builder build``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = """\
Build the whole bilingual site from content/, templates/ and static/.

Writes a Chinese and an English page for every article, the home pages and
article indexes, into the output folder (site.toml `output`, default public/).
Nothing in the output folder changes unless the whole build succeeds; files
whose bytes did not change are not rewritten.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build", help="build the site", description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, help="output folder (default: site.toml `output`)")
    p.add_argument("--strict", action="store_true",
                   help="fail (and write nothing) on any error `site-builder check` would report")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from site_builder.build import build
    from site_builder.check import gate

    report = build(args.root.resolve(), args.out, gate=gate if args.strict else None)
    if not args.quiet:
        for problem in report.warnings:
            print(str(problem), file=sys.stderr)
        print(report.summary(), file=sys.stderr)
    return 0
