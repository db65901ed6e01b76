"""Headline lines -> headline groups with kicker (引题), title (主题), subtitle (副题) and column."""

from __future__ import annotations

from dataclasses import dataclass

from site_builder.ingest import text as tx
from site_builder.ingest.classify import Piece

MAX_GROUP = 3  # kicker, title, subtitle


@dataclass(frozen=True)
class HeadGroup:
    """The headline lines of one article and the column name above them, if any."""

    lines: tuple[Piece, ...] = ()
    column: Piece | None = None

    @property
    def first_line(self) -> int:
        return (self.column or self.lines[0]).line

    def source_lines(self) -> tuple[int, ...]:
        return tuple(p.line for p in ((self.column,) if self.column else ()) + self.lines)

    def text(self) -> str:
        return " ".join(p.text for p in ((self.column,) if self.column else ()) + self.lines)

    def roles(self) -> tuple[str, str, str]:
        """(kicker, title, subtitle).

        A one-line headline with spaces is title + subtitle phrases. Otherwise the
        longest line is the title (it is set largest); shorter lines above it are
        the kicker, lines below it the subtitle.
        """
        if not self.lines:
            return "", "", ""
        parts = [tx.segments(p.text) for p in self.lines]
        main = next((i for i, ps in enumerate(parts) if tx.is_compound(ps)), None)
        texts = [" ".join(ps) for ps in parts]
        if main is not None:
            title, below = parts[main][0], [" ".join(parts[main][1:])] + texts[main + 1:]
        else:
            main = max(range(len(texts)), key=lambda i: (len(texts[i]), -i))
            title, below = texts[main], texts[main + 1:]
        return " ".join(texts[:main]), title, " ".join(below)


def split_run(run: list[Piece]) -> list[HeadGroup]:
    """Consecutive headline and column lines -> headline groups, in order.

    A column name opens a group. A one-line headline (title + subtitle) opens a
    group unless the lines before it can be its kicker: one line, shorter than
    its title. A line after a one-line headline opens a group. No group has more
    than three lines.
    """
    groups: list[HeadGroup] = []
    cur: list[Piece] = []
    column: Piece | None = None

    def close() -> None:
        nonlocal cur, column
        if cur or column:
            groups.append(HeadGroup(tuple(cur), column))
        cur, column = [], None

    for p in run:
        if p.kind == "column":
            close()
            column = p
            continue
        parts = tx.segments(p.text)
        after_one_line_headline = bool(cur) and tx.is_compound(tx.segments(cur[-1].text))
        own_headline = bool(cur) and tx.is_compound(parts) and (len(cur) >= 2 or len(cur[-1].text) > len(parts[0]))
        if after_one_line_headline or own_headline or len(cur) == MAX_GROUP:
            close()
        cur.append(p)
    close()
    return groups


def make_group(pieces: list[Piece]) -> HeadGroup:
    """All the given lines as one group (the editor said so in the map); the first column line is the column."""
    column = next((p for p in pieces if p.kind == "column"), None)
    return HeadGroup(tuple(p for p in pieces if p is not column), column)
