"""``site-builder check``: the gate an editor runs before publishing.

Each check is a small function returning :class:`Finding` objects (a check name
plus a ``path:line: message`` :class:`~site_builder.errors.Problem`):

- ``build``: the build itself failed (content, registry, data, templates);
- ``links`` / ``anchors``: every internal ``href``/``src`` of the built output
  resolves to a file, every ``#anchor`` to an id on the target page;
- ``missing-english`` / ``stale-english``: sections without English, or whose
  English was made from an older Chinese text;
- ``translation-qa``: findings of :mod:`site_builder.translate.qa` when that
  module is installed (figures, registered names, degenerate output);
- ``entities``: references to entities that do not resolve (links to entity
  pages that do not exist; registry and data errors);
- ``hreflang``: every page under a language folder names its counterpart in
  the other language, which exists and names it back.

:func:`gate` runs the same checks on a build's in-memory output for
``build --strict``; :func:`run_check` builds into a temporary folder (or reads
an existing output folder) and returns a :class:`CheckReport`.
"""

from __future__ import annotations

import importlib
import logging
import os
import posixpath
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from site_builder.config import SiteConfig
from site_builder.errors import Problem, SiteError
from site_builder.model import Article

log = logging.getLogger(__name__)

#: Check name -> label of its row in the summary table, in table order.
CHECKS: dict[str, str] = {
    "build": "build errors",
    "links": "broken internal links",
    "anchors": "broken anchors",
    "missing-english": "sections with no English",
    "stale-english": "stale English",
    "unreviewed": "machine English not reviewed",
    "translation-qa": "translation QA",
    "entities": "unresolved entity references",
    "hreflang": "missing hreflang counterparts",
}

#: Translation QA: ``check_articles(articles, entities) -> list[Problem]`` of this module, if installed.
QA_MODULE = "site_builder.translate.qa"

_DATA_FILES = re.compile(r"^content/(entities\.toml|entities/|data/)")
_ENTITY_URL = re.compile(r"(^|/)entities/[^/]+/")
_ARTICLE_PAGE = re.compile(r"^(?P<lang>[a-z]{2})/articles/(?P<slug>[a-z0-9][a-z0-9-]*)/")


@dataclass(frozen=True)
class Finding:
    check: str  # a key of CHECKS
    problem: Problem


@dataclass
class CheckReport:
    findings: list[Finding] = field(default_factory=list)
    pages: int = 0  # HTML pages whose links were checked
    qa: str = "not available"  # where translation QA came from, or why it did not run

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.problem.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.problem.severity != "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, tuple[int, int]]:
        """Check name -> (errors, warnings), for every check in table order."""
        out = {name: (0, 0) for name in CHECKS}
        for f in self.findings:
            err, warn = out.get(f.check, (0, 0))
            out[f.check] = (err + 1, warn) if f.problem.severity == "error" else (err, warn + 1)
        return out

    def table(self) -> str:
        """The summary table: one row per check with its error and warning counts."""
        rows = [(CHECKS.get(name, name), err, warn) for name, (err, warn) in self.counts().items()]
        width = max(len(label) for label, _, _ in rows)
        lines = [f"{'check':<{width}}  errors  warnings"]
        for label, err, warn in rows:
            lines.append(f"{label:<{width}}  {err:>6}  {warn:>8}")
        verdict = "passed" if self.ok else "FAILED"
        lines.append(f"check {verdict}: {len(self.errors)} errors, {len(self.warnings)} warnings, "
                     f"{self.pages} pages checked (translation QA: {self.qa})")
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "pages": self.pages,
            "translation_qa": self.qa,
            "counts": {name: {"errors": e, "warnings": w} for name, (e, w) in self.counts().items()},
            "findings": [{"check": f.check, "severity": f.problem.severity, "path": f.problem.path,
                          "line": f.problem.line, "message": f.problem.message} for f in self.findings],
        }


# -- content -----------------------------------------------------------------------------------


def content_findings(articles: Sequence[Article]) -> list[Finding]:
    """Sections with no English, stale English, and unreviewed machine English (a warning)."""
    out: list[Finding] = []
    for art in articles:
        for sec in art.all_sections():
            state = art.translation_state(sec)
            where = "front-matter field" if sec.id in ("title", "subtitle", "kicker", "column") else "section"
            if state == "missing":
                out.append(Finding("missing-english", Problem(art.path, sec.line, f"{where} {sec.id!r} has no English "
                                                                                  f"in {art.en.path}")))
                continue
            tr = art.en.translations[sec.id]
            if state == "stale":
                out.append(Finding("stale-english", Problem(
                    art.en.path, tr.line, f"English of {where} {sec.id!r} is out of date: made from Chinese "
                                          f"zh={tr.zh_hash}, the Chinese is now zh={sec.hash} ({art.path}:{sec.line}); "
                                          f"once the English is updated: site-builder review {art.slug} {sec.id}")))
            elif state == "machine":
                out.append(Finding("unreviewed", Problem(
                    art.en.path, tr.line, f"English of {where} {sec.id!r} is a machine draft (status=machine); "
                                          f"once checked: site-builder review {art.slug} {sec.id}", "warning")))
    return out


def qa_findings(root: Path, articles: Sequence[Article]) -> tuple[list[Finding], str]:
    """Translation QA findings (figures, registered names, degenerate output), and where they came from.

    Calls ``check_articles(articles, entities)`` of :data:`QA_MODULE`; its errors
    fail the check, its warnings are shown. Without that module (or with a broken
    registry, reported by :func:`entity_findings`) there are no QA findings.
    """
    from site_builder.registry import load_registry

    try:
        module = importlib.import_module(QA_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name and QA_MODULE.startswith(exc.name):
            return [], "not available"
        raise
    fn = getattr(module, "check_articles", None)
    if not callable(fn):
        return [], f"{QA_MODULE} has no check_articles"
    try:
        entities = load_registry(root).entities
    except SiteError:
        return [], "skipped: the entity registry does not load"
    return [Finding("translation-qa", p) for p in fn(list(articles), entities)], f"{QA_MODULE}.check_articles"


# -- the built output --------------------------------------------------------------------------


@dataclass
class _Link:
    tag: str
    attr: str
    url: str
    line: int
    section: str | None  # id of the content section the link sits in, if any
    lang: str  # language of the text around the link (the nearest lang attribute)


class _PageParser(HTMLParser):
    """Ids, links, ``<html lang>`` and hreflang alternates of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[_Link] = []
        self.lang = ""
        self.html_line = 1
        self.alternates: dict[str, tuple[str, int]] = {}  # hreflang -> (href, line)
        self._section: list[tuple[str, str, int]] = []  # (tag, section id, depth of that tag)
        self._lang: list[tuple[str, str, int]] = []  # (tag, lang, depth of that tag)
        self._depth: dict[str, int] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        line = self.getpos()[0]
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])
        if tag == "html":
            self.lang = a.get("lang", "")
            self.html_line = line
        if tag not in _VOID:
            self._depth[tag] = self._depth.get(tag, 0) + 1
            sid = a.get("data-section") or (a.get("id") if "par-row" in a.get("class", "").split() else None)
            if sid:
                self._section.append((tag, sid, self._depth[tag]))
            if a.get("lang"):
                self._lang.append((tag, a["lang"], self._depth[tag]))
        section = self._section[-1][1] if self._section else None
        lang = self._lang[-1][1] if self._lang else ""
        rel = a.get("rel", "").split()
        if tag == "link" and "alternate" in rel and a.get("hreflang"):
            self.alternates[a["hreflang"]] = (a.get("href", ""), line)
            self.links.append(_Link(tag, "href", a.get("href", ""), line, None, lang))
            return
        for attr in _LINK_ATTRS.get(tag, ()):
            if attr in a:
                self.links.append(_Link(tag, attr, a[attr].strip(), line, section, lang))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        depth = self._depth.get(tag, 0)
        if depth <= 0:
            return
        for stack in (self._section, self._lang):
            if stack and stack[-1][0] == tag and stack[-1][2] == depth:
                stack.pop()
        self._depth[tag] = depth - 1


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_LINK_ATTRS = {"a": ("href",), "area": ("href",), "link": ("href",), "script": ("src",), "img": ("src",),
               "iframe": ("src",), "source": ("src",), "audio": ("src",), "video": ("src", "poster"),
               "form": ("action",)}
_EXTERNAL = "external"


def _resolve(page: str, url: str, config: SiteConfig) -> tuple[str, str] | None | str:
    """Where ``url`` on output page ``page`` points: (output path, fragment), None if it leaves
    the site's URL space, or ``_EXTERNAL`` for links that are not ours to check."""
    base_path = config.base_path
    if url.startswith(config.base_url) and "://" in config.base_url:
        url = base_path + url[len(config.base_url):]
    parts = urlsplit(url)
    if parts.scheme or url.startswith("//"):
        return _EXTERNAL
    origin = "http://site.invalid"
    full = urlsplit(urljoin(origin + base_path + page, url))
    path = unquote(full.path)
    if not path.startswith(base_path):
        return None
    rel = path[len(base_path):]
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return posixpath.normpath(rel) if rel != "index.html" else rel, unquote(full.fragment)


def read_site(folder: Path) -> dict[str, bytes]:
    """All files of a built site (output path -> bytes)."""
    files: dict[str, bytes] = {}
    for dirpath, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            p = Path(dirpath) / name
            files[p.relative_to(folder).as_posix()] = p.read_bytes()
    return files


@dataclass(frozen=True)
class SourceMap:
    """Maps a link inside a content section of an article page back to the content file and line."""

    articles: Mapping[str, Article]

    @classmethod
    def of(cls, articles: Sequence[Article]) -> SourceMap:
        return cls({a.slug: a for a in articles})

    def locate(self, page: str, section: str | None, lang: str) -> tuple[str, int] | None:
        """(content file, line) of the text in ``lang`` of ``section`` shown on ``page``, if it is an article page."""
        m = _ARTICLE_PAGE.match(page)
        art = self.articles.get(m.group("slug")) if m else None
        if art is None or section is None:
            return None
        sec = next((s for s in art.sections if s.id == section), None)
        if sec is None:
            return None
        if lang != "zh" and art.translation_state(sec) != "missing":
            tr = art.en.translations[section]
            return art.en.path, tr.line + 1
        return art.path, sec.line


def output_findings(files: Mapping[str, bytes], config: SiteConfig, label: str = "",
                    sources: SourceMap | None = None,
                    templates: Mapping[str, str] | None = None) -> tuple[list[Finding], int]:
    """Broken links, anchors, entity links and hreflang counterparts in a built site.

    ``label`` prefixes output paths in findings (the output folder); links inside
    a content section are reported at the section's line in its content file.
    ``templates``: output path -> the template that made the page, named in
    findings reported on the page (that is where the fix goes).
    Returns (findings, number of HTML pages checked).
    """
    pages: dict[str, _PageParser] = {}
    for rel, data in files.items():
        if rel.endswith(".html"):
            parser = _PageParser()
            parser.feed(data.decode("utf-8", errors="replace"))
            parser.close()
            pages[rel] = parser
    prefix = f"{label.rstrip('/')}/" if label else ""
    seen: set[tuple[str, str, int, str]] = set()
    out: list[Finding] = []

    def add(check: str, problem: Problem, url: str) -> None:
        # A content section appears on several pages (article, parallel view, the other
        # language's fallback): report each broken link once, at its line in the content file.
        key = (check, problem.path, problem.line, url)
        if key not in seen:
            seen.add(key)
            out.append(Finding(check, problem))

    for rel in sorted(pages):
        info = pages[rel]
        for link in info.links:
            if not link.url or link.url.startswith("#") and len(link.url) == 1:
                continue
            target = _resolve(rel, link.url, config)
            if target == _EXTERNAL:
                continue
            src = sources.locate(rel, link.section, link.lang) if sources else None
            path, line = src if src else (prefix + rel, link.line)
            where = f" (on {prefix}{rel})" if src else ""
            if target is None:
                add("links", Problem(path, line, f"link {link.url!r} points outside the site ({config.base_url}){where}"),
                    link.url)
                continue
            assert isinstance(target, tuple)
            tpath, frag = target
            exists = tpath in files or f"{tpath}/index.html" in files
            if not exists:
                kind = "entities" if _ENTITY_URL.search(tpath) else "links"
                what = "entity page" if kind == "entities" else "page" if tpath.endswith(".html") else "file"
                add(kind, Problem(path, line, f"broken link {link.url!r}: no {what} {tpath}{where}"), link.url)
                continue
            tpage = pages.get(tpath) or pages.get(f"{tpath}/index.html")
            if frag and tpage is not None and frag not in tpage.ids and frag != "top":
                add("anchors", Problem(path, line, f"broken anchor {link.url!r}: {tpath} has no id {frag!r}{where}"),
                    link.url)
    out.extend(_hreflang_findings(pages, config, prefix))
    if templates:
        out = [_made_by(f, templates, prefix) for f in out]
    return out, len(pages)


def _made_by(finding: Finding, templates: Mapping[str, str], prefix: str) -> Finding:
    """``finding``, naming the template that made its page when it is reported on an output page."""
    p = finding.problem
    template = templates.get(p.path[len(prefix):]) if p.path.startswith(prefix) else None
    if template is None:
        return finding
    return Finding(finding.check, replace(p, message=f"{p.message} (page made by templates/{template})"))


def _hreflang_findings(pages: Mapping[str, _PageParser], config: SiteConfig, prefix: str) -> list[Finding]:
    """Pages under a language folder must name their counterpart, which exists and names them back."""
    out: list[Finding] = []
    langs = config.languages
    for rel in sorted(pages):
        lang = rel.split("/", 1)[0]
        if lang not in langs:
            continue
        info = pages[rel]
        for other in langs:
            if other == lang:
                continue
            if other not in info.alternates:
                out.append(Finding("hreflang", Problem(prefix + rel, info.html_line,
                                                       f"no hreflang link to the {other!r} counterpart")))
                continue
            href, line = info.alternates[other]
            target = _resolve(rel, href, config)
            tpath = target[0] if isinstance(target, tuple) else None
            tpage = pages.get(tpath) if tpath else None
            if tpage is None:
                out.append(Finding("hreflang", Problem(prefix + rel, line,
                                                       f"hreflang {other!r} counterpart {href!r} does not exist")))
                continue
            back = tpage.alternates.get(lang)
            back_target = _resolve(tpath or "", back[0], config) if back else None
            if not isinstance(back_target, tuple) or back_target[0] != rel:
                out.append(Finding("hreflang", Problem(prefix + rel, line,
                                                       f"hreflang {other!r} counterpart {tpath} does not link back "
                                                       f"to this page with hreflang {lang!r}")))
    return out


# -- putting it together -----------------------------------------------------------------------


def entity_findings(root: Path) -> list[Finding]:
    """Registry problems (unknown related ids and the like), whether or not the build reads the registry."""
    from site_builder.registry import load_registry

    try:
        load_registry(root)
    except SiteError as exc:
        return [Finding("entities", p) for p in exc.problems]
    return []


def _unique(findings: list[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))


def build_findings(exc: SiteError) -> list[Finding]:
    """A failed build's problems; registry and data problems count as entity references."""
    return [Finding("entities" if _DATA_FILES.match(p.path) else "build", p) for p in exc.problems]


def site_findings(root: Path, articles: Sequence[Article], config: SiteConfig, files: Mapping[str, bytes],
                  label: str = "", pages: Sequence[Any] = ()) -> tuple[list[Finding], int, str]:
    """Every check on loaded content and a built site: (findings, pages checked, QA source).

    ``pages``: the site's pages as the build planned them (the templates that made them), if known."""
    findings = content_findings(articles) + entity_findings(root)
    qa, qa_source = qa_findings(root, articles)
    findings += qa
    out, checked = output_findings(files, config, label, SourceMap.of(articles), {p.path: p.template for p in pages})
    findings += out
    return findings, checked, qa_source


def gate(site: Any, pages: Sequence[Any], files: Mapping[str, bytes]) -> list[Problem]:
    """For ``build --strict``: the check's problems (errors and warnings) for a build about to be written."""
    findings, _, _ = site_findings(site.config.root, site.articles, site.config, files, site.config.output, pages)
    return [f.problem for f in findings]


def run_check(root: Path, site_dir: Path | None = None) -> CheckReport:
    """Check the project at ``root``: build it into a temporary folder (or read ``site_dir``), run every check."""
    from site_builder.build import build, load_site

    report = CheckReport()
    captured: dict[str, Any] = {}

    def capture(site: Any, pages: Sequence[Any], files: Mapping[str, bytes]) -> list[Problem]:
        captured.update(site=site, files=files, pages=pages)
        return []

    if site_dir is None:
        try:
            with tempfile.TemporaryDirectory(prefix="site-builder-check-") as tmp:
                build(root, Path(tmp) / "site", gate=capture, incremental=False)
        except SiteError as exc:
            report.findings = build_findings(exc)
            try:  # the content may still load (e.g. only a template is broken): check what we can
                site = load_site(root)
            except SiteError:
                return report
            report.findings += content_findings(site.articles)
            qa, report.qa = qa_findings(root, site.articles)
            report.findings = _unique(report.findings + qa + entity_findings(root))
            return report
        site, files, pages = captured["site"], captured["files"], captured["pages"]
        label = site.config.output
    else:
        try:
            site = load_site(root)
        except SiteError as exc:
            report.findings = _unique(build_findings(exc) + entity_findings(root))
            return report
        files, pages = read_site(site_dir), ()  # (which template made each page is not known here)
        try:
            label = site_dir.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            label = str(site_dir)
    findings, report.pages, report.qa = site_findings(root, site.articles, site.config, files, label, pages)
    report.findings = _unique(report.findings + findings)
    return report
