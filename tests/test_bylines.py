"""Bylines: each reporter under the name the registry gives in the page's language, linked to their entity page."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from site_builder.build import build
from site_builder.views import byline_view
from tests.conftest import copy_project, write_article

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PEOPLE = {"柳文岳": {"id": "liu-wenyue", "en": "Liu Wenyue",
                    "url": {"zh": "zh/entities/liu-wenyue/index.html", "en": "en/entities/liu-wenyue/index.html"}}}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("bylines") / "site")
    build(root)
    return root / "public"


def bylines(html: str) -> list[str]:
    return re.findall(r'<p class="byline">(.*?)</p>', html, re.DOTALL)


def reporters(byline: str) -> str:
    m = re.search(r'<span class="reporters">(.*)</span>', byline, re.DOTALL)
    assert m, byline
    return m.group(1)


def test_byline_view() -> None:
    assert byline_view(("柳文岳",), "en", PEOPLE) == [
        {"text": "Liu Wenyue", "lang": "en", "zh": "柳文岳", "id": "liu-wenyue",
         "url": "en/entities/liu-wenyue/index.html", "person": True, "sep": ""}]
    assert byline_view(("柳文岳", "王芳"), "zh", PEOPLE) == [
        {"text": "柳文岳", "lang": "zh", "zh": "柳文岳", "id": "liu-wenyue",
         "url": "zh/entities/liu-wenyue/index.html", "person": True, "sep": "、"},
        {"text": "王芳", "lang": "zh", "zh": "王芳", "id": "", "url": "", "person": True, "sep": ""}]
    # no English registered: the Chinese, marked as Chinese
    assert byline_view(("王芳", "柳文岳"), "en", PEOPLE)[0] == {
        "text": "王芳", "lang": "zh", "zh": "王芳", "id": "", "url": "", "person": True, "sep": ", "}
    assert byline_view(("本报评论员",), "en", {}) == [
        {"text": "Staff commentator", "lang": "en", "zh": "本报评论员", "id": "", "url": "", "person": False, "sep": ""}]
    assert byline_view(("本报评论员",), "zh", None)[0]["text"] == "本报评论员"


def test_english_article_pages_name_reporters_in_english(out: Path) -> None:
    page = out / "en/articles/wenling-industry-conference/index.html"
    html = page.read_text(encoding="utf-8")
    (byline,) = bylines(html)
    assert reporters(byline) == ('<a href="../../entities/liu-wenyue/" class="ent" data-entity="liu-wenyue" '
                                 'lang="en">Liu Wenyue</a>')
    assert (page.parent / "../../entities/liu-wenyue/index.html").resolve().is_file()
    parallel = (out / "en/articles/wenling-industry-conference/parallel/index.html").read_text(encoding="utf-8")
    assert "Liu Wenyue</a>" in reporters(bylines(parallel)[0])
    commentary = (out / "en/articles/commentary-2000-billion/index.html").read_text(encoding="utf-8")
    assert reporters(bylines(commentary)[0]) == '<span lang="en">Staff commentator</span>'


def test_chinese_article_pages_link_reporters_to_their_chinese_entity_page(out: Path) -> None:
    html = (out / "zh/articles/taizhou-private-economy-conference/index.html").read_text(encoding="utf-8")
    assert reporters(bylines(html)[0]) == ('<a href="../../entities/jiang-yingying/" class="ent" '
                                           'data-entity="jiang-yingying" lang="zh">江盈盈</a>')
    commentary = (out / "zh/articles/commentary-2000-billion/index.html").read_text(encoding="utf-8")
    assert reporters(bylines(commentary)[0]) == '<span lang="zh">本报评论员</span>'


@pytest.mark.parametrize("page", ["en/index.html", "en/articles/index.html"])
def test_english_article_cards_name_reporters_in_english(out: Path, page: str) -> None:
    html = (out / page).read_text(encoding="utf-8")
    names = [re.sub(r"<[^>]+>", "", reporters(b)) for b in bylines(html) if "reporters" in b]
    assert sorted(names) == ["Jiang Yingying", "Jiang Yingying", "Liu Wenyue", "Staff commentator"]
    assert not re.search(r"[\u4e00-\u9fff]", "".join(names))


def test_json_ld_authors_in_the_page_language(out: Path) -> None:
    def authors(lang: str, slug: str) -> object:
        html = (out / lang / "articles" / slug / "index.html").read_text(encoding="utf-8")
        return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL).group(1))["author"]

    assert authors("en", "wenling-industry-conference") == [
        {"@type": "Person", "name": "Liu Wenyue", "alternateName": "柳文岳",
         "url": "https://example.org/en/entities/liu-wenyue/"}]
    assert authors("zh", "wenling-industry-conference") == [
        {"@type": "Person", "name": "柳文岳", "url": "https://example.org/zh/entities/liu-wenyue/"}]
    assert authors("en", "commentary-2000-billion")["@type"] == "Organization"


def test_feed_authors_in_the_feed_language(out: Path) -> None:
    def authors(lang: str) -> dict[str, list[tuple[str | None, str | None, str | None]]]:
        feed = ET.parse(out / lang / "feed.xml").getroot()
        return {e.findtext(f"{ATOM}id").rstrip("/").rsplit("/", 1)[1]:
                [(a.find(f"{ATOM}name").get(XML_LANG), a.findtext(f"{ATOM}name"), a.findtext(f"{ATOM}uri"))
                 for a in e.findall(f"{ATOM}author")] for e in feed.findall(f"{ATOM}entry")}

    en, zh = authors("en"), authors("zh")
    assert en["wenling-industry-conference"] == [("en", "Liu Wenyue", "https://example.org/en/entities/liu-wenyue/")]
    assert en["commentary-2000-billion"] == [("en", "Staff commentator", None)]
    assert zh["wenling-industry-conference"] == [("zh", "柳文岳", "https://example.org/zh/entities/liu-wenyue/")]


def test_unregistered_reporter_stays_in_chinese(tiny: Path) -> None:
    write_article(tiny, "one", "<!-- § a1 -->\n第一段。\n",
                  fm='title = "测试标题"\ndate = 2022-02-09\nkind = "news"\nsource = "sources/x.txt"\nreporters = ["王芳"]\n')
    build(tiny)
    html = (tiny / "public/en/articles/one/index.html").read_text(encoding="utf-8")
    assert reporters(bylines(html)[0]) == '<span lang="zh">王芳</span>'
