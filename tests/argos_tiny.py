"""Build a tiny, random-weight zh→en Argos Translate package, offline, at test time.

No real zh→en model can be downloaded in CI, so the tests (and bench/) make one:

1. a SentencePiece unigram model with byte fallback, trained on a few hundred
   generated Chinese/English lines;
2. a Marian-style transformer (``model.npz`` + ``vocab.yml`` + ``decoder.yml``)
   with random weights written by numpy, converted to CTranslate2 with
   ``OpusMTConverter`` (no torch needed). The target vocabulary holds only the
   special tokens and Latin pieces, so the output looks like English words,
   and the output layer is biased towards the end token so it stays short;
3. ``metadata.json`` + ``model/`` + ``sentencepiece.model`` zipped into a
   ``.argosmodel`` that ``argostranslate.package.install_from_path`` accepts.

The output is meaningless; what the package proves is that loading, batching
and the file workflow go through the real library.
"""

from __future__ import annotations

import io
import json
import random
import re
import tempfile
import zipfile
from pathlib import Path

PACKAGE_VERSION = "0.0.1"
PACKAGE_NAME = "translate-zh_en"

_ZH_PHRASES = (
    "全市三级干部大会暨强工兴市大会召开", "朱建军在会上强调", "大会由市委副书记、市长林强主持",
    "规上工业总产值超2000亿元", "2021年规上工业产值1163.7亿元", "增速66.7%", "去年销售额超过了7亿元",
    "我们每年都会拿出8%的产值用于技术研发", "全市工业企业二十强", "民营企业纳税50强", "2月8日上午",
    "温岭", "台州", "浙江", "海宁", "义乌", "法雷奥温岭", "新界泵业", "共同富裕先行市", "营商环境",
    "会议强调", "会议指出", "要坚持稳字当头", "推动温岭工业向更强、更快、更优方向大步迈进",
    "这是自加压力，更是历史担当", "厚积薄发，正当此时", "争先进位，路径清晰", "新年新气象",
    "以优异成绩迎接党的二十大胜利召开", "报道开头未见于本版", "句子在此中断",
)
_EN_WORDS = (
    "the", "city", "industry", "conference", "billion", "million", "yuan", "strong", "thriving", "Wenling",
    "Taizhou", "Zhejiang", "said", "meeting", "stressed", "private", "economy", "top", "growth", "output",
    "year", "February", "target", "development", "enterprises", "of", "and", "to", "in", "a", "new", "must",
)


def _training_lines(n: int = 400, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        zh = "，".join(rng.choice(_ZH_PHRASES) for _ in range(rng.randint(1, 3))) + "。"
        en = " ".join(rng.choice(_EN_WORDS) for _ in range(rng.randint(3, 12))) + "."
        lines.append(zh)
        lines.append(en)
    return lines


def train_sentencepiece(vocab_size: int = 500) -> bytes:
    """A serialized SentencePiece unigram model with byte fallback."""
    import sentencepiece as spm

    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_training_lines()), model_writer=buf, vocab_size=vocab_size,
        model_type="unigram", byte_fallback=True, character_coverage=1.0, minloglevel=2,
        num_threads=1,
    )
    return buf.getvalue()


def _pieces(sp_model: bytes) -> list[str]:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=sp_model)
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size())]


def _yaml_vocab(tokens: list[str]) -> str:
    def quote(tok: str) -> str:
        return '"' + tok.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return "".join(f"{quote(t)}: {i}\n" for i, t in enumerate(tokens))


def _marian_config(depth: int, heads: int, dim: int, ffn: int) -> bytes:
    config = {
        "type": "transformer", "enc-depth": depth, "dec-depth": depth, "transformer-heads": heads,
        "dim-emb": dim, "transformer-dim-ffn": ffn, "transformer-decoder-autoreg": "self-attention",
        "transformer-no-projection": False, "transformer-ffn-activation": "relu",
        "transformer-preprocess": "", "transformer-postprocess": "dan", "transformer-postprocess-emb": "d",
        "transformer-postprocess-top": "", "transformer-guided-alignment-layer": "last",
    }
    import yaml

    return yaml.safe_dump(config).encode("utf-8") + b"\x00"


def write_marian_model(folder: Path, src_vocab: list[str], tgt_vocab: list[str], seed: int = 3,
                       dim: int = 32, heads: int = 2, ffn: int = 64, depth: int = 1, eos_bias: float = 5.0) -> None:
    """Random-weight Marian transformer: model.npz, vocab yml files, decoder.yml."""
    import numpy as np

    rng = np.random.default_rng(seed)

    def mat(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.5).astype(np.float32)

    w: dict[str, np.ndarray] = {
        "encoder_Wemb": mat(len(src_vocab), dim),
        "decoder_Wemb": mat(len(tgt_vocab), dim),
    }

    def attention(scope: str) -> None:
        for p in ("q", "k", "v", "o"):
            w[f"{scope}_W{p}"] = mat(dim, dim)
            w[f"{scope}_b{p}"] = np.zeros((1, dim), np.float32)
        w[f"{scope}_Wo_ln_scale"] = np.ones((1, dim), np.float32)
        w[f"{scope}_Wo_ln_bias"] = np.zeros((1, dim), np.float32)

    def feed_forward(scope: str) -> None:
        w[f"{scope}_W1"] = mat(dim, ffn)
        w[f"{scope}_b1"] = np.zeros((1, ffn), np.float32)
        w[f"{scope}_W2"] = mat(ffn, dim)
        w[f"{scope}_b2"] = np.zeros((1, dim), np.float32)
        w[f"{scope}_ffn_ln_scale"] = np.ones((1, dim), np.float32)
        w[f"{scope}_ffn_ln_bias"] = np.zeros((1, dim), np.float32)

    for i in range(1, depth + 1):
        attention(f"encoder_l{i}_self")
        feed_forward(f"encoder_l{i}_ffn")
        attention(f"decoder_l{i}_self")
        attention(f"decoder_l{i}_context")
        feed_forward(f"decoder_l{i}_ffn")
    bias = np.zeros((1, len(tgt_vocab)), np.float32)
    bias[0, tgt_vocab.index("</s>")] = eos_bias  # garbage output stays short
    w["decoder_ff_logit_out_b"] = bias
    w["special:model.yml"] = np.frombuffer(_marian_config(depth, heads, dim, ffn), dtype=np.int8)
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "model.npz", **w)
    (folder / "src.vocab.yml").write_text(_yaml_vocab(src_vocab), encoding="utf-8")
    (folder / "tgt.vocab.yml").write_text(_yaml_vocab(tgt_vocab), encoding="utf-8")
    (folder / "decoder.yml").write_text(
        "models:\n  - model.npz\nvocabs:\n  - src.vocab.yml\n  - tgt.vocab.yml\n", encoding="utf-8")


def build_package(dest: Path, version: str = PACKAGE_VERSION) -> Path:
    """Build ``translate-zh_en-<version>.argosmodel`` in ``dest`` and return its path."""
    from ctranslate2.converters import OpusMTConverter

    dest.mkdir(parents=True, exist_ok=True)
    sp_model = train_sentencepiece()
    src_vocab = _pieces(sp_model)
    latin = re.compile(r"^▁?[A-Za-z]+$|^▁$|^[.,]$")
    tgt_vocab = ["</s>", "<unk>", "<s>"] + [p for p in src_vocab if latin.match(p)]
    with tempfile.TemporaryDirectory(dir=dest) as work:
        marian = Path(work) / "marian"
        write_marian_model(marian, src_vocab, tgt_vocab)
        name = f"{PACKAGE_NAME}-{version}"
        pkg = Path(work) / name
        pkg.mkdir()
        OpusMTConverter(str(marian)).convert(str(pkg / "model"))
        (pkg / "sentencepiece.model").write_bytes(sp_model)
        (pkg / "metadata.json").write_text(json.dumps({
            "package_version": version, "argos_version": "1.11", "type": "translate",
            "from_code": "zh", "from_name": "Chinese", "to_code": "en", "to_name": "English",
            "links": [], "code": PACKAGE_NAME,
        }, indent=2), encoding="utf-8")
        (pkg / "README.md").write_text("Tiny random-weight test package: output is meaningless.\n", encoding="utf-8")
        out = dest / f"{name}.argosmodel"
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(pkg.rglob("*")):
                if path.is_file():
                    zf.write(path, path.relative_to(pkg.parent).as_posix())
    return out
