"""The argostranslate engine: the only module that imports argostranslate (lazily).

argostranslate locates and installs packages (``ARGOS_PACKAGES_DIR`` and its
settings are honoured); the translation itself calls CTranslate2 directly with
one ``ctranslate2.Translator`` (int8) and the package's own tokenizer, so all
pending sentences go through ``translate_batch`` in large batches and no
sentence splitter (MiniSBD, stanza, spaCy) is ever loaded: we split sentences
ourselves (:mod:`site_builder.translate.segment`).
"""

from __future__ import annotations

import json
import logging
import os
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from site_builder.errors import TranslationError

log = logging.getLogger(__name__)

FROM, TO = "zh", "en"
DEFAULT_BEAM = 4
DEFAULT_BATCH = 32
MAX_DECODING_LENGTH = 256


def install_hint(folder: str = "") -> str:
    where = f" (looked in {folder})" if folder else ""
    return (f"no zh→en translation model is installed{where}. Install one with "
            "`site-builder models install` (downloads it from the Argos index), or offline with "
            "`site-builder models install --from-file translate-zh_en-<version>.argosmodel`")


def _modules() -> tuple[Any, Any]:
    """(argostranslate.package, argostranslate.settings), or a TranslationError saying how to get them."""
    try:
        from argostranslate import package, settings  # type: ignore[import-untyped]
    except ImportError:
        raise TranslationError("argostranslate is not installed: pip install 'site-builder[translate]' "
                               "-c constraints/translate.txt", "site-builder") from None
    return package, settings


@contextmanager
def _quiet_argos() -> Iterator[None]:
    """argostranslate logs failed downloads itself; we report them once, our way."""
    logger = logging.getLogger("argostranslate.utils")
    old = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = old


@dataclass(frozen=True)
class PackageInfo:
    name: str  # argospm name, e.g. translate-zh_en
    from_code: str
    to_code: str
    version: str
    path: str

    @property
    def engine_id(self) -> str:
        return "argos/" + f"{self.name}-{self.version}".replace(" ", "_")

    @property
    def is_zh_en(self) -> bool:
        return (self.from_code, self.to_code) == (FROM, TO)


def packages_dir() -> Path:
    _package, settings = _modules()
    return Path(settings.package_data_dir)


def _info(pkg: Any) -> PackageInfo:
    package, _settings = _modules()
    return PackageInfo(package.argospm_package_name(pkg), pkg.from_code or "", pkg.to_code or "",
                       pkg.package_version or "", str(getattr(pkg, "package_path", "")))


def _installed_packages() -> list[Any]:
    package, settings = _modules()
    out = []
    for folder in settings.package_dirs:
        folder = Path(folder)
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if not path.is_dir():
                continue
            try:
                out.append(package.Package(path))
            except (OSError, ValueError) as exc:  # no or broken metadata.json
                log.warning("%s: warning: not an Argos package (%s)", path, exc)
    return out


def installed() -> list[PackageInfo]:
    """Installed Argos packages (every folder of argostranslate's package_dirs)."""
    return [_info(p) for p in _installed_packages()]


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(x) if x.isdigit() else 0 for x in version.replace("-", ".").split("."))


def _zh_en_package() -> Any | None:
    cands = [p for p in _installed_packages() if (p.from_code, p.to_code) == (FROM, TO) and p.type == "translate"]
    return max(cands, key=lambda p: _version_key(p.package_version or "")) if cands else None


def find_zh_en() -> PackageInfo | None:
    pkg = _zh_en_package()
    return _info(pkg) if pkg is not None else None


def check_package_file(path: Path) -> dict[str, Any]:
    """Validate a ``.argosmodel`` file before installing it; returns its metadata."""
    label = str(path)
    if not path.is_file():
        raise TranslationError("no such file", label)
    if not zipfile.is_zipfile(path):
        raise TranslationError("not an Argos package (.argosmodel files are zip archives)", label)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        tops = {n.split("/", 1)[0] for n in names}
        if len(tops) != 1 or any(n.startswith("/") or ".." in n.split("/") for n in names):
            raise TranslationError("not an Argos package: expected one top-level folder", label)
        top = tops.pop()
        try:
            meta = json.loads(zf.read(f"{top}/metadata.json"))
        except KeyError:
            raise TranslationError(f"not an Argos package: no {top}/metadata.json", label) from None
        except ValueError as exc:
            raise TranslationError(f"{top}/metadata.json is not valid JSON: {exc}", label) from None
        if not isinstance(meta, dict):
            raise TranslationError(f"{top}/metadata.json must hold an object", label)
        pair = (meta.get("from_code"), meta.get("to_code"))
        if meta.get("type", "translate") != "translate" or pair != (FROM, TO):
            raise TranslationError(f"this package translates {pair[0]}→{pair[1]}; site-builder needs zh→en", label)
        if not any(n.startswith(f"{top}/model/") for n in names):
            raise TranslationError(f"not an Argos package: no {top}/model/ folder", label)
        if f"{top}/sentencepiece.model" not in names and f"{top}/bpe.model" not in names:
            raise TranslationError(f"not an Argos package: no {top}/sentencepiece.model", label)
    meta["_folder"] = top
    return meta


def install_from_file(path: Path) -> PackageInfo:
    """Install a zh→en ``.argosmodel`` (validated first) into argostranslate's package folder."""
    package, settings = _modules()
    meta = check_package_file(path)
    try:
        package.install_from_path(path)
    except Exception as exc:  # noqa: BLE001 - argostranslate raises bare Exception
        raise TranslationError(f"cannot install: {exc}", str(path)) from None
    pkg = package.Package(Path(settings.package_data_dir) / meta["_folder"])
    return _info(pkg)


def install_online() -> PackageInfo:
    """Fetch the Argos package index, download the zh→en package and install it."""
    package, settings = _modules()
    index = Path(settings.local_package_index)
    before = index.stat().st_mtime_ns if index.exists() else None
    with _quiet_argos():
        package.update_package_index()
    if not index.exists() or index.stat().st_mtime_ns == before:
        raise TranslationError(
            f"cannot reach the Argos package index ({settings.remote_package_index}). On a machine with internet "
            "access download translate-zh_en-<version>.argosmodel and run "
            "`site-builder models install --from-file <file>`", "site-builder")
    try:
        available = [p for p in package.get_available_packages()
                     if (p.from_code, p.to_code) == (FROM, TO) and p.type == "translate"]
    except ValueError as exc:
        raise TranslationError(f"the package index is not valid JSON: {exc}", str(index)) from None
    if not available:
        raise TranslationError("the Argos package index lists no zh→en package", str(index))
    best = max(available, key=lambda p: _version_key(p.package_version or ""))
    with _quiet_argos():
        try:
            download = Path(best.download())
        except Exception as exc:  # noqa: BLE001 - argostranslate raises bare Exception
            raise TranslationError(f"download failed: {exc}", (best.links or ["site-builder"])[0]) from None
    try:
        return install_from_file(download)
    finally:
        download.unlink(missing_ok=True)


class ArgosEngine:
    """One CTranslate2 translator for the installed zh→en package; batched translation."""

    def __init__(self, pkg: Any, beam_size: int = DEFAULT_BEAM, batch_size: int = DEFAULT_BATCH,
                 compute_type: str = "int8", threads: int = 0):
        import ctranslate2  # type: ignore[import-untyped]

        self.info = _info(pkg)
        self.beam_size = beam_size
        self.batch_size = batch_size
        self._tokenizer = pkg.tokenizer
        self._prefix = getattr(pkg, "target_prefix", "") or ""
        model = Path(pkg.package_path) / "model"
        try:
            self._translator = ctranslate2.Translator(
                str(model), device="cpu", compute_type=compute_type, inter_threads=1,
                intra_threads=threads or min(os.cpu_count() or 1, 8))
        except (RuntimeError, ValueError, OSError) as exc:
            raise TranslationError(f"cannot load the translation model: {exc}", str(model)) from None

    @property
    def id(self) -> str:
        return self.info.engine_id

    def translate_batch(self, sentences: Sequence[str]) -> list[str]:
        if not sentences:
            return []
        tokens = [self._tokenizer.encode(s) for s in sentences]
        prefix = [[self._prefix]] * len(tokens) if self._prefix else None
        results = self._translator.translate_batch(
            tokens, target_prefix=prefix, beam_size=self.beam_size, max_batch_size=self.batch_size,
            batch_type="examples", replace_unknowns=True, length_penalty=0.2, num_hypotheses=1,
            max_decoding_length=MAX_DECODING_LENGTH)
        out = []
        for r in results:
            text = self._tokenizer.decode(r.hypotheses[0]) if r.hypotheses else ""
            if self._prefix and text.startswith(self._prefix):
                text = text[len(self._prefix):]
            out.append(text.strip())
        return out


def load_engine(beam_size: int = DEFAULT_BEAM, batch_size: int = DEFAULT_BATCH) -> ArgosEngine:
    """The engine for the installed zh→en package; TranslationError saying how to install one if none."""
    pkg = _zh_en_package()
    if pkg is None:
        raise TranslationError(install_hint(str(packages_dir())), "site-builder")
    if getattr(pkg, "tokenizer", None) is None:
        raise TranslationError("the package has no sentencepiece.model or bpe.model", str(pkg.package_path))
    return ArgosEngine(pkg, beam_size=beam_size, batch_size=batch_size)
