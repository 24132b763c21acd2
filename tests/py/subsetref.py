"""Numpy brute force for neighbours restricted to a subset of tokens (neighbors --subset): every
query against the subset's rows only, best first, exact ties by the lower original id."""
import h5py
import numpy as np

import tahelp as t

TOL = 2e-5


def normalise(x):
    """Rows in float64, L2-normalised (zero rows stay zero); the mask of rows with norm > 0."""
    x64 = np.asarray(x, dtype=np.float64)
    norm = np.linalg.norm(x64, axis=1)
    ok = norm > 0
    return x64 / np.where(ok, norm, 1.0)[:, None], ok


def check(path, y, ok, sub, k, queries, n_tokens, exclude_self=False, what="", subset=True):
    """Compares the neighbours file at path with the brute force over the rows `sub` (original
    ids) of the normalised matrix y; returns (index, score). subset=False: a run without
    --subset (sub is every row), whose /neighbors has no n_subset."""
    sub = np.sort(np.asarray(sub))
    with h5py.File(path, "r") as f:
        g = f["neighbors"]
        idx, sc, q = g["index"][()], g["score"][()], g["query"][()]
        attrs = dict(g.attrs)
    t.check(np.array_equal(q, queries), "%s: /neighbors/query is not the expected queries" % what)
    t.check(idx.shape == (len(queries), k), "%s: shape %s" % (what, idx.shape))
    t.check(attrs.get("n_tokens") == n_tokens and
            (attrs.get("n_subset") == len(sub) if subset else "n_subset" not in attrs),
            "%s: attributes %r" % (what, attrs))
    valid = sub[ok[sub]]
    bad = 0
    for r, qi in enumerate(queries):
        if not ok[qi]:
            good = np.all(idx[r] == -1) and np.all(np.isnan(sc[r]))
            bad += not t.check(good, "%s: zero row %d: %r" % (what, qi, idx[r]))
            continue
        cand = valid[valid != qi] if exclude_self else valid
        s = y[cand] @ y[qi]
        order = np.lexsort((cand, -s))[:k]
        want = cand[order]
        m = len(want)  # fewer than k valid rows: -1 / NaN after them
        bad += not t.check(np.all(idx[r][m:] == -1) and np.all(np.isnan(sc[r][m:])),
                           "%s: query %d: missing neighbours not -1 / NaN" % (what, qi))
        got = idx[r][:m]
        if not np.array_equal(got, want):
            # Scores within the f32 tolerance of each other may come in either order.
            close = np.allclose(np.sort(y[got] @ y[qi]), np.sort(s[order]), atol=TOL)
            bad += not t.check(close and np.all(np.isin(got, sub)) and len(set(got)) == m,
                               "%s: query %d: %r, expected %r" % (what, qi, got, want))
        bad += not t.check(np.allclose(sc[r][:m], y[got] @ y[qi], atol=TOL),
                           "%s: query %d: scores" % (what, qi))
        if bad > 5:
            break
    return idx, sc
