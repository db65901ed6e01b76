"""Figures in Chinese text (amounts, percentages, years, dates, ranks, numbers) and
the same quantities in English text.

Chinese amounts are compared as quantities: 2000亿 = 2×10^11, so the English may
say "200 billion", "200bn" or "200,000,000,000". :func:`find_zh` returns each
figure with its canonical English rendering (used as a protected placeholder by
the translation pipeline); :func:`missing_in_english` is the QA check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_SCALES = {"万": Decimal(10**4), "亿": Decimal(10**8), "万亿": Decimal(10**12)}
_FULLWIDTH = str.maketrans("０１２３４５６７８９％．，", "0123456789%.,")

_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
# A Chinese numeral starts at the start of its run of numeral characters: tried from inside the run too, a long
# run not followed by 亿 or 强 would be scanned again from each of its characters (quadratic time).
_CN = r"(?<![零〇一二两三四五六七八九十百千])[零〇一二两三四五六七八九十百千]+"
_ZH_RE = re.compile(
    rf"(?P<dfull>(?P<dfy>\d{{4}})\s*年\s*(?P<dfm>\d{{1,2}})\s*月\s*(?P<dfd>\d{{1,2}})\s*[日号])"
    rf"|(?P<dmd>(?P<dmm>\d{{1,2}})\s*月\s*(?P<dmd_d>\d{{1,2}})\s*[日号])"
    rf"|(?P<dym>(?P<dyy>\d{{4}})\s*年\s*(?P<dym_m>\d{{1,2}})\s*月(?!\s*\d))"
    rf"|(?P<year>(?P<yy>\d{{4}})\s*年(?:度)?)"
    rf"|(?P<month>(?P<mm>\d{{1,2}})\s*月(?![\d份]))"
    rf"|(?P<pct>(?P<pv>{_NUM})\s*%)"
    rf"|(?P<amt>(?P<av>{_NUM})\s*(?P<asc>万亿|亿|万)?\s*(?P<ayuan>元))"
    rf"|(?P<amts>(?P<asv>{_NUM})\s*(?P<assc>万亿|亿|万))"
    rf"|(?P<amtcn>(?P<acv>{_CN})(?P<acsc>万亿|亿)(?P<acyuan>元)?)"
    rf"|(?P<rank>(?P<rv>{_NUM}|{_CN})强)"
    rf"|(?P<num>(?<![\d.]){_NUM})"
)


@dataclass(frozen=True)
class Figure:
    """One figure in Chinese text, with its value and canonical English."""

    kind: str  # amount | percent | year | date | month | rank | number
    text: str
    start: int
    end: int
    value: Decimal | None = None  # amount/percent/year/rank/number
    year: int | None = None  # dates
    month: int | None = None
    day: int | None = None
    english: str = ""


def cn_number(text: str) -> int | None:
    """Chinese numeral (二十, 十五, 千, 两百) -> int, or None."""
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


def _dec(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def fmt_number(value: Decimal) -> str:
    """Decimal without exponent or trailing zeros: 116.370 -> '116.37'."""
    return format(value.normalize(), "f")


def english_amount(value: Decimal, yuan: bool) -> str:
    """200000000000 -> '200 billion', 700000000 -> '700 million', 50000 -> '50,000'."""
    for scale, word in ((Decimal(10**12), "trillion"), (Decimal(10**9), "billion"), (Decimal(10**6), "million")):
        if value >= scale:
            text = f"{fmt_number(value / scale)} {word}"
            break
    else:
        whole = fmt_number(value)
        text = f"{int(value):,}" if value == value.to_integral_value() and value >= 10000 else whole
    return f"{text} yuan" if yuan else text


def _figure(m: re.Match[str]) -> Figure:
    g = m.groupdict()
    text, start, end = m.group(0), m.start(), m.end()
    if g["dfull"]:
        y, mo, d = int(g["dfy"]), int(g["dfm"]), int(g["dfd"])
        return Figure("date", text, start, end, year=y, month=mo, day=d, english=f"{d} {MONTHS[mo - 1]} {y}")
    if g["dmd"]:
        mo, d = int(g["dmm"]), int(g["dmd_d"])
        return Figure("date", text, start, end, month=mo, day=d, english=f"{d} {MONTHS[mo - 1]}")
    if g["dym"]:
        y, mo = int(g["dyy"]), int(g["dym_m"])
        return Figure("month", text, start, end, year=y, month=mo, english=f"{MONTHS[mo - 1]} {y}")
    if g["year"]:
        return Figure("year", text, start, end, value=Decimal(g["yy"]), english=g["yy"])
    if g["month"]:
        mo = int(g["mm"])
        return Figure("month", text, start, end, month=mo, english=MONTHS[mo - 1])
    if g["pct"]:
        return Figure("percent", text, start, end, value=_dec(g["pv"]), english=f"{g['pv']}%")
    if g["amt"] or g["amts"]:
        raw, scale = (g["av"], g["asc"]) if g["amt"] else (g["asv"], g["assc"])
        value = _dec(raw) * (_SCALES[scale] if scale else 1)
        return Figure("amount", text, start, end, value=value, english=english_amount(value, bool(g["ayuan"])))
    if g["amtcn"]:
        base = cn_number(g["acv"]) or 0
        value = Decimal(base) * _SCALES[g["acsc"]]
        return Figure("amount", text, start, end, value=value, english=english_amount(value, bool(g["acyuan"])))
    if g["rank"]:
        raw = g["rv"]
        n = _dec(raw) if raw[0].isdigit() else Decimal(cn_number(raw) or 0)
        return Figure("rank", text, start, end, value=n, english=f"top {fmt_number(n)}")
    return Figure("number", text, start, end, value=_dec(text), english=text)


def find_zh(text: str) -> list[Figure]:
    """Figures in Chinese ``text``, left to right, non-overlapping."""
    norm = text.translate(_FULLWIDTH)  # same length: positions stay valid
    out = []
    for m in _ZH_RE.finditer(norm):
        fig = _figure(m)
        if fig.kind == "rank" and fig.value == 0:
            continue
        out.append(Figure(fig.kind, text[fig.start:fig.end], fig.start, fig.end, fig.value, fig.year, fig.month,
                          fig.day, fig.english))
    return out


# ---------------------------------------------------------------- English

_WORDS = {w: i for i, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"])}
_TENS = {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
             "eighth": 8, "ninth": 9, "tenth": 10, "twentieth": 20}
_EN_SCALE = {"trillion": 10**12, "billion": 10**9, "bn": 10**9, "million": 10**6, "mn": 10**6, "m": 10**6,
             "thousand": 10**3, "k": 10**3}
_MONTH_RE = "|".join(MONTHS) + "|" + "|".join(m[:3] + r"\.?" for m in MONTHS)
_WORD_NUM = (r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|"
             r"six|seven|eight|nine))?|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
             r"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)")
_EN_RE = re.compile(
    rf"(?P<dmy>\b(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m1>{_MONTH_RE})\b)"
    rf"|(?P<mdy>\b(?P<m2>{_MONTH_RE})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s*(?:billion|million|%)))"
    rf"|(?P<mon>\b(?P<m3>{_MONTH_RE})\b)"
    rf"|(?P<pct>(?<![\d.,])(?P<pv>{_NUM})\s*(?:%|per\s?cent\b|percent\b))"
    rf"|(?P<scaled>(?<![\d.,])(?P<sv>{_NUM}|{_WORD_NUM})[\s-]*(?P<sc>trillion|billion|bn|million|mn|m|thousand|k)\b)"
    rf"|(?P<num>(?<![\d.,])(?P<nv>{_NUM})(?:st|nd|rd|th)?(?![\d]))"
    rf"|(?P<word>\b(?P<wv>{_WORD_NUM}|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|"
    rf"twentieth|hundred)\b)",
    re.IGNORECASE,
)


def _month_no(name: str) -> int:
    key = name.rstrip(".")[:3].lower()
    return [m[:3].lower() for m in MONTHS].index(key) + 1


def _word_value(word: str) -> int:
    word = word.lower().replace("-", " ")
    if word == "hundred":
        return 100
    if word in _ORDINALS:
        return _ORDINALS[word]
    parts = word.split()
    total = 0
    for p in parts:
        total += _TENS.get(p, _WORDS.get(p, 0))
    return total


@dataclass(frozen=True)
class EnglishQuantities:
    numbers: frozenset[Decimal]
    percents: frozenset[Decimal]
    dates: frozenset[tuple[int, int]]  # (month, day)
    months: frozenset[int]


def find_en(text: str) -> EnglishQuantities:
    """Every quantity stated in English ``text``."""
    numbers: set[Decimal] = set()
    percents: set[Decimal] = set()
    dates: set[tuple[int, int]] = set()
    months: set[int] = set()
    for m in _EN_RE.finditer(text.translate(_FULLWIDTH)):
        g = m.groupdict()
        if g["dmy"] or g["mdy"]:
            mo = _month_no(g["m1"] or g["m2"])
            day = int(g["d1"] or g["d2"])
            dates.add((mo, day))
            months.add(mo)
        elif g["mon"]:
            months.add(_month_no(g["m3"]))
        elif g["pct"]:
            percents.add(_dec(g["pv"]))
        elif g["scaled"]:
            raw = g["sv"]
            base = _dec(raw) if raw[0].isdigit() else Decimal(_word_value(raw))
            numbers.add(base * _EN_SCALE[g["sc"].lower()])
            numbers.add(base)
        elif g["num"]:
            numbers.add(_dec(g["nv"]))
        elif g["word"]:
            numbers.add(Decimal(_word_value(g["wv"])))
    return EnglishQuantities(frozenset(numbers), frozenset(percents), frozenset(dates), frozenset(months))


def found_in(fig: Figure, en: EnglishQuantities) -> bool:
    """True when ``en`` states the same quantity as ``fig``."""
    if fig.kind == "percent":
        return fig.value in en.percents
    if fig.kind == "date":
        ok = (fig.month, fig.day) in en.dates
        return ok and (fig.year is None or Decimal(fig.year) in en.numbers)
    if fig.kind == "month":
        ok = fig.month in en.months
        return ok and (fig.year is None or Decimal(fig.year) in en.numbers)
    return fig.value in en.numbers


def missing_in_english(zh_figures: list[Figure], en_text: str) -> list[Figure]:
    """The Chinese figures whose value the English does not state."""
    en = find_en(en_text)
    return [f for f in zh_figures if not found_in(f, en)]
