"""Hub data: figures with verified sources, computed growth rates, errors with path:line, the built hub pages."""

from __future__ import annotations

import html as html_lib
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

from site_builder.build import build
from site_builder.content import load_articles
from site_builder.errors import ContentError
from site_builder.hubs import growth_rate, load_hubs, rate_bound
from site_builder.registry import load_registry
from tests.conftest import ROOT

HUBS = ("ten-strategies", "haining", "target-2000")


def seed_hubs() -> dict:
    arts = load_articles(ROOT)
    return {h.id: h for h in load_hubs(ROOT, arts, [e.id for e in load_registry(ROOT).entities])}


def test_growth_rate_is_the_compound_annual_rate() -> None:
    assert growth_rate(1000, 2000, 5) == pytest.approx(0.148698, abs=1e-6)  # doubling in five years
    assert growth_rate(1500, 2000, 3) == pytest.approx(0.100642, abs=1e-6)
    assert growth_rate(100, 100, 4) == 0
    with pytest.raises(ValueError):
        growth_rate(0, 100, 3)


def test_rate_bound_follows_the_approximations() -> None:
    assert rate_bound("exact", "exact", "exact") == "exact"
    assert rate_bound("exact", "exact", "over") == "at-most"  # more than 3 years: slower than computed
    assert rate_bound("just-over", "exact", "exact") == "at-most"  # a larger start: slower
    assert rate_bound("exact", "over", "exact") == "at-least"  # a larger end: faster
    assert rate_bound("just-over", "over", "exact") == "about"  # both ways
    assert rate_bound("about", "exact", "exact") == "about"


def test_seed_rates_are_computed_from_the_figures_of_the_commentary() -> None:
    hubs = seed_hubs()
    rates = {r.id: r for h in hubs.values() for r in h.rates}
    haining, wenling, needed = rates["rate-haining"], rates["rate-wenling"], rates["rate-needed"]
    assert (haining.start.value, haining.end.value, haining.years.value) == (1500, 2000, 3)
    assert haining.display("en") == "at most 10.1% a year" and haining.display("zh") == "年均不超过10.1%"
    assert wenling.display("en") == "about 14.9% a year" and needed.display("zh") == "年均约14.9%"
    assert haining.formula("en") == "(2000 ÷ 1500)^(1/3) − 1 = 10.06%"
    assert haining.assumptions("en") == [
        "Time Haining took for the leap: the text gives “more than 3 years”; the calculation takes 3 years."]
    figs = {f.id: f for f in hubs["haining"].figures}
    assert figs["haining-2021"].display("zh") == "超2400亿元" and figs["haining-2021"].display("en") == "more than 240 billion yuan"
    assert figs["yiwu-2021"].display("en") == "116.37 billion yuan" and figs["haining-years"].display("zh") == "3年多"


def test_seed_hubs_cover_the_brief() -> None:
    hubs = seed_hubs()
    assert set(hubs) == set(HUBS)
    assert [c.entity for c in hubs["ten-strategies"].cards] == [f"strategy-{n}" for n in range(1, 11)]
    assert {c.source.article for c in hubs["ten-strategies"].cards} == {"wenling-industry-conference"}
    assert len({c.source.section for c in hubs["ten-strategies"].cards}) == 10
    target = {f.id: f for f in hubs["target-2000"].figures}
    assert (target["edz-investment"].value, target["edz-output"].value) == (40, 350)
    assert target["target-listed"].display("zh") == "超20家"
    facts = {f.id for f in hubs["haining"].facts}
    assert {"haining-old-three", "haining-new-three", "haining-strategic-three", "haining-funding", "haining-land"} <= facts


# -- bad data files fail with path:line ------------------------------------------------------------

GOOD = '''[hub]
title = { zh = "标题", en = "Title" }
blurb = { zh = "简介", en = "Blurb" }
intro = { zh = "引言", en = "Intro" }

[[figure]]
id = "f1"
about = "wenling"
label = { zh = "产值", en = "Output" }
value = 2000
unit = "yi-yuan"
source = "commentary-2000-billion#e7hljd"
quote = "温岭规上工业总产值超2000亿元"
'''


def project_with(tmp_path: Path, data: str) -> Path:
    root = tmp_path / "site"
    for name in ("content", "templates", "static"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("*~", "data"))
    (root / "content/data").mkdir()
    (root / "content/data/x.toml").write_text(data, encoding="utf-8")
    return root


def errors(root: Path) -> list[str]:
    arts = load_articles(root)
    with pytest.raises(ContentError) as exc:
        load_hubs(root, arts, [e.id for e in load_registry(root).entities])
    return [str(p) for p in exc.value.problems]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('about = "wenling"', 'about = "nowhere"',
     "content/data/x.toml:8: unknown entity id 'nowhere' (not in content/entities.toml)"),
    ("#e7hljd", "#nosuch", "content/data/x.toml:12: source 'commentary-2000-billion#nosuch': "
                           "article 'commentary-2000-billion' has no section 'nosuch'"),
    ('"commentary-2000-billion#', '"no-article#', "content/data/x.toml:12: source 'no-article#e7hljd': no article 'no-article'"),
    ("超2000亿元", "超3000亿元", "content/data/x.toml:13: quote '温岭规上工业总产值超3000亿元' does not occur in section "
                           "commentary-2000-billion#e7hljd"),
    ("value = 2000", "value = 2001", "content/data/x.toml:13: the figure '2001' does not occur in its quote "
                                     "'温岭规上工业总产值超2000亿元'"),
    ('unit = "yi-yuan"', 'unit = "yuan"', "content/data/x.toml:11: unknown unit 'yuan' "
                                          "(use one of yi-yuan, percent, years, companies, count)"),
    ('value = 2000', 'value = 2000\nsize = 3', "content/data/x.toml:11: unknown key 'size' in [[figure]]"),
])
def test_bad_references_fail_with_path_and_line(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert errors(project_with(tmp_path, GOOD.replace(old, new, 1))) == [expected]


def test_unknown_ids_in_rates_charts_and_cards(tmp_path: Path) -> None:
    data = GOOD + ('\n[[rate]]\nid = "r"\nlabel = { zh = "增速", en = "Growth" }\nfrom = "f1"\nto = "f1"\nyears = "f9"\n'
                   '\n[[chart]]\nid = "c"\ntitle = { zh = "图", en = "Chart" }\ndesc = { zh = "图", en = "Chart" }\n'
                   'bars = ["f1", "nope"]\n'
                   '\n[[card]]\nentity = "strategy-11"\nsource = "wenling-industry-conference#cha4zv"\n')
    assert errors(project_with(tmp_path, data)) == [
        "content/data/x.toml:20: 'years' must name a [[figure]] id in this file, not 'f9'",
        "content/data/x.toml:26: unknown figure or rate 'nope' in 'bars'",
        "content/data/x.toml:29: unknown entity id 'strategy-11' (not in content/entities.toml)",
    ]


def test_build_with_a_broken_data_file_exits_1_and_keeps_the_old_site(tmp_path: Path) -> None:
    root = project_with(tmp_path, GOOD)
    build(root)
    before = sorted(p.relative_to(root).as_posix() for p in (root / "public").rglob("*"))
    assert (root / "public/en/hubs/x/index.html").exists()
    (root / "content/data/x.toml").write_text(GOOD.replace("#e7hljd", "#gone"), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "site_builder", "--root", str(root), "build"],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.startswith("content/data/x.toml:12: source 'commentary-2000-billion#gone'")
    assert "Traceback" not in proc.stderr
    assert sorted(p.relative_to(root).as_posix() for p in (root / "public").rglob("*")) == before


# -- the built hubs --------------------------------------------------------------------------------


class _Elements(HTMLParser):
    """Collects the figure-like elements (data-figure, data-fact, data-card) with the links inside each, and ids."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.items: list[tuple[str, list[str]]] = []
        self._stack: list[tuple[str, int]] = []  # (tag, index into items) of open figure elements
        self.svgs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if tag == "svg":
            self.svgs.append(a)
        for key in ("data-figure", "data-fact", "data-card"):
            if key in a:
                self.items.append((f"{key}={a[key]}", []))
                self._stack.append((tag, len(self.items) - 1))
        if tag == "a" and "data-source" in a:
            for _, i in self._stack:
                self.items[i][1].append(a.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if self._stack and self._stack[-1][0] == tag:
            self._stack.pop()


def _parse(path: Path) -> _Elements:
    p = _Elements()
    p.feed(path.read_text(encoding="utf-8"))
    return p


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hubs") / "site"
    for name in ("content", "templates", "static"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("*~"))
    build(root)
    return root / "public"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("hub", HUBS)
def test_every_figure_on_a_hub_links_to_its_source_section(site: Path, hub: str, lang: str) -> None:
    page = site / lang / "hubs" / hub / "index.html"
    info = _parse(page)
    data = seed_hubs()[hub]
    kinds = [k.split("=")[0] for k, _ in info.items]
    # every figure, fact and card of the data file is on the page (figures may also appear in chart tables)
    assert kinds.count("data-fact") == len(data.facts) and kinds.count("data-card") == len(data.cards)
    assert {k for k, _ in info.items if k.startswith("data-figure=")} == \
        {f"data-figure={x.id}" for x in [*data.figures, *data.rates]}
    parsed: dict[Path, _Elements] = {}
    for item, links in info.items:
        assert links, f"{hub}/{lang}: {item} has no source link"
        for link in links:
            target, anchor = urldefrag(urljoin("file://" + page.as_posix(), link))
            path = Path(urlparse(target).path) / "index.html"
            assert path.relative_to(site).parts[:2] == (lang, "articles"), link
            assert anchor, link
            ids = parsed.setdefault(path, _parse(path)).ids
            assert anchor in ids, f"{hub}/{lang}: {item} -> {link}: no such section"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_hubs_are_linked_from_the_home_page(site: Path, lang: str) -> None:
    home = (site / lang / "index.html").read_text(encoding="utf-8")
    for hub in HUBS:
        assert f'href="hubs/{hub}/"' in home


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_explainers_page_lists_every_hub_and_each_hub_links_back(site: Path, lang: str) -> None:
    index = site / lang / "hubs" / "index.html"
    html = index.read_text(encoding="utf-8")
    main = html[html.index("<main"):html.index("</main>")]
    hubs = seed_hubs()
    # every hub once, in the home page's order, with its title and blurb from its data file
    assert re.findall(r'<a href="([^"]+)/">', main) == list(HUBS)
    for hub in HUBS:
        assert hubs[hub].title[lang] in html_lib.unescape(main) and hubs[hub].blurb[lang] in html_lib.unescape(main)
    # its counterpart in the other language, and a nav entry marked as the current page
    other = "en" if lang == "zh" else "zh"
    assert f'hreflang="{other}" href="https://example.org/{other}/hubs/"' in html
    label = "Explainers" if lang == "en" else "专题解读"
    assert f'<a href="./" aria-current="page">{label}</a>' in html
    for hub in HUBS:  # the hub's kicker ("Explainer") is a link to the list
        page = (site / lang / "hubs" / hub / "index.html").read_text(encoding="utf-8")
        assert re.search(r'<p class="kicker"><a href="\.\./">[^<]+</a>', page)
        assert '<a href="../">' + label + "</a>" in page  # and the navigation leads there from every page


def test_haining_hub_has_an_accessible_chart_and_its_data_table(site: Path) -> None:
    html = (site / "en/hubs/haining/index.html").read_text(encoding="utf-8")
    info = _parse(site / "en/hubs/haining/index.html")
    # each of the two charts drawn wide and narrow (the style sheet shows one)
    assert [(svg.get("id"), svg.get("class")) for svg in info.svgs] == [
        ("chart-output", "chart chart-wide"), ("chart-output-narrow", "chart chart-narrow"),
        ("chart-growth", "chart chart-wide"), ("chart-growth-narrow", "chart chart-narrow")]
    for svg in info.svgs:
        assert svg.get("role") == "img"
        title_id, desc_id = (svg.get("aria-labelledby") or "").split()
        assert {title_id, desc_id} <= info.ids
    assert not re.search(r"<svg[^>]*style=|<(rect|text|line|g)[^>]*style=", html)
    growth = html[html.index('id="chart-growth"'):]
    growth = growth[:growth.index("</table>")]
    # the bars (of both drawings) and their table say the same, in the same order
    assert re.findall(r'class="value"[^>]*>([^<]+)<', growth) == \
        ["about 14.9% a year", "at most 10.1% a year", "66.7%"] * 2
    assert re.findall(r'<td class="num">([^<]+)</td>', growth) == ["about 14.9% a year", "at most 10.1% a year", "66.7%"]


def test_hubs_quote_a_few_mentions_and_count_the_rest_on_the_entry(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Past HUB_QUOTES, a hub lists no more mentions: it says how many more there are and links the full entry."""
    from site_builder import entity_pages
    from site_builder.entities import load_entities

    monkeypatch.setattr(entity_pages, "HUB_QUOTES", 1)
    monkeypatch.setenv("SITE_BUILDER_PAGEFIND", "/nonexistent/pagefind")
    root = tmp_path / "site"
    for name in ("content", "templates", "static"):
        shutil.copytree(ROOT / name, root / name)
    build(root)
    mentions = load_entities(root, load_articles(root)).index.mentions
    total = len(mentions["target-2000yi"])
    assert total > 1
    for lang, text in (("zh", "另有{n}处提及"), ("en", "More mentions ({n})")):
        page = root / "public" / lang / "hubs" / "target-2000" / "index.html"
        html = page.read_text(encoding="utf-8")
        appears = html[html.index('class="hub-appears"'):]
        assert appears.count("<li data-backlink>") == 1
        (href,) = re.findall(r'<p class="bl-more"><a href="([^"]+)">' + re.escape(text.format(n=total - 1)), appears)
        target = Path(urlparse(urljoin("file://" + page.as_posix(), href)).path) / "index.html"
        assert target == root / "public" / lang / "entities" / "target-2000yi" / "index.html"
