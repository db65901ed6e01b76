"""``site-builder translate``."""

from __future__ import annotations

import argparse
import sys

HELP = """\
Machine-translate every Chinese section that has no English (titles, subtitles,
kickers and columns too) with the installed zh→en Argos model, and write the
drafts into content/articles/<slug>.en.md marked status=machine.

Human work is never overwritten: a reviewed section, or a machine draft a
translator edited, is left as it is. With --refresh, stale machine drafts
(the Chinese changed since) are replaced, and stale reviewed sections get a
suggestion block beside the reviewed text.

Sentences are cached in content/translation-memory.jsonl: a re-run on
unchanged content makes no model calls. Install a model first with
`site-builder models install`.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("translate", help="machine-translate missing English sections", description=HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("slugs", nargs="*", metavar="SLUG", help="only these articles (default: all)")
    p.add_argument("--refresh", action="store_true", help="also redo stale machine drafts; suggest for stale reviewed text")
    p.add_argument("--dry-run", action="store_true", help="show what would be translated; change nothing")
    p.add_argument("--beam-size", type=int, default=4, help="beam size for the model (default 4)")
    p.add_argument("--batch-size", type=int, default=32, help="sentences per CTranslate2 batch (default 32)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from site_builder.errors import TranslationError
    from site_builder.translate import argos
    from site_builder.translate.pipeline import translate_project
    from site_builder.translate.progress import Progress

    if args.beam_size < 1 or args.batch_size < 1:
        raise TranslationError("--beam-size and --batch-size must be at least 1", "site-builder")

    def engine_id() -> str:
        info = argos.find_zh_en()
        if info is None:
            raise TranslationError(argos.install_hint(str(argos.packages_dir())), "site-builder")
        return info.engine_id

    def get_engine() -> argos.ArgosEngine:
        return argos.load_engine(beam_size=args.beam_size, batch_size=args.batch_size)

    progress = Progress(enabled=False) if args.quiet else Progress()
    report = translate_project(args.root.resolve(), engine_id, get_engine, refresh=args.refresh,
                               slugs=args.slugs, dry_run=args.dry_run, progress=progress)
    if args.dry_run:
        for path, sid, action in report.planned:
            print(f"{path}: § {sid}: {action}")
        if not args.quiet:
            n = len(report.planned)
            print(f"{n} section{'s' if n != 1 else ''} would be translated (dry run: nothing written)", file=sys.stderr)
        return 0
    for problem in report.problems:
        print(str(problem), file=sys.stderr)
    if not args.quiet:
        print(report.summary(), file=sys.stderr)
    return 1 if report.problems else 0
