"""The dev server: the real livereload server in a subprocess, watched by a real websocket client."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import hashlib
import json
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tornado.websocket import WebSocketClientConnection, websocket_connect

from site_builder.errors import SiteError
from site_builder.serve import DEV_PREFIX, _ignored, csp_with_livereload

TIMEOUT = 60.0  # generous: a slow CI machine, not a speed target
ZH = "content/articles/one.zh.md"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Response:
    status: int
    body: str
    headers: dict[str, str]


def fetch(url: str) -> Response:
    req = urllib.request.Request(url)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return Response(resp.status, resp.read().decode("utf-8"), dict(resp.headers))
    except urllib.error.HTTPError as exc:
        return Response(exc.code, exc.read().decode("utf-8"), dict(exc.headers))


@dataclass
class Server:
    root: Path
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str) -> Response:
        return fetch(self.url(path))

    def status(self) -> dict:
        return json.loads(self.get(DEV_PREFIX + "status.json").body)


@pytest.fixture
def server(tiny: Path, tmp_path: Path) -> Iterator[Server]:
    with running_server(tiny, tmp_path) as srv:
        yield srv


@contextlib.contextmanager
def running_server(tiny: Path, tmp_path: Path) -> Iterator[Server]:
    """``site_builder serve`` on ``tiny`` in a subprocess, until the block ends."""
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "site_builder", "--root", str(tiny), "serve", "--port", str(port)],
                                stdout=fh, stderr=subprocess.STDOUT)
    srv = Server(tiny, port, proc, log)
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if srv.get("/zh/articles/one/").status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the dev server did not come up:\n" + log.read_text()
            time.sleep(0.2)
        yield srv
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert "Traceback" not in log.read_text(), log.read_text()


class LiveReloadClient:
    """A browser page as livereload sees it: the official-7 handshake, then reload commands."""

    def __init__(self, conn: WebSocketClientConnection) -> None:
        self.conn = conn

    @classmethod
    async def connect(cls, srv: Server, page: str) -> LiveReloadClient:
        conn = await websocket_connect(f"ws://127.0.0.1:{srv.port}/livereload")
        await conn.write_message(json.dumps({"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}))
        hello = json.loads(await asyncio.wait_for(conn.read_message(), TIMEOUT))
        assert hello["command"] == "hello"
        await conn.write_message(json.dumps({"command": "info", "url": srv.url(page), "plugins": {}}))
        return cls(conn)

    async def reload(self, path: str) -> dict:
        """Wait for the reload command naming ``path`` (others, e.g. livereload's start-up one, are skipped)."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no reload for {path} within {TIMEOUT}s"
            raw = await asyncio.wait_for(self.conn.read_message(), remaining)
            assert raw is not None, "livereload closed the websocket"
            msg = json.loads(raw)
            if msg.get("command") == "reload" and msg.get("path") == path:
                return msg


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_edit_rebuilds_and_reloads_the_page(server: Server) -> None:
    async def scenario() -> None:
        page = await asyncio.to_thread(server.get, "/zh/articles/one/")
        assert "第一段。" in page.body
        browser = await LiveReloadClient.connect(server, "/zh/articles/one/")
        edit(server.root / ZH, "第一段。", "第一段改过了。")
        msg = await browser.reload(ZH)
        assert msg["liveCSS"] is True  # a page path, so livereload.js reloads the whole page
        page = await asyncio.to_thread(server.get, "/zh/articles/one/")
        assert "第一段改过了。" in page.body and "第一段。" not in page.body
        deadline = time.monotonic() + TIMEOUT
        while (status := await asyncio.to_thread(server.status))["generation"] < 2:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        # the article's pages were previewed before the build; the build then wrote the same page
        assert "zh/articles/one/index.html" in status["previewed"] and status["ok"]
        assert "第一段改过了。" in (await asyncio.to_thread(server.get, "/zh/articles/one/")).body
        # a stylesheet change is announced under its own path, which livereload.js swaps in place
        css = server.root / "static/site.css"
        css.write_text(css.read_text() + "\n.dev-test { color: red; }\n")
        await browser.reload("static/site.css")
        assert ".dev-test" in (await asyncio.to_thread(server.get, "/static/site.css")).body
        browser.conn.close()

    asyncio.run(scenario())


def test_edits_are_previewed_when_the_first_build_had_nothing_to_do(tiny: Path, tmp_path: Path) -> None:
    """The server's first build finds the site up to date and loads nothing: the site is loaded for previews
    in the background, and the next edit is previewed."""
    from site_builder.build import build

    build(tiny, tiny / ".site-builder-cache" / "serve")  # where the dev server builds
    with running_server(tiny, tmp_path) as srv:
        assert "0 rendered" in srv.status()["summary"]
        deadline = time.monotonic() + TIMEOUT
        while "loaded for previews" not in srv.log.read_text():
            assert time.monotonic() < deadline, srv.log.read_text()
            time.sleep(0.05)
        edit(tiny / ZH, "第一段。", "第一段，服务器启动后改的。")
        while (status := srv.status())["generation"] < 2:
            assert time.monotonic() < deadline, srv.log.read_text()
            time.sleep(0.05)
        assert "zh/articles/one/index.html" in status["previewed"], status
        assert "第一段，服务器启动后改的。" in srv.get("/zh/articles/one/").body


def test_broken_file_shows_the_error_and_keeps_the_last_good_site(server: Server) -> None:
    zh = server.root / ZH
    good = zh.read_text(encoding="utf-8")
    kind_line = good.split("\n").index('kind = "news"') + 1

    async def scenario() -> None:
        browser = await LiveReloadClient.connect(server, "/en/articles/one/")
        zh.write_text(good.replace('kind = "news"', 'kind = "blog"').replace("第二段。", "第二段坏了。"), encoding="utf-8")
        await browser.reload(ZH)
        page = await asyncio.to_thread(server.get, "/en/articles/one/")
        assert page.status == 200
        banner = re.search(r'<div class="sb-dev-error" id="site-builder-dev-error" role="alert">.*?</div>', page.body, re.DOTALL)
        assert banner, page.body
        assert f"{ZH}:{kind_line}: kind must be one of news, commentary, feature, not &#x27;blog&#x27;" in banner.group(0)
        assert "第二段。" in page.body and "第二段坏了。" not in page.body  # the last good site
        assert f'<link rel="stylesheet" href="{DEV_PREFIX}dev.css">' in page.body
        css = await asyncio.to_thread(server.get, DEV_PREFIX + "dev.css")
        assert css.status == 200 and ".sb-dev-error" in css.body
        status = await asyncio.to_thread(server.status)
        assert status["ok"] is False
        assert status["problems"] == [f"{ZH}:{kind_line}: kind must be one of news, commentary, feature, not 'blog'"]
        zh.write_text(good.replace("第二段。", "第二段修好了。"), encoding="utf-8")
        await browser.reload(ZH)
        page = await asyncio.to_thread(server.get, "/en/articles/one/")
        assert "sb-dev-error" not in page.body and "第二段修好了。" in page.body
        assert (await asyncio.to_thread(server.status))["ok"] is True
        browser.conn.close()

    asyncio.run(scenario())


def test_livereload_only_in_dev_responses(server: Server) -> None:
    served = server.get("/zh/articles/one/")
    assert served.headers["Cache-Control"] == "no-store"
    assert "/livereload.js?port=" in served.body
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', served.body)
    assert csp
    directives = dict(d.strip().split(" ", 1) for d in csp.group(1).split(";"))
    assert re.fullmatch(r"'self' 'sha256-[A-Za-z0-9+/]+=*'", directives["script-src"])
    assert directives["connect-src"] == f"'self' ws://127.0.0.1:{server.port}"
    # the inline loader livereload injects is exactly the script the hash admits
    loader = re.search(r"<script[^>]*>(\(function\(\)\{.*?)</script>", served.body, re.DOTALL)
    assert loader
    digest = base64.b64encode(hashlib.sha256(loader.group(1).encode()).digest()).decode()
    assert directives["script-src"] == f"'self' 'sha256-{digest}'"
    # the files on disk are the plain build: no livereload, the strict CSP
    built = server.root / ".site-builder-cache/serve"
    pages = list(built.rglob("*.html"))
    assert len(pages) >= 8
    for p in pages:
        text = p.read_text(encoding="utf-8")
        assert "livereload" not in text and "sha256-" not in text and "sb-dev-error" not in text, p
    on_disk = (built / "zh/articles/one/index.html").read_text(encoding="utf-8")
    assert "script-src 'self';" in on_disk
    # and the publishing output is not touched by the dev server
    assert not (server.root / "public").exists()
    # directories redirect to their slash form; unknown paths get the site's 404 page
    no_slash = server.get("/zh/articles/one")
    assert no_slash.status == 200 and "第一段。" in no_slash.body
    missing = server.get("/zh/nothing-here/")
    assert missing.status == 404 and "Page not found" in missing.body


def test_csp_rewrite_and_ignored_files() -> None:
    """Pure logic: the dev CSP keeps every directive and adds exactly what livereload needs."""
    strict = "default-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'"
    assert csp_with_livereload(strict, "abc=", "ws://localhost:8000") == (
        "default-src 'self'; script-src 'self' 'sha256-abc='; connect-src 'self' ws://localhost:8000; object-src 'none'")
    assert csp_with_livereload("default-src 'self'", "abc=", "ws://h:1") == (
        "default-src 'self'; script-src 'self' 'sha256-abc='; connect-src 'self' ws://h:1")
    for name in ("content/articles/.one.zh.md.swp", "content/articles/one.zh.md~", "templates/#base.html#",
                 "content/articles/.one.zh.md.a1b2.tmp", "static/4913"):
        assert _ignored(name), name
    assert not _ignored("content/articles/one.zh.md")


@pytest.mark.browser
def test_real_browser_reloads_under_the_pages_csp(server: Server) -> None:
    """Chromium enforces the page's CSP: livereload must connect and reload with no CSP violation."""
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = Path("/usr/bin/chromium")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium) if chromium.exists() else None,
                                     args=["--no-sandbox"])
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(server.url("/zh/articles/one/"))
            page.wait_for_function("() => window.LiveReload && window.LiveReload.connector.protocol >= 7",
                                   timeout=TIMEOUT * 1000)
            page.evaluate("() => { window.notReloaded = true; }")
            edit(server.root / ZH, "第一段。", "浏览器里看到的新文字。")
            # (the page may be between two loads: the preview's reload, then the build's)
            page.wait_for_function("() => document.body && document.body.innerText.includes('浏览器里看到的新文字。')",
                                   timeout=TIMEOUT * 1000)
            assert page.evaluate("() => window.notReloaded === undefined")  # a real reload, not an edit in place
            assert not [e for e in errors if "Content Security Policy" in e], errors
        finally:
            browser.close()


def test_first_build_broken_serves_an_error_page_until_fixed(tmp_path: Path) -> None:
    """Pure logic (a fake build): with no good site yet, every page is the error page, then the site."""
    from site_builder.serve import DevSite

    out = tmp_path / "out"
    broken = [True]

    def fake_build(root: Path, dest: Path) -> None:
        if broken[0]:
            raise SiteError("invalid TOML: expected a value", "content/site.toml", 3)
        dest.mkdir(exist_ok=True)
        (dest / "index.html").write_text("<html><head></head><body>hello</body></html>")

    site = DevSite(root=tmp_path, out=out, build=fake_build)

    def get(path: str) -> tuple[str, bytes]:
        seen: list[str] = []
        body = b"".join(site({"REQUEST_METHOD": "GET", "PATH_INFO": path}, lambda status, headers: seen.append(status)))
        return seen[0], body

    assert site.rebuild().ok is False
    status, body = get("/")
    assert status == "503 Service Unavailable"
    assert b"<pre>content/site.toml:3: invalid TOML: expected a value</pre>" in body
    # once, and not promising a last good site that does not exist
    assert body.count(b'id="site-builder-dev-error"') == 1 and body.count(b"dev.css") == 1
    assert "Build failed — the site appears once this is fixed".encode() in body
    broken[0] = False
    assert site.rebuild(["content/site.toml"]).ok is True
    assert get("/") == ("200 OK", b"<html><head></head><body>hello</body></html>")


def test_changes_in_quick_succession_make_one_rebuild(tmp_path: Path) -> None:
    """Pure logic (a fake build): saves within the debounce interval are built together, once."""
    from site_builder.serve import DevSite

    builds: list[int] = []

    def fake_build(root: Path, dest: Path) -> None:
        builds.append(1)

    site = DevSite(root=tmp_path, out=tmp_path / "out", build=fake_build, debounce=1.0)
    for path in ("content/articles/one.zh.md", "content/articles/one.en.md", "static/site.css"):
        site.changed(path)
    deadline = time.monotonic() + TIMEOUT
    while site.state.generation == 0:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(1.5)  # a second build, if one were (wrongly) scheduled, would have started by now
    assert len(builds) == 1
    assert site.state.changed == ("content/articles/one.en.md", "content/articles/one.zh.md", "static/site.css")


def test_previewed_pages_are_served_until_the_build_lands(tmp_path: Path) -> None:
    """Pure logic (a fake build and preview): the preview's pages are served while the build runs, then the
    build's; open pages reload after the build only if it changed more than the preview showed."""
    import threading

    from site_builder.serve import DevSite

    out = tmp_path / "out"
    (out / "a").mkdir(parents=True)
    (out / "index.html").write_bytes(b"<html><head></head><body>home</body></html>")
    (out / "a" / "index.html").write_bytes(b"<html><head></head><body>old a</body></html>")
    new_a = b"<html><head></head><body>new a</body></html>"
    building, finish = threading.Event(), threading.Event()
    extra = {"written": 1}
    events: list[str] = []

    class Report:
        removed = 0

        @property
        def written(self) -> int:
            return extra["written"]

    def fake_build(root: Path, dest: Path) -> Report:
        building.set()
        assert finish.wait(TIMEOUT)
        (dest / "a" / "index.html").write_bytes(new_a)
        if extra["written"] > 1:
            (dest / "index.html").write_bytes(b"<html><head></head><body>home, changed</body></html>")
        return Report()

    def fake_preview(changed: tuple[str, ...]) -> dict[str, bytes]:
        return {"a/index.html": new_a} if changed == ("content/articles/a.zh.md",) else {}

    site = DevSite(root=tmp_path, out=out, build=fake_build, preview=fake_preview,
                   on_preview=lambda changed: events.append("preview"),
                   on_built=lambda state: events.append("reload" if state.reload else "quiet"))
    site.state = dataclasses.replace(site.state, ok=True)
    site._has_site = True

    def get(path: str) -> bytes:
        return b"".join(site({"REQUEST_METHOD": "GET", "PATH_INFO": path}, lambda status, headers: None))

    for written, expected in ((1, "quiet"), (2, "reload")):
        (out / "a" / "index.html").write_bytes(b"<html><head></head><body>old a</body></html>")
        extra["written"] = written
        building.clear()
        finish.clear()
        worker = threading.Thread(target=site.rebuild, args=(["content/articles/a.zh.md"],))
        worker.start()
        assert building.wait(TIMEOUT)
        assert events[-1] == "preview"
        assert b"new a" in get("/a/")  # from the preview: the output folder still has the old page
        assert (out / "a" / "index.html").read_bytes().endswith(b"old a</body></html>")
        assert b"home" in get("/")  # pages the preview did not make come from the output folder
        finish.set()
        worker.join(TIMEOUT)
        assert events[-1] == expected
        assert site.overlay == {} and b"new a" in get("/a/")
        assert site.state.previewed == ("a/index.html",)
    site.rebuild(["static/site.css"])  # no preview for this one: the build's reload as always
    assert events[-2:] != ["preview", "preview"] and events[-1] == "reload" and site.state.previewed == ()


def test_file_events_report_changes_and_not_reads(tmp_path: Path) -> None:
    """The real watchdog observer: writes, new files, renames and deletions are reported; reading is not."""
    import threading

    from site_builder.watch import FolderWatch

    (tmp_path / "content" / "articles").mkdir(parents=True)
    page = tmp_path / "content" / "articles" / "one.zh.md"
    page.write_text("一")
    (tmp_path / "elsewhere").mkdir()
    seen: list[str] = []
    arrived = threading.Condition()

    def on_change(rel: str) -> None:
        with arrived:
            seen.append(rel)
            arrived.notify_all()

    def wait_for(rel: str) -> None:
        with arrived:
            assert arrived.wait_for(lambda: rel in seen, TIMEOUT), seen

    watch = FolderWatch(tmp_path, ["content", "templates"], on_change)  # templates/ does not exist: skipped
    assert watch.start() and watch.running
    try:
        page.read_text()
        (tmp_path / "elsewhere" / "x.txt").write_text("not watched")
        page.write_text("二")
        wait_for("content/articles/one.zh.md")
        assert seen and set(seen) == {"content/articles/one.zh.md"}  # the read and the other folder: nothing
        tmp = tmp_path / "content" / "articles" / ".one.zh.md.tmp"
        tmp.write_text("三")
        tmp.replace(tmp_path / "content" / "articles" / "two.zh.md")  # an editor's atomic save
        wait_for("content/articles/two.zh.md")
        with arrived:
            seen.clear()
        page.unlink()
        wait_for("content/articles/one.zh.md")
        # a watched folder deleted and made again is watched again; one that did not exist is watched once made
        shutil.rmtree(tmp_path / "content")
        wait_for("content")
        with arrived:
            seen.clear()
        (tmp_path / "content" / "articles").mkdir(parents=True)
        (tmp_path / "templates").mkdir()
        wait_for("content")  # reported once the new folder is watched
        wait_for("templates")
        (tmp_path / "content" / "site.toml").write_text("x")
        wait_for("content/site.toml")
        (tmp_path / "templates" / "base.html").write_text("x")
        wait_for("templates/base.html")
    finally:
        watch.stop()
    assert not watch.running


def test_a_change_during_a_build_is_built_after_it_not_beside_it(tmp_path: Path) -> None:
    """Pure logic (a fake build): file events start rebuilds on their own thread while the first build runs."""
    import threading

    from site_builder.serve import DevSite

    active, most, builds = [0], [0], []
    started = threading.Event()

    def fake_build(root: Path, dest: Path) -> None:
        active[0] += 1
        most[0] = max(most[0], active[0])
        started.set()
        time.sleep(0.5)
        builds.append(1)
        active[0] -= 1

    site = DevSite(root=tmp_path, out=tmp_path / "out", build=fake_build, debounce=0.01)
    first = threading.Thread(target=site.rebuild)
    first.start()
    assert started.wait(TIMEOUT)
    site.changed("content/articles/one.zh.md")  # the worker debounces, then waits for the first build
    first.join(TIMEOUT)
    deadline = time.monotonic() + TIMEOUT
    while site.state.generation < 2:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert len(builds) == 2 and most[0] == 1
    assert site.state.changed == ("content/articles/one.zh.md",)


def test_a_taken_port_is_reported_before_anything_is_built(tiny: Path) -> None:
    """Before, the server built the site, claimed to serve on the port, then failed with
    'Address already in use'; now a port given with --port that is taken stops it at once."""
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "site_builder", "--root", str(tiny), "serve", "--port", str(port)],
                              capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[0] == (f"--port: port {port} on 127.0.0.1 is in use (another server?); "
                                           "choose another with --port"), proc.stderr
    assert "Traceback" not in proc.stderr and "site at" not in proc.stderr
    assert not (tiny / ".site-builder-cache").exists()  # nothing built


def test_without_a_port_a_taken_default_gives_the_next_free_one(monkeypatch: pytest.MonkeyPatch,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    from site_builder import serve

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        monkeypatch.setattr(serve, "DEFAULT_PORT", port)
        chosen = serve.choose_port("127.0.0.1", None)
        assert port < chosen < port + 20
        with socket.create_server(("127.0.0.1", chosen)):  # free indeed
            pass
        assert f"port {port} is in use; serving on port {chosen} instead" in caplog.text
        with pytest.raises(SiteError, match=f"port {port} on 127.0.0.1 is in use"):
            serve.choose_port("127.0.0.1", port)  # given: never another one
    caplog.clear()
    assert serve.choose_port("127.0.0.1", port) == port  # free again
    assert caplog.text == ""


def test_an_address_this_machine_does_not_have_is_one_line() -> None:
    from site_builder import serve

    with pytest.raises(SiteError) as info:
        serve.choose_port("192.0.2.1", 8123)  # TEST-NET-1: documentation only, never a machine's address
    assert [str(p) for p in info.value.problems] == [
        "--host: cannot listen on 192.0.2.1:8123: Cannot assign requested address"]
