"""The next state of an output folder, prepared out of sight and swapped in at once.

A build hands each output file to a :class:`Stage` as soon as it is made,
rather than holding the whole site in memory until the end. The write is all or
nothing (a hidden sibling folder swapped with the output folder in one rename,
:func:`site_builder.output.swap_in`), and cheap:

* files whose bytes did not change are not written. The staging folder is only
  made at the first file that differs, unchanged files are hard-linked into it,
  and if no file differs the output folder is left exactly as it was;
* with :class:`Record` s of the files of earlier builds (content digest, size,
  mtime and inode, kept by :mod:`site_builder.deps`), the site swapped out is not
  deleted but kept as a *spare*, and the next build recycles it as its staging
  folder: only the files that differ from the spare are written, and the rest of
  the site costs one ``lstat`` per file instead of a directory, a hard link and,
  later, two deletions. The spare lives in the build cache, never beside the
  output folder, and is recognised by the inode and ctime of its folder. Like
  the output folder, it is checked from the records of its folders and files
  (:func:`untouched`) when it has them, and listed otherwise; a listed spare
  loses any file or folder the new site does not have.

Every file taken from the output folder or the spare is first checked against
its record (size, mtime, inode), so a file edited by hand is never mistaken for
one the build wrote; files are replaced, never written in place, because an
inode may be shared by the site and the spare.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import shutil
import stat
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from site_builder import output
from site_builder.errors import SiteError
from site_builder.output import WriteReport

log = logging.getLogger(__name__)

Stat = tuple[int, int, int]  # size, mtime_ns, inode


def content_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass(frozen=True)
class Record:
    """One file as a build left it."""

    size: int
    mtime_ns: int
    ino: int
    digest: str

    @property
    def stat(self) -> Stat:
        return (self.size, self.mtime_ns, self.ino)

    def to_json(self) -> list[int | str]:
        return [self.size, self.mtime_ns, self.ino, self.digest]

    @classmethod
    def from_json(cls, value: object) -> Record | None:
        if isinstance(value, list) and len(value) == 4 and all(isinstance(v, int) for v in value[:3]) \
                and isinstance(value[3], str):
            return cls(value[0], value[1], value[2], value[3])
        return None


def stat_of(st: os.stat_result) -> Stat | None:
    """(size, mtime, inode) of a regular file; None for anything else."""
    return (st.st_size, st.st_mtime_ns, st.st_ino) if stat.S_ISREG(st.st_mode) else None


def scan(folder: Path, folders: set[str] | None = None) -> dict[str, Stat | None]:
    """Every file under ``folder`` (relative path -> its stat, None if not a regular file).

    ``folders``: if given, the relative path of every folder under ``folder`` is added to it.
    """
    found: dict[str, Stat | None] = {}
    if not folder.is_dir():
        return found
    todo = [(str(folder), "")]
    while todo:
        path, prefix = todo.pop()
        with os.scandir(path) as it:
            for entry in it:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    todo.append((entry.path, rel + "/"))
                    if folders is not None:
                        folders.add(rel)
                else:
                    try:
                        found[rel] = stat_of(entry.stat(follow_symlinks=False))
                    except OSError:
                        found[rel] = None
    return found


#: A folder changed this recently (ns) before it was recorded may change again within the same tick of
#: the file system's clock without its time changing (HFS+ keeps seconds, FAT two): its entries are listed
#: when it is checked. The window the input files get too (site_builder.deps).
RACY_NS = 2_000_000_000
#: The window for a folder whose time is not a whole second: its file system keeps finer times, which the
#: kernel stamps from a clock that ticks every few milliseconds (a jiffy: 10 ms at most). A file system
#: that keeps seconds (or two) has its times cut to them, so it always gets :data:`RACY_NS`.
FINE_RACY_NS = 100_000_000


def racy_window(mtime_ns: int) -> int:
    """How long after a change to a folder stamped ``mtime_ns`` it may change again unseen (see :data:`RACY_NS`)."""
    # never longer than RACY_NS: the finer window is a shortening of it (tests shrink both by setting RACY_NS)
    return RACY_NS if mtime_ns % 1_000_000_000 == 0 else min(FINE_RACY_NS, RACY_NS)


def _at(base: str, rel: str) -> str:
    """The path of ``rel`` (``""``: the folder itself) under the folder ``base``."""
    return f"{base}/{rel}" if rel else base


def folder_record(st: os.stat_result, now_ns: int) -> list[int]:
    """A folder's record as of ``now_ns``: [mtime_ns, inode, racy] (racy: it changed within its :func:`racy_window`)."""
    return [st.st_mtime_ns, st.st_ino, int(st.st_mtime_ns >= now_ns - racy_window(st.st_mtime_ns))]


def folder_records(out: Path, files: Iterable[str]) -> dict[str, list[int]]:
    """Every folder of the output -> [mtime_ns, inode, racy]; empty unless that provably is every folder.

    Adding, removing or renaming an entry changes its folder's modification time,
    so a folder whose time and inode are as recorded has the entries it had.
    The folders are those of ``files`` (the output's records); a folder's link
    count is 2 plus its number of subfolders (ext4, XFS and most other file
    systems keep that count), so when every count matches the folders recorded
    under it, no folder (an empty one, say) is missing from the record, and
    checking the recorded folders and files (:func:`untouched`) is checking the
    whole output without listing it. Where the count does not hold (Btrfs
    counts 1), nothing is recorded and the output is listed (:func:`scan`).
    A folder changed within its :func:`racy_window` before it was recorded is
    marked racy: its entries are listed when it is checked.
    """
    folders = {""}
    for rel in files:
        for folder in _parents(rel):
            if folder in folders:
                break  # and so are the folders it is in
            folders.add(folder)
    subfolders = Counter(f.rpartition("/")[0] for f in folders if f)
    base = str(out)
    now = time.time_ns()
    records: dict[str, list[int]] = {}
    try:
        for folder in sorted(folders):
            st = os.lstat(_at(base, folder))
            if not stat.S_ISDIR(st.st_mode) or st.st_nlink != 2 + subfolders[folder]:
                return {}
            records[folder] = folder_record(st, now)
    except OSError:
        return {}
    return records


def untouched(out: Path, files: Mapping[str, Any], folders: Mapping[str, Any]) -> bool:
    """True if the output holds exactly ``files`` (path -> [size, mtime_ns, inode, ...]) as recorded,
    given the records of its ``folders`` from :func:`folder_records` (a stat of each, no listing)."""
    base = str(out)
    lstat = os.lstat
    try:
        racy = []
        for folder, (mtime_ns, ino, is_racy) in folders.items():
            st = lstat(_at(base, folder))
            if not stat.S_ISDIR(st.st_mode) or st.st_mtime_ns != mtime_ns or st.st_ino != ino:
                return False
            if is_racy:
                racy.append(folder)
        for rel, rec in files.items():
            st = lstat(_at(base, rel))
            if not stat.S_ISREG(st.st_mode) or (st.st_size, st.st_mtime_ns, st.st_ino) != tuple(rec[:3]):
                return False
        if racy:
            entries: dict[str, set[str]] = {folder: set() for folder in racy}
            for rel in itertools.chain(files, folders):
                folder, _, name = rel.rpartition("/")
                if rel and folder in entries:
                    entries[folder].add(name)
            return all(set(os.listdir(_at(base, folder))) == names
                       for folder, names in entries.items())
    except (OSError, TypeError, ValueError):
        return False
    return True


def settled(out: Path, folders: Mapping[str, Any]) -> dict[str, Any] | None:
    """``folders`` with the racy mark taken off the folders that have settled since; None if none has.

    Call right after :func:`untouched` found the output as recorded (so the racy
    folders were listed). A folder unchanged since then whose last change is now
    older than its :func:`racy_window` cannot change again without its time changing.
    """
    base = str(out)
    now = time.time_ns()
    out_folders = dict(folders)
    for folder, rec in folders.items():
        if rec[2]:
            try:
                st = os.lstat(_at(base, folder))
            except OSError:
                return None
            if (st.st_mtime_ns, st.st_ino) == (rec[0], rec[1]) and st.st_mtime_ns < now - racy_window(st.st_mtime_ns):
                out_folders[folder] = [rec[0], rec[1], 0]
    return out_folders if out_folders != dict(folders) else None


@dataclass
class Spare:
    """An older state of the site, kept to be recycled as a staging folder."""

    path: Path
    ino: int
    ctime_ns: int
    files: dict[str, Record] = field(default_factory=dict)
    #: records of its folders (:func:`folder_records`) when they were checked as the output folder's: then
    #: it is checked by a stat of each folder and file (:func:`untouched`) instead of being listed
    folders: dict[str, Any] = field(default_factory=dict)

    def usable(self, beside: Path) -> bool:
        """Still the folder that was recorded, on the same file system as ``beside``."""
        try:
            st = os.lstat(self.path)
            return stat.S_ISDIR(st.st_mode) and (st.st_ino, st.st_ctime_ns) == (self.ino, self.ctime_ns) \
                and st.st_dev == os.stat(beside).st_dev
        except OSError:
            return False


@dataclass(frozen=True)
class Outcome:
    """What became of one file: its record in the new site, and whether it differs from the output folder's."""

    rel: str
    record: Record
    changed: bool


class Stage:
    """Collects the files of the next site and swaps them in with :meth:`commit` (or drops them: :meth:`abort`).

    ``live``: records of the files of the output folder as the last build left
    them, with ``live_stats`` (a :func:`scan` of the folder taken by this build)
    to tell which still hold; without them, files are compared by reading them.
    ``live_folders``: the records of the output's folders, when ``live_stats``
    came from them (:func:`untouched`) rather than from a listing; the site
    swapped out keeps them as a spare, so that it is not listed either.
    ``spare``/``spare_home``: the spare to recycle and where to keep the site
    swapped out (None: delete it). ``owned``: the output folder is the
    project's own (:meth:`site_builder.deps.BuildCache.owns_output`); if not,
    :meth:`commit` refuses to delete or replace any file already in it, since
    that file is not the build's to lose (``--out`` naming the wrong folder,
    say). Holds the output folder's lock until done.
    """

    def __init__(self, out: Path, live: Mapping[str, Record] | None = None,
                 live_stats: Mapping[str, Stat | None] | None = None, spare: Spare | None = None,
                 spare_home: Path | None = None, live_folders: Mapping[str, Any] | None = None,
                 owned: bool = True) -> None:
        out = out.resolve() if out.exists() else out.parent.resolve() / out.name
        self.out = out
        self._lock = output.lock_folder(out)
        self._lock.__enter__()
        try:
            output.recover(out)
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise
        self.live = live if live is not None and live_stats is not None else None
        self.live_stats = dict(live_stats) if self.live is not None and live_stats is not None else None
        self.live_folders = dict(live_folders) if self.live is not None and live_folders else {}
        self.spare, self.spare_home = spare, spare_home
        self.owned = owned
        self.dir: Path | None = None
        self.valid: dict[str, Record] = {}  # files in the staging folder that hold what their record says
        self.leftover: set[str] = set()  # other files in the staging folder (a spare's), removed unless replaced
        self.files: dict[str, Record] = {}  # the new site, as it will be
        self.early: list[str] = []  # unchanged files seen before the staging folder was needed
        self.changed = 0
        self._changed: dict[str, bool] = {}
        self.new_spare: Spare | None = None
        self._dirs: set[str] = set()  # folders the staging folder has
        self._listed_dirs: set[str] = set()  # folders of a recycled spare that was listed: empty ones go at commit
        self._existing: dict[str, Stat | None] | None = None
        self._done = False

    # -- the output folder as it is --------------------------------------------------------------

    def existing(self) -> dict[str, Stat | None]:
        if self.live_stats is not None:
            return self.live_stats
        if self._existing is None:
            self._existing = scan(self.out)
        return self._existing

    def trusted(self, rel: str) -> Record | None:
        """The record of the output folder's ``rel`` if the file still is what the last build wrote."""
        if self.live is None:
            return None
        rec = self.live.get(rel)
        return rec if rec is not None and self.existing().get(rel) == rec.stat else None

    def same_as_live(self, rel: str, data: bytes, digest: str) -> Record | None:
        """A record of the output folder's ``rel`` if it holds exactly ``data`` (read only where no record says)."""
        st = self.existing().get(rel)
        if st is None or st[0] != len(data):
            return None
        rec = self.trusted(rel)
        if rec is not None:
            return rec if rec.digest == digest else None
        try:
            if (self.out / rel).read_bytes() != data:
                return None
        except OSError:
            return None
        return Record(*st, digest)

    # -- adding files ----------------------------------------------------------------------------

    def put(self, rel: str, data: bytes) -> Outcome:
        """Make ``rel`` hold ``data`` in the new site (a second put of ``rel`` replaces the first)."""
        _check(self.out, rel)
        if rel in self.files:
            self._forget(rel)
        digest = content_digest(data)
        same = self.same_as_live(rel, data, digest)
        if self.dir is None and same is not None:
            self.early.append(rel)
            return self.note(Outcome(rel, same, False))
        self.activate()
        return self.note(self.place(rel, data, digest, same))

    def keep(self, rel: str) -> Outcome:
        """``rel`` stays as the output folder has it (its record must hold: see :meth:`trusted`)."""
        rec = self.trusted(rel)
        if rec is None:
            raise ValueError(f"{rel}: no valid record of the file in the output folder")
        if self.dir is None:
            self.early.append(rel)
            return self.note(Outcome(rel, rec, False))
        return self.note(Outcome(rel, self._from_live(rel, rec), False))

    def place(self, rel: str, data: bytes, digest: str, same: Record | None) -> Outcome:
        """Put one file into the staging folder (safe in a worker process: it changes nothing else here)."""
        found = self.valid.get(rel)
        if found is not None and found.digest == digest:
            return Outcome(rel, found, same is None)
        if same is not None:
            return Outcome(rel, self._from_live(rel, same), False)
        dest = self._dest(rel)
        try:
            with open(dest, "xb") as fh:
                fh.write(data)
        except OSError as exc:  # a full disk, a quota: say where (a failed write names no file)
            if exc.filename is None:
                raise OSError(exc.errno, exc.strerror, str(self.out / rel)) from exc
            raise
        st = stat_of(os.lstat(dest))
        assert st is not None
        return Outcome(rel, Record(*st, digest), True)

    def note(self, outcome: Outcome) -> Outcome:
        """Count a file placed (possibly by a worker process) into the new site."""
        self.files[outcome.rel] = outcome.record
        self.changed += outcome.changed
        if outcome.changed:
            self._changed[outcome.rel] = True
        return outcome

    def _forget(self, rel: str) -> None:
        """Take back a file already added (its staged copy goes: it may be replaced in place otherwise)."""
        if rel in self.early:
            self.early.remove(rel)
        elif self.dir is not None:
            (self.dir / rel).unlink(missing_ok=True)
            self.valid.pop(rel, None)
        del self.files[rel]
        self.changed -= self._changed.pop(rel, False)

    def _from_live(self, rel: str, rec: Record) -> Record:
        found = self.valid.get(rel)
        if found is not None and found.digest == rec.digest:
            return found
        dest = self._dest(rel)
        os.link(self.out / rel, dest)  # the same inode: its record holds
        return rec

    def _dest(self, rel: str) -> Path:
        """The staging path of ``rel``, its folder made and any old file there removed (never written in place)."""
        assert self.dir is not None
        folder, _, _ = rel.rpartition("/")
        if folder and folder not in self._dirs:
            (self.dir / folder).mkdir(parents=True, exist_ok=True)
            self._dirs.add(folder)
        dest = self.dir / rel
        if rel in self.valid or rel in self.leftover:
            try:
                dest.unlink()
            except FileNotFoundError:
                pass
            self.valid.pop(rel, None)
            self.leftover.discard(rel)
        return dest

    def activate(self) -> None:
        """Make the staging folder (recycling the spare when there is one) and bring in the unchanged files."""
        if self.dir is not None:
            return
        parent = self.out.parent
        parent.mkdir(parents=True, exist_ok=True)
        spare = self.spare
        if spare is not None and spare.usable(parent):
            self.dir = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.new-", dir=parent))
            os.rename(spare.path, self.dir)  # replaces the empty folder just made
            if spare.folders and untouched(self.dir, {rel: rec.stat for rel, rec in spare.files.items()},
                                           spare.folders):
                self.valid = dict(spare.files)  # every file as recorded, and no other (no listing needed)
                self._dirs = {folder for folder in spare.folders if folder}
            else:
                for rel, st in scan(self.dir, self._listed_dirs).items():
                    rec = spare.files.get(rel)
                    if rec is not None and st == rec.stat:
                        self.valid[rel] = rec
                    else:
                        self.leftover.add(rel)
                self._dirs = set(self._listed_dirs)
        else:
            if spare is not None and spare.path.exists():
                shutil.rmtree(spare.path, ignore_errors=True)  # not the folder recorded: nothing to recycle
            self.dir = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.new-", dir=parent))
        self.spare = None
        for rel in self.early:
            self._from_live(rel, self.files[rel])
        self.early.clear()

    # -- reading back ------------------------------------------------------------------------------

    def read(self, rel: str) -> bytes:
        folder = self.dir if self.dir is not None and rel not in self.early else self.out
        return (folder / rel).read_bytes()

    def mapping(self) -> Mapping[str, bytes]:
        """The new site's files, read from disk when asked for."""
        return _Files(self)

    # -- finishing ---------------------------------------------------------------------------------

    def commit(self) -> WriteReport:
        """Swap the new site in (if anything differs); keep or delete the old one. Releases the lock."""
        try:
            removed = [rel for rel in self.existing() if rel not in self.files]
            if not self.owned:
                self._refuse_to_lose(removed + [rel for rel in self._changed if rel in self.existing()])
            if self.dir is None and not removed:
                return WriteReport(0, len(self.files), 0)
            self.activate()
            assert self.dir is not None
            for rel in sorted((set(self.valid) | self.leftover) - set(self.files)):
                (self.dir / rel).unlink(missing_ok=True)
                _prune(self.dir, rel)
            if self._listed_dirs:  # folders of the spare no file of the new site is in (one made by hand, say)
                needed = {f for rel in self.files for f in _parents(rel)}
                for folder in sorted(self._listed_dirs - needed, key=lambda f: -f.count("/")):
                    try:
                        os.rmdir(self.dir / folder)
                    except OSError:
                        pass  # not empty (a file in it is not a regular file, say): left as it was
            os.chmod(self.dir, 0o755)  # mkdtemp makes it private
            old = output.swap_in(self.dir, self.out)
            self.dir = None
            if old is not None:
                self._keep_or_delete(old)
            return WriteReport(self.changed, len(self.files) - self.changed, len(removed))
        finally:
            self._finish()

    def _refuse_to_lose(self, lost: list[str]) -> None:
        """Stop (dropping the staging folder) if files no build of this project made would be deleted or replaced."""
        if not lost:
            return
        self.abort()
        lost.sort()
        shown = ", ".join(lost[:5]) + (f" and {len(lost) - 5} more" if len(lost) > 5 else "")
        many = len(lost) != 1
        raise SiteError(
            f"this build would delete or replace {len(lost)} file{'s' * many} that no build of this project made: "
            f"{shown}. Move {'them' if many else 'it'} elsewhere or choose another output folder; if the folder holds "
            "an earlier build of this site (made before .site-builder-cache/ was deleted, say), build again with "
            "`site-builder build --force`", str(self.out), 0)

    def _keep_or_delete(self, old: Path) -> None:
        home = self.spare_home
        if home is not None and self.live is not None:
            try:
                home.parent.mkdir(parents=True, exist_ok=True)
                if os.stat(home.parent).st_dev == os.stat(old).st_dev:
                    if home.exists():
                        shutil.rmtree(home, ignore_errors=True)
                    os.rename(old, home)
                    st = os.lstat(home)
                    kept = {rel: rec for rel in self.existing() if (rec := self.trusted(rel)) is not None}
                    # the folders as checked at the start of the build: moving the site changed none of them
                    # (the top folder's time stays when it is renamed); a later check finds it if it did
                    folders = self.live_folders if len(kept) == len(self.existing()) else {}
                    self.new_spare = Spare(home, st.st_ino, st.st_ctime_ns, kept, folders)
                    return
            except OSError as exc:
                log.debug("old site not kept for recycling: %s", exc)
        shutil.rmtree(old, ignore_errors=True)

    def abort(self) -> None:
        """Drop the staging folder; the output folder is untouched. Releases the lock."""
        try:
            if self.dir is not None:
                shutil.rmtree(self.dir, ignore_errors=True)
                self.dir = None
        finally:
            self._finish()

    def _finish(self) -> None:
        if not self._done:
            self._done = True
            self._lock.__exit__(None, None, None)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if not self._done:
            self.abort()


class _Files(Mapping[str, bytes]):
    def __init__(self, stage: Stage) -> None:
        self.stage = stage

    def __getitem__(self, rel: str) -> bytes:
        if rel not in self.stage.files:
            raise KeyError(rel)
        return self.stage.read(rel)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.stage.files))

    def __len__(self) -> int:
        return len(self.stage.files)


def _check(out: Path, rel: str) -> None:
    if not output.safe_rel(rel):
        raise SiteError(f"refusing to write outside the output folder: {rel!r}", str(out), 0)


def _parents(rel: str) -> Iterator[str]:
    """The folders ``rel`` is in, innermost first (not the top folder, ``""``)."""
    folder = rel.rpartition("/")[0]
    while folder:
        yield folder
        folder = folder.rpartition("/")[0]


def _prune(root: Path, rel: str) -> None:
    """Remove the folders of ``rel`` that are now empty."""
    for folder in _parents(rel):
        try:
            os.rmdir(root / folder)
        except OSError:
            return
