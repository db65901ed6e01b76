"""dev.py's set-up decisions (pure logic, with npm, pip and the venv faked): which search indexer a build gets."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "dev.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def dev(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[ModuleType, list[str], list[list[str]]]:
    """dev.py on a scratch tree with tools/package.json; records the venv extras and the commands it runs."""
    module = load_dev()
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "package.json").write_text('{"devDependencies": {"pagefind": "1.6.0"}}', encoding="utf-8")
    monkeypatch.setattr(module, "ROOT", tmp_path)
    extras: list[str] = []
    commands: list[list[str]] = []
    monkeypatch.setattr(module, "ensure_venv", extras.append)

    def run(cmd: list[Any], **kw: object) -> None:
        commands.append([str(c) for c in cmd])
        (tmp_path / "tools" / "node_modules").mkdir(exist_ok=True)

    monkeypatch.setattr(module, "run", run)
    return module, extras, commands


def test_without_npm_the_site_gets_the_pypi_indexer(dev: tuple[ModuleType, list[str], list[list[str]]],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    module, extras, commands = dev
    monkeypatch.setattr(module.shutil, "which", lambda name: None)
    module.ensure_site_tools()
    assert extras == ["search"] and commands == []


def test_with_npm_the_site_gets_the_npm_indexer(dev: tuple[ModuleType, list[str], list[list[str]]],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    module, extras, commands = dev
    monkeypatch.setattr(module.shutil, "which", lambda name: f"/usr/bin/{name}")
    module.ensure_site_tools()
    assert extras == [""] and commands[0][:2] == ["npm", "install"]
    module.ensure_site_tools()  # installed: npm is not run again
    assert extras == ["", ""] and len(commands) == 1


def test_npm_failing_is_a_warning_for_the_site_and_an_error_for_the_tests(
        dev: tuple[ModuleType, list[str], list[list[str]]], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    module, extras, _ = dev
    monkeypatch.setattr(module.shutil, "which", lambda name: f"/usr/bin/{name}")

    def offline(cmd: list[Any], **kw: object) -> None:
        raise subprocess.CalledProcessError(1, cmd)

    monkeypatch.setattr(module, "run", offline)
    module.ensure_site_tools()
    assert extras == ["search"]
    assert "npm could not install tools/" in capsys.readouterr().err
    with pytest.raises(subprocess.CalledProcessError):
        module.ensure_node_tools()  # `dev.py test` needs the npm tools: no quiet fallback there
