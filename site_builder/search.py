"""Full-text search with Pagefind, one index bundle per language, made during the build.

Chinese has no spaces between words, so the index must be segmented into words,
and the browser must cut a query into the same words (Pagefind/pagefind#1237:
when indexing and querying segment differently, Chinese queries miss pages).
Pagefind 1.6's extended binary segments Chinese with ICU4X at index time, the
same word-break data the browser's ``Intl.Segmenter`` uses for queries;
docs/search.md has the comparison with 1.5.2 that led to this choice.

The binary is looked up in this order: ``$SITE_BUILDER_PAGEFIND``; the npm
package in ``tools/node_modules`` (``python3 dev.py test`` installs it); the
``pagefind_bin_extended`` wheel from PyPI. Without any of them the build still
works: it warns once and the search pages say that search is unavailable.

Each language is indexed on its own (``pagefind/zh/``, ``pagefind/en/``) with
``--force-language``, so English stemming never touches Chinese and Chinese
segmentation never touches English; the search page queries its own
language's bundle and merges the other one, so a search finds pages in both.
"""

from __future__ import annotations

import logging
import os
import platform
import re
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from site_builder.errors import SiteError

log = logging.getLogger(__name__)

LANGS = ("zh", "en")
_warned: set[str] = set()  # warn about missing tooling once per process, not once per build
#: Pagefind's ready-made UIs; the site has its own search page (static/search.js), so they are not published.
_UNUSED = re.compile(r"^pagefind-(component-ui|modular-ui|ui)\.(js|css)$")


def bundle_dir(lang: str) -> str:
    """Output folder of the index bundle of ``lang``, relative to the site root."""
    return f"pagefind/{lang}/"


def bundle_script(lang: str) -> str:
    return bundle_dir(lang) + "pagefind.js"


def _npm_binary(root: Path) -> Path | None:
    machine = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine().lower())
    system = {"linux": "linux", "darwin": "darwin", "windows": "windows", "freebsd": "freebsd"}.get(
        platform.system().lower())
    if not machine or not system:
        return None
    name = "pagefind_extended.exe" if system == "windows" else "pagefind_extended"
    path = root / "tools" / "node_modules" / "@pagefind" / f"{system}-{machine}" / "bin" / name
    return path if path.is_file() else None


def find_pagefind(root: Path, warn: bool = True) -> Path | None:
    """The Pagefind (extended) binary to index with, or None when search tooling is not installed.

    ``warn``: say (once) when it is the PyPI build, which indexes Chinese less well.
    """
    env = os.environ.get("SITE_BUILDER_PAGEFIND")
    if env:
        return Path(env) if Path(env).is_file() else None
    npm = _npm_binary(root)
    if npm is not None:
        return npm
    try:
        from pagefind_bin_extended import get_executable  # type: ignore[import-not-found]
    except ImportError:
        return None
    exe = Path(get_executable())
    if exe.is_file() and warn and "pypi" not in _warned:
        _warned.add("pypi")
        log.warning("warning: indexing with Pagefind from PyPI (1.5), which segments Chinese differently from the "
                    "browser and misses some Chinese words; `python3 dev.py test` installs the npm build (docs/search.md)")
    return exe if exe.is_file() else None


def available(root: Path) -> bool:
    return find_pagefind(root) is not None


def indexable(path: str, lang: str) -> bool:
    """Pages a search should find: everything in ``lang`` except the parallel views (same text again) and search."""
    if not path.startswith(f"{lang}/") or not path.endswith(".html"):
        return False
    return "/parallel/" not in path and not path.startswith(f"{lang}/search/")


def warn_missing() -> None:
    """Say (once) that the site has no search index because Pagefind is not installed."""
    if "missing" not in _warned:
        _warned.add("missing")
        log.warning("warning: Pagefind is not installed, so the site has no search index "
                    "(`python3 dev.py test` installs it into tools/node_modules; see docs/search.md)")


def index_files(root: Path, files: Mapping[str, bytes]) -> dict[str, bytes]:
    """Index the rendered pages in ``files``; returns the bundles' files by output path (empty without Pagefind)."""
    binary = find_pagefind(root)
    if binary is None:
        warn_missing()
        return {}
    out: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="site-builder-search-") as tmp:
        site = Path(tmp) / "site"
        for rel, data in files.items():
            if any(indexable(rel, lang) for lang in LANGS):
                dest = site / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(data)
        for lang in LANGS:
            bundle = Path(tmp) / "bundle" / lang
            cmd = [str(binary), "--site", str(site), "--glob", f"{lang}/**/*.html", "--force-language", lang,
                   "--output-path", str(bundle)]
            proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
            if proc.returncode != 0 or not (bundle / "pagefind.js").is_file():
                detail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
                raise SiteError(f"Pagefind failed to index the {lang} pages: {' / '.join(detail)}", str(binary), 0)
            for path in sorted(bundle.rglob("*")):
                if path.is_file() and not _UNUSED.match(path.name):
                    out[bundle_dir(lang) + path.relative_to(bundle).as_posix()] = path.read_bytes()
    return out
