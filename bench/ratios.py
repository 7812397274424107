#!/usr/bin/env python3
"""ratios.py - wta / tokio per workload, taken within each round.

Each LOG is one round: tokio-anchor-bench's lines and wta's bench lines,
run back to back on the same machine (bench/compare.sh writes them).
Machines like these drift up to 2x over minutes, so a ratio is only taken
between lines of the same round; the table shows the median of the
per-round ratios and their range (the issue's goals hold "every run").

It also gives the tracing overhead: wta+trace / wta, within each round,
and timer_precision's lateness next to its tokio twin's (the twin prints
`timer_precision impl=tokio n=300 p50_us=.. p99_us=.. max_us=..`).

Usage: ratios.py LOG... > ratios.md
"""
import statistics
import sys
from collections import OrderedDict

MEASURED = {"impl", "reps", "ops", "median_ns", "min_ns", "max_ns", "median_ns_per_op",
            "late_p50_us", "late_p99_us", "late_max_us", "late_min_us", "early_pct",
            "rec_per_op", "note"}


def parse(path):
    """{(name, params): {impl: kv}} for one round."""
    rows = OrderedDict()
    with open(path) as f:
        for line in f:
            toks = line.split()
            if len(toks) < 2 or toks[0] != "bench":
                continue
            kv = dict(t.split("=", 1) for t in toks[2:] if "=" in t)
            params = " ".join(t for t in toks[2:]
                              if "=" in t and t.split("=", 1)[0] not in MEASURED)
            rows.setdefault((toks[1], params), OrderedDict())[kv["impl"]] = kv
    return rows


def fmt(xs):
    med = statistics.median(xs)
    return f"{med:.2f}", f"{min(xs):.2f}..{max(xs):.2f}"


def main(paths):
    rounds = [parse(p) for p in paths]
    keys = OrderedDict()
    for r in rounds:
        for k, impls in r.items():
            for imp in impls:
                keys.setdefault((k, imp), None)
    print("| workload | params | impl | ns/op (median of rounds) | tokio ns/op | "
          "ratio wta/tokio (median) | ratio range | rounds |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for (k, imp) in keys:
        if imp.startswith("tokio"):
            continue
        mine, theirs, ratios = [], [], []
        for r in rounds:
            impls = r.get(k, {})
            if imp not in impls:
                continue
            x = float(impls[imp]["median_ns_per_op"])
            mine.append(x)
            tok = [v for i, v in impls.items() if i.startswith("tokio")]
            if tok:
                t = float(tok[0]["median_ns_per_op"])
                theirs.append(t)
                ratios.append(x / t if t else float("nan"))
        med_r, rng = fmt(ratios) if ratios else ("-", "-")
        tmed = f"{statistics.median(theirs):,.1f}" if theirs else "-"
        print(f"| {k[0]} | {k[1]} | {imp} | {statistics.median(mine):,.1f} | {tmed} | "
              f"{med_r} | {rng} | {len(mine)} |")

    print()
    print("| workload | params | impl | tracing on / off (median) | range | rounds |")
    print("|---|---|---|---:|---:|---:|")
    for (k, imp) in keys:
        if not imp.endswith("+trace"):
            continue
        base = imp[: -len("+trace")]
        xs = []
        for r in rounds:
            impls = r.get(k, {})
            if imp in impls and base in impls:
                xs.append(float(impls[imp]["median_ns_per_op"]) /
                          float(impls[base]["median_ns_per_op"]))
        if xs:
            med, rng = fmt(xs)
            print(f"| {k[0]} | {k[1]} | {base} | {med} | {rng} | {len(xs)} |")

    precision(paths)


def precision(paths):
    """timer_precision lateness per impl: the median over rounds of p50, p99, max (us)."""
    rows = OrderedDict()   # impl -> [(p50, p99, max) per round]
    for path in paths:
        with open(path) as f:
            for line in f:
                toks = line.split()
                if len(toks) < 2 or "timer_precision" not in toks[:2]:
                    continue
                kv = dict(t.split("=", 1) for t in toks if "=" in t)
                if toks[0] == "bench":
                    p = ("late_p50_us", "late_p99_us", "late_max_us")
                else:   # the tokio twin's own line
                    p = ("p50_us", "p99_us", "max_us")
                rows.setdefault(kv["impl"], []).append(tuple(float(kv[k]) for k in p))
    if not rows:
        return
    print()
    print("| timer_precision | lateness p50 us | p99 us | max us | rounds |")
    print("|---|---:|---:|---:|---:|")
    for imp, xs in rows.items():
        med = [statistics.median(x[i] for x in xs) for i in range(3)]
        print(f"| {imp} | {med[0]:,.1f} | {med[1]:,.1f} | {med[2]:,.1f} | {len(xs)} |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: ratios.py LOG...")
    main(sys.argv[1:])
