"""The search index is made during the build: one Pagefind bundle per language; without Pagefind the build still works."""

from __future__ import annotations

import gzip
import json
import logging
import os
import re
from pathlib import Path

import pytest

from site_builder import search
from site_builder.build import build

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def with_tools(project: Path) -> Path:
    """The project copy, using the project's own installed tools (tools/node_modules)."""
    (project / "tools").symlink_to(ROOT / "tools")
    assert search.find_pagefind(project) is not None, "Pagefind missing: run `python3 dev.py test` (npm ci in tools/)"
    return project


def test_indexable_pages() -> None:
    assert search.indexable("zh/articles/valeo-wenling/index.html", "zh")
    assert search.indexable("en/index.html", "en")
    assert search.indexable("en/entities/haining/index.html", "en")
    assert not search.indexable("en/articles/valeo-wenling/index.html", "zh")
    assert not search.indexable("zh/articles/valeo-wenling/parallel/index.html", "zh")
    assert not search.indexable("zh/search/index.html", "zh")
    assert not search.indexable("404.html", "en") and not search.indexable("index.html", "en")
    assert not search.indexable("zh/entities/cards.json", "zh")


def test_build_makes_one_bundle_per_language(with_tools: Path) -> None:
    build(with_tools)
    out = with_tools / "public"
    for lang in ("zh", "en"):
        bundle = out / "pagefind" / lang
        entry = json.loads((bundle / "pagefind-entry.json").read_text())
        assert list(entry["languages"]) == [lang]  # forced: Chinese segmented as Chinese, English stemmed
        pages = [p for p in out.rglob("*.html") if search.indexable(p.relative_to(out).as_posix(), lang)]
        assert entry["languages"][lang]["page_count"] == len(pages)
        assert (bundle / "pagefind.js").is_file() and (bundle / "pagefind-worker.js").is_file()
        assert not list(bundle.glob("pagefind-*ui*"))  # Pagefind's own UIs are not published
        page = (out / lang / "search" / "index.html").read_text(encoding="utf-8")
        assert 'data-available="yes"' in page
        assert f'data-bundle="../../pagefind/{lang}/pagefind.js"' in page


def test_index_is_reproducible(with_tools: Path, tmp_path: Path) -> None:
    build(with_tools, tmp_path / "a")
    build(with_tools, tmp_path / "b")
    a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a" / "pagefind").rglob("*") if p.is_file()}
    b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b" / "pagefind").rglob("*") if p.is_file()}
    assert a and a == b


def test_only_the_search_page_allows_wasm(with_tools: Path) -> None:
    build(with_tools)
    out = with_tools / "public"
    for page in out.rglob("*.html"):
        csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page.read_text(encoding="utf-8"))
        assert csp, page
        script_src = re.search(r"script-src ([^;]+)", csp.group(1)).group(1).split()
        if re.match(r"^(zh|en)/search/", page.relative_to(out).as_posix()):
            assert script_src == ["'self'", "'wasm-unsafe-eval'"]
        else:
            assert script_src == ["'self'"]


def test_build_without_pagefind_warns_once_and_still_builds(project: Path, caplog: pytest.LogCaptureFixture,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = search.index_files
    monkeypatch.setattr(search, "index_files", lambda root, files: calls.append(1) or real(root, files))
    monkeypatch.setenv("SITE_BUILDER_PAGEFIND", str(project / "no-such-binary"))
    monkeypatch.setattr(search, "_warned", set())
    with caplog.at_level(logging.WARNING):
        build(project)
        build(project, project / "second")  # a fresh output folder: a full second build
    assert len(calls) == 2 and caplog.text.count("Pagefind is not installed") == 1
    out = project / "public"
    assert not (out / "pagefind").exists()
    page = (out / "en" / "search" / "index.html").read_text(encoding="utf-8")
    assert 'data-available="no"' in page and "no search index" in page
    assert (out / "en" / "articles" / "valeo-wenling" / "index.html").exists()


def test_pagefind_failure_is_a_build_error(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "pagefind"
    fake.write_text("#!/bin/sh\necho 'Error: something broke' >&2\nexit 3\n")
    os.chmod(fake, 0o755)
    monkeypatch.setenv("SITE_BUILDER_PAGEFIND", str(fake))
    with pytest.raises(search.SiteError, match="Pagefind failed to index the zh pages: Error: something broke"):
        build(project)
    assert not (project / "public").exists()  # nothing written


def indexed_content(out: Path, lang: str) -> dict[str, str]:
    """URL -> the text Pagefind keeps for excerpts, read from the bundle's fragments."""
    pages = {}
    for frag in (out / "pagefind" / lang / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(frag.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        record = json.loads(data[len(b"pagefind_dcd"):])
        pages[record["url"]] = record["content"].replace("\u200b", "")  # Chinese word breaks, marked by the indexer
    return pages


def test_excerpts_keep_words_apart(with_tools: Path) -> None:
    """Text of neighbouring elements (entity details, table cells, notes) is indexed as separate words."""
    build(with_tools)
    en = indexed_content(with_tools / "public", "en")
    haining = en["/en/entities/haining/"]
    assert "海宁 Haining Hǎiníng" in haining  # the names, pinyin, ...
    assert not re.search(r"\b(Chinese|English|Pinyin|Type)\b", haining)  # ... without the labels of the list
    zh = indexed_content(with_tools / "public", "zh")["/zh/entities/haining/"]
    assert "海宁 Haining Hǎiníng" in zh and not re.search("中文|英文|拼音|类别", zh.split("Hǎiníng")[0])
    # a lower-case letter (pinyin's too) directly before a capital: two texts run together
    run_together = re.compile(r"\w*[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][A-Z]\w*")
    assert {url: m.group(0) for url, text in en.items() if (m := run_together.search(text))} == {}
