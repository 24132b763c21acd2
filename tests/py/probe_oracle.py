"""scikit-learn oracle for `tokenatlas probe`: the same protocol on the same balanced samples and
folds (read from --export-folds), with LogisticRegression(lbfgs, C=1) as the paper used it.
Shared by tests/py/test_probe_sklearn.py and jobs/bench-probe.sh."""
import csv
import time

import numpy as np


def normalise(X):
    """Rows L2-normalised in float32 (zero rows stay zero), as tokenatlas does."""
    X = np.asarray(X, dtype=np.float32)
    n = np.sqrt((X.astype(np.float64) ** 2).sum(axis=1))
    out = X.copy()
    nz = n > 0
    out[nz] = (X[nz] / n[nz, None].astype(np.float32)).astype(np.float32)
    return out


def read_folds(path):
    """{category: (ids int64, label uint8, fold int32)} in file order."""
    d = {}
    with open(path, newline="") as f:
        r = csv.reader(f, delimiter="\t")
        header = next(r)
        assert header == ["category", "token_id", "label", "fold"], header
        for cat, tid, lab, fold in r:
            d.setdefault(cat, ([], [], []))
            d[cat][0].append(int(tid))
            d[cat][1].append(int(lab))
            d[cat][2].append(int(fold))
    return {k: (np.array(a, np.int64), np.array(b, np.uint8), np.array(c, np.int32))
            for k, (a, b, c) in d.items()}


def read_tsv(path):
    rows = {}
    with open(path, newline="") as f:
        r = csv.reader(f, delimiter="\t")
        header = next(r)
        assert header == ["category", "n_tokens", "n_samples", "mean_accuracy", "std_accuracy"], header
        for cat, nt, ns, mean, std in r:
            rows[cat] = (int(nt), int(ns), float(mean), float(std))
    return rows


def sklearn_probe(Xn, folds, tol=1e-4):
    """Per category: (fold accuracies, seconds) with sklearn on the exported splits."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import PredefinedSplit, cross_val_score
    out = {}
    for cat, (ids, lab, fold) in folds.items():
        t0 = time.perf_counter()
        X = Xn[ids].astype(np.float64)
        clf = LogisticRegression(C=1.0, solver="lbfgs", tol=tol, max_iter=100000)
        acc = cross_val_score(clf, X, lab, cv=PredefinedSplit(fold), scoring="accuracy")
        out[cat] = (acc, time.perf_counter() - t0)
    return out
