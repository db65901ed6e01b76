"""What the importer proposes: article drafts (front matter + paragraphs), orphans and notes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from site_builder.ingest import text as tx
from site_builder.ingest.dates import lead_date
from site_builder.ingest.group import Note, Orphan
from site_builder.ingest.heads import HeadGroup
from site_builder.ingest.lines import Line

SLUG_MAX = 60
_LEAD_TIME_RE = re.compile(r"^(?:[0-9０-９]{4}\s*年\s*)?[0-9０-９]{1,2}\s*月\s*[0-9０-９]{1,2}\s*[日号](?:[上下中]午|晚|早|晚间|凌晨)?[，,]?")
_CLAUSE_END_RE = re.compile(r"[。！？!?，,；;]")
_GAP_RE = re.compile(r"\[\[gap[^\[\]]*\]\]")


@dataclass(frozen=True)
class Page:
    """The source page: how it is named, its date and the year for dates in leads."""

    rel: str  # the path shown in messages
    source: str  # the front-matter ``source``, relative to content/
    lines: tuple[Line, ...]
    date: dt.date | None = None
    year: int | None = None

    def is_blank(self, no: int) -> bool:
        return 1 <= no <= len(self.lines) and not self.lines[no - 1].text


@dataclass(frozen=True)
class Draft:
    """One proposed article."""

    slug: str
    title: str
    kind: str
    paragraphs: tuple[str, ...]
    paragraph_lines: tuple[tuple[int, ...], ...]
    source: str
    source_lines: str
    order: int
    date: dt.date | None = None
    event_date: dt.date | None = None
    subtitle: str = ""
    kicker: str = ""
    column: str = ""
    reporters: tuple[str, ...] = ()
    correspondents: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title, "subtitle": self.subtitle, "kicker": self.kicker, "column": self.column,
            "kind": self.kind, "date": self.date.isoformat() if self.date else None,
            "event_date": self.event_date.isoformat() if self.event_date else None,
            "reporters": list(self.reporters), "correspondents": list(self.correspondents), "slug": self.slug,
            "order": self.order, "source": self.source, "source_lines": self.source_lines,
            "lines": [list(ls) for ls in self.paragraph_lines], "paragraphs": list(self.paragraphs),
        }


@dataclass(frozen=True)
class Proposal:
    drafts: tuple[Draft, ...]
    orphans: tuple[Orphan, ...]
    notes: tuple[Note, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "articles": [d.as_json() for d in self.drafts],
            "orphans": [{"text": o.text, "line": o.line, "lines": list(o.lines or (o.line,))} for o in self.orphans],
            "notes": [{"line": n.line, "message": n.message} for n in self.notes],
        }


def line_ranges(lines: tuple[int, ...], page: Page) -> str:
    """``5-7, 37-39``: the lines, with runs joined across blank lines."""
    out: list[list[int]] = []
    for no in sorted(set(lines)):
        if out and all(page.is_blank(n) for n in range(out[-1][1] + 1, no)):
            out[-1][1] = no
        else:
            out.append([no, no])
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in out)


def slugify(title: str) -> str:
    """A URL slug from a Chinese title: its pinyin, lower case, words joined by '-'."""
    from pypinyin import lazy_pinyin  # loads its dictionaries; only the importer needs them

    # characters that are not Chinese come back as they are
    words = [w for item in lazy_pinyin(title) for w in re.findall(r"[a-z0-9]+", item.lower())]
    slug = ""
    for w in words:
        if len(slug) + len(w) + 1 > SLUG_MAX:
            break
        slug = f"{slug}-{w}" if slug else w
    return slug


def fallback_title(first_paragraph: str) -> str:
    """A title made from the lead's first clause when the page has no headline for an article."""
    text = _GAP_RE.sub("", first_paragraph)
    by = tx.lead_byline(text)
    if by:
        text = text[by[1]:]
    text = _LEAD_TIME_RE.sub("", text.strip())
    return _CLAUSE_END_RE.split(text, maxsplit=1)[0][:30].strip()


def build_draft(head: HeadGroup | None, byline: tx.Byline | None, paragraphs: list[tuple[str, tuple[int, ...]]],
                lines: tuple[int, ...], page: Page, order: int, overrides: dict[str, Any] | None = None) -> Draft:
    """A draft from what the page shows, with the editor's ``overrides`` (map keys) applied."""
    ov = overrides or {}
    kicker, title, subtitle = head.roles() if head else ("", "", "")
    column = head.column.text if head and head.column else ""
    column = ov.get("column", column)
    first = paragraphs[0][0] if paragraphs else ""
    title = ov.get("title") or title or column or fallback_title(first) or "（无标题）"
    if byline is not None and byline.commentary or column:
        kind = "commentary"
    else:
        kind = "news" if byline is not None and byline.news else "feature"
    reporters = byline.reporters if byline else ()
    return Draft(
        slug=ov.get("slug") or slugify(title) or f"article-{order}",
        title=title, kind=ov.get("kind", kind),
        paragraphs=tuple(p for p, _ in paragraphs), paragraph_lines=tuple(ls for _, ls in paragraphs),
        source=page.source, source_lines=line_ranges(lines, page), order=ov.get("order", order),
        date=ov.get("date", page.date), event_date=ov.get("event_date", lead_date(first, page.date, page.year)),
        subtitle=ov.get("subtitle", subtitle), kicker=ov.get("kicker", kicker), column=column,
        reporters=tuple(ov.get("reporters", reporters)),
        correspondents=byline.correspondents if byline else (),
    )
