"""The staging folder: files streamed in, the old site recycled, nothing wrong ever published."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from site_builder.build import build
from site_builder.deps import CACHE_DIR, read_record
from site_builder.stage import Stage, content_digest, scan

from .test_incremental import clean_build, edit, site_files

ZH = "content/articles/valeo-wenling.zh.md"


@pytest.fixture(autouse=True)
def no_search_indexer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITE_BUILDER_PAGEFIND", "/nonexistent/pagefind")


def spare_of(project: Path) -> Path:
    spares = [p for p in (project / CACHE_DIR / "spare").iterdir() if p.is_dir()]
    assert len(spares) == 1, spares
    return spares[0]


def test_the_old_site_is_kept_and_recycled(project: Path, tmp_path: Path) -> None:
    build(project)
    edit(project / ZH, "占有率第一", "占有率第一（一）")
    build(project)
    spare = spare_of(project)  # the first site, swapped out
    assert "占有率第一（一）" not in (spare / "zh/articles/valeo-wenling/index.html").read_text(encoding="utf-8")
    inode = os.stat(spare).st_ino
    edit(project / ZH, "占有率第一（一）", "占有率第一（二）")
    report = build(project)
    assert os.stat(project / "public").st_ino == inode  # the spare became the site
    assert 0 < report.written < 20
    assert site_files(project / "public") == clean_build(project, tmp_path / "clean")
    assert sorted(p.name for p in project.iterdir() if p.name.startswith((".public", "public"))) == ["public"]


def test_a_spare_file_changed_by_hand_is_not_published(project: Path, tmp_path: Path) -> None:
    build(project)
    edit(project / ZH, "占有率第一", "占有率第一（一）")
    build(project)
    victim = spare_of(project) / "en/index.html"  # the same in every build: it would be recycled as it is
    victim.write_bytes(victim.read_bytes().replace(b"</body>", b"<p>planted</p></body>"))
    edit(project / ZH, "占有率第一（一）", "占有率第一（二）")
    build(project)
    assert b"planted" not in (project / "public/en/index.html").read_bytes()
    assert site_files(project / "public") == clean_build(project, tmp_path / "clean")


def test_a_site_file_changed_in_place_does_not_reach_later_builds(project: Path, tmp_path: Path) -> None:
    """A published file may share its inode with the spare; editing it in place must not poison either."""
    build(project)
    for n in range(3):
        edit(project / ZH, "占有率第一", f"占有率第一{n}")
        build(project)
        page = project / "public/en/index.html"
        with open(page, "r+b") as fh:  # in place: same inode
            data = fh.read()
            fh.seek(0)
            fh.write(data.replace(b"<html", b"<HTML", 1))
    edit(project / ZH, "占有率第一", "占有率第一x")
    build(project)
    build(project)
    assert site_files(project / "public") == clean_build(project, tmp_path / "clean")


def test_a_stray_file_in_the_site_goes_and_stays_gone(project: Path, tmp_path: Path) -> None:
    build(project)
    (project / "public/zh/stray.html").write_text("left here by hand", encoding="utf-8")
    for n in range(3):
        edit(project / ZH, "占有率第一", f"占有率第一{n}")
        build(project)
        assert not (project / "public/zh/stray.html").exists()
    assert site_files(project / "public") == clean_build(project, tmp_path / "clean")


def someones_folder(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A folder of files no build made, as ``--out`` might name by mistake."""
    folder = tmp_path / "theirs"
    files = {"index.html": b"<p>my own page</p>", "notes/todo.txt": b"keep me", "zh/index.html": b"mine too"}
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    return folder, files


@pytest.mark.parametrize("full", [False, True])
def test_a_folder_of_files_no_build_made_is_not_replaced(project: Path, tmp_path: Path, full: bool,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """``--out`` naming a folder of someone's files: the build stops before replacing any of them."""
    import shutil

    from site_builder.cli import main

    folder, files = someones_folder(tmp_path)
    args = ["--root", str(project), "-q", "build", "--out", str(folder)] + (["--full"] if full else [])
    assert main(args) == 1
    err = capsys.readouterr().err
    assert f"{folder}: this build would delete or replace 3 files that no build of this project made: " \
           "index.html, notes/todo.txt, zh/index.html." in err
    assert "Traceback" not in err
    assert {rel: (folder / rel).read_bytes() for rel in scan(folder)} == files
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", "theirs"]  # no staging folder left
    assert "build again with `site-builder build --force`" in err  # the way out, when the files are the site's

    # --force: the folder is the project's from then on (an earlier build of the site, whose record was lost)
    forced = tmp_path / "forced"
    shutil.copytree(folder, forced)
    assert main(["--root", str(project), "-q", "build", "--out", str(forced), "--force"]) == 0
    assert site_files(forced) == clean_build(project, tmp_path / "clean")
    (forced / "stray.html").write_text("left here by hand", encoding="utf-8")
    assert main(["--root", str(project), "-q", "build", "--out", str(forced)]) == 0
    assert not (forced / "stray.html").exists()
    shutil.rmtree(forced)

    # emptied, it is the build's: a file left there by hand later goes, as in the project's own output folder
    for rel in files:
        (folder / rel).unlink()
    assert main(args) == 0
    (folder / "stray.html").write_text("left here by hand", encoding="utf-8")
    edit(project / ZH, "占有率第一", "占有率第一（改）")
    assert main(args) == 0
    assert not (folder / "stray.html").exists()
    assert site_files(folder) == clean_build(project, tmp_path / "clean")


def test_files_that_would_stay_as_they_are_are_no_loss(project: Path, tmp_path: Path) -> None:
    """A folder holding an earlier build of the site byte for byte (and nothing else) may be built into."""
    site = clean_build(project, tmp_path / "clean")
    folder = tmp_path / "copy"
    for rel, data in site.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    report = build(project, folder)
    assert (report.written, report.removed) == (0, 0)
    (folder / "stray.html").write_text("not the site's", encoding="utf-8")
    edit(project / ZH, "占有率第一", "占有率第一（改）")
    build(project, folder)  # recorded by the last build as the project's: a stray file goes
    assert not (folder / "stray.html").exists()


def test_the_project_output_folder_stays_its_own(project: Path, tmp_path: Path) -> None:
    """site.toml's output folder is the project's, with or without a build cache; a folder the project built
    into stays its own when the record of the last build is dropped (a file saved during a build, say)."""
    import shutil

    from site_builder.deps import BuildCache

    build(project)
    shutil.rmtree(project / CACHE_DIR)  # safe to delete
    edit(project / ZH, "占有率第一", "占有率第一（改）")
    (project / "public/stray.html").write_text("left here by hand", encoding="utf-8")
    build(project)
    assert not (project / "public/stray.html").exists()

    folder = tmp_path / "elsewhere"
    build(project, folder)
    BuildCache(project, folder).forget()
    edit(project / ZH, "占有率第一（改）", "占有率第一（再改）")
    build(project, folder)
    assert site_files(folder) == clean_build(project, tmp_path / "clean")


def test_nothing_changed_means_no_staging_folder(tmp_path: Path) -> None:
    out = tmp_path / "site"
    with Stage(out) as stage:
        stage.put("index.html", b"one")
        stage.commit()
    before = {p: p.stat().st_ino for p in out.rglob("*")}
    with Stage(out) as stage:
        outcome = stage.put("index.html", b"one")
        assert not outcome.changed and stage.dir is None
        report = stage.commit()
    assert (report.written, report.unchanged, report.removed) == (0, 1, 0)
    assert {p: p.stat().st_ino for p in out.rglob("*")} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_failed_build_leaves_the_site_and_no_stage(tmp_path: Path) -> None:
    out = tmp_path / "site"
    with Stage(out) as stage:
        stage.put("index.html", b"old")
        stage.commit()
    with pytest.raises(RuntimeError), Stage(out) as stage:
        stage.put("index.html", b"new")
        stage.put("a/b.html", b"more")
        raise RuntimeError("the build broke")
    assert scan(out).keys() == {"index.html"} and (out / "index.html").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_full_disk_names_the_file_and_leaves_the_site(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """A write that fails (no space left, a quota) names the page it was writing; the last site stays."""
    import errno

    from site_builder import stage as stage_module
    from site_builder.cli import main

    build(project)
    before = site_files(project / "public")
    edit(project / "content/articles/valeo-wenling.zh.md", "占有率第一", "占有率第一（改）")
    real_open = open

    class Full:
        def __init__(self, fh: object) -> None:
            self.fh = fh

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()  # type: ignore[attr-defined]

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(stage_module, "open", lambda *a, **k: Full(real_open(*a, **k)), raising=False)
    with pytest.raises(OSError) as caught:
        build(project, jobs=1)
    assert caught.value.errno == errno.ENOSPC
    assert caught.value.filename == str(project / "public" / "zh/articles/valeo-wenling/index.html")
    assert site_files(project / "public") == before
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".public")) == []
    capsys.readouterr()
    assert main(["--root", str(project), "-q", "build", "--full"]) == 1
    assert capsys.readouterr().err.strip().endswith(": No space left on device")  # one line, naming the page


def test_records_say_what_each_file_holds(tmp_path: Path) -> None:
    out = tmp_path / "site"
    with Stage(out) as stage:
        stage.put("a/index.html", b"alpha")
        stage.put("b.html", b"beta")
        stage.commit()
    for rel, rec in stage.files.items():
        st = os.lstat(out / rel)
        assert (rec.size, rec.mtime_ns, rec.ino) == (st.st_size, st.st_mtime_ns, st.st_ino)
        assert rec.digest == content_digest((out / rel).read_bytes())


def _output(tmp_path: Path) -> tuple[Path, dict[str, list[int]]]:
    """A small output folder and the records of its files, as a build keeps them."""
    out = tmp_path / "out"
    for rel in ("index.html", "zh/index.html", "zh/articles/a/index.html", "zh/articles/a/parallel/index.html",
                "static/site.css"):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(rel)
    return out, {rel: list(st) for rel, st in scan(out).items() if st is not None}


def test_an_untouched_output_is_recognised_from_its_records_alone(tmp_path: Path) -> None:
    from site_builder.stage import folder_records, untouched

    out, files = _output(tmp_path)
    folders = folder_records(out, files)
    assert set(folders) == {"", "zh", "zh/articles", "zh/articles/a", "zh/articles/a/parallel", "static"}
    assert untouched(out, files, folders)
    assert not untouched(out, {**files, "zh/gone.html": [1, 2, 3]}, folders)  # a recorded file missing


@pytest.mark.parametrize("change", ["add file", "add folder", "remove", "rewrite", "replace", "rename"])
def test_any_change_to_the_output_is_seen_without_listing_it(tmp_path: Path, change: str) -> None:
    from site_builder.stage import folder_records, untouched

    out, files = _output(tmp_path)
    folders = {rel: [mtime, ino, 0] for rel, (mtime, ino, _racy) in folder_records(out, files).items()}  # not racy
    page = out / "zh/articles/a/index.html"
    if change == "add file":
        (out / "zh/articles/extra.html").write_text("x")
    elif change == "add folder":
        (out / "zh/articles/a/parallel/new").mkdir()
    elif change == "remove":
        (out / "static/site.css").unlink()
    elif change == "rewrite":  # same size, new time
        page.write_text("Z" * page.stat().st_size)
        os.utime(page, ns=(files["zh/articles/a/index.html"][1] + 10**9,) * 2)
    elif change == "replace":  # another file put in its place, time and size kept
        tmp = out / "zh/articles/a/.tmp"
        tmp.write_text(page.read_text())
        os.utime(tmp, ns=(files["zh/articles/a/index.html"][1],) * 2)
        tmp.replace(page)
        st = (out / "zh/articles/a").stat()
        os.utime(out / "zh/articles/a", ns=(st.st_atime_ns, folders["zh/articles/a"][0]))  # even the folder's time
    else:
        (out / "zh/index.html").rename(out / "zh/other.html")
    assert not untouched(out, files, folders), change


def test_a_folder_changed_just_before_it_was_recorded_is_listed(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder changed within a tick of the file system's clock of being recorded may change again without its
    time changing: such folders are marked, and listed when checked."""
    from site_builder import stage
    from site_builder.stage import folder_records, untouched

    out, files = _output(tmp_path)
    os.utime(out / "static", ns=(0, 0))  # long ago
    monkeypatch.setattr(stage, "RACY_NS", 3600 * 10**9)  # "just before": within the hour, however slow the machine
    monkeypatch.setattr(stage, "FINE_RACY_NS", 3600 * 10**9)
    folders = folder_records(out, files)
    assert folders["zh/articles/a"][2] == 1 and folders["static"][2] == 0
    st = (out / "zh/articles/a").stat()
    (out / "zh/articles/a/stray.html").write_text("x")
    os.utime(out / "zh/articles/a", ns=(st.st_atime_ns, st.st_mtime_ns))  # as if within the same tick
    assert not untouched(out, files, folders)
    assert untouched(out, {**files, "zh/articles/a/stray.html": list(scan(out)["zh/articles/a/stray.html"])},
                     folders)


def test_the_racy_window_is_the_file_systems_clock(tmp_path: Path) -> None:
    """Times in whole seconds (HFS+, FAT, or any file system that keeps no finer) get two seconds; finer
    times a tenth of a second, many ticks of the kernel's clock."""
    import time

    from site_builder.stage import FINE_RACY_NS, RACY_NS, folder_records, racy_window

    assert racy_window(1_700_000_000 * 10**9) == RACY_NS == 2 * 10**9
    assert racy_window(1_700_000_000 * 10**9 + 4_000_000) == FINE_RACY_NS == 10**8
    out, files = _output(tmp_path)
    now = time.time_ns()
    half_a_second_ago = now - 500_000_000
    whole = half_a_second_ago - half_a_second_ago % 10**9  # a whole second, at most 1.5 s ago
    os.utime(out / "static", ns=(now, whole))
    os.utime(out / "zh/articles/a", ns=(now, half_a_second_ago if half_a_second_ago % 10**9 else half_a_second_ago + 1))
    folders = folder_records(out, files)
    assert folders["static"][2] == 1  # a whole second, within two of now: listed when checked
    assert folders["zh/articles/a"][2] == 0  # half a second ago on a clock that keeps nanoseconds: settled


def test_an_output_with_a_folder_no_record_names_is_listed_instead(tmp_path: Path) -> None:
    from site_builder.stage import folder_records

    out, files = _output(tmp_path)
    (out / "zh/empty").mkdir()  # no file in it: the records cannot name it
    assert folder_records(out, files) == {}  # so no folder is recorded, and the next check lists the output


def test_a_no_change_build_sees_a_file_dropped_into_the_output(project: Path) -> None:
    """End to end: the build records its folders, and the next build notices a stray file and removes it."""

    build(project)
    manifest = read_record(next((project / CACHE_DIR / "builds").glob("*.record")))
    assert manifest["folders"] and "" in manifest["folders"]
    stray = project / "public" / "zh" / "stray.html"
    stray.write_text("not ours")
    report = build(project)
    assert not stray.exists() and report.removed == 1


def test_the_output_as_found_is_the_same_from_the_records_as_from_a_listing(project: Path) -> None:
    from site_builder.deps import BuildCache

    build(project)
    out = project / "public"
    cache = BuildCache(project, out)
    assert cache.old.folders  # the records are used, not a listing
    assert cache.live == scan(out)
    (out / "zh" / "stray.html").write_text("x")
    assert BuildCache(project, out).live == scan(out)  # touched: listed


def test_folders_listed_because_they_had_just_changed_are_settled_by_the_next_check(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:

    from site_builder import stage

    def folders() -> dict[str, list[int]]:
        return read_record(next((project / CACHE_DIR / "builds").glob("*.record")))["folders"]

    monkeypatch.setattr(stage, "RACY_NS", 3600 * 10**9)  # every folder changed "just now"
    monkeypatch.setattr(stage, "FINE_RACY_NS", 3600 * 10**9)
    build(project)
    assert all(racy for _m, _i, racy in folders().values())
    assert build(project).written == 0  # listed, and still too recent to settle
    assert all(racy for _m, _i, racy in folders().values())
    monkeypatch.setattr(stage, "RACY_NS", 0)  # time passes
    assert build(project).written == 0
    assert not any(racy for _m, _i, racy in folders().values())  # settled: a stat each from now on
    stray = project / "public" / "en" / "stray.html"
    stray.write_text("x")
    assert build(project).removed == 1 and not stray.exists()  # still seen


def _spy_on_listings(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every listing of a folder of the site, the staging folder or the spare (``scan``, ``os.listdir``)."""
    from site_builder import stage

    listed: list[Path] = []
    real_scan, real_listdir = stage.scan, os.listdir

    def note(folder: str | Path) -> None:
        if any(part.startswith((".public", "public")) or part == "spare" for part in Path(folder).parts):
            listed.append(Path(folder))

    def spy_scan(folder: Path, folders: set[str] | None = None) -> dict:
        note(folder)
        return real_scan(folder, folders)

    def spy_listdir(folder: str | Path = ".") -> list[str]:
        note(folder)
        return real_listdir(folder)

    monkeypatch.setattr(stage, "scan", spy_scan)
    monkeypatch.setattr(stage.os, "listdir", spy_listdir)
    return listed


def test_the_spare_is_recycled_from_its_records_without_listing_it(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:

    from site_builder import stage

    monkeypatch.setattr(stage, "RACY_NS", 0)  # every folder recorded long after it last changed
    build(project)
    edit(project / ZH, "占有率第一", "占有率第一（一）")
    build(project)  # the first site becomes the spare, with the records of its folders checked by this build
    record = read_record(next((project / CACHE_DIR / "spare").glob("*.record")))
    assert record["folders"] and "" in record["folders"] and "zh/articles/valeo-wenling" in record["folders"]
    listed = _spy_on_listings(monkeypatch)
    edit(project / ZH, "占有率第一（一）", "占有率第一（二）")
    report = build(project)
    assert listed == []  # neither the output folder nor the recycled spare was listed
    assert 0 < report.written < 20
    assert site_files(project / "public") == clean_build(project, tmp_path / "clean")


@pytest.mark.parametrize("change", ["stray file", "stray folder", "file removed", "file replaced"])
def test_a_spare_changed_by_hand_is_listed_and_nothing_of_the_change_is_published(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    from site_builder import stage

    monkeypatch.setattr(stage, "RACY_NS", 0)
    build(project)
    edit(project / ZH, "占有率第一", "占有率第一（一）")
    build(project)
    spare = spare_of(project)
    page = spare / "en/index.html"  # the same in every build: recycled as it is unless the change is seen
    if change == "stray file":
        (spare / "zh/articles/valeo-wenling/planted.html").write_text("planted")
    elif change == "stray folder":
        (spare / "zh/planted").mkdir()
    elif change == "file removed":
        page.unlink()
    else:  # a new file under the old name: a new inode
        data = page.read_bytes()
        page.unlink()
        page.write_bytes(data.replace(b"</body>", b"<p>planted</p></body>"))
    listed = _spy_on_listings(monkeypatch)
    edit(project / ZH, "占有率第一（一）", "占有率第一（二）")
    build(project)
    assert any(p.name.startswith(".public.new-") for p in listed), listed  # the recycled spare was listed
    assert site_files(project / "public") == clean_build(project, tmp_path / "clean")
    assert not (project / "public/zh/planted").exists()


def test_marks_of_folders_that_are_gone_are_dropped(project: Path, tmp_path: Path) -> None:
    """`check` builds into a temporary folder, which gets a mark; the next build drops the marks of gone folders."""
    import shutil

    from site_builder.check import run_check

    elsewhere = tmp_path / "elsewhere"
    build(project, elsewhere, incremental=False)
    run_check(project)
    marks = {p: p.read_text(encoding="utf-8") for p in (project / CACHE_DIR / "builds").glob("*.owner")}
    assert str(elsewhere) in marks.values() and len(marks) == 2  # elsewhere, and the check's folder (now gone)
    shutil.rmtree(elsewhere)
    build(project)
    marks = {p: p.read_text(encoding="utf-8") for p in (project / CACHE_DIR / "builds").glob("*.owner")}
    assert list(marks.values()) == [str((project / "public").resolve())]
