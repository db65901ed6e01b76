"""The one orchestrator: config -> articles -> pages -> rendered files -> committed site."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from site_builder import urls
from site_builder.config import SiteConfig, load_config, tree_files
from site_builder.deps import BuildCache, ProgressFn
from site_builder.errors import Problem, SiteError
from site_builder.output import WriteReport
from site_builder.stage import Outcome, Stage, content_digest

# A build that finds nothing changed stops after hashing its inputs: the rest of the pipeline
# (Markdown, templates, the registry with its pinyin tables) is imported past that point.
if TYPE_CHECKING:
    from site_builder.deps import RenderPlan
    from site_builder.markdown import Renderer
    from site_builder.memo import Memo
    from site_builder.pages import Page, SiteData

log = logging.getLogger(__name__)


class Keeper(Protocol):
    """Holds on to a build's site data and pages after it (``keeper`` of :func:`build`)."""

    def keep(self, site: SiteData, pages: list[Page]) -> None: ...

    def drop(self) -> None: ...


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
    narrow: bool = False  # only the edited articles were read (see site_builder.narrow)

    def summary(self) -> str:
        return (f"built {self.pages} pages into {self.output}: {self.rendered} rendered, {self.skipped} skipped; "
                f"{self.written} files written, {self.unchanged} unchanged, {self.removed} removed "
                f"in {self.seconds:.2f}s" + ("; only the edited articles were read" if self.narrow else ""))


def load_site(root: Path, renderer: Renderer | None = None, memo: Memo | None = None) -> SiteData:
    """Read and validate all inputs; raises SiteError listing every problem.

    ``memo``: content parsed by earlier builds, taken where its files did not change (:mod:`site_builder.memo`).
    """
    from site_builder import entity_pages, views
    from site_builder.content import ArticlesError, load_articles
    from site_builder.markdown import Renderer
    from site_builder.pages import SiteData
    from site_builder.registry import registry_meanwhile

    config = load_config(root)
    registry_soon = registry_meanwhile(root, memo)  # parsed on the other core while the articles are read
    problems: list[Problem] = []
    failed: frozenset[str] = frozenset()
    try:
        articles = load_articles(root, memo)
    except ArticlesError as exc:
        problems.extend(exc.problems)
        articles, failed = exc.loaded, exc.failed  # the home page is checked against the others
    home: dict = {}
    try:
        home = views.load_home(root, articles, failed)
    except SiteError as exc:
        problems.extend(exc.problems)
    if problems:
        raise SiteError(problems)
    site = SiteData(config=config, articles=articles, renderer=renderer or Renderer(), extras={"home": home})
    entity_pages.attach(root, site, memo, registry_soon)  # registry, mentions index, hubs -> text_hook and extras
    return site


def load_pages(root: Path, out: str | Path | None = None) -> tuple[SiteData, list[Page]]:
    """The site's data and its pages as a build into ``out`` makes them, without rendering any.

    Takes what earlier builds parsed (:mod:`site_builder.memo`); raises SiteError on bad input.
    """
    cache = BuildCache(root, load_config(root).output_dir(out))
    inputs = cache.scan()
    memo = cache.memo(inputs)
    try:
        with _no_cycle_collection():
            site = load_site(root, cache.renderer(inputs), memo)
            return site, plan_pages(site)
    finally:
        memo.close()


def __getattr__(name: str) -> Any:
    """``GENERATORS``: the page generators of :mod:`site_builder.pages`, imported when first asked for."""
    if name == "GENERATORS":
        from site_builder.pages import GENERATORS

        return GENERATORS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def plan_pages(site: SiteData) -> list[Page]:
    pages: list[Page] = []
    for gen in sys.modules[__name__].GENERATORS:  # this module's (a caller may have set its own)
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


#: Render in worker processes when at least this many pages need rendering (below, starting them costs more).
PARALLEL_MIN = 400


def render_all(root: Path, site: SiteData, pages: list[Page], plan: RenderPlan | None, stage: Stage,
               jobs: int | None = None, idle: Callable[[], None] | None = None) -> None:
    """Render every page into ``stage``; with a ``plan``, pages whose inputs did not change keep their last output.

    With ``jobs`` > 1 (default: one per CPU) and enough pages to render, pages are
    rendered by that many forked worker processes, each taking runs of consecutive
    pages (an article's pages share its rendered sections). Each page's bytes depend
    only on the page, never on which process rendered it or when. ``idle`` is called
    while the workers render (work of the caller's that needs no rendered page).
    """
    from site_builder.forked import cpus
    from site_builder.render import make_env

    tree_files(root, "templates")  # refuse symlinks: Jinja would follow them out of the project
    env = make_env(root / "templates")
    built = built_paths(site.config, (p.path for p in pages))
    if plan is not None:
        plan.prepare(env)  # compiled templates cached on disk
    todo = []
    for page in pages:
        if plan is not None and plan.reusable(page):
            stage.keep(page.path)
        else:
            todo.append(page)
    jobs = jobs if jobs is not None else cpus()
    if jobs > 1 and len(todo) >= PARALLEL_MIN and hasattr(os, "fork"):
        _render_parallel(env, site, built, todo, stage, jobs, idle)
        return
    for page in todo:
        stage.put(page.path, render_one(env, site, built, page))


def built_paths(config: SiteConfig, page_paths: Iterable[str]) -> set[str]:
    """Every file the navigation may link to: the pages, and the feeds when the site has an absolute address."""
    from site_builder import feeds, views

    built = set(page_paths)
    if feeds.has_absolute_base(config):
        built |= {views.feed_path(lang) for lang in ("zh", "en")}
    return built


def render_page(env: Any, template: str, path: str, context: dict[str, Any], root_path: str | None = None) -> bytes:
    """Every page a build renders goes through here: :func:`site_builder.render.render_page`."""
    from site_builder import render

    return render.render_page(env, template, path, context, root_path)


def render_one(env: Any, site: SiteData, built: set[str], page: Page) -> bytes:
    """One page's bytes: its context with the navigation, canonical and alternate addresses of ``page``.

    ``built``: every path the navigation may link to (:func:`built_paths`).
    """
    from site_builder import views
    from site_builder.pages import Lazy

    ctx = dict(page.context)
    ctx.update(views.chrome_view(page.lang, built, page.path))
    ctx["canonical"] = urls.absolute(site.config.base_url, page.path)
    ctx["alternates"] = alternates(site.config, page)
    ctx["counterpart"] = page.counterpart
    root_path = site.config.base_path if page.path == "404.html" else None
    data = render_page(env, page.template, page.path, ctx, root_path)
    if isinstance(page.context, Lazy):
        page.context.release()  # made again if anything asks: a build never holds every page's context
    return data


# What forked workers render from: set just before the pool starts, inherited, never sent through a pipe.
_WORK: tuple[Any, SiteData, set[str], list[Page], Stage] | None = None


def _render_parallel(env: Any, site: SiteData, built: set[str], todo: list[Page], stage: Stage, jobs: int,
                     idle: Callable[[], None] | None = None) -> None:
    import multiprocessing

    global _WORK
    stage.activate()  # workers write into the staging folder
    chunks = _chunks(len(todo), jobs)
    _WORK = (env, site, built, todo, stage)
    gc.collect()  # only what was made since the site's data was loaded and frozen (see build)
    _trim_heap()  # what the workers inherit is what the parent holds, not what it has freed
    gc.freeze()  # what the workers inherit stays shared: the collector would touch (and so copy) it
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            results = pool.imap_unordered(_render_chunk, chunks)
            if idle is not None:
                idle()  # the workers have started: the parent would only wait for them
            for outcomes in results:
                if isinstance(outcomes, SiteError):
                    raise outcomes
                for outcome in outcomes:
                    stage.note(outcome)
    finally:
        _WORK = None  # build() unfreezes at its end


def _say_changed(changed: list[str], consequence: str) -> None:
    more = f" (and {len(changed) - 1} more files)" if len(changed) > 1 else ""
    log.info("%s%s changed while the site was being built: %s", changed[0], more, consequence)


def _chunks(n: int, jobs: int) -> list[tuple[int, int]]:
    """``range(n)`` cut into runs for ``jobs`` workers: about 16 runs each, shorter towards the end.

    A run's pages share their articles' section HTML, so runs are long; but the last ones
    (the entity pages, the heaviest, come last) are cut shorter and shorter, so that no worker
    is left with a long run when the others have finished.
    """
    base = max(8, n // (jobs * 16))
    chunks = []
    start = 0
    while start < n:
        size = max(8, min(base, (n - start) // (jobs * 4)))
        chunks.append((start, min(start + size, n)))
        start += size
    return chunks


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while the site's data is loaded.

    Loading makes hundreds of thousands of objects that all stay alive; the
    collector would walk them again and again (a third of the loading time of a
    large site) and find nothing to free. Reference counting still frees
    everything else, and the collector runs again afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _trim_heap() -> None:
    """Give memory freed by the C allocator back to the system (glibc keeps it otherwise)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _render_chunk(bounds: tuple[int, int]) -> list[Outcome] | SiteError:
    """In a worker: render pages ``todo[start:end]`` into the staging folder."""
    assert _WORK is not None
    env, site, built, todo, stage = _WORK
    # a run of pages shares sections with its neighbours only, and a worker's renders die with it: keep it small
    site.section_html.clear()
    forget = getattr(site.renderer, "forget", None)
    if forget is not None:
        forget()
    outcomes = []
    try:
        for page in todo[bounds[0]:bounds[1]]:
            data = render_one(env, site, built, page)
            digest = content_digest(data)
            outcomes.append(stage.place(page.path, data, digest, stage.same_as_live(page.path, data, digest)))
    except SiteError as exc:
        return exc  # reported by the parent, like a serial build's
    return outcomes


def build(root: Path, out: str | Path | None = None, *,
          gate: Callable[[SiteData, list[Page], dict[str, bytes]], list[Problem]] | None = None,
          incremental: bool = True, progress: ProgressFn | None = None, jobs: int | None = None,
          keeper: Keeper | None = None, force: bool = False) -> BuildReport:
    """Build the whole site; the output folder changes only if everything succeeded.

    ``gate`` (``build --strict``: :func:`site_builder.check.gate`) sees the finished files before
    they are written; if it returns any error, nothing is written and SiteError is raised.
    ``incremental``: re-render only pages whose inputs changed since the last build into the same
    folder, and stop early if no input changed (see :mod:`site_builder.deps`); the output is the same.
    ``jobs``: processes to render with (default: one per CPU; see :func:`render_all`).
    ``keeper``: given the site's data and pages once the output is committed, and told to drop what it
    holds before the build loads the site again (the dev server keeps them to preview edits:
    :mod:`site_builder.preview`). A build that finds nothing changed tells it nothing: what it holds is current.
    ``force``: replace the files of an output folder that is not the project's own (see
    :meth:`BuildCache.owns_output`); without it, a build that would delete or replace one stops.
    """
    start = time.perf_counter()
    config = load_config(root)
    out_dir = config.output_dir(out)
    cache = BuildCache(root, out_dir) if incremental else None
    if cache is not None:
        cache.check_output()  # by a child process, while this one hashes the inputs
    inputs = cache.scan() if cache is not None else None
    if cache is not None and inputs is not None and cache.up_to_date(inputs, gated=gate is not None):
        for message in cache.old.warnings:  # nothing changed, so neither did what needs fixing: said every build
            log.warning("%s", message)
        return BuildReport(pages=cache.old.page_count, unchanged=len(cache.old.raw_outputs), skipped=cache.old.page_count,
                           seconds=time.perf_counter() - start, output=str(out_dir))
    if cache is not None and inputs is not None and gate is None and keeper is None:
        from site_builder import narrow  # an edit inside articles: only their pages (see site_builder.narrow)

        done = narrow.rebuild(root, cache, inputs, config, start)
        if done is not None:
            return done
    if keeper is not None:
        keeper.drop()  # never two sites in memory
    if progress is not None:
        progress("reading content", 0, 0)
    renderer = cache.renderer(inputs) if cache is not None and inputs is not None else None
    memo = cache.memo(inputs) if cache is not None and inputs is not None else None
    from site_builder.errors import warnings_caught

    with warnings_caught() as said:  # every warning of this build, recorded for the builds that find nothing changed
        with _no_cycle_collection():
            site = load_site(root, renderer, memo)
            pages = plan_pages(site)
            # The site's data stays alive until the build ends: the cycle collector need not walk it again (a full
            # collection of a large site's data costs a fifth of a second, and allocation-heavy steps such as
            # importing Jinja would set one off). Frozen before the collector is back on: everything made while it
            # was off counts as new, and the first allocation after would have it walk all of that once.
            gc.freeze()
        clean = not said  # the content logged no warning (a narrow build would not repeat them: see narrow.record)
        # A file saved since the scan may have been read as saved: nothing made from it may be kept under the hash
        # scanned (see BuildCache.changed_since_scan). Its pages are recorded as made from unknown text, and what
        # this build parsed and rendered is not kept.
        changed = cache.changed_since_scan(inputs) if cache is not None and inputs is not None else []
        if changed and inputs is not None:
            _say_changed(changed, "its pages are made again by the next build")
            inputs = inputs.unknown(changed)
            renderer = None
            if memo is not None:
                memo.discard()
                memo = None
        try:
            plan = cache.plan(inputs, pages, progress) if cache is not None and inputs is not None else None
            from site_builder import feeds, search

            gate_warnings: list[Problem] = []
            # Files go to a hidden staging folder as they are made; the output folder changes only at commit().
            made_early: list[dict[str, bytes]] = []
            # feeds and sitemap made from the same as last time stay as they are (an edit rarely changes them)
            kept = sorted(rel for rel, deps in feeds.site_file_deps(site, pages).items()
                          if plan.kept_file(rel, deps)) if plan is not None else []

            def idle() -> None:  # while worker processes render: what needs no rendered page
                if memo is not None:
                    memo.flush()
                made_early.append(feeds.site_files(site, pages, skip=kept))

            # Files already in an output folder that is not the project's own are not the build's to replace.
            owner = cache if cache is not None else BuildCache(root, out_dir)  # (--full: only asked who made the folder)
            declared = out is None or out_dir.resolve() == (root / config.output).resolve()
            owned = force or owner.owns_output(declared)
            with cache.stage(owned) if cache is not None else Stage(out_dir, owned=owned) as stage:
                render_all(root, site, pages, plan, stage, jobs, idle)
                for rel, data in static_files(root).items():
                    stage.put(rel, data)
                for rel in kept:
                    stage.keep(rel)
                for rel, data in (made_early[0] if made_early else feeds.site_files(site, pages, skip=kept)).items():
                    stage.put(rel, data)
                for rel, data in search.index_files(root, stage.mapping()).items():
                    stage.put(rel, data)
                if gate is not None:
                    found = gate(site, pages, dict(stage.mapping()))  # read in full: the gate may keep the files
                    if any(p.severity == "error" for p in found):
                        raise SiteError(found)
                    gate_warnings = found
                if progress is not None:
                    progress("writing", 0, 0)
                report: WriteReport = stage.commit()
            owner.own_output()
            if cache is not None and inputs is not None:
                from site_builder import narrow

                late = cache.changed_since_scan(inputs)  # saved after loading: a template, a static file
                if late:  # the output may be made from other bytes than the hashes say: no record
                    _say_changed(late, "the next build makes every page again")
                    cache.forget()
                else:
                    record = narrow.record(root, site, pages, inputs, plan, clean=clean) if plan else None
                    cache.save(inputs, plan, renderer, len(pages), checked=gate is not None, stage=stage,
                               narrow=record, warnings=[r.getMessage() for r in said])
            if memo is not None:
                memo.close()
            if keeper is not None:
                keeper.keep(site, pages)
        finally:
            gc.unfreeze()
        return BuildReport(pages=len(pages), written=report.written, unchanged=report.unchanged, removed=report.removed,
                           seconds=time.perf_counter() - start, output=str(out_dir), warnings=gate_warnings,
                           rendered=plan.rendered if plan else len(pages), skipped=plan.skipped if plan else 0)
