"""Chinese text -> sentences, split on Chinese punctuation by us (no MiniSBD/stanza).

Markup that must stay whole (``[[gap: ...]]``, links, code spans) is never split.
A sentence keeps its final punctuation and closing quotes; over-long sentences
are split again at the last comma before the limit so the model sees a sane length.
"""

from __future__ import annotations

import re

#: Markup spans that are atomic for splitting (and protected from the model).
ATOMIC_RE = re.compile(
    r"\[\[gap(?::[^\[\]]*)?\]\]"  # [[gap]] / [[gap: note]] (no bracket in a note: see markdown.GAP_RE)
    r"|`[^`\n]+`"  # code span
    r"|!?\[[^\[\]\n]*\]\((?:[^()\s]|\([^()\s]*\))*\)"  # link / image (parts stop at brackets: linear time)
    r"|<https?://[^>\s]+>"  # autolink
)
_END = "。！？!?；;…"
_CLOSE = "”’」』）)》\"'"
_SOFT = "，,、："
MAX_CHARS = 150
_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef"


def join_lines(text: str) -> str:
    """A paragraph's soft line breaks: dropped between Chinese characters, else a space."""
    text = re.sub(rf"(?<=[{_CJK}])[ \t]*\n[ \t]*(?=[{_CJK}])", "", text.strip())
    return re.sub(r"(?<!\s)\s*\n\s*", " ", text)  # (from the start of a run of space only: linear time)


def _atomic_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in ATOMIC_RE.finditer(text)]


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a < pos < b for a, b in spans)


def split_sentences(text: str, max_chars: int = MAX_CHARS) -> list[str]:
    """Sentences of ``text`` in order; ``"".join(result)`` equals the input without soft line breaks."""
    text = join_lines(text)
    spans = _atomic_spans(text)
    out: list[str] = []
    start = 0
    i = 0
    n = len(text)
    while i < n:
        if text[i] in _END and not _inside(i, spans):
            j = i + 1
            while j < n and (text[j] in _END or text[j] in _CLOSE):
                j += 1
            while j < n and text[j] == " ":
                j += 1
            out.append(text[start:j])
            start = i = j
            continue
        i += 1
    if start < n:
        out.append(text[start:])
    result: list[str] = []
    for sentence in out:
        result.extend(_split_long(sentence, max_chars, spans_of=_atomic_spans(sentence)))
    return [s for s in result if s.strip()]


def _split_long(sentence: str, max_chars: int, spans_of: list[tuple[int, int]]) -> list[str]:
    if len(sentence) <= max_chars:
        return [sentence]
    cut = -1
    for k in range(min(max_chars, len(sentence) - 1), max_chars // 3, -1):
        if sentence[k] in _SOFT and not _inside(k, spans_of):
            cut = k + 1
            break
    if cut < 0:
        return [sentence]
    head, tail = sentence[:cut], sentence[cut:]
    return [head, *_split_long(tail, max_chars, _atomic_spans(tail))]
