"""report RUN_DIR on model files fabricated with h5py (the layout of the README's "HDF5 layout"):
the headline numbers in report.md are recomputed here with numpy, every figure exists as SVG and
PNG with its gnuplot script, index.html is static (no external resources, images by relative
path), incomplete files are left out, and missing groups are named."""
import os
import re
import subprocess

import h5py
import numpy as np

import tahelp

tmp = tahelp.tmpdir()
run = os.path.join(tmp, "myrun")
os.makedirs(run)
rng = np.random.default_rng(7)
CATS = ["CJK", "CYRILLIC", "LATIN", "N", "P"]


def vlen(f, name, strings):
    f.create_dataset(name, data=np.array(strings, dtype=object), dtype=h5py.string_dtype("utf-8"))


def fabricate(path, name, index, spread, with_probe=True, complete=1):
    n, d, top = 1000, 8, 50
    with h5py.File(path, "w") as f:
        f.attrs["model"] = name
        f.attrs["model_index"] = index
        f.attrs["tool_version"] = "0.1.0"
        f.create_dataset("embeddings", data=rng.standard_normal((n, d)).astype("f4"))
        vlen(f, "vocab/token", ["t%d" % i for i in range(n)])
        counts = rng.integers(1, 1 + spread, size=n)
        hist = np.bincount(counts, minlength=top + 2)
        g = f.create_group("diversity")
        g.attrs["top"] = top
        g.attrs["k"] = 100
        g.attrs["count_mean"] = counts.mean()
        g.attrs["entropy_mean"] = 0.5 * spread
        g.create_dataset("histogram", data=hist.astype("i8"))
        vlen(g, "categories", CATS)
        g.create_dataset("cat_n", data=np.array([100, 200, 500, 150, 50], "i8"))
        g.create_dataset("cat_mean", data=rng.uniform(1, spread, 5))
        g.create_dataset("entropy_cat_mean", data=rng.uniform(0, spread / 2, 5))
        m = rng.uniform(0, 1, (5, 5)) + np.eye(5) * 10 / spread
        g.create_dataset("matrix_mean", data=m / m.sum(1, keepdims=True) * top)
        if with_probe:
            p = f.create_group("probe")
            vlen(p, "names", ["CJK", "CYRILLIC", "LATIN", "N"])
            acc = rng.uniform(0.5, 1.0, 4) if spread > 3 else rng.uniform(0.97, 1.0, 4)
            p.create_dataset("mean_accuracy", data=acc)
            p.create_dataset("std_accuracy", data=np.full(4, 0.01))
            p.create_dataset("n_tokens", data=np.array([100, 200, 500, 150], "i8"))
            p.attrs["folds"] = 10
        t = f.create_group("translate")
        t.attrs["top"] = top
        t.attrs["share_mean"] = 0.02 * spread
        vlen(t, "categories", CATS)
        t.create_dataset("cat_mean", data=np.array([1.0, 2.0, 5.0, 0.0, 0.5]) * spread)
        c = f.create_group("compare/other-model")
        c.attrs["jaccard_mean"] = 0.25
        c.attrs["n_shared_tokens"] = 900
        f.attrs["complete"] = complete
    return counts


c1 = fabricate(os.path.join(run, "clustered.h5"), "clustered", 0, 2)
c2 = fabricate(os.path.join(run, "aligned.h5"), "aligned", 1, 9, with_probe=False)
fabricate(os.path.join(run, "broken.h5"), "broken", 2, 3, complete=0)
with open(os.path.join(run, "run.yaml"), "w") as f:
    f.write("run: myrun\nmodels:\n  - name: clustered\n    path: /x\n")

p = tahelp.run(["report", run])
md = open(os.path.join(run, "report.md"), encoding="utf-8").read()
html = open(os.path.join(run, "index.html"), encoding="utf-8").read()

# Headline numbers, recomputed from the fabricated data.
with h5py.File(os.path.join(run, "clustered.h5"), "r") as f:
    acc = f["probe/mean_accuracy"][()].mean() * 100
tahelp.check("%.1f%%" % acc in md, "mean probe accuracy %.1f%% not in report.md" % acc)
tahelp.check("%.2f (top 50)" % c1.mean() in md, "count mean %.2f not in report.md" % c1.mean())
tahelp.check("%.2f (top 50)" % c2.mean() in md, "count mean %.2f not in report.md" % c2.mean())
share1 = 100.0 * (c1 == 1).sum() / len(c1)
tahelp.check("%.1f%%" % share1 in md, "share of one-category tokens %.1f%% missing" % share1)
tahelp.check("99.2%" in md and "7.61" in md, "the paper's numbers are not quoted")
# Models in run order (model_index), the incomplete file left out, missing groups named.
tahelp.check(md.index("| clustered |") < md.index("| aligned |"), "models not in run order")
tahelp.check("broken" not in md, "an incomplete file was reported")
tahelp.check("broken.h5" in p.stderr, "the incomplete file was not named in a warning")
tahelp.check(re.search(r"Not in .*aligned\.h5: .*/probe", md) is not None,
             "missing /probe of aligned not named")
tahelp.check("run: myrun" in md, "config not included")
tahelp.check("| clustered | other-model | 0.250 | 900 |" in md, "comparison table missing")

# Figures: script, SVG and PNG each, referenced by relative paths that exist.
# Translation shares: cat_mean / top, in percent (LATIN of aligned: 5 * 9 / 50 = 90%).
tahelp.check("| LATIN | 500 |" in md and "| 90.0% |" in md, "translation share of LATIN (90.0%) missing")
tahelp.check("aligned: 18.00% of the neighbours are translations" in md, "overall translation share missing")
figs = ["neighbour_categories", "probe_accuracy", "entropy", "translation", "heatmap_clustered",
        "heatmap_aligned"]
for name in figs:
    for ext in ("gp", "svg", "png"):
        path = os.path.join(run, "figures", name + "." + ext)
        tahelp.check(os.path.isfile(path) and os.path.getsize(path) > 200, "%s missing or empty" % path)
    tahelp.check("figures/%s.png" % name in md, "%s.png not in report.md" % name)
    tahelp.check('src="figures/%s.svg"' % name in html, "%s.svg not in index.html" % name)
png = open(os.path.join(run, "figures", "probe_accuracy.png"), "rb").read(8)
tahelp.check(png == b"\x89PNG\r\n\x1a\n", "probe_accuracy.png is not a PNG")
svg = open(os.path.join(run, "figures", "neighbour_categories.svg"), encoding="utf-8").read()
for label in ("clustered", "aligned", "tokens (%)"):
    tahelp.check(label in svg, "label %r not drawn in neighbour_categories.svg" % label)
svg = open(os.path.join(run, "figures", "heatmap_clustered.svg"), encoding="utf-8").read()
for cat in CATS:
    tahelp.check(">%s<" % cat in svg, "category %s not labelled in the heatmap" % cat)
# Static HTML: nothing fetched from elsewhere, every referenced file present.
tahelp.check(re.search(r'(src|href)="(https?:)?//', html) is None, "index.html loads external resources")
for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
    tahelp.check(os.path.isfile(os.path.join(run, ref)), "index.html refers to missing %s" % ref)
# The scripts redraw by themselves (as the report says).
r = subprocess.run(["gnuplot", "entropy.gp"], cwd=os.path.join(run, "figures"), capture_output=True)
tahelp.check(r.returncode == 0, "figures/entropy.gp does not rerun: %s" % r.stderr[-500:])

# Usage errors.
tahelp.expect_input_error(["report"], ["RUN_DIR"])
tahelp.expect_input_error(["report", os.path.join(tmp, "nope")], ["nope"])
empty = os.path.join(tmp, "empty")
os.makedirs(empty)
tahelp.expect_input_error(["report", empty], ["no complete model file"])
tahelp.finish("pipeline_report")
