"""``site-builder check``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HELP = """\
Check the site before publishing; exit code 1 on any error.

Builds the site into a temporary folder (or reads an existing output folder
with --site) and reports: broken internal links and anchors, sections with no
English, stale English, translation QA findings (figures, registered names),
entity references that do not resolve, and pages missing their hreflang
counterpart. Each finding is printed as `path:line: message`, then a summary
table. `build --strict` fails on the same errors.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="check links, translations and entities before publishing", description=HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--site", type=Path, metavar="DIR",
                   help="check this already built output folder instead of building into a temporary one")
    p.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from site_builder.check import run_check
    from site_builder.errors import SiteError

    root = args.root.resolve()
    site = None
    if args.site is not None:
        site = args.site if args.site.is_absolute() else Path.cwd() / args.site
        if not site.is_dir():
            raise SiteError("no built site here (run `site-builder build` first, or leave out --site)", args.site, 0)
    report = run_check(root, site)
    if args.json:
        json.dump(report.as_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for finding in report.findings:
            print(str(finding.problem))
        if report.findings:
            print()
        print(report.table())
    return 0 if report.ok else 1
