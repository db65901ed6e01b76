"""`site-builder review`: a translator marks English as checked against the Chinese as it is now."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from site_builder.cli import main
from site_builder.commands.review import review
from site_builder.commands.status import changes
from site_builder.content import load_articles
from site_builder.errors import SiteError
from site_builder.model import text_hash
from site_builder.translate.enfile import SUGGEST, Update, apply_reviews, apply_updates

ZH = "<!-- § a1 -->\n温岭规上工业产值超1000亿元。\n\n<!-- § b2 -->\n法雷奥温岭销售额超过7亿元。\n\n<!-- § c3 -->\n第三段。\n"
OLD_B2 = "法雷奥温岭销售额超过6亿元。"  # what the English of b2 was made from


def en_file(zh_b2_hash: str) -> str:
    return ("<!-- § a1 status=machine zh={a1} mt={mt} engine=argos/x-1 | 温岭 -->\n"
            "Wenling's industrial output above designated size tops 100 billion yuan.\n\n"
            "<!-- § b2 status=reviewed zh={b2} | 法雷奥 -->\n"
            "Valeo Wenling's sales topped 700 million yuan.\n\n"
            "<!-- suggestion § b2 zh={b2now} engine=argos/x-1 -->\n"
            "Valeo Wenling sales exceeded 700 million yuan.\n\n"
            "<!-- § c3 status=reviewed zh={c3} -->\n"
            "Third paragraph.\n").format(
        a1=text_hash("温岭规上工业产值超1000亿元。"),
        mt=text_hash("Wenling's industrial output above designated size tops 100 billion yuan."),
        b2=zh_b2_hash, b2now=text_hash("法雷奥温岭销售额超过7亿元。"), c3=text_hash("第三段。"))


@pytest.fixture
def proj(tiny: Path) -> Path:
    arts = tiny / "content/articles"
    (arts / "one.zh.md").unlink()
    fm = 'title = "测试标题"\ndate = 2022-02-09\nkind = "news"\nsource = "sources/x.txt"\n'
    (arts / "two.zh.md").write_text(f"+++\n{fm}+++\n\n{ZH}", encoding="utf-8")
    (arts / "two.en.md").write_text(en_file(text_hash(OLD_B2)), encoding="utf-8")
    return tiny


def states(root: Path) -> dict[str, str]:
    art = load_articles(root)[0]
    return {s.id: art.translation_state(s) for s in art.sections}


def test_a_stale_section_becomes_reviewed_and_nothing_else_changes(proj: Path, capsys) -> None:
    path = proj / "content/articles/two.en.md"
    before = path.read_text(encoding="utf-8")
    assert states(proj) == {"a1": "machine", "b2": "stale", "c3": "reviewed"}
    assert main(["review", "two", "b2", "--root", str(proj)]) == 0
    after = path.read_text(encoding="utf-8")
    now = text_hash("法雷奥温岭销售额超过7亿元。")
    # the marker names the Chinese as it is now; the English text stays; the dealt-with suggestion goes
    expected = before.replace(f"<!-- § b2 status=reviewed zh={text_hash(OLD_B2)} | 法雷奥 -->",
                              f"<!-- § b2 status=reviewed zh={now} | 法雷奥温岭销售额超过7亿元。 -->")
    expected = expected.replace(f"<!-- suggestion § b2 zh={now} engine=argos/x-1 -->\n"
                                "Valeo Wenling sales exceeded 700 million yuan.\n\n", "")
    assert after == expected
    assert (path.parent / "two.en.md~").read_text(encoding="utf-8") == before  # the previous version kept
    assert states(proj) == {"a1": "machine", "b2": "reviewed", "c3": "reviewed"}
    err = capsys.readouterr().err
    assert "marked 1 section(s) reviewed (b2); suggestion removed for b2" in err
    assert "warning" not in err  # 700 million yuan is 7亿元: QA has nothing to say


def test_all_marks_machine_drafts_and_stale_sections(proj: Path) -> None:
    done = review(proj, "two", [], every=True)
    assert done.marked == ["a1", "b2"] and done.already == []
    assert states(proj) == {"a1": "reviewed", "b2": "reviewed", "c3": "reviewed"}
    again = review(proj, "two", ["a1", "c3"])
    assert again.marked == [] and again.already == ["a1", "c3"]


def test_dry_run_and_bad_requests_write_nothing(proj: Path, capsys) -> None:
    path = proj / "content/articles/two.en.md"
    before = path.read_bytes()
    dry = review(proj, "two", ["b2"], dry_run=True)
    assert dry.marked == ["b2"] and dry.dropped_suggestions == ["b2"]
    for argv, message in (
            (["review", "two"], "review: name the sections to mark (their ids) or give --all, not both"),
            (["review", "two", "a1", "--all"], "review: name the sections to mark (their ids) or give --all, not both"),
            (["review", "two", "zz9"], "content/articles/two.zh.md: no section 'zz9' in this article"),
            (["review", "nope", "a1"], "content/articles: no article 'nope'")):
        assert main([*argv, "--root", str(proj)]) == 1
        assert capsys.readouterr().err.splitlines()[0] == message
    (proj / "content/articles/two.en.md").write_text(before.decode().split("<!-- § c3")[0], encoding="utf-8")
    before = path.read_bytes()
    assert main(["review", "two", "c3", "--root", str(proj)]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        "content/articles/two.en.md: section 'c3' has no English to review (line 15 of content/articles/two.zh.md)")
    assert path.read_bytes() == before and not (path.parent / "two.en.md~").exists()


def test_a_figure_missing_from_reviewed_english_is_a_warning(proj: Path, capsys) -> None:
    zh = proj / "content/articles/two.zh.md"
    zh.write_text(zh.read_text(encoding="utf-8").replace("7亿元", "8亿元"), encoding="utf-8")
    assert main(["review", "two", "b2", "--root", str(proj)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[1] == ("content/articles/two.en.md:4: warning: section b2: figure 8亿元 (800 million yuan) "
                      "is missing from the English")
    assert states(proj)["b2"] == "reviewed"  # the translator's call


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_a_suggestion_added_then_reviewed_leaves_the_file_as_it_was_but_its_marker(eol: str) -> None:
    """translate --refresh adds a suggestion after the last section; review takes it away again: byte for
    byte the file before, except the one marker line (line endings, the end of the file)."""
    text = ("+++\n+++\n\n<!-- § a1 status=reviewed zh=aaaa | 旧 -->\nOld English.\n"
            "\n<!-- § b2 status=reviewed zh=bbbb -->\nLast one.\n").replace("\n", eol)
    suggested, applied = apply_updates(text, "x.en.md", [Update("b2", SUGGEST, "cccc", "New draft.", "e/1")], ["a1", "b2"])
    assert applied and "suggestion § b2" in suggested
    reviewed, marked, dropped = apply_reviews(suggested, "x.en.md", {"b2": ("cccc", "新的")})
    assert (marked, dropped) == (["b2"], ["b2"])
    assert reviewed == text.replace("<!-- § b2 status=reviewed zh=bbbb -->", "<!-- § b2 status=reviewed zh=cccc | 新的 -->")


def test_after_a_review_status_shows_what_changed_in_the_chinese(proj: Path, capsys) -> None:
    """The review records the section in the translation memory; when the Chinese changes again, `status`
    shows the change beside the stale section (as Weblate shows a changed source string)."""
    assert main(["review", "two", "--all", "--root", str(proj)]) == 0
    memory = (proj / "content/translation-memory.jsonl").read_text(encoding="utf-8")
    assert '"zh": "法雷奥温岭销售额超过7亿元。"' in memory and '"en": "Valeo Wenling\'s sales topped 700 million yuan."' in memory
    zh = proj / "content/articles/two.zh.md"
    zh.write_text(zh.read_text(encoding="utf-8").replace("超过7亿元", "超过了8亿元"), encoding="utf-8")
    capsys.readouterr()
    assert main(["status", "two", "--no-qa", "--root", str(proj)]) == 0
    out = capsys.readouterr().out
    assert "the Chinese changed: 岭销售额超过[7→了8]亿元。" in out  # six characters of context before
    assert main(["status", "two", "--json", "--no-qa", "--root", str(proj)]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)["articles"][0]["sections"]}
    assert rows["b2"]["zh_before"] == "法雷奥温岭销售额超过7亿元。"
    assert rows["a1"]["zh_before"] is None and rows["a1"]["zh_changes"] is None  # not stale


def test_changes_show_each_edit_in_context() -> None:
    assert changes("去年销售额超过了7亿元，而今年", "去年销售额超过了8亿元，而今年") == ["销售额超过了[7→8]亿元，而今年"]
    assert changes("甲乙丙丁", "甲丙丁") == ["甲[−乙]丙丁"]
    assert changes("甲丙", "甲乙丙") == ["甲[+乙]丙"]
    many = changes("a1b2c3d4e5f6g7h8", "a9b9c9d9e9f9g9h9", context=1)
    assert many == ["a[1→9]b", "b[2→9]c", "c[3→9]d", "d[4→9]e", "e[5→9]f", "(3 more)"]


def test_a_broken_translation_memory_stops_the_review_before_anything_is_written(proj: Path, capsys) -> None:
    (proj / "content/translation-memory.jsonl").write_text('{"kind": "section"\n', encoding="utf-8")
    path = proj / "content/articles/two.en.md"
    before = path.read_bytes()
    assert main(["review", "two", "b2", "--root", str(proj)]) == 1
    assert capsys.readouterr().err.splitlines()[0].startswith(
        "content/translation-memory.jsonl:1: invalid translation-memory entry")
    assert path.read_bytes() == before and not (path.parent / "two.en.md~").exists()
