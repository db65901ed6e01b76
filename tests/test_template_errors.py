"""A broken template is reported at its own file and line, never with a traceback.

An error in a template that a page's template includes (an undefined name, a
missing include, a filter called wrongly, bytes that are not UTF-8) names the
included file and the line of the mistake, in serial and in parallel builds,
and leaves the output folder as it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder import build as build_module
from site_builder.build import build
from site_builder.errors import SiteError
from tests.fuzz_helpers import make_project, problem_lines, run_cli, site_files

HEAD = "templates/_article_head.html"


def _break_line(root: Path, rel: str, line: int, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` on line ``line`` (1-based) of ``rel``; the line must contain ``old``."""
    path = root / rel
    lines = path.read_text(encoding="utf-8").split("\n")
    assert old in lines[line - 1], (rel, line, lines[line - 1])
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("\n".join(lines), encoding="utf-8")


def _line_of(root: Path, rel: str, needle: str) -> int:
    lines = (root / rel).read_text(encoding="utf-8").split("\n")
    return next(n for n, text in enumerate(lines, 1) if needle in text)


CASES = {
    "undefined name": ("<h1", "</h1>", "{{ no_such_name.x }}</h1>", "'no_such_name' is undefined"),
    "missing include": ('{% include "_byline.html" %}', "_byline.html", "_no_such_part.html",
                        "template not found: _no_such_part.html"),
    "filter called wrongly": ("<h1", "</h1>", "{{ a.date | date(1, 2, 3) }}</h1>", "TypeError"),
    "syntax error": ("<h1", "</h1>", "{% if %}</h1>", "template syntax error"),
}


@pytest.mark.parametrize("jobs", [1, 2], ids=["serial", "parallel"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_an_error_in_an_included_template_names_that_file_and_line(tmp_path: Path, case: str, jobs: int,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path / "p")
    needle, old, new, message = CASES[case]
    line = _line_of(root, HEAD, needle)
    _break_line(root, HEAD, line, old, new)
    monkeypatch.setattr(build_module, "PARALLEL_MIN", 0 if jobs > 1 else 10**9)  # workers even for a small site
    with pytest.raises(SiteError) as caught:
        build(root, incremental=False, jobs=jobs)
    [problem] = caught.value.problems
    assert (problem.path, problem.line) == (HEAD, line), str(problem)
    assert message in problem.message, str(problem)


def test_a_template_that_is_not_utf8_is_named_with_its_line(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    byline = root / "templates" / "_byline.html"
    lines = byline.read_bytes().split(b"\n")
    lines[2] = lines[2] + b" \xff\xfe"
    byline.write_bytes(b"\n".join(lines))
    with pytest.raises(SiteError) as caught:
        build(root, incremental=False, jobs=1)
    [problem] = caught.value.problems
    assert (problem.path, problem.line) == ("templates/_byline.html", 3), str(problem)
    assert "UTF-8" in problem.message


def test_the_cli_reports_a_broken_include_in_one_line_and_keeps_the_last_site(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    assert run_cli(root, "build").returncode == 0
    before = site_files(root / "public")
    line = _line_of(root, HEAD, "<h1")
    _break_line(root, HEAD, line, "</h1>", "{{ no_such_name.x }}</h1>")
    proc = run_cli(root, "build")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    [found] = problem_lines(proc.stderr)
    assert (found["path"], int(found["line"])) == (HEAD, line), proc.stderr
    assert site_files(root / "public") == before


def test_a_missing_page_template_names_it(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    (root / "templates" / "parallel.html").unlink()
    with pytest.raises(SiteError) as caught:
        build(root, incremental=False, jobs=1)
    [problem] = caught.value.problems
    assert problem.path == "templates/parallel.html" and "template not found: parallel.html" in problem.message


def test_an_error_not_raised_by_a_template_keeps_its_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in the pipeline's own code is not disguised as a template error."""
    from site_builder import render

    root = make_project(tmp_path / "p")

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("a bug in the code")

    monkeypatch.setattr(render.urls, "relative_from", broken)
    with pytest.raises(RuntimeError, match="a bug in the code"):
        build(root, incremental=False, jobs=1)
