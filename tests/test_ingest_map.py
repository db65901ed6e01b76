"""The map file: the seed page's map reproduces the curated articles; overrides, gaps, splits; errors with path:line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder.content import parse_zh_body, split_front_matter
from site_builder.errors import ImportError_, Problem
from site_builder.ingest import Proposal, map_path_for, propose, read_page
from site_builder.ingest.mapfile import load_map
from site_builder.ingest.write import render_zh
from tests.conftest import ROOT

SEED = ROOT / "content" / "sources" / "wenling-daily-2022-02-09.txt"
CURATED = sorted((ROOT / "content" / "articles").glob("*.zh.md"))
PAGE = """\
城南镇老旧小区改造全面启动

本报讯（记者郑一鸣）4月1日，城南镇老旧小区改造项目集中开工。今年全镇计划改造小区12个，涉及居民

另一篇报道的标题

3200余户。改造内容包括管网更新。加装电梯等。

第12版
"""


def parse(text: str, rel: str) -> tuple[dict, list[str]]:
    """(front matter, section texts) of a Chinese article file."""
    fm, body_start, _ = split_front_matter(text, rel, required=True)
    problems: list[Problem] = []
    sections = parse_zh_body(text.split("\n")[body_start - 1:], body_start, rel, problems)
    assert problems == []
    return fm, [s.text for s in sections]


def with_map(tmp_path: Path, map_text: str, page: str = PAGE) -> Proposal:
    src = tmp_path / "page-2023-04-02.txt"
    src.write_text(page, encoding="utf-8")
    map_path_for(src).write_text(map_text, encoding="utf-8")
    pm = load_map(map_path_for(src), "page.map.toml")
    return propose(read_page(src, "page.txt", tmp_path, page_map=pm), pm)


def map_errors(tmp_path: Path, map_text: str) -> list[str]:
    with pytest.raises(ImportError_) as exc:
        with_map(tmp_path, map_text)
    return [str(p) for p in exc.value.problems]


# --- the seed page ------------------------------------------------------------------------------------------

def seed_with_map() -> Proposal:
    pm = load_map(map_path_for(SEED), "seed.map.toml")
    return propose(read_page(SEED, "seed.txt", ROOT, page_map=pm), pm)


def test_seed_map_reproduces_the_curated_articles() -> None:
    drafts = {d.slug: d for d in seed_with_map().drafts}
    assert sorted(drafts) == sorted(p.name[: -len(".zh.md")] for p in CURATED)
    for path in CURATED:
        curated_fm, curated_sections = parse(path.read_text(encoding="utf-8"), path.name)
        fm, sections = parse(render_zh(drafts[path.name[: -len(".zh.md")]]), path.name)
        assert fm == curated_fm, path.name
        assert sections == curated_sections, path.name


def test_seed_map_places_every_line_and_reimports_identically() -> None:
    first, second = seed_with_map(), seed_with_map()
    assert first.orphans == () and first == second


def test_seed_map_marks_the_gaps_in_place() -> None:
    d = {d.slug: d for d in seed_with_map().drafts}
    assert d["taizhou-common-prosperity-meeting"].paragraphs[2].count("党的二十[[gap: ") == 1
    assert d["valeo-wenling"].paragraphs[0].startswith("[[gap: 报道开头未见于本版]]厂商之一")
    assert d["commentary-2000-billion"].paragraphs[3].endswith("工业强市奋进[[gap: 此段在版面上中断，下文未见于本版]]")
    speech = d["wenling-industry-conference"].paragraphs
    assert [p[:2] for p in speech[4:13]] == [f"{n}要" for n in "二三四五六七八九十"]


# --- maps of a page of our own ------------------------------------------------------------------------------

def test_map_joins_pieces_across_another_article_and_marks_gaps(tmp_path: Path) -> None:
    p = with_map(tmp_path, """\
[[article]]
slug = "chengnan"
head = [1]
body = [[3, 7, "[[gap: 下文缺失]]"]]
split = ["改造内容"]
""")
    (d,) = p.drafts
    assert d.paragraphs == ("本报讯（记者郑一鸣）4月1日，城南镇老旧小区改造项目集中开工。今年全镇计划改造小区12个，涉及居民3200余户。",
                            "改造内容包括管网更新。加装电梯等。[[gap: 下文缺失]]")
    assert d.source_lines == "1-3, 7" and d.reporters == ("郑一鸣",) and d.kind == "news"
    assert [(o.line, o.text) for o in p.orphans] == [(5, "另一篇报道的标题")]  # page furniture (line 9) is no orphan


def test_map_overrides_and_ignore(tmp_path: Path) -> None:
    p = with_map(tmp_path, """\
date = 2023-04-03
year = 2023
ignore = [5]

[[article]]
slug = "renamed"
head = [1]
body = [3, 7]
title = "新标题"
subtitle = "副题"
kicker = "引题"
kind = "feature"
column = "城事"
reporters = ["甲", "乙"]
event_date = 2023-03-30
order = 7
""")
    (d,) = p.drafts
    assert (d.slug, d.title, d.subtitle, d.kicker, d.kind, d.column, d.reporters, d.order) == (
        "renamed", "新标题", "副题", "引题", "feature", "城事", ("甲", "乙"), 7)
    assert (str(d.date), str(d.event_date)) == ("2023-04-03", "2023-03-30")  # the map's date beats the file name's
    assert p.orphans == ()


@pytest.mark.parametrize("map_text, message", [
    ("colour = 1\n", "page.map.toml:1: unknown key 'colour' (known: article, date, ignore, year)"),
    ("[[article]]\nslug = \"a\"\nbody = [3]\nheading = [1]\n",
     ("page.map.toml:4: unknown key 'heading' in [[article]] (known: body, column, date, event_date, head, kicker, kind, "
      "order, reporters, slug, split, subtitle, title)")),
    ("[[article]]\nbody = [3]\n", "page.map.toml:1: [[article]] needs 'slug'"),
    ("[[article]]\nslug = \"Bad Slug\"\nbody = [3]\n", "page.map.toml:2: invalid slug 'Bad Slug': use a-z, 0-9 and '-'"),
    ("[[article]]\nslug = \"a\"\nbody = [3]\nkind = \"essay\"\n",
     "page.map.toml:4: kind must be one of news, commentary, feature, not 'essay'"),
    ("[[article]]\nslug = \"a\"\nbody = [3]\norder = \"1\"\n", "page.map.toml:4: 'order' must be a int"),
    ("[[article]]\nslug = \"a\"\nbody = [3]\nevent_date = \"2月8日\"\n",
     "page.map.toml:4: 'event_date' must be a TOML date like 2022-02-09"),
    ("[[article]]\nslug = \"a\"\nbody = [2]\n", "page.map.toml:3: line 2 of page.txt holds no text"),
    ("[[article]]\nslug = \"a\"\nbody = [99]\n", "page.map.toml:3: line 99 is past the end of page.txt (10 lines)"),
    ("[[article]]\nslug = \"a\"\nbody = [true]\n", "page.map.toml:3: True is not a line number"),
    ("[[article]]\nslug = \"a\"\nbody = []\n",
     "page.map.toml:3: 'body' is empty: an article needs at least one paragraph"),
    ("[[article]]\nslug = \"a\"\nbody = [[3, \"missing text\"]]\n",
     "page.map.toml:3: 'missing text' in 'body': only line numbers and gap notes '[[gap]]' / '[[gap: note]]' can be joined"),
    ("[[article]]\nslug = \"a\"\nbody = [[\"[[gap]]\"]]\n",
     "page.map.toml:3: a paragraph in 'body' needs at least one line number"),
    ("[[article]]\nslug = \"a\"\nbody = [3]\n\n[[article]]\nslug = \"b\"\nhead = [3]\nbody = [7]\n",
     "page.map.toml:7: line 3 is already used by article 'a' (map line 3)"),
    ("[[article]]\nslug = \"a\"\nbody = [3]\n\n[[article]]\nslug = \"a\"\nbody = [7]\n",
     "page.map.toml:6: slug 'a' is already used on map line 2"),
    ("[[article]]\nslug = \"a\"\nbody = [3]\nsplit = [\"没有的话\"]\n",
     "page.map.toml:4: split '没有的话' does not occur in article 'a'"),
    ("[[article]]\nslug = \"a\"\nbody = [3]\nsplit = [\"改造\"]\n",
     "page.map.toml:4: split '改造' occurs 2 times in article 'a'; make it longer"),
    ("[[article]]\nslug = \"a\"\nbody = [3]\nsplit = [\"本报讯\"]\n", "page.map.toml:4: split '本报讯' already starts a paragraph"),
    ("ignore = [4]\n", "page.map.toml:1: line 4 of page.txt holds no text"),
    ("year = 0\n", "page.map.toml:1: year 0 is out of range (1-9999)"),
    ("[[article]\n", "page.map.toml:1: invalid TOML: Expected ']]' at the end of an array declaration"),
])
def test_map_errors_name_the_map_line(tmp_path: Path, map_text: str, message: str) -> None:
    assert map_errors(tmp_path, map_text) == [message]


def test_map_reports_all_its_problems_at_once(tmp_path: Path) -> None:
    errors = map_errors(tmp_path, "[[article]]\nslug = \"a\"\nbody = [99]\n\n[[article]]\nslug = \"b\"\nbody = [98]\n")
    assert [e.split(":")[1] for e in errors] == ["3", "7"]


MAP_LINES = ["[[article]]", 'slug = "a"', 'slug = "b"', "head = [1]", "head = [[1], 5]", "body = [3]", "body = [3, 7]",
             'body = [[3, "[[gap]]", 7]]', "body = [[], {x = 1}, 1.5, true, 3]", 'split = ["改造"]', 'split = ["开工。"]',
             "ignore = [[1], 9]", "ignore = 9", 'title = ""', 'kind = "feature"', "order = -1", "date = 2023-04-02",
             "date = 2023-04-02T10:00:00", "event_date = 1979-05-27", "year = 0", "reporters = [1]", "= =", "[x]"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(MAP_LINES), max_size=12))
def test_fuzz_map_files_give_drafts_or_clean_errors(tmp_path: Path, lines: list[str]) -> None:
    try:
        p = with_map(tmp_path, "\n".join(lines) + "\n")
    except ImportError_ as exc:
        assert all(pr.path == "page.map.toml" and pr.line >= 1 for pr in exc.problems)
        return
    for d in p.drafts:
        parse(render_zh(d), "x.zh.md")
