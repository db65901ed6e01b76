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
    group: str = ""  # a [[group]] id: where the hub page lists it ("" = under its entity)

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
    group: str = ""


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
class Group:
    """A heading on the hub page under which figures and facts are listed."""

    id: str
    title: Text


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
    groups: tuple[Group, ...] = ()


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


_HUB_KEYS = ("title", "blurb", "intro", "entity", "order")
_FIGURE_KEYS = ("id", "about", "group", "label", "short", "value", "value_text", "unit", "approx", "year", "source",
                "quote", "note")
_FACT_KEYS = ("id", "about", "group", "label", "en", "source", "quote")
_RATE_KEYS = ("id", "about", "label", "short", "from", "to", "years", "note")
_CHART_KEYS = ("id", "title", "desc", "bars")
_CARD_KEYS = ("entity", "source", "quote")
_GROUP_KEYS = ("id", "title")
_TABLES = ("hub", "group", "figure", "fact", "rate", "chart", "card")


class _Reader:
    """Validates the tables of one hub file in order (groups, figures, facts, rates, charts, cards),
    collecting problems with their lines."""

    def __init__(self, rel: str, text: str, data: dict[str, Any], sections: dict[str, dict[str, str]],
                 entity_ids: set[str]) -> None:
        self.rel, self.text, self.data, self.sections, self.entity_ids = rel, text, data, sections, entity_ids
        self.problems: list[Problem] = []
        self.hub_entity = ""
        self.seen: dict[str, int] = {}
        self.group_ids: set[str] = set()

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


    def tables(self, name: str, keys: Iterable[str]) -> list[tuple[dict[str, Any], int]]:
        """The ``[[name]]`` tables with the line of each header; unknown keys reported."""
        tabs = self.data.get(name, [])
        if not isinstance(tabs, list) or not all(isinstance(t, dict) for t in tabs):
            self.err(key_line(self.text, name), f"{name} must be written as [[{name}]] tables")
            return []
        heads = table_lines(self.text, name)
        found = [(tab, heads[i] if i < len(heads) else 1) for i, tab in enumerate(tabs)]
        for tab, ln in found:
            self.keys(tab, ln, keys, f"[[{name}]]")
        return found

    def group(self, tab: dict[str, Any], line: int) -> str:
        gid = tab.get("group", "")
        if gid and gid not in self.group_ids:
            self.err(field_line(self.text, line, "group"), f"unknown group {gid!r} (declare it in a [[group]] table)")
            return ""
        return gid if isinstance(gid, str) else ""

    def groups(self) -> list[Group]:
        out = []
        for tab, ln in self.tables("group", _GROUP_KEYS):
            gid, title = self.ident(tab, ln, self.seen), self.text_pair(tab, "title", ln)
            if gid:
                self.group_ids.add(gid)
                out.append(Group(gid, title))
        return out

    def figure(self, tab: dict[str, Any], line: int) -> Figure | None:
        fid = self.ident(tab, line, self.seen)
        value, unit, approx, year = tab.get("value"), tab.get("unit"), tab.get("approx", "exact"), tab.get("year")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            self.err(field_line(self.text, line, "value"), "'value' must be a non-negative number")
            return None
        if unit not in UNITS:
            self.err(field_line(self.text, line, "unit"), f"unknown unit {unit!r} (use one of {', '.join(UNITS)})")
            return None
        if approx not in APPROX:
            self.err(field_line(self.text, line, "approx"), f"unknown approx {approx!r} (use one of {', '.join(APPROX)})")
            return None
        if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
            self.err(field_line(self.text, line, "year"), "'year' must be an integer")
            year = None
        label = self.text_pair(tab, "label", line)
        src = self.source(tab, line, str(tab.get("value_text", fmt_plain(float(value)))))
        about, group = self.entity(tab, "about", line, self.hub_entity), self.group(tab, line)
        if not fid or src is None or not about:
            return None
        return Figure(fid, about, label, self.text_pair(tab, "short", line, required=False) or label, float(value),
                      unit, approx, src, line, year, self.text_pair(tab, "note", line, required=False), group)

    def fact(self, tab: dict[str, Any], line: int) -> Fact | None:
        fid, label, en = self.ident(tab, line, self.seen), self.text_pair(tab, "label", line), self.string(tab, "en", line)
        src, about, group = self.source(tab, line), self.entity(tab, "about", line, self.hub_entity), self.group(tab, line)
        if src is not None and not src.quote:
            self.err(field_line(self.text, line, "source"), "a [[fact]] needs the 'quote' it states")
            return None
        return Fact(fid, about, label, en, src, line, group) if fid and src and about else None

    def rate(self, tab: dict[str, Any], line: int, figures: dict[str, Figure]) -> Rate | None:
        rid, label = self.ident(tab, line, self.seen), self.text_pair(tab, "label", line)
        parts = []
        for key in ("from", "to", "years"):
            fig = figures.get(tab.get(key, ""))
            if fig is None:
                self.err(field_line(self.text, line, key), f"{key!r} must name a [[figure]] id in this file, not {tab.get(key)!r}")
            elif key == "years" and fig.unit != "years":
                self.err(field_line(self.text, line, key), f"'years': figure {fig.id!r} is in {fig.unit}, not years")
            elif fig.value <= 0:
                self.err(field_line(self.text, line, key), f"{key!r}: figure {fig.id!r} must be positive")
            else:
                parts.append(fig)
        if len(parts) == 3 and parts[0].unit != parts[1].unit:
            self.err(field_line(self.text, line, "to"), f"'from' and 'to' need one unit ({parts[0].unit} vs {parts[1].unit})")
            return None
        if len(parts) < 3 or not rid:
            return None
        about = self.entity(tab, "about", line) if "about" in tab else parts[0].about  # default: what it grows
        if not about:
            return None
        return Rate(rid, about, label, self.text_pair(tab, "short", line, required=False) or label,
                    parts[0], parts[1], parts[2], line, self.text_pair(tab, "note", line, required=False))

    def chart(self, tab: dict[str, Any], line: int, bars_by_id: dict[str, Bar]) -> Chart | None:
        cid, title, desc = self.ident(tab, line, self.seen), self.text_pair(tab, "title", line), self.text_pair(tab, "desc", line)
        ids = tab.get("bars")
        if not isinstance(ids, list) or not ids:
            self.err(field_line(self.text, line, "bars"), "'bars' must be a list of figure or rate ids")
            return None
        bad = [b for b in ids if not isinstance(b, str) or b not in bars_by_id]
        for b in bad:
            self.err(field_line(self.text, line, "bars"), f"unknown figure or rate {b!r} in 'bars'")
        bars = tuple(bars_by_id[b] for b in ids if b not in bad)
        units = {b.unit for b in bars}
        if len(units) > 1:
            self.err(field_line(self.text, line, "bars"), f"all bars of a chart need one unit, not {', '.join(sorted(units))}")
            return None
        return Chart(cid, title, desc, bars, units.pop(), line) if cid and bars and not bad else None

    def card(self, tab: dict[str, Any], line: int) -> Card | None:
        eid, src = self.entity(tab, "entity", line), self.source(tab, line)
        return Card(eid, src, line) if eid and src else None


def _load_one(path: Path, rel: str, sections: dict[str, dict[str, str]], entity_ids: set[str]) -> tuple[Hub | None, list[Problem]]:
    text = read_text(path, rel)
    data = parse_toml(text, rel, ContentError)
    hub = data.get("hub")
    hub_line = key_line(text, "hub")
    r = _Reader(rel, text, data, sections, entity_ids)
    for key in sorted(set(data) - set(_TABLES)):
        r.err(key_line(text, key), f"unknown top-level key {key!r} (use {', '.join(_TABLES)})")
    if not isinstance(hub, dict):
        r.err(1, "missing [hub] table (title, blurb, intro)")
        return None, r.problems
    r.keys(hub, hub_line, _HUB_KEYS, "[hub]")
    r.hub_entity = hub_entity = r.entity(hub, "entity", hub_line) if "entity" in hub else ""
    order = hub.get("order", 0)
    if isinstance(order, bool) or not isinstance(order, int):
        r.err(field_line(text, hub_line, "order"), "'order' must be an integer")
        order = 0
    groups = r.groups()
    figures = [fig for tab, ln in r.tables("figure", _FIGURE_KEYS) if (fig := r.figure(tab, ln))]
    by_id = {f.id: f for f in figures}
    facts = [fact for tab, ln in r.tables("fact", _FACT_KEYS) if (fact := r.fact(tab, ln))]
    rates = [x for tab, ln in r.tables("rate", _RATE_KEYS) if (x := r.rate(tab, ln, by_id))]
    bars: dict[str, Bar] = {**by_id, **{x.id: x for x in rates}}
    charts = [ch for tab, ln in r.tables("chart", _CHART_KEYS) if (ch := r.chart(tab, ln, bars))]
    cards = [card for tab, ln in r.tables("card", _CARD_KEYS) if (card := r.card(tab, ln))]
    hub_obj = Hub(
        id=path.stem, path=rel, order=order, entity=hub_entity, title=r.text_pair(hub, "title", hub_line),
        blurb=r.text_pair(hub, "blurb", hub_line), intro=r.text_pair(hub, "intro", hub_line),
        figures=tuple(figures), facts=tuple(facts), rates=tuple(rates), charts=tuple(charts), cards=tuple(cards),
        groups=tuple(groups),
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
