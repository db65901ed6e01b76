"""Search in a real browser: Chinese and English queries, across both languages, at a domain root and a sub-path.

The Chinese checks are the Pagefind/pagefind#1237 pitfall: the browser cuts a
query into words with Intl.Segmenter, and must find every page whose indexed
text contains the term, i.e. the query is segmented the way the index was.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.browser.helpers import indexed_pages

ZH_TERMS = ["海宁", "强工兴市", "营商环境", "民营经济", "泵业小镇", "法雷奥温岭"]
EN_TERMS = ["Haining", "ten strategies", "Valeo"]


def run_search(page: object, served, lang: str, query: str) -> list[str]:
    """Result URLs (relative to the site root) of ``query`` on the search page of ``lang``."""
    page.goto(served.url(f"{lang}/search/?q={quote(query)}"))
    page.wait_for_function("""() => {
        const s = document.querySelector('.search-status').textContent;
        return s && s !== document.querySelector('form[data-search]').dataset.msgLoading;
    }""")
    while page.locator("button.search-more").count():
        before = page.locator(".search-results li").count()
        page.click("button.search-more")
        page.wait_for_function("n => document.querySelectorAll('.search-results li').length > n", arg=before)
    hrefs = page.eval_on_selector_all(".search-results a.result-title", "as => as.map(a => a.href)")
    assert all(h.startswith(served.base) for h in hrefs), hrefs
    return [h[len(served.base):] for h in hrefs]


@pytest.mark.parametrize("term", ZH_TERMS)
def test_chinese_query_finds_every_page_containing_it(site, new_page, term: str) -> None:
    expected = {url for url, text in indexed_pages(site.out, "zh").items() if term in text}
    assert expected, f"no Chinese page contains {term}"
    page, watch = new_page()
    found = set(run_search(page, site, "zh", term))
    assert expected <= found, f"{term}: missed {sorted(expected - found)}"
    assert watch.errors == []


@pytest.mark.parametrize("term", EN_TERMS)
def test_english_query_finds_every_page_containing_it(site, new_page, term: str) -> None:
    expected = {url for url, text in indexed_pages(site.out, "en").items() if term.lower() in text.lower()}
    assert expected, f"no English page contains {term}"
    page, _ = new_page()
    query = f'"{term}"' if " " in term else term
    found = set(run_search(page, site, "en", query))
    assert expected <= found, f"{term}: missed {sorted(expected - found)}"


def test_right_pages_for_the_issue_queries(site, new_page) -> None:
    page, _ = new_page()
    assert "zh/articles/commentary-2000-billion/" in run_search(page, site, "zh", "海宁")
    assert "zh/articles/wenling-industry-conference/" in run_search(page, site, "zh", "强工兴市")
    assert "en/articles/commentary-2000-billion/" in run_search(page, site, "en", "Haining")
    ten = run_search(page, site, "en", '"ten strategies"')
    hub = "en/hubs/ten-strategies/"
    assert (hub in ten) if (site.out / hub / "index.html").exists() else ten, ten


def test_one_search_covers_both_languages(site, new_page) -> None:
    page, _ = new_page()
    found = run_search(page, site, "en", "海宁")
    assert "zh/articles/commentary-2000-billion/" in found
    langs = page.eval_on_selector_all(".search-results li", "ls => ls.map(l => l.lang)")
    assert "zh" in langs
    found = run_search(page, site, "zh", "Haining")
    assert "en/articles/commentary-2000-billion/" in found


def test_no_results_says_so(site, new_page) -> None:
    page, watch = new_page()
    assert run_search(page, site, "en", "xylophonequartz") == []
    assert page.inner_text(".search-status") == "No results."
    assert watch.errors == []


def test_search_under_a_sub_path(subpath_site, new_page) -> None:
    page, watch = new_page()
    found = run_search(page, subpath_site, "en", "Haining")
    assert "en/articles/commentary-2000-billion/" in found
    page.click(".search-results a.result-title >> nth=0")
    page.wait_for_load_state()
    assert page.url.startswith(subpath_site.base)
    assert page.locator("h1").count() == 1
    assert watch.errors == []
