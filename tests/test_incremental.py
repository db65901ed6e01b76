"""Incremental builds: only what changed is rendered, and the output is byte-identical to a clean full build."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import site_builder.build as build_module
from site_builder import entity_pages
from site_builder.build import build
from site_builder.content import load_articles
from site_builder.deps import CACHE_DIR, read_record, scan_inputs
from site_builder.entities import load_entities
from site_builder.errors import SiteError
from site_builder.progress import TerminalProgress

from .conftest import ROOT

OTHER_SLUGS = ["taizhou-private-economy-conference", "taizhou-common-prosperity-meeting", "wenling-industry-conference",
               "commentary-2000-billion"]


@pytest.fixture(autouse=True)
def no_search_indexer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pagefind runs as a subprocess on every build and is tested elsewhere; leave it out to keep these fast."""
    monkeypatch.setenv("SITE_BUILDER_PAGEFIND", "/nonexistent/pagefind")


def copy_project(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in ("content", "templates", "static"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("*~"))
    return dest


def site_files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def clean_build(root: Path, out: Path) -> dict[str, bytes]:
    shutil.rmtree(out, ignore_errors=True)
    build(root, out, incremental=False)
    return site_files(out)


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The output paths the build renders (rather than takes from its last output), in order."""
    paths: list[str] = []
    real = build_module.render_page

    def spy(env: Any, template: str, path: str, *args: Any, **kw: Any) -> bytes:
        paths.append(path)
        return real(env, template, path, *args, **kw)

    monkeypatch.setattr(build_module, "render_page", spy)
    return paths


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_build_that_finds_nothing_changed_repeats_the_warnings_of_the_last(project: Path, rendered: list[str],
                                                                            caplog: pytest.LogCaptureFixture) -> None:
    """A warning is about the content: until the content changes, every build says it (a no-change build too)."""
    zh = project / "content/articles/valeo-wenling.zh.md"
    text = zh.read_text(encoding="utf-8").rstrip("\n")
    zh.write_text(text + "\n\n没有编号的新段落。\n", encoding="utf-8")
    line = text.count("\n") + 3

    def said() -> list[str]:
        found = [r.getMessage() for r in caplog.records if r.levelname == "WARNING" and "section id" in r.getMessage()]
        caplog.clear()
        return found

    with caplog.at_level("WARNING", logger="site_builder"):
        build(project)
        first = said()
        assert len(first) == 1 and first[0].startswith(f"content/articles/valeo-wenling.zh.md:{line}: warning:")
        rendered.clear()
        report = build(project)
        assert report.rendered == 0 and rendered == []  # nothing changed: nothing read or rendered
        assert said() == first
        zh.write_text(text + "\n\n<!-- § n3wid1 -->\n没有编号的新段落。\n", encoding="utf-8")  # fixed
        build(project)
        build(project)
        assert said() == []


def test_no_change_rebuild_stops_before_reading_content(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                         rendered: list[str]) -> None:
    first = build(project)
    assert first.rendered == first.pages and first.skipped == 0
    out = project / "public"
    before = {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in out.rglob("*") if p.is_file()}
    rendered.clear()

    def must_not_run(*args: object, **kw: object) -> None:
        raise AssertionError("a no-change rebuild must not read the content")

    monkeypatch.setattr(build_module, "load_site", must_not_run)
    again = build(project)
    assert (again.written, again.removed, again.rendered, again.skipped) == (0, 0, 0, first.pages)
    assert again.unchanged == len(before)
    assert rendered == []
    assert {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in out.rglob("*") if p.is_file()} == before


def test_article_edit_rerenders_its_pages_and_listings_only(project: Path, tmp_path: Path, rendered: list[str]) -> None:
    build(project)
    rendered.clear()
    edit(project / "content/articles/valeo-wenling.zh.md", "占有率第一", "占有率第一（据报道）")
    report = build(project)
    done = set(rendered)
    for lang in ("zh", "en"):
        assert f"{lang}/articles/valeo-wenling/index.html" in done
        assert f"{lang}/articles/valeo-wenling/parallel/index.html" in done
        assert f"{lang}/index.html" in done and f"{lang}/articles/index.html" in done  # the listings
        for slug in OTHER_SLUGS:
            assert f"{lang}/articles/{slug}/index.html" not in done
            assert f"{lang}/articles/{slug}/parallel/index.html" not in done
    assert report.skipped >= 16 and report.rendered == len(done)
    assert site_files(project / "public") == clean_build(project, tmp_path / "clean")


def test_editing_a_mention_an_entity_page_only_links_does_not_render_it_again(
        project: Path, tmp_path: Path, rendered: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(entity_pages, "QUOTE_LIMIT", 2)
    monkeypatch.setattr(entity_pages, "HUB_QUOTES", 1)
    build(project)
    data = load_entities(project, load_articles(project))
    slug, sid = data.index.mentions["wenling"][-1]  # linked, not quoted
    text = data.index.sections[(slug, sid)].zh_text
    assert (slug, sid) not in data.index.mentions["wenling"][:2]
    rendered.clear()
    source = project / f"content/articles/{slug}.zh.md"
    assert source.read_text(encoding="utf-8").count(text[:20]) == 1  # the edit goes to that section
    edit(source, text[:20], text[:20] + "（补）")
    build(project)
    done = set(rendered)
    assert f"zh/articles/{slug}/index.html" in done
    assert "zh/entities/wenling/index.html" not in done and "en/entities/wenling/index.html" not in done
    assert site_files(project / "public") == clean_build(project, tmp_path / "clean")


def test_template_change_rerenders_the_pages_that_use_it(project: Path, tmp_path: Path, rendered: list[str]) -> None:
    build(project)
    rendered.clear()
    # _article_head.html is included by article.html: article pages use it
    (project / "templates/_article_head.html").write_text(
        (project / "templates/_article_head.html").read_text(encoding="utf-8") + "<!-- head v2 -->\n", encoding="utf-8")
    build(project)
    done = set(rendered)
    for lang in ("zh", "en"):
        for slug in ["valeo-wenling", *OTHER_SLUGS]:
            assert f"{lang}/articles/{slug}/index.html" in done
        assert f"{lang}/articles/index.html" not in done  # articles.html does not include it
    assert "<!-- head v2 -->" in (project / "public/en/articles/valeo-wenling/index.html").read_text(encoding="utf-8")
    assert site_files(project / "public") == clean_build(project, tmp_path / "clean")


def test_config_change_rerenders_everything(project: Path, tmp_path: Path, rendered: list[str]) -> None:
    first = build(project)
    rendered.clear()
    edit(project / "content/site.toml", "Wenling's Industrial Drive, Explained", "Wenling's Industrial Drive")
    report = build(project)
    assert report.rendered == first.pages and report.skipped == 0
    assert site_files(project / "public") == clean_build(project, tmp_path / "clean")


def test_unchanged_markdown_is_not_parsed_again(project: Path, markdown_renders: list[str]) -> None:
    build(project)
    markdown_renders.clear()
    zh = project / "content/articles/valeo-wenling.zh.md"
    edit(zh, "占有率第一", "占有率第一（据报道）")
    build(project)
    assert markdown_renders, "the edited section must be rendered"
    source = zh.read_text(encoding="utf-8")
    assert all(text in source for text in markdown_renders), [t for t in markdown_renders if t not in source]


def test_cache_is_safe_to_delete_and_tampered_output_is_repaired(project: Path, tmp_path: Path) -> None:
    first = build(project)
    shutil.rmtree(project / CACHE_DIR)
    report = build(project)
    assert report.rendered == first.pages and report.written == 0
    page = project / "public/zh/articles/valeo-wenling/index.html"
    good = page.read_bytes()
    page.write_bytes(good.replace(b"</body>", b"<p>edited by hand</p></body>"))
    report = build(project)
    assert page.read_bytes() == good and report.written == 1
    (project / "public/en/index.html").unlink()
    build(project)
    assert site_files(project / "public") == clean_build(project, tmp_path / "clean")


def test_records_of_deleted_output_folders_are_dropped(tiny: Path, tmp_path: Path) -> None:
    for n in range(10):
        build(tiny, tmp_path / f"out{n}")
        shutil.rmtree(tmp_path / f"out{n}")
    build(tiny)
    manifests = [read_record(m) for m in (tiny / CACHE_DIR / "builds").glob("*.record")]
    assert len(manifests) <= 3, "kept: at most a few records, however many temporary folders were built into"
    assert any(m is not None and m["out"] == str(tiny / "public") for m in manifests)


def test_pages_without_deps_or_with_unknown_deps_always_render(project: Path) -> None:
    """Pure logic: the render plan renders every page it cannot vouch for."""
    from site_builder.deps import BuildCache
    from site_builder.pages import Page

    build(project)
    root_page = Page("index.html", "root.html", "en", {}, None, ())
    mystery = Page("zh/articles/index.html", "articles.html", "zh", {}, "en/articles/index.html", ("mystery:thing",))
    home = Page("zh/index.html", "home.html", "zh", {}, "en/index.html", ("article:valeo-wenling",))
    plan = BuildCache(project, project / "public").plan(scan_inputs(project), [root_page, mystery, home])
    assert plan.fingerprint(root_page) is None and plan.cached(root_page) is None
    assert plan.fingerprint(mystery) is None and plan.cached(mystery) is None
    assert plan.fingerprint(home) != plan.fingerprint(replace(home, deps=("article:commentary-2000-billion",)))
    assert plan.fingerprint(home) != plan.fingerprint(replace(home, template="articles.html"))
    assert plan.fingerprint(home) == plan.fingerprint(replace(home, context={"x": 1}))  # the deps are the contract
    assert (plan.rendered, plan.skipped) == (2, 0)


def test_progress_only_on_a_terminal_and_one_summary_line(tiny: Path) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    progress = TerminalProgress(stream, after=0.0)
    progress("rendering pages", 3, 10)
    progress.close()
    assert stream.getvalue() == "\r\x1b[Krendering pages 3/10\r\x1b[K"
    quiet = TerminalProgress(Tty(), after=3600)  # builds that take no more than a moment draw nothing
    quiet("rendering pages", 1, 10)
    quiet.close()
    proc = subprocess.run([sys.executable, "-m", "site_builder", "--root", str(tiny), "build"],
                          capture_output=True, text=True, check=True)
    lines = proc.stderr.strip().split("\n")  # (warnings, e.g. about the search indexer, come first)
    assert "\r" not in proc.stderr and "\x1b" not in proc.stderr, proc.stderr
    assert sum(line.startswith("built ") for line in lines) == 1
    assert re.fullmatch(r"built \d+ pages into .*: \d+ rendered, 0 skipped; \d+ files written, 0 unchanged, "
                        r"0 removed in \d+\.\d\ds", lines[-1])
    proc = subprocess.run([sys.executable, "-m", "site_builder", "--root", str(tiny), "build"],
                          capture_output=True, text=True, check=True)
    assert re.search(r": 0 rendered, (\d+) skipped; 0 files written", proc.stderr)


# -- incremental == clean full build, over random edit sequences -------------------------------------------

WORDS_ZH = ["温岭", "泵业", "（补）", "**强工兴市**", "2000亿元", "法雷奥", "[[gap: 测试]]"]
WORDS_EN = [" Wenling", " (note)", " *emphasis*", " Valeo Wenling", " 200 billion yuan"]
TEMPLATES = ["base.html", "_article_head.html", "parallel.html", "home.html", "entity.html", "_footer.html", "articles.html"]
_MARKER = re.compile(r"^<!-- § ([A-Za-z0-9_-]+)[^\n]*-->$", re.MULTILINE)


def _paragraph_end(text: str, n: int) -> int | None:
    """Offset of the end of the first line of the n-th (mod count) section after a marker."""
    markers = [m for m in _MARKER.finditer(text) if m.group(1) not in ("title", "subtitle", "kicker", "column")]
    if not markers:
        return None
    m = markers[n % len(markers)]
    end = text.find("\n", m.end() + 1)
    return end if end != -1 else len(text)


def edit_zh(root: Path, article: int, section: int, word: str) -> None:
    files = sorted((root / "content/articles").glob("*.zh.md"))
    path = files[article % len(files)]
    text = path.read_text(encoding="utf-8")
    end = _paragraph_end(text, section)
    if end is not None:
        path.write_text(text[:end] + word + text[end:], encoding="utf-8")


def edit_en(root: Path, article: int, section: int, word: str) -> None:
    files = sorted((root / "content/articles").glob("*.en.md"))
    if files:
        path = files[article % len(files)]
        text = path.read_text(encoding="utf-8")
        end = _paragraph_end(text, section)
        if end is not None:
            path.write_text(text[:end] + word + text[end:], encoding="utf-8")


def add_article(root: Path, n: int, with_english: bool) -> None:
    folder = root / "content/articles"
    slug = f"extra-{n}"
    (folder / f"{slug}.zh.md").write_text(
        f'+++\ntitle = "补充报道{n}"\ndate = 2022-02-09\nkind = "news"\nsource = "sources/wenling-daily-2022-02-09.txt"\n'
        f"order = {n}\n+++\n\n<!-- § x{n}a -->\n温岭的工业，第{n}段。\n\n<!-- § x{n}b -->\n法雷奥与泵业。\n", encoding="utf-8")
    if with_english:
        (folder / f"{slug}.en.md").write_text(f"<!-- § x{n}a status=reviewed -->\nWenling's industry, part {n}.\n",
                                              encoding="utf-8")


def remove_article(root: Path, n: int) -> None:
    added = sorted((root / "content/articles").glob("extra-*.zh.md"))
    if added:
        path = added[n % len(added)]
        path.unlink()
        path.with_name(path.name.replace(".zh.md", ".en.md")).unlink(missing_ok=True)


def change_template(root: Path, which: int, n: int) -> None:
    path = root / "templates" / TEMPLATES[which % len(TEMPLATES)]
    if path.exists():
        path.write_text(path.read_text(encoding="utf-8") + f"<!-- edit {n} -->\n", encoding="utf-8")


def change_title(root: Path, lang: int, n: int) -> None:
    path = root / "content/site.toml"
    key = ("zh", "en")[lang % 2]
    text = path.read_text(encoding="utf-8")
    section = text.index("[title]")
    m = re.compile(rf'^{key} = "([^"]*)"', re.MULTILINE).search(text, section)
    assert m
    path.write_text(text[:m.start(1)] + m.group(1) + f" {n}" + text[m.end(1):], encoding="utf-8")


def change_registry(root: Path, n: int) -> None:
    path = root / "content/entities.toml"
    if path.exists():
        path.write_text(path.read_text(encoding="utf-8").replace('summary_en = "', f'summary_en = "({n}) ', 1),
                        encoding="utf-8")


def touch_data(root: Path, n: int) -> None:
    """An edit that changes a file's bytes but not the site (a TOML comment), or the stylesheet."""
    targets = sorted((root / "content/data").glob("*.toml")) + [root / "static/site.css"]
    path = targets[n % len(targets)]
    path.write_text(path.read_text(encoding="utf-8") + ("\n# note\n" if path.suffix == ".toml" else "\n/* note */\n"),
                    encoding="utf-8")


EDITS: st.SearchStrategy[tuple[str, Callable[[Path], None]]] = st.one_of(
    st.builds(lambda a, s, w: (f"zh {a}/{s} +{w}", lambda r: edit_zh(r, a, s, w)),
              st.integers(0, 20), st.integers(0, 40), st.sampled_from(WORDS_ZH)),
    st.builds(lambda a, s, w: (f"en {a}/{s} +{w}", lambda r: edit_en(r, a, s, w)),
              st.integers(0, 20), st.integers(0, 40), st.sampled_from(WORDS_EN)),
    st.builds(lambda n, e: (f"add extra-{n}", lambda r: add_article(r, n, e)), st.integers(0, 3), st.booleans()),
    st.builds(lambda n: ("remove an added article", lambda r: remove_article(r, n)), st.integers(0, 3)),
    st.builds(lambda w, n: (f"template {w}", lambda r: change_template(r, w, n)), st.integers(0, 6), st.integers(0, 99)),
    st.builds(lambda lang, n: (f"title {lang}", lambda r: change_title(r, lang, n)), st.integers(0, 1), st.integers(0, 99)),
    st.builds(lambda n: ("registry summary", lambda r: change_registry(r, n)), st.integers(0, 99)),
    st.builds(lambda n: ("comment in data / css", lambda r: touch_data(r, n)), st.integers(0, 9)),
)


def outcome(root: Path, out: Path, incremental: bool) -> tuple[str, dict[str, bytes] | list[str]]:
    try:
        build(root, out, incremental=incremental)
    except SiteError as exc:
        return "error", [str(p) for p in exc.problems]
    return "ok", site_files(out)


@pytest.fixture(scope="module")
def base_project() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="incremental-") as tmp:
        yield copy_project(Path(tmp) / "base")


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(EDITS, min_size=1, max_size=4), limits=st.sampled_from([None, (3, 1)]))
def test_incremental_build_equals_clean_build(base_project: Path, steps: list[tuple[str, Callable[[Path], None]]],
                                              limits: tuple[int, int] | None, monkeypatch: pytest.MonkeyPatch) -> None:
    if limits is not None:  # entity pages and hubs that quote some mentions and only link (or count) the others
        monkeypatch.setattr(entity_pages, "QUOTE_LIMIT", limits[0])
        monkeypatch.setattr(entity_pages, "HUB_QUOTES", limits[1])
    with tempfile.TemporaryDirectory(prefix="incremental-") as tmp:
        root = Path(tmp) / "site"
        shutil.copytree(base_project, root)
        out, clean = root / "public", Path(tmp) / "clean"
        assert outcome(root, out, True)[0] == "ok"
        for label, apply in steps:
            note(label)
            apply(root)
            inc = outcome(root, out, True)
            full = outcome(root, clean, False)
            assert inc[0] == full[0], (label, inc[1] if inc[0] == "error" else full[1])
            if inc[0] == "ok":
                assert inc[1].keys() == full[1].keys(), label
                differ = [p for p in inc[1] if inc[1][p] != full[1][p]]  # type: ignore[index]
                assert not differ, (label, differ)
            else:
                assert inc[1] == full[1], label


@pytest.mark.parametrize(("old", "scanned", "saved"), [
    ("销售额超过了7亿元", "销售额超过了9亿元", "销售额超过了8亿元"),  # a figure a hub quotes: a full build
    ("会是我们开发的重点。", "会是我们开发的重点。扫描时。", "会是我们开发的重点。8亿元。"),  # no other page shows it: narrow
], ids=["full", "narrow"])
def test_a_file_saved_while_the_build_reads_it_is_never_taken_for_the_version_scanned(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, scanned: str, saved: str) -> None:
    """An editor saves while a build runs, then undoes the save: the site must show the file as it is.

    The build hashes its inputs first and reads them later. A save in between means the build
    makes pages from the new text while its hashes say the old one; if the record and the parse
    cache took those hashes for the text, undoing the save (the old text, the old hash) would
    look like no change at all, and the site would keep showing the undone text.
    """
    from site_builder import content

    zh = project / "content/articles/valeo-wenling.zh.md"
    before = zh.read_text(encoding="utf-8")
    build(project)
    assert old in before
    scanned, saved = before.replace(old, scanned), before.replace(old, saved)  # hashed by the next build; read by it
    zh.write_text(scanned, encoding="utf-8")
    real = content.load_article

    def save_first(root: Path, path: Path, problems: list[Any], *rest: Any) -> Any:
        if path == zh and zh.read_text(encoding="utf-8") == scanned:
            zh.write_text(saved, encoding="utf-8")
        return real(root, path, problems, *rest)

    monkeypatch.setattr(content, "load_article", save_first)
    build(project)
    monkeypatch.setattr(content, "load_article", real)
    assert "8亿元" in (project / "public/zh/articles/valeo-wenling/index.html").read_text(encoding="utf-8")
    zh.write_text(scanned, encoding="utf-8")  # the editor undoes the save: the text the build had hashed
    report = build(project)
    assert site_files(project / "public") == clean_build(project, tmp_path / "clean")
    assert 4 <= report.rendered < report.pages  # the article's pages again, not the whole site


def test_a_template_saved_while_pages_render_is_never_taken_for_the_version_scanned(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As above, for a file read late (templates are read when the first page that uses them renders)."""
    footer = project / "templates/_footer.html"
    before = footer.read_text(encoding="utf-8")
    build(project)
    scanned, saved = before + "<!-- scanned -->\n", before + "<!-- saved meanwhile -->\n"
    footer.write_text(scanned, encoding="utf-8")
    real = build_module.render_page

    def save_first(*args: Any, **kw: Any) -> bytes:
        if footer.read_text(encoding="utf-8") == scanned:
            footer.write_text(saved, encoding="utf-8")
        return real(*args, **kw)

    monkeypatch.setattr(build_module, "render_page", save_first)
    build(project, jobs=1)
    monkeypatch.setattr(build_module, "render_page", real)
    assert "saved meanwhile" in (project / "public/en/index.html").read_text(encoding="utf-8")
    footer.write_text(scanned, encoding="utf-8")  # undone: the text the build had hashed
    build(project)
    assert site_files(project / "public") == clean_build(project, tmp_path / "clean")
