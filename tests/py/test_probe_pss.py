"""probe_pss: the normalised matrix is held once per node (mpi/ta_shm.h, issue 14).

A 40,000 x 512 float32 matrix (80 MB, far more than everything else probe holds) and two probed
categories, A (every third token) and the rest: their balanced samples take 26,668 rows, two thirds
of the matrix, which the fits read from the shared matrix through row lists
(kernels/ta_probe.h: ta_probe_fit_rows) instead of copying them per rank. The memory the ranks of the job really use together is the sum of their
proportional set sizes (tests/py/pss.py: a page shared by k processes counts 1/k in each), sampled
every 20 ms; its peak is compared with that of the same job at 1 rank:
  - 2 ranks, shared memory: at most 1.3x the 1-rank peak (a private copy per rank would be 2x);
  - 2 ranks over TCP (OMPI_MCA_btl=tcp,self, as between nodes): the window is still shared (the
    one-sided sm component needs no shared-memory transport), at most 1.3x;
  - 2 ranks without a shared-memory window (OMPI_MCA_osc=^sm: MPI_Win_allocate_shared fails): each
    rank holds its own copy, said in a warning, at least 1.6x (the measurement sees the copies);
  - 2 ranks whose window's backing directory (osc_sm_backing_directory) is a 10 MB tmpfs, as a
    container's small /dev/shm (root only: mount -t tmpfs; otherwise this case is skipped): a
    private copy per rank with a warning naming the directory, instead of the hang inside
    MPI_Win_allocate_shared that Open MPI 4.1 shows there.
Every run's TSV is byte-identical to the 1-rank run's."""
import os
import subprocess
import numpy as np
import pss
import tahelp as t

tmp = t.tmpdir()
rng = np.random.default_rng(14)
N, d = 40000, 512
emb = os.path.join(tmp, "emb.npy")
np.save(emb, rng.standard_normal((N, d)).astype(np.float32))
cats = os.path.join(tmp, "cats.tsv")
with open(cats, "w") as f:
    f.write("id\tcategory\ttoken\n")
    for i in range(N):
        f.write("%d\t%s\ttok%d\n" % (i, "A" if i % 3 == 0 else "REST", i))

TCP = {"OMPI_MCA_pml": "ob1", "OMPI_MCA_btl": "tcp,self", "OMPI_MCA_btl_tcp_if_include": "lo"}


def measure(np_, name, extra=None):
    out = os.path.join(tmp, name + ".tsv")
    env = t.mpi_env()
    env.update(extra or {})
    cmd = ["mpirun", "--oversubscribe", "--bind-to", "none", "-np", str(np_), t.BIN, "probe",
           "--embeddings", emb, "--categories", cats, "--folds", "2", "--min-tokens", "500", "--out", out]
    rc, peak, ranks, sec, err = pss.run_peak(cmd, env)
    print("%s: %d rank(s), peak summed PSS %.1f MB, %.1f s" % (name, ranks, peak / 1024, sec))
    t.check(rc == 0, "%s: exit %d: %s" % (name, rc, err[-2000:]))
    t.check(ranks == np_, "%s: %d rank processes seen, expected %d" % (name, ranks, np_))
    data = open(out, "rb").read() if os.path.exists(out) else None
    return peak, data, err


small = os.path.join(tmp, "small-shm")
os.makedirs(small, exist_ok=True)
mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=10m", "tmpfs", small],
                         capture_output=True, text=True).returncode == 0
cases = [("np2", None, 0, 1.3, None), ("np2-tcp", TCP, 0, 1.3, None),
         ("np2-private", {"OMPI_MCA_osc": "^sm"}, 1.6, 99,
          "no shared-memory window for a 81920000-byte matrix (MPI_Win_allocate_shared failed")]
if mounted:
    cases.append(("np2-small-shm", {"OMPI_MCA_osc_sm_backing_directory": small}, 1.6, 99,
                  "no shared-memory window for a 81920000-byte matrix (%s has" % small))
else:
    print("np2-small-shm: skipped: cannot mount a 10 MB tmpfs (needs root)")
try:
    one, ref, _ = measure(1, "np1")
    t.check(ref is not None and one > 80 * 1024, "1 rank: output written, peak %d kB holds the 80 MB matrix" % one)
    for name, extra, lo, hi, warning in cases:
        peak, data, err = measure(2, name, extra)
        ratio = peak / one if one else 0
        print("%s: %.2fx the 1-rank peak" % (name, ratio))
        t.check(lo <= ratio <= hi, "%s: summed PSS %.2fx the 1-rank peak, expected within [%g, %g]" %
                (name, ratio, lo, hi))
        t.check(data == ref, "%s: TSV byte-identical to the 1-rank run" % name)
        private = "no shared-memory window" in err
        t.check(private == (warning is not None) and (warning is None or warning in err),
                "%s: private-copy warning %s, expected %r: %s" %
                (name, "present" if private else "absent", warning, err[-1500:]))
finally:
    if mounted:
        subprocess.run(["umount", "-l", small])

t.finish("probe_pss")
