"""What readers see: trust marks, mixed-language spans, the parallel view, the home page's story and key numbers."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest

from site_builder.build import build
from site_builder.errors import SiteError
from site_builder.model import text_hash
from site_builder.views import load_home, mark_cjk
from tests.conftest import write_article


def sections(html: str) -> list[tuple[str, str]]:
    """(id, html) of each article section."""
    return re.findall(r'<section class="sec [^"]*" id="([^"]+)" data-section="[^"]+">(.*?)</section>', html, re.S)


def test_every_english_section_says_what_it_is(tiny: Path) -> None:
    write_article(tiny, "one", "<!-- § a1 -->\n第一段。\n\n<!-- § b2 -->\n第二段。\n\n<!-- § c3 -->\n第三段。\n\n<!-- § d4 -->\n第四段。\n",
                  en=f"<!-- § a1 status=reviewed zh={text_hash('第一段。')} -->\nFirst.\n\n"
                     f"<!-- § b2 status=machine zh={text_hash('第二段。')} -->\nSecond.\n\n"
                     "<!-- § c3 status=reviewed zh=0000000000 -->\nThird, translated from older Chinese.\n")
    build(tiny)
    en = dict(sections((tiny / "public/en/articles/one/index.html").read_text(encoding="utf-8")))
    marks = {sid: re.search(r'<p class="trust trust-(\w+)"[^>]*><span class="trust-label">([^<]+)</span>', body).groups()
             for sid, body in en.items()}
    assert marks == {"a1": ("reviewed", "Reviewed translation"), "b2": ("machine", "Machine translation"),
                     "c3": ("stale", "Out of date: the Chinese changed after this was translated"),
                     "d4": ("missing", "Not yet translated — showing the Chinese original")}
    assert 'lang="zh">第四段。' in en["d4"].replace("<p>", "") and 'lang="en"><p>Third' in en["c3"]
    summary = (tiny / "public/en/articles/one/index.html").read_text(encoding="utf-8")
    assert re.search(r"1 reviewed.*1 machine-translated.*1 out of date.*1 not yet translated", summary, re.S)
    zh = dict(sections((tiny / "public/zh/articles/one/index.html").read_text(encoding="utf-8")))
    assert all("trust" not in body for body in zh.values())


def test_chinese_in_english_text_is_marked() -> None:
    assert mark_cjk("<p>200 billion yuan (2000亿) and 强工兴市.</p>") == \
        '<p>200 billion yuan (2000<span lang="zh">亿</span>) and <span lang="zh">强工兴市</span>.</p>'
    assert mark_cjk('<a title="温岭" href="x">Wenling</a>') == '<a title="温岭" href="x">Wenling</a>'
    assert mark_cjk("“强工兴市，一要”") == '“<span lang="zh">强工兴市，一要</span>”'


def test_gaps_are_visible_in_the_parallel_view(project: Path) -> None:
    build(project)
    html = (project / "public/en/articles/valeo-wenling/parallel/index.html").read_text(encoding="utf-8")
    assert html.count('class="gap" role="note"') >= 4  # two gaps, in both columns
    assert "原文缺失" in html and "text missing in source" in html


def test_article_and_parallel_view_share_section_ids(project: Path) -> None:
    build(project)
    out = project / "public"
    for page in sorted(out.glob("*/articles/*/index.html")):
        html = page.read_text(encoding="utf-8")
        ids = [sid for sid, _ in sections(html)]
        assert ids, page
        assert 'href="parallel/"' in html  # reachable from every article page
        par = (page.parent / "parallel" / "index.html").read_text(encoding="utf-8")
        assert re.findall(r'<div class="par-row" id="([^"]+)"', par) == ids
        assert 'class="lang-switch" data-lang-switch href="../../../' in html


def test_home_key_numbers_link_to_their_sentences(project: Path) -> None:
    build(project)
    for lang in ("zh", "en"):
        html = (project / f"public/{lang}/index.html").read_text(encoding="utf-8")
        figures = re.findall(r'<li class="figure">\s*<a href="articles/([^/]+)/#([^"]+)">.*?<q lang="zh">([^<]+)</q>',
                             html, re.S)
        assert len(figures) == 6
        for slug, sec, quote in figures:
            zh = (project / f"public/zh/articles/{slug}/index.html").read_text(encoding="utf-8")
            body = dict(sections(zh))[sec]
            assert quote in re.sub(r"<[^>]+>", "", body)
    assert "2000亿" in (project / "public/zh/index.html").read_text(encoding="utf-8")


def test_home_figure_quote_must_be_in_its_section(project: Path) -> None:
    home = project / "content/home.toml"
    home.write_text(home.read_text(encoding="utf-8").replace("1163.7亿元，增速66.7%", "1263.7亿元，增速66.7%"),
                    encoding="utf-8")
    from site_builder.content import load_articles

    with pytest.raises(SiteError) as exc:
        load_home(project, load_articles(project))
    lines = home.read_text(encoding="utf-8").splitlines()
    line = max(i for i, t in enumerate(lines, 1) if t == "[[figure]]")  # the Yiwu figure is the last one
    assert str(exc.value) == (f"content/home.toml:{line}: figure: quote '2021年规上工业产值1263.7亿元，增速66.7%' "
                              "not found in commentary-2000-billion#rsmwup")


def test_home_figure_needs_a_real_section(project: Path) -> None:
    home = project / "content/home.toml"
    home.write_text(home.read_text(encoding="utf-8") + '\n[[figure]]\nvalue = { zh = "1", en = "1" }\n'
                    'label = { zh = "x", en = "x" }\nsource = "no-such-article#x"\nquote = "x"\n', encoding="utf-8")
    lines = home.read_text(encoding="utf-8").splitlines()
    n = max(i for i, t in enumerate(lines, 1) if t == "[[figure]]")
    with pytest.raises(SiteError, match=rf"content/home.toml:{n}: figure: source 'no-such-article#x' is not an article"):
        build(project)


def test_navigation_links_only_to_built_pages(tiny: Path) -> None:
    from site_builder.views import nav_view

    built = {"en/index.html", "en/articles/index.html", "en/search/index.html"}
    assert [i["url"] for i in nav_view("en", built)] == ["en/index.html", "en/articles/index.html", "en/search/index.html"]
    built.add("en/entities/index.html")
    assert [i["key"] for i in nav_view("en", built)] == ["home", "articles", "entities", "search"]
    built.add("en/hubs/index.html")
    assert [i["key"] for i in nav_view("en", built)] == ["home", "articles", "hubs", "entities", "search"]
    build(tiny)  # no data files: no explainers, and no link to them
    assert not (tiny / "public/en/hubs").exists()
    page = tiny / "public/en/index.html"
    nav = re.search(r'<nav aria-label="Main navigation" class="nav">(.*?)</nav>', page.read_text(encoding="utf-8"),
                    re.S).group(1)
    hrefs = re.findall(r'href="([^"]+)"', nav)
    assert hrefs[:2] == ["./", "articles/"] and "search/" in hrefs
    assert all((page.parent / h / "index.html").exists() for h in hrefs)
    assert re.search(r'<a href="\./" aria-current="page">Home</a>', nav)


class _LangOfText(HTMLParser):
    """Each text node of a page with the language it is in (the nearest lang attribute), outside script and style."""

    VOID: ClassVar[set[str]] = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
                                "track", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str]] = []  # (tag, lang)
        self.texts: list[tuple[str, str]] = []  # (lang, text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append((tag, dict(attrs).get("lang") or (self.stack[-1][1] if self.stack else "")))

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1][0] not in ("script", "style"):
            self.texts.append((self.stack[-1][1], data))


def test_chinese_on_english_pages_is_marked_as_chinese(project: Path) -> None:
    """Chinese quoted on an English page (names, terms in summaries, hub data, hints) is read and rendered as Chinese."""
    build(project)
    out = project / "public"
    unmarked = []
    for page in sorted((out / "en").rglob("*.html")):
        p = _LangOfText()
        p.feed(page.read_text(encoding="utf-8"))
        unmarked += [f"{page.relative_to(out)}: {text.strip()[:60]!r}" for lang, text in p.texts
                     if re.search(r"[\u3400-\u9fff]", text) and not lang.startswith("zh")]
    assert unmarked == []
