"""diversity, translate and compare with --subset: only the queries that are tokens of the subset,
in the file's order, their neighbour lists as the file holds them. Random neighbourhoods written
with h5py (queries with gaps, so that some subset tokens are no queries); per-row values and
summaries against Python oracles of the documented definitions; 1 and 3 ranks identical; the
subset as text, .npy and an `overlap` map; bad subsets exit 2 naming the file and the place."""
import json
import os

import h5py
import numpy as np

import statsfix as sf
import tahelp as t

D = t.tmpdir()
rng = np.random.default_rng(11)
N, K, TOP = 400, 16, 10
tokens = ["w%d" % i for i in range(N)]
cats = [["LATIN", "CJK", "CYRILLIC", "S", "N"][i] for i in rng.integers(0, 5, N)]
query = np.sort(rng.choice(N, 330, replace=False))
index = np.array([[q] + list(rng.choice(np.delete(np.arange(N), q), K - 1, replace=False))
                  for q in query])
NB = os.path.join(D, "nb.h5")
sf.write_neighbors(NB, index, query, N, tokens=tokens)
index_b = np.array([[q] + list(rng.choice(np.delete(np.arange(N), q), K - 1, replace=False))
                    for q in query])
NBB = os.path.join(D, "nbb.h5")
sf.write_neighbors(NBB, index_b, query, N, tokens=tokens)
CAT = os.path.join(D, "cats.tsv")
sf.write_categories(CAT, cats, tokens)
VOC = os.path.join(D, "vocab.json")
sf.write_vocab_json(VOC, tokens)
DICT = os.path.join(D, "dict")
os.makedirs(DICT, exist_ok=True)
pairs = [(int(a), int(b)) for a, b in rng.integers(0, N, (250, 2)) if a != b]
with open(os.path.join(DICT, "en-xx.txt"), "w") as f:
    f.writelines("w%d w%d\n" % p for p in pairs)

sub = rng.choice(N, 140, replace=False)          # shuffled; about 1/6 are no queries
SUB = os.path.join(D, "sub.txt")
with open(SUB, "w") as f:
    f.write("\n".join(str(i) for i in sub) + "\n")
SNPY = os.path.join(D, "sub.npy")
np.save(SNPY, sub.astype(np.int32))
for name, v in (("m", tokens), ("s", ["w%d" % i for i in sub])):
    with open(os.path.join(D, name + ".json"), "w") as f:
        json.dump(v, f)
t.run(["overlap", "--vocab", os.path.join(D, "m.json"), "--vocab", os.path.join(D, "s.json"),
       "--out", os.path.join(D, "ov")])
MAP = os.path.join(D, "ov.h5") + ":m"

insub = np.isin(query, sub)
rows = np.flatnonzero(insub)
want_q = query[insub]
others = {int(q): sf.top_others(index[r], q, TOP) for r, q in enumerate(query)}

# diversity: distinct categories among the token and its top others.
want_count = [len({cats[q]} | {cats[j] for j in others[q]}) for q in want_q]
ref = None
for np_, spec in ((1, SUB), (3, SUB), (2, SNPY), (2, MAP)):
    out = os.path.join(D, "div-%d.h5" % np_)
    t.run(["diversity", "--neighbors", NB, "--categories", CAT, "--top", str(TOP), "--subset",
           spec, "--out", out], np=np_)
    with h5py.File(out) as f:
        g = f["diversity"]
        t.check(np.array_equal(g["query"][()], want_q), "diversity: queries (%s)" % spec)
        t.check(list(g["count"][()]) == want_count, "diversity: counts (%s)" % spec)
        t.check(sf.close(g.attrs["count_mean"], np.mean(want_count)), "diversity: mean")
        t.check(g.attrs["count_n"] == len(want_q), "diversity: n")
        t.check(f.attrs["subset"] == spec, "diversity: subset attribute %r" % f.attrs.get("subset"))
    got = sf.read_group(out, "diversity")
    if ref is None:
        ref = got
    else:
        bad = sf.same_results(ref, got)
        t.check(not bad, "diversity np=%d %s differs: %s" % (np_, spec, bad))

# translate: top others sharing a headword with the query (-1 without any entry).
clusters = {}
for a, b in pairs:
    clusters.setdefault("w%d" % a, {"w%d" % a}).add("w%d" % b)
heads = {}
for e, members in clusters.items():
    for m in members:
        heads.setdefault(m, set()).add(e)
want_tr = [-1 if tokens[q] not in heads else
           sum(bool(heads.get(tokens[j], set()) & heads[tokens[q]]) for j in others[q])
           for q in want_q]
for np_ in (1, 3):
    out = os.path.join(D, "tr-%d.h5" % np_)
    t.run(["translate", "--neighbors", NB, "--vocab", VOC, "--dict", DICT, "--top", str(TOP),
           "--subset", SUB, "--out", out], np=np_)
    with h5py.File(out) as f:
        g = f["translate"]
        t.check(np.array_equal(g["query"][()], want_q), "translate: queries")
        t.check(list(g["count"][()]) == want_tr, "translate: counts")
        t.check(g.attrs["n_with_entry"] == sum(c >= 0 for c in want_tr), "translate: entries")

# compare: queries of a in the subset (and queries of b); Jaccard of the top-others sets.
others_b = {int(q): sf.top_others(index_b[r], q, TOP) for r, q in enumerate(query)}
want_j = [len(set(others[q]) & set(others_b[q])) / len(set(others[q]) | set(others_b[q]))
          for q in want_q]
for np_ in (1, 3):
    out = os.path.join(D, "cmp-%d.h5" % np_)
    t.run(["compare", "--a", NB, "--b", NBB, "--top", str(TOP), "--subset", SNPY, "--out", out],
          np=np_)
    with h5py.File(out) as f:
        g = f["compare"]
        t.check(np.array_equal(g["query_a"][()], want_q), "compare: queries of a")
        t.check(sf.close(g["jaccard"][()], want_j), "compare: Jaccard")

# The paper's definitions take the same rows.
for cmd in (["diversity", "--neighbors", NB, "--categories", CAT, "--vocab", VOC],
            ["translate", "--neighbors", NB, "--vocab", VOC, "--dict", DICT],
            ["compare", "--a", NB, "--b", NBB]):
    out = os.path.join(D, "paper-%s.h5" % cmd[0])
    t.run(cmd + ["--protocol", "paper", "--top", str(TOP), "--subset", SUB, "--out", out], np=2)
    with h5py.File(out) as f:
        g = f[cmd[0]]
        q = g["query_a" if cmd[0] == "compare" else "query"][()]
        t.check(np.array_equal(q, want_q), "%s --protocol paper: queries" % cmd[0])

# Bad subsets.
bad = os.path.join(D, "bad.txt")
with open(bad, "w") as f:
    f.write("3\n%d\n" % N)
t.expect_input_error(["diversity", "--neighbors", NB, "--categories", CAT, "--subset", bad],
                     [bad + ":2: token id 400 out of range [0, 400)"], np=2)
with open(bad, "w") as f:
    f.write("3\n7\n3\n")
t.expect_input_error(["translate", "--neighbors", NB, "--vocab", VOC, "--dict", DICT, "--subset",
                      bad], [bad + ":3: token id 3 listed twice (first at line 1)"])
t.expect_input_error(["compare", "--a", NB, "--b", NBB, "--subset", os.path.join(D, "ov.h5:zz")],
                     ["no model 'zz' in the subset map"])

t.finish("subset_ana")
