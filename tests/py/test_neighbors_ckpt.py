"""neighbors: interruption and resume. (1) TA_STOP_AFTER=0 interrupts after every tile step
and every block of queries of the rescoring: repeated runs resume from every position of the
schedule (every ring step, the partial-state exchange, every rescoring step) at 1 rank (without
mpirun), 2 and 3 ranks (at 1 and 2, with 1 and 2 threads per rank in turn; at 2 also with the bf16
screen) and end byte-identical (index and score arrays) to an uninterrupted run; (2) a checkpoint of
other parameters, another rank count or another --gemm is refused with exit 2 naming it; (3) kill
-USR1 to mpirun (forwarded to the ranks) and SIGTERM to the ranks (what Slurm sends) save a
checkpoint and exit 4, kill -TERM to mpirun saves it too (mpirun exits 1) or, when the stop reaches
the ranks after their last safe point, leaves the complete result, and the rerun resumes; (4) SIGKILL of one rank ends the job with a non-zero status within 30 s; (5) the
OpenBLAS re-exec path sets the kernel it names."""
import os
import signal
import subprocess
import time
import numpy as np
import h5py
import tahelp as t

tmp = t.tmpdir()
rng = np.random.default_rng(77)
small = os.path.join(tmp, "small.npy")
np.save(small, rng.standard_normal((203, 16)).astype(np.float32))


def arrays(path):
    with h5py.File(path, "r") as f:
        return f["neighbors/index"][:], f["neighbors/score"][:]


def same(a, b):
    return np.array_equal(a[0], b[0]) and np.array_equal(a[1].view(np.int32), b[1].view(np.int32))


# 1. Resume from every position.
refp = os.path.join(tmp, "ref.h5")
t.run(["neighbors", "--embeddings", small, "-k", "9", "--out", refp, "--quiet"], np=1)
ref = arrays(refp)
for np_, br, alternate, gemm in [(None, 32, True, "f32"), (2, 32, True, "f32"), (3, 24, False, "f32"),
                                 (2, 24, True, "bf16")]:
    P = np_ or 1
    out = os.path.join(tmp, "stop-%d-%s.h5" % (P, gemm))
    runs = 0
    steps = set()
    while runs < 80:
        threads = str(1 + runs % 2) if alternate else "1"
        p = t.run(["neighbors", "--embeddings", small, "-k", "9", "--out", out, "--block-rows", str(br), "--quiet",
                   "--threads", threads, "--gemm", gemm], np=np_, env={"TA_STOP_AFTER": "0"}, check=False)
        runs += 1
        if p.returncode == 0:
            break
        if not t.check(p.returncode == 4, "interrupted run exits 4, got %d: %s" % (p.returncode, p.stderr[-1500:])):
            break
        if t.check(os.path.exists(out + ".ckpt/MANIFEST"), "checkpoint manifest after exit 4"):
            with open(out + ".ckpt/MANIFEST") as f:
                steps.add(int(f.read().split("position ")[1].split()[0]))
        t.check(not os.path.exists(out), "no output while interrupted")
    t.check(runs > 5, "np=%d: %d runs, expected one per tile step" % (P, runs))
    # Ring steps 0 .. P/2 of the main phase, then P rescoring steps numbered from P/2 + 1.
    main_steps = P // 2 + 1
    t.check(steps == set(range(main_steps + P)),
            "np=%d: checkpoints in every main and rescoring step, got %r" % (P, sorted(steps)))
    t.check(os.path.exists(out) and same(arrays(out), ref), "np=%d: resumed result byte-identical" % P)
    t.check(not os.path.exists(out + ".ckpt"), "checkpoint removed after success")

# 2. A checkpoint of other parameters or rank count is refused.
out = os.path.join(tmp, "mismatch.h5")
base = ["neighbors", "--embeddings", small, "--out", out, "--block-rows", "16", "--quiet"]
p = t.run(base + ["-k", "9"], np=2, env={"TA_STOP_AFTER": "0"}, expect=4)
t.expect_input_error(base + ["-k", "8"], [out + ".ckpt", "k 9"], np=2)
t.expect_input_error(base + ["-k", "9"], [out + ".ckpt", "ranks 2"], np=3)
t.expect_input_error(base + ["-k", "9", "--gemm", "bf16"], [out + ".ckpt", "gemm "], np=2)
t.run(base + ["-k", "9"], np=2)
t.check(same(arrays(out), ref), "matching checkpoint resumed after refusals")

# 3 and 4 need a run that lasts a few seconds (about 3 s at 2 ranks here: mpirun forwards a
# SIGTERM to the ranks only about a second after it receives it).
big = os.path.join(tmp, "big.npy")
np.save(big, rng.standard_normal((32000, 384)).astype(np.float32))
bigargs = ["neighbors", "--embeddings", big, "-k", "10", "--block-rows", "256"]
env = t.mpi_env()
env["TA_PROGRESS_INTERVAL"] = "0.05"


def start(out, np_=2, grace=None):
    """Starts a run in the background. grace: odls_base_sigkill_timeout (default 1 s), which
    mpirun sleeps before it sends SIGTERM to the ranks and again before it kills them when it is
    told to stop itself (see 3c). mpirun also sleeps it twice whenever it ends a job after a
    rank's non-zero exit (exit 4 included), so it is raised only where needed."""
    cmd = ["mpirun", "--oversubscribe", "--bind-to", "none", "-np", str(np_), t.BIN] + bigargs + ["--out", out]
    e = dict(env)
    if grace:
        e["OMPI_MCA_odls_base_sigkill_timeout"] = str(grace)
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e)


def wait_progress(p, what, timeout=120):
    """Waits for the first progress line of rank 0 (the tile loop is running). A job that ended
    before tokenatlas printed its first line never started (mpirun failed to launch it, e.g. on
    a machine short of resources): that is reported and the caller may start it again. Returns
    True (running), False (failed: reported), or None (not launched: start again)."""
    t0 = time.time()
    seen = []
    while time.time() - t0 < timeout:
        line = p.stderr.readline()
        seen.append(line)
        if "tiles (" in line:
            return True
        if not line and p.poll() is not None:
            break
    started = any(l.startswith("tokenatlas:") for l in seen)
    rc = p.poll()
    if rc is None:
        p.kill()
        p.wait()
    print("%s: %s after %.1f s, exit status %s; its stderr:\n%s" %
          (what, "no progress line" if started else "job not launched", time.time() - t0, rc,
           "".join(seen[-30:])))
    return False if started or rc is None else None


def start_running(out, what, np_=2, grace=None):
    """start() until the tile loop runs (at most 3 launches); the process, or None (failed)."""
    for attempt in range(3):
        p = start(out, np_, grace)
        state = wait_progress(p, what)
        if state:
            return p
        if state is False:
            break
    t.fail("%s: progress line before the signal" % what)
    return None


def ranks_of(p):
    out = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()
    return [int(x) for x in out]


bigref = os.path.join(tmp, "bigref.h5")
t_big = time.time()
t.run(bigargs + ["--out", bigref, "--quiet"], np=2)
t_big = time.time() - t_big
bref = arrays(bigref)

def interrupt_case(name, what, send, exit_ok, exit_desc, grace=None, late_ok=False):
    """Starts the 2-rank run, sends the signal(s) once the tile loop runs, checks the exit code,
    the checkpoint, and that the rerun resumes from it with the uninterrupted run's arrays.
    late_ok: the signal may reach the ranks after their last safe point (mpirun delays it); the
    run must then leave the complete result and no checkpoint."""
    out = os.path.join(tmp, name + ".h5")
    p = start_running(out, what, grace=grace)
    if p is None:
        return
    t0 = time.time()
    send(p)
    p.communicate(timeout=120)
    print("%s: exit %d after %.1f s" % (what, p.returncode, time.time() - t0))
    if late_ok and os.path.exists(out) and not os.path.exists(out + ".ckpt"):
        print("%s: the stop came after the last safe point: complete result" % what)
        t.check(same(arrays(out), bref), "%s: complete result byte-identical" % what)
        return
    t.check(exit_ok(p.returncode), "%s: %s, got %d" % (what, exit_desc, p.returncode))
    t.check(os.path.exists(out + ".ckpt/MANIFEST"), "%s: checkpoint saved" % what)
    r = t.run(bigargs + ["--out", out], np=2)
    t.check("resuming from the checkpoint" in r.stderr, "%s: the rerun resumes" % what)
    t.check(same(arrays(out), bref), "%s: resumed result byte-identical" % what)


def term_ranks(p):
    for pid in ranks_of(p):
        os.kill(pid, signal.SIGTERM)


# 3a. kill -USR1 mpirun: Open MPI forwards SIGUSR1 to the ranks.
interrupt_case("usr1", "SIGUSR1 to mpirun", lambda p: p.send_signal(signal.SIGUSR1), lambda rc: rc == 4, "exit 4")
# 3b. SIGTERM to every rank (as Slurm does at the time limit).
interrupt_case("term", "SIGTERM to the ranks", term_ranks, lambda rc: rc == 4, "exit 4")
# 3c. kill -TERM mpirun: Open MPI 4.1 sends the ranks SIGCONT, sleeps odls_base_sigkill_timeout
#     (G), sends SIGTERM, sleeps G again, sends SIGKILL; mpirun itself then exits non-zero (1)
#     whatever the ranks return. So the ranks see the stop G seconds after mpirun and have G
#     seconds to save: G must be shorter than what is left of the run (with a fixed 10 s, a run
#     of 4-5 s on an idle machine ended before the stop arrived and left no checkpoint) and
#     longer than a save. A third of the uninterrupted run's wall time measured just before
#     (at least 2 s) scales with the machine's load; should the stop still reach the ranks
#     after their last safe point, the contract asks for the complete result instead.
grace = max(2, min(10, int(t_big / 3)))
print("uninterrupted 2-rank run %.1f s: mpirun grace %d s" % (t_big, grace))
interrupt_case("term-mpirun", "SIGTERM to mpirun", lambda p: p.send_signal(signal.SIGTERM), lambda rc: rc != 0,
               "non-zero exit", grace=grace, late_ok=True)

# 4. A rank killed with SIGKILL: mpirun ends the job, non-zero, within 30 s.
# The default grace (1 s): mpirun's SIGTERM to the survivors makes them try to agree on a stop
# with the dead rank; its SIGKILL one second later ends them.
out = os.path.join(tmp, "kill.h5")
p = start_running(out, "SIGKILL of a rank", np_=3)
if p is not None:
    victims = ranks_of(p)
    t.check(len(victims) == 3, "three rank processes: %r" % victims)
    t0 = time.time()
    os.kill(victims[-1], signal.SIGKILL)
    try:
        p.communicate(timeout=30)
        dt = time.time() - t0
        t.check(p.returncode != 0, "job with a dead rank exits non-zero")
        print("dead rank: job ended after %.1f s with status %d" % (dt, p.returncode))
    except subprocess.TimeoutExpired:
        p.kill()
        t.fail("job with a dead rank still running after 30 s")
    t.check(not os.path.exists(out), "no output from the killed job")

# 5. OpenBLAS re-exec: forcing the current kernel to count as generic re-executes with
#    OPENBLAS_CORETYPE set to the CPU's best kernel, which OpenBLAS then uses.
out = os.path.join(tmp, "blas.h5")
e = {"TA_BLAS_FORCE_GENERIC": "1"}
e.pop("OPENBLAS_CORETYPE", None)
envb = dict(os.environ)
envb.pop("OPENBLAS_CORETYPE", None)
envb["TA_BLAS_FORCE_GENERIC"] = "1"
p = subprocess.run([t.BIN, "neighbors", "--embeddings", small, "-k", "3", "--out", out, "--quiet"],
                   capture_output=True, text=True, env=envb)
t.check(p.returncode == 0, "forced re-exec run: %s" % p.stderr[-1000:])
if os.path.exists(out):
    with h5py.File(out, "r") as f:
        reexec = f.attrs.get("blas_reexec")
        core = f.attrs.get("blas_core")
    reexec = reexec.decode() if isinstance(reexec, bytes) else reexec
    core = core.decode() if isinstance(core, bytes) else core
    t.check(reexec in ("SKYLAKEX", "HASWELL", "SANDYBRIDGE"), "blas_reexec names the kernel: %r" % reexec)
    t.check(core is not None and reexec is not None and core.lower() == reexec.lower(),
            "after the re-exec OpenBLAS uses %r: %r" % (reexec, core))
out2 = os.path.join(tmp, "noblas.h5")
envb.pop("TA_BLAS_FORCE_GENERIC")
t.run(["neighbors", "--embeddings", small, "-k", "3", "--out", out2, "--quiet"])
with h5py.File(out2, "r") as f:
    t.check("blas_reexec" not in f.attrs, "no re-exec when OpenBLAS picked a good kernel")

t.finish("neighbors_ckpt")
