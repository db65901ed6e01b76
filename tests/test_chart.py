"""SVG bar charts: well-formed, accessible, no inline styles, bars to scale, text escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from site_builder.chart import NARROW, BarSpec, bar_chart, narrow_bar_chart, nice_step, responsive_bar_chart, text_width

SVG = "{http://www.w3.org/2000/svg}"


def chart(bars: list[BarSpec], lang: str = "en") -> ET.Element:
    return ET.fromstring(bar_chart("c1", "Output <2021>", "Haining & Wenling", bars, lang, "billion yuan"))


def test_chart_is_labelled_by_its_title_and_description() -> None:
    svg = chart([BarSpec("Haining", 240, "240 billion yuan", "haining")])
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.find(f"{SVG}title").get("id") == "c1-title" and svg.find(f"{SVG}title").text == "Output <2021>"
    assert svg.find(f"{SVG}desc").get("id") == "c1-desc" and svg.find(f"{SVG}desc").text == "Haining & Wenling"


def test_no_inline_styles_only_classes() -> None:
    svg = chart([BarSpec("a", 1, "1", "x"), BarSpec("b", 2, "2", "y")])
    assert all(el.get("style") is None for el in svg.iter())
    assert [g.get("class") for g in svg.iter(f"{SVG}g")] == ["row bar-x", "row bar-y"]


def test_bars_are_to_scale_and_labelled() -> None:
    bars = [BarSpec("Wenling", 1000, "just over 100", "wenling"), BarSpec("Haining", 2400, "over 240", "haining"),
            BarSpec("Yiwu", 1163.7, "116.37", "yiwu")]
    svg = chart(bars)
    widths = [float(r.get("width")) for r in svg.iter(f"{SVG}rect")]
    assert widths[1] / widths[0] == pytest.approx(2.4, rel=1e-3)
    assert widths[2] / widths[0] == pytest.approx(1.1637, rel=1e-3)
    texts = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") in ("label", "value")]
    assert texts == ["Wenling", "just over 100", "Haining", "over 240", "Yiwu", "116.37"]
    # the longest bar and its value fit inside the picture
    view_w = float(svg.get("viewBox").split()[2])
    longest = max(svg.iter(f"{SVG}rect"), key=lambda r: float(r.get("width")))
    assert float(longest.get("x")) + float(longest.get("width")) < view_w - 100


def test_ticks_are_round_numbers_covering_the_largest_bar() -> None:
    assert [nice_step(x) for x in (2400, 66.7, 14.9, 1, 0)] == [500, 20, 5, 0.2, 1.0]
    svg = chart([BarSpec("a", 2400, "2400", "x")])
    ticks = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "tick"]
    assert ticks == ["0", "500", "1000", "1500", "2000", "2500"]


def test_narrow_drawing_puts_labels_above_full_width_bars() -> None:
    bars = [BarSpec("Wenling, now", 1000, "just over 100 billion yuan", "wenling"),
            BarSpec("Wenling, 2026 target", 2000, "more than 200 billion yuan", "wenling"),
            BarSpec("Haining, 2021", 2400, "more than 240 billion yuan", "haining")]
    svg = ET.fromstring(narrow_bar_chart("c1-narrow", "Output", "Haining & Wenling", bars, "en", "billion yuan"))
    assert svg.get("class") == "chart chart-narrow" and svg.get("aria-labelledby") == "c1-narrow-title c1-narrow-desc"
    assert float(svg.get("viewBox").split()[2]) == NARROW
    rows = svg.findall(f"{SVG}g")
    assert [[t.text for t in g.iter(f"{SVG}text")] for g in rows] == [[b.label, b.text] for b in bars]
    rects = [g.find(f"{SVG}rect") for g in rows]
    widths = [float(r.get("width")) for r in rects]
    assert widths[2] / widths[0] == pytest.approx(2.4, rel=1e-3) and widths[1] / widths[0] == pytest.approx(2, rel=1e-3)
    for g, rect in zip(rows, rects):
        label, value = g.iter(f"{SVG}text")
        # the text is above the bar, within the picture; a value that does not fit beside its label goes below it
        assert float(label.get("y")) < float(rect.get("y")) and float(value.get("y")) < float(rect.get("y"))
        assert float(rect.get("x")) + float(rect.get("width")) <= NARROW
        if value.get("y") == label.get("y"):
            assert value.get("text-anchor") == "end" and float(value.get("x")) <= NARROW
            assert text_width(label.text) + text_width(value.text) * 1.06 < NARROW
        else:
            assert float(value.get("y")) > float(label.get("y")) and value.get("x") == "0"
    label_ys = [float(g.find(f"{SVG}text").get("y")) for g in rows]
    assert label_ys == sorted(set(label_ys))  # one row below the other
    assert all(el.get("style") is None for el in svg.iter())


def test_responsive_chart_is_both_drawings() -> None:
    bars = [BarSpec("a", 1, "1", "x")]
    both = responsive_bar_chart("c1", "T", "D", bars, "en")
    assert both == bar_chart("c1", "T", "D", bars, "en") + "\n" + narrow_bar_chart("c1-narrow", "T", "D", bars, "en")
