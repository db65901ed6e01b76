#!/usr/bin/env python3
"""Convert a project in our content format into a Hugo site, for the build benchmark.

    python bench/hugo.py --project /tmp/corpus-2000 --out /tmp/corpus-2000-hugo

The Hugo site has the same articles in the same two languages (translation by
file name: ``content/articles/<slug>.zh.md`` and ``.en.md``), each section a
paragraph with its id as an anchor, and the registry's entities as a taxonomy
(``entities``): every article lists the entities it mentions, found with our
own matcher, and every entity has a term page in both languages with its names
and summary. The layouts are minimal but do what our pages do in kind: a
shared base with head, navigation, language switch (``.Translations``) and
footer; the article with its entities; lists of articles with summaries (the home
page, the article index, and each entity's term page: the articles that
mention it); the list of all entities with their counts. Hugo adds its default
outputs (RSS for lists, sitemaps per language).

What Hugo does not do here, and our build does: linking each mention in the
text, the parallel (side-by-side) view, quoting each mention on the entity
pages, the hubs, per-section translation state.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from site_builder.content import load_articles
from site_builder.entities import Linker
from site_builder.markdown import plain_text
from site_builder.registry import load_registry

CONFIG = """\
baseURL = "https://example.org/"
title = "Benchmark site"
defaultContentLanguage = "zh"
defaultContentLanguageInSubdir = true
enableRobotsTXT = true

[taxonomies]
entity = "entities"

[markup.goldmark.parser.attribute]
block = true

[languages.zh]
weight = 1
languageName = "中文"
title = "基准测试站点"
hasCJKLanguage = true

[languages.en]
weight = 2
languageName = "English"
title = "Benchmark site"
"""

LAYOUTS = {
    "_default/baseof.html": """\
<!DOCTYPE html>
<html lang="{{ .Language.Lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ block "title" . }}{{ .Title }} · {{ .Site.Title }}{{ end }}</title>
<link rel="canonical" href="{{ .Permalink }}">
{{ range .AllTranslations }}<link rel="alternate" hreflang="{{ .Language.Lang }}" href="{{ .Permalink }}">
{{ end }}<link rel="stylesheet" href="{{ "static/site.css" | relURL }}">
</head>
<body>
<header>
<a href="{{ .Site.Home.RelPermalink }}">{{ .Site.Title }}</a>
<nav><a href="{{ "articles/" | relLangURL }}">Articles</a> <a href="{{ "entities/" | relLangURL }}">Entities</a></nav>
{{ range .Translations }}<a class="lang" hreflang="{{ .Language.Lang }}" href="{{ .RelPermalink }}">{{ .Language.LanguageName }}</a>{{ end }}
</header>
<main>{{ block "main" . }}{{ end }}</main>
<footer><p>{{ .Site.Title }} · {{ now.Year }}</p></footer>
</body>
</html>
""",
    "_default/single.html": """\
{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
<p class="byline"><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2006-01-02" }}</time>{{ with .Params.reporters }} · {{ delimit . ", " }}{{ end }}</p>
<div class="article-body">{{ .Content }}</div>
{{ with .GetTerms "entities" }}<aside><h2>Entities</h2><ul>{{ range . }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul></aside>{{ end }}
</article>
{{ end }}
""",
    "_default/list.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ .Content }}
<ul class="articles">
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time><p>{{ .Summary }}</p></li>
{{ end }}</ul>
{{ end }}
""",
    "_default/terms.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul class="entities">
{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>
{{ end }}</ul>
{{ end }}
""",
}


def _one_block(text: str) -> str:
    """A section as one paragraph (the attribute line must follow it directly)."""
    return re.sub(r"\s*\n\s*", " ", text.strip())


def toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def convert(project: Path, out: Path) -> dict[str, int]:
    """Write the Hugo site for ``project`` into ``out``; returns counts."""
    articles = load_articles(project)
    registry = load_registry(project)
    linker = Linker(registry.entities, excludes=registry.excludes)
    content = out / "content"
    (content / "articles").mkdir(parents=True, exist_ok=True)
    (out / "config.toml").write_text(CONFIG, encoding="utf-8")
    for name, text in LAYOUTS.items():
        path = out / "layouts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    static = out / "static" / "static"
    static.mkdir(parents=True, exist_ok=True)
    for f in sorted((project / "static").iterdir()):
        if f.is_file():
            (static / f.name).write_bytes(f.read_bytes())
    for lang in ("zh", "en"):
        title = "文章" if lang == "zh" else "Articles"
        (content / "articles" / f"_index.{lang}.md").write_text(f"+++\ntitle = {toml_str(title)}\n+++\n", encoding="utf-8")
        (content / f"_index.{lang}.md").write_text(f"+++\ntitle = {toml_str(title)}\n+++\n", encoding="utf-8")
    for art in articles:
        mentioned: dict[str, None] = {}
        for sec in art.sections:
            for m in linker.matches(plain_text(sec.text), "zh"):
                mentioned[m.entity] = None
        ents = "[" + ", ".join(toml_str(e) for e in mentioned) + "]"
        for lang in ("zh", "en"):
            if lang == "zh":
                title, body = art.meta.title, [s.text for s in art.sections]
            else:
                tr = art.en.translations
                title = tr["title"].text if "title" in tr else art.meta.title
                body = [tr[s.id].text if s.id in tr else s.text for s in art.sections]
            paras = "\n\n".join(f"{_one_block(text)}\n{{#{s.id}}}" for s, text in zip(art.sections, body))
            front = (f"+++\ntitle = {toml_str(title)}\ndate = {art.meta.date.isoformat()}\nkind = {toml_str(art.meta.kind)}\n"
                     f"reporters = [{', '.join(toml_str(r) for r in art.meta.reporters)}]\nentities = {ents}\n+++\n\n")
            (content / "articles" / f"{art.slug}.{lang}.md").write_text(front + paras + "\n", encoding="utf-8")
    for ent in registry.entities:
        folder = content / "entities" / ent.id
        folder.mkdir(parents=True, exist_ok=True)
        for lang in ("zh", "en"):
            name, summary = (ent.zh, ent.summary_zh) if lang == "zh" else (ent.en, ent.summary_en)
            (folder / f"_index.{lang}.md").write_text(
                f"+++\ntitle = {toml_str(name)}\n+++\n\n{ent.zh} · {ent.en} · {ent.pinyin}\n\n{summary}\n", encoding="utf-8")
    return {"articles": len(articles), "entities": len(registry.entities)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--project", type=Path, required=True, help="a project in our content format")
    ap.add_argument("--out", type=Path, required=True, help="folder for the Hugo site")
    args = ap.parse_args(argv)
    counts = convert(args.project, args.out)
    print(f"wrote {args.out}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
