"""A one-line progress display on stderr: sections and sentences done, rate, ETA.

Drawn only when the stream is a terminal (and not with ``-q``); otherwise silent.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from site_builder.progress import StatusLine


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds + 0.5))
    return f"{seconds // 60}:{seconds % 60:02d}"


class Progress(StatusLine):
    """Call :meth:`update` after each batch and :meth:`close` at the end."""

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None, clock=time.monotonic):
        super().__init__(stream if stream is not None else sys.stderr)
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._clock = clock
        self._start = clock()

    def line(self, sections: int, sections_total: int, done: int, total: int) -> str:
        elapsed = max(self._clock() - self._start, 1e-9)
        rate = done / elapsed
        eta = (total - done) / rate if rate > 0 else 0.0
        return (f"translating: sections {sections}/{sections_total} · sentences {done}/{total} · "
                f"{rate:.1f} sentences/s · ETA {_clock(eta)}")

    def update(self, sections: int, sections_total: int, done: int, total: int) -> None:
        if not self.enabled:
            return
        self.draw(self.line(sections, sections_total, done, total))

    def close(self, keep: bool = True) -> None:
        super().close(keep)  # the last count stays on the screen
