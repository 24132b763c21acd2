"""neighbors --subset: queries and candidates restricted to a set of tokens, against numpy brute
force on the sub-matrix mapped back to the original ids; identical arrays at 1-4 ranks, 1-3
threads and tiles down to 3 rows, for the subset given as text (any order), .npy and an `overlap`
subset map (FILE.h5:NAME); with --exclude-self, a sampled and a listed query set; planted exact
ties inside the subset and with rows outside it; a zero row in the subset; interrupted after every
step and resumed (a checkpoint of another subset refused); bad input exits 2 naming the file and
the place."""
import json
import os

import h5py
import numpy as np

import subsetref
import tahelp as t

tmp = t.tmpdir()

rng = np.random.default_rng(77)
N, D = 300, 17
X = rng.standard_normal((N, D)).astype(np.float32)
X[40] = X[12]; X[41] = X[12]          # ties inside the subset (12, 40, 41 are all in it)
X[13] = 3 * X[12]                    # same direction, but row 13 is left out of the subset
X[90] = 0.0                          # a zero row inside the subset
X[150:170] = X[149]                  # 21 identical rows, some in and some out of the subset
NPY = os.path.join(tmp, "x.npy")
np.save(NPY, X)

# The subset: about 60% of the ids in random order, with the planted rows placed on purpose.
keep = rng.random(N) < 0.6
keep[[12, 40, 41, 90, 149, 151, 160, 169]] = True
keep[[13, 150, 155, 165]] = False
SUB = np.flatnonzero(keep)
shuffled = rng.permutation(SUB)
TXT = os.path.join(tmp, "subset.txt")
with open(TXT, "w") as f:
    f.write("# the shared tokens, in no particular order\n")
    f.write("\n".join(str(i) for i in shuffled) + "\n")
SNPY = os.path.join(tmp, "subset.npy")
np.save(SNPY, shuffled.astype(np.int64))

# The same subset as an overlap map: vocabulary a has tokens t0..t299, vocabulary b the tokens of
# the subset (shuffled) and some of its own; a's ids of the shared tokens are the subset.
va = ["t%d" % i for i in range(N)]
vb = ["t%d" % i for i in shuffled] + ["only-b-%d" % i for i in range(30)]
for name, v in (("a", va), ("b", vb)):
    with open(os.path.join(tmp, name + ".json"), "w") as f:
        json.dump(v, f)
OV = os.path.join(tmp, "ov")
t.run(["overlap", "--vocab", os.path.join(tmp, "a.json"), "--vocab", os.path.join(tmp, "b.json"),
       "--out", OV])
MAP = OV + ".h5:a"

Y, OK = subsetref.normalise(X)


def oracle_check(path, k, queries, exclude_self=False, what=""):
    return subsetref.check(path, Y, OK, SUB, k, queries, N, exclude_self=exclude_self, what=what)


def run_nb(out, args, np_=None, expect=0):
    return t.run(["neighbors", "--embeddings", NPY, "--out", out, "--quiet"] + args, np=np_,
                 expect=expect)


def same_arrays(a, b, what):
    with h5py.File(a) as fa, h5py.File(b) as fb:
        for name in ("index", "score", "query"):
            x, y = fa["neighbors"][name][()], fb["neighbors"][name][()]
            t.check(x.shape == y.shape and np.array_equal(x.view(np.uint8), y.view(np.uint8)),
                    "%s: /neighbors/%s differs" % (what, name))


K = 9
# 1. All queries of the subset: the oracle at 1 rank, then identical arrays for every layout and
#    for the subset given as .npy and as an overlap map.
ref = os.path.join(tmp, "ref.h5")
run_nb(ref, ["-k", str(K), "--subset", TXT])
idx, sc = oracle_check(ref, K, SUB, what="text subset")
t.check(list(idx[np.searchsorted(SUB, 12)][:3]) == [12, 40, 41], "ties inside the subset by id: %r"
        % idx[np.searchsorted(SUB, 12)][:3])
t.check(13 not in idx and 150 not in idx and 165 not in idx, "a row outside the subset was found")
t.check(90 not in idx, "the zero row is never a neighbour")
for np_, br, th in [(1, 3, 1), (2, 5, 1), (3, 7, 1), (4, 3, 1), (2, 0, 2), (3, 16, 3), (4, 5, 2)]:
    out = os.path.join(tmp, "all-%d-%d-%d.h5" % (np_, br, th))
    run_nb(out, ["-k", str(K), "--subset", TXT, "--block-rows", str(br), "--threads", str(th)],
           np_=np_)
    same_arrays(ref, out, "np %d block-rows %d threads %d" % (np_, br, th))
for spec in (SNPY, MAP):
    out = os.path.join(tmp, "spec.h5")
    run_nb(out, ["-k", str(K), "--subset", spec], np_=2)
    same_arrays(ref, out, "--subset " + spec)
with h5py.File(os.path.join(tmp, "spec.h5")) as f:
    t.check(f["neighbors"].attrs["subset"] == MAP, "the subset attribute names the map")
    t.check(any(p.endswith("ov.h5") for p in f.attrs["input_files"]), "the map is an input")

# 2. --exclude-self, and k = the whole subset less one (the zero row leaves one place empty).
out = os.path.join(tmp, "excl.h5")
run_nb(out, ["-k", "12", "--subset", TXT, "--exclude-self", "--block-rows", "4"], np_=3)
oracle_check(out, 12, SUB, exclude_self=True, what="exclude-self")
out = os.path.join(tmp, "full.h5")
run_nb(out, ["-k", str(len(SUB) - 1), "--subset", SNPY, "--exclude-self"], np_=2)
oracle_check(out, len(SUB) - 1, SUB, exclude_self=True, what="k = subset - 1")

# 3. Queries: a sample draws round(FRACTION x subset) of the subset's tokens; a file's ids must lie
#    in the subset.
out = os.path.join(tmp, "sample.h5")
run_nb(out, ["-k", str(K), "--subset", TXT, "--queries", "sample:0.25:5", "--block-rows", "6"],
       np_=2)
with h5py.File(out) as f:
    q = f["neighbors/query"][()]
t.check(len(q) == round(0.25 * len(SUB)) and np.all(np.isin(q, SUB)) and np.all(np.diff(q) > 0),
        "sampled queries: %d of the subset, sorted" % len(q))
oracle_check(out, K, q, what="sample")
qfile = os.path.join(tmp, "q.txt")
qs = [SUB[5], 12, SUB[-1], 90]
with open(qfile, "w") as f:
    f.write("\n".join(str(i) for i in qs) + "\n")
out = os.path.join(tmp, "qfile.h5")
run_nb(out, ["-k", str(K), "--subset", MAP, "--queries", qfile], np_=3)
oracle_check(out, K, np.sort(qs), what="queries file")
with open(qfile, "a") as f:
    f.write("# not in the subset:\n13\n")
t.expect_input_error(["neighbors", "--embeddings", NPY, "-k", "3", "--subset", TXT, "--queries",
                      qfile, "--out", os.path.join(tmp, "e.h5")],
                     [qfile + ":6: token id 13 is not in the subset " + TXT])

# 4. Interrupted after every step (TA_STOP_AFTER=0) and resumed at 2 ranks: the same arrays; a
#    checkpoint of another subset is refused naming its line.
out = os.path.join(tmp, "resume.h5")
args = ["-k", str(K), "--subset", TXT, "--block-rows", "48"]
for runs in range(60):
    p = t.run(["neighbors", "--embeddings", NPY, "--out", out, "--quiet"] + args, np=2,
              env={"TA_STOP_AFTER": "0"}, check=False)
    if p.returncode != 4:
        break
t.check(p.returncode == 0 and runs >= 2, "resumed runs: %d, last exit %d: %s"
        % (runs, p.returncode, p.stderr[-800:]))
same_arrays(ref, out, "interrupted and resumed")
t.run(["neighbors", "--embeddings", NPY, "--out", out, "--quiet"] + args, np=2,
      env={"TA_STOP_AFTER": "0"}, expect=4)
t.expect_input_error(["neighbors", "--embeddings", NPY, "--out", out, "--quiet", "-k", str(K),
                      "--subset", SNPY, "--block-rows", "48"], [out + ".ckpt", "subset "], np=2)
t.run(["neighbors", "--embeddings", NPY, "--out", out, "--quiet"] + args, np=2)
same_arrays(ref, out, "resumed after the refusal")

# 5. Bad subsets: out of range, repeated, an unknown or missing model name, -k too large.
bad = os.path.join(tmp, "bad.txt")
with open(bad, "w") as f:
    f.write("1\n2\n%d\n" % N)
err = os.path.join(tmp, "err.h5")
base = ["neighbors", "--embeddings", NPY, "-k", "3", "--out", err, "--subset"]
t.expect_input_error(base + [bad], [bad + ":3: token id 300 out of range [0, 300)"], np=2)
with open(bad, "w") as f:
    f.write("1\n2\n\n1\n")
t.expect_input_error(base + [bad], [bad + ":4: token id 1 listed twice (first at line 1)"])
t.expect_input_error(base + [OV + ".h5:c"], ["no model 'c' in the subset map", "it holds: a, b"])
t.expect_input_error(base + [OV + ".h5"], ["holds the ids of 2 models (a, b)", "name one as"])
t.expect_input_error(["neighbors", "--embeddings", NPY, "-k", str(len(SUB)), "--exclude-self",
                      "--subset", TXT, "--out", err],
                     ["exceeds the %d rows available as neighbours in the subset %s (--exclude-self)"
                      % (len(SUB) - 1, TXT)])
t.check(not os.path.exists(err), "a refused run left an output")

t.finish("subset_neighbors")
