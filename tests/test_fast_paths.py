"""Fast paths of the build give exactly what the general code gives.

Each shortcut taken for speed (plain paragraphs without the Markdown parser,
lower-casing at C speed, relative links without ``posixpath``) is checked
against the general computation on generated input.
"""

from __future__ import annotations

import os
import posixpath
import time
from importlib import metadata
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markupsafe import Markup, escape

from site_builder.deps import _LIBRARIES, RACY_NS, _dist_key, _installed_versions, scan_inputs
from site_builder.entities import Linker, _lower
from site_builder.markdown import Renderer, _unmarked, plain_lines, plain_text
from site_builder.model import Entity
from site_builder.render import make_env, output_text
from site_builder.urls import ANY_PAGE, page_url, relative, relative_from
from site_builder.views import _mark_runs, mark_cjk

ENTITIES = [
    Entity("wenling", "place", "温岭", "Wenling", 1, zh_aliases=("温岭市",)),
    Entity("valeo", "company", "法雷奥", "Valeo", 2),
    Entity("target", "target", "2000亿", "200 billion yuan", 3),
    Entity("prosperity", "policy", "共同富裕", "common prosperity", 4, case_sensitive=False),
]
LINKER = Linker(ENTITIES)
RENDERER = Renderer()

# Text made of names, Chinese and English words, markup characters and awkward white space.
PIECES = ["温岭", "温岭市", "法雷奥", "2000亿", "12000亿", "共同富裕", "Wenling", "Valeo", "Common Prosperity",
          "200 billion yuan", "本报讯", "，", "。", "“", "”", "word", "it's", " ", "  ", "\n", "\n\n", "\t", "\u3000",
          "*", "**", "_", "`", "[", "]", "(", ")", "!", "<", ">", "&", "&amp;", "&#38;", "&#x26;", "&copy;", "&nosuch;",
          "R&D", "&;", "&#", "&a1;", "\"", "'", "\\", "~", "#", "# ",
          "- ", "+ ", "1. ", "2) ", "=", "---", "    ", "[[gap]]", "[[gap: 原文]]", "http://x.org", "\r", "\x00",
          "Σ", "İ", "ß", ":", "%", "|", "\x01", "\x02"]
texts = st.lists(st.sampled_from(PIECES), max_size=14).map("".join)


def markdown_it(text: str, lang: str, **env: object) -> str:
    """The general path: markdown-it parses and renders everything."""
    return RENDERER.md.render(text, {"lang": lang, **env})


@settings(max_examples=600, deadline=None)
@given(texts, st.sampled_from(["zh", "en"]))
@example("温岭市的2000亿\n法雷奥与温岭", "zh")
@example("Wenling and Valeo\nin Wenling", "en")
def test_plain_paragraphs_render_as_markdown_it_renders_them(text: str, lang: str) -> None:
    for env in ({}, {"text_hook": LINKER.hook, "page_path": f"{lang}/articles/a/index.html"},
                {"text_hook": LINKER.hook, "page_path": "zh/x/index.html", "in_heading": True}):
        assert RENDERER.render(text, lang, **env) == markdown_it(text, lang, **env)


def test_a_hook_that_returns_other_tokens_is_written_by_markdown_it() -> None:
    """The plain path writes text and links itself; any other token a hook returns goes to markdown-it's renderer."""
    from markdown_it.token import Token

    def hook(text: str, env: dict) -> list[Token]:
        return [Token("em_open", "em", 1), Token("text", "", 0, content=text.upper()), Token("em_close", "em", -1),
                Token("code_inline", "code", 0, content="<x & 'y'>", markup="`")]

    text = "温岭 wenling\n[[gap: 缺]] valeo"
    assert RENDERER.render(text, "en", text_hook=hook) == markdown_it(text, "en", text_hook=hook)
    assert "<em>WENLING" not in RENDERER.render(text, "en") and "<em>温岭 WENLING</em>" in RENDERER.render(
        text, "en", text_hook=hook)


# Text with one pair of "**" (and no other asterisk) where markdown-it may or may not read strong emphasis:
# next to white space, punctuation (ASCII, Chinese, symbols), gap notes, line ends and other markup.
# Mostly text the fast path takes (names, words, punctuation, spaces, gap notes), and sometimes other markup.
NO_STAR = [p for p in PIECES if "*" not in p] + ["$", "¥", "—"]
CLEAN = ["温岭", "温岭市", "法雷奥", "2000亿", "共同富裕", "Wenling", "Valeo", "word", "本报讯", "，", "。", "“", "”", "(",
         ")", "'", "\"", ":", "%", "|", "$", "¥", "—", "Σ", "R&D", " ", " ", "\n", "\u3000", "[[gap]]", "[[gap: 原文]]"]
no_star_texts = st.lists(st.sampled_from(CLEAN * 6 + NO_STAR), max_size=6).map("".join)
strong_texts = st.tuples(no_star_texts, no_star_texts, no_star_texts).map(lambda t: f"{t[0]}**{t[1]}**{t[2]}")


@settings(max_examples=600, deadline=None)
@given(strong_texts, st.sampled_from(["zh", "en"]))
@example("会议强调，**要**。", "zh")
@example("**强工兴市**大会", "zh")
@example("“**强工**”", "zh")
@example("温岭**。会议**法雷奥", "zh")  # the first run cannot open: literal asterisks
@example("a **b** c\n**d", "en")
@example("**Wenling [[gap: 缺]] Valeo**.", "en")
def test_paragraphs_with_strong_emphasis_render_as_markdown_it_renders_them(text: str, lang: str) -> None:
    for env in ({}, {"text_hook": LINKER.hook, "page_path": f"{lang}/articles/a/index.html"},
                {"text_hook": LINKER.hook, "page_path": ANY_PAGE}):
        assert RENDERER.render(text, lang, **env) == markdown_it(text, lang, **env)


@given(st.lists(st.sampled_from(["Wenling", " ", "<p>", "</p>", '<a title="温岭">', "</a>", "2000亿", "强工兴市", "，",
                                  "“", "”", "\u3000", "—", "é", "<", ">", "㐀", "\uf900"]), max_size=10).map("".join))
@example("<p>200 billion yuan (2000亿)</p>")
def test_chinese_is_marked_in_english_html_as_without_the_shortcut(html: str) -> None:
    assert mark_cjk(html) == _mark_runs(html)


def test_the_character_tests_are_markdown_its_own_for_every_character() -> None:
    """The plain path's copies of markdown-it's tests (it is not imported until a text needs its parser)."""
    import sys

    from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace

    from site_builder.markdown import _is_punct, _is_white_space

    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        assert _is_white_space(code) == isWhiteSpace(code), hex(code)
        assert _is_punct(ch) == (isMdAsciiPunct(code) or isPunctChar(ch)), hex(code)


@given(st.text())
@example('<a href="x">R&D \'q\'</a>')
def test_escaping_is_markdown_its_own(text: str) -> None:
    from markdown_it.common.utils import escapeHtml

    from site_builder.markdown import escape_html

    assert escape_html(text) == escapeHtml(text)


def test_plain_paragraphs_are_rendered_without_importing_markdown_it() -> None:
    """A build whose sections are all plain (an edit's build, usually) never pays for importing the parser."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from site_builder import build, narrow, feeds\n"
            "from site_builder.markdown import Renderer\n"
            "from site_builder.entities import Linker\n"
            "from site_builder.model import Entity\n"
            "linker = Linker([Entity('wenling', 'place', '温岭', 'Wenling', 1)])\n"
            "html = Renderer().render('温岭**强工**兴市\\n法雷奥[[gap: 缺]]', 'zh', text_hook=linker.hook,\n"
            "                         page_path='zh/articles/a/index.html')\n"
            "assert '<strong>强工</strong>' in html and 'entities/wenling/' in html, html\n"
            "print(sorted(m for m in sys.modules if m.startswith('markdown_it')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_fast_path_is_taken_for_plain_text_only() -> None:
    assert plain_lines("温岭市的2000亿\n法雷奥") == ["温岭市的2000亿", "法雷奥"]
    # one pair of ** that markdown-it reads as strong emphasis is plain too, and marked
    assert plain_lines("会议强调，**强工兴市**。\n温岭") == ["会议强调，\x01强工兴市\x02。", "温岭"]
    assert RENDERER.render("**强工兴市**大会", "zh") == "<p><strong>强工兴市</strong>大会</p>\n"
    for markup in ("温岭**。会议**法雷奥", "**a** **b**", "***强***", "**强*", "a ** b **", "**强\x01**", "温岭\x01法雷奥\x02", "**强**_",
                   "[[gap: **]]**强**", "a\n\nb", "# 标题", "1. 列表", "a\n===", "  缩进", "行尾  \n下一行", "[[gap", "[[gap]", "a &amp; b",
                   "&#38;", "&copy;", ""):
        assert plain_lines(markup) is None, markup
        assert plain_lines(f"温岭[[gap: 缺]]\n{markup}") is None, markup
    assert plain_lines("R&D 与 a & b") == ["R&D 与 a & b"]  # a lone ampersand is literal text
    # gap notes stand in plain text, and may hold what would be markup elsewhere
    assert plain_lines("[[gap]]\n温岭[[gap: 原文*缺*]]法雷奥") == ["[[gap]]", "温岭[[gap: 原文*缺*]]法雷奥"]


@settings(max_examples=300, deadline=None)
@given(texts, st.sampled_from(["zh", "en"]),
       st.sampled_from(["zh/articles/a/index.html", "en/articles/a/parallel/index.html", "en/hubs/h/index.html",
                        "zh/entities/wenling/index.html", "index.html", "404.html"]))
def test_html_rendered_once_resolves_to_what_each_page_would_render(text: str, lang: str, page: str) -> None:
    """A section is rendered once for all its pages; resolving its links gives each page's own rendering."""
    once = RENDERER.render(text, lang, text_hook=LINKER.hook, page_path=ANY_PAGE)
    assert LINKER.resolve(once, page, lang) == RENDERER.render(text, lang, text_hook=LINKER.hook, page_path=page)


@given(texts)
@example("温岭*2000亿* [链接](http://x.org) `代码` [[gap: 缺]] snake_case 7*7")
def test_plain_text_without_markers_is_only_stripped(text: str) -> None:
    assert plain_text(text) == _unmarked(text)


def _occurrences(keys: list[str], hay: str) -> set[tuple[int, int, int]]:
    """Every occurrence of every key in ``hay``, overlapping ones too, by plain search: (key index, start, end)."""
    found = set()
    for i, key in enumerate(keys):
        start = hay.find(key)
        while start != -1:
            found.add((i, start, start + len(key)))
            start = hay.find(key, start + 1)
    return found


OVERLAPPING = Linker([*ENTITIES, Entity("wenling-city", "place", "岭市", "Ling City", 5),
                      Entity("south", "place", "温岭南", "Wenling South", 6, en_aliases=("wenling s",))],
                     excludes={"wenling": {"zh": ["温岭人"], "en": ["wenlingese"]}})


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES + ["岭市", "温岭南", "温岭人", "Wenlingese", "WENLING S", "𠮷", "😀", "é"]),
                max_size=14).map("".join), st.sampled_from(["zh", "en"]))
@example("𠮷😀温岭市温岭南", "zh")
def test_the_automaton_finds_every_occurrence_of_every_name(text: str, lang: str) -> None:
    """The linker's automaton (ahocorasick-rs) gives what a plain search for each name gives, in characters."""
    auto = OVERLAPPING._automata[lang]
    assert auto is not None
    hay = text if lang == "zh" else _lower(text)
    keys = [pats[0].surface if lang == "zh" else _lower(pats[0].surface) for pats in auto.patterns]
    assert set(auto.find(hay, True)) == _occurrences(keys, hay)


def _unmarked_reference(text: str) -> str:
    """:func:`_unmarked` with every pattern applied, whether its marker is in the text or not."""
    from site_builder import markdown as m

    text = m._LINK_RE.sub(r"\1", m.GAP_RE.sub("…", text))
    text = m._EM_STAR_RE.sub(r"\1", m._STRONG_RE.sub(r"\2", text))
    return m._CODE_RE.sub(r"\1", m._EM_UNDERSCORE_RE.sub(r"\1", text)).strip()


@settings(max_examples=1000)
@given(texts)
@example("温岭*2000亿* [链接](http://x.org) `代码` [[gap: 缺]] snake_case 7*7 **强** __工__")
def test_markers_are_removed_as_by_every_pattern(text: str) -> None:
    assert _unmarked(text) == _unmarked_reference(text)


def _lower_reference(text: str) -> str:
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


@given(st.text())
@example("ΣΑΣ Σ")
@example("İstanbul WENLING")
def test_lower_keeps_every_index(text: str) -> None:
    low = _lower(text)
    assert low == _lower_reference(text)
    assert len(low) == len(text)


def _relative_reference(from_path: str, to_path: str) -> str:
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


segments = st.sampled_from(["zh", "en", "articles", "entities", "a", "ab", "parallel", "static", "index.html",
                            "feed.xml", "x.css"])
paths = st.lists(segments, min_size=1, max_size=5).map("/".join)


@settings(max_examples=1000)
@given(paths, paths, st.sampled_from(["", "#k7m2qa", "#"]))
@example("index.html", "index.html", "")
@example("zh/articles/a/index.html", "zh/articles/a/index.html", "#s1")
def test_relative_links_are_posixpath_relpath(from_path: str, to_path: str, anchor: str) -> None:
    assert relative(from_path, to_path + anchor) == _relative_reference(from_path, to_path + anchor)
    assert relative(from_path, anchor) == _relative_reference(from_path, anchor)
    link = relative_from(from_path)  # one page's links, the second to each target remembered from the first
    for _ in range(2):
        assert link(to_path + anchor) == _relative_reference(from_path, to_path + anchor)
        assert link(to_path + "#other") == _relative_reference(from_path, to_path + "#other")
        assert link(anchor) == _relative_reference(from_path, anchor)


def test_library_versions_are_what_importlib_metadata_reports() -> None:
    found = _installed_versions()
    for name in _LIBRARIES:
        try:
            expected = metadata.version(name)
        except metadata.PackageNotFoundError:
            expected = "-"
        assert found.get(_dist_key(name), "-") == expected, name


def test_input_scan_reads_only_files_whose_identity_changed(tiny: Path) -> None:
    first = scan_inputs(tiny)
    rel = "content/site.toml"
    assert first.known(time.time_ns()).get(rel) is None  # just written: it may still change unseen
    settled = first.known(time.time_ns() + 2 * RACY_NS)
    assert settled[rel][4] == first.files[rel]
    forged = {**settled, rel: [*settled[rel][:4], "recorded"]}
    assert scan_inputs(tiny, forged).files[rel] == "recorded"  # same identity: not read again
    path = tiny / rel
    data = path.read_bytes()
    path.write_bytes(data.replace(b"=", b":", 1))  # same size, same inode
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, settled[rel][1]))  # and the old mtime back: only the ctime tells
    assert (st.st_size, st.st_ino) == tuple(settled[rel][i] for i in (0, 2))
    assert scan_inputs(tiny, forged).files[rel] not in ("recorded", first.files[rel])


# -- templates: output written without Markup objects ----------------------------------------------------------


class _Html:
    def __html__(self) -> str:
        return "<b>safe & sound</b>"


@given(st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.none(), st.booleans(),
                 st.text().map(Markup), st.just(_Html())))
@example("<script>alert('x') & \"y\"</script>")
def test_output_text_is_what_markupsafe_escape_gives(value: object) -> None:
    assert output_text(value) == str(escape(value))
    assert type(output_text(value)) is str


TEMPLATE_CASES = {
    "values": "{{ a }}|{{ b }}|{{ n }}|{{ m }}|{{ h }}|{{ a ~ m }}|{{ a | upper }}|{{ m | safe }}|{{ a | e }}",
    "set block": "{% set x %}<i>{{ a }}</i>{{ m }}{% endset %}{{ x }}|{{ x | length }}|{{ x | upper }}",
    "macro and call": ("{% macro box(v) %}<div>{{ v }}</div>{% endmacro %}{% macro wrap(v) %}<p>{{ v }}{{ caller() }}</p>"
                       "{% endmacro %}{{ box(a) }}{{ box(m) | upper }}{% call wrap(m) %}[{{ b }}]{% endcall %}"),
    "filter block": "{% filter upper %}{{ a }} & {{ m }}{% endfilter %}",
    "autoescape off": "{% autoescape false %}{{ a }}{{ m }}{% endautoescape %}{{ a }}",
    "autoescape on/off by value": "{% autoescape flag %}{{ a }}{% endautoescape %}{% autoescape not flag %}{{ b }}{% endautoescape %}",
    "loops and conditions": "{% for x in items %}{{ loop.index }}={{ x }}{% if not loop.last %}, {% endif %}{% endfor %}",
    "include": "{% include 'inc.html' %}",
    "safe": ("{{ a | safe }}|{{ m | safe }}|{{ n | safe }}|{{ h | safe }}|{{ none | safe }}|{{ a | safe | upper }}|"
             "{{ (a | safe) ~ b }}|{{ a | upper | safe }}|{{ 'lit<' | safe }}|{% set s = a | safe %}{{ s }}{{ s | length }}|"
             "{% for x in items %}{{ x | safe }}{% endfor %}|{% filter upper %}{{ a | safe }}{% endfilter %}|"
             "{% autoescape false %}{{ a | safe }}{% endautoescape %}{% autoescape flag %}{{ a | safe }}{% endautoescape %}"),
}


@pytest.mark.parametrize("name", sorted(TEMPLATE_CASES))
def test_templates_render_what_jinjas_own_code_renders(name: str, tmp_path: Path) -> None:
    """Our code generator writes output with :func:`output_text`: every page is what stock Jinja makes of it."""
    import jinja2

    (tmp_path / "t.html").write_text(TEMPLATE_CASES[name], encoding="utf-8")
    (tmp_path / "inc.html").write_text("<p title=\"{{ b }}\">{{ a }}{{ m }}</p>", encoding="utf-8")
    ours = make_env(tmp_path)
    stock = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)), autoescape=True,
                               undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                               keep_trailing_newline=True)
    for flag in (True, False):
        values = {"a": "<温岭 & 'x'>", "b": '"海宁"', "n": 2000, "m": Markup("<em>亿</em>"), "h": _Html(),
                  "items": ["<1>", Markup("<2>"), 3], "flag": flag, "none": None}
        assert ours.get_template("t.html").render(values) == stock.get_template("t.html").render(values)
    assert "output_text" in ours.compile(TEMPLATE_CASES["values"], raw=True)
    assert "output_safe" in ours.compile(TEMPLATE_CASES["safe"], raw=True)  # {{ x | safe }}: no Markup made


def test_compiled_templates_of_another_code_generator_are_not_taken(tmp_path: Path) -> None:
    import jinja2

    from site_builder.deps import _sealed_bytecode_cache

    ours = _sealed_bytecode_cache()(str(tmp_path))
    assert ours.get_source_checksum("{{ a }}") != jinja2.FileSystemBytecodeCache(str(tmp_path)).get_source_checksum("{{ a }}")


def test_url_called_straight_away_gives_what_jinjas_call_gives(tmp_path: Path) -> None:
    """``url()`` skips Jinja's inspection of what it calls (render.PageLinks): the same links everywhere it is called."""
    import jinja2.runtime

    from site_builder.render import PageLinks

    (tmp_path / "base.html").write_text("{% block main %}{% endblock %}|{{ url('index.html') }}", encoding="utf-8")
    (tmp_path / "t.html").write_text(
        "{% extends 'base.html' %}{% macro m(x) %}{{ url(x) }}{% endmacro %}"
        "{% block main %}{{ url('zh/index.html') }}{% for t in targets %}{{ url(t) }};{{ m(t) }}{% endfor %}"
        "{% set u = url %}{{ u('en/a/index.html#s1') }}{{ url('') }}{% endblock %}", encoding="utf-8")
    (tmp_path / "kw.html").write_text("{{ url('index.html', anchor='x') }}", encoding="utf-8")
    targets = ["zh/articles/a/index.html", "en/entities/wenling/index.html#k", "static/site.css"]
    rendered = {}
    for name, context_class in (("ours", None), ("stock", jinja2.runtime.Context)):
        env = make_env(tmp_path)
        if context_class is not None:
            env.context_class = context_class
        links = PageLinks(relative_from("zh/articles/a/parallel/index.html"))
        rendered[name] = env.get_template("t.html").render(url=links, targets=targets)
        with pytest.raises(TypeError):  # arguments url() does not take fail as before
            env.get_template("kw.html").render(url=links)
    assert rendered["ours"] == rendered["stock"]
    # zh/ from zh/articles/a/parallel/, then the article page (its folder's parent) by url() and by the macro
    assert rendered["ours"].startswith("../../../" + "../;" + "../") and rendered["ours"].endswith("|../../../../")


def test_article_titles_are_made_once_per_build_as_meta_text_makes_them(tiny: Path) -> None:
    from site_builder.build import load_site
    from site_builder.pages import meta_text, title_view

    site = load_site(tiny)
    for art in site.articles:
        for lang in ("zh", "en"):
            view = title_view(site, art, lang)
            assert view == meta_text(art, "title", lang) and view["text"]
            assert title_view(site, art, lang) is view  # the second page to list the article takes the same view


@given(st.lists(st.sampled_from(PIECES + ["岭市", "温岭南", "温岭人", "2000亿元", "12000亿", "3温岭4"]), max_size=14).map("".join))
@example("12000亿与2000亿，温岭市")
def test_names_that_always_match_are_those_the_rules_accept(text: str) -> None:
    """A pattern marked ``always`` skips Linker._accept: it is accepted at every occurrence there."""
    for pats in OVERLAPPING._automata["zh"].patterns:  # type: ignore[union-attr]
        for pat in pats:
            if pat.always:
                start = text.find(pat.surface)
                while start != -1:
                    assert Linker._accept(text, start, start + len(pat.surface), pat, "zh")
                    start = text.find(pat.surface, start + 1)
    assert any(p.always for pats in OVERLAPPING._automata["zh"].patterns for p in pats)  # type: ignore[union-attr]
    assert not any(p.always for pats in OVERLAPPING._automata["en"].patterns for p in pats)  # type: ignore[union-attr]


def test_a_record_holding_a_subclass_of_str_is_written_as_json_would_read_it_back(tmp_path: Path) -> None:
    """The build records are in marshal format, which refuses subclasses of built-in types (Markup)."""
    from site_builder.deps import FORMAT, read_record, sealed

    path = tmp_path / "x.record"
    path.write_bytes(sealed({"format": FORMAT, "html": Markup("<p>温岭</p>"), "pages": {"a": ["1", 2]}}))
    assert read_record(path) == {"format": FORMAT, "html": "<p>温岭</p>", "pages": {"a": ["1", 2]}}
    assert type(read_record(path)["html"]) is str  # type: ignore[index]
