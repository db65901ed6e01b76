"""The command line as a user meets it: where options go, and a folder that is not a project."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from site_builder.cli import ON_PROJECT, main


def test_commands_outside_a_project_say_so_and_touch_nothing(tmp_path: Path) -> None:
    """Before, `status` printed an empty table, `translate` 'nothing to translate' and `serve` served
    an error page, all in a folder with no project; now each stops with one line naming the file."""
    empty = tmp_path / "not-a-project"
    empty.mkdir()
    assert ON_PROJECT == {"build", "ids", "translate", "review", "status", "check", "serve"}
    for command in sorted(ON_PROJECT):
        argv = [command, "some-article"] if command == "review" else [command]
        proc = subprocess.run([sys.executable, "-m", "site_builder", *argv], cwd=empty, capture_output=True,
                              text=True, timeout=60)
        assert proc.returncode == 1, (command, proc.stdout, proc.stderr)
        assert proc.stderr.splitlines() == [
            f"content/site.toml: missing site configuration (is {empty} a site_builder project? "
            "Run the command in the project folder or pass --root)", "1 error; nothing was written"], command
        assert proc.stdout == ""
        assert list(empty.iterdir()) == [], command


def test_import_and_models_need_no_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "page.txt"
    page.write_text("本报讯 温岭召开大会。\n", encoding="utf-8")
    assert main(["--root", str(tmp_path), "import", str(page), "--dry-run"]) == 0
    assert "missing site configuration" not in capsys.readouterr().err


def test_common_options_go_before_or_after_the_command(tiny: Path, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITE_BUILDER_PAGEFIND", "/nonexistent/pagefind")
    monkeypatch.chdir(tiny.parent)  # not the project: --root must reach the command from either place
    for argv in (["--root", str(tiny), "build"], ["build", "--root", str(tiny)]):
        assert main(argv) == 0
    assert main(["build", "--root", str(tiny), "-q"]) == 0
    assert main(["-q", "build", "--root", str(tiny)]) == 0
    capsys.readouterr()
    # -v after the command: a traceback with the error (without it: the error alone)
    (tiny / "content/articles/one.zh.md").write_text("+++\ntitle = \n+++\n", encoding="utf-8")
    assert main(["build", "--root", str(tiny)]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert main(["build", "--root", str(tiny), "-v"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "content/articles/one.zh.md:2: invalid TOML" in err
    # an option given after the command wins over the same option given before it
    assert main(["--root", str(tiny.parent), "build", "--root", str(tiny)]) == 1
    assert "one.zh.md:2" in capsys.readouterr().err


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_output_that_cannot_encode_chinese_gets_escapes_not_a_crash(project: Path, encoding: str) -> None:
    """A pipe or console in a code page without Chinese (Windows, a C locale): the report still comes out."""
    import os

    zh = project / "content/articles/valeo-wenling.zh.md"
    zh.write_text(zh.read_text(encoding="utf-8").replace("7亿元", "8亿元", 1), encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": encoding, "SITE_BUILDER_PAGEFIND": "/nonexistent/pagefind"}
    proc = subprocess.run([sys.executable, "-m", "site_builder", "--root", str(project), "status"],
                          capture_output=True, env=env, timeout=120, check=False)
    out = proc.stdout.decode(encoding)
    assert proc.returncode == 0, proc.stderr.decode(encoding, "replace")
    assert "valeo-wenling" in out and "8\\u4ebf\\u5143" in out  # 8亿元, the changed words, as escapes
    assert b"Traceback" not in proc.stderr


def test_the_program_ends_without_freeing_its_memory_but_after_every_exit_handler(tiny: Path) -> None:
    """``run()`` skips the interpreter's teardown (0.4 s for a large build): output and exit handlers still come out."""
    import os

    script = ("import atexit, sys\n"
              "atexit.register(lambda: print('exit handler ran', file=sys.stderr))\n"
              "from site_builder.cli import run\n"
              "print('before', end='')\n"  # unflushed when the program ends: flushed all the same
              "sys.argv = ['site-builder', *sys.argv[1:]]\n"
              "run()\n")
    env = {**os.environ, "SITE_BUILDER_PAGEFIND": "/nonexistent/pagefind"}
    ok = subprocess.run([sys.executable, "-c", script, "--root", str(tiny), "build"], capture_output=True, text=True,
                        env=env, timeout=120, check=False)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("before") and "exit handler ran" in ok.stderr and "built " in ok.stderr
    assert (tiny / "public/zh/index.html").is_file()
    bad = subprocess.run([sys.executable, "-c", script, "--root", str(tiny / "nowhere"), "build"], capture_output=True,
                         text=True, env=env, timeout=120, check=False)
    assert bad.returncode == 1 and "exit handler ran" in bad.stderr and "Traceback" not in bad.stderr
