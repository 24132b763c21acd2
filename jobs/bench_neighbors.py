"""Helpers of jobs/bench-neighbors.sh: random data, the FAISS and numpy baselines, and the
comparison of their neighbours with tokenatlas's output.

  bench_neighbors.py data N D OUT.npy          random N x D float32 (seed 1), C order
  bench_neighbors.py faiss X.npy K THREADS [QBS DBS]
                                               IndexFlatIP on the L2-normalised rows; prints
                                               wall seconds and CPU seconds (user + system).
                                               QBS, DBS: FAISS's BLAS block sizes
                                               (distance_compute_blas_query_bs and _database_bs;
                                               defaults 4096 and 1024)
  bench_neighbors.py numpy X.npy K THREADS     blocked matmul + argpartition; the same
  bench_neighbors.py agree X.npy OUT.h5 K      share of tokenatlas neighbours FAISS also returns
"""
import resource
import sys
import time
import numpy as np


def normalised(path):
    x = np.load(path, mmap_mode="r")
    x = np.ascontiguousarray(x, dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    cmd = sys.argv[1]
    if cmd == "data":
        n, d, out = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
        rng = np.random.default_rng(1)
        np.save(out, rng.standard_normal((n, d), dtype=np.float32))
        return
    if cmd == "faiss":
        import faiss
        path, k, th = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        faiss.omp_set_num_threads(th)
        if len(sys.argv) > 6:
            faiss.cvar.distance_compute_blas_query_bs = int(sys.argv[5])
            faiss.cvar.distance_compute_blas_database_bs = int(sys.argv[6])
        t0 = time.time()
        x = normalised(path)
        index = faiss.IndexFlatIP(x.shape[1])
        index.add(x)
        c0 = cpu()
        index.search(x, k)
        print("%.3f %.1f" % (time.time() - t0, cpu() - c0))
        return
    if cmd == "numpy":
        path, k = sys.argv[2], int(sys.argv[3])
        t0 = time.time()
        c0 = cpu()
        x = normalised(path)
        n = len(x)
        I = np.empty((n, k), dtype=np.int64)
        for i0 in range(0, n, 2048):
            s = x[i0:i0 + 2048] @ x.T
            p = np.argpartition(-s, k - 1, axis=1)[:, :k]
            ps = np.take_along_axis(s, p, axis=1)
            o = np.argsort(-ps, axis=1, kind="stable")
            I[i0:i0 + 2048] = np.take_along_axis(p, o, axis=1)
        print("%.3f %.1f" % (time.time() - t0, cpu() - c0))
        return
    if cmd == "agree":
        import faiss
        import h5py
        path, out, k = sys.argv[2], sys.argv[3], int(sys.argv[4])
        x = normalised(path)
        with h5py.File(out, "r") as f:
            ti = f["neighbors/index"][:2000]
        index = faiss.IndexFlatIP(x.shape[1])
        index.add(x)
        _, fi = index.search(x[:2000], k)
        same = np.mean([len(set(a) & set(b)) / k for a, b in zip(ti, fi)])
        print("%.5f" % same)
        return
    sys.exit("bench_neighbors.py: unknown command " + cmd)


main()
