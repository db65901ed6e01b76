"""Numbered lines -> pieces: headline, column, byline, page furniture or body text.

Each non-blank line is one piece. Most lines are decided by their own shape
(text.py); a short line without a full stop is decided by its neighbours:

- a short line after a paragraph that stopped mid-sentence continues that
  paragraph, unless a byline or another headline line follows it;
- a short line with one comma (大抓工业,奋进2000亿) is a headline only next to
  another headline line or right above a byline.

Blank lines are dropped, but a piece remembers whether it follows a **gap**: a
run of at least GAP_BLANKS blank lines right after another piece of text. In
text extracted from a print layout one blank line separates paragraphs; a run
of them is where a block did not come through (a picture, a box, a lost
passage). A run next to a page break (a form feed, page furniture, a jump
note on its own line) is the page break's, not a gap; so are the blank lines
before the first piece.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from site_builder.ingest import text as tx
from site_builder.ingest.lines import Line

log = logging.getLogger(__name__)

KINDS = ("heading", "column", "byline", "furniture", "body")
GAP_BLANKS = 2  # blank lines in a row that mark a dropped block


@dataclass(frozen=True)
class Piece:
    """One non-blank source line and what it is."""

    line: int
    text: str  # for body text: without jump notes such as （下转第2版）
    kind: str  # one of KINDS
    byline: tx.Byline | None = None  # of a byline line, or of a body line that opens with 本报讯（…）
    jump_from: bool = False  # opened with （上接第N版）: continues an article from elsewhere
    jump_to: bool = False  # ended with （下转第N版）: its article continues elsewhere
    after_gap: bool = False  # a run of blank lines (a dropped block) lies between it and the text above

    @property
    def opens_unit(self) -> bool:
        """A byline line or a news lead: the start of a new article."""
        return self.kind == "byline" or self.byline is not None


def _shape(ln: Line) -> tuple[str, tx.Byline | None]:
    """The kind a line has on its own: furniture, byline, body, or a headline candidate (strong/weak)."""
    text = ln.text
    if tx.is_page_furniture(text):
        return "furniture", None
    by = tx.byline_line(text)
    if by is not None:
        return "byline", by
    lead = tx.lead_byline(text)
    if lead is not None:
        return "body", lead[0]
    return tx.heading_shape(text) or "body", None


def classify(lines: tuple[Line, ...]) -> list[Piece]:
    """The pieces of a page, in source order (blank lines dropped)."""
    raw: list[Piece] = []
    carry = False  # a （上接第N版） line of its own marks the text after it
    blanks, page_break, after_text = 0, False, False  # the blank lines since the last text line; was that text?
    for ln in lines:
        if not ln.text:
            blanks, page_break = blanks + 1, page_break or ln.page_break
            continue
        gap = after_text and blanks >= GAP_BLANKS and not (page_break or ln.page_break)
        blanks, page_break, after_text = 0, False, False
        text, jump_from, jump_to = ln.text, carry, False
        m = tx.JUMP_FROM_RE.match(text)
        if m:
            text, jump_from = text[m.end():], True
        m = tx.JUMP_TO_RE.search(text)
        if m:
            text, jump_to = text[: m.start()].rstrip(), True
        carry = jump_from and not text
        if not text:  # a （下转第N版） line of its own marks the text before it
            if jump_to and raw and raw[-1].kind == "body":
                raw[-1] = replace(raw[-1], jump_to=True)
            continue
        kind, by = _shape(Line(ln.no, text))
        if (jump_from or jump_to) and kind != "body":  # text next to a jump note is body text
            kind, by = "body", None
        after_text = kind != "furniture"
        raw.append(Piece(ln.no, text, kind, by, jump_from, jump_to, gap and after_text))
    return _resolve(_masthead(raw))


def _masthead(raw: list[Piece]) -> list[Piece]:
    """A paper's name on a line of its own next to the page's date line (温岭日报 / 2022年2月9日) is furniture."""
    out = list(raw)
    for i, p in enumerate(raw):
        if p.kind == "strong" and tx.PAPER_NAME_RE.match(p.text) and any(
                0 <= j < len(raw) and raw[j].kind == "furniture" and tx.PAGE_DATE_RE.match(raw[j].text)
                for j in (i - 1, i + 1)):
            out[i] = replace(p, kind="furniture")
    return out


def _resolve(raw: list[Piece]) -> list[Piece]:
    """Decide each headline candidate from its neighbours."""
    content = [i for i, p in enumerate(raw) if p.kind != "furniture"]
    out = list(raw)
    prev: Piece | None = None
    for n, i in enumerate(content):
        p = raw[i]
        if p.kind in ("strong", "weak"):
            nxt = raw[content[n + 1]] if n + 1 < len(content) else None
            before_unit = nxt is not None and nxt.opens_unit
            before_heading = nxt is not None and nxt.kind in ("strong", "weak")
            after_open = prev is not None and prev.kind == "body" and not tx.ends_sentence(prev.text)
            compound = tx.is_compound(tx.segments(p.text))
            among_headings = (prev is not None and prev.kind in ("heading", "column")) or (nxt is not None and nxt.kind == "strong")
            if after_open and not (before_unit or before_heading or compound):
                kind = "body"
            else:
                kind = "heading" if p.kind == "strong" or before_unit or among_headings else "body"
            if kind == "heading" and p.kind == "strong" and tx.COLUMN_RE.match(p.text):
                kind = "column"
            out[i] = replace(p, kind=kind)
        prev = out[i]
    return out
