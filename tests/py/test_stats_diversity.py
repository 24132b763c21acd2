"""`diversity`: a 6-token example worked out by hand, a numpy oracle on random neighbourhoods
for every statistic, identical output for 1, 2 and 3 ranks, and bad inputs (exit 2)."""
import math
import os

import h5py
import numpy as np

import statsfix as sf
import tahelp as t

D = t.tmpdir()
LN2 = math.log(2.0)

# ---- Hand-worked example: 6 tokens, k = 4, top 2. -------------------------------------------
cats = ["LATIN", "LATIN", "CYRILLIC", "CJK", "P", "CYRILLIC"]
index = [[0, 1, 2, 3],   # q0 LATIN: others 1 (LATIN), 2 (CYRILLIC)          -> 2 categories
         [1, 0, 5, 4],   # q1 LATIN: 0 (LATIN), 5 (CYRILLIC)                 -> 2
         [2, 5, 3, 0],   # q2 CYRILLIC: 5 (CYRILLIC), 3 (CJK)                -> 2
         [3, 4, 2, 1],   # q3 CJK: 4 (P), 2 (CYRILLIC)                       -> 3
         [0, 4, 1, 2],   # q4 P: self in the middle is skipped: 0, 1 (LATIN) -> 2
         [2, 5, 0, 1]]   # q5 CYRILLIC: 2 (CYRILLIC), 0 (LATIN)              -> 2
nb = os.path.join(D, "hand.h5")
cat = os.path.join(D, "hand.tsv")
norms = os.path.join(D, "norms.h5")
sf.write_neighbors(nb, index, list(range(6)), 6)
sf.write_categories(cat, cats)
sf.write_norms(norms, [1, 2, 3, 4, 5, 6])
out = os.path.join(D, "hand.div.h5")
p = t.run(["diversity", "--neighbors", nb, "--categories", cat, "--top", "2", "--embeddings",
           norms, "--out", out], np=1)
with h5py.File(out, "r") as f:
    t.check(f.attrs["complete"] == 1, "complete = 1")
    g = f["diversity"]
    names = [s.decode() for s in g["categories"][:]]
    t.check(names == ["CJK", "CYRILLIC", "LATIN", "P"], "sorted categories: %r" % names)
    t.check(list(g["count"][:]) == [2, 2, 2, 3, 2, 2], "hand counts: %r" % list(g["count"][:]))
    t.check(list(g["query"][:]) == list(range(6)), "query ids")
    t.check(sf.close(g.attrs["count_mean"], 13 / 6), "mean 13/6: %r" % g.attrs["count_mean"])
    t.check(sf.close(g.attrs["count_std"], math.sqrt(1 / 6)), "std sqrt(1/6)")
    t.check(sf.close(g.attrs["count_ci"], 1.96 * math.sqrt(1 / 6) / math.sqrt(6)), "ci")
    t.check(list(g["histogram"][:]) == [0, 0, 5, 1], "histogram by count 0..3: %r" % list(g["histogram"][:]))
    # Per query category (CJK, CYRILLIC, LATIN, P).
    t.check(list(g["cat_n"][:]) == [1, 2, 2, 1], "cat_n")
    t.check(sf.close(g["cat_mean"][:], [3, 2, 2, 2]), "cat_mean %r" % g["cat_mean"][:])
    t.check(sf.close(g["cat_ci"][:], [math.nan, 0, 0, math.nan]), "cat_ci: n = 1 gives NaN, %r" % g["cat_ci"][:])
    ent = g["entropy"][:]
    t.check(sf.close(ent, [LN2, LN2, LN2, LN2, 0, LN2]), "entropy per token %r" % ent)
    t.check(sf.close(g["entropy_cat_mean"][:], [LN2, LN2, LN2, 0]), "entropy by category")
    t.check(sf.close(g.attrs["entropy_mean"], 5 * LN2 / 6), "entropy mean")
    M = g["matrix_mean"][:]
    want = np.array([[0, 1, 0, 1],       # CJK -> P 1, CYRILLIC 1
                     [0.5, 1, 0.5, 0],   # CYRILLIC -> CJK 0.5, CYRILLIC 1, LATIN 0.5
                     [0, 1, 1, 0],       # LATIN -> CYRILLIC 1, LATIN 1
                     [0, 0, 2, 0]])      # P -> LATIN 2
    t.check(sf.close(M, want), "matrix\n%r" % M)
    # CYRILLIC -> CJK: values 1, 0: std sqrt(1/2), ci 1.96 * sqrt(1/2) / sqrt(2) = 0.98.
    t.check(sf.close(g["matrix_ci"][1, 0], 0.98), "matrix ci %r" % g["matrix_ci"][1, 0])
    # Deciles of ids 0..5: floor(10 t / 6) = 0, 1, 3, 5, 6, 8.
    dn = list(g["decile_n"][:])
    t.check(dn == [1, 1, 0, 1, 0, 1, 1, 0, 1, 0], "decile_n %r" % dn)
    t.check(sf.close(g["decile_mean"][:][[0, 5]], [2, 3]), "decile means")
    # Norms 1..6 by category: CJK 4, CYRILLIC (3, 6) 4.5, LATIN (1, 2) 1.5, P 5.
    t.check(sf.close(g["norm_cat_mean"][:], [4, 4.5, 1.5, 5]), "norms by category")
base = out[:-3]
with open(base + ".catmatrix.tsv") as f:
    rows = [l.rstrip("\n").split("\t") for l in f][1:]
t.check(["P", "LATIN", "1", "2", "nan", "nan"] == rows[14], "catmatrix.tsv row P->LATIN: %r" % rows[14])
with open(base + ".tsv") as f:
    lines = f.read().splitlines()
t.check(lines[-1].startswith("ALL\t6\t"), "ALL row: %r" % lines[-1])
t.check("distinct categories per neighbourhood: mean 2.1667" in p.stdout, "summary: %r" % p.stdout)

# Letters only: P and S (absent: a warning) excluded. q3 loses P; q4 (itself P) keeps only LATIN.
out2 = os.path.join(D, "hand.letters.h5")
p = t.run(["diversity", "--neighbors", nb, "--categories", cat, "--top", "2",
           "--exclude-categories", "P,S", "--out", out2], np=2)
with h5py.File(out2, "r") as f:
    t.check(list(f["diversity/count"][:]) == [2, 2, 2, 2, 1, 2], "letters-only counts %r" % list(f["diversity/count"][:]))
    t.check([s.decode() if isinstance(s, bytes) else s for s in f["diversity"].attrs["excluded_categories"]] == ["P"], "excluded attr")
t.check("'S'" in p.stderr, "warning for the absent category S: %r" % p.stderr)

# Default output name beside the neighbours file.
t.run(["diversity", "--neighbors", nb, "--categories", cat, "--top", "1"], np=1)
t.check(os.path.exists(os.path.join(D, "hand.diversity.h5")) and os.path.exists(os.path.join(D, "hand.diversity.catmatrix.tsv")),
        "default output hand.diversity.h5 and its tables")

# ---- numpy oracle on random data, 1, 2 and 3 ranks. ------------------------------------------
rng = np.random.default_rng(5)
N, Q, K, TOP, C = 400, 260, 12, 8, 7
names = ["CAT%d" % i for i in range(C)]
code = rng.integers(0, C, N)
code[:3] = [0, 1, 2]
rcats = [names[c] for c in code]
query = rng.permutation(N)[:Q]
idx = np.empty((Q, K), dtype=np.int32)
for r, q in enumerate(query):
    row = rng.choice(N, K, replace=False)
    if r % 3 == 0:        # self somewhere in the row
        row[rng.integers(0, K)] = q
        row = np.array(list(dict.fromkeys(row.tolist())) + [-1] * K)[:K]
    if r % 5 == 0:        # a missing neighbour at the end
        row[-1] = -1
    idx[r] = row
rnb = os.path.join(D, "rand.h5")
rcat = os.path.join(D, "rand.tsv")
rnorm = rng.gamma(2.0, 1.5, N).astype(np.float32)
rnorms = os.path.join(D, "rnorms.h5")
sf.write_neighbors(rnb, idx, query, N)
sf.write_categories(rcat, rcats)
sf.write_norms(rnorms, rnorm)

counts, ents, mats = [], [], np.zeros((Q, C))
for r, q in enumerate(query):
    o = sf.top_others(idx[r], q, TOP)
    assert len(o) == TOP
    nc = code[o]
    counts.append(len(set(nc.tolist()) | {code[q]}))
    h = np.bincount(nc, minlength=C)
    mats[r] = h
    p_ = h[h > 0] / TOP
    ents.append(float(-(p_ * np.log(p_)).sum()))
counts = np.array(counts)
ents = np.array(ents)
qc = code[query]

ref = None
for np_ in (1, 2, 3):
    o = os.path.join(D, "rand.np%d.h5" % np_)
    t.run(["diversity", "--neighbors", rnb, "--categories", rcat, "--top", str(TOP),
           "--embeddings", rnorms, "--out", o], np=np_)
    got = sf.read_group(o, "diversity")
    if ref is None:
        ref = got
        t.check(np.array_equal(got["count"], counts), "random counts")
        t.check(sf.close(got["entropy"], ents), "random entropy")
        s = sf.summary(counts)
        t.check(sf.close([got["attr_count_mean"], got["attr_count_std"], got["attr_count_ci"]], s[1:]), "overall summary")
        t.check(np.array_equal(got["histogram"], np.bincount(counts, minlength=TOP + 2)), "histogram")
        for c in range(C):
            s = sf.summary(counts[qc == c])
            t.check(got["cat_n"][c] == s[0] and sf.close([got["cat_mean"][c], got["cat_std"][c], got["cat_ci"][c]], s[1:]),
                    "category %d summary" % c)
            s = sf.summary(ents[qc == c])
            t.check(sf.close([got["entropy_cat_mean"][c], got["entropy_cat_std"][c], got["entropy_cat_ci"][c]], s[1:]),
                    "entropy category %d" % c)
            s = sf.summary(rnorm[code == c].astype(np.float64))
            t.check(got["norm_cat_n"][c] == s[0] and sf.close([got["norm_cat_mean"][c], got["norm_cat_ci"][c]], [s[1], s[3]]),
                    "norms category %d" % c)
            for b in range(C):
                s = sf.summary(mats[qc == c, b])
                t.check(sf.close([got["matrix_mean"][c, b], got["matrix_std"][c, b], got["matrix_ci"][c, b]], s[1:]),
                        "matrix %d,%d" % (c, b))
        dec = (query * 10) // N
        for i in range(10):
            s = sf.summary(counts[dec == i])
            t.check(got["decile_n"][i] == s[0] and sf.close([got["decile_mean"][i], got["decile_ci"][i]], [s[1], s[3]]),
                    "decile %d" % i)
    else:
        t.check(not sf.same_results(ref, got), "np=%d differs from np=1: %r" % (np_, sf.same_results(ref, got)))
        for suffix in (".tsv", ".catmatrix.tsv", ".histogram.tsv", ".deciles.tsv"):
            a = open(os.path.join(D, "rand.np1" + suffix)).read()
            b = open(o[:-3] + suffix).read()
            t.check(a == b, "np=%d: %s differs" % (np_, suffix))

# Norms computed from an embedding matrix (.npy through the embeddings readers), 3 ranks; the
# matrix has 5 rows more than the vocabulary (padding rows are ignored).
emb = rng.standard_normal((N + 5, 16)).astype(np.float32) * rng.gamma(2.0, 1.0, (N + 5, 1)).astype(np.float32)
npy = os.path.join(D, "emb.npy")
np.save(npy, emb)
o = os.path.join(D, "rand.npy.h5")
p = t.run(["diversity", "--neighbors", rnb, "--categories", rcat, "--top", str(TOP), "--embeddings", npy, "--out", o], np=3, check=False)
if "not yet implemented" not in p.stderr:
    t.check(p.returncode == 0, "diversity --embeddings .npy: %s" % p.stderr[-2000:])
    en = np.linalg.norm(emb[:N].astype(np.float64), axis=1)
    with h5py.File(o, "r") as f:
        g = f["diversity"]
        for c in range(C):
            s = sf.summary(en[code == c])
            t.check(g["norm_cat_n"][c] == s[0] and sf.close([g["norm_cat_mean"][c], g["norm_cat_std"][c], g["norm_cat_ci"][c]], s[1:]),
                    "norms from .npy, category %d" % c)

# ---- Bad input: exit 2, one line naming the file. --------------------------------------------
t.expect_input_error(["diversity", "--neighbors", nb, "--categories", cat, "--top", "5"], [nb, "--top"], np=1)
t.expect_input_error(["diversity", "--neighbors", os.path.join(D, "nope.h5"), "--categories", cat], ["nope.h5"], np=2)
short = os.path.join(D, "short.h5")
sf.write_neighbors(short, [[1, 2], [0, -1], [0, 1]], [0, 1, 2], 6)
t.expect_input_error(["diversity", "--neighbors", short, "--categories", cat, "--top", "2"], [short, "row 1"], np=2)
bad = os.path.join(D, "badid.h5")
sf.write_neighbors(bad, [[1, 2], [0, 9], [0, 1]], [0, 1, 2], 6)
t.expect_input_error(["diversity", "--neighbors", bad, "--categories", cat, "--top", "1"], [bad, "row 1 column 1"], np=1)
cat5 = os.path.join(D, "cat5.tsv")
sf.write_categories(cat5, cats[:5])
t.expect_input_error(["diversity", "--neighbors", nb, "--categories", cat5, "--top", "1"], [nb, cat5], np=1)
inc = os.path.join(D, "incomplete.h5")
sf.write_neighbors(inc, index, list(range(6)), 6)
with h5py.File(inc, "a") as f:
    del f.attrs["complete"]
t.expect_input_error(["diversity", "--neighbors", inc, "--categories", cat], [inc, "incomplete"], np=1)

t.finish("stats_diversity")
