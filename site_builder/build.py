"""The one orchestrator: config -> articles -> pages -> rendered files -> committed site."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from site_builder import entity_pages, feeds, search, urls, views
from site_builder.config import SiteConfig, load_config, tree_files
from site_builder.content import load_articles
from site_builder.deps import BuildCache, ProgressFn, RenderPlan, scan_inputs
from site_builder.errors import Problem, SiteError
from site_builder.markdown import Renderer
from site_builder.output import WriteReport, commit_site
from site_builder.pages import GENERATORS, Page, SiteData
from site_builder.render import make_env, render_page

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    pages: int = 0
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    seconds: float = 0.0
    output: str = ""
    warnings: list[Problem] = field(default_factory=list)
    rendered: int = 0  # pages rendered by this build
    skipped: int = 0  # pages whose inputs had not changed (see site_builder.deps)

    def summary(self) -> str:
        return (f"built {self.pages} pages into {self.output}: {self.rendered} rendered, {self.skipped} skipped; "
                f"{self.written} files written, {self.unchanged} unchanged, {self.removed} removed "
                f"in {self.seconds:.2f}s")


def load_site(root: Path, renderer: Renderer | None = None) -> SiteData:
    """Read and validate all inputs; raises SiteError listing every problem."""
    config = load_config(root)
    problems: list[Problem] = []
    try:
        articles = load_articles(root)
    except SiteError as exc:
        problems.extend(exc.problems)
        articles = []
    home: dict = {}
    try:
        home = views.load_home(root, articles)
    except SiteError as exc:
        problems.extend(exc.problems)
    if problems:
        raise SiteError(problems)
    site = SiteData(config=config, articles=articles, renderer=renderer or Renderer(), extras={"home": home})
    entity_pages.attach(root, site)  # registry, mentions index, hubs -> site.text_hook and site.extras
    return site


def plan_pages(site: SiteData) -> list[Page]:
    pages: list[Page] = []
    for gen in GENERATORS:
        pages.extend(gen(site))
    seen: set[str] = set()
    for p in pages:
        if p.path in seen:
            raise SiteError(f"two pages would be written to {p.path}", "content", 0)
        seen.add(p.path)
    return pages


def static_files(root: Path) -> dict[str, bytes]:
    """Files under static/, to be copied to /static/ in the output (symlinks and special files refused)."""
    out: dict[str, bytes] = {}
    for rel in tree_files(root, "static"):
        try:
            out[rel] = (root / rel).read_bytes()
        except OSError as exc:
            raise SiteError(f"cannot read: {exc.strerror or exc}", rel, 0) from None
    return out


def alternates(config: SiteConfig, page: Page) -> list[dict[str, str]]:
    if page.counterpart is None:
        return []
    pair = {page.lang: page.path, ("en" if page.lang == "zh" else "zh"): page.counterpart}
    alts = [{"hreflang": lang, "href": urls.absolute(config.base_url, pair[lang])} for lang in ("zh", "en")]
    alts.append({"hreflang": "x-default", "href": urls.absolute(config.base_url, pair["zh"])})
    return alts


def render_all(root: Path, site: SiteData, pages: list[Page], plan: RenderPlan | None = None) -> dict[str, bytes]:
    """Render every page; with a ``plan``, pages whose inputs did not change keep their last output."""
    tree_files(root, "templates")  # refuse symlinks: Jinja would follow them out of the project
    env = make_env(root / "templates")
    files: dict[str, bytes] = {}
    built = {p.path for p in pages}
    if feeds.has_absolute_base(site.config):
        built |= {views.feed_path(lang) for lang in ("zh", "en")}
    if plan is not None:
        plan.prepare(env)  # compiled templates cached on disk
    for page in pages:
        if plan is not None and (cached := plan.cached(page)) is not None:
            files[page.path] = cached
            continue
        ctx = dict(page.context)
        ctx.update(views.chrome_view(page.lang, built, page.path))
        ctx["canonical"] = urls.absolute(site.config.base_url, page.path)
        ctx["alternates"] = alternates(site.config, page)
        ctx["counterpart"] = page.counterpart
        root_path = site.config.base_path if page.path == "404.html" else None
        files[page.path] = render_page(env, page.template, page.path, ctx, root_path)
    return files


def build(root: Path, out: str | Path | None = None, *,
          gate: Callable[[SiteData, list[Page], dict[str, bytes]], list[Problem]] | None = None,
          incremental: bool = True, progress: ProgressFn | None = None) -> BuildReport:
    """Build the whole site; the output folder changes only if everything succeeded.

    ``gate`` (``build --strict``: :func:`site_builder.check.gate`) sees the finished files before
    they are written; if it returns any error, nothing is written and SiteError is raised.
    ``incremental``: re-render only pages whose inputs changed since the last build into the same
    folder, and stop early if no input changed (see :mod:`site_builder.deps`); the output is the same.
    """
    start = time.perf_counter()
    out_dir = load_config(root).output_dir(out)
    cache = BuildCache(root, out_dir) if incremental else None
    inputs = scan_inputs(root) if cache is not None else None
    if cache is not None and inputs is not None and cache.up_to_date(inputs, gated=gate is not None):
        return BuildReport(pages=cache.old.page_count, unchanged=len(cache.old.outputs), skipped=cache.old.page_count,
                           seconds=time.perf_counter() - start, output=str(out_dir))
    if progress is not None:
        progress("reading content", 0, 0)
    renderer = cache.renderer(inputs) if cache is not None and inputs is not None else None
    site = load_site(root, renderer)
    pages = plan_pages(site)
    plan = cache.plan(inputs, pages, progress) if cache is not None and inputs is not None else None
    files = render_all(root, site, pages, plan)
    files.update(static_files(root))
    files.update(feeds.site_files(site, pages))
    files.update(search.index_files(root, files))
    gate_warnings: list[Problem] = []
    if gate is not None:
        found = gate(site, pages, files)
        if any(p.severity == "error" for p in found):
            raise SiteError(found)
        gate_warnings = found
    if progress is not None:
        progress("writing", 0, 0)
    report: WriteReport = commit_site(out_dir, files)
    if cache is not None and inputs is not None:
        cache.save(inputs, plan, renderer, len(pages), checked=gate is not None)
    return BuildReport(pages=len(pages), written=report.written, unchanged=report.unchanged, removed=report.removed,
                       seconds=time.perf_counter() - start, output=str(out_dir), warnings=gate_warnings,
                       rendered=plan.rendered if plan else len(pages), skipped=plan.skipped if plan else 0)
