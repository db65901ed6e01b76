"""``site-builder models``: install and list the zh→en translation model."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HELP = """\
Manage the Argos Translate packages used by `site-builder translate`.

  site-builder models list                      what is installed, and where
  site-builder models install                   download the zh→en package from the Argos index
  site-builder models install --from-file F     install translate-zh_en-<version>.argosmodel offline

Packages go where argostranslate keeps them: $ARGOS_PACKAGES_DIR if set,
else ~/.local/share/argos-translate/packages.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="install or list translation models", description=HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    msub = p.add_subparsers(dest="models_command", metavar="ACTION")
    lst = msub.add_parser("list", help="list installed packages")
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(func=run_list)
    inst = msub.add_parser("install", help="install the zh→en package")
    inst.add_argument("--from-file", type=Path, metavar="FILE", help="a .argosmodel file to install offline")
    inst.set_defaults(func=run_install)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def run_list(args: argparse.Namespace) -> int:
    from site_builder.translate import argos

    packages = argos.installed()
    chosen = argos.find_zh_en()
    if args.json:
        rows = [{"name": p.name, "from": p.from_code, "to": p.to_code, "version": p.version, "path": p.path,
                 "used_by_translate": chosen is not None and p.path == chosen.path} for p in packages]
        json.dump({"packages_dir": str(argos.packages_dir()), "packages": rows}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    print(f"Argos packages in {argos.packages_dir()}:")
    if not packages:
        print("  (none)")
    for p in packages:
        mark = "  ← used by translate" if chosen is not None and p.path == chosen.path else ""
        print(f"  {p.name:<20} {p.from_code}→{p.to_code}  version {p.version:<8} {p.path}{mark}")
    if chosen is None:
        print(argos.install_hint(), file=sys.stderr)
    return 0


def run_install(args: argparse.Namespace) -> int:
    from site_builder.translate import argos

    info = argos.install_from_file(args.from_file) if args.from_file else argos.install_online()
    if not args.quiet:
        print(f"installed {info.name} {info.version} ({info.from_code}→{info.to_code}) into {info.path}",
              file=sys.stderr)
    return 0
