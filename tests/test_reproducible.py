"""Reproducible output and pinned, audited dependencies.

The full site (articles, entities, hubs, feeds, search index) is byte-identical
whatever the hash seed, time zone, locale, working directory or project folder;
CI installs exactly the versions in constraints/ci.txt, which agree with the
ranges in pyproject.toml; and the packages the CLI runs on have no known
vulnerability (pip-audit, through dev.py).
"""

from __future__ import annotations

import contextlib
import importlib.metadata as md
import importlib.util
import io
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.fuzz_helpers import ROOT, cli_env, copy_real_project, site_files

LOCK = ROOT / "constraints" / "ci.txt"

# ---------------------------------------------------------------- byte-identical output

SETTINGS = [
    # (hash seed, TZ, LANG, LC_ALL, run from): everything differs between the two builds
    ("1", "UTC", "C.UTF-8", "C.UTF-8", "root"),
    ("2", "Pacific/Kiritimati", "zh_CN.UTF-8", "en_US.ISO-8859-1", "filesystem-root"),
]


@pytest.mark.slow
def test_full_site_is_byte_identical_across_seeds_time_zones_locales_and_folders(tmp_path: Path) -> None:
    outputs = []
    for n, (seed, tz, lang, lc_all, cwd_kind) in enumerate(SETTINGS):
        root = copy_real_project(tmp_path / f"machine{n}" / ("deep/" * n) / "site")
        out = tmp_path / f"out{n}"
        cwd = {"root": root, "filesystem-root": Path("/")}[cwd_kind]
        env = cli_env(PYTHONHASHSEED=seed, TZ=tz, LANG=lang, LC_ALL=lc_all, LANGUAGE=lang.split(".")[0])
        proc = subprocess.run(
            [sys.executable, "-m", "site_builder", "--root", str(root), "-q", "build", "--out", str(out)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        outputs.append(site_files(out))
    first = outputs[0]
    assert any(k.startswith("en/entities/") for k in first) and any(k.endswith("feed.xml") for k in first)
    for n, other in enumerate(outputs[1:], 1):
        differ = sorted(k for k in set(first) | set(other) if first.get(k) != other.get(k))
        assert not differ, f"setting {SETTINGS[n]} changed {len(differ)} files, e.g. {differ[:5]}"
    text = b"\n".join(first.values())
    assert str(tmp_path).encode() not in text, "the output names the folder it was built in"


# ---------------------------------------------------------------- the lock file


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][^\s;+]*)", line)
        assert m, f"constraints/ci.txt: not an exact pin: {line!r}"
        assert canonicalize_name(m[1]) not in pins, f"constraints/ci.txt: {m[1]} pinned twice"
        pins[canonicalize_name(m[1])] = m[2]
    return pins


def project_requirements() -> list[Requirement]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = [Requirement(r) for r in data["dependencies"]]
    for extra in ("dev", "translate"):
        reqs += [Requirement(r) for r in data["optional-dependencies"][extra]]
    return reqs


def installed_closure(reqs: list[Requirement]) -> dict[str, str]:
    """name -> installed version of ``reqs`` and everything they need, in this environment."""
    seen: dict[str, str] = {}
    todo = list(reqs)
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(req.name)
        if name in seen:
            continue
        try:
            dist = md.distribution(req.name)
        except md.PackageNotFoundError:
            pytest.fail(f"{req.name} (needed by site-builder[dev,translate]) is not installed")
        seen[name] = dist.version
        for spec in dist.requires or []:
            sub = Requirement(spec)
            if (
                sub.marker is None
                or sub.marker.evaluate({"extra": ""})
                or any(sub.marker.evaluate({"extra": e}) for e in req.extras)
            ):
                todo.append(sub)
    return seen


def test_every_requirement_has_a_range_that_the_lock_satisfies() -> None:
    pins = lock_pins()
    for req in project_requirements():
        ops = {s.operator for s in req.specifier}
        assert ops & {">=", "~=", "=="} and ops & {"<", "~=", "=="}, (
            f"pyproject: {req} needs a lower and an upper bound"
        )
        name = canonicalize_name(req.name)
        assert name in pins, f"constraints/ci.txt does not pin {req.name}: run python3 dev.py lock"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"constraints/ci.txt: {name}=={pins[name]} is outside {req}"
        )


def test_lock_pins_everything_the_test_setup_installs() -> None:
    pins = lock_pins()
    closure = installed_closure(project_requirements())
    for tool in ("pip", "setuptools", "wheel"):  # the installer's own, in every venv
        closure.pop(tool, None)
    missing = sorted(set(closure) - set(pins))
    assert not missing, f"installed but not pinned in constraints/ci.txt: {missing}; run python3 dev.py lock"
    if Path(sys.prefix).resolve() == (ROOT / ".venv").resolve():  # the venv dev.py made with the lock (as in CI)
        drift = {n: (v, pins[n]) for n, v in closure.items() if v.split("+")[0] != pins[n]}
        assert not drift, f"installed versions differ from constraints/ci.txt: {drift}"


def test_torch_stays_at_the_cpu_build_version() -> None:
    translate = (ROOT / "constraints" / "translate.txt").read_text(encoding="utf-8")
    assert re.search(r"^torch==2\.13\.0$", translate, re.M)
    assert lock_pins()["torch"] == "2.13.0"


# ---------------------------------------------------------------- the audit


def dev_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "dev.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_runtime_closure_is_what_the_cli_imports() -> None:
    dev = dev_module()
    proc = subprocess.run([sys.executable, "-c", dev.RUNTIME_CLOSURE], capture_output=True, text=True, check=True)
    names = set(__import__("json").loads(proc.stdout))
    assert {
        "jinja2",
        "markupsafe",
        "markdown-it-py",
        "mdurl",
        "livereload",
        "tornado",
        "ahocorasick-rs",
        "pypinyin",
    } <= names
    assert not names & {"torch", "argostranslate", "pytest", "hypothesis", "pip-audit", "site-builder"}


def test_audit_verdict_fails_on_a_known_vulnerability_and_skips_only_without_data() -> None:
    dev = dev_module()
    pins = {"jinja2": "3.1.2", "mdurl": "0.1.2"}
    vulnerable = {
        "dependencies": [
            {"name": "jinja2", "version": "3.1.2", "vulns": [{"id": "GHSA-h5c8-rqwp-cp95", "fix_versions": ["3.1.3"]}]},
            {"name": "mdurl", "version": "0.1.2", "vulns": []},
        ]
    }
    code, lines = dev.audit_verdict(vulnerable, pins, lambda name: None)
    assert code == 1 and "jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 (fixed in 3.1.3)" in lines
    unreachable = {"dependencies": [{"name": n, "skip_reason": "Dependency not found on PyPI"} for n in pins]}
    code, lines = dev.audit_verdict(unreachable, pins, lambda name: None)
    assert code == 0 and lines[0].startswith("audit skipped: ")
    # per-release data unreachable, but pinned at the latest release: the project JSON answers for it
    latest = {"jinja2": ("3.1.2", [{"id": "PYSEC-1", "fixed_in": ["3.1.3"]}]), "mdurl": ("0.1.2", [])}
    code, lines = dev.audit_verdict(unreachable, pins, latest.get)
    assert code == 1 and "jinja2 3.1.2: PYSEC-1 (fixed in 3.1.3)" in lines
    code, lines = dev.audit_verdict(unreachable, pins, {"jinja2": ("3.1.6", []), "mdurl": ("0.1.2", [])}.get)
    assert code == 0 and lines == [
        "no known vulnerabilities in 1 packages: mdurl",
        "not audited (vulnerability data unreachable, not the latest release): jinja2 3.1.2",
    ]


@pytest.mark.slow
def test_cli_dependencies_have_no_known_vulnerabilities() -> None:
    pytest.importorskip("pip_audit")
    dev = dev_module()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = dev.audit(Path(sys.executable))
    report = buf.getvalue()
    assert code == 0, report
    if "audit skipped: " in report:
        pytest.skip(report.split("audit skipped: ", 1)[1].splitlines()[0])
    assert "no known vulnerabilities in " in report, report
