"""Paths stay inside: no slug, id, file reference or symbolic link leads out of the project, and the build
writes nowhere but its output folder (which may never be the project, a project folder or an ancestor)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from site_builder.build import build
from site_builder.config import load_config
from site_builder.errors import SiteError
from site_builder.registry import load_registry
from tests.fuzz_helpers import (
    ARTICLE,
    ENGLISH,
    FRONT_MATTER,
    ROOT,
    assert_clean_outcome,
    copy_real_project,
    make_project,
    problem_lines,
    run_cli,
)

ZH, EN = "content/articles/one.zh.md", "content/articles/one.en.md"


def errors_of(proc) -> set[str]:
    assert_clean_outcome(proc)
    assert proc.returncode == 1, proc.stderr[-2000:]
    return {f"{m['path']}:{m['line']}: {m['message']}" for m in problem_lines(proc.stderr)}


def load_errors(root: Path) -> list[str]:
    """The problems of loading and building ``root`` in-process, as printed."""
    with pytest.raises(SiteError) as info:
        build(root)
    return [str(p) for p in info.value.problems]


# ---------------------------------------------------------------- slugs, ids and references


@pytest.mark.parametrize("name", ["Bad.zh.md", "a_b.zh.md", "-x.zh.md", "..%2f..%2fetc.zh.md", "a b.zh.md", "ä.zh.md"])
def test_invalid_slugs_are_refused(tmp_path: Path, name: str) -> None:
    root = make_project(tmp_path / "site", {name: ARTICLE})
    slug = name[: -len(".zh.md")]
    assert f"content/articles/{name}:1: invalid slug {slug!r}: use lower-case a-z, 0-9 and '-'" in load_errors(root)
    assert not (root / "public").exists()


@pytest.mark.parametrize("sid", ["../../etc/passwd", "/etc/passwd", "a/b", "..", "%2e%2e", "a\\b", "x" * 41])
def test_section_ids_that_look_like_paths_are_refused(tmp_path: Path, sid: str) -> None:
    zh = ARTICLE.replace("<!-- § b2 -->", f"<!-- § {sid} -->")
    en = f"<!-- § {sid} status=reviewed -->\nText.\n"
    root = make_project(tmp_path / "site", {"one.zh.md": zh, "one.en.md": en})
    errors = load_errors(root)
    assert f"{ZH}:11: invalid section id {sid!r}: use 1-40 of A-Z a-z 0-9 _ -" in errors
    assert f"{EN}:1: invalid section id {sid!r}: use 1-40 of A-Z a-z 0-9 _ -" in errors


@pytest.mark.parametrize(
    "source",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "sources/../../x.txt",
        "sources\\..\\..\\x",
        "sources/x\u0000.txt",
        "sources/\n/x",
    ],
)
def test_source_references_outside_content_are_refused(tmp_path: Path, source: str) -> None:
    fm = FRONT_MATTER.replace('source = "sources/x.txt"', f"source = {json_str(source)}")
    root = make_project(tmp_path / "site", {"one.zh.md": f"+++\n{fm}+++\n\n<!-- § a1 -->\n正文。\n"})
    assert f"{ZH}:5: source {source!r} must be a path inside content/" in load_errors(root)


def json_str(s: str) -> str:
    import json

    return json.dumps(s)


@pytest.mark.parametrize("eid", ["../../etc/passwd", "/etc", "a/b", "..", "Wenling"])
def test_entity_ids_that_look_like_paths_are_refused(tmp_path: Path, eid: str) -> None:
    root = make_project(tmp_path / "site")
    (root / "content" / "entities.toml").write_text(
        f'\n[[entity]]\nid = {json_str(eid)}\ntype = "place"\nzh = "温岭"\nen = "Wenling"\n', encoding="utf-8"
    )
    with pytest.raises(SiteError) as info:
        load_registry(root)
    assert [str(p) for p in info.value.problems] == [
        f"content/entities.toml:3: invalid entity id {eid!r}: use a-z, 0-9 and '-'"
    ]


def data_files() -> list[str]:
    return sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "content" / "data").glob("*.toml"))


@pytest.mark.slow
@pytest.mark.parametrize("rel", data_files())
def test_data_file_references_outside_the_site_are_refused(tmp_path: Path, rel: str) -> None:
    root = copy_real_project(tmp_path / "site")
    text = (root / rel).read_text(encoding="utf-8")
    m = re.search(r'^source = "[^"]*"', text, re.M)
    assert m, f"{rel} names no source"
    line = text.count("\n", 0, m.start()) + 1
    (root / rel).write_text(text[: m.start()] + 'source = "../../etc/passwd#x"' + text[m.end() :], encoding="utf-8")
    errors = errors_of(run_cli(root, "build"))
    assert any(e.startswith(f"{rel}:{line}: ") and "../../etc/passwd" in e for e in errors), errors


# ---------------------------------------------------------------- symbolic links


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the project holding a would-be article, registry, template and stylesheet."""
    out = tmp_path / "outside"
    (out / "articles").mkdir(parents=True)
    (out / "articles" / "one.zh.md").write_text(ARTICLE, encoding="utf-8")
    (out / "secret.txt").write_text("secret\n", encoding="utf-8")
    return out


LINK_CASES = {
    # name: (link inside the project, target relative to `outside`, expected first error)
    "article-file": (
        "content/articles/two.zh.md",
        "articles/one.zh.md",
        "content/articles/two.zh.md:1: content/articles/two.zh.md is a symbolic link",
    ),
    "articles-folder": (
        "content/articles",
        "articles",
        "content/articles/one.zh.md:1: content/articles is a symbolic link",
    ),
    "english-file": (
        "content/articles/one.en.md",
        "secret.txt",
        "content/articles/one.en.md:1: content/articles/one.en.md is a symbolic link",
    ),
    "registry": (
        "content/entities.toml",
        "secret.txt",
        "content/entities.toml:1: content/entities.toml is a symbolic link",
    ),
    "site-toml": ("content/site.toml", "secret.txt", "content/site.toml:1: content/site.toml is a symbolic link"),
    "source": (
        "content/sources/x.txt",
        "secret.txt",
        f"{ZH}:5: source 'sources/x.txt': content/sources/x.txt is a symbolic link; sources must lie inside content/",
    ),
    "template": ("templates/evil.html", "secret.txt", "templates/evil.html:1: symbolic links are not allowed"),
    "static-file": ("static/evil.css", "secret.txt", "static/evil.css:1: symbolic links are not allowed"),
    "static-folder": ("static/more", "articles", "static/more:1: symbolic links are not allowed"),
    "dangling": (
        "content/entities.toml",
        "missing.toml",
        "content/entities.toml:1: content/entities.toml is a symbolic link",
    ),
}


@pytest.mark.parametrize("case", sorted(LINK_CASES))
def test_symbolic_links_out_of_the_project_are_refused(tmp_path: Path, outside: Path, case: str) -> None:
    link, target, expected = LINK_CASES[case]
    root = make_project(tmp_path / "site", {"one.zh.md": ARTICLE, "one.en.md": ENGLISH})
    path = root / link
    if path.is_dir():
        os.rename(path, path.with_name(path.name + ".bak"))
        (root / "content" / "articles.bak" / "one.en.md").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    os.symlink(outside / target, path)
    errors = errors_of(run_cli(root, "build"))
    assert any(e.startswith(expected) for e in errors), errors
    assert not (root / "public").exists()


@pytest.mark.parametrize("name", ["home.toml", "data/evil.toml"])
def test_symbolic_links_among_other_content_files_are_refused(tmp_path: Path, outside: Path, name: str) -> None:
    root = copy_real_project(tmp_path / "site")
    (root / "content" / name).unlink(missing_ok=True)
    os.symlink(outside / "secret.txt", root / "content" / name)
    errors = errors_of(run_cli(root, "build"))
    assert any(e.startswith(f"content/{name}:") for e in errors), errors


# ---------------------------------------------------------------- the output folder


@pytest.mark.parametrize(
    "output, message",
    [
        (".", "output must be a folder inside the project"),
        ("./", "output must be a folder inside the project"),
        ("", "output must be a folder inside the project"),
        ("../public", "output must be a folder inside the project"),
        ("/tmp/public", "output must be a folder inside the project"),
        ("content", "output 'content' would overwrite project files"),
        ("templates/site", "output 'templates/site' would overwrite project files"),
        ("static", "output 'static' would overwrite project files"),
        (".git", "output '.git' would overwrite project files"),
        ("drafts", "output 'drafts' would overwrite project files"),  # the importer's drafts
        (".site-builder-cache/serve", "output '.site-builder-cache/serve' is in the build cache (.site-builder-cache/)"),
    ],
)
def test_site_toml_output_must_be_a_new_folder_inside_the_project(tmp_path: Path, output: str, message: str) -> None:
    root = make_project(tmp_path / "site")
    cfg = root / "content" / "site.toml"
    text = cfg.read_text(encoding="utf-8")
    m = re.search(r'^output = "public"$', text, re.M)
    assert m
    cfg.write_text(text.replace(m.group(0), f"output = {json_str(output)}"), encoding="utf-8")
    line = text.count("\n", 0, m.start()) + 1
    with pytest.raises(SiteError) as info:
        load_config(root)
    assert [str(p) for p in info.value.problems] == [f"content/site.toml:{line}: {message}"]


@pytest.mark.parametrize(
    "where", ["root", "parent", "filesystem-root", "content", "inside-static", "a-file", "symlink-to-root", "cache",
              "in-cache"]
)
def test_out_option_refuses_the_project_its_ancestors_and_its_folders(tmp_path: Path, where: str) -> None:
    root = make_project(tmp_path / "site")
    out = {
        "root": root,
        "parent": tmp_path,
        "filesystem-root": Path("/"),
        "content": root / "content",
        "inside-static": root / "static" / "out",
        "a-file": root / "content" / "site.toml",
        "symlink-to-root": tmp_path / "link",
        "cache": root / ".site-builder-cache",  # the build's records: only the dev server's folder may be in there
        "in-cache": root / ".site-builder-cache" / "builds",
    }[where]
    if where == "symlink-to-root":
        os.symlink(root, out)
    before = tree_snapshot(tmp_path)
    proc = run_cli(root, "build", "--out", str(out))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith(f"--out: output folder {out} "), proc.stderr  # a command-line option has no line
    assert tree_snapshot(tmp_path) == before


def tree_snapshot(top: Path) -> dict[str, bytes | str]:
    """Every file (bytes), folder and link under ``top``."""
    snap: dict[str, bytes | str] = {}
    for dirpath, dirs, names in os.walk(top):
        for name in dirs + names:
            p = Path(dirpath) / name
            rel = p.relative_to(top).as_posix()
            snap[rel] = ("link:" + os.readlink(p)) if p.is_symlink() else "dir" if p.is_dir() else p.read_bytes()
    return snap


def test_a_build_changes_nothing_outside_its_output_folder(tmp_path: Path) -> None:
    root = copy_real_project(tmp_path / "site")
    (tmp_path / "neighbour").mkdir()
    (tmp_path / "neighbour" / "keep.txt").write_text("keep\n")
    before = tree_snapshot(tmp_path)
    proc = run_cli(root, "build", "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    after = tree_snapshot(tmp_path)
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert changed, "the build wrote nothing"
    # only the output folder (the staging folder is renamed into place) and the build cache
    assert {k for k in changed if not k.startswith(("out/", "site/.site-builder-cache/"))} - {
        "out",
        "site/.site-builder-cache",
    } == set()


def test_pages_are_never_written_outside_the_output_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even a page generator bug that names '../x' or '/x' cannot write there."""
    from dataclasses import replace

    from site_builder import build as build_mod
    from site_builder.pages import article_pages
    from site_builder.stage import Stage

    root = make_project(tmp_path / "site")
    generators = build_mod.GENERATORS
    for bad in ("../escape.html", str(tmp_path / "escape.html"), "zh/../../escape.html"):
        extra = [lambda site, bad=bad: [replace(article_pages(site)[0], path=bad)]]
        monkeypatch.setattr(build_mod, "GENERATORS", [*generators, *extra])
        with pytest.raises(SiteError) as info:
            build(root)
        assert f"refusing to write outside the output folder: {bad!r}" in str(info.value)
        assert not (tmp_path / "escape.html").exists() and not (root / "escape.html").exists()
        assert not (root / "public").exists()
        with pytest.raises(SiteError), Stage(root / "public") as stage:  # what every build writes through
            stage.put("index.html", b"ok")
            stage.put(bad, b"x")
        assert not (root / "public").exists()


# ---------------------------------------------------------------- the dev server


def wsgi_get(app, path: str) -> tuple[str, bytes]:
    status: list[str] = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path.encode("utf-8").decode("latin-1"),
        "HTTP_HOST": "127.0.0.1:8000",
    }
    body = b"".join(app(environ, lambda s, headers: status.append(s)))
    return status[0], body


@pytest.fixture
def dev_site(tmp_path: Path):
    from site_builder.serve import DevSite

    (tmp_path / "secret.txt").write_text("secret outside the site\n")
    root = make_project(tmp_path / "site")
    app = DevSite(root, root / "public", build=lambda r, o: build(r, o))
    assert app.rebuild().ok
    return app


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/zh/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/zh/%2F..%2F..%2Fsecret.txt",
        "/..\\secret.txt",
        "/\x00/secret.txt",
    ],
)
def test_dev_server_serves_nothing_outside_the_output_folder(dev_site, path: str) -> None:
    status, body = wsgi_get(dev_site, path)
    assert b"secret outside" not in body and not status.startswith("200"), (path, status)


def test_dev_server_does_not_serve_absolute_paths(dev_site, tmp_path: Path) -> None:
    status, body = wsgi_get(dev_site, "/" + str(tmp_path / "secret.txt"))
    assert b"secret outside" not in body and not status.startswith("200"), status
