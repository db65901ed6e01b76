"""The rendered-Markdown cache: what a build process keeps, and what a worker process only looks up."""

from __future__ import annotations

from typing import Any

import pytest

from site_builder.mdcache import CachingRenderer


def test_a_build_process_keeps_what_it_renders_and_renders_it_once(markdown_renders: list[str]) -> None:
    r = CachingRenderer({}, salt="s")
    first = r.render("温岭 **强工兴市**", "zh")
    assert r.render("温岭 **强工兴市**", "zh") == first == "<p>温岭 <strong>强工兴市</strong></p>\n"
    assert markdown_renders == ["温岭 **强工兴市**"]
    assert list(r.used.values()) == [first] and (r.hits, r.misses) == (1, 1)


def test_a_worker_keeps_nothing_but_still_takes_the_last_builds_renders(markdown_renders: list[str]) -> None:
    kept = CachingRenderer({}, salt="s")
    old_html = kept.render("海宁", "zh")
    markdown_renders.clear()

    worker = CachingRenderer(dict(kept.used), salt="s")
    worker.forget()
    assert worker.render("海宁", "zh") == old_html
    assert markdown_renders == [], "a render of the last build is taken, not made again"
    assert worker.render("义乌", "zh") == "<p>义乌</p>\n"
    assert worker.render("义乌", "zh") == "<p>义乌</p>\n"
    assert markdown_renders == ["义乌", "义乌"], "a worker's renders would die with it: it keeps none"
    assert worker.used == {}


def test_a_first_builds_worker_works_out_no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    worker = CachingRenderer({}, salt="s")
    worker.forget()

    def no_key(*args: Any) -> str:
        raise AssertionError("nothing to look up and nothing to keep: the key is not needed")

    monkeypatch.setattr(worker, "_key", no_key)
    assert worker.render("法雷奥", "zh") == "<p>法雷奥</p>\n"
    assert worker.render_inline("*温岭*", "zh") == "<em>温岭</em>"
