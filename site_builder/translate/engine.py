"""The translation engine behind a small Protocol, and a deterministic fake for tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol


class Engine(Protocol):
    """Translates batches of Chinese sentences into English, one output per input."""

    @property
    def id(self) -> str:
        """Engine and model version, e.g. ``argos/translate-zh_en-1.9`` (no spaces)."""
        ...

    def translate_batch(self, sentences: Sequence[str]) -> list[str]:
        ...


class FakeEngine:
    """Deterministic engine for pure-logic tests: counts calls and sentences."""

    def __init__(self, fn: Callable[[str], str] | None = None, id: str = "fake/echo-1"):
        self._fn = fn or (lambda s: f"EN({s})")
        self._id = id
        self.calls: list[list[str]] = []

    @property
    def id(self) -> str:
        return self._id

    @property
    def sentences(self) -> int:
        return sum(len(c) for c in self.calls)

    def translate_batch(self, sentences: Sequence[str]) -> list[str]:
        self.calls.append(list(sentences))
        return [self._fn(s) for s in sentences]
