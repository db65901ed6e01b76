"""Progress on a terminal: one status line, redrawn in place (builds and translation runs)."""

from __future__ import annotations

import time
from typing import TextIO


class StatusLine:
    """A line on ``stream`` that each :meth:`draw` replaces; :meth:`close` clears it, or with ``keep`` leaves it."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._drawn = False

    def draw(self, text: str) -> None:
        self.stream.write(f"\r\x1b[K{text}")
        self.stream.flush()
        self._drawn = True

    def close(self, keep: bool = False) -> None:
        if self._drawn:
            self.stream.write("\n" if keep else "\r\x1b[K")
            self.stream.flush()
            self._drawn = False


class TerminalProgress(StatusLine):
    """A build's progress (:data:`site_builder.deps.ProgressFn`): drawn once a build has taken a moment,
    at most ten times a second."""

    def __init__(self, stream: TextIO, after: float = 0.5) -> None:
        super().__init__(stream)
        self.after = after
        self.start = time.monotonic()
        self._last = 0.0

    def __call__(self, what: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.start < self.after or (now - self._last < 0.1 and done < total):
            return
        self._last = now
        self.draw(f"{what} {done}/{total}" if total else what)
