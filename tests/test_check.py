"""`site-builder check` and `build --strict`: each kind of error in a fixture project is caught; the real content passes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

from site_builder.check import CHECKS, output_findings, run_check
from site_builder.config import load_config
from site_builder.errors import Problem
from site_builder.model import text_hash

from .conftest import write_article

ZH_BODY = """<!-- § a1 -->
第一段，见[别处](../nowhere/)。

<!-- § b2 -->
第二段，见[注释](#nosuch)。

<!-- § c3 -->
第三段提到[某人](../../entities/nobody/)。
"""


def line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {path}")


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "site_builder", "--root", str(root), *args],
                          capture_output=True, text=True, timeout=120, check=False)


def complete_english(root: Path) -> None:
    """Give the tiny project's article reviewed English for every section."""
    en = (f"<!-- § title zh={text_hash('测试标题')} -->\nTest title\n\n"
          f"<!-- § a1 zh={text_hash('第一段。')} -->\nFirst.\n\n<!-- § b2 zh={text_hash('第二段。')} -->\nSecond.\n")
    (root / "content/articles/one.en.md").write_text(en, encoding="utf-8")


@pytest.fixture
def broken(tiny: Path) -> Path:
    """A project with one error of each kind the check knows, except registry errors (see below)."""
    en = (f"<!-- § title zh={text_hash('测试标题')} -->\nTest title\n\n"
          f"<!-- § a1 zh={text_hash('第一段，见[别处](../nowhere/)。')} -->\nFirst paragraph, see [elsewhere](../gone/).\n\n"
          f"<!-- § b2 zh=0000000000 -->\nSecond paragraph, made from an older Chinese text.\n")
    write_article(tiny, "one", ZH_BODY, en=en)
    # A page under a language folder that does not name its counterpart: the English
    # article index leaves out its hreflang link to the Chinese one.
    base = tiny / "templates" / "base.html"
    html, n = re.subn(r'(<link rel="alternate" hreflang="\{\{ alt.hreflang \}\}"[^\n]*\n)',
                      r'{% if not (page_path == "en/articles/index.html" and alt.hreflang == "zh") %}\1{% endif %}\n',
                      base.read_text(encoding="utf-8"))
    assert n == 1, "templates/base.html no longer has the hreflang loop this fixture edits"
    base.write_text(html, encoding="utf-8")
    return tiny


def test_fixture_with_each_kind_of_error(broken: Path) -> None:
    proc = cli(broken, "check", "--json")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    report = json.loads(proc.stdout)
    assert report["ok"] is False
    found = {(f["check"], f"{f['path']}:{f['line']}", f["message"].split(":")[0]) for f in report["findings"]}
    zh, en = broken / "content/articles/one.zh.md", broken / "content/articles/one.en.md"
    zh_rel, en_rel = "content/articles/one.zh.md", "content/articles/one.en.md"
    expected = {
        # links in content are reported where they were written, once, though they appear on several pages
        ("links", f"{zh_rel}:{line_of(zh, '别处')}", "broken link '../nowhere/'"),
        ("links", f"{en_rel}:{line_of(en, 'elsewhere')}", "broken link '../gone/'"),
        ("anchors", f"{zh_rel}:{line_of(zh, '#nosuch')}", "broken anchor '#nosuch'"),
        ("entities", f"{zh_rel}:{line_of(zh, 'entities/nobody')}", "broken link '../../entities/nobody/'"),
        ("missing-english", f"{zh_rel}:{line_of(zh, '第三段')}", "section 'c3' has no English in content/articles/one.en.md"),
        ("stale-english", f"{en_rel}:{line_of(en, '§ b2')}",
         "English of section 'b2' is out of date"),
        # a finding on a page names the template that made it: the fix goes there
        ("hreflang", "public/en/articles/index.html:2",
         "no hreflang link to the 'zh' counterpart (page made by templates/articles.html)"),
    }
    assert expected <= found, sorted(found)
    stale = [f["message"] for f in report["findings"] if f["check"] == "stale-english"]
    assert stale and stale[0].endswith("; once the English is updated: site-builder review one b2")  # the way out
    hreflang = [f for f in report["findings"] if f["check"] == "hreflang"]
    assert {f["path"] for f in hreflang} == {"public/en/articles/index.html", "public/zh/articles/index.html"}
    assert any("does not link back" in f["message"] for f in hreflang)
    assert {f["check"] for f in report["findings"]} == {"links", "anchors", "entities", "missing-english",
                                                       "stale-english", "hreflang"}
    counts = report["counts"]
    assert counts["links"]["errors"] == 2 and counts["anchors"]["errors"] == 1 and counts["entities"]["errors"] == 1
    assert counts["missing-english"]["errors"] == 1 and counts["stale-english"]["errors"] == 1
    assert counts["build"]["errors"] == 0


def test_table_lists_findings_and_counts(broken: Path) -> None:
    proc = cli(broken, "check")
    assert proc.returncode == 1
    out = proc.stdout
    assert f"content/articles/one.zh.md:{line_of(broken / 'content/articles/one.zh.md', '#nosuch')}: broken anchor" in out
    for label in CHECKS.values():
        assert re.search(rf"^{re.escape(label)}\s+\d+\s+\d+$", out, re.MULTILINE), label
    assert re.search(r"^stale English\s+1\s+0$", out, re.MULTILINE)
    assert "check FAILED: 8 errors, 0 warnings" in out


def test_registry_errors_count_as_unresolved_entity_references(tiny: Path) -> None:
    (tiny / "content/entities.toml").write_text(
        '[[entity]]\nid = "wenling"\ntype = "place"\nzh = "温岭"\nen = "Wenling"\nrelated = ["nowhere-city"]\n',
        encoding="utf-8")
    proc = cli(tiny, "check", "--json")
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert {"check": "entities", "severity": "error", "path": "content/entities.toml", "line": 6,
            "message": "entity 'wenling': unknown related id 'nowhere-city'"} in report["findings"]


def test_build_strict_fails_on_the_same_errors_and_writes_nothing(broken: Path) -> None:
    proc = cli(broken, "build", "--strict")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert f"content/articles/one.zh.md:{line_of(broken / 'content/articles/one.zh.md', '#nosuch')}: broken anchor" \
        in proc.stderr
    assert "English of section 'b2' is out of date" in proc.stderr
    assert proc.stderr.rstrip().endswith("nothing was written")
    assert not (broken / "public").exists()
    # without --strict the same project builds (the check is the gate, not the build)
    assert cli(broken, "build").returncode == 0


def test_clean_project_passes_and_strict_build_writes(tiny: Path) -> None:
    complete_english(tiny)
    proc = cli(tiny, "check")
    assert proc.returncode == 0, proc.stdout
    assert "check passed: 0 errors, 0 warnings" in proc.stdout
    proc = cli(tiny, "build", "--strict")
    assert proc.returncode == 0, proc.stderr
    assert (tiny / "public/en/articles/one/index.html").exists()


def test_check_an_existing_output_folder(tiny: Path) -> None:
    assert cli(tiny, "build").returncode == 0
    (tiny / "public/zh/articles/index.html").unlink()
    proc = cli(tiny, "check", "--site", str(tiny / "public"), "--json")
    report = json.loads(proc.stdout)
    assert proc.returncode == 1
    messages = {(f["check"], f["path"], f["message"]) for f in report["findings"]}
    base = load_config(tiny).base_url
    assert ("hreflang", "public/en/articles/index.html",
            f"hreflang 'zh' counterpart '{base}zh/articles/' does not exist") in messages
    assert ("links", "public/zh/index.html", "broken link 'articles/': no page zh/articles/index.html") in messages
    proc = cli(tiny, "check", "--site", str(tiny / "nothing-here"))
    assert proc.returncode == 1
    assert f"{tiny / 'nothing-here'}: no built site here" in proc.stderr


def test_link_resolution_on_a_hand_made_site(tiny: Path) -> None:
    """Pure logic: root-relative links under a sub-path, absolute links to base_url, directories, fragments."""
    cfg = tiny / "content/site.toml"
    cfg.write_text(re.sub(r'(?m)^base_url = ".*"$', 'base_url = "https://example.org/wl/"', cfg.read_text()))
    config = load_config(tiny)
    page = ('<html lang="zh"><head>'
            '<link rel="alternate" hreflang="zh" href="https://example.org/wl/zh/">'
            '<link rel="alternate" hreflang="en" href="https://example.org/wl/en/"></head><body>'
            '<a href="../en/#top">ok</a> <a href="/wl/en/#x">ok</a> <a href="https://example.org/wl/en/#y">bad anchor</a>'
            '<a href="/elsewhere/">outside</a> <a href="https://other.example/">external</a> <a href="mailto:a@b">m</a>'
            '<a href="sub">dir without slash</a> <img src="../static/missing.png"></body></html>')
    en = page.replace('<html lang="zh">', '<html lang="en">').replace("<body>", '<body><p id="x"></p>')
    files = {"zh/index.html": page.encode(), "en/index.html": en.encode(), "zh/sub/index.html": b"<html></html>"}
    findings, pages = output_findings(files, config)
    got = sorted((f.check, f.problem.path, f.problem.message) for f in findings)
    assert pages == 3
    assert got == [
        ("anchors", "en/index.html", "broken anchor 'https://example.org/wl/en/#y': en/index.html has no id 'y'"),
        ("anchors", "zh/index.html", "broken anchor 'https://example.org/wl/en/#y': en/index.html has no id 'y'"),
        ("hreflang", "zh/sub/index.html", "no hreflang link to the 'en' counterpart"),
        ("links", "en/index.html", "broken link '../static/missing.png': no file static/missing.png"),
        ("links", "en/index.html", "broken link 'sub': no file en/sub"),
        ("links", "en/index.html", "link '/elsewhere/' points outside the site (https://example.org/wl/)"),
        ("links", "zh/index.html", "broken link '../static/missing.png': no file static/missing.png"),
        ("links", "zh/index.html", "link '/elsewhere/' points outside the site (https://example.org/wl/)"),
    ]


def test_translation_qa_is_called_when_available(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pure logic (a fake QA module): its problems become translation-qa findings (errors fail, warnings show)."""
    calls = []

    def check_articles(articles: list, entities: tuple) -> list[Problem]:
        calls.append(([a.slug for a in articles], [e.id for e in entities]))
        return [Problem("content/articles/one.en.md", 3, "figure 2000亿 (200 billion) missing from the English"),
                Problem("content/articles/one.en.md", 5, "output much shorter than the Chinese", "warning")]

    fake = types.ModuleType("site_builder.translate.qa")
    fake.check_articles = check_articles  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "site_builder.translate.qa", fake)
    complete_english(tiny)
    (tiny / "content/entities.toml").write_text(
        '[[entity]]\nid = "wenling"\ntype = "place"\nzh = "温岭"\nen = "Wenling"\n', encoding="utf-8")
    report = run_check(tiny)
    assert calls == [(["one"], ["wenling"])]
    assert report.qa == "site_builder.translate.qa.check_articles"
    qa = [f for f in report.findings if f.check == "translation-qa"]
    assert [str(f.problem) for f in qa] == [
        "content/articles/one.en.md:3: figure 2000亿 (200 billion) missing from the English",
        "content/articles/one.en.md:5: warning: output much shorter than the Chinese"]
    assert report.counts()["translation-qa"] == (1, 1)
    assert [f.check for f in report.errors] == ["translation-qa"]
    assert not report.ok


def test_real_content_passes(project: Path) -> None:
    report = run_check(project)
    assert report.pages >= 24
    assert report.errors == [], "\n".join(str(f.problem) for f in report.errors)
