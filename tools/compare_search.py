"""Compare Pagefind builds on the seed's Chinese: how many pages does a real browser query find?

    .venv/bin/python tools/compare_search.py [BINARY ...]

Builds the site, indexes it with each Pagefind binary (default: the npm package in
tools/node_modules and the PyPI wheel pagefind_bin_extended), serves each result
on 127.0.0.1 and runs every Chinese name of the entity registry (plus a few terms)
as a query in headless Chromium, whose Intl.Segmenter cuts the query into words
exactly as a reader's browser does. For each term it counts the Chinese pages
whose indexed text contains the term and the pages the search returned.
Results are summarised in docs/search.md.
"""

from __future__ import annotations

import functools
import html
import http.server
import os
import re
import shutil
import sys
import tempfile
import threading
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from site_builder import search  # noqa: E402
from site_builder.build import build  # noqa: E402

EXTRA = ["海宁", "强工兴市", "温岭", "工业", "规上工业", "2000亿", "营商环境", "共同富裕", "十大项目", "民营经济", "法雷奥"]


def page_texts(site: Path) -> dict[str, str]:
    out = {}
    for p in (site / "zh").rglob("*.html"):
        rel = p.relative_to(site).as_posix()
        if not search.indexable(rel, "zh"):
            continue
        text = p.read_text(encoding="utf-8")
        m = re.search(r"<main[^>]*>(.*)</main>", text, re.S)
        body = re.sub(r"<[^>]+data-pagefind-ignore[^>]*>.*?</(p|a|aside|nav)>", " ", m.group(1) if m else "", flags=re.S)
        out["/" + rel.removesuffix("index.html")] = html.unescape(re.sub(r"<[^>]+>", "", body))
    return out


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    binaries = [Path(a) for a in argv] or [p for p in (search._npm_binary(ROOT), _pypi()) if p]
    terms = sorted({e["zh"] for e in tomllib.loads((ROOT / "content/entities.toml").read_text())["entity"]} | set(EXTRA))
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "site"
        os.environ["SITE_BUILDER_PAGEFIND"] = "/nonexistent"  # plain build, no index
        build(ROOT, base)
        texts = page_texts(base)
        expected = {t: {u for u, x in texts.items() if t in x} for t in terms}
        results: dict[str, dict[str, set[str]]] = {}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"])
            for binary in binaries:
                site = Path(tmp) / binary.parent.parent.name
                shutil.copytree(base, site)
                os.environ["SITE_BUILDER_PAGEFIND"] = str(binary)
                files = {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*.html")}
                for rel, data in search.index_files(ROOT, files).items():
                    (site / rel).parent.mkdir(parents=True, exist_ok=True)
                    (site / rel).write_bytes(data)
                handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
                server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
                threading.Thread(target=server.serve_forever, daemon=True).start()
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{server.server_port}/zh/search/")
                found = page.evaluate("""async (terms) => {
                    const pf = await import('/pagefind/zh/pagefind.js');
                    const out = {};
                    for (const t of terms) {
                        const s = await pf.search(t);
                        out[t] = (await Promise.all(s.results.map(r => r.data()))).map(d => d.url);
                    }
                    return out;
                }""", terms)
                results[str(binary)] = {t: set(v) for t, v in found.items()}
                page.close()
                server.shutdown()
            browser.close()
    names = list(results)
    print("term\tpages containing it\t" + "\t".join(names))
    totals = {n: [0, 0, 0] for n in names}  # hits, misses, extra
    for t in terms:
        exp = expected[t]
        row = [t, str(len(exp))]
        for n in names:
            got = results[n][t]
            totals[n][0] += len(got & exp)
            totals[n][1] += len(exp - got)
            totals[n][2] += len(got - exp)
            row.append(f"{len(got & exp)}/{len(exp)}" + (f" (+{len(got - exp)})" if got - exp else ""))
        print("\t".join(row))
    for n in names:
        hits, misses, extra = totals[n]
        print(f"{n}: found {hits} of {hits + misses} page matches ({misses} missed), {extra} pages without the term")
    return 0


def _pypi() -> Path | None:
    try:
        from pagefind_bin_extended import get_executable  # type: ignore[import-not-found]
    except ImportError:
        return None
    return Path(get_executable())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
