"""The parallel view aligns Chinese and English section by section: side by side when wide, interleaved when narrow."""

from __future__ import annotations

import pytest

from tests.browser.helpers import ARTICLE


def _cells(page: object) -> list[tuple[str, dict, dict]]:
    rows = page.locator(".par-row[data-section]")
    out = []
    for i in range(rows.count()):
        row = rows.nth(i)
        out.append((row.get_attribute("id"), row.locator(".par-zh").bounding_box(), row.locator(".par-en").bounding_box()))
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_side_by_side_at_1280(site, new_page, lang: str) -> None:
    page, watch = new_page(width=1280)
    page.goto(site.url(f"{lang}/articles/{ARTICLE}/"))
    sections = page.eval_on_selector_all("[data-section]", "els => els.map(e => e.id)")
    page.goto(site.url(f"{lang}/articles/{ARTICLE}/parallel/"))
    cells = _cells(page)
    assert [c[0] for c in cells] == sections  # every section, in order
    previous_bottom = 0.0
    for sec_id, zh, en in cells:
        assert abs(zh["y"] - en["y"]) <= 1, (sec_id, zh, en)  # each row starts level
        assert zh["x"] + zh["width"] <= en["x"], (sec_id, zh, en)  # Chinese left, English right
        assert zh["width"] > 300 and en["width"] > 300
        assert min(zh["y"], en["y"]) >= previous_bottom - 1, sec_id  # rows never overlap
        previous_bottom = max(zh["y"] + zh["height"], en["y"] + en["height"])
    assert watch.errors == []


def test_interleaved_at_375(site, new_page) -> None:
    page, _ = new_page(width=375, height=800)
    page.goto(site.url(f"en/articles/{ARTICLE}/parallel/"))
    for sec_id, zh, en in _cells(page):
        assert en["y"] >= zh["y"] + zh["height"] - 1, sec_id  # English directly under its Chinese
        assert abs(zh["x"] - en["x"]) < 20, sec_id
        assert zh["x"] + zh["width"] <= 375 and en["x"] + en["width"] <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_toggle_shows_one_language(site, new_page) -> None:
    page, _ = new_page(width=1280)
    page.goto(site.url(f"zh/articles/{ARTICLE}/parallel/"))
    page.click(".par-tools button[data-show=en]")
    assert page.locator(".par-row[data-section] .par-zh").first.is_hidden()
    assert page.locator(".par-row[data-section] .par-en").first.is_visible()
    assert page.get_attribute(".par-tools button[data-show=en]", "aria-pressed") == "true"
    page.click(".par-tools button[data-show=both]")
    assert page.locator(".par-row[data-section] .par-zh").first.is_visible()


def test_reachable_from_the_article_page(site, new_page) -> None:
    page, _ = new_page()
    page.goto(site.url(f"en/articles/{ARTICLE}/"))
    page.click(".article-tools a")
    page.wait_for_url(f"**/en/articles/{ARTICLE}/parallel/")
    assert page.locator(".par-row[data-section]").count() > 0
