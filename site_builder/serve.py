"""``site-builder serve``: build, serve on 127.0.0.1, rebuild on change, reload open pages.

The livereload package does the serving machinery: :class:`livereload.Server`
runs the tornado loop, the websocket at ``/livereload`` and ``/livereload.js``,
and injects its loader snippet before ``</head>`` of every page it serves.
This module adds what a site generator needs on top:

- changes come as file events from the operating system (:mod:`site_builder.watch`;
  livereload's polling of the watched folders only where watchdog cannot watch);
- a WSGI app that serves the last good build under the site's base path;
- an edited article's own pages are rendered at once from the last build's data
  and served until the full build lands (:mod:`site_builder.preview`): on a large
  archive the edit shows in milliseconds, not seconds;
- builds in a worker thread, debounced, never on the server's loop; after each
  build it tells the open pages to reload (livereload's own reload after a file
  event is switched off: it would fire before the build has finished);
- a failed build keeps the last good site and shows the problems
  (``path:line: message``) in a banner on every page until a build succeeds;
- the pages' Content-Security-Policy allows no inline script, so *dev responses
  only* get a CSP that admits livereload's snippet (by its hash) and its
  websocket. The files in the output folder are never changed: the snippet, the
  banner and the relaxed CSP exist only in what this server sends.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import html
import json
import logging
import mimetypes
import posixpath
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from site_builder.errors import Problem, SiteError
from site_builder.preview import Preview

log = logging.getLogger(__name__)

#: URL prefix of the dev server's own resources (the error banner's CSS, the build status).
DEV_PREFIX = "/__site-builder__/"
#: Folders (under the project root) whose changes trigger a rebuild; the config lives in content/.
WATCHED = ("content", "templates", "static")

_CSP_META = re.compile(rb'(<meta\s+http-equiv="Content-Security-Policy"\s+content=")([^"]*)(")', re.IGNORECASE)
_BODY_OPEN = re.compile(rb"<body\b[^>]*>", re.IGNORECASE)
_SCRIPT_BODY = re.compile(rb"<script[^>]*>(.*?)</script>", re.DOTALL)

BANNER_CSS = b"""\
.sb-dev-error{position:sticky;top:0;z-index:2147483647;margin:0;padding:1rem 1.25rem;background:#7f1d1d;
color:#fff;font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;box-shadow:0 2px 8px #0006}
.sb-dev-error h2{margin:0 0 .5rem;font-size:15px}
.sb-dev-error pre{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
"""


@dataclass(frozen=True)
class BuildState:
    """The outcome of the latest build; replaced as a whole, never changed in place."""

    generation: int = 0  # number of builds so far
    ok: bool = False
    problems: tuple[str, ...] = ()  # ``path:line: message`` lines of a failed build
    summary: str = ""
    changed: tuple[str, ...] = ()  # the source files whose change started this build
    previewed: tuple[str, ...] = ()  # pages served from a preview before this build (see site_builder.preview)
    reload: bool = True  # whether open pages must reload: not if the build changed only what the preview showed

    def as_json(self) -> dict[str, Any]:
        return {"generation": self.generation, "ok": self.ok, "problems": list(self.problems),
                "summary": self.summary, "changed": list(self.changed), "previewed": list(self.previewed)}


def _problem_lines(problems: Iterable[Problem]) -> tuple[str, ...]:
    return tuple(str(p) for p in problems)


def csp_with_livereload(csp: str, script_hash: str, ws_origin: str) -> str:
    """``csp`` with livereload's inline snippet (by hash) added to script-src and its websocket to connect-src."""
    directives = [d.strip() for d in csp.split(";") if d.strip()]
    names = [d.split()[0].lower() for d in directives]
    additions = {"script-src": f"'sha256-{script_hash}'", "connect-src": ws_origin}
    for name, extra in additions.items():
        if name in names:
            i = names.index(name)
            directives[i] = f"{directives[i]} {extra}"
        else:
            base = directives[names.index("default-src")].split()[1:] if "default-src" in names else []
            directives.append(" ".join([name, *base, extra]))
    return "; ".join(directives)


def banner(problems: Iterable[str], fallback: bool = True) -> bytes:
    """The error banner shown at the top of every page while the latest build is broken
    (``fallback``: over the last good site; else there is none yet)."""
    lines = "\n".join(html.escape(p) for p in problems)
    then = "showing the last good site until this is fixed" if fallback else "the site appears once this is fixed"
    return (b'<div class="sb-dev-error" id="site-builder-dev-error" role="alert">'
            + f"<h2>Build failed \u2014 {then}</h2><pre>{lines}</pre>".encode() + b"</div>")


def error_page(state: BuildState) -> bytes:
    """A page for when no build has succeeded yet (nothing to fall back to); sent as it is (see ``dev_html``)."""
    return (b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Build failed</title>'
            b'<link rel="stylesheet" href="' + DEV_PREFIX.encode() + b'dev.css"></head><body>'
            + banner(state.problems, fallback=False) + b"</body></html>\n")


@dataclass
class DevSite:
    """Builds the project into ``out`` and serves the last good build as a WSGI app.

    ``build`` is called as ``build(root, out)`` and raises SiteError on bad
    input; it must leave ``out`` as it was when it fails (site_builder.build does).
    ``preview`` (optional), called with the changed files before the build, returns
    pages (output path -> bytes) to serve at once, until the build lands; it must
    never raise (:meth:`site_builder.preview.Preview.render` is one).
    """

    root: Path
    out: Path
    build: Callable[[Path, Path], Any]
    base_path: str = "/"
    debounce: float = 0.25  # seconds of quiet after the last change before a rebuild
    live_script: bytes = b""  # livereload's injected snippet (set once the server knows it)
    on_built: Callable[[BuildState], None] | None = None
    preview: Callable[[tuple[str, ...]], dict[str, bytes]] | None = None
    on_preview: Callable[[tuple[str, ...]], None] | None = None  # pages are previewed for these changed files
    overlay: dict[str, bytes] = field(default_factory=dict)  # previewed pages, served instead of the output's
    state: BuildState = field(default_factory=BuildState)
    _pending: set[str] = field(default_factory=set)
    _last_change: float = 0.0
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _worker: threading.Thread | None = None
    _has_site: bool = False
    #: held while building (file events may start a rebuild while another thread builds)
    building: threading.RLock = field(default_factory=threading.RLock)

    # -- building ----------------------------------------------------------------------------

    def rebuild(self, changed: Iterable[str] = ()) -> BuildState:
        """Build now; on failure keep the last good site. Returns (and stores) the new state."""
        with self.building:
            return self._rebuild(tuple(sorted(changed)))

    def _rebuild(self, changed: tuple[str, ...]) -> BuildState:
        before: dict[str, bytes | None] = {}
        if changed and self.preview is not None and self.state.ok:
            pages = self.preview(changed)
            if pages:
                before = {rel: self._output(rel) for rel in pages}
                self.overlay = pages  # replaced whole: the server's thread sees the old or the new dict
                if self.on_preview is not None:
                    self.on_preview(changed)
        start = time.perf_counter()
        try:
            report = self.build(self.root, self.out)
        except SiteError as exc:
            state = BuildState(self.state.generation + 1, False, _problem_lines(exc.problems),
                               f"build failed in {time.perf_counter() - start:.2f}s", changed)
        except Exception as exc:  # a bug must not take the server down; show it like a build error
            log.exception("build crashed")
            state = BuildState(self.state.generation + 1, False, (f"build crashed: {type(exc).__name__}: {exc}",),
                               "build crashed", changed)
        else:
            summary = report.summary() if hasattr(report, "summary") else "built"
            state = BuildState(self.state.generation + 1, True, (), summary, changed, tuple(sorted(before)),
                               not self._preview_was_right(before, report))
            self._has_site = True
            self.base_path = _base_path(self.root, self.base_path)  # site.toml's base_url may have changed
        self._has_site = self._has_site or (self.out / "index.html").exists()
        self.overlay = {}
        self.state = state
        if self.on_built is not None:
            self.on_built(state)
        return state

    def _output(self, rel: str) -> bytes | None:
        try:
            return (self.out / rel).read_bytes()
        except OSError:
            return None

    def _preview_was_right(self, before: dict[str, bytes | None], report: Any) -> bool:
        """True if the build changed exactly the previewed pages, into what the preview showed.

        The open pages then show the site as built, and need no second reload.
        """
        if not before:
            return False
        overlay = self.overlay
        if any(self._output(rel) != overlay.get(rel) for rel in before):
            return False
        differed = sum(1 for rel, old in before.items() if old != overlay.get(rel))
        return getattr(report, "written", None) == differed and getattr(report, "removed", None) == 0

    def changed(self, path: str) -> None:
        """A watched file changed (called from the server loop): rebuild after ``debounce`` seconds of quiet."""
        with self._cond:
            self._pending.add(path)
            self._last_change = time.monotonic()
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="site-builder-rebuild", daemon=True)
                self._worker.start()
            self._cond.notify_all()

    def _work(self) -> None:
        while True:
            with self._cond:
                while True:
                    if not self._pending:
                        self._worker = None
                        return
                    quiet = time.monotonic() - self._last_change
                    if quiet >= self.debounce:
                        break
                    self._cond.wait(self.debounce - quiet)
                batch, self._pending = self._pending, set()
            self.rebuild(batch)

    # -- serving -----------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        """The WSGI app: the site under ``base_path``, plus the dev resources under DEV_PREFIX."""
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace")
        if method not in ("GET", "HEAD"):
            return self._respond(start_response, "405 Method Not Allowed", b"method not allowed\n", "text/plain", method)
        if path.startswith(DEV_PREFIX):
            return self._dev_resource(path[len(DEV_PREFIX):], start_response, method)
        if not self._has_site:
            return self._respond(start_response, "503 Service Unavailable", error_page(self.state), "text/html",
                                 method)  # (not through dev_html: it has its banner already)
        if not path.startswith(self.base_path):
            if path in ("/", ""):
                return self._redirect(start_response, self.base_path)
            return self._not_found(start_response, method, environ)
        rel = path[len(self.base_path):]
        if "\x00" in rel or ".." in rel.split("/"):
            return self._not_found(start_response, method, environ)
        target = self.out / rel if rel else self.out
        try:
            # "//etc/passwd" would make rel absolute: serve only what lies inside the output folder
            inside = target.resolve().is_relative_to(self.out.resolve())
        except (OSError, RuntimeError):
            inside = False
        if not inside:
            return self._not_found(start_response, method, environ)
        if target.is_dir():
            if rel and not rel.endswith("/"):
                query = environ.get("QUERY_STRING", "")
                return self._redirect(start_response, path + "/" + (f"?{query}" if query else ""))
            target = target / "index.html"
        previewed = self.overlay.get(target.relative_to(self.out).as_posix()) if self.overlay else None
        if previewed is not None:
            return self._respond(start_response, "200 OK", previewed, "text/html", method, environ)
        try:
            data = target.read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return self._not_found(start_response, method, environ)
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return self._respond(start_response, "200 OK", data, ctype, method, environ)

    def _not_found(self, start_response: Callable[..., Any], method: str, environ: dict[str, Any]) -> list[bytes]:
        page = self.out / "404.html"
        data = page.read_bytes() if page.exists() else b"<!DOCTYPE html><html><head></head><body>not found</body></html>"
        return self._respond(start_response, "404 Not Found", data, "text/html", method, environ)

    @staticmethod
    def _redirect(start_response: Callable[..., Any], location: str) -> list[bytes]:
        start_response("302 Found", [("Location", location), ("Content-Type", "text/plain"), ("Cache-Control", "no-store")])
        return [b""]

    def _dev_resource(self, name: str, start_response: Callable[..., Any], method: str) -> list[bytes]:
        if name == "dev.css":
            return self._respond(start_response, "200 OK", BANNER_CSS, "text/css", method)
        if name == "status.json":
            body = json.dumps(self.state.as_json(), ensure_ascii=False).encode()
            return self._respond(start_response, "200 OK", body, "application/json", method)
        return self._respond(start_response, "404 Not Found", b"not found\n", "text/plain", method)

    def _respond(self, start_response: Callable[..., Any], status: str, data: bytes, ctype: str, method: str,
                 environ: dict[str, Any] | None = None) -> list[bytes]:
        if ctype == "text/html" and environ is not None:
            data = self.dev_html(data, environ.get("HTTP_HOST", ""))
        if ctype.startswith("text/") or ctype in ("application/json", "application/javascript", "image/svg+xml"):
            ctype += "; charset=utf-8"
        start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(data))),
                                ("Cache-Control", "no-store")])
        return [b""] if method == "HEAD" else [data]

    def dev_html(self, data: bytes, host: str) -> bytes:
        """A built page as the dev server sends it: CSP admitting livereload, and the error banner if broken.

        (livereload itself then inserts its snippet before ``</head>``.)
        """
        if self.live_script:
            m = _SCRIPT_BODY.search(self.live_script)
            digest = base64.b64encode(hashlib.sha256(m.group(1) if m else b"").digest()).decode()
            ws = f"ws://{host}" if host else "ws:"

            def relax(match: re.Match[bytes]) -> bytes:
                csp = html.unescape(match.group(2).decode())
                relaxed = html.escape(csp_with_livereload(csp, digest, ws), quote=False).replace('"', "&quot;")
                return match.group(1) + relaxed.encode() + match.group(3)

            data = _CSP_META.sub(relax, data, count=1)
        if not self.state.ok and self.state.generation:
            css = f'<link rel="stylesheet" href="{DEV_PREFIX}dev.css">'.encode()
            data = data.replace(b"</head>", css + b"</head>", 1)
            m = _BODY_OPEN.search(data)
            if m:
                data = data[:m.end()] + banner(self.state.problems) + data[m.end():]
        return data


class KeptSite(Preview):
    """The dev server's builds, each handing its site over to preview edits with.

    Between builds the kept site is frozen for Python's cycle collector: a full
    collection would walk all of it (0.2-0.5 s on a large archive) at any
    allocation, a preview's included. When the next build drops it, it is thawed
    and collected while little else is alive, so nothing it leaves in cycles (a
    template environment, say) stays frozen for good.
    """

    def build(self, root: Path, out: Path) -> Any:
        from site_builder.build import build

        try:
            return build(root, out, keeper=self)
        finally:
            gc.freeze()

    def load(self, out: Path) -> None:
        """Keep the site as a build into ``out`` would load it, without building (raises SiteError)."""
        from site_builder.build import load_pages

        try:
            self.keep(*load_pages(self.root, out))
        finally:
            gc.freeze()

    def drop(self) -> None:
        super().drop()
        gc.unfreeze()
        gc.collect()


def _warm(site: DevSite, kept: KeptSite, out: Path) -> None:
    """Load the site for previews after a first build that found nothing to do (the server is up meanwhile)."""
    with site.building:  # not beside a rebuild that a file event started
        if kept.ready or not site.state.ok:
            return
        try:
            kept.load(out)
            log.info("site loaded for previews")
        except SiteError:
            pass
        except Exception:  # a bug must not take the server down: there is just no preview
            log.exception("could not load the site for previews")


def _base_path(root: Path, default: str = "/") -> str:
    """The URL path the site lives under (from site.toml's base_url), or ``default`` if it does not load."""
    from site_builder.config import load_config

    try:
        return load_config(root).base_path
    except SiteError:
        return default


def reload_path(changed: Iterable[str]) -> str:
    """What to tell livereload.js changed: a stylesheet (reloaded in place) if only CSS changed, else the page."""
    paths = sorted(changed)
    if paths and all(p.startswith("static/") and p.endswith(".css") for p in paths):
        return paths[0]
    return paths[0] if paths else "*"


def relative_to_root(root: Path, path: str) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path


def _ignored(path: str) -> bool:
    """Editor droppings: backups, swap and lock files, temporary files of atomic saves."""
    name = posixpath.basename(path.replace("\\", "/"))
    return (name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp", ".part"))
            or name == "4913")


DEFAULT_PORT = 8000
_PORTS_TRIED = 20  # from the default port up, when it is taken


def choose_port(host: str, port: int | None) -> int:
    """The port to serve on: ``port`` if it is free, else a SiteError; without one, the first free port
    from :data:`DEFAULT_PORT` up (with a note when that is not the default). Checked before the first
    build, so that a taken port is reported at once, not after a build and a claim to be serving."""
    import errno
    import socket

    wanted = [port] if port is not None else list(range(DEFAULT_PORT, DEFAULT_PORT + _PORTS_TRIED))
    for candidate in wanted:
        try:
            with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as tornado's own socket
                probe.bind((host, candidate))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:  # a port below 1024, an address this machine does not have...
                option = "--port" if exc.errno == errno.EACCES else "--host"
                raise SiteError(f"cannot listen on {host}:{candidate}: {exc.strerror or exc}", option) from None
            continue
        if candidate != wanted[0]:
            log.warning("warning: port %d is in use; serving on port %d instead", DEFAULT_PORT, candidate)
        return candidate
    if port is not None:
        raise SiteError(f"port {port} on {host} is in use (another server?); choose another with --port", "--port")
    raise SiteError(f"ports {wanted[0]}-{wanted[-1]} on {host} are all in use; choose one with --port", "--port")


def serve(root: Path, out: Path, host: str = "127.0.0.1", port: int | None = None, *,
          build: Callable[[Path, Path], Any] | None = None, open_browser: bool = False) -> None:
    """Build ``root`` into ``out`` and serve it until interrupted; rebuild and reload on every change.

    ``port``: None for the first free port from :data:`DEFAULT_PORT` up (see :func:`choose_port`).
    """
    port = choose_port(host, port)
    from livereload import Server
    from livereload.handlers import LiveReloadHandler
    from livereload.watcher import get_watcher_class
    from tornado.ioloop import IOLoop

    from site_builder.watch import FolderWatch

    preview = None
    if build is None:
        preview = KeptSite(root)
        build = preview.build

    base_path = _base_path(root)
    loops: list[IOLoop] = []

    def built(state: BuildState) -> None:
        if state.ok:
            log.info("%s", state.summary)
        else:
            log.error("build failed; the last good site, if any, stays up until this is fixed:\n%s",
                      "\n".join(state.problems))
        if state.reload:
            tell(reload_path(state.changed))

    def tell(path: str) -> None:
        if loops:  # tell the open pages, from the server's loop (the only thread that may touch websockets)
            loops[0].add_callback(LiveReloadHandler.reload_waiters, path)

    def previewed(changed: tuple[str, ...]) -> None:
        log.info("previewing %s", ", ".join(changed))
        tell(reload_path(changed))

    site = DevSite(root=root, out=out, build=build, base_path=base_path, on_built=built,
                   preview=preview.render if preview is not None else None, on_preview=previewed)
    events = FolderWatch(root, WATCHED, lambda rel: None if _ignored(rel) else site.changed(rel))
    if events.start():
        site.debounce = 0.05  # events come as they happen: only an editor's save of several steps to wait for

    class SiteWatcher(get_watcher_class()):  # type: ignore[misc]
        """Runs our callback on changes but never makes livereload reload by itself (we do, after the build).

        With file events (:mod:`site_builder.watch`) it only stands in for livereload's watcher: no polling.
        """

        def start(self, callback: Callable[[], None]) -> bool:
            return True if events.running else super().start(callback)

        def examine(self) -> tuple[str | None, float | None]:
            if events.running:
                return None, None
            path, delay = super().examine()
            return (path, delay) if path == "__livereload__" else (None, None)

    class SiteServer(Server):  # type: ignore[misc]
        def get_web_handlers(self, script: bytes) -> Any:
            site.live_script = script  # the exact snippet livereload injects: its hash goes into the dev CSP
            return super().get_web_handlers(script)

    watcher = SiteWatcher()
    server = SiteServer(app=site, watcher=watcher)

    def on_change() -> None:
        if not loops:
            loops.append(IOLoop.current())
        path = watcher.filepath
        if path and not _ignored(path):
            site.changed(relative_to_root(root, path))

    for name in WATCHED:  # without file events, livereload polls these (with them, the registry is unused)
        server.watch(str(root / name), on_change, ignore=_ignored)
    site.rebuild()
    if preview is not None and not preview.ready and site.state.ok:  # nothing had changed: nothing was loaded
        threading.Thread(target=_warm, args=(site, preview, out), name="site-builder-warm", daemon=True).start()
    if host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("serving on %s: other machines can reach this development server", host)
    IOLoop.current().add_callback(lambda: loops.append(IOLoop.current()) if not loops else None)
    for name in ("livereload", "tornado"):  # livereload installs its own log handler on these
        logging.getLogger(name).propagate = False
    log.info("site at http://%s:%d%s (Ctrl-C to stop)", host if ":" not in host else f"[{host}]", port, base_path)
    try:
        server.serve(port=port, host=host, debug=False, open_url_delay=0.5 if open_browser else None,
                     restart_delay=0)
    finally:
        events.stop()
