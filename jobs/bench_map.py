"""Helper of jobs/bench-map.sh: umap-learn on the same neighbour graph as `tokenatlas map`, and the
quality of every layout.

    bench_map.py DIR    (DIR holds model.h5, nb.h5 and the tokenatlas maps map1.h5, mapN.h5)

umap-learn 0.5 (Debian umap-learn) runs in this one process:
  1. UMAP(n_neighbors=15, min_dist=0.2, random_state=1) given tokenatlas's exact kNN graph
     (precomputed_knn: the first 15 columns of nb.h5, distances sqrt(2 - 2 cos)): the first call
     includes numba's compilation, so it is timed twice ("cold" and "warm");
  2. the same on the L2-normalised rows with its own approximate kNN (NN-descent), as the paper's
     Figure1-umap.py ran it.
Prints the seconds (wall and CPU of this process), then trustworthiness (15 neighbours, exact, see
tests/py/map_oracle.py) and 5-NN category accuracy of every layout.
"""
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "py"))
import map_oracle  # noqa: E402

warnings.filterwarnings("ignore")
import h5py  # noqa: E402
import umap  # noqa: E402
from pynndescent import NNDescent  # noqa: E402

K, MIN_DIST, SEED = 15, 0.2, 1


def timed(fn):
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def main(d):
    with h5py.File(os.path.join(d, "model.h5"), "r") as f:
        X = f["embeddings"][()].astype(np.float64)
        cat = f["categories/paper"][()].astype(np.int64)
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    with h5py.File(os.path.join(d, "nb.h5"), "r") as f:
        idx = f["neighbors/index"][:, :K].astype(np.int64)
        score = f["neighbors/score"][:, :K].astype(np.float64)
    kd = np.sqrt(np.maximum(2.0 - 2.0 * score, 0.0)).astype(np.float32)
    X32 = Xn.astype(np.float32)

    def pre():
        return umap.UMAP(n_neighbors=K, min_dist=MIN_DIST, random_state=SEED,
                         precomputed_knn=(idx.copy(), kd.copy(), NNDescent.__new__(NNDescent))
                         ).fit_transform(X32)

    def own():
        return umap.UMAP(n_neighbors=K, min_dist=MIN_DIST, random_state=SEED).fit_transform(X32)

    layouts = {}
    layouts["umap-learn, same kNN graph (cold)"], w1, c1 = timed(pre)
    layouts["umap-learn, same kNN graph (warm)"], w2, c2 = timed(pre)
    layouts["umap-learn, its own NN-descent"], w3, c3 = timed(own)
    print("umap_cold_seconds %.2f %.2f" % (w1, c1))
    print("umap_warm_seconds %.2f %.2f" % (w2, c2))
    print("umap_own_seconds %.2f %.2f" % (w3, c3))
    for name in sorted(os.listdir(d)):
        if name.startswith("map") and name.endswith(".h5"):
            with h5py.File(os.path.join(d, name), "r") as f:
                layouts["tokenatlas " + name] = f["map/xy"][()]
    print("%-40s %16s %22s" % ("layout", "trustworthiness", "5-NN category accuracy"))
    for name, Y in layouts.items():
        tw = map_oracle.trustworthiness(Xn, Y, 15)
        acc = map_oracle.knn_accuracy(Y, cat, 5)
        print("%-40s %16.4f %21.2f%%" % (name, tw, 100 * acc), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
