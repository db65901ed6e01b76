"""The translate pipeline with a fake engine: plan, memory, protection, never-overwrite, refresh, status."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from site_builder import cli
from site_builder.content import load_articles
from site_builder.errors import SiteError
from site_builder.model import text_hash
from site_builder.translate.engine import FakeEngine
from site_builder.translate.memory import MEMORY, Memory
from site_builder.translate.pipeline import MEMORY_ENGINE, translate_project
from site_builder.translate.progress import Progress
from tests.conftest import ROOT, write_article

REGISTRY = '''
[[entity]]
id = "zhu-jianjun"
type = "person"
zh = "朱建军"
en = "Zhu Jianjun"

[[entity]]
id = "wenling"
type = "place"
zh = "温岭"
zh_aliases = ["温岭市", "我市"]
en = "Wenling"

[[entity]]
id = "qianggong-xingshi"
type = "policy"
zh = "强工兴市"
en = "Strong Industry, Thriving City"

[[entity]]
id = "valeo-wenling"
type = "company"
zh = "法雷奥温岭"
en = "Valeo Wenling"

[[entity]]
id = "target-2000yi"
type = "target"
zh = "2000亿"
zh_aliases = ["2000亿元"]
en = "the 200 billion yuan target"
en_aliases = ["200 billion yuan", "200 billion"]
'''

ALPHA_FM = ('title = "全市强工兴市大会召开"\nsubtitle = "奋进2000亿"\ndate = 2022-02-09\nkind = "news"\n'
            'source = "sources/x.txt"\norder = 1\n')
ALPHA = ("<!-- § a1 -->\n本报讯 2月8日，朱建军在温岭强调，到2026年规上工业总产值超2000亿元。\n\n"
         "<!-- § a2 -->\n会议通报了全市工业企业二十强、民营企业纳税50强。新年新气象。\n\n"
         "<!-- § a3 -->\n[[gap: 报道开头未见于本版]]厂商之一，见[法雷奥温岭](https://example.org/valeo)的**研发**。\n")
BETA_FM = 'title = "法雷奥温岭开启新年模式"\ndate = 2022-02-09\nkind = "feature"\nsource = "sources/x.txt"\norder = 2\n'
BETA = ("<!-- § b1 -->\n新年新气象。去年销售额超过了7亿元，增速66.7%。\n\n"
        "<!-- § b2 -->\n我们每年都会拿出8%的产值用于技术研发。\n")


def make_project(root: Path) -> Path:
    """A small project: site.toml, a registry, two articles without English."""
    (root / "content").mkdir(parents=True)
    shutil.copy(ROOT / "content" / "site.toml", root / "content" / "site.toml")
    (root / "content" / "entities.toml").write_text(REGISTRY, encoding="utf-8")
    write_article(root, "alpha", ALPHA, fm=ALPHA_FM)
    write_article(root, "beta", BETA, fm=BETA_FM)
    return root


def copy_tokens(s: str) -> str:
    """A 'model' that keeps placeholders and turns each run of Chinese into 'words'."""
    return re.sub(r"[\u3400-\u9fff]+", "words", s).replace("，", ",").replace("。", ".")


def never() -> FakeEngine:
    raise AssertionError("the model must not be loaded")


def run(root: Path, engine: FakeEngine, **kw: object):
    return translate_project(root, lambda: engine.id, lambda: engine, **kw)  # type: ignore[arg-type]


def en_text(root: Path, slug: str) -> str:
    return (root / "content" / "articles" / f"{slug}.en.md").read_text(encoding="utf-8")


def arts(root: Path) -> dict:
    return {a.slug: a for a in load_articles(root)}


def states(root: Path, slug: str) -> dict[str, str]:
    art = arts(root)[slug]
    return {s.id: art.translation_state(s) for s in art.all_sections()}


def set_zh(root: Path, slug: str, old: str, new: str) -> None:
    path = root / "content" / "articles" / f"{slug}.zh.md"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    return make_project(tmp_path / "site")


def test_fills_every_section_with_machine_drafts(proj: Path) -> None:
    eng = FakeEngine(copy_tokens)
    report = run(proj, eng)
    assert report.written == {"fill": 8, "refresh": 0, "suggest": 0}
    assert states(proj, "alpha") == dict.fromkeys(["title", "subtitle", "a1", "a2", "a3"], "machine")
    art = arts(proj)["alpha"]
    for sec in art.all_sections():
        tr = art.en.translations[sec.id]
        assert (tr.status, tr.zh_hash, tr.mt_hash, tr.engine) == ("machine", sec.hash, text_hash(tr.text), eng.id)
    assert "<!-- § a1 status=machine zh=" in en_text(proj, "alpha")
    assert en_text(proj, "alpha").count("<!-- §") == 5


def test_names_figures_and_markup_come_out_registered(proj: Path) -> None:
    run(proj, FakeEngine(copy_tokens))
    tr = arts(proj)["alpha"].en.translations
    assert tr["a1"].text == ("Words 8 February, Zhu Jianjun words Wenling words, words 2026 words 200 billion yuan.")
    assert tr["a2"].text == "Words top 20, words top 50. Words."
    assert tr["subtitle"].text == "Words 200 billion"
    assert tr["a3"].text == "[[gap: words]] words, words [Valeo Wenling](https://example.org/valeo) words **words**."


def test_lost_placeholders_fall_back_to_fragments(proj: Path) -> None:
    eng = FakeEngine(lambda s: "lost" if "ZQ" in s else copy_tokens(s))
    run(proj, eng, slugs=["alpha"])
    a1 = arts(proj)["alpha"].en.translations["a1"].text
    # each fragment translated on its own, every name and figure in its place
    assert a1 == "Words 8 February, Zhu Jianjun words Wenling words, words 2026 words 200 billion yuan."
    fragments = [s for call in eng.calls[1:] for s in call]
    assert "本报讯" in fragments and all("ZQ" not in s for s in fragments)
    # the memory holds the fragments too: deleted English comes back without the model
    before = en_text(proj, "alpha")
    (proj / "content" / "articles" / "alpha.en.md").unlink()
    translate_project(proj, lambda: eng.id, never, slugs=["alpha"])
    assert en_text(proj, "alpha") == before


def test_rerun_makes_no_model_calls_and_changes_nothing(proj: Path) -> None:
    run(proj, FakeEngine(copy_tokens))
    before = {p.name: p.read_bytes() for p in (proj / "content").rglob("*") if p.is_file()}
    report = translate_project(proj, lambda: "fake/echo-1", never, refresh=True)
    assert sum(report.jobs.values()) == 0
    assert {p.name: p.read_bytes() for p in (proj / "content").rglob("*") if p.is_file()} == before
    # asked for stale sections too, it is not told to ask for them
    assert report.summary().startswith("nothing to translate: every section has English, and none is out of date")
    plain = translate_project(proj, lambda: "fake/echo-1", never)
    assert plain.summary().startswith("nothing to translate: every section has English, and none is out of date")


def test_memory_serves_deleted_english_without_the_model(proj: Path) -> None:
    run(proj, FakeEngine(copy_tokens))
    first = en_text(proj, "beta")
    (proj / "content" / "articles" / "beta.en.md").unlink()
    report = translate_project(proj, lambda: "fake/echo-1", never)
    assert report.written["fill"] == 3 and report.translated == 0 and report.from_memory == report.inputs > 0
    assert en_text(proj, "beta") == first


def test_identical_sentences_are_translated_once(proj: Path) -> None:
    eng = FakeEngine(copy_tokens)
    run(proj, eng)
    sent = [s for call in eng.calls for s in call]
    assert len(sent) == len(set(sent))
    assert sent.count("新年新气象。") == 1  # in alpha § a2 and beta § b1
    mem = Memory.load(proj)
    assert mem.get(eng.id, "新年新气象。") == "words."


def test_memory_is_keyed_by_model(proj: Path) -> None:
    run(proj, FakeEngine(copy_tokens))
    (proj / "content" / "articles" / "beta.en.md").unlink()
    other = FakeEngine(copy_tokens, id="fake/other-2")
    run(proj, other)
    assert other.sentences > 0  # a different model does not reuse the first model's sentences


def test_human_work_is_never_overwritten(proj: Path) -> None:
    run(proj, FakeEngine(copy_tokens))
    path = proj / "content" / "articles" / "alpha.en.md"
    text = path.read_text(encoding="utf-8")
    # a1: translator edits the machine draft (status unchanged); a2: translator marks it reviewed
    text = text.replace("Words 8 February, Zhu", "On 8 February, Zhu")
    text = re.sub(r"(<!-- § a2 )status=machine", r"\1status=reviewed", text)
    path.write_text(text, encoding="utf-8")
    for sid, old, new in (("a1", "规上工业", "规模以上工业"), ("a2", "新年新气象", "新年新风貌"), ("a3", "研发", "技术研发")):
        set_zh(proj, "alpha", old, new)
    assert states(proj, "alpha") == {"title": "machine", "subtitle": "machine", "a1": "stale", "a2": "stale",
                                     "a3": "stale"}
    report = run(proj, FakeEngine(lambda s: "NEW " + copy_tokens(s)), refresh=True, slugs=["alpha"])
    assert report.written == {"fill": 0, "refresh": 1, "suggest": 2}
    tr = arts(proj)["alpha"].en.translations
    assert tr["a1"].text.startswith("On 8 February, Zhu") and tr["a1"].suggestion.startswith("NEW")
    # only the changed sentence went to the model; the unchanged one came from the memory
    assert tr["a2"].status == "reviewed" and tr["a2"].suggestion == "Words top 20, words top 50. NEW words."
    assert "**NEW words**" in tr["a3"].text and tr["a3"].suggestion is None  # untouched machine draft: replaced
    st = states(proj, "alpha")
    assert (st["a1"], st["a2"], st["a3"]) == ("stale", "stale", "machine")
    # a second refresh does not redo suggestions that are already there for this Chinese
    again = translate_project(proj, lambda: "fake/echo-1", never, refresh=True)
    assert sum(again.jobs.values()) == 0
    assert again.summary() == ("nothing to translate: every section has English; 2 out of date, each with a "
                               "suggestion for its translator already")


def test_stale_is_left_alone_without_refresh(proj: Path) -> None:
    run(proj, FakeEngine(copy_tokens))
    set_zh(proj, "beta", "8%", "9%")
    before = en_text(proj, "beta")
    report = translate_project(proj, lambda: "fake/echo-1", never)
    assert sum(report.jobs.values()) == 0 and en_text(proj, "beta") == before
    assert states(proj, "beta")["b2"] == "stale"
    assert report.summary() == ("nothing to translate: every section has English; 1 out of date (--refresh "
                                "replaces their machine drafts and suggests new English beside translators' text)")


def test_translator_edit_during_translation_is_kept(proj: Path) -> None:
    run(proj, FakeEngine(copy_tokens))
    set_zh(proj, "beta", "技术研发", "研究开发")
    path = proj / "content" / "articles" / "beta.en.md"

    def translator_saves_meanwhile(s: str) -> str:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("Words 8% words.", "Every year 8% of output goes to R&D."), encoding="utf-8")
        return copy_tokens(s)

    report = run(proj, FakeEngine(translator_saves_meanwhile), refresh=True)
    assert report.kept == 1 and report.written["refresh"] == 0
    assert "Every year 8% of output goes to R&D." in en_text(proj, "beta")


def test_reviewed_section_pairs_feed_the_memory(proj: Path) -> None:
    (proj / "content" / "articles" / "beta.en.md").write_text(
        f"<!-- § b2 status=reviewed zh={text_hash('我们每年都会拿出8%的产值用于技术研发。')} -->\n"
        "Every year we spend 8% of our output on R&D.\n", encoding="utf-8")
    write_article(proj, "gamma", "<!-- § g1 -->\n我们每年都会拿出8%的产值用于技术研发。\n",
                  fm='title = "法雷奥温岭"\ndate = 2022-02-09\nkind = "news"\nsource = "sources/x.txt"\n')
    run(proj, FakeEngine(copy_tokens))
    g1 = arts(proj)["gamma"].en.translations["g1"]
    assert (g1.text, g1.status, g1.engine) == ("Every year we spend 8% of our output on R&D.", "machine", MEMORY_ENGINE)
    assert Memory.load(proj).get_section("我们每年都会拿出8%的产值用于技术研发。") == g1.text


def test_memory_file_is_sorted_and_stable(proj: Path) -> None:
    run(proj, FakeEngine(copy_tokens))
    lines = (proj / MEMORY).read_text(encoding="utf-8").splitlines()
    keys = [(d["kind"], d["model"], d["src"]) for d in map(json.loads, lines)]
    assert keys == sorted(keys) and len(keys) == len(set(keys))


def test_bad_content_is_reported_and_nothing_written(proj: Path) -> None:
    (proj / "content" / "articles" / "beta.en.md").write_text("<!-- § zz -->\nOrphan.\n", encoding="utf-8")
    with pytest.raises(SiteError) as err:
        translate_project(proj, lambda: "fake/echo-1", never)
    assert str(err.value) == "content/articles/beta.en.md:1: English section 'zz' has no Chinese section in " \
                             "content/articles/beta.zh.md"
    assert not (proj / "content" / "articles" / "alpha.en.md").exists() and not (proj / MEMORY).exists()


def test_unknown_slug(proj: Path) -> None:
    with pytest.raises(SiteError, match="content/articles: no article 'nope'"):
        translate_project(proj, lambda: "fake/echo-1", never, slugs=["nope"])


def test_dry_run_writes_nothing(proj: Path) -> None:
    report = translate_project(proj, lambda: "fake/echo-1", never, dry_run=True)
    assert ("content/articles/alpha.en.md", "title", "fill") in report.planned and len(report.planned) == 8
    assert not list((proj / "content" / "articles").glob("*.en.md"))


def test_progress_line(proj: Path) -> None:
    stream = io.StringIO()
    ticks = iter(range(100))
    run(proj, FakeEngine(copy_tokens), progress=Progress(stream, enabled=True, clock=lambda: next(ticks)))
    last = stream.getvalue().rstrip("\n").split("\r\x1b[K")[-1]
    assert re.fullmatch(r"translating: sections 8/8 · sentences (\d+)/\1 · [\d.]+ sentences/s · ETA 0:00", last)
    quiet = io.StringIO()
    (proj / "content" / "articles" / "beta.en.md").unlink()
    (proj / MEMORY).unlink()
    run(proj, FakeEngine(copy_tokens), progress=Progress(quiet))  # StringIO is not a terminal
    assert quiet.getvalue() == ""


# ---------------------------------------------------------------- status command

def test_status_json_and_table(proj: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(proj, FakeEngine(copy_tokens), slugs=["alpha"])
    set_zh(proj, "alpha", "新年新气象", "新年新风貌")
    assert cli.main(["--root", str(proj), "status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by = {a["slug"]: a for a in data["articles"]}
    assert by["alpha"]["counts"] == {"missing": 0, "machine": 4, "reviewed": 0, "stale": 1}
    assert by["beta"]["counts"] == {"missing": 3, "machine": 0, "reviewed": 0, "stale": 0}
    assert data["totals"] == {"missing": 3, "machine": 4, "reviewed": 0, "stale": 1}
    a2 = next(r for r in by["alpha"]["sections"] if r["id"] == "a2")
    assert (a2["state"], a2["en_line"], a2["zh_line"]) == ("stale", 10, 14)
    assert all(set(q) == {"path", "line", "severity", "message"} for q in data["qa"])
    assert cli.main(["--root", str(proj), "status"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^alpha\s+0\s+4\s+0\s+1$", out, re.MULTILINE)
    assert re.search(r"^  a2\s+stale\s+content/articles/alpha.en.md:10\s", out, re.MULTILINE)
    assert "translation QA:" in out
    assert "site-builder review SLUG ID ... (or SLUG --all) marks it reviewed" in out  # the way out of stale
    cli.main(["--root", str(proj), "review", "alpha", "--all"])
    assert cli.main(["--root", str(proj), "status"]) == 0
    assert "site-builder review" not in capsys.readouterr().out  # nothing left to review


def test_status_shows_qa_findings(proj: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (proj / "content" / "articles" / "beta.en.md").write_text(
        f"<!-- § b2 zh={text_hash('我们每年都会拿出8%的产值用于技术研发。')} -->\n"
        "Every year we spend 9% of our output on research and development.\n", encoding="utf-8")
    assert cli.main(["--root", str(proj), "status", "beta"]) == 0
    out = capsys.readouterr().out
    assert "content/articles/beta.en.md:1: section b2: figure 8% is missing from the English" in out
    assert cli.main(["--root", str(proj), "status", "--no-qa", "--summary", "beta"]) == 0
    assert "translation QA: 0 findings" in capsys.readouterr().out


def test_status_bad_content_exits_1(proj: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (proj / "content" / "articles" / "beta.en.md").write_text("<!-- § b1 status=draft -->\nx\n", encoding="utf-8")
    assert cli.main(["--root", str(proj), "status"]) == 1
    err = capsys.readouterr().err
    assert "content/articles/beta.en.md:1: unknown status 'draft' (use machine or reviewed)" in err
    assert "Traceback" not in err


def test_status_and_qa_never_load_the_model_stack(proj: Path) -> None:
    """The core (build, status, QA) must not import argostranslate, torch or CTranslate2."""
    code = ("import sys; from site_builder import cli; "
            f"rc = cli.main(['--root', {str(proj)!r}, 'status', '--json']); "
            "heavy = sorted(m for m in ('argostranslate', 'torch', 'ctranslate2', 'stanza') if m in sys.modules); "
            "print(rc, heavy, file=sys.stderr)")
    res = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.stderr.strip().splitlines()[-1] == "0 []"
