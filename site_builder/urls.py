"""Output paths and the URLs between them.

Every internal link is written relative to the page that contains it, so the
same output works at a domain root and under a sub-path. Absolute URLs
(canonical, hreflang, sitemap, feeds) come from ``base_url``.
"""

from __future__ import annotations

import posixpath


def page_url(path: str) -> str:
    """Public URL path (relative to the site root) of an output file: 'zh/index.html' -> 'zh/'."""
    if path == "index.html":
        return ""
    if path.endswith("/index.html"):
        return path[: -len("index.html")]
    return path


def relative(from_path: str, to_path: str) -> str:
    """Link from the page written at ``from_path`` to the output ``to_path`` (which may carry #anchor)."""
    target, _, anchor = to_path.partition("#")
    url = page_url(target) if target else ""
    here = posixpath.dirname(from_path)
    if target:
        rel = posixpath.relpath(url or ".", here or ".")
        if url.endswith("/") or url == "":
            rel = "./" if rel == "." else rel + "/"
    else:
        rel = ""
    return rel + (f"#{anchor}" if anchor else "")


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
