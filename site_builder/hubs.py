"""``content/data/*.toml`` -> explainer hubs: figures with their sources, facts, computed growth rates.

Every figure names the section it was taken from (``article-slug#section-id``)
and may quote the Chinese words; the quote must occur in that section, and the
figure's number in the quote. Growth rates are computed here, at build time,
from figures, never typed in. Format: docs/entities.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from site_builder.config import key_line, parse_toml
from site_builder.content import read_text
from site_builder.errors import ContentError, Problem
from site_builder.model import Article, normalize_text
from site_builder.registry import field_line, table_lines

DATA_DIR = "content/data"
HUB_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")

#: unit -> (Chinese unit, English unit, factor from the Chinese number to the English one)
UNITS: dict[str, tuple[str, str, float]] = {
    "yi-yuan": ("亿元", "billion yuan", 0.1),  # 1亿 = 100 million; 10亿 = 1 billion
    "percent": ("%", "%", 1.0),
    "years": ("年", "years", 1.0),
    "companies": ("家", "companies", 1.0),
    "count": ("个", "", 1.0),
}
#: how a figure relates to the real number: the text says "over", "just over", "about" ...
APPROX = ("exact", "about", "over", "just-over", "under")
_APPROX_ZH = {"exact": "", "about": "约", "over": "超", "just-over": "刚过", "under": "不到"}
_APPROX_EN = {"exact": "", "about": "about ", "over": "more than ", "just-over": "just over ", "under": "under "}
#: a computed value is an upper bound, a lower bound, approximate or exact
_BOUND_ZH = {"exact": "", "about": "约", "at-most": "不超过", "at-least": "至少"}
_BOUND_EN = {"exact": "", "about": "about ", "at-most": "at most ", "at-least": "at least "}

Text = dict[str, str]  # {"zh": ..., "en": ...}


def fmt_number(x: float) -> str:
    """1500.0 -> '1,500'; 116.37000001 -> '116.37' (at most two decimals)."""
    s = f"{round(x, 2):,.2f}".rstrip("0").rstrip(".")
    return s


def fmt_plain(x: float) -> str:
    """The number as Chinese text writes it: no thousands separator (1163.7, 2000)."""
    return fmt_number(x).replace(",", "")


@dataclass(frozen=True)
class Source:
    article: str
    section: str
    quote: str  # exact Chinese words, verified against the section ("" if not given)

    @property
    def ref(self) -> str:
        return f"{self.article}#{self.section}"


@dataclass(frozen=True)
class Figure:
    id: str
    about: str  # entity id
    label: Text
    short: Text  # label in charts
    value: float
    unit: str
    approx: str
    source: Source
    line: int
    year: int | None = None
    note: Text = field(default_factory=dict)

    def number(self, lang: str) -> float:
        return self.value * (UNITS[self.unit][2] if lang == "en" else 1.0)

    def display(self, lang: str) -> str:
        """'超2400亿元' / 'over 240 billion yuan'; '3年多' / 'over 3 years'."""
        zh_unit, en_unit, _ = UNITS[self.unit]
        if lang == "zh":
            n = fmt_plain(self.value)
            if self.unit == "years" and self.approx == "over":
                return f"{n}年多"
            return f"{_APPROX_ZH[self.approx]}{n}{zh_unit}"
        n = fmt_number(self.number("en"))
        sep = "" if self.unit == "percent" or not en_unit else " "
        return f"{_APPROX_EN[self.approx]}{n}{sep}{en_unit}".strip()


@dataclass(frozen=True)
class Fact:
    id: str
    about: str
    label: Text
    en: str  # English rendering of the quote
    source: Source
    line: int


@dataclass(frozen=True)
class Rate:
    """Compound annual growth that takes ``start`` to ``end`` in ``years``."""

    id: str
    about: str
    label: Text
    short: Text
    start: Figure
    end: Figure
    years: Figure
    line: int
    note: Text = field(default_factory=dict)
    unit: str = "percent"

    @property
    def value(self) -> float:
        return growth_rate(self.start.value, self.end.value, self.years.value)

    @property
    def bound(self) -> str:
        return rate_bound(self.start.approx, self.end.approx, self.years.approx)

    @property
    def inputs(self) -> tuple[Figure, Figure, Figure]:
        return (self.start, self.end, self.years)

    def number(self, lang: str) -> float:
        return round(self.value * 100, 1)

    def display(self, lang: str) -> str:
        pct = f"{self.value * 100:.1f}%"
        if lang == "zh":
            return f"年均{_BOUND_ZH[self.bound]}{pct}"
        return f"{_BOUND_EN[self.bound]}{pct} a year"

    def formula(self, lang: str) -> str:
        a, b, n = (fmt_plain(self.start.value), fmt_plain(self.end.value), fmt_plain(self.years.value))
        exact = f"{self.value * 100:.2f}%"
        return f"({b} ÷ {a})^(1/{n}) − 1 = {exact}"

    def assumptions(self, lang: str) -> list[str]:
        """One sentence per input that the text gives only approximately."""
        out = []
        for fig in self.inputs:
            if fig.approx == "exact":
                continue
            if lang == "zh":
                out.append(f"{fig.label['zh']}：原文是约数（{fig.display('zh')}），按{fmt_plain(fig.value)}"
                           f"{UNITS[fig.unit][0]}计算。")
            else:
                taken = f"{fmt_number(fig.number('en'))} {UNITS[fig.unit][1]}".strip()
                out.append(f"{fig.label['en'][:1].upper() + fig.label['en'][1:]}: the text gives "
                           f"“{fig.display('en')}”; the calculation takes {taken}.")
        return out


Bar = Figure | Rate


@dataclass(frozen=True)
class Chart:
    id: str
    title: Text
    desc: Text
    bars: tuple[Bar, ...]
    unit: str
    line: int


@dataclass(frozen=True)
class Card:
    entity: str
    source: Source
    line: int


@dataclass(frozen=True)
class Hub:
    id: str
    path: str  # the data file, relative to the project root
    order: int
    entity: str  # the registry entity the hub explains ("" if none)
    title: Text
    blurb: Text
    intro: Text  # Markdown
    figures: tuple[Figure, ...] = ()
    facts: tuple[Fact, ...] = ()
    rates: tuple[Rate, ...] = ()
    charts: tuple[Chart, ...] = ()
    cards: tuple[Card, ...] = ()

    def sources(self) -> list[Source]:
        return [f.source for f in self.figures] + [f.source for f in self.facts] + [c.source for c in self.cards]


def growth_rate(start: float, end: float, years: float) -> float:
    """Compound annual growth rate taking ``start`` to ``end`` in ``years`` (0.149 = 14.9% a year)."""
    if start <= 0 or end <= 0 or years <= 0:
        raise ValueError("growth needs positive values and a positive number of years")
    return (end / start) ** (1 / years) - 1


def rate_bound(start: str, end: str, years: str) -> str:
    """How a rate computed from approximate inputs relates to the true rate.

    A start that is really larger ("over", "just over"), or more years ("over 3
    years"), make the true rate lower; an end that is really larger makes it higher.
    """
    pushes: set[str] = set()
    for approx, sign in ((start, -1), (end, +1), (years, -1)):
        if approx == "about":
            return "about"
        if approx in ("over", "just-over"):
            pushes.add("down" if sign < 0 else "up")
        elif approx == "under":
            pushes.add("up" if sign < 0 else "down")
    if pushes == {"down"}:
        return "at-most"
    if pushes == {"up"}:
        return "at-least"
    return "about" if pushes else "exact"


# -- loading ------------------------------------------------------------------------------------


class _Reader:
    """Validates the tables of one data file, collecting problems with their lines."""

    def __init__(self, rel: str, text: str, sections: dict[str, dict[str, str]], entity_ids: set[str]) -> None:
        self.rel, self.text, self.sections, self.entity_ids = rel, text, sections, entity_ids
        self.problems: list[Problem] = []

    def err(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.rel, line, message))

    def keys(self, tab: dict[str, Any], line: int, allowed: Iterable[str], what: str) -> None:
        for key in sorted(set(tab) - set(allowed)):
            self.err(field_line(self.text, line, key), f"unknown key {key!r} in {what}")

    def string(self, tab: dict[str, Any], key: str, line: int, required: bool = True) -> str:
        value = tab.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.err(field_line(self.text, line, key), f"{key!r} must be a non-empty string")
            return ""
        return value.strip()

    def text_pair(self, tab: dict[str, Any], key: str, line: int, required: bool = True) -> Text:
        value = tab.get(key)
        if value is None and not required:
            return {}
        if not isinstance(value, dict) or set(value) != {"zh", "en"} or \
                not all(isinstance(v, str) and v.strip() for v in value.values()):
            self.err(field_line(self.text, line, key), f"{key!r} must be {{ zh = \"...\", en = \"...\" }}")
            return {"zh": "", "en": ""}
        return {"zh": value["zh"].strip(), "en": value["en"].strip()}

    def entity(self, tab: dict[str, Any], key: str, line: int, default: str = "") -> str:
        eid = tab.get(key, default)
        if not isinstance(eid, str) or eid not in self.entity_ids:
            self.err(field_line(self.text, line, key), f"unknown entity id {eid!r} (not in content/entities.toml)")
            return ""
        return eid

    def source(self, tab: dict[str, Any], line: int, value_text: str = "") -> Source | None:
        ref = self.string(tab, "source", line)
        quote = self.string(tab, "quote", line, required=False)
        src_line = field_line(self.text, line, "source")
        if not ref:
            return None
        slug, _, sid = ref.partition("#")
        if not slug or not sid:
            self.err(src_line, f"source {ref!r} must be 'article-slug#section-id'")
            return None
        if slug not in self.sections:
            self.err(src_line, f"source {ref!r}: no article {slug!r}")
            return None
        if sid not in self.sections[slug]:
            self.err(src_line, f"source {ref!r}: article {slug!r} has no section {sid!r}")
            return None
        if quote:
            if normalize_text(quote) not in normalize_text(self.sections[slug][sid]):
                self.err(field_line(self.text, line, "quote"), f"quote {quote!r} does not occur in section {ref}")
                return None
            if value_text and value_text not in quote:
                self.err(field_line(self.text, line, "quote"), f"the figure {value_text!r} does not occur in its quote {quote!r}")
        return Source(slug, sid, quote)

    def ident(self, tab: dict[str, Any], line: int, seen: dict[str, int]) -> str:
        fid = self.string(tab, "id", line)
        if fid and not ID_RE.match(fid):
            self.err(field_line(self.text, line, "id"), f"invalid id {fid!r}: use a-z, 0-9 and '-'")
        elif fid in seen:
            self.err(field_line(self.text, line, "id"), f"duplicate id {fid!r} (first on line {seen[fid]})")
        elif fid:
            seen[fid] = line
        return fid


_HUB_KEYS = ("title", "blurb", "intro", "entity", "order")
_FIGURE_KEYS = ("id", "about", "label", "short", "value", "value_text", "unit", "approx", "year", "source", "quote", "note")
_FACT_KEYS = ("id", "about", "label", "en", "source", "quote")
_RATE_KEYS = ("id", "about", "label", "short", "from", "to", "years", "note")
_CHART_KEYS = ("id", "title", "desc", "bars")
_CARD_KEYS = ("entity", "source", "quote")
_TABLES = ("hub", "figure", "fact", "rate", "chart", "card")


def _tables(r: _Reader, data: dict[str, Any], name: str) -> list[tuple[dict[str, Any], int]]:
    tabs = data.get(name, [])
    if not isinstance(tabs, list):
        r.err(key_line(r.text, name), f"{name} must be written as [[{name}]] tables")
        return []
    heads = table_lines(r.text, name)
    return [(tab, heads[i] if i < len(heads) else 1) for i, tab in enumerate(tabs)]


def _figure(r: _Reader, tab: dict[str, Any], line: int, seen: dict[str, int], hub_entity: str) -> Figure | None:
    r.keys(tab, line, _FIGURE_KEYS, "[[figure]]")
    fid = r.ident(tab, line, seen)
    value = tab.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        r.err(field_line(r.text, line, "value"), "'value' must be a non-negative number")
        return None
    unit = tab.get("unit")
    if unit not in UNITS:
        r.err(field_line(r.text, line, "unit"), f"unknown unit {unit!r} (use one of {', '.join(UNITS)})")
        return None
    approx = tab.get("approx", "exact")
    if approx not in APPROX:
        r.err(field_line(r.text, line, "approx"), f"unknown approx {approx!r} (use one of {', '.join(APPROX)})")
        return None
    year = tab.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        r.err(field_line(r.text, line, "year"), "'year' must be an integer")
        year = None
    value_text = tab.get("value_text", fmt_plain(float(value)))
    label = r.text_pair(tab, "label", line)
    src = r.source(tab, line, str(value_text))
    about = r.entity(tab, "about", line, hub_entity)
    if not fid or src is None or not about:
        return None
    return Figure(fid, about, label, r.text_pair(tab, "short", line, required=False) or label, float(value), unit,
                  approx, src, line, year, r.text_pair(tab, "note", line, required=False))


def _load_one(path: Path, rel: str, sections: dict[str, dict[str, str]], entity_ids: set[str]) -> tuple[Hub | None, list[Problem]]:
    text = read_text(path, rel)
    data = parse_toml(text, rel, ContentError)
    r = _Reader(rel, text, sections, entity_ids)
    for key in sorted(set(data) - set(_TABLES)):
        r.err(key_line(text, key), f"unknown top-level key {key!r} (use {', '.join(_TABLES)})")
    hub = data.get("hub")
    hub_line = key_line(text, "hub")
    if not isinstance(hub, dict):
        r.err(1, "missing [hub] table (title, blurb, intro)")
        return None, r.problems
    r.keys(hub, hub_line, _HUB_KEYS, "[hub]")
    hub_entity = r.entity(hub, "entity", hub_line) if "entity" in hub else ""
    order = hub.get("order", 0)
    if isinstance(order, bool) or not isinstance(order, int):
        r.err(field_line(text, hub_line, "order"), "'order' must be an integer")
        order = 0
    seen: dict[str, int] = {}
    figures = [f for tab, ln in _tables(r, data, "figure") if (f := _figure(r, tab, ln, seen, hub_entity))]
    by_id = {f.id: f for f in figures}
    facts = []
    for tab, ln in _tables(r, data, "fact"):
        r.keys(tab, ln, _FACT_KEYS, "[[fact]]")
        fid, label, en = r.ident(tab, ln, seen), r.text_pair(tab, "label", ln), r.string(tab, "en", ln)
        src, about = r.source(tab, ln), r.entity(tab, "about", ln, hub_entity)
        if fid and src and about:
            if not src.quote:
                r.err(field_line(text, ln, "source"), "a [[fact]] needs the 'quote' it states")
            facts.append(Fact(fid, about, label, en, src, ln))
    rates = []
    for tab, ln in _tables(r, data, "rate"):
        r.keys(tab, ln, _RATE_KEYS, "[[rate]]")
        rid, label, about = r.ident(tab, ln, seen), r.text_pair(tab, "label", ln), r.entity(tab, "about", ln, hub_entity)
        parts = []
        for key, units in (("from", None), ("to", None), ("years", ("years",))):
            fig = by_id.get(tab.get(key, ""))
            if fig is None:
                r.err(field_line(text, ln, key), f"{key!r} must name a [[figure]] id in this file, not {tab.get(key)!r}")
            elif units and fig.unit not in units:
                r.err(field_line(text, ln, key), f"{key!r}: figure {fig.id!r} is in {fig.unit}, not years")
            elif fig.value <= 0:
                r.err(field_line(text, ln, key), f"{key!r}: figure {fig.id!r} must be positive")
            else:
                parts.append(fig)
        if len(parts) == 3 and parts[0].unit != parts[1].unit:
            r.err(field_line(text, ln, "to"), f"'from' and 'to' must have the same unit ({parts[0].unit} vs {parts[1].unit})")
        elif len(parts) == 3 and rid and about:
            rates.append(Rate(rid, about, label, r.text_pair(tab, "short", ln, required=False) or label,
                              parts[0], parts[1], parts[2], ln, r.text_pair(tab, "note", ln, required=False)))
    bars_by_id: dict[str, Bar] = {**by_id, **{x.id: x for x in rates}}
    charts = []
    for tab, ln in _tables(r, data, "chart"):
        r.keys(tab, ln, _CHART_KEYS, "[[chart]]")
        cid, title, desc = r.ident(tab, ln, seen), r.text_pair(tab, "title", ln), r.text_pair(tab, "desc", ln)
        ids = tab.get("bars")
        if not isinstance(ids, list) or not ids:
            r.err(field_line(text, ln, "bars"), "'bars' must be a list of figure or rate ids")
            continue
        bars = [bars_by_id[b] for b in ids if isinstance(b, str) and b in bars_by_id]
        for b in ids:
            if not isinstance(b, str) or b not in bars_by_id:
                r.err(field_line(text, ln, "bars"), f"unknown figure or rate {b!r} in 'bars'")
        units = {b.unit for b in bars}
        if len(units) > 1:
            r.err(field_line(text, ln, "bars"), f"all bars of a chart need one unit, not {', '.join(sorted(units))}")
        elif cid and bars and len(bars) == len(ids):
            charts.append(Chart(cid, title, desc, tuple(bars), units.pop(), ln))
    cards = []
    for tab, ln in _tables(r, data, "card"):
        r.keys(tab, ln, _CARD_KEYS, "[[card]]")
        eid, src = r.entity(tab, "entity", ln), r.source(tab, ln)
        if eid and src:
            cards.append(Card(eid, src, ln))
    hub_obj = Hub(
        id=path.stem, path=rel, order=order, entity=hub_entity, title=r.text_pair(hub, "title", hub_line),
        blurb=r.text_pair(hub, "blurb", hub_line), intro=r.text_pair(hub, "intro", hub_line),
        figures=tuple(figures), facts=tuple(facts), rates=tuple(rates), charts=tuple(charts), cards=tuple(cards),
    )
    return hub_obj, r.problems


def load_hubs(root: Path, articles: Sequence[Article], entity_ids: Iterable[str]) -> list[Hub]:
    """All hubs under ``content/data``, by (order, id); raises ContentError with every problem."""
    folder = root / DATA_DIR
    sections = {a.slug: {s.id: s.text for s in a.sections} for a in articles}
    ids = set(entity_ids)
    hubs: list[Hub] = []
    problems: list[Problem] = []
    if folder.is_dir():
        for path in sorted(folder.glob("*.toml")):
            rel = f"{DATA_DIR}/{path.name}"
            if not HUB_ID_RE.match(path.stem):
                problems.append(Problem(rel, 1, f"invalid hub file name {path.name!r}: use a-z, 0-9 and '-'"))
                continue
            try:
                hub, found = _load_one(path, rel, sections, ids)
            except ContentError as exc:
                problems.extend(exc.problems)
                continue
            problems.extend(found)
            if hub is not None:
                hubs.append(hub)
    if problems:
        raise ContentError(problems)
    return sorted(hubs, key=lambda h: (h.order, h.id))
