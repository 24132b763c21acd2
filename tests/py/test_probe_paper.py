"""`tokenatlas probe --protocol paper` against the libraries the paper's script used.

The paper (hyperpolyglot, scripts/category_identification_task.py) does, per category c of the
rows X (L2-normalised) in their order:
    y = [1 if s == c else 0 for s in categories]           (skipped when sum(y) < 500)
    X_res, y_res = RandomUnderSampler(random_state=150).fit_resample(X, y)
    cross_val_score(LogisticRegression(), X_res, y_res, cv=10)   (unshuffled StratifiedKFold)
Checks:
  1. samples and folds, index for index, against imbalanced-learn's sample_indices_ and
     scikit-learn's StratifiedKFold(10), on several seeds, class sizes (the category the minority,
     the majority, a tie) and row orders (blocks, shuffled, reversed, interleaved), and on a
     subset of the rows in a given order (--subset, as the paper's shared-vocabulary maps);
  2. mean accuracies within 0.002 of cross_val_score(LogisticRegression(), ...) on the same data;
  3. identical outputs for 1, 2 and 3 ranks; /probe records protocol = paper;
  4. bad input exits 2.
"""
import os

import h5py
import numpy as np

import probe_oracle as po
import tahelp as t

try:
    from imblearn.under_sampling import RandomUnderSampler
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
except ImportError as e:  # pragma: no cover
    t.skip("imbalanced-learn / scikit-learn missing: %s" % e)

import warnings

warnings.filterwarnings("ignore")  # sklearn's ConvergenceWarning at max_iter = 100, as in the paper
tmp = t.tmpdir()
F = 10


def write_inputs(name, X, cat):
    emb = os.path.join(tmp, name + ".npy")
    np.save(emb, np.asarray(X, np.float32))
    cats = os.path.join(tmp, name + ".tsv")
    with open(cats, "w") as f:
        f.write("id\tcategory\ttoken\n")
        for i, c in enumerate(cat):
            f.write("%d\t%s\ttok%d\n" % (i, c, i))
    return emb, cats


def oracle_split(y, seed):
    """imbalanced-learn's sample and scikit-learn's test folds for labels y in row order."""
    rus = RandomUnderSampler(random_state=seed)
    _, y_res = rus.fit_resample(np.zeros((len(y), 1)), y)
    idx = rus.sample_indices_
    fold = np.full(len(idx), -1, np.int32)
    for f, (_, te) in enumerate(StratifiedKFold(F).split(np.zeros((len(idx), 1)), y_res)):
        fold[te] = f
    return idx, y_res, fold


# ---- 1. samples and folds, index for index -------------------------------------------------
def make_cat(sizes, order, rng):
    names = sorted(sizes)
    lab = np.concatenate([np.full(sizes[c], c, dtype=object) for c in names])
    if order == "blocks":
        pass
    elif order == "reversed":
        lab = lab[::-1]
    elif order == "shuffled":
        lab = lab[rng.permutation(len(lab))]
    elif order == "interleaved":  # round robin over the categories while they last
        pools = [list(lab[lab == c]) for c in names]
        out = []
        while any(pools):
            for p in pools:
                if p:
                    out.append(p.pop())
        lab = np.array(out, dtype=object)
    return np.array(lab, dtype=object)


cases = [
    # (seed, sizes, order, min_tokens)
    (150, {"LATIN": 700, "CJK": 160, "ARABIC": 90, "N": 30}, "shuffled", 50),  # LATIN > half
    (0, {"A": 300, "B": 300}, "blocks", 10),                                    # ties
    (4294967295, {"A": 250, "B": 120, "C": 61, "D": 9}, "reversed", 20),
    (12345, {"X": 411, "Y": 405, "Z": 207}, "interleaved", 100),
    (7, {"P": 1000, "Q": 37, "R": 12}, "shuffled", 10),                       # min_tokens > R
]
rng = np.random.default_rng(11)
for ci, (seed, sizes, order, mt) in enumerate(cases):
    cat = make_cat(sizes, order, rng)
    n = len(cat)
    X = rng.normal(size=(n, 4))
    emb, cats = write_inputs("case%d" % ci, X, cat)
    fo = os.path.join(tmp, "case%d.folds.tsv" % ci)
    out = os.path.join(tmp, "case%d.out.tsv" % ci)
    t.run(["probe", "--protocol", "paper", "--embeddings", emb, "--categories", cats,
           "--seed", str(seed), "--min-tokens", str(mt), "--export-folds", fo, "--out", out])
    got = po.read_folds(fo)
    res = po.read_tsv(out)
    want_probed = []
    for c in np.unique(cat):  # the paper's loop: np.unique order
        y = (cat == c).astype(np.int64)
        if y.sum() < mt or min(y.sum(), n - y.sum()) < F:
            t.check(c not in got and res[c][1] == 0, "case %d: %s (%d tokens) skipped" % (ci, c, y.sum()))
            continue
        want_probed.append(c)
        idx, y_res, fold = oracle_split(y, seed)
        ids, lab, fd = got.get(c, (np.zeros(0), np.zeros(0), np.zeros(0)))
        t.check(np.array_equal(ids, idx), "case %d %s: sample differs from imbalanced-learn's\n ours %r\n theirs %r"
                % (ci, c, ids[:12], idx[:12]))
        t.check(np.array_equal(lab, y_res), "case %d %s: labels differ" % (ci, c))
        t.check(np.array_equal(fd, fold), "case %d %s: folds differ from StratifiedKFold(10)" % (ci, c))
        t.check(res[c][0] == y.sum() and res[c][1] == len(idx), "case %d %s: counts %r" % (ci, c, res[c]))
    t.check(sorted(got) == sorted(want_probed), "case %d: probed %r, expected %r" % (ci, sorted(got), want_probed))
    print("case %d (seed %d, %s, %r): %d categories compared" % (ci, seed, order, sizes, len(want_probed)))

# ---- 1b. a subset in a given order (the paper's X = embeddings[vocab_map]) ------------------
# 70% of the rows of case 0 in a random order, as the paper's map files hold the shared tokens in
# Python set order; as .npy (numpy.save of int64, as make_maps.py writes them) and as text.
cat = make_cat(cases[0][1], "shuffled", rng)
n = len(cat)
emb, cats = write_inputs("sub", rng.normal(size=(n, 4)), cat)
vmap = rng.permutation(n)[: int(0.7 * n)]
mapfile = os.path.join(tmp, "m_x_u_map.npy")
np.save(mapfile, vmap.astype(np.int64))
txtmap = os.path.join(tmp, "map.txt")
with open(txtmap, "w") as f:
    f.write("# shared tokens\n" + "".join("%d\n" % v for v in vmap))
sub_cat = cat[vmap]
for mf in (mapfile, txtmap):
    fo = os.path.join(tmp, "sub.folds.tsv")
    out = os.path.join(tmp, "subout.h5")
    t.run(["probe", "--protocol", "paper", "--embeddings", emb, "--categories", cats, "--subset", mf,
           "--seed", "150", "--min-tokens", "50", "--export-folds", fo, "--out", out])
    got = po.read_folds(fo)
    res = po.read_tsv(out[:-3] + ".tsv")
    for c in np.unique(sub_cat):
        y = (sub_cat == c).astype(np.int64)
        if y.sum() < 50:
            t.check(c not in got, "subset: %s (%d tokens in the subset) skipped" % (c, y.sum()))
            continue
        idx, y_res, fold = oracle_split(y, 150)
        ids, lab, fd = got.get(c, (np.zeros(0), np.zeros(0), np.zeros(0)))
        t.check(np.array_equal(ids, vmap[idx]), "subset %s: %s: sample differs from imbalanced-learn's on X[map]" % (mf, c))
        t.check(np.array_equal(lab, y_res) and np.array_equal(fd, fold), "subset %s: %s: labels or folds differ" % (mf, c))
        t.check(res[c][0] == y.sum(), "subset: %s counted over the subset: %r" % (c, res[c]))
    with h5py.File(out, "r") as h:
        t.check(h["probe"].attrs["n_tokens_total"] == len(vmap), "subset: n_tokens_total is the subset's size")
# The tokenatlas protocol with a subset: every sampled token from the subset, counts over it.
fo = os.path.join(tmp, "subt.folds.tsv")
t.run(["probe", "--embeddings", emb, "--categories", cats, "--subset", txtmap, "--seed", "3",
       "--min-tokens", "50", "--export-folds", fo, "--out", os.path.join(tmp, "subt.tsv")])
res = po.read_tsv(os.path.join(tmp, "subt.tsv"))
inmap = np.zeros(n, bool)
inmap[vmap] = True
for c, (ids, lab, fd) in po.read_folds(fo).items():
    t.check(inmap[ids].all(), "tokenatlas protocol, subset: %s sampled outside the subset" % c)
    t.check(np.array_equal(lab, (cat[ids] == c).astype(np.uint8)), "tokenatlas protocol, subset: %s labels" % c)
    t.check(res[c][0] == int((sub_cat == c).sum()), "tokenatlas protocol, subset: %s count" % c)
bad = os.path.join(tmp, "bad.npy")
np.save(bad, np.array([0, 5, 5], np.int64))
t.expect_input_error(["probe", "--embeddings", emb, "--categories", cats, "--subset", bad, "--out",
                      os.path.join(tmp, "x.tsv")], ["bad.npy", "element 2", "listed twice"])
np.save(bad, np.array([0, n], np.int64))
t.expect_input_error(["probe", "--embeddings", emb, "--categories", cats, "--subset", bad, "--out",
                      os.path.join(tmp, "x.tsv")], ["bad.npy", "element 1", "out of range"])
print("subset: .npy and text maps compared")

# ---- 2. accuracies against cross_val_score(LogisticRegression(), ...) ----------------------
N, D = 6000, 48
names = ["LATIN", "CYRILLIC", "CJK", "ARABIC", "GREEK", "THAI", "S"]
share = {"LATIN": 0.52, "CYRILLIC": 0.14, "CJK": 0.12, "ARABIC": 0.09, "GREEK": 0.06, "THAI": 0.05}
sizes = {c: int(N * share[c]) for c in share}
sizes["S"] = N - sum(sizes.values())
lab = np.concatenate([np.full(sizes[c], c, dtype=object) for c in names])
lab = lab[rng.permutation(N)]
X = rng.normal(size=(N, D))
sep = {"LATIN": 0.8, "CYRILLIC": 1.5, "CJK": 3.0, "ARABIC": 0.6, "GREEK": 1.0, "THAI": 0.3}
for c, s in sep.items():
    centre = rng.normal(size=D)
    X[lab == c] += s * centre / np.linalg.norm(centre) * np.sqrt(D) / 3
X32 = X.astype(np.float32)
emb, cats = write_inputs("acc", X32, lab)
outs = {}
for np_ in (1, 2, 3):
    out = os.path.join(tmp, "acc%d.h5" % np_)
    fo = os.path.join(tmp, "acc%d.folds.tsv" % np_)
    t.run(["probe", "--protocol", "paper", "--embeddings", emb, "--categories", cats, "--seed", "150",
           "--export-folds", fo, "--out", out], np=np_)
    outs[np_] = (out, fo)
out1, fo1 = outs[1]
res = po.read_tsv(out1[:-3] + ".tsv")
Xn = po.normalise(X32)
worst = 0.0
with h5py.File(out1, "r") as h:
    g = h["probe"]
    proto = g.attrs["protocol"]
    proto = proto.decode() if isinstance(proto, bytes) else proto
    t.check(proto == "paper", "/probe protocol attribute: %r" % proto)
    t.check(g.attrs["max_iter"] == 100 and g.attrs["warm_start"] == 0 and g.attrs["seed"] == 150,
            "/probe attributes max_iter 100, warm_start 0, seed 150")
    hn = [s.decode() if isinstance(s, bytes) else s for s in g["names"][()]]
    facc = g["fold_accuracy"][()]
for c in np.unique(lab):
    y = (lab == c).astype(np.int64)
    if y.sum() < 500:
        t.check(res[c][1] == 0, "%s (%d tokens) skipped under 500" % (c, y.sum()))
        continue
    rus = RandomUnderSampler(random_state=150)
    Xr, yr = rus.fit_resample(Xn, y)
    sk = cross_val_score(LogisticRegression(), Xr, yr, cv=10)
    ours = facc[hn.index(c)]
    d = abs(ours.mean() - sk.mean())
    worst = max(worst, d)
    print("%-9s n=%5d  tokenatlas %.4f  sklearn %.4f  |diff| %.4f  folds max |diff| %.4f"
          % (c, y.sum(), ours.mean(), sk.mean(), d, np.abs(ours - sk).max()))
    t.check(d <= 0.002, "%s: mean accuracy %.4f vs sklearn %.4f" % (c, ours.mean(), sk.mean()))
    t.check(abs(res[c][2] - ours.mean()) < 1e-6 and abs(res[c][3] - ours.std()) < 1e-6, "%s: TSV mean/std" % c)
print("largest mean-accuracy difference: %.4f" % worst)

# ---- 3. identical for 1, 2, 3 ranks ---------------------------------------------------------
for np_ in (2, 3):
    out, fo = outs[np_]
    t.check(open(out[:-3] + ".tsv", "rb").read() == open(out1[:-3] + ".tsv", "rb").read(), "TSV identical, %d ranks" % np_)
    t.check(open(fo, "rb").read() == open(fo1, "rb").read(), "folds identical, %d ranks" % np_)
    with h5py.File(out1, "r") as a, h5py.File(out, "r") as b:
        for name in a["probe"]:
            t.check(np.array_equal(a["probe"][name][()], b["probe"][name][()]), "/probe/%s identical, %d ranks" % (name, np_))

# ---- 4. bad input ----------------------------------------------------------------------------
base = ["probe", "--embeddings", emb, "--categories", cats, "--out", os.path.join(tmp, "x.tsv")]
t.expect_input_error(base + ["--protocol", "sklearn"], ["--protocol", "sklearn"])
t.expect_input_error(base + ["--protocol", "paper", "--seed", "4294967296"], ["--seed"])
t.check(not os.path.exists(os.path.join(tmp, "x.tsv")), "no output after a failed run")

t.finish("probe_paper")
