"""Block-preserving rewrites of English files, and the translation memory file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from site_builder.content import parse_en
from site_builder.errors import ContentError
from site_builder.model import text_hash
from site_builder.translate.enfile import (
    FILL,
    REFRESH,
    SUGGEST,
    Update,
    apply_updates,
    overwritable,
    suggestion_hashes,
    write_updates,
)
from site_builder.translate.memory import MEMORY, Memory

ORDER = ["title", "a1", "b2", "c3"]
MT = "Old machine draft."
EN = f"""+++
# translator notes live in the front matter comments
+++

<!-- § title status=reviewed zh=1111111111 | 标题 -->
A reviewed title
<!-- a comment the translator wrote, kept as is -->

<!-- § b2 status=machine zh=2222222222 mt={text_hash(MT)} engine=argos/x-1 | 第二 -->
{MT}


<!-- § c3 status=machine zh=3333333333 mt=0000000000 engine=argos/x-1 -->
Edited by a translator.
"""


def up(sid: str, action: str, text: str, zh: str = "9999999999") -> Update:
    return Update(sid, action, zh, text, "argos/translate-zh_en-1.9", hint="第一段。")


def parsed(text: str) -> dict:
    problems: list = []
    out = parse_en(text, "x.en.md", problems)
    assert problems == []
    return out


def test_no_updates_is_byte_identical() -> None:
    assert apply_updates(EN, "x.en.md", [], ORDER) == (EN, [])


def test_fill_inserts_after_the_preceding_section_and_touches_nothing_else() -> None:
    new, applied = apply_updates(EN, "x.en.md", [up("a1", FILL, "First paragraph.")], ORDER)
    assert len(applied) == 1
    marker = (f"<!-- § a1 status=machine zh=9999999999 mt={text_hash('First paragraph.')} "
              "engine=argos/translate-zh_en-1.9 | 第一段。 -->")
    head, tail = EN.split("<!-- § b2", 1)
    assert new == head + marker + "\nFirst paragraph.\n\n<!-- § b2" + tail
    tr = parsed(new)["a1"]
    assert (tr.status, tr.zh_hash, tr.text, tr.edited) == ("machine", "9999999999", "First paragraph.", False)


def test_refresh_replaces_only_that_block_and_keeps_its_blank_lines() -> None:
    new, applied = apply_updates(EN, "x.en.md", [up("b2", REFRESH, "New draft.\nSecond line.")], ORDER)
    assert applied
    before, rest = EN.split("<!-- § b2", 1)
    after = rest[rest.index("<!-- § c3"):]
    assert new.startswith(before) and new.endswith(after)
    assert "New draft.\nSecond line.\n\n\n<!-- § c3" in new  # the two blank lines stayed
    assert parsed(new)["b2"].text == "New draft.\nSecond line."


def test_human_text_is_never_overwritten() -> None:
    ups = [up("title", REFRESH, "X"), up("c3", REFRESH, "X"), up("title", FILL, "X"), up("b2", FILL, "X")]
    assert apply_updates(EN, "x.en.md", ups, ORDER) == (EN, [])


def test_suggestion_goes_beside_the_reviewed_text() -> None:
    new, applied = apply_updates(EN, "x.en.md", [up("title", SUGGEST, "Suggested title")], ORDER)
    assert applied
    assert ("kept as is -->\n\n<!-- suggestion § title zh=9999999999 engine=argos/translate-zh_en-1.9 -->\n"
            "Suggested title\n\n<!-- § b2") in new
    tr = parsed(new)["title"]
    assert (tr.text.split("\n")[0], tr.suggestion, tr.status) == ("A reviewed title", "Suggested title", "reviewed")
    assert suggestion_hashes(new) == {"title": "9999999999"}
    # a newer suggestion replaces the old one, and a fill lands after the suggestion block
    newer, _ = apply_updates(new, "x.en.md", [up("title", SUGGEST, "Newer", zh="8888888888"),
                                              up("a1", FILL, "A1.")], ORDER)
    assert newer.count("suggestion §") == 1 and "Newer" in newer and "Suggested title" not in newer
    assert newer.index("Newer") < newer.index("<!-- § a1") < newer.index("<!-- § b2")


def test_crlf_bom_and_missing_final_newline_are_kept() -> None:
    text = "\ufeff<!-- § b2 status=reviewed zh=1 -->\r\nKept.\r\n\r\n<!-- § c3 status=reviewed zh=2 -->\r\nLast."
    new, _ = apply_updates(text, "x.en.md", [up("a1", FILL, "A.")], ORDER)
    assert new.startswith("\ufeff<!-- § a1 ")
    assert new.endswith("-->\r\nA.\r\n\r\n<!-- § b2 status=reviewed zh=1 -->\r\nKept.\r\n\r\n"
                        "<!-- § c3 status=reviewed zh=2 -->\r\nLast.")
    appended, _ = apply_updates(text, "x.en.md", [up("zz", FILL, "Z.")], ORDER + ["zz"])
    assert appended.startswith(text + "\r\n\r\n<!-- § zz ") and appended.endswith("-->\r\nZ.\r\n")


def test_new_file_from_nothing() -> None:
    new, _ = apply_updates("", "x.en.md", [up("a1", FILL, "A."), up("title", FILL, "T."), up("c3", FILL, "C.")],
                           ORDER)
    assert list(parsed(new)) == ["title", "a1", "c3"]
    assert "\n\n\n" not in new and new.endswith("C.\n")


def test_empty_marker_is_filled_in_place() -> None:
    text = "<!-- § a1 -->\n\n<!-- § b2 status=reviewed zh=1 -->\nB.\n"
    new, _ = apply_updates(text, "x.en.md", [up("a1", FILL, "A.")], ORDER)
    assert new.endswith("\nA.\n\n<!-- § b2 status=reviewed zh=1 -->\nB.\n")
    assert new.count("§ a1") == 1


def test_broken_file_is_refused_with_path_and_line() -> None:
    with pytest.raises(ContentError) as err:
        apply_updates("<!-- § a1 status=weird -->\nx\n", "content/articles/x.en.md", [up("a1", FILL, "A.")], ORDER)
    assert str(err.value) == "content/articles/x.en.md:1: unknown status 'weird' (use machine or reviewed)"


def test_overwritable() -> None:
    t = parsed(EN)
    assert [overwritable(t.get(k)) for k in ("title", "b2", "c3", "a1")] == [False, True, False, True]
    no_mt = parsed("<!-- § a1 status=machine zh=1 -->\nWho knows who wrote this.\n")["a1"]
    assert not overwritable(no_mt)  # without mt we cannot tell an edit: treat as human work


def test_write_is_atomic_with_backup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "x.en.md"
    path.write_text(EN, encoding="utf-8")
    applied = write_updates(path, "x.en.md", [up("a1", FILL, "A.")], ORDER)
    assert applied and "A." in path.read_text(encoding="utf-8")
    assert (tmp_path / "x.en.md~").read_text(encoding="utf-8") == EN
    # a crash in the middle of the rename leaves the file whole and no temp file behind
    good = path.read_bytes()

    real_replace = os.replace

    def boom(src: str, dst: str | os.PathLike[str]) -> None:
        if Path(dst) == path:
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_updates(path, "x.en.md", [up("b2", REFRESH, "B.")], ORDER)
    assert path.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.en.md", "x.en.md~"]


def test_unchanged_file_is_not_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "x.en.md"
    path.write_text(EN, encoding="utf-8")
    os.utime(path, (1, 1))
    assert write_updates(path, "x.en.md", [up("title", REFRESH, "X")], ORDER) == []
    assert path.stat().st_mtime == 1 and not (tmp_path / "x.en.md~").exists()


# ---------------------------------------------------------------- memory

def test_memory_round_trip_sorted_and_deterministic(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    mem = Memory.load(tmp_path)
    mem.put("m/2", "乙。", "B.")
    mem.put("m/1", "甲。", "A.")
    mem.put_section("温岭 强工兴市", "Wenling ...")
    assert mem.save()
    lines = (tmp_path / MEMORY).read_text(encoding="utf-8").splitlines()
    rows = [json.loads(x) for x in lines]
    assert [(r["kind"], r["model"]) for r in rows] == [("section", "reviewed"), ("sentence", "m/1"), ("sentence", "m/2")]
    assert '"zh": "甲。"' in lines[1]  # readable in diffs
    again = Memory.load(tmp_path)
    assert again.get("m/1", "甲。") == "A." and again.get("m/2", "甲。") is None
    assert again.get_section("温岭  强工兴市\n") == "Wenling ..."
    assert not again.save()  # nothing changed: not rewritten
    again.put("m/1", "甲。", "A.")
    assert not again.changed


def test_memory_bad_line_is_reported_with_line(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    good = '{"kind": "sentence", "model": "m", "src": "x", "zh": "甲", "en": "A"}'
    (tmp_path / MEMORY).write_text(f"{good}\n<<<<<<< HEAD\n{{\"kind\": 1}}\n", encoding="utf-8")
    with pytest.raises(ContentError) as err:
        Memory.load(tmp_path)
    assert [f"{p.path}:{p.line}" for p in err.value.problems] == [f"{MEMORY}:2", f"{MEMORY}:3"]
    assert "invalid translation-memory entry" in str(err.value)
