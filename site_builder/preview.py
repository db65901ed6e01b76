"""The dev server's preview: an edited article's own pages, rendered at once from the site it last built.

A full build of a large archive takes seconds even when an edit changes a
handful of pages: a new build must load every article, list every page and
check the output folder before it can render the few that changed. The dev
server keeps the data and the page list of its last build in memory
(:func:`site_builder.build.build` hands them over: this is its ``keeper``). When the
only files that changed are articles it already has, :meth:`Preview.render`
parses those files again and renders their own pages (the article and its
parallel view, in both languages) with everything else as the last build left
it: a few milliseconds instead of seconds. The dev server serves those pages
and reloads the browser, then runs the full build as before; when it lands,
the preview is dropped and the output folder is the truth again.

What a preview shows is what the full build renders for those pages, except
where a page shows data gathered across articles that the edit changes (an
entity's first mention in the archive, say): that stays as the last build made
it until the full build lands. Anything else (a new or deleted article, the
registry, a template, a file that does not parse) gets no preview: the full
build handles it, and reports its errors.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from site_builder.pages import Page, SiteData

log = logging.getLogger(__name__)

#: An article's Chinese or English file, relative to the project root.
ARTICLE_FILE = re.compile(r"content/articles/([a-z0-9]+(?:-[a-z0-9]+)*)\.(?:zh|en)\.md")


@dataclasses.dataclass
class _Resident:
    site: SiteData
    pages: list[Page]
    built: set[str]
    env: Any


class Preview:
    """The last build's site, kept to render an edited article's pages without a full build."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._resident: _Resident | None = None
        self._env: tuple[tuple[Any, ...], Any] | None = None  # (the templates' stats, their environment)

    @property
    def ready(self) -> bool:
        return self._resident is not None

    def keep(self, site: SiteData, pages: list[Page]) -> None:
        """Remember a build's data and pages."""
        from site_builder.build import built_paths

        try:
            self._resident = _Resident(site, pages, built_paths(site.config, (p.path for p in pages)), self._templates())
        except Exception as exc:  # never fails the build that hands its site over: there is just no preview
            log.debug("no preview: %s: %s", type(exc).__name__, exc)
            self._resident = self._env = None

    def _templates(self) -> Any:
        """A template environment with every template compiled, made again only when a template changed."""
        from site_builder.config import tree_files
        from site_builder.deps import CACHE_DIR, keep_compiled_templates
        from site_builder.render import make_env

        names = tree_files(self.root, "templates")
        stats = tuple((rel, st.st_mtime_ns, st.st_size, st.st_ino) for rel in names
                      for st in [(self.root / rel).stat()])
        if self._env is None or self._env[0] != stats:
            env = make_env(self.root / "templates")
            keep_compiled_templates(env, self.root / CACHE_DIR)
            for name in env.list_templates():  # compiled now, not when the editor waits for a preview
                env.get_template(name)
            self._env = (stats, env)
        return self._env[1]

    def drop(self) -> None:
        """Drop the kept site (before a full build loads the next one: never two in memory)."""
        self._resident = None

    def render(self, changed: Iterable[str]) -> dict[str, bytes]:
        """Output path -> bytes of the pages of the edited articles; empty when this change gets no preview.

        ``changed``: project-relative paths of the files that changed. Never raises: a
        change it cannot preview is left to the full build.
        """
        resident = self._resident
        if resident is None:
            return {}
        slugs: set[str] = set()
        for rel in changed:
            m = ARTICLE_FILE.fullmatch(rel)
            if m is None or m.group(1) not in resident.site.by_slug:
                return {}  # not an edit of an article the last build had
            slugs.add(m.group(1))
        try:
            return self._render(resident, slugs)
        except Exception as exc:  # the full build that follows reports any real problem
            log.debug("no preview: %s: %s", type(exc).__name__, exc)
            return {}

    def _render(self, resident: _Resident, slugs: set[str]) -> dict[str, bytes]:
        from site_builder.build import render_one
        from site_builder.content import article_file, load_article
        from site_builder.errors import Problem
        from site_builder.pages import pages_of_article

        fresh = {}
        for slug in sorted(slugs):
            problems: list[Problem] = []
            art = load_article(self.root, self.root / article_file(slug), problems)
            if art is None or problems:
                return {}
            fresh[slug] = art
        old = resident.site
        site = dataclasses.replace(
            old, articles=[fresh.get(a.slug, a) for a in old.articles],
            section_html={k: v for k, v in old.section_html.items() if k[0] not in fresh},
            title_views={k: v for k, v in old.title_views.items() if k[0] not in fresh})
        return {page.path: render_one(resident.env, site, resident.built, page)
                for art in fresh.values() for page in pages_of_article(site, art)}
