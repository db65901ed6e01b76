"""``site-builder serve``."""

from __future__ import annotations

import argparse
from pathlib import Path

from site_builder.config import DEV_OUT

HELP = """\
Build the site and serve it for editing, with live reload.

Serves on http://127.0.0.1:8000/ (only this machine; --host 0.0.0.0 exposes it
deliberately; when port 8000 is taken, on the next free port, which it names).
Watches content/ (including site.toml), templates/ and static/, rebuilds what
changed a moment after you save, and reloads the open pages.
An edited article's own pages are shown at once, rendered from the site kept
in memory, until the full build lands. If a file is broken, the last good site
stays up with the error (file:line) shown at the top of every page until the
file is fixed. The live-reload script is added only to what this server sends,
never to the built files.

The development build goes to .site-builder-cache/serve/ (or --out), never
into the publishing output folder.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="build, serve and rebuild on change (live reload)", description=HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=None,
                   help="port (default: 8000, or the next free one when 8000 is taken); a given port that is "
                        "taken is an error")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1; 0.0.0.0 makes it reachable from other machines)")
    p.add_argument("--out", type=Path, help=f"folder for the development build (default: {DEV_OUT})")
    p.add_argument("--open", action="store_true", help="open the site in a web browser")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from site_builder.serve import serve

    root = args.root.resolve()
    out = args.out.resolve() if args.out else root / DEV_OUT
    serve(root, out, host=args.host, port=args.port, open_browser=args.open)
    return 0
