"""Entity matching and linking: longest match, whole English words, case rules, exclusions, headings, links."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.entities import Linker, build_index, check_names, quote_mention, snippet
from site_builder.errors import ContentError
from site_builder.markdown import Renderer
from site_builder.model import Article, ArticleMeta, EnglishDoc, Entity, Section, Translation
from site_builder.registry import load_registry, make_pinyin

ENTITIES = [
    Entity("wenling", "place", "温岭", "Wenling", 1, zh_aliases=("温岭市", "我市")),
    Entity("wedz", "place", "温岭经济开发区", "Wenling Economic Development Zone", 2, zh_aliases=("经济开发区",),
           en_aliases=("Economic Development Zone",)),
    Entity("valeo", "company", "法雷奥", "Valeo", 3),
    Entity("valeo-wenling", "company", "法雷奥温岭", "Valeo Wenling", 4),
    Entity("ford", "company", "福特", "Ford", 5),
    Entity("prosperity", "policy", "共同富裕", "common prosperity", 6, case_sensitive=False),
    Entity("zone", "policy", "共同富裕示范区", "Common Prosperity Demonstration Zone", 7),
    Entity("target", "target", "2000亿", "200 billion yuan", 8, zh_aliases=("2000亿元",)),
]
EXCLUDES = {"target": {"zh": ("高于2000亿元",), "en": ("closing in on 200 billion yuan",)}}


@pytest.fixture(scope="module")
def linker() -> Linker:
    return Linker(ENTITIES, excludes=EXCLUDES)


def found(linker: Linker, text: str, lang: str) -> list[tuple[str, str]]:
    return [(m.entity, m.text) for m in linker.matches(text, lang)]


def test_longest_match_wins_over_a_name_inside_it(linker: Linker) -> None:
    assert found(linker, "温岭经济开发区要确保工业性投资", "zh") == [("wedz", "温岭经济开发区")]
    assert found(linker, "温岭市和经济开发区", "zh") == [("wenling", "温岭市"), ("wedz", "经济开发区")]
    assert found(linker, "法雷奥温岭与法雷奥", "zh") == [("valeo-wenling", "法雷奥温岭"), ("valeo", "法雷奥")]
    assert found(linker, "浙江共同富裕示范区与共同富裕", "zh") == [("zone", "共同富裕示范区"), ("prosperity", "共同富裕")]
    assert found(linker, "Valeo Wenling, a Valeo company in Wenling", "en") == [
        ("valeo-wenling", "Valeo Wenling"), ("valeo", "Valeo"), ("wenling", "Wenling")]


def test_english_names_match_whole_words_only(linker: Linker) -> None:
    assert found(linker, "Wenlingese and Fordham; we can afford it", "en") == []
    assert found(linker, "Wenling's plan, Ford. Wenling-based", "en") == [
        ("wenling", "Wenling"), ("ford", "Ford"), ("wenling", "Wenling")]


def test_english_case_rules_are_per_entity(linker: Linker) -> None:
    # "common prosperity" is a common noun: any case; "Ford" is a name: exact case only
    assert found(linker, "Common Prosperity and COMMON PROSPERITY", "en") == [
        ("prosperity", "Common Prosperity"), ("prosperity", "COMMON PROSPERITY")]
    assert found(linker, "ford the river; FORD; Ford", "en") == [("ford", "Ford")]


def test_numbers_are_whole_and_exclusion_phrases_are_not_mentions(linker: Linker) -> None:
    assert found(linker, "12000亿", "zh") == []
    assert found(linker, "规上工业产值高于2000亿元的有8个；温岭超2000亿元", "zh") == [
        ("wenling", "温岭"), ("target", "2000亿元")]
    assert found(linker, "others are closing in on 200 billion yuan; ours is 200 billion yuan", "en") == [
        ("target", "200 billion yuan")]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["温岭", "经济开发区", "温岭经济开发区", "法雷奥", "温岭市", "我", "市", "，", "共同富裕示范",
                                 "区", "2000亿", "1", "Valeo ", "Wenling", "x"]), max_size=30))
def test_matches_never_overlap_and_are_registered_names(linker: Linker, parts: list[str]) -> None:
    text = "".join(parts)
    names = {e.id: {e.zh, *e.zh_aliases} for e in ENTITIES}
    pos = 0
    for m in linker.matches(text, "zh"):
        assert m.start >= pos and text[m.start:m.end] == m.text and m.text in names[m.entity]
        pos = m.end
    # leftmost-longest: no registered name starts inside a gap and runs longer than what was taken there
    taken = {m.start: m.end for m in linker.matches(text, "zh")}
    for start, end in taken.items():
        for ns in names.values():
            for n in ns:
                if text.startswith(n, start):
                    assert len(n) <= end - start


def render(linker: Linker, text: str, lang: str, page_path: str = "zh/articles/a/index.html", **env: object) -> str:
    return Renderer().render(text, lang, text_hook=linker.hook, page_path=page_path, **env)


def test_first_mention_in_a_section_links_to_the_entity_page_in_the_page_language(linker: Linker) -> None:
    html = render(linker, "温岭经济开发区在温岭。温岭！", "zh")
    assert html == ('<p><a href="../../entities/wedz/" class="ent" data-entity="wedz">温岭经济开发区</a>在'
                    '<a href="../../entities/wenling/" class="ent" data-entity="wenling">温岭</a>。温岭！</p>\n')
    # a Chinese section shown on an English page (translation missing) links to the English entity page
    html = render(linker, "温岭", "zh", page_path="en/articles/a/parallel/index.html")
    assert 'href="../../../entities/wenling/"' in html and "/zh/" not in html


def test_link_every_mention_option() -> None:
    every = Linker(ENTITIES, link_every_mention=True)
    assert render(every, "温岭。温岭！", "zh").count('data-entity="wenling"') == 2


def test_no_links_inside_headings_or_existing_links(linker: Linker) -> None:
    html = render(linker, "# 温岭\n\n[温岭的网站](https://example.org) 与温岭", "zh")
    assert "<h1>温岭</h1>" in html
    assert '<a href="https://example.org">温岭的网站</a>' in html
    assert html.count('class="ent"') == 1


def test_no_page_path_means_no_links(linker: Linker) -> None:
    assert "ent" not in Renderer().render("温岭", "zh", text_hook=linker.hook)


def test_ambiguous_names_are_reported_with_their_line() -> None:
    clash = [Entity("a", "place", "台州", "Taizhou", 3), Entity("b", "place", "台州市", "Taizhou City", 9,
                                                                zh_aliases=("台州",))]
    assert [str(p) for p in check_names(clash)] == [
        "content/entities.toml:9: entity 'b': name '台州' is also a name of 'a' (line 3); names must be unambiguous"]


def _article() -> Article:
    meta = ArticleMeta(title="标题", date=__import__("datetime").date(2022, 2, 9), kind="news", source="s.txt")
    sections = (Section("s1", "我市和法雷奥温岭。", 1), Section("s2", "温岭经济开发区。", 3), Section("s3", "法雷奥温岭。", 5))
    en = {"s1": Translation("s1", "Wenling and Valeo Wenling.", 1, "reviewed", None),
          "s2": Translation("s2", "The zone in our city.", 3, "reviewed", None)}
    return Article("a", "content/articles/a.zh.md", meta, sections, EnglishDoc("content/articles/a.en.md", en))


def test_mentions_index_lists_every_section_in_reading_order(linker: Linker) -> None:
    index = build_index(linker, [_article()])
    assert index.mentions["valeo-wenling"] == [("a", "s1"), ("a", "s3")]
    assert index.mentions["wenling"] == [("a", "s1")]
    assert index.mentions["wedz"] == [("a", "s2")]
    assert "valeo" not in index.mentions  # 法雷奥 inside 法雷奥温岭 is not a mention of Valeo
    assert [m.entity for m in index.sections[("a", "s1")].en] == ["wenling", "valeo-wenling"]


def test_backlink_quotes_follow_the_page_language(linker: Linker) -> None:
    index = build_index(linker, [_article()])
    # English with the name: the English, highlighted
    assert quote_mention(index.sections[("a", "s1")], "valeo-wenling", "en") == [
        {"before": "Wenling and ", "mark": "Valeo Wenling", "after": ".", "lang": "en"}]
    # English that words it differently: the English, then the Chinese with the name highlighted
    q = quote_mention(index.sections[("a", "s2")], "wedz", "en")
    assert [x["lang"] for x in q] == ["en", "zh"] and q[0]["mark"] == "" and q[1]["mark"] == "温岭经济开发区"
    # no English: the Chinese
    assert quote_mention(index.sections[("a", "s3")], "valeo-wenling", "en") == [
        {"before": "", "mark": "法雷奥温岭", "after": "。", "lang": "zh"}]
    assert quote_mention(index.sections[("a", "s1")], "wenling", "zh")[0]["mark"] == "我市"


def test_snippet_cuts_english_at_word_boundaries() -> None:
    text = "word " * 60 + "Wenling" + " more" * 60
    start = text.index("Wenling")
    s = snippet(text, start, start + 7, "en")
    assert s["mark"] == "Wenling" and s["before"].startswith("…word") and s["after"].endswith("more…")
    assert len(s["before"]) < 120 and len(s["after"]) < 120


def test_pinyin_is_generated_where_not_given(tmp_path: Path) -> None:
    assert make_pinyin("朱建军", "person") == "Zhū Jiànjūn"
    assert make_pinyin("温岭经济开发区", "place") == "Wēn Lǐng Jīng Jì Kāi Fā Qū"
    assert make_pinyin("稳进提质、奋发图强", "strategy") == "Wěn jìn tí zhì, fèn fā tú qiáng"
    (tmp_path / "content").mkdir()
    (tmp_path / "content/entities.toml").write_text(
        '[[entity]]\nid = "x"\ntype = "place"\nzh = "台州"\nen = "Taizhou"\n\n'
        '[[entity]]\nid = "y"\ntype = "place"\nzh = "海宁"\nen = "Haining"\npinyin = "Hǎiníng"\n', encoding="utf-8")
    reg = load_registry(tmp_path)
    assert [e.pinyin for e in reg.entities] == ["Tāi Zhōu", "Hǎiníng"]


def test_exclusion_phrases_must_contain_a_name(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content/entities.toml").write_text(
        '[[entity]]\nid = "t"\ntype = "target"\nzh = "2000亿"\nen = "200 billion"\n'
        'zh_exclude = ["高于2000亿元"]\nen_exclude = ["about 100 billion"]\n', encoding="utf-8")
    with pytest.raises(ContentError) as exc:
        load_registry(tmp_path)
    assert [str(p) for p in exc.value.problems] == [
        "content/entities.toml:7: entity 't': en_exclude phrase 'about 100 billion' contains none of its names"]


def test_seed_registry_matches_the_articles_as_intended() -> None:
    from site_builder.content import load_articles
    from site_builder.entities import load_entities
    from tests.conftest import ROOT

    data = load_entities(ROOT, load_articles(ROOT))
    by_section = data.index.sections
    # the commentary's figures for other places are not the 2000亿 target ...
    assert "target-2000yi" not in by_section[("commentary-2000-billion", "zef4bo")].entities()
    assert "target-2000yi" not in by_section[("commentary-2000-billion", "rsmwup")].entities()
    # ... but the target itself is, in both languages
    sm = by_section[("commentary-2000-billion", "e7hljd")]
    assert "target-2000yi" in [m.entity for m in sm.zh] and "target-2000yi" in [m.entity for m in sm.en]
    # each of the ten strategies is found in its own section of the speech
    speech = [s for s in by_section.values() if s.article == "wenling-industry-conference"]
    for n in range(1, 11):
        assert [s.section for s in speech if f"strategy-{n}" in [m.entity for m in s.zh]] == \
            [data.index.mentions[f"strategy-{n}"][0][1]]


@pytest.mark.parametrize("page", ["zh/articles/a/index.html", "zh/articles/a/parallel/index.html", "en/hubs/h/index.html",
                                  "zh/index.html", "en/articles/index.html", "en/articles/entities/index.html",
                                  "zh/entities/wenling/index.html", "zh/entities/index.html", "index.html", "404.html"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_resolved_entity_links_are_the_relative_urls(page: str, lang: str) -> None:
    """Linker.resolve's short cut for pages in a language's tree gives exactly what urls.relative gives."""
    from site_builder import urls
    from site_builder.entities import entity_path

    html = "<p>\x00wenling\x00, \x00strategy-3\x00</p>"
    tree = page.split("/", 1)[0]
    target_lang = tree if tree in ("zh", "en") else lang
    expected = "<p>{}, {}</p>".format(*(urls.relative(page, entity_path(target_lang, e)) for e in ("wenling", "strategy-3")))
    assert Linker.resolve(html, page, lang) == expected
