"""``content/site.toml`` -> :class:`SiteConfig`: typed, unknown keys rejected, all errors collected."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from site_builder.errors import ConfigError, Problem, toml_error_line, toml_error_message

CONFIG_NAME = "content/site.toml"


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
        out = Path(override) if override else Path(self.output)
        return out if out.is_absolute() else (self.root / out)


_KEYS = {"base_url", "output", "source_language", "target_language", "title", "tagline"}


def key_line(text: str, key: str, default: int = 1) -> int:
    """1-based line where ``key =`` (or ``[key]``) first appears in TOML ``text``."""
    pat = re.compile(rf"^\s*(?:{re.escape(key)}\s*=|\[{re.escape(key)}\])", re.M)
    m = pat.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else default


def load_config(root: Path) -> SiteConfig:
    """Read and validate ``content/site.toml`` under ``root``; raises :class:`ConfigError`."""
    path = root / CONFIG_NAME
    rel = CONFIG_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"missing site configuration (is {root} a site_builder project?)", rel) from None
    except (UnicodeDecodeError, OSError) as exc:
        raise ConfigError(f"cannot read: {exc}", rel) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(toml_error_message(exc), rel, toml_error_line(exc)) from None

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
    if not isinstance(output, str) or not output.strip() or Path(output).is_absolute() or ".." in Path(output).parts:
        problems.append(Problem(rel, key_line(text, "output"), "output must be a folder inside the project"))
        output = "public"
    elif Path(output).parts[0] in {"content", "templates", "static", "site_builder", "tests"}:
        problems.append(Problem(rel, key_line(text, "output"), f"output {output!r} would overwrite project files"))
    langs = (data.get("source_language", "zh"), data.get("target_language", "en"))
    if langs != ("zh", "en"):
        problems.append(Problem(rel, key_line(text, "source_language"), "only source_language = 'zh' and target_language = 'en' are supported"))
    if problems:
        raise ConfigError(problems)
    return SiteConfig(root=root, base_url=base_url, output=output, title=title, tagline=tagline)
