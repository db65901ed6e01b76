"""Command line: ``site-builder <command>``. The only place that prints errors and picks exit codes."""

from __future__ import annotations

import argparse
import atexit
import codecs
import importlib
import io
import logging
import os
import sys
import threading
import traceback
from pathlib import Path

from site_builder import __version__
from site_builder.config import require_project
from site_builder.errors import SiteError

# Each command lives in site_builder/commands/<name>.py with register(subparsers).
COMMANDS = ["build", "importer", "ids", "translate", "review", "status", "models", "check", "serve"]
# Commands that work on a project, and say so when the folder is not one; `import` reads a raw
# page from anywhere and `models` manages the translation models of the machine.
ON_PROJECT = {"build", "ids", "translate", "review", "status", "check", "serve"}

DESCRIPTION = """\
Build a bilingual (Chinese/English) explainer site from newspaper articles.

The project folder holds content/ (site.toml, articles, entities, data),
templates/ and static/. Run commands from the project folder or pass --root.
"""


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="site-builder", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"site-builder {__version__}")
    _add_common(parser, Path("."), False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"site_builder.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"site_builder.commands.{name}":
                continue
            raise
        module.register(sub)
    for command in sub.choices.values():  # `site-builder build -v` as well as `site-builder -v build`
        _add_common(command, argparse.SUPPRESS, argparse.SUPPRESS)  # not given after the command: as before it
    return parser


def _add_common(parser: argparse.ArgumentParser, root: object, flag: object) -> None:
    """The options every command takes, before or after its name."""
    parser.add_argument("--root", type=Path, default=root, help="project folder (default: the current folder)")
    parser.add_argument("-v", "--verbose", action="store_true", default=flag, help="more output; tracebacks on errors")
    parser.add_argument("-q", "--quiet", action="store_true", default=flag, help="only errors")


def _printable_anywhere() -> None:
    """A console or pipe that cannot encode Chinese (a Windows code page, ASCII) gets escapes, not a crash."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict" \
                and codecs.lookup(stream.encoding).name != "utf-8":
            stream.reconfigure(errors="backslashreplace")


def main(argv: list[str] | None = None) -> int:
    _printable_anywhere()
    parser = make_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR if args.quiet else logging.INFO, format="%(message)s", stream=sys.stderr)
    if args.verbose:  # ours only: the libraries' debug output (markdown-it's, per block) would bury it
        logging.getLogger("site_builder").setLevel(logging.DEBUG)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        if args.command in ON_PROJECT:
            require_project(args.root)
        return int(args.func(args) or 0)
    except SiteError as exc:
        if args.verbose:
            traceback.print_exc()
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        n = sum(1 for p in exc.problems if p.severity == "error")
        print(f"{n} error{'s' if n != 1 else ''}; nothing was written", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except OSError as exc:  # disk full, permission denied ... : a message, not a traceback
        if args.verbose:
            traceback.print_exc()
        where = exc.filename or "site-builder"
        print(f"{where}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def run() -> None:
    """The ``site-builder`` program: :func:`main`, then an exit that does not free what the program holds.

    A build holds the whole site's data; the interpreter would free it object by
    object as it shuts down, 0.35-0.4 s at 2,000 articles (more than a no-change
    build takes), for nothing. So once the output streams are flushed and the exit
    handlers have run (the logging's, the worker processes', any tool's), the
    process ends at once. With threads still running, or on an interpreter without
    the handlers' runner, it exits the usual way.
    """
    code = main()
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if threading.active_count() > 1 or run_exit_handlers is None:
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`): nothing more can be said there
            pass
    run_exit_handlers()
    os._exit(code)
