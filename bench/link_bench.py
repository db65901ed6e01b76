#!/usr/bin/env python3
"""Entity matching: one compiled regex alternation against one Aho-Corasick automaton, at 300 and 3000 names.

    python bench/link_bench.py            # a table
    python bench/link_bench.py --json

For each registry size, generates entities and Chinese sections as bench/gen.py
does (names mentioned with a skewed frequency), then finds the leftmost-longest,
non-overlapping mentions in every section four ways, checking that they agree:

* ``regex``: ``re.compile("|".join(names, longest first))`` and ``finditer``;
* ``regex-trie``: the same names folded into a trie-shaped pattern (shared
  prefixes written once), as regex-based linkers do to scale;
* ``ahocorasick``: ahocorasick-rs (every candidate match, overlapping ones too, from
  a DFA) and the leftmost-longest selection in Python, as
  :class:`site_builder.entities.Linker` does;
* ``pyahocorasick``: the same with pyahocorasick's ``iter``, when it is installed
  (the linker used it until its per-character cost, which grows with the number of
  distinct first characters of the names, showed in the profile of a cold build);
* ``linker``: :meth:`site_builder.entities.Linker.matches` itself (its rules on
  number boundaries included).

Building the matcher and matching are timed separately (best of ``--repeat``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import ahocorasick_rs
import gen

from site_builder.entities import Linker
from site_builder.model import Entity

Spans = list[tuple[int, int]]


def regex_matcher(names: list[str]) -> Callable[[str], Spans]:
    re.purge()  # time the compilation, not the module's cache
    pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))
    return lambda text: [m.span() for m in pattern.finditer(text)]


def _trie_pattern(names: list[str]) -> str:
    trie: dict[str, dict] = {}
    for name in names:
        node = trie
        for ch in name:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        # longer continuations first, the end of a name ("") last: regex alternation is ordered
        alts = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if "" in node:
            return f"(?:{'|'.join(alts)})?" if alts else ""
        return alts[0] if len(alts) == 1 else f"(?:{'|'.join(alts)})"

    return emit(trie)


def trie_matcher(names: list[str]) -> Callable[[str], Spans]:
    re.purge()
    pattern = re.compile(_trie_pattern(names))
    return lambda text: [m.span() for m in pattern.finditer(text)]


def ac_matcher(names: list[str]) -> Callable[[str], Spans]:
    auto = ahocorasick_rs.AhoCorasick(names, implementation=ahocorasick_rs.Implementation.DFA)

    def find(text: str) -> Spans:
        return _leftmost_longest(sorted(((start, end) for _, start, end in auto.find_matches_as_indexes(text, True)),
                                        key=lambda s: (s[0], -s[1])))

    return find


def pyac_matcher(names: list[str]) -> Callable[[str], Spans]:
    import ahocorasick  # optional: pip install pyahocorasick

    auto = ahocorasick.Automaton()
    for name in names:
        auto.add_word(name, len(name))
    auto.make_automaton()

    def find(text: str) -> Spans:
        return _leftmost_longest(sorted(((end - n + 1, end + 1) for end, n in auto.iter(text)),
                                        key=lambda s: (s[0], -s[1])))

    return find


def _leftmost_longest(found: Spans) -> Spans:
    out: Spans = []
    pos = 0
    for start, end in found:
        if start >= pos:
            out.append((start, end))
            pos = end
    return out


def linker_matcher(entities: list[Entity]) -> Callable[[str], Spans]:
    linker = Linker(entities)
    return lambda text: [(m.start, m.end) for m in linker.matches(text, "zh")]


def corpus(n_entities: int, n_sections: int, seed: int = 9) -> tuple[list[Entity], list[str]]:
    rng = random.Random(seed)
    chain = gen.CharChain((gen.PROJECT / gen.SEED_SOURCE).read_text(encoding="utf-8"))
    words = gen.WordChain(gen.seed_english(gen.PROJECT))
    ents = gen.make_entities(rng, chain, n_entities)
    writer = gen.Writer(rng, chain, words, ents)
    texts = [writer.section("s").zh for _ in range(n_sections)]
    entities = [Entity(e.id, e.type, e.zh, e.en, i + 1) for i, e in enumerate(ents)]
    return entities, texts


def best(repeat: int, fn: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def run(n_entities: int, n_sections: int, repeat: int) -> dict[str, object]:
    entities, texts = corpus(n_entities, n_sections)
    # the linker's number rules would reject some digit-adjacent matches: compare on names without digits
    names = [e.zh for e in entities]
    makers: dict[str, Callable[[], Callable[[str], Spans]]] = {
        "regex": lambda: regex_matcher(names),
        "regex-trie": lambda: trie_matcher(names),
        "ahocorasick": lambda: ac_matcher(names),
        "pyahocorasick": lambda: pyac_matcher(names),
        "linker": lambda: linker_matcher(entities),
    }
    if importlib.util.find_spec("ahocorasick") is None:
        del makers["pyahocorasick"]
    row: dict[str, object] = {"names": len(names), "sections": len(texts),
                              "chars": sum(len(t) for t in texts)}
    reference = None
    for label, make in makers.items():
        build_s, matcher = best(repeat, make)
        match_s, spans = best(repeat, lambda m=matcher: [m(t) for t in texts])  # type: ignore[misc]
        if label != "linker" or not any(ch.isdigit() for n in names for ch in n):
            if reference is None:
                reference = spans
            elif spans != reference:
                raise SystemExit(f"{label} finds different mentions from regex at {n_entities} names")
        row[label] = {"build_ms": round(build_s * 1000, 2), "match_ms": round(match_s * 1000, 1)}
    row["mentions"] = sum(len(s) for s in reference or [])
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="300,3000", help="registry sizes (default 300,3000)")
    ap.add_argument("--sections", type=int, default=24000, help="sections to match (default 24000, i.e. 2000 articles)")
    ap.add_argument("--repeat", type=int, default=3, help="best of this many timings (default 3)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rows = [run(int(n), args.sections, args.repeat) for n in args.sizes.split(",")]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        print(f"{row['names']} names, {row['sections']} sections ({row['chars']} characters, {row['mentions']} mentions):")
        for label in ("regex", "regex-trie", "ahocorasick", "pyahocorasick", "linker"):
            if label not in row:
                continue
            r = row[label]
            print(f"  {label:<13} build {r['build_ms']:>9.2f} ms   match {r['match_ms']:>9.1f} ms")  # type: ignore[index]
    return 0


if __name__ == "__main__":
    sys.exit(main())
