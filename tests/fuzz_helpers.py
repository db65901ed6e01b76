"""Shared pieces of the robustness tests: small projects, CLI runs, error-format checks, hypothesis strategies.

Used by test_fuzz, test_hostile, test_paths, test_kill and test_reproducible.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent

FRONT_MATTER = 'title = "测试标题"\ndate = 2022-02-09\nkind = "news"\nsource = "sources/x.txt"\n'
ARTICLE = f"+++\n{FRONT_MATTER}+++\n\n<!-- § a1 -->\n第一段。\n\n<!-- § b2 -->\n第二段。\n"
ENGLISH = "<!-- § a1 status=reviewed -->\nFirst paragraph.\n\n<!-- § b2 status=machine -->\nSecond paragraph.\n"

#: one problem as the CLI prints it: ``path:line: message`` (line >= 1)
PROBLEM_LINE = re.compile(r"^(?P<path>[^\s:][^:\n]*):(?P<line>[1-9]\d*): (?P<message>\S.*)$")
SUMMARY_LINE = re.compile(r"^\d+ errors?; nothing was written$")


def make_project(dest: Path, articles: dict[str, str] | None = None) -> Path:
    """A project at ``dest`` with the real site.toml, templates and static files and the given files
    (``content/articles/<name>`` -> text; default: one small article ``one`` with its English)."""
    (dest / "content" / "articles").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "content" / "site.toml", dest / "content" / "site.toml")
    for name in ("templates", "static"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("*~"), dirs_exist_ok=True)
    if articles is None:
        articles = {"one.zh.md": ARTICLE, "one.en.md": ENGLISH}
    for name, text in articles.items():
        (dest / "content" / "articles" / name).write_text(text, encoding="utf-8")
    return dest


def copy_real_project(dest: Path) -> Path:
    """A copy of the whole real project (content with entities and data, templates, static)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("content", "templates", "static"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("*~"))
    return dest


def cli_env(**extra: str) -> dict[str, str]:
    """The environment for a CLI subprocess: this interpreter's, with the project importable."""
    env = {**os.environ, **extra}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return env


def run_cli(
    root: Path, *args: str, timeout: float = 300, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``site-builder --root ROOT ARGS`` in a subprocess; a hang fails the test through ``timeout``."""
    return subprocess.run(
        [sys.executable, "-m", "site_builder", "--root", str(root), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or root,
        env=env or cli_env(),
        stdin=subprocess.DEVNULL,
    )


def problem_lines(stderr: str) -> list[re.Match[str]]:
    """The ``path:line: message`` lines of a failed CLI run; asserts every other line is a warning or the
    summary ("N errors; nothing was written") that ``site-builder build`` adds."""
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    if lines and SUMMARY_LINE.match(lines[-1]):
        lines = lines[:-1]
    matches = []
    for ln in lines:
        if ln.startswith("warning: ") or ": warning: " in ln:
            continue
        m = PROBLEM_LINE.match(ln)
        assert m, f"not a path:line: message line: {ln!r}\n{stderr[-3000:]}"
        matches.append(m)
    assert matches, stderr[-3000:]
    return matches


def assert_clean_outcome(proc: subprocess.CompletedProcess[str], paths: set[str] | None = None) -> None:
    """Exit 0, or exit 1 with only ``path:line: message`` lines (naming one of ``paths`` if given);
    never a traceback."""
    assert "Traceback" not in proc.stderr, proc.stderr[-5000:]
    assert proc.returncode in (0, 1), (proc.returncode, proc.stderr[-5000:])
    if proc.returncode == 1:
        found = problem_lines(proc.stderr)
        if paths is not None:
            assert any(m["path"] in paths for m in found), (paths, proc.stderr[-3000:])


def assert_problems(problems: list, paths: set[str], max_line: int | None = None) -> None:
    """Each problem names one of ``paths`` and a line in 1..max_line, and has a message."""
    assert problems
    for p in problems:
        assert p.path in paths, str(p)
        assert p.line >= 1 and (max_line is None or p.line <= max_line), str(p)
        assert p.message.strip() and "\n" not in p.message.strip("\n"), str(p)
        assert PROBLEM_LINE.match(str(p).splitlines()[0]), str(p)


def site_files(out: Path) -> dict[str, bytes]:
    """Every file of a built site: relative path -> bytes."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- hypothesis strategies

#: characters that tend to break parsers: bidi controls, separators, markers, Markdown and TOML punctuation
SPECIAL = [
    "\u202e",
    "\u202d",
    "\u2066",
    "\u2067",
    "\u2069",
    "\u200f",
    "\u200e",
    "\u061c",
    "\ufeff",
    "\u2028",
    "\u2029",
    "\x85",
    "\x0b",
    "\x0c",
    "\r",
    "\t",
    "\n",
    "\n\n",
    "+++",
    "<!--",
    "-->",
    "§",
    "|",
    "=",
    "[[gap",
    "]]",
    "[",
    "]",
    "(",
    ")",
    ">",
    "*",
    "_",
    "`",
    "#",
    "\\",
    '"',
    "'",
    "{{",
    "}}",
    "{%",
    "%}",
    "<script>",
    "&amp;",
    "&#0;",
    "javascript:",
    "data:",
    "\U0001f600",
    "\u0301",
    "温岭",
    "ﬀ",
    "İ",
]

_chars = st.characters(blacklist_categories=("Cs",))  # surrogates cannot be written as UTF-8: see invalid_utf8
special_text = st.lists(st.one_of(st.sampled_from(SPECIAL), st.text(_chars, max_size=8)), max_size=40).map("".join)

#: bytes that are not valid UTF-8: lone surrogates (as surrogatepass writes them), stray continuation bytes, overlongs
invalid_utf8 = st.tuples(
    st.text(_chars, max_size=30),
    st.sampled_from(
        [b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\x80", b"\xc0\xaf", b"\xff", b"\xf4\x90\x80\x80", b"\xe6\xb8"]
    ),
    st.text(_chars, max_size=30),
).map(lambda t: t[0].encode() + t[1] + t[2].encode())


@st.composite
def mutated(draw: st.DrawFn, valid: str) -> bytes:
    """``valid`` (a file that builds) changed in a few places: lines dropped, duplicated, truncated or inserted."""
    lines = valid.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        op = draw(st.sampled_from(["drop", "dup", "cut", "insert", "swap"]))
        if op == "drop" and lines:
            del lines[i]
        elif op == "dup" and lines:
            lines.insert(i, lines[i])
        elif op == "cut" and lines:
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        elif op == "swap" and len(lines) > 1:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines.insert(i, draw(special_text))
    data = "\n".join(lines).encode()
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]  # truncated, possibly inside a UTF-8 sequence
    return data


def file_bytes(valid: str) -> st.SearchStrategy[bytes]:
    """Anything a hand-edited or damaged file might hold, starting from a ``valid`` one."""
    return st.one_of(
        mutated(valid),
        st.binary(max_size=300),
        special_text.map(str.encode),
        invalid_utf8,
        st.tuples(mutated(valid), invalid_utf8).map(lambda t: t[0] + t[1]),
    )


# ---------------------------------------------------------------- what a built page may contain

#: Elements that run code, load other documents or restyle the page: never in a built page.
FORBIDDEN_TAGS = {"style", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal"}
URL_ATTRS = {"href", "src", "action", "formaction", "poster", "data", "cite", "background", "xlink:href", "manifest"}


def safe_url(url: str) -> bool:
    """A URL a page may carry: relative, #fragment, http(s) or mailto (never javascript:, data:, vbscript: ...)."""
    u = "".join(ch for ch in url if ch > " " and ch != "\x7f").lower()
    scheme = u.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return ":" not in scheme or u.startswith(("http://", "https://", "mailto:"))


def parse_csp(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header value -> {directive: [sources]}."""
    out: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out.setdefault(words[0].lower(), [w.lower() for w in words[1:]])
    return out


def csp_problems(policy: str) -> list[str]:
    """What makes ``policy`` weaker than the site promises: scripts and styles from our own files only."""
    d = parse_csp(policy)
    bad = []
    if "default-src" not in d:
        bad.append("no default-src")
    for kind in ("script-src", "style-src"):
        sources = d.get(kind, d.get("default-src"))
        if sources is None:
            bad.append(f"no {kind}")
            continue
        for s in sources:
            if s in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*") or s.endswith(":") or "*" in s:
                bad.append(f"{kind} allows {s}")
    for kind in (f"{k}-src" for k in ("script", "style", "default", "img", "font", "connect", "object")):
        if any(s in ("data:", "http:", "https:", "*") for s in d.get(kind, [])):
            bad.append(f"{kind} allows {d[kind]}")
    if d.get("object-src") != ["'none'"]:
        bad.append("object-src is not 'none'")
    if d.get("base-uri") not in (["'none'"], ["'self'"]):
        bad.append("base-uri is not 'none' or 'self'")
    return bad


class PageChecker(HTMLParser):
    """Everything in a full HTML page that could run code or break the site's Content-Security-Policy."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.csp: list[str] = []
        self.text: list[str] = []
        self._in_head = False
        self._seen_resource = False
        self._script: dict[str, str | None] | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v for k, v in attrs}
        if tag == "head":
            self._in_head = True
        elif tag == "body":
            self._in_head = False
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler attribute")
            if name == "style":
                self.problems.append(f"<{tag} style=...> inline style")
            if name in URL_ATTRS and value is not None and not safe_url(value):
                self.problems.append(f"<{tag} {name}={value!r}> unsafe URL")
            if name == "srcset" and value and not all(safe_url(c.split()[0]) for c in value.split(",") if c.split()):
                self.problems.append(f"<{tag} srcset={value!r}> unsafe URL")
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            if not self._in_head or self._seen_resource:
                self.problems.append("Content-Security-Policy meta is not in <head> before every script and stylesheet")
            self.csp.append(a.get("content") or "")
        if tag == "link" and "stylesheet" in (a.get("rel") or "").lower().split():
            self._seen_resource = True
        if tag == "script":
            self._seen_resource = True
            self._script, self._script_text = a, []
            src = a.get("src")
            if src is not None and (":" in src.split("/", 1)[0] or src.startswith("//")):
                self.problems.append(f"script from another origin: {src!r}")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self._in_head = False
        if tag == "script" and self._script is not None:
            body = "".join(self._script_text)
            kind = (self._script.get("type") or "").lower()
            if self._script.get("src") is not None:
                if body.strip():
                    self.problems.append("script with both src and inline code")
            elif kind != "application/ld+json":
                self.problems.append(f"inline <script> (type={kind!r}): {body[:80]!r}")
            else:
                if "</" in body or "<!--" in body:
                    self.problems.append("JSON-LD block contains '</' or '<!--'")
                try:
                    json.loads(body)
                except ValueError as exc:
                    self.problems.append(f"JSON-LD block is not JSON: {exc}")
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text.append(data)
        else:
            self.text.append(data)


def check_page(html: str) -> PageChecker:
    """Parse a built page; ``.problems`` lists what breaks the promises, ``.csp`` the declared policies."""
    checker = PageChecker()
    checker.feed(html)
    checker.close()
    if len(checker.csp) != 1:
        checker.problems.append(f"{len(checker.csp)} Content-Security-Policy meta elements (want exactly 1)")
    for policy in checker.csp:
        checker.problems.extend(csp_problems(policy))
    return checker


def check_xml(data: bytes) -> list[str]:
    """A feed or sitemap: well-formed XML, no active elements or attributes, HTML payloads inert."""
    root = ElementTree.fromstring(data)  # raises on malformed XML
    problems = []
    for el in root.iter():
        local = el.tag.rsplit("}", 1)[-1].lower()
        if local in FORBIDDEN_TAGS | {"script"}:
            problems.append(f"<{local}> element")
        for name, value in el.attrib.items():
            attr = name.rsplit("}", 1)[-1].lower()
            if attr.startswith("on") or attr == "style":
                problems.append(f"<{local} {attr}>")
            if attr in URL_ATTRS and not safe_url(value):
                problems.append(f"<{local} {attr}={value!r}>")
        if el.get("type") == "html" and el.text:
            sub = PageChecker()
            sub.feed(el.text)
            sub.close()
            problems.extend(f"in <{local} type=html>: {p}" for p in sub.problems)
            if sub._seen_resource:
                problems.append(f"in <{local} type=html>: script or stylesheet")
    return problems
