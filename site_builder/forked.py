"""Work done by a forked child process on the other core while the build goes on."""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Forked(Generic[T]):
    """``make()`` computed by a forked child process while this one goes on; :meth:`result` is its value.

    If the child could not give one (it raised, died, or made what does not pickle), the
    result is ``fallback()``, made here: for ``make`` itself, the errors are then raised
    here, as if no child had been asked. Without ``fork``, or with one CPU (where a child
    would only take turns with this process), ``fallback()`` is all there is.
    ``make`` must not depend on what it changes: the child's changes are lost with it.
    """

    def __init__(self, make: Callable[[], T], fallback: Callable[[], T]) -> None:
        self._fallback = fallback
        self._done = False
        self._value: T | None = None
        self._pid = 0
        self._read = -1
        if not hasattr(os, "fork") or cpus() < 2:
            return
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return
        if pid == 0:  # the child: its value, pickled into the pipe; it exits without any cleanup of the parent's
            code = 1
            try:
                os.close(read)
                data = pickle.dumps(make(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as out:
                    out.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self._pid, self._read = pid, read

    def result(self) -> T:
        """The child's value (waiting for it), else ``fallback()``."""
        if not self._done:
            sent = self._reap()
            self._value = sent[0] if sent is not None else self._fallback()
            self._done = True
        return self._value  # type: ignore[return-value]

    def _reap(self) -> tuple[T] | None:
        if not self._pid:
            return None
        pid, self._pid = self._pid, 0
        value: tuple[T] | None = None
        with os.fdopen(self._read, "rb") as pipe:
            try:
                value = (pickle.load(pipe),)  # read as it comes: the pickle's bytes are never held whole
            except Exception:  # noqa: BLE001 (nothing sent, or not all of it: the fallback's turn)
                value = None
            finally:
                _, status = os.waitpid(pid, 0)
        return value if status == 0 else None

    def __del__(self) -> None:  # never asked (the build stopped on bad content, say): the child is still reaped
        if self._pid:
            pid, self._pid = self._pid, 0
            try:
                os.close(self._read)  # a child still writing gets a broken pipe and exits
                os.waitpid(pid, 0)
            except OSError:
                pass


def cpus() -> int:
    """The CPUs this process may run on (1 where the system cannot say)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
