#!/usr/bin/env python3
"""Set-up and everyday tasks, on a fresh machine with only Python 3.11.

    python3 dev.py build    # create .venv, install site-builder, build the site into public/
    python3 dev.py test     # create .venv, install everything the tests need, run the test suite
    python3 dev.py serve    # build and serve with live reload on http://127.0.0.1:8000/
    python3 dev.py audit    # check what the CLI and the built site use against known vulnerabilities
    python3 dev.py lock     # re-resolve .[dev,translate] in a fresh venv into constraints/ci.txt

Everything is installed into .venv/ in the project folder; re-runs skip
installation when nothing changed. Extra arguments go to the underlying command
(e.g. `python3 dev.py test -k content`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
CONSTRAINTS = ROOT / "constraints" / "translate.txt"
LOCK = ROOT / "constraints" / "ci.txt"


def run(cmd: list[str], **kw: object) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kw)  # type: ignore[arg-type]


def ensure_venv(extras: str) -> None:
    """Create .venv and install the project with ``extras`` unless already done for these inputs."""
    if sys.version_info < (3, 11):
        sys.exit(f"site-builder needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PY.exists():
        run([sys.executable, "-m", "venv", VENV])
    key = hashlib.sha256()
    for f in ("pyproject.toml", "constraints/translate.txt", "constraints/ci.txt"):
        p = ROOT / f
        if p.exists():
            key.update(p.read_bytes())
    key.update(extras.encode())
    stamp = VENV / f".installed-{extras or 'core'}"
    if stamp.exists() and stamp.read_text() == key.hexdigest():
        return
    run([PY, "-m", "pip", "install", "-q", "--upgrade", "pip"])
    target = f".[{extras}]" if extras else "."
    cmd = [PY, "-m", "pip", "install", "-q", "-e", target, "-c", CONSTRAINTS]
    if (ROOT / "constraints" / "ci.txt").exists() and "dev" in extras:
        cmd += ["-c", ROOT / "constraints" / "ci.txt"]
    run(cmd)
    stamp.write_text(key.hexdigest())


def ensure_chromium() -> None:
    """The browser tests need Debian's chromium; install it when we can (root + apt-get)."""
    if shutil.which("chromium") or Path("/usr/bin/chromium").exists():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(["apt-get", "update", "-q"], env=env)
        run(["apt-get", "install", "-y", "-q", "chromium", "chromium-driver"], env=env)
    else:
        sys.exit("the browser tests need Chromium: install the Debian packages chromium and chromium-driver")


def ensure_apt(commands: dict[str, str]) -> None:
    """Install the Debian packages of any missing command ({command: package}) when we can (root + apt-get)."""
    missing = sorted({pkg for cmd, pkg in commands.items() if not shutil.which(cmd)})
    if not missing:
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(["apt-get", "update", "-q"], env=env)
        run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing], env=env)
    else:
        sys.exit(f"the tests need these Debian packages: {' '.join(missing)}")


def ensure_node_tools(required: bool = True) -> bool:
    """npm tools used by the tests (HTML validator, search indexer), installed into tools/node_modules.

    False if they cannot be: no npm here, or (``required`` False) npm failed, which is then only a warning."""
    tools = ROOT / "tools"
    pkg = tools / "package.json"
    if not pkg.exists() or not shutil.which("npm"):
        return False
    lock = tools / "package-lock.json"
    stamp = tools / "node_modules" / ".installed"
    key = hashlib.sha256(pkg.read_bytes() + (lock.read_bytes() if lock.exists() else b"")).hexdigest()
    if stamp.exists() and stamp.read_text() == key:
        return True
    # --ignore-scripts: the tools need no install scripts (vnu-jar's would try to download a Java runtime).
    try:
        run(["npm", "ci" if lock.exists() else "install", "--no-audit", "--no-fund", "--ignore-scripts", "--prefix",
             tools])
    except subprocess.CalledProcessError:
        if required:
            raise
        print("warning: npm could not install tools/ (offline?); using the search indexer from PyPI", file=sys.stderr)
        return False
    stamp.write_text(key)
    return True


def ensure_site_tools() -> None:
    """What building the site needs: .venv, and a search indexer (npm's, else PyPI's: see docs/search.md)."""
    ensure_venv("" if ensure_node_tools(required=False) else "search")


def lock() -> int:
    """Install .[dev,translate] into a fresh venv (with constraints/translate.txt) and pin what it got."""
    with tempfile.TemporaryDirectory(prefix="site-builder-lock-") as tmp:
        venv, src = Path(tmp) / "venv", Path(tmp) / "src"
        py = venv / "bin" / "python"
        src.mkdir()
        for name in ("pyproject.toml", "README.md"):  # a copy: building the wheel writes into the source tree
            shutil.copy(ROOT / name, src / name)
        shutil.copytree(ROOT / "site_builder", src / "site_builder", ignore=shutil.ignore_patterns("__pycache__"))
        run([sys.executable, "-m", "venv", venv])
        run([py, "-m", "pip", "install", "-q", "--upgrade", "pip"])
        run([py, "-m", "pip", "install", "-q", f"{src}[dev,translate]", "-c", CONSTRAINTS])
        frozen = subprocess.run([py, "-m", "pip", "freeze", "--exclude-editable"], check=True, cwd=ROOT,
                                capture_output=True, text=True).stdout
    pins = []
    for line in frozen.splitlines():
        if "==" not in line or line.lower().startswith(("site-builder", "site_builder")):
            continue
        pins.append(re.sub(r"\+[A-Za-z0-9.]+$", "", line.strip()))  # torch 2.13.0+cpu: the +cpu file is chosen by
    pins.sort(key=str.lower)                                       # constraints/translate.txt's set-up, not by name
    LOCK.write_text("# Exact versions of everything `pip install -e .[dev,translate] -c constraints/translate.txt`\n"
                    "# installs into a fresh venv; dev.py passes this file to pip for the test set-up (CI).\n"
                    "# Regenerate after changing dependencies: python3 dev.py lock\n" + "\n".join(pins) + "\n")
    print(f"wrote {len(pins)} pins to {LOCK.relative_to(ROOT)}")
    return 0


#: Prints name -> version of site-builder's runtime requirements (no extras), recursively, in the venv it runs in.
RUNTIME_CLOSURE = """
import importlib.metadata as md, json, re
from packaging.requirements import Requirement
seen, todo = {}, ["site-builder"]
while todo:
    dist = md.distribution(todo.pop())
    key = re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()
    if key in seen:
        continue
    seen[key] = dist.version
    for spec in dist.requires or []:
        req = Requirement(spec)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            todo.append(req.name)
seen.pop("site-builder")
print(json.dumps(seen, sort_keys=True))
"""


def pypi_latest(name: str) -> tuple[str, list[dict]] | None:
    """(latest version, its known vulnerabilities) from PyPI's project JSON, or None if unreachable."""
    try:
        with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=20) as resp:
            data = json.load(resp)
        return data["info"]["version"], [v for v in data.get("vulnerabilities") or [] if not v.get("withdrawn")]
    except (OSError, ValueError, KeyError):
        return None


def audit_verdict(report: dict, pins: dict[str, str],
                  latest: Callable[[str], tuple[str, list[dict]] | None]) -> tuple[int, list[str]]:
    """Read pip-audit's JSON: (exit code, lines to print). Packages pip-audit could not look up (PyPI's
    per-release JSON unreachable) are checked through the project JSON when pinned at the latest release."""
    found, audited, missing = [], [], []
    for dep in report.get("dependencies", []):
        name = dep["name"]
        vulns = dep.get("vulns") or []
        if "skip_reason" in dep:
            info = latest(name)
            if info is None or info[0] != pins.get(name, dep.get("version")):
                missing.append(f"{name} {pins.get(name, '?')}")
                continue
            vulns = [{"id": v.get("id"), "fix_versions": v.get("fixed_in") or []} for v in info[1]]
        audited.append(name)
        found += [f"{name} {pins.get(name, dep.get('version', '?'))}: {v.get('id')} (fixed in "
                  f"{', '.join(v.get('fix_versions') or []) or 'no release yet'})" for v in vulns]
    if found:
        return 1, ["known vulnerabilities in what the CLI uses:", *found]
    if not audited:
        return 0, ["audit skipped: no vulnerability data reachable from this machine (PyPI's per-release JSON "
                   "and the OSV service); run `python3 dev.py audit` where they are: " + ", ".join(missing)]
    lines = [f"no known vulnerabilities in {len(audited)} packages: {', '.join(sorted(audited))}"]
    if missing:
        lines.append(f"not audited (vulnerability data unreachable, not the latest release): {', '.join(missing)}")
    return 0, lines


def audit(py: Path = PY) -> int:
    """pip-audit the CLI's runtime closure as installed for ``py``, and npm-audit tools/ (the search bundle).

    Returns 1 if a known vulnerability is found; prints "audit skipped: ..." when no vulnerability
    data can be reached (tests/test_reproducible.py runs this and skips with that message).
    """
    pins = json.loads(subprocess.run([py, "-c", RUNTIME_CLOSURE], check=True, capture_output=True, text=True).stdout)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", prefix="runtime-") as req:
        req.write("".join(f"{name}=={version}\n" for name, version in sorted(pins.items())))
        req.flush()
        proc = subprocess.run([py, "-m", "pip_audit", "-r", req.name, "--disable-pip", "--no-deps", "-f", "json",
                               "--progress-spinner", "off"], capture_output=True, text=True, cwd=ROOT)
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        print(f"pip-audit failed (exit {proc.returncode}): {proc.stderr.strip()[-500:]}")
        return 1
    code, lines = audit_verdict(report, pins, pypi_latest)
    print("\n".join(f"audit: {line}" for line in lines), flush=True)
    if (ROOT / "tools" / "package-lock.json").exists() and shutil.which("npm"):
        # tools/ holds Pagefind, whose JavaScript and WebAssembly ship in the built site
        npm = subprocess.run(["npm", "audit", "--json", "--prefix", str(ROOT / "tools")],
                             capture_output=True, text=True)
        try:
            result = json.loads(npm.stdout)
        except ValueError:
            result = {"message": npm.stderr.strip()[-300:]}
        counts = result.get("metadata", {}).get("vulnerabilities", {})
        if "total" in counts:
            print(f"audit: npm tools/: {counts['total']} known vulnerabilities", flush=True)
            code = code or (1 if counts["total"] else 0)
        else:
            print(f"audit: npm tools/ skipped: the registry's audit service answered {result.get('message')!r}")
    return code


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"build", "test", "serve", "audit", "lock"}:
        print(__doc__)
        return 2
    task, rest = argv[0], argv[1:]
    if task == "build":
        ensure_site_tools()
        run([VENV / "bin" / "site-builder", "build", *rest])
    elif task == "serve":
        ensure_site_tools()
        run([VENV / "bin" / "site-builder", "serve", *rest])
    elif task == "audit":
        ensure_venv("dev,translate")
        return audit()
    elif task == "lock":
        return lock()
    else:
        ensure_venv("dev,translate")
        ensure_chromium()
        ensure_apt({"npm": "npm", "java": "default-jre-headless"})  # search indexer and HTML validator
        ensure_node_tools()
        run([PY, "-m", "pytest", *rest])
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode or 1)
