"""Writing files and folders so that a crash leaves the old state or the new one, never a mix.

:func:`atomic_write` replaces one file; :func:`swap_in` puts a whole staged folder
(see :mod:`site_builder.stage`) in the place of the output folder in one atomic
``renameat2(RENAME_EXCHANGE)`` where the kernel has it, and :func:`recover`
finishes or undoes a swap interrupted where it has not.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WriteReport:
    written: int
    unchanged: int
    removed: int


def atomic_write(path: Path, data: bytes, backup: bool = False, durable: bool = True) -> None:
    """Write ``data`` to ``path`` via temp file + fsync + rename; optionally keep ``path~``.

    At every moment ``path`` holds either its old or its new bytes, and ``path~``
    (with ``backup``) either its previous backup or the complete old file: the
    backup is a hard link to the old file, put in place by a rename. The file
    keeps its permission bits (a new file gets the usual ones, not mkstemp's 0600).
    Not ``durable``: no fsync (for caches, which a crash may lose: an fsync waits for
    the file system's journal, a tenth of a second or more on a busy disk).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        if backup and path.exists():
            _backup(path)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if durable:
        _fsync_dir(path.parent)


def _umask() -> int:
    """The process umask, read without changing it (os.umask would, for a moment, in every thread)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def _backup(path: Path) -> None:
    """Make ``path~`` the current ``path`` in one rename (hard link, or a full copy where links are refused)."""
    tmp = path.with_name(f".{path.name}~.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(path, tmp)
    except OSError:
        shutil.copy2(path, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
    os.replace(tmp, path.with_name(path.name + "~"))


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2). Returns False if the system or file system lacks it."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    res = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if res == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def recover(out: Path) -> bool:
    """Finish or undo a swap interrupted on systems without an atomic exchange; True if ``out`` was put back."""
    old = out.with_name(f".{out.name}.old")
    restored = False
    if not out.exists() and old.is_dir():
        os.rename(old, out)
        log.warning("restored %s from an interrupted build", out)
        restored = True
    for stale in out.parent.glob(f".{out.name}.*"):
        if stale.is_dir() and stale != out:
            shutil.rmtree(stale, ignore_errors=True)
    return restored


def safe_rel(rel: str) -> bool:
    """True if ``rel`` names a file inside an output folder."""
    parts = Path(rel).parts
    return not (rel.startswith("/") or ".." in parts or not parts or "\x00" in rel)


@contextlib.contextmanager
def lock_folder(out: Path) -> Iterator[None]:
    """One build at a time beside the output folder ``out`` (resolved).

    recover() would delete another build's staging folder. The lock is on the
    parent folder itself, so no lock file is left lying about.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def swap_in(stage: Path, out: Path) -> Path | None:
    """Put the folder ``stage`` in the place of ``out`` at once; returns where the old ``out`` now is (None: none)."""
    if not out.exists():
        os.rename(stage, out)
        return None
    if _exchange(stage, out):
        return stage
    old = out.with_name(f".{out.name}.old")
    os.rename(out, old)
    os.rename(stage, out)
    return old
