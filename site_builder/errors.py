"""One error type that carries the file and line it is about.

Every stage raises (or collects) :class:`SiteError`; only the CLI prints them
and chooses the exit code. Warnings are logged (:func:`warnings_caught` collects them).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """A single finding: ``path:line: message``."""

    path: str
    line: int
    message: str
    severity: str = "error"  # "error" | "warning"

    def __str__(self) -> str:
        loc = f"{self.path}:{self.line}" if self.line else self.path
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{loc}: {prefix}{self.message}"


class SiteError(Exception):
    """Raised with one or more problems; ``str()`` gives one line per problem."""

    def __init__(self, problems: list[Problem] | Problem | str, path: str | Path = "", line: int = 0):
        if isinstance(problems, str):
            problems = [Problem(str(path), line, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ContentError(SiteError):
    """Invalid content: front matter, sections, registry, data files."""


class ConfigError(SiteError):
    """Invalid site.toml."""


class ImportError_(SiteError):
    """The importer could not read a source."""


class TranslationError(SiteError):
    """Translation engine or model problems."""


def toml_error_line(exc: Exception) -> int:
    """Line number reported by a ``tomllib.TOMLDecodeError`` (1-based), or 0."""
    lineno = getattr(exc, "lineno", None)
    if isinstance(lineno, int):
        return lineno
    import re

    m = re.search(r"line (\d+)", str(exc))
    return int(m.group(1)) if m else 0


def toml_error_message(exc: Exception) -> str:
    msg = getattr(exc, "msg", None) or str(exc)
    import re

    return "invalid TOML: " + re.sub(r"\s*\(at line \d+, column \d+\)", "", str(msg))


@contextmanager
def warnings_caught(quiet: bool = False) -> Iterator[list[logging.LogRecord]]:
    """Collect what this package logs at warning level or above while the block runs (``quiet``: only collect)."""
    caught: list[logging.LogRecord] = []

    class Catch(logging.Handler):
        def emit(self, rec: logging.LogRecord) -> None:
            caught.append(rec)

    logger = logging.getLogger("site_builder")
    handler = Catch(logging.WARNING)
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = propagate and not quiet
    try:
        yield caught
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
