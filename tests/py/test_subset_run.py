"""run with subset: shared on two synthetic models whose vocabularies partly overlap (the second
model's vocabulary is the first's, permuted, with 30% of the tokens replaced): the overlap step
against Python set arithmetic, each model's neighbours against numpy brute force on its shared
sub-matrix (original ids), the probes over the shared tokens, /overlap in the assembled files,
overlap.tsv beside them, a rerun that skips every step; then subset: FILE with the bare subset map
(each model takes its own ids: identical neighbours) and the config errors."""
import json
import os

import h5py
import numpy as np

import paperref
import subsetref
import tahelp as t

tmp = t.tmpdir()
models = os.path.join(tmp, "models")
for preset in ("script-clustered", "meaning-aligned"):
    t.run(["synth", "--preset", preset, "--tokens", "1500", "--dim", "24", "--seed", "3", "--out",
           os.path.join(models, preset)])
with open(os.path.join(models, "script-clustered", "tokenizer.json"), encoding="utf-8") as f:
    tj = json.load(f)
tok_a = [p[0] for p in tj["model"]["vocab"]]
for a in tj.get("added_tokens", []):
    tok_a[a["id"]] = a["content"]
rng = np.random.default_rng(5)
perm = rng.permutation(len(tok_a))
tok_b = [tok_a[i] for i in perm]
for i in np.flatnonzero(rng.random(len(tok_b)) < 0.3):
    tok_b[i] = "only-b-%d" % i
vocab_b = os.path.join(tmp, "b.json")
with open(vocab_b, "w", encoding="utf-8") as f:
    json.dump(tok_b, f, ensure_ascii=False)

results = os.path.join(tmp, "results")


def config(name, subset, probe="{folds: 3, min_tokens: 40, seed: 1}"):
    path = os.path.join(tmp, name + ".yaml")
    with open(path, "w") as f:
        f.write("""run: %s
results_dir: %s
subset: %s
models:
  - name: sc
    path: %s/script-clustered
  - name: ma
    path: %s/meaning-aligned
    vocab: %s
neighbors: {k: 16, queries: all, block_rows: 7}
diversity: {top: 8}
probe: %s
compare: {pairs: [[sc, ma]]}
""" % (name, results, subset, models, models, vocab_b, probe))
    return path


# 1. subset: shared at 3 ranks.
cfg = config("shared", "shared")
t.run(["run", cfg], np=3)
rundir = os.path.join(results, "shared")
steps = os.path.join(rundir, "steps")
shared = set(tok_a) & set(tok_b)
with open(os.path.join(rundir, "overlap.tsv")) as f:
    rows = [line.rstrip("\n").split("\t") for line in f]
t.check(rows[1][:5] == ["sc", "ma", str(len(tok_a)), str(len(tok_b)), str(len(shared))],
        "overlap row %r; expected %d shared" % (rows[1], len(shared)))
t.check(rows[2][:5] == ["ALL", "sc", str(len(set(tok_a) | set(tok_b))), str(len(tok_a)),
                        str(len(shared))], "ALL row %r" % rows[2])
low_b = {tk: i for i, tk in reversed(list(enumerate(tok_b)))}
order = sorted(shared, key=tok_a.index)
want_map = {"sc": np.array([tok_a.index(tk) for tk in order]),
            "ma": np.array([low_b[tk] for tk in order])}
nb_ref = {}
for m in ("sc", "ma"):
    with h5py.File(os.path.join(steps, m + ".model.h5")) as f:
        x = f["embeddings"][()]
    with h5py.File(os.path.join(steps, "overlap.h5")) as f:
        ids = f["overlap/models/%s/ids" % m][()]
    t.check(np.array_equal(ids, want_map[m]), "%s: subset map differs from set arithmetic" % m)
    y, ok = subsetref.normalise(x)
    sub = np.sort(ids)
    nbp = os.path.join(steps, m + ".neighbors.h5")
    nb_ref[m] = subsetref.check(nbp, y, ok, sub, 16, sub, len(x), what=m)
    with h5py.File(nbp) as f:
        t.check(f["neighbors"].attrs["subset"] == os.path.join(steps, "overlap.h5") + ":" + m,
                "%s: neighbours subset attribute %r" % (m, f["neighbors"].attrs["subset"]))
    with h5py.File(os.path.join(steps, m + ".probe.h5")) as f:
        t.check(f["probe"].attrs["subset"].endswith("overlap.h5:" + m), "%s: probe subset" % m)
        n_rows = f["probe"].attrs.get("n_rows", len(sub))
        t.check(n_rows == len(sub), "%s: probe over %d rows, expected %d" % (m, n_rows, len(sub)))
    with h5py.File(os.path.join(steps, m + ".diversity.h5")) as f:
        t.check(np.array_equal(f["diversity/query"][()], sub), "%s: diversity queries" % m)
    with h5py.File(os.path.join(steps, m + ".map.h5")) as f:
        t.check(np.array_equal(f["map/query"][()], sub), "%s: the map's points" % m)
    with h5py.File(os.path.join(rundir, m + ".h5")) as f:
        t.check(f["overlap/shared"][0, 1] == len(shared), "%s: /overlap in the assembled file" % m)
with open(os.path.join(rundir, "run.yaml")) as f:
    t.check('\nsubset: "shared"\n' in f.read(), "run.yaml does not record the subset")

# A rerun skips every step, the overlap included.
log = os.path.join(rundir, "run.log")
before = len(open(log).read())
t.run(["run", cfg], np=2)
last = open(log).read()[before:]
t.check("all overlap: skip" in last and "start:" not in last, "rerun did not skip:\n%s" % last)

# 2. subset: FILE with the bare map: each model takes its own ids, the same neighbours.
cfg2 = config("mapfile", os.path.join(steps, "overlap.h5"), probe="{enabled: false}")
t.run(["run", cfg2], np=2)
for m in ("sc", "ma"):
    with h5py.File(os.path.join(results, "mapfile", "steps", m + ".neighbors.h5")) as f:
        t.check(np.array_equal(f["neighbors/index"][()], nb_ref[m][0]) and
                np.array_equal(f["neighbors/score"][()], nb_ref[m][1]),
                "%s: neighbours with the bare map differ from subset: shared" % m)
t.check(not os.path.exists(os.path.join(results, "mapfile", "steps", "overlap.h5")),
        "subset: FILE made an overlap step")

# 3. protocol: paper with a subset: Figure 5 takes the whole vocabulary's neighbours of a 1%
# sample (k = top + 1 with self), beside the subset's; the assembled file holds /diversity_vocab.
cfg3 = config("paper", "shared", probe="{enabled: false}")
with open(cfg3, "a") as f:
    f.write("protocol: paper\n")
t.run(["run", cfg3], np=2)
pdir = os.path.join(results, "paper")
for m in ("sc", "ma"):
    with h5py.File(os.path.join(pdir, "steps", m + ".model.h5")) as f:
        x = f["embeddings"][()]
        cats = f["categories/paper"][()]
    y, ok = subsetref.normalise(x)
    nbv = os.path.join(pdir, "steps", m + ".neighbors_vocab.h5")
    with h5py.File(nbv) as f:
        q = f["neighbors/query"][()]
        t.check("subset" not in f["neighbors"].attrs, "%s: the vocabulary sample has a subset" % m)
    t.check(len(q) == round(0.01 * len(x)) and len(set(q)) == len(q),
            "%s: %d sampled queries, expected %d distinct" % (m, len(q), round(0.01 * len(x))))
    idx, _ = subsetref.check(nbv, y, ok, np.arange(len(x)), 9, q, len(x), what=m + " vocab",
                             subset=False)
    want = np.zeros(10, dtype=np.int64)
    for n in paperref.num_neighbor_cats(q, idx, cats, 8).values():
        want[n] += 1
    with h5py.File(os.path.join(pdir, m + ".h5")) as f:
        hist = f["diversity_vocab/histogram"][()]
        t.check("neighbors_vocab" not in f and f["diversity"].attrs["protocol"] == "paper",
                "%s: assembled groups %r" % (m, list(f)))
    t.check(np.array_equal(hist[:10], want) and hist[10:].sum() == 0,
            "%s: /diversity_vocab/histogram %r, expected %r" % (m, hist, want))
with open(os.path.join(pdir, "report.md"), encoding="utf-8") as f:
    report = f.read()
t.check("whole vocabulary, for a 1% sample" in report and "/diversity_vocab/histogram" in report,
        "report: Figure 5 does not name the vocabulary sample")

# 4. Config errors name the file, line and key.
one = os.path.join(tmp, "one.yaml")
with open(one, "w") as f:
    f.write("run: one\nresults_dir: %s\nsubset: shared\nmodels:\n  - {name: sc, path: %s}\n"
            % (results, os.path.join(models, "script-clustered")))
t.expect_input_error(["run", one], [one + ":3: key 'subset': shared", "at least two models, got 1"])
t.expect_input_error(["run", cfg, "--set", "subset=/nonexistent/ids.txt"],
                     ["--set subset=/nonexistent/ids.txt: key 'subset'", "no such file"])

t.finish("subset_run")
