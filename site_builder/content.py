"""Content files -> :class:`Article` objects with sections, line numbers and translations.

File format: docs/content.md. All problems of all files are collected and raised
together as one :class:`ContentError`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from site_builder.config import key_line, parse_toml, read_text, symlink_in
from site_builder.errors import ContentError, Problem
from site_builder.model import KINDS, META_IDS, STATUSES, Article, ArticleMeta, EnglishDoc, Section, Translation, text_hash

if TYPE_CHECKING:
    from site_builder.memo import Memo

log = logging.getLogger(__name__)

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
# <!-- § id key=value ... | hint -->   and   <!-- suggestion § id ... -->
MARKER_RE = re.compile(r"^<!--\s*(suggestion\s+)?§\s*(\S+)((?:\s+[A-Za-z_][\w-]*=\S*)*)\s*(?:\|.*?)?-->\s*$")
MARKER_START_RE = re.compile(r"^<!--\s*(suggestion\s+)?§")
ATTR_RE = re.compile(r"([A-Za-z_][\w-]*)=(\S*)")
# markdown-it silently drops text nested deeper than its limit (20); refuse well before that
MAX_NESTING = 12
NEST_RE = re.compile(r"[ \t]*(?:>|[-+*](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))")
THEMATIC_BREAK_RE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")

_REQUIRED = ("title", "date", "kind", "source")
_OPTIONAL = {
    "subtitle": str, "kicker": str, "event_date": date, "reporters": list, "column": str,
    "source_lines": str, "order": int,
}


@dataclass(frozen=True)
class Marker:
    line: int
    id: str
    attrs: dict[str, str]
    suggestion: bool


def split_front_matter(text: str, rel: str, required: bool) -> tuple[dict, int, str]:
    """Return (front matter dict, line where the body starts, front matter TOML text)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "+++":
        if required:
            raise ContentError("missing front matter: the file must start with a '+++' line", rel, 1)
        return {}, 1, ""
    for i in range(1, len(lines)):
        if lines[i].strip() == "+++":
            fm_text = "\n".join(lines[1:i])
            data = parse_toml(fm_text, rel, ContentError, first_line=2)
            return data, i + 2, fm_text
    raise ContentError("front matter is not closed: no second '+++' line", rel, 1)


def is_marker_line(line: str) -> bool:
    """Whether ``line`` starts a section marker (well formed or not)."""
    return "§" in line and MARKER_START_RE.match(line.strip()) is not None  # (the test for §: most lines have none)


def parse_marker(line: str, lineno: int, rel: str, problems: list[Problem]) -> Marker | None:
    """Parse a section marker line, or return None if the line is not one."""
    if "§" not in line:  # (most lines: a marker has a §)
        return None
    m = MARKER_RE.match(line.strip())  # (a match starts as MARKER_START_RE does)
    if not m:
        if not is_marker_line(line):
            return None
        problems.append(Problem(rel, lineno, "malformed section marker; expected '<!-- § ID key=value ... -->'"))
        return None
    sid = m.group(2)
    if not ID_RE.match(sid):
        problems.append(Problem(rel, lineno, f"invalid section id {sid!r}: use 1-40 of A-Z a-z 0-9 _ -"))
        return None
    attrs = dict(ATTR_RE.findall(m.group(3) or ""))
    return Marker(lineno, sid, attrs, bool(m.group(1)))


def check_nesting(lines: list[str], first_line: int, rel: str, problems: list[Problem]) -> None:
    """Report lines that open more than MAX_NESTING quotes or list items (their text would not be shown)."""
    for i, line in enumerate(lines):
        if not line or line.lstrip()[:1] not in ">-+*0123456789" or THEMATIC_BREAK_RE.match(line):
            continue
        depth = pos = 0
        while depth <= MAX_NESTING and (m := NEST_RE.match(line, pos)) and m.end() > pos:
            depth, pos = depth + 1, m.end()
        if depth > MAX_NESTING:
            problems.append(Problem(rel, first_line + i, f"more than {MAX_NESTING} nested quotes or list items"))


def _blocks(lines: list[str], first_line: int) -> list[tuple[int, list[str]]]:
    """Split lines into blank-line separated blocks: (1-based first line, lines)."""
    out: list[tuple[int, list[str]]] = []
    cur: list[str] = []
    start = 0
    for i, line in enumerate(lines):
        if line.strip():
            if not cur:
                start = first_line + i
            cur.append(line)
        elif cur:
            out.append((start, cur))
            cur = []
    if cur:
        out.append((start, cur))
    return out


def parse_zh_body(body: list[str], first_line: int, rel: str, problems: list[Problem]) -> list[Section]:
    """Each paragraph is one section; a marker line before it names its id."""
    sections: list[Section] = []
    seen: dict[str, int] = {}
    check_nesting(body, first_line, rel, problems)
    for start, block in _blocks(body, first_line):
        marker = None
        lines = block
        mk = parse_marker(block[0], start, rel, problems)
        if mk is not None or is_marker_line(block[0]):
            marker = mk
            lines = block[1:]
            start += 1
        if marker and marker.suggestion:
            problems.append(Problem(rel, marker.line, "suggestion blocks belong in the English file"))
            continue
        text = "\n".join(lines).strip()
        if not text:
            if marker:
                problems.append(Problem(rel, marker.line, f"section {marker.id!r} has no text"))
            continue
        for j, ln in enumerate(lines):
            if is_marker_line(ln):
                problems.append(Problem(rel, start + j, "a section marker must be preceded by a blank line"))
        if marker is None:
            sid = "p-" + text_hash(text)[:6]
            log.warning("%s:%d: warning: paragraph has no section id; run 'site-builder ids' to assign one", rel, start)
            sections.append(Section(sid, text, start, provisional=True))
        else:
            sid = marker.id
            if sid in META_IDS:
                problems.append(Problem(rel, marker.line, f"section id {sid!r} is reserved for the front-matter field"))
                continue
            sections.append(Section(sid, text, start))
        if sid in seen:
            problems.append(Problem(rel, start if marker is None else marker.line, f"duplicate section id {sid!r} (first used on line {seen[sid]})"))
        else:
            seen[sid] = start if marker is None else marker.line
    return sections


def parse_meta(fm: dict, fm_text: str, rel: str, problems: list[Problem]) -> ArticleMeta | None:
    ok = True

    def line_of(key: str) -> int:
        return key_line(fm_text, key, 0) + 1 if key_line(fm_text, key, 0) else 1

    for key in sorted(set(fm) - set(_REQUIRED) - set(_OPTIONAL)):
        problems.append(Problem(rel, line_of(key), f"unknown front-matter key {key!r}"))
        ok = False
    for key in _REQUIRED:
        if key not in fm:
            problems.append(Problem(rel, 1, f"missing required front-matter field {key!r}"))
            ok = False
    for key, typ in [("title", str), ("kind", str), ("source", str), ("date", date), *_OPTIONAL.items()]:
        # a TOML datetime is a date subclass; mixing the two breaks sorting by date
        if key in fm and (not isinstance(fm[key], typ) or typ is date and isinstance(fm[key], datetime)):
            problems.append(Problem(rel, line_of(key), f"{key!r} must be a {'TOML date like 2022-02-09' if typ is date else typ.__name__}"))
            ok = False
    if isinstance(fm.get("kind"), str) and fm["kind"] not in KINDS:
        problems.append(Problem(rel, line_of("kind"), f"kind must be one of {', '.join(KINDS)}, not {fm['kind']!r}"))
        ok = False
    if isinstance(fm.get("title"), str) and not fm["title"].strip():
        problems.append(Problem(rel, line_of("title"), "title is empty"))
        ok = False
    reporters = fm.get("reporters", [])
    if isinstance(reporters, list) and not all(isinstance(r, str) for r in reporters):
        problems.append(Problem(rel, line_of("reporters"), "reporters must be a list of strings"))
        ok = False
    if isinstance(fm.get("source"), str):
        src = fm["source"]
        if src.startswith("/") or ".." in Path(src).parts or "\\" in src or re.search(r"[\x00-\x1f\x7f]", src):
            problems.append(Problem(rel, line_of("source"), f"source {src!r} must be a path inside content/"))
            ok = False
    if not ok:
        return None
    return ArticleMeta(
        title=fm["title"].strip(), date=fm["date"], kind=fm["kind"], source=fm["source"],
        subtitle=fm.get("subtitle", "").strip(), kicker=fm.get("kicker", "").strip(),
        event_date=fm.get("event_date"), reporters=tuple(reporters), column=fm.get("column", "").strip(),
        source_lines=fm.get("source_lines", ""), order=fm.get("order", 0),
    )


def parse_en(text: str, rel: str, problems: list[Problem]) -> dict[str, Translation]:
    """Parse an English file into translations keyed by section id."""
    try:
        _fm, body_start, _ = split_front_matter(text, rel, required=False)
    except ContentError as exc:
        problems.extend(exc.problems)
        return {}
    lines = text.split("\n")[body_start - 1:]
    check_nesting(lines, body_start, rel, problems)
    blocks: list[tuple[Marker, list[str]]] = []
    cur: tuple[Marker, list[str]] | None = None
    for i, line in enumerate(lines):
        lineno = body_start + i
        mk = parse_marker(line, lineno, rel, problems)
        if mk is not None:
            cur = (mk, [])
            blocks.append(cur)
        elif is_marker_line(line):
            cur = None
        elif cur is not None:
            cur[1].append(line)
        elif line.strip():
            problems.append(Problem(rel, lineno, "text before the first section marker belongs to no section"))
    out: dict[str, Translation] = {}
    suggestions: dict[str, Marker | tuple[Marker, str]] = {}
    for mk, body in blocks:
        body_text = "\n".join(body).strip()
        if mk.suggestion:
            suggestions[mk.id] = (mk, body_text)
            continue
        status = mk.attrs.get("status", "reviewed")
        if status not in STATUSES:
            problems.append(Problem(rel, mk.line, f"unknown status {status!r} (use machine or reviewed)"))
            continue
        if mk.id in out:
            problems.append(Problem(rel, mk.line, f"duplicate section id {mk.id!r} (first used on line {out[mk.id].line})"))
            continue
        out[mk.id] = Translation(
            id=mk.id, text=body_text, line=mk.line, status=status, zh_hash=mk.attrs.get("zh") or None,
            mt_hash=mk.attrs.get("mt") or None, engine=mk.attrs.get("engine") or None,
        )
    for sid, (mk, body_text) in suggestions.items():  # type: ignore[misc]
        if sid not in out:
            problems.append(Problem(rel, mk.line, f"suggestion for {sid!r}, which has no English section"))
            continue
        from dataclasses import replace

        out[sid] = replace(out[sid], suggestion=body_text, suggestion_engine=mk.attrs.get("engine"))
    return out


def load_article(root: Path, zh_path: Path, problems: list[Problem],
                 linked: dict[str, str | None] | None = None) -> Article | None:
    """Parse one article (Chinese file + English file beside it); append problems.

    ``linked``: the paths :func:`load_articles` has checked for symbolic links (the articles' folder, the
    sources), shared by the articles it loads, so that each is checked once, not once per article.
    """
    linked = {} if linked is None else linked
    rel = zh_path.relative_to(root).as_posix()
    slug = zh_path.name[: -len(".zh.md")]
    if not SLUG_RE.match(slug):
        problems.append(Problem(rel, 1, f"invalid slug {slug!r}: use lower-case a-z, 0-9 and '-'"))
        return None
    try:
        text = read_text(zh_path, rel, folder_checked=_folder_clear(root, zh_path, linked))
        fm, body_start, fm_text = split_front_matter(text, rel, required=True)
    except ContentError as exc:
        problems.extend(exc.problems)
        return None
    n_before = len(problems)
    meta = parse_meta(fm, fm_text, rel, problems)
    if meta is not None:
        link = _link_in(root, f"content/{meta.source}", linked)
        if link is not None:
            problems.append(Problem(rel, key_line(fm_text, "source", 0) + 1,
                                    f"source {meta.source!r}: {link} is a symbolic link; sources must lie inside content/"))
    sections = parse_zh_body(text.split("\n")[body_start - 1:], body_start, rel, problems)
    en_path = zh_path.with_name(f"{slug}.en.md")
    en_rel = en_path.relative_to(root).as_posix()
    translations: dict[str, Translation] = {}
    if en_path.exists() or en_path.is_symlink():
        try:
            translations = parse_en(read_text(en_path, en_rel, folder_checked=_folder_clear(root, en_path, linked)),
                                    en_rel, problems)
        except ContentError as exc:
            problems.extend(exc.problems)
    known = {s.id for s in sections} | set(META_IDS)
    for tr in translations.values():
        if tr.id not in known:
            problems.append(Problem(en_rel, tr.line, f"English section {tr.id!r} has no Chinese section in {rel}"))
    if meta is None or len(problems) > n_before:
        return None
    return Article(slug=slug, path=rel, meta=meta, sections=tuple(sections), en=EnglishDoc(en_rel, translations))


_ARTICLES = "content/articles"


def _link_in(root: Path, rel: str, linked: dict[str, str | None]) -> str | None:
    """:func:`symlink_in` of the project path ``rel``, looked for once per ``linked`` (see :func:`load_article`)."""
    if rel not in linked:
        linked[rel] = symlink_in(root / rel, rel)
    return linked[rel]


def _folder_clear(root: Path, path: Path, linked: dict[str, str | None]) -> bool:
    """Whether ``path`` is in the articles' folder and no folder on the way there is a symbolic link."""
    return path.parent == root / _ARTICLES and _link_in(root, _ARTICLES, linked) is None


def article_key(memo: Memo, rel: str, hashes: Sequence[str] | None = None) -> str:
    """The memo key of the article of the Chinese file ``rel``: both its files' hashes, as given (zh, en) or, by
    default, as they are now."""
    zh, en = hashes if hashes is not None else file_hashes(memo, rel)
    return memo.key("article", rel, zh, en)


def file_hashes(memo: Memo, rel: str) -> tuple[str, str]:
    """The hashes of the Chinese file ``rel`` and of its English file, as they are now."""
    return memo.file(rel), memo.file(english_file(rel))


def article_file(slug: str) -> str:
    """The Chinese file of the article ``slug``, relative to the project."""
    return f"content/articles/{slug}.zh.md"


def english_file(rel: str) -> str:
    """The English file of the Chinese file ``rel``."""
    return rel[: -len(".zh.md")] + ".en.md"


def _load_memoised(root: Path, path: Path, problems: list[Problem], memo: Memo, kept: Any,
                   linked: dict[str, str | None]) -> Article | None:
    """The article of ``path``: ``kept`` (the memo's value) if it still holds, else parsed again.

    ``linked``: the paths already checked for symbolic links in this load (see :func:`load_article`).
    """
    # the source named in the front matter is the one thing outside the two files that is checked
    if isinstance(kept, Article) and _link_in(root, f"content/{kept.meta.source}", linked) is None:
        return kept
    key = article_key(memo, path.relative_to(root).as_posix())
    before = len(problems)
    art = load_article(root, path, problems, linked)
    if art is not None and len(problems) == before and not any(s.provisional for s in art.sections):
        memo.put(key, art)  # parsed without a problem or a warning: the next build may take it as it is
    return art


class ArticlesError(ContentError):
    """Some articles could not be read: ``loaded`` holds the others, ``failed`` the slugs of those that failed.

    Whatever cites a failed article (the home page's figures) is not checked against it: its
    own problems are the ones to report, not every reference to it that now finds nothing.
    """

    def __init__(self, problems: list[Problem], loaded: list[Article], failed: set[str]) -> None:
        super().__init__(problems)
        self.loaded = loaded
        self.failed = frozenset(failed)


def _looks_like_markdown(name: str) -> bool:
    """A Markdown file not named as an article (``notes.md``, ``valeo.EN.md``); not a backup or hidden file."""
    return not name.startswith((".", "#")) and not name.endswith("~") and name.lower().endswith((".md", ".markdown"))


def load_articles(root: Path, memo: Memo | None = None) -> list[Article]:
    """All articles under ``content/articles``, sorted by (order, slug); raises :class:`ArticlesError`.

    With a ``memo``, an article whose files did not change since it was last parsed is not parsed again.
    """
    folder = root / "content" / "articles"
    problems: list[Problem] = []
    articles: list[Article] = []
    failed: set[str] = set()
    if folder.is_dir():
        paths = sorted(folder.iterdir(), key=lambda p: p.name)  # the order of the paths themselves, found faster
        kept: dict[str, Any] = {}
        if memo is not None:
            keys = {path: article_key(memo, f"content/articles/{path.name}") for path in paths
                    if path.name.endswith(".zh.md")}
            found = memo.get_many(keys.values())
            kept = {path.name: found.get(key) for path, key in keys.items()}
        linked: dict[str, str | None] = {}
        for path in paths:
            if path.name.endswith(".zh.md"):
                before = len(problems)
                art = _load_memoised(root, path, problems, memo, kept.get(path.name), linked) if memo is not None \
                    else load_article(root, path, problems, linked)
                if art and len(problems) == before:
                    articles.append(art)
                elif len(problems) > before:
                    failed.add(path.name[: -len(".zh.md")])
            elif path.name.endswith(".en.md"):
                zh = path.with_name(path.name[: -len(".en.md")] + ".zh.md")
                if not zh.exists():
                    problems.append(Problem(path.relative_to(root).as_posix(), 1, f"English file without a Chinese file {zh.name}"))
            elif _looks_like_markdown(path.name):
                log.warning("%s:1: warning: not read: an article is <slug>.zh.md, with its English in <slug>.en.md",
                            path.relative_to(root).as_posix())
    articles.sort(key=lambda a: (a.meta.order, a.slug))
    if problems:
        raise ArticlesError(problems, articles, failed)
    return articles
