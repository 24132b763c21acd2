"""`diversity --protocol paper`: a hand-worked example, the paper's scripts (tests/py/paperref.py:
category-category-table.py, category-entropy-table.py, count_similar.py, the Figure 5 and 9
notebooks) on random neighbourhoods, `--frequencies` in both forms, 1, 2 and 3 ranks identical,
and bad frequency files (exit 2 naming the file and line)."""
import math
import os
from collections import Counter

import h5py
import numpy as np
import scipy.stats

import paperref as pr
import statsfix as sf
import tahelp as t

D = t.tmpdir()


def strs(a):
    return [s.decode() if isinstance(s, bytes) else s for s in a]


def diversity(nb, cat, out, extra=(), np_=1, top=1):
    return t.run(["diversity", "--neighbors", nb, "--categories", cat, "--top", str(top),
                  "--protocol", "paper", "--out", out] + list(extra), np=np_)


# ---- Hand-worked example: 5 tokens, k = 3 (the token first), --top 1. ------------------------
toks = ["▁a", "b", "c", "b", "d "]
cats = ["LATIN", "LATIN", "CYRILLIC", "LATIN", "P"]
index = [[0, 1, 2],    # LATIN: L L C
         [1, 0, 3],    # LATIN: L L L
         [2, 4, 0],    # CYRILLIC: C P L
         [3, 1, -1],   # LATIN: L L (a missing neighbour is no row)
         [4, 2, 1]]    # P: P C L
nb = os.path.join(D, "hand.h5")
cat = os.path.join(D, "hand.tsv")
sf.write_neighbors(nb, index, list(range(5)), 5, tokens=toks)
sf.write_categories(cat, cats, toks)
out = os.path.join(D, "hand.div.h5")
p = diversity(nb, cat, out)
# category-entropy-table.py: entropy of value_counts() of the per-category counts ({2, 1} -> ln 2,
# {3} and {1, 1, 1} -> 0), not of the categories.
E0 = math.log(2)
with h5py.File(out, "r") as f:
    g = f["diversity"]
    t.check(g.attrs["protocol"] == "paper", "protocol attribute %r" % g.attrs.get("protocol"))
    names = strs(g["categories"][:])
    t.check(names == ["CYRILLIC", "LATIN", "P"], "categories %r" % names)
    # Figure 5 count: the token and its --top 1 nearest other.
    t.check(list(g["count"][:]) == [1, 1, 2, 1, 2], "counts %r" % list(g["count"][:]))
    t.check(sf.close(g["entropy"][:], [E0, 0, 0, 0, 0]), "entropy %r" % g["entropy"][:])
    # LATIN -> LATIN: 2, 3, 2 (three tokens); LATIN -> CYRILLIC: one token with 1; LATIN -> P: none.
    mn, mm, mc = g["matrix_n"][:], g["matrix_mean"][:], g["matrix_ci"][:]
    t.check(mn[1].tolist() == [1, 3, 0] and mn[0].tolist() == [1, 1, 1], "matrix_n %r" % mn)
    t.check(sf.close(mm[1], [1, 7 / 3, 0]), "matrix_mean LATIN row %r" % mm[1])
    sd = np.std([2, 3, 2], ddof=1)
    t.check(sf.close(mc[1], [0, 1.96 * sd / math.sqrt(3), 0]), "matrix_ci LATIN row (n = 1 -> 0) %r" % mc[1])
    t.check(sf.close(g["entropy_cat_mean"][:], [0, E0 / 3, 0]), "entropy by category")
    t.check(sf.close(g["entropy_cat_ci"][:], [0, 1.96 * np.std([E0, 0, 0], ddof=1) / math.sqrt(3), 0]),
            "entropy ci (n = 1 -> 0) %r" % g["entropy_cat_ci"][:])
    # Hubs: keys by rstripped string; b = ids 1 and 3 (6), ▁a 3 (first at 0), c 3 (at 2), d 2.
    t.check(strs(g["hub_token"][:]) == ["b", "▁a", "c", "d"], "hub tokens %r" % strs(g["hub_token"][:]))
    t.check(list(g["hub_count"][:]) == [6, 3, 3, 2], "hub counts %r" % list(g["hub_count"][:]))
    t.check(list(g["hub_id"][:]) == [1, 0, 2, 4], "hub ids %r" % list(g["hub_id"][:]))
    t.check(sf.close(g.attrs["hub_skew"], scipy.stats.skew([3, 6, 3, 2])), "hub skew %r" % g.attrs["hub_skew"])
    t.check(list(g["vocab_cat_n"][:]) == [1, 3, 1], "vocabulary category counts %r" % list(g["vocab_cat_n"][:]))
base = out[:-3]
with open(base + ".catmatrix.tsv") as f:
    rows = [l.rstrip("\n").split("\t") for l in f][1:]
t.check(rows[4][:3] == ["LATIN", "LATIN", "3"] and float(rows[4][3]) == 7 / 3 and rows[5][2:] == ["0", "0", "0", "0"],
        "catmatrix.tsv LATIN rows %r" % rows[3:6])
with open(base + ".hubs.tsv") as f:
    t.check(f.read().splitlines() == ["rank\tcount\tid\ttoken", "1\t6\t1\tb", "2\t3\t0\t▁a", "3\t3\t2\tc", "4\t2\t4\td"],
            "hubs.tsv")
with open(base + ".vocabcats.tsv") as f:
    vrows = [l.split("\t") for l in f.read().splitlines()]
t.check(vrows[0] == ["category", "tokens", "share"] and [r[:2] for r in vrows[1:]] == [["LATIN", "3"], ["CYRILLIC", "1"], ["P", "1"]]
        and [float(r[2]) for r in vrows[1:]] == [0.6, 0.2, 0.2], "vocabcats.tsv %r" % vrows)

# tokenatlas protocol on the same input: no paper datasets, NaN where the paper writes 0.
out_ta = os.path.join(D, "hand.ta.h5")
t.run(["diversity", "--neighbors", nb, "--categories", cat, "--top", "1", "--out", out_ta], np=1)
with h5py.File(out_ta, "r") as f:
    g = f["diversity"]
    t.check("hub_token" not in g and "matrix_n" not in g and "vocab_cat_n" not in g, "tokenatlas: no paper datasets")
    t.check(g.attrs["protocol"] == "tokenatlas", "tokenatlas protocol attribute")
    t.check(math.isnan(g["matrix_ci"][0, 0]), "tokenatlas keeps NaN intervals")

# ---- Random neighbourhoods against the paper's scripts, 1, 2 and 3 ranks. ---------------------
rng = np.random.default_rng(12)
N, K, TOP, C = 420, 14, 9, 6
pool = ["t%d" % i for i in range(360)] + ["▁W%d" % i for i in range(30)] + ["x\u3000", "\u3000", "y ", "▁"]
vocab = [pool[i] for i in rng.integers(0, len(pool), N)]      # repeated strings on purpose
vocab[:4] = ["x\u3000", "\u3000", "y ", "▁"]
names = ["K%d" % i for i in range(C)]
code = rng.integers(0, C, N)
code[:C] = range(C)
rcats = [names[c] for c in code]
query = rng.permutation(N)
idx = sf.self_first_rows(rng, N, query, K, 7)      # missing neighbours past the top
rnb = os.path.join(D, "rand.h5")
rcat = os.path.join(D, "rand.tsv")
sf.write_neighbors(rnb, idx, query, N, tokens=vocab)
sf.write_categories(rcat, rcats, vocab)

# Frequencies: some tokens absent (count 0), many ties; the token form lists each string once.
counts = rng.integers(0, 6, N)
counts[rng.random(N) < 0.2] = 0
first_id = {}
for i, w in enumerate(vocab):
    first_id.setdefault(w, i)
freq_counts = np.zeros(N, dtype=np.int64)
ftok = os.path.join(D, "freq_tok.tsv")
with open(ftok, "w", encoding="utf-8") as f:
    f.write("token\tcount\n")
    for w, i in first_id.items():
        if counts[i] or rng.random() < 0.5:
            f.write("%s\t%d\n" % (w.replace("\\", "\\\\").replace("\t", "\\t"), counts[i]))
            freq_counts[i] = counts[i]
fid = os.path.join(D, "freq_id.tsv")
with open(fid, "w") as f:
    f.write("id\tcount\n")
    for i in rng.permutation(N):
        if freq_counts[i] or rng.random() < 0.3:
            f.write("%d\t%d\n" % (i, freq_counts[i]))

text = pr.neighbors_tsv(query, idx, vocab)
df = pr.categories_frame(query, idx, rcats)
table = pr.category_table(df)
ent_tok, ent_cat = pr.category_entropy(df)
fig5 = pr.num_neighbor_cats(query, idx, rcats, TOP)
top30, counter = pr.hubs(text)
bracket = pr.frequency_brackets(freq_counts)
fig9 = pr.by_bracket(query, [fig5[q] for q in query], bracket)

runs = {}
for np_ in (1, 2, 3):
    o = os.path.join(D, "rand%d.h5" % np_)
    diversity(rnb, rcat, o, ["--frequencies", ftok], np_=np_, top=TOP)
    runs[np_] = sf.read_group(o, "diversity", skip=("neighbors",))
o = os.path.join(D, "rand1.h5")
with h5py.File(o, "r") as f:
    g = f["diversity"]
    names_out = strs(g["categories"][:])
    t.check(names_out == names, "categories")
    q = g["query"][:]
    t.check(list(q) == list(query), "query order")
    cnt = g["count"][:]
    t.check(all(cnt[r] == fig5[q[r]] for r in range(N)), "Figure 5 counts equal the notebook's nunique")
    t.check(sf.close(g["entropy"][:], [ent_tok[x] for x in q]), "per-token entropy = scipy.stats.entropy")
    mn, mm, mc = g["matrix_n"][:], g["matrix_mean"][:], g["matrix_ci"][:]
    bad = []
    for a in range(C):
        for b in range(C):
            n_, mean_, ci_ = table.get((names[a], names[b]), (0, 0.0, 0.0))
            if mn[a, b] != n_ or not sf.close(mm[a, b], mean_) or not sf.close(mc[a, b], ci_):
                bad.append((names[a], names[b], int(mn[a, b]), mm[a, b], mc[a, b], n_, mean_, ci_))
    t.check(not bad, "category x category = category-category-table.py: %r" % bad[:5])
    t.check(sf.close(g["entropy_cat_mean"][:], [ent_cat[c][0] for c in names]) and
            sf.close(g["entropy_cat_ci"][:], [ent_cat[c][1] for c in names]), "entropy table = category-entropy-table.py")
    want_tok = [k for k, _ in top30]
    t.check(strs(g["hub_token"][:]) == want_tok, "hubs = count_similar.py most_common(30):\n%r\n%r" % (strs(g["hub_token"][:]), want_tok))
    t.check(list(g["hub_count"][:]) == [c for _, c in top30], "hub counts")
    t.check(all(i == min(j for j in range(N) if vocab[j].rstrip() == k) for i, k in zip(g["hub_id"][:], want_tok)),
            "hub ids: lowest id of the key")
    pop = {vocab[x].rstrip() for x in query} - {""}
    t.check(sf.close(g.attrs["hub_skew"], scipy.stats.skew([counter[k] for k in pop])), "hub skew")
    vc = Counter(rcats)
    t.check(list(g["vocab_cat_n"][:]) == [vc[c] for c in names], "vocabulary category counts")
    fd = g["freq_decile"][:]
    t.check(all(fd[r] == bracket[q[r]] for r in range(N)), "frequency brackets = the Figure 9 notebook")
    t.check(list(g["freq_decile_n"][:]) == [fig9.get(b, (0, 0, 0))[0] for b in range(1, 11)], "decile n")
    t.check(sf.close(g["freq_decile_mean"][:], [fig9.get(b, (0, 0.0, 0))[1] for b in range(1, 11)]) and
            sf.close(g["freq_decile_ci"][:], [fig9.get(b, (0, 0, 0.0))[2] for b in range(1, 11)]),
            "Figure 9 bars: mean and 1.96 SEM by bracket")
    srt = np.sort(freq_counts)
    t.check(list(g["freq_decile_min_count"][:]) == [int(srt[d * N // 10]) for d in range(10)], "decile count ranges")
for np_ in (2, 3):
    diff = sf.same_results(runs[1], runs[np_])
    t.check(not diff, "%d ranks differ from 1 rank in %r" % (np_, diff))

# The id form of the same frequencies gives the same deciles.
o = os.path.join(D, "rand_id.h5")
diversity(rnb, rcat, o, ["--frequencies", fid], np_=2, top=TOP)
with h5py.File(o, "r") as f:
    t.check(np.array_equal(f["diversity/freq_decile"][:], runs[1]["freq_decile"]), "id form = token form")
with open(o[:-3] + ".freqdeciles.tsv") as f:
    lines = f.read().splitlines()
t.check(lines[0] == "decile\tmin_count\tmax_count\tn\tmean\tstd\tci" and len(lines) == 11, "freqdeciles.tsv %r" % lines[:2])

# Frequencies under the tokenatlas protocol too (the deciles do not depend on the protocol).
o = os.path.join(D, "rand_ta.h5")
t.run(["diversity", "--neighbors", rnb, "--categories", rcat, "--top", str(TOP), "--frequencies", fid, "--out", o], np=1)
with h5py.File(o, "r") as f:
    t.check(np.array_equal(f["diversity/freq_decile"][:], runs[1]["freq_decile"]), "tokenatlas protocol frequency deciles")

# ---- Bad input: exit 2 naming the file and the line. ------------------------------------------
def bad_freq(name, body, mention):
    path = os.path.join(D, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(body)
    t.expect_input_error(["diversity", "--neighbors", rnb, "--categories", rcat, "--top", "2",
                          "--protocol", "paper", "--frequencies", path, "--out", os.path.join(D, "bad.h5")],
                         [path + mention], np=2)


bad_freq("unknown.tsv", "token\tcount\nt1\t3\nnot-a-token\t4\n", ":3:")
bad_freq("negative.tsv", "id\tcount\n0\t1\n5\t-2\n", ":3:")
bad_freq("dup.tsv", "id\tcount\n7\t1\n8\t1\n7\t2\n", ":4:")
bad_freq("range.tsv", "id\tcount\n%d\t1\n" % N, ":2:")
bad_freq("header.tsv", "word\tfreq\nt1\t1\n", ":1:")
bad_freq("cols.tsv", "id\tcount\n1\t2\t3\n", ":2:")
t.expect_input_error(["diversity", "--neighbors", rnb, "--categories", rcat, "--protocol", "papers"], ["--protocol"])
t.finish("paper_diversity")
