#!/usr/bin/env python3
"""The scikit-learn baseline for the dataprep-split benchmark (crates/split/benches/split.rs).

Usage:
    pip install scikit-learn
    python3 benches/split_sklearn.py [--n 10000000] [--runs 3]

The labels are the Rust bench's, bit for bit: 10 classes with p(c) proportional to 0.6^c, drawn
from splitmix64(row index) (the class counts are printed by both to check). Timed, best of N runs:

- StratifiedKFold(n_splits=5).split(X, y), consuming every fold's train and test indices;
- StratifiedKFold(n_splits=5)._make_test_folds(X, y): the test fold of every row only;
- train_test_split(indices, test_size=0.2, stratify=y, random_state=0).
"""

import argparse
import sys
import time

import numpy as np


def splitmix64(x):
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def labels(n):
    w = [1.0]
    for _ in range(1, 10):
        w.append(w[-1] * 0.6)
    total = 0.0
    for x in w:
        total += x
    cum, acc = [], 0.0
    for x in w:
        acc += x / total
        cum.append(acc)
    with np.errstate(over="ignore"):
        r = splitmix64(np.arange(n, dtype=np.uint64))
    u = (r >> np.uint64(11)).astype(np.float64) / float(1 << 53)
    return np.minimum(np.searchsorted(np.array(cum), u, side="right"), 9).astype(np.int64)


def best(f, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times), sorted(times)[len(times) // 2]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    try:
        import sklearn
        from sklearn.model_selection import StratifiedKFold, train_test_split
    except ImportError:
        print("scikit-learn is not installed: pip install scikit-learn", file=sys.stderr)
        return 1

    y = labels(args.n)
    X = np.zeros((args.n, 1), dtype=np.float32)
    idx = np.arange(args.n)
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, n = {args.n}")
    print("class counts (check against the Rust bench):", np.bincount(y, minlength=10).tolist())

    def skf():
        total = 0
        for train, test in StratifiedKFold(n_splits=5).split(X, y):
            total += len(train) + len(test)
        return total

    def test_folds():
        # The fold column alone (scikit-learn's private helper, for the like-for-like row).
        return StratifiedKFold(n_splits=5)._make_test_folds(X, y)

    def tts():
        train, test = train_test_split(idx, test_size=0.2, stratify=y, random_state=0)
        return len(train) + len(test)

    for name, f in [
        ("StratifiedKFold(5).split, all folds' indices", skf),
        ("StratifiedKFold(5)._make_test_folds (fold column only)", test_folds),
        ("train_test_split(test_size=0.2, stratify=y)", tts),
    ]:
        b, m = best(f, args.runs)
        print(f"{name}: best {b:.3f} s, median {m:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
