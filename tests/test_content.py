"""Parsing of content files: front matter, sections, ids, translations, errors with path:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder.content import load_articles
from site_builder.errors import ContentError
from site_builder.model import text_hash
from tests.conftest import ROOT, write_article


def messages(exc: ContentError) -> list[str]:
    return [str(p) for p in exc.problems]


def test_seed_has_five_curated_articles() -> None:
    arts = {a.slug: a for a in load_articles(ROOT)}
    assert set(arts) == {
        "taizhou-private-economy-conference", "taizhou-common-prosperity-meeting",
        "wenling-industry-conference", "commentary-2000-billion", "valeo-wenling",
    }
    speech = arts["wenling-industry-conference"]
    assert speech.meta.reporters == ("柳文岳",)
    # the ten strategies are one section each
    starts = [s.text[:2] for s in speech.sections]
    for n in "二三四五六七八九十":
        assert f"{n}要" in starts
    com = arts["commentary-2000-billion"]
    assert com.meta.kind == "commentary" and com.meta.column == "曙光时评"
    assert com.sections[-1].text.endswith("全新路标。")


def test_seed_rejoins_layout_splits_and_marks_gaps() -> None:
    arts = {a.slug: a for a in load_articles(ROOT)}
    text = "\n".join(s.text for s in arts["taizhou-private-economy-conference"].sections)
    assert "今年是党的二十大召开之年" in text
    speech = "\n".join(s.text for s in arts["wenling-industry-conference"].sections)
    assert "改造城园厂" in speech and "强化一二三产协同联动" in speech
    valeo = arts["valeo-wenling"].sections
    assert valeo[0].text.startswith("[[gap") and "厂商之一" in valeo[0].text
    assert "我们在[[gap" in valeo[1].text
    assert speech.count("[[gap") == 1 and "[[gap" in arts["wenling-industry-conference"].sections[2].text


def test_section_lines_and_ids(tiny: Path) -> None:
    (art,) = load_articles(tiny)
    assert [s.id for s in art.sections] == ["a1", "b2"]
    assert [s.line for s in art.sections] == [9, 12]  # first line of text, after the marker


def test_inserting_a_paragraph_keeps_other_ids(tiny: Path) -> None:
    path = tiny / "content/articles/one.zh.md"
    before = {s.id: s.text for s in load_articles(tiny)[0].sections}
    path.write_text(path.read_text().replace("<!-- § b2 -->", "<!-- § new1 -->\n插入的段落。\n\n<!-- § b2 -->"))
    after = {s.id: s.text for s in load_articles(tiny)[0].sections}
    assert after["a1"] == before["a1"] and after["b2"] == before["b2"] and after["new1"] == "插入的段落。"


def test_editing_a_paragraph_keeps_its_id_and_makes_english_stale(tiny: Path) -> None:
    h = text_hash("第二段。")
    (tiny / "content/articles/one.en.md").write_text(f"<!-- § b2 status=reviewed zh={h} -->\nSecond paragraph.\n")
    art = load_articles(tiny)[0]
    assert art.translation_state(art.sections[1]) == "reviewed"
    assert art.translation_state(art.sections[0]) == "missing"
    path = tiny / "content/articles/one.zh.md"
    path.write_text(path.read_text().replace("第二段。", "第二段，改过了。"))
    art = load_articles(tiny)[0]
    assert art.sections[1].id == "b2"
    assert art.translation_state(art.sections[1]) == "stale"


def test_unmarked_paragraph_gets_provisional_id(tiny: Path) -> None:
    write_article(tiny, "two", "没有标记的段落。\n")
    art = [a for a in load_articles(tiny) if a.slug == "two"][0]
    assert art.sections[0].provisional and art.sections[0].id.startswith("p-")


def test_a_markdown_file_not_named_as_an_article_is_reported(tiny: Path, caplog: pytest.LogCaptureFixture) -> None:
    """``notes.md`` or ``one.EN.md`` would otherwise be skipped without a word; backups and hidden files are not reported."""
    folder = tiny / "content/articles"
    for name in ("notes.md", "one.EN.md", "draft.markdown", "one.zh.md~", ".one.zh.md.swp", "#one.zh.md#", "README.txt"):
        (folder / name).write_text("第一段。\n", encoding="utf-8")
    with caplog.at_level("WARNING", logger="site_builder"):
        assert [a.slug for a in load_articles(tiny)] == ["one"]
    warned = sorted(r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    assert [m.split(": ")[0] for m in warned] == ["content/articles/draft.markdown:1", "content/articles/notes.md:1",
                                                  "content/articles/one.EN.md:1"]
    assert all("not read" in m and "<slug>.zh.md" in m for m in warned)


def test_machine_edit_detected_via_mt_hash(tiny: Path) -> None:
    h = text_hash("第一段。")
    mt = text_hash("First para.")
    (tiny / "content/articles/one.en.md").write_text(
        f"<!-- § a1 status=machine zh={h} mt={mt} -->\nFirst para.\n")
    art = load_articles(tiny)[0]
    assert art.translation_state(art.sections[0]) == "machine"
    (tiny / "content/articles/one.en.md").write_text(
        f"<!-- § a1 status=machine zh={h} mt={mt} -->\nThe first paragraph.\n")
    art = load_articles(tiny)[0]
    assert art.translation_state(art.sections[0]) == "reviewed"


@pytest.mark.parametrize("fm, expected", [
    ('title = "x"\ndate = 2022-02-09\nkind = "news"\n', "content/articles/bad.zh.md:1: missing required front-matter field 'source'"),
    ('title = "x"\ndate = 2022-02-09\nkind = "blog"\nsource = "s"\n', "content/articles/bad.zh.md:4: kind must be one of news, commentary, feature, not 'blog'"),
    ('title = "x"\ndate = "yesterday"\nkind = "news"\nsource = "s"\n', "content/articles/bad.zh.md:3: 'date' must be a TOML date like 2022-02-09"),
    ('title = "x"\ndate = 2022-02-09\nkind = "news"\nsource = "s"\nauthor = "y"\n', "content/articles/bad.zh.md:6: unknown front-matter key 'author'"),
    ('title = "x\ndate = 2022-02-09\n', "content/articles/bad.zh.md:2: invalid TOML"),
    ('title = "x"\ndate = 2022-02-09\nkind = "news"\nsource = "../../etc/passwd"\n', "content/articles/bad.zh.md:5: source '../../etc/passwd' must be a path inside content/"),
])
def test_front_matter_errors(tiny: Path, fm: str, expected: str) -> None:
    write_article(tiny, "bad", "<!-- § a -->\n文字。\n", fm=fm)
    with pytest.raises(ContentError) as info:
        load_articles(tiny)
    assert any(m.startswith(expected) for m in messages(info.value)), messages(info.value)


def test_duplicate_and_unknown_ids(tiny: Path) -> None:
    write_article(tiny, "dup", "<!-- § a -->\n一。\n\n<!-- § a -->\n二。\n",
                  en="<!-- § a -->\nOne.\n\n<!-- § zzz -->\nNothing.\n")
    with pytest.raises(ContentError) as info:
        load_articles(tiny)
    msgs = messages(info.value)
    assert "content/articles/dup.zh.md:11: duplicate section id 'a' (first used on line 8)" in msgs
    assert "content/articles/dup.en.md:4: English section 'zzz' has no Chinese section in content/articles/dup.zh.md" in msgs


def test_all_errors_reported_at_once(tiny: Path) -> None:
    write_article(tiny, "bad1", "x\n", fm='title = 1\ndate = 2022-02-09\nkind = "news"\nsource = "s"\n')
    write_article(tiny, "bad2", "<!-- § bad id -->\ny\n")
    with pytest.raises(ContentError) as info:
        load_articles(tiny)
    files = {p.path for p in info.value.problems}
    assert files == {"content/articles/bad1.zh.md", "content/articles/bad2.zh.md"}


def test_crlf_and_bom_tolerated(tiny: Path) -> None:
    path = tiny / "content/articles/one.zh.md"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    (art,) = load_articles(tiny)
    assert [s.text for s in art.sections] == ["第一段。", "第二段。"]


def test_non_utf8_file_names_line(tiny: Path) -> None:
    path = tiny / "content/articles/one.zh.md"
    path.write_bytes(path.read_bytes() + "\n坏\n".encode("gbk"))  # line 13 blank, 14 bad
    with pytest.raises(ContentError) as info:
        load_articles(tiny)
    assert messages(info.value)[0].startswith("content/articles/one.zh.md:14: not valid UTF-8")


def test_suggestion_block_attaches_to_section(tiny: Path) -> None:
    (tiny / "content/articles/one.en.md").write_text(
        "<!-- § a1 status=reviewed zh=0000000000 -->\nHuman text.\n\n"
        "<!-- suggestion § a1 zh=1111111111 engine=argos -->\nMachine idea.\n")
    art = load_articles(tiny)[0]
    tr = art.en.translations["a1"]
    assert tr.text == "Human text." and tr.suggestion == "Machine idea." and tr.suggestion_engine == "argos"


def test_plain_text_strips_only_paired_markup() -> None:
    from site_builder.markdown import plain_text

    assert plain_text("7*7 = 49, snake_case") == "7*7 = 49, snake_case"
    assert plain_text("**bold**, *em*, _u_ and `code`") == "bold, em, u and code"
    assert plain_text("[[gap: lost]] text [link](https://example.org)") == "… text link"
