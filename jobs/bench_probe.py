"""Helpers of jobs/bench-probe.sh: synthetic embeddings with planted writing-system clusters, and
scikit-learn on the folds tokenatlas exported (tests/py/probe_oracle.py)."""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "py"))
import probe_oracle as po  # noqa: E402


def make(out_dir, n, d, seed=150):
    """n x d f32 embeddings in out_dir/emb.npy and out_dir/cats.tsv with six categories of very
    different sizes (50% down to 1%), each a Gaussian cluster (unit noise) around a centre at distance 4.5."""
    rng = np.random.default_rng(seed)
    names = ["LATIN", "CJK", "CYRILLIC", "ARABIC", "P", "N"]
    share = np.array([0.50, 0.20, 0.13, 0.10, 0.06, 0.01])
    lab = rng.choice(len(names), size=n, p=share)
    centres = rng.normal(size=(len(names), d)).astype(np.float32)
    # Centres at distance 4.5 from the origin in any dimension: the same separation (about the
    # paper's 99% accuracy) for d = 256 and d = 768.
    centres *= 4.5 / np.linalg.norm(centres, axis=1, keepdims=True)
    X = np.empty((n, d), np.float32)
    step = 50000
    for r0 in range(0, n, step):
        r1 = min(n, r0 + step)
        X[r0:r1] = rng.standard_normal((r1 - r0, d), dtype=np.float32) + centres[lab[r0:r1]]
    np.save(os.path.join(out_dir, "emb.npy"), X)
    with open(os.path.join(out_dir, "cats.tsv"), "w") as f:
        f.write("id\tcategory\ttoken\n")
        f.writelines("%d\t%s\tt%d\n" % (i, names[c], i) for i, c in enumerate(lab))


def sklearn(out_dir, folds_tsv, ours_tsv):
    X = np.load(os.path.join(out_dir, "emb.npy"))
    Xn = po.normalise(X)
    folds = po.read_folds(folds_tsv)
    ours = po.read_tsv(ours_tsv)
    t0, c0 = time.perf_counter(), time.process_time()
    sk = po.sklearn_probe(Xn, folds)
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    print("%-10s %8s %9s %12s %12s %8s" % ("category", "n_tokens", "n_samples", "tokenatlas", "sklearn", "diff"))
    worst = 0
    for c in sorted(folds):
        a, b = ours[c][2], sk[c][0].mean()
        worst = max(worst, abs(a - b))
        print("%-10s %8d %9d %11.2f%% %11.2f%% %7.2fpt" % (c, ours[c][0], ours[c][1], 100 * a, 100 * b, 100 * (a - b)))
    print("sklearn_seconds %.2f" % total)
    print("sklearn_cpu_seconds %.2f" % cpu)
    print("max_abs_diff_points %.3f" % (100 * worst))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sklearn(sys.argv[2], sys.argv[3], sys.argv[4])
