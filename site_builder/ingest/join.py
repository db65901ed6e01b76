"""Pieces -> paragraphs: rejoin body text that the print layout split.

A paragraph that does not end in terminal punctuation continues in the next
piece of body text, unless that piece starts a new unit (a byline or news
lead, a headline, a column name), is marked （上接第N版）, or opens with a
sentence-initial adverbial (凭借…，): then the paragraph keeps its open end.
Page furniture between the two pieces (a page number, a page break) does not
stop the join. Across a gap (a run of blank lines: a dropped block) only a piece
that opens mid-sentence (，、的…) continues the paragraph, and the join is
remembered so that the editor is told text may be missing there.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from site_builder.ingest import text as tx
from site_builder.ingest.classify import Piece


@dataclass(frozen=True)
class Paragraph:
    """Body text made of one or more consecutive pieces."""

    lines: tuple[int, ...]
    text: str
    byline: tx.Byline | None = None  # the news lead's byline, if the paragraph opens with one
    jump_from: bool = False
    jump_to: bool = False
    after_gap: bool = False  # its first piece follows a run of blank lines
    gap_joins: tuple[int, ...] = ()  # lines joined to the text before them across a run of blank lines
    parts: tuple[str, ...] = ()  # the text of each piece, one per line of ``lines`` (for :meth:`split`)

    @property
    def line(self) -> int:
        return self.lines[0]

    @property
    def open(self) -> bool:
        """True if the paragraph stops mid-sentence."""
        return not tx.ends_sentence(self.text)

    @classmethod
    def of(cls, piece: Piece) -> Paragraph:
        return cls((piece.line,), piece.text, piece.byline, piece.jump_from, piece.jump_to, piece.after_gap,
                   parts=(piece.text,))

    def accepts(self, piece: Piece) -> bool:
        """True if ``piece`` continues this paragraph's unfinished sentence.

        Across a run of blank lines only a piece that opens mid-sentence does: what
        follows a dropped block is not taken to go on with the sentence before it.
        """
        return (self.open and not self.jump_to and piece.kind == "body" and not piece.opens_unit
                and not piece.jump_from and not tx.opens_sentence(piece.text)
                and (not piece.after_gap or tx.starts_mid_sentence(piece.text)))

    def extend(self, piece: Piece) -> Paragraph:
        return Paragraph(self.lines + (piece.line,), tx.join_text(self.text, piece.text), self.byline,
                         self.jump_from, piece.jump_to, self.after_gap,
                         self.gap_joins + ((piece.line,) if piece.after_gap else ()), self.parts + (piece.text,))

    def join(self, other: Paragraph) -> Paragraph:
        """This paragraph continued by ``other`` (placed elsewhere on the page)."""
        return Paragraph(self.lines + other.lines, tx.join_text(self.text, other.text), self.byline,
                         self.jump_from, other.jump_to, self.after_gap, self.gap_joins + other.gap_joins,
                         self.parts + other.parts)

    def split(self, line: int) -> tuple[Paragraph, Paragraph]:
        """This paragraph cut before the piece at ``line`` (a join that turned out wrong): the text before, the rest."""
        k = self.lines.index(line)
        head, tail = self.parts[:k], self.parts[k:]
        first = Paragraph(self.lines[:k], functools.reduce(tx.join_text, head), self.byline, self.jump_from, False,
                          self.after_gap, tuple(n for n in self.gap_joins if n in self.lines[:k]), head)
        rest = Paragraph(self.lines[k:], functools.reduce(tx.join_text, tail), None, False, self.jump_to,
                         line in self.gap_joins, tuple(n for n in self.gap_joins if n in self.lines[k + 1:]), tail)
        return first, rest


Unit = Piece | Paragraph


def rejoin(pieces: list[Piece]) -> list[Unit]:
    """Headline, column and byline pieces as they are; body pieces rejoined into paragraphs."""
    units: list[Unit] = []
    for p in pieces:
        if p.kind == "furniture":
            continue
        last = units[-1] if units else None
        if isinstance(last, Paragraph) and last.accepts(p):
            units[-1] = last.extend(p)
        elif p.kind == "body":
            units.append(Paragraph.of(p))
        else:
            units.append(p)
    return units
