"""The editor's map of a page (``<source>.map.toml``): which lines form which article.

Format and meaning: docs/import.md. Every problem is reported as
``map-path:line: message``, all of them at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from site_builder.config import parse_toml, read_text
from site_builder.content import SLUG_RE
from site_builder.errors import ImportError_, Problem, SiteError
from site_builder.ingest import text as tx
from site_builder.ingest.classify import Piece
from site_builder.ingest.draft import Draft, Page, build_draft
from site_builder.ingest.group import Orphan
from site_builder.ingest.heads import make_group
from site_builder.model import KINDS

GAP_RE = re.compile(r"\[\[gap(?::[^\]\n]*)?\]\]")
_KEY_RE = re.compile(r"^[ \t]*([A-Za-z0-9_-]+)[ \t]*=")
_HEADER_RE = re.compile(r"^[ \t]*\[\[[ \t]*article[ \t]*\]\]")
_TOP = {"date": date, "year": int, "ignore": list, "article": list}
_ARTICLE = {
    "slug": str, "head": list, "body": list, "split": list, "title": str, "subtitle": str, "kicker": str,
    "column": str, "kind": str, "reporters": list, "event_date": date, "date": date, "order": int,
}
_OVERRIDES = ("slug", "title", "subtitle", "kicker", "column", "kind", "reporters", "event_date", "date", "order")


@dataclass(frozen=True)
class ArticleMap:
    """One ``[[article]]`` table, checked for types."""

    index: int
    data: dict[str, Any]
    keys: dict[str, int]  # key -> line in the map file

    def line(self, key: str) -> int:
        return self.keys.get(key, self.keys.get("", 1))


@dataclass(frozen=True)
class PageMap:
    rel: str
    date: date | None
    year: int | None
    ignore: tuple[int, ...]
    articles: tuple[ArticleMap, ...]
    keys: dict[str, int]


def _key_lines(text: str) -> list[dict[str, int]]:
    """For the top level (index 0) and each ``[[article]]`` (1, 2, ...): key -> first line; '' -> header line."""
    tables: list[dict[str, int]] = [{"": 1}]
    for no, line in enumerate(text.split("\n"), 1):
        if _HEADER_RE.match(line):
            tables.append({"": no})
            continue
        m = _KEY_RE.match(line)
        if m:
            tables[-1].setdefault(m.group(1), no)
    return tables


def _type_ok(value: Any, typ: type) -> bool:
    if typ is date:
        return isinstance(value, date) and not isinstance(value, datetime)
    if typ is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, typ)


def _check_keys(data: dict[str, Any], schema: dict[str, type], lines: dict[str, int], rel: str, where: str,
                problems: list[Problem]) -> None:
    for key, value in data.items():
        line = lines.get(key, lines.get("", 1))
        if key not in schema:
            problems.append(Problem(rel, line, f"unknown key {key!r}{where} (known: {', '.join(sorted(schema))})"))
        elif not _type_ok(value, schema[key]):
            kind = "TOML date like 2022-02-09" if schema[key] is date else schema[key].__name__
            problems.append(Problem(rel, line, f"{key!r} must be a {kind}"))


def load_map(path: Path, rel: str) -> PageMap:
    """Parse and type-check a map file; raises ImportError_ with all problems."""
    try:
        text = read_text(path, rel)
    except SiteError as exc:
        raise ImportError_(exc.problems) from None
    data = parse_toml(text, rel, ImportError_)  # an impossible date too is a TOMLDecodeError
    tables = _key_lines(text)
    problems: list[Problem] = []
    _check_keys(data, _TOP, tables[0], rel, "", problems)
    if _type_ok(data.get("year"), int) and not 1 <= data["year"] <= 9999:
        problems.append(Problem(rel, tables[0].get("year", 1), f"year {data['year']} is out of range (1-9999)"))
    raw = data.get("article", [])
    articles: list[ArticleMap] = []
    for i, tab in enumerate(raw if isinstance(raw, list) else []):
        keys = tables[i + 1] if i + 1 < len(tables) else {"": 1}
        if not isinstance(tab, dict):
            problems.append(Problem(rel, keys[""], "'article' must be written as [[article]] tables"))
            continue
        _check_keys(tab, _ARTICLE, keys, rel, " in [[article]]", problems)
        for key in ("slug", "body"):
            if key not in tab:
                problems.append(Problem(rel, keys[""], f"[[article]] needs {key!r}"))
        if isinstance(tab.get("slug"), str) and not SLUG_RE.match(tab["slug"]):
            problems.append(Problem(rel, keys.get("slug", keys[""]), f"invalid slug {tab['slug']!r}: use a-z, 0-9 and '-'"))
        if isinstance(tab.get("kind"), str) and tab["kind"] not in KINDS:
            problems.append(Problem(rel, keys.get("kind", keys[""]), f"kind must be one of {', '.join(KINDS)}, not {tab['kind']!r}"))
        for key in ("reporters", "split"):
            if isinstance(tab.get(key), list) and not all(isinstance(v, str) and v for v in tab[key]):
                problems.append(Problem(rel, keys.get(key, keys[""]), f"{key!r} must be a list of non-empty strings"))
        articles.append(ArticleMap(i, tab, keys))
    if problems:
        raise ImportError_(problems)
    return PageMap(rel, data.get("date"), data.get("year"), tuple(data.get("ignore", ())), tuple(articles), tables[0])


def _source_line(value: Any, page: Page, by_line: dict[int, Piece]) -> str | None:
    """Why ``value`` is not a usable source line, or None if it is."""
    if not _type_ok(value, int):
        return f"{value!r} is not a line number"
    if not 1 <= value <= len(page.lines):
        return f"line {value} is past the end of {page.rel} ({len(page.lines)} lines)"
    if value not in by_line:
        return f"line {value} of {page.rel} holds no text"
    return None


def apply_map(pm: PageMap, page: Page, pieces: list[Piece]) -> tuple[list[Draft], list[Orphan]]:
    """Drafts exactly as the map says, and the page's text lines the map leaves out (not ignored)."""
    by_line = {p.line: p for p in pieces if p.text}
    problems: list[Problem] = []
    used: dict[int, tuple[str, int]] = {}  # source line -> (slug, map line)

    def take(value: Any, am: ArticleMap, key: str) -> Piece | None:
        line = am.line(key)
        why = _source_line(value, page, by_line)
        if why is None and value in used:
            why = f"line {value} is already used by article {used[value][0]!r} (map line {used[value][1]})"
        if why:
            problems.append(Problem(pm.rel, line, why))
            return None
        used[value] = (am.data.get("slug", "?"), line)
        return by_line[value]

    for value in pm.ignore:
        why = _source_line(value, page, by_line)
        if why:
            problems.append(Problem(pm.rel, pm.keys.get("ignore", 1), why))
    ignored = {v for v in pm.ignore if _type_ok(v, int)}
    drafts: list[Draft] = []
    slugs: dict[str, int] = {}
    for am in pm.articles:
        slug = am.data.get("slug", "")
        if slug in slugs:
            problems.append(Problem(pm.rel, am.line("slug"), f"slug {slug!r} is already used on map line {slugs[slug]}"))
        slugs[slug] = am.line("slug")
        before = len(problems)
        head = [p for v in am.data.get("head", []) if (p := take(v, am, "head"))]
        paragraphs = _paragraphs(am, take, problems, pm.rel)
        if len(problems) > before:
            continue
        paragraphs = _split(paragraphs, am, problems, pm.rel)
        bylines = [p for p in head if p.kind == "byline"]
        first_item = am.data["body"][0] if am.data["body"] else None
        first = first_item[0] if isinstance(first_item, list) and first_item else first_item
        byline = bylines[0].byline if bylines else (by_line[first].byline if isinstance(first, int) else None)
        group = make_group([p for p in head if p.kind != "byline"]) if any(p.kind != "byline" for p in head) else None
        lines = tuple(p.line for p in head) + tuple(n for _, ls in paragraphs for n in ls)
        overrides = {k: am.data[k] for k in _OVERRIDES if k in am.data}
        drafts.append(build_draft(group, byline, paragraphs, lines, page, am.index + 1, overrides))
    if problems:
        raise ImportError_(problems)
    orphans = [Orphan(p.text, p.line, (p.line,)) for p in pieces
               if p.text and p.kind != "furniture" and p.line not in used and p.line not in ignored]
    return drafts, orphans


def _paragraphs(am: ArticleMap, take: Any, problems: list[Problem], rel: str) -> list[tuple[str, tuple[int, ...]]]:
    """The ``body`` entries -> (text, source lines); an entry is a line or a list of lines and gap notes."""
    out: list[tuple[str, tuple[int, ...]]] = []
    line = am.line("body")
    body = am.data.get("body", [])
    if not body:
        problems.append(Problem(rel, line, "'body' is empty: an article needs at least one paragraph"))
    for entry in body:
        items = entry if isinstance(entry, list) else [entry]
        if not items:
            problems.append(Problem(rel, line, "an empty list in 'body'"))
            continue
        text, lines = "", []
        for item in items:
            if isinstance(item, str):
                if not GAP_RE.fullmatch(item):
                    problems.append(Problem(rel, line, f"{item!r} in 'body': only line numbers and gap notes "
                                                       "'[[gap]]' / '[[gap: note]]' can be joined"))
                text += item
            elif (piece := take(item, am, "body")) is not None:
                text = tx.join_text(text, piece.text)
                lines.append(piece.line)
        if not lines and isinstance(entry, list):
            problems.append(Problem(rel, line, "a paragraph in 'body' needs at least one line number"))
        out.append((text, tuple(lines)))
    return out


def _split(paragraphs: list[tuple[str, tuple[int, ...]]], am: ArticleMap, problems: list[Problem],
           rel: str) -> list[tuple[str, tuple[int, ...]]]:
    """Cut paragraphs before each ``split`` anchor; an anchor must occur exactly once in the article."""
    out = list(paragraphs)
    for anchor in am.data.get("split", []):
        hits = [(i, m.start()) for i, (t, _) in enumerate(out) for m in re.finditer(re.escape(anchor), t)]
        if len(hits) != 1:
            found = "does not occur" if not hits else f"occurs {len(hits)} times"
            hint = "; make it longer" if hits else ""
            problems.append(Problem(rel, am.line("split"), f"split {anchor!r} {found} in article {am.data['slug']!r}{hint}"))
            continue
        i, at = hits[0]
        if at == 0:
            problems.append(Problem(rel, am.line("split"), f"split {anchor!r} already starts a paragraph"))
            continue
        text, lines = out[i]
        out[i:i + 1] = [(text[:at], lines), (text[at:], lines)]
    return out
