"""Bad input gives clear errors: random, damaged, huge and deeply nested files never crash or hang the build.

In-process fuzzing (hypothesis, bounded examples) of each loader, then the whole
loading stage over every content file of the real project, then a handful of
extreme files through the CLI in a subprocess: each must build, or fail with
``path:line: message`` lines and exit code 1, leaving no output folder behind.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder.config import load_config
from site_builder.content import load_articles, parse_en
from site_builder.errors import SiteError
from site_builder.markdown import Renderer
from site_builder.registry import load_registry
from tests.fuzz_helpers import (
    ARTICLE,
    ENGLISH,
    PROBLEM_LINE,
    ROOT,
    assert_clean_outcome,
    assert_problems,
    copy_real_project,
    file_bytes,
    make_project,
    problem_lines,
    run_cli,
    safe_url,
    special_text,
)

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW_FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ZH, EN = "content/articles/one.zh.md", "content/articles/one.en.md"

SITE_TOML = (ROOT / "content" / "site.toml").read_text(encoding="utf-8")
REGISTRY = """[[entity]]
id = "wenling"
type = "place"
zh = "温岭"
en = "Wenling"
zh_aliases = ["我市"]
summary_zh = "浙江省台州市下辖的县级市。"
summary_en = "A county-level city in Taizhou, Zhejiang."
related = ["taizhou"]

[[entity]]
id = "taizhou"
type = "place"
zh = "台州"
en = "Taizhou"
related = []
"""


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    """One small project per module; every example rewrites the files it fuzzes."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        yield make_project(Path(tmp) / "site")


def n_lines(data: bytes) -> int:
    return data.count(b"\n") + data.count(b"\r") + 1


# ---------------------------------------------------------------- Markdown: always renders, always inert

ALLOWED_TAGS = {
    "p": set(),
    "br": set(),
    "hr": set(),
    "em": set(),
    "strong": set(),
    "code": {"class"},
    "pre": set(),
    "blockquote": set(),
    "ul": set(),
    "ol": {"start"},
    "li": set(),
    "a": {"href", "title"},
    "span": {"class", "role", "lang"},
    **{f"h{i}": set() for i in range(1, 7)},
}


class FragmentChecker(HTMLParser):
    """Collects every tag and attribute of an HTML fragment that is not plain article markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.bad: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.bad.append(f"<{tag}>")
            return
        for name, value in attrs:
            if name not in ALLOWED_TAGS[tag]:
                self.bad.append(f"<{tag} {name}>")
            if name == "href" and not safe_url(value or ""):
                self.bad.append(f"href={value!r}")

    handle_startendtag = handle_starttag


def check_fragment(html: str) -> list[str]:
    c = FragmentChecker()
    c.feed(html)
    c.close()
    return c.bad


@FUZZ
@given(text=special_text, lang=st.sampled_from(["zh", "en"]))
def test_markdown_renders_anything_without_raw_html(text: str, lang: str) -> None:
    html = Renderer().render(text, lang)
    assert isinstance(html, str)
    assert check_fragment(html) == [], (text, html)


@pytest.mark.parametrize(
    "text",
    [
        ">" * 10_000 + " 深",
        "[" * 10_000,
        "](" * 5_000,
        "*" * 10_000 + "a",
        "- " * 5_000 + "x",
        "`" * 10_000,
        "<" * 10_000,
        "\\" * 10_000,
        "[[gap" * 5_000,
        "&#" * 5_000,
        "[a](" * 5_000,
        "\u202e" * 10_000,
    ],
)
def test_markdown_pathological_inputs_render(text: str) -> None:
    html = Renderer().render(text, "zh")
    assert check_fragment(html) == []


# ---------------------------------------------------------------- the content parser (zh and en files)


@FUZZ
@given(zh=file_bytes(ARTICLE), en=st.one_of(st.none(), file_bytes(ENGLISH)))
def test_article_files_load_or_fail_with_path_and_line(scratch: Path, zh: bytes, en: bytes | None) -> None:
    folder = scratch / "content" / "articles"
    (folder / "one.zh.md").write_bytes(zh)
    (folder / "one.en.md").unlink(missing_ok=True)
    if en is not None:
        (folder / "one.en.md").write_bytes(en)
    try:
        articles = load_articles(scratch)
    except SiteError as exc:
        assert_problems(exc.problems, {ZH, EN}, max_line=max(n_lines(zh), n_lines(en or b"")))
        return
    renderer = Renderer()
    for art in articles:
        for sec in art.sections:
            assert 1 <= sec.line <= n_lines(zh)
            assert check_fragment(renderer.render(sec.text, "zh")) == []
        for tr in art.en.translations.values():
            assert check_fragment(renderer.render(tr.text, "en")) == []


@FUZZ
@given(text=st.one_of(special_text, file_bytes(ENGLISH).map(lambda b: b.decode("utf-8", "replace"))))
def test_parse_en_reports_problems_with_lines(text: str) -> None:
    problems: list = []
    out = parse_en(text.replace("\r\n", "\n").replace("\r", "\n"), EN, problems)
    if problems:
        assert_problems(problems, {EN}, max_line=text.count("\n") + text.count("\r") + 2)
    for tr in out.values():
        assert tr.line >= 1


# ---------------------------------------------------------------- TOML loaders: site.toml, entities.toml


@FUZZ
@given(data=file_bytes(SITE_TOML))
def test_site_toml_loads_or_fails_with_path_and_line(scratch: Path, data: bytes) -> None:
    path = scratch / "content" / "site.toml"
    try:
        path.write_bytes(data)
        config = load_config(scratch)
        config.output_dir()
    except SiteError as exc:
        assert_problems(exc.problems, {"content/site.toml"}, max_line=n_lines(data))
    finally:
        path.write_text(SITE_TOML, encoding="utf-8")


@FUZZ
@given(data=file_bytes(REGISTRY))
def test_entities_toml_loads_or_fails_with_path_and_line(scratch: Path, data: bytes) -> None:
    path = scratch / "content" / "entities.toml"
    path.write_bytes(data)
    try:
        registry = load_registry(scratch)
    except SiteError as exc:
        assert_problems(exc.problems, {"content/entities.toml"}, max_line=n_lines(data))
        return
    finally:
        path.unlink()
    for ent in registry.entities:
        assert ent.id and ent.zh and ent.en and ent.line >= 1


# ---------------------------------------------------------------- every content file of the real project

KNOWN = {  # problems in other modules, reported; the strict xfail fails once they are fixed
}


def content_files() -> list:
    """Every text file the build reads from content/ (articles, registry, data files, site and home settings)."""
    base = ROOT / "content"
    files = [
        p.relative_to(ROOT).as_posix()
        for p in sorted(base.rglob("*"))
        if p.is_file() and p.suffix in (".toml", ".md") and not p.name.endswith("~")
    ]
    return [
        pytest.param(f, marks=pytest.mark.xfail(strict=True, reason=KNOWN[f])) if f in KNOWN else f
        for f in files
        if not f.startswith("content/sources/")
    ]


@pytest.fixture(scope="module")
def real_copy() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="fuzz-real-") as tmp:
        yield copy_real_project(Path(tmp) / "site")


@pytest.mark.slow
@pytest.mark.parametrize("rel", content_files())
def test_any_content_file_damaged_gives_clear_errors(real_copy: Path, rel: str) -> None:
    """Whatever loader reads the file (articles, registry, data, home page), damage is a path:line error."""
    from site_builder.build import load_site

    original = (ROOT / rel).read_bytes()
    valid = original.decode("utf-8")

    @SLOW_FUZZ
    @given(data=file_bytes(valid))
    def check(data: bytes) -> None:
        (real_copy / rel).write_bytes(data)
        try:
            load_site(real_copy)
        except SiteError as exc:
            for p in exc.problems:
                assert p.line >= 1 and (real_copy / p.path).is_file(), str(p)
                assert p.message.strip(), str(p)
        finally:
            (real_copy / rel).write_bytes(original)

    check()


# ---------------------------------------------------------------- extreme files through the CLI

MB = 1_000_000
FM = '+++\ntitle = "标题"\ndate = 2022-02-09\nkind = "news"\nsource = "sources/x.txt"\n+++\n\n'


def _sized(head: str, unit: str, size: int) -> bytes:
    """``head`` followed by copies of ``unit``: exactly ``size`` bytes of UTF-8."""
    data = (head + unit * (size // len(unit.encode()) + 1)).encode()[:size]
    return data[: len(data.decode("utf-8", "ignore").encode())].ljust(size, b"\n")


def _deep_toml(n: int = 10_000) -> str:
    return "x = " + "[" * n + "]" * n + "\n"


CLI_CASES: dict[str, tuple[str, bytes | None, str]] = {
    # name: (file, content, expected first problem: "" = must build)
    "10mb-article": (
        ZH,
        _sized(FM, "温岭强工兴市，奋进2000亿。" * 40 + "\n\n", 10 * MB),
        f"{ZH}:1: file is larger than 5 MB",
    ),
    "10mb-random-bytes-registry": (
        "content/entities.toml",
        os.urandom(10 * MB),
        "content/entities.toml:1: file is larger",
    ),
    "10mb-site-toml": ("content/site.toml", b"# " + b"x" * (10 * MB) + b"\n", "content/site.toml:1: file is larger"),
    "huge-line": (ZH, (FM + "<!-- § a1 -->\n" + "温岭" * (MB // 2) + "\n").encode(), ""),
    "10k-nested-quotes": (
        ZH,
        (FM + "<!-- § a1 -->\n" + ">" * 10_000 + " 深\n").encode(),
        f"{ZH}:9: more than 12 nested",
    ),
    "10k-brackets": (
        ZH,
        (FM + "<!-- § a1 -->\n" + "[" * 10_000 + "\n\n<!-- § a2 -->\n" + "](" * 10_000 + "\n").encode(),
        "",
    ),
    "deep-toml-front-matter": (ZH, ("+++\n" + _deep_toml() + "+++\n\n正文\n").encode(), f"{ZH}:2: invalid TOML"),
    "deep-toml-site": ("content/site.toml", (SITE_TOML + _deep_toml()).encode(), "content/site.toml:"),
    "deep-toml-registry": ("content/entities.toml", _deep_toml().encode(), "content/entities.toml:1: invalid TOML"),
    "random-bytes-article": (ZH, bytes(range(256)) * 40, f"{ZH}:"),
    "lone-surrogates": (
        ZH,
        ARTICLE.replace("第一段", "\ud800第一段\udfff").encode("utf-8", "surrogatepass"),
        f"{ZH}:9: not valid UTF-8",
    ),
    "rtl-marks-in-id": (ZH, ARTICLE.replace("§ a1", "§ a\u202e1").encode(), f"{ZH}:8: invalid section id"),
    "rtl-marks-in-text": (ZH, ARTICLE.replace("第一段", "\u202e\u2067第一段\u2069\u200f").encode(), ""),
    "truncated-front-matter": (ZH, ARTICLE.encode()[:40], f"{ZH}:1: front matter is not closed"),
    "truncated-in-utf8": (
        ZH,
        ARTICLE.encode()[: ARTICLE.encode().index("第一段".encode()) + 4],
        f"{ZH}:9: not valid UTF-8",
    ),
    "folder-named-like-article": (
        "content/articles/two.zh.md",
        None,
        "content/articles/two.zh.md:1: not a regular file",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CLI_CASES))
def test_cli_on_extreme_files(tmp_path: Path, case: str) -> None:
    rel, data, expected = CLI_CASES[case]
    root = make_project(tmp_path / "site", {"one.zh.md": ARTICLE})
    assert len(CLI_CASES["10mb-article"][1] or b"") == 10 * MB
    if data is None:
        (root / rel).mkdir()
    else:
        (root / rel).write_bytes(data)
    proc = run_cli(root, "build", timeout=600)
    assert_clean_outcome(proc, {rel})
    if expected:
        assert proc.returncode == 1, proc.stderr[-2000:]
        assert any(line.startswith(expected) for line in proc.stderr.splitlines()), proc.stderr[:2000]
        assert not (root / "public").exists()
    else:
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert (root / "public" / "zh" / "articles" / "one" / "index.html").is_file()


@pytest.mark.slow
def test_cli_does_not_block_on_a_fifo(tmp_path: Path) -> None:
    root = make_project(tmp_path / "site")
    os.mkfifo(root / "content" / "articles" / "two.zh.md")
    os.mkfifo(root / "static" / "pipe.css")
    proc = run_cli(root, "build", timeout=120)
    assert proc.returncode == 1
    found = {f"{m['path']}:{m['line']}: {m['message']}" for m in problem_lines(proc.stderr)}
    assert "content/articles/two.zh.md:1: not a regular file" in found


def test_problem_checker_rejects_tracebacks_and_bare_messages() -> None:
    """The helpers above must be able to fail."""
    import subprocess

    bad = subprocess.CompletedProcess([], 1, "", "Traceback (most recent call last):\nValueError: x\n")
    with pytest.raises(AssertionError):
        assert_clean_outcome(bad)
    bare = subprocess.CompletedProcess([], 1, "", "something went wrong\n1 error; nothing was written\n")
    with pytest.raises(AssertionError):
        assert_clean_outcome(bare)
    ok = subprocess.CompletedProcess([], 1, "", f"{ZH}:3: bad\n1 error; nothing was written\n")
    assert_clean_outcome(ok, {ZH})


# ---------------------------------------------------------------- the importer (site-builder import)

SOURCE_REL = "content/sources/wenling-daily-2022-02-09.txt"
SOURCE = (ROOT / SOURCE_REL).read_text(encoding="utf-8")
MAP = (ROOT / "content" / "sources" / "wenling-daily-2022-02-09.map.toml").read_text(encoding="utf-8")


@FUZZ
@given(data=file_bytes(SOURCE))
def test_importer_proposes_or_fails_with_path_and_line(scratch: Path, data: bytes) -> None:
    from site_builder.ingest import propose, read_page

    path = scratch / "page.txt"
    path.write_bytes(data)
    try:
        proposal = propose(read_page(path, "page.txt", scratch))
    except SiteError as exc:
        assert_problems(exc.problems, {"page.txt"}, max_line=n_lines(data))
        return
    for draft in proposal.drafts:
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]{0,79}", draft.slug), draft.slug


@FUZZ
@given(data=file_bytes(MAP))
def test_importer_map_file_loads_or_fails_with_path_and_line(scratch: Path, data: bytes) -> None:
    from site_builder.ingest import propose, read_page
    from site_builder.ingest.mapfile import load_map

    path = scratch / "page.map.toml"
    path.write_bytes(data)
    (scratch / "page.txt").write_text(SOURCE, encoding="utf-8")
    try:
        page_map = load_map(path, "page.map.toml")
        propose(read_page(scratch / "page.txt", "page.txt", scratch, page_map=page_map), page_map)
    except SiteError as exc:
        problems = exc.problems
        if problems:
            max_line = max(n_lines(data), SOURCE.count("\n") + 1)
            assert_problems(problems, {"page.map.toml", "page.txt"}, max_line=max_line)


@pytest.mark.parametrize("data", [b"d", b"[article]\nslug = ", b"x = [1,"])
def test_importer_map_file_toml_error_at_the_end_has_a_line(scratch: Path, data: bytes) -> None:
    from site_builder.ingest.mapfile import load_map

    (scratch / "page.map.toml").write_bytes(data)
    with pytest.raises(SiteError) as info:
        load_map(scratch / "page.map.toml", "page.map.toml")
    assert_problems(info.value.problems, {"page.map.toml"}, max_line=n_lines(data))


IMPORT_CASES: dict[str, tuple[bytes | None, str]] = {
    # name: (source file content, expected first problem: "" = must succeed)
    "10mb-source": (_sized("", SOURCE, 10 * MB), "page.txt:1: file is larger than 5 MB"),
    "10mb-random-bytes": (os.urandom(10 * MB), "page.txt:"),
    "huge-line": (("温岭强工兴市" * 200_000 + "\n").encode(), ""),
    "100k-short-lines": (("温岭\n" * 100_000).encode(), ""),
    "lone-surrogates": (SOURCE.replace("温岭", "温\udc80岭", 1).encode("utf-8", "surrogatepass"), "page.txt:"),
    "rtl-marks": (SOURCE.replace("。", "\u202e。\u2069", 50).encode(), ""),
    "nested-brackets": (("【" * 10_000 + "[" * 10_000 + "\n").encode(), ""),
    "a-folder": (None, "page.txt:1: not a regular file"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(IMPORT_CASES))
def test_import_cli_on_extreme_sources(tmp_path: Path, case: str) -> None:
    data, expected = IMPORT_CASES[case]
    root = make_project(tmp_path / "site", {})
    if data is None:
        (root / "page.txt").mkdir()
    else:
        (root / "page.txt").write_bytes(data)
    proc = run_cli(root, "import", "page.txt", "--date", "2022-02-09", timeout=600)
    assert_clean_outcome(proc, {"page.txt"})
    if expected:
        assert proc.returncode == 1
        assert any(line.startswith(expected) for line in proc.stderr.splitlines()), proc.stderr[:2000]
        assert not (root / "drafts").exists()
    else:
        assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.slow
def test_import_cli_on_a_deeply_nested_map_and_a_fifo(tmp_path: Path) -> None:
    root = make_project(tmp_path / "site", {})
    (root / "page.txt").write_text(SOURCE, encoding="utf-8")
    (root / "page.map.toml").write_text(_deep_toml(), encoding="utf-8")
    proc = run_cli(root, "import", "page.txt", "--dry-run", "--date", "2022-02-09")
    assert_clean_outcome(proc, {"page.map.toml"})
    assert proc.returncode == 1
    (root / "page.map.toml").unlink()
    os.mkfifo(root / "fifo.txt")
    proc = run_cli(root, "import", "fifo.txt", timeout=120)
    assert_clean_outcome(proc, {"fifo.txt"})
    assert proc.returncode == 1


# ---------------------------------------------------------------- the dev server keeps going


@pytest.mark.slow
def test_dev_server_survives_every_extreme_file_and_keeps_the_last_good_site(tmp_path: Path) -> None:
    from site_builder.build import build
    from site_builder.serve import DevSite

    root = make_project(tmp_path / "site", {"one.zh.md": ARTICLE})
    app = DevSite(root, root / "public", build=lambda r, o: build(r, o))
    assert app.rebuild().ok
    good = (root / "public" / "zh" / "articles" / "one" / "index.html").read_bytes()
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/zh/articles/one/", "HTTP_HOST": "127.0.0.1:8000"}
    for case in sorted(CLI_CASES):
        rel, data, expected = CLI_CASES[case]
        path = root / rel
        saved = path.read_bytes() if path.is_file() else None
        if data is None:
            path.mkdir()
        else:
            path.write_bytes(data)
        state = app.rebuild([rel])
        assert state.summary != "build crashed", (case, state.problems)
        if state.ok:
            good = (root / "public" / "zh" / "articles" / "one" / "index.html").read_bytes()
        if expected:
            assert not state.ok, case
            assert any(p.startswith(expected) for p in state.problems), (case, state.problems[:3])
            for line in state.problems:
                assert PROBLEM_LINE.match(line) or line.startswith("warning"), (case, line)
            status: list[str] = []
            body = b"".join(app(dict(environ), lambda s, headers: status.append(s)))
            assert status == ["200 OK"] and good.split(b"</main>")[0][-200:] in body, case
        if data is None:
            path.rmdir()
        elif saved is None:
            path.unlink()
        else:
            path.write_bytes(saved)
    assert app.rebuild().ok
