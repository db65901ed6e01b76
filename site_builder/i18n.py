"""Interface strings in both languages (the content itself lives in content/)."""

from __future__ import annotations

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
}

KIND_KEYS = {"news": "kind_news", "commentary": "kind_commentary", "feature": "kind_feature"}


def ui(lang: str) -> dict[str, str]:
    """All interface strings in ``lang``."""
    return {key: value[lang] for key, value in UI.items()}


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
