"""The real argostranslate path, with a tiny random-weight zh→en package built at test time.

argostranslate reads its folders from the environment when first imported, so
the session fixture points them at temporary folders before importing it.
Network access is blocked while these tests run (an audit hook refuses every
non-loopback connection and name lookup): any download attempt fails the test.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from site_builder import cli
from site_builder.content import load_articles
from site_builder.translate import argos
from site_builder.translate.memory import MEMORY, Memory
from site_builder.translate.pipeline import Translator
from site_builder.translate.protect import PROTECTED_TYPES, Glossary
from site_builder.translate.segment import split_sentences
from tests.argos_tiny import PACKAGE_VERSION, build_package
from tests.conftest import ROOT
from tests.test_translate_pipeline import make_project, set_zh

pytestmark = pytest.mark.argos
ENGINE = f"argos/translate-zh_en-{PACKAGE_VERSION}"
_LOCAL = {"127.0.0.1", "::1", "localhost", b"localhost", b"127.0.0.1"}
_NET: dict[str, Any] = {"block": False, "attempts": []}


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _NET["block"]:
        return
    if event == "socket.connect":
        addr = args[1]
        if isinstance(addr, tuple) and addr and addr[0] not in _LOCAL:
            _NET["attempts"].append(addr)
            raise OSError(f"network access is blocked in tests: {addr}")
    elif event == "socket.getaddrinfo" and args[0] not in _LOCAL and args[0] is not None:
        _NET["attempts"].append(args[0])
        raise OSError(f"network access is blocked in tests: {args[0]}")


if not getattr(sys, "_site_builder_net_hook", False):
    sys.addaudithook(_audit)  # audit hooks cannot be removed: it only acts while _NET["block"] is set
    sys._site_builder_net_hook = True  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def argos_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """argostranslate pointed at temporary folders, and the tiny package (built once)."""
    base = tmp_path_factory.mktemp("argos")
    env = {
        "ARGOS_PACKAGES_DIR": str(base / "packages"), "XDG_DATA_HOME": str(base / "data"),
        "XDG_CONFIG_HOME": str(base / "config"), "XDG_CACHE_HOME": str(base / "cache"),
        "ARGOS_DEVICE_TYPE": "cpu", "ARGOS_COMPUTE_TYPE": "int8", "ARGOS_BEAM_SIZE": "4",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    from argostranslate import settings  # first import normally: it reads the variables above

    # if something imported argostranslate before us, point it at our folders all the same
    for name, value in (("package_data_dir", base / "packages"), ("data_dir", base / "data" / "argos-translate"),
                        ("cache_dir", base / "cache" / "argos-translate")):
        setattr(settings, name, value)
        value.mkdir(parents=True, exist_ok=True)
    settings.package_dirs = [base / "packages"]
    yield SimpleNamespace(base=base, env=env, package=build_package(base / "build"))
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture
def home(argos_session: SimpleNamespace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty package folder for this test, cached translations cleared, network blocked."""
    from argostranslate import settings

    packages = tmp_path / "argos-packages"
    packages.mkdir()
    monkeypatch.setattr(settings, "package_data_dir", packages)
    monkeypatch.setattr(settings, "package_dirs", [packages])
    monkeypatch.setattr(settings, "local_package_index", tmp_path / "index.json")
    monkeypatch.setattr(settings, "downloads_dir", tmp_path / "downloads")
    (tmp_path / "downloads").mkdir()
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(packages))
    if "argostranslate.translate" in sys.modules:
        tr = sys.modules["argostranslate.translate"]
        tr.installed_translates.clear()
        tr.get_installed_languages.cache_clear()
    _NET["block"], _NET["attempts"] = True, []
    try:
        yield packages
        assert _NET["attempts"] == [], "a network access was attempted"
    finally:
        _NET["block"] = False


@pytest.fixture
def installed(home: Path, argos_session: SimpleNamespace) -> Path:
    from argostranslate import package

    package.install_from_path(argos_session.package)
    return home


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    return make_project(tmp_path / "site")


def sb(*args: str) -> int:
    return cli.main(list(args))


# ---------------------------------------------------------------- models

def test_models_install_from_file_and_list(home: Path, argos_session: SimpleNamespace,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert sb("models", "list") == 0
    out = capsys.readouterr()
    assert f"Argos packages in {home}:\n  (none)" in out.out and "no zh→en translation model" in out.err
    assert sb("models", "install", "--from-file", str(argos_session.package)) == 0
    assert f"installed translate-zh_en {PACKAGE_VERSION} (zh→en) into {home}" in capsys.readouterr().err
    assert (home / f"translate-zh_en-{PACKAGE_VERSION}" / "model" / "model.bin").is_file()
    assert sb("models", "list", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["packages_dir"] == str(home)
    assert [(p["name"], p["from"], p["to"], p["version"], p["used_by_translate"]) for p in data["packages"]] == \
        [("translate-zh_en", "zh", "en", PACKAGE_VERSION, True)]


def _repack(src: Path, dest: Path, meta_change: dict[str, Any] | None = None, drop: str = "") -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if drop and drop in item.filename:
                continue
            if item.filename.endswith("/metadata.json") and meta_change:
                data = json.dumps({**json.loads(data), **meta_change}).encode()
            zout.writestr(item, data)
    return dest


def test_models_install_refuses_bad_files(home: Path, argos_session: SimpleNamespace, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "notes.argosmodel"
    text.write_text("not a zip", encoding="utf-8")
    en_zh = _repack(argos_session.package, tmp_path / "en_zh.argosmodel", {"from_code": "en", "to_code": "zh"})
    no_model = _repack(argos_session.package, tmp_path / "empty.argosmodel", drop="/model/")
    cases = [
        (text, "not an Argos package (.argosmodel files are zip archives)"),
        (en_zh, "this package translates en→zh; site-builder needs zh→en"),
        (no_model, f"not an Argos package: no translate-zh_en-{PACKAGE_VERSION}/model/ folder"),
        (tmp_path / "missing.argosmodel", "no such file"),
    ]
    for path, message in cases:
        assert sb("models", "install", "--from-file", str(path)) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"{path}: {message}\n") and "Traceback" not in err
    assert list(home.iterdir()) == []


class _IndexHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def test_models_install_from_the_index(home: Path, argos_session: SimpleNamespace, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The online path, with the index and the package served from 127.0.0.1."""
    from argostranslate import settings

    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(argos_session.package, served / "zh_en.argosmodel")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_IndexHandler, directory=str(served)))
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    (served / "index.json").write_text(json.dumps([
        {"package_version": "0.9", "argos_version": "1.11", "type": "translate", "from_code": "en", "to_code": "zh",
         "from_name": "English", "to_name": "Chinese", "links": [url + "other.argosmodel"]},
        {"package_version": PACKAGE_VERSION, "argos_version": "1.11", "type": "translate", "from_code": "zh",
         "to_code": "en", "from_name": "Chinese", "to_name": "English", "links": [url + "zh_en.argosmodel"]},
    ]), encoding="utf-8")
    monkeypatch.setattr(settings, "remote_package_index", url + "index.json")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert sb("models", "install") == 0
    finally:
        server.shutdown()
        server.server_close()
    assert f"installed translate-zh_en {PACKAGE_VERSION}" in capsys.readouterr().err
    assert argos.find_zh_en() is not None and argos.find_zh_en().engine_id == ENGINE  # type: ignore[union-attr]
    assert list((tmp_path / "downloads").iterdir()) == []  # the download is removed after installing


def test_models_install_offline_says_what_to_do(home: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from argostranslate import settings

    monkeypatch.setattr(settings, "remote_package_index", "https://index.example.invalid/index.json")
    assert sb("models", "install") == 1
    err = capsys.readouterr().err
    assert err.startswith("site-builder: cannot reach the Argos package index "
                          "(https://index.example.invalid/index.json).")
    assert "site-builder models install --from-file" in err and "Traceback" not in err
    assert _NET["attempts"] == ["index.example.invalid"]
    _NET["attempts"].clear()


# ---------------------------------------------------------------- translate

def test_translate_without_a_model_exits_1_with_how_to_install(home: Path, argos_session: SimpleNamespace,
                                                               proj: Path) -> None:
    env = {**os.environ, **argos_session.env, "ARGOS_PACKAGES_DIR": str(home),
           "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}
    res = subprocess.run([sys.executable, "-m", "site_builder", "--root", str(proj), "translate"], check=False,
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert res.returncode == 1, res.stderr
    assert res.stderr.splitlines()[0] == (
        f"site-builder: no zh→en translation model is installed (looked in {home}). Install one with "
        "`site-builder models install` (downloads it from the Argos index), or offline with "
        "`site-builder models install --from-file translate-zh_en-<version>.argosmodel`")
    assert "Traceback" not in res.stderr
    assert not list((proj / "content" / "articles").glob("*.en.md")) and not (proj / MEMORY).exists()


def test_translate_through_argos(installed: Path, proj: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert sb("--root", str(proj), "translate") == 0
    err = capsys.readouterr().err
    assert re.fullmatch(r"8 sections filled in 2 English file\(s\); (\d+) sentences: 0 from the translation memory, "
                        r"\1 from the model in [12] batch\(es\)\n", err), err  # no progress line: not a terminal
    arts = {a.slug: a for a in load_articles(proj)}
    alpha = arts["alpha"]
    for sec in alpha.all_sections():
        tr = alpha.en.translations[sec.id]
        assert (alpha.translation_state(sec), tr.engine, tr.zh_hash) == ("machine", ENGINE, sec.hash)
    tr = {k: v.text for k, v in alpha.en.translations.items()}
    # whatever the (random) model does, names and figures come out in their registered English
    for expected in ("8 February", "Zhu Jianjun", "Wenling", "2026", "200 billion yuan"):
        assert expected in tr["a1"]
    assert tr["a1"].index("8 February") < tr["a1"].index("Zhu Jianjun") < tr["a1"].index("200 billion yuan")
    assert "top 20" in tr["a2"] and "top 50" in tr["a2"]
    assert tr["a3"].startswith("[[gap: ") and "[Valeo Wenling](https://example.org/valeo)" in tr["a3"]
    assert re.search(r"\*\*[^*]*\*\*", tr["a3"])
    beta = {k: v.text for k, v in arts["beta"].en.translations.items()}
    assert "700 million yuan" in beta["b1"] and "66.7%" in beta["b1"] and "8%" in beta["b2"]
    assert "Valeo Wenling" in beta["title"]
    # QA may call the garbage degenerate, but never a figure or a name wrong
    from site_builder.translate.qa import check_project

    wrong = [p for p in check_project(proj) if "figure" in p.message or "must appear" in p.message]
    assert wrong == []

    # a re-run on unchanged content does not even load the model
    def no_model(**_kw: Any) -> None:
        raise AssertionError("model loaded")

    monkeypatch.setattr(argos, "load_engine", no_model)
    assert sb("--root", str(proj), "translate", "--refresh") == 0
    assert "nothing to translate" in capsys.readouterr().err
    # deleted English comes back from the translation memory, identical, without the model
    first = (proj / "content" / "articles" / "beta.en.md").read_bytes()
    (proj / "content" / "articles" / "beta.en.md").unlink()
    assert sb("--root", str(proj), "translate") == 0
    assert "0 from the model in 0 batch(es)" in capsys.readouterr().err
    assert (proj / "content" / "articles" / "beta.en.md").read_bytes() == first


def test_stale_refresh_and_suggestion_through_argos(installed: Path, proj: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert sb("--root", str(proj), "-q", "translate") == 0
    path = proj / "content" / "articles" / "alpha.en.md"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(<!-- § a1 )status=machine", r"\1status=reviewed", text)  # a translator checked a1
    path.write_text(text, encoding="utf-8")
    set_zh(proj, "alpha", "规上工业", "规模以上工业")  # a1
    set_zh(proj, "alpha", "新年新气象", "新年新风貌")  # a2
    assert sb("--root", str(proj), "status", "--json", "alpha") == 0
    rows = {r["id"]: r["state"] for r in json.loads(capsys.readouterr().out)["articles"][0]["sections"]}
    assert rows == {"title": "machine", "subtitle": "machine", "a1": "stale", "a2": "stale", "a3": "machine"}
    assert sb("--root", str(proj), "translate", "--refresh") == 0
    assert "1 stale drafts refreshed, 1 suggestions added in 1 English file(s)" in capsys.readouterr().err
    new = path.read_text(encoding="utf-8")
    assert (proj / "content" / "articles" / "alpha.en.md~").read_text(encoding="utf-8") == text  # backup
    # only a2's block changed, a suggestion block was added after a1; everything else is byte for byte
    old_blocks = re.split(r"(?=<!-- )", text)
    new_blocks = re.split(r"(?=<!-- )", new)
    assert [b for b in new_blocks if "§ a2" not in b and "suggestion § a1" not in b] == \
        [b for b in old_blocks if "§ a2" not in b]
    tr = {t.id: t for t in load_articles(proj)[0].en.translations.values()}
    assert tr["a1"].status == "reviewed" and tr["a1"].suggestion and tr["a1"].suggestion_engine == ENGINE
    assert re.search(r"<!-- § a1 status=reviewed zh=\w+ mt=\w+ engine=" + re.escape(ENGINE), new)
    arts = load_articles(proj)
    alpha = next(a for a in arts if a.slug == "alpha")
    assert {s.id: alpha.translation_state(s) for s in alpha.sections} == \
        {"a1": "stale", "a2": "machine", "a3": "machine"}


# ---------------------------------------------------------------- engine

class _Spy:
    """Wraps a ctranslate2.Translator and records each translate_batch call."""

    def __init__(self, inner: Any):
        self.inner = inner
        self.calls: list[dict[str, Any]] = []

    def translate_batch(self, tokens: list[list[str]], **kw: Any) -> Any:
        self.calls.append({"n": len(tokens), **kw})
        return self.inner.translate_batch(tokens, **kw)


def test_engine_batches_through_one_int8_translator(installed: Path) -> None:
    engine = argos.load_engine(beam_size=3, batch_size=8)
    assert engine.id == ENGINE
    assert engine._translator.compute_type.startswith("int8")
    spy = _Spy(engine._translator)
    engine._translator = spy  # type: ignore[assignment]
    text = (ROOT / "content" / "articles" / "commentary-2000-billion.zh.md").read_text(encoding="utf-8")
    sentences = [s for line in text.split("\n")[12:] if line and not line.startswith("<!--")
                 for s in split_sentences(line)]
    assert len(sentences) > 20
    out = engine.translate_batch(sentences)
    assert len(out) == len(sentences) and all(isinstance(s, str) for s in out)
    assert [(c["n"], c["max_batch_size"], c["beam_size"]) for c in spy.calls] == [(len(sentences), 8, 3)]
    assert engine.translate_batch(sentences) == out  # deterministic
    assert engine.translate_batch([]) == []


def test_pipeline_sends_all_pending_sentences_in_few_calls(installed: Path, proj: Path) -> None:
    engine = argos.load_engine()
    spy = _Spy(engine._translator)
    engine._translator = spy  # type: ignore[assignment]
    arts = load_articles(proj)
    texts = [s.text for a in arts for s in a.all_sections()]
    tr = Translator(Glossary((), PROTECTED_TYPES), Memory(), engine.id, lambda: engine)
    tr.run(texts)
    # one round for the sentences, one for fragments whose placeholders the random model lost
    assert len(spy.calls) == tr.report.model_calls <= 2 + tr.report.translated // 64
    assert sum(c["n"] for c in spy.calls) == tr.report.translated == len(tr.mt)


@pytest.mark.slow
def test_same_output_as_argostranslate_translate(installed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Our direct CTranslate2 call gives what argostranslate.translate.translate() gives."""
    from argostranslate import settings
    from argostranslate import translate as argos_translate

    monkeypatch.setattr(settings, "compute_type", "int8")
    monkeypatch.setattr(settings, "beam_size", 4)
    translation = argos_translate.get_translation_from_codes("zh", "en")

    class OurSplitter:  # MiniSBD would try to download a model: split the way the pipeline does
        def split_sentences(self, text: str) -> list[str]:
            return split_sentences(text)

    monkeypatch.setattr(translation.underlying, "sentencizer", OurSplitter())
    engine = argos.load_engine(beam_size=4)
    for s in ("全市三级干部大会暨强工兴市大会召开。", "去年法雷奥温岭销售额超过了7亿元。", "会议强调"):
        assert argos_translate.translate(s, "zh", "en").strip() == engine.translate_batch([s])[0]
