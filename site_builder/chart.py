"""Accessible SVG bar charts, drawn at build time (no client-side chart library).

The SVG carries ``role="img"``, a ``<title>`` and a ``<desc>`` referenced by
``aria-labelledby``; colours come from classes styled in ``static/hubs.css``
(no inline ``style`` attributes, so a strict Content-Security-Policy holds).
The page shows a data table next to every chart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

WIDTH = 640
ROW = 34  # height of one bar row
TOP = 28  # room for the axis labels
BOTTOM = 12


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
    """A horizontal bar chart as an inline SVG string (all text escaped)."""
    label_w = max([text_width(b.label) for b in bars] + [60]) + 14
    value_w = max([text_width(b.text) * 1.06 for b in bars] + [40]) + 12  # values are bold
    plot_w = WIDTH - label_w - value_w
    height = TOP + ROW * len(bars) + BOTTOM
    top_value = max((b.value for b in bars), default=0.0)
    step = nice_step(top_value)
    axis_max = step * math.ceil(top_value / step) if top_value > 0 else step

    def x(v: float) -> float:
        return label_w + plot_w * (v / axis_max)

    tid, did = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-labelledby="{escape(tid)} {escape(did)}" lang="{escape(lang)}">',
        f'<title id="{escape(tid)}">{escape(title)}</title>',
        f'<desc id="{escape(did)}">{escape(desc)}</desc>',
    ]
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
