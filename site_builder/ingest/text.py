"""Small text tests on Chinese newspaper prose: sentence ends, mid-sentence starts, bylines, headline shapes.

Full-width and half-width forms are treated alike everywhere (（ and (, ， and ,
０ and 0, U+3000 and a space); the text itself is never rewritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A paragraph that ends in one of these ends a sentence; closing quotes and brackets
# count because they close one (…。” / …！」).
TERMINAL = frozenset("。．！？…!?”」』’\"'）)】")
# Characters that cannot open a sentence: a paragraph starting with one starts mid-sentence.
MID_SENTENCE_START = frozenset("，、。；：！？）」』”’,.;:!?)]】%的们吗呢吧啊呀么")
CLAUSE_PUNCT = frozenset("，,；;：:")
# Sentence-opening adverbials: a paragraph whose first clause is one of these starts a new
# sentence, so an unfinished paragraph before it lost its end (it is not continued here).
OPENER_RE = re.compile(
    r"^(?:凭借|随着|通过|对于|为了|根据|由于|据悉|据了解|据介绍|据统计|此外|另外|与此同时|近年来|近日|日前|"
    r"目前|当前|眼下|如今|今年以来|去年以来|截至)[^，,。]{0,24}[，,]"
)
# How a lead can open besides 本报讯（…） and a sentence-opening adverbial: a date or a time word
# (2月8日, 2021年, 昨天, 近日, 连日来) or an opening quotation mark.
LEAD_OPENER_RE = re.compile(
    r"^(?:[“「『\"]|(?:[0-9０-９]{4}\s*年)|[0-9０-９]{1,2}\s*月|[前昨今当][天日]|连日来|連日來|近期|最近|上午|下午|晚上|"
    r"日前|近日|目前|如今|眼下|当前|當前)"
)
# Column names end like this (曙光时评, 东海短评, 新闻观察 ...).
COLUMN_RE = re.compile(r"^\S{1,8}(?:[时時][评評]|短[评評]|快[评評]|[锐銳][评評]|[热熱][评評]|微[评評]|[评評][论論]|新[论論]|[论論][坛壇]|"
                       r"[观觀][察]|[视視][点點]|[观觀][点點]|[随隨][笔筆]|[杂雜]谈|[杂雜]談|漫[谈談]|[述][评評]|言[论論])$")
_PAREN_OPEN, _PAREN_CLOSE = "[（(]", "[）)]"
_PAGE = r"第?\s*[0-9０-９一二三四五六七八九十A-Za-z]{1,3}\s*版"
# (from the bracket, not the space before it: a search would try every position of a long run of spaces)
JUMP_TO_RE = re.compile(rf"{_PAREN_OPEN}\s*(?:下[转轉]|[转轉]){_PAGE}\s*{_PAREN_CLOSE}\s*$")
JUMP_FROM_RE = re.compile(rf"^{_PAREN_OPEN}\s*(?:上接|接){_PAGE}\s*{_PAREN_CLOSE}\s*")
# Page furniture: "温岭日报 2022年2月9日 星期三 第1版", "第2版", "12".
_FULL_DATE = r"([0-9０-９]{4})\s*年\s*([0-9０-９]{1,2})\s*月\s*([0-9０-９]{1,2})\s*日"
PAGE_DATE_RE = re.compile(rf"^\S{{0,10}}\s*{_FULL_DATE}\s*(?:(?:星期|周)[一二三四五六日天])?\s*(?:{_PAGE})?\s*\S{{0,10}}$")
PAPER_NAME_RE = re.compile(r"^[^\s，,。、：:；;！!？?“”\"（）()]{1,12}报$")  # 温岭日报, 台州晚报: beside a date line, a masthead
PAGE_NO_RE = re.compile(rf"^(?:{_PAGE}(?:\s+\S{{1,10}})?|[0-9]{{1,3}})$")
LEAD_RE = re.compile(rf"^(?:本[报報]\S{{0,8}}?[讯訊]|新[华華]社\S{{0,12}}?[电電])\s*{_PAREN_OPEN}([^（()）]{{1,60}}){_PAREN_CLOSE}")
# simplified and traditional forms: 记者/記者, 通讯员/通訊員, 评论员/評論員
_REPORTER = r"(?:本[报報]|首席|[见見][习習]|[实實][习習]|特约|特約|[摄攝]影)?[记記]者"
_CORRESPONDENT = r"(?:特[约約])?通[讯訊][员員]|[实實][习習]生"
BYLINE_LINE_RE = re.compile(rf"^(?:{_REPORTER}|{_CORRESPONDENT})\s*[^\s、，,。！？：；;:]")
COMMENTATOR_RE = re.compile(r"^(?:本[报報]|特[约約])?[评評][论論][员員](?:\s+(\S{1,8}))?$")
_ROLE_RE = re.compile(rf"^({_REPORTER}|{_CORRESPONDENT})")
_NAME_SPLIT_RE = re.compile(r"[\s、，,；;/]+")
# A meeting report names its speaker: 温岭市委书记朱建军在会上强调 (an office, a name, 在会上, a verb of saying).
_OFFICE = (r"(?:[书書]记|市[长長]|[县縣][长長]|[区區][长長]|[镇鎮][长長]|主任|局[长長]|部[长長]|主席|常委|委[员員]|董事[长長]|"
           r"[总總][经經]理|[厂廠][长長]|院[长長]|校[长長])")
_SAYS = r"(?:[强強][调調]|指出|表示|要求|提出|[说說])"
SPEAKER_RE = re.compile(rf"{_OFFICE}([\u4e00-\u9fff]{{2,3}}?)(?:同志)?在(?:大?[会會]上|[讲講][话話]中){_SAYS}")
# Paragraphs only a meeting report opens with: 会上，… / 会议强调，…
REPORT_OPENER_RE = re.compile(r"^(?:[会會][上前后後间間]\s*[，,]|[会會][议議](?:[强強][调調]|指出|要求|[认認][为為]|[通][报報]|"
                              r"[号號]召|提出|[审審][议議]))")
MAX_HEADING = 40  # characters in one headline segment


def ends_sentence(text: str) -> bool:
    """True if ``text`` ends in terminal punctuation (a half-width '.' only when not after a digit)."""
    t = text.rstrip()
    if not t:
        return False
    if t[-1] == ".":
        return len(t) == 1 or not t[-2].isdigit()
    return t[-1] in TERMINAL


def starts_mid_sentence(text: str) -> bool:
    """True if ``text`` opens with punctuation or a particle that cannot start a sentence."""
    return bool(text) and text[0] in MID_SENTENCE_START


def opens_sentence(text: str) -> bool:
    """True if ``text`` opens with a sentence-initial adverbial clause (凭借…，, 随着…，, 据悉，…)."""
    return bool(OPENER_RE.match(text))


def opens_lead(text: str) -> bool:
    """True if ``text`` opens the way an article's first paragraph does: a news lead, a date or time
    word, an opening quotation mark or a sentence-opening adverbial clause."""
    return bool(LEAD_RE.match(text) or LEAD_OPENER_RE.match(text) or OPENER_RE.match(text))


def speaker(text: str) -> str | None:
    """The person a meeting report says spoke (朱建军 in …书记朱建军在会上强调), or None."""
    m = SPEAKER_RE.search(text)
    return m.group(1) if m else None


def reports_words_of(text: str, name: str) -> bool:
    """True if ``text`` reports what ``name`` said: 朱建军强调，… / 朱建军同志指出，…"""
    return re.search(rf"{re.escape(name)}(?:同志)?{_SAYS}", text) is not None


def opens_report(text: str) -> bool:
    """True if ``text`` opens the way only a meeting report's paragraph does (会上，… / 会议强调，…)."""
    return REPORT_OPENER_RE.match(text) is not None


def join_text(a: str, b: str) -> str:
    """Two pieces of one paragraph: Chinese joins without a space, two Latin words with one."""
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalpha():
        return f"{a} {b}"
    return a + b


@dataclass(frozen=True)
class Byline:
    """Who wrote a piece: reporters (记者), correspondents (通讯员) and whether it is a commentary."""

    reporters: tuple[str, ...] = ()
    correspondents: tuple[str, ...] = ()
    commentary: bool = False
    news: bool = False  # a 本报讯 / 新华社…电 lead


def parse_names(inner: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``记者X 通讯员Y Z`` -> (reporters, correspondents); names without a role are reporters."""
    reporters: list[str] = []
    correspondents: list[str] = []
    target = reporters
    for token in _NAME_SPLIT_RE.split(inner.strip()):
        m = _ROLE_RE.match(token)
        if m:
            target = reporters if m.group(1).endswith(("记者", "記者")) else correspondents
            token = token[m.end():]
        if token and len(token) <= 8:
            target.append(token)
    return tuple(reporters), tuple(correspondents)


def lead_byline(text: str) -> tuple[Byline, int] | None:
    """The byline that opens a news lead (本报讯（记者X）…) and where it ends, or None."""
    m = LEAD_RE.match(text)
    if not m:
        return None
    reporters, correspondents = parse_names(m.group(1))
    return Byline(reporters, correspondents, news=True), m.end()


def byline_line(text: str) -> Byline | None:
    """A byline standing on its own line (本报评论员, 记者X 通讯员Y), or None."""
    m = COMMENTATOR_RE.match(text)
    if m:
        return Byline((m.group(1),) if m.group(1) else (text,), commentary=True)
    if len(text) <= 30 and BYLINE_LINE_RE.match(text) and not any(c in "。！？，：；" for c in text):
        reporters, correspondents = parse_names(text)
        if (reporters or correspondents) and all(len(n) <= 6 for n in reporters + correspondents):
            return Byline(reporters, correspondents)
    return None


def segments(text: str) -> list[str]:
    """The space-separated parts of a headline line.

    The print layout turns the quotation marks around a short word into spaces
    (法雷奥温岭开启新年 抢跑 模式): a middle part of at most three Chinese
    characters gets its quotes back and is joined to its neighbours.
    """
    parts = text.split()
    out: list[str] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        if out and i < len(parts) - 1 and len(part) <= 3 and all("\u4e00" <= c <= "\u9fff" for c in part):
            out[-1] = f"{out[-1]}“{part}”{parts[i + 1]}"
            i += 2
        else:
            out.append(part)
            i += 1
    return out


def is_compound(parts: list[str]) -> bool:
    """A one-line headline: a title followed by subtitle phrases, the title the longest part."""
    return len(parts) >= 2 and len(parts[0]) >= 8 and len(parts[0]) >= max(len(p) for p in parts[1:])


def heading_shape(text: str) -> str | None:
    """``"strong"`` (no clause punctuation), ``"weak"`` (one comma, short) or None if it cannot be a headline."""
    if not text or ends_sentence(text) or text[-1] in CLAUSE_PUNCT or "。" in text or LEAD_RE.match(text):
        return None
    parts = segments(text)
    if any(len(p) > MAX_HEADING for p in parts) or len(text) > 2 * MAX_HEADING + 10:
        return None
    commas = sum(1 for c in text if c in CLAUSE_PUNCT)
    if commas == 0:
        return "strong"
    return "weak" if commas == 1 and len(text) <= 24 else None


def is_page_furniture(text: str) -> bool:
    """A masthead/date line or a page number: not part of any article."""
    return bool(PAGE_DATE_RE.match(text) or PAGE_NO_RE.match(text))
