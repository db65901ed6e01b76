"""Markdown -> HTML with markdown-it-py: raw HTML off, unsafe URLs refused, ``[[gap]]`` notes.

Entity linking plugs in as a *text hook*: a function that receives the text of
each inline text token (never inside links, code or headings' link text) and
returns a list of tokens to put in its place. A hook that is a method of an
object with a ``hook_html`` method (same arguments) may be asked for the HTML
its tokens render to instead, where a paragraph skips the parser.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # markdown-it is imported when a text needs its parser (a build of plain paragraphs never does)
    from markdown_it import MarkdownIt
    from markdown_it.rules_inline import StateInline
    from markdown_it.token import Token

# A note holds no bracket: each attempt stops at the next "[", so a text of many unclosed "[[gap:" is still
# read in linear time (a note up to the next "]" made that quadratic: hostile content would stall the build).
GAP_RE = re.compile(r"\[\[gap(?::([^\[\]]*))?\]\]")
GAP_LABEL = {"zh": "原文缺失", "en": "text missing in source"}

TextHook = Callable[[str, dict[str, Any]], "list[Token] | None"]


def _gap_rule(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("[[gap", state.pos):
        return False
    m = GAP_RE.match(state.src, state.pos)
    if not m:
        return False
    if not silent:
        tok = state.push("gap", "", 0)
        tok.content = (m.group(1) or "").strip()
    state.pos = m.end()
    return True


def escape_html(raw: str) -> str:
    """markdown-it's escaping of text and attribute values (``&<>"``: its ``escapeHtml``), for HTML written as its
    renderer would. Written here, like the character tests below, so that a build whose paragraphs are all plain
    never imports markdown-it (a fifth of the start-up of an edit's build); tests/test_fast_paths.py compares
    each with markdown-it's own (the character tests over every code point)."""
    if "&" not in raw and "<" not in raw and ">" not in raw and '"' not in raw:  # most texts: nothing to escape
        return raw
    return raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


#: markdown-it's ``isWhiteSpace``: the characters CommonMark counts as white space next to emphasis markers.
_MD_WHITESPACE = frozenset({0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0xA0, 0x1680, 0x202F, 0x205F, 0x3000})
#: markdown-it's ``isMdAsciiPunct``: ASCII punctuation.
_MD_ASCII_PUNCT = frozenset(ord(c) for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def _is_white_space(code: int) -> bool:
    return 0x2000 <= code <= 0x200A or code in _MD_WHITESPACE


def _is_punct(ch: str) -> bool:
    """markdown-it's ``isMdAsciiPunct(ord(ch)) or isPunctChar(ch)``: Unicode punctuation and symbols (P*, S*)."""
    return ord(ch) in _MD_ASCII_PUNCT or unicodedata.category(ch).startswith(("P", "S"))


def gap_html(note: str, lang: str) -> str:
    """A ``[[gap]]`` marker as HTML: the words "text missing in source" in ``lang``, and the note if there is one."""
    label = GAP_LABEL.get(lang, GAP_LABEL["en"])
    return (f'<span class="gap" role="note"><span class="gap-label">{html.escape(label)}</span>'
            + (f'<span class="gap-note">{html.escape(note)}</span>' if note else "") + "</span>")


def _safe_link(url: str) -> bool:
    """Only relative links, fragments, http(s) and mailto; no javascript:/data:/vbscript:."""
    u = re.sub(r"[\x00-\x20]", "", url).lower()
    if ":" not in u.split("/")[0].split("?")[0].split("#")[0]:
        return True
    return u.startswith(("http://", "https://", "mailto:"))


class Renderer:
    """A configured markdown-it instance; ``render(text, env)`` returns HTML."""

    @functools.cached_property
    def md(self) -> MarkdownIt:
        """The parser, made when a text first needs it (plain paragraphs never do)."""
        from markdown_it import MarkdownIt

        md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
        md.validateLink = _safe_link  # type: ignore[method-assign]  # markdown-it's documented way to vet URLs
        md.disable("image")  # no remote images in article text
        md.inline.ruler.before("link", "gap", _gap_rule)
        md.add_render_rule("gap", self._render_gap)
        md.core.ruler.push("text_hook", self._apply_hook)
        return md

    @staticmethod
    def _render_gap(self_: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
        return gap_html(tokens[idx].content, env.get("lang", "en"))

    @staticmethod
    def _apply_hook(state: Any) -> None:
        hook: TextHook | None = state.env.get("text_hook")
        if hook is None:
            return
        heading = False  # names in headings are never linked
        for block in state.tokens:
            if block.type in ("heading_open", "heading_close"):
                heading = block.type == "heading_open"
            if block.type != "inline" or not block.children or heading:
                continue
            out: list[Token] = []
            depth = 0  # inside a link
            for tok in block.children:
                if tok.type == "link_open":
                    depth += 1
                elif tok.type == "link_close":
                    depth -= 1
                if tok.type == "text" and depth == 0 and not state.env.get("in_heading"):
                    repl = hook(tok.content, state.env)
                    if repl is not None:
                        out.extend(repl)
                        continue
                out.append(tok)
            block.children = out

    def render(self, text: str, lang: str, **env: Any) -> str:
        env = {"lang": lang, **env}
        lines = plain_lines(text)
        if lines is not None:
            return self._render_plain(lines, env)
        return self.md.render(text, env)

    def _render_plain(self, lines: list[str], env: dict[str, Any]) -> str:
        """What markdown-it makes of a plain paragraph (see :func:`plain_lines`), without parsing it.

        markdown-it would give one paragraph whose inline children are the text of
        each line (cut at its gap notes and where strong emphasis begins and ends)
        with soft breaks between the lines; the same
        hook runs on the same texts, and markdown-it's renderer writes their tokens
        (or the hook writes the same HTML itself: tests/test_fast_paths.py checks both
        on generated text).
        """
        hook: TextHook | None = None if env.get("in_heading") else env.get("text_hook")
        # the hook's own HTML, if it writes it (entity links: no tokens made only to be written)
        html_hook: Callable[[str, dict[str, Any]], str | None] | None = getattr(
            getattr(hook, "__self__", None), "hook_html", None)
        out: list[str] = []
        for i, line in enumerate(lines):
            if i:
                out.append("\n")  # a soft break (the option that makes it <br> is off)
            pieces = GAP_RE.split(line) if "[[gap" in line else (line,)
            strong = STRONG_OPEN in line or STRONG_CLOSE in line  # text tokens end where emphasis begins and ends
            for j, piece in enumerate(pieces):
                if j % 2:  # a gap's note (None for a gap without one), between the texts before and after it
                    out.append(gap_html((piece or "").strip(), env["lang"]))
                    continue
                for part in _STRONG_SPLIT.split(piece) if strong else (piece,):
                    if not part:
                        continue
                    tag = _STRONG_TAGS.get(part) if strong else None
                    if tag is not None:
                        out.append(tag)
                    elif html_hook is not None:
                        written = html_hook(part, env)
                        out.append(escape_html(part) if written is None else written)
                    else:
                        repl = hook(part, env) if hook is not None else None
                        if repl is None:
                            out.append(escape_html(part))
                        else:  # tokens: markdown-it's RendererHTML writes them
                            renderer: Any = self.md.renderer
                            out.append(renderer.renderInline(repl, self.md.options, env))
        return "<p>" + "".join(out) + "</p>\n"

    def render_inline(self, text: str, lang: str, **env: Any) -> str:
        env = {"lang": lang, **env}
        return self.md.renderInline(text, env)


#: Anything Markdown might read as markup: a character that starts inline syntax (or
#: that markdown-it normalises: CR, NUL), an ampersand that could start a character
#: reference (``&amp;``, ``&#38;``; a lone one, as in "R&D", is literal text), or a line
#: that could open a block or underline a heading (and the two characters that stand for strong emphasis in
#: what :func:`plain_lines` gives). Text without any of these is one
#: paragraph of literal text; gap notes (``[[gap: ...]]``) may stand anywhere in it.
#: Three patterns, each a plain scan: one alternation of all three tries each at every character.
_MARKUP_CHAR = re.compile(r"[\\`*_\[\]!<>~\t\r\x00\x01\x02]")
_CHAR_REFERENCE = re.compile(r"&(?:#|[A-Za-z][A-Za-z0-9]{1,31};)")
_BLOCK_START = re.compile(r"[#=+-]|\d{1,9}[.)]")


#: What :func:`plain_lines` puts where a pair of ``**`` makes strong emphasis (characters no plain text holds).
STRONG_OPEN, STRONG_CLOSE = "\x01", "\x02"
_STRONG_TAGS = {STRONG_OPEN: "<strong>", STRONG_CLOSE: "</strong>"}
_STRONG_SPLIT = re.compile("([\x01\x02])")


def plain_lines(text: str) -> list[str] | None:
    """The lines of ``text`` if it is a single paragraph of plain text, else None.

    Plain: no markup character (see above) outside gap notes, and every line
    non-empty with no white space at either end (no indented code, hard breaks or
    blank lines); or that, with one pair of ``**`` that markdown-it reads as strong
    emphasis, given back as :data:`STRONG_OPEN` and :data:`STRONG_CLOSE`. Most
    sections of an article are plain, and need no parser.
    """
    if not text:
        return None
    bare = GAP_RE.sub("", text) if "[[gap" in text else text
    if "&" in bare and _CHAR_REFERENCE.search(bare):
        return None
    if _MARKUP_CHAR.search(bare):
        strong = _one_strong(text, bare)
        if strong is None:
            return None
        text = strong
    lines = text.split("\n")
    for line in lines:
        if not line or line != line.strip() or _BLOCK_START.match(line):
            return None
    return lines


def _one_strong(text: str, bare: str) -> str | None:
    """``text`` with its ``**`` replaced by :data:`STRONG_OPEN` and :data:`STRONG_CLOSE` if they are its only
    markup (``bare``: the text without its gap notes) and markdown-it pairs them as strong emphasis; else None.

    The two runs of two asterisks are read as markdown-it's ``scanDelims`` reads them (with its tests of white
    space and punctuation, :func:`_is_white_space` and :func:`_is_punct`): the first must be able to open
    emphasis, the second to close it.
    """
    if bare.count("*") != 4 or text.count("*") != 4 or _MARKUP_CHAR.search(bare.replace("*", "")):
        return None
    start = text.find("**")
    end = text.find("**", start + 2)
    if end <= start + 2:  # one run of four, or runs of one and three
        return None
    if not (_flanking(text[start - 1] if start else " ", text[start + 2])[0]
            and _flanking(text[end - 1], text[end + 2] if end + 2 < len(text) else " ")[1]):
        return None
    return f"{text[:start]}{STRONG_OPEN}{text[start + 2:end]}{STRONG_CLOSE}{text[end + 2:]}"


def _flanking(last: str, after: str) -> tuple[bool, bool]:
    """Whether a run of ``*`` between ``last`` and ``after`` is left-flanking and right-flanking (CommonMark)."""
    last_punct = _is_punct(last)
    next_punct = _is_punct(after)
    last_space = _is_white_space(ord(last))
    next_space = _is_white_space(ord(after))
    return (not (next_space or (next_punct and not (last_space or last_punct))),
            not (last_space or (last_punct and not (next_space or next_punct))))


def plain_text(text: str) -> str:
    """Text without Markdown punctuation or gap markers, for titles, feeds and search."""
    if not _MARKED.search(text):  # most sections: none of the markers the rules below remove
        return text.strip()
    return _unmarked(text)


_MARKED = re.compile(r"[\[*_`]")


# Each span ends at the next delimiter of its kind, matched or not, so that no attempt scans past another
# attempt's start: linear time however many unclosed markers a text holds (hostile content; see tests/test_hostile.py).
_LINK_RE = re.compile(r"\[([^\[\]]*)\]\((?:[^()]|\([^()]*\))*\)")  # (an address may hold one pair of brackets)
_STRONG_RE = re.compile(r"(\*\*|__)(?=\S)((?:(?!\1).)+?)(?<=\S)\1")
_EM_STAR_RE = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_EM_UNDERSCORE_RE = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_CODE_RE = re.compile(r"`([^`]+)`")


def _unmarked(text: str) -> str:
    # each pattern only where its marker is (a scan for a character is much faster than one for a pattern)
    if "[" in text:
        text = GAP_RE.sub("…", text)
        text = _LINK_RE.sub(r"\1", text)
    # only paired emphasis/code markers: a lone "7*7" or "snake_case" stays as written
    if "**" in text or "__" in text:
        text = _STRONG_RE.sub(r"\2", text)
    if "*" in text:
        text = _EM_STAR_RE.sub(r"\1", text)
    if "_" in text:
        text = _EM_UNDERSCORE_RE.sub(r"\1", text)
    if "`" in text:
        text = _CODE_RE.sub(r"\1", text)
    return text.strip()
