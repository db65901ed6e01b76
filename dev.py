#!/usr/bin/env python3
"""Set-up and everyday tasks, on a fresh machine with only Python 3.11.

    python3 dev.py build    # create .venv, install site-builder, build the site into public/
    python3 dev.py test     # create .venv, install everything the tests need, run the test suite
    python3 dev.py serve    # build and serve with live reload on http://127.0.0.1:8000/

Everything is installed into .venv/ in the project folder; re-runs skip
installation when nothing changed. Extra arguments go to the underlying command
(e.g. `python3 dev.py test -k content`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
CONSTRAINTS = ROOT / "constraints" / "translate.txt"


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


def ensure_node_tools() -> None:
    """npm tools used by the tests (HTML validator, search indexer), installed into tools/node_modules."""
    tools = ROOT / "tools"
    pkg = tools / "package.json"
    if not pkg.exists() or not shutil.which("npm"):
        return
    lock = tools / "package-lock.json"
    stamp = tools / "node_modules" / ".installed"
    key = hashlib.sha256(pkg.read_bytes() + (lock.read_bytes() if lock.exists() else b"")).hexdigest()
    if stamp.exists() and stamp.read_text() == key:
        return
    # --ignore-scripts: the tools need no install scripts (vnu-jar's would try to download a Java runtime).
    run(["npm", "ci" if lock.exists() else "install", "--no-audit", "--no-fund", "--ignore-scripts", "--prefix", tools])
    stamp.write_text(key)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"build", "test", "serve"}:
        print(__doc__)
        return 2
    task, rest = argv[0], argv[1:]
    if task == "build":
        ensure_venv("")
        run([VENV / "bin" / "site-builder", "build", *rest])
    elif task == "serve":
        ensure_venv("")
        run([VENV / "bin" / "site-builder", "serve", *rest])
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
