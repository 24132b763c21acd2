"""`translate`: a hand-worked example (case folding, U+2581, clusters across files), malformed
dictionary lines (file:line warnings, the count stored), a numpy oracle on random dictionaries,
identical output for 1, 2 and 3 ranks, and bad inputs (exit 2)."""
import os
import random

import h5py
import numpy as np

import statsfix as sf
import tahelp as t

D = t.tmpdir()

# ---- Hand-worked example. --------------------------------------------------------------------
toks = ["\u2581the", "\u2581die", "\u2581le", "house", "\u2581Haus", "\u2581maison", "дом",
        "\u2581xyz", ",", "\u2581Дом"]
cats = ["LATIN"] * 6 + ["CYRILLIC", "LATIN", "P", "CYRILLIC"]
dd = os.path.join(D, "dict")
os.makedirs(dd, exist_ok=True)
with open(os.path.join(dd, "en-de.txt"), "w") as f:
    f.write("the die\nhouse haus\nthe der\n")
with open(os.path.join(dd, "en-fr.txt"), "wb") as f:
    f.write(b"the le\nhouse\tmaison\nhome maison\n\xff\xfe bad\n")
with open(os.path.join(dd, "en-ru.txt"), "w") as f:
    f.write("house дом\nbad line here\n   \nonlyone\n")
with open(os.path.join(dd, "README"), "w") as f:
    f.write("not a dictionary\n")
voc = os.path.join(D, "vocab.json")
sf.write_vocab_json(voc, toks)
cat = os.path.join(D, "cats.tsv")
sf.write_categories(cat, cats, toks)
nb = os.path.join(D, "hand.h5")
query = [0, 1, 3, 5, 7, 8, 6]
index = [[1, 2, 3],   # the: die, le -> 2
         [1, 0, 7],   # die: the (yes), xyz (no entry) -> 1
         [4, 9, 0],   # house: Haus, Дом (case-folded) -> 2
         [6, 8, 5],   # maison (house, home): дом yes, "," no -> 1
         [0, 1, 2],   # xyz: no entry -> -1
         [7, 0, 1],   # ",": no entry -> -1
         [9, 5, 3]]   # дом: Дом (same word), maison -> 2
sf.write_neighbors(nb, index, query, 10)
out = os.path.join(D, "hand.tr.h5")
p = t.run(["translate", "--neighbors", nb, "--vocab", voc, "--dict", dd, "--top", "2",
           "--categories", cat, "--out", out], np=2)
with h5py.File(out, "r") as f:
    g = f["translate"]
    t.check(f.attrs["complete"] == 1, "complete")
    t.check(list(g["count"][:]) == [2, 1, 2, 1, -1, -1, 2], "hand counts %r" % list(g["count"][:]))
    t.check(list(g["query"][:]) == query, "query ids")
    t.check(g.attrs["n_with_entry"] == 5 and g.attrs["n_without_entry"] == 2, "entry counts")
    t.check(sf.close(g.attrs["count_mean"], 1.6), "mean 1.6")
    t.check(sf.close(g.attrs["share_mean"], 0.8), "share 0.8")
    t.check(sf.close(g.attrs["count_std"], np.std([2, 1, 2, 1, 2], ddof=1)), "std")
    t.check(g.attrs["malformed_lines"] == 3, "3 malformed lines: %r" % g.attrs["malformed_lines"])
    t.check(g.attrs["dict_pairs"] == 7, "7 pairs: %r" % g.attrs["dict_pairs"])
    names = [s.decode() for s in g["categories"][:]]
    t.check(names == ["CYRILLIC", "LATIN", "P"], "categories %r" % names)
    t.check(list(g["cat_n"][:]) == [1, 4, 0] and list(g["cat_no_entry"][:]) == [0, 1, 1], "per-category n")
    t.check(sf.close(g["cat_mean"][:], [2, 1.5, float("nan")]), "per-category means %r" % g["cat_mean"][:])
    files = [os.path.basename(s.decode()) for s in g["dict_files"][:]]
    t.check(files == ["en-de.txt", "en-fr.txt", "en-ru.txt"], "dictionary files %r" % files)
for where in ("en-fr.txt:4", "en-ru.txt:2", "en-ru.txt:4"):
    t.check(any(where in l and "warning" in l for l in p.stderr.splitlines()), "warning at %s: %r" % (where, p.stderr))
t.check("en-ru.txt:3" not in p.stderr, "a blank line is not malformed")
t.check(p.stderr.count("en-ru.txt:2") == 1, "each warning once, from rank 0")
with open(out[:-3] + ".tsv") as f:
    rows = [l.rstrip("\n").split("\t") for l in f]
t.check(rows[0][:3] == ["category", "n", "mean"] and rows[-1][0] == "ALL" and rows[-1][1] == "5" and rows[-1][-1] == "2",
        "TSV ALL row %r" % rows[-1])

# Many malformed lines: 20 warnings, then one summary line.
d2 = os.path.join(D, "dict2")
os.makedirs(d2, exist_ok=True)
with open(os.path.join(d2, "en-xx.txt"), "w") as f:
    f.write("the le\n" + "a b c\n" * 30)
o2 = os.path.join(D, "many.h5")
p = t.run(["translate", "--neighbors", nb, "--vocab", voc, "--dict", d2, "--top", "2", "--out", o2], np=1)
w = [l for l in p.stderr.splitlines() if "en-xx.txt:" in l]
t.check(len(w) == 20, "20 malformed-line warnings, got %d" % len(w))
t.check(any("10 more" in l for l in p.stderr.splitlines()), "summary of the rest: %r" % p.stderr[-500:])
with h5py.File(o2, "r") as f:
    t.check(f["translate"].attrs["malformed_lines"] == 30, "30 malformed stored")

# ---- Random dictionaries: oracle in Python. ---------------------------------------------------
rnd = random.Random(7)
rng = np.random.default_rng(7)
eng = ["e%d" % i for i in range(40)]
other = ["w%d" % i for i in range(120)]
d3 = os.path.join(D, "dict3")
os.makedirs(d3, exist_ok=True)
pairs = []
for lang in ("aa", "bb", "cc"):
    with open(os.path.join(d3, "en-%s.txt" % lang), "w") as f:
        for _ in range(80):
            e, o = rnd.choice(eng), rnd.choice(other + eng)
            pairs.append((e, o))
            f.write("%s %s\n" % (e, o))
clusters = {}
for e, o in pairs:
    clusters.setdefault(e, {e}).add(o)
E = {}
for e, ws in clusters.items():
    for w_ in ws:
        E.setdefault(w_, set()).add(e)
N = 300
vocab = []
for i in range(N):
    w_ = rnd.choice(eng + other + ["zz%d" % i] * 3)
    w_ = w_.upper() if rnd.random() < 0.3 else w_
    vocab.append(("\u2581" if rnd.random() < 0.5 else "") + w_)
rvoc = os.path.join(D, "rvocab.json")
sf.write_vocab_json(rvoc, vocab)
C = 4
code = rng.integers(0, C, N)
code[:C] = range(C)
rcat = os.path.join(D, "rcats.tsv")
sf.write_categories(rcat, ["K%d" % c for c in code], vocab)
Q, K, TOP = 200, 10, 7
query = rng.permutation(N)[:Q]
idx = np.array([rng.choice(N, K, replace=False) for _ in range(Q)], dtype=np.int32)
rnb = os.path.join(D, "rand.h5")
sf.write_neighbors(rnb, idx, query, N)


def eset(tok):
    return E.get(tok.lstrip("\u2581").lower(), set())


want = []
for r, q in enumerate(query):
    eq = eset(vocab[q])
    if not eq:
        want.append(-1)
        continue
    want.append(sum(1 for j in sf.top_others(idx[r], q, TOP) if eq & eset(vocab[j])))
want = np.array(want)
t.check((want >= 0).sum() > 50 and (want > 0).sum() > 10, "random case has matches")
ref = None
for np_ in (1, 2, 3):
    o = os.path.join(D, "rand.np%d.h5" % np_)
    t.run(["translate", "--neighbors", rnb, "--vocab", rvoc, "--dict", d3, "--top", str(TOP),
           "--categories", rcat, "--out", o], np=np_)
    got = sf.read_group(o, "translate")
    tsv = open(o[:-3] + ".tsv").read()
    if ref is None:
        ref, reftsv = got, tsv
        t.check(np.array_equal(got["count"], want), "random counts\n%r\n%r" % (got["count"], want))
        s = sf.summary(want[want >= 0])
        t.check(sf.close([got["attr_count_mean"], got["attr_count_std"], got["attr_count_ci"]], s[1:]), "summary")
        t.check(got["attr_n_without_entry"] == (want < 0).sum(), "no-entry count")
        qc = code[query]
        for c in range(C):
            s = sf.summary(want[(qc == c) & (want >= 0)])
            t.check(got["cat_n"][c] == s[0] and sf.close([got["cat_mean"][c], got["cat_std"][c], got["cat_ci"][c]], s[1:]),
                    "category %d" % c)
            t.check(got["cat_no_entry"][c] == ((qc == c) & (want < 0)).sum(), "no entry by category %d" % c)
    else:
        t.check(not sf.same_results(ref, got), "np=%d differs from np=1: %r" % (np_, sf.same_results(ref, got)))
        t.check(tsv == reftsv, "np=%d: TSV differs" % np_)

# ---- Bad input. ------------------------------------------------------------------------------
t.expect_input_error(["translate", "--neighbors", nb, "--vocab", voc, "--dict", os.path.join(D, "nodir"), "--top", "2"], ["nodir"], np=2)
empty = os.path.join(D, "emptydict")
os.makedirs(empty, exist_ok=True)
t.expect_input_error(["translate", "--neighbors", nb, "--vocab", voc, "--dict", empty, "--top", "2"], [empty, "en-*.txt"], np=1)
t.expect_input_error(["translate", "--neighbors", nb, "--vocab", voc, "--dict", dd, "--top", "3"], [nb, "--top"], np=1)
v9 = os.path.join(D, "v9.json")
sf.write_vocab_json(v9, toks[:9])
t.expect_input_error(["translate", "--neighbors", nb, "--vocab", v9, "--dict", dd, "--top", "2"], [nb, v9], np=1)
t.expect_input_error(["translate", "--neighbors", nb, "--dict", dd], ["--vocab"], np=1)

t.finish("stats_translate")
