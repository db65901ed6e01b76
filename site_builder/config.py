"""``content/site.toml`` -> :class:`SiteConfig`: typed, unknown keys rejected, all errors collected."""

from __future__ import annotations

import errno
import os
import re
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from site_builder.errors import ConfigError, ContentError, Problem, SiteError, toml_error_line, toml_error_message

CONFIG_NAME = "content/site.toml"
MAX_FILE_BYTES = 5_000_000
CACHE_DIR = ".site-builder-cache"  # the build cache (site_builder.deps), safe to delete
DEV_OUT = f"{CACHE_DIR}/serve"  # the dev server's output folder: the only output allowed in the cache
LINK_RULE = "project files must be real files inside the project"
# Top-level folders of a project that an output folder must never replace.
PROJECT_DIRS = frozenset({"content", "templates", "static", "site_builder", "tests", "docs", "bench", "constraints",
                          "tools", ".ci", ".git", ".venv", "drafts"})


@dataclass(frozen=True)
class SiteConfig:
    root: Path  # project root (the folder holding content/, templates/, static/)
    base_url: str  # always ends with "/"
    output: str
    title: dict[str, str]
    tagline: dict[str, str]
    source_language: str = "zh"
    target_language: str = "en"

    @property
    def languages(self) -> tuple[str, str]:
        return (self.source_language, self.target_language)

    @property
    def base_path(self) -> str:
        """The URL path the site lives under, e.g. ``/`` or ``/wenling/``."""
        m = re.match(r"^[a-z]+://[^/]+(/.*)?$", self.base_url)
        return (m.group(1) if m and m.group(1) else "/") if m else "/"

    def output_dir(self, override: str | Path | None = None) -> Path:
        """The output folder; raises ConfigError if building there would replace or hide project files."""
        out = Path(override) if override else Path(self.output)
        out = out if out.is_absolute() else (self.root / out)
        where = "--out" if override else CONFIG_NAME
        try:
            root, real = self.root.resolve(), out.resolve()
        except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop
            raise ConfigError(f"output folder {out}: {exc}", where, 0 if override else 1) from None
        if real == root or root.is_relative_to(real):
            raise ConfigError(f"output folder {out} is the project folder or contains it", where, 0 if override else 1)
        inside = real.relative_to(root) if real.is_relative_to(root) else None
        if inside is not None and inside.parts[0] in PROJECT_DIRS:
            raise ConfigError(f"output folder {out} would overwrite project files", where, 0 if override else 1)
        if inside is not None and inside.parts[0] == CACHE_DIR and inside.as_posix() != DEV_OUT:
            raise ConfigError(f"output folder {out} is in the build cache ({CACHE_DIR}/)", where,
                              0 if override else 1)
        if real.exists() and not real.is_dir():
            raise ConfigError(f"output folder {out} exists and is not a folder", where, 0 if override else 1)
        return out


_KEYS = {"base_url", "output", "source_language", "target_language", "title", "tagline"}


def key_line(text: str, key: str, default: int = 1) -> int:
    """1-based line where ``key =`` (or ``[key]``) first appears in TOML ``text``."""
    # [ \t]*, not \s*: \s would let every line start rescan all following blank lines (quadratic)
    pat = re.compile(rf"^[ \t]*(?:{re.escape(key)}[ \t]*=|\[{re.escape(key)}\])", re.M)
    m = pat.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else default


def symlink_in(path: Path, rel: str) -> str | None:
    """The first component of ``rel`` (a path inside the project, ending at ``path``) that is a symbolic link."""
    parts = Path(rel).parts
    p = path
    for n in range(len(parts), 0, -1):
        if p.is_symlink():
            return "/".join(parts[:n])
        p = p.parent
    return None


def tree_files(root: Path, folder: str) -> list[str]:
    """Project-relative paths of the regular files under ``root/folder``, sorted (dot-files left out).

    Raises SiteError at the first symbolic link or special file (FIFO, socket, device) in the tree,
    so nothing outside the project is ever read through it and nothing blocks.
    """
    base = root / folder
    if base.is_symlink():
        raise SiteError(f"{folder} is a symbolic link; {LINK_RULE}", folder, 1)
    found: list[str] = []
    for dirpath, dirs, names in os.walk(base):
        dirs.sort()
        for name in sorted(dirs) + sorted(names):
            p = Path(dirpath) / name
            rel = p.relative_to(root).as_posix()
            if p.is_symlink():
                raise SiteError(f"symbolic links are not allowed: {LINK_RULE}", rel, 1)
            if name in names and not p.is_file():
                raise SiteError("not a regular file", rel, 1)
            if name in names and not name.startswith("."):
                found.append(rel)
    return sorted(found)


def read_text(path: Path, rel: str, error: type[SiteError] = ContentError, folder_checked: bool = False) -> str:
    """The text of the UTF-8 project file ``path`` (BOM and CRLF tolerated); ``rel`` names it in errors.

    Raises ``error`` with ``rel:line`` for a symbolic link anywhere in ``rel``, anything but a regular
    file, a file over MAX_FILE_BYTES, invalid UTF-8 or NUL bytes. Never blocks on a FIFO or device.
    ``folder_checked``: the caller found no symbolic link in the folders on the way (reading thousands of
    files of one folder): only the file itself is then checked, as it is opened.
    """
    # a path given on the command line (absolute, or through ..) is the user's choice: links followed
    project_file = not Path(rel).is_absolute() and ".." not in Path(rel).parts
    link = symlink_in(path, rel) if project_file and not folder_checked else None
    if link is not None:
        raise error(f"{link} is a symbolic link; {LINK_RULE}", rel, 1)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (os.O_NOFOLLOW if project_file else 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise error(f"{rel} is a symbolic link; {LINK_RULE}", rel, 1) from None
        raise error(f"cannot read: {exc.strerror or exc}", rel, 1) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise error("not a regular file", rel, 1)
        with os.fdopen(fd, "rb", closefd=False) as fh:
            # a buffer of the file's size, not of the limit (allocated for every file of a build otherwise)
            want = min(st.st_size, MAX_FILE_BYTES) + 1
            data = fh.read(want)
            if len(data) == want:  # it grew since fstat
                data += fh.read(MAX_FILE_BYTES + 1 - len(data))
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}", rel, 1) from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise error(f"file is larger than {MAX_FILE_BYTES // 1_000_000} MB", rel, 1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error(f"not valid UTF-8 (byte {exc.start})", rel, line) from None
    if "\x00" in text:
        raise error("binary file (contains NUL bytes)", rel, text[: text.index("\x00")].count("\n") + 1)
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def parse_toml(text: str, rel: str, error: type[SiteError], first_line: int = 1) -> dict[str, Any]:
    """``tomllib.loads(text)``; any failure becomes ``error`` at ``rel:line`` (``text`` starts on ``first_line``)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = toml_error_line(exc) or text.rstrip().count("\n") + 1  # "at end of document": no line given
        raise error(toml_error_message(exc), rel, line + first_line - 1) from None
    except RecursionError:
        # tomllib recurses once per nested array or inline table
        lines = text.split("\n")
        worst = max(range(len(lines)), key=lambda i: lines[i].count("[") + lines[i].count("{"))
        raise error("invalid TOML: arrays or tables nested too deeply", rel, worst + first_line) from None


def require_project(root: Path) -> None:
    """Raise :class:`ConfigError` unless ``root`` is a project: it has ``content/site.toml``."""
    path = root / CONFIG_NAME
    if not path.exists() and not path.is_symlink():
        raise ConfigError(f"missing site configuration (is {root.absolute()} a site_builder project? "
                          "Run the command in the project folder or pass --root)", CONFIG_NAME)


def load_config(root: Path) -> SiteConfig:
    """Read and validate ``content/site.toml`` under ``root``; raises :class:`ConfigError`."""
    require_project(root)
    path = root / CONFIG_NAME
    rel = CONFIG_NAME
    text = read_text(path, rel, ConfigError)
    data = parse_toml(text, rel, ConfigError)

    problems: list[Problem] = []
    for key in sorted(set(data) - _KEYS):
        problems.append(Problem(rel, key_line(text, key), f"unknown key {key!r} (known: {', '.join(sorted(_KEYS))})"))

    def text_table(key: str) -> dict[str, str]:
        value = data.get(key)
        if not isinstance(value, dict) or not all(isinstance(value.get(lang), str) for lang in ("zh", "en")):
            problems.append(Problem(rel, key_line(text, key), f"[{key}] needs zh and en strings"))
            return {"zh": "", "en": ""}
        return {"zh": value["zh"], "en": value["en"]}

    title = text_table("title")
    tagline = text_table("tagline")
    base_url = data.get("base_url", "/")
    if not isinstance(base_url, str) or not re.match(r"^(https?://[^/\s]+)?/[^\s]*$", base_url):
        problems.append(Problem(rel, key_line(text, "base_url"), "base_url must be an http(s) URL or a path starting with /"))
        base_url = "/"
    if not base_url.endswith("/"):
        base_url += "/"
    output = data.get("output", "public")
    out_parts = Path(output).parts if isinstance(output, str) and "\x00" not in output else ()
    if not out_parts or Path(output).is_absolute() or ".." in out_parts or not output.strip():
        problems.append(Problem(rel, key_line(text, "output"), "output must be a folder inside the project"))
        output = "public"
    elif out_parts[0] in PROJECT_DIRS:
        problems.append(Problem(rel, key_line(text, "output"), f"output {output!r} would overwrite project files"))
    elif out_parts[0] == CACHE_DIR:
        problems.append(Problem(rel, key_line(text, "output"), f"output {output!r} is in the build cache ({CACHE_DIR}/)"))
    langs = (data.get("source_language", "zh"), data.get("target_language", "en"))
    if langs != ("zh", "en"):
        problems.append(Problem(rel, key_line(text, "source_language"), "only source_language = 'zh' and target_language = 'en' are supported"))
    if problems:
        raise ConfigError(problems)
    return SiteConfig(root=root, base_url=base_url, output=output, title=title, tagline=tagline)
