#!/usr/bin/env python3
"""map_ranks: `tokenatlas map` gives the same bytes for 1, 2, 3 and 4 ranks and for the same seed
(another seed gives another map); a stop request exits 4 and the rerun gives the same map; the graph of a sampled-queries neighbours file keeps only edges
between queries (checked against a numpy count of the rows that run short); bad input exits 2
naming the file and the place, and leaves no output.
"""
import os
import shutil

import numpy as np

import tahelp

h5py = tahelp.need("h5py")
TMP = tahelp.tmpdir()
model = tahelp.synth(os.path.join(TMP, "m"), "meaning-aligned", 1500, 32, 5)
nb = os.path.join(TMP, "nb.h5")
tahelp.run(["neighbors", "--embeddings", model, "-k", "20", "--out", nb])


def read_map(path):
    with h5py.File(path, "r") as f:
        return f["map/xy"][()], f["map/query"][()], dict(f["map"].attrs), int(f.attrs["complete"])


def run_map(nbpath, out, np_=None, extra=()):
    tahelp.run(["map", "--neighbors", nbpath, "--out", out, "--seed", "9"] + list(extra), np=np_)
    return read_map(out)


# Ranks and seeds.
ref = run_map(nb, os.path.join(TMP, "r1.h5"))
tahelp.check(ref[3] == 1, "map output without complete = 1")
tahelp.check(ref[0].shape == (1500, 2) and ref[0].dtype == np.float32, "xy shape %r" % (ref[0].shape,))
tahelp.check(ref[1].dtype == np.int32 and np.array_equal(ref[1], np.arange(1500)), "/map/query")
for p in (1, 2, 3, 4):
    got = run_map(nb, os.path.join(TMP, "r%d.h5" % p), np_=p)
    tahelp.check(got[0].tobytes() == ref[0].tobytes(), "%d ranks: /map/xy differs from 1 rank" % p)
again = run_map(nb, os.path.join(TMP, "again.h5"), np_=2)
tahelp.check(again[0].tobytes() == ref[0].tobytes(), "same seed: /map/xy differs")
other = run_map(nb, os.path.join(TMP, "other.h5"), extra=["--seed", "10"])
tahelp.check(not np.array_equal(other[0], ref[0]), "another seed gave the same map")
tahelp.check(other[2]["seed"] == 10, "--seed 10 recorded as %r" % other[2]["seed"])

# A stop request (TA_STOP_AFTER=0: at once) ends the optimisation after its first epoch with exit 4
# and no output; the map keeps no checkpoint, so the rerun computes the same map from the start.
stop = os.path.join(TMP, "stop.h5")
p = tahelp.run(["map", "--neighbors", nb, "--out", stop, "--seed", "9"], np=2,
               env={"TA_STOP_AFTER": "0"}, expect=4)
tahelp.check("epoch 1 of 500" in p.stderr, "stop message: %r" % p.stderr[-500:])
tahelp.check(not os.path.exists(stop) and not os.path.exists(stop + ".tmp"), "stopped map left a file")
tahelp.check(run_map(nb, stop, np_=2)[0].tobytes() == ref[0].tobytes(), "rerun after a stop differs")

# Sampled queries: neighbours over the whole vocabulary, edges only between queries.
nbs = os.path.join(TMP, "nbs.h5")
tahelp.run(["neighbors", "--embeddings", model, "-k", "30", "--queries", "sample:0.5:4",
            "--out", nbs])
with h5py.File(nbs, "r") as f:
    q = f["neighbors/query"][()]
    idx = f["neighbors/index"][()]
isq = np.zeros(1500, bool)
isq[q] = True
short = 0
for i in range(len(q)):
    others = [t for t in idx[i] if t >= 0 and t != q[i] and isq[t]]
    short += len(others) < 14
s1 = run_map(nbs, os.path.join(TMP, "s1.h5"))
s3 = run_map(nbs, os.path.join(TMP, "s3.h5"), np_=3)
tahelp.check(np.array_equal(s1[1], q), "sampled: /map/query is not the queries")
tahelp.check(s1[2]["short_rows"] == short, "sampled: short_rows %r, numpy counts %d"
             % (s1[2]["short_rows"], short))
tahelp.check(s1[0].tobytes() == s3[0].tobytes(), "sampled: 3 ranks differ from 1")
tahelp.check(0 < short < len(q), "sampled: %d of %d rows short: the case tests nothing"
             % (short, len(q)))
print("sampled queries: %d of %d rows have fewer than 14 query neighbours" % (short, len(q)))

# --subset: the points are the subset's tokens in its order. Oracle: a neighbours file written
# here with numpy, holding only the subset's rows (in the subset's order) and their neighbours
# that are in the subset (order kept, -1 after), mapped without --subset, gives the same bytes.
rng = np.random.RandomState(3)
sub = rng.permutation(1500)[:700]
subfile = os.path.join(TMP, "subset.txt")
with open(subfile, "w") as f:
    f.write("# a subset in random order\n" + "\n".join(str(t) for t in sub) + "\n")
with h5py.File(nb, "r") as f:
    idx, score, attrs = f["neighbors/index"][()], f["neighbors/score"][()], dict(f["neighbors"].attrs)
    root = dict(f.attrs)
insub = np.zeros(1500, bool)
insub[sub] = True
hidx = np.full((len(sub), idx.shape[1]), -1, np.int32)
hscore = np.full((len(sub), idx.shape[1]), np.nan, np.float32)
for r, t in enumerate(sub):
    keep = [j for j in range(idx.shape[1]) if idx[t, j] >= 0 and insub[idx[t, j]]]
    hidx[r, : len(keep)] = idx[t, keep]
    hscore[r, : len(keep)] = score[t, keep]
hand = os.path.join(TMP, "hand-nb.h5")
with h5py.File(hand, "w") as f:
    f["neighbors/index"] = hidx
    f["neighbors/score"] = hscore
    f["neighbors/query"] = sub.astype(np.int32)
    f["neighbors"].attrs["n_tokens"] = attrs["n_tokens"]
    f.attrs["complete"] = 1
u1 = run_map(nb, os.path.join(TMP, "u1.h5"), extra=["--subset", subfile])
u3 = run_map(nb, os.path.join(TMP, "u3.h5"), np_=3, extra=["--subset", subfile])
uh = run_map(hand, os.path.join(TMP, "uh.h5"))
tahelp.check(np.array_equal(u1[1], sub), "--subset: /map/query is not the subset in its order")
tahelp.check(u1[0].tobytes() == u3[0].tobytes(), "--subset: 3 ranks differ from 1")
tahelp.check(u1[0].tobytes() == uh[0].tobytes(), "--subset: differs from the map of the subset's "
             "own neighbours file")
tahelp.check(u1[2]["subset"] == subfile, "--subset not recorded: %r" % u1[2]["subset"])

# Bad input.
out = os.path.join(TMP, "bad.h5")


def bad(args, mention, np_=None):
    tahelp.expect_input_error(["map", "--out", out] + args, mention, np=np_)
    tahelp.check(not os.path.exists(out) and not os.path.exists(out + ".tmp"),
                 "output left behind after %r" % args)


bad(["--neighbors", os.path.join(TMP, "absent.h5")], ["absent.h5"])
bad(["--neighbors", nb, "--n-neighbors", "22"], ["nb.h5", "20 neighbours"])
bad(["--neighbors", nb, "--min-dist", "1.5"], ["--min-dist"])
bad(["--neighbors", nb, "--n-neighbors", "1"], ["--n-neighbors"])
bad(["--neighbors", model + "/model.safetensors"], ["model.safetensors"])


def edited(name, edit):
    path = os.path.join(TMP, name)
    shutil.copy(nb, path)
    with h5py.File(path, "r+") as f:
        edit(f)
    return path


def nan_score(f):
    s = f["neighbors/score"][()]
    s[7, 3] = np.nan
    f["neighbors/score"][...] = s


def dup_query(f):
    qq = f["neighbors/query"][()]
    qq[12] = qq[4]
    f["neighbors/query"][...] = qq


def bad_index(f):
    ii = f["neighbors/index"][()]
    ii[9, 2] = 5000
    f["neighbors/index"][...] = ii


bad(["--neighbors", edited("nan.h5", nan_score)], ["nan.h5", "row 7", "column 3"], np_=2)
bad(["--neighbors", edited("dup.h5", dup_query)], ["dup.h5", "rows 4 and 12"], np_=3)
bad(["--neighbors", edited("idx.h5", bad_index)], ["idx.h5", "row 9", "column 2"], np_=2)
bad(["--neighbors", edited("inc.h5", lambda f: f.attrs.__setitem__("complete", 0))], ["inc.h5"])
notq = os.path.join(TMP, "notq.txt")
with open(notq, "w") as f:
    f.write("%d\n%d\n%d\n" % (sub[0], sub[1], [t for t in range(1500) if not insub[t]][0]))
bad(["--neighbors", hand, "--subset", notq], ["notq.txt", "entry 3", "not a query"], np_=2)
tahelp.finish("map_ranks")
