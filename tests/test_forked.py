"""Work done by a forked child process: its value, or the same as one process would do when anything goes wrong."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from site_builder.errors import ContentError
from site_builder.forked import Forked
from site_builder.registry import load_registry, registry_meanwhile


def test_the_childs_value_comes_back_and_is_made_there() -> None:
    parent = os.getpid()
    job = Forked(lambda: (os.getpid(), "温岭" * 100_000), fallback=lambda: (parent, ""))
    pid, text = job.result()
    assert pid != parent and text == "温岭" * 100_000  # more than a pipe holds: read as it is written
    assert job.result() == (pid, text)


def test_a_child_that_fails_leaves_the_work_to_the_fallback() -> None:
    def boom() -> int:
        raise ValueError("in the child")

    assert Forked(boom, fallback=lambda: 7).result() == 7
    assert Forked(lambda: (lambda: 1), fallback=lambda: None).result() is None  # a value that does not pickle

    def dies() -> int:
        os._exit(3)

    assert Forked(dies, fallback=lambda: 8).result() == 8
    with pytest.raises(ValueError, match="in the child"):  # the fallback of `make` raises here, as one process would
        Forked(boom, fallback=boom).result()


def test_a_job_never_asked_for_its_value_still_ends_its_child() -> None:
    started = time.monotonic()
    job = Forked(lambda: "x" * 1_000_000, fallback=lambda: "")  # blocked on a full pipe until it is read
    pid = job._pid
    del job
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)  # already reaped
    assert time.monotonic() - started < 60


def _registry(project: Path, text: str) -> None:
    (project / "content/entities.toml").write_text(text, encoding="utf-8")


def test_the_registry_parsed_meanwhile_is_the_registry(project: Path) -> None:
    assert registry_meanwhile(project)() == load_registry(project)


@pytest.mark.parametrize("text", ["[[entity]]\nid = \"x\"\nzh = \n", "[[entity]]\nid = \"Bad Id\"\ntype = \"place\"\nzh = \"温岭\"\n"])
def test_a_bad_registry_parsed_meanwhile_fails_as_it_does_at_once(project: Path, text: str) -> None:
    _registry(project, text)
    with pytest.raises(ContentError) as at_once:
        load_registry(project)
    with pytest.raises(ContentError) as meanwhile:
        registry_meanwhile(project)()
    assert [str(p) for p in meanwhile.value.problems] == [str(p) for p in at_once.value.problems]
    assert at_once.value.problems[0].path == "content/entities.toml"


def test_with_one_cpu_nothing_is_forked(monkeypatch: pytest.MonkeyPatch) -> None:
    import site_builder.forked as forked_module

    monkeypatch.setattr(forked_module, "cpus", lambda: 1)
    job = Forked(lambda: os.getpid(), fallback=lambda: -os.getpid())
    assert job._pid == 0 and job.result() == -os.getpid()  # made here, by the fallback
