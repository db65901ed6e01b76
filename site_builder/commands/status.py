"""``site-builder status``: translation state per article and per section, and QA findings."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HELP = """\
Show the state of the English of every section: missing (no English yet),
machine (an unchecked machine draft), reviewed (checked or written by a
translator), stale (the Chinese changed after the English was written).
Then list the translation QA findings (figures, registered names, degenerate
output) as path:line: message. --json gives the same as JSON.
"""

STATES = ("missing", "machine", "reviewed", "stale")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="translation status and QA findings", description=HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("slugs", nargs="*", metavar="SLUG", help="only these articles (default: all)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--summary", action="store_true", help="one line per article, no section rows")
    p.add_argument("--no-qa", action="store_true", help="skip the translation QA checks")
    p.set_defaults(func=run)


def collect(root: Path, slugs: list[str], qa: bool = True) -> dict[str, Any]:
    """The status of the project as plain data (what ``--json`` prints)."""
    from site_builder.content import load_articles
    from site_builder.model import normalize_text
    from site_builder.registry import load_registry
    from site_builder.translate.memory import Memory
    from site_builder.translate.pipeline import select
    from site_builder.translate.qa import check_articles

    articles = select(load_articles(root), slugs)
    memory = Memory.load(root)
    totals = dict.fromkeys(STATES, 0)
    out: list[dict[str, Any]] = []
    for art in articles:
        counts = dict.fromkeys(STATES, 0)
        rows = []
        for sec in art.all_sections():
            state = art.translation_state(sec)
            counts[state] += 1
            tr = art.en.translations.get(sec.id)
            before = memory.section_source(tr.zh_hash) if tr is not None and tr.zh_hash and state == "stale" else None
            rows.append({
                "id": sec.id, "state": state, "zh_line": sec.line, "en_line": tr.line if tr else None,
                "zh_hash": sec.hash, "en_zh_hash": tr.zh_hash if tr else None, "engine": tr.engine if tr else None,
                "edited": bool(tr and tr.edited), "suggestion": bool(tr and tr.suggestion), "hint": sec.text[:20],
                # stale: the Chinese the English was made from, when the translation memory recorded it
                "zh_before": before, "zh_changes": changes(before, normalize_text(sec.text)) if before else None,
            })
        for k in STATES:
            totals[k] += counts[k]
        out.append({"slug": art.slug, "zh_path": art.path, "en_path": art.en.path, "counts": counts, "sections": rows})
    findings = check_articles(articles, load_registry(root).entities) if qa else []
    return {
        "articles": out, "totals": totals,
        "qa": [{"path": p.path, "line": p.line, "severity": p.severity, "message": p.message} for p in findings],
    }


def changes(before: str, now: str, context: int = 6, most: int = 5) -> list[str]:
    """Where ``now`` differs from ``before``, character by character, each change in a little context:
    ``超过了[7→8]亿元``, ``[−删去的]``, ``[+加上的]`` (at most ``most`` of them, then ``…``)."""
    import difflib

    out = []
    ops = [op for op in difflib.SequenceMatcher(None, before, now, autojunk=False).get_opcodes() if op[0] != "equal"]
    for tag, i1, i2, j1, j2 in ops[:most]:
        old, new = before[i1:i2], now[j1:j2]
        change = {"replace": f"[{old}→{new}]", "delete": f"[−{old}]", "insert": f"[+{new}]"}[tag]
        out.append(f"{before[max(0, i1 - context):i1]}{change}{before[i2:i2 + context]}")
    if len(ops) > most:
        out.append(f"({len(ops) - most} more)")
    return out


def _table(data: dict[str, Any], summary: bool) -> str:
    width = max([len(a["slug"]) for a in data["articles"]] + [len("article")])
    head = f"{'article':<{width}}  " + "  ".join(f"{s:>8}" for s in STATES)
    lines = [head, "-" * len(head)]
    for art in data["articles"]:
        lines.append(f"{art['slug']:<{width}}  " + "  ".join(f"{art['counts'][s]:>8}" for s in STATES))
    lines.append(f"{'total':<{width}}  " + "  ".join(f"{data['totals'][s]:>8}" for s in STATES))
    if not summary:
        for art in data["articles"]:
            lines.append("")
            lines.append(f"{art['slug']}  ({art['zh_path']} → {art['en_path']})")
            for row in art["sections"]:
                notes = []
                if row["edited"]:
                    notes.append("edited machine draft")
                if row["suggestion"]:
                    notes.append("has a suggestion")
                if row["engine"] and row["state"] == "machine":
                    notes.append(row["engine"])
                where = f"{art['en_path']}:{row['en_line']}" if row["en_line"] else f"{art['zh_path']}:{row['zh_line']}"
                extra = f"  [{'; '.join(notes)}]" if notes else ""
                lines.append(f"  {row['id']:<10} {row['state']:<9} {where:<55} {row['hint']}{extra}")
                if row["zh_changes"]:
                    lines.append(f"  {'':<10} {'':<9} the Chinese changed: {' … '.join(row['zh_changes'])}")
    if data["totals"]["stale"] or data["totals"]["machine"]:
        lines.append("")
        lines.append("English you have checked (stale or machine): site-builder review SLUG ID ... (or SLUG --all) "
                     "marks it reviewed")
    qa = data["qa"]
    lines.append("")
    lines.append(f"translation QA: {len(qa)} finding{'s' if len(qa) != 1 else ''}")
    for p in qa:
        prefix = "warning: " if p["severity"] == "warning" else ""
        lines.append(f"{p['path']}:{p['line']}: {prefix}{p['message']}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    data = collect(args.root.resolve(), args.slugs, qa=not args.no_qa)
    if args.json:
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(_table(data, args.summary))
    return 0
