"""Drafts -> Chinese content files (docs/content.md), written atomically; fresh section ids."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterable
from pathlib import Path

from site_builder.content import MARKER_START_RE
from site_builder.errors import ImportError_, Problem
from site_builder.ingest.draft import Draft
from site_builder.model import META_IDS
from site_builder.output import atomic_write

log = logging.getLogger(__name__)

ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"  # RFC 4648 base32, lower case
ID_LENGTH = 6


def new_ids(n: int, taken: Iterable[str] = ()) -> list[str]:
    """``n`` fresh random section ids (6 base32 characters), distinct from each other and from ``taken``."""
    used = set(taken) | set(META_IDS)
    out: list[str] = []
    while len(out) < n:
        sid = "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))
        if sid not in used:
            used.add(sid)
            out.append(sid)
    return out


def toml_str(s: str) -> str:
    """A TOML basic string (JSON escapes are valid TOML; DEL must be escaped too)."""
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")


def render_zh(d: Draft, ids: list[str] | None = None) -> str:
    """The Chinese article file for ``d``: front matter, then one marked section per paragraph."""
    fm = [f"title = {toml_str(d.title)}"]
    fm += [f"{key} = {toml_str(getattr(d, key))}" for key in ("subtitle", "kicker") if getattr(d, key)]
    if d.date:
        fm.append(f"date = {d.date.isoformat()}")
    if d.event_date:
        fm.append(f"event_date = {d.event_date.isoformat()}")
    fm.append(f"reporters = [{', '.join(toml_str(r) for r in d.reporters)}]")
    fm.append(f"kind = {toml_str(d.kind)}")
    if d.column:
        fm.append(f"column = {toml_str(d.column)}")
    fm += [f"source = {toml_str(d.source)}", f"source_lines = {toml_str(d.source_lines)}", f"order = {d.order}"]
    ids = ids or new_ids(len(d.paragraphs))
    body = []
    for sid, text in zip(ids, d.paragraphs):
        if MARKER_START_RE.match(text):  # text that would read as a marker: a Markdown escape keeps it text
            text = "\\" + text
        body.append(f"<!-- § {sid} -->\n{text}\n")
    return "+++\n" + "\n".join(fm) + "\n+++\n\n" + "\n".join(body)


def write_drafts(drafts: Iterable[Draft], out: Path, force: bool = False) -> list[Path]:
    """Write ``<slug>.zh.md`` for each draft into ``out``; the written paths.

    An existing file is an error unless ``force``; then it is kept as ``<name>~``
    before it is replaced. Nothing is written if any file would be refused.
    """
    drafts = list(drafts)
    missing_date = [d for d in drafts if d.date is None]
    if missing_date:
        raise ImportError_([Problem(d.source, 0, f"article {d.slug!r}: the page's date is unknown; pass --date "
                                                 "YYYY-MM-DD or put the date in the file name") for d in missing_date])
    targets = [(out / f"{d.slug}.zh.md", d) for d in drafts]
    if not force:
        exists = [Problem(str(p), 0, "exists; pass --force to replace it (the old file is kept as "
                                      f"{p.name}~)") for p, _ in targets if p.exists() or p.is_symlink()]
        if exists:
            raise ImportError_(exists)
    for path, d in targets:
        try:
            atomic_write(path, render_zh(d).encode("utf-8"), backup=True)
        except OSError as exc:
            raise ImportError_(f"cannot write: {exc.strerror or exc}", str(path), 0) from None
        log.debug("wrote %s (%d sections)", path, len(d.paragraphs))
    return [p for p, _ in targets]
