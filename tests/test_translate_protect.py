"""Sentence splitting, protection of names/figures/markup, restoring, the fragment fallback."""

from __future__ import annotations

import pytest

from site_builder.model import Entity
from site_builder.translate import compose
from site_builder.translate.protect import PROTECTED_TYPES, Glossary, Slot, protect, restore, token, tokens_survived
from site_builder.translate.segment import split_sentences


def ent(eid: str, zh: str, en: str, type: str = "person", zh_aliases: tuple[str, ...] = (),
        en_aliases: tuple[str, ...] = (), case_sensitive: bool = True) -> Entity:
    return Entity(eid, type, zh, en, 1, zh_aliases=zh_aliases, en_aliases=en_aliases, case_sensitive=case_sensitive)


ENTITIES = (
    ent("zhu-jianjun", "朱建军", "Zhu Jianjun"),
    ent("wenling", "温岭", "Wenling", "place", zh_aliases=("温岭市", "我市")),
    ent("taizhou", "台州", "Taizhou", "place", zh_aliases=("台州市",)),
    ent("zone", "温岭经济开发区", "Wenling Economic Development Zone", "place", zh_aliases=("经济开发区",)),
    ent("qgxs", "强工兴市", "Strong Industry, Thriving City", "policy"),
    ent("target", "2000亿", "the 200 billion yuan target", "target", zh_aliases=("2000亿元",)),
)
GLOSSARY = Glossary(ENTITIES, PROTECTED_TYPES)  # as the pipeline builds it: targets are left to the figures


# ---------------------------------------------------------------- segment

def test_split_on_chinese_punctuation_keeps_closing_quotes() -> None:
    text = "会议指出：“要坚持稳字当头。”大会由林强主持！还有吗？是的；好…结束"
    assert split_sentences(text) == ["会议指出：“要坚持稳字当头。”", "大会由林强主持！", "还有吗？", "是的；", "好…", "结束"]


def test_split_never_cuts_gap_markers_or_links() -> None:
    text = "[[gap: 报道开头。未见于本版]]厂商之一。见[链接。文字](https://example.org/a.b)为准。"
    assert split_sentences(text) == ["[[gap: 报道开头。未见于本版]]厂商之一。", "见[链接。文字](https://example.org/a.b)为准。"]


def test_soft_line_breaks_are_joined() -> None:
    assert split_sentences("第一行\n第二行。Next\nline.") == ["第一行第二行。", "Next line."]


def test_long_sentence_split_at_a_comma() -> None:
    text = "，".join(["这是一个相当长的分句"] * 30) + "。"
    parts = split_sentences(text, max_chars=60)
    assert len(parts) > 1 and all(len(p) <= 60 for p in parts)
    assert "".join(parts) == text


# ---------------------------------------------------------------- glossary

def test_glossary_is_leftmost_longest() -> None:
    found = [(m.entity.id, m.start, m.end) for m in GLOSSARY.find("温岭经济开发区和温岭市")]
    assert found == [("zone", 0, 7), ("wenling", 8, 11)]


def test_admin_suffix_stays_with_party_committee() -> None:
    """台州市委常委 is Taizhou + 市委常委, not 台州市 + 委常委."""
    [m] = GLOSSARY.find("台州市委常委")
    assert (m.entity.id, m.end) == ("taizhou", 2)


def test_glossary_with_types_leaves_targets_out() -> None:
    assert [m.entity.id for m in Glossary(ENTITIES).find("超2000亿元")] == ["target"]
    assert GLOSSARY.find("超2000亿元") == []
    assert Glossary(ENTITIES, ("person",)).find("朱建军说温岭") == [GLOSSARY.find("朱建军")[0]]


# ---------------------------------------------------------------- protect / restore

def test_names_and_figures_become_tokens() -> None:
    tpl = protect("2月8日，朱建军强调，强工兴市要到2026年超2000亿元，增速66.7%。", GLOSSARY)
    assert tpl.model_input() == "ZQA，ZQB强调，ZQC要到ZQD超ZQE，增速ZQF。"
    assert [s.english for s in tpl.slots] == ["8 February", "Zhu Jianjun", "Strong Industry, Thriving City", "2026",
                                              "200 billion yuan", "66.7%"]


def test_restore_puts_registered_forms_back_in_any_order() -> None:
    tpl = protect("朱建军在温岭强调2000亿元。", GLOSSARY)
    out = restore(tpl, "On ZQC, zqa stressed in Z QB.", lambda s: s)
    assert out == "On 200 billion yuan, Zhu Jianjun stressed in Wenling."


@pytest.mark.parametrize("output", ["ZQA stressed.", "ZQA and ZQA in ZQB", "ZQA, ZQB, ZQC", "nothing"])
def test_lost_duplicated_or_invented_tokens_are_detected(output: str) -> None:
    tpl = protect("朱建军在温岭强调。", GLOSSARY)
    assert not tokens_survived(tpl, output)
    assert restore(tpl, output, lambda s: s) is None


def test_markup_is_protected_and_inner_text_translated() -> None:
    tpl = protect("[[gap: 报道开头未见于本版]]见[温岭](https://example.org/w)的**重点**和`code`，[[gap]]。", GLOSSARY)
    kinds = [s.kind for s in tpl.slots]
    assert kinds == ["gap", "link", "emphasis", "code", "gap"]
    assert tpl.inners() == ["报道开头未见于本版", "温岭", "重点"]
    rendered = [s.render(lambda zh: f"<{zh}>") for s in tpl.slots]
    assert rendered == ["[[gap: <报道开头未见于本版>]]", "[<温岭>](https://example.org/w)", "**<重点>**", "`code`",
                        "[[gap]]"]


def test_text_of_only_names_needs_no_model() -> None:
    tpl = protect("温岭", GLOSSARY)
    assert not tpl.needs_model()
    assert compose.fallback(tpl, lambda s: pytest.fail("model called"), lambda s: s) == "Wenling"


def test_token_names() -> None:
    assert [token(i) for i in (0, 1, 25, 26, 27)] == ["ZQA", "ZQB", "ZQZ", "ZQAA", "ZQAB"]
    tpl = protect("，".join(f"{i}%" for i in range(30)), GLOSSARY)
    assert tokens_survived(tpl, " ".join(token(i) for i in reversed(range(30))))


# ---------------------------------------------------------------- compose

def test_fallback_translates_fragments_and_keeps_slots_in_place() -> None:
    tpl = protect("朱建军强调，温岭规上产值超2000亿元。", GLOSSARY)
    assert tpl.fragments() == ["强调", "规上产值超"]
    en = compose.fallback(tpl, {"强调": "stressed.", "规上产值超": "output above"}.__getitem__, lambda s: s)
    assert en == "Zhu Jianjun stressed, Wenling output above 200 billion yuan."


def test_tidy() -> None:
    assert compose.tidy("  the the  city ,grows（fast） ;ok") == "The city, grows (fast); ok"


def test_slot_render_fixed() -> None:
    assert Slot("entity", "温岭", english="Wenling").render(lambda s: "x") == "Wenling"


def test_a_link_whose_address_holds_brackets_stays_whole() -> None:
    """An address with one pair of brackets (Wikipedia's, say) is one atomic span, and plain text drops it whole."""
    from site_builder.markdown import plain_text
    from site_builder.translate.segment import ATOMIC_RE, split_sentences

    link = "[维基](https://en.wikipedia.org/wiki/Foo_(bar))"
    text = f"见{link}。又见[温岭](../x/)。"
    assert ATOMIC_RE.findall(text) == [link, "[温岭](../x/)"]
    assert split_sentences(text) == [f"见{link}。", "又见[温岭](../x/)。"]
    assert plain_text(text) == "见维基。又见温岭。"
