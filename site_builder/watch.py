"""The dev server's eyes: the operating system's file events (inotify, FSEvents, ...) through watchdog.

livereload's own watcher polls: every 0.8 s it walks the watched folders and
stats every file, so an edit waits 0.4 s on average before anything happens,
and a large archive costs a stat of thousands of files per poll. With
watchdog the operating system reports each change as it happens. Only changes
are asked for (created, modified, deleted, moved), never opens and closes: a
build reads every input file, and must not look like an edit. A watched
folder that is deleted and made again (``rm -r static && cp -r ...``) is
another folder to the system: the project's root is watched for that, and the
new folder is watched in its place.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class FolderWatch:
    """Calls ``on_change(path)`` (relative to ``root``, with ``/``) for every change under the folders ``names``.

    ``on_change`` runs on watchdog's thread. :meth:`start` returns False if watchdog
    is not installed or cannot watch here; the caller then polls instead.
    """

    def __init__(self, root: Path, names: Iterable[str], on_change: Callable[[str], None]) -> None:
        self.root = root.resolve()
        self.names = tuple(names)
        self.on_change = on_change
        self._observer: Any = None
        self._folders: dict[str, Any] = {}  # name -> its watch
        self._lock = threading.Lock()
        self._wanted: list[Any] = []
        self._handler: Any = None

    @property
    def running(self) -> bool:
        return self._observer is not None

    def start(self) -> bool:
        try:
            from watchdog import events
            from watchdog.observers import Observer
        except ImportError:
            return False
        watch = self

        class Handler(events.FileSystemEventHandler):
            def on_any_event(self, event: events.FileSystemEvent) -> None:
                for path in _paths(event):
                    watch._report(path)

        class RootHandler(events.FileSystemEventHandler):
            """A watched folder made, deleted or renamed at the top: watch it again, and report it."""

            def on_any_event(self, event: events.FileSystemEvent) -> None:
                for path in _paths(event):
                    if os.path.basename(path) in watch.names:
                        watch._watch(os.path.basename(path))
                        watch._report(path)

        self._wanted = [events.FileCreatedEvent, events.FileModifiedEvent, events.FileDeletedEvent,
                        events.FileMovedEvent, events.DirCreatedEvent, events.DirDeletedEvent, events.DirMovedEvent]
        self._handler = Handler()
        self._observer = Observer()
        try:
            self._observer.schedule(RootHandler(), str(self.root), recursive=False,
                                    event_filter=[events.DirCreatedEvent, events.DirDeletedEvent, events.DirMovedEvent])
            for name in self.names:
                self._watch(name)
            self._observer.start()
        except OSError as exc:  # e.g. the system's limit on inotify watches
            log.warning("cannot watch for changes (%s); polling instead", exc)
            self._observer.unschedule_all()
            self._observer = None
            return False
        return True

    def _watch(self, name: str) -> None:
        """Watch the folder ``name`` (again: a folder deleted and made anew is another folder to the system)."""
        with self._lock:
            old = self._folders.pop(name, None)
            if old is not None:
                try:
                    self._observer.unschedule(old)
                except KeyError:  # already gone with its folder
                    pass
            folder = self.root / name
            if folder.is_dir():
                self._folders[name] = self._observer.schedule(self._handler, str(folder), recursive=True,
                                                              event_filter=self._wanted)

    def _report(self, path: str) -> None:
        try:
            rel = Path(path).relative_to(self.root).as_posix()
        except ValueError:
            return
        self.on_change(rel)

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(5)
            self._observer = None
            self._folders.clear()


def _paths(event: Any) -> list[str]:
    """The paths a watchdog event names: its source, and for a move its destination."""
    return [os.fsdecode(p) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
