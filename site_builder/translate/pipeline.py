"""``site-builder translate``: plan, translate in batches through the memory, write English files.

1. plan: every section (and title/subtitle/kicker/column) with no English is
   filled; with ``refresh``, stale machine drafts are replaced and stale human
   text gets a suggestion block beside it;
2. split into sentences, protect names/figures/markup (:mod:`.protect`), look
   every model input up in the translation memory, send the rest to the engine
   in batches (one engine, loaded only if something is left to translate);
3. put the English together (placeholders restored, or the fragment fallback)
   and write each English file once, atomically, deciding again on the file as
   it is then whether each update may still be applied.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from site_builder.content import load_articles
from site_builder.errors import ContentError, Problem, SiteError
from site_builder.model import Article, Section
from site_builder.registry import load_registry
from site_builder.translate import compose
from site_builder.translate.enfile import FILL, REFRESH, SUGGEST, Update, overwritable, suggestion_hashes, write_updates
from site_builder.translate.engine import Engine
from site_builder.translate.memory import Memory
from site_builder.translate.progress import Progress
from site_builder.translate.protect import PROTECTED_TYPES, Glossary, Template, protect, restore, tokens_survived
from site_builder.translate.segment import split_sentences

log = logging.getLogger(__name__)

MEMORY_ENGINE = "memory/reviewed"
CHUNK = 64  # sentences handed to the engine per call (progress is updated between calls)


@dataclass(frozen=True)
class Job:
    article: Article
    section: Section
    action: str  # fill | refresh | suggest


@dataclass
class Report:
    jobs: dict[str, int] = field(default_factory=lambda: {FILL: 0, REFRESH: 0, SUGGEST: 0})
    written: dict[str, int] = field(default_factory=lambda: {FILL: 0, REFRESH: 0, SUGGEST: 0})
    kept: int = 0  # updates not written because a translator changed the section meanwhile
    inputs: int = 0  # distinct model inputs needed
    from_memory: int = 0
    translated: int = 0  # sentences sent to the model
    model_calls: int = 0
    files: list[str] = field(default_factory=list)
    memory_written: bool = False
    engine: str = ""
    problems: list[Problem] = field(default_factory=list)  # English files that could not be updated
    planned: list[tuple[str, str, str]] = field(default_factory=list)  # (English file, section id, action)
    refresh: bool = False  # stale sections were asked for too
    stale: int = 0  # sections whose English is out of date

    def summary(self) -> str:
        if not sum(self.jobs.values()):
            memo = "; reviewed sections recorded in the translation memory" if self.memory_written else ""
            if not self.stale:
                return f"nothing to translate: every section has English, and none is out of date{memo}"
            if self.refresh:  # each stale one is a translator's, with a suggestion beside it already
                return (f"nothing to translate: every section has English; {self.stale} out of date, each with a "
                        f"suggestion for its translator already{memo}")
            return (f"nothing to translate: every section has English; {self.stale} out of date (--refresh replaces "
                    f"their machine drafts and suggests new English beside translators' text){memo}")
        parts = [f"{n} {what}" for what, n in (("sections filled", self.written[FILL]),
                                               ("stale drafts refreshed", self.written[REFRESH]),
                                               ("suggestions added", self.written[SUGGEST])) if n]
        text = (f"{', '.join(parts) or 'nothing written'} in {len(self.files)} English file(s); "
                f"{self.inputs} sentences: {self.from_memory} from the translation memory, "
                f"{self.translated} from the model in {self.model_calls} batch(es)")
        if self.kept:
            text += f"; {self.kept} section(s) left alone because a translator edited them meanwhile"
        return text


def plan(root: Path, articles: Sequence[Article], refresh: bool) -> list[Job]:
    """What to translate: missing sections; with ``refresh`` also stale ones."""
    jobs: list[Job] = []
    for art in articles:
        suggested: dict[str, str] | None = None
        for sec in art.all_sections():
            state = art.translation_state(sec)
            tr = art.en.translations.get(sec.id)
            if state == "missing":
                jobs.append(Job(art, sec, FILL))
            elif state == "stale" and refresh:
                if overwritable(tr):
                    jobs.append(Job(art, sec, REFRESH))
                else:
                    if suggested is None:
                        path = root / art.en.path
                        suggested = suggestion_hashes(path.read_text(encoding="utf-8")) if path.exists() else {}
                    if suggested.get(sec.id) != sec.hash:
                        jobs.append(Job(art, sec, SUGGEST))
    return jobs


def feed_reviewed(memory: Memory, articles: Iterable[Article]) -> None:
    """Reviewed (or hand-edited) English of unchanged Chinese goes into the memory as section pairs."""
    for art in articles:
        for sec in art.all_sections():
            tr = art.en.translations.get(sec.id)
            if tr is not None and tr.text.strip() and not overwritable(tr) and tr.zh_hash == sec.hash:
                memory.put_section(sec.text, tr.text)


class Translator:
    """Turns Chinese section texts into English through memory + engine (see module docstring)."""

    def __init__(self, glossary: Glossary, memory: Memory, engine_id: str, get_engine: Callable[[], Engine],
                 progress: Progress | None = None):
        self.glossary = glossary
        self.memory = memory
        self.engine_id = engine_id
        self._get_engine = get_engine
        self._engine: Engine | None = None
        self.progress = progress or Progress(enabled=False)
        self.mt: dict[str, str] = {}
        self.report = Report(engine=engine_id)
        self._templates: dict[str, Template] = {}

    def template(self, text: str) -> Template:
        if text not in self._templates:
            self._templates[text] = protect(text, self.glossary)
        return self._templates[text]

    def units(self, text: str) -> list[Template]:
        return [self.template(s) for s in split_sentences(text)]

    def _needed(self, tpl: Template) -> list[str]:
        need: list[str] = []
        for inner in tpl.inners():
            need.extend(self._needed(self.template(inner)))
        if not tpl.needs_model():
            return need
        src = tpl.model_input()
        if src not in self.mt:
            return [src, *need]
        if not tokens_survived(tpl, self.mt[src]):
            need.extend(f for f in tpl.fragments() if f not in self.mt)
        return need

    def english(self, tpl: Template, inner: bool = False) -> str:
        """English for one unit (a sentence, or the text inside markup when ``inner``);
        every input it needs must be in ``self.mt``."""
        sub = lambda text: self.english(self.template(text), inner=True)
        if not tpl.needs_model():
            return compose.fallback(tpl, lambda s: s, sub, capitalise=not inner)
        restored = restore(tpl, self.mt[tpl.model_input()], sub)
        if restored is not None:
            return compose.tidy(restored, capitalise=not inner)
        return compose.fallback(tpl, lambda frag: self.mt[frag], sub, capitalise=not inner)

    def section_english(self, text: str) -> str:
        return " ".join(self.english(t) for t in self.units(text))

    def run(self, texts: Sequence[str]) -> list[str]:
        """English for each text (a section); model inputs looked up in memory, the rest batched."""
        groups = [self.units(t) for t in texts]
        seen: set[str] = set()
        for _round in range(3):  # sentences, then fragments of sentences whose placeholders were lost
            new: list[str] = []
            for units in groups:
                for tpl in units:
                    for src in self._needed(tpl):
                        if src not in seen:
                            seen.add(src)
                            new.append(src)
            if not new:
                break
            pending: list[str] = []
            for src in new:
                self.report.inputs += 1
                cached = self.memory.get(self.engine_id, src)
                if cached is not None:
                    self.mt[src] = cached
                    self.report.from_memory += 1
                else:
                    pending.append(src)
            if pending:
                self._translate(pending, groups)
        self.progress.close()
        return [self.section_english(t) for t in texts]

    def _translate(self, pending: list[str], groups: list[list[Template]]) -> None:
        if self._engine is None:
            self._engine = self._get_engine()
            if self._engine.id != self.engine_id:
                raise SiteError(f"engine {self._engine.id} is not the expected {self.engine_id}", "site-builder")
        total = self.report.translated + len(pending)
        order = sorted(pending, key=len)  # similar lengths batch well
        for i in range(0, len(order), CHUNK):
            chunk = order[i:i + CHUNK]
            out = self._engine.translate_batch(chunk)
            if len(out) != len(chunk):
                raise SiteError(f"engine {self.engine_id} returned {len(out)} results for {len(chunk)} sentences",
                                "site-builder")
            self.report.model_calls += 1
            for src, en in zip(chunk, out):
                self.mt[src] = en
                self.memory.put(self.engine_id, src, en)
            self.report.translated += len(chunk)
            done_sections = sum(1 for units in groups if all(not self._needed(t) for t in units))
            self.progress.update(done_sections, len(groups), self.report.translated, total)


def select(articles: Sequence[Article], slugs: Sequence[str]) -> list[Article]:
    """The articles named by ``slugs`` (all when empty); SiteError for an unknown slug."""
    if not slugs:
        return list(articles)
    unknown = sorted(set(slugs) - {a.slug for a in articles})
    if unknown:
        raise SiteError([Problem("content/articles", 0, f"no article {s!r}") for s in unknown])
    return [a for a in articles if a.slug in slugs]


def translate_project(root: Path, engine_id: Callable[[], str], get_engine: Callable[[], Engine], *,
                      refresh: bool = False, slugs: Sequence[str] = (), dry_run: bool = False,
                      progress: Progress | None = None) -> Report:
    """Translate what the plan says and write the English files; raises SiteError with path:line."""
    articles = select(load_articles(root), slugs)
    registry = load_registry(root)
    memory = Memory.load(root)
    jobs = plan(root, articles, refresh)
    report = Report(refresh=refresh, stale=sum(1 for art in articles for sec in art.all_sections()
                                               if art.translation_state(sec) == "stale"))
    for job in jobs:
        report.jobs[job.action] += 1
        report.planned.append((job.article.en.path, job.section.id, job.action))
    if dry_run:
        return report
    feed_reviewed(memory, articles)
    if not jobs:
        report.memory_written = memory.save()
        return report
    updates: dict[str, list[Update]] = {}
    model_jobs: list[Job] = []
    for job in jobs:
        reviewed = memory.get_section(job.section.text)
        if reviewed is not None:
            _add(updates, job, reviewed, MEMORY_ENGINE)
        else:
            model_jobs.append(job)
    tr = None
    if model_jobs:
        tr = Translator(Glossary(registry.entities, PROTECTED_TYPES), memory, engine_id(), get_engine, progress)
        try:
            texts = tr.run([j.section.text for j in model_jobs])
        finally:
            report.memory_written = memory.save()
        for job, text in zip(model_jobs, texts):
            _add(updates, job, text, tr.engine_id)
        rep = tr.report
        report.inputs, report.from_memory = rep.inputs, rep.from_memory
        report.translated, report.model_calls, report.engine = rep.translated, rep.model_calls, rep.engine
    else:
        report.memory_written = memory.save()
    _write(root, articles, updates, report)
    return report


def _add(updates: dict[str, list[Update]], job: Job, text: str, engine: str) -> None:
    sec = job.section
    updates.setdefault(job.article.slug, []).append(
        Update(sec.id, job.action, sec.hash, text, engine, hint=sec.text))


def _write(root: Path, articles: Sequence[Article], updates: dict[str, list[Update]], report: Report) -> None:
    for art in articles:
        ups = updates.get(art.slug)
        if not ups:
            continue
        order = [s.id for s in art.all_sections()]
        try:
            applied = write_updates(root / art.en.path, art.en.path, ups, order)
        except ContentError as exc:  # the file was broken while we translated: leave it alone
            report.problems.extend(exc.problems)
            continue
        for up in applied:
            report.written[up.action] += 1
        report.kept += len(ups) - len(applied)
        if applied:
            report.files.append(art.en.path)
