#!/usr/bin/env python3
"""Print criterion results as a markdown table: stage | size | median.

Reads every <criterion dir>/**/new/estimates.json with the benchmark.json beside
it (stage = benchmark group, size = function id and parameter, e.g. "capacity 8").

Usage: python3 scripts/bench-table.py [CRITERION_DIR]
The directory defaults to $CRITERION_HOME, else $CARGO_TARGET_DIR/criterion,
else target/criterion at the repository root (where `cargo bench` writes).
"""

import json
import os
import sys
from pathlib import Path


def criterion_dir(argv):
    if len(argv) > 1:
        return Path(argv[1])
    if os.environ.get("CRITERION_HOME"):
        return Path(os.environ["CRITERION_HOME"])
    if os.environ.get("CARGO_TARGET_DIR"):
        return Path(os.environ["CARGO_TARGET_DIR"]) / "criterion"
    return Path(__file__).resolve().parent.parent / "target" / "criterion"


def fmt_ns(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.2f} {unit}"
    return f"{ns:.0f} ns"


def numeric_key(text):
    """Sort "capacity 8" before "capacity 32"."""
    try:
        return (0, float(text), "")
    except (TypeError, ValueError):
        return (1, 0.0, text or "")


def load(root):
    rows = []
    for estimates in sorted(root.glob("**/new/estimates.json")):
        meta_path = estimates.with_name("benchmark.json")
        try:
            median = json.loads(estimates.read_text())["median"]["point_estimate"]
            meta = json.loads(meta_path.read_text())
        except (OSError, KeyError, ValueError) as e:
            print(f"skipping {estimates.parent}: {e}", file=sys.stderr)
            continue
        stage = meta.get("group_id") or str(estimates.parent.parent.relative_to(root))
        function = meta.get("function_id") or ""
        value = meta.get("value_str")
        size = " ".join(part for part in (function, value) if part)
        rows.append((stage, numeric_key(value), size, median))
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return rows


def main(argv):
    root = criterion_dir(argv)
    if not root.is_dir():
        print(f"no criterion results at {root} (run cargo bench first)", file=sys.stderr)
        return 1
    rows = load(root)
    if not rows:
        print(f"no benchmark estimates under {root}", file=sys.stderr)
        return 1
    table = [("stage", "size", "median")] + [(s, z, fmt_ns(m)) for s, _, z, m in rows]
    widths = [max(len(r[i]) for r in table) for i in range(3)]

    def line(cells):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"

    print(line(table[0]))
    print("| " + " | ".join("-" * w for w in widths) + " |")
    for r in table[1:]:
        print(line(r))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
