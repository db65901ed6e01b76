"""Translation memory: ``content/translation-memory.jsonl``, committed and shared.

One JSON object per line, sorted by (kind, model, src), so the file is
deterministic and git merges entries line by line:

* ``{"kind": "sentence", "model": <engine id>, "src": <hash>, "zh": <model input>, "en": <model output>}``
  caches every model call, keyed by the hash of the text sent to the model and
  the model id: a re-run on unchanged content makes no model calls, and a
  sentence that occurs twice is translated once;
* ``{"kind": "section", "model": "reviewed", "src": <text_hash of the Chinese>, ...}``
  is a reviewed translation of a whole section, reused as the draft when the
  same Chinese section turns up again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from site_builder.content import read_text
from site_builder.errors import ContentError, Problem
from site_builder.model import normalize_text, text_hash
from site_builder.output import atomic_write

log = logging.getLogger(__name__)

MEMORY = "content/translation-memory.jsonl"
REVIEWED = "reviewed"
_KEYS = ("kind", "model", "src", "zh", "en")


def sentence_hash(text: str) -> str:
    """First 16 hex digits of SHA-256 over the normalised text sent to the model."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Entry:
    kind: str  # sentence | section
    model: str
    src: str
    zh: str
    en: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.model, self.src)

    def line(self) -> str:
        return json.dumps({k: getattr(self, k) for k in _KEYS}, ensure_ascii=False)


class Memory:
    """The translation memory of one project (mutable cache; saved atomically)."""

    def __init__(self, entries: list[Entry] | None = None, path: Path | None = None):
        self.path = path
        self._entries: dict[tuple[str, str, str], Entry] = {}
        for e in entries or []:
            self._entries.setdefault(e.key, e)
        self._loaded = self.dumps()

    @classmethod
    def load(cls, root: Path) -> Memory:
        """Read the project's memory; a missing file is empty. Raises ContentError with path:line."""
        path = root / MEMORY
        if not path.exists():
            return cls([], path)
        text = read_text(path, MEMORY)
        entries: list[Entry] = []
        problems: list[Problem] = []
        for n, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                if not isinstance(obj, dict) or set(obj) != set(_KEYS) or not all(isinstance(obj[k], str) for k in _KEYS):
                    raise ValueError(f"expected an object with string fields {', '.join(_KEYS)}")
                if obj["kind"] not in ("sentence", "section"):
                    raise ValueError(f"unknown kind {obj['kind']!r}")
            except ValueError as exc:  # json.JSONDecodeError is a ValueError
                problems.append(Problem(MEMORY, n, f"invalid translation-memory entry: {exc}"))
                continue
            entries.append(Entry(**obj))
        if problems:
            raise ContentError(problems)
        return cls(entries, path)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, model: str, text: str) -> str | None:
        """Cached model output for ``text`` (checked against the stored source, not only its hash)."""
        e = self._entries.get(("sentence", model, sentence_hash(text)))
        return e.en if e is not None and normalize_text(e.zh) == normalize_text(text) else None

    def put(self, model: str, text: str, en: str) -> None:
        self._entries[("sentence", model, sentence_hash(text))] = Entry("sentence", model, sentence_hash(text), text, en)

    def get_section(self, zh: str) -> str | None:
        """A reviewed English for exactly this Chinese section, if one was ever recorded."""
        e = self._entries.get(("section", REVIEWED, text_hash(zh)))
        return e.en if e is not None and normalize_text(e.zh) == normalize_text(zh) else None

    def section_source(self, zh_hash: str) -> str | None:
        """The Chinese of the reviewed section recorded under ``zh_hash`` (normalised), if any: what a
        stale English was made from, to show what has changed since."""
        e = self._entries.get(("section", REVIEWED, zh_hash))
        return e.zh if e is not None else None

    def put_section(self, zh: str, en: str) -> None:
        h = text_hash(zh)
        self._entries[("section", REVIEWED, h)] = Entry("section", REVIEWED, h, normalize_text(zh), en.strip())

    def dumps(self) -> str:
        return "".join(e.line() + "\n" for _k, e in sorted(self._entries.items()))

    @property
    def changed(self) -> bool:
        return self.dumps() != self._loaded

    def save(self) -> bool:
        """Write the file atomically if anything changed; returns True when written."""
        if self.path is None or not self.changed:
            return False
        data = self.dumps()
        atomic_write(self.path, data.encode("utf-8"))
        self._loaded = data
        log.debug("translation memory: %d entries written to %s", len(self._entries), self.path)
        return True
