"""Translation QA: figures, registered names, degenerate output; path:line per finding."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder.errors import Problem
from site_builder.model import Entity, text_hash
from site_builder.translate import qa
from site_builder.translate.protect import PROTECTED_TYPES, Glossary
from tests.conftest import ROOT
from tests.test_translate_pipeline import make_project

ENTS = (
    Entity("zhu-jianjun", "person", "朱建军", "Zhu Jianjun", 1),
    Entity("wenling", "place", "温岭", "Wenling", 2, zh_aliases=("我市", "温岭市")),
    Entity("double-eight", "policy", "八八战略", 'the "Double Eight" Strategy', 3,
           en_aliases=("Eight-Eight Strategy",)),
    Entity("common-prosperity", "policy", "共同富裕", "common prosperity", 4, case_sensitive=False),
    Entity("ten-tracks", "policy", "十强跑道", "the Ten Strong Tracks", 5),
    Entity("target", "target", "2000亿", "the 200 billion yuan target", 6, zh_aliases=("2000亿元",),
           en_aliases=("200 billion yuan",)),
)
WHERE = Problem("content/articles/x.en.md", 7, "section a1")


def check(zh: str, en: str) -> list[str]:
    found = qa.check_section(zh, en, WHERE, Glossary(ENTS), Glossary(ENTS, PROTECTED_TYPES))
    return [str(p) for p in found]


def test_faithful_translation_passes() -> None:
    zh = "2月8日，朱建军强调，我市要践行八八战略、以十强跑道为突破，到2026年规上工业产值超2000亿元，增速66.7%，推动共同富裕。"
    en = ("On 8 February Zhu Jianjun stressed that Wenling must implement the \u201cDouble Eight\u201d Strategy, make "
          "breakthroughs through the Ten Strong Tracks, raise industrial output to over 200 billion yuan by 2026 at a "
          "growth rate of 66.7 per cent, and promote Common Prosperity.")
    assert check(zh, en) == []
    # "200bn" states the figure, but a registered target must still be named as registered
    assert check(zh, en.replace("200 billion yuan", "200bn yuan")) == [
        ("content/articles/x.en.md:7: section a1: 2000亿元 must appear as 'the 200 billion yuan target' "
         "(or '200 billion yuan')")]


def test_wrong_or_missing_figures() -> None:
    zh = "2021年规上工业产值1163.7亿元，增速66.7%，全市工业企业二十强。"
    en = "In 2021 industrial output reached 116.3 billion yuan, up 67%, among the city's top ten industrial firms."
    assert check(zh, en) == [
        "content/articles/x.en.md:7: section a1: figure 1163.7亿元 (116.37 billion yuan) is missing from the English",
        "content/articles/x.en.md:7: section a1: figure 66.7% is missing from the English",
        "content/articles/x.en.md:7: section a1: figure 二十强 (top 20) is missing from the English",
    ]


def test_names_must_be_registered_forms_or_aliases() -> None:
    zh = "朱建军说，我市践行八八战略。"
    assert check(zh, "Zhu Jianjun said the city follows the Eight-Eight Strategy in full.") == [
        "content/articles/x.en.md:7: section a1: 我市 must appear as 'Wenling'"]
    assert check(zh, "Zhu Jian-jun said Wenling follows the Double-Eight strategy, as it has for years.") == [
        "content/articles/x.en.md:7: section a1: 朱建军 must appear as 'Zhu Jianjun'",
        ("content/articles/x.en.md:7: section a1: 八八战略 must appear as 'the \"Double Eight\" Strategy' "
         "(or 'Eight-Eight Strategy')"),
    ]
    # whole words only, and case matters unless the entity says otherwise
    assert check("温岭", "Wenlingese") == ["content/articles/x.en.md:7: section a1: 温岭 must appear as 'Wenling'"]
    assert check("朱建军", "zhu jianjun") != [] and check("共同富裕的", "COMMON PROSPERITY") == []


def test_figures_inside_registered_names_are_not_figures() -> None:
    """十强跑道 is a name (the Ten Strong Tracks), not a ranking 'top 10'."""
    assert check("以十强跑道为突破。", "with the Ten Strong Tracks as the breakthrough.") == []


def test_degenerate_output() -> None:
    zh = "会议强调，要坚持稳字当头、稳中求进，统筹疫情防控和经济社会发展。"
    assert check(zh, "The the the the meeting stressed stability and progress, balancing epidemic control "
                     "and development.") == [
        "content/articles/x.en.md:7: section a1: degenerate output: 'the' repeated"]
    assert check(zh, "Meeting year top year top year top year top stressed progress and epidemic control.") == [
        "content/articles/x.en.md:7: section a1: degenerate output: 'year top' repeated"]
    assert check(zh, "The meeting stressed 稳字当头 and 稳中求进 and balanced epidemic control with growth.") == [
        "content/articles/x.en.md:7: section a1: Chinese characters left in the English: 稳字当头 稳中求进"]
    assert check(zh, "Stability.") == [
        ("content/articles/x.en.md:7: warning: section a1: English is far shorter than expected "
         "(10 characters for 32 Chinese)")]
    assert check(zh, "x" * 500)[-1].startswith("content/articles/x.en.md:7: warning: section a1: English is far longer")


def test_repeated_run() -> None:
    assert qa.repeated_run("a b c d e f") is None
    assert qa.repeated_run("go go go") is None  # three single words are allowed ("very, very, very")
    assert qa.repeated_run("we must go go go go now") == "go"
    assert qa.repeated_run("of the of the of the city") == "of the"


def test_check_project_reports_stale_free_sections_with_their_lines(tmp_path: Path) -> None:
    root = make_project(tmp_path / "site")
    zh = "我们每年都会拿出8%的产值用于技术研发。"
    (root / "content" / "articles" / "beta.en.md").write_text(
        f"<!-- § b1 status=reviewed zh=0000000000 -->\nStale: never checked against the new Chinese.\n\n"
        f"<!-- § b2 status=machine zh={text_hash(zh)} mt=1 -->\nEvery year 9% of output goes to R&D.\n",
        encoding="utf-8")
    assert [str(p) for p in qa.check_project(root)] == [
        "content/articles/beta.en.md:4: section b2: figure 8% is missing from the English"]


def test_real_content_loads_and_every_finding_points_at_an_english_line() -> None:
    problems = qa.check_project(ROOT)
    for p in problems:
        assert p.path.startswith("content/articles/") and p.path.endswith(".en.md") and p.line >= 1
        lines = (ROOT / p.path).read_text(encoding="utf-8").split("\n")
        assert lines[p.line - 1].startswith("<!-- § ")


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_english_is_missing_not_checked(tmp_path: Path, text: str) -> None:
    root = make_project(tmp_path / "site")
    (root / "content" / "articles" / "beta.en.md").write_text(f"<!-- § b2 -->\n{text}\n", encoding="utf-8")
    assert qa.check_project(root) == []
