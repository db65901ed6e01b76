"""Translation QA: does the English say what the Chinese says?

For every section that has English (machine or reviewed, not stale):

* every figure of the Chinese appears in the English with the same value
  (compared as quantities: 2000亿元 = 2×10^11 = "200 billion" = "200bn");
* every registered entity the Chinese mentions appears under its registered
  English name or one of its English aliases;
* the output is not degenerate: no Chinese characters left, no runs of the
  same words, a length in proportion to the Chinese.

Findings are :class:`~site_builder.errors.Problem` s at the English section's
marker line. Used by ``site-builder status``, ``check`` and translators.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from site_builder.content import load_articles
from site_builder.errors import Problem
from site_builder.markdown import GAP_RE
from site_builder.model import Article, Entity
from site_builder.registry import Registry, load_registry
from site_builder.translate import figures
from site_builder.translate.protect import PROTECTED_TYPES, Glossary

_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_QUOTES = str.maketrans({'"': None, "“": None, "”": None, "’": "'", "‘": "'"})
MIN_RATIO, MAX_RATIO = 1.2, 12.0  # English characters per Chinese character (translations here: 3.2-6.6)
MIN_CHARS_FOR_RATIO = 10


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text.translate(_QUOTES))


def _names(ent: Entity) -> list[str]:
    out = []
    for name in (ent.en, *ent.en_aliases):
        name = _plain(name).strip()
        name = re.sub(r"^(?:the|The)\s+", "", name)
        if name:
            out.append(name)
    return out


def entity_in_english(ent: Entity, en: str) -> bool:
    """True when ``en`` names ``ent`` by its registered English or an alias, as whole words."""
    text = _plain(en)
    flags = 0 if ent.case_sensitive else re.IGNORECASE
    return any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text, flags) for n in _names(ent))


def repeated_run(en: str) -> str | None:
    """A run of the same word or phrase repeated 3+ times in a row (4+ for single words), or None."""
    words = re.findall(r"\w+", en.lower())
    for n in (1, 2, 3, 4):
        need = 4 if n == 1 else 3
        for i in range(len(words) - n * need + 1):
            gram = words[i:i + n]
            if all(words[i + k * n:i + (k + 1) * n] == gram for k in range(need)):
                return " ".join(gram)
    if len(words) >= 12 and len(set(words)) / len(words) < 0.25:
        return " ".join(sorted(set(words), key=words.index)[:3])
    return None


def _zh_length(zh: str) -> int:
    return len(re.sub(r"\s", "", GAP_RE.sub("", zh)))


def check_section(zh: str, en: str, where: Problem, mentions: Glossary, protected: Glossary) -> list[Problem]:
    """Findings for one section; ``where`` gives path, line and the message prefix."""
    out: list[Problem] = []

    def add(message: str, severity: str = "error") -> None:
        out.append(Problem(where.path, where.line, f"{where.message}: {message}", severity))

    names = protected.find(zh)
    inside = [(m.start, m.end) for m in names]
    zh_figs = [f for f in figures.find_zh(zh) if not any(a <= f.start and f.end <= b for a, b in inside)]
    for fig in figures.missing_in_english(zh_figs, en):
        shown = fig.text if fig.english == fig.text else f"{fig.text} ({fig.english})"
        add(f"figure {shown} is missing from the English")
    seen: set[str] = set()
    for men in mentions.find(zh):
        ent = men.entity
        if ent.id in seen:
            continue
        seen.add(ent.id)
        if not entity_in_english(ent, en):
            add(f"{zh[men.start:men.end]} must appear as {ent.en!r}"
                + (f" (or {', '.join(repr(a) for a in ent.en_aliases)})" if ent.en_aliases else ""))
    left = _CJK_RUN.findall(en)
    if left:
        add(f"Chinese characters left in the English: {' '.join(left[:5])}")
    run = repeated_run(en)
    if run:
        add(f"degenerate output: {run!r} repeated")
    zh_len = _zh_length(zh)
    if zh_len >= MIN_CHARS_FOR_RATIO:
        ratio = len(en.strip()) / zh_len
        if ratio < MIN_RATIO:
            add(f"English is far shorter than expected ({len(en.strip())} characters for {zh_len} Chinese)", "warning")
        elif ratio > MAX_RATIO:
            add(f"English is far longer than expected ({len(en.strip())} characters for {zh_len} Chinese)", "warning")
    return out


def check_articles(articles: Sequence[Article], entities: Iterable[Entity]) -> list[Problem]:
    """QA findings for every translated, up-to-date section of ``articles``."""
    ents = tuple(entities)
    mentions = Glossary(ents)
    protected = Glossary(ents, PROTECTED_TYPES)
    out: list[Problem] = []
    for art in articles:
        for sec in art.all_sections():
            if art.translation_state(sec) not in ("machine", "reviewed"):
                continue
            tr = art.en.translations[sec.id]
            where = Problem(art.en.path, tr.line, f"section {sec.id}")
            out.extend(check_section(sec.text, tr.text, where, mentions, protected))
    return out


def check_project(root: Path, registry: Registry | None = None) -> list[Problem]:
    """QA findings for the whole project (raises SiteError if the content itself does not load)."""
    articles = load_articles(root)
    reg = registry if registry is not None else load_registry(root)
    return check_articles(articles, reg.entities)
