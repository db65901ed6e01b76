"""Reader-facing views shared by several page kinds: navigation, the home page's story and key numbers, hub entry points.

The home page's own text lives in ``content/home.toml`` (see docs/content.md):
an introduction in both languages and a list of key figures, each quoting the
Chinese sentence it comes from. The quote must appear word for word in the
named article section, so every number on the home page can be traced to the
source of record; a quote that does not match fails the build with
``path:line``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from site_builder import urls
from site_builder.config import SiteConfig, parse_toml, read_text
from site_builder.errors import ContentError, Problem
from site_builder.i18n import BYLINE_KEYS, OG_LOCALE, UI, ui
from site_builder.model import Article, normalize_text
from site_builder.registry import TYPES as ENTITY_TYPES

HOME_FILE = "content/home.toml"

#: The explainer hubs (built from content/data by the hub pages), in reading order.
HUB_IDS = ("ten-strategies", "haining", "target-2000")

_FIGURE_KEYS = {"value", "label", "source", "quote"}


def _line_of(text: str, pattern: str, nth: int = 0) -> int:
    """1-based line of the ``nth`` match of ``pattern`` in ``text`` (1 if absent)."""
    found = list(re.finditer(pattern, text, re.MULTILINE))
    if nth < len(found):
        return text.count("\n", 0, found[nth].start()) + 1
    return 1


def load_home(root: Path, articles: list[Article], failed: Collection[str] = ()) -> dict[str, Any]:
    """Read ``content/home.toml``; returns {'intro': {lang: [paragraphs]}, 'figures': [...]}.

    A missing file gives an empty home page text. Raises :class:`ContentError`
    listing every problem (unknown keys, wrong types, missing translations,
    quotes not found in the cited section), each with its line. A figure that
    cites an article in ``failed`` (slugs that could not be read: that build
    fails with their problems) is not checked against it.
    """
    path = root / HOME_FILE
    if not path.exists() and not path.is_symlink():
        return {"intro": {"zh": [], "en": []}, "figures": []}
    text = read_text(path, HOME_FILE)
    data = parse_toml(text, HOME_FILE, ContentError)
    problems: list[Problem] = []
    for key in sorted(set(data) - {"intro", "figure"}):
        problems.append(Problem(HOME_FILE, _line_of(text, rf"^[ \t]*(\[+)?{re.escape(key)}\b"), f"unknown key {key!r}"))
    intro = data.get("intro", {"zh": "", "en": ""})
    if not isinstance(intro, dict) or not all(isinstance(intro.get(lang), str) for lang in ("zh", "en")):
        problems.append(Problem(HOME_FILE, _line_of(text, r"^[ \t]*\[intro\]"), "[intro] needs zh and en strings"))
        intro = {"zh": "", "en": ""}
    sections = {a.slug: {s.id: s for s in a.sections} for a in articles}
    figures = []
    raw_figures = data.get("figure", [])
    if not isinstance(raw_figures, list):
        problems.append(Problem(HOME_FILE, _line_of(text, r"^[ \t]*figure\b"), "figure must be a list of [[figure]] tables"))
        raw_figures = []
    for i, fig in enumerate(raw_figures):
        line = _line_of(text, r"^[ \t]*\[\[figure\]\]", i)
        if not isinstance(fig, dict):
            problems.append(Problem(HOME_FILE, line, "figure must be a table"))
            continue
        for key in sorted(set(fig) - _FIGURE_KEYS):
            problems.append(Problem(HOME_FILE, line, f"figure: unknown key {key!r}"))
        bad = [k for k in ("value", "label") if not isinstance(fig.get(k), dict)
               or not all(isinstance(fig[k].get(lang), str) and fig[k][lang].strip() for lang in ("zh", "en"))]
        if bad:
            problems.append(Problem(HOME_FILE, line, f"figure: {' and '.join(bad)} need zh and en strings"))
            continue
        source, quote = fig.get("source"), fig.get("quote")
        if not isinstance(quote, str) or not quote.strip():
            problems.append(Problem(HOME_FILE, line, "figure: `quote` (the Chinese words it comes from) is required"))
            continue
        slug, _, sec_id = source.partition("#") if isinstance(source, str) else ("", "", "")
        if slug in failed:
            continue
        section = sections.get(slug, {}).get(sec_id)
        if section is None:
            problems.append(Problem(HOME_FILE, line, f"figure: source {source!r} is not an article section (slug#id)"))
            continue
        if normalize_text(quote) not in normalize_text(section.text):
            problems.append(Problem(HOME_FILE, line, f"figure: quote {quote!r} not found in {source}"))
            continue
        figures.append({"value": fig["value"], "label": fig["label"], "slug": slug, "section": sec_id, "quote": quote})
    if problems:
        raise ContentError(problems)
    paragraphs = {lang: [Markup(mark_cjk(str(escape(p.strip())))) if lang == "en" else p.strip()
                         for p in re.split(r"\n\s*\n", intro[lang]) if p.strip()] for lang in ("zh", "en")}
    return {"intro": paragraphs, "figures": figures}


def figures_view(home: dict[str, Any], lang: str) -> list[dict[str, str]]:
    """Key figures in ``lang``, each with a link target (output path + anchor) to its source sentence."""
    return [{"value": f["value"][lang], "label": f["label"][lang], "quote": f["quote"],
             "url": f"{urls.article_path(lang, f['slug'])}#{f['section']}"} for f in home.get("figures", [])]


def hub_path(lang: str, hub_id: str) -> str:
    return f"{lang}/hubs/{hub_id}/index.html"


def hubs_index_path(lang: str) -> str:
    """The list of the explainer hubs (made only when there are hubs)."""
    return f"{lang}/hubs/index.html"


def _pick(value: Any, lang: str) -> str:
    if isinstance(value, dict):
        return str(value.get(lang) or "")
    return str(value or "")


def hubs_view(extras: dict[str, Any], lang: str) -> list[dict[str, str]]:
    """Entry points to the explainer hubs present in this build.

    The hub pages put their list in ``extras['hubs']`` (a list of dicts with an
    ``id``, or a dict keyed by id, optionally with ``title``/``summary`` per
    language). Only hubs listed there are linked, so the home page never links
    to a page that was not built.
    """
    raw = extras.get("hubs") or []
    entries: dict[str, Any] = {}
    if isinstance(raw, dict):
        entries = {str(k): (v if isinstance(v, dict) else {}) for k, v in raw.items()}
    else:
        for item in raw:
            hub_id = item.get("id") if isinstance(item, dict) else getattr(item, "id", None)
            if hub_id:
                entries[str(hub_id)] = item if isinstance(item, dict) else vars(item)
    t = ui(lang)
    out = []
    order = [h for h in HUB_IDS if h in entries] + sorted(h for h in entries if h not in HUB_IDS)
    for hub_id in order:
        item = entries[hub_id]
        title = _pick(item.get("title"), lang) or t.get(f"hub_{hub_id}", hub_id)
        summary = _pick(item.get("summary"), lang) or t.get(f"hub_{hub_id}_text", "")
        out.append({"id": hub_id, "title": title, "summary": summary, "url": hub_path(lang, hub_id)})
    return out


def nav_view(lang: str, built: set[str] | frozenset[str]) -> list[dict[str, str]]:
    """The main navigation of a page in ``lang``: [{'key', 'label', 'url'}], only to pages in ``built``."""
    t = ui(lang)
    items = [("home", t["home"], urls.home_path(lang)), ("articles", t["articles"], urls.index_path(lang)),
             ("hubs", t["hubs"], hubs_index_path(lang)), ("entities", t["entities"], f"{lang}/entities/index.html"),
             ("search", t["search"], search_path(lang))]
    return [{"key": k, "label": label, "url": path} for k, label, path in items if path in built]


def search_path(lang: str) -> str:
    return f"{lang}/search/index.html"


def feed_path(lang: str) -> str:
    return f"{lang}/feed.xml"


def json_ld(data: dict[str, Any]) -> str:
    """JSON for a ``<script type="application/ld+json">`` data block, safe to put inside HTML (:func:`inert_json`)."""
    return inert_json(data)  # on every article page: compact


def inert_json(data: Any, indent: int | None = None) -> str:
    """JSON (keys sorted; compact unless ``indent``) with ``<``, ``>`` and ``&`` written as JSON escapes,
    so that no text can close a script element or open a comment, and the file read as HTML is inert."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=indent,
                      separators=None if indent is not None else (",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def byline_view(reporters: Sequence[str], lang: str,
                people: Mapping[str, Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """The reporters of an article as its byline shows them on a page in ``lang``.

    Returns one dict per reporter: ``text`` and its ``lang``; ``zh``, the name as
    printed; ``id`` and ``url`` (output path) of their entity page, or ''; ``person``
    (False for the paper's own bylines such as 本报评论员); ``sep``, what follows it.
    ``people`` maps registered Chinese names to {'id', 'en', 'url': {lang: path}}.
    A name with no English registered stays in Chinese, marked as such.
    """
    out = []
    for n, name in enumerate(reporters):
        sep = UI["list_sep"][lang] if n < len(reporters) - 1 else ""
        if name in BYLINE_KEYS:
            out.append({"text": UI[BYLINE_KEYS[name]][lang], "lang": lang, "zh": name, "id": "", "url": "",
                        "person": False, "sep": sep})
            continue
        who = (people or {}).get(name)
        text = name if who is None or lang == "zh" else who["en"]
        out.append({"text": text, "lang": "zh" if text == name else lang, "zh": name, "id": who["id"] if who else "",
                    "url": who["url"][lang] if who else "", "person": True, "sep": sep})
    return out


def article_json_ld(config: SiteConfig, article: Article, lang: str, summary: dict[str, Any]) -> str:
    """schema.org NewsArticle for the article page in ``lang`` (an English page is a translation of the Chinese)."""
    base = config.base_url
    url = urls.absolute(base, urls.article_path(lang, article.slug))
    t = ui(lang)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": summary["title"]["text"],
        "inLanguage": summary["title"]["lang"] if lang == "en" and summary["title"]["state"] == "missing" else lang,
        "datePublished": article.meta.date.isoformat(),
        "url": url,
        "mainEntityOfPage": url,
        "articleSection": summary["kind"],
        "description": summary["lead"],
        "publisher": {"@type": "Organization", "name": t["publisher"]},
        "isPartOf": {"@type": "WebSite", "name": config.title[lang], "url": urls.absolute(base, urls.home_path(lang))},
    }
    if summary["subtitle"]["text"]:
        data["alternativeHeadline"] = summary["subtitle"]["text"]
    if article.meta.event_date:
        data["dateCreated"] = article.meta.event_date.isoformat()
    authors = []
    for r in summary["reporters"]:
        if r["person"]:
            person = {"@type": "Person", "name": r["text"]}
            if r["text"] != r["zh"]:
                person["alternateName"] = r["zh"]
            if r["url"]:
                person["url"] = urls.absolute(base, r["url"])
            authors.append(person)
    if authors:
        data["author"] = authors
    else:
        data["author"] = {"@type": "Organization", "name": t["publisher"]}
    if lang == "en":
        data["translationOfWork"] = {"@type": "NewsArticle", "inLanguage": "zh",
                                     "url": urls.absolute(base, urls.article_path("zh", article.slug)),
                                     "headline": article.meta.title}
    else:
        data["workTranslation"] = {"@type": "NewsArticle", "inLanguage": "en",
                                   "url": urls.absolute(base, urls.article_path("en", article.slug))}
    return json_ld(data)


def card_labels(lang: str) -> str:
    """Labels the entity hover card needs (static/cards.js reads them from a data attribute), as JSON."""
    t = ui(lang)
    labels = {f"type_{k}": t[f"type_{k}"] for k in ENTITY_TYPES}
    labels.update({"pinyin": t["card_pinyin"], "more": t["card_more"]})
    return json.dumps(labels, ensure_ascii=False, sort_keys=True)


def chrome_view(lang: str, built: set[str], path: str) -> dict[str, Any]:
    """What every page's frame (base.html) needs: navigation, feed link, card labels, Open Graph locales."""
    other = "en" if lang == "zh" else "zh"
    return {"nav": nav_view(lang, built), "feed": feed_path(lang) if feed_path(lang) in built else None,
            "card_labels": card_labels(lang), "og_locale": OG_LOCALE[lang], "og_locale_other": OG_LOCALE[other]}


_IDEOGRAPHS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_IDEOGRAPHS}](?:[{_IDEOGRAPHS}\u3000-\u303f\uff01-\uff60]*[{_IDEOGRAPHS}])?")
_TAG_SPLIT = re.compile(r"(<[^<>]*>)")  # (a tag ends before the next "<": linear time on a stray "<")


def mark_cjk(html: str) -> str:
    """English HTML with each run of Chinese characters wrapped in ``<span lang="zh">`` (tags left untouched).

    A Chinese term quoted in English text (2000亿, 强工兴市) is then read and
    rendered as Chinese by screen readers, fonts and search.
    """
    if html.isascii() or not _CJK_RUN.search(html):  # most English sections: nothing to mark
        return html
    return _mark_runs(html)


def _mark_runs(html: str) -> str:
    """:func:`mark_cjk` without its shortcut."""
    out = []
    for part in _TAG_SPLIT.split(html):
        if part.startswith("<") and part.endswith(">"):
            out.append(part)
        else:
            out.append(_CJK_RUN.sub(lambda m: f'<span lang="zh">{m.group(0)}</span>', part))
    return "".join(out)
