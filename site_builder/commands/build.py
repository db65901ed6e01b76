"""``site-builder build``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HELP = """\
Build the whole bilingual site from content/, templates/ and static/.

Writes a Chinese and an English page for every article, the home pages and
article indexes, into the output folder (site.toml `output`, default public/).
Nothing in the output folder changes unless the whole build succeeds; files
whose bytes did not change are not rewritten. A folder given with --out that
holds files no build of this project made is not replaced: the build stops
and names them (--force replaces them).

Builds are incremental: only pages whose inputs (content, registry, data,
templates, config) changed since the last build into the same folder are
rendered again, and a build with no changes stops at once. An edit that
changes nothing other pages show of its article (its text, not its title, its
mentions of entities or a passage quoted elsewhere) reads only that article and
replaces only its pages' files. The record lives in .site-builder-cache/ (safe
to delete); --full ignores it. The output is the same either way.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build", help="build the site", description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, help="output folder (default: site.toml `output`)")
    p.add_argument("--strict", action="store_true",
                   help="fail (and write nothing) on any error `site-builder check` would report")
    p.add_argument("--full", action="store_true", help="render every page, ignoring what the last build recorded")
    p.add_argument("--force", action="store_true",
                   help="replace the output folder's files even if no build of this project made them (a build "
                        "into a folder that is not the project's own stops rather than do that)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from site_builder.build import build
    from site_builder.progress import TerminalProgress

    gate = None
    if args.strict:  # the checks are only imported for a strict build
        from site_builder import check

        gate = check.gate

    progress = TerminalProgress(sys.stderr) if sys.stderr.isatty() and not args.quiet else None
    try:
        report = build(args.root.resolve(), Path(os.path.abspath(args.out)) if args.out else None, gate=gate, incremental=not args.full,
                       progress=progress, force=args.force)
    finally:
        if progress is not None:
            progress.close()
    if not args.quiet:
        for problem in report.warnings:
            print(str(problem), file=sys.stderr)
        print(report.summary(), file=sys.stderr)
    return 0
