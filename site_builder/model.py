"""Frozen data shared by all stages: articles, sections, translations, entities."""

from __future__ import annotations

import datetime
import functools
import hashlib
import re
from dataclasses import dataclass, field

_WS = re.compile(r"\s+")

#: Section ids that stand for front-matter fields, translated like sections.
META_IDS = ("kicker", "title", "subtitle", "column")

KINDS = ("news", "commentary", "feature")
STATUSES = ("machine", "reviewed")


def normalize_text(text: str) -> str:
    """Text as compared and hashed: stripped, white-space runs collapsed."""
    return _WS.sub(" ", text.strip())


@functools.lru_cache(maxsize=1 << 16)  # a build asks for each section's hash on every page that shows it
def text_hash(text: str) -> str:
    """First 10 hex digits of SHA-256 over :func:`normalize_text`."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()[:10]


@dataclass(frozen=True)
class Section:
    """One unit of text (normally a paragraph) with a stable id."""

    id: str
    text: str
    line: int  # 1-based line of the text's first line in its file
    provisional: bool = False  # id derived from text; no marker in the file

    @property
    def hash(self) -> str:
        return text_hash(self.text)


@dataclass(frozen=True)
class Translation:
    """The English of one section, as found in the English file."""

    id: str
    text: str
    line: int  # line of the marker
    status: str  # machine | reviewed
    zh_hash: str | None
    mt_hash: str | None = None
    engine: str | None = None
    suggestion: str | None = None
    suggestion_engine: str | None = None

    @property
    def edited(self) -> bool:
        """True when a machine draft was changed by hand (its text no longer matches ``mt``)."""
        return self.status == "machine" and self.mt_hash is not None and self.mt_hash != text_hash(self.text)

    @property
    def effective_status(self) -> str:
        return "reviewed" if self.edited else self.status


@dataclass(frozen=True)
class ArticleMeta:
    title: str
    date: datetime.date
    kind: str
    source: str
    subtitle: str = ""
    kicker: str = ""
    event_date: datetime.date | None = None
    reporters: tuple[str, ...] = ()
    column: str = ""
    source_lines: str = ""
    order: int = 0


@dataclass(frozen=True)
class EnglishDoc:
    path: str
    translations: dict[str, Translation] = field(default_factory=dict)


@dataclass(frozen=True)
class Article:
    slug: str
    path: str  # the Chinese file, relative to the project root
    meta: ArticleMeta
    sections: tuple[Section, ...]
    en: EnglishDoc

    def meta_sections(self) -> tuple[Section, ...]:
        """Front-matter fields that need translating, as pseudo-sections."""
        out = []
        for key in META_IDS:
            value = getattr(self.meta, key)
            if value:
                out.append(Section(key, value, 1))
        return tuple(out)

    def all_sections(self) -> tuple[Section, ...]:
        return self.meta_sections() + self.sections

    def translation_state(self, section: Section) -> str:
        """``missing`` | ``machine`` | ``reviewed`` | ``stale``."""
        tr = self.en.translations.get(section.id)
        if tr is None or not tr.text.strip():
            return "missing"
        if tr.zh_hash is not None and tr.zh_hash != section.hash:
            return "stale"
        return tr.effective_status


@dataclass(frozen=True)
class Entity:
    """One entry of the bilingual registry."""

    id: str
    type: str
    zh: str
    en: str
    line: int
    zh_aliases: tuple[str, ...] = ()
    en_aliases: tuple[str, ...] = ()
    pinyin: str = ""
    summary_zh: str = ""
    summary_en: str = ""
    related: tuple[str, ...] = ()
    case_sensitive: bool = True
    number: int = 0  # position for ordered entities (the ten strategies)
