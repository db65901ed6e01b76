"""Browser tests: one headless Debian Chromium for the whole browser suite, driving a built copy of the site.

The site is built once per session from a copy of the project (so the real
content, templates, static files and search index are what the browser sees)
and served by a local HTTP server on a free port, twice: at the domain root and
under a sub-path (``/wenling/``, built with that base_url). If Chromium cannot
start, the tests fail; they never skip.

The fixtures are package-scoped: the browser, the built sites and the servers
live exactly as long as the browser suite. Playwright's sync API runs an event
loop on the main thread while it is open, and other tests in the same pytest
run (the dev server's) start their own; holding ours for the whole session
would break them.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from site_builder import search
from site_builder.build import build

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("SITE_BUILDER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@dataclass
class Served:
    """A built site served over HTTP: ``url(path)`` gives the address of an output path."""

    out: Path  # the output folder
    base: str  # e.g. http://127.0.0.1:PORT/ or http://127.0.0.1:PORT/wenling/
    server: http.server.ThreadingHTTPServer = field(repr=False)

    def url(self, path: str = "") -> str:
        return self.base + path

    def pages(self) -> list[str]:
        """Output paths of every HTML page, as URL paths relative to the site root."""
        out = []
        for p in sorted(self.out.rglob("*.html")):
            rel = p.relative_to(self.out).as_posix()
            out.append(rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        return out


def _copy_project(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in ("content", "templates", "static"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("*~"))
    # The search index is made with the project's own tools (tools/node_modules).
    tools = ROOT / "tools"
    if tools.exists():
        (dest / "tools").symlink_to(tools)
    return dest


def _serve(folder: Path, prefix: str) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/{prefix}"


def _build(tmp: Path, base_url: str) -> Path:
    project = _copy_project(tmp / "project")
    cfg = project / "content" / "site.toml"
    cfg.write_text(re.sub(r'(?m)^base_url = ".*"$', f'base_url = "{base_url}"', cfg.read_text(encoding="utf-8")),
                   encoding="utf-8")
    assert search.available(project), "Pagefind is not installed: run `python3 dev.py test` (npm ci in tools/)"
    out = tmp / "www" / "wenling" if base_url.endswith("/wenling/") else tmp / "www"
    build(project, out)
    return out


@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The seed site built for a domain root, served at http://127.0.0.1:PORT/."""
    out = _build(tmp_path_factory.mktemp("root"), "https://example.org/")
    server, base = _serve(out, "")
    yield Served(out, base, server)
    server.shutdown()


@pytest.fixture(scope="package")
def subpath_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The seed site built for https://example.org/wenling/, served at http://127.0.0.1:PORT/wenling/."""
    out = _build(tmp_path_factory.mktemp("sub"), "https://example.org/wenling/")
    server, base = _serve(out.parent, "wenling/")
    yield Served(out, base, server)
    server.shutdown()


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    from playwright.sync_api import Error, sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install the Debian package chromium (python3 dev.py test does)")
    with sync_playwright() as pw:
        try:
            b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Error as exc:
            pytest.fail(f"Chromium did not start: {exc}")
        yield b
        b.close()


@dataclass
class Watch:
    """Console messages and failed requests seen by a page."""

    errors: list[str] = field(default_factory=list)

    def attach(self, page: object) -> None:
        page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        # ERR_ABORTED: the browser dropped the request because the test moved on to another page; a missing
        # file shows up as an HTTP error below, so nothing is lost by not counting it.
        page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url} ({r.failure})")
                if r.failure != "net::ERR_ABORTED" else None)
        page.on("response", lambda r: self.errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)


@pytest.fixture
def new_page(browser: object) -> Iterator[object]:
    """``new_page(width=1280)`` -> (page, watch): a fresh context per call, closed after the test."""
    contexts = []

    def make(width: int = 1280, height: int = 900, **kw: object) -> tuple[object, Watch]:
        ctx = browser.new_context(viewport={"width": width, "height": height}, **kw)
        contexts.append(ctx)
        page = ctx.new_page()
        watch = Watch()
        watch.attach(page)
        return page, watch

    yield make
    for ctx in contexts:
        ctx.close()
