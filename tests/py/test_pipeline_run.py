"""`run` end to end on two tiny synthetic models at 2 ranks: a stop request (TA_STOP_AFTER) ends
the run with exit 4 and the rerun resumes and completes; a third run skips every step; a changed
config is refused for existing step files; every output has complete = 1; the assembled model
file holds every group; its neighbours agree with numpy brute force."""
import os
import re

import h5py
import numpy as np

import tahelp

tahelp.require_commands("synth", "ingest", "neighbors", "diversity", "probe", "translate", "compare")
tmp = tahelp.tmpdir()
models = os.path.join(tmp, "models")
for preset in ("script-clustered", "meaning-aligned"):
    tahelp.run(["synth", "--preset", preset, "--tokens", "2000", "--dim", "32", "--seed", "3",
                "--out", os.path.join(models, preset)])
results = os.path.join(tmp, "results")
cfg = os.path.join(tmp, "tiny.yaml")
with open(cfg, "w") as f:
    f.write("""run: tiny
results_dir: %s
models:
  - name: sc
    path: %s/script-clustered
  - name: ma
    path: %s/meaning-aligned
neighbors: {k: 20, queries: all}
diversity: {top: 10}
probe: {folds: 3, min_tokens: 60, seed: 1}
translate: {dictionaries: %s/script-clustered/dictionaries}
compare: {pairs: [[sc, ma]]}
""" % (results, models, models, models))
rundir = os.path.join(results, "tiny")
steps = os.path.join(rundir, "steps")
log = os.path.join(rundir, "run.log")

# 1. A stop request before anything is done: exit 4, no result, the log says so.
p = tahelp.run(["run", cfg], np=2, env={"TA_STOP_AFTER": "0"}, expect=4)
tahelp.check("rerun" in p.stderr, "exit 4 without the hint to rerun: %s" % p.stderr[-500:])
tahelp.check(not any(f.endswith(".h5") for f in os.listdir(steps)), "a step ran despite the stop")
tahelp.check("stop requested" in open(log).read(), "run.log does not record the stop")

# 2. A stop request during the run (wherever it lands), then resume until complete.
p = tahelp.run(["run", cfg], np=2, env={"TA_STOP_AFTER": "1.0"}, check=False)
tahelp.check(p.returncode in (0, 4), "interrupted run: exit %d: %s" % (p.returncode, p.stderr[-1500:]))
interrupted = p.returncode == 4
p = tahelp.run(["run", cfg], np=2)
text = open(log).read()
if interrupted:
    tahelp.check(re.search(r"interrupted|stop requested before", text) is not None,
                 "run.log does not record the interruption")
    tahelp.check(" skip " in text or "skip (complete" in text or "rerun" in text, "resume not logged")
print("second run %s" % ("interrupted, then resumed" if interrupted else "completed before the stop"))

# 3. Everything complete: a third run skips every step.
p = tahelp.run(["run", cfg], np=2)
last = text_after = open(log).read()[len(text):]
for step in ("sc ingest", "sc neighbors", "sc diversity", "sc probe", "sc translate",
             "ma ingest", "ma neighbors", "ma diversity", "ma probe", "ma translate",
             "sc__ma compare", "sc assemble", "ma assemble"):
    tahelp.check(re.search(re.escape(step) + r": skip", last) is not None,
                 "third run did not skip %s:\n%s" % (step, last))
tahelp.check("start:" not in last, "third run started a step:\n%s" % last)

# Every output complete; the step files are the documented ones.
want = ["%s.%s.h5" % (m, s) for m in ("sc", "ma")
        for s in ("model", "neighbors", "diversity", "probe", "translate")] + ["sc__ma.compare.h5"]
for name in want:
    path = os.path.join(steps, name)
    tahelp.check(os.path.isfile(path), "missing step file %s" % name)
    if os.path.isfile(path):
        with h5py.File(path, "r") as f:
            tahelp.check(int(f.attrs.get("complete", 0)) == 1, "%s: complete != 1" % name)
            cl = f.attrs.get("command_line", b"")
            cl = cl.decode() if isinstance(cl, bytes) else cl
            tahelp.check(cl.startswith("tokenatlas "), "%s: command_line %r" % (name, cl))
tahelp.check(not [f for f in os.listdir(steps) if f.endswith(".tmp")], "temporary files left")

# The assembled files: every group, complete last, provenance of the run.
for m, other in (("sc", "ma"), ("ma", "sc")):
    path = os.path.join(rundir, m + ".h5")
    with h5py.File(path, "r") as f:
        tahelp.check(int(f.attrs.get("complete", 0)) == 1, "%s: complete != 1" % path)
        for g in ("embeddings", "norms", "vocab/token", "vocab/flags", "categories/paper",
                  "categories/paper_names", "categories/script", "neighbors/index",
                  "neighbors/score", "neighbors/query", "diversity", "probe", "translate",
                  "compare/" + other):
            tahelp.check(g in f, "%s: no /%s" % (path, g))
        cl = f.attrs.get("command_line", b"")
        cl = cl.decode() if isinstance(cl, bytes) else cl
        tahelp.check(cl.startswith("tokenatlas run ") and cfg in cl, "%s: command_line %r" % (path, cl))
        cfgtext = f.attrs.get("config", b"")
        cfgtext = cfgtext.decode() if isinstance(cfgtext, bytes) else cfgtext
        tahelp.check("run: " in cfgtext and "tiny" in cfgtext, "%s: config attribute missing" % path)
        # Neighbours against numpy brute force (cosine, best first; compare the scores, which
        # are unambiguous under ties).
        E = f["embeddings"][()].astype(np.float64)
        En = E / np.maximum(np.linalg.norm(E, axis=1, keepdims=True), 1e-30)
        S = En @ En.T
        q = f["neighbors/query"][()]
        idx = f["neighbors/index"][()]
        sc = f["neighbors/score"][()]
        k = idx.shape[1]
        rows = np.arange(0, len(q), 97)
        oracle = -np.sort(-S[q[rows]], axis=1)[:, :k]
        tahelp.check(np.allclose(sc[rows], oracle, atol=2e-5),
                     "%s: neighbour scores differ from numpy: max %g" % (
                         path, np.abs(sc[rows] - oracle).max()))
        got = S[q[rows][:, None], idx[rows]]
        tahelp.check(np.allclose(got, oracle, atol=2e-5), "%s: neighbour ids do not give the top scores" % path)
    tsvs = [x for x in os.listdir(rundir) if x.startswith(m + ".") and x.endswith(".tsv")]
    tahelp.check(len(tsvs) >= 2, "%s: TSV tables beside the .h5: %s" % (m, tsvs))

# Provenance: every step file and assembled file lists its inputs with the size and SHA-256 of
# the file on disk (hashlib is the oracle). The steps run in one process and mostly read the same
# model.h5, whose hash is computed once and reused while the file is unchanged.
import hashlib
hashed = {}
for f_name in sorted(os.listdir(steps)) + ["../sc.h5", "../ma.h5"]:
    path = os.path.join(steps, f_name)
    if not path.endswith(".h5"):
        continue
    with h5py.File(path, "r") as f:
        files = [x.decode() if isinstance(x, bytes) else x for x in f.attrs["input_files"]]
        shas = [x.decode() if isinstance(x, bytes) else x for x in f.attrs["input_sha256"]]
        sizes = list(f.attrs["input_sizes"])
    tahelp.check(len(files) >= 1 and len(files) == len(shas) == len(sizes),
                 "%s: provenance lists %d files, %d hashes, %d sizes" % (f_name, len(files), len(shas), len(sizes)))
    for fp, sha, size in zip(files, shas, sizes):
        if os.path.isdir(fp):
            tahelp.check(sha == "directory", "%s: directory %s hashed as %s" % (f_name, fp, sha))
            continue
        if fp not in hashed:
            hashed[fp] = (os.path.getsize(fp), hashlib.sha256(open(fp, "rb").read()).hexdigest())
        tahelp.check((int(size), sha) == hashed[fp],
                     "%s: input %s recorded as %s / %s, on disk %s / %s" % (f_name, fp, size, sha, *hashed[fp]))
tahelp.check(any(p.endswith("sc.model.h5") for p in hashed), "no step records model.h5 as its input")

# The effective config, the log and the report.
y = open(os.path.join(rundir, "run.yaml")).read()
tahelp.check("k: 20" in y and "tiny" in y, "run.yaml is not the effective config:\n" + y)
for name in ("report.md", "index.html"):
    tahelp.check(os.path.getsize(os.path.join(rundir, name)) > 500, "%s missing" % name)

# The same run at 3 ranks (another run name) gives the same results: the steps called in-process
# are rank-count independent.
p = tahelp.run(["run", cfg, "--set", "run=tiny3"], np=3)
for m in ("sc", "ma"):
    with h5py.File(os.path.join(rundir, m + ".h5"), "r") as f2, \
            h5py.File(os.path.join(results, "tiny3", m + ".h5"), "r") as f3:
        for ds in ("neighbors/index", "neighbors/score", "diversity/histogram",
                   "diversity/count", "probe/mean_accuracy", "translate/count"):
            tahelp.check(np.array_equal(f2[ds][()], f3[ds][()]), "%s: %s differs at 3 ranks" % (m, ds))

# protocol: the probe steps record theirs; a paper run's probe is the paper's (tests/py/
# test_probe_paper.py checks the protocol itself).
# The paper run also gives model sc token counts (models.0.frequencies): its diversity step then
# has the frequency deciles.
freq = os.path.join(tmp, "sc.counts.tsv")
with open(freq, "w") as f:
    f.write("id\tcount\n" + "".join("%d\t%d\n" % (i, (i * 7919) % 101) for i in range(0, 2000, 3)))
p = tahelp.run(["run", cfg, "--set", "run=tinyp", "--set", "protocol=paper", "--set",
                "models.0.frequencies=" + freq], np=2)
tahelp.check("protocol: paper" in open(os.path.join(results, "tinyp", "run.yaml")).read(),
             "run.yaml records protocol: paper")
for m in ("sc", "ma"):
    for run, want in (("tiny", "tokenatlas"), ("tinyp", "paper")):
        with h5py.File(os.path.join(results, run, m + ".h5"), "r") as f:
            got = f["probe"].attrs["protocol"]
            got = got.decode() if isinstance(got, bytes) else got
            tahelp.check(got == want, "%s %s: probe protocol %r, expected %r" % (run, m, got, want))
            tahelp.check(f["probe"].attrs["max_iter"] == (100 if want == "paper" else 10000),
                         "%s %s: probe max_iter" % (run, m))
            # diversity, translate and compare run with the config's protocol too; the paper's
            # extra datasets (hub counts) come with it.
            for grp in ["diversity", "translate"] + ["compare/" + x for x in f["compare"].keys()]:
                got = f[grp].attrs["protocol"]
                got = got.decode() if isinstance(got, bytes) else got
                tahelp.check(got == want, "%s %s: %s protocol %r, expected %r" % (run, m, grp, got, want))
            tahelp.check(("hub_token" in f["diversity"]) == (want == "paper"), "%s %s: hub counts" % (run, m))
            tahelp.check(("freq_decile" in f["diversity"]) == (run == "tinyp" and m == "sc"),
                         "%s %s: frequency deciles only with models.N.frequencies" % (run, m))

# A changed config must not take the old step files as its results.
tahelp.expect_input_error(["run", cfg, "--set", "neighbors.k=15"], ["sc.neighbors.h5", "k 15"], np=2)
tahelp.expect_input_error(["run", cfg, "--set", "neighbors.k=10"], ["neighbors.k = 10", "diversity.top = 10"], np=2)
# Usage errors.
tahelp.expect_input_error(["run"], ["CONFIG"])
tahelp.expect_input_error(["run", cfg, "--set", "nokey"], ["KEY=VALUE"])
tahelp.finish("pipeline_run")
