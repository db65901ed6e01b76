"""Parsed content kept between builds, by the hash of what it was made from.

A build parses only the content files that changed since the last build: each
article (its sections and translations), the registry and each article's
mentions of entities are kept in one SQLite file in the build cache, under a
key made of the code's hash and the hashes of the files they come from (see
:func:`site_builder.deps.scan_inputs`). Values nobody asked for in a build are
dropped at its end. The file is safe to delete: the next build parses again.

A value is kept only when making it raised no problem and logged nothing, so
every error and warning is reported by every build.
"""

from __future__ import annotations

import logging
import pickle
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from site_builder.deps import digest

log = logging.getLogger(__name__)

T = TypeVar("T")

_BATCH = 500  # keys per query of get_many (SQLite allows 32,766 parameters; smaller batches hold less at once)


def seal(blob: bytes) -> bytes:
    """``blob`` with its CRC-32 in front: a damaged cache entry must be a miss, not another value.

    For the parse cache's values and the compiled templates (:func:`site_builder.deps.keep_compiled_templates`).
    """
    return zlib.crc32(blob).to_bytes(4, "little") + blob


def unseal(sealed: bytes) -> memoryview | None:
    """The blob :func:`seal` stored, or None if it is damaged (a flipped bit unpickles as a different value)."""
    view = memoryview(sealed)
    if len(view) < 4 or zlib.crc32(view[4:]) != int.from_bytes(view[:4], "little"):
        log.debug("a damaged cache entry: not used")
        return None
    return view[4:]


class Memo:
    """Values by key, read from and written back to ``path`` (a SQLite database)."""

    def __init__(self, path: Path, files: Mapping[str, str], code: str) -> None:
        self.path = path
        self.files = files  # project-relative path -> content hash
        self.code = code
        self.hits = 0
        self.misses = 0
        self._used: set[str] = set()
        self._db: sqlite3.Connection | None = None
        self._stored: set[str] | None = None  # the keys in the file: read when first needed (see _keys)
        self._pending: list[tuple[str, Any]] = []  # put but not written yet (see flush)
        for attempt in (1, 2):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(path, timeout=10)
                self._db.execute("PRAGMA synchronous=OFF")  # a cache: a torn write costs a re-parse, not a wrong site
                self._db.execute("CREATE TABLE IF NOT EXISTS memo (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
                break
            except sqlite3.DatabaseError as exc:  # not a database (any more): start a new one
                log.debug("parsed content not reused: %s", exc)
                self._drop_db()
                if attempt == 1:
                    path.unlink(missing_ok=True)
            except (OSError, sqlite3.Error) as exc:
                log.debug("parsed content not reused: %s", exc)
                self._drop_db()
                break

    def _drop_db(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def file(self, rel: str) -> str:
        """The content hash of an input file (``missing`` if there is none)."""
        return self.files.get(rel, "missing")

    def key(self, *parts: str) -> str:
        return digest(self.code, *parts)

    def get(self, key: str) -> Any | None:
        """The value kept under ``key`` (None: none, or a damaged one)."""
        return self.get_many((key,)).get(key)

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        """The values kept under ``keys`` (those found), read in a few queries instead of one per key.

        Read one row at a time: a build holds the values it uses, never the whole file's bytes.
        """
        unique = list(dict.fromkeys(keys))
        wanted = unique if self._db is not None else []
        found: dict[str, Any] = {}
        try:
            for start in range(0, len(wanted), _BATCH):
                batch = wanted[start:start + _BATCH]
                rows = self._db.execute(  # type: ignore[union-attr]
                    f"SELECT key, value FROM memo WHERE key IN ({','.join('?' * len(batch))})", batch)
                for key, blob in rows:  # one row at a time: never the whole batch's bytes at once
                    value = unseal(blob)
                    if value is not None:
                        try:
                            found[key] = pickle.loads(value)
                        except Exception:  # a damaged entry is only a miss  # noqa: BLE001
                            pass
        except sqlite3.Error as exc:
            log.debug("parsed content not reused: %s", exc)
        found = {key: value for key, value in found.items() if value is not None}
        self.hits += len(found)
        self.misses += len(unique) - len(found)
        self._used.update(found)
        return found

    def _keys(self) -> set[str]:
        """Every key in the file (read once: a build that reads few values need not list them all)."""
        if self._stored is None:
            assert self._db is not None
            self._stored = {key for (key,) in self._db.execute("SELECT key FROM memo")}
        return self._stored

    def put(self, key: str, value: Any) -> None:
        """Keep ``value`` (which must not change afterwards): written by :meth:`flush`, at the latest on close."""
        self._used.add(key)
        if self._db is not None:
            self._pending.append((key, value))

    def flush(self) -> None:
        """Write the values put so far. A build calls it while its worker processes render, when it has
        nothing else to do, so that a first build does not wait for its cache to be written before rendering."""
        pending, self._pending = self._pending, []
        if self._db is None:
            return
        try:
            for key, value in pending:
                self._db.execute("INSERT OR REPLACE INTO memo (key, value) VALUES (?, ?)",
                                 (key, seal(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))))
        except sqlite3.Error as exc:
            log.debug("parsed content not kept: %s", exc)
            self._drop_db()

    def get_or_make(self, key: str, make: Callable[[], T], keep: Callable[[T], bool] = lambda _: True) -> T:
        """The value kept under ``key``, else ``make()`` (kept if ``keep`` says so)."""
        found = self.get(key)
        if found is not None:
            return found  # type: ignore[no-any-return]
        value = make()
        if keep(value):
            self.put(key, value)
        return value

    def discard(self) -> None:
        """Close, keeping nothing this build put (made from files that changed while it read them)."""
        self._pending = []
        self.close(prune=False)

    def close(self, prune: bool = True) -> None:
        """Keep what was put and (with ``prune``) drop the values this build did not use. Never fails the build.

        A build that did not load the whole site (:mod:`site_builder.narrow`) keeps everything.
        """
        self.flush()
        if self._db is None:
            return
        try:
            stale = [(k,) for k in self._keys() - self._used] if prune else []
            if stale:
                self._db.executemany("DELETE FROM memo WHERE key = ?", stale)
            self._db.commit()
        except sqlite3.Error as exc:
            log.debug("parsed content not kept: %s", exc)
        finally:
            self._drop_db()
