"""The package type-checks: mypy over site_builder/ with the settings in pyproject.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT


def test_site_builder_type_checks(tmp_path: Path) -> None:
    api = pytest.importorskip("mypy.api")  # in the dev extra: `python3 dev.py test` installs it
    out, err, status = api.run([str(ROOT / "site_builder"), "--config-file", str(ROOT / "pyproject.toml"),
                                "--cache-dir", str(tmp_path / "cache"), "--no-error-summary"])
    assert status == 0, out + err
