"""Proportional set size (PSS) of a running MPI job: the memory its ranks really use together.

A page that k processes map counts 1/k in each one's Pss (/proc/PID/smaps_rollup), so the sum of
the ranks' Pss counts a page that the ranks of a node share (an MPI-3 shared-memory window, the
shared libraries) once, and a page that every rank holds a private copy of once per rank. RSS
would count the shared pages once per rank.

run_peak(cmd, env) starts cmd (mpirun ... tokenatlas ...), samples the summed Pss of its
tokenatlas processes every `interval` seconds until it ends, and returns (exit code, peak summed
Pss in kB, number of ranks seen, seconds, stderr). Used by tests/py/test_probe_pss.py."""
import os
import subprocess
import time


def _children(pid):
    kids = []
    try:
        for task in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, task)) as f:
                kids += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return kids


def descendants(pid):
    """Every process below pid (mpirun's ranks are its children; a wrapper may add a level)."""
    out, todo = [], [pid]
    while todo:
        for k in _children(todo.pop()):
            out.append(k)
            todo.append(k)
    return out


def pss_kb(pid):
    """Pss of one process in kB (0 when it has gone)."""
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def is_rank(pid, name):
    try:
        return os.path.basename(os.readlink("/proc/%d/exe" % pid)) == name
    except OSError:
        return False


def run_peak(cmd, env=None, name="tokenatlas", interval=0.02, timeout=600):
    """Runs cmd; returns (returncode, peak summed Pss kB of the `name` processes, ranks seen,
    seconds, stderr text)."""
    t0 = time.time()
    err_path = "/tmp/pss-%d.err" % os.getpid()
    with open(err_path, "w") as err:
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        peak, seen = 0, set()
        while p.poll() is None:
            if time.time() - t0 > timeout:
                p.kill()
                break
            ranks = [q for q in descendants(p.pid) if is_rank(q, name)]
            if not ranks and is_rank(p.pid, name):
                ranks = [p.pid]
            seen.update(ranks)
            # The ranks are read one after the other, not at once: a rank that unmaps a shared
            # page (MPI_Win_free, exit) between two reads leaves the other as its only mapper,
            # which then counts it whole while the first reading still counted half. Reading in
            # both orders and keeping the smaller sum drops such a mixed snapshot; a real peak
            # lasts far longer than the two readings.
            fwd = sum(pss_kb(q) for q in ranks)
            bwd = sum(pss_kb(q) for q in reversed(ranks))
            peak = max(peak, min(fwd, bwd))
            time.sleep(interval)
        rc = p.wait()
    with open(err_path) as f:
        text = f.read()
    os.unlink(err_path)
    return rc, peak, len(seen), time.time() - t0, text
