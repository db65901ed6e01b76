"""Narrow rebuilds (site_builder.narrow): an edit inside an article renders only its pages, and the output is
byte-identical to a clean full build; any edit other pages could show falls back to the full build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from site_builder import deps, feeds, narrow
from site_builder.build import BuildReport, build
from site_builder.content import load_articles
from site_builder.deps import CACHE_DIR, read_record
from site_builder.entities import article_mentions, load_entities
from site_builder.errors import SiteError

from .test_incremental import clean_build, edit, site_files


@pytest.fixture(autouse=True)
def setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITE_BUILDER_PAGEFIND", "/nonexistent/pagefind")  # a search index makes every build full
    monkeypatch.setattr(feeds, "FEED_ENTRIES", 1)  # one article in the feeds: the others can be edited narrowly


def record(root: Path) -> dict:
    return read_record(next((root / CACHE_DIR / "builds").glob("*.record")))["narrow"]


def quiet_section(root: Path, in_feed: bool = False) -> tuple[str, str]:
    """An article outside the feeds (``in_feed``: in them) and one of its sections that no other page shows."""
    rec = record(root)
    for art in load_articles(root):
        exposed = set(rec["articles"][art.slug][2])
        if (art.slug in rec["feed"]) != in_feed:
            continue
        for sec in art.sections:
            if sec.id not in exposed and sec.text.endswith("。"):
                return art.slug, sec.id
    raise AssertionError("no section of the seed is unexposed")


def append_zh(root: Path, slug: str, sid: str, words: str) -> None:
    path = root / "content" / "articles" / f"{slug}.zh.md"
    text = path.read_text(encoding="utf-8")
    art = next(a for a in load_articles(root) if a.slug == slug)
    sec = next(s for s in art.sections if s.id == sid)
    assert text.count(sec.text) == 1
    path.write_text(text.replace(sec.text, sec.text + words), encoding="utf-8")


def same_as_clean(root: Path, tmp_path: Path) -> None:
    assert site_files(root / "public") == clean_build(root, tmp_path / "clean")


def narrow_built(report: BuildReport, slug_pages: int = 4) -> bool:
    return report.narrow and report.rendered == slug_pages and report.skipped == report.pages - slug_pages


def test_an_edit_no_other_page_shows_is_narrow_and_the_site_is_as_a_full_build_makes_it(project: Path,
                                                                                          tmp_path: Path) -> None:
    build(project)
    slug, sid = quiet_section(project)
    append_zh(project, slug, sid, "本段另有补充说明。")
    report = build(project)
    assert narrow_built(report), report.summary()
    assert "only the edited articles were read" in report.summary()
    assert report.written >= 1
    assert "本段另有补充说明。" in (project / "public/zh/articles" / slug / "index.html").read_text(encoding="utf-8")
    same_as_clean(project, tmp_path)
    again = build(project)  # the manifest a narrow build leaves: nothing changed since
    assert again.rendered == 0 and again.written == 0 and not again.narrow
    append_zh(project, slug, sid, "再补一句。")  # a narrow build after a narrow build
    assert narrow_built(build(project))
    same_as_clean(project, tmp_path)
    # every record the builds left (manifest, its edits, inputs, spare, Markdown) holds only what JSON would:
    # dicts, lists, strings, numbers (marshal would give a tuple back as a tuple, which no reader expects)
    records = sorted((project / CACHE_DIR).glob("**/*.record")) + sorted((project / CACHE_DIR).glob("**/*.edits"))
    assert {p.suffix for p in records} >= {".record"} and len(records) >= 3
    for path in records:
        rec = read_record(path)
        assert rec is not None, path
        assert json.loads(json.dumps(rec)) == rec, path


def test_a_translators_edit_is_narrow_and_flags_stay_right(project: Path, tmp_path: Path) -> None:
    build(project)
    slug, sid = quiet_section(project)
    en = project / "content" / "articles" / f"{slug}.en.md"
    text = en.read_text(encoding="utf-8")
    marker = next(line for line in text.splitlines() if line.startswith("<!--") and sid in line)
    en.write_text(text.replace(marker, marker + "\nA sentence a translator added.", 1), encoding="utf-8")
    report = build(project)
    assert narrow_built(report), report.summary()
    same_as_clean(project, tmp_path)
    append_zh(project, slug, sid, "原文改了。")  # the English of this section is now stale: shown as such
    assert narrow_built(build(project))
    same_as_clean(project, tmp_path)


def test_edits_other_pages_show_fall_back_to_the_full_build(project: Path, tmp_path: Path) -> None:
    build(project)
    rec = record(project)
    slug, sid = quiet_section(project)
    art = next(a for a in load_articles(project) if a.slug == slug)
    registry = load_entities(project, [art]).registry
    name = next(e.zh for e in registry.entities if len(e.zh) >= 3)
    arts = {a.slug: a for a in load_articles(project)}
    names = {e.id: e.zh for e in load_entities(project, list(arts.values())).registry.entities}
    text = {(a.slug, x.id): x.text for a in arts.values() for x in a.sections}
    quoted = next((s, sid, eid) for s, r in rec["articles"].items() for sid, readers in r[2].items()
                  for eid in readers if narrow.NAMED not in readers and names[eid] in text[(s, sid)])
    named = next((s, sid) for s, r in rec["articles"].items() for sid, readers in r[2].items() if narrow.NAMED in readers)

    def next_to_the_name() -> None:  # the quote around the mention changes
        s, sid, eid = quoted
        path = project / "content/articles" / f"{s}.zh.md"
        old = text[(s, sid)]
        path.write_text(path.read_text(encoding="utf-8").replace(old, old.replace(names[eid], names[eid] + "（注）", 1)),
                        encoding="utf-8")

    cases = [
        ("the words around a mention an entity page quotes", next_to_the_name),
        ("a section a hub names", lambda: append_zh(project, *named, "补充。")),
        ("a new mention", lambda: append_zh(project, slug, sid, f"另见{name}。")),
        ("the title", lambda: edit(project / "content/articles" / f"{slug}.zh.md", 'title = "', 'title = "新')),
    ]
    for what, change in cases:
        change()
        report = build(project)
        assert not report.narrow, what
        same_as_clean(project, tmp_path)


def test_an_edit_to_an_article_in_the_feeds_remakes_them(project: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feeds, "FEED_ENTRIES", 3)
    build(project)
    rec = record(project)
    slug, sid = quiet_section(project, in_feed=True)
    assert slug in rec["feed"] and len(rec["feed"]) == 3
    feed = project / "public" / feeds.feed_path("zh")
    before = feed.read_bytes()
    append_zh(project, slug, sid, "本段另有补充说明。")
    report = build(project)
    assert narrow_built(report), report.summary()
    assert feed.read_bytes() != before and "本段另有补充说明。" in feed.read_text(encoding="utf-8")
    same_as_clean(project, tmp_path)


@pytest.mark.parametrize("forked", ["no", "yes", "one cpu"],
                         ids=["checked here", "checked by a child process", "large site on one CPU"])
def test_an_output_file_edited_by_hand_is_restored(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   forked: str) -> None:
    if forked != "no":  # as on a large site (deps.FORKED_CHECK_MIN)
        monkeypatch.setattr(deps, "FORKED_CHECK_MIN", 0)
    if forked == "one cpu":  # no child process: the check is made here
        import site_builder.forked as forked_module

        monkeypatch.setattr(forked_module, "cpus", lambda: 1)
    build(project)
    slug, sid = quiet_section(project)
    page = project / "public/en/index.html"
    page.write_bytes(page.read_bytes().replace(b"</body>", b"<p>by hand</p></body>"))
    append_zh(project, slug, sid, "补一句。")
    report = build(project)
    assert not report.narrow and b"by hand" not in page.read_bytes()
    same_as_clean(project, tmp_path)
    append_zh(project, slug, sid, "再补一句。")
    assert build(project).narrow  # with the output as recorded again, the next edit is narrow
    same_as_clean(project, tmp_path)


def test_a_broken_edit_is_reported_as_by_a_full_build_and_nothing_is_written(project: Path) -> None:
    build(project)
    before = site_files(project / "public")
    slug, sid = quiet_section(project)
    path = project / "content" / "articles" / f"{slug}.zh.md"
    path.write_text(path.read_text(encoding="utf-8").replace(f"§ {sid}", "§ bad id!", 1), encoding="utf-8")
    with pytest.raises(SiteError) as err:
        build(project)
    assert any(p.path == f"content/articles/{slug}.zh.md" for p in err.value.problems)
    assert site_files(project / "public") == before


def test_full_builds_after_narrow_ones_render_only_what_changed(project: Path, tmp_path: Path) -> None:
    build(project)
    slug, sid = quiet_section(project)
    append_zh(project, slug, sid, "补一句。")
    assert build(project).narrow
    edit(project / "templates" / "parallel.html", "{% block main %}", "{% block main %}<!-- edited -->")
    report = build(project)
    assert not report.narrow
    parallel = sum(1 for p in site_files(project / "public") if p.endswith("/parallel/index.html"))
    assert report.rendered == parallel  # the narrow build's records held: only the template's pages
    same_as_clean(project, tmp_path)


def test_outward_digest_covers_what_other_pages_read(project: Path) -> None:
    """Pure logic: the digest changes with what other pages show of an article, not with its other text."""
    from dataclasses import replace

    articles = load_articles(project)
    linker = load_entities(project, articles).linker
    art, quiet = next((a, s) for a in articles for s in a.sections[1:]
                      if not any(sm.section == s.id and sm.entities() for sm in article_mentions(linker, a)))
    mentions = article_mentions(linker, art)
    base = narrow.outward(art, mentions, exposed={})

    def with_text(text: str, exposed: dict[str, list[str]]) -> str:
        sections = tuple(replace(s, text=text) if s.id == quiet.id else s for s in art.sections)
        changed = replace(art, sections=sections)
        return narrow.outward(changed, article_mentions(linker, changed), exposed)

    assert with_text(quiet.text + "又一句。", {}) == base
    named = {quiet.id: [narrow.NAMED]}
    assert with_text(quiet.text + "又一句。", named) != narrow.outward(art, mentions, named)
    name = linker.entities[next(iter(linker.entities))].zh
    assert with_text(quiet.text + name, {}) != base
    renamed = replace(art, sections=tuple(replace(s, id="zz" + s.id) if s.id == quiet.id else s for s in art.sections))
    assert narrow.outward(renamed, mentions, {}) != base
    retitled = replace(art, meta=replace(art.meta, title=art.meta.title + "新"))
    assert narrow.outward(retitled, mentions, {}) != base


def test_random_edits_to_a_generated_archive_match_full_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Edits at random places in random sections of a generated archive (the benchmark's corpus, small): after
    each, the site equals a clean full build, and many of them were narrow (quotes and mentions mostly untouched)."""
    import random
    import subprocess
    import sys

    from .conftest import ROOT

    monkeypatch.setattr(feeds, "FEED_ENTRIES", 50)  # as shipped: the newest articles' edits remake the feeds
    monkeypatch.setattr(deps, "FORKED_CHECK_MIN", 0)  # the output checked by a child process, as on a large site
    root = tmp_path / "archive"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen.py"), "--articles", "70", "--entities", "60",
                    "--out", str(root)], check=True, capture_output=True)
    build(root)
    rng = random.Random(20220209)
    files = sorted((root / "content" / "articles").glob("*.md"))
    narrow_count = 0
    for step in range(10):
        path = rng.choice(files)
        blocks = path.read_text(encoding="utf-8").split("\n\n")
        sections = [i for i, b in enumerate(blocks) if b.startswith("<!-- §") and "\n" in b]
        i = rng.choice(sections)
        marker, text = blocks[i].split("\n", 1)
        at = rng.randrange(len(text) + 1)
        if path.name.endswith(".en.md"):
            at = text.rfind(" ", 0, at) + 1  # at a word's start
            blocks[i] = f"{marker}\n{text[:at]}Added {step}. {text[at:]}"
        else:
            blocks[i] = f"{marker}\n{text[:at]}补记{step}。{text[at:]}"
        path.write_text("\n\n".join(blocks), encoding="utf-8")
        report = build(root)
        narrow_count += report.narrow
        assert site_files(root / "public") == clean_build(root, tmp_path / "clean"), f"step {step}: {path.name}"
    assert narrow_count >= 3, f"only {narrow_count} of 10 edits were narrow"


def test_a_narrow_build_killed_between_its_renames_is_finished_by_the_next_build(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Killed after the first of its renames, a narrow build leaves that file new, the others old and its hidden
    temporary files behind: each file whole. The next build finds the output unlike its records and puts it right."""
    import os

    build(project)
    slug, sid = quiet_section(project)
    append_zh(project, slug, sid, "本段另有补充说明。")
    real = os.replace
    done: list[str] = []

    def killed(src: str | Path, dst: str | Path) -> None:
        if done:
            raise KeyboardInterrupt  # stands for SIGKILL: nothing after this line runs in a killed process
        real(src, dst)
        done.append(str(dst))

    monkeypatch.setattr(narrow.os, "replace", killed)
    monkeypatch.setattr(Path, "unlink", lambda self, missing_ok=False: None)  # a killed build cleans nothing up
    with pytest.raises(KeyboardInterrupt):
        build(project)
    monkeypatch.undo()
    monkeypatch.setenv("SITE_BUILDER_PAGEFIND", "/nonexistent/pagefind")
    monkeypatch.setattr(feeds, "FEED_ENTRIES", 1)
    leftovers = [p for p in (project / "public").rglob(".*.new")]
    assert done and leftovers, "the first file was replaced and the others' temporary files are left"
    report = build(project)
    assert not report.narrow
    same_as_clean(project, tmp_path)
    assert not list((project / "public").rglob(".*.new"))

