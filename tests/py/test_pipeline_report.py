"""report RUN_DIR on model files fabricated with h5py (the layout of the README's "HDF5 layout").

Three run directories:
  full     two models with every group the paper's figures and tables read (protocol paper, the
           shared subset, a map, the run's overlap.h5, hubs, vocabulary counts, frequency deciles
           for one model and id deciles for the other): every figure and table is there, each
           caption names the protocol and the subset, and the numbers in the tables are those of
           the datasets (read here with h5py, formatted as the report documents them);
  minimal  models with /diversity only (protocol tokenatlas, no attributes of the paper's): the
           report still comes out, and each figure or table without data is left out with a note;
  hostile  names with newlines, EOD, `!cmd`, `<script>`, '|', backticks, '@' macros and '../':
           nothing runs (marker files a `!touch` or a backquote would create do not appear, also
           when the scripts are rerun), no file lands outside figures/, HTML and Markdown carry
           the texts escaped.
Also: headline numbers recomputed with numpy, incomplete files left out, static HTML, usage
errors."""
import os
import re
import subprocess

import h5py
import numpy as np

import tahelp

tmp = tahelp.tmpdir()
rng = np.random.default_rng(7)
CATS = ["CJK", "CYRILLIC", "HIRAGANA", "LATIN", "N", "P", "S"]
CAT_N = np.array([100, 200, 60, 500, 150, 50, 40], "i8")
PAPER_ORDER = ["LATIN", "CYRILLIC", "CJK", "ARABIC", "GREEK", "HIRAGANA", "THAI", "HEBREW",
               "HANGUL", "KATAKANA", "TAMIL", "GEORGIAN", "DEVANAGARI", "S"]


def vlen(f, name, strings):
    f.create_dataset(name, data=np.array(strings, dtype=object), dtype=h5py.string_dtype("utf-8"))


def summaries(g, prefix, n, lo, hi):
    g.create_dataset(prefix + "_n", data=rng.integers(1, 50, n).astype("i8"))
    g.create_dataset(prefix + "_mean", data=rng.uniform(lo, hi, n))
    g.create_dataset(prefix + "_std", data=rng.uniform(0, 1, n))
    g.create_dataset(prefix + "_ci", data=rng.uniform(0.01, 0.3, n))


def fabricate(path, name, index, spread, cats=CATS, probe=True, paper=True, subset="",
              freq=False, tr=True, cmp=None, mapped=True, complete=1):
    n, d, top = int(CAT_N.sum()), 8, 50
    C = len(cats)
    with h5py.File(path, "w") as f:
        f.attrs["model"] = name
        f.attrs["model_index"] = index
        f.attrs["tool_version"] = "0.1.0"
        f.create_dataset("embeddings", data=rng.standard_normal((n, d)).astype("f4"))
        vlen(f, "vocab/token", ["t%d" % i for i in range(n)])
        code = np.repeat(np.arange(C), CAT_N[:C] if C == len(CAT_N) else n // C + 1)[:n]
        vlen(f, "categories/paper_names", list(cats))
        f.create_dataset("categories/paper", data=code.astype("i4"))
        nb = f.create_group("neighbors")
        nb.attrs["k"] = 100 if paper else 51
        if subset:
            nb.attrs["subset"] = subset
        counts = rng.integers(1, 1 + spread, size=n)
        g = f.create_group("diversity")
        if paper:
            g.attrs["protocol"] = "paper"
        g.attrs["top"] = top
        g.attrs["k"] = 100 if paper else 51
        g.attrs["count_mean"] = counts.mean()
        g.attrs["entropy_mean"] = 0.5 * spread
        g.create_dataset("histogram", data=np.bincount(counts, minlength=top + 2).astype("i8"))
        vlen(g, "categories", list(cats))
        summaries(g, "cat", C, 1, spread)
        del g["cat_n"]
        g.create_dataset("cat_n", data=np.bincount(code, minlength=C).astype("i8"))
        summaries(g, "entropy_cat", C, 0, spread / 2)
        summaries(g, "decile", 10, 1, spread)
        m = rng.uniform(0, 1, (C, C)) + np.eye(C) * 10 / spread
        g.create_dataset("matrix_mean", data=m / m.sum(1, keepdims=True) * top)
        g.create_dataset("matrix_ci", data=rng.uniform(0.01, 0.5, (C, C)))
        g.create_dataset("matrix_std", data=rng.uniform(0.01, 0.5, (C, C)))
        if paper:
            g.create_dataset("matrix_n", data=rng.integers(0, 100, (C, C)).astype("i8"))
            vlen(g, "hub_token", ["hub%d" % i for i in range(30)])
            g.create_dataset("hub_count", data=np.arange(300, 0, -10).astype("i8"))
            g.create_dataset("hub_id", data=np.arange(30).astype("i4"))
            g.attrs["hub_skew"] = 1.25 * spread
            g.create_dataset("vocab_cat_n", data=np.bincount(code, minlength=C).astype("i8"))
        if freq:
            summaries(g, "freq_decile", 10, 1, spread)
            g.create_dataset("freq_decile_min_count", data=np.arange(10).astype("i8"))
            g.create_dataset("freq_decile_max_count", data=np.arange(10).astype("i8") + 5)
            g.attrs["frequencies"] = "/data/counts.tsv"
        if probe:
            p = f.create_group("probe")
            if paper:
                p.attrs["protocol"] = "paper"
            pc = [c for c in cats if c != "P"]
            vlen(p, "names", pc)
            acc = rng.uniform(0.5, 1.0, len(pc)) if spread > 3 else rng.uniform(0.97, 1.0, len(pc))
            p.create_dataset("mean_accuracy", data=acc)
            p.create_dataset("std_accuracy", data=np.full(len(pc), 0.01))
            p.create_dataset("n_tokens", data=np.full(len(pc), 100, "i8"))
            p.attrs["folds"] = 10
        if tr:
            t = f.create_group("translate")
            if paper:
                t.attrs["protocol"] = "paper"
            t.attrs["top"] = 100 if paper else top
            t.attrs["share_mean"] = 0.02 * spread
            vlen(t, "categories", list(cats))
            t.create_dataset("cat_mean", data=rng.uniform(0, 5, C) * spread)
            t.create_dataset("cat_ci", data=rng.uniform(0.01, 0.2, C))
        for other, jac in (cmp or {}).items():
            c = f.create_group("compare/" + other)
            if paper:
                c.attrs["protocol"] = "paper"
            c.attrs["jaccard_mean"] = jac
            c.attrs["jaccard_ci"] = 0.01
            c.attrs["overlap_mean"] = 100 * jac + 10 if paper else jac + 0.1
            c.attrs["overlap_ci"] = 0.5
            c.attrs["n_shared_tokens"] = 900
            c.attrs["n_shared_queries"] = 800
            vlen(c, "categories", list(cats))
            c.create_dataset("jaccard_cat_mean", data=rng.uniform(0, 1, C))
            c.create_dataset("jaccard_cat_ci", data=rng.uniform(0, 0.1, C))
            c.create_dataset("jaccard_cat_n", data=np.full(C, 10, "i8"))
        if mapped:
            q = np.arange(0, n, 2).astype("i4")
            mp = f.create_group("map")
            mp.create_dataset("query", data=q)
            mp.create_dataset("xy", data=(rng.standard_normal((len(q), 2)) * 3
                                          + code[q, None] * 4).astype("f4"))
            mp.attrs["n_neighbors"] = 15
            mp.attrs["min_dist"] = 0.2
            mp.attrs["seed"] = 150
            mp.attrs["subset"] = ""
        f.attrs["complete"] = complete
    return counts


def overlap_file(run, names, sizes):
    os.makedirs(os.path.join(run, "steps"), exist_ok=True)
    m = len(names)
    shared = np.zeros((m, m), "i8")
    latin = np.zeros((m, m), "i8")
    for a in range(m):
        for b in range(m):
            shared[a, b] = sizes[a] if a == b else min(sizes[a], sizes[b]) - 37 * (a + b)
            latin[a, b] = shared[a, b] * 3 // 5
    with h5py.File(os.path.join(run, "steps", "overlap.h5"), "w") as f:
        vlen(f, "overlap/names", names)
        f.create_dataset("overlap/n_tokens", data=np.array(sizes, "i8"))
        f.create_dataset("overlap/shared", data=shared)
        f.create_dataset("overlap/latin", data=latin)
        f.attrs["complete"] = 1
    with open(os.path.join(run, "steps", "overlap.tsv"), "w") as f:
        f.write("a\tb\tn_a\tn_b\tshared\tshare_of_smaller\tlatin_share\n")
    return shared, latin


def read_docs(run):
    text = open(os.path.join(run, "report.md"), encoding="utf-8").read()
    html = open(os.path.join(run, "index.html"), encoding="utf-8").read()
    return text, html


def captions(text):
    return [l for l in text.splitlines() if l.startswith("*Figure")]


def check_static_html(run, html):
    tahelp.check(re.search(r'(src|href)="(https?:)?//', html) is None,
                 "index.html loads external resources")
    for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
        tahelp.check(os.path.isfile(os.path.join(run, ref)), "index.html refers to missing %s" % ref)


def mean_ci(m, c, fmt="%.2f"):
    return (fmt + " ± " + fmt) % (m, c)


def md(text):
    """Text as the report writes it into Markdown (README: a backslash before each of
    \\ ` * _ [ ] ( ) | ~ & # $ !, and < > as &lt; &gt;)."""
    esc = {"<": "&lt;", ">": "&gt;"}
    return "".join(esc.get(ch) or ("\\" + ch if ch in "\\`*_[]()|~&#$!" else ch) for ch in text)


# ---- full: every figure and table -------------------------------------------------------------
run = os.path.join(tmp, "myrun")
os.makedirs(run)
SUB = "results/myrun/steps/overlap.h5:"
c1 = fabricate(os.path.join(run, "clustered.h5"), "clustered", 0, 2, subset=SUB + "clustered",
               freq=True, cmp={"aligned": 0.25})
c2 = fabricate(os.path.join(run, "aligned.h5"), "aligned", 1, 9, subset=SUB + "aligned",
               probe=False, cmp={"clustered": 0.25})
fabricate(os.path.join(run, "broken.h5"), "broken", 2, 3, complete=0)
shared, latin = overlap_file(run, ["clustered", "aligned"], [1100, 1000])
with open(os.path.join(run, "run.yaml"), "w") as f:
    f.write("run: myrun\nmodels:\n  - name: clustered\n    path: /x\n")

p = tahelp.run(["report", run])
doc, html = read_docs(run)

# Headline numbers, recomputed from the fabricated data.
with h5py.File(os.path.join(run, "clustered.h5"), "r") as f:
    acc = f["probe/mean_accuracy"][()].mean() * 100
tahelp.check("%.1f%%" % acc in doc, "mean probe accuracy %.1f%% not in report.md" % acc)
for c in (c1, c2):
    tahelp.check(md("%.2f (top 50)" % c.mean()) in doc, "count mean %.2f not in report.md" % c.mean())
share1 = 100.0 * (c1 == 1).sum() / len(c1)
tahelp.check("%.1f%%" % share1 in doc, "share of one-category tokens %.1f%% missing" % share1)
tahelp.check("99.2%" in doc and "7.61" in doc, "the paper's numbers are not quoted")
tahelp.check(doc.index("| clustered |") < doc.index("| aligned |"), "models not in run order")
tahelp.check("broken" not in doc, "an incomplete file was reported")
tahelp.check("broken.h5" in p.stderr, "the incomplete file was not named in a warning")
tahelp.check(re.search(r"Not in the file .*aligned\.h5: .*/probe", doc) is not None,
             "missing /probe of aligned not named")
tahelp.check("<pre>run&#58; myrun" in doc and "<pre>run: myrun" in html, "config not included")

# Every figure: the script, the PNG, the SVG (the map: PNG only), referenced by both documents.
FIGS = ["map", "overlap", "probe_accuracy", "neighbour_categories", "breakdown_clustered",
        "breakdown_aligned", "deciles", "heatmap_clustered", "heatmap_aligned", "entropy",
        "translation"]
for name in FIGS:
    exts = ("gp", "png") if name == "map" else ("gp", "svg", "png")
    for ext in exts:
        path = os.path.join(run, "figures", name + "." + ext)
        tahelp.check(os.path.isfile(path) and os.path.getsize(path) > 200, "%s missing or empty" % path)
    tahelp.check("figures/%s.png" % name in doc, "%s.png not in report.md" % name)
    tahelp.check('src="figures/%s.%s"' % (name, "png" if name == "map" else "svg") in html,
                 "%s not in index.html" % name)
for n in ("1", "2", "3", "5", "6", "9"):
    tahelp.check(any(c.startswith("*Figure %s" % n) for c in captions(doc)), "no Figure %s caption" % n)
png = open(os.path.join(run, "figures", "map.png"), "rb").read(8)
tahelp.check(png == b"\x89PNG\r\n\x1a\n", "map.png is not a PNG")
svg = open(os.path.join(run, "figures", "neighbour_categories.svg"), encoding="utf-8").read()
for label in ("clustered", "aligned", "tokens (%)"):
    tahelp.check(label in svg, "label %r not drawn in neighbour_categories.svg" % label)
svg = open(os.path.join(run, "figures", "heatmap_clustered.svg"), encoding="utf-8").read()
for cat in CATS:
    tahelp.check(">%s<" % cat in svg, "category %s not labelled in the heatmap" % cat)

# Captions name the protocol and the subset.
for cap in captions(doc):
    if cap.startswith("*Figure 1."):
        tahelp.check("Protocol: any" in cap, "Figure 1's caption lacks the protocol: " + cap)
    elif cap.startswith("*Figure 2."):
        tahelp.check("Protocol: any" in cap and "whole vocabularies" in cap, "Figure 2 caption: " + cap)
    else:
        tahelp.check("Protocol: paper" in cap, "caption without the protocol: " + cap)
    if not cap.startswith("*Figure 2."):
        tahelp.check(md("subset: the tokens all models share (overlap.h5)") in cap,
                     "caption without the subset: " + cap)
# Figure 9: model clustered by frequency, aligned by token id, and the caption says so.
cap9 = [c for c in captions(doc) if c.startswith("*Figure 9")][0]
tahelp.check("frequency" in cap9 and "for clustered" in cap9, "Figure 9 caption: frequency model")
tahelp.check("no frequencies were given" in cap9 and "aligned" in cap9, "Figure 9 caption: id deciles")
# Figure 3 under the paper's protocol: its 13 writing systems and S, in variables.py's order.
gp = open(os.path.join(run, "figures", "probe_accuracy.gp"), encoding="utf-8").read()
shown = re.findall(r'"([A-Z]+)" \d+', re.search(r"set xtics \((.*)\)", gp).group(1))
tahelp.check(shown == [c for c in PAPER_ORDER if c in CATS], "Figure 3 categories %s" % shown)
# Figure 6: the five categories of the paper that the model has (CJK, HIRAGANA, LATIN, CYRILLIC).
gp = open(os.path.join(run, "figures", "breakdown_clustered.gp"), encoding="utf-8").read()
shown = re.findall(r'"([A-Z]+)" \d+', re.search(r"set xtics \((.*)\)", gp).group(1))
tahelp.check(shown == ["HIRAGANA", "CJK", "LATIN", "CYRILLIC"], "Figure 6 categories %s" % shown)

# Tables: the numbers of the datasets (an oracle: h5py on the same files).
with h5py.File(os.path.join(run, "clustered.h5"), "r") as f:
    g = f["diversity"]
    cats = list(g["categories"].asstr()[()])
    ent = g["entropy_cat_mean"][()]
    eci = g["entropy_cat_ci"][()]
    for i, c in enumerate(cats):
        tahelp.check(mean_ci(ent[i], eci[i]) in doc, "entropy of %s (%s) not in the table" % (c, mean_ci(ent[i], eci[i])))
    mat = g["matrix_mean"][()]
    row = "| %s | " % "LATIN" + " | ".join("%.2f" % mat[cats.index("LATIN"), cats.index(b)] for b in
                                          ["LATIN", "CYRILLIC", "N", "CJK", "HIRAGANA", "P", "S"]) + " |"
    tahelp.check(row in doc, "category x category row of LATIN %r not in report.md" % row)
    # The heatmap: a row's neighbours per category, matrix_mean x matrix_n (the paper's mean is
    # over the tokens with such a neighbour), as a share of the row's total, in percent.
    order = ["LATIN", "CYRILLIC", "N", "CJK", "HIRAGANA", "P", "S"]
    cnt = mat * g["matrix_n"][()]
    gp = open(os.path.join(run, "figures", "heatmap_clustered.gp"), encoding="utf-8").read()
    rows = re.search(r"\$map << EOD\n(.*?)EOD", gp, re.S).group(1).strip().split("\n")
    a = cats.index("LATIN")
    want = [100 * cnt[a, cats.index(b)] / cnt[a].sum() for b in order]
    got = [float(x) for x in rows[0].split()]
    tahelp.check(np.allclose(got, want, rtol=1e-5), "heatmap row LATIN %s, expected %s" % (got, want))
    vc = g["vocab_cat_n"][()]
    tot = vc.sum()
    for i, c in enumerate(cats):
        tahelp.check(md("%d (%.2f%%)" % (vc[i], 100.0 * vc[i] / tot)) in doc, "vocabulary count of %s" % c)
    hubs = list(g["hub_token"].asstr()[()])
    hc = g["hub_count"][()]
    tahelp.check("| 1 | %s |" % md("%s (%d)" % (hubs[0], hc[0])) in doc, "hub rank 1 not in report.md")
    tahelp.check("| 30 | %s |" % md("%s (%d)" % (hubs[29], hc[29])) in doc, "hub rank 30 not in report.md")
    tahelp.check("%.3f" % g.attrs["hub_skew"] in doc, "hub skew not in report.md")
    t = f["translate"]
    tm, tci = t["cat_mean"][()], t["cat_ci"][()]
    for i, c in enumerate(cats):
        tahelp.check(mean_ci(tm[i], tci[i]) in doc, "translations of %s not in the table" % c)
    cg = f["compare/aligned"]
    tahelp.check("| clustered | aligned | 900 | 800 | %s | %s |"
                 % (mean_ci(cg.attrs["jaccard_mean"], cg.attrs["jaccard_ci"], "%.3f"),
                    mean_ci(cg.attrs["overlap_mean"], cg.attrs["overlap_ci"], "%.1f")) in doc,
                 "comparison row not in report.md")
    tahelp.check(doc.count("| aligned | clustered |") == 0, "a comparison is listed twice")
    jm, jc = cg["jaccard_cat_mean"][()], cg["jaccard_cat_ci"][()]
    i = list(cg["categories"].asstr()[()]).index("LATIN")
    tahelp.check("| LATIN | %s |" % mean_ci(jm[i], jc[i], "%.3f") in doc, "Jaccard of LATIN by category")
tahelp.check("| clustered | aligned | 1100 | 1000 | %d | %.4f | %.4f |"
             % (shared[0, 1], shared[0, 1] / 1000, latin[0, 1] / shared[0, 1]) in doc,
             "overlap table row not in report.md")
gp = open(os.path.join(run, "figures", "overlap.gp"), encoding="utf-8").read()
block = re.search(r"\$ov1 << EOD\n(.*?)EOD", gp, re.S).group(1).split()
tahelp.check(abs(float(block[1]) - (1 - latin[0, 1] / shared[0, 1])) < 1e-5,
             "overlap.gp: non-LATIN proportion %s" % block[1])
check_static_html(run, html)
r = subprocess.run(["gnuplot", "entropy.gp"], cwd=os.path.join(run, "figures"), capture_output=True)
tahelp.check(r.returncode == 0, "figures/entropy.gp does not rerun: %s" % r.stderr[-500:])

# ---- minimal: each figure or table without data is left out with a note ---------------------
mini = os.path.join(tmp, "mini")
os.makedirs(mini)
for j, nm in enumerate(("m1", "m2")):
    fabricate(os.path.join(mini, nm + ".h5"), nm, j, 3, probe=False, paper=False, tr=False,
              mapped=False, cats=["A1", "B2", "N"])
# A figure that gnuplot cannot write (figures/entropy.svg is a directory) is left out of the
# documents and named; the others are drawn.
os.makedirs(os.path.join(mini, "figures", "entropy.svg"))
tahelp.run(["report", mini])
doc, html = read_docs(mini)
tahelp.check("Figures that could not be drawn:" in doc and "entropy.gp: gnuplot failed" in doc,
             "the failed figure is not named")
tahelp.check("(figures/entropy.png)" not in doc and 'src="figures/entropy' not in html,
             "the failed figure is still in the documents")
tahelp.check(os.path.isfile(os.path.join(mini, "figures", "entropy.log")), "no entropy.log")
for note in ("No Figure 1:", "No Figure 2:", "No Figure 3:", "No Figure 6:",
             "No translation table:", "No comparisons:", "No hub tokens:", "No vocabulary counts:"):
    tahelp.check(note in doc and note in html, "note %r missing" % note)
for name in ("map", "overlap", "probe_accuracy", "translation"):
    tahelp.check(not os.path.exists(os.path.join(mini, "figures", name + ".png")), "%s drawn without data" % name)
for name in ("neighbour_categories", "deciles", "heatmap_m1"):
    tahelp.check(os.path.isfile(os.path.join(mini, "figures", name + ".png")), "%s missing" % name)
for cap in captions(doc):
    tahelp.check("Protocol: not recorded; subset: all tokens." in cap, "minimal caption: " + cap)
cap9 = [c for c in captions(doc) if c.startswith("*Figure 9")][0]
tahelp.check("no frequencies were given" in cap9, "Figure 9 caption without the id-decile note")
check_static_html(mini, html)

# ---- hostile names ---------------------------------------------------------------------------
hostile = os.path.join(tmp, "hostile")
os.makedirs(hostile)
marker = os.path.join(tmp, "MARKER")
EVIL = ["x\nEOD\n!touch %s-1\n" % marker, "<script>alert(1)</script>", "a|b", "`touch %s-2`" % marker,
        "@GPVAL_PWD\"'\\", "LATIN"]
fabricate(os.path.join(hostile, "m.h5"), "../evil\n!touch %s-3\n<script>x</script>|`touch %s-4`" % (marker, marker),
          0, 3, cats=EVIL, cmp={"o`touch %s-5`<b>|": 0.5})
fabricate(os.path.join(hostile, "n.h5"), "plain", 1, 5, cats=EVIL)
before = set(os.listdir(tmp))
tahelp.run(["report", hostile])
figs = os.path.join(hostile, "figures")
for script in sorted(os.listdir(figs)):
    if script.endswith(".gp"):
        r = subprocess.run(["gnuplot", script], cwd=figs, capture_output=True)
        tahelp.check(r.returncode == 0, "%s does not rerun: %s" % (script, r.stderr[-300:]))
        text = open(os.path.join(figs, script), encoding="utf-8").read()
        for line in text.splitlines():
            tahelp.check(not line.startswith("!") and not line.startswith("<script"),
                         "%s: a line of a name became a command: %r" % (script, line))
        tahelp.check("`" not in text.replace("`tokenatlas report`", ""), "%s holds a backquote" % script)
tahelp.check(not [n for n in os.listdir(tmp) if n.startswith("MARKER")], "a hostile name ran a command")
tahelp.check(set(os.listdir(tmp)) == before, "files appeared outside the run directory: %s"
             % (set(os.listdir(tmp)) - before))
tahelp.check(all(n.startswith(("heatmap", "breakdown", "map", "overlap", "probe", "neighbour",
                               "deciles", "entropy", "translation", "gnuplot-")) and "/" not in n
                 for n in os.listdir(figs)), "unexpected figure names: %s" % os.listdir(figs))
tahelp.check(os.path.isfile(os.path.join(figs, "heatmap_1.svg")), "the hostile model's heatmap is not heatmap_1")
doc, html = read_docs(hostile)
tahelp.check("<script>" not in html and "&lt;script&gt;" in html, "index.html: <script> not escaped")
tahelp.check("<b>" not in html, "index.html: <b> not escaped")
tahelp.check("<script" not in doc and "&lt;script&gt;" in doc, "report.md: <script> not escaped")
tahelp.check("a\\|b" in doc and "\\`touch" in doc, "report.md: | or ` not escaped")
# Every Markdown table keeps its columns: the unescaped '|' of each row equal the header's.
lines = doc.splitlines()
for i, l in enumerate(lines):
    if l.startswith("|") and i > 0 and not lines[i - 1].startswith("|"):
        cols = len(re.findall(r"(?<!\\)\|", l))
        k = i + 1
        while k < len(lines) and lines[k].startswith("|"):
            tahelp.check(len(re.findall(r"(?<!\\)\|", lines[k])) == cols,
                         "report.md table row has the wrong columns: %r" % lines[k])
            k += 1
    tahelp.check(not l.startswith(("!touch", "EOD", "<script")), "report.md line %r" % l)
check_static_html(hostile, html)

# ---- usage errors ------------------------------------------------------------------------------
tahelp.expect_input_error(["report"], ["RUN_DIR"])
tahelp.expect_input_error(["report", os.path.join(tmp, "nope")], ["nope"])
empty = os.path.join(tmp, "empty")
os.makedirs(empty)
tahelp.expect_input_error(["report", empty], ["no complete model file"])
tahelp.finish("pipeline_report")
