"""``content/entities.toml`` -> validated :class:`Entity` objects with line numbers.

Schema: docs/entities.md. Used by the entity linker, the translation glossary
and the QA checks, so all three agree on the registered names.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from site_builder.config import parse_toml, read_text
from site_builder.errors import ContentError, Problem
from site_builder.forked import Forked
from site_builder.model import Entity

if TYPE_CHECKING:
    from site_builder.memo import Memo

REGISTRY = "content/entities.toml"
TYPES = ("person", "place", "organisation", "company", "policy", "target", "strategy", "topic")
ENTITY_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_FIELDS = {
    "id": str, "type": str, "zh": str, "en": str, "zh_aliases": list, "en_aliases": list, "pinyin": str,
    "summary_zh": str, "summary_en": str, "related": list, "case_sensitive": bool, "number": int,
    "description_zh": str, "description_en": str, "zh_exclude": list, "en_exclude": list,
}
# Types whose names are proper nouns: each pinyin word is capitalised.
_PROPER = {"person", "place", "organisation", "company"}


@dataclass(frozen=True)
class Registry:
    entities: tuple[Entity, ...]
    descriptions: dict[str, dict[str, str]]  # id -> {"zh": ..., "en": ...}
    # id -> {"zh": phrases, "en": phrases}: text containing a name that is *not* a mention
    excludes: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)

    def by_id(self) -> dict[str, Entity]:
        return {e.id: e for e in self.entities}


def table_lines(text: str, table: str = "entity") -> list[int]:
    """1-based line of each ``[[table]]`` header in TOML ``text``, in order."""
    pat = rf"^[ \t]*\[\[{re.escape(table)}\]\]"  # [ \t]*: \s* would rescan blank lines (quadratic)
    return [text.count("\n", 0, m.start()) + 1 for m in re.finditer(pat, text, re.M)]


def field_line(text: str, start: int, key: str) -> int:
    """Line of ``key =`` in the table whose header is on line ``start`` (``start`` if not found)."""
    lines = text.split("\n")
    for i in range(start, len(lines)):
        if lines[i].lstrip().startswith("["):
            break
        if re.match(rf"^\s*{re.escape(key)}\s*=", lines[i]):
            return i + 1
    return start


_table_lines = table_lines
_field_line = field_line


def make_pinyin(zh: str, etype: str) -> str:
    """Pinyin with tone marks: people as 'Zhū Jiànjūn'; other names one syllable per word."""
    from pypinyin import Style, pinyin  # its tables take a quarter of a second to load: only when needed

    syllables = [s[0] for s in pinyin(zh, style=Style.TONE, errors="default")]
    if etype == "person" and len(syllables) >= 2:
        return f"{syllables[0].capitalize()} {''.join(syllables[1:]).capitalize()}"
    out = ""
    for syl in syllables:
        if syl in "、，,":
            out += ", "
        elif out and not out.endswith(" "):
            out += " " + syl
        else:
            out += syl
    words = out.split(" ")
    if etype in _PROPER:
        words = [w[:1].upper() + w[1:] for w in words]
    else:
        words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words)


def load_registry(root: Path, memo: Memo | None = None) -> Registry:
    """Load and validate the registry; a missing file is an empty registry. Raises ContentError.

    With a ``memo``, a registry that did not change since it was last loaded is not parsed again
    (nor are its pinyin generated).
    """
    if memo is None:
        return _load_registry(root)
    return memo.get_or_make(_memo_key(memo), lambda: _load_registry(root))


def registry_meanwhile(root: Path, memo: Memo | None = None) -> Callable[[], Registry]:
    """:func:`load_registry`, begun now and finished when the returned function is called.

    A registry to parse (new or edited, or with no memo) is parsed by a forked process on
    the other core while this one reads the articles: a name without pinyin loads the
    pinyin tables, a quarter of a second. Whatever goes wrong there is done again here,
    so the errors are the same.
    """
    found = memo.get(_memo_key(memo)) if memo is not None else None
    if found is not None:
        return lambda: found  # type: ignore[no-any-return]
    parse = functools.partial(_load_registry, root)
    job = Forked(parse, fallback=parse)

    def result() -> Registry:
        registry = job.result()
        if memo is not None:
            memo.put(_memo_key(memo), registry)
        return registry

    return result


def _memo_key(memo: Memo) -> str:
    return memo.key("registry", memo.file(REGISTRY))


def _load_registry(root: Path) -> Registry:
    path = root / REGISTRY
    if not path.exists() and not path.is_symlink():
        return Registry((), {})
    text = read_text(path, REGISTRY)
    data = parse_toml(text, REGISTRY, ContentError)
    problems: list[Problem] = []
    extra = set(data) - {"entity"}
    for key in sorted(extra):
        problems.append(Problem(REGISTRY, 1, f"unknown top-level key {key!r}; entities go in [[entity]] tables"))
    tables = data.get("entity", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        problems.append(Problem(REGISTRY, 1, "'entity' must be a list of [[entity]] tables"))
        tables = [t for t in tables if isinstance(t, dict)] if isinstance(tables, list) else []
    heads = _table_lines(text)
    entities: list[Entity] = []
    descriptions: dict[str, dict[str, str]] = {}
    excludes: dict[str, dict[str, tuple[str, ...]]] = {}
    seen: dict[str, int] = {}
    for n, tab in enumerate(tables):
        line = heads[n] if n < len(heads) else 1
        ok = True
        for key in sorted(set(tab) - set(_FIELDS)):
            problems.append(Problem(REGISTRY, _field_line(text, line, key), f"unknown entity field {key!r}"))
            ok = False
        for key, typ in _FIELDS.items():
            if key in tab and not isinstance(tab[key], typ):
                problems.append(Problem(REGISTRY, _field_line(text, line, key), f"{key!r} must be a {typ.__name__}"))
                ok = False
        for key in ("id", "type", "zh", "en"):
            if not tab.get(key):
                problems.append(Problem(REGISTRY, line, f"entity is missing {key!r}"))
                ok = False
        if not ok:
            continue
        eid = tab["id"]
        if not ENTITY_ID_RE.match(eid):
            problems.append(Problem(REGISTRY, _field_line(text, line, "id"), f"invalid entity id {eid!r}: use a-z, 0-9 and '-'"))
            continue
        if tab["type"] not in TYPES:
            problems.append(Problem(REGISTRY, _field_line(text, line, "type"), f"unknown type {tab['type']!r} (use one of {', '.join(TYPES)})"))
            continue
        if eid in seen:
            problems.append(Problem(REGISTRY, line, f"duplicate entity id {eid!r} (first on line {seen[eid]})"))
            continue
        seen[eid] = line
        for key in ("zh_aliases", "en_aliases", "related", "zh_exclude", "en_exclude"):
            if not all(isinstance(v, str) and v.strip() for v in tab.get(key, [])):
                problems.append(Problem(REGISTRY, _field_line(text, line, key), f"{key!r} must be a list of non-empty strings"))
                ok = False
        if not ok:
            continue
        entities.append(Entity(
            id=eid, type=tab["type"], zh=tab["zh"].strip(), en=tab["en"].strip(), line=line,
            zh_aliases=tuple(a.strip() for a in tab.get("zh_aliases", [])),
            en_aliases=tuple(a.strip() for a in tab.get("en_aliases", [])),
            pinyin=tab.get("pinyin") or make_pinyin(tab["zh"].strip(), tab["type"]), summary_zh=tab.get("summary_zh", ""), summary_en=tab.get("summary_en", ""),
            related=tuple(tab.get("related", [])), case_sensitive=tab.get("case_sensitive", True),
            number=tab.get("number", 0),
        ))
        descriptions[eid] = {"zh": tab.get("description_zh", ""), "en": tab.get("description_en", "")}
        ent = entities[-1]
        for lang, names in (("zh", (ent.zh, *ent.zh_aliases)), ("en", (ent.en, *ent.en_aliases))):
            phrases = tuple(tab.get(f"{lang}_exclude", []))
            for phrase in phrases:
                if not any(n in phrase if lang == "zh" else n.lower() in phrase.lower() for n in names):
                    problems.append(Problem(REGISTRY, _field_line(text, line, f"{lang}_exclude"),
                                            f"entity {eid!r}: {lang}_exclude phrase {phrase!r} contains none of its names"))
            if phrases:
                excludes.setdefault(eid, {})[lang] = phrases
    for ent in entities:
        for rid in ent.related:
            if rid not in seen:
                problems.append(Problem(REGISTRY, _field_line(text, ent.line, "related"), f"entity {ent.id!r}: unknown related id {rid!r}"))
    if problems:
        raise ContentError(problems)
    return Registry(tuple(entities), descriptions, excludes)
