"""The page's date (file name, masthead line) and the event date in a lead (2月8日, 昨天)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from site_builder.ingest import text as tx
from site_builder.ingest.lines import Line

_NAME_DATE_RE = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")
_LEAD_DATE_RE = re.compile(r"(?:([0-9０-９]{4})\s*年\s*)?([0-9０-９]{1,2})\s*月\s*([0-9０-９]{1,2})\s*[日号]")
_RELATIVE = {"前天": -2, "前日": -2, "昨天": -1, "昨日": -1, "今天": 0, "今日": 0}
_RELATIVE_RE = re.compile("|".join(_RELATIVE))
_SENTENCE_END_RE = re.compile(r"[。！？!?]")
_GAP_RE = re.compile(r"^(?:\[\[gap[^\]]*\]\])+")


def _make(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def date_from_name(name: str) -> date | None:
    """A date written in a file name: ``wenling-daily-2022-02-09.txt`` or ``...20220209...``."""
    for m in _NAME_DATE_RE.finditer(name):
        found = _make(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if found:
            return found
    return None


def date_from_masthead(lines: tuple[Line, ...]) -> date | None:
    """The date on a masthead line of the page (温岭日报 2022年2月9日 星期三), if there is one."""
    for ln in lines:
        m = tx.PAGE_DATE_RE.match(ln.text)
        if m:
            found = _make(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if found:
                return found
    return None


def lead_date(text: str, page_date: date | None, year: int | None) -> date | None:
    """The date in the first sentence of a lead, resolved with the page's date or ``year``.

    ``2月8日`` takes ``year`` (or the page's year); if that puts it after the page's
    date, the year before. 昨天/今天/前天 count back from the page's date.
    """
    lead = _GAP_RE.sub("", text)
    by = tx.lead_byline(lead)
    if by:
        lead = lead[by[1]:]
    end = _SENTENCE_END_RE.search(lead)
    first = lead[: end.start()] if end else lead
    m = _LEAD_DATE_RE.search(first)
    r = _RELATIVE_RE.search(first)
    if r and page_date and (not m or r.start() < m.start()):
        try:
            return page_date + timedelta(days=_RELATIVE[r.group()])
        except OverflowError:
            return None
    if not m:
        return None
    y = int(m.group(1)) if m.group(1) else year or (page_date.year if page_date else None)
    if y is None:
        return None
    found = _make(y, int(m.group(2)), int(m.group(3)))
    if found and page_date and not m.group(1) and found > page_date and year is None:
        found = _make(y - 1, found.month, found.day)
    return found
