"""Machine-readable files: Atom feeds, sitemap.xml, robots.txt (JSON-LD for pages: :mod:`site_builder.views`).

All of them need absolute URLs, made from ``base_url`` in site.toml. When
``base_url`` is only a path (no scheme and host), the sitemap and feeds cannot
be valid; they are left out and the build warns once.
"""

from __future__ import annotations

import functools
import html
import logging
import re
from collections.abc import Callable, Container
from datetime import date

from site_builder import urls
from site_builder.config import SiteConfig
from site_builder.deps import digest
from site_builder.i18n import ui
from site_builder.markdown import plain_text
from site_builder.model import Article
from site_builder.pages import LANGS, Page, SiteData, article_summary, other, section_view
from site_builder.views import feed_path

log = logging.getLogger(__name__)

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
#: The paper is published in China: dates in feeds carry China Standard Time.
TZ = "+08:00"
#: Entries in each feed: the newest articles. A feed is polled for what is new; an archive of thousands
#: of full articles in one file (megabytes, rewritten by every edit) would serve no reader.
FEED_ENTRIES = 50
#: Pages that are not content: no place in the sitemap.
_NOT_IN_SITEMAP = re.compile(r"^(404\.html|[a-z]{2}/search/index\.html)$")


def escape(text: str) -> str:
    """``&``, ``<`` and ``>`` escaped, as ``xml.sax.saxutils.escape`` does (that module imports ``urllib.request``,
    and with it HTTP, e-mail and TLS support: a fortieth of a second of every build's start-up)."""
    return html.escape(text, quote=False)


def quoteattr(text: str) -> str:
    """An attribute value escaped and quoted, as ``xml.sax.saxutils.quoteattr`` does."""
    text = escape(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"' + text.replace('"', "&quot;") + '"'


def has_absolute_base(config: SiteConfig) -> bool:
    return bool(re.match(r"^https?://[^/]+/", config.base_url))


def _timestamp(d: date) -> str:
    return f"{d.isoformat()}T00:00:00{TZ}"


def _article_html(site: SiteData, article: Article, lang: str) -> str:
    parts = []
    for s in article.sections:
        view = section_view(site, article, s, lang)
        parts.append(f'<div lang="{view["lang"]}">{view["html"]}</div>')
    return "\n".join(parts)


def newest(articles: list[Article]) -> list[Article]:
    """The :data:`FEED_ENTRIES` newest articles, newest first (ties keep the listing order)."""
    return sorted(articles, key=lambda a: a.meta.date, reverse=True)[:FEED_ENTRIES]


def atom_feed(site: SiteData, lang: str) -> bytes:
    """The Atom feed of the :data:`FEED_ENTRIES` newest articles in ``lang``, newest first (ties keep the listing order)."""
    base = site.config.base_url
    t = ui(lang)
    articles = newest(site.articles)
    updated = max((a.meta.date for a in articles), default=date(2022, 2, 9))
    home = urls.absolute(base, urls.home_path(lang))
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           f'<feed xmlns="{ATOM_NS}" xml:lang="{lang}">',
           f"  <title>{escape(site.config.title[lang])} · {escape(t['feed_title'])}</title>",
           f"  <subtitle>{escape(site.config.tagline[lang])}</subtitle>",
           f"  <id>{escape(home)}</id>",
           f'  <link rel="self" type="application/atom+xml" href={quoteattr(urls.absolute(base, feed_path(lang)))}/>',
           f'  <link rel="alternate" type="text/html" hreflang="{lang}" href={quoteattr(home)}/>',
           f'  <link rel="alternate" type="application/atom+xml" hreflang="{other(lang)}" '
           f'href={quoteattr(urls.absolute(base, feed_path(other(lang))))}/>',
           f"  <updated>{_timestamp(updated)}</updated>",
           f"  <author><name>{escape(t['publisher'])}</name></author>"]
    for art in articles:
        summary = article_summary(art, lang, site.extras.get("people"))
        url = urls.absolute(base, urls.article_path(lang, art.slug))
        title = summary["title"]
        out += [f"  <entry xml:base={quoteattr(url)}>",
                f'    <title xml:lang="{title["lang"]}">{escape(plain_text(title["text"]))}</title>',
                f"    <id>{escape(url)}</id>",
                f'    <link rel="alternate" type="text/html" hreflang="{lang}" href={quoteattr(url)}/>',
                f'    <link rel="alternate" type="text/html" hreflang="{other(lang)}" '
                f'href={quoteattr(urls.absolute(base, urls.article_path(other(lang), art.slug)))}/>',
                f"    <published>{_timestamp(art.meta.date)}</published>",
                f"    <updated>{_timestamp(art.meta.date)}</updated>"]
        for r in summary["reporters"]:
            uri = f"<uri>{escape(urls.absolute(base, r['url']))}</uri>" if r["url"] else ""
            out.append(f'    <author><name xml:lang="{r["lang"]}">{escape(r["text"])}</name>{uri}</author>')
        out.append(f'    <summary xml:lang="{summary["lead_lang"]}">{escape(summary["lead"])}</summary>')
        out.append(f'    <content type="html">{escape(_article_html(site, art, lang))}</content>')
        out.append("  </entry>")
    out.append("</feed>")
    return ("\n".join(out) + "\n").encode("utf-8")


def sitemap(config: SiteConfig, pages: list[Page]) -> bytes:
    """sitemap.xml listing every HTML page, with ``xhtml:link`` alternates for pages that have a counterpart."""
    base = config.base_url
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           f'<urlset xmlns="{SITEMAP_NS}" xmlns:xhtml="{XHTML_NS}">']
    for page in sorted(pages, key=lambda p: p.path):
        if not page.path.endswith(".html") or _NOT_IN_SITEMAP.match(page.path):
            continue
        out.append("  <url>")
        out.append(f"    <loc>{escape(urls.absolute(base, page.path))}</loc>")
        if page.counterpart:
            pair = {page.lang: page.path, other(page.lang): page.counterpart}
            for hreflang, path in (("zh", pair["zh"]), ("en", pair["en"]), ("x-default", pair["zh"])):
                out.append(f'    <xhtml:link rel="alternate" hreflang="{hreflang}" '
                           f"href={quoteattr(urls.absolute(base, path))}/>")
        out.append("  </url>")
    out.append("</urlset>")
    return ("\n".join(out) + "\n").encode("utf-8")


def robots(config: SiteConfig) -> bytes:
    return f"User-agent: *\nAllow: /\nSitemap: {urls.absolute(config.base_url, 'sitemap.xml')}\n".encode()


def warn_without_base(config: SiteConfig) -> None:
    log.warning("content/site.toml: warning: base_url %r has no scheme and host; sitemap.xml and the Atom feeds "
                "need absolute URLs and were not written", config.base_url)


def site_files(site: SiteData, pages: list[Page], skip: Container[str] = ()) -> dict[str, bytes]:
    """Feeds (one per language), sitemap.xml and robots.txt, by output path; empty without an absolute base_url.

    ``skip``: paths not to make (the build keeps them as the last build made them: :func:`site_file_deps`).
    """
    if not has_absolute_base(site.config):
        warn_without_base(site.config)
        return {}
    makers: dict[str, Callable[[], bytes]] = {feed_path(lang): functools.partial(atom_feed, site, lang) for lang in LANGS}
    makers["sitemap.xml"] = functools.partial(sitemap, site.config, pages)
    makers["robots.txt"] = functools.partial(robots, site.config)
    return {path: make() for path, make in makers.items() if path not in skip}


def feed_deps(slugs: list[str]) -> tuple[str, ...]:
    """What a feed of the articles ``slugs`` (newest first) is made from: which they are, in order, and their files."""
    return (f"hash:{digest(*slugs)}", *(f"article:{slug}" for slug in slugs))


def site_file_deps(site: SiteData, pages: list[Page]) -> dict[str, tuple[str, ...]]:
    """What each file :func:`site_files` makes is made from, as ``Page.deps`` keys (:mod:`site_builder.deps`),
    besides what every page is made from (the code, site.toml, the registry and data, the list of pages).

    A feed: which articles are the newest, in order, and their files. The sitemap: each page's path,
    language and counterpart.
    """
    if not has_absolute_base(site.config):
        return {}
    feed = feed_deps([a.slug for a in newest(site.articles)])
    deps = {feed_path(lang): feed for lang in LANGS}  # (a file's fingerprint has its path, so its language)
    listed = digest(*(part for p in pages for part in (p.path, p.lang, p.counterpart or "")))
    deps["sitemap.xml"] = (f"hash:{listed}",)
    deps["robots.txt"] = ("config",)
    return deps
