"""`compare --protocol paper`: a hand-worked pair and compare_neighbors.py (tests/py/paperref.py)
on random vocabularies with repeated strings and tokens that end in whitespace (the script keys
neighbours by the string left after line.rstrip()); 1, 2 and 3 ranks identical."""
import os

import h5py
import numpy as np

import paperref as pr
import statsfix as sf
import tahelp as t

D = t.tmpdir()


def compare(a, b, cat, out, np_=1, protocol="paper"):
    return t.run(["compare", "--a", a, "--b", b, "--categories", cat, "--protocol", protocol, "--out", out], np=np_)


# ---- Hand-worked pair (k = 3, the token first). -----------------------------------------------
va = ["x", "y", "z", "w", "v "]
vb = ["z", "y", "x", "q", "v"]
A = os.path.join(D, "a.h5")
B = os.path.join(D, "b.h5")
sf.write_neighbors(A, [[0, 1, 3], [1, 0, 4], [2, 4, 3]], [0, 1, 2], 5, tokens=va)
sf.write_neighbors(B, [[2, 1, 4], [1, 3, 2], [0, 3, 4], [4, 1, 0]], [2, 1, 0, 4], 5, tokens=vb)
cat = os.path.join(D, "a.tsv")
sf.write_categories(cat, ["LATIN", "LATIN", "CYRILLIC", "LATIN", "LATIN"], va)
out = os.path.join(D, "ab.h5")
compare(A, B, cat, out)
# x: {x, y, w} vs {x, y, v} -> 2 shared, union 4: J 0.5, overlap 2/3
# y: {y, x, v} ("v " rstripped) vs {y, q, x} -> 2, union 4: J 0.5, overlap 2/3
# z: {z, v, w} vs {z, q, v} -> 2, union 4: J 0.5
with h5py.File(out, "r") as f:
    g = f["compare"]
    t.check(g.attrs["protocol"] == "paper", "protocol attribute")
    t.check(list(g["query_a"][:]) == [0, 1, 2] and list(g["query_b"][:]) == [2, 1, 0], "shared queries")
    t.check(list(g["intersection"][:]) == [2, 2, 2], "intersections %r" % list(g["intersection"][:]))
    t.check(sf.close(g["jaccard"][:], [0.5, 0.5, 0.5]), "jaccard %r" % g["jaccard"][:])
    t.check(sf.close(g["overlap"][:], [200 / 3] * 3), "overlap in percent %r" % g["overlap"][:])
    t.check(sf.close(g.attrs["overlap_mean"], 200 / 3) and g.attrs["overlap_ci"] == 0, "overlap summary")
    t.check(sf.close(g["jaccard_cat_ci"][:], [0, 0]), "CYRILLIC n = 1: ci 0")

# ---- Random vocabularies against compare_neighbors.py. ---------------------------------------
rng = np.random.default_rng(31)
pool = ["t%d" % i for i in range(300)] + ["s ", "s", "s\u3000", "\u3000", "u\u00a0"]
Na, Nb, K = 280, 320, 11
wa = [pool[i] for i in rng.integers(0, 260, Na)]          # repeated strings inside a
wb = [pool[i] for i in rng.integers(40, len(pool), Nb)]
wa[:5] = pool[-5:]
wb[:5] = pool[-5:]


qa = rng.permutation(Na)[:250]
qb = rng.permutation(Nb)[:300]
ia, ib = sf.self_first_rows(rng, Na, qa, K, 6), sf.self_first_rows(rng, Nb, qb, K, 6)
RA, RB, rcat, code = sf.write_compare_case(D, rng, (ia, qa, Na, wa), (ib, qb, Nb, wb))

want = pr.compare(pr.neighbors_tsv(qa, ia, wa), pr.neighbors_tsv(qb, ib, wb))
runs = {}
for np_ in (1, 2, 3):
    o = os.path.join(D, "r%d.h5" % np_)
    compare(RA, RB, rcat, o, np_=np_)
    runs[np_] = sf.read_group(o, "compare", skip=("a", "b"))
r1 = runs[1]
t.check(len(r1["query_a"]) == len(want), "shared keys: %d, script %d" % (len(r1["query_a"]), len(want)))
t.check([wa[x] for x in r1["query_a"]] == [k for k, _, _ in want], "keys in the order of file a")
t.check(all(wb[x] == k for x, (k, _, _) in zip(r1["query_b"], want)), "query_b holds the same string")
t.check(sf.close(r1["jaccard"], [j for _, j, _ in want]), "jaccard = compare_neighbors.py")
t.check(sf.close(r1["overlap"], [o for _, _, o in want]), "overlap = compare_neighbors.py (percent)")
t.check(sf.close(r1["attr_jaccard_mean"], np.mean([j for _, j, _ in want])), "mean Jaccard")
for np_ in (2, 3):
    diff = sf.same_results(r1, runs[np_])
    t.check(not diff, "%d ranks differ from 1 rank in %r" % (np_, diff))
t.finish("paper_compare")
