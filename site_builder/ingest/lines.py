"""A raw source page -> numbered lines, with clean errors for files that are not text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from site_builder.content import read_text
from site_builder.errors import ImportError_, SiteError

# C0 controls other than tab, LF, VT, FF, CR (and DEL): a text page never has them.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Line:
    """One source line: its 1-based number and its text without surrounding white space."""

    no: int
    text: str
    page_break: bool = False  # the raw line held a form feed


def decode(text: str, rel: str) -> tuple[Line, ...]:
    """Lines of already-decoded ``text`` (BOM and CRLF removed); raises ImportError_ for binary or empty text."""
    m = _CONTROL_RE.search(text)
    if m:
        line = text.count("\n", 0, m.start()) + 1
        what = "contains NUL bytes" if m.group() == "\x00" else f"control character U+{ord(m.group()):04X}"
        raise ImportError_(f"binary file ({what})", rel, line)
    # str.strip() also removes full-width spaces (U+3000) and form feeds (page breaks)
    lines = tuple(Line(i, raw.strip(), "\f" in raw) for i, raw in enumerate(text.split("\n"), 1))
    if not any(ln.text for ln in lines):
        raise ImportError_("empty file: no text to import", rel, 1)
    return lines


def read_source(path: Path, rel: str) -> tuple[Line, ...]:
    """The lines of the source page at ``path``; every failure is an ImportError_ naming ``rel``."""
    try:
        text = read_text(path, rel)
    except SiteError as exc:
        raise ImportError_(exc.problems) from None
    return decode(text, rel)
