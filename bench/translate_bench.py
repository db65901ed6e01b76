#!/usr/bin/env python3
"""Sentences per second: our batched CTranslate2 path versus argostranslate.translate.translate().

    python bench/translate_bench.py            # a table
    python bench/translate_bench.py --json     # the same numbers as JSON

Builds the tiny random-weight zh→en package of the tests (tests/argos_tiny.py)
in a temporary folder, installs it there (never in your home folder; nothing is
downloaded), and translates the Chinese sections of content/articles three ways,
in one run, on the same model, beam size, compute type (int8) and thread count:

* ``argos per section``: ``argostranslate.translate.translate()`` once per section
  (its sentence splitter replaced by ours: the default one would download a model);
* ``batched engine``: all sentences through one ``ctranslate2.Translator`` in
  batches (:class:`site_builder.translate.argos.ArgosEngine`);
* ``pipeline``: the whole translate pipeline (protection of names/figures, the
  fragment fallback) with an empty translation memory.

The tiny model's output is meaningless; the numbers compare the plumbing.
Model loading and imports are not timed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def corpus(repeat: int) -> list[str]:
    """Chinese section texts of the project (titles too), ``repeat`` times."""
    from site_builder.content import load_articles

    texts = [s.text for a in load_articles(ROOT) for s in a.all_sections()]
    return texts * repeat


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true", help="print JSON")
    ap.add_argument("--repeat", type=int, default=1, help="translate the corpus this many times (default 1)")
    ap.add_argument("--beam-size", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=32)
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="translate-bench-"))
    threads = min(os.cpu_count() or 1, 8)
    os.environ.update({  # before argostranslate is first imported: it reads them at import
        "ARGOS_PACKAGES_DIR": str(tmp / "packages"), "XDG_DATA_HOME": str(tmp / "data"),
        "XDG_CONFIG_HOME": str(tmp / "config"), "XDG_CACHE_HOME": str(tmp / "cache"),
        "ARGOS_DEVICE_TYPE": "cpu", "ARGOS_COMPUTE_TYPE": "int8", "ARGOS_BEAM_SIZE": str(args.beam_size),
        "ARGOS_INTRA_THREADS": str(threads), "ARGOS_INTER_THREADS": "1",
    })
    sys.path.insert(0, str(ROOT))
    from argostranslate import package

    from site_builder.registry import load_registry
    from site_builder.translate import argos
    from site_builder.translate.memory import Memory
    from site_builder.translate.pipeline import Translator
    from site_builder.translate.protect import PROTECTED_TYPES, Glossary
    from site_builder.translate.segment import split_sentences
    from tests.argos_tiny import build_package

    package.install_from_path(build_package(tmp / "build"))
    texts = corpus(args.repeat)
    sentences = [s for t in texts for s in split_sentences(t)]

    from argostranslate import translate as argos_translate

    translation = argos_translate.get_translation_from_codes("zh", "en")

    class OurSplitter:
        def split_sentences(self, text: str) -> list[str]:
            return split_sentences(text)

    translation.underlying.sentencizer = OurSplitter()
    translation.translate("预热。")  # loads the model: not timed
    start = time.perf_counter()
    for text in texts:
        translation.translate(text)
    per_section = time.perf_counter() - start

    engine = argos.load_engine(beam_size=args.beam_size, batch_size=args.batch_size)
    engine.translate_batch(["预热。"])
    start = time.perf_counter()
    chunk = 64
    order = sorted(sentences, key=len)
    for i in range(0, len(order), chunk):
        engine.translate_batch(order[i:i + chunk])
    batched = time.perf_counter() - start

    glossary = Glossary(load_registry(ROOT).entities, PROTECTED_TYPES)
    pipe = Translator(glossary, Memory(), engine.id, lambda: engine)
    start = time.perf_counter()
    pipe.run(texts)
    pipeline = time.perf_counter() - start

    n = len(sentences)
    rows = {
        "argos_per_section": {"seconds": per_section, "sentences_per_second": n / per_section},
        "batched_engine": {"seconds": batched, "sentences_per_second": n / batched},
        "pipeline": {"seconds": pipeline, "sentences_per_second": n / pipeline,
                     "model_inputs": pipe.report.translated, "model_calls": pipe.report.model_calls},
    }
    result = {"sections": len(texts), "sentences": n, "beam_size": args.beam_size, "batch_size": args.batch_size,
              "threads": threads, "model": engine.id, "speedup_batched_vs_per_section": per_section / batched,
              "results": rows}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{len(texts)} sections, {n} sentences; model {engine.id} (tiny, random weights), int8, "
              f"beam {args.beam_size}, {threads} threads")
        for name, row in rows.items():
            print(f"  {name:<20} {row['seconds']:8.3f} s  {row['sentences_per_second']:9.1f} sentences/s")
        print(f"  batched engine vs argos per section: {result['speedup_batched_vs_per_section']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
