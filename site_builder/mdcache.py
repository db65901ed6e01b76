"""Rendered Markdown kept between builds by hash: a :class:`CachingRenderer` (see :mod:`site_builder.deps`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from site_builder.deps import digest
from site_builder.markdown import Renderer


class CachingRenderer(Renderer):
    """A Markdown renderer that keeps its output by hash of (text, language, options, ``salt``).

    The text hook (entity linking) must be a pure function of its text, its env
    and what ``salt`` covers (code, registry, data); a hook that depends on
    more gives itself (or its object) a ``cache_key`` string.
    """

    def __init__(self, cache: Mapping[str, str], salt: str) -> None:
        super().__init__()
        self._old = cache
        self.salt = salt
        self.used: dict[str, str] = {}
        self.keeps = True  # what this process renders is recorded (see :meth:`forget`)
        self.hits = 0
        self.misses = 0

    def _key(self, kind: str, text: str, lang: str, env: dict[str, Any]) -> str | None:
        parts = [self.salt, kind, lang, text]
        for name in sorted(env):
            value = env[name]
            if name == "text_hook":
                hook_key = getattr(value, "cache_key", None) or getattr(getattr(value, "__self__", None), "cache_key", None)
                parts += [name, "none" if value is None else str(hook_key or "site")]
            elif value is None or isinstance(value, str | int | float | bool):
                parts += [name, repr(value)]
            elif isinstance(value, set | frozenset | list | tuple) and all(isinstance(v, str) for v in value):
                items = sorted(value) if isinstance(value, set | frozenset) else list(value)
                parts += [name, type(value).__name__, *items]
            else:
                return None  # an option we cannot hash: render every time
        return digest(*parts)

    def _cached(self, kind: str, text: str, lang: str, env: dict[str, Any], render: Callable[[], str]) -> str:
        if not self.keeps and not self._old:
            return render()  # nothing to look up and nothing kept: no key to work out (a first build's workers)
        key = self._key(kind, text, lang, env)
        if key is None:
            return render()
        html = (self.used.get(key) if self.keeps else None) or self._old.get(key)
        if html is None:
            self.misses += 1
            html = render()
        else:
            self.hits += 1
        if self.keeps:
            self.used[key] = html
        return html

    def forget(self) -> None:
        """In a worker process: drop the renders kept so far, and keep none from now on (a worker's renders would
        be lost with it anyway; the renders of the last build are still looked up)."""
        self.used.clear()
        self.keeps = False

    def render(self, text: str, lang: str, **env: Any) -> str:
        return self._cached("block", text, lang, env, lambda: super(CachingRenderer, self).render(text, lang, **env))

    def render_inline(self, text: str, lang: str, **env: Any) -> str:
        return self._cached("inline", text, lang, env,
                            lambda: super(CachingRenderer, self).render_inline(text, lang, **env))
