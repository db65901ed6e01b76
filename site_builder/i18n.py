"""Interface strings in both languages (the content itself lives in content/)."""

from __future__ import annotations

import functools

UI: dict[str, dict[str, str]] = {
    "lang_name": {"zh": "中文", "en": "English"},
    "other_lang_label": {"zh": "Read in English", "en": "阅读中文版"},
    "home": {"zh": "首页", "en": "Home"},
    "articles": {"zh": "文章", "en": "Articles"},
    "all_articles": {"zh": "全部文章", "en": "All articles"},
    "parallel": {"zh": "中英对照", "en": "Side by side"},
    "parallel_long": {"zh": "中英对照阅读", "en": "Read Chinese and English side by side"},
    "reporters": {"zh": "记者", "en": "Reporters"},
    "by": {"zh": "作者", "en": "By"},
    "staff_commentator": {"zh": "本报评论员", "en": "Staff commentator"},  # docs/glossary.md
    "list_sep": {"zh": "、", "en": ", "},
    "colon": {"zh": "：", "en": ": "},  # after a label: Chinese takes the full-width colon, with no space
    "published": {"zh": "刊发", "en": "Published"},
    "event_date": {"zh": "事件日期", "en": "Event date"},
    "source": {"zh": "来源", "en": "Source"},
    "column": {"zh": "栏目", "en": "Column"},
    "kind_news": {"zh": "新闻", "en": "News"},
    "kind_commentary": {"zh": "评论", "en": "Commentary"},
    "kind_feature": {"zh": "特写", "en": "Feature"},
    "status_machine": {"zh": "机器翻译", "en": "Machine translation"},
    "status_reviewed": {"zh": "已审校", "en": "Reviewed translation"},
    "status_stale": {"zh": "译文过时", "en": "Out of date: the Chinese changed after this was translated"},
    "status_missing": {"zh": "尚未翻译", "en": "Not yet translated — showing the Chinese original"},
    "section_link": {"zh": "本段链接", "en": "Link to this section"},
    "skip": {"zh": "跳到正文", "en": "Skip to content"},
    "language": {"zh": "语言", "en": "Language"},
    "not_found": {"zh": "页面不存在", "en": "Page not found"},
    "not_found_text": {"zh": "找不到您要的页面。", "en": "The page you asked for does not exist."},
    "source_note": {
        "zh": "原文为《温岭日报》版面文字；版面造成的缺文以提示标出，不作补写。",
        "en": "The Chinese text is the source of record, taken from the printed page; text the page lost is marked, never filled in.",
    },
    "main_nav": {"zh": "主导航", "en": "Main navigation"},
    "zh_col": {"zh": "中文原文", "en": "Chinese original"},
    "en_col": {"zh": "英文译文", "en": "English translation"},
    "choose_language": {"zh": "选择语言", "en": "Choose a language"},
    "back_to_article": {"zh": "返回文章", "en": "Back to the article"},
    # Trust marks and their legend
    "status_source": {"zh": "中文原文", "en": "Chinese original"},
    "trust_heading": {"zh": "译文状态", "en": "About this translation"},
    "trust_summary": {"zh": "英文译文：", "en": "English translation:"},
    "trust_count_reviewed": {"zh": "段已审校", "en": "reviewed"},
    "trust_count_machine": {"zh": "段机器翻译", "en": "machine-translated"},
    "trust_count_stale": {"zh": "段译文过时", "en": "out of date"},
    "trust_count_missing": {"zh": "段尚未翻译", "en": "not yet translated"},
    "trust_sections": {"zh": "段", "en": "sections"},
    "trust_legend": {
        "zh": "英文页面逐段标明译文状态：已审校、机器翻译、译文过时（中文原文在翻译后有改动）或尚未翻译。",
        "en": "Every English section is marked: reviewed by a translator, machine translation (not yet checked), "
              "out of date (the Chinese changed after it was translated) or not yet translated.",
    },
    "gap_legend": {
        "zh": "“原文缺失”表示印刷版面上缺失的文字，不作补写。",
        "en": "“Text missing in source” marks words lost from the printed page; they are never filled in.",
    },
    "title_status": {"zh": "标题译文状态", "en": "Title translation"},
    # Parallel reading
    "parallel_view": {"zh": "显示", "en": "Show"},
    "show_both": {"zh": "中英对照", "en": "Both"},
    "show_zh": {"zh": "只看中文", "en": "Chinese only"},
    "show_en": {"zh": "只看英文", "en": "English only"},
    "parallel_intro": {
        "zh": "中文原文与英文译文逐段对照；宽屏并排显示，窄屏交替显示。",
        "en": "The Chinese original and the English translation, section by section: side by side on wide screens, "
              "one after the other on narrow ones.",
    },
    "section_in_parallel": {"zh": "对照阅读本段", "en": "Compare this section"},
    # Home page
    "story_heading": {"zh": "这是什么故事", "en": "What the story is"},
    "key_numbers": {"zh": "关键数字", "en": "Key numbers"},
    "key_numbers_note": {"zh": "每个数字都链接到报道中的原句。", "en": "Each number links to the sentence it comes from."},
    "figure_source": {"zh": "出处", "en": "Source"},
    "hubs_heading": {"zh": "从这里读起", "en": "Start here"},
    "hub_ten-strategies": {"zh": "强工兴市十大战略", "en": "The ten strategies"},
    "hub_ten-strategies_text": {
        "zh": "朱建军讲话中“一要”至“十要”，逐条对照原文。",
        "en": "The ten points of Zhu Jianjun's speech, each with its Chinese phrase and the sentence it comes from.",
    },
    "hub_haining": {"zh": "对标海宁", "en": "The Haining comparison"},
    "hub_haining_text": {
        "zh": "评论如何拿温岭与海宁、义乌比较：数字、路径与所需增速。",
        "en": "How the commentary measures Wenling against Haining and Yiwu: the figures, the paths, the growth they need.",
    },
    "hub_target-2000": {"zh": "奋进2000亿", "en": "The 200-billion target"},
    "hub_target-2000_text": {
        "zh": "2026年规上工业总产值超2000亿元：目标是什么，谁提出，出现在哪里。",
        "en": "Over 200 billion yuan of industrial output by 2026: what the target is, who set it, where it appears.",
    },
    "articles_heading": {"zh": "本版文章", "en": "The articles"},
    "entities": {"zh": "人物与名词", "en": "Who's who"},
    "entities_long": {"zh": "人物、地名、企业与政策名词索引", "en": "People, places, companies and policies: the glossary"},
    "read_article": {"zh": "阅读全文", "en": "Read the article"},
    "start_reading": {"zh": "从大会报道读起", "en": "Start with the conference report"},
    # Search
    "search": {"zh": "搜索", "en": "Search"},
    "search_heading": {"zh": "搜索全站", "en": "Search the site"},
    "search_label": {"zh": "搜索中文和英文页面", "en": "Search pages in English and Chinese"},
    "search_hint": {
        "zh": "可用中文或英文搜索，例如：海宁、强工兴市、Haining。",
        "en": "Search in English or Chinese, for example: Haining, ten strategies, 海宁, 强工兴市.",
    },
    "search_button": {"zh": "搜索", "en": "Search"},
    "search_noscript": {
        "zh": "搜索需要 JavaScript。也可以浏览全部文章。",
        "en": "Search needs JavaScript. You can also browse all the articles.",
    },
    "search_unavailable": {
        "zh": "本次构建没有生成搜索索引，暂时无法搜索。",
        "en": "This build of the site has no search index, so search is not available.",
    },
    "search_loading": {"zh": "正在搜索…", "en": "Searching…"},
    "search_none": {"zh": "没有找到结果。", "en": "No results."},
    "search_count": {"zh": "找到 {n} 个结果", "en": "{n} results"},
    "search_count_one": {"zh": "找到 1 个结果", "en": "1 result"},
    "search_error": {"zh": "搜索出错，请稍后再试。", "en": "Search failed; please try again."},
    "search_more": {"zh": "更多结果", "en": "More results"},
    # Feeds, metadata, footer
    "feed": {"zh": "订阅（Atom）", "en": "Atom feed"},
    "feed_title": {"zh": "文章订阅", "en": "Articles"},
    "publisher": {"zh": "温岭日报", "en": "Wenling Daily"},
    "footer_about": {
        "zh": "本站依据2022年2月9日《温岭日报》一个版面制作，中文为准，英文为译文。版面缺失的文字以提示标出，不作补写。",
        "en": "Made from one page of the Wenling Daily of 9 February 2022. The Chinese text is the source of record; "
              "the English is a translation. Text the printed page lost is marked, never filled in.",
    },
    "other_languages": {"zh": "其他语言", "en": "Other language"},
    "also_in": {"zh": "English version", "en": "中文版"},
    # Entity hover cards (read by static/cards.js from data attributes)
    "card_pinyin": {"zh": "拼音", "en": "Pinyin"},
    "card_more": {"zh": "查看词条", "en": "Open the entry"},
    # Entity pages, the who's who and the hubs
    "types_person": {"zh": "人物", "en": "People"},
    "types_place": {"zh": "地方", "en": "Places"},
    "types_organisation": {"zh": "机构", "en": "Organisations"},
    "types_company": {"zh": "企业", "en": "Companies"},
    "types_policy": {"zh": "政策与提法", "en": "Policies and slogans"},
    "types_target": {"zh": "目标", "en": "Targets"},
    "types_strategy": {"zh": "强工兴市十大战略", "en": "The ten strategies"},
    "types_topic": {"zh": "专题", "en": "Topics"},
    "type_person": {"zh": "人物", "en": "Person"},
    "type_place": {"zh": "地方", "en": "Place"},
    "type_organisation": {"zh": "机构", "en": "Organisation"},
    "type_company": {"zh": "企业", "en": "Company"},
    "type_policy": {"zh": "政策与提法", "en": "Policy or slogan"},
    "type_target": {"zh": "目标", "en": "Target"},
    "type_strategy": {"zh": "十大战略之一", "en": "One of the ten strategies"},
    "type_topic": {"zh": "专题", "en": "Topic"},
    "entities_title": {"zh": "人物、地方与名词", "en": "Who's who and glossary"},
    "entities_intro": {
        "zh": "本版文章提到的人物、地方、机构、企业和政策名词，中英对照，附拼音。",
        "en": "The people, places, organisations, companies and policy terms the articles mention, in Chinese and English, with pinyin.",
    },
    "hubs": {"zh": "专题解读", "en": "Explainers"},
    "hubs_intro": {
        "zh": "每个专题围绕一个话题，把本版各篇文章中的相关内容集中在一起；每个数字和引文都链接到它所在的原文段落。",
        "en": "Each explainer gathers what the articles say on one topic; every figure and quotation links to the paragraph it comes from.",
    },
    "name_zh": {"zh": "中文", "en": "Chinese"},
    "name_en": {"zh": "英文", "en": "English"},
    "pinyin": {"zh": "拼音", "en": "Pinyin"},
    "type": {"zh": "类别", "en": "Type"},
    "related": {"zh": "相关条目", "en": "Related"},
    "mentions": {"zh": "文中提及", "en": "Where the articles mention it"},
    "no_mentions": {"zh": "本版文章中没有直接提到。", "en": "Not named directly in the articles."},
    "mentioned_in": {"zh": "见于{n}段", "en": "Mentioned in {n} sections"},
    "mentioned_in_one": {"zh": "见于1段", "en": "Mentioned in 1 section"},
    "in_hubs": {"zh": "相关专题", "en": "Explainers"},
    "quote_source": {"zh": "出处", "en": "Source"},
    "paragraph": {"zh": "第{n}段", "en": "paragraph {n}"},
    "sep": {"zh": " · ", "en": ", "},
    "original": {"zh": "原文", "en": "Chinese original"},
    "figure": {"zh": "数据", "en": "Figure"},
    "value": {"zh": "数值", "en": "Value"},
    "year": {"zh": "年份", "en": "Year"},
    "facts": {"zh": "原文怎么说", "en": "What the text says"},
    "figures": {"zh": "数字", "en": "The figures"},
    "rates": {"zh": "每条路径意味着的年均增速", "en": "The growth rate each path implies"},
    "rate": {"zh": "年均增速", "en": "Average annual growth"},
    "computed": {"zh": "计算", "en": "Computed"},
    "inputs": {"zh": "依据", "en": "From"},
    "assumptions": {"zh": "假设", "en": "Assumptions"},
    "rate_method": {
        "zh": "按复合年增长率计算：（终值 ÷ 起点）^(1/年数) − 1，在生成网站时由上面的数字算出。",
        "en": "Compound annual growth: (end ÷ start)^(1/years) − 1, worked out from the figures above when the site is built.",
    },
    "chart_data": {"zh": "图表数据", "en": "Chart data"},
    "appears": {"zh": "出现在哪里", "en": "Where it appears"},
    "speech": {"zh": "讲话原文", "en": "In the speech"},
    "full_entry": {"zh": "完整条目", "en": "Full entry"},
    "also": {"zh": "其他提及", "en": "Also mentioned in"},
    "also_paragraphs": {"zh": "本文另见", "en": "Also in"},
    "more_articles": {"zh": "其他提到它的文章", "en": "More articles that mention it"},
    "more_mentions": {"zh": "另有{n}处提及，见完整条目 →", "en": "More mentions ({n}) on the full entry →"},
    "explainer": {"zh": "专题", "en": "Explainer"},
    "see_also": {"zh": "另见", "en": "See also"},
    "not_found_links": {"zh": "可以从首页或文章列表重新开始。", "en": "Start again from the home page or the list of articles."},
}

KIND_KEYS = {"news": "kind_news", "commentary": "kind_commentary", "feature": "kind_feature"}

#: Bylines that name no person but the paper's own role: the interface string each is shown by.
BYLINE_KEYS = {"本报评论员": "staff_commentator"}

#: Open Graph locale per language.
OG_LOCALE = {"zh": "zh_CN", "en": "en_GB"}


def ui(lang: str) -> dict[str, str]:
    """All interface strings in ``lang`` (a dict of its own: the caller may change it)."""
    return dict(_ui(lang))


@functools.cache
def _ui(lang: str) -> dict[str, str]:
    return {key: value[lang] for key, value in UI.items()}  # every page asks: make it once per language


def format_date(d: object, lang: str) -> str:
    """A date as a reader in ``lang`` writes it: 2022年2月9日 / 9 February 2022."""
    from datetime import date

    if not isinstance(d, date):
        return ""
    if lang == "zh":
        return f"{d.year}年{d.month}月{d.day}日"
    months = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]
    return f"{d.day} {months[d.month - 1]} {d.year}"
