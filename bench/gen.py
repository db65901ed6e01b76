#!/usr/bin/env python3
"""Write a synthetic project in our content format, for the build benchmark.

    python bench/gen.py --articles 2000 --out /tmp/corpus-2000

The project has ``content/site.toml``, ``N`` articles (``<slug>.zh.md`` of about
twelve sections of Chinese, ``<slug>.en.md`` with reviewed English for every
section and the title, each under its ``zh=`` hash), a registry of about 300
entities whose Chinese and English names occur in the text, three explainer
hubs (cards, figures, a growth rate, a chart) and a home page, all quoting
sections of the articles, and the project's real ``templates/`` and ``static/``.

The Chinese is drawn from a character Markov chain trained on the seed source
(``content/sources/wenling-daily-2022-02-09.txt``): its characters, its
punctuation and roughly its rhythm. The English is drawn from a word Markov
chain trained on the seed's English translations. Neither means anything; they
have the shape, length and character mix of the real articles (about 150
Chinese characters a section, the English about five times as long).
Entities are mentioned with a skewed frequency, as in a real archive: a few
names appear in a large share of the sections, most in a handful.

The output depends only on ``--articles``, ``--entities``, ``--seed`` and the
project files read (the seed source and English, templates, static).
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
import re
import shutil
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from site_builder.model import text_hash
from site_builder.registry import make_pinyin

SEED_SOURCE = "content/sources/wenling-daily-2022-02-09.txt"
SECTIONS = 12  # per article, on average
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ZH_KEEP = re.compile(r"[\u4e00-\u9fff0-9，。、：；“”！？（）%]")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔汤"
_DIGITS_ZH = "一二三四五六七八九十"
# type -> how many of the default 300, Chinese suffixes and their English
_TYPES: dict[str, tuple[int, list[tuple[str, str]]]] = {
    "person": (100, [("", "")]),
    "place": (50, [("镇", "Town"), ("街道", "Subdistrict"), ("村", "Village"), ("新区", "New Area"), ("工业园", "Industrial Park")]),
    "organisation": (40, [("局", "Bureau"), ("委员会", "Committee"), ("协会", "Association"), ("研究院", "Institute")]),
    "company": (60, [("泵业有限公司", "Pump Co."), ("机电集团", "Electromechanical Group"), ("鞋业有限公司", "Shoes Co."),
                     ("汽配股份公司", "Auto Parts Co."), ("科技有限公司", "Technology Co.")]),
    "policy": (25, [("行动", "Action Plan"), ("工程", "Programme"), ("改革", "Reform")]),
    "target": (5, [("", "")]),
    "strategy": (10, [("", "")]),
    "topic": (10, [("专题", "Topic")]),
}
_SAYS_ZH = ["表示", "指出", "强调", "提出", "介绍", "认为", ""]
_SAYS_EN = ["said that", "pointed out that", "stressed that", "noted that", "explained that"]


# -- text models ---------------------------------------------------------------------------


class CharChain:
    """An order-2 Markov chain over the characters of the Chinese seed."""

    def __init__(self, text: str) -> None:
        chars = "".join(c for c in text if _ZH_KEEP.match(c))
        self.next: dict[str, tuple[list[str], list[int]]] = {}
        counts: dict[str, dict[str, int]] = {}
        for i in range(len(chars) - 2):
            counts.setdefault(chars[i:i + 2], {}).setdefault(chars[i + 2], 0)
            counts[chars[i:i + 2]][chars[i + 2]] += 1
        for state, nxt in counts.items():
            self.next[state] = (list(nxt), list(itertools.accumulate(nxt.values())))
        # sentence openings: two CJK characters after a full stop
        self.starts = [chars[i + 1:i + 3] for i in range(len(chars) - 3)
                       if chars[i] == "。" and _CJK.match(chars[i + 1]) and _CJK.match(chars[i + 2])]
        self.hanzi = sorted({c for c in chars if _CJK.match(c)})
        weights: dict[str, int] = {}
        for c in chars:
            if _CJK.match(c):
                weights[c] = weights.get(c, 0) + 1
        self._hz = list(weights)
        self._hz_cum = list(itertools.accumulate(weights.values()))

    def char(self, rng: random.Random) -> str:
        """One Chinese character, as frequent as in the seed."""
        return self._hz[bisect.bisect_right(self._hz_cum, rng.randrange(self._hz_cum[-1]))]

    def sentence(self, rng: random.Random, lo: int = 14, hi: int = 48) -> str:
        """Text up to a full stop, between about ``lo`` and ``hi`` characters."""
        out = rng.choice(self.starts)
        while True:
            choices, cum = self.next.get(out[-2:], ([], []))
            if not choices:
                out += "。"
                break
            c = choices[bisect.bisect_right(cum, rng.randrange(cum[-1]))]
            if c in "。！？":
                if len(out) >= lo:
                    out += "。"
                    break
                c = "，"
            if len(out) >= hi:
                out += "。"
                break
            out += c
        out = re.sub(r"[，、：；]+。$", "。", out)
        out = re.sub(r"([，、：；])[，、：；]+", r"\1", out)
        # quotes and brackets from the chain are rarely balanced: keep them out
        return re.sub(r"[“”（）]", "", out)

    def phrase(self, rng: random.Random, n: int) -> str:
        """``n`` consecutive Chinese characters as the chain writes them."""
        while True:
            s = self.sentence(rng, lo=n + 2, hi=n + 30)
            runs = [m.group() for m in re.finditer(rf"[\u4e00-\u9fff]{{{n},}}", s)]
            if runs:
                run = rng.choice(runs)
                k = rng.randrange(len(run) - n + 1)
                return run[k:k + n]


class WordChain:
    """An order-1 Markov chain over the words of the seed's English translations."""

    def __init__(self, text: str) -> None:
        words = text.split()
        self.next: dict[str, list[str]] = {}
        for a, b in itertools.pairwise(words):
            self.next.setdefault(a, []).append(b)
        self.starts = [b for a, b in itertools.pairwise(words) if a.endswith(".") and b[:1].isupper()] or ["The"]
        self.words = [w.strip(".,;:!?\"'()") for w in words if w.isalpha() and w.islower() and len(w) > 3]

    def sentence(self, rng: random.Random, lo: int = 8, hi: int = 30) -> str:
        out = [rng.choice(self.starts)]
        while True:
            nxt = self.next.get(out[-1])
            if not nxt or len(out) >= hi:
                break
            w = rng.choice(nxt)
            out.append(w)
            if w.endswith((".", "?", "!")) and len(out) >= lo:
                break
        text = " ".join(out).rstrip(",;:")
        text = re.sub(r"[\"“”()\[\]*_`<>]", "", text)  # unbalanced quotes, brackets and Markdown from the chain
        return text if text.endswith((".", "?", "!")) else text + "."


def seed_english(project: Path) -> str:
    """The English of the seed articles, markers and front matter removed."""
    parts = []
    for path in sorted((project / "content" / "articles").glob("*.en.md")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith(("<!--", "+++")) or not line.strip():
                continue
            parts.append(re.sub(r"\[\[gap[^\]]*\]\]", "", line))
    return " ".join(parts)


def to_pinyin(zh: str, tones: bool) -> list[str]:
    from pypinyin import Style, pinyin

    style = Style.TONE if tones else Style.NORMAL
    return [s[0] for s in pinyin(zh, style=style, errors="ignore")]


# -- entities ------------------------------------------------------------------------------


@dataclass
class Ent:
    id: str
    type: str
    zh: str
    en: str
    pinyin: str
    number: int = 0
    case_sensitive: bool = True
    related: list[str] = field(default_factory=list)
    description: tuple[str, str] | None = None


def make_entities(rng: random.Random, chain: CharChain, total: int) -> list[Ent]:
    scale = total / sum(n for n, _ in _TYPES.values())
    counts = {t: max(1, round(n * scale)) for t, (n, _) in _TYPES.items()}
    counts["strategy"] = min(counts["strategy"], 10)
    counts["topic"] += total - sum(counts.values())  # rounding, and at most ten strategies
    ents: list[Ent] = []
    seen_zh: set[str] = set()
    seen_en: set[str] = set()

    def add(etype: str, zh: str, en: str, **kw: object) -> bool:
        if zh in seen_zh or en.lower() in seen_en or any(zh in z or z in zh for z in seen_zh if len(z) >= 4 and len(zh) >= 4):
            return False
        seen_zh.add(zh)
        seen_en.add(en.lower())
        n = sum(1 for e in ents if e.type == etype) + 1
        ents.append(Ent(f"{etype}-{n}", etype, zh, en, make_pinyin(zh, etype), **kw))  # type: ignore[arg-type]
        return True

    def cap(words: list[str]) -> str:
        return "".join(words).capitalize()

    for etype in _TYPES:
        suffixes = _TYPES[etype][1]
        made = 0
        while made < counts[etype]:
            zh_suffix, en_suffix = rng.choice(suffixes)
            if etype == "person":
                given = chain.char(rng) + (chain.char(rng) if rng.random() < 0.7 else "")
                zh = rng.choice(_SURNAMES) + given
                py = to_pinyin(zh, tones=False)
                en = f"{py[0].capitalize()} {cap(py[1:])}"
                ok = add(etype, zh, en)
            elif etype == "target":
                value = rng.randrange(12, 90) * 50
                zh = f"奋进{value}亿"
                en = f"{value // 10} billion yuan target" if value % 10 == 0 else f"{value / 10:g} billion yuan target"
                ok = add(etype, zh, en, case_sensitive=False)
            elif etype == "strategy":
                k = made + 1
                zh = f"{_DIGITS_ZH[k - 1]}要{chain.phrase(rng, 4)}、{chain.phrase(rng, 4)}"
                words = to_pinyin(zh[2:6], tones=False)
                en = f"Strategy {k} {cap(words[:2])} {cap(words[2:])}"
                ok = add(etype, zh, en, number=k)
            else:
                stem = chain.phrase(rng, 2 if etype in ("place", "company") else rng.choice((2, 3, 4)))
                zh = stem + zh_suffix
                en = f"{cap(to_pinyin(stem, tones=False))} {en_suffix}"
                ok = add(etype, zh, en, case_sensitive=etype not in ("policy", "topic"))
            made += ok
    ids = [e.id for e in ents]
    for e in ents:
        e.related = sorted(set(rng.sample(ids, rng.randrange(0, 4))) - {e.id})
        if rng.random() < 0.1:  # a longer description, rendered as Markdown with entity links
            other = rng.choice(ents)
            e.description = (f"{chain.sentence(rng)}{other.zh}{chain.sentence(rng)}",
                             f"An entry about {e.en}, related to {other.en}.")
    return ents


def toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def registry_toml(ents: list[Ent], rng: random.Random) -> str:
    out = ["# Synthetic registry for the build benchmark (bench/gen.py).", ""]
    for e in ents:
        out += ["[[entity]]", f"id = {toml_str(e.id)}", f"type = {toml_str(e.type)}", f"zh = {toml_str(e.zh)}",
                f"en = {toml_str(e.en)}"]
        if rng.random() < 0.8:  # like the real registry, some entries leave the pinyin to the generator
            out.append(f"pinyin = {toml_str(e.pinyin)}")
        out += [f"summary_zh = {toml_str(e.zh + '：本条目为基准测试生成。')}",
                f"summary_en = {toml_str(e.en + ': an entry generated for the benchmark.')}",
                "related = [" + ", ".join(toml_str(r) for r in e.related) + "]",
                f"case_sensitive = {'true' if e.case_sensitive else 'false'}"]
        if e.number:
            out.append(f"number = {e.number}")
        if e.description:
            out += [f"description_zh = {toml_str(e.description[0])}", f"description_en = {toml_str(e.description[1])}"]
        out.append("")
    return "\n".join(out)


# -- articles ------------------------------------------------------------------------------


@dataclass
class Section:
    id: str
    zh: str
    en: str
    mentions: list[Ent]


@dataclass
class Article:
    slug: str
    title_zh: str
    title_en: str
    day: date
    kind: str
    order: int
    reporters: list[str]
    sections: list[Section]


class Writer:
    def __init__(self, rng: random.Random, chain: CharChain, words: WordChain, ents: list[Ent]) -> None:
        self.rng, self.chain, self.words, self.ents = rng, chain, words, ents
        # skewed popularity: a few names are everywhere, most are rare (Zipf, s = 0.9)
        order = list(ents)
        rng.shuffle(order)
        self.by_rank = order
        self.cum = list(itertools.accumulate(1 / (r + 1) ** 0.9 for r in range(len(order))))

    def entity(self) -> Ent:
        return self.by_rank[bisect.bisect_left(self.cum, self.rng.random() * self.cum[-1])]

    def section_ids(self, n: int) -> list[str]:
        ids: list[str] = []
        while len(ids) < n:
            sid = "".join(self.rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(6))
            if sid not in ids and not sid.isdigit():
                ids.append(sid)
        return ids

    def section(self, sid: str) -> Section:
        rng = self.rng
        mentions = [self.entity() for _ in range(rng.choice((0, 1, 1, 2, 2, 3)))]
        zh_parts = [self.chain.sentence(rng) for _ in range(rng.randrange(2, 6))]
        en_parts = [self.words.sentence(rng) for _ in range(max(2, len(zh_parts) + rng.randrange(-1, 2)))]
        for ent in mentions:
            k = rng.randrange(len(zh_parts))
            zh_parts[k] = f"{ent.zh}{rng.choice(_SAYS_ZH)}，{zh_parts[k]}" if rng.random() < 0.5 else \
                zh_parts[k][:-1] + f"，{ent.zh}。"
            j = rng.randrange(len(en_parts))
            s = en_parts[j]
            en_parts[j] = f"{ent.en} {rng.choice(_SAYS_EN)} {s}"
        if rng.random() < 0.08:  # an emphasised sentence
            k = rng.randrange(len(zh_parts))
            zh_parts[k] = f"**{zh_parts[k][:-1]}**。"
            k = rng.randrange(len(en_parts))
            en_parts[k] = f"**{en_parts[k][:-1]}**."
        zh = "".join(zh_parts)
        en = " ".join(en_parts)
        if rng.random() < 0.02:  # a gap in the printed page, marked in both languages
            zh = "[[gap: 原文此处缺失]]" + zh
            en = "[[gap: text missing here]] " + en
        return Section(sid, zh, en, mentions)

    def article(self, i: int, slug: str) -> Article:
        rng = self.rng
        n = max(4, min(20, round(rng.gauss(SECTIONS, 3))))
        sections = [self.section(sid) for sid in self.section_ids(n)]
        title_zh = self.chain.sentence(rng, lo=8, hi=20).rstrip("。")
        title_en = self.words.sentence(rng, lo=5, hi=12).rstrip(".")
        kind = rng.choice(("news", "news", "news", "commentary", "feature"))
        reporters = [rng.choice(_SURNAMES) + self.chain.char(rng) + self.chain.char(rng) for _ in range(rng.randrange(0, 3))]
        day = date(2021, 1, 1) + timedelta(days=i // 3)  # about three articles a day
        return Article(slug, title_zh, title_en, day, kind, i + 1, reporters, sections)


def zh_file(a: Article) -> str:
    head = ["+++", f"title = {toml_str(a.title_zh)}", f"date = {a.day.isoformat()}",
            "reporters = [" + ", ".join(toml_str(r) for r in a.reporters) + "]", f"kind = {toml_str(a.kind)}",
            f"source = {toml_str(SEED_SOURCE[len('content/'):])}", f"order = {a.order}", "+++", "", ""]
    body = [f"<!-- § {s.id} -->\n{s.zh}\n" for s in a.sections]
    return "\n".join(head) + "\n".join(body)


def en_file(a: Article) -> str:
    def block(sid: str, zh: str, en: str) -> str:
        hint = re.sub(r"\s+", " ", zh)[:20]
        return f"<!-- § {sid} status=reviewed zh={text_hash(zh)} | {hint} -->\n{en}\n"

    return "\n".join([block("title", a.title_zh, a.title_en)] + [block(s.id, s.zh, s.en) for s in a.sections])


# -- hubs and the home page ----------------------------------------------------------------


def add_figure(w: Writer, sec: Section, who: Ent, value: int, unit: str) -> str:
    """Append a sentence stating a figure to ``sec``; returns the quote that proves it."""
    if unit == "years":
        quote = f"用{value}年时间"
        sec.zh = sec.zh[:-1] + f"，{who.zh}{quote}实现这一目标。"
        sec.en += f" {who.en} took {value} years to reach it."
    else:
        quote = f"产值达到{value}亿元"
        sec.zh = sec.zh[:-1] + f"，{who.zh}规上工业{quote}。"
        sec.en += f" Output of {who.en} reached {value / 10:g} billion yuan."
    sec.mentions.append(who)
    return quote


def hub_files(w: Writer, articles: list[Article], ents: list[Ent]) -> tuple[dict[str, str], str]:
    """Three hubs (cards, figures, a rate and a chart) and content/home.toml; edits the sections they quote."""
    rng = w.rng
    topics = [e for e in ents if e.type in ("topic", "policy", "target")]
    hubs: dict[str, str] = {}
    home_figs: list[str] = []
    for h in range(3):
        about = topics[h % len(topics)]
        out = ["[hub]", f"order = {h + 1}", f"entity = {toml_str(about.id)}",
               f"title = {{ zh = {toml_str(about.zh + '解读')}, en = {toml_str('About ' + about.en)} }}",
               f"blurb = {{ zh = {toml_str(w.chain.sentence(rng))}, en = {toml_str(w.words.sentence(rng))} }}", "",
               "[hub.intro]", f"zh = {toml_str(about.zh + w.chain.sentence(rng) + w.chain.sentence(rng))}",
               f"en = {toml_str(about.en + ': ' + w.words.sentence(rng))}", ""]
        # cards: an entity and a section that names it
        for _ in range(10):
            art = rng.choice(articles)
            secs = [s for s in art.sections if s.mentions]
            if not secs:
                continue
            sec = rng.choice(secs)
            ent = sec.mentions[0]
            out += ["[[card]]", f"entity = {toml_str(ent.id)}", f"source = {toml_str(f'{art.slug}#{sec.id}')}",
                    f"quote = {toml_str(ent.zh)}", ""]
        # figures: start and end of a path, its length in years; the growth rate; a chart of the two
        figs = []
        for key, unit, value in (("start", "yi-yuan", rng.randrange(300, 1200)), ("end", "yi-yuan", rng.randrange(1300, 3000)),
                                 ("years", "years", rng.randrange(3, 9))):
            art = rng.choice(articles)
            sec = rng.choice(art.sections)
            quote = add_figure(w, sec, about, value, unit)
            figs.append((key, value, unit, f"{art.slug}#{sec.id}", quote))
            out += ["[[figure]]", f"id = {toml_str(f'{key}-{h}')}", f"about = {toml_str(about.id)}",
                    f"label = {{ zh = {toml_str(f'{about.zh}{key}')}, en = {toml_str(f'{about.en} {key}')} }}",
                    f"value = {value}", f"unit = {toml_str(unit)}", f"source = {toml_str(f'{art.slug}#{sec.id}')}",
                    f"quote = {toml_str(quote)}", ""]
        out += ["[[rate]]", f"id = \"growth-{h}\"", f"about = {toml_str(about.id)}",
                "label = { zh = \"年均增速\", en = \"Average annual growth\" }",
                f"from = \"start-{h}\"", f"to = \"end-{h}\"", f"years = \"years-{h}\"", "",
                "[[chart]]", f"id = \"chart-{h}\"", "title = { zh = \"起点与目标\", en = \"Start and target\" }",
                "desc = { zh = \"两个数字。\", en = \"Two figures.\" }", f"bars = [\"start-{h}\", \"end-{h}\"]", ""]
        hubs[f"hub-{h + 1}.toml"] = "\n".join(out)
        key, value, unit, ref, quote = figs[1]
        home_figs += ["[[figure]]", f"value = {{ zh = {toml_str(f'{value}亿元')}, en = {toml_str(f'{value / 10:g} billion yuan')} }}",
                      f"label = {{ zh = {toml_str(about.zh)}, en = {toml_str(about.en)} }}",
                      f"source = {toml_str(ref)}", f"quote = {toml_str(quote)}", ""]
    home = ["[intro]", f"zh = {toml_str(w.chain.sentence(rng) + w.chain.sentence(rng))}",
            f"en = {toml_str(w.words.sentence(rng) + ' ' + w.words.sentence(rng))}", "", *home_figs]
    return hubs, "\n".join(home)


SITE_TOML = """\
base_url = "https://example.org/"
output = "public"
source_language = "zh"
target_language = "en"

[title]
zh = "基准测试站点"
en = "Benchmark site"

[tagline]
zh = "由 bench/gen.py 生成的合成文章"
en = "Synthetic articles made by bench/gen.py"
"""


def generate(out: Path, articles: int, entities: int = 300, seed: int = 9, project: Path = PROJECT) -> dict[str, int]:
    """Write the project into ``out`` (which must not exist or be empty); returns counts."""
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out} exists and is not empty")
    rng = random.Random(seed)
    chain = CharChain((project / SEED_SOURCE).read_text(encoding="utf-8"))
    words = WordChain(seed_english(project))
    ents = make_entities(rng, chain, entities)
    w = Writer(rng, chain, words, ents)
    slugs = [f"a{i:05d}-{''.join(to_pinyin(chain.phrase(rng, 2), tones=False))}" for i in range(articles)]
    arts = [w.article(i, slug) for i, slug in enumerate(slugs)]
    hubs, home = hub_files(w, arts, ents) if arts else ({}, "")
    content = out / "content"
    (content / "articles").mkdir(parents=True)
    (content / "sources").mkdir()
    (content / "data").mkdir()
    (content / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    shutil.copyfile(project / SEED_SOURCE, out / SEED_SOURCE)
    (content / "entities.toml").write_text(registry_toml(ents, rng), encoding="utf-8")
    for name, text in hubs.items():
        (content / "data" / name).write_text(text, encoding="utf-8")
    if home:
        (content / "home.toml").write_text(home, encoding="utf-8")
    for a in arts:
        (content / "articles" / f"{a.slug}.zh.md").write_text(zh_file(a), encoding="utf-8")
        (content / "articles" / f"{a.slug}.en.md").write_text(en_file(a), encoding="utf-8")
    for folder in ("templates", "static"):
        shutil.copytree(project / folder, out / folder, ignore=shutil.ignore_patterns("__pycache__", "*~", ".*"))
    return {"articles": len(arts), "sections": sum(len(a.sections) for a in arts), "entities": len(ents),
            "hubs": len(hubs)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, required=True, help="number of articles (each in Chinese and English)")
    ap.add_argument("--out", type=Path, required=True, help="project folder to create (must be empty or absent)")
    ap.add_argument("--entities", type=int, default=300, help="size of the entity registry (default 300)")
    ap.add_argument("--seed", type=int, default=9, help="random seed (default 9)")
    args = ap.parse_args(argv)
    counts = generate(args.out, args.articles, args.entities, args.seed)
    print(f"wrote {args.out}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
