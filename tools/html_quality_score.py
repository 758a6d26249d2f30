#!/usr/bin/env python3
"""Scores HTML main-content extraction of dataprep-text and trafilatura on the labelled set.

    python3 tools/html_quality_gen.py                                   # the set
    cargo bench -p dataprep-text --bench text                           # ours -> target/html_quality/ours/
    pip install trafilatura==2.3.1 lxml_html_clean
    python3 tools/html_quality_score.py

Token-level scores: lower-cased `\\w+` words as bags (multisets); precision = shared / extracted,
recall = shared / truth, F1 of those; "micro" sums over all pages, "macro" averages per-page F1.
A boilerplate block has leaked when its signature sentence appears in the output (case and
whitespace ignored). trafilatura runs as `extract(html, include_comments=False)` (comments are
not main content here; its default includes them) and is timed over the whole set, best of
`--runs`.
"""
import argparse
import collections
import json
import re
import time

import trafilatura

WORDS = re.compile(r"\w+", re.UNICODE)


def bag(text):
    return collections.Counter(w.lower() for w in WORDS.findall(text))


def prf(pred, truth):
    shared = sum((pred & truth).values())
    p = shared / max(1, sum(pred.values()))
    r = shared / max(1, sum(truth.values()))
    f = 0.0 if p + r == 0 else 2 * p * r / (p + r)
    return shared, sum(pred.values()), sum(truth.values()), p, r, f


def norm(s):
    return " ".join(WORDS.findall(s.lower()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="target/html_quality")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    manifest = json.load(open(f"{args.dir}/manifest.json"))
    pages = [open(f"{args.dir}/pages/{m['name']}.html", encoding="utf-8").read() for m in manifest]
    truths = [open(f"{args.dir}/truth/{m['name']}.txt", encoding="utf-8").read() for m in manifest]
    best = float("inf")
    for _ in range(args.runs):
        t = time.perf_counter()
        traf = [trafilatura.extract(h, include_comments=False) or "" for h in pages]
        best = min(best, time.perf_counter() - t)
    print(f"trafilatura {trafilatura.__version__}: {len(pages)} pages, "
          f"{sum(map(len, pages)) / 1e6:.1f} MB, {len(pages) / best:.1f} docs/s")
    ours = [open(f"{args.dir}/ours/{m['name']}.txt", encoding="utf-8").read() for m in manifest]
    for name, outs in (("dataprep-text", ours), ("trafilatura", traf)):
        tot = [0, 0, 0]
        f1s = []
        groups = collections.defaultdict(list)
        leaks = collections.defaultdict(lambda: [0, 0])
        for m, out, truth in zip(manifest, outs, truths):
            s, np_, nt, p, r, f = prf(bag(out), bag(truth))
            tot[0] += s
            tot[1] += np_
            tot[2] += nt
            f1s.append(f)
            groups["style=" + m["style"]].append(f)
            groups["wrapper=" + m["wrapper"]].append(f)
            o = norm(out)
            for b in m["blocks"]:
                key = f"{b['kind']}/{m['style']}"
                leaks[key][1] += 1
                leaks[key][0] += norm(b["signature"]) in o
        p = tot[0] / tot[1]
        r = tot[0] / tot[2]
        print(f"{name}: micro P {p:.3f} R {r:.3f} F1 {2 * p * r / (p + r):.3f}; "
              f"macro F1 {sum(f1s) / len(f1s):.3f}; pages with F1 < 0.8: {sum(f < 0.8 for f in f1s)}")
        print("  " + "; ".join(f"{k} {sum(v) / len(v):.3f} (n={len(v)})" for k, v in sorted(groups.items())))
        print("  leaked blocks: " + ", ".join(f"{k} {a}/{n}" for k, (a, n) in sorted(leaks.items()) if a))


if __name__ == "__main__":
    main()
