"""What each output page was made from, by content hash: incremental builds.

Lektor's idea, with contents hashed rather than mtimes compared:

* :func:`scan_inputs` hashes every file a build may read (``content/``,
  ``templates/``, ``static/``) and the generator itself (its source, its
  libraries' versions, the installed search tools). A file whose size, mtime,
  inode and ctime are as at the last scan is not read again (``inputs.record``).
* A page's *fingerprint* hashes what every page sees (the code, ``site.toml``
  and every other non-article file under ``content/`` — registry, data,
  home page — and the list of output paths, which the navigation reads), the
  page's own path, template and counterpart, the closure of its template
  (``extends``/``include``/``import``, found with :mod:`jinja2.meta`), and each
  input its ``Page.deps`` names:

  ==================  =====================================================
  ``article:<slug>``  ``content/articles/<slug>.zh.md`` and ``.en.md``
  ``article:*``       every article file
  ``registry``        ``content/entities.toml``
  ``data:<name>``     ``content/data/<name>``
  ``file:<path>``     that file (relative to the project root)
  ``template:<name>`` another template and what it includes
  ``config``          ``content/site.toml``
  ``hash:<digest>``   a digest the page's generator made of the data it shows
                      (e.g. the mentions an entity page quotes): finer than
                      naming the files that data comes from
  ==================  =====================================================

  A page without deps, or naming any other key, is rendered on every build.
  Files made without a template (the feeds, the sitemap) get fingerprints the
  same way (:meth:`RenderPlan.kept_file`, with deps from
  :func:`site_builder.feeds.site_file_deps`).
* The manifest (``.site-builder-cache/builds/<output>.record``) keeps each page's
  fingerprint and a :class:`site_builder.stage.Record` (size, mtime, inode,
  content digest) of every output file as written. A page whose fingerprint is
  unchanged and whose output file is untouched is not rendered: its file stays.
* A build whose inputs all hash as in the manifest, with its output untouched,
  stops there: nothing is parsed, rendered or written.
* :class:`site_builder.mdcache.CachingRenderer` keeps each rendered Markdown text
  by hash of (text, language, render options, code, registry and data), so
  unchanged Markdown is not parsed again; :class:`site_builder.memo.Memo` keeps
  parsed articles, the registry and mentions (``parsed.sqlite``).
* The site swapped out by the last build is kept (``spare/``) to be recycled as
  the next staging folder (see :mod:`site_builder.stage`).
* A narrow build (:mod:`site_builder.narrow`: an edit inside articles, without
  loading the site) records what it changed as edits beside the manifest
  (``builds/<output>.edits``), applied to the manifest whose id they name when
  it is read, and folded into it by the next no-change build.
* ``builds/<output>.owner`` marks an output folder a build of this project
  made, outliving a dropped manifest: only such a folder (or site.toml's
  ``output``) is replaced as a whole (:meth:`BuildCache.owns_output`).

Everything here lives in ``.site-builder-cache/`` (git-ignored); deleting it
only makes the next build a full one (and a folder built with ``--out`` no
longer the project's own, so a build into it stops rather than replace its files).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import marshal
import os
import re
import shutil
import stat
import sys
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from site_builder.config import CACHE_DIR, DEV_OUT
from site_builder.forked import Forked
from site_builder.output import atomic_write
from site_builder.stage import RACY_NS, Record, Spare, Stage, Stat, folder_records, scan, settled, stat_of, untouched

if TYPE_CHECKING:  # jinja2 and the Markdown renderer are imported when a build renders
    import jinja2

    from site_builder.mdcache import CachingRenderer
    from site_builder.memo import Memo

log = logging.getLogger(__name__)

FORMAT = 3  # bump when the manifest or the Markdown cache changes meaning
INPUT_DIRS = ("content", "templates", "static")
CONFIG = "content/site.toml"
REGISTRY = "content/entities.toml"
_ARTICLE = re.compile(r"^content/articles/([^/]+)\.(zh|en)\.md$")
_LIBRARIES = ("Jinja2", "MarkupSafe", "markdown-it-py", "ahocorasick-rs", "pypinyin", "pagefind_bin_extended")
_ENVIRONMENT = ("SITE_BUILDER_PAGEFIND",)  # variables the build reads


def digest(*parts: str | bytes) -> str:
    """A 32-hex-digit hash of ``parts`` (length-prefixed, so ("ab", "c") != ("a", "bc"))."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def _file_digest(path: Path) -> str:
    """Hash of a regular file's bytes; links and special files hash as what they are, never read."""
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            return digest("symlink", os.readlink(path))
        if not stat.S_ISREG(st.st_mode):
            return digest("special", str(stat.S_IFMT(st.st_mode)))
        return digest(path.read_bytes())
    except OSError as exc:
        return digest("unreadable", str(exc.errno))


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """The generator as this process runs it: its Python source, Python and library versions."""
    parts: list[str] = [sys.version, str(FORMAT)]
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        parts += [path.relative_to(package).as_posix(), _file_digest(path)]
    versions = _installed_versions()
    for name in _LIBRARIES:
        parts += [name, versions.get(_dist_key(name), "-")]
    return digest(*parts)


def _dist_key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _installed_versions() -> dict[str, str]:
    """Distribution -> version, from the ``*.dist-info`` folders on ``sys.path`` (first found wins, as for imports).

    What ``importlib.metadata.version`` reports, without the tenth of a second it takes to import.
    """
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                dist, _, version = name[: -len(".dist-info")].partition("-")
                found.setdefault(_dist_key(dist), version)
    return found


def tools_digest(root: Path) -> str:
    """The project's installed tools (the search indexer): their lock file, what is installed, the variables."""
    tools = root / "tools"
    parts = [_file_digest(tools / "package-lock.json"), _file_digest(tools / "node_modules" / ".installed"),
             *(f"{name}={os.environ.get(name, '')}" for name in _ENVIRONMENT)]
    bin_dir = tools / "node_modules" / ".bin"
    if bin_dir.is_dir():
        parts += sorted(os.listdir(bin_dir))
    return digest(*parts)



Identity = tuple[int, int, int, int]  # size, mtime_ns, inode, ctime_ns


@dataclass(frozen=True)
class Inputs:
    """Content hashes of everything a build reads, taken before the build reads it."""

    files: Mapping[str, str]  # project-relative path -> hash
    code: str  # the generator and its tools
    identities: Mapping[str, tuple[Identity, str]] = field(default_factory=dict, compare=False, repr=False)
    _keys: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)  # key() results

    def unknown(self, changed: Iterable[str]) -> Inputs:
        """These inputs with the files ``changed`` (saved while the build read them) given hashes no file has.

        What a build makes from such a file may be made from either version; recorded under a hash
        no file has, it is made again by the next build (and only it: the rest stays incremental).
        """
        changed = set(changed)
        salt = os.urandom(8).hex()
        files = {rel: digest("changed while read", salt, h) if rel in changed else h for rel, h in self.files.items()}
        identities = {rel: found for rel, found in self.identities.items() if rel not in changed}
        return Inputs(files, self.code, identities)

    def known(self, now_ns: int) -> dict[str, list[Any]]:
        """What a later scan may take without reading (see :func:`scan_inputs`): files that had settled by ``now_ns``.

        A file changed within :data:`~site_builder.stage.RACY_NS` may change again without its size or
        timestamps changing (file systems stamp times coarsely): its hash is not kept for the next scan.
        """
        return {rel: [*ident, h] for rel, (ident, h) in self.identities.items()
                if max(ident[1], ident[3]) < now_ns - RACY_NS}

    @functools.cached_property
    def _every(self) -> list[tuple[str, str]]:
        """Every file as (path, hash), sorted by path (once: the digests below all read it)."""
        return sorted(self.files.items())

    @functools.cached_property
    def _articles(self) -> list[tuple[str, str]]:
        """The article files of :attr:`_every`, in its order."""
        return [item for item in self._every if _ARTICLE.match(item[0])]

    @functools.cached_property
    def _others(self) -> list[tuple[str, str]]:
        """The other files of :attr:`_every` (code, templates, static, content other than the articles)."""
        return [item for item in self._every if not _ARTICLE.match(item[0])]

    @functools.cached_property
    def fingerprint(self) -> str:
        """Changes when anything a build reads changes."""
        return digest(self.code, *(f"{path}\0{h}" for path, h in self._every))

    @functools.cached_property
    def shared(self) -> str:
        """What every page sees: the code, site.toml and every non-article file under content/."""
        return digest(self.code, *(f"{p}\0{h}" for p, h in self._others if p.startswith("content/")))

    @functools.cached_property
    def outside_articles(self) -> str:
        """Everything but the article files: the code, and every other file under content/, templates/, static/."""
        return digest(self.code, *(f"{p}\0{h}" for p, h in self._others))

    @functools.cached_property
    def markdown_salt(self) -> str:
        """What rendered Markdown may depend on besides its text: the code, the registry and data files."""
        return digest(self.code, *(f"{p}\0{h}" for p, h in self._others if p.startswith("content/") and p != CONFIG))

    def file(self, rel: str) -> str:
        """The hash of the input file ``rel`` ("missing" if there is none)."""
        return self.files.get(rel, "missing")

    def key(self, key: str) -> str | None:
        """The hash of one ``Page.deps`` key, or None for a key this module does not know."""
        if key not in self._keys:  # thousands of pages name the same keys
            self._keys[key] = self._key(key)
        return self._keys[key]

    def _key(self, key: str) -> str | None:
        kind, _, arg = key.partition(":")
        if kind == "article" and arg == "*":
            return digest(*(f"{p}\0{h}" for p, h in self._articles))
        if kind == "article" and arg:
            return digest(self.file(f"content/articles/{arg}.zh.md"), self.file(f"content/articles/{arg}.en.md"))
        if key == "registry":
            return digest(self.file(REGISTRY), *(f"{p}\0{h}" for p, h in self._others
                                                  if p.startswith("content/entities/")))
        if key == "config":
            return self.file(CONFIG)
        if kind == "data" and arg:
            return self.file(f"content/data/{arg}")
        if kind == "file" and arg:
            return self.file(arg)
        if kind == "hash" and arg:
            return arg
        return None


def scan_inputs(root: Path, known: Mapping[str, Any] | None = None) -> Inputs:
    """Hash every file under content/, templates/ and static/ (links and special files are not followed).

    ``known`` (:attr:`Inputs.known` of an earlier scan): a regular file whose size,
    mtime, inode and ctime are as recorded there is not read again; its recorded
    hash is its content's hash (a file edited in place changes its mtime and ctime,
    a file replaced its inode). Files that were changing when recorded are read.
    """
    files: dict[str, str] = {}
    seen: dict[str, tuple[Identity, str]] = {}
    known = known or {}
    todo = [(str(root / top), top) for top in reversed(INPUT_DIRS)]
    while todo:
        path, rel = todo.pop()
        try:
            st = os.lstat(path)
        except OSError as exc:
            if rel not in INPUT_DIRS:
                files[rel] = digest("unreadable", str(exc.errno))
            continue  # a missing top folder: no files
        if stat.S_ISDIR(st.st_mode):
            try:
                names = sorted(os.listdir(path), reverse=True)
            except OSError as exc:
                files[rel] = digest("unreadable", str(exc.errno))
                continue
            todo += [(f"{path}/{name}", f"{rel}/{name}") for name in names]
            continue
        if not stat.S_ISREG(st.st_mode):
            files[rel] = _file_digest(Path(path))  # links and special files: what they are, never read
            continue
        ident = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)
        entry = known.get(rel)
        if isinstance(entry, list) and len(entry) == 5 and tuple(entry[:4]) == ident:
            h = str(entry[4])
        else:
            h = _file_digest(Path(path))
        files[rel] = h
        seen[rel] = (ident, h)
    return Inputs(files, digest(code_digest(), tools_digest(root)), seen)


class TemplateDeps:
    """The hash of a template together with everything it extends, includes or imports."""

    def __init__(self, inputs: Inputs, templates_dir: Path, known: Mapping[str, Any] | None = None) -> None:
        self.inputs = inputs
        import jinja2

        self.dir = templates_dir
        self._env = jinja2.Environment()  # parsing only: no loader, filters or globals needed
        self._refs: dict[str, frozenset[str] | None] = {}  # None: refers to a template chosen at run time
        self._closure: dict[str, str] = {}
        # references found by earlier builds, by template: [file hash, names or None] (parsing is not free)
        self._known = dict(known or {})

    def record(self) -> dict[str, Any]:
        """What to keep for the next build: each template's hash and the templates it refers to."""
        out = dict(self._known)
        for name, refs in self._refs.items():
            out[name] = [self._file(name), None if refs is None else sorted(refs)]
        return out

    def _file(self, name: str) -> str:
        return self.inputs.files.get(f"templates/{name}", "missing")

    def _references(self, name: str) -> frozenset[str] | None:
        if name not in self._refs:
            known = self._known.get(name)
            if isinstance(known, list) and len(known) == 2 and known[0] == self._file(name) != "missing":
                self._refs[name] = None if known[1] is None else frozenset(str(n) for n in known[1])
                return self._refs[name]
            import jinja2
            import jinja2.meta

            try:
                source = (self.dir / name).read_text(encoding="utf-8")
                found = list(jinja2.meta.find_referenced_templates(self._env.parse(source)))
                self._refs[name] = None if None in found else frozenset(str(n) for n in found)
            except (OSError, UnicodeDecodeError, jinja2.TemplateSyntaxError):
                self._refs[name] = frozenset()  # the render reports it; the file hash covers its fix
        return self._refs[name]

    def closure(self, name: str) -> str:
        if name not in self._closure:
            seen: set[str] = set()
            todo = [name]
            dynamic = False
            while todo:
                current = todo.pop()
                if current in seen:
                    continue
                seen.add(current)
                refs = self._references(current)
                if refs is None:
                    dynamic = True
                    break
                todo.extend(refs)
            if dynamic:  # any template may be used: depend on them all
                seen = {p[len("templates/"):] for p in self.inputs.files if p.startswith("templates/")} | {name}
            self._closure[name] = digest(*(f"{n}\0{self._file(n)}" for n in sorted(seen)))
        return self._closure[name]


ProgressFn = Callable[[str, int, int], None]  # (what, done, total)


@dataclass
class Manifest:
    fingerprint: str = ""
    checked: bool = False  # the build passed a gate (build --strict)
    page_count: int = 0
    pages: dict[str, str] = field(default_factory=dict)  # output path -> page fingerprint
    raw_outputs: dict[str, Any] = field(default_factory=dict)  # output path -> Record.to_json()
    templates: dict[str, Any] = field(default_factory=dict)  # see TemplateDeps.record
    folders: dict[str, Any] = field(default_factory=dict)  # see site_builder.stage.folder_records
    narrow: dict[str, Any] = field(default_factory=dict)  # see site_builder.narrow.record
    warnings: list[str] = field(default_factory=list)  # what the build warned about: a no-change build says it again
    stored: dict[str, Any] = field(default_factory=dict, repr=False)  # the manifest as read (the values above)

    @functools.cached_property
    def outputs(self) -> dict[str, Record]:
        """Output path -> the file as written (made when first asked for: a no-change build only compares stats)."""
        return _records(self.raw_outputs)


def _records(value: object) -> dict[str, Record]:
    """Output records read back from JSON (entries that do not parse are left out: their files are redone)."""
    out: dict[str, Record] = {}
    if isinstance(value, dict):
        for rel, item in value.items():
            rec = Record.from_json(item)
            if rec is not None:
                out[str(rel)] = rec
    return out


def keep_compiled_templates(env: jinja2.Environment, cache_dir: Path) -> None:
    """Keep ``env``'s compiled templates under ``cache_dir`` (Jinja checks each against its source)."""
    import jinja2

    folder = cache_dir / "jinja"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        env.bytecode_cache = _sealed_bytecode_cache()(str(folder), "__jinja2_%s.sealed")
    except OSError as exc:
        log.debug("no template cache: %s", exc)


@functools.cache
def _sealed_bytecode_cache() -> type[jinja2.FileSystemBytecodeCache]:
    import io

    import jinja2

    from site_builder.memo import seal, unseal
    from site_builder.render import COMPILER

    class SealedBytecodeCache(jinja2.FileSystemBytecodeCache):
        """Jinja's file cache of compiled templates, each file with the CRC-32 of its bytes in front.

        Jinja checks a compiled template against its source, not its own bytes: a flipped bit in
        the code would run as another template. A damaged file is compiled again instead. The
        source's checksum covers the version of our code generator too (``render.COMPILER``).
        """

        def get_source_checksum(self, source: str) -> str:
            return super().get_source_checksum(f"{COMPILER}\0{source}")

        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            try:
                data = Path(self._get_cache_filename(bucket)).read_bytes()
            except OSError:
                return
            code = unseal(data)
            if code is not None:
                bucket.load_bytecode(io.BytesIO(code))

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            buffer = io.BytesIO()
            bucket.write_bytecode(buffer)
            try:
                atomic_write(Path(self._get_cache_filename(bucket)), seal(buffer.getvalue()), durable=False)
            except OSError as exc:
                log.debug("compiled template not kept: %s", exc)

    return SealedBytecodeCache


class RenderPlan:
    """Decides, page by page, whether a page must be rendered or its last output still holds."""

    def __init__(self, inputs: Inputs, templates: TemplateDeps, old: Manifest, out: Path, pages: Sequence[Any],
                 progress: ProgressFn | None = None, cache_dir: Path = Path(CACHE_DIR),
                 live: Mapping[str, Stat | None] | None = None, page_set: str | None = None) -> None:
        self.inputs = inputs
        self.live = live  # the output folder as this build found it (scan); None: look at each file
        self.cache_dir = cache_dir
        self.templates = templates
        self.old = old
        self.out = out
        self.progress = progress
        self.total = len(pages)
        # the list of every page's path (which the navigation reads); given when ``pages`` are not all of them
        self.page_set = page_set if page_set is not None else digest(*sorted(p.path for p in pages))
        self.fingerprints: dict[str, str] = {}
        self.rendered = 0
        self.skipped = 0

    def fingerprint(self, page: Any) -> str | None:
        """Hash of everything ``page`` is made from, or None if its deps are unknown (render it always)."""
        if not page.deps:
            return None
        return self._fingerprint(page.path, page.deps, page.template, page.lang, page.counterpart or "",
                                 self.templates.closure(page.template))

    def _fingerprint(self, path: str, deps: Sequence[str], *parts: str) -> str | None:
        """What every page sees, ``path``, ``parts`` and the hash of each of ``deps`` (None: a key not known)."""
        keys = []
        for key in deps:
            h = self.inputs.key(key)
            if h is None:
                log.debug("%s: unknown dependency %r, made on every build", path, key)
                return None
            keys.append(f"{key}\0{h}")
        return digest(self.inputs.shared, self.page_set, path, *parts, *keys)

    def prepare(self, env: jinja2.Environment) -> None:
        keep_compiled_templates(env, self.cache_dir)

    def reusable(self, page: Any) -> bool:
        """True if nothing ``page`` is made from changed and its last output is still in the folder, untouched."""
        fp = self.fingerprint(page)
        keep = fp is not None and self._still(page.path, fp)
        if keep:
            self.skipped += 1
        else:
            self.rendered += 1
        if self.progress is not None:
            self.progress("rendering pages", self.rendered + self.skipped, self.total)
        return keep

    def kept_file(self, path: str, deps: Sequence[str]) -> bool:
        """True if a file made without a template (a feed, the sitemap) from what every page sees and ``deps``
        (``Page.deps`` keys) is still in the folder as the last build made it from the same."""
        fp = self.file_fingerprint(path, deps)
        return fp is not None and self._still(path, fp)

    def file_fingerprint(self, path: str, deps: Sequence[str]) -> str | None:
        """The fingerprint of a file made without a template (see :meth:`kept_file`)."""
        return self._fingerprint(path, deps, "file")

    def _still(self, path: str, fp: str) -> bool:
        """Record ``fp`` for ``path``; True if the last build made ``path`` from the same and the file is untouched."""
        self.fingerprints[path] = fp
        recorded = self.old.outputs.get(path)
        return self.old.pages.get(path) == fp and recorded is not None and self._stat(path) == recorded.stat

    def _stat(self, rel: str) -> Stat | None:
        if self.live is not None:
            return self.live.get(rel)
        try:
            return stat_of(os.lstat(self.out / rel))
        except OSError:
            return None

    def cached(self, page: Any) -> bytes | None:
        """The page's bytes from the last build if nothing it is made from changed, else None."""
        if not self.reusable(page):
            return None
        try:
            return (self.out / page.path).read_bytes()
        except OSError:
            return None


#: Check the output in a child process when it has at least this many files and folders: about 13 ms of
#: ``lstat`` calls here, against 1–3 ms to fork a build process (more for a large one, such as a test runner).
FORKED_CHECK_MIN = 4000


def sealed(record: Mapping[str, Any]) -> bytes:
    """``record`` as the build cache writes it: a line with the CRC-32 of the bytes that follow, then the record
    in Python's ``marshal`` format (dicts, lists, strings, numbers: what JSON would hold).

    A damaged file (a flipped bit, a torn write) must read as no record, never as a different one:
    a changed hash or rendered text would otherwise go unnoticed into the site. ``marshal`` rather than JSON:
    the manifest of 2,000 articles (2.7 MB) reads in half the time and writes in a sixth, and every build
    reads it (a cache of this project, written and read by this code only, like the parse cache's pickles).
    """
    try:
        body = marshal.dumps(dict(record))
    except ValueError:  # a subclass of str or dict somewhere in it (JSON takes those): as JSON would read back
        body = marshal.dumps(json.loads(json.dumps(record)))
    return b"%08x\n" % zlib.crc32(body) + body


def read_record(path: Path) -> dict[str, Any] | None:
    """A record written with :func:`sealed` in this code's format, or None (missing, damaged, another format)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head, newline, body = data.partition(b"\n")
    try:
        if not newline or len(head) != 8 or int(head, 16) != zlib.crc32(body):
            log.debug("%s is damaged: not used", path)
            return None
        record = marshal.loads(body)
    except (ValueError, EOFError, TypeError):  # (not marshal data: another format)
        return None
    return record if isinstance(record, dict) and record.get("format") == FORMAT else None


def _marked_folder(path: Path) -> str | None:
    """The output folder an owner mark (``builds/<output>.owner``) names; None if there is none."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None


class BuildCache:
    """The manifest of one output folder and the shared Markdown cache, under ``.site-builder-cache/``."""

    def __init__(self, root: Path, out: Path) -> None:
        self.root = root
        self.dir = root / CACHE_DIR
        self.out = out.resolve() if out.exists() else out.parent.resolve() / out.name
        key = digest(str(self.out))[:20]
        self.manifest_path = self.dir / "builds" / f"{key}.record"
        # what narrow builds changed since the build that wrote the manifest (site_builder.narrow): a few
        # entries, rather than the whole manifest written again
        self.edits_path = self.dir / "builds" / f"{key}.edits"
        self.edits: dict[str, Any] | None = None
        self.markdown_path = self.dir / "markdown.record"
        self.inputs_path = self.dir / "inputs.record"  # hashes of the input files by identity (see scan_inputs)
        self.spare_home = self.dir / "spare" / key  # the site swapped out last time (see site_builder.stage)
        self.spare_path = self.dir / "spare" / f"{key}.record"  # its records
        # that a build of this project made the output folder: kept when the manifest is forgotten (see owns_output)
        self.owner_path = self.dir / "builds" / f"{key}.owner"
        self.old = self._load_manifest()
        self._checker: Forked[bool] | None = None  # see check_output

    def scan(self) -> Inputs:
        """:func:`scan_inputs`, reading only files changed since the last scan; records what it found."""
        data = read_record(self.inputs_path)
        known = data.get("files") if data is not None and data.get("root") == str(self.root) else None
        known = known if isinstance(known, dict) else {}
        inputs = scan_inputs(self.root, known)
        settled = inputs.known(time.time_ns())
        if settled != known:
            try:
                atomic_write(self.inputs_path, sealed({"format": FORMAT, "root": str(self.root), "files": settled}),
                             durable=False)
            except OSError as exc:
                log.debug("input hashes not kept: %s", exc)
        return inputs

    @functools.cached_property
    def output_untouched(self) -> bool:
        """True if a stat of each recorded folder and file shows the output as the last build left it (no listing;
        False without folder records: see :func:`site_builder.stage.folder_records`).

        Found by the child process :meth:`check_output` started, when it did."""
        if self._checker is not None:
            return self._checker.result()
        return self._untouched()

    def _untouched(self) -> bool:
        return bool(self.old.folders) and untouched(self.out, self.old.raw_outputs, self.old.folders)

    def changed_since_scan(self, inputs: Inputs, only: Iterable[str] | None = None) -> list[str]:
        """Input files that are no longer as :meth:`scan` found them: saved, replaced or deleted meanwhile.

        A build reads its inputs after hashing them. A file saved in between gives pages made from
        its new text under the old text's hash; recorded, a later return to the old text (an undo)
        would look like no change. So a build that finds any is not recorded (:meth:`forget`), and
        what it parsed is not kept: the next build starts afresh. ``only``: the files to look at (default: all).
        """
        ids = inputs.identities
        items = ids.items() if only is None else [(rel, ids[rel]) for rel in only if rel in ids]
        root, lstat = str(self.root), os.lstat  # (strings, not Paths: 4,000 files take 10 ms, not 45)
        changed = []
        for rel, (ident, _) in items:
            try:
                st = lstat(f"{root}/{rel}")
            except OSError:
                changed.append(rel)
                continue
            if (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns) != ident:
                changed.append(rel)
        return changed

    def forget(self) -> None:
        """Drop the record of the last build into this folder: the next build is a full one. Never fails."""
        for path in (self.manifest_path, self.edits_path, self.spare_path):  # (an unrecorded spare is not reused)
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("warning: could not update the build cache in %s: %s", self.dir, exc)

    def check_output(self) -> None:
        """Start checking the output folder against its records (:attr:`output_untouched`) in a forked child, on
        the other core while this process hashes the inputs and loads what it needs: 17,000 ``lstat`` calls for
        a 2,000-article site, a fifth of a narrow build's time and of a no-change build's."""
        if len(self.old.folders) + len(self.old.raw_outputs) >= FORKED_CHECK_MIN and self._checker is None:
            # (no child, one CPU, or a child that failed: the check is made here, when it is asked for)
            self._checker = Forked(self._untouched, fallback=self._untouched)

    @functools.cached_property
    def live(self) -> dict[str, Stat | None]:
        """The output folder as this build found it (as recorded when :attr:`output_untouched`, else listed)."""
        if self.output_untouched:
            return {rel: (rec[0], rec[1], rec[2]) for rel, rec in self.old.raw_outputs.items()}
        return scan(self.out)

    def owns_output(self, declared: bool = False) -> bool:
        """True if the output folder is this project's to replace as a whole: ``declared`` (site.toml's
        ``output``), in the build cache (the dev server's), or made by a build of this project (recorded).

        Else the build must not delete or replace a file already there (:class:`site_builder.stage.Stage`):
        ``--out`` may name a folder of someone's files. The mark outlives :meth:`forget`."""
        return declared or bool(self.old.raw_outputs) or self.out == (self.root / DEV_OUT).resolve() \
            or _marked_folder(self.owner_path) == str(self.out)

    def own_output(self) -> None:
        """Mark the output folder as made by a build of this project (call once it was committed). Never fails."""
        if _marked_folder(self.owner_path) != str(self.out):
            try:
                atomic_write(self.owner_path, str(self.out).encode("utf-8"), durable=False)
            except OSError as exc:
                log.warning("warning: could not update the build cache in %s: %s", self.dir, exc)

    def _forget_gone_folders(self, keep: int = 8) -> None:
        """Drop the manifests of output folders that no longer exist (builds into temporary folders), and their marks."""
        for path in self.owner_path.parent.glob("*.owner"):  # (a `check` builds into a temporary folder: a mark each)
            folder = _marked_folder(path)
            if path != self.owner_path and (folder is None or not Path(folder).is_dir()):
                path.unlink(missing_ok=True)
        # (records of an older format, "*.json", read as none and go)
        manifests = sorted([*self.manifest_path.parent.glob("*.record"), *self.manifest_path.parent.glob("*.json")])
        if len(manifests) <= keep:
            return
        for path in manifests:
            data = read_record(path)
            if path != self.manifest_path and (data is None or not Path(str(data.get("out", ""))).is_dir()):
                path.unlink(missing_ok=True)
                path.with_suffix(".edits").unlink(missing_ok=True)
                path.with_suffix(".owner").unlink(missing_ok=True)
                shutil.rmtree(self.dir / "spare" / path.stem, ignore_errors=True)
                (self.dir / "spare" / path.name).unlink(missing_ok=True)

    def _load_manifest(self) -> Manifest:
        data = read_record(self.manifest_path)
        if data is None or data.get("out") != str(self.out):
            return Manifest()
        self.edits = self._apply_edits(data)
        try:
            return Manifest(str(data["fingerprint"]), bool(data["checked"]), int(data["page_count"]),
                            dict(data["pages"]), dict(data["outputs"]), dict(data["templates"]),
                            dict(data.get("folders") or {}), dict(data.get("narrow") or {}),
                            [str(w) for w in data.get("warnings") or ()], data)
        except (KeyError, TypeError, ValueError):
            return Manifest()

    def up_to_date(self, inputs: Inputs, gated: bool) -> bool:
        """True if the last build into this folder had these exact inputs and its output is untouched."""
        if not self.old.fingerprint or self.old.fingerprint != inputs.fingerprint or (gated and not self.old.checked):
            return False
        if self.old.folders:  # a stat of every folder and file, no listing (see stage.folder_records)
            if not self.output_untouched:
                return False
            self._settle_folders()
            return True
        recorded, live = self.old.raw_outputs, self.live
        return self.out.is_dir() and live.keys() == recorded.keys() and \
            all(isinstance(rec, list) and live[rel] == tuple(rec[:3]) for rel, rec in recorded.items())

    def _apply_edits(self, data: dict[str, Any]) -> dict[str, Any] | None:
        """Apply the narrow builds' edits to the manifest ``data`` if they were made on top of it; returns them."""
        edits = read_record(self.edits_path)
        if edits is None or not data.get("build") or edits.get("base") != data["build"]:
            return None
        try:
            data["fingerprint"], data["checked"] = str(edits["fingerprint"]), False
            for key in ("pages", "outputs", "folders"):
                data[key].update(edits[key])
            for slug, files in edits["articles"].items():
                data["narrow"]["articles"][slug][:2] = files
        except (KeyError, TypeError, AttributeError):
            return None  # (the records left as they were read match no output: the next build is a full one)
        return edits

    def _settle_folders(self) -> None:
        """Record that the folders listed because they had just changed have settled (no listing next time),
        folding the narrow builds' edits into the manifest."""
        folders = settled(self.out, self.old.folders)
        if folders is None and self.edits is None:
            return
        data = read_record(self.manifest_path)  # as it is now: another build may have replaced it
        if data is None or self._apply_edits(data) != self.edits or data.get("fingerprint") != self.old.fingerprint \
                or data.get("folders") != self.old.folders:
            return
        if folders is not None:
            data["folders"] = self.old.folders = folders
        try:
            atomic_write(self.manifest_path, sealed(data), durable=False)
            self.edits_path.unlink(missing_ok=True)
            self.edits = None
        except OSError as exc:
            log.debug("folder records not settled: %s", exc)

    def spare(self) -> Spare | None:
        """The old site kept by the last build, to recycle (see :class:`site_builder.stage.Spare`)."""
        data = read_record(self.spare_path)
        if data is None or data.get("out") != str(self.out):
            return None
        try:
            folders = data.get("folders")
            return Spare(self.spare_home, int(data["ino"]), int(data["ctime_ns"]), _records(data["files"]),
                         folders if isinstance(folders, dict) else {})
        except (KeyError, TypeError, ValueError):
            return None

    def stage(self, owned: bool) -> Stage:
        """Where this build puts its files: recycles the spare, and checks files against the records.

        ``owned``: the output folder is the project's own, to replace as a whole (see :meth:`owns_output`)."""
        return Stage(self.out, self.old.outputs, self.live, self.spare(), self.spare_home,
                     self.old.folders if self.output_untouched else None, owned=owned)

    def memo(self, inputs: Inputs) -> Memo:
        """Content parsed by earlier builds (articles, registry, mentions), by the hashes of its files."""
        from site_builder.memo import Memo

        return Memo(self.dir / "parsed.sqlite", inputs.files, inputs.code)

    def renderer(self, inputs: Inputs) -> CachingRenderer:
        from site_builder.mdcache import CachingRenderer

        data = read_record(self.markdown_path)
        entries = data.get("entries") if data else None
        return CachingRenderer(entries if isinstance(entries, dict) else {}, inputs.markdown_salt)

    def plan(self, inputs: Inputs, pages: Sequence[Any], progress: ProgressFn | None = None) -> RenderPlan:
        templates = TemplateDeps(inputs, self.root / "templates", self.old.templates)
        return RenderPlan(inputs, templates, self.old, self.out, pages, progress, self.dir, self.live)

    def save(self, inputs: Inputs, plan: RenderPlan | None, renderer: CachingRenderer | None, page_count: int,
             checked: bool, stage: Stage | None = None, narrow: Mapping[str, Any] | None = None,
             warnings: Sequence[str] = ()) -> None:
        """Record a successful build (call after the output was committed). Never fails the build.

        ``warnings``: the messages the build logged as warnings, said again by a build that finds nothing changed.
        """
        try:
            outputs = stage.files if stage is not None else {
                rel: Record(*st, "") for rel, st in scan(self.out).items() if st is not None}
            manifest = {"format": FORMAT, "out": str(self.out), "fingerprint": inputs.fingerprint, "checked": checked,
                        "page_count": page_count, "pages": plan.fingerprints if plan else {},
                        "outputs": {rel: rec.to_json() for rel, rec in outputs.items()},
                        "templates": plan.templates.record() if plan else {},
                        "folders": folder_records(self.out, outputs), "narrow": narrow or {},
                        "warnings": list(warnings),
                        "build": os.urandom(8).hex()}  # what narrow builds' edits apply to
            spare = stage.new_spare or stage.spare if stage is not None else None
            if spare is None:
                self.spare_path.unlink(missing_ok=True)
            elif spare is stage.new_spare:  # type: ignore[union-attr]
                atomic_write(self.spare_path, sealed({
                    "format": FORMAT, "out": str(self.out), "ino": spare.ino, "ctime_ns": spare.ctime_ns,
                    "files": {rel: rec.to_json() for rel, rec in spare.files.items()},
                    "folders": spare.folders}), durable=False)
            atomic_write(self.manifest_path, sealed(manifest), durable=False)
            self.edits_path.unlink(missing_ok=True)
            self._forget_gone_folders()
            if renderer is not None and renderer.misses:
                body = {"format": FORMAT, "entries": renderer.used}
                atomic_write(self.markdown_path, sealed(body), durable=False)
        except OSError as exc:
            log.warning("warning: could not write the build cache in %s: %s", self.dir, exc)
