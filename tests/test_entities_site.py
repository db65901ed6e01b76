"""The built site: article pages link their entities, entity pages list backlinks, cards.json, who's who."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

from site_builder.build import build
from site_builder.content import load_articles
from site_builder.entities import EntityData, load_entities
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, EntityData]:
    root = tmp_path_factory.mktemp("ents") / "site"
    for name in ("content", "templates", "static"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("*~"))
    build(root)
    return root / "public", load_entities(root, load_articles(root))


def sections_of(html: str) -> dict[str, str]:
    """Section id -> its HTML, on an article page."""
    out = {}
    for m in re.finditer(r'<section class="sec[^"]*" id="([^"]+)"', html):
        end = html.index("</section>", m.end())
        out[m.group(1)] = html[m.end():end]
    return out


def resolve(page: Path, href: str) -> tuple[Path, str]:
    target, anchor = urldefrag(urljoin("file://" + page.as_posix(), href))
    path = Path(urlparse(target).path)
    return (path / "index.html" if href.endswith("/") or path.is_dir() else path), anchor


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_article_page_links_the_entities_its_sections_mention(built: tuple[Path, EntityData], lang: str) -> None:
    out, data = built
    linked_total = 0
    for (slug, sid), sm in data.index.sections.items():
        page = out / lang / "articles" / slug / "index.html"
        html = sections_of(page.read_text(encoding="utf-8"))[sid]
        shown_lang = "en" if lang == "en" and sm.en_text else "zh"
        expected = {m.entity for m in (sm.en if shown_lang == "en" else sm.zh)}
        links = re.findall(r'<a href="([^"]+)" class="ent" data-entity="([^"]+)">', html)
        assert {e for _, e in links} == expected, (lang, slug, sid)
        assert len(links) == len(expected)  # the first mention only
        for href, eid in links:
            path, _ = resolve(page, href)
            assert path == out / lang / "entities" / eid / "index.html" and path.is_file()
        linked_total += len(links)
    assert linked_total > 120  # the seed links well over a hundred mentions per language


def test_parallel_view_links_each_column_to_the_page_language(built: tuple[Path, EntityData]) -> None:
    out, _ = built
    page = out / "en/articles/valeo-wenling/parallel/index.html"
    html = page.read_text(encoding="utf-8")
    hrefs = re.findall(r'<a href="([^"]+)" class="ent" data-entity="valeo-wenling">', html)
    assert hrefs and all(resolve(page, h)[0] == out / "en/entities/valeo-wenling/index.html" for h in hrefs)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_entity_page_lists_every_section_that_mentions_it(built: tuple[Path, EntityData], lang: str) -> None:
    out, data = built
    for ent in data.registry.entities:
        page = out / lang / "entities" / ent.id / "index.html"
        html = page.read_text(encoding="utf-8")
        mentions = data.index.mentions.get(ent.id, [])
        items = re.findall(r"<li data-backlink>(.*?)</li>", html, re.S)
        assert len(items) == len(mentions), (lang, ent.id)
        for (slug, sid), item in zip(mentions, items, strict=True):
            assert "<mark>" in item, (lang, ent.id, sid)
            (href,) = re.findall(r'class="bl-link" href="([^"]+)"', item)
            path, anchor = resolve(page, href)
            assert path == out / lang / "articles" / slug / "index.html" and anchor == sid
            assert f'id="{sid}"' in path.read_text(encoding="utf-8")
        if not mentions:
            assert "Not named directly" in html or "没有直接提到" in html


def test_past_the_quote_limit_every_mention_is_still_linked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An entity named in more sections than QUOTE_LIMIT: that many quoted, in order, and the rest linked."""
    from site_builder import entity_pages

    monkeypatch.setattr(entity_pages, "QUOTE_LIMIT", 3)
    root = tmp_path / "site"
    for name in ("content", "templates", "static"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("*~"))
    build(root)
    data = load_entities(root, load_articles(root))
    mentions = data.index.mentions["wenling"]
    assert len({slug for slug, _ in mentions}) >= 3 and len(mentions) > 6  # spans articles, quoted and not
    for lang in ("zh", "en"):
        page = root / "public" / lang / "entities" / "wenling" / "index.html"
        html = page.read_text(encoding="utf-8")
        quoted = re.findall(r'<li data-backlink>.*?class="bl-link" href="([^"]+)"', html, re.S)
        linked = re.findall(r'<a data-backlink href="([^"]+)"', html)
        assert len(quoted) == 3 and linked
        assert html.rindex("<blockquote") < html.index("<a data-backlink")  # no quotes past the limit
        targets = [resolve(page, h) for h in quoted + linked]
        assert targets == [(root / "public" / lang / "articles" / slug / "index.html", sid) for slug, sid in mentions]
        assert ("More articles that mention it" if lang == "en" else "其他提到它的文章") in html


def test_english_backlinks_quote_the_english_and_chinese_ones_the_chinese(built: tuple[Path, EntityData]) -> None:
    out, _ = built
    en = (out / "en/entities/haining/index.html").read_text(encoding="utf-8")
    zh = (out / "zh/entities/haining/index.html").read_text(encoding="utf-8")
    assert '<blockquote class="snippet" lang="en"><p><mark>Haining</mark>, likewise' in en
    assert re.search(r'<blockquote class="snippet" lang="zh"><p>[^<]*<mark>海宁</mark>工业经历了精彩一跃', zh)


def test_entity_page_shows_names_pinyin_summary_and_related(built: tuple[Path, EntityData]) -> None:
    out, _ = built
    html = (out / "en/entities/zhu-jianjun/index.html").read_text(encoding="utf-8")
    assert '<h1 lang="en">Zhu Jianjun</h1>' in html and '<dd lang="zh">朱建军</dd>' in html
    assert '<dd lang="zh-Latn-pinyin">Zhū Jiànjūn</dd>' in html
    assert "Party Secretary of Wenling" in html
    assert 'href="../wenling/" data-entity="wenling">Wenling</a>' in html


def test_cards_json_has_every_entity_with_a_working_url(built: tuple[Path, EntityData]) -> None:
    out, data = built
    for lang in ("zh", "en"):
        cards = json.loads((out / lang / "entities/cards.json").read_text(encoding="utf-8"))
        assert set(cards) == {e.id for e in data.registry.entities}
        card = cards["valeo-wenling"]
        assert (card["zh"], card["en"], card["type"]) == ("法雷奥温岭", "Valeo Wenling", "company")
        assert card["pinyin"] == "Fǎléi'ào Wēnlǐng" and card["summary"]
        for c in cards.values():
            assert (out / c["url"] / "index.html").is_file() and c["url"].startswith(f"{lang}/entities/")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_whos_who_lists_every_entity_grouped_by_type(built: tuple[Path, EntityData], lang: str) -> None:
    out, data = built
    html = (out / lang / "entities/index.html").read_text(encoding="utf-8")
    listed = re.findall(r'<li class="glossary-entry" id="([^"]+)">', html)
    assert sorted(listed) == sorted(e.id for e in data.registry.entities)
    groups = re.findall(r'<section class="type-group" id="type-([a-z]+)"', html)
    assert groups == ["person", "place", "organisation", "company", "policy", "target", "strategy", "topic"]
    strategies = html[html.index('id="type-strategy"'):html.index('id="type-topic"')]
    assert re.findall(r'<li class="glossary-entry" id="(strategy-\d+)">', strategies) == [f"strategy-{n}" for n in range(1, 11)]


def test_unknown_related_id_fails_the_build_with_path_and_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = tmp_path / "site"
    for name in ("content", "templates", "static"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("*~"))
    reg = root / "content/entities.toml"
    text = reg.read_text(encoding="utf-8")
    text = text.replace('related = ["valeo-wenling"]', 'related = ["valeo-wenlin"]', 1)
    reg.write_text(text, encoding="utf-8")
    line = text[: text.index('related = ["valeo-wenlin"]')].count("\n") + 1
    proc = subprocess.run([sys.executable, "-m", "site_builder", "--root", str(root), "build"], capture_output=True, text=True)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"content/entities.toml:{line}: entity 'valeo': unknown related id 'valeo-wenlin'")
    assert not (root / "public").exists()
