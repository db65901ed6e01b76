"""Hostile content is inert, and every page declares a strict Content-Security-Policy.

Markdown, front matter, English files, entity names and summaries, data files and
site settings carrying ``<script>``, event handlers, ``javascript:``/``data:``
URLs, HTML entities and template syntax either render as visible text or are
refused with ``path:line`` -- never as markup, never evaluated as a template.
"""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from tests.fuzz_helpers import (
    ROOT,
    assert_clean_outcome,
    check_page,
    check_xml,
    copy_real_project,
    make_project,
    run_cli,
    site_files,
)

#: every trick at once; "XSS49" anywhere in the output would mean {{ 7*7 }} was evaluated
P = (
    'XSS{{ 7*7 }}{% if true %}T{% endif %}{# c #}<script>alert(1)</script><img src=x onerror="alert(2)">'
    '<a href="javascript:alert(3)">j</a><svg onload=alert(8)>&lt;i&gt;&#x3C;b&#x3E;&amp;</style><!--'
)
VISIBLE = "XSS{{ 7*7 }}{% if true %}T{% endif %}{# c #}<script>alert(1)</script>"  # as a reader must see it
#: raw bytes that would be live markup in an HTML or XML file
LIVE = [b"<script>alert", b"<img src=x", b'<a href="javascript:', b"<svg onload", b"</style><!--"]
LINKS = (
    "[j](javascript:alert(1)) [J](JAVASCRIPT:alert(1)) [d](data:text/html;base64,PHNjcmlwdD4=) "
    "[e](&#106;avascript:alert(1)) [c](javascript&colon;alert(1)) [t](java\tscript:alert(1)) <javascript:alert(1)> "
    '[v](vbscript:msgbox(1)) [ok](https://example.org/?q="><script>alert(5)</script>) '
    "![i](data:image/svg+xml,<svg onload=alert(6)>) [w](<javascript:alert(9)>)"
)


def toml_str(s: str) -> str:
    """A TOML basic string holding ``s``."""
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")


def hostile_project(dest: Path, entities: str | None = None) -> Path:
    ps = toml_str(P)
    zh = f"""+++
title = {ps}
subtitle = {ps}
kicker = {ps}
column = {ps}
date = 2022-02-09
kind = "news"
reporters = [{ps}, "江盈盈"]
source = "sources/x.txt"
source_lines = {ps}
+++

<!-- § a1 -->
温岭 {P}

<!-- § a2 -->
{LINKS}

<!-- § a3 -->
[[gap: {P}]]正文{{{{ 7*7 }}}}

<!-- § a4 -->
{{% include "base.html" %}}{{{{ config }}}}{{{{ ''.__class__.__mro__ }}}}{{{{ self }}}}

<!-- § a5 -->
&lt;script&gt;alert(4)&lt;/script&gt; &amp;lt; &#0; &#x110000; &#106;avascript: &NotAnEntity;

<!-- § a6 -->
> {P}

<!-- § a7 -->
- {P}
- `{P}`

<!-- § a8 -->
    {P}

<!-- § a9 -->
# {P}
"""
    en_blocks = [
        f"<!-- § {sid} status=reviewed | {P} -->\nWenling {P}\n"
        for sid in ("title", "subtitle", "kicker", "column", "a1", "a3", "a4", "a6", "a7", "a8", "a9")
    ]
    en_blocks.append(f"<!-- § a2 status=machine engine=<script>alert(1)</script> -->\n{LINKS}\n")
    en_blocks.append(f"<!-- suggestion § a1 engine=<img/src=x/onerror=alert(1)> -->\n{P}\n")
    root = make_project(dest, {"hostile.zh.md": zh, "hostile.en.md": "\n".join(en_blocks)})
    site = root / "content" / "site.toml"
    text = site.read_text(encoding="utf-8")
    config = tomllib.loads(text)
    for table in ("title", "tagline"):
        for lang in ("zh", "en"):
            old = toml_str(config[table][lang])
            assert text.count(old) == 1, (table, lang)
            text = text.replace(old, toml_str(P + config[table][lang]))
    site.write_text(text, encoding="utf-8")
    (root / "content" / "entities.toml").write_text(
        entities
        if entities is not None
        else f"""
[[entity]]
id = "wenling"
type = "place"
zh = "温岭"
en = "Wenling"
pinyin = {ps}
summary_zh = {ps}
summary_en = {ps}
description_zh = {ps}
description_en = {ps}
""",
        encoding="utf-8",
    )
    return root


def assert_site_inert(out: Path) -> str:
    """Every built file is free of live markup; returns all visible page text joined."""
    files = site_files(out)
    pages = 0
    texts = []
    for rel, data in files.items():
        if rel.startswith("pagefind/") or rel.startswith("static/"):
            continue
        if rel.endswith((".html", ".xml", ".txt")):
            for live in LIVE:
                assert live not in data, f"{rel} contains live markup {live!r}"
        if rel.endswith(".json"):  # data for the site's scripts, which only use text APIs (test below)
            json.loads(data)
        if rel.endswith(".html"):
            pages += 1
            checker = check_page(data.decode("utf-8"))
            assert checker.problems == [], (rel, checker.problems)
            texts.append("".join(checker.text))
        elif rel.endswith(".xml"):
            assert check_xml(data) == [], rel
            texts.append(data.decode("utf-8"))
    assert pages > 0
    text = "\n".join(texts)
    assert "XSS49" not in text and "XSST" not in text, "template syntax was evaluated"
    return text


def test_hostile_article_site_and_entities_render_as_text(tmp_path: Path) -> None:
    root = hostile_project(tmp_path / "site")
    proc = run_cli(root, "build", timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = root / "public"
    assert_site_inert(out)
    for lang in ("zh", "en"):
        page = check_page((out / lang / "articles" / "hostile" / "index.html").read_text(encoding="utf-8"))
        text = "".join(page.text)
        assert VISIBLE in text, f"{lang}: the hostile text is not shown as text"
        if lang == "zh":
            assert '{% include "base.html" %}{{ config }}' in text
            assert "<script>alert(4)</script>" in text  # &lt;script&gt; in Markdown reads as the characters
    zh = (out / "zh" / "articles" / "hostile" / "index.html").read_text(encoding="utf-8")
    assert "javascript" not in " ".join(re.findall(r'href="([^"]*)"', zh)).lower()
    assert 'href="https://example.org/?q=%22%3E%3Cscript%3Ealert(5)%3C/script%3E"' in zh
    summary_pages = [p for p in out.rglob("*.html") if "entities" in p.parts]
    for page in summary_pages:
        assert "XSS49" not in page.read_text(encoding="utf-8")


def test_hostile_entity_names_are_text_or_refused(tmp_path: Path) -> None:
    names = f"""
[[entity]]
id = "hostile"
type = "company"
zh = "温岭<b>"
en = "Wenling <i>"
zh_aliases = ["{{{{ 7*7 }}}}"]
en_aliases = ["<script>alert(1)</script>"]
summary_zh = {toml_str(P)}
summary_en = {toml_str(P)}
"""
    root = hostile_project(tmp_path / "site", entities=names)
    proc = run_cli(root, "build", timeout=600)
    assert_clean_outcome(proc, {"content/entities.toml"})
    if proc.returncode == 0:
        text = assert_site_inert(root / "public")
        assert VISIBLE in text


def test_template_syntax_in_content_is_never_a_template(tmp_path: Path) -> None:
    """A section that is only Jinja syntax is shown verbatim, and the Jinja environment never sees it."""
    import jinja2

    from site_builder.build import build

    root = hostile_project(tmp_path / "site")
    seen: list[str] = []
    real = jinja2.Environment.from_string

    def spy(self: jinja2.Environment, source: Any, *args: Any, **kw: Any) -> Any:
        seen.append(str(source))
        return real(self, source, *args, **kw)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(jinja2.Environment, "from_string", spy)
        build(root)
    assert not [s for s in seen if "7*7" in s or "include" in s]
    html = (root / "public/zh/articles/hostile/index.html").read_text(encoding="utf-8")
    assert "{% include &quot;base.html&quot; %}{{ config }}" in html


# ---------------------------------------------------------------- the real content, free-text fields poisoned

FREE_TEXT = {
    "title",
    "tagline",
    "subtitle",
    "summary_zh",
    "summary_en",
    "description_zh",
    "description_en",
    "blurb",
    "label",
    "intro",
    "note",
    "caption",
    "text",
}


def poison(value: Any, key: str = "", parent: str = "") -> Any:
    """``value`` with P put before every free-text string (a field named in FREE_TEXT, or its zh/en)."""
    if isinstance(value, dict):
        return {k: poison(v, k, key) for k, v in value.items()}
    if isinstance(value, list):
        return [poison(v, "", key) for v in value]
    if isinstance(value, str) and (key in FREE_TEXT or key in ("zh", "en") and parent in FREE_TEXT):
        return P + value
    return value


def toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return toml_str(v)
    if isinstance(v, (date, datetime, time)):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + " }"


def toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else toml_str(k)


def dump_toml(data: dict[str, Any]) -> str:
    """TOML for ``data``: plain values and tables, arrays of tables as [[name]] sections."""
    lines = [
        f"{toml_key(k)} = {toml_value(v)}"
        for k, v in data.items()
        if not (isinstance(v, list) and v and all(isinstance(x, dict) for x in v))
    ]
    for k, v in data.items():
        if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            for item in v:
                lines.append(f"\n[[{toml_key(k)}]]")
                lines += [f"{toml_key(ik)} = {toml_value(iv)}" for ik, iv in item.items()]
    return "\n".join(lines) + "\n"


def toml_files() -> list[str]:
    return sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "content").rglob("*.toml"))


def test_dump_toml_round_trips_the_real_files() -> None:
    for rel in toml_files():
        data = tomllib.loads((ROOT / rel).read_text(encoding="utf-8"))
        assert tomllib.loads(dump_toml(data)) == data, rel
        assert poison(data) != data or rel.endswith("map.toml"), f"{rel}: no free-text field to poison"


@pytest.mark.slow
@pytest.mark.parametrize("rel", [f for f in toml_files() if not f.startswith("content/sources/")])
def test_hostile_text_in_settings_registry_and_data_files(tmp_path: Path, rel: str) -> None:
    root = copy_real_project(tmp_path / "site")
    data = tomllib.loads((root / rel).read_text(encoding="utf-8"))
    (root / rel).write_text(dump_toml(poison(data)), encoding="utf-8")
    proc = run_cli(root, "build", timeout=600)
    assert_clean_outcome(proc, {rel})
    if proc.returncode == 0:
        text = assert_site_inert(root / "public")
        assert VISIBLE in text, f"the poisoned text of {rel} is shown nowhere"


# ---------------------------------------------------------------- the site's own scripts

#: DOM and JavaScript APIs that turn a string into markup or code
HTML_SINKS = re.compile(
    r"\.(innerHTML|outerHTML)\s*[+]?=|insertAdjacentHTML|document\.write|\beval\s*\(|"
    r"new\s+Function\b|setTimeout\s*\(\s*['\"`]|setInterval\s*\(\s*['\"`]|createContextualFragment|"
    r"\.srcdoc\s*=|DOMParser"
)


def test_site_scripts_never_turn_text_into_markup_or_code() -> None:
    """Content reaches the page's scripts as data (JSON, data attributes): they must use text APIs only."""
    scripts = sorted((ROOT / "static").rglob("*.js"))
    assert scripts
    for js in scripts:
        for n, line in enumerate(js.read_text(encoding="utf-8").splitlines(), 1):
            assert not HTML_SINKS.search(line), f"static/{js.relative_to(ROOT / 'static')}:{n}: {line.strip()}"
    assert HTML_SINKS.search("el.innerHTML = data.summary") and HTML_SINKS.search(
        "x.insertAdjacentHTML('beforeend', s)"
    )


# ---------------------------------------------------------------- Content-Security-Policy on every page


@pytest.fixture(scope="module")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_real_project(tmp_path_factory.mktemp("csp") / "site")
    proc = run_cli(root, "build", timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root / "public"


def test_every_page_of_the_real_site_declares_a_strict_csp(real_site: Path) -> None:
    pages = sorted(real_site.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        checker = check_page(page.read_text(encoding="utf-8"))
        assert checker.problems == [], (page.relative_to(real_site).as_posix(), checker.problems)
        policy = checker.csp[0]
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy


@pytest.mark.parametrize(
    "html, problem",
    [
        ("<html><head><title>x</title></head><body></body></html>", "0 Content-Security-Policy meta"),
        (
            "<head><meta http-equiv=Content-Security-Policy content=\"default-src 'self'; "
            "script-src 'self' 'unsafe-inline'; style-src 'self'; object-src 'none'; base-uri 'none'\"></head>",
            "script-src allows 'unsafe-inline'",
        ),
        (
            "<head><meta http-equiv=Content-Security-Policy content=\"default-src 'self'; object-src 'none'; "
            "base-uri 'none'; style-src 'self' 'unsafe-inline'\"></head>",
            "style-src allows 'unsafe-inline'",
        ),
        (
            "<head><script src=a.js></script>"
            "<meta http-equiv=Content-Security-Policy content=\"default-src 'self'\"></head>",
            "not in <head> before every script",
        ),
        ("<body><script>alert(1)</script></body>", "inline <script>"),
        ('<body><p onclick="x()">a</p></body>', "event handler"),
        ('<body><p style="color:red">a</p></body>', "inline style"),
        ("<body><style>p{}</style></body>", "<style> element"),
        ('<body><a href=" JaVa&#x09;Script:alert(1)">a</a></body>', "unsafe URL"),
        ('<body><img src="data:image/png;base64,AAAA"></body>', "unsafe URL"),
        ('<body><script type=application/ld+json>{"a": "</script>"}</script></body>', "JSON-LD"),
        ('<body><script src="https://cdn.example/x.js"></script></body>', "another origin"),
    ],
)
def test_page_checker_finds_each_violation(html: str, problem: str) -> None:
    problems = check_page(html).problems
    assert any(problem in p for p in problems), problems


#: Every text entry point (Markdown, plain text, sentence splitting, the translator's markup protection, the
#: translation QA, the importer) on long runs of each kind of unclosed markup.
_UNCLOSED_PROBE = r'''
import sys
from pathlib import Path
from site_builder.errors import Problem
from site_builder.ingest import propose, read_page
from site_builder.markdown import Renderer, plain_text
from site_builder.registry import load_registry
from site_builder.translate import protect, qa, segment

n, root, scratch = int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
glossary = protect.Glossary(load_registry(root).entities)
where = Problem("one.en.md", 1, "")
for unit in ["[", "[[gap: ", "[[gap", " *x", "**a ", "__a ", " _x", "![", "[a](", "`x", "，", " ", "（", "五", "1,"]:
    text = unit * (n // len(unit)) + "温岭"
    plain_text(text)
    Renderer().render(text, "zh")
    segment.split_sentences(text)
    protect.protect(text, glossary)
    protect.fragment_core("a" + text + "a")
    qa.check_section(text, text, where, glossary, glossary)
    page = scratch / "page.txt"
    page.write_text("温岭日报 2022年2月9日\n\n标题\n\n" + text + "（下转第2版）\n", encoding="utf-8")
    propose(read_page(page, "page.txt", scratch))
print("done")
'''


def test_long_runs_of_unclosed_markup_do_not_stall(tmp_path: Path) -> None:
    """Unclosed markup costs linear time. Before, each unclosed "[" (or " *", "**", "[[gap:", a long run of
    punctuation or spaces) made a pattern scan to the end of its paragraph or line: 20,000 such characters took
    seconds, a 1 MB file (within the 5 MB allowed) hours of a build, a translation or an import. A hang detector,
    not a speed target: the 50,000 characters of each kind below take a few seconds here, the timeout is minutes."""
    import subprocess
    import sys

    from tests.fuzz_helpers import cli_env

    proc = subprocess.run([sys.executable, "-c", _UNCLOSED_PROBE, "50000", str(ROOT), str(tmp_path)],
                          capture_output=True, text=True, timeout=180, env=cli_env(), check=False)
    assert proc.returncode == 0 and proc.stdout.strip() == "done", proc.stderr[-3000:]
