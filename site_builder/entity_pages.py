"""Pages made from the registry, the mentions index and the hub data.

- ``{lang}/entities/<id>/``: names, summary, description, related entities, backlinks;
- ``{lang}/entities/``: the who's who, grouped by type;
- ``{lang}/entities/cards.json``: what the hover cards show, per entity;
- ``{lang}/hubs/<hub>/``: the explainer hubs (see :mod:`site_builder.hubs`);
- ``{lang}/hubs/``: the list of the hubs.

:func:`attach` loads everything onto :class:`SiteData` (``text_hook`` and ``extras``).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from site_builder import urls
from site_builder.chart import BarSpec, responsive_bar_chart
from site_builder.deps import digest
from site_builder.entities import (
    LINKED_KEY,
    EntityData,
    cards_path,
    entities_index_path,
    entity_path,
    load_entities,
    people,
    quote_mention,
)
from site_builder.i18n import UI, ui
from site_builder.hubs import Bar, Fact, Figure, Hub, Rate, Source, load_hubs
from site_builder.model import Entity
from site_builder.pages import LANGS, Lazy, Page, SiteData, _base_context, other, title_view
from site_builder.registry import TYPES
from site_builder.views import hubs_index_path, hubs_view, inert_json

if TYPE_CHECKING:
    from collections.abc import Callable

    from site_builder.memo import Memo
    from site_builder.registry import Registry

def hub_path(lang: str, hub_id: str) -> str:
    return f"{lang}/hubs/{hub_id}/index.html"


# -- loading -------------------------------------------------------------------------------


def attach(root: Path, site: SiteData, memo: Memo | None = None,
           registry_soon: Callable[[], Registry] | None = None) -> None:
    """Load the registry, the mentions index and the hubs onto ``site``; raises ContentError.

    Sets ``site.text_hook`` (entity links in every section) and ``site.extras``:
    ``entities`` (:class:`EntityData`), ``hub_data`` (list of :class:`Hub`),
    and ``hubs`` (for the home page: id, and title/url/blurb per language).
    """
    data = load_entities(root, site.articles, memo=memo, registry_soon=registry_soon)
    hubs = load_hubs(root, site.articles, (e.id for e in data.registry.entities))
    site.text_hook = data.linker.hook
    site.resolve_links = data.linker.resolve
    site.extras["entities"] = data
    site.extras["hub_data"] = hubs
    site.extras["hubs"] = [
        {"id": h.id, "title": h.title, "blurb": h.blurb, "summary": h.blurb,
         "url": {lang: hub_path(lang, h.id) for lang in LANGS}}
        for h in hubs
    ]
    site.extras["entities_index"] = {lang: entities_index_path(lang) for lang in LANGS}
    site.extras["people"] = people(data.registry.entities)


def _data(site: SiteData) -> EntityData | None:
    return site.extras.get("entities")


def _index_deps(site: SiteData, data: EntityData) -> tuple[str, ...]:
    """What the who's who shows besides the registry: the hubs' titles and how many sections mention each entity."""
    counts = digest(*(f"{eid}\0{len(keys)}" for eid, keys in sorted(data.index.mentions.items())))
    return ("registry", *(f"data:{Path(h.path).name}" for h in site.extras.get("hub_data", [])), f"hash:{counts}")


def mentions_digest(site: SiteData, data: EntityData, entity_id: str, quoted: int | None = None,
                    rest: bool = True) -> str:
    """A digest of what :func:`backlinks` shows of an entity: the first ``quoted`` sections that mention it
    (default :data:`QUOTE_LIMIT`) with their text in both languages, and (with ``rest``) where every other
    one is: its place in its article and the title of that article, in both languages.

    So an edit to a section that is only linked, not quoted, renders no entity page again.
    """
    quoted = QUOTE_LIMIT if quoted is None else quoted
    digests = site.extras.setdefault("_mention_digests", {})
    key = (quoted, rest)
    if key not in digests:  # one pass over all mentions, for every entity at once
        made = digests[key] = {}
        for eid, keys in data.index.mentions.items():
            parts = [str(len(keys))]
            for n, (slug, sid) in enumerate(keys if rest else keys[:quoted]):
                parts.append(_source_digest(site, slug, sid))
                if n < quoted:
                    sm = data.index.sections[(slug, sid)]
                    parts += (sm.zh_text, sm.en_text or "")
            made[eid] = digest(*parts)
    return digests[key].get(entity_id, "none")


def _source_digest(site: SiteData, slug: str, sid: str) -> str:
    """A digest of what :func:`source_view` shows of a section: its article, place and the article's title."""
    titles = site.extras.setdefault("_title_digests", {})
    title = titles.get(slug)
    if title is None:
        art = site.by_slug[slug]
        tr = art.en.translations.get("title")
        title = titles[slug] = digest(art.meta.title, repr(None if tr is None else (tr.text, tr.status, tr.zh_hash,
                                                                                       tr.mt_hash)))
    return f"{slug}\0{sid}\0{site.paragraph_numbers[(slug, sid)]}\0{title}"


# -- views ---------------------------------------------------------------------------------


def name_view(ent: Entity, lang: str) -> dict[str, Any]:
    return {"id": ent.id, "zh": ent.zh, "en": ent.en, "pinyin": ent.pinyin, "type": ent.type,
            "type_label": UI[f"type_{ent.type}"][lang], "number": ent.number,
            "name": ent.zh if lang == "zh" else ent.en,
            "summary": ent.summary_zh if lang == "zh" else ent.summary_en, "url": entity_path(lang, ent.id)}


def source_view(site: SiteData, src: Source, lang: str) -> dict[str, Any]:
    """A link to the section a figure or quote comes from: url, article title, paragraph number."""
    art = site.by_slug[src.article]
    n = site.paragraph_numbers[(src.article, src.section)]
    title = title_view(site, art, lang)
    return {"url": f"{urls.article_path(lang, art.slug)}#{src.section}", "title": title["text"],
            "title_lang": title["lang"], "para": UI["paragraph"][lang].format(n=n), "quote": src.quote,
            "ref": src.ref}


#: How many mentioning sections an entity page (or a hub's list) quotes, in article order. Every mentioning
#: section is linked; past this many, as a paragraph link without a quote, so that an entity named in
#: thousands of sections gets a page of reasonable weight rather than megabytes of quotes.
QUOTE_LIMIT = 40
#: A hub quotes this many mentions of its entity (and of each card's entity), and counts the rest: the full
#: list is on the entity's own page.
HUB_QUOTES = 10


def backlinks(site: SiteData, data: EntityData, entity_id: str, lang: str,
              skip: tuple[str, ...] = (), limit: int | None = None, rest: bool = True) -> list[dict[str, Any]]:
    """Every section that mentions the entity, grouped by article; the first ``limit`` (default
    :data:`QUOTE_LIMIT`) quoted in context, the others (unless not ``rest``) linked.

    Each group: ``title``, ``url``, ``sections`` (quoted: url, para, quotes) and ``unquoted`` (url, para).
    """
    groups: dict[str, dict[str, Any]] = {}
    budget = QUOTE_LIMIT if limit is None else limit
    para = UI["paragraph"][lang]
    for sm in data.index.of(entity_id):
        if f"{sm.article}#{sm.section}" in skip:
            continue
        if budget <= 0 and not rest:
            break
        group = groups.get(sm.article)
        if group is None:
            art = site.by_slug[sm.article]
            group = groups[sm.article] = {"title": title_view(site, art, lang),
                                          "url": urls.article_path(lang, art.slug), "sections": [], "unquoted": []}
        item = {"url": f"{group['url']}#{sm.section}",
                "para": para.format(n=site.paragraph_numbers[(sm.article, sm.section)])}
        if budget > 0:
            budget -= 1
            group["sections"].append({**item, "quotes": quote_mention(sm, entity_id, lang)})
        else:
            group["unquoted"].append(item)
    return list(groups.values())


def _description(site: SiteData, data: EntityData, ent: Entity, lang: str, path: str) -> dict[str, str]:
    desc = data.registry.descriptions.get(ent.id, {})
    text, text_lang = desc.get(lang, ""), lang
    if not text.strip():
        return {"html": "", "lang": lang}
    env = {"text_hook": data.linker.hook, "page_path": path, LINKED_KEY: {ent.id}}
    return {"html": site.renderer.render(text, text_lang, **env), "lang": text_lang}


def _hubs_for(site: SiteData, entity_id: str, lang: str) -> list[dict[str, str]]:
    out = []
    for hub in site.extras.get("hub_data", []):
        about = {hub.entity} | {f.about for f in hub.figures} | {f.about for f in hub.facts} | {c.entity for c in hub.cards}
        if entity_id in about:
            out.append({"title": hub.title[lang], "url": hub_path(lang, hub.id)})
    return out


# -- generators ----------------------------------------------------------------------------


def entity_pages(site: SiteData) -> list[Page]:
    data = _data(site)
    if data is None:
        return []
    by_id = data.registry.by_id()
    referrers: dict[str, list[str]] = {}
    for ent in data.registry.entities:
        for rid in ent.related:
            referrers.setdefault(rid, []).append(ent.id)
    hub_deps = tuple(f"data:{Path(h.path).name}" for h in site.extras.get("hub_data", []))
    pages = []
    for ent in data.registry.entities:
        related = [by_id[r] for r in dict.fromkeys([*ent.related, *referrers.get(ent.id, [])]) if r != ent.id]
        deps = ("registry", *hub_deps, f"hash:{mentions_digest(site, data, ent.id)}")
        for lang in LANGS:
            make = functools.partial(_entity_context, site, data, ent, related, lang)
            pages.append(Page(entity_path(lang, ent.id), "entity.html", lang, Lazy(make),
                              entity_path(other(lang), ent.id), deps))
    return pages


def _entity_context(site: SiteData, data: EntityData, ent: Entity, related: list[Entity], lang: str) -> dict[str, Any]:
    path = entity_path(lang, ent.id)
    return {**_base_context(site, lang), "et": ui(lang), "entity": name_view(ent, lang),
            "description": _description(site, data, ent, lang, path),
            "related": [name_view(r, lang) for r in related],
            "backlinks": backlinks(site, data, ent.id, lang), "hubs": _hubs_for(site, ent.id, lang),
            "index_url": entities_index_path(lang)}


def _count(data: EntityData, entity_id: str, lang: str) -> str:
    n = len(data.index.mentions.get(entity_id, []))
    if not n:
        return ""
    return UI["mentioned_in_one"][lang] if n == 1 else UI["mentioned_in"][lang].format(n=n)


def entities_index_pages(site: SiteData) -> list[Page]:
    data = _data(site)
    if data is None:
        return []
    pages = []
    deps = _index_deps(site, data)
    for lang in LANGS:
        groups = []
        for etype in TYPES:
            ents = [e for e in data.registry.entities if e.type == etype]
            if etype == "strategy":
                ents.sort(key=lambda e: e.number)
            if ents:
                items = [{**name_view(e, lang), "count": _count(data, e.id, lang)} for e in ents]
                groups.append({"type": etype, "label": UI[f"types_{etype}"][lang], "entries": items})
        ctx = {**_base_context(site, lang), "et": ui(lang), "groups": groups,
               "hub_links": [{"title": h.title[lang], "url": hub_path(lang, h.id)} for h in site.extras.get("hub_data", [])]}
        pages.append(Page(entities_index_path(lang), "entities.html", lang, ctx, entities_index_path(other(lang)),
                          deps))
    return pages


def cards_pages(site: SiteData) -> list[Page]:
    """``{lang}/entities/cards.json`` for the hover cards: {id: {zh, en, pinyin, summary, type, url}}."""
    data = _data(site)
    if data is None:
        return []
    pages = []
    for lang in LANGS:
        cards = {e.id: {"zh": e.zh, "en": e.en, "pinyin": e.pinyin,
                        "summary": e.summary_zh if lang == "zh" else e.summary_en,
                        "type": e.type, "type_label": UI[f"type_{e.type}"][lang],
                        "url": urls.page_url(entity_path(lang, e.id))} for e in data.registry.entities}
        text = inert_json(cards, indent=1)  # no markup even in JSON: a file opened as HTML by mistake stays inert
        pages.append(Page(cards_path(lang), "_entity_cards.html", lang, {"cards_json": text}, None, ("registry",)))
    return pages


def _bar(bar: Bar, lang: str) -> BarSpec:
    return BarSpec(bar.short[lang], bar.number(lang), bar.display(lang), bar.about)


def _figure_view(site: SiteData, fig: Figure, lang: str) -> dict[str, Any]:
    return {"id": fig.id, "label": fig.label[lang], "display": fig.display(lang), "year": fig.year or "",
            "note": fig.note.get(lang, ""), "source": source_view(site, fig.source, lang)}


def _rate_view(site: SiteData, rate: Rate, lang: str) -> dict[str, Any]:
    return {"id": rate.id, "label": rate.label[lang], "display": rate.display(lang), "formula": rate.formula(lang),
            "assumptions": rate.assumptions(lang), "note": rate.note.get(lang, ""),
            "inputs": [_figure_view(site, f, lang) for f in rate.inputs]}


def _bar_view(site: SiteData, bar: Bar, lang: str) -> dict[str, Any]:
    if isinstance(bar, Rate):
        view = _rate_view(site, bar, lang)
        view["sources"] = list({i["source"]["ref"]: i["source"] for i in view["inputs"]}.values())
    else:
        view = _figure_view(site, bar, lang)
        view["sources"] = [view["source"]]
    view["short"] = bar.short[lang]
    return view


def hub_view(site: SiteData, data: EntityData, hub: Hub, lang: str) -> dict[str, Any]:
    by_id = data.registry.by_id()
    path = hub_path(lang, hub.id)
    # under their [[group]] headings first (in file order), then the rest under the entity they are about
    groups: dict[str, dict[str, Any]] = {f"group:{g.id}": {"id": g.id, "title": g.title[lang], "about": None,
                                                            "figures": [], "facts": []} for g in hub.groups}
    items: list[Figure | Fact] = [*hub.figures, *hub.facts]
    for item in items:
        key = f"group:{item.group}" if item.group else item.about
        about = name_view(by_id[item.about], lang)
        g = groups.setdefault(key, {"id": item.about, "title": about["name"], "about": about, "figures": [], "facts": []})
        if isinstance(item, Figure):
            g["figures"].append(_figure_view(site, item, lang))
        else:
            g["facts"].append({"id": item.id, "label": item.label[lang], "en": item.en,
                               "source": source_view(site, item.source, lang)})
    cards = []
    for card in hub.cards:
        ent = by_id[card.entity]
        desc = data.registry.descriptions.get(ent.id, {}).get(lang, "").strip()
        cards.append({**name_view(ent, lang), "explain": desc or (ent.summary_zh if lang == "zh" else ent.summary_en),
                      "source": source_view(site, card.source, lang),
                      "others": backlinks(site, data, ent.id, lang, (card.source.ref,), HUB_QUOTES, rest=False),
                      "others_more": _unshown(data, ent.id, HUB_QUOTES, skip=(card.source.ref,))})
    charts = []
    for ch in hub.charts:
        unit = {"percent": "%", "yi-yuan": "亿元" if lang == "zh" else "billion yuan"}.get(ch.unit, "")
        bars = [_bar(b, lang) for b in ch.bars]
        values = "; ".join(f"{b.label}: {b.text}" for b in bars)
        svg = responsive_bar_chart(f"chart-{ch.id}", ch.title[lang], f"{ch.desc[lang]} {values}.", bars, lang, unit)
        charts.append({"id": ch.id, "title": ch.title[lang], "svg": svg,
                       "rows": [_bar_view(site, b, lang) for b in ch.bars]})
    intro = site.renderer.render(hub.intro[lang], lang, text_hook=data.linker.hook, page_path=path)
    return {
        "hub": {"id": hub.id, "title": hub.title[lang], "intro_html": intro,
                "entity": name_view(by_id[hub.entity], lang) if hub.entity else None},
        "cards": cards, "charts": charts, "topics": [g for g in groups.values() if g["figures"] or g["facts"]],
        "rates": [_rate_view(site, r, lang) for r in hub.rates],
        "appearances": backlinks(site, data, hub.entity, lang, limit=HUB_QUOTES, rest=False) if hub.entity else [],
        "appearances_more": _unshown(data, hub.entity, HUB_QUOTES) if hub.entity else 0,
    }


def _unshown(data: EntityData, entity_id: str, shown: int, skip: tuple[str, ...] = ()) -> int:
    """How many sections mention the entity beyond the first ``shown`` (not counting ``skip``)."""
    keys = [k for k in data.index.mentions.get(entity_id, []) if f"{k[0]}#{k[1]}" not in skip]
    return max(0, len(keys) - shown)


def hub_pages(site: SiteData) -> list[Page]:
    data = _data(site)
    if data is None:
        return []
    pages = []
    for hub in site.extras.get("hub_data", []):
        for lang in LANGS:
            pages.append(Page(hub_path(lang, hub.id), "hub_page.html", lang,
                              Lazy(functools.partial(_hub_context, site, data, hub, lang)), hub_path(other(lang), hub.id),
                              ("registry", f"data:{Path(hub.path).name}", f"hash:{_hub_digest(site, data, hub)}")))
    return pages


def _hub_digest(site: SiteData, data: EntityData, hub: Hub) -> str:
    """A digest of what a hub shows from the articles: the sections its figures, facts and cards quote,
    and the mentions of its entity and of each card's entity (see :func:`hub_view`)."""
    sources = [f.source for f in hub.figures] + [f.source for f in hub.facts] + [c.source for c in hub.cards]
    quoted = [_source_digest(site, src.article, src.section) for src in sources]  # rates and charts show figures
    ents = [hub.entity] if hub.entity else []
    ents += [card.entity for card in hub.cards]
    # a card skips the mention its own source quotes: one more than the hub quotes can move up
    return digest(*quoted, *(mentions_digest(site, data, eid, HUB_QUOTES + 1, rest=False) for eid in ents))


def _hub_context(site: SiteData, data: EntityData, hub: Hub, lang: str) -> dict[str, Any]:
    return {**_base_context(site, lang), "et": ui(lang), **hub_view(site, data, hub, lang),
            "hubs_url": hubs_index_path(lang)}


def hubs_index_pages(site: SiteData) -> list[Page]:
    """``{lang}/hubs/``: every hub's title and blurb (from its data file), when there are hubs."""
    hubs = site.extras.get("hub_data", [])
    if not hubs:
        return []
    deps = tuple(f"data:{Path(h.path).name}" for h in hubs)
    return [Page(hubs_index_path(lang), "hubs.html", lang,
                 {**_base_context(site, lang), "et": ui(lang), "hubs": hubs_view(site.extras, lang)},
                 hubs_index_path(other(lang)), deps) for lang in LANGS]


GENERATORS = [entity_pages, entities_index_pages, cards_pages, hub_pages, hubs_index_pages]
