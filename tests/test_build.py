"""The build of the seed site and of small fixtures: pages, links, anchors, atomicity, errors."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

from site_builder.build import build

SLUGS = ["taizhou-private-economy-conference", "taizhou-common-prosperity-meeting", "wenling-industry-conference",
         "commentary-2000-billion", "valeo-wenling"]


class LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.html_lang = ""
        self.hreflang: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if tag == "html":
            self.html_lang = a.get("lang") or ""
        if tag == "link" and a.get("rel") == "alternate" and a.get("hreflang"):
            self.hreflang[a["hreflang"] or ""] = a.get("href") or ""
        if tag == "link" and a.get("rel") in ("canonical", "alternate"):
            return  # absolute URLs from base_url, checked separately
        for key in ("href", "src"):
            if tag in ("a", "link", "script", "img") and a.get(key):
                self.links.append(a[key] or "")


def parse(path: Path) -> LinkParser:
    p = LinkParser()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def site_files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def check_links(out: Path) -> list[str]:
    """Every internal href/src resolves to a file, and every #anchor to an id on that page."""
    broken = []
    parsed = {p: parse(p) for p in out.rglob("*.html")}
    for page, info in parsed.items():
        if page.name == "404.html":
            continue
        base = "file://" + page.as_posix()
        for link in info.links:
            if urlparse(link).scheme in ("http", "https", "mailto"):
                continue
            target, frag = urldefrag(urljoin(base, link))
            tpath = Path(urlparse(target).path)
            if tpath.is_dir():
                tpath = tpath / "index.html"
            if not tpath.exists():
                broken.append(f"{page.relative_to(out)} -> {link}")
            elif frag and frag not in parsed.get(tpath, LinkParser()).ids:
                broken.append(f"{page.relative_to(out)} -> {link} (anchor)")
    return broken


def test_seed_builds_both_languages(project: Path) -> None:
    report = build(project)
    out = project / "public"
    assert report.pages >= 24
    for slug in SLUGS:
        for lang in ("zh", "en"):
            page = out / lang / "articles" / slug / "index.html"
            info = parse(page)
            assert info.html_lang == lang
            other = "en" if lang == "zh" else "zh"
            assert info.hreflang[other].endswith(f"/{other}/articles/{slug}/")
            assert "x-default" in info.hreflang
    assert check_links(out) == []


def test_build_twice_is_byte_identical_and_writes_nothing(project: Path) -> None:
    build(project)
    first = site_files(project / "public")
    mtimes = {p: p.stat().st_mtime_ns for p in (project / "public").rglob("*") if p.is_file()}
    report = build(project)
    assert site_files(project / "public") == first
    assert report.written == 0
    assert {p: p.stat().st_mtime_ns for p in (project / "public").rglob("*") if p.is_file()} == mtimes


def test_output_independent_of_hash_seed(project: Path, tmp_path: Path) -> None:
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"out{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-m", "site_builder", "--root", str(project), "-q", "build", "--out", str(out)],
                       check=True, env=env)
        outs.append(site_files(out))
    assert outs[0] == outs[1]


def test_missing_english_shows_chinese_with_marker(tiny: Path) -> None:
    build(tiny)
    html = (tiny / "public/en/articles/one/index.html").read_text()
    sec = re.search(r'<section class="sec state-missing" id="a1".*?</section>', html, re.S)
    assert sec, html
    assert 'lang="zh"' in sec.group(0) and "第一段。" in sec.group(0) and "Not yet translated" in sec.group(0)


def test_gap_rendered_visibly_in_both_languages(project: Path) -> None:
    build(project)
    zh = (project / "public/zh/articles/valeo-wenling/index.html").read_text()
    en = (project / "public/en/articles/valeo-wenling/index.html").read_text()
    assert '<span class="gap" role="note"><span class="gap-label">原文缺失</span>' in zh
    assert "gap-label" in en


def test_language_switch_points_to_counterpart(project: Path) -> None:
    build(project)
    html = (project / "public/zh/articles/valeo-wenling/index.html").read_text()
    m = re.search(r'<a class="lang-switch" data-lang-switch href="([^"]+)"', html)
    assert m and m.group(1) == "../../../en/articles/valeo-wenling/"


def test_subpath_base_url(project: Path) -> None:
    cfg = project / "content/site.toml"
    cfg.write_text(re.sub(r'(?m)^base_url = ".*"$', 'base_url = "https://example.org/wenling/"', cfg.read_text()))
    build(project)
    info = parse(project / "public/en/articles/valeo-wenling/index.html")
    assert info.hreflang["zh"] == "https://example.org/wenling/zh/articles/valeo-wenling/"
    html404 = (project / "public/404.html").read_text()
    assert 'href="/wenling/static/site.css"' in html404
    assert check_links(project / "public") == []


def test_failed_build_leaves_previous_output(tiny: Path) -> None:
    build(tiny)
    before = site_files(tiny / "public")
    (tiny / "content/articles/one.zh.md").write_text("+++\ntitle = \n+++\n")
    proc = subprocess.run([sys.executable, "-m", "site_builder", "--root", str(tiny), "build"],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.startswith("content/articles/one.zh.md:2: invalid TOML")
    assert "Traceback" not in proc.stderr
    assert site_files(tiny / "public") == before
    assert not [p for p in tiny.iterdir() if p.name.startswith(".public")]


def test_a_broken_article_is_reported_alone_not_with_every_reference_to_the_site(project: Path) -> None:
    """One unreadable article is one error: the home page's figures that cite other articles are not
    reported as broken, and those that cite the broken one are not checked against what failed."""
    cited = project / "content/articles/commentary-2000-billion.zh.md"  # every figure of home.toml quotes it
    other = project / "content/articles/valeo-wenling.zh.md"
    for broken in (other, cited):
        good = broken.read_bytes()
        broken.write_bytes(good + b"\n\xff\xfe\n")
        line = good.count(b"\n") + 2
        proc = subprocess.run([sys.executable, "-m", "site_builder", "--root", str(project), "build"],
                              capture_output=True, text=True)
        broken.write_bytes(good)
        rel = broken.relative_to(project).as_posix()
        assert proc.returncode == 1
        assert proc.stderr.splitlines() == [f"{rel}:{line}: not valid UTF-8 (byte {len(good) + 1})",
                                            "1 error; nothing was written"], proc.stderr
    # a figure that cites a section the readable articles lack is still an error
    home = project / "content/home.toml"
    home.write_text(home.read_text(encoding="utf-8").replace("commentary-2000-billion#", "valeo-wenling#", 1),
                    encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "site_builder", "--root", str(project), "build"],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "is not an article section" in proc.stderr


def test_removed_article_disappears_from_output(project: Path) -> None:
    build(project)
    for f in (project / "content/articles").glob("valeo-wenling.*"):
        f.unlink()
    report = build(project)
    assert report.removed >= 4
    assert not (project / "public/zh/articles/valeo-wenling").exists()


def test_os_error_while_writing_is_a_message_not_a_traceback(tiny: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    proc = subprocess.run([sys.executable, "-m", "site_builder", "--root", str(tiny), "build", "--out",
                           str(blocker / "site")], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert str(blocker) in proc.stderr, proc.stderr


def test_relative_out_is_relative_to_the_current_folder(tiny: Path, tmp_path: Path) -> None:
    work = tmp_path / "elsewhere"
    work.mkdir()
    subprocess.run([sys.executable, "-m", "site_builder", "--root", str(tiny), "-q", "build", "--out", "site"],
                   check=True, cwd=work)
    assert (work / "site" / "zh" / "index.html").exists()
    assert not (tiny / "site").exists()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_pages_are_cut_into_runs_that_shorten_towards_the_end() -> None:
    from site_builder.build import _chunks

    for n, jobs in ((8620, 2), (400, 2), (5000, 4), (9, 2), (1, 2)):
        runs = _chunks(n, jobs)
        assert runs[0][0] == 0 and runs[-1][1] == n
        assert all(a[1] == b[0] for a, b in zip(runs, runs[1:]))  # contiguous: every page once
        sizes = [end - start for start, end in runs]
        assert sizes == sorted(sizes, reverse=True)
        assert max(sizes) <= max(8, n // (jobs * 16))
    sizes = [end - start for start, end in _chunks(8620, 2)]
    assert sizes[0] == 8620 // 32 and sizes[-2] == 8  # long runs first (shared sections), short at the end
    assert sum(sizes[-10:]) < sizes[0]  # the last ten runs together are shorter than one of the first


def test_pages_rendered_by_worker_processes_are_the_pages_one_process_renders(project: Path, monkeypatch) -> None:
    """Forked workers render (each process a share of the pages) while the parent writes the parse cache and
    makes the feeds; the files are byte for byte those of a build in one process, and the cache written
    meanwhile serves the next build."""
    import site_builder.build as build_module
    from site_builder import memo

    monkeypatch.setenv("SITE_BUILDER_PAGEFIND", "/nonexistent/pagefind")  # the search index is not at stake here
    serial = build(project, project / "one", incremental=False, jobs=1)
    monkeypatch.setattr(build_module, "PARALLEL_MIN", 1)
    flushed: list[int] = []
    real_flush = memo.Memo.flush

    def flush(self: memo.Memo) -> None:
        flushed.append(len(self._pending))
        real_flush(self)

    monkeypatch.setattr(memo.Memo, "flush", flush)
    forked = build(project, project / "two", jobs=2)
    assert forked.pages == serial.pages and forked.rendered == serial.pages
    assert flushed[0] > 0  # the parsed articles were written while the workers rendered, not after
    assert _files(project / "two") == _files(project / "one")
    edited = project / "content" / "articles" / "valeo-wenling.zh.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("。", "！", 1), encoding="utf-8")
    found: list[object] = []
    real_get = memo.Memo.get
    real_get_many = memo.Memo.get_many
    monkeypatch.setattr(memo.Memo, "get", lambda self, key: found.append(real_get(self, key)) or found[-1])

    def get_many(self: memo.Memo, keys: object) -> dict:
        values = real_get_many(self, keys)  # type: ignore[arg-type]
        found.extend(values.values())
        return values

    monkeypatch.setattr(memo.Memo, "get_many", get_many)
    assert build(project, project / "two", jobs=2).rendered < serial.pages
    # the four other articles (and their mentions, and the registry) come from the cache written above
    assert sum(1 for value in found if value is not None) >= 4 * 2 + 1


def test_a_build_leaves_the_cycle_collector_as_it_found_it(tiny: Path, monkeypatch) -> None:
    """The site's data is frozen for the cycle collector during a build and thawed at its end, failed or not
    (a dev server runs build after build in one process)."""
    import gc

    import pytest

    from site_builder.errors import SiteError

    monkeypatch.setenv("SITE_BUILDER_PAGEFIND", "/nonexistent/pagefind")
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    build(tiny, tiny / "out")
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    (tiny / "templates" / "article.html").write_text("{% if %}", encoding="utf-8")  # a template that cannot compile
    with pytest.raises(SiteError):
        build(tiny, tiny / "out")
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_the_loaded_site_is_frozen_before_the_cycle_collector_is_back_on(project: Path, monkeypatch) -> None:
    """Everything made while the collector was paused would otherwise be walked once by the next collection
    (a tenth of a second for a large site), right after loading, for nothing: it all stays alive."""
    import contextlib
    import gc

    import site_builder.build as build_module

    real = build_module._no_cycle_collection
    seen: list[tuple[int, int]] = []

    @contextlib.contextmanager
    def watched():  # type: ignore[no-untyped-def]
        with real():
            yield
            seen.append((gc.get_freeze_count(), gc.get_count()[0]))  # as the collector is enabled again

    monkeypatch.setenv("SITE_BUILDER_PAGEFIND", "/nonexistent/pagefind")
    monkeypatch.setattr(build_module, "_no_cycle_collection", watched)
    try:
        build(project)
    finally:
        gc.unfreeze()
    frozen, young = seen[0]
    assert frozen > 10_000  # the site's data (the seed's five articles, registry, pages) ...
    assert young < 700  # ... is not left for the collector's youngest generation (700: its default threshold)
    assert gc.get_freeze_count() == 0  # thawed when the build ended
