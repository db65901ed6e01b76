"""Every page kind in both languages: no console errors or failed requests, and zero axe-core violations."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.helpers import page_kinds

AXE = Axe()


def _all_kinds(site) -> list[str]:
    paths = ["", "404.html"]
    for lang in ("zh", "en"):
        paths += list(page_kinds(site.out, lang).values())
    return paths


def test_page_kinds_present(site) -> None:
    kinds = page_kinds(site.out, "en")
    assert {"home", "articles", "article", "parallel", "search"} <= set(kinds)


def test_no_console_errors_or_failed_requests(site, new_page) -> None:
    problems = []
    for width in (375, 1280):
        page, watch = new_page(width=width)
        for path in _all_kinds(site):
            page.goto(site.url(path), wait_until="networkidle")  # every request done, favicon included
            problems += [f"{path} @{width}: {e}" for e in watch.errors]
            watch.errors.clear()
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                problems.append(f"{path} @{width}: {overflow}px wider than the screen")
    assert problems == []


def test_under_a_sub_path_every_request_succeeds(subpath_site, new_page) -> None:
    page, watch = new_page()
    problems = []
    for path in _all_kinds(subpath_site):
        page.goto(subpath_site.url(path), wait_until="networkidle")
        problems += [f"{path}: {e}" for e in watch.errors]
        watch.errors.clear()
        assert page.url.startswith(subpath_site.base)
    # the 404 page is served for unknown URLs anywhere under the site: its links are root-relative
    page.goto(subpath_site.url("404.html"))
    page.click("text=English home")
    page.wait_for_url(subpath_site.url("en/"))
    assert problems == [] and watch.errors == []


# What scrolls sideways inside a page: elements wider than their box that scroll (tables, charts).
_SCROLLERS = """() => [...document.querySelectorAll('main *')].filter(e => e.scrollWidth > e.clientWidth + 1
    && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
  .map(e => ({tag: e.tagName.toLowerCase(), cls: e.className, tabindex: e.getAttribute('tabindex'),
              role: e.getAttribute('role'), label: e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')}))"""


def test_every_page_kind_fits_a_320px_screen(site, new_page) -> None:
    """At 320 px nothing makes the page scroll sideways; what scrolls inside it can be reached and scrolled by keyboard."""
    page, _ = new_page(width=320, height=640)
    problems = []
    for lang in ("zh", "en"):
        kinds = page_kinds(site.out, lang)
        assert {"home", "article", "parallel", "entities", "hubs", "entity:haining", "search", "hub:haining",
                "hub:ten-strategies", "hub:target-2000"} <= set(kinds)
        for path in kinds.values():
            page.goto(site.url(path))
            scroll, client = page.evaluate("[document.scrollingElement.scrollWidth, "
                                           "document.scrollingElement.clientWidth]")
            if scroll > client:
                problems.append(f"{path}: {scroll - client}px too wide")
            for el in page.evaluate(_SCROLLERS):
                if el["tabindex"] != "0" or el["role"] != "region" or not el["label"]:
                    problems.append(f"{path}: <{el['tag']} class={el['cls']!r}> scrolls but is not a labelled, "
                                    "focusable region")
    assert problems == []


def test_the_main_navigation_keeps_to_one_line_on_phones(site, new_page) -> None:
    """From 320 px up, the header's links stay on one line (the sticky header stays short); below 30rem the
    site's name is the link home, so 'Home' is left out there, and it is back on wider screens."""
    rows = """() => { const shown = [...document.querySelectorAll('.site-header .nav li')].filter(li => li.offsetParent);
        return [new Set(shown.map(li => Math.round(li.getBoundingClientRect().top))).size, shown.length]; }"""
    problems = []
    for width, links in ((320, 4), (360, 4), (390, 4), (414, 4), (800, 5)):
        page, _ = new_page(width=width, height=700)
        for lang in ("zh", "en"):
            page.goto(site.url(f"{lang}/articles/"))
            lines, shown = page.evaluate(rows)
            if (lines, shown) != (1, links):
                problems.append(f"{lang} @{width}: {shown} links on {lines} lines")
        page.close()
    assert problems == []


def test_favicon_and_assets_load(site, new_page) -> None:
    page, watch = new_page()
    page.goto(site.url("zh/articles/commentary-2000-billion/"))
    icon = page.evaluate("document.querySelector('link[rel=icon]').href")
    assert page.request.get(icon).status == 200
    for css in page.eval_on_selector_all("link[rel=stylesheet]", "ls => ls.map(l => l.href)"):
        assert page.request.get(css).status == 200
    for js in page.eval_on_selector_all("script[src]", "ss => ss.map(s => s.src)"):
        assert page.request.get(js).status == 200
    assert page.request.get(site.url("favicon.ico")).status in (200, 404)  # never requested by our pages
    assert watch.errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_zero_violations(site, new_page, scheme: str) -> None:
    page, watch = new_page(color_scheme=scheme)
    report = []
    paths = _all_kinds(site) + ["en/search/?q=Haining", "zh/search/?q=" + "海宁"]
    for path in paths:
        page.goto(site.url(path), wait_until="networkidle" if "search" in path else "load")
        if "?q=" in path:
            page.wait_for_selector(".search-results li")
        result = AXE.run(page)
        if result.violations_count:
            report.append(f"--- {path} ({scheme})\n{result.generate_report()}")
    assert not report, "\n".join(report)


def test_axe_entity_card_open(site, new_page) -> None:
    page, _ = new_page()
    for lang in ("zh", "en"):
        page.goto(site.url(f"{lang}/articles/commentary-2000-billion/"))
        links = page.locator("a.ent[data-entity]")
        if links.count() == 0:
            continue
        links.first.focus()
        page.locator("[role=tooltip]").wait_for(state="visible")
        result = AXE.run(page)
        assert result.violations_count == 0, result.generate_report()
