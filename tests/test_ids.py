"""``site-builder ids``: permanent ids for paragraphs without markers, nothing else changed, ``--check``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.cli import main
from site_builder.commands.ids import insert_markers
from site_builder.content import load_articles
from site_builder.ingest.write import new_ids
from site_builder.model import text_hash
from tests.conftest import write_article

NEW_MARKER_RE = re.compile(r"<!-- § ([a-z2-7]{6}) -->(\r\n|\n)")


def run(capsys: pytest.CaptureFixture[str], root: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["--root", str(root), "ids", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_check_lists_paragraphs_without_ids(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, tiny, "--check")[0] == 0
    write_article(tiny, "two", "<!-- § a1 -->\n有标记。\n\n没有标记的段落，\n跨两行。\n\n又一段。\n")
    code, out, _ = run(capsys, tiny, "--check")
    assert code == 1
    assert out.splitlines() == ["content/articles/two.zh.md:11: paragraph has no section id",
                                "content/articles/two.zh.md:14: paragraph has no section id"]


def test_ids_are_written_only_where_missing_and_nothing_else_changes(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = tiny / "content/articles/one.zh.md"
    before_one = one.read_bytes()
    two = write_article(tiny, "two", "<!-- § a1 -->\n有标记。\n\n没有标记的段落，\n跨两行。\n\n又一段。\n")
    before = two.read_bytes()
    code, _, err = run(capsys, tiny)
    assert code == 0 and err == "content/articles/two.zh.md: 2 section ids written\n"
    after = two.read_bytes()
    assert one.read_bytes() == before_one  # a file with ids everywhere is not touched
    ids = [m.group(1) for m in NEW_MARKER_RE.finditer(after.decode())]
    assert len(ids) == len(set(ids)) == 2 and "a1" not in ids
    assert NEW_MARKER_RE.sub("", after.decode()).encode() == before
    assert after.decode().count("<!-- § ") == 3
    art = next(a for a in load_articles(tiny) if a.slug == "two")
    assert [s.id for s in art.sections] == ["a1", *ids] and not any(s.provisional for s in art.sections)
    assert run(capsys, tiny, "--check")[0] == 0
    assert run(capsys, tiny)[2] == "" and two.read_bytes() == after  # idempotent


def test_crlf_and_bom_are_kept(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tiny / "content/articles/crlf.zh.md"
    original = ("\ufeff+++\r\ntitle = \"标题\"\r\ndate = 2022-02-09\r\nkind = \"news\"\r\nsource = \"sources/x.txt\"\r\n+++\r\n"
                "\r\n第一段。\r\n\r\n<!-- § keep -->\r\n第二段。\r\n\r\n第三段。").encode()
    path.write_bytes(original)
    assert run(capsys, tiny)[0] == 0
    after = path.read_bytes().decode()
    assert after.startswith("\ufeff+++\r\n") and "\n" not in after.replace("\r\n", "")
    assert len(NEW_MARKER_RE.findall(after)) == 2 and all(end == "\r\n" for _, end in NEW_MARKER_RE.findall(after))
    assert NEW_MARKER_RE.sub("", after).encode() == original
    assert [s.text for s in next(a for a in load_articles(tiny) if a.slug == "crlf").sections] == ["第一段。", "第二段。", "第三段。"]


def test_a_provisional_id_with_an_english_translation_is_kept(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pid = "p-" + text_hash("译过的段落。")[:6]
    write_article(tiny, "two", "译过的段落。\n\n没译过的段落。\n", en=f"<!-- § {pid} -->\nA translated paragraph.\n")
    assert run(capsys, tiny)[0] == 0
    art = next(a for a in load_articles(tiny) if a.slug == "two")
    assert art.sections[0].id == pid and art.translation_state(art.sections[0]) == "reviewed"
    assert re.fullmatch(r"[a-z2-7]{6}", art.sections[1].id)


def test_broken_files_are_reported_and_nothing_is_written(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_article(tiny, "good", "没有标记。\n")
    before = good.read_bytes()
    (tiny / "content/articles/bad.zh.md").write_bytes(b"+++\ntitle = \"x\"\n\xff\n+++\n\ntext\n")
    code, _, err = run(capsys, tiny)
    assert code == 1 and "content/articles/bad.zh.md:3: not valid UTF-8 (byte 16)" in err
    assert good.read_bytes() == before


def test_new_ids_are_base32_unique_and_avoid_taken_ones() -> None:
    ids = new_ids(500, taken={"aaaaaa"})
    assert len(set(ids)) == 500 and "aaaaaa" not in ids and all(re.fullmatch(r"[a-z2-7]{6}", i) for i in ids)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["文字", "\n", "\r\n", "\r", "\ufeff", " ", "<!-- § x -->"]), max_size=30).map("".join),
       st.data())
def test_inserting_markers_changes_nothing_else(raw: str, data: st.DataObject) -> None:
    n_lines = raw.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    lines = data.draw(st.sets(st.integers(1, n_lines), max_size=4))
    assign = tuple((line, f"id{line:04d}") for line in sorted(lines))
    out = insert_markers(raw, assign)
    assert re.sub(r"<!-- § id\d{4} -->(?:\r\n|\r|\n)", "", out) == raw
    norm = out.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for k, (line, sid) in enumerate(assign):
        assert norm[line - 1 + k] == f"<!-- § {sid} -->"
