"""Every output page passes the Nu HTML Checker with no errors, and has no inline script or style."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from site_builder import entity_pages
from site_builder.build import build

ROOT = Path(__file__).resolve().parent.parent
VNU = ROOT / "tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("valid") / "site"
    for name in ("content", "templates", "static"):
        shutil.copytree(ROOT / name, project / name)
    (project / "tools").symlink_to(ROOT / "tools")
    build(project)
    # and the markup a large archive gets: entity pages that quote some mentions and link the rest, hubs that count
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(entity_pages, "QUOTE_LIMIT", 3)
        mp.setattr(entity_pages, "HUB_QUOTES", 1)
        build(project, "capped")
    assert "More articles that mention it" in (project / "capped/en/entities/wenling/index.html").read_text("utf-8")
    return project / "public"


def test_nu_validator_finds_no_errors(site: Path) -> None:
    java = shutil.which("java")
    assert java, "the HTML validator needs Java (python3 dev.py test installs it)"
    assert VNU.is_file(), "vnu.jar missing: run `python3 dev.py test` (npm ci in tools/)"
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    proc = subprocess.run([java, "-jar", str(VNU), "--errors-only", "--format", "json", "--skip-non-html", str(site),
                           str(site.parent / "capped")], capture_output=True, text=True, timeout=600)
    report = json.loads(proc.stderr or proc.stdout)
    errors = [f"{m.get('url', '').split('/public/')[-1]}:{m.get('lastLine')}: {m['message']}"
              for m in report["messages"] if m["type"] in ("error", "non-document-error")]
    assert errors == []
    assert proc.returncode == 0


def test_validator_catches_an_error(tmp_path: Path) -> None:
    """The check above can fail: the same command reports a duplicate id."""
    (tmp_path / "bad.html").write_text('<!DOCTYPE html><html lang="en"><head><title>x</title></head>'
                                      '<body><p id="a">1</p><p id="a">2</p></body></html>')
    proc = subprocess.run([shutil.which("java") or "java", "-jar", str(VNU), "--errors-only", "--format", "json",
                           str(tmp_path)], capture_output=True, text=True, timeout=300)
    messages = json.loads(proc.stderr)["messages"]
    assert [m["message"] for m in messages] == ["Duplicate ID “a”."]


class Inline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "style":
            self.problems.append("<style> element")
        if "style" in a:
            self.problems.append(f"style attribute on <{tag}>")
        for name in a:
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
        if tag == "script" and not a.get("src") and a.get("type") != "application/ld+json":
            self.problems.append("inline <script>")
        if tag in ("a", "form") and (a.get("href") or a.get("action") or "").lower().startswith("javascript:"):
            self.problems.append(f"javascript: URL on <{tag}>")


def test_no_inline_scripts_or_styles(site: Path) -> None:
    problems = []
    for page in sorted(site.rglob("*.html")):
        p = Inline()
        p.feed(page.read_text(encoding="utf-8"))
        problems += [f"{page.relative_to(site)}: {x}" for x in p.problems]
    assert problems == []
