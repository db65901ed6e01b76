"""The entity card: opens on keyboard focus and on hover, is a tooltip the link points to, closes with Esc."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.browser.conftest import ROOT, Served, _serve


def _first_entity_page(out: Path, lang: str) -> str | None:
    for page in sorted((out / lang / "articles").glob("*/index.html")):
        if 'class="ent"' in page.read_text(encoding="utf-8"):
            return page.relative_to(out).as_posix()[: -len("index.html")]
    return None


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory: pytest.TempPathFactory):
    """A page with one entity link and its cards.json, for builds without entity links."""
    out = tmp_path_factory.mktemp("cards")
    shutil.copytree(ROOT / "static", out / "static")
    (out / "zh" / "entities").mkdir(parents=True)
    (out / "zh" / "entities" / "cards.json").write_text(json.dumps({"haining": {
        "zh": "海宁", "en": "Haining", "pinyin": "Hǎiníng", "summary": "浙江省嘉兴市下辖的县级市。",
        "type": "place", "url": "zh/entities/haining/"}}, ensure_ascii=False), encoding="utf-8")
    (out / "zh" / "p").mkdir()
    (out / "zh" / "p" / "index.html").write_text(
        '<!DOCTYPE html><html lang="zh" data-root="../../"><head><meta charset="utf-8"><title>t</title>'
        '<script src="../../static/cards.js" defer></script></head><body data-card-labels="{}">'
        '<main><p>同为块状经济较为典型的地区，<a class="ent" href="../entities/haining/" data-entity="haining">海宁</a>'
        '工业经历了精彩一跃。</p></main></body></html>', encoding="utf-8")
    server, base = _serve(out, "")
    yield Served(out, base, server)
    server.shutdown()


@pytest.fixture
def entity_page(site: Served, fixture_site: Served) -> tuple[Served, str, dict]:
    """(served site, page path, cards.json) — the real site if its articles link entities, else the fixture."""
    path = _first_entity_page(site.out, "zh")
    served = site if path else fixture_site
    path = path or "zh/p/"
    cards = json.loads((served.out / "zh" / "entities" / "cards.json").read_text(encoding="utf-8"))
    return served, path, cards


def test_card_opens_on_focus_and_closes_with_escape(entity_page, new_page) -> None:
    served, path, cards = entity_page
    page, watch = new_page()
    page.goto(served.url(path))
    link = page.locator("a.ent[data-entity]").first
    ent = cards[link.get_attribute("data-entity")]
    link.focus()
    card = page.locator("[role=tooltip]")
    card.wait_for(state="visible")
    assert link.get_attribute("aria-describedby") == card.get_attribute("id")
    text = card.inner_text()
    assert ent["zh"] in text and ent["en"] in text
    if ent.get("pinyin"):
        assert ent["pinyin"] in text
    assert re.sub(r"\s+", "", ent["summary"])[:20] in re.sub(r"\s+", "", text)
    assert page.get_attribute("[role=tooltip] [lang=zh]", "lang") == "zh"
    page.keyboard.press("Escape")
    card.wait_for(state="hidden")
    assert link.get_attribute("aria-describedby") is None
    assert watch.errors == []


def test_card_opens_on_hover_and_the_link_still_navigates(entity_page, new_page) -> None:
    served, path, cards = entity_page
    page, _ = new_page()
    page.goto(served.url(path))
    link = page.locator("a.ent[data-entity]").first
    link.hover()
    page.locator("[role=tooltip]").wait_for(state="visible")
    href = link.get_attribute("href")
    assert href and not href.startswith(("javascript:", "#"))
    page.mouse.move(0, 0)
    page.locator("[role=tooltip]").wait_for(state="hidden")


def test_entity_link_is_a_plain_link_without_javascript(entity_page, new_page) -> None:
    served, path, _ = entity_page
    page, _ = new_page(java_script_enabled=False)
    page.goto(served.url(path))
    link = page.locator("a.ent[data-entity]").first
    link.focus()
    assert page.locator("[role=tooltip]").count() == 0
    if path != "zh/p/":  # the real site: the link leads to the entity page
        entity = link.get_attribute("data-entity")
        link.click()
        page.wait_for_url(f"**/zh/entities/{entity}/")
        assert page.locator("h1").count() == 1
