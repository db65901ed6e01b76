"""Raw newspaper page -> article drafts (the importer).

Stages, each a small module: ``lines`` (read, decode) -> ``classify`` (what
each line is) -> ``join`` (rejoin paragraphs the layout split) -> ``group``
(stories, orphans, banner headlines) -> ``draft`` (front matter). With a map
file, ``mapfile`` replaces join and group by the editor's decisions. ``write``
turns drafts into content files. Rules and the map format: docs/import.md.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from site_builder.ingest.classify import classify
from site_builder.ingest.dates import date_from_masthead, date_from_name
from site_builder.ingest.draft import Draft, Page, Proposal, build_draft
from site_builder.ingest.group import Note, Orphan, group
from site_builder.ingest.join import rejoin
from site_builder.ingest.lines import Line, read_source
from site_builder.ingest.mapfile import PageMap, apply_map

__all__ = ["Draft", "Note", "Orphan", "Page", "Proposal", "map_path_for", "propose", "read_page", "source_field"]


def map_path_for(source: Path) -> Path:
    """``content/sources/x.txt`` -> ``content/sources/x.map.toml``."""
    return source.with_name(source.stem + ".map.toml")


def source_field(source: Path, root: Path) -> str:
    """The front-matter ``source``: the path relative to ``content/``, else ``sources/<file name>``."""
    try:
        return source.resolve().relative_to((root / "content").resolve()).as_posix()
    except ValueError:
        return f"sources/{source.name}"


def read_page(source: Path, rel: str, root: Path, *, year: int | None = None, page_date: date | None = None,
              page_map: PageMap | None = None) -> Page:
    """Read the source and settle its date: option, map, file name, masthead line, in that order."""
    lines: tuple[Line, ...] = read_source(source, rel)
    if page_date is None and page_map is not None:
        page_date = page_map.date
    page_date = page_date or date_from_name(source.name) or date_from_masthead(lines)
    if year is None and page_map is not None:
        year = page_map.year
    return Page(rel, source_field(source, root), lines, page_date, year)


def propose(page: Page, page_map: PageMap | None = None) -> Proposal:
    """What the importer proposes for ``page``: by the rules, or exactly as ``page_map`` says."""
    pieces = classify(page.lines)
    if page_map is not None:
        mapped, unused = apply_map(page_map, page, pieces)
        return Proposal(tuple(mapped), tuple(unused), ())
    stories, orphans, notes = group(rejoin(pieces))
    stories.sort(key=lambda s: s.first_line)
    drafts: list[Draft] = []
    seen: set[str] = set()
    for i, s in enumerate(stories, 1):
        d = build_draft(s.head, s.byline, [(p.text, p.lines) for p in s.paragraphs], s.source_lines(), page, i)
        slug, n = d.slug, 2
        while slug in seen:
            slug, n = f"{d.slug}-{n}", n + 1
        seen.add(slug)
        drafts.append(d if slug == d.slug else replace(d, slug=slug))
    return Proposal(tuple(drafts), tuple(orphans), tuple(notes))

