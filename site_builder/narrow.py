"""Narrow rebuilds: an edit that stays inside its articles, without loading the rest of the site.

A full build (:func:`site_builder.build.build`) loads every article, the
registry and every mention, lists every page and fingerprints it, even when an
editor changed one sentence: on a large site that costs more than the pages it
then renders. Most edits change nothing that any other page shows. This module
recognises them and renders only the edited articles' own pages, from the
edited files and the parse cache, and writes the files that changed into the
output folder in place of the old ones.

What the rest of the site reads of an article (its *outward* part,
:func:`outward`): what the listings, feeds and hubs show of it
(:func:`site_builder.pages.summary_digest`: the front matter, the first section,
their translations), its section ids in order (paragraph numbers), the entities
each section mentions (every mention is linked from its entity's page), the
quote around each mention that an entity page or a hub quotes (the first
:data:`~site_builder.entity_pages.QUOTE_LIMIT` mentions of each entity), and in
full, the sections any other file under ``content/`` names (hub sources, home
page figures). A full build records which sections are read that way, by whom,
and the file hashes of every article (:func:`record`, kept in the build
manifest).

A build is narrow (:func:`rebuild`) when all of these hold, and otherwise the
full build runs as before:

* the last build into the folder was a full or narrow build of this code with
  a record, its content logged no warning, and every page had known inputs;
* since then only article files changed, none was added or removed, and the
  output folder is as that build left it;
* no search index is made (Pagefind indexes the whole site);
* each edited article parses without a problem or a warning, and its outward
  part, computed from the same code on the article as it was (kept in the
  parse cache) and as it is, did not change.

Then every other page is what a full build would make of it, because it reads
nothing else of the edited articles; the edited articles' pages are rendered as
a full build renders them (same generators, contexts and templates), and so
are the feeds when one of them is among the newest articles (the feeds show
those in full; the others come from the parse cache), their
fingerprints recorded as a full build records them, and files whose bytes
changed are replaced one by one with a rename (each file whole at every moment;
an interrupted build leaves files that do not match the manifest, which the
next build notices and redoes). ``tests/test_narrow.py`` compares narrow
rebuilds with full builds of the same content, byte for byte.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from site_builder.config import SiteConfig
from site_builder.deps import _ARTICLE, CONFIG, REGISTRY, BuildCache, Inputs, digest, sealed
from site_builder.output import atomic_write, lock_folder, recover
from site_builder.stage import Record, content_digest, folder_record, stat_of

if TYPE_CHECKING:
    from site_builder.build import BuildReport
    from site_builder.deps import RenderPlan
    from site_builder.entities import SectionMentions
    from site_builder.memo import Memo
    from site_builder.model import Article
    from site_builder.pages import Page, SiteData

log = logging.getLogger(__name__)

FORMAT = 1
#: More edited articles than this: a full build (it costs about the same, and stays the one proven path).
MAX_ARTICLES = 20
_TOKEN = re.compile(r"[A-Za-z0-9_-]+")


# -- what a full build records ---------------------------------------------------------------


#: In the record of a section's readers: a file other than an article names the section (a hub or the home
#: page cites it, and checks the quote it gives against the section's text).
NAMED = "*"


def outward(article: Article, mentions: Sequence[SectionMentions], exposed: Mapping[str, Sequence[str]]) -> str:
    """A digest of what pages other than the article's own read of it (see the module docs).

    ``exposed``: section id -> who reads more of the section than its place: :data:`NAMED`, and the entities
    whose pages (and hubs) quote their mention in it.
    """
    from site_builder.entities import quote_mention
    from site_builder.pages import summary_digest

    by_id = {sm.section: sm for sm in mentions}
    parts = [summary_digest(article)]
    for sec in article.sections:
        sm = by_id.get(sec.id)
        parts += [sec.id, " ".join(sorted(set(sm.entities()))) if sm is not None else "\0"]
        readers = exposed.get(sec.id, ())
        if NAMED in readers:  # all of it
            tr = article.en.translations.get(sec.id)
            parts += [sec.text, str(sec.provisional), repr(sm),
                      repr(None if tr is None else (tr.text, tr.status, tr.zh_hash, tr.mt_hash))]
        for eid in readers:  # the quote around the mention, as an entity page or a hub shows it
            if eid != NAMED:
                parts += [repr(quote_mention(sm, eid, lang)) if sm is not None else "\0" for lang in ("zh", "en")]
    return digest(*parts)


def _named_elsewhere(root: Path, inputs: Inputs) -> set[str]:
    """The words of every file under ``content/`` but the articles (section ids a hub or the home page cites)."""
    words: set[str] = set()
    for rel in inputs.files:
        if rel.startswith("content/") and not _ARTICLE.match(rel) and rel != CONFIG:
            try:
                words.update(_TOKEN.findall((root / rel).read_text(encoding="utf-8", errors="replace")))
            except OSError:
                words.add("\0unreadable")  # cannot tell: see record
    return words


def record(root: Path, site: SiteData, pages: Sequence[Page], inputs: Inputs, plan: RenderPlan,
           clean: bool) -> dict[str, Any]:
    """What a narrow rebuild after this full build needs to know (kept in the build manifest; empty: none may
    follow). ``clean``: loading the content logged no warning (a narrow build would not repeat the warnings
    of the articles it does not load)."""
    from site_builder import feeds, urls
    from site_builder.entity_pages import QUOTE_LIMIT

    paths = {p.path for p in pages}
    if not clean or not paths <= plan.fingerprints.keys() or "entities" not in site.extras:
        return {}  # a page rendered on every build (inputs not known) would not be by a narrow one
    own: dict[str, frozenset[str]] = {}  # an article's files are read by its own pages only (and the feeds: _render)
    for page in pages:
        for key in page.deps:
            if key.startswith("article:"):
                slug = key[len("article:"):]
                if slug not in own:
                    own[slug] = frozenset(f(lang, slug) for lang in ("zh", "en")
                                          for f in (urls.article_path, urls.parallel_path))
                if page.path not in own[slug]:
                    return {}
    exposed: dict[str, dict[str, list[str]]] = {}  # slug -> section id -> readers (see outward)
    for eid, keys in site.extras["entities"].index.mentions.items():
        for slug, sid in keys[:QUOTE_LIMIT]:  # hubs quote fewer (HUB_QUOTES), the same way
            exposed.setdefault(slug, {}).setdefault(sid, []).append(eid)
    named = _named_elsewhere(root, inputs)
    if "\0unreadable" in named:
        return {}
    articles: dict[str, list[Any]] = {}
    for art in site.articles:
        shown = exposed.get(art.slug, {})
        for sec in art.sections:
            if sec.id in named:
                shown.setdefault(sec.id, []).append(NAMED)
        articles[art.slug] = [*_hashes(inputs, art), {sid: sorted(readers) for sid, readers in shown.items()}]
    feed = [a.slug for a in feeds.newest(site.articles)] if feeds.has_absolute_base(site.config) else []
    return {"format": FORMAT, "articles": articles, "feed": feed, "page_set": plan.page_set,
            "files": sorted(plan.fingerprints.keys() - paths), "others": inputs.outside_articles}


def _hashes(inputs: Inputs, art: Article) -> list[str]:
    """The hashes of an article's Chinese and English files, as recorded (compared by :func:`_edited`)."""
    return [inputs.file(art.path), inputs.file(art.en.path)]


# -- the narrow rebuild ----------------------------------------------------------------------


class _Declined(Exception):
    """Why a build is not narrow (said with -v); the full build runs instead."""


def _edited(inputs: Inputs, rec: Mapping[str, Any]) -> list[str]:
    """The slugs of the articles whose files changed since the recorded build; raises _Declined if a build of
    them is not narrow."""
    if inputs.outside_articles != rec.get("others"):
        raise _Declined("the code, the templates, the static files or content other than the articles changed")
    recorded = rec.get("articles")
    if not isinstance(recorded, dict):
        raise _Declined("the last build left no record for one")
    now: dict[str, list[str]] = {}
    for rel, h in inputs.files.items():
        m = _ARTICLE.match(rel)
        if m:
            now.setdefault(m.group(1), ["missing", "missing"])[m.group(2) == "en"] = h
    if now.keys() != recorded.keys() or any(zh == "missing" for zh, _ in now.values()):
        raise _Declined("articles were added or removed")
    edited = [slug for slug, pair in now.items() if pair != recorded[slug][:2]]
    if not edited:
        raise _Declined("no article was edited")
    if len(edited) > MAX_ARTICLES:
        raise _Declined(f"{len(edited)} articles were edited (a narrow build takes up to {MAX_ARTICLES})")
    return sorted(edited)


def rebuild(root: Path, cache: BuildCache, inputs: Inputs, config: SiteConfig, start: float) -> BuildReport | None:
    """Rebuild only the edited articles' pages if that makes the output a full build would make; else None.

    On any doubt (a parse problem, a warning, an output touched by hand) it returns None having written
    nothing, and the full build runs (and reports).
    """
    from site_builder import feeds, search

    try:
        rec = cache.old.narrow
        if rec.get("format") != FORMAT or not cache.old.fingerprint or not cache.old.folders:
            raise _Declined("the last build left no record for one")
        edited = _edited(inputs, rec)
        if search.find_pagefind(root, warn=False) is not None:
            raise _Declined("Pagefind indexes the whole site")
        with lock_folder(cache.out):
            if recover(cache.out):
                raise _Declined("the output folder was restored from an interrupted build")
            report = _rebuild(root, cache, inputs, config, rec, edited, start)
    except _Declined as why:
        log.debug("a full build: %s", why)
        return None
    if not feeds.has_absolute_base(config):  # what every full build says
        feeds.warn_without_base(config)
    search.warn_missing()
    return report


def _rebuild(root: Path, cache: BuildCache, inputs: Inputs, config: SiteConfig, rec: Mapping[str, Any],
             edited: list[str], start: float) -> BuildReport:
    from site_builder.build import BuildReport
    from site_builder.content import article_file, english_file
    from site_builder.memo import Memo

    memo = Memo(cache.dir / "parsed.sqlite", inputs.files, inputs.code)
    # what this build reads: the edited articles, the registry and the templates (see BuildCache.changed_since_scan)
    read = [rel for slug in edited for rel in (article_file(slug), english_file(article_file(slug)))]
    read += [REGISTRY, *(rel for rel in inputs.files if rel.startswith("templates/"))]
    try:
        site, articles = _load(root, config, memo, rec, edited)
        from site_builder.pages import pages_of_article

        pages = [page for art in articles for page in pages_of_article(site, art)]
        made = _render(root, cache, inputs, site, pages, rec, feed=any(slug in rec["feed"] for slug in edited))
        if not cache.output_untouched:  # (checked by a child process while this one rendered: see BuildCache)
            raise _Declined("the output folder is not as the last build left it")
        changed = cache.changed_since_scan(inputs, read)
        if changed:  # read as it is now, hashed as it was
            raise _Declined(f"{changed[0]} changed while this build read it")
        written = _replace(cache.out, {rel: data for rel, (_, data) in made.items() if data is not None})
        _save(cache, inputs, articles, {rel: fp for rel, (fp, _) in made.items()}, written)
    finally:
        if cache.changed_since_scan(inputs, read):
            memo.discard()  # parsed from other bytes than the hashes it would be kept under say
        else:
            memo.close(prune=False)  # the other articles' entries stay: the next full build uses them
    total = cache.old.page_count
    log.debug("narrow rebuild of %s: %d pages rendered", ", ".join(edited), len(pages))
    return BuildReport(pages=total, written=len(written), unchanged=len(cache.old.raw_outputs) - len(written),
                       seconds=time.perf_counter() - start, output=str(cache.out), rendered=len(pages),
                       skipped=total - len(pages), narrow=True)


def _load(root: Path, config: SiteConfig, memo: Memo, rec: Mapping[str, Any],
          edited: list[str]) -> tuple[SiteData, list[Article]]:
    """The edited articles, and a site of them with the registry's linker (and, when one of them is in the feeds,
    every article in the feeds, newest first, from the parse cache); raises _Declined unless the edit is narrow."""
    from site_builder.content import article_file, article_key, file_hashes, load_article
    from site_builder.entities import Linker, article_mentions, mentions_key, people
    from site_builder.errors import SiteError, warnings_caught
    from site_builder.markdown import Renderer
    from site_builder.model import Article
    from site_builder.pages import SiteData
    from site_builder.registry import load_registry

    with warnings_caught(quiet=True) as caught:
        try:
            registry = load_registry(root, memo)  # unchanged since the last build, which checked it
        except SiteError:
            raise _Declined("the registry has problems") from None
        linker = Linker(registry.entities, False, registry.excludes)  # as site_builder.entities.load_entities
        registry_key = memo.file(REGISTRY)
        articles = []
        for slug in edited:
            rel = article_file(slug)
            problems: list[Any] = []
            art = load_article(root, root / rel, problems)
            if art is None or problems or caught or any(s.provisional for s in art.sections):
                raise _Declined(f"{rel} has problems or warnings")  # the full build reports them
            zh, en, exposed = rec["articles"][slug]
            old = memo.get(article_key(memo, rel, (zh, en)))
            old_mentions = memo.get(mentions_key(memo, registry_key, linker.link_every_mention, rel, zh, en))
            mentions = article_mentions(linker, art)
            now = file_hashes(memo, rel)
            memo.put(article_key(memo, rel, now), art)  # for the next build, narrow or full (this one, if declined)
            memo.put(mentions_key(memo, registry_key, linker.link_every_mention, rel, *now), mentions)
            if not isinstance(old, Article) or not isinstance(old_mentions, tuple):
                raise _Declined(f"{rel} as the last build read it is not in the parse cache")
            if outward(art, mentions, exposed) != outward(old, old_mentions, exposed):
                raise _Declined(f"other pages show what changed in {rel}")
            for sm in mentions:
                linker.remember(sm)
            articles.append(art)
    shown = articles
    if any(art.slug in rec["feed"] for art in articles):  # the feeds show every article in them in full
        keys = {slug: article_key(memo, article_file(slug)) for slug in rec["feed"]}
        kept = memo.get_many(keys.values())
        new = {art.slug: art for art in articles}
        found = [new.get(slug) or kept.get(keys[slug]) for slug in rec["feed"]]
        shown = [art for art in found if isinstance(art, Article)]
        if len(shown) != len(found):
            raise _Declined("an article in the feeds is not in the parse cache")
    site = SiteData(config=config, articles=shown, renderer=Renderer(), extras={"people": people(registry.entities)})
    site.text_hook = linker.hook
    site.resolve_links = linker.resolve
    return site, articles


def _render(root: Path, cache: BuildCache, inputs: Inputs, site: SiteData, pages: list[Page],
            rec: Mapping[str, Any], feed: bool) -> dict[str, tuple[str, bytes | None]]:
    """Each page's (and with ``feed``, each feed's) fingerprint, and its bytes when they differ from the file
    in the output folder."""
    from site_builder import feeds, views
    from site_builder.build import built_paths, render_one
    from site_builder.deps import RenderPlan, TemplateDeps
    from site_builder.render import make_env

    env = make_env(root / "templates")
    templates = TemplateDeps(inputs, root / "templates", cache.old.templates)
    plan = RenderPlan(inputs, templates, cache.old, cache.out, pages, cache_dir=cache.dir, page_set=rec["page_set"])
    plan.prepare(env)
    built = built_paths(site.config, cache.old.pages.keys() - set(rec["files"]))  # the recorded pages
    made: dict[str, tuple[str, bytes | None]] = {}

    def add(path: str, fp: str | None, data: bytes) -> None:
        assert fp is not None  # the inputs of an article's pages and of the feeds are known
        old = Record.from_json(cache.old.raw_outputs.get(path))  # (not Manifest.outputs: all of them)
        made[path] = (fp, None if old is not None and old.digest == content_digest(data) else data)

    for page in pages:
        add(page.path, plan.fingerprint(page), render_one(env, site, built, page))
    if feed:  # site.articles: the articles in the feeds, newest first (see _load)
        for lang in ("zh", "en"):
            path = views.feed_path(lang)
            add(path, plan.file_fingerprint(path, feeds.feed_deps(rec["feed"])), feeds.atom_feed(site, lang))
    return made


def _replace(out: Path, files: Mapping[str, bytes]) -> dict[str, Record]:
    """Write ``files`` into the output folder, each to a hidden file renamed over the old one once all are written."""
    written: dict[str, Record] = {}
    temps: list[tuple[str, Path, Path]] = []
    try:
        for rel, data in sorted(files.items()):
            dest = out / rel
            temp = dest.with_name(f".{dest.name}.{os.getpid()}.new")
            with open(temp, "wb") as fh:
                fh.write(data)
            temps.append((rel, temp, dest))
        for rel, temp, dest in temps:
            os.replace(temp, dest)  # never written in place: the spare may share the old file's inode
            st = stat_of(os.lstat(dest))
            assert st is not None
            written[rel] = Record(*st, content_digest(files[rel]))
    finally:
        for _, temp, _ in temps:
            temp.unlink(missing_ok=True)
    return written


def _save(cache: BuildCache, inputs: Inputs, articles: Sequence[Article], fingerprints: Mapping[str, str],
          written: Mapping[str, Record]) -> None:
    """Record the narrow build as a full one would have (the other pages' records hold), as edits to the manifest
    (:attr:`site_builder.deps.BuildCache.edits_path`)."""
    base = cache.old.stored.get("build")
    if not base:
        return  # a manifest without an id: the records no longer match the output, and the next build is full
    edits = cache.edits or {"format": cache.old.stored["format"], "base": base, "pages": {}, "outputs": {},
                            "folders": {}, "articles": {}}
    edits["fingerprint"] = inputs.fingerprint
    edits["pages"].update(fingerprints)
    edits["outputs"].update({rel: record.to_json() for rel, record in written.items()})
    now = time.time_ns()
    for folder in {rel.rpartition("/")[0] for rel in written}:
        edits["folders"][folder] = folder_record(os.lstat(cache.out / folder), now)
    for art in articles:
        edits["articles"][art.slug] = _hashes(inputs, art)
    try:
        atomic_write(cache.edits_path, sealed(edits), durable=False)
    except OSError as exc:
        log.warning("warning: could not write the build cache in %s: %s", cache.dir, exc)
