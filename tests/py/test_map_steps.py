#!/usr/bin/env python3
"""map_steps: every step of the UMAP kernels against umap-learn's own function for that step.

tests/mapdriver.c runs the kernels on a kNN graph and writes each intermediate result; umap-learn
0.5 (Debian umap-learn) computes the same steps from the same graph:
  smooth_knn_dist (sigma, rho), fuzzy_simplicial_set (the fuzzy union), the pruning and
  make_epochs_per_sample of simplicial_set_embedding, scipy's connected_components,
  find_ab_params, and spectral_layout (the eigenvectors: compared by correlation, column by
  column and component by component, since an eigenvector's sign is arbitrary).
Graphs: Gaussian clusters on the sphere (one component), two far-apart groups (two components),
and rows with missing neighbours. Usage: test_map_steps.py PATH/TO/ta_mapdriver
"""
import os
import struct
import subprocess
import sys
import warnings

import numpy as np

import tahelp

warnings.filterwarnings("ignore")
try:
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components
    import umap.umap_ as uu
    import umap.spectral as us
except ImportError as e:  # pragma: no cover
    tahelp.skip("umap-learn is not installed: %s" % e)

DRIVER = sys.argv[1]
TMP = tahelp.tmpdir()


def knn_rows(X, n):
    """Exact kNN by cosine of the rows of X: self first, then the n-1 nearest others."""
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    S = Xn @ Xn.T
    np.fill_diagonal(S, -np.inf)
    others = np.argsort(-S, axis=1, kind="stable")[:, : n - 1]
    idx = np.concatenate([np.arange(len(X))[:, None], others], axis=1).astype(np.int32)
    cos = np.take_along_axis(Xn @ Xn.T, idx, axis=1)
    d = np.sqrt(np.maximum(2.0 - 2.0 * cos, 0.0)).astype(np.float32)
    d[:, 0] = 0.0
    return idx, d


def run_driver(idx, d, n_neighbors, n_epochs, seed, min_dist, name):
    nv, n = idx.shape
    inp, out = os.path.join(TMP, name + ".in"), os.path.join(TMP, name + ".out")
    with open(inp, "wb") as f:
        f.write(struct.pack("<qqqqQd", nv, n, n_neighbors, n_epochs, seed, min_dist))
        f.write(idx.astype("<i4").tobytes())
        f.write(d.astype("<f4").tobytes())
    subprocess.run([DRIVER, inp, out], check=True)
    buf = open(out, "rb").read()
    pos = 0

    def take(dtype, count):
        nonlocal pos
        a = np.frombuffer(buf, dtype=dtype, count=count, offset=pos)
        pos += a.nbytes
        return a

    r = {}
    r["sigma"], r["rho"] = take("<f4", nv), take("<f4", nv)
    ne = int(take("<i8", 1)[0])
    ptr = take("<i8", nv + 1)
    col = take("<i4", ne)
    r["union"] = sp.csr_matrix((take("<f4", ne), col, ptr), shape=(nv, nv))
    r["count"] = int(take("<i4", 1)[0])
    r["label"] = take("<i4", nv)
    ne2 = int(take("<i8", 1)[0])
    ptr2 = take("<i8", nv + 1)
    col2, val2 = take("<i4", ne2), take("<f4", ne2)
    r["pruned"] = sp.csr_matrix((val2, col2, ptr2), shape=(nv, nv))
    r["eps"] = take("<f8", ne2)
    r["a"], r["b"] = take("<f8", 1)[0], take("<f8", 1)[0]
    r["init"] = take("<f4", 2 * nv).reshape(nv, 2)
    r["spectral"], r["random"] = int(take("<i4", 1)[0]), int(take("<i4", 1)[0])
    r["xy"] = take("<f4", 2 * nv).reshape(nv, 2)
    tahelp.check(pos == len(buf), "%s: driver output has %d bytes, read %d" % (name, len(buf), pos))
    return r


def close(a, b, rtol, what):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    err = np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-30)) if a.size else 0.0
    tahelp.check(a.shape == b.shape and err <= rtol, "%s: largest relative difference %.3g > %g"
                 % (what, err, rtol))
    return err


def compare(name, idx, d, n_neighbors=15, min_dist=0.2, seed=7, missing_as_inf=None):
    nv = len(idx)
    n_epochs = 500 if nv <= 10000 else 200
    r = run_driver(idx, d, n_neighbors, n_epochs, seed, min_dist, name)
    # umap-learn's smooth_knn_dist on the same rows. A row with missing neighbours is given to it
    # alone with its valid entries only: umap-learn itself would take a missing neighbour as
    # infinitely far, and its floor (1e-3 times the row's mean distance) would then make sigma
    # infinite and every weight of the row 1; tokenatlas takes the mean over the valid entries.
    ki, kd = idx.astype(np.int64).copy(), d.copy()
    sig, rho = uu.smooth_knn_dist(kd, float(n_neighbors))
    for i in np.where((ki < 0).any(axis=1))[0]:
        m = int((ki[i] >= 0).sum())
        s1, r1 = uu.smooth_knn_dist(kd[i : i + 1, :m].copy(), float(n_neighbors))
        sig[i], rho[i] = s1[0], r1[0]
    close(r["rho"], rho, 1e-6, name + ": rho")
    close(r["sigma"], sig, 1e-4, name + ": sigma")
    # fuzzy_simplicial_set from there: compute_membership_strengths (which skips index -1), then
    # the fuzzy union as umap-learn writes it.
    rows, cols, vals, _ = uu.compute_membership_strengths(ki, kd, sig, rho)
    W = sp.coo_matrix((vals, (rows, cols)), shape=(nv, nv))
    W.eliminate_zeros()
    T = W.transpose()
    G = W + T - W.multiply(T)
    G.eliminate_zeros()
    G = G.tocsr()
    G.sort_indices()
    U = r["union"]
    tahelp.check(np.array_equal(U.indptr, G.indptr) and np.array_equal(U.indices, G.indices),
                 "%s: the fuzzy union's sparsity differs from umap-learn's (%d vs %d entries)"
                 % (name, U.nnz, G.nnz))
    if U.nnz == G.nnz:
        close(U.data, G.data, 1e-4, name + ": fuzzy union weights")
    # simplicial_set_embedding: prune below max / n_epochs, then epochs per sample.
    g = G.tocoo()
    g.sum_duplicates()
    g.data[g.data < (g.data.max() / float(n_epochs))] = 0.0
    g.eliminate_zeros()
    g = g.tocsr()
    g.sort_indices()
    P = r["pruned"]
    tahelp.check(np.array_equal(P.indptr, g.indptr) and np.array_equal(P.indices, g.indices),
                 "%s: pruned graph differs (%d vs %d entries)" % (name, P.nnz, g.nnz))
    if P.nnz == g.nnz:
        close(r["eps"], uu.make_epochs_per_sample(g.data, n_epochs), 1e-4, name + ": epochs per sample")
    nc, lab = connected_components(P)
    tahelp.check(nc == r["count"] and np.array_equal(lab, r["label"]),
                 "%s: components %d vs scipy's %d" % (name, r["count"], nc))
    a, b = uu.find_ab_params(1.0, min_dist)
    close([r["a"], r["b"]], [a, b], 1e-5, name + ": a, b")
    # spectral_layout on the pruned graph (what simplicial_set_embedding passes it). An
    # eigenvector's sign is arbitrary, and within near-equal eigenvalues so is its direction, so
    # each column of a component is compared through its Rayleigh quotient and residual in the
    # component's normalised Laplacian: they must be the 2nd and 3rd eigenpairs, as umap-learn's
    # columns are. The affine maps of the scaling (shift, scale, noise 1e-5 of the range) are
    # undone by projecting out the trivial eigenvector D^1/2 1.
    init = us.spectral_layout(None, g.tocoo(), 2, np.random.RandomState(0))
    ours = r["init"].astype(np.float64)
    for c in range(nc):
        m = lab == c
        if m.sum() < 4:
            continue
        gc = g[m][:, m]
        deg = np.asarray(gc.sum(axis=0)).ravel().astype(np.float64)
        Dm = sp.diags(1.0 / np.sqrt(deg))
        Lc = (sp.identity(int(m.sum())) - Dm @ gc @ Dm).tocsr()
        u = np.sqrt(deg)

        def pair(x):
            x = x - (x @ u) / u.sum()
            x = x / np.linalg.norm(x)
            lam = x @ (Lc @ x)
            return lam, np.linalg.norm(Lc @ x - lam * x)

        for col in range(2):
            lo, ro = pair(ours[m, col])
            lu, _ = pair(init[m, col])
            tahelp.check(abs(lo - lu) <= 1e-3 * lu + 1e-7 and ro <= 1e-3,
                         "%s: component %d eigenvector %d: eigenvalue %.6g (residual %.2g), "
                         "umap-learn's %.6g" % (name, c, col + 1, lo, ro, lu))
    tahelp.check(np.all(np.isfinite(r["xy"])), name + ": non-finite optimised layout")
    tahelp.check(r["init"].min() >= 0 and r["init"].max() <= 10.0 + 1e-5,
                 name + ": initial layout outside [0, 10]")
    print("%s: %d vertices, %d union entries, %d pruned, %d component(s), a %.6f b %.6f, "
          "spectral %d random %d" % (name, nv, U.nnz, P.nnz, r["count"], r["a"], r["b"],
                                     r["spectral"], r["random"]))
    return r


rng = np.random.RandomState(5)
# One component: 6 Gaussian clusters on the sphere of R^24, close enough to connect.
C = rng.randn(6, 24)
X = C[rng.randint(0, 6, 900)] * 0.6 + rng.randn(900, 24)
idx, d = knn_rows(X, 15)
compare("clusters", idx, d)
compare("clusters-min0", idx, d, min_dist=0.0, seed=1)
compare("clusters-k8", idx[:, :8].copy(), d[:, :8].copy(), n_neighbors=8, min_dist=0.5)

# Two components: two groups far apart (their 15-NN never cross).
A = rng.randn(300, 16) * 0.2 + 5.0 * np.eye(16)[0]
B = rng.randn(200, 16) * 0.2 + 5.0 * np.eye(16)[1]
idx, d = knn_rows(np.vstack([A, B]), 15)
compare("two-groups", idx, d)

# Missing neighbours: some rows lose their last entries (-1 at the end, as the kernels expect).
idx, d = knn_rows(X[:600], 15)
drop = rng.rand(600) < 0.2
keep = rng.randint(6, 14, 600)
for i in np.where(drop)[0]:
    idx[i, keep[i]:] = -1
    d[i, keep[i]:] = 0.0
compare("missing", idx, d)

tahelp.finish("map_steps")
