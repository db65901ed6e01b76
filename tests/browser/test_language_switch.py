"""The language switcher goes to the counterpart page and keeps the reader's section."""

from __future__ import annotations

from tests.browser.helpers import ARTICLE


def _section_ids(page: object) -> list[str]:
    return page.eval_on_selector_all("[data-section]", "els => els.map(e => e.id)")


def test_switch_keeps_anchor_from_link(site, new_page) -> None:
    page, watch = new_page()
    page.goto(site.url(f"zh/articles/{ARTICLE}/"))
    target = _section_ids(page)[3]
    page.goto(site.url(f"zh/articles/{ARTICLE}/#{target}"))
    page.click("a.lang-switch")
    page.wait_for_url(f"**/en/articles/{ARTICLE}/#{target}")
    assert page.evaluate("document.documentElement.lang") == "en"
    box = page.locator(f"#{target}").bounding_box()
    assert box is not None and 0 <= box["y"] < 900, box  # the same section is on screen
    assert watch.errors == []


def test_switch_keeps_section_scrolled_to(site, new_page) -> None:
    page, watch = new_page(width=375, height=700)
    page.goto(site.url(f"en/articles/{ARTICLE}/"))
    target = _section_ids(page)[5]
    page.evaluate("id => document.getElementById(id).scrollIntoView()", target)
    page.wait_for_function("id => document.querySelector('a.lang-switch').getAttribute('href').endsWith('#' + id)",
                           arg=target)
    href = page.get_attribute("a.lang-switch", "href")
    page.focus("a.lang-switch")  # a keyboard user: reaching the sticky header's switch must not scroll
    assert page.get_attribute("a.lang-switch", "href") == href
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == site.url(f"zh/articles/{ARTICLE}/#{target}"), href
    assert page.evaluate("document.documentElement.lang") == "zh"
    box = page.locator(f"#{target}").bounding_box()
    assert box is not None and 0 <= box["y"] < 700, box
    assert watch.errors == []


def test_switch_on_parallel_view_goes_to_the_other_parallel_view(site, new_page) -> None:
    page, _ = new_page()
    page.goto(site.url(f"en/articles/{ARTICLE}/parallel/"))
    target = _section_ids(page)[2]
    page.goto(site.url(f"en/articles/{ARTICLE}/parallel/#{target}"))
    page.click("a.lang-switch")
    page.wait_for_url(f"**/zh/articles/{ARTICLE}/parallel/#{target}")
    assert page.evaluate("document.documentElement.lang") == "zh"


def test_every_page_with_a_counterpart_switches_to_it(site, new_page) -> None:
    page, _ = new_page()
    for path in ("zh/", "en/articles/", "zh/search/"):
        page.goto(site.url(path))
        href = page.get_attribute("a.lang-switch", "href")
        other = "en" if path.startswith("zh") else "zh"
        page.click("a.lang-switch")
        page.wait_for_load_state()
        assert page.url == site.url(other + path[2:]), (path, href)
