"""``site-builder import``: dry run and JSON, drafts written safely, clean one-line errors, fuzzing."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder.cli import main
from site_builder.content import load_article
from site_builder.errors import ImportError_, Problem
from site_builder.ingest import propose, read_page
from site_builder.ingest.draft import Page
from site_builder.ingest.lines import decode
from site_builder.ingest.write import render_zh
from tests.conftest import ROOT

SEED = ROOT / "content" / "sources" / "wenling-daily-2022-02-09.txt"
FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
ID_RE = re.compile(r"^<!-- § ([a-z2-7]{6}) -->$", re.MULTILINE)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_dry_run_json_without_map(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--root", str(ROOT), "import", str(SEED), "--no-map", "--dry-run", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"articles", "orphans", "notes", "map"} and data["map"] is None
    assert [a["title"] for a in data["articles"]] == [
        "全市三级干部大会暨强工兴市大会召开", "台州市民营经济发展暨优化营商环境大会召开", "台州高质量发展建设共同富裕先行市工作部署会召开",
        "曙光时评", "法雷奥温岭开启新年“抢跑”模式"]
    assert [a["reporters"] for a in data["articles"]] == [["柳文岳"], ["江盈盈"], ["江盈盈"], ["本报评论员"], []]
    first = data["articles"][0]
    assert {"title", "subtitle", "column", "kind", "date", "reporters", "paragraphs"} <= set(first)
    assert first["date"] == "2022-02-09" and first["event_date"] == "2022-02-08"
    assert all({"text", "line"} <= set(o) for o in data["orphans"])


def test_map_beside_the_source_is_used_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--root", str(ROOT), "import", str(SEED), "--json")
    assert code == 0
    assert json.loads(out)["map"] == str(SEED.with_name(SEED.stem + ".map.toml"))
    assert [a["slug"] for a in json.loads(out)["articles"]] == [
        "wenling-industry-conference", "commentary-2000-billion", "taizhou-private-economy-conference",
        "taizhou-common-prosperity-meeting", "valeo-wenling"]


def test_dry_run_summary_lists_articles_orphans_and_notes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "import", str(FIXTURES / "continuation.txt"), "--dry-run")
    assert code == 0
    assert out.splitlines()[0] == f"{FIXTURES / 'continuation.txt'}: 2 articles, 4 orphan fragments"
    assert "  orphan, line 19: 、渔业产值稳步增长。" in out.splitlines()
    assert "  note, line 15: continues the paragraph at line 5" in out.splitlines()
    assert "as the map" not in out
    _, out, _ = run(capsys, "--root", str(ROOT), "import", str(SEED), "--dry-run")
    assert out.splitlines()[-1] == f"  (as the map {SEED.with_name(SEED.stem + '.map.toml')} says; --no-map: by the rules alone)"


def project(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "content" / "sources").mkdir(parents=True)
    shutil.copy(SEED, root / "content" / "sources" / SEED.name)
    shutil.copy(SEED.with_name(SEED.stem + ".map.toml"), root / "content" / "sources")
    return root


def test_drafts_are_valid_articles_with_fresh_ids(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    code, _, err = run(capsys, "--root", str(root), "import", str(root / "content/sources" / SEED.name))
    assert code == 0
    drafts = sorted((root / "drafts").glob("*.zh.md"))
    assert len(drafts) == 5 and f"wrote {drafts[0]}" in err
    for path in drafts:
        text = path.read_text(encoding="utf-8")
        ids = ID_RE.findall(text)
        assert len(ids) == len(set(ids)) == text.count("<!-- §")
        problems: list[Problem] = []
        art = load_article(root, path, problems)
        assert problems == [] and art is not None
        assert art.meta.source == "sources/wenling-daily-2022-02-09.txt"
        assert not any(s.provisional for s in art.sections)


def test_existing_drafts_are_never_overwritten_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    src = str(root / "content/sources" / SEED.name)
    out = tmp_path / "out"
    out.mkdir()
    (out / "valeo-wenling.zh.md").write_text("edited by hand\n", encoding="utf-8")
    code, _, err = run(capsys, "--root", str(root), "import", src, "--out", str(out))
    assert code == 1
    assert f"{out / 'valeo-wenling.zh.md'}: exists; pass --force to replace it (the old file is kept as valeo-wenling.zh.md~)" in err
    assert sorted(p.name for p in out.iterdir()) == ["valeo-wenling.zh.md"]  # nothing written at all
    code, _, _ = run(capsys, "--root", str(root), "import", src, "--out", str(out), "--force")
    assert code == 0
    assert (out / "valeo-wenling.zh.md~").read_text(encoding="utf-8") == "edited by hand\n"
    assert (out / "valeo-wenling.zh.md").read_text(encoding="utf-8").startswith("+++\ntitle = \"法雷奥温岭开启新年“抢跑”模式\"")
    assert len(list(out.glob("*.zh.md"))) == 5 and not list(out.glob(".*.tmp"))


def test_writing_needs_the_pages_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--root", str(tmp_path), "import", str(FIXTURES / "continuation.txt"))
    assert code == 1 and "the page's date is unknown; pass --date YYYY-MM-DD" in err
    assert not (tmp_path / "drafts").exists()
    code, _, _ = run(capsys, "--root", str(tmp_path), "import", str(FIXTURES / "continuation.txt"), "--date", "2023-05-09")
    assert code == 0 and "date = 2023-05-09\nevent_date = 2023-05-08" in next((tmp_path / "drafts").glob("shi-tang*")).read_text()


@pytest.mark.parametrize("data, message", [
    (b"\xff\xfe\x00\x41", "not valid UTF-8 (byte 0)"),
    ("第一行\n第二行".encode("gbk"), "not valid UTF-8 (byte 0)"),
    ("标题\n\n正文\x00".encode(), "binary file (contains NUL bytes)"),
    ("标题\n\n正文\x07。".encode(), "binary file (control character U+0007)"),
    (b"", "empty file: no text to import"),
    ("\ufeff\r\n　\r\n\n".encode(), "empty file: no text to import"),
])
def test_unreadable_sources_get_one_line_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        data: bytes, message: str) -> None:
    src = tmp_path / "page.txt"
    src.write_bytes(data)
    code, out, err = run(capsys, "import", str(src), "--dry-run", "--json")
    assert code == 1 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith(f"{src}:") and err.rstrip().endswith(message)
    assert "Traceback" not in err


def test_line_of_a_decoding_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "page.txt"
    src.write_bytes("标题\n\n正文".encode() + b"\xc3(")
    code, _, err = run(capsys, "import", str(src), "--json")
    assert (code, err) == (1, f"{src}:3: not valid UTF-8 (byte 14)\n")


def test_missing_source_and_missing_map(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "import", str(tmp_path / "nope.txt"), "--json", "--no-map")
    assert code == 1 and len(err.splitlines()) == 1 and err.startswith(f"{tmp_path / 'nope.txt'}:")
    code, _, err = run(capsys, "import", str(SEED), "--json", "--map", str(tmp_path / "nope.map.toml"))
    assert code == 1 and err.startswith(f"{tmp_path / 'nope.map.toml'}:") and "Traceback" not in err


def test_bad_options_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["import", str(SEED), "--year", "twenty"])
    assert exc.value.code == 2 and "not a year: 'twenty'" in capsys.readouterr().err


# --- fuzzing: arbitrary input gives a proposal or a clean error, never a crash ------------------------------

# pieces of a newspaper page, glued at random: the rules meet each other in every order
TOKENS = ["本报讯（记者江盈盈）", "本报讯(记者林晓 王芳 通讯员陈立)", "本報訊（記者　林曉）", "本报评论员", "评论员 李想", "本报记者 叶青",
          "曙光时评", "新闻观察", "（下转第2版）", "（上接第1版）", "2月8日", "２月３０日", "昨天", "2022年12月31日", "第2版",
          "温岭日报 2022年2月9日 星期三", "大会召开", "法雷奥温岭开启新年 抢跑 模式", " ", "\u3000", "\t", "\f", "\r\n",
          "\n", "\n\n", "\n\n\n", "\ufeff", "。", "，", ",", "、", "：", "！", "?", ".", "…", "”", "」", "的", "[[gap]]",
          "[[gap: 缺]]", "<!-- § ab -->", "+++", "\"", "\\", "#", "1. ", "> ", "abc", "凭借着优异的质量，", "書記"]
NEWSPAPER = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=3)), max_size=40).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_fuzz_bytes_never_crash_the_command(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "page-2022-02-09.txt"
        src.write_bytes(data)
        code = main(["--root", tmp, "-q", "import", str(src), "--json"])
        assert code in (0, 1)


def _proposal_or_clean_error(text: str) -> None:
    try:
        proposal = propose(Page("p.txt", "sources/p.txt", decode(text, "p.txt"), None, 2022))
    except ImportError_ as exc:
        assert all(p.path == "p.txt" for p in exc.problems)
        return
    json.dumps(proposal.as_json(), ensure_ascii=False)
    # every draft is a valid content file
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "content" / "articles"
        folder.mkdir(parents=True)
        for i, d in enumerate(proposal.drafts):
            path = folder / f"a{i}.zh.md"
            path.write_text(render_zh(replace(d, date=date(2022, 2, 9))), encoding="utf-8")
            problems: list[Problem] = []
            assert load_article(Path(tmp), path, problems) is not None, problems


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NEWSPAPER)
def test_fuzz_newspaper_like_text(text: str) -> None:
    _proposal_or_clean_error(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_fuzz_any_text(text: str) -> None:
    _proposal_or_clean_error(text)


def test_seed_page_read_from_crlf_and_bom_gives_the_same_proposal(tmp_path: Path) -> None:
    src = tmp_path / SEED.name
    src.write_bytes(b"\xef\xbb\xbf" + SEED.read_bytes().replace(b"\n", b"\r\n"))
    assert propose(read_page(src, SEED.name, ROOT)) == propose(read_page(SEED, SEED.name, ROOT))
