"""mpi_deadrank: a rank that dies (SIGKILL, as the OOM killer sends) during probe, diversity, ingest
or run ends the whole job within a bound, with a non-zero status and no output marked complete
(issue 14). Each command runs at 3 ranks on one synthetic model; rank 2 is stopped (SIGSTOP) once
the command is at work: for probe once rank 0 prints the progress of its first task farm, for run
once the pipeline starts its neighbours step, for ingest and diversity (which print no progress
before their end) once rank 2 has its input file open. A second later it is killed (SIGKILL); if
the others had finished a complete output meanwhile (rank 2 was past its last collective: a fast
command, a late trigger), the case starts again. Open MPI's mpirun notices the dead rank, sends the
others SIGTERM (they ask to stop, and a stop is agreed with the dead rank in vain) and kills them a
second later (odls_base_sigkill_timeout). The bound asserted is 60 s; the times seen are printed.
The same under TCP (tcp_mpi_deadrank)."""
import os
import signal
import subprocess
import threading
import time
import h5py
import tahelp as t

BOUND = 60
tmp = t.tmpdir()
model = os.path.join(tmp, "m")
t.run(["synth", "--preset", "script-clustered", "--tokens", "20000", "--dim", "64", "--seed", "3", "--out", model])
cats = os.path.join(tmp, "cats.tsv")
t.run(["categorize", "--vocab", os.path.join(model, "tokenizer.json"), "--out", cats])
nb = os.path.join(tmp, "nb.h5")
t.run(["neighbors", "--embeddings", os.path.join(model, "model.safetensors"), "-k", "51", "--out", nb, "--quiet"])
env = t.mpi_env()
env["TA_PROGRESS_INTERVAL"] = "0.05"


def rank_pids(p):
    """{rank: pid} of the job's tokenatlas processes (OMPI_COMM_WORLD_RANK in their environment)."""
    out = {}
    kids = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()
    for pid in map(int, kids):
        try:
            with open("/proc/%d/environ" % pid, "rb") as f:
                for kv in f.read().split(b"\0"):
                    if kv.startswith(b"OMPI_COMM_WORLD_RANK="):
                        out[int(kv.split(b"=")[1])] = pid
        except OSError:
            pass
    return out


def has_open(pid, path):
    try:
        fds = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == path:
                return True
        except OSError:
            pass
    return False


def complete(path):
    """Whether path is an HDF5 file whose root says complete = 1."""
    if not os.path.exists(path):
        return False
    try:
        with h5py.File(path, "r") as f:
            return int(f.attrs.get("complete", 0)) == 1
    except OSError:
        return False


def attempt(name, args, at_work, outputs, cwd):
    """One start: rank 2 is stopped (SIGSTOP) once at_work(stderr lines, pid) holds. If the others
    still finish a complete output without it, the trigger came after rank 2's last collective:
    returns None (start again). Otherwise rank 2 is killed (SIGKILL) and the job must end within
    BOUND s, non-zero, with none of outputs complete. Returns True when that was checked."""
    cmd = ["mpirun", "--oversubscribe", "--bind-to", "none", "-np", "3", t.BIN] + args
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(iter(p.stderr.readline, "")), daemon=True)
    reader.start()
    t0, victim, pids = time.time(), None, {}
    while time.time() - t0 < 300 and p.poll() is None:
        if len(pids) < 3:
            pids = rank_pids(p)
        if len(pids) == 3 and at_work(lines, pids[2]):
            victim = pids[2]
            os.kill(victim, signal.SIGSTOP)
            break
        time.sleep(0.002)
    if not t.check(victim is not None, "%s: never saw the command at work (exit %s): %s" %
                   (name, p.poll(), "".join(lines[-20:]))):
        p.kill()
        p.wait()
        return True
    time.sleep(1.0)
    late = any(complete(o) for o in outputs)
    tk = time.time()
    os.kill(victim, signal.SIGKILL)
    try:
        rc = p.wait(timeout=BOUND)
    except subprocess.TimeoutExpired:
        t.fail("%s: the job with a dead rank still runs %d s after the kill" % (name, BOUND))
        p.kill()
        p.wait()
        return True
    dt = time.time() - tk
    reader.join(5)
    if late:
        print("%s: rank 2 was stopped after its last collective (the output was complete): again" % name)
        return None
    print("%s: rank 2 stopped %.1f s after the start and killed; the job ended %.1f s later, status %d"
          % (name, tk - 1.0 - t0, dt, rc))
    t.check(rc != 0, "%s: the job with a dead rank exits non-zero" % name)
    for o in outputs:
        t.check(not complete(o), "%s: %s is marked complete" % (name, o))
        if not o.endswith(".h5"):
            t.check(not os.path.exists(o), "%s: %s written" % (name, o))
    return True


def case(name, args, at_work, outputs, cwd=None):
    for _ in range(5):
        for o in outputs:
            if os.path.exists(o):
                os.unlink(o)
        if attempt(name, args, at_work, outputs, cwd):
            return
    t.fail("%s: the trigger came after the end of the work 5 times" % name)


def line_with(text):
    return lambda lines, pid: any(text in l for l in lines)


def file_open(path):
    real = os.path.realpath(path)
    return lambda lines, pid: has_open(pid, real)


out = os.path.join(tmp, "probe.h5")
case("probe", ["probe", "--embeddings", os.path.join(model, "model.safetensors"), "--categories", cats,
               "--min-tokens", "100", "--folds", "10", "--out", out],
     line_with("probe: full fits"), [out, os.path.join(tmp, "probe.tsv")])

out = os.path.join(tmp, "div.h5")
case("diversity", ["diversity", "--neighbors", nb, "--categories", cats, "--top", "50",
                   "--embeddings", os.path.join(model, "model.safetensors"), "--out", out],
     file_open(nb), [out, os.path.join(tmp, "div.tsv")])

out = os.path.join(tmp, "model.h5")
case("ingest", ["ingest", "--model", model, "--out", out],
     file_open(os.path.join(model, "model.safetensors")), [out])

# run: the demo pipeline over two copies of the model, killed in its neighbours step.
rdir = os.path.join(tmp, "run")
os.makedirs(rdir, exist_ok=True)
with open(os.path.join(rdir, "job.yaml"), "w") as f:
    f.write("run: dead\nmodels:\n  - name: a\n    path: %s\n  - name: b\n    path: %s\n"
            "neighbors: {k: 51, queries: all}\ndiversity: {top: 50}\n"
            "probe: {folds: 10, min_tokens: 100, seed: 1}\n" % (model, model))
case("run", ["run", "job.yaml", "--set", "results_dir=."], line_with("neighbors: start"),
     [os.path.join(rdir, "dead", n) for n in ("a.h5", "b.h5", "steps/a.neighbors.h5")], cwd=rdir)

t.finish("mpi_deadrank")
