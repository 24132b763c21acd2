"""`tokenatlas probe` against scikit-learn on the same balanced samples and folds.

Synthetic data (numpy), N = 4000 tokens, d = 32, categories of graded separability:
  SEP   perfectly separable (a coordinate only its tokens have)   -> exactly 100%
  WELL  well-separated cluster                                     -> near 100%
  OVER  overlapping cluster                                        -> in between
  RAND  barely any signal                                          -> near 50%
  NOISY a well-separated cluster with 10% of its labels flipped    -> about 90%
  REST  everything else (large, the majority class of the others)
  TINY  under --min-tokens                                          -> skipped, listed
Checks: the exported samples and folds have exact class counts; every probed category's mean
accuracy is within 1.5 points of sklearn's on the same folds; the stored weights reproduce the
fold accuracies; TSV bytes and HDF5 arrays are identical for 1, 2, 3 and 4 ranks, for 3 threads and
after a stop and resume; a checkpoint of other parameters is refused (exit 2); bad input exits 2.
"""
import os

import h5py
import numpy as np

import probe_oracle as po
import tahelp as t

tmp = t.tmpdir()
rng = np.random.default_rng(2023)
N, D = 4000, 32
names = ["SEP", "WELL", "OVER", "RAND", "NOISY", "TINY", "REST"]
sizes = {"SEP": 300, "WELL": 500, "OVER": 600, "RAND": 400, "NOISY": 500, "TINY": 40}
sizes["REST"] = N - sum(sizes.values())
lab = np.concatenate([np.full(sizes[c], i) for i, c in enumerate(names)])
rng.shuffle(lab)
X = rng.normal(size=(N, D))
X[:, 0] = 0.0  # the SEP coordinate: zero for everyone else
sep = {"WELL": 3.0, "OVER": 0.6, "RAND": 0.08, "NOISY": 3.0, "TINY": 2.0}
for i, c in enumerate(names):
    m = lab == i
    if c == "SEP":
        X[m, 0] = 3.0 + np.abs(rng.normal(size=m.sum()))
    elif c in sep:
        centre = rng.normal(size=D)
        centre[0] = 0
        X[m] += sep[c] * centre / np.linalg.norm(centre) * np.sqrt(D) / 3
cat = np.array(names)[lab]
# Label noise: 10% of NOISY's tokens relabelled REST and as many REST tokens relabelled NOISY.
noisy = np.flatnonzero(cat == "NOISY")
rest = np.flatnonzero(cat == "REST")
k = len(noisy) // 10
flip_a = rng.choice(noisy, k, replace=False)
flip_b = rng.choice(rest, k, replace=False)
cat[flip_a] = "REST"
cat[flip_b] = "NOISY"
X[5] = 0.0  # a zero row stays zero
X32 = X.astype(np.float32)
emb = os.path.join(tmp, "emb.npy")
np.save(emb, X32)
cats = os.path.join(tmp, "cats.tsv")
with open(cats, "w") as f:
    f.write("id\tcategory\ttoken\n")
    for i, c in enumerate(cat):
        f.write("%d\t%s\ttok%d\n" % (i, c, i))
counts = {c: int((cat == c).sum()) for c in names}

base = ["probe", "--embeddings", emb, "--categories", cats, "--min-tokens", "100", "--seed", "7"]
runs = {}
for np_ in (1, 2, 3, 4):
    out = os.path.join(tmp, "np%d.h5" % np_)
    folds = os.path.join(tmp, "folds%d.tsv" % np_)
    p = t.run(base + ["--out", out, "--export-folds", folds], np=np_)
    runs[np_] = (out, folds, p)

out1, folds1, p1 = runs[1]
t.check("TINY (40)" in p1.stderr and "skipped" in p1.stderr, "skipped category listed on stderr: %r" % p1.stderr)
tsv1 = out1[:-3] + ".tsv"
res = po.read_tsv(tsv1)
t.check(list(res) == sorted(names), "TSV lists every category in name order: %r" % list(res))
t.check(res["TINY"][1] == 0 and np.isnan(res["TINY"][2]), "TINY skipped in the TSV: %r" % (res["TINY"],))

# Exported samples and folds: balanced, smaller class kept whole, floor/ceil per fold and class.
F = 10
folds = po.read_folds(folds1)
t.check(sorted(folds) == sorted(set(names) - {"TINY"}), "probed categories: %r" % sorted(folds))
for c, (ids, lb, fd) in folds.items():
    n_c = counts[c]
    m = min(n_c, N - n_c)
    t.check(len(np.unique(ids)) == len(ids) == 2 * m, "%s: %d unique samples, expected %d" % (c, len(np.unique(ids)), 2 * m))
    t.check(np.array_equal(lb, (cat[ids] == c).astype(np.uint8)), "%s: labels match the categories" % c)
    t.check(lb.sum() == m, "%s: %d positives, expected %d" % (c, lb.sum(), m))
    smaller = 1 if n_c <= N - n_c else 0
    want = np.flatnonzero((cat == c) == bool(smaller))
    t.check(np.array_equal(np.sort(ids[lb == smaller]), want), "%s: the smaller class is kept whole" % c)
    for cls in (0, 1):
        fc = np.bincount(fd[lb == cls], minlength=F)
        t.check(len(fc) == F and fc.min() >= m // F and fc.max() <= -(-m // F),
                "%s class %d: fold counts %r not floor/ceil of %d/%d" % (c, cls, fc, m, F))
    tot = np.bincount(fd, minlength=F)
    t.check(tot.min() >= (2 * m) // F and tot.max() <= -(-2 * m // F), "%s: fold totals %r" % (c, tot))
    t.check(res[c][0] == n_c and res[c][1] == 2 * m, "%s: n_tokens/n_samples %r" % (c, res[c]))

# scikit-learn on the same splits.
Xn = po.normalise(X32)
t.check(np.all(Xn[5] == 0), "zero row stays zero")
sk = po.sklearn_probe(Xn, folds)
with h5py.File(out1, "r") as h:
    g = h["probe"]
    hn = [s.decode() if isinstance(s, bytes) else s for s in g["names"][()]]
    facc = g["fold_accuracy"][()]
    W = g["weights"][()]
    B = g["intercepts"][()]
    t.check(h.attrs["complete"] == 1, "h5 complete = 1")
    sn = [s.decode() if isinstance(s, bytes) else s for s in g["skipped_names"][()]]
    t.check(sn == ["TINY"] and list(g["skipped_n_tokens"][()]) == [40], "skipped in h5: %r" % sn)
    t.check(W.shape == (len(hn), F, D), "weights shape %r" % (W.shape,))
    for i, c in enumerate(hn):
        ours = res[c][2]
        theirs = sk[c][0].mean()
        print("%-6s tokenatlas %.4f  sklearn %.4f" % (c, ours, theirs))
        t.check(abs(ours - theirs) <= 0.015, "%s: mean accuracy %.4f vs sklearn %.4f" % (c, ours, theirs))
        t.check(abs(facc[i].mean() - g["mean_accuracy"][i]) < 1e-12, "%s: mean of folds" % c)
        t.check(abs(facc[i].std() - g["std_accuracy"][i]) < 1e-12, "%s: population std of folds" % c)
        t.check(abs(res[c][3] - facc[i].std()) < 1e-6, "%s: TSV std" % c)
        # The stored weights reproduce the fold accuracies (numpy, on the exported test folds).
        ids, lb, fd = folds[c]
        for f in range(F):
            te = fd == f
            pred = (Xn[ids[te]].astype(np.float64) @ W[i, f] + B[i, f]) > 0
            acc = (pred == lb[te].astype(bool)).mean()
            t.check(abs(acc - facc[i, f]) < 1e-9, "%s fold %d: stored weights give %.4f, stored accuracy %.4f" % (c, f, acc, facc[i, f]))
    t.check(res["SEP"][2] == 1.0 and np.all(facc[hn.index("SEP")] == 1.0), "perfectly separable data gives exactly 100%%: %r" % (facc[hn.index("SEP")],))
    t.check(res["WELL"][2] > 0.97, "WELL is well separated: %r" % (res["WELL"],))
    t.check(0.55 < res["OVER"][2] < 0.97, "OVER overlaps: %r" % (res["OVER"],))
    t.check(res["RAND"][2] < 0.65, "RAND near chance: %r" % (res["RAND"],))
    t.check(0.82 < res["NOISY"][2] < 0.95, "10%% label noise costs accuracy: %r" % (res["NOISY"],))

# Identical results for 1, 2 and 3 ranks.
tsv_bytes = open(tsv1, "rb").read()
fold_bytes = open(folds1, "rb").read()
for np_ in (2, 3, 4):
    out, fo, _ = runs[np_]
    t.check(open(out[:-3] + ".tsv", "rb").read() == tsv_bytes, "TSV identical for %d ranks" % np_)
    t.check(open(fo, "rb").read() == fold_bytes, "folds identical for %d ranks" % np_)
    with h5py.File(out1, "r") as a, h5py.File(out, "r") as b:
        for name in a["probe"]:
            x, y = a["probe"][name][()], b["probe"][name][()]
            t.check(np.array_equal(x, y), "/probe/%s identical for %d ranks" % (name, np_))

# Stop and resume: stopped after 3 tasks per rank on 2 ranks (exit 4, a checkpoint, no output),
# resumed on 3 ranks: the same bytes as the uninterrupted run, and the checkpoint is gone.
outr = os.path.join(tmp, "resumed.h5")
p = t.run(base + ["--out", outr], np=2, env={"TA_FARM_STOP_AFTER": "3"}, expect=4)
t.check(os.path.exists(outr + ".ckpt/MANIFEST") and not os.path.exists(outr), "stopped run leaves a checkpoint and no output")
# A checkpoint of other parameters is refused (exit 2 naming it and the line that differs), and
# left in place for the matching command.
other = [a if a != "7" else "8" for a in base]
t.expect_input_error(other + ["--out", outr], [outr + ".ckpt", "seed 7"], np=2)
t.check(os.path.exists(outr + ".ckpt/MANIFEST"), "refused checkpoint left in place")
p = t.run(base + ["--out", outr], np=3)
t.check("resuming from" in p.stderr, "resumed run says so: %r" % p.stderr[-500:])
t.check(not os.path.exists(outr + ".ckpt"), "checkpoint removed after the outputs are complete")
t.check(open(outr[:-3] + ".tsv", "rb").read() == tsv_bytes, "resumed run gives the same TSV")
with h5py.File(out1, "r") as a, h5py.File(outr, "r") as b:
    for name in a["probe"]:
        t.check(np.array_equal(a["probe"][name][()], b["probe"][name][()]), "/probe/%s identical after resume" % name)

# Threads (the fit's chunk threads; 3 per rank here) give the same bytes.
p = t.run(base + ["--out", os.path.join(tmp, "threads.tsv")], np=1, env={"OPENBLAS_NUM_THREADS": "3"})
t.check(open(os.path.join(tmp, "threads.tsv"), "rb").read() == tsv_bytes, "3 threads give the same TSV")

# --out FILE.tsv alone, and the same numbers as the h5 run.
p = t.run(base + ["--out", os.path.join(tmp, "only.tsv")])
t.check(open(os.path.join(tmp, "only.tsv"), "rb").read() == tsv_bytes, "--out .tsv equals the TSV beside the .h5")

# Rows past the vocabulary (mT5 pads its matrix) are ignored with a warning.
padded = os.path.join(tmp, "padded.npy")
np.save(padded, np.vstack([X32, rng.normal(size=(12, D)).astype(np.float32)]))
p = t.run(["probe", "--embeddings", padded] + base[3:] + ["--out", os.path.join(tmp, "padded.tsv")])
t.check("ignored" in p.stderr, "extra rows warned about: %r" % p.stderr[-500:])
t.check(open(os.path.join(tmp, "padded.tsv"), "rb").read() == tsv_bytes, "extra rows change nothing")

# Bad input: one line from tokenatlas (mpirun adds its own), exit 2.
def bad(args, mention, np=None):
    p = t.expect_input_error(args, mention, np=np)
    ours = [l for l in p.stderr.splitlines() if l.startswith("tokenatlas:")]
    t.check(len(ours) == 1, "one line for %s: %r" % (" ".join(args), p.stderr[-1000:]))


bad(base + ["--folds", "1", "--out", os.path.join(tmp, "x.tsv")], ["--folds"])
bad(base[:-4] + ["--min-tokens", "0", "--out", os.path.join(tmp, "x.tsv")], ["--min-tokens"])
short = os.path.join(tmp, "short.npy")
np.save(short, X32[:-10])
bad(["probe", "--embeddings", short, "--categories", cats, "--out", os.path.join(tmp, "x.tsv")], ["short.npy", "cats.tsv"], np=2)
bad(["probe", "--embeddings", os.path.join(tmp, "missing.npy"), "--categories", cats, "--out", os.path.join(tmp, "x.tsv")], ["missing.npy"])
bad(["probe", "--embeddings", emb, "--categories", os.path.join(tmp, "nope.tsv"), "--out", os.path.join(tmp, "x.tsv")], ["nope.tsv"])
bad(["probe", "--embeddings", emb, "--categories", cats, "--out", os.path.join(tmp, "x.txt")], ["--out"])
bad(["probe", "--embeddings", emb, "--categories", cats, "--out", os.path.join(tmp, "nodir", "x.h5")], ["--out", "nodir"])
t.check(not os.path.exists(os.path.join(tmp, "x.tsv")), "no output after a failed run")

t.finish("probe_sklearn")
