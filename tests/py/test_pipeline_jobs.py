"""jobs/: every batch script parses (bash -n), asks for its resources explicitly, has the
signal/requeue directives and launches through ta-job.sh (srun --mpi=pmix); the configs load
(`run --help` is not enough: a dry load through the config reader with the paths overridden);
measure.py passes a stop signal on to its command and reports its exit code, time and memory;
bench-neighbors.sh runs end to end on a tiny problem.
The scripts themselves run on a real Slurm in pipeline_slurm (demo) and were run by hand
(scaling-vocab, reproduce-paper) as the README says."""
import os
import re
import signal
import subprocess
import sys
import time

import tahelp

jobs = os.path.join(tahelp.SRC, "jobs")
tmp = tahelp.tmpdir()
scripts = ["demo.sbatch", "reproduce-paper.sbatch", "scaling-vocab.sbatch"]
for name in scripts + ["ta-job.sh"]:
    p = subprocess.run(["bash", "-n", os.path.join(jobs, name)], capture_output=True, text=True)
    tahelp.check(p.returncode == 0, "%s does not parse: %s" % (name, p.stderr))
for name in scripts:
    text = open(os.path.join(jobs, name)).read()
    directives = re.findall(r"^#SBATCH\s+--([a-z-]+)(?:=(\S+))?", text, re.M)
    keys = {k for k, _ in directives}
    for need in ("nodes", "cpus-per-task", "time", "mem", "signal", "requeue", "open-mode"):
        tahelp.check(need in keys, "%s: no #SBATCH --%s" % (name, need))
    tahelp.check("ntasks" in keys or "ntasks-per-node" in keys, "%s: no task count" % name)
    sig = dict(directives).get("signal", "")
    tahelp.check(re.fullmatch(r"B:USR1@\d+", sig or "") is not None, "%s: --signal=%r" % (name, sig))
    tahelp.check(dict(directives).get("open-mode") == "append", "%s: output not appended across requeues" % name)
    tahelp.check("jobs/ta-job.sh" in text and "ta_step " in text and "ta_finish" in text,
                 "%s: does not use ta-job.sh's ta_step / ta_finish" % name)
lib = open(os.path.join(jobs, "ta-job.sh")).read()
for need in ("srun --mpi=pmix", "OPENBLAS_NUM_THREADS=${SLURM_CPUS_PER_TASK", "trap ",
             "scontrol requeue \"$SLURM_JOB_ID\"", "OMPI_MCA_btl_vader_single_copy_mechanism"):
    tahelp.check(need in lib, "ta-job.sh lacks %r" % need)

# The configs are valid: load each through the real reader with its paths pointed at a
# directory that exists, and stop before the first step (TA_STOP_AFTER=0 -> exit 4).
models = os.path.join(tmp, "m")
os.makedirs(models)
for cfg, n in (("demo.yaml", 2), ("reproduce-paper.yaml", 7)):
    args = ["run", os.path.join(jobs, cfg), "--set", "results_dir=" + os.path.join(tmp, "r")]
    for i in range(n):
        args += ["--set", "models.%d.path=%s" % (i, models)]
    args += ["--set", "translate.dictionaries=" + models]
    p = tahelp.run(args, env={"TA_STOP_AFTER": "0"}, expect=4)
    tahelp.check(os.path.isfile(os.path.join(tmp, "r", "demo" if cfg == "demo.yaml" else "reproduce-paper", "run.yaml")),
                 "%s: no run.yaml written" % cfg)

# measure.py: exit code and row; a USR1 reaches the command, whose exit code is passed back.
out = os.path.join(tmp, "meas")
p = subprocess.run([sys.executable, os.path.join(jobs, "measure.py"), out, "--", "sh", "-c", "exit 3"])
tahelp.check(p.returncode == 3, "measure.py: exit %d, expected 3" % p.returncode)
row = open(out + ".0").read().split("\t")
tahelp.check(len(row) == 3 and row[2].strip() == "3" and int(row[1]) > 0, "measure.py row %r" % row)
child = ("import signal, sys, time\n"
         "signal.signal(signal.SIGUSR1, lambda s, f: sys.exit(4))\n"
         "open(sys.argv[1], 'w').close()\n"
         "time.sleep(30)\n")
ready = os.path.join(tmp, "ready")
p = subprocess.Popen([sys.executable, os.path.join(jobs, "measure.py"), out + "2", "--",
                      sys.executable, "-c", child, ready])
t0 = time.time()
while not os.path.exists(ready) and time.time() - t0 < 20:
    time.sleep(0.05)
p.send_signal(signal.SIGUSR1)
rc = p.wait(timeout=20)
tahelp.check(rc == 4, "measure.py did not pass USR1 on / the exit code back: %d" % rc)

# The benchmarks run end to end on a tiny problem (their numbers are not checked, only that
# every line they promise appears and that tokenatlas agrees with FAISS).
for name in ["bench-neighbors.sh", "bench-neighbors.sbatch"]:
    p = subprocess.run(["bash", "-n", os.path.join(jobs, name)], capture_output=True, text=True)
    tahelp.check(p.returncode == 0, "%s does not parse: %s" % (name, p.stderr))
env = tahelp.mpi_env()
env.update({"TA_BIN": tahelp.BIN, "BENCH_DIR": os.path.join(tmp, "bench"), "N": "1500", "D": "24",
            "K": "7", "TABLE": "0", "GEMM": "bf16x3"})
p = subprocess.run(["bash", os.path.join(jobs, "bench-neighbors.sh")], capture_output=True, text=True,
                   env=env, timeout=300)
tahelp.check(p.returncode == 0, "bench-neighbors.sh failed: %s %s" % (p.stdout[-2000:], p.stderr[-2000:]))
for line in ["tokenatlas 1 rank x 2 threads", "tokenatlas 2 ranks x 1 thread", "FAISS IndexFlatIP (2 threads",
             "FAISS IndexFlatIP, BLAS blocks", "numpy matmul", "speed-up over FAISS", "GEMM limit (bf16x3-",
             "tokenatlas 1 rank x 2 threads, --gemm f32"]:
    tahelp.check(line in p.stdout, "bench-neighbors.sh: no line %r in %s" % (line, p.stdout[-2000:]))
m = re.search(r"tokenatlas returns .*: ([0-9.]+)", p.stdout)
tahelp.check(m is not None and float(m.group(1)) == 1.0, "bench-neighbors.sh: agreement with FAISS %r" % (m and m.group(1)))
tahelp.finish("pipeline_jobs")
