"""Keep registered names, figures and Markdown markup away from the model.

A sentence becomes a :class:`Template`: literal Chinese text and :class:`Slot` s.
The model sees each slot as a placeholder token (``ZQA``, ``ZQB`` ... Latin
capitals, which SentencePiece keeps and translation models copy). After
translation each token is replaced by the slot's English: the registered name,
the canonical figure ("200 billion yuan"), or the markup with its own inner text
translated ("[[gap: <note in English>]]", "[<link text>](url)").

If the model drops, duplicates or invents a token, the caller falls back to
translating the literal fragments between the slots separately
(:meth:`Template.fragments`), so names and figures come out right whatever the
model does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from site_builder.model import Entity
from site_builder.translate import figures
from site_builder.translate.segment import ATOMIC_RE

#: Entity types whose registered English replaces the Chinese before translation.
#: Targets are left out: their figures are protected as figures instead
#: ("超2000亿元" is "more than 200 billion yuan", not "more than the target").
PROTECTED_TYPES = ("person", "place", "organisation", "company", "policy", "strategy", "topic")

_MARKUP_RE = re.compile(ATOMIC_RE.pattern + r"|\*\*(?=\S)[^*\n]+?\*\*|\*(?=\S)[^*\n]+?\*")
_LINK_RE = re.compile(r"^(!?\[)([^\[\]\n]*)(\]\((?:[^()\s]|\([^()\s]*\))*\))$")
_GAP_RE = re.compile(r"^\[\[gap:([^\[\]]*)\]\]$")
_EDGE_RE = re.compile(r"^[\W_]+")
# Upper case: found even when glued to a word ("wordsZQA"); lower case only as a word of its own.
TOKEN_RE = re.compile(r"Z ?Q ?([A-Z]{1,2})(?![A-Z])|\b[zZ] ?[qQ] ?([a-zA-Z]{1,2})\b")
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
_ADMIN_SUFFIX = "市省县区镇"
_ADMIN_NEXT = "委政长直"


def token(i: int) -> str:
    """Placeholder for slot ``i``: ZQA ... ZQZ, ZQAA ..."""
    letters = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        letters = chr(65 + r) + letters
    return "ZQ" + letters


def _letters(m: re.Match[str]) -> str:
    return m.group(1) or m.group(2)


def _token_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    entity: Entity

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


class Glossary:
    """Chinese names of registered entities, matched leftmost-longest."""

    def __init__(self, entities: Iterable[Entity], types: Iterable[str] | None = None):
        allowed = set(types) if types is not None else None
        self.entities = tuple(e for e in entities if allowed is None or e.type in allowed)
        self._names: dict[str, Entity] = {}
        for ent in self.entities:
            for name in (ent.zh, *ent.zh_aliases):
                if name and name not in self._names:
                    self._names[name] = ent
        names = sorted(self._names, key=lambda n: (-len(n), n))
        self._re = re.compile("|".join(re.escape(n) for n in names)) if names else None

    def find(self, text: str) -> list[Mention]:
        """Mentions in ``text``, left to right, non-overlapping, longest first."""
        if self._re is None:
            return []
        out: list[Mention] = []
        pos = 0
        while True:
            m = self._re.search(text, pos)
            if not m:
                return out
            name, end = m.group(0), m.end()
            ent = self._names[name]
            # 台州市委 is "the Taizhou Party committee": keep 市 with 委 when 台州 alone is registered.
            if (name[-1] in _ADMIN_SUFFIX and end < len(text) and text[end] in _ADMIN_NEXT
                    and self._names.get(name[:-1]) is ent):
                end -= 1
            out.append(Mention(m.start(), end, ent))
            pos = end


@dataclass(frozen=True)
class Slot:
    """A protected piece of the source: fixed English, or markup around a nested text to translate."""

    kind: str  # entity | figure | code | link | emphasis | gap
    source: str
    english: str = ""
    inner: str | None = None
    before: str = ""
    after: str = ""

    def render(self, translate: Callable[[str], str]) -> str:
        if self.inner is None:
            return self.english
        return f"{self.before}{translate(self.inner)}{self.after}"


@dataclass(frozen=True)
class Template:
    parts: tuple[str | Slot, ...]

    @property
    def slots(self) -> list[Slot]:
        return [p for p in self.parts if isinstance(p, Slot)]

    def model_input(self) -> str:
        """The text the model sees: literal text with a token per slot."""
        out, i = [], 0
        for p in self.parts:
            if isinstance(p, Slot):
                out.append(token(i))
                i += 1
            else:
                out.append(p)
        return "".join(out).strip()

    def needs_model(self) -> bool:
        return any(isinstance(p, str) and has_words(p) for p in self.parts)

    def fragments(self) -> list[str]:
        """Literal pieces that need translating when the tokens did not survive."""
        return [fragment_core(p) for p in self.parts if isinstance(p, str) and has_words(p)]

    def inners(self) -> list[str]:
        return [s.inner for s in self.slots if s.inner]


def has_words(text: str) -> bool:
    """True when ``text`` has something to translate (not only punctuation, digits, space)."""
    return bool(_CJK_RE.search(text) or re.search(r"[A-Za-z]", text))


def fragment_core(text: str) -> str:
    """``text`` without the punctuation and space at its ends (kept by the caller, not translated)."""
    # (from both ends with an anchored pattern: "[\W_]+$" would try every position of a long run of punctuation)
    text = _EDGE_RE.sub("", text)
    return _EDGE_RE.sub("", text[::-1])[::-1]


def _markup_slot(text: str) -> Slot:
    if text.startswith("[[gap"):
        m = _GAP_RE.match(text)
        note = m.group(1).strip() if m else ""
        if not note:
            return Slot("gap", text, english="[[gap]]")
        return Slot("gap", text, inner=note, before="[[gap: ", after="]]")
    if text.startswith(("`", "<")):
        return Slot("code", text, english=text)
    m = _LINK_RE.match(text)
    if m:
        return Slot("link", text, inner=m.group(2), before=m.group(1), after=m.group(3))
    mark = "**" if text.startswith("**") else "*"
    return Slot("emphasis", text, inner=text[len(mark):-len(mark)], before=mark, after=mark)


def protect(text: str, glossary: Glossary) -> Template:
    """Split ``text`` into literal Chinese and slots (markup, registered names, figures)."""
    parts: list[str | Slot] = []
    pos = 0
    for m in _MARKUP_RE.finditer(text):
        parts.extend(_protect_plain(text[pos:m.start()], glossary))
        parts.append(_markup_slot(m.group(0)))
        pos = m.end()
    parts.extend(_protect_plain(text[pos:], glossary))
    return Template(tuple(p for p in parts if p != ""))


def _protect_plain(text: str, glossary: Glossary) -> list[str | Slot]:
    spans: list[tuple[int, int, Slot]] = []
    for men in glossary.find(text):
        spans.append((men.start, men.end, Slot("entity", text[men.start:men.end], english=men.entity.en)))
    taken = [(a, b) for a, b, _ in spans]
    for fig in figures.find_zh(text):
        if not any(a < fig.end and fig.start < b for a, b in taken):
            spans.append((fig.start, fig.end, Slot("figure", fig.text, english=fig.english)))
    spans.sort(key=lambda s: s[0])
    out: list[str | Slot] = []
    pos = 0
    for a, b, slot in spans:
        out.append(text[pos:a])
        out.append(slot)
        pos = b
    out.append(text[pos:])
    return out


def tokens_survived(template: Template, output: str) -> bool:
    """True when every slot's token occurs exactly once in ``output`` and no other token does."""
    found = sorted(_token_index(_letters(m)) for m in TOKEN_RE.finditer(output))
    return found == list(range(len(template.slots)))


def restore(template: Template, output: str, translate_inner: Callable[[str], str]) -> str | None:
    """Model output with tokens replaced by slot English; None unless :func:`tokens_survived`."""
    if not tokens_survived(template, output):
        return None
    slots = template.slots

    def put_back(m: re.Match[str]) -> str:
        text = slots[_token_index(_letters(m))].render(translate_inner)
        before = output[m.start() - 1:m.start()]
        after = output[m.end():m.end() + 1]
        # a token glued to a word ("wordsZQA") must not glue the name to it
        return (" " if before.isalnum() else "") + text + (" " if after.isalnum() else "")

    return TOKEN_RE.sub(put_back, output)
