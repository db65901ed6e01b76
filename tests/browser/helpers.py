"""Page lists and text extraction shared by the browser tests."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from site_builder import search

ARTICLE = "commentary-2000-billion"  # has gaps, figures, Haining


class _MainText(HTMLParser):
    """Text inside <main>, without elements marked data-pagefind-ignore (what the search index holds)."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "wbr", "source"}

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # inside <main>
        self.ignore: list[int] = []  # depths of ignored elements
        self.level = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        self.level += 1
        if tag == "main":
            self.depth = self.level
        if self.depth and any(k == "data-pagefind-ignore" for k, _ in attrs):
            self.ignore.append(self.level)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if self.ignore and self.ignore[-1] == self.level:
            self.ignore.pop()
        if tag == "main":
            self.depth = 0
        self.level -= 1

    def handle_data(self, data: str) -> None:
        if self.depth and not self.ignore:
            self.parts.append(data)


def main_text(path: Path) -> str:
    p = _MainText()
    p.feed(path.read_text(encoding="utf-8"))
    return "".join(p.parts)


def indexed_pages(out: Path, lang: str) -> dict[str, str]:
    """URL path (relative to the site root) -> indexed text, for every page the search of ``lang`` covers."""
    pages = {}
    for p in sorted((out / lang).rglob("*.html")):
        rel = p.relative_to(out).as_posix()
        if search.indexable(rel, lang):
            pages[rel[: -len("index.html")] if rel.endswith("index.html") else rel] = main_text(p)
    return pages


def page_kinds(out: Path, lang: str) -> dict[str, str]:
    """One page of every kind present in the build: kind -> URL path relative to the site root."""
    kinds = {"home": f"{lang}/", "articles": f"{lang}/articles/", "article": f"{lang}/articles/{ARTICLE}/",
             "parallel": f"{lang}/articles/{ARTICLE}/parallel/", "search": f"{lang}/search/"}
    if (out / lang / "entities" / "index.html").exists():
        kinds["entities"] = f"{lang}/entities/"
        for ent in ("haining", "zhu-jianjun", "valeo-wenling"):
            if (out / lang / "entities" / ent / "index.html").exists():
                kinds[f"entity:{ent}"] = f"{lang}/entities/{ent}/"
    hubs = out / lang / "hubs"
    if (hubs / "index.html").exists():
        kinds["hubs"] = f"{lang}/hubs/"
    if hubs.is_dir():
        for hub in sorted(h.name for h in hubs.iterdir() if (h / "index.html").exists()):
            kinds[f"hub:{hub}"] = f"{lang}/hubs/{hub}/"
    return kinds
