"""The batch scripts on a real single-node Slurm (tests/slurm/cluster.sh: private munged,
slurmctld and slurmd under a temporary directory). Submits jobs/demo.sbatch on small synthetic
models with `sbatch --wait` and checks its results (not only the exit code); then runs the
signal -> checkpoint -> requeue -> resume cycle: USR1 to the batch shell (as #SBATCH
--signal=B:USR1@120 sends it before the time limit), which forwards it to the running step; the
step exits 4, the job requeues itself, and the requeued job resumes and finishes with the same
results as the uninterrupted job. The daemons are stopped by PID in every case. Skipped (77), with
the reason, where Slurm cannot start."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

import tahelp

tahelp.require_commands("synth", "ingest", "neighbors", "diversity", "probe", "translate", "compare")
CLUSTER = os.path.join(tahelp.SRC, "tests", "slurm", "cluster.sh")
tmp = tahelp.tmpdir()
# Unix socket paths are limited to 108 bytes: the cluster lives in a short /tmp directory.
cdir = tempfile.mkdtemp(prefix="ta-slurm-", dir="/tmp")
env = tahelp.mpi_env()
env.update({"SLURM_CONF": os.path.join(cdir, "slurm.conf"), "TA_TOP": tahelp.SRC,
            "TA_BIN": tahelp.BIN, "TA_DEMO_TOKENS": "3000", "TA_DEMO_DIM": "64",
            "TA_RUN_ARGS": "--set probe.min_tokens=100 --set probe.folds=5"})
env.pop("OPENBLAS_NUM_THREADS", None)  # the job script sets it from SLURM_CPUS_PER_TASK


# Every wait below ends before CTest's TIMEOUT (420 s), so that the finally clause always gets to
# stop the daemons.
DEADLINE = time.time() + 290


def left(cap):
    return max(1.0, min(cap, DEADLINE - time.time()))


def sh(args, check=True, timeout=60):
    p = subprocess.run(args, capture_output=True, text=True, env=env, timeout=timeout, cwd=tmp)
    if check and p.returncode != 0:
        tahelp.fail("%s: exit %d\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return p


def job_field(jobid, field):
    p = sh(["scontrol", "show", "job", str(jobid)], check=False)
    m = re.search(r"\b%s=(\S+)" % field, p.stdout)
    return m.group(1) if m else None


def show_out(path):
    if os.path.isfile(path):
        print("---- %s ----\n%s" % (path, open(path).read()[-6000:]))


def check_results(results, label):
    """The demo's results: complete files, numbers present, the planted contrast."""
    run = os.path.join(results, "demo")
    summary = {}
    for m in ("script-clustered", "meaning-aligned"):
        path = os.path.join(run, m + ".h5")
        if not tahelp.check(os.path.isfile(path), "%s: %s missing" % (label, path)):
            return None
        with h5py.File(path, "r") as f:
            tahelp.check(int(f.attrs.get("complete", 0)) == 1, "%s: %s not complete" % (label, path))
            acc = f["probe/mean_accuracy"][()] if "probe/mean_accuracy" in f else np.array([])
            tahelp.check(acc.size > 0, "%s: %s has no probe accuracies" % (label, path))
            hist = f["diversity/histogram"][()]
            counts = np.arange(len(hist))
            mean_span = (hist * counts).sum() / max(hist.sum(), 1)
            summary[m] = {"acc": float(acc.mean()) if acc.size else float("nan"),
                          "span": float(mean_span),
                          "index": f["neighbors/index"][()], "score": f["neighbors/score"][()]}
    for name in ("report.md", "index.html", "run.log", "run.yaml"):
        tahelp.check(os.path.isfile(os.path.join(run, name)), "%s: %s missing" % (label, name))
    steps = os.path.join(run, "steps")
    for name in os.listdir(steps):
        if name.endswith(".h5"):
            with h5py.File(os.path.join(steps, name), "r") as f:
                tahelp.check(int(f.attrs.get("complete", 0)) == 1, "%s: steps/%s not complete" % (label, name))
    sc, ma = summary["script-clustered"], summary["meaning-aligned"]
    print("%s: probe accuracy %.3f vs %.3f; mean categories spanned %.2f vs %.2f"
          % (label, sc["acc"], ma["acc"], sc["span"], ma["span"]))
    tahelp.check(sc["acc"] > ma["acc"], "%s: script-clustered probes not above meaning-aligned" % label)
    tahelp.check(sc["span"] < ma["span"], "%s: script-clustered neighbourhoods not narrower" % label)
    return summary


def submit(results, out, extra=()):
    e = dict(env)
    e["TA_RESULTS"] = results
    p = subprocess.run(["sbatch", "--parsable", "--output=" + out] + list(extra)
                       + [os.path.join(tahelp.SRC, "jobs", "demo.sbatch")],
                       capture_output=True, text=True, env=e, cwd=tmp, timeout=60)
    if p.returncode != 0:
        tahelp.fail("sbatch: exit %d: %s" % (p.returncode, p.stderr))
        return None
    return int(p.stdout.strip().split(";")[0])


def wait_state(jobid, states, timeout):
    t0 = time.time()
    while time.time() - t0 < timeout:
        s = job_field(jobid, "JobState")
        if s in states:
            return s
        time.sleep(0.5)
    return job_field(jobid, "JobState")


started = False
try:
    p = subprocess.run([CLUSTER, "start", cdir], capture_output=True, text=True, timeout=120)
    if p.returncode == 77:
        tahelp.skip(p.stderr.strip() or "Slurm cannot start here")
    if p.returncode != 0:
        tahelp.fail("cluster.sh start: exit %d\n%s%s" % (p.returncode, p.stdout, p.stderr))
        tahelp.finish("pipeline_slurm")
    started = True
    t0 = time.time()

    # 1. The demo job, uninterrupted, with sbatch --wait.
    res1 = os.path.join(tmp, "results-plain")
    out1 = os.path.join(tmp, "demo-plain.out")
    e = dict(env)
    e["TA_RESULTS"] = res1
    p = subprocess.run(["sbatch", "--wait", "--output=" + out1,
                        os.path.join(tahelp.SRC, "jobs", "demo.sbatch")],
                       capture_output=True, text=True, env=e, cwd=tmp, timeout=left(200))
    if not tahelp.check(p.returncode == 0, "demo job: sbatch --wait exit %d: %s" % (p.returncode, p.stderr)):
        show_out(out1)
    plain = check_results(res1, "demo job")
    print("demo job: %.1f s" % (time.time() - t0))

    # 2. Signal -> checkpoint -> requeue -> resume.
    t1 = time.time()
    res2 = os.path.join(tmp, "results-requeued")
    out2 = os.path.join(tmp, "demo-requeued.out")
    jobid = submit(res2, out2)
    if jobid is not None:
        log = os.path.join(res2, "demo", "run.log")
        # Signal while the pipeline runs, as early into the neighbours step as we can see it.
        deadline = time.time() + left(120)
        while time.time() < deadline:
            if os.path.isfile(log) and "neighbors: start" in open(log).read():
                break
            if job_field(jobid, "JobState") in ("COMPLETED", "FAILED", "CANCELLED"):
                break
            time.sleep(0.05)
        sh(["scancel", "--batch", "--signal=USR1", str(jobid)])
        # The job requeues itself; Slurm starts the next allocation after the job credential's
        # lifetime (cred_expire = 10 s in the test cluster, so about 11 s). Forcing an earlier
        # start (scontrol update StartTime=now) races with the revoked credential of the job's
        # previous run under the same id: slurmctld then kills the batch job ("Job credential
        # revoked") and the job ends FAILED, which is what a real requeue never does.
        deadline = time.time() + left(120)
        while time.time() < deadline:
            restarts = job_field(jobid, "Restarts")
            state = job_field(jobid, "JobState")
            if restarts and int(restarts) >= 1:
                break
            if state in ("COMPLETED", "FAILED", "CANCELLED"):
                break
            time.sleep(0.3)
        state = wait_state(jobid, ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"), left(300))
        restarts = int(job_field(jobid, "Restarts") or 0)
        text = open(out2).read() if os.path.isfile(out2) else ""
        ok = tahelp.check(state == "COMPLETED", "requeued job ended %s" % state)
        ok = tahelp.check(restarts >= 1, "job was not requeued (Restarts=%d)" % restarts) and ok
        ok = tahelp.check("forwarding it to the running step" in text or "between steps" in text,
                          "the batch shell did not see the signal") and ok
        ok = tahelp.check("requeueing job" in text, "no requeue after exit 4") and ok
        ok = tahelp.check("restart 1" in text, "the restarted job did not run") and ok
        if not ok:
            show_out(out2)
        runlog = open(log).read() if os.path.isfile(log) else ""
        tahelp.check(re.search(r"interrupted|stop requested before", runlog) is not None,
                     "run.log shows no interruption:\n" + runlog)
        where = re.findall(r"(\S+ \S+): (interrupted|stop requested before)", runlog)
        print("interrupted at: %s" % where)
        again = check_results(res2, "requeued job")
        if plain and again:
            for m in plain:
                tahelp.check(np.array_equal(plain[m]["index"], again[m]["index"]) and
                             np.array_equal(plain[m]["score"], again[m]["score"]),
                             "%s: neighbours differ between the plain and the requeued job" % m)
                tahelp.check(plain[m]["acc"] == again[m]["acc"],
                             "%s: probe accuracy differs after requeue" % m)
    print("requeue cycle: %.1f s" % (time.time() - t1))

    # 3. The scaling study as a job array (two tiny sizes), with its collecting job.
    t2 = time.time()
    res3 = os.path.join(tmp, "results-scaling")
    e = dict(env)
    e.update({"TA_RESULTS": res3, "TA_SCALING_NS": "1500 2500", "TA_SCALING_DIM": "16",
              "TA_SCALING_PROBE": "0"})
    p = subprocess.run(["sbatch", "--parsable", "--array=0-1", "--ntasks=1", "--cpus-per-task=1",
                        "--mem=1G", "--output=" + os.path.join(tmp, "scaling-%A_%a.out"),
                        os.path.join(tahelp.SRC, "jobs", "scaling-vocab.sbatch")],
                       capture_output=True, text=True, env=e, cwd=tmp, timeout=60)
    tahelp.check(p.returncode == 0, "sbatch scaling-vocab: %s" % p.stderr)
    table_md = os.path.join(res3, "scaling-vocab", "table.md")
    deadline = time.time() + left(120)
    while time.time() < deadline and not os.path.isfile(table_md):
        time.sleep(0.5)
    if tahelp.check(os.path.isfile(table_md), "the collecting job wrote no table.md"):
        rows = [l.split("\t") for l in open(os.path.join(res3, "scaling-vocab", "table.tsv")).read().splitlines()[1:]]
        got = {(r[0], r[2]) for r in rows if r[7] == "0" and float(r[5]) > 0 and int(r[6]) > 0}
        for n in ("1500", "2500"):
            for step in ("synth", "ingest", "neighbors"):
                tahelp.check((n, step) in got, "scaling table: no good row for N=%s %s: %s" % (n, step, rows))
            nb = os.path.join(res3, "scaling-vocab", "n" + n, "neighbors.h5")
            with h5py.File(nb, "r") as f:
                tahelp.check(int(f.attrs.get("complete", 0)) == 1 and f["neighbors/index"].shape == (int(n), 100),
                             "%s: not a complete 100-neighbour file" % nb)
        md = open(table_md).read()
        tahelp.check(md.count("| 1500 |") == 3 and md.count("| 2500 |") == 3, "table.md rows:\n" + md)
    else:
        for name in sorted(os.listdir(tmp)):
            if name.startswith("scaling-"):
                show_out(os.path.join(tmp, name))
    print("scaling array: %.1f s" % (time.time() - t2))
finally:
    if started:
        subprocess.run([CLUSTER, "stop", cdir], timeout=100)
    if os.environ.get("TA_KEEP_SLURM"):
        print("kept " + cdir)
    else:
        shutil.rmtree(cdir, ignore_errors=True)
tahelp.finish("pipeline_slurm")
