#!/usr/bin/env python3
"""Generates sklearn_goldens.json: reference values from scikit-learn and imbalanced-learn for the
golden tests of dataprep-split (tests/split.rs). The parameters are written next to the values.

    pip install scikit-learn imbalanced-learn
    python3 crates/split/tests/data/split_goldens.py

The tests never need Python: the generated JSON is committed. Deterministic (fixed NumPy seeds).
"""

import json
import math
import os
import sys
import warnings

import numpy as np
import sklearn
import imblearn
from sklearn.model_selection import (
    GroupKFold,
    GroupShuffleSplit,
    KFold,
    LeaveOneGroupOut,
    StratifiedGroupKFold,
    StratifiedKFold,
    TimeSeriesSplit,
    train_test_split,
)
from sklearn.utils.class_weight import compute_class_weight
from imblearn.over_sampling import RandomOverSampler
from imblearn.under_sampling import RandomUnderSampler

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sklearn_goldens.json")
rs = np.random.RandomState(20260101)


def py(v):
    """JSON-friendly Python scalars."""
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, np.str_):
        return str(v)
    return v


def labels_case(kind, n, n_classes, skew):
    p = np.array([skew**c for c in range(n_classes)], dtype=float)
    p /= p.sum()
    y = rs.choice(n_classes, size=n, p=p)
    if kind == "str":
        names = ["c%02d" % c for c in rs.permutation(n_classes)]
        return [names[v] for v in y]
    # non-contiguous, unsorted integer labels
    vals = list(rs.permutation(np.arange(n_classes) * 7 - 10))
    return [int(vals[v]) for v in y]


def test_folds_of(splits, n):
    tf = [-1] * n
    for i, (_, test) in enumerate(splits):
        for t in test:
            tf[int(t)] = i
    return tf


def with_warnings(f):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            out = f()
            err = None
        except ValueError as e:
            out, err = None, str(e)
    return out, err, [str(x.message) for x in w if issubclass(x.category, UserWarning)]


goldens = {
    "generator": "crates/split/tests/data/split_goldens.py",
    "versions": {
        "scikit-learn": sklearn.__version__,
        "imbalanced-learn": imblearn.__version__,
        "numpy": np.__version__,
    },
}

# --- StratifiedKFold(shuffle=False): the test fold of every row -----------------------------------
cases = []
specs = [
    ("int", 10, 2, 1.0, 2),
    ("int", 37, 3, 0.7, 3),
    ("str", 50, 4, 0.6, 5),
    ("int", 101, 5, 0.8, 5),
    ("str", 200, 7, 0.7, 4),
    ("int", 333, 10, 0.75, 10),
    ("int", 64, 2, 0.3, 5),
    ("str", 1000, 12, 0.8, 7),
    ("int", 23, 6, 0.6, 4),
]
for kind, n, nc, skew, k in specs:
    y = labels_case(kind, n, nc, skew)
    out, err, warn = with_warnings(
        lambda: test_folds_of(StratifiedKFold(n_splits=k).split(np.zeros(n), y), n)
    )
    cases.append({"labels": y, "k": k, "test_folds": out, "error": err, "warnings": len(warn)})
# random sweep
for _ in range(20):
    n = int(rs.randint(5, 500))
    nc = int(rs.randint(1, 16))
    k = int(rs.randint(2, 11))
    y = labels_case("str" if rs.rand() < 0.5 else "int", n, nc, float(rs.uniform(0.4, 1.0)))
    out, err, warn = with_warnings(
        lambda: test_folds_of(StratifiedKFold(n_splits=k).split(np.zeros(n), y), n)
    )
    cases.append({"labels": y, "k": k, "test_folds": out, "error": err, "warnings": len(warn)})
# Hand-written edge cases: all classes smaller than k (error), one class smaller (warning).
for y, k in [([0, 0, 1, 1, 2, 2], 3), (["a", "a", "a", "b"], 3), ([1, 1, 2, 2], 3), ([5] * 7, 3)]:
    out, err, warn = with_warnings(
        lambda: test_folds_of(StratifiedKFold(n_splits=k).split(np.zeros(len(y)), y), len(y))
    )
    cases.append({"labels": y, "k": k, "test_folds": out, "error": err, "warnings": len(warn)})
goldens["stratified_k_fold"] = cases

# --- KFold(shuffle=False) ---------------------------------------------------------------------------
goldens["k_fold"] = [
    {"n": n, "k": k, "test_folds": test_folds_of(KFold(n_splits=k).split(np.zeros(n)), n)}
    for n, k in [(10, 3), (11, 5), (5, 5), (100, 7), (13, 2)]
]

# --- train_test_split sizes --------------------------------------------------------------------------
sizes = []
for n in [1, 2, 3, 10, 11, 30, 90, 100, 101, 999]:
    for test, train in [
        (None, None),
        (0.25, None),
        (0.1, None),
        (0.55, None),
        (0.3, 0.7),
        (0.2, 0.5),
        (None, 0.7),
        (3, None),
        (None, 5),
        (2, 4),
        (0.7, 0.4),
    ]:
        def run():
            a, b = train_test_split(np.arange(n), test_size=test, train_size=train, random_state=0)
            return [len(a), len(b)]

        out, err, _ = with_warnings(run)
        sizes.append({"n": n, "test": test, "train": train, "sizes": out, "error": err is not None})
goldens["train_test_split_sizes"] = sizes

# --- stratified train_test_split: per-class counts ---------------------------------------------------
strat = []
for kind, n, nc, skew, test in [
    ("int", 100, 3, 0.5, 0.2),
    ("str", 57, 4, 0.7, 0.3),
    ("int", 1000, 8, 0.8, 0.25),
    ("int", 40, 2, 0.4, 0.5),
    ("str", 333, 6, 0.6, 0.15),
    ("int", 20, 4, 1.0, 0.25),  # equal classes: ties, several outcomes
]:
    y = labels_case(kind, n, nc, skew)
    outcomes = set()
    err = None
    for seed in range(40):
        try:
            tr, te = train_test_split(np.arange(n), test_size=test, stratify=y, random_state=seed)
        except ValueError as e:
            err = str(e)
            break
        ytr = [y[i] for i in tr]
        yte = [y[i] for i in te]
        classes = sorted(set(y))
        outcomes.add(
            (tuple(ytr.count(c) for c in classes), tuple(yte.count(c) for c in classes))
        )
    strat.append(
        {
            "labels": y,
            "test": test,
            "classes": sorted(set(y)),
            "error": err,
            "outcomes": sorted([[list(a), list(b)] for a, b in outcomes]),
        }
    )
# random sweep: sizes, class counts and skews drawn at random
for _ in range(30):
    n = int(rs.randint(20, 400))
    nc = int(rs.randint(2, 9))
    y = labels_case("int" if rs.rand() < 0.5 else "str", n, nc, float(rs.uniform(0.5, 1.0)))
    test = float(np.round(rs.uniform(0.1, 0.5), 2))
    outcomes = set()
    err = None
    for seed in range(40):
        try:
            tr, te = train_test_split(np.arange(n), test_size=test, stratify=y, random_state=seed)
        except ValueError as e:
            err = str(e)
            break
        classes = sorted(set(y))
        ytr = [y[i] for i in tr]
        yte = [y[i] for i in te]
        outcomes.add((tuple(ytr.count(c) for c in classes), tuple(yte.count(c) for c in classes)))
    strat.append(
        {"labels": y, "test": test, "classes": sorted(set(y)), "error": err,
         "outcomes": sorted([[list(a), list(b)] for a, b in outcomes])}
    )
# errors: a class with one member; a test split smaller than the number of classes
for y, test in [([0, 0, 0, 1], 0.5), ([0, 0, 1, 1, 2, 2, 3, 3], 0.25)]:
    _, err, _ = with_warnings(lambda: train_test_split(np.arange(len(y)), test_size=test, stratify=y))
    strat.append({"labels": y, "test": test, "classes": sorted(set(y)), "error": err, "outcomes": []})
goldens["stratified_train_test_split"] = strat

# --- GroupKFold(shuffle=False) -------------------------------------------------------------------------
gk = []
for n, ng, k in [(20, 6, 3), (50, 10, 5), (200, 37, 4), (12, 12, 2), (300, 50, 7)]:
    sizes_ = rs.geometric(0.3, size=ng)
    groups = list(np.repeat(rs.permutation(ng) * 3 + 1, sizes_))[:n]
    groups = [int(g) for g in groups]
    rs.shuffle(groups)
    n_ = len(groups)
    out, err, _ = with_warnings(
        lambda: test_folds_of(GroupKFold(n_splits=k).split(np.zeros(n_), groups=groups), n_)
    )
    gk.append({"groups": groups, "k": k, "test_folds": out, "error": err})
for _ in range(15):
    n = int(rs.randint(10, 400))
    k = int(rs.randint(2, 8))
    ng = int(rs.randint(k, max(k + 1, n)))
    groups = [int(g) for g in rs.randint(0, ng, size=n)]
    out, err, _ = with_warnings(
        lambda: test_folds_of(GroupKFold(n_splits=k).split(np.zeros(n), groups=groups), n)
    )
    gk.append({"groups": groups, "k": k, "test_folds": out, "error": err})
gk.append(
    {
        "groups": ["a", "a", "a", "b", "b", "c", "d"],
        "k": 2,
        "test_folds": test_folds_of(
            GroupKFold(n_splits=2).split(np.zeros(7), groups=["a", "a", "a", "b", "b", "c", "d"]), 7
        ),
        "error": None,
    }
)
goldens["group_k_fold"] = gk

# --- StratifiedGroupKFold(shuffle=False) -------------------------------------------------------------
sgk = []
for n, ng, nc, k, skew in [
    (40, 12, 2, 3, 0.7),
    (100, 25, 3, 4, 0.6),
    (300, 60, 4, 5, 0.8),
    (120, 30, 9, 3, 0.85),  # more than 8 classes: NumPy's pairwise sums
    (80, 40, 2, 2, 1.0),
    (500, 100, 5, 10, 0.7),
]:
    y = labels_case("int", n, nc, skew)
    groups = [int(g) for g in rs.randint(0, ng, size=n) * 5 + 3]
    out, err, warn = with_warnings(
        lambda: test_folds_of(StratifiedGroupKFold(n_splits=k).split(np.zeros(n), y, groups), n)
    )
    sgk.append(
        {"labels": y, "groups": groups, "k": k, "test_folds": out, "error": err, "warnings": len(warn)}
    )
# random sweep, including string labels and groups and up to 14 classes
for _ in range(20):
    n = int(rs.randint(30, 300))
    nc = int(rs.randint(2, 15))
    k = int(rs.randint(2, 7))
    ng = int(rs.randint(k, max(k + 1, n // 2)))
    y = labels_case("str" if rs.rand() < 0.3 else "int", n, nc, float(rs.uniform(0.6, 1.0)))
    groups = ["g%03d" % g for g in rs.randint(0, ng, size=n)] if rs.rand() < 0.5 else [
        int(g) for g in rs.randint(0, ng, size=n)
    ]
    out, err, warn = with_warnings(
        lambda: test_folds_of(StratifiedGroupKFold(n_splits=k).split(np.zeros(n), y, groups), n)
    )
    sgk.append(
        {"labels": y, "groups": groups, "k": k, "test_folds": out, "error": err, "warnings": len(warn)}
    )
goldens["stratified_group_k_fold"] = sgk

# --- TimeSeriesSplit -----------------------------------------------------------------------------------
ts = []
for n, k, test_size, gap, max_train in [
    (6, 5, None, 0, None),
    (12, 3, 2, 2, None),
    (100, 4, None, 3, 20),
    (10, 2, None, 0, 3),
    (50, 5, 7, 1, None),
    (10, 5, 2, 1, None),  # too many splits: error
]:
    def run():
        return [
            [int(tr[0]) if len(tr) else 0, int(tr[-1]) + 1 if len(tr) else 0, int(te[0]), int(te[-1]) + 1]
            for tr, te in TimeSeriesSplit(
                n_splits=k, test_size=test_size, gap=gap, max_train_size=max_train
            ).split(np.zeros(n))
        ]

    out, err, _ = with_warnings(run)
    ts.append(
        {"n": n, "k": k, "test_size": test_size, "gap": gap, "max_train_size": max_train,
         "folds": out, "error": err is not None}
    )
goldens["time_series_split"] = ts

# --- LeaveOneGroupOut ------------------------------------------------------------------------------------
logo = []
for groups in [["b", "a", "b", "c", "a"], [3, 1, 2, 3, 1, 2, 2], [7] * 3]:
    out, err, _ = with_warnings(
        lambda: test_folds_of(LeaveOneGroupOut().split(np.zeros(len(groups)), groups=groups), len(groups))
    )
    logo.append({"groups": groups, "test_folds": out, "error": err is not None})
goldens["leave_one_group_out"] = logo

# --- GroupShuffleSplit sizes (in groups) ------------------------------------------------------------------
gss = []
for ng, test in [(10, 0.2), (7, 0.3), (101, 0.25), (3, 0.5)]:
    groups = np.repeat(np.arange(ng), 2)
    tr, te = next(GroupShuffleSplit(n_splits=1, test_size=test, random_state=0).split(groups, groups=groups))
    gss.append({"groups": ng, "test": test, "train_groups": len(set(groups[tr])), "test_groups": len(set(groups[te]))})
goldens["group_shuffle_split"] = gss

# --- imbalanced-learn random over/under-sampling: per-class counts after -----------------------------------
samp = []
for y in [
    ["a"] * 10 + ["b"] * 3 + ["c"] * 5,
    [2] * 7 + [0] * 7 + [1] * 2,  # tie for the majority
    [1] * 9 + [0] * 4,
    ["x"] * 4 + ["y"] * 4 + ["z"] * 1 + ["w"] * 1,  # tie for the minority
]:
    classes = sorted(set(y))
    X = np.zeros((len(y), 1))
    for kind, cls in [("over", RandomOverSampler), ("under", RandomUnderSampler)]:
        for strategy in ["auto", "minority", "majority", "not minority", "not majority", "all", 0.8, 0.5]:
            def run():
                _, yr = cls(sampling_strategy=strategy, random_state=0).fit_resample(X, np.array(y))
                yr = list(yr)
                return [yr.count(c) for c in classes]

            try:
                out, err, _ = with_warnings(run)
            except Exception as e:  # noqa: BLE001 (imblearn raises ValueError or its own)
                out, err = None, str(e)
            samp.append(
                {"labels": y, "kind": kind, "strategy": strategy, "classes": classes,
                 "after": out, "error": err is not None}
            )
goldens["resampling"] = samp

# --- compute_class_weight("balanced") ------------------------------------------------------------------------
cw = []
for y in [["a", "a", "a", "b"], [3, 1, 1, 2, 2, 2, 2]]:
    classes = np.unique(y)
    w = compute_class_weight("balanced", classes=classes, y=y)
    cw.append({"labels": y, "classes": [py(c) for c in classes], "weights": [float(x) for x in w]})
goldens["balanced_class_weight"] = cw

with open(OUT, "w") as f:
    json.dump(goldens, f, default=py, separators=(",", ":"))
    f.write("\n")
print("wrote", OUT, os.path.getsize(OUT), "bytes", file=sys.stderr)
