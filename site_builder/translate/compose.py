"""Putting English back together: restored sentences, the fragment fallback, tidy spacing."""

from __future__ import annotations

import re
from collections.abc import Callable

from site_builder.translate.protect import Slot, Template, fragment_core, has_words

_PUNCT = {
    "，": ", ", "、": ", ", "。": ". ", "；": "; ", "：": ": ", "？": "? ", "！": "! ", "（": " (", "）": ") ",
    "“": ' "', "”": '" ', "‘": " '", "’": "' ", "《": ' "', "》": '" ', "…": "... ", "—": " - ", "·": " ",
    "「": ' "', "」": '" ', "『": " '", "』": "' ", "　": " ",
}
_PUNCT_RE = re.compile("|".join(re.escape(k) for k in _PUNCT))


def english_punctuation(text: str) -> str:
    """Chinese punctuation -> English punctuation with the usual spacing."""
    return _PUNCT_RE.sub(lambda m: _PUNCT[m.group(0)], text)


def tidy(text: str, capitalise: bool = True) -> str:
    """Spacing and small repairs that any model output needs; a sentence starts with a capital."""
    text = english_punctuation(text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.;:!?)\]])", r"\1", text)
    text = re.sub(r"([(\[])\s+", r"\1", text)
    text = re.sub(r"([,;:])(?=[A-Za-z\"(])", r"\1 ", text)
    text = re.sub(r"\b([Tt]he) the\b", r"\1", text)
    text = re.sub(r"([,;:.])\1+", r"\1", text)
    text = re.sub(r"\.,|,\.", ".", text)
    if capitalise and text[:1].islower():
        text = text[0].upper() + text[1:]
    return text


def fallback(template: Template, fragment_en: Callable[[str], str], translate_inner: Callable[[str], str],
             capitalise: bool = True) -> str:
    """English for ``template`` built piece by piece: each literal fragment translated on its own,
    each slot rendered in its place. Used when the model lost a placeholder."""
    out: list[str] = []
    for part in template.parts:
        if isinstance(part, Slot):
            out.append(part.render(translate_inner))
        elif has_words(part):
            core = fragment_core(part)
            lead, trail = part[:part.index(core)], part[part.index(core) + len(core):]
            en = fragment_en(core).strip().rstrip(".。")
            out.append(english_punctuation(lead) + en + english_punctuation(trail))
        else:
            out.append(english_punctuation(part))
    return tidy(" ".join(out), capitalise)
