"""The dev server's preview: an edited article's pages rendered from the last build's site, as the build makes them."""

from __future__ import annotations

from pathlib import Path

from site_builder.build import build, load_pages
from site_builder.preview import Preview

ZH = "content/articles/valeo-wenling.zh.md"
EN = "content/articles/valeo-wenling.en.md"
PAGES = {f"{lang}/articles/valeo-wenling/{sub}index.html" for lang in ("zh", "en") for sub in ("", "parallel/")}


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_preview_is_byte_for_byte_what_the_full_build_then_writes(project: Path) -> None:
    preview = Preview(project)
    build(project, keeper=preview)
    assert preview.ready
    edit(project, ZH, "售后市场有非常大的潜力", "售后市场有非常大的潜力（预览）")  # the English is now stale
    edit(project, EN, "olive branches held out", "olive branches (preview) held out")
    pages = preview.render([EN, ZH])
    assert set(pages) == PAGES
    assert "（预览）" in pages["zh/articles/valeo-wenling/index.html"].decode()
    assert "(preview)" in pages["en/articles/valeo-wenling/index.html"].decode()
    before = {rel: (project / "public" / rel).read_bytes() for rel in PAGES}
    assert all(pages[rel] != before[rel] for rel in PAGES)  # every one of them changed
    build(project)
    for rel in PAGES:
        assert pages[rel] == (project / "public" / rel).read_bytes(), rel


def test_only_edits_of_articles_the_last_build_had_are_previewed(project: Path) -> None:
    preview = Preview(project)
    assert preview.render([ZH]) == {}  # nothing kept yet
    build(project, keeper=preview)
    assert preview.render(["templates/article.html"]) == {}
    assert preview.render(["content/entities.toml"]) == {}
    assert preview.render([ZH, "static/site.css"]) == {}  # one file it cannot preview: the build shows all
    (project / "content/articles/new-one.zh.md").write_text((project / ZH).read_text(encoding="utf-8"),
                                                           encoding="utf-8")
    assert preview.render(["content/articles/new-one.zh.md"]) == {}  # new pages, new listings: the build's
    assert set(preview.render([ZH])) == PAGES
    edit(project, ZH, 'kind = "feature"', 'kind = "blog"')  # a problem: the build reports it, no preview
    assert preview.render([ZH]) == {}
    preview.drop()
    assert not preview.ready and preview.render([EN]) == {}


def test_the_kept_site_is_dropped_before_a_build_loads_the_next_and_kept_by_one_that_loads_nothing(
        project: Path) -> None:
    preview = Preview(project)
    build(project, keeper=preview)
    build(project, keeper=preview)  # nothing changed: the site kept is the current one
    assert set(preview.render([ZH])) == PAGES

    class Watching(Preview):
        def keep(self, site, pages):  # type: ignore[no-untyped-def]
            assert not self.ready, "a second site loaded while the first was kept"
            super().keep(site, pages)

    watching = Watching(project)
    build(project, keeper=watching)  # nothing changed: nothing loaded, nothing kept
    assert not watching.ready
    edit(project, ZH, "售后市场有非常大的潜力", "售后市场潜力很大")
    watching.keep(*load_pages(project))
    build(project, keeper=watching)
    assert watching.ready and "售后市场潜力很大" in watching.render([ZH])["zh/articles/valeo-wenling/index.html"].decode()


def test_a_template_edit_is_in_the_next_preview(project: Path) -> None:
    preview = Preview(project)
    preview.keep(*load_pages(project))  # what the dev server does when its first build found nothing to do
    assert "<!-- edited template -->" not in preview.render([ZH])["zh/articles/valeo-wenling/index.html"].decode()
    template = project / "templates" / "article.html"
    text = template.read_text(encoding="utf-8")
    assert text.count("{% block main %}") == 1
    template.write_text(text.replace("{% block main %}", "{% block main %}<!-- edited template -->"), encoding="utf-8")
    build(project, keeper=preview)  # a template edit gets a full build, which hands its site over
    page = preview.render([ZH])["zh/articles/valeo-wenling/index.html"]
    assert "<!-- edited template -->" in page.decode()
    assert page == (project / "public" / "zh/articles/valeo-wenling/index.html").read_bytes()


def test_the_dev_servers_builds_leave_nothing_frozen_for_good(project: Path) -> None:
    """The kept site is frozen for the cycle collector between builds; what each build leaves in cycles is
    thawed and collected with the site it replaces, so the frozen set does not grow from build to build."""
    import gc

    from site_builder.serve import KeptSite

    kept = KeptSite(project)
    out = project / ".site-builder-cache" / "serve"
    counts = []
    try:
        for n in range(6):
            edit(project, ZH, "售后市场有非常大的潜力" if n == 0 else f"潜力{n - 1}", f"潜力{n}")
            kept.build(project, out)
            counts.append(gc.get_freeze_count())
            assert kept.ready and f"潜力{n}" in kept.render([ZH])["zh/articles/valeo-wenling/index.html"].decode()
    finally:
        gc.unfreeze()
    assert max(counts[2:]) - min(counts[2:]) < 100, counts  # each build used to leave ~300 objects frozen
