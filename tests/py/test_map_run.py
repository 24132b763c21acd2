#!/usr/bin/env python3
"""map_run: the map step of `tokenatlas run`: steps/<model>.map.h5 holds the same map as the
`map` command run by hand on the step's neighbours file with the config's parameters, and the
assembled results/<run>/<model>.h5 carries it under /map; map.enabled: false and a sample of
queries skip the step; bad map keys exit 2 naming the file, the line and the key.
"""
import os

import numpy as np

import tahelp

h5py = tahelp.need("h5py")
TMP = tahelp.tmpdir()
model = tahelp.synth(os.path.join(TMP, "m"), "script-clustered", 1200, 32, 2)
cfg = os.path.join(TMP, "run.yaml")
with open(cfg, "w") as f:
    f.write("run: r\nresults_dir: %s\nmodels:\n  - name: a\n    path: %s\n"
            "neighbors: {k: 21}\ndiversity: {top: 20}\nprobe: {enabled: false}\n"
            "map: {n_neighbors: 12, min_dist: 0.35, seed: 4}\n" % (os.path.join(TMP, "results"), model))
tahelp.run(["run", cfg], np=2)
steps = os.path.join(TMP, "results", "r", "steps")
with h5py.File(os.path.join(steps, "a.map.h5"), "r") as f:
    xy, attrs = f["map/xy"][()], dict(f["map"].attrs)
tahelp.check(attrs["n_neighbors"] == 12 and attrs["min_dist"] == 0.35 and attrs["seed"] == 4,
             "step attributes %r" % attrs)
by_hand = os.path.join(TMP, "hand.h5")
tahelp.run(["map", "--neighbors", os.path.join(steps, "a.neighbors.h5"), "--n-neighbors", "12",
            "--min-dist", "0.35", "--seed", "4", "--out", by_hand])
with h5py.File(by_hand, "r") as f:
    tahelp.check(f["map/xy"][()].tobytes() == xy.tobytes(), "the step's map differs from `map`")
with h5py.File(os.path.join(TMP, "results", "r", "a.h5"), "r") as f:
    tahelp.check("map" in f and np.array_equal(f["map/xy"][()], xy), "no /map in the assembled file")
    tahelp.check(np.array_equal(f["map/query"][()], np.arange(1200)), "assembled /map/query")
with open(os.path.join(TMP, "results", "r", "run.yaml")) as f:
    text = f.read()
tahelp.check("map:\n  n_neighbors: 12\n  min_dist: 0.35\n  seed: 4\n  enabled: true" in text,
             "run.yaml does not record the map section:\n" + text)

# map.enabled: false, and a sample of queries: no map step.
for name, sets in (("off", ["map.enabled=false"]), ("sample", ["neighbors.queries=sample:0.5:1"])):
    args = ["run", cfg, "--set", "run=" + name]
    for s in sets:
        args += ["--set", s]
    tahelp.run(args)
    # The run's other steps are there (so the missing map is not a run written elsewhere).
    here = os.path.join(TMP, "results", name, "steps")
    tahelp.check(os.path.exists(os.path.join(here, "a.neighbors.h5")),
                 "%s: no neighbours step in %s" % (name, here))
    tahelp.check(not os.path.exists(os.path.join(here, "a.map.h5")), "%s: the map step ran" % name)

# Bad keys.
for val, words in (("map.min_dist=1.5", ["map.min_dist", "0 to 1"]),
                   ("map.n_neighbors=1", ["map.n_neighbors", ">= 2"]),
                   ("map.seed=-3", ["map.seed", ">= 0"])):
    tahelp.expect_input_error(["run", cfg, "--set", val], words)
bad = os.path.join(TMP, "bad.yaml")
with open(bad, "w") as f:
    f.write("run: r\nmodels:\n  - name: a\n    path: %s\nmap:\n  min_dist: far\n" % model)
tahelp.expect_input_error(["run", bad], ["bad.yaml:6", "map.min_dist", "far"])
tahelp.finish("map_run")
