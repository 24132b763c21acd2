#!/usr/bin/env python3
"""map_quality: `tokenatlas map` against umap-learn on synthetic models.

For each preset (script-clustered, meaning-aligned; 3,000 tokens x 64): `synth`, `ingest`,
`neighbors -k 15` (the token itself and its 14 nearest others), then
  - tokenatlas map --n-neighbors 15 --min-dist 0.2 --seed 1;
  - umap-learn 0.5 UMAP(n_neighbors=15, min_dist=0.2, random_state=1) given the same exact kNN
    graph through precomputed_knn (indices and distances sqrt(2 - 2 cos) from the neighbours
    file; force_approximation_algorithm so that it uses them below 4,096 points too).
Both layouts are scored the same way:
  - trustworthiness (scikit-learn, 15 neighbours) against the L2-normalised rows: tokenatlas's
    must be at least umap-learn's minus 0.02;
  - 5-NN category accuracy in 2-D: the share of tokens whose category is the most frequent
    among their 5 nearest other points of the layout (ties to the lowest category number):
    within 3 points of umap-learn's.
It also checks the blocked trustworthiness of map_oracle.py (used by jobs/bench-map.sh at 20,000
points) against scikit-learn's.
"""
import os
import sys
import time
import warnings

import numpy as np

import tahelp

warnings.filterwarnings("ignore")
try:
    import h5py
    from sklearn.manifold import trustworthiness
    import map_oracle
    import umap
    from pynndescent import NNDescent
except ImportError as e:  # pragma: no cover
    tahelp.skip("umap-learn, h5py or scikit-learn is not installed: %s" % e)

TMP = tahelp.tmpdir()
N, DIM, K, SEED = 3000, 64, 15, 1


def one(preset):
    d = os.path.join(TMP, preset)
    tahelp.run(["synth", "--preset", preset, "--tokens", str(N), "--dim", str(DIM), "--seed", "3",
                "--out", d])
    tahelp.run(["ingest", "--model", d, "--out", d + ".h5"])
    tahelp.run(["neighbors", "--embeddings", d + ".h5", "-k", str(K), "--out", d + ".nb.h5"])
    t = time.time()
    tahelp.run(["map", "--neighbors", d + ".nb.h5", "--n-neighbors", str(K), "--min-dist", "0.2",
                "--seed", str(SEED), "--out", d + ".map.h5"], np=2)
    t_ta = time.time() - t
    with h5py.File(d + ".h5", "r") as f:
        X = f["embeddings"][()].astype(np.float64)
        cat = f["categories/paper"][()].astype(np.int64)
    with h5py.File(d + ".nb.h5", "r") as f:
        q = f["neighbors/query"][()]
        idx = f["neighbors/index"][()]
        score = f["neighbors/score"][()]
    with h5py.File(d + ".map.h5", "r") as f:
        Y = f["map/xy"][()]
        mq = f["map/query"][()]
        attrs = dict(f["map"].attrs)
    tahelp.check(np.array_equal(mq, q), preset + ": /map/query differs from the neighbours' queries")
    tahelp.check(Y.shape == (N, 2) and np.all(np.isfinite(Y)), preset + ": /map/xy not finite [N, 2]")
    tahelp.check(attrs.get("n_neighbors") == K and abs(attrs.get("min_dist") - 0.2) < 1e-12
                 and attrs.get("seed") == SEED, preset + ": /map attributes %r" % attrs)
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    ki = idx.astype(np.int64)
    kd = np.sqrt(np.maximum(2.0 - 2.0 * score.astype(np.float64), 0.0)).astype(np.float32)
    tahelp.check(np.all(ki[:, 0] == q), preset + ": the neighbours file does not list self first")
    t = time.time()
    U = umap.UMAP(n_neighbors=K, min_dist=0.2, random_state=SEED,
                  precomputed_knn=(ki, kd, NNDescent.__new__(NNDescent)),
                  force_approximation_algorithm=True).fit_transform(Xn.astype(np.float32))
    t_um = time.time() - t
    tw_ta = trustworthiness(Xn, Y, n_neighbors=15)
    tw_um = trustworthiness(Xn, U, n_neighbors=15)
    acc_ta = map_oracle.knn_accuracy(Y, cat)
    acc_um = map_oracle.knn_accuracy(U, cat)
    # The blocked trustworthiness of jobs/bench-map.sh (20,000 points) against scikit-learn's.
    for lay, tw in ((Y, tw_ta), (U, tw_um)):
        fast = map_oracle.trustworthiness(Xn, lay, 15)
        tahelp.check(abs(fast - tw) < 1e-9, "%s: map_oracle.trustworthiness %.12f, scikit-learn "
                     "%.12f" % (preset, fast, tw))
    print("%s: trustworthiness tokenatlas %.4f umap-learn %.4f; 5-NN category accuracy "
          "tokenatlas %.4f umap-learn %.4f; %d components (%d spectral); seconds tokenatlas %.1f "
          "(2 ranks, with start-up) umap-learn %.1f (with numba compilation)"
          % (preset, tw_ta, tw_um, acc_ta, acc_um, attrs["components"],
             attrs["components_spectral"], t_ta, t_um), flush=True)
    tahelp.check(tw_ta >= tw_um - 0.02, "%s: trustworthiness %.4f < umap-learn's %.4f - 0.02"
                 % (preset, tw_ta, tw_um))
    tahelp.check(abs(acc_ta - acc_um) <= 0.03, "%s: 5-NN accuracy %.4f vs umap-learn's %.4f"
                 % (preset, acc_ta, acc_um))


for preset in ("script-clustered", "meaning-aligned"):
    one(preset)
tahelp.finish("map_quality")
