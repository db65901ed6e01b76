"""Registry -> mentions of entities in Chinese and English text -> links and the mentions index.

One Aho-Corasick automaton per language finds every registered name in a text in
one pass. Overlaps are resolved leftmost-longest (温岭经济开发区 is one mention of
the zone, not of 温岭); English names must stand as whole words, and match
case-insensitively only where the entity says ``case_sensitive = false``.

:meth:`Linker.hook` is the markdown text hook (see :mod:`site_builder.markdown`):
it turns the first mention of each entity in a section into a link to the
entity's page in the page's language (:meth:`Linker.hook_html` writes the same
links as HTML, for paragraphs that skip the Markdown parser).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ahocorasick_rs

from site_builder import urls
from site_builder.errors import ContentError, Problem
from site_builder.markdown import escape_html, plain_text
from site_builder.model import Article, Entity
from site_builder.registry import Registry, load_registry

if TYPE_CHECKING:
    from markdown_it.token import Token

    from site_builder.memo import Memo

log = logging.getLogger(__name__)

LANGS = ("zh", "en")
REGISTRY = "content/entities.toml"
LINKED_KEY = "_entities_linked"  # env key: ids already linked in the section being rendered


def entity_path(lang: str, entity_id: str) -> str:
    return f"{lang}/entities/{entity_id}/index.html"


def entities_index_path(lang: str) -> str:
    return f"{lang}/entities/index.html"


def cards_path(lang: str) -> str:
    return f"{lang}/entities/cards.json"


@dataclass(frozen=True)
class Match:
    """One mention: ``text[start:end]`` names entity ``entity``."""

    entity: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class _Pattern:
    surface: str  # the name as registered
    entity: str
    case_sensitive: bool
    exclude: bool = False  # a phrase in which this entity's name is not a mention of it
    # every occurrence is a mention (Linker._accept would say so): a Chinese name that neither starts nor
    # ends with a digit (Chinese is searched as written, and has no word boundaries)
    always: bool = False


@dataclass(frozen=True)
class _Automaton:
    """One language's names: ``find(text, True)`` gives every occurrence of every key as (key index, start, end)."""

    find: Callable[[str, bool], list[tuple[int, int, int]]]
    patterns: tuple[tuple[_Pattern, ...], ...]  # by key index: the registered names and phrases of that key


def _lower(text: str) -> str:
    """Lower-case character by character, keeping every index where it was."""
    low = text.lower()
    # Same length: every character lowered to one character. Only capital sigma lowers by context
    # (final ς); everywhere else this is the character-by-character result, at C speed.
    if len(low) == len(text) and "Σ" not in text:
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _is_digit(ch: str) -> bool:
    return ch.isdigit() or ch == "."


def _names(entity: Entity, lang: str) -> list[str]:
    names = [entity.zh, *entity.zh_aliases] if lang == "zh" else [entity.en, *entity.en_aliases]
    return list(dict.fromkeys(n for n in names if n))


def check_names(entities: Sequence[Entity]) -> list[Problem]:
    """Names or aliases that would match for two entities (the registry must be unambiguous)."""
    problems: list[Problem] = []
    for lang in LANGS:
        owner: dict[str, Entity] = {}
        for ent in entities:
            for name in _names(ent, lang):
                key = name if lang == "zh" else name.lower()
                other = owner.get(key)
                if other is not None and other.id != ent.id:
                    if lang == "zh" or other.case_sensitive is False or ent.case_sensitive is False or \
                            name in _names(other, lang):
                        problems.append(Problem(REGISTRY, ent.line, f"entity {ent.id!r}: name {name!r} is also a name "
                                                f"of {other.id!r} (line {other.line}); names must be unambiguous"))
                        continue
                owner.setdefault(key, ent)
    return problems


class Linker:
    """Finds mentions of registered entities and links them; immutable once built."""

    def __init__(self, entities: Iterable[Entity], link_every_mention: bool = False,
                 excludes: Mapping[str, Mapping[str, Sequence[str]]] | None = None) -> None:
        """``excludes``: entity id -> {lang: phrases in which its name is not a mention of it}."""
        self.entities: dict[str, Entity] = {e.id: e for e in entities}
        self.link_every_mention = link_every_mention
        self._excludes = excludes or {}
        self._automata = {lang: self._build(lang) for lang in LANGS}
        self._known: dict[str, dict[str, tuple[Match, ...]]] = {lang: {} for lang in LANGS}
        self._open_tags: dict[tuple[str, str], str] = {}  # (href, entity id) -> the link's opening tag (hook_html)

    def remember(self, sm: SectionMentions) -> None:
        """The mentions the index found in a section's texts: :meth:`matches` of the same text returns them.

        (A section is searched when the index is made and again when its HTML is
        rendered, where a plain paragraph's text is the same string.)
        """
        self._known["zh"][sm.zh_text] = sm.zh
        if sm.en_text:
            self._known["en"][sm.en_text] = sm.en

    def _build(self, lang: str) -> _Automaton | None:
        # English is searched in lower case; each pattern then checks its own case rule.
        table: dict[str, list[_Pattern]] = {}
        for ent in self.entities.values():
            for name in _names(ent, lang):
                key = name if lang == "zh" else _lower(name)
                always = lang == "zh" and not name[0].isdigit() and not name[-1].isdigit()
                table.setdefault(key, []).append(_Pattern(name, ent.id, lang == "zh" or ent.case_sensitive,
                                                          always=always))
            for phrase in self._excludes.get(ent.id, {}).get(lang, ()):
                key = phrase if lang == "zh" else _lower(phrase)
                if key:
                    table.setdefault(key, []).append(_Pattern(phrase, ent.id, False, exclude=True))
        if not table:
            return None
        # Every occurrence of every name, overlapping ones too (the standard match kind), as (key, start, end)
        # in characters; a DFA: the fastest to search, and small for a registry's names.
        keys = list(table)
        search = ahocorasick_rs.AhoCorasick(keys, implementation=ahocorasick_rs.Implementation.DFA)
        return _Automaton(search.find_matches_as_indexes, tuple(tuple(table[key]) for key in keys))

    def matches(self, text: str, lang: str) -> list[Match]:
        """All mentions in ``text`` (plain text in ``lang``), left to right, never overlapping.

        Where candidates overlap, the one that starts first wins, and of those the longest.
        """
        known = self._known.get(lang, {}).get(text)
        if known is not None:
            return list(known)
        auto = self._automata.get(lang)
        if auto is None or not text:
            return []
        hay = text if lang == "zh" else _lower(text)
        found: list[Match] = []
        excluded: list[Match] = []
        patterns_of = auto.patterns
        for key, start, end in auto.find(hay, True):
            for pat in patterns_of[key]:
                if pat.exclude:
                    excluded.append(Match(pat.entity, start, end, text[start:end]))
                elif pat.always or self._accept(text, start, end, pat, lang):
                    found.append(Match(pat.entity, start, end, text[start:end]))
                    break
        if excluded:
            found = [m for m in found if not any(x.entity == m.entity and x.start <= m.start and m.end <= x.end
                                                 for x in excluded)]
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        out: list[Match] = []
        pos = 0
        for m in found:
            if m.start >= pos:
                out.append(m)
                pos = m.end
        return out

    @staticmethod
    def _accept(text: str, start: int, end: int, pat: _Pattern, lang: str) -> bool:
        surface = text[start:end]
        if pat.case_sensitive and surface != pat.surface:
            return False
        before = text[start - 1] if start > 0 else ""
        after = text[end] if end < len(text) else ""
        if lang == "en":  # whole words: "Wenling" is not a mention inside "Wenlingese"
            if _is_word(surface[0]) and before and _is_word(before):
                return False
            if _is_word(surface[-1]) and after and _is_word(after):
                return False
        # numbers are whole in both languages: "2000亿" is not inside "12000亿"
        if surface[0].isdigit() and before and _is_digit(before):
            return False
        if surface[-1].isdigit() and after and (after.isdigit() or (after == "." and text[end + 1:end + 2].isdigit())):
            return False
        return True

    # -- the markdown text hook ------------------------------------------------------------

    def hook(self, text: str, env: dict[str, Any]) -> list[Token] | None:
        """Replace ``text`` by tokens with links for the mentions to link; None if nothing changes.

        ``env`` carries ``lang`` (of the text) and ``page_path`` (the output page the
        HTML goes to: links are relative to it and go to the entity pages in its
        language). Without ``page_path`` nothing is linked.
        """
        from markdown_it.token import Token  # (the parser's path: markdown-it is loaded)

        links = self._links(text, env)
        if links is None:
            return None
        tokens: list[Token] = []
        pos = 0
        for m, href in links:
            if m.start > pos:
                tokens.append(Token("text", "", 0, content=text[pos:m.start]))
            tokens.append(Token("link_open", "a", 1, attrs={"href": href, "class": "ent", "data-entity": m.entity}))
            tokens.append(Token("text", "", 0, content=m.text))
            tokens.append(Token("link_close", "a", -1))
            pos = m.end
        if pos < len(text):
            tokens.append(Token("text", "", 0, content=text[pos:]))
        return tokens

    def hook_html(self, text: str, env: dict[str, Any]) -> str | None:
        """What the tokens of :meth:`hook` render to (markdown-it's HTML), made without them; None likewise."""
        links = self._links(text, env)
        if links is None:
            return None
        tags = self._open_tags
        out = []
        pos = 0
        for m, href in links:
            if m.start > pos:
                out.append(escape_html(text[pos:m.start]))
            tag = tags.get((href, m.entity))
            if tag is None:
                tag = tags[href, m.entity] = \
                    f'<a href="{escape_html(href)}" class="ent" data-entity="{escape_html(m.entity)}">'
            out.append(tag)
            out.append(escape_html(m.text))
            out.append("</a>")
            pos = m.end
        if pos < len(text):
            out.append(escape_html(text[pos:]))
        return "".join(out)

    def _links(self, text: str, env: dict[str, Any]) -> list[tuple[Match, str]] | None:
        """The mentions in ``text`` to link, with their addresses (see :meth:`hook`); None if there are none."""
        page_path = env.get("page_path")
        if not page_path:
            return None
        lang = env.get("lang", "zh")
        page_lang = _page_language(page_path, lang)
        linked: set[str] = env.setdefault(LINKED_KEY, set())
        links = []
        for m in self.matches(text, lang):
            if m.entity in linked and not self.link_every_mention:
                continue
            linked.add(m.entity)
            if page_path == urls.ANY_PAGE:  # resolved for each page the HTML goes on
                href = f"\x00{m.entity}\x00"
            else:
                href = urls.relative(page_path, entity_path(page_lang, m.entity))
            links.append((m, href))
        return links or None

    @staticmethod
    def resolve(html: str, page_path: str, lang: str) -> str:
        """``html`` rendered with ``page_path=urls.ANY_PAGE``, its entity links made relative to ``page_path``.

        The result is what rendering with ``page_path`` itself gives (``lang``: the language of the text).
        """
        if "\x00" not in html:
            return html
        page_lang = _page_language(page_path, lang)
        folder = page_path.split("/")[:-1]
        if len(folder) >= 2 and folder[0] == page_lang and folder[1] != "entities":
            # a page in the language's tree, outside its entities folder: every link climbs to the language
            # folder and goes down to entities/<id>/ (what urls.relative gives, without working it out each time)
            prefix = "../" * (len(folder) - 1) + "entities/"
            # "\x00" stands for nothing else in rendered HTML (markdown-it replaces it in the text it reads), and
            # registry ids are what the placeholder pattern matches: every second part is an entity id
            parts = html.split("\x00")
            parts[1::2] = [f"{prefix}{eid}/" for eid in parts[1::2]]
            return "".join(parts)
        return _PLACEHOLDER.sub(lambda m: urls.relative(page_path, entity_path(page_lang, m.group(1))), html)


_PLACEHOLDER = re.compile("\x00([a-z0-9-]+)\x00")


def _page_language(page_path: str, lang: str) -> str:
    """Entity links go to the entity pages in the language of the page (or of the text, off the language trees)."""
    page_lang = page_path.split("/", 1)[0]
    return page_lang if page_lang in LANGS else lang


# -- the mentions index -----------------------------------------------------------------------


@dataclass(frozen=True)
class SectionMentions:
    """The plain text of one section in both languages and the mentions found in each."""

    article: str
    section: str
    zh_text: str
    zh: tuple[Match, ...]
    en_text: str | None  # None when the section has no English yet
    en: tuple[Match, ...]

    def entities(self) -> list[str]:
        """Ids mentioned in either language, in order of first mention (Chinese first)."""
        return list(dict.fromkeys([m.entity for m in self.zh] + [m.entity for m in self.en]))


@dataclass(frozen=True)
class MentionIndex:
    sections: dict[tuple[str, str], SectionMentions]  # (article slug, section id) -> mentions
    mentions: dict[str, list[tuple[str, str]]]  # entity id -> [(article slug, section id)], in reading order

    def of(self, entity_id: str) -> list[SectionMentions]:
        return [self.sections[key] for key in self.mentions.get(entity_id, [])]


def english_text(article: Article, section_id: str) -> str | None:
    tr = article.en.translations.get(section_id)
    return plain_text(tr.text) if tr is not None and tr.text.strip() else None


def build_index(linker: Linker, articles: Sequence[Article], memo: Memo | None = None,
                registry_key: str = "") -> MentionIndex:
    """Mentions of every entity in every body section of every article, in both languages.

    With a ``memo`` (and ``registry_key``, the hash of what the linker was made from), the
    mentions of an article whose files did not change are not looked for again.
    """
    sections: dict[tuple[str, str], SectionMentions] = {}
    mentions: dict[str, list[tuple[str, str]]] = {}
    keys = [mentions_key(memo, registry_key, linker.link_every_mention, art.path, memo.file(art.path),
                         memo.file(art.en.path)) if memo is not None else "" for art in articles]
    kept = memo.get_many(keys) if memo is not None else {}
    for art, key in zip(articles, keys, strict=True):
        found = kept.get(key)
        if found is None:
            found = article_mentions(linker, art)
            if memo is not None:
                memo.put(key, found)  # kept for the next build
        for sm in found:
            linker.remember(sm)
            where = (art.slug, sm.section)
            sections[where] = sm
            for eid in sm.entities():
                mentions.setdefault(eid, []).append(where)
    return MentionIndex(sections, mentions)


def people(entities: Iterable[Entity]) -> dict[str, dict[str, Any]]:
    """``extras['people']``: bylines name a registered reporter as the registry does and link to their page
    (:func:`site_builder.views.byline_view`)."""
    return {name: {"id": e.id, "en": e.en, "url": {lang: entity_path(lang, e.id) for lang in LANGS}}
            for e in entities if e.type == "person" for name in (e.zh, *e.zh_aliases)}


def mentions_key(memo: Memo, registry_key: str, every: bool, rel: str, zh_hash: str, en_hash: str) -> str:
    """The memo key of the mentions in the article of the Chinese file ``rel`` when its files hash as given."""
    return memo.key("mentions", registry_key, str(every), rel, zh_hash, en_hash)


def article_mentions(linker: Linker, art: Article) -> tuple[SectionMentions, ...]:
    """The mentions in each body section of ``art``, in order."""
    out = []
    for sec in art.sections:
        zh_text = plain_text(sec.text)
        en_text = english_text(art, sec.id)
        out.append(SectionMentions(art.slug, sec.id, zh_text, tuple(linker.matches(zh_text, "zh")), en_text,
                                   tuple(linker.matches(en_text, "en")) if en_text else ()))
    return tuple(out)


@dataclass(frozen=True)
class EntityData:
    """The registry, its linker and the mentions index: what pages, search and QA share."""

    registry: Registry
    linker: Linker
    index: MentionIndex


def load_entities(root: Path, articles: Sequence[Article], link_every_mention: bool = False,
                  memo: Memo | None = None, registry_soon: Callable[[], Registry] | None = None) -> EntityData:
    """Load and check the registry, and index every mention; raises ContentError (path:line).

    ``registry_soon``: the registry's loading begun earlier (:func:`site_builder.registry.registry_meanwhile`).
    """
    registry = registry_soon() if registry_soon is not None else load_registry(root, memo)
    problems = check_names(registry.entities)
    if problems:
        raise ContentError(problems)
    linker = Linker(registry.entities, link_every_mention, registry.excludes)
    registry_key = memo.file(REGISTRY) if memo is not None else ""
    return EntityData(registry, linker, build_index(linker, articles, memo, registry_key))


# -- quoting a mention in context ------------------------------------------------------------

SNIPPET_WIDTH = {"zh": 40, "en": 110}


def snippet(text: str, start: int, end: int, lang: str) -> dict[str, str]:
    """The text around ``text[start:end]``: {'before', 'mark', 'after', 'lang'}, cut at word boundaries."""
    width = SNIPPET_WIDTH.get(lang, 80)
    a, b = max(0, start - width), min(len(text), end + width)
    if lang == "en":  # do not cut words in half
        if a > 0:
            space = text.find(" ", a, start)
            a = space + 1 if space != -1 else a
        if b < len(text):
            space = text.rfind(" ", end, b)
            b = space if space != -1 else b
    before = ("…" if a > 0 else "") + text[a:start]
    after = text[end:b] + ("…" if b < len(text) else "")
    return {"before": before, "mark": text[start:end], "after": after, "lang": lang}


def quote_mention(sm: SectionMentions, entity_id: str, lang: str) -> list[dict[str, str]]:
    """How a page in ``lang`` quotes the mention of ``entity_id`` in a section.

    The section's text in ``lang`` comes first (the Chinese if the English is
    missing); if the name is not found in that text (a translation may say it
    differently), the other language follows, with the name highlighted.
    """
    texts = {"zh": (sm.zh_text, sm.zh), "en": (sm.en_text or "", sm.en)}
    order = [lang, "en" if lang == "zh" else "zh"] if texts[lang][0] else ["zh"]
    out: list[dict[str, str]] = []
    for lg in order:
        text, matches = texts[lg]
        if not text:
            continue
        m = next((m for m in matches if m.entity == entity_id), None)
        if m is not None:
            out.append(snippet(text, m.start, m.end, lg))
            break
        if not out:  # the page's language first, even without a highlight
            out.append(snippet(text, 0, 0, lg))
    return out
