"""Output paths and the URLs between them.

Every internal link is written relative to the page that contains it, so the
same output works at a domain root and under a sub-path. Absolute URLs
(canonical, hreflang, sitemap, feeds) come from ``base_url``.
"""

from __future__ import annotations

from collections.abc import Callable

#: The ``page_path`` for HTML that goes on several pages (a section on its article
#: page, in the parallel view and in the feed): internal links in it are left as
#: placeholders for each page to resolve (see :meth:`site_builder.entities.Linker.resolve`).
#: NUL never occurs in rendered Markdown (markdown-it replaces it), so the text
#: cannot forge a placeholder.
ANY_PAGE = "\x00"


def page_url(path: str) -> str:
    """Public URL path (relative to the site root) of an output file: 'zh/index.html' -> 'zh/'."""
    if path == "index.html":
        return ""
    if path.endswith("/index.html"):
        return path[: -len("index.html")]
    return path


def relative(from_path: str, to_path: str) -> str:
    """Link from the page written at ``from_path`` to the output ``to_path`` (which may carry #anchor).

    Both are output paths: relative, normalised, ``/``-separated. (This is
    ``posixpath.relpath`` for such paths, without its calls to the current
    folder: a site has hundreds of thousands of links.)
    """
    return relative_from(from_path)(to_path)


def relative_from(from_path: str) -> Callable[[str], str]:
    """``relative`` for one page: ``relative_from(p)(t) == relative(p, t)``, the page's folder split once.

    A page's links all start from the same folder (an entity page has hundreds of them).
    """
    here = from_path.rpartition("/")[0].split("/") if "/" in from_path else []
    made: dict[str, str] = {}  # target -> link, for the targets a page links to more than once (other anchors)

    def link(to_path: str) -> str:
        target, _, anchor = to_path.partition("#")
        frag = f"#{anchor}" if anchor else ""
        if not target:
            return frag
        rel = made.get(target)
        if rel is None:
            made[target] = rel = _climb(here, target)
        return rel + frag

    return link


def _climb(here: list[str], target: str) -> str:
    """The link to output path ``target`` (no anchor) from the folder ``here`` (split)."""
    url = page_url(target)
    there = url.rstrip("/").split("/") if url.rstrip("/") else []
    common = 0
    for a, b in zip(here, there):
        if a != b:
            break
        common += 1
    rel = "/".join([".."] * (len(here) - common) + there[common:]) or "."
    if url.endswith("/") or url == "":
        rel = "./" if rel == "." else rel + "/"
    return rel


def absolute(base_url: str, path: str) -> str:
    """Absolute URL of an output path under ``base_url``."""
    return base_url + page_url(path)


def article_path(lang: str, slug: str) -> str:
    return f"{lang}/articles/{slug}/index.html"


def parallel_path(lang: str, slug: str) -> str:
    return f"{lang}/articles/{slug}/parallel/index.html"


def home_path(lang: str) -> str:
    return f"{lang}/index.html"


def index_path(lang: str) -> str:
    return f"{lang}/articles/index.html"
