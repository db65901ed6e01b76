"""The importer's rules: headlines, bylines, dates, rejoining, grouping, orphans; fixture pages and the seed."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from site_builder.ingest import Proposal, propose, read_page
from site_builder.ingest import text as tx
from site_builder.ingest.dates import date_from_name, lead_date
from site_builder.ingest.lines import decode
from tests.conftest import ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
PAGES = sorted(FIXTURES.glob("*.txt"))
SEED = ROOT / "content" / "sources" / "wenling-daily-2022-02-09.txt"


def page_of(text: str, name: str = "page-2022-02-09.txt", year: int | None = None) -> Proposal:
    """The proposal for a page given as text (no map)."""
    from site_builder.ingest.dates import date_from_name
    from site_builder.ingest.draft import Page

    return propose(Page(name, f"sources/{name}", decode(text, name), date_from_name(name), year))


def load(path: Path, **kw: object) -> Proposal:
    return propose(read_page(path, path.name, ROOT, **kw))  # type: ignore[arg-type]


# --- fixture pages: the whole proposal, as approved ---------------------------------------------------------

@pytest.mark.parametrize("path", PAGES, ids=[p.stem for p in PAGES])
def test_fixture_page_matches_expected_proposal(path: Path) -> None:
    expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    assert load(path).as_json() == expected


# --- headlines ----------------------------------------------------------------------------------------------

def test_kicker_title_subtitle_on_three_lines() -> None:
    (d,) = load(FIXTURES / "news-2023-03-15.txt").drafts[:1]
    assert (d.kicker, d.title, d.subtitle) == ("数字赋能 智造升级", "温岭泵业产业集群加快迈向千亿级新台阶", "三年培育百家“专精特新”企业")


def test_one_line_headline_is_title_and_subtitle() -> None:
    d = load(FIXTURES / "news-2023-03-15.txt").drafts[1]
    assert (d.title, d.subtitle) == ("东部新区启动科创走廊建设", "聚焦研发 打造创新策源地")


def test_full_width_space_separates_title_and_subtitle() -> None:
    d = load(FIXTURES / "traditional-crlf-bom.txt").drafts[1]
    assert (d.title, d.subtitle) == ("新能源汽车零部件产业园开工", "总投资50亿元")


def test_quotation_marks_lost_by_the_layout_are_restored_in_headlines() -> None:
    assert tx.segments("法雷奥温岭开启新年 抢跑 模式") == ["法雷奥温岭开启新年“抢跑”模式"]
    assert tx.segments("聚焦 九富 路径抓深化") == ["聚焦“九富”路径抓深化"]
    assert tx.segments("聚焦九富 路径抓深化 强化改革导向抓突破") == ["聚焦九富", "路径抓深化", "强化改革导向抓突破"]


def test_kicker_is_the_shorter_line_above_the_title() -> None:
    p = page_of("加大研发投入迎接新挑战\n\n某某公司开启新年加速奔跑模式\n\n去年公司销售额超过了7亿元。\n")
    (d,) = p.drafts
    assert (d.kicker, d.title, d.subtitle, d.kind, d.reporters) == (
        "加大研发投入迎接新挑战", "某某公司开启新年加速奔跑模式", "", "feature", ())


def test_a_masthead_on_two_lines_is_not_a_kicker() -> None:
    """The paper's name on its own line beside the date line is page furniture; elsewhere such a line is kept."""
    p = page_of("某某日报\n2022年2月9日 星期三\n某某公司开启新年加速奔跑模式\n\n本报讯（记者甲）去年公司销售额超过了7亿元。\n")
    (d,) = p.drafts
    assert (d.kicker, d.title, d.source_lines) == ("", "某某公司开启新年加速奔跑模式", "3-5")
    p = page_of("2022年2月9日\n\n某某日报\n\n本报讯（记者甲）去年公司销售额超过了7亿元。\n")
    assert p.drafts[0].source_lines == "5" and not p.orphans
    p = page_of("走进某某日报\n\n某某公司开启新年加速奔跑模式\n\n本报讯（记者甲）去年公司销售额超过了7亿元。\n")
    assert p.drafts[0].kicker == "走进某某日报"  # no date line beside it: a headline line like any other


def test_short_line_with_a_comma_is_a_headline_only_among_headlines() -> None:
    p = page_of("全市干部大会暨强工兴市大会召开\n\n大抓工业,奋进2000亿\n\n本报讯（记者甲）2月8日，大会召开。\n\n"
                "会议强调，今年是关键\n\n之年，任务艰巨。\n")
    (d,) = p.drafts
    assert (d.title, d.subtitle) == ("全市干部大会暨强工兴市大会召开", "大抓工业,奋进2000亿")
    assert d.paragraphs[1] == "会议强调，今年是关键之年，任务艰巨。"


def test_short_line_after_an_unfinished_paragraph_continues_it() -> None:
    p = page_of("标题一行\n\n本报讯（记者甲）2月8日，深化拆治规，改造城\n\n园厂\n\n，为高质量发展整出一片天空。\n")
    assert p.drafts[0].paragraphs == ("本报讯（记者甲）2月8日，深化拆治规，改造城园厂，为高质量发展整出一片天空。",)


def test_banner_headline_goes_to_the_later_article_whose_lead_repeats_it() -> None:
    p = load(SEED, page_date=None)
    speech = p.drafts[0]
    assert (speech.title, speech.subtitle, speech.reporters) == ("全市三级干部大会暨强工兴市大会召开", "大抓工业,奋进2000亿", ("柳文岳",))
    assert speech.paragraph_lines[0] == (37,) and speech.source_lines.startswith("5-7, 37-39")


def test_headline_without_any_article_is_an_orphan() -> None:
    p = page_of("标题甲\n\n本报讯（记者甲）正文。\n\n孤零零的标题\n")
    assert [(o.text, o.line) for o in p.orphans] == [("孤零零的标题", 5)]


# --- bylines ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lead, reporters, correspondents", [
    ("本报讯（记者江盈盈）2月8日上午，", ("江盈盈",), ()),
    ("本报讯（记者林晓 通讯员陈立）", ("林晓",), ("陈立",)),
    ("本报讯（记者林晓 王芳 通讯员陈立 叶青）", ("林晓", "王芳"), ("陈立", "叶青")),
    ("本报讯（记者林晓、王芳）", ("林晓", "王芳"), ()),
    ("本报讯（记者　林晓　王芳）", ("林晓", "王芳"), ()),
    ("本报讯(记者林晓)", ("林晓",), ()),
    ("本报讯（通讯员叶青）", (), ("叶青",)),
    ("本報訊（記者　林曉　通訊員　陳立）", ("林曉",), ("陳立",)),
    ("新华社北京2月8日电（记者张三）", ("张三",), ()),
])
def test_lead_bylines(lead: str, reporters: tuple[str, ...], correspondents: tuple[str, ...]) -> None:
    found = tx.lead_byline(lead + "正文。")
    assert found is not None
    by, end = found
    assert (by.reporters, by.correspondents, by.news) == (reporters, correspondents, True)
    assert lead.startswith(lead[:end])


@pytest.mark.parametrize("line, reporters, commentary", [
    ("本报评论员", ("本报评论员",), True),
    ("本報評論員", ("本報評論員",), True),
    ("评论员 李想", ("李想",), True),
    ("本报记者 叶青", ("叶青",), False),
    ("记者 林晓 王芳", ("林晓", "王芳"), False),
])
def test_byline_lines(line: str, reporters: tuple[str, ...], commentary: bool) -> None:
    by = tx.byline_line(line)
    assert by is not None and (by.reporters, by.commentary) == (reporters, commentary)


def test_not_bylines() -> None:
    assert tx.byline_line("记者了解到，今年全市新增企业300家。") is None
    assert tx.lead_byline("本报讯记者江盈盈报道") is None


def test_commentary_column_headline_and_commentator() -> None:
    first, second = load(FIXTURES / "commentary-2023-03-16.txt").drafts
    assert (first.column, first.title, first.kind, first.reporters) == ("东海时评", "让专精特新成为温岭制造的新名片", "commentary", ("本报评论员",))
    # a column with no headline of its own: the column name is the title
    assert (second.column, second.title, second.kind, second.reporters) == ("新闻观察", "新闻观察", "commentary", ("李想",))


# --- dates --------------------------------------------------------------------------------------------------

def test_page_date_from_file_name_masthead_or_option() -> None:
    assert date_from_name("wenling-daily-2022-02-09.txt") == date(2022, 2, 9)
    assert date_from_name("page20230315.txt") == date(2023, 3, 15)
    assert date_from_name("page-2022-13-45.txt") is None
    assert load(FIXTURES / "page-break.txt").drafts[0].date == date(2023, 4, 2)  # masthead line
    assert load(FIXTURES / "continuation.txt", page_date=date(2023, 5, 9)).drafts[0].date == date(2023, 5, 9)


def test_lead_dates_resolve_with_the_pages_year() -> None:
    page = date(2022, 2, 9)
    assert lead_date("本报讯（记者甲）2月8日上午，会议召开。", page, None) == date(2022, 2, 8)
    assert lead_date("本报讯（记者甲）２月８日，会议召开。", page, None) == date(2022, 2, 8)
    assert lead_date("昨天召开的大会吹响了号角。", page, None) == date(2022, 2, 8)
    assert lead_date("12月30日，会议召开。", date(2023, 1, 2), None) == date(2022, 12, 30)  # the year before
    assert lead_date("2021年12月30日，会议召开。", page, None) == date(2021, 12, 30)
    assert lead_date("2月30日，会议召开。", page, None) is None
    assert lead_date("会议召开。2月8日另有活动。", page, None) is None  # only the first sentence counts
    assert lead_date("5月8日，工程通过验收。", None, None) is None


def test_year_option_resolves_lead_dates_when_the_name_has_no_date() -> None:
    d = load(FIXTURES / "continuation.txt", year=2021).drafts[0]
    assert d.event_date == date(2021, 5, 8) and d.date is None


# --- rejoining ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, ends", [
    ("完了。", True), ("完了！", True), ("完了？", True), ("他说：“好。”", True), ("「好」", True),
    ("完了……", True), ("half.", True), ("完了!", True), ("党的二十", False), ("改造城", False),
    ("产值1163.", False), ("涉及居民,", False), ("他说：", False), ("", False),
])
def test_terminal_punctuation(text: str, ends: bool) -> None:
    assert tx.ends_sentence(text) is ends


def test_layout_split_paragraphs_are_rejoined_across_blank_lines_and_page_breaks() -> None:
    d = load(FIXTURES / "page-break.txt").drafts[0]
    assert d.paragraphs[0].endswith("涉及居民3200余户。") and d.paragraph_lines[0] == (5, 9)


def test_half_width_comma_at_the_end_continues_the_paragraph() -> None:
    d = load(FIXTURES / "traditional-crlf-bom.txt").drafts[1]
    assert d.paragraphs[0].endswith("市委書記出席开工仪式,项目全部建成后,预计年产值超100亿元.")


def test_a_sentence_opener_is_not_glued_to_an_unfinished_paragraph() -> None:
    p = page_of("标题\n\n本报讯（记者甲）为了满足订单需要，我们在\n\n凭借着优异的质量，今年订单增长。\n")
    assert p.drafts[0].paragraphs == ("本报讯（记者甲）为了满足订单需要，我们在", "凭借着优异的质量，今年订单增长。")
    assert [n.message for n in p.notes] == ["the paragraph stops mid-sentence and nothing on the page continues it"]


def test_latin_words_split_by_the_layout_get_a_space() -> None:
    assert tx.join_text("Valeo", "Wenling") == "Valeo Wenling" and tx.join_text("2000亿", "元") == "2000亿元"


# --- grouping and orphans -----------------------------------------------------------------------------------

def test_continuation_placed_after_another_article_rejoins_its_paragraph() -> None:
    p = load(FIXTURES / "continuation.txt")
    shitang, songmen = p.drafts
    assert shitang.paragraphs[0].endswith("可同时停泊渔船的大型渔港，将大大改善渔船避风条件。")
    assert shitang.paragraphs[1].startswith("下一步") and shitang.source_lines == "3-5, 15-17"
    assert songmen.reporters == ("叶青",) and songmen.kind == "feature" and len(songmen.paragraphs) == 2


def test_jump_notes_join_a_continuation_on_another_page() -> None:
    p = load(FIXTURES / "page-break.txt")
    trees = p.drafts[1]
    assert trees.paragraphs == (("本报讯（记者郑一鸣 通讯员叶青）3月31日，松门镇组织干部群众开展植树活动，共栽种各类苗木2000余株。"
                                 "活动现场，志愿者们分工协作，挖坑、扶苗、培土、浇水，干得热火朝天。"),)
    assert "（下转" not in trees.paragraphs[0] and p.drafts[2].paragraphs[0].endswith("装箱。")


def test_mid_sentence_fragments_with_nothing_to_continue_are_orphans() -> None:
    p = load(FIXTURES / "continuation.txt")
    assert [(o.line, o.text) for o in p.orphans] == [
        (1, "，全力以赴抓好各项工作。"),  # before any article
        (19, "、渔业产值稳步增长。"),  # starts mid-sentence; no article stops mid-sentence
        (21, "这一段也无法归入任何报道。"),  # follows an orphan: not attached to the article above
        (23, "城东街道开展垃圾分类宣传"),  # a headline with no text
    ]


REPORT = "大会召开\n\n本报讯（记者甲）5月9日，大会召开。市委书记王海涛在会上强调，要推进转型。\n\n"


def test_a_reports_speech_joined_to_another_article_goes_back_to_the_report() -> None:
    p = load(FIXTURES / "speech-after-commentary-2023-05-10.txt")
    report, column = p.drafts
    assert report.paragraph_lines == ((3, 5), (13, 15), (17,)) and column.paragraph_lines == ((11,), (19,))
    assert report.paragraphs[1].startswith("目标任务") and column.paragraphs[0].endswith("也要靠")
    assert {n.line for n in p.notes if n.message.startswith("joined")} == {5, 15}  # 13 is no longer joined to 11


def test_a_speech_join_stays_when_the_article_names_the_speaker_itself() -> None:
    p = page_of(REPORT + "时评\n\n本报评论员\n\n王海涛书记的讲话令人振奋。发展要靠\n\n实干。王海涛指出，要抓落实。\n")
    assert p.drafts[1].paragraph_lines == ((9, 11),) and p.drafts[0].paragraph_lines == ((3,),)


def test_a_whole_paragraph_quoting_the_speaker_stays_in_its_article() -> None:
    p = page_of(REPORT + "时评\n\n本报评论员\n\n发展要靠实干。\n\n王海涛强调，要抓落实。\n\n会上，各镇作了发言。\n")
    assert p.drafts[1].paragraph_lines == ((9,), (11,), (13,)) and p.drafts[0].paragraph_lines == ((3,),)


def test_a_speech_is_not_moved_to_a_report_printed_below_it() -> None:
    column = "时评\n\n本报评论员\n\n发展是第一要务。发展要靠\n\n实干。王海涛指出，要抓落实。\n\n"
    p = page_of(column + REPORT)
    assert p.drafts[0].paragraph_lines == ((5, 7),)


@pytest.mark.parametrize(("lead", "name"), [
    ("台州市委常委、温岭市委书记朱建军在会上强调，", "朱建军"), ("市长王军在大会上指出，", "王军"),
    ("党委书记李明同志在讲话中要求，", "李明"), ("习近平总书记在今年的春节团拜会上指出：", None), ("会议强调，", None)])
def test_the_speaker_a_meeting_report_names(lead: str, name: str | None) -> None:
    assert tx.speaker(lead) == name


def test_text_before_any_headline_or_byline_is_an_orphan() -> None:
    p = page_of("没有标题也没有署名的一段话。\n\n第二段。\n\n标题\n\n本报讯（记者甲）正文。\n")
    assert [o.line for o in p.orphans] == [1, 3] and len(p.drafts) == 1


def test_byline_without_text_is_an_orphan() -> None:
    p = page_of("曙光时评\n\n本报评论员\n")
    assert not p.drafts and [(o.text, o.line) for o in p.orphans] == [("曙光时评 本报评论员", 1)]


def test_traditional_characters_are_kept() -> None:
    d = load(FIXTURES / "traditional-crlf-bom.txt").drafts[0]
    assert d.title == "製造業轉型升級論壇在溫嶺舉行" and d.reporters == ("林曉",) and d.correspondents == ("陳立",)
    assert d.paragraphs[0].endswith("來自全國的專家學者圍繞數字化改造、綠色製造等議題展開研討。")


# --- runs of blank lines: dropped blocks ---------------------------------------------------------------------

def test_gaps_are_runs_of_blank_lines_between_pieces_of_text() -> None:
    from site_builder.ingest.classify import classify

    pieces = classify(decode("\n\n\n标题\n\n正文一。\n\n\n正文二。\n\u3000\n\u3000\u3000\n正文三。\n\n\f\n\n正文四。\n"
                             "\n\n第2版\n\n\n正文五。\n", "p.txt"))
    # the blank lines above the first text are no gap; a run next to a page break or a page number is the break's
    assert [(p.line, p.after_gap) for p in pieces] == [(4, False), (6, False), (9, True), (12, True), (16, False),
                                                       (19, False), (22, False)]


@pytest.mark.parametrize("text, lead", [
    ("6月10日，记者走进西瓜基地。", True), ("2021年，全市工业产值增长。", True), ("昨天，大会召开。", True),
    ("近日，松门镇开展培训。", True), ("“我们在放假前就已经预料到了。”", True), ("随着订单增加，工厂满负荷运转。", True),
    ("本报讯（记者甲）会议召开。", True), ("厂商之一，做到了市场占有率第一。", False), ("，带动农户增收。", False),
    ("政治嘱托，奋力向着目标迈进。", False),
])
def test_what_opens_like_a_lead(text: str, lead: bool) -> None:
    assert tx.opens_lead(text) is lead


def test_fragment_below_a_headline_across_a_gap_is_an_orphan() -> None:
    p = page_of("加大研发投入\n\n某公司开启新年加速奔跑模式\n\n\n\n厂商之一，市场占有率第一。\n\n去年公司销售额超过了7亿元。\n\n"
                "公司将继续加大研发投入。\n")
    (d,) = p.drafts
    assert (d.kicker, d.title, d.paragraph_lines) == ("加大研发投入", "某公司开启新年加速奔跑模式", ((9,), (11,)))
    assert [(o.line, o.text) for o in p.orphans] == [(7, "厂商之一，市场占有率第一。")]
    assert [n.line for n in p.notes] == [7] and "across a run of blank lines" in p.notes[0].message


def test_fragment_right_below_a_headline_without_a_gap_is_still_the_lead() -> None:
    p = page_of("某公司开启新年加速奔跑模式\n\n厂商之一，市场占有率第一。\n\n去年公司销售额超过了7亿元。\n")
    assert p.orphans == () and p.drafts[0].paragraph_lines == ((3,), (5,))


@pytest.mark.parametrize("lead", ["6月10日，记者走进西瓜基地。", "“今年的瓜特别甜。”瓜农笑着说。", "随着气温升高，西瓜陆续成熟。"])
def test_a_lead_across_a_gap_below_its_headline_is_kept(lead: str) -> None:
    p = page_of(f"箬横西瓜喜获丰收\n\n\n{lead}\n\n今年全镇西瓜种植面积达2万亩。\n")
    assert p.orphans == () and p.drafts[0].paragraphs == (lead, "今年全镇西瓜种植面积达2万亩。")


def test_a_byline_above_a_gap_still_starts_the_article() -> None:
    p = page_of("东海时评\n\n本报评论员\n\n\n\n专精特新，贵在专，难在精。\n")
    assert p.orphans == () and p.drafts[0].paragraphs == ("专精特新，贵在专，难在精。",)


def test_joins_across_a_gap_only_for_text_that_opens_mid_sentence_and_are_noted() -> None:
    p = page_of("管网改造开工\n\n本报讯（记者甲）工程涉及小区8个、居民\n\n\n\n，计划年底前完工。\n")
    assert p.drafts[0].paragraph_lines == ((3, 7),) and p.orphans == ()
    message = "joined to line 3 across a run of blank lines: text may be missing between them"
    assert [(n.line, n.message) for n in p.notes] == [(7, message)]


def test_text_across_a_gap_from_an_unfinished_paragraph_is_an_orphan() -> None:
    p = page_of("码头扩建\n\n本报讯（记者甲）新建码头可停靠\n\n\n村民们纷纷表示，公园让生活更加舒心。\n\n下一步，公园还将增设器材。\n\n"
                "另一篇报道\n\n本报讯（记者乙）正文。\n")
    assert [d.paragraph_lines for d in p.drafts] == [((3,),), ((12,),)]
    assert [o.line for o in p.orphans] == [6, 8]  # and what follows it, as after any orphan
    assert (6, "across a run of blank lines from line 3, which stopped mid-sentence: text may be missing between them") in [
        (n.line, n.message) for n in p.notes]
    # without the gap, the same two pieces are joined as one paragraph split by the layout
    q = page_of("码头扩建\n\n本报讯（记者甲）新建码头可停靠\n\n村民们纷纷表示，公园让生活更加舒心。\n")
    assert q.orphans == () and q.drafts[0].paragraph_lines == ((3, 5),)


def test_text_across_a_gap_from_a_finished_paragraph_continues_the_article() -> None:
    d = load(FIXTURES / "dropped-block-2023-06-13.txt").drafts[0]
    assert d.paragraph_lines == ((3, 7), (9,), (12,))  # a picture between paragraphs loses nothing


def test_a_page_break_among_blank_lines_is_no_gap() -> None:
    p = load(FIXTURES / "dropped-block-2023-06-13.txt")
    park = p.drafts[2]
    assert park.paragraphs == ("本报讯（记者林晓）6月10日，箬横镇3个口袋公园建成开放，新增绿地面积5000平方米。",)
    assert (30, "joined to line 26, which stopped mid-sentence") in [(n.line, n.message) for n in p.notes]


# --- the seed page, without its map -------------------------------------------------------------------------

def test_seed_without_map_proposes_the_five_articles() -> None:
    p = load(SEED)
    got = [(d.title, d.subtitle, d.kicker, d.column, d.kind, d.reporters, d.event_date) for d in p.drafts]
    assert got == [
        ("全市三级干部大会暨强工兴市大会召开", "大抓工业,奋进2000亿", "", "", "news", ("柳文岳",), date(2022, 2, 8)),
        ("台州市民营经济发展暨优化营商环境大会召开", "牢记嘱托立潮头 塑造变革优环境 矢志不移推动民营经济再创新辉煌", "", "", "news",
         ("江盈盈",), date(2022, 2, 8)),
        ("台州高质量发展建设共同富裕先行市工作部署会召开", "聚焦九富 路径抓深化 强化改革导向抓突破", "", "", "news", ("江盈盈",),
         date(2022, 2, 7)),
        ("曙光时评", "", "", "曙光时评", "commentary", ("本报评论员",), date(2022, 2, 8)),
        ("法雷奥温岭开启新年“抢跑”模式", "", "加大研发投入迎接新挑战", "", "feature", (), None),
    ]
    assert all(d.date == date(2022, 2, 9) for d in p.drafts)


def test_seed_without_map_rejoins_the_layout_splits() -> None:
    p = load(SEED)
    text = "\n".join(t for d in p.drafts for t in d.paragraphs)
    for joined in ("今年是党的二十大召开之年", "今年是党的二十和省第十五次党代会", "高于2000亿元的有8个", "生命健康、航空航天",
                   "同时强化一二三产协同联动", "改造城园厂"):
        assert joined in text
    valeo = p.drafts[4]
    assert valeo.paragraphs[0].endswith("我们在") and valeo.paragraphs[1].startswith("凭借着")
    # every join is listed for the editor to check, and so is the sentence that breaks off
    assert {n.line for n in p.notes if n.message.startswith("joined")} == {19, 31, 49, 53, 59, 61}
    assert (81, "the paragraph stops mid-sentence and nothing on the page continues it") in [(n.line, n.message) for n in p.notes]


def test_seed_without_map_lists_the_lost_opening_of_the_valeo_report_as_an_orphan() -> None:
    p = load(SEED)
    assert [(d.title, d.reporters) for d in p.drafts] == [
        ("全市三级干部大会暨强工兴市大会召开", ("柳文岳",)), ("台州市民营经济发展暨优化营商环境大会召开", ("江盈盈",)),
        ("台州高质量发展建设共同富裕先行市工作部署会召开", ("江盈盈",)), ("曙光时评", ("本报评论员",)),
        ("法雷奥温岭开启新年“抢跑”模式", ())]
    # line 79 follows the Valeo headline across three blank lines and starts in the middle of a sentence
    assert [(o.line, o.text[:5]) for o in p.orphans] == [(79, "厂商之一，")]
    valeo = p.drafts[4]
    assert valeo.kicker == "加大研发投入迎接新挑战" and valeo.paragraph_lines == ((81,), (83,), (85,))
    # line 57 (the speech, resumed mid-sentence) is one blank line below the commentary's unfinished line 55,
    # like every ordinary layout split, but it reports the words of 朱建军, who speaks in the report at line 37
    # and whom the commentary never names: it goes back to that report, with the 会上，… paragraph after it
    commentary = p.drafts[3]
    assert commentary.paragraph_lines == ((45,), (47, 49), (51, 53), (55,), (65,), (67,), (69,), (71,))
    assert commentary.paragraphs[3].endswith("工业强市奋进") and "朱建军" not in "".join(commentary.paragraphs)
    assert p.drafts[0].paragraph_lines == ((37,), (39,), (57, 59, 61), (63,))
    notes = {n.line: n.message for n in p.notes}
    assert notes[55] == "the paragraph stops mid-sentence and nothing on the page continues it"
    assert notes[57].startswith("reports the words of 朱建军, the speaker of the article at line 37")
    assert notes[63].startswith("opens the way a meeting report does")


def test_seed_without_map_gives_the_curated_arrangement() -> None:
    """By the rules alone, each article has the source lines, paragraph by paragraph, that the editor's map gives it."""
    from site_builder.ingest import map_path_for
    from site_builder.ingest.mapfile import load_map

    page_map = load_map(map_path_for(SEED), SEED.name)
    mapped = propose(read_page(SEED, SEED.name, ROOT, page_map=page_map), page_map)
    by_rules = load(SEED)
    orphaned = {n for o in by_rules.orphans for n in o.lines}  # line 79: the Valeo report's lost opening

    def paragraphs(lines: tuple[tuple[int, ...], ...]) -> list[tuple[int, ...]]:
        """Source paragraphs in order (the map cuts the speech into one section per strategy; drop the repeats)."""
        out: list[tuple[int, ...]] = []
        for ls in lines:
            ls = tuple(n for n in ls if n not in orphaned)
            if ls and (not out or out[-1] != ls):
                out.append(ls)
        return out

    assert orphaned == {79}
    assert [paragraphs(d.paragraph_lines) for d in by_rules.drafts] == [
        paragraphs(mapped.drafts[i].paragraph_lines) for i in (0, 2, 3, 1, 4)]


def test_seed_without_map_places_every_line() -> None:
    p = load(SEED)
    used = {n for d in p.drafts for ls in d.paragraph_lines for n in ls} | {o.line for o in p.orphans}
    text_lines = {i for i, ln in enumerate(SEED.read_text(encoding="utf-8").split("\n"), 1) if ln.strip()}
    heads = {5, 7, 9, 23, 41, 43, 73, 75}
    assert used | heads == text_lines


def test_jump_notes_on_lines_of_their_own() -> None:
    p = page_of("植树活动举行\n\n本报讯（记者甲）3月31日，共栽种各类苗木\n\n（下转第2版）\n\n另一篇报道\n\n本报讯（记者乙）正文。\n\n"
                "（上接第1版）\n\n2000余株\n\n。活动结束。\n")
    assert p.drafts[0].paragraphs == ("本报讯（记者甲）3月31日，共栽种各类苗木2000余株。活动结束。",)
    assert p.drafts[1].paragraphs == ("本报讯（记者乙）正文。",) and p.orphans == ()
