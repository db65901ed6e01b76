"""Nothing lost: a build or a translate run killed with SIGKILL at a random moment leaves old or new, never a mix.

The build runs on a few hundred generated articles so that it takes a while; it is
killed at random delays, and also just after its staging folder appears (the
moment that matters). Each time, every file of the output folder must match one of
the two complete builds, and nothing else may pose as the site. The translate run
is killed the same way while it writes the English files.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fuzz_helpers import ROOT, cli_env, make_project, site_files

pytestmark = pytest.mark.slow

N_ARTICLES = 150
KILLS = 6
SEED_ZH = (ROOT / "content" / "articles" / "wenling-industry-conference.zh.md").read_text(encoding="utf-8")
SEED_EN = (ROOT / "content" / "articles" / "wenling-industry-conference.en.md").read_text(encoding="utf-8")
# Search indexing runs before anything is written and only makes each build slower: off here.
NO_SEARCH = {"SITE_BUILDER_PAGEFIND": "/nonexistent/pagefind"}


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The CLI in its own process group, so a kill also takes any helper process it started."""
    return subprocess.Popen(
        [sys.executable, "-m", "site_builder", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def complete(env: dict[str, str], *args: str) -> None:
    """Run the CLI to its end; it must succeed."""
    proc = subprocess.run(
        [sys.executable, "-m", "site_builder", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]


def kill(proc: subprocess.Popen[bytes]) -> bool:
    """SIGKILL the process group; True if it was still running (the kill landed)."""
    running = proc.poll() is None
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=60)
    return running and proc.returncode == -signal.SIGKILL


def wait_for(predicate, proc: subprocess.Popen[bytes], limit: float = 300) -> bool:
    """Poll ``predicate`` until it holds or ``proc`` ends; True if it held while ``proc`` ran."""
    end = time.monotonic() + limit
    while proc.poll() is None and time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.001)
    return False


# ---------------------------------------------------------------- the build


def generated_project(dest: Path, variant: str) -> Path:
    """N_ARTICLES articles; variant "new" retitles every article, drops ten and adds ten."""
    arts = {}
    for i in range(N_ARTICLES + (10 if variant == "new" else 0)):
        if variant == "new" and i < 10:
            continue
        zh = SEED_ZH.replace("order = ", f"order = {i}#", 1)
        if variant == "new":
            zh = zh.replace('title = "', 'title = "（新）', 1)
        arts[f"a{i:03d}.zh.md"] = zh
        arts[f"a{i:03d}.en.md"] = SEED_EN
    return make_project(dest, arts)


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("kill-build")
    old, new = generated_project(base / "old", "old"), generated_project(base / "new", "new")
    ref = {}
    for name, root in (("old", old), ("new", new)):
        t0 = time.monotonic()
        complete(cli_env(**NO_SEARCH), "--root", str(root), "-q", "build", "--out", str(base / f"ref-{name}"))
        ref[name] = site_files(base / f"ref-{name}")
        ref[f"{name}-seconds"] = time.monotonic() - t0
    assert ref["old"] != ref["new"] and len(ref["new"]) > 4 * N_ARTICLES
    return {"base": base, "old_root": old, "new_root": new, **ref}


def reset_output(out: Path, files: dict[str, bytes]) -> None:
    """``out`` holds exactly ``files`` again, and nothing else lies beside it."""
    for p in out.parent.iterdir():
        if p.name == out.name or p.name.startswith(f".{out.name}."):
            shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
    for rel, data in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)


def check_output(out: Path, builds: dict) -> str:
    """'old' or 'new': the output folder is exactly one of the two complete builds; nothing else poses as the site."""
    assert out.is_dir(), "the output folder is gone"
    files = site_files(out)
    which = "old" if files == builds["old"] else "new" if files == builds["new"] else None
    if which is None:
        from_old = sum(1 for k, v in files.items() if builds["old"].get(k) == v)
        from_new = sum(1 for k, v in files.items() if builds["new"].get(k) == v)
        pytest.fail(f"a mix: {len(files)} files, {from_old} as in the old site, {from_new} as in the new one")
    for p in out.parent.iterdir():  # staging and swap folders are hidden and named after the output folder
        assert p == out or p.name.startswith(f".{out.name}."), f"stray {p.name} beside the site"
    return which


def test_killed_build_leaves_the_old_site_or_the_new_one(builds: dict) -> None:
    site = builds["base"] / "site"
    out = site / "public"
    site.mkdir()
    rng = random.Random(20220209)
    seconds = builds["new-seconds"]
    outcomes: list[tuple[str, float | str, bool, str]] = []
    from site_builder.deps import BuildCache

    BuildCache(builds["new_root"], out).own_output()  # the folder holds an earlier build of the project's
    for n in range(KILLS):
        reset_output(out, builds["old"])
        proc = start(["--root", str(builds["new_root"]), "-q", "build", "--out", str(out)], cli_env(**NO_SEARCH))
        if n % 2 == 0:  # anywhere in the run
            delay: float | str = rng.uniform(0.05, 0.9 * seconds)
            time.sleep(delay)
            staging = any(p.name.startswith(".public.new-") for p in site.iterdir())
        else:  # while the new site is being staged or swapped in
            delay = "staging"
            staging = wait_for(lambda: any(p.name.startswith(".public.new-") for p in site.iterdir()), proc)
            time.sleep(rng.uniform(0, 0.3))
        landed = kill(proc)
        outcomes.append((check_output(out, builds), delay, staging, "killed" if landed else "finished"))
    print(outcomes)
    killed = [o for o in outcomes if o[3] == "killed"]
    assert len(killed) >= KILLS // 2, outcomes
    assert any(o[2] for o in killed), f"no kill landed while the site was being staged: {outcomes}"
    # the next build finishes the job and tidies up
    complete(cli_env(**NO_SEARCH), "--root", str(builds["new_root"]), "-q", "build", "--out", str(out))
    assert check_output(out, builds) == "new"
    assert sorted(p.name for p in site.iterdir()) == ["public"]


def write_site(out: Path, files: dict[str, bytes]) -> None:
    """What a build does with its files: stage them and swap the folder in (site_builder.stage)."""
    from site_builder.stage import Stage

    with Stage(out) as stage:
        for rel, data in files.items():
            stage.put(rel, data)
        stage.commit()


def test_interrupted_fallback_swap_is_undone_by_the_next_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without renameat2 the swap is two renames; dying between them leaves the old site at .public.old."""
    from site_builder import output

    out = tmp_path / "public"
    write_site(out, {"index.html": b"old"})
    monkeypatch.setattr(output, "_exchange", lambda a, b: False)
    real_rename = os.rename
    calls = []

    def dying_rename(src: os.PathLike[str], dst: os.PathLike[str]) -> None:
        calls.append(dst)
        real_rename(src, dst)
        if len(calls) == 1:
            raise KeyboardInterrupt  # the process dies right after the first rename

    monkeypatch.setattr(output.os, "rename", dying_rename)
    with pytest.raises(KeyboardInterrupt):
        write_site(out, {"index.html": b"new"})
    monkeypatch.setattr(output.os, "rename", real_rename)
    assert not out.exists() and (tmp_path / ".public.old" / "index.html").read_bytes() == b"old"
    write_site(out, {"index.html": b"new", "b.html": b"b"})
    assert site_files(out) == {"index.html": b"new", "b.html": b"b"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]


def test_builds_beside_one_output_folder_take_turns(tmp_path: Path) -> None:
    """A second build waits while another holds the folder: it would delete the other's staging folder."""
    import fcntl
    import threading

    fd = os.open(tmp_path, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # as a build in progress holds it
    try:
        worker = threading.Thread(target=write_site, args=(tmp_path / "public", {"index.html": b"x"}))
        worker.start()
        worker.join(0.5)
        assert worker.is_alive() and not (tmp_path / "public").exists()
    finally:
        os.close(fd)
    worker.join(60)
    assert not worker.is_alive() and (tmp_path / "public" / "index.html").read_bytes() == b"x"


# ---------------------------------------------------------------- translate

N_TRANSLATE = 24
BRANCHES = "甲乙丙丁戊己庚辛壬癸"


def translate_project(dest: Path) -> Path:
    """Articles whose English files hold only a reviewed title: translate must fill and rewrite them all;
    a few have no English file at all."""
    arts = {}
    for i in range(N_TRANSLATE):
        # a different sentence in every paragraph of every article, so the model has real work to do
        mark = f"，{BRANCHES[i % 10]}{BRANCHES[i // 10 % 10]}处。\n"
        arts[f"a{i:03d}.zh.md"] = SEED_ZH.replace("order = ", f"order = {i}#", 1).replace("。\n", mark)
        if i % 7:
            arts[f"a{i:03d}.en.md"] = f"<!-- § title status=reviewed -->\nTitle {i}, checked by a translator.\n"
    return make_project(dest, arts)


@pytest.fixture(scope="module")
def argos_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """argostranslate pointed at temporary folders holding the tiny test package (tests/argos_tiny.py)."""
    pytest.importorskip("argostranslate")
    from tests.argos_tiny import build_package

    base = tmp_path_factory.mktemp("kill-argos")
    env = cli_env(
        ARGOS_PACKAGES_DIR=str(base / "packages"),
        XDG_DATA_HOME=str(base / "data"),
        XDG_CONFIG_HOME=str(base / "config"),
        XDG_CACHE_HOME=str(base / "cache"),
        ARGOS_DEVICE_TYPE="cpu",
    )
    complete(env, "models", "install", "--from-file", str(build_package(base / "build")))
    return env


def english_files(root: Path) -> dict[str, bytes]:
    folder = root / "content" / "articles"
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name.endswith((".en.md", ".en.md~"))}


@pytest.mark.argos
def test_killed_translate_leaves_each_english_file_old_or_new_with_a_backup(
    tmp_path: Path, argos_env: dict[str, str]
) -> None:
    pristine = translate_project(tmp_path / "pristine")
    before = english_files(pristine)
    full = tmp_path / "full"
    shutil.copytree(pristine, full)
    t0 = time.monotonic()
    complete(argos_env, "--root", str(full), "-q", "translate")
    seconds = time.monotonic() - t0
    after = {k: v for k, v in english_files(full).items() if not k.endswith("~")}
    assert len(after) == N_TRANSLATE and all(after[k] != before.get(k) for k in after)

    rng = random.Random(8)
    outcomes = []
    for n in range(KILLS):
        work = tmp_path / f"run{n}"
        shutil.copytree(pristine, work)
        articles = work / "content" / "articles"
        run = start(["--root", str(work), "-q", "translate"], argos_env)
        if n % 2 == 0:
            time.sleep(rng.uniform(0.1, seconds))
        else:  # once the first English file has been rewritten
            wait_for(lambda: any(p.name.endswith("~") for p in articles.iterdir()), run)
            time.sleep(rng.uniform(0, 0.05))
        landed = kill(run)
        now = english_files(work)
        states = []
        for name, data in now.items():
            if name.endswith("~"):
                continue
            assert data in (before.get(name), after[name]), f"{name} is neither as it was nor fully updated"
            updated = data == after[name] and data != before.get(name)
            states.append(updated)
            if updated and name in before:
                assert now.get(name + "~") == before[name], f"{name} was rewritten without a backup of the old text"
        for name in before:
            assert name in now, f"{name} disappeared"
        memory = work / "content" / "translation-memory.jsonl"
        if memory.exists():
            for line in memory.read_text(encoding="utf-8").splitlines():
                json.loads(line)
        outcomes.append((landed, sum(states)))
        if n == KILLS - 1:  # a new run after a kill completes the work
            complete(argos_env, "--root", str(work), "-q", "translate")
            assert {k: v for k, v in english_files(work).items() if not k.endswith("~")} == after
    print(outcomes)
    assert sum(1 for landed, _ in outcomes if landed) >= KILLS // 2, outcomes
    assert any(landed and 0 < k < N_TRANSLATE for landed, k in outcomes), f"no kill landed mid-write: {outcomes}"
