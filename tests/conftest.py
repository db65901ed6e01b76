from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def copy_project(dest: Path) -> Path:
    """Copy the real project (content, templates, static) into ``dest``; returns ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("content", "templates", "static"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("*~"))
    return dest


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the real project (content, templates, static) in a temporary folder."""
    return copy_project(tmp_path / "site")


def write_article(root: Path, slug: str, body: str, fm: str | None = None, en: str | None = None) -> Path:
    """Write a minimal article (front matter + body) into a project."""
    folder = root / "content" / "articles"
    folder.mkdir(parents=True, exist_ok=True)
    if fm is None:
        fm = 'title = "测试标题"\ndate = 2022-02-09\nkind = "news"\nsource = "sources/x.txt"\n'
    path = folder / f"{slug}.zh.md"
    path.write_text(f"+++\n{fm}+++\n\n{body}", encoding="utf-8")
    if en is not None:
        (folder / f"{slug}.en.md").write_text(en, encoding="utf-8")
    return path


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A minimal project: site.toml, one article, the real templates and static files."""
    root = tmp_path / "tiny"
    (root / "content").mkdir(parents=True)
    shutil.copy(ROOT / "content" / "site.toml", root / "content" / "site.toml")
    shutil.copytree(ROOT / "templates", root / "templates")
    shutil.copytree(ROOT / "static", root / "static")
    write_article(root, "one", "<!-- § a1 -->\n第一段。\n\n<!-- § b2 -->\n第二段。\n")
    return root


@pytest.fixture
def markdown_renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts markdown-it is asked to render (after any cache), in order."""
    from typing import Any

    from site_builder.markdown import Renderer

    seen: list[str] = []
    real = Renderer.render

    def spy(self: Renderer, text: str, lang: str, **env: Any) -> str:
        seen.append(text)
        return real(self, text, lang, **env)

    monkeypatch.setattr(Renderer, "render", spy)
    return seen
