"""Fixtures for the stats tests (diversity, translate, compare): neighbours files, categories
TSVs and vocabularies written directly with h5py / plain Python, so that the analyses can be
tested without the `neighbors` and `categorize` commands. Also numpy summaries used as oracles."""
import json
import math
import os

import h5py
import numpy as np


def write_neighbors(path, index, query, n_tokens, tokens=None, k_attr=True):
    index = np.asarray(index, dtype=np.int32)
    with h5py.File(path, "w") as f:
        g = f.create_group("neighbors")
        g.create_dataset("index", data=index)
        g.create_dataset("score", data=np.zeros(index.shape, dtype=np.float32))
        g.create_dataset("query", data=np.asarray(query, dtype=np.int32))
        if k_attr:
            g.attrs["k"] = np.int64(index.shape[1])
        g.attrs["n_tokens"] = np.int64(n_tokens)
        g.attrs["exclude_self"] = np.int64(0)
        g.attrs["queries"] = "all"
        g.attrs["embeddings"] = "test"
        if tokens is not None:
            dt = h5py.string_dtype("utf-8")
            f.create_dataset("vocab/token", data=np.array(tokens, dtype=object), dtype=dt)
        f.attrs["complete"] = np.int64(1)


def write_categories(path, cats, tokens=None):
    with open(path, "w", encoding="utf-8") as f:
        f.write("id\tcategory\ttoken\n")
        for i, c in enumerate(cats):
            t = tokens[i] if tokens is not None else "tok%d" % i
            t = t.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
            f.write("%d\t%s\t%s\n" % (i, c, t))


def write_compare_case(D, rng, a, b, C=3):
    """A random `compare` case in directory D: the neighbour files ra.h5 and rb.h5 of models a and
    b, each (index, query, n_tokens, tokens), and ra.tsv, a's tokens in C categories G0.. drawn
    from rng (each one used). Returns (RA, RB, rcat, code), code[i] the category of a's row i."""
    RA, RB = os.path.join(D, "ra.h5"), os.path.join(D, "rb.h5")
    write_neighbors(RA, a[0], a[1], a[2], tokens=a[3])
    write_neighbors(RB, b[0], b[1], b[2], tokens=b[3])
    code = rng.integers(0, C, a[2])
    code[:C] = range(C)
    rcat = os.path.join(D, "ra.tsv")
    write_categories(rcat, ["G%d" % c for c in code], a[3])
    return RA, RB, rcat, code


def write_vocab_json(path, tokens):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(list(tokens), f, ensure_ascii=False)


def write_norms(path, norms):
    with h5py.File(path, "w") as f:
        f.create_dataset("norms", data=np.asarray(norms, dtype=np.float32))
        f.attrs["complete"] = np.int64(1)


def top_others(row, self_id, top):
    out = [int(j) for j in row if j >= 0 and j != self_id]
    return out[:top]


def summary(x):
    """(n, mean, std ddof=1, 1.96*std/sqrt(n)); NaN as the tool documents."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    if n == 0:
        return (0, math.nan, math.nan, math.nan)
    if n == 1:
        return (1, float(x[0]), math.nan, math.nan)
    s = float(np.std(x, ddof=1))
    return (n, float(np.mean(x)), s, 1.96 * s / math.sqrt(n))


def close(a, b, rel=1e-9, absol=1e-12):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False
    both_nan = np.isnan(a) & np.isnan(b)
    ok = both_nan | (np.abs(a - b) <= absol + rel * np.abs(b))
    return bool(np.all(ok))


def read_group(path, group, skip=()):
    """Datasets of an HDF5 group and its attributes (prefixed attr_), for rank comparisons."""
    import h5py
    with h5py.File(path, "r") as f:
        g = f[group]
        out = {k: g[k][()] for k in g.keys() if k not in skip}
        out.update({"attr_" + k: g.attrs[k] for k in g.attrs.keys() if k not in skip})
    return out


def same_results(ref, got):
    """Names of the entries of got that differ from ref (NaN equal to NaN), bit for bit."""
    bad = []
    for k in ref:
        a = np.asarray(ref[k])
        if k not in got or not np.array_equal(a, np.asarray(got[k]), equal_nan=a.dtype.kind == "f"):
            bad.append(k)
    return bad


def self_first_rows(rng, n, queries, k, missing_every=0, pool=None):
    """Neighbour rows as `neighbors` writes them without --exclude-self: the query first, then
    k - 1 distinct other tokens drawn from range(n) (or from range(pool) on odd rows, to make
    chosen tokens frequent); every missing_every-th row ends in a missing neighbour (-1)."""
    out = np.empty((len(queries), k), dtype=np.int32)
    for r, q in enumerate(queries):
        src = pool if pool and r % 2 else n
        others = [int(j) for j in rng.choice(src, k, replace=False) if j != q][:k - 1]
        out[r] = [int(q)] + others
        if missing_every and r % missing_every == 0:
            out[r][-1] = -1
    return out
