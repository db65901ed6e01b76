"""Site data -> the list of pages to render (template + context per output path).

Views are plain dicts so templates stay free of logic. Page generators are
small functions ``(SiteData) -> list[Page]``; :data:`GENERATORS` lists them in
order and later stages (entities, hubs, feeds) add their own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from site_builder import search, urls, views
from site_builder.config import SiteConfig
from site_builder.deps import digest
from site_builder.i18n import KIND_KEYS, ui
from site_builder.markdown import Renderer, plain_text
from site_builder.model import META_IDS, Article, Section

LANGS = ("zh", "en")


class Lazy(Mapping[str, Any]):
    """A page context made when it is first read, and dropped again with :meth:`release`.

    A build makes every page's context only if it renders the page, and a worker
    process makes the contexts of the pages it renders; no build holds them all.
    """

    __slots__ = ("_make", "_value")

    def __init__(self, make: Callable[[], dict[str, Any]]) -> None:
        self._make = make
        self._value: dict[str, Any] | None = None

    def _get(self) -> dict[str, Any]:
        if self._value is None:
            self._value = self._make()
        return self._value

    def __getitem__(self, key: str) -> Any:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def release(self) -> None:
        self._value = None


@dataclass(frozen=True)
class Page:
    path: str  # output path relative to the site root
    template: str
    lang: str
    context: Mapping[str, Any]  # a dict, or a Lazy one
    counterpart: str | None = None  # the same page in the other language
    deps: tuple[str, ...] = ()  # input keys this page was made from (for incremental builds)


@dataclass
class SiteData:
    """Everything the page generators need; built once per build by :mod:`site_builder.build`."""

    config: SiteConfig
    articles: list[Article]
    renderer: Renderer
    extras: dict[str, Any] = field(default_factory=dict)  # filled by later stages (entities, hubs)
    text_hook: Callable[..., Any] | None = None  # entity linking; see markdown.TextHook
    # makes the links of HTML rendered for urls.ANY_PAGE relative to one page: (html, page path, text language)
    resolve_links: Callable[[str, str, str], str] | None = None
    # each section's HTML, rendered once for all the pages it goes on: (slug, section id, text language) -> html
    section_html: dict[tuple[str, str, str], str] = field(default_factory=dict, repr=False)
    # each article's title as pages in a language show it (meta_text), made once: (slug, lang) -> view, read-only
    title_views: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict, repr=False)

    @functools.cached_property
    def by_slug(self) -> dict[str, Article]:
        """The articles by slug."""
        return {a.slug: a for a in self.articles}

    @functools.cached_property
    def paragraph_numbers(self) -> dict[tuple[str, str], int]:
        """(article slug, section id) -> the section's position in its article, from 1."""
        return {(a.slug, s.id): n for a in self.articles for n, s in enumerate(a.sections, 1)}


def other(lang: str) -> str:
    return "en" if lang == "zh" else "zh"


def section_view(site: SiteData, article: Article, section: Section, lang: str,
                 page_path: str | None = None) -> dict[str, Any]:
    """One section as shown on a page in ``lang``: html, content language, translation state.

    ``page_path`` is the page the HTML goes on (default: the article page in ``lang``); links are relative to it.
    """
    page_path = page_path or urls.article_path(lang, article.slug)
    if lang == "zh":
        return {"id": section.id, "html": _html(site, article, section.id, section.text, "zh", page_path),
                "lang": "zh", "state": "source"}
    state = article.translation_state(section)
    if state == "missing":
        return {"id": section.id, "html": _html(site, article, section.id, section.text, "zh", page_path),
                "lang": "zh", "state": state}
    tr = article.en.translations[section.id]
    return {"id": section.id, "html": _html(site, article, section.id, tr.text, "en", page_path), "lang": "en",
            "state": state}


def _html(site: SiteData, article: Article, section_id: str, text: str, text_lang: str, page_path: str) -> str:
    """A section's text (Chinese, or its English) as HTML for the page at ``page_path``.

    Rendered once for every page it goes on when the site can resolve links
    afterwards (:attr:`SiteData.resolve_links`), else for this page.
    """
    env = {"text_hook": site.text_hook, "article": article.slug, "section": section_id}
    if site.resolve_links is None:
        html = site.renderer.render(text, text_lang, **env, page_path=page_path)
        return views.mark_cjk(html) if text_lang == "en" else html
    key = (article.slug, section_id, text_lang)
    once = site.section_html.get(key)
    if once is None:
        once = site.renderer.render(text, text_lang, **env, page_path=urls.ANY_PAGE)
        site.section_html[key] = once = views.mark_cjk(once) if text_lang == "en" else once
    return site.resolve_links(once, page_path, text_lang)


def title_view(site: SiteData, article: Article, lang: str) -> dict[str, str]:
    """``meta_text(article, "title", lang)``, made once per build (entity pages list hundreds of titles each)."""
    view = site.title_views.get((article.slug, lang))
    if view is None:
        view = site.title_views[article.slug, lang] = meta_text(article, "title", lang)
    return view


def meta_text(article: Article, key: str, lang: str) -> dict[str, str]:
    """A front-matter field in ``lang`` (falling back to Chinese): {'text', 'lang', 'state'}."""
    zh = getattr(article.meta, key)
    if not zh:
        return {"text": "", "lang": lang, "state": "source"}
    if lang == "zh":
        return {"text": zh, "lang": "zh", "state": "source"}
    sec = Section(key, zh, 1)
    state = article.translation_state(sec)
    if state == "missing":
        return {"text": zh, "lang": "zh", "state": state}
    return {"text": plain_text(article.en.translations[key].text), "lang": "en", "state": state}


def article_summary(article: Article, lang: str, people: dict[str, Any] | None = None) -> dict[str, Any]:
    """What listings need about an article; ``people`` (``extras['people']``) names and links its reporters."""
    first = article.sections[0] if article.sections else None
    lead = ""
    lead_lang = lang
    if first is not None:
        if lang == "en" and article.translation_state(first) != "missing":
            lead = plain_text(article.en.translations[first.id].text)
        else:
            lead, lead_lang = plain_text(first.text), "zh"
    if len(lead) > (90 if lead_lang == "zh" else 240):
        lead = lead[: (90 if lead_lang == "zh" else 240)].rstrip() + "…"
    return {
        "slug": article.slug,
        "url": urls.article_path(lang, article.slug),
        "parallel_url": urls.parallel_path(lang, article.slug),
        "title": meta_text(article, "title", lang),
        "subtitle": meta_text(article, "subtitle", lang),
        "kicker": meta_text(article, "kicker", lang),
        "column": meta_text(article, "column", lang),
        "kind": ui(lang)[KIND_KEYS[article.meta.kind]],
        "kind_id": article.meta.kind,
        "date": article.meta.date,
        "event_date": article.meta.event_date,
        "reporters": views.byline_view(article.meta.reporters, lang, people),
        "lead": lead,
        "lead_lang": lead_lang,
        "source": article.meta.source,
        "source_lines": article.meta.source_lines,
    }


def _base_context(site: SiteData, lang: str) -> dict[str, Any]:
    return {"lang": lang, "other": other(lang), "t": ui(lang), "site": site.config,
            "site_title": site.config.title[lang], "tagline": site.config.tagline[lang], "extras": site.extras}


def article_pages(site: SiteData) -> list[Page]:
    return [page for art in site.articles for page in pages_of_article(site, art)]


def pages_of_article(site: SiteData, art: Article) -> list[Page]:
    """The article's own pages: the article and its parallel view, in each language."""
    deps = (f"article:{art.slug}",) + (("registry",) if site.text_hook else ())  # entity links
    pages = []
    for lang in LANGS:
        pages.append(Page(urls.article_path(lang, art.slug), "article.html", lang,
                          Lazy(functools.partial(_article_context, site, art, lang)),
                          urls.article_path(other(lang), art.slug), deps))
        pages.append(Page(urls.parallel_path(lang, art.slug), "parallel.html", lang,
                          Lazy(functools.partial(_parallel_context, site, art, lang)),
                          urls.parallel_path(other(lang), art.slug), deps))
    return pages


def _article_context(site: SiteData, art: Article, lang: str) -> dict[str, Any]:
    sections = [section_view(site, art, s, lang) for s in art.sections]
    counts = {state: sum(1 for s in sections if s["state"] == state) for state in ("machine", "reviewed", "stale", "missing")}
    summary = article_summary(art, lang, site.extras.get("people"))
    return {**_base_context(site, lang), "article": summary, "sections": sections, "counts": counts,
            "parallel_url": urls.parallel_path(lang, art.slug), "og_type": "article",
            "og_title": summary["title"]["text"], "og_description": summary["lead"],
            "jsonld": views.article_json_ld(site.config, art, lang, summary)}


def _parallel_context(site: SiteData, art: Article, lang: str) -> dict[str, Any]:
    rows = []
    ppath = urls.parallel_path(lang, art.slug)
    for s in art.sections:
        rows.append({"id": s.id, "zh": section_view(site, art, s, "zh", ppath), "en": section_view(site, art, s, "en", ppath)})
    return {**_base_context(site, lang), "article": article_summary(art, lang, site.extras.get("people")),
            "rows": rows,
            "article_url": urls.article_path(lang, art.slug),
            "zh_title": meta_text(art, "title", "zh"), "en_title": meta_text(art, "title", "en")}


def listing_pages(site: SiteData) -> list[Page]:
    deps = (f"hash:{digest(*(summary_digest(a) for a in site.articles))}",  # the summaries, in order
            *(("registry",) if site.text_hook else ()))  # bylines
    pages = []
    for lang in LANGS:
        pages.append(Page(urls.home_path(lang), "home.html", lang, Lazy(functools.partial(_home_context, site, lang)),
                          urls.home_path(other(lang)), deps + ("file:" + views.HOME_FILE,)))
        pages.append(Page(urls.index_path(lang), "articles.html", lang,
                          Lazy(functools.partial(_listing_context, site, lang)), urls.index_path(other(lang)), deps))
    root_ctx = {**_base_context(site, "en"), "choices": [
        {"lang": lang, "url": urls.home_path(lang), "title": site.config.title[lang], "tagline": site.config.tagline[lang],
         "label": ui(lang)["lang_name"]} for lang in LANGS]}
    # made from site.toml and the interface strings (code) alone: see site_builder.deps for what every page sees
    pages.append(Page("index.html", "root.html", "en", root_ctx, None, ("config",)))
    pages.append(Page("404.html", "404.html", "en", {**_base_context(site, "en"), "zh_t": ui("zh")}, None, ("config",)))
    return pages


def summary_digest(article: Article) -> str:
    """A digest of everything :func:`article_summary` reads of ``article`` (its front matter, first section
    and their translations), so that listings need not be rendered again for edits further down an article."""
    first = article.sections[:1]
    parts = [article.slug, article.path, repr(article.meta), *(f"{s.id}\0{s.text}" for s in first)]
    for sid in (*META_IDS, *(s.id for s in first)):
        tr = article.en.translations.get(sid)
        parts.append(repr(None if tr is None else (tr.text, tr.status, tr.zh_hash, tr.mt_hash)))
    return digest(*parts)


def _listing_context(site: SiteData, lang: str) -> dict[str, Any]:
    people = site.extras.get("people")
    return {**_base_context(site, lang), "articles": [article_summary(a, lang, people) for a in site.articles]}


def _home_context(site: SiteData, lang: str) -> dict[str, Any]:
    home = site.extras.get("home") or {}
    return {**_listing_context(site, lang), "intro": home.get("intro", {}).get(lang, []),
            "figures": views.figures_view(home, lang), "hubs": views.hubs_view(site.extras, lang)}


def search_pages(site: SiteData) -> list[Page]:
    """The search page of each language (the index itself is made after rendering, by :mod:`site_builder.search`)."""
    info = {"available": search.available(site.config.root),
            "bundles": {lang: search.bundle_script(lang) for lang in LANGS}}
    # whether search is available depends on the installed tools, part of the code's hash (site_builder.deps)
    return [Page(views.search_path(lang), "search.html", lang, {**_base_context(site, lang), "search": info},
                 views.search_path(other(lang)), ("config",)) for lang in LANGS]


def entity_and_hub_pages(site: SiteData) -> list[Page]:
    """Entity pages, the who's who, hover-card data and the explainer hubs (see :mod:`site_builder.entity_pages`)."""
    from site_builder.entity_pages import GENERATORS as ENTITY_GENERATORS  # it imports this module

    return [page for gen in ENTITY_GENERATORS for page in gen(site)]


GENERATORS: list[Callable[[SiteData], list[Page]]] = [article_pages, listing_pages, search_pages, entity_and_hub_pages]
