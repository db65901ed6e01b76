"""Chinese figures -> values and canonical English; English quantities; the figure check."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from site_builder.translate import figures
from site_builder.translate.figures import find_en, find_zh, missing_in_english


@pytest.mark.parametrize("zh, kind, value, english", [
    ("2000亿元", "amount", Decimal("2e11"), "200 billion yuan"),
    ("1163.7亿元", "amount", Decimal("1.1637e11"), "116.37 billion yuan"),
    ("7亿元", "amount", Decimal("7e8"), "700 million yuan"),
    ("1500亿元", "amount", Decimal("1.5e11"), "150 billion yuan"),
    ("2400亿元", "amount", Decimal("2.4e11"), "240 billion yuan"),
    ("40亿元", "amount", Decimal("4e9"), "4 billion yuan"),
    ("350亿元", "amount", Decimal("3.5e10"), "35 billion yuan"),
    ("2000亿", "amount", Decimal("2e11"), "200 billion"),
    ("千亿", "amount", Decimal("1e11"), "100 billion"),
    ("5万元", "amount", Decimal("5e4"), "50,000 yuan"),
    ("8%", "percent", Decimal(8), "8%"),
    ("66.7%", "percent", Decimal("66.7"), "66.7%"),
    ("2021年", "year", Decimal(2021), "2021"),
    ("2021年度", "year", Decimal(2021), "2021"),
    ("二十强", "rank", Decimal(20), "top 20"),
    ("50强", "rank", Decimal(50), "top 50"),
    ("17强", "rank", Decimal(17), "top 17"),
])
def test_chinese_figures_have_value_and_english(zh: str, kind: str, value: Decimal, english: str) -> None:
    [fig] = find_zh(f"据悉{zh}的")
    assert (fig.kind, fig.text, fig.english) == (kind, zh, english)
    assert fig.value == value


def test_dates() -> None:
    full, md, ym = find_zh("2002年12月21日，2月8日上午，2022年2月起")
    assert (full.kind, full.year, full.month, full.day, full.english) == ("date", 2002, 12, 21, "21 December 2002")
    assert (md.kind, md.month, md.day, md.english) == ("date", 2, 8, "8 February")
    assert (ym.kind, ym.year, ym.month, ym.english) == ("month", 2022, 2, "February 2022")


def test_positions_and_plain_numbers() -> None:
    text = "到2026年，温岭规上工业总产值超2000亿元，上市企业超20家"
    figs = find_zh(text)
    assert [(f.kind, f.text) for f in figs] == [("year", "2026年"), ("amount", "2000亿元"), ("number", "20")]
    assert all(text[f.start:f.end] == f.text for f in figs)


def test_full_width_digits() -> None:
    [fig] = find_zh("增长１２％")
    assert (fig.kind, fig.value, fig.text) == ("percent", Decimal(12), "１２％")


def test_words_that_look_like_numbers_are_not_figures() -> None:
    assert find_zh("一要稳进提质、奋发图强，集群做强，企企争强") == []


def test_cn_number() -> None:
    assert [figures.cn_number(t) for t in ("二十", "十", "十五", "两百", "千", "三千零五", "x")] == \
        [20, 10, 15, 200, 1000, 3005, None]


def test_english_quantities() -> None:
    en = find_en("200 billion yuan, 200bn, 1,500,000, 66.7 per cent, 8%, on 8 February and March 3rd, "
                 "in 2021, the top 20, five years, the 100-billion-yuan industry, in December")
    assert {Decimal("2e11"), Decimal(1500000), Decimal(2021), Decimal(20), Decimal(5), Decimal("1e11")} <= en.numbers
    assert en.percents == {Decimal("66.7"), Decimal(8)}
    assert en.dates == {(2, 8), (3, 3)}
    assert en.months == {2, 3, 12}


@pytest.mark.parametrize("zh, en", [
    ("2000亿元", "200 billion yuan"), ("2000亿元", "200bn yuan"), ("2000亿元", "200,000,000,000 yuan"),
    ("2000亿元", "RMB200 billion"), ("1163.7亿元", "116.37 billion"), ("7亿元", "0.7 billion yuan"),
    ("8%", "8 per cent"), ("66.7%", "66.7 percent"), ("2021年", "in 2021"), ("2月8日", "February 8"),
    ("二十强", "the top 20"), ("50强", "top 50 taxpayers"), ("5年", "five years"), ("20周年", "20th anniversary"),
    ("2002年12月21日", "on 21 December 2002"), ("千亿产业", "a 100-billion-yuan industry"),
])
def test_same_quantity_is_found(zh: str, en: str) -> None:
    assert missing_in_english(find_zh(zh), en) == []


@pytest.mark.parametrize("zh, en", [
    ("2000亿元", "20 billion yuan"), ("2000亿元", "2000 yuan"), ("1163.7亿元", "116.3 billion"),
    ("8%", "8 points"), ("66.7%", "67%"), ("2月8日", "8 March"), ("2021年", "2012"), ("二十强", "top 10"),
    ("2002年12月21日", "21 December 2012"), ("7亿元", "7 million yuan"),
])
def test_wrong_quantity_is_missing(zh: str, en: str) -> None:
    assert [f.text for f in missing_in_english(find_zh(zh), en)] == [zh]


@given(st.decimals(min_value=Decimal("0.1"), max_value=Decimal(99999), places=1))
def test_english_amount_round_trips(yi: Decimal) -> None:
    """Whatever the amount in 亿元, its canonical English states the same quantity."""
    [fig] = find_zh(f"达到{yi}亿元。")
    assert fig.value == yi * 10**8
    assert missing_in_english([fig], fig.english) == []
