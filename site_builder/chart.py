"""Accessible SVG bar charts, drawn at build time (no client-side chart library).

The SVG carries ``role="img"``, a ``<title>`` and a ``<desc>`` referenced by
``aria-labelledby``; colours come from classes styled in ``static/hubs.css``
(no inline ``style`` attributes, so a strict Content-Security-Policy holds).
The page shows a data table next to every chart.

:func:`responsive_bar_chart` draws each chart twice: wide (label, bar and value
on one line) and narrow (label and value above a full-width bar), and the style
sheet shows the one that fits the screen. An SVG scales as a whole, so one
drawing cannot do both: shrunk to a phone's width, the wide one's text would be
too small to read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

WIDTH = 640
ROW = 34  # height of one bar row
TOP = 28  # room for the axis labels
BOTTOM = 12
NARROW = 340  # width of the narrow drawing: about a phone's screen, so its text is shown at about its size
LINE = 18  # height of a line of text in the narrow drawing
BAR = 14  # height of a bar in the narrow drawing


@dataclass(frozen=True)
class BarSpec:
    label: str  # short label left of the bar
    value: float  # in the chart's unit
    text: str  # the value as written next to the bar ("over 240 billion yuan")
    group: str  # css class suffix (an entity id): bar-<group>


def nice_step(top: float, ticks: int = 5) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving about ``ticks`` ticks up to ``top``."""
    if top <= 0:
        return 1.0
    raw = top / ticks
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def text_width(text: str, size: float = 13) -> float:
    """Rough rendered width of ``text`` in px: CJK characters are square, Latin ones about 0.58 em."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.58 for ch in text)


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def bar_chart(chart_id: str, title: str, desc: str, bars: list[BarSpec], lang: str, unit: str = "") -> str:
    """A horizontal bar chart as an inline SVG string (all text escaped): label, bar and value on one line."""
    label_w = max([text_width(b.label) for b in bars] + [60]) + 14
    value_w = max([text_width(b.text) * 1.06 for b in bars] + [40]) + 12  # values are bold
    plot_w = WIDTH - label_w - value_w
    height = TOP + ROW * len(bars) + BOTTOM
    top_value = max((b.value for b in bars), default=0.0)
    step = nice_step(top_value)
    axis_max = step * math.ceil(top_value / step) if top_value > 0 else step

    def x(v: float) -> float:
        return label_w + plot_w * (v / axis_max)

    parts = _head(chart_id, "chart-wide", WIDTH, height, title, desc, lang)
    tick = 0.0
    while tick <= axis_max + 1e-9:
        tx = x(tick)
        parts.append(f'<line class="grid" x1="{tx:.1f}" y1="{TOP - 6}" x2="{tx:.1f}" y2="{height - BOTTOM}"/>')
        parts.append(f'<text class="tick" x="{tx:.1f}" y="{TOP - 10}" text-anchor="middle">{escape(_num(tick))}</text>')
        tick += step
    if unit:
        parts.append(f'<text class="unit" x="{WIDTH - 4}" y="{TOP - 10}" text-anchor="end">{escape(unit)}</text>')
    for i, bar in enumerate(bars):
        y = TOP + i * ROW
        w = max(x(bar.value) - label_w, 1.0)
        parts.append(f'<g class="row bar-{escape(bar.group)}">')
        parts.append(f'<text class="label" x="{label_w - 8}" y="{y + ROW / 2 + 5:.1f}" text-anchor="end">{escape(bar.label)}</text>')
        parts.append(f'<rect class="bar" x="{label_w}" y="{y + 6}" width="{w:.1f}" height="{ROW - 12}" rx="2"/>')
        parts.append(f'<text class="value" x="{label_w + w + 6:.1f}" y="{y + ROW / 2 + 5:.1f}">{escape(bar.text)}</text>')
        parts.append("</g>")
    parts.append(f'<line class="axis" x1="{label_w}" y1="{TOP - 6}" x2="{label_w}" y2="{height - BOTTOM}"/>')
    parts.append("</svg>")
    return "\n".join(parts)


def _head(chart_id: str, layout: str, width: float, height: float, title: str, desc: str, lang: str) -> list[str]:
    tid, did = f"{chart_id}-title", f"{chart_id}-desc"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {layout}" id="{escape(chart_id)}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{escape(tid)} {escape(did)}" '
        f'lang="{escape(lang)}">',
        f'<title id="{escape(tid)}">{escape(title)}</title>',
        f'<desc id="{escape(did)}">{escape(desc)}</desc>',
    ]


def narrow_bar_chart(chart_id: str, title: str, desc: str, bars: list[BarSpec], lang: str, unit: str = "") -> str:
    """The chart drawn for narrow screens: each label (and value, if both fit on a line) above a full-width bar."""
    top = 40 if unit else 22  # the unit on a line of its own, then the ticks
    rows = []  # (y of the row, lines of text above its bar)
    y = top
    for bar in bars:
        one_line = text_width(bar.label) + text_width(bar.text) * 1.06 + 12 <= NARROW
        lines = 1 if one_line else 2
        rows.append((y, lines))
        y += lines * LINE + BAR + 10
    height = y - 4
    top_value = max((b.value for b in bars), default=0.0)
    step = nice_step(top_value, 4)
    axis_max = step * math.ceil(top_value / step) if top_value > 0 else step
    plot_w = NARROW - 2

    def x(v: float) -> float:
        return 1 + plot_w * (v / axis_max)

    parts = _head(chart_id, "chart-narrow", NARROW, height, title, desc, lang)
    if unit:
        parts.append(f'<text class="unit" x="{NARROW}" y="12" text-anchor="end">{escape(unit)}</text>')
    ticks = []
    tick = 0.0
    while tick <= axis_max + 1e-9:
        ticks.append(tick)
        tick += step
    for n, tick in enumerate(ticks):
        anchor = "start" if n == 0 else "end" if n == len(ticks) - 1 else "middle"
        parts.append(f'<text class="tick" x="{x(tick):.1f}" y="{top - 8}" text-anchor="{anchor}">'
                     f'{escape(_num(tick))}</text>')
    for bar, (y, lines) in zip(bars, rows):
        bar_y = y + lines * LINE + 2
        w = max(x(bar.value) - 1, 1.0)
        parts.append(f'<g class="row bar-{escape(bar.group)}">')
        parts.append(f'<text class="label" x="0" y="{y + 13}">{escape(bar.label)}</text>')
        if lines == 1:
            parts.append(f'<text class="value" x="{NARROW}" y="{y + 13}" text-anchor="end">{escape(bar.text)}</text>')
        else:
            parts.append(f'<text class="value" x="0" y="{y + LINE + 13}">{escape(bar.text)}</text>')
        for tick in ticks[1:]:  # grid lines across the bar only, never through the text
            tx = f"{x(tick):.1f}"
            parts.append(f'<line class="grid" x1="{tx}" y1="{bar_y - 2}" x2="{tx}" y2="{bar_y + BAR + 2}"/>')
        parts.append(f'<rect class="bar" x="1" y="{bar_y}" width="{w:.1f}" height="{BAR}" rx="2"/>')
        parts.append(f'<line class="axis" x1="1" y1="{bar_y - 2}" x2="1" y2="{bar_y + BAR + 2}"/>')
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts)


def responsive_bar_chart(chart_id: str, title: str, desc: str, bars: list[BarSpec], lang: str, unit: str = "") -> str:
    """The wide and the narrow drawing of a chart, one after the other (the style sheet shows one of them)."""
    return (bar_chart(chart_id, title, desc, bars, lang, unit) + "\n"
            + narrow_bar_chart(f"{chart_id}-narrow", title, desc, bars, lang, unit))
