"""Parsed content kept between builds: only changed files are parsed again, and the cache is safe to lose."""

from __future__ import annotations

from pathlib import Path

import pytest

import site_builder.content as content_module
import site_builder.entities as entities_module
import site_builder.forked as forked_module
import site_builder.registry as registry_module
from site_builder.build import build
from site_builder.deps import CACHE_DIR

from .test_incremental import clean_build, edit, site_files


@pytest.fixture(autouse=True)
def no_search_indexer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITE_BUILDER_PAGEFIND", "/nonexistent/pagefind")


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """What a build parses: article files, registries, and the articles whose mentions it looks for."""
    seen: dict[str, list[str]] = {"articles": [], "registry": [], "mentions": []}
    real_article, real_registry, real_mentions = (content_module.load_article, registry_module._load_registry,
                                                  entities_module.article_mentions)

    def article(root: Path, path: Path, problems: list, *rest: object) -> object:
        seen["articles"].append(path.name)
        return real_article(root, path, problems, *rest)  # type: ignore[arg-type]

    def registry(root: Path) -> object:
        seen["registry"].append("registry")
        return real_registry(root)

    def mentions(linker: object, art: object) -> object:
        seen["mentions"].append(art.slug)  # type: ignore[attr-defined]
        return real_mentions(linker, art)  # type: ignore[arg-type]

    monkeypatch.setattr(content_module, "load_article", article)
    monkeypatch.setattr(registry_module, "_load_registry", registry)
    monkeypatch.setattr(forked_module, "cpus", lambda: 1)  # parsed in this process, where the spy sees it
    monkeypatch.setattr(entities_module, "article_mentions", mentions)
    return seen


def test_only_changed_articles_are_parsed_again(project: Path, tmp_path: Path, parsed: dict[str, list[str]]) -> None:
    build(project)
    assert len(parsed["articles"]) == 5 and parsed["registry"] == ["registry"] and len(parsed["mentions"]) == 5
    for found in parsed.values():
        found.clear()
    edit(project / "content/articles/valeo-wenling.zh.md", "占有率第一", "占有率第一（据报道）")
    build(project)
    assert parsed == {"articles": ["valeo-wenling.zh.md"], "registry": [], "mentions": ["valeo-wenling"]}
    assert "占有率第一（据报道）" in (project / "public/zh/articles/valeo-wenling/index.html").read_text(encoding="utf-8")
    assert site_files(project / "public") == clean_build(project, tmp_path / "clean")


def test_a_registry_edit_looks_for_every_mention_again(project: Path, tmp_path: Path,
                                                       parsed: dict[str, list[str]]) -> None:
    build(project)
    for found in parsed.values():
        found.clear()
    edit(project / "content/entities.toml", 'summary_en = "', 'summary_en = "Edited. ')
    build(project)
    assert parsed["articles"] == [] and parsed["registry"] == ["registry"] and len(parsed["mentions"]) == 5
    assert site_files(project / "public") == clean_build(project, tmp_path / "clean")


def test_a_damaged_or_deleted_cache_only_costs_a_parse(project: Path, tmp_path: Path,
                                                       parsed: dict[str, list[str]]) -> None:
    build(project)
    db = project / CACHE_DIR / "parsed.sqlite"
    assert db.is_file()
    db.write_bytes(b"not a database" * 100)
    (project / "public/zh/index.html").unlink()  # so the build must load the site
    parsed["articles"].clear()
    build(project)
    assert len(parsed["articles"]) == 5
    (project / "public/zh/index.html").unlink()
    parsed["articles"].clear()
    build(project)  # the damaged file was replaced by a good one
    assert parsed["articles"] == []
    db.unlink()
    (project / "public/en/index.html").unlink()
    parsed["articles"].clear()
    build(project)
    assert len(parsed["articles"]) == 5 and db.is_file()
    assert site_files(project / "public") == clean_build(project, tmp_path / "clean")


def test_warnings_are_not_cached_away(project: Path, caplog: pytest.LogCaptureFixture) -> None:
    """An article with a paragraph without an id is parsed (and warned about) on every build."""
    path = project / "content/articles/valeo-wenling.zh.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n没有编号的段落。\n", encoding="utf-8")
    build(project)
    (project / "public/zh/index.html").unlink()
    caplog.clear()
    build(project)
    assert any("paragraph has no section id" in r.getMessage() for r in caplog.records)


def test_values_read_in_batches_are_the_values_read_one_by_one(tmp_path: Path) -> None:
    import sqlite3

    from site_builder import memo as memo_module
    from site_builder.memo import Memo

    path = tmp_path / "parsed.sqlite"
    first = Memo(path, {}, "code")
    for n in range(1203):  # more than two batches
        first.put(f"k{n}", {"n": n})
    first.close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE memo SET value = ? WHERE key = 'k7'", (b"not a pickle",))
    memo = Memo(path, {}, "code")
    keys = [f"k{n}" for n in range(1203)] + ["k5", "absent"]  # a key twice, and one never stored
    found = memo.get_many(keys)
    assert found == {f"k{n}": {"n": n} for n in range(1203) if n != 7}  # the damaged entry is a miss
    assert (memo.hits, memo.misses) == (1202, 2)
    assert memo_module._BATCH < 1203
    memo.close()  # keeps what was read, drops what was not (k7 was not: it did not load)
    again = Memo(path, {}, "code")
    assert again.get("k1202") == {"n": 1202} and again.get("k7") is None
    again.close()


def _flip(data: bytes, needle: bytes) -> bytes:
    """``data`` with one bit flipped in the first byte of ``needle`` (which must occur in it): '7' becomes '6'."""
    at = data.find(needle)
    assert at >= 0, needle
    return data[:at] + bytes([data[at] ^ 1]) + data[at + 1:]


def _flip_in_parse_cache(project: Path) -> None:
    import sqlite3

    db = sqlite3.connect(project / CACHE_DIR / "parsed.sqlite")
    with db:
        rows = db.execute("SELECT key, value FROM memo").fetchall()
        hits = [(key, value) for key, value in rows if "销售额超过了7亿元".encode() in value]
        assert hits
        for key, value in hits:
            db.execute("UPDATE memo SET value = ? WHERE key = ?", (_flip(value, "7亿元".encode()), key))
    db.close()


def _flip_in_file(project: Path, pattern: str, needle: bytes) -> None:
    files = [p for p in (project / CACHE_DIR).glob(pattern) if needle in p.read_bytes()]
    assert files, (pattern, needle)
    for path in files:
        path.write_bytes(_flip(path.read_bytes(), needle))


@pytest.mark.parametrize("where", ["parsed articles", "rendered Markdown", "compiled templates"])
def test_a_flipped_bit_in_the_cache_is_never_taken_for_a_value(project: Path, tmp_path: Path, where: str) -> None:
    """A damaged cache entry that still parses (a 7 that became a 6) is a miss, never a wrong page."""
    import shutil

    build(project)
    if where == "parsed articles":
        _flip_in_parse_cache(project)
    elif where == "rendered Markdown":
        _flip_in_file(project, "markdown.record", "7亿元".encode())
    else:
        _flip_in_file(project, "jinja/*", b"site-footer")
    shutil.rmtree(project / "public")  # every page rendered again, from the cache
    build(project)
    assert site_files(project / "public") == clean_build(project, tmp_path / "clean")
