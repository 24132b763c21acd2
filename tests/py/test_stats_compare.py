"""`compare`: a hand-worked pair of models, a Python oracle on random vocabularies (repeated
strings, partly shared), identical output for 1, 2 and 3 ranks, and bad inputs (exit 2)."""
import os

import h5py
import numpy as np

import statsfix as sf
import tahelp as t

D = t.tmpdir()

# ---- Hand-worked example. --------------------------------------------------------------------
va = ["x", "y", "z", "w", "v", "u"]
vb = ["z", "y", "x", "q", "w", "p", "r"]
A = os.path.join(D, "a.h5")
B = os.path.join(D, "b.h5")
sf.write_neighbors(A, [[0, 1, 3], [0, 2, 4], [4, 5, 0], [0, 1, 2]], [0, 1, 2, 4], 6, tokens=va)
sf.write_neighbors(B, [[2, 1, 4], [3, 2, 5], [0, 6, 5], [0, 1, 2]], [2, 1, 0, 3], 7, tokens=vb)
cat = os.path.join(D, "a.tsv")
sf.write_categories(cat, ["LATIN", "LATIN", "CYRILLIC", "LATIN", "LATIN", "LATIN"], va)
out = os.path.join(D, "ab.h5")
p = t.run(["compare", "--a", A, "--b", B, "--top", "2", "--categories", cat, "--out", out], np=2)
with h5py.File(out, "r") as f:
    g = f["compare"]
    t.check(f.attrs["complete"] == 1, "complete")
    t.check(list(g["map_a_to_b"][:]) == [2, 1, 0, 4, -1, -1], "map %r" % list(g["map_a_to_b"][:]))
    t.check(list(g["query_a"][:]) == [0, 1, 2] and list(g["query_b"][:]) == [2, 1, 0], "shared queries")
    # x: {y, w} both sides -> 2; y: {x, z} vs {q, x} -> 1; z: {v, u} vs {r, p} -> 0.
    t.check(list(g["intersection"][:]) == [2, 1, 0], "intersections %r" % list(g["intersection"][:]))
    t.check(sf.close(g["jaccard"][:], [1, 1 / 3, 0]), "jaccard %r" % g["jaccard"][:])
    t.check(sf.close(g.attrs["jaccard_mean"], 4 / 9) and sf.close(g.attrs["overlap_mean"], 0.5), "means")
    t.check(g.attrs["n_shared_tokens"] == 4 and g.attrs["n_shared_queries"] == 3, "shared counts")
    t.check(sf.close(g["jaccard_cat_mean"][:], [0, 2 / 3]), "by category (CYRILLIC, LATIN) %r" % g["jaccard_cat_mean"][:])
with open(out[:-3] + ".map.tsv") as f:
    t.check(f.read() == "a_id\tb_id\ttoken\n0\t2\tx\n1\t1\ty\n2\t0\tz\n3\t4\tw\n", "map.tsv")
t.check("Jaccard of neighbour sets: mean 0.4444" in p.stdout, "summary %r" % p.stdout)

# Vocabularies given as files instead of /vocab/token give the same result.
A2 = os.path.join(D, "a2.h5")
B2 = os.path.join(D, "b2.h5")
sf.write_neighbors(A2, [[0, 1, 3], [0, 2, 4], [4, 5, 0], [0, 1, 2]], [0, 1, 2, 4], 6)
sf.write_neighbors(B2, [[2, 1, 4], [3, 2, 5], [0, 6, 5], [0, 1, 2]], [2, 1, 0, 3], 7)
ja, jb = os.path.join(D, "va.json"), os.path.join(D, "vb.json")
sf.write_vocab_json(ja, va)
sf.write_vocab_json(jb, vb)
o2 = os.path.join(D, "ab2.h5")
t.run(["compare", "--a", A2, "--b", B2, "--vocab-a", ja, "--vocab-b", jb, "--top", "2", "--out", o2], np=1)
with h5py.File(o2, "r") as f:
    t.check(sf.close(f["compare/jaccard"][:], [1, 1 / 3, 0]), "with --vocab-a/-b")

# ---- Random vocabularies: Python oracle. -----------------------------------------------------
rng = np.random.default_rng(11)
pool = ["t%d" % i for i in range(500)]
Na, Nb, K, TOP = 300, 340, 9, 6
wa = [pool[i] for i in rng.integers(0, 400, Na)]      # repeats inside a on purpose
wb = [pool[i] for i in rng.integers(100, 500, Nb)]
qa = rng.permutation(Na)[:220]
qb = rng.permutation(Nb)[:250]
ia = np.array([rng.choice(Na, K, replace=False) for _ in qa], dtype=np.int32)
ib = np.array([rng.choice(Nb, K, replace=False) for _ in qb], dtype=np.int32)
C = 3
RA, RB, rcat, code = sf.write_compare_case(D, rng, (ia, qa, Na, wa), (ib, qb, Nb, wb), C)

first_b = {}
for i, w_ in enumerate(wb):
    first_b.setdefault(w_, i)
map_ab, seen = [], set()
for i, w_ in enumerate(wa):
    b = first_b.get(w_, -1)
    if b in seen:
        b = -1
    if b >= 0:
        seen.add(b)
    map_ab.append(b)
map_ab = np.array(map_ab)
brow = {}
for r, q in enumerate(qb):
    brow.setdefault(int(q), r)
want_q, want_i, want_j = [], [], []
for r, q in enumerate(qa):
    b = map_ab[q]
    if b < 0 or b not in brow:
        continue
    sa = set(sf.top_others(ia[r], q, TOP))
    sbn = sf.top_others(ib[brow[b]], b, TOP)
    sb = set(("b", j) if j not in set(map_ab.tolist()) else ("a", int(np.where(map_ab == j)[0][0])) for j in sbn)
    inter = len({("a", x) for x in sa} & sb)
    want_q.append(q)
    want_i.append(inter)
    want_j.append(inter / (len(sa) + len(sb) - inter))
want_q, want_i, want_j = np.array(want_q), np.array(want_i), np.array(want_j)
t.check(len(want_q) > 30 and want_i.sum() > 0, "random case has shared queries and matches")
ref = None
for np_ in (1, 2, 3):
    o = os.path.join(D, "r.np%d.h5" % np_)
    t.run(["compare", "--a", RA, "--b", RB, "--top", str(TOP), "--categories", rcat, "--out", o], np=np_)
    got = sf.read_group(o, "compare")
    tsv = open(o[:-3] + ".tsv").read() + open(o[:-3] + ".map.tsv").read()
    if ref is None:
        ref, reftsv = got, tsv
        t.check(np.array_equal(got["map_a_to_b"], map_ab), "random map")
        t.check(np.array_equal(got["query_a"], want_q), "random shared queries")
        t.check(np.array_equal(got["intersection"], want_i), "random intersections")
        t.check(sf.close(got["jaccard"], want_j), "random jaccard")
        s = sf.summary(want_j)
        t.check(sf.close([got["attr_jaccard_mean"], got["attr_jaccard_std"], got["attr_jaccard_ci"]], s[1:]), "jaccard summary")
        s = sf.summary(want_i / TOP)
        t.check(sf.close([got["attr_overlap_mean"], got["attr_overlap_std"], got["attr_overlap_ci"]], s[1:]), "overlap summary")
        qc = code[want_q]
        for c in range(C):
            s = sf.summary(want_j[qc == c])
            t.check(got["jaccard_cat_n"][c] == s[0] and sf.close([got["jaccard_cat_mean"][c], got["jaccard_cat_std"][c], got["jaccard_cat_ci"][c]], s[1:]),
                    "jaccard category %d" % c)
            s = sf.summary(want_i[qc == c] / TOP)
            t.check(sf.close([got["overlap_cat_mean"][c], got["overlap_cat_ci"][c]], [s[1], s[3]]), "overlap category %d" % c)
    else:
        t.check(not sf.same_results(ref, got), "np=%d differs from np=1: %r" % (np_, sf.same_results(ref, got)))
        t.check(tsv == reftsv, "np=%d: TSV differs" % np_)

# ---- Bad input. ------------------------------------------------------------------------------
t.expect_input_error(["compare", "--a", A2, "--b", B2, "--top", "2"], [A2, "--vocab-a"], np=2)
t.expect_input_error(["compare", "--a", A, "--b", B, "--top", "3"], ["--top"], np=1)
t.expect_input_error(["compare", "--a", A, "--b", os.path.join(D, "missing.h5")], ["missing.h5"], np=1)
t.expect_input_error(["compare", "--a", A2, "--b", B2, "--vocab-a", jb, "--vocab-b", jb, "--top", "2"], [A2, jb], np=1)

t.finish("stats_compare")
