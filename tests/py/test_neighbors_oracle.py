"""neighbors_oracle: exact top-k cosine neighbours against a float64 numpy brute-force oracle; identical
index and score arrays for 1-4 ranks, 1-3 threads per rank, tile sizes down to 5 rows and every --gemm
(f32, bf16, bf16x3: the bf16 screens give the f32 screen's arrays); queries all / sample / file;
--exclude-self; zero-norm rows; planted duplicates (exact ties ordered by index, including more
tied rows than k + slack so that the exact fallback runs); TSV output; FAISS IndexFlatIP; bad
parameters exit 2."""
import os
import numpy as np
import h5py
import tahelp as t

TOL = 2e-5
tmp = t.tmpdir()


def make_data():
    rng = np.random.default_rng(20231)
    n, d = 257, 19
    x = rng.standard_normal((n, d)).astype(np.float32)
    x[10] = 0.0                      # zero-norm row
    x[50] = x[7]; x[51] = x[7]       # exact duplicates of row 7
    x[52] = 2 * x[7]                 # same direction: identical normalised row
    x[100:140] = x[99]               # 41 identical rows: more ties than k + slack
    x[200] = -x[201]
    for i in range(10):              # near-duplicates of row 149, closer than the bf16 error
        x[150 + i] = x[149] + np.float32(10.0 ** -(1 + i % 6)) * rng.standard_normal(d).astype(np.float32)
    return x


X = make_data()
N, D = X.shape
NPY = os.path.join(tmp, "x.npy")
np.save(NPY, X)
X64 = X.astype(np.float64)
NORM = np.linalg.norm(X64, axis=1)
OK = NORM > 0
Y = X64 / np.where(OK, NORM, 1.0)[:, None]
S = Y @ Y.T
S[:, ~OK] = -np.inf


def load(path):
    with h5py.File(path, "r") as f:
        g = f["neighbors"]
        return (g["index"][:], g["score"][:], g["query"][:], dict(g.attrs), dict(f.attrs))


def check_oracle(path, k, queries, exclude_self=False, what=""):
    idx, sc, q, attrs, root = load(path)
    t.check(idx.shape == (len(queries), k) and sc.shape == idx.shape, "%s: shapes %s" % (what, idx.shape))
    t.check(np.array_equal(q, queries), "%s: /neighbors/query" % what)
    t.check(attrs.get("k") == k and attrs.get("n_tokens") == N and attrs.get("exclude_self") == int(exclude_self),
            "%s: attributes %r" % (what, attrs))
    t.check(root.get("complete") == 1, "%s: complete = 1" % what)
    bad = 0
    for r, qi in enumerate(queries):
        if not OK[qi]:
            if not (np.all(idx[r] == -1) and np.all(np.isnan(sc[r]))):
                bad += 1
                t.fail("%s: zero row %d should have index -1 / score NaN: %r" % (what, qi, idx[r]))
            continue
        s = S[qi].copy()
        if exclude_self:
            s[qi] = -np.inf
        order = np.lexsort((np.arange(N), -s))
        kth = s[order[k - 1]]
        got = idx[r]
        if np.any(got < 0) or np.any(~OK[got]) or (exclude_self and qi in got) or len(set(got)) != k:
            bad += 1
            t.fail("%s: query %d: invalid neighbours %r" % (what, qi, got))
            continue
        if not np.allclose(sc[r], s[got], atol=TOL, rtol=0):
            bad += 1
            t.fail("%s: query %d: scores differ from the oracle by %g" % (what, qi, np.max(np.abs(sc[r] - s[got]))))
        if np.min(s[got]) < kth - TOL:
            bad += 1
            t.fail("%s: query %d: a neighbour is farther than the true k-th" % what)
        ok_order = all(sc[r][e] > sc[r][e + 1] or (sc[r][e] == sc[r][e + 1] and got[e] < got[e + 1]) for e in range(k - 1))
        if not ok_order:
            bad += 1
            t.fail("%s: query %d: not sorted best first / ties by index: %r %r" % (what, qi, got, sc[r]))
        if bad > 5:
            break
    return idx, sc


def run_nb(out, args, np_=None, expect=0):
    return t.run(["neighbors", "--embeddings", NPY, "--out", out, "--quiet"] + args, np=np_, expect=expect)


ALL = np.arange(N, dtype=np.int32)
K = 12

# 1. Queries = all: 1, 2, 3, 4 ranks, 1-3 threads per rank (the threads split each tile's
#    columns in multiples of 16 and its rows) and several tile sizes, identical arrays; oracle
#    on the first.
ref = None
for np_, br, th in [(None, 0, 1), (1, 5, 1), (2, 7, 1), (3, 16, 1), (4, 5, 1), (2, 0, 1), (3, 7, 1),
                    (4, 16, 1), (None, 0, 2), (1, 40, 3), (1, 5, 2), (2, 33, 2), (3, 7, 3), (4, 48, 2)]:
    out = os.path.join(tmp, "all-%s-%d-%d.h5" % (np_, br, th))
    run_nb(out, ["-k", str(K), "--block-rows", str(br), "--threads", str(th)], np_=np_)
    if not os.path.exists(out):
        continue
    if ref is None:
        ref = check_oracle(out, K, ALL, what="all np=%s" % np_)
        idx, sc = ref
        # planted duplicates: rows 7, 50, 51, 52 tie at the top, ordered by index
        t.check(list(idx[7][:4]) == [7, 50, 51, 52] and len(set(sc[7][:4])) == 1,
                "duplicates of row 7 first and by index: %r %r" % (idx[7][:4], sc[7][:4]))
        t.check(list(idx[120]) == [99] + list(range(100, 100 + K - 1)),
                "41 identical rows: the first k by index: %r" % idx[120])
        t.check(10 not in idx, "the zero row is never a neighbour")
        with h5py.File(out, "r") as f:
            t.check(f.attrs.get("blas_core") not in (None, b"", ""), "blas_core attribute")
            t.check(float(f.attrs.get("gflops", 0)) > 0 and float(f.attrs.get("seconds", 0)) > 0,
                    "gflops and seconds attributes")
    else:
        idx, sc, _, _, _ = load(out)
        t.check(np.array_equal(idx, ref[0]), "index identical to 1 rank: np=%s block-rows %d threads %d" % (np_, br, th))
        t.check(np.array_equal(sc.view(np.int32), ref[1].view(np.int32)),
                "scores bit-identical to 1 rank: np=%s block-rows %d threads %d" % (np_, br, th))

# 1b. The bf16 screens (oneDNN where the CPU runs bf16, else bf16 operands on SGEMM): the same
#     arrays bit for bit as the f32 screen, over ranks, threads, tiles and the query subset path;
#     the engine is recorded.
if ref is not None:
    with h5py.File(os.path.join(tmp, "all-None-0-1.h5"), "r") as f:
        t.check(f.attrs.get("gemm") in ("f32-openblas", "bf16x3-amx"),
                "--gemm auto: f32, or bf16x3 on AMX: %r" % f.attrs.get("gemm"))
    for np_, br, th, gemm in [(None, 0, 1, "bf16"), (2, 7, 1, "bf16"), (3, 16, 2, "bf16x3"),
                              (1, 5, 3, "bf16x3"), (4, 5, 1, "bf16"), (2, 33, 2, "bf16"),
                              (1, 0, 1, "f32")]:
        out = os.path.join(tmp, "gemm-%s-%s-%d-%d.h5" % (gemm, np_, br, th))
        run_nb(out, ["-k", str(K), "--block-rows", str(br), "--threads", str(th), "--gemm", gemm], np_=np_)
        if not os.path.exists(out):
            continue
        idx, sc, _, _, root = load(out)
        what = "--gemm %s np=%s block-rows %d threads %d" % (gemm, np_, br, th)
        t.check(np.array_equal(idx, ref[0]) and np.array_equal(sc.view(np.int32), ref[1].view(np.int32)),
                "%s: arrays bit-identical to the f32 screen" % what)
        eng = root.get("gemm")
        eng = eng.decode() if isinstance(eng, bytes) else eng
        t.check(eng == "f32-openblas" if gemm == "f32" else str(eng).startswith(gemm + "-"),
                "%s: gemm attribute %r" % (what, eng))
    outg = os.path.join(tmp, "gemm-sample.h5")
    run_nb(outg, ["-k", str(K), "--queries", "sample:0.3:5", "--block-rows", "7", "--gemm", "bf16"], np_=3)
    gq = load(outg)
    t.check(np.array_equal(gq[0], ref[0][gq[2]]) and np.array_equal(gq[1].view(np.int32), ref[1][gq[2]].view(np.int32)),
            "--gemm bf16 with sampled queries: the all-queries f32 rows bit for bit")

# 2. Exclude self, k = 1 and k = N.
out = os.path.join(tmp, "excl.h5")
run_nb(out, ["-k", "5", "--exclude-self", "--block-rows", "7"], np_=3)
check_oracle(out, 5, ALL, exclude_self=True, what="exclude-self")
out1 = os.path.join(tmp, "k1.h5")
run_nb(out1, ["-k", "1", "--block-rows", "5"], np_=2)
idx1, _, _, _, _ = load(out1)
t.check(all(idx1[i][0] == (i if i not in (50, 51, 52) else 7) or not OK[i] or (100 <= i < 140 and idx1[i][0] == 99)
            or (150 <= i < 160 and idx1[i][0] == 149)
            for i in range(N)), "k = 1: each row's nearest is itself (or its lowest-index (near-)duplicate, "
        "whose score rounds to the same float)")
outN = os.path.join(tmp, "kN.h5")
run_nb(outN, ["-k", str(N), "--block-rows", "16"], np_=2)
idxN, scN, _, _, _ = load(outN)
t.check(np.all(idxN[OK][:, :N - 1] >= 0) and np.all(idxN[OK][:, N - 1] == -1),
        "k = N with a zero row: N-1 neighbours then -1")

# 3. Sampled queries: ids sorted and unique, same neighbours for 1 and 3 ranks, equal to the
#    rows of the all-queries run (the non-symmetric path agrees with the symmetric one).
outs1 = os.path.join(tmp, "s1.h5")
outs3 = os.path.join(tmp, "s3.h5")
run_nb(outs1, ["-k", str(K), "--queries", "sample:0.1:7", "--block-rows", "7"], np_=1)
run_nb(outs3, ["-k", str(K), "--queries", "sample:0.1:7", "--block-rows", "16", "--threads", "2"], np_=3)
a, b = load(outs1), load(outs3)
qs = a[2]
t.check(len(qs) == round(0.1 * N) and np.all(np.diff(qs) > 0), "sample size and order: %r" % qs)
t.check(np.array_equal(a[0], b[0]) and np.array_equal(a[1].view(np.int32), b[1].view(np.int32)) and np.array_equal(qs, b[2]),
        "sample: identical for 1 and 3 ranks (x 2 threads)")
if ref is not None:
    t.check(np.array_equal(a[0], ref[0][qs]) and np.array_equal(a[1].view(np.int32), ref[1][qs].view(np.int32)),
            "sample rows equal the all-queries rows bit for bit")
check_oracle(outs1, K, qs, what="sample")
outs_seed = os.path.join(tmp, "s2.h5")
run_nb(outs_seed, ["-k", "3", "--queries", "sample:0.1:8"], np_=1)
t.check(not np.array_equal(load(outs_seed)[2], qs), "another seed gives another sample")

# 4. Queries from a file (unsorted, comments, the zero row among them), 4 ranks.
qfile = os.path.join(tmp, "q.txt")
with open(qfile, "w") as f:
    f.write("# query ids\n200\n7\n  10\n\n256\n0 # first\n120\n")
outq = os.path.join(tmp, "q.h5")
run_nb(outq, ["-k", str(K), "--queries", qfile, "--block-rows", "65536"], np_=4)
qids = np.array([0, 7, 10, 120, 200, 256], dtype=np.int32)
check_oracle(outq, K, qids, what="queries file")
if ref is not None:
    qi = load(outq)
    t.check(np.array_equal(qi[0], ref[0][qids]), "queries file rows equal the all-queries rows")

# 5. TSV in the paper's layout with a vocabulary file.
vocab = os.path.join(tmp, "vocab.txt")
with open(vocab, "w") as f:
    for i in range(N):
        f.write("tok%d\n" % i)
tsv = os.path.join(tmp, "n.tsv")
run_nb(os.path.join(tmp, "tsv.h5"), ["-k", "3", "--queries", qfile, "--tsv", tsv, "--vocab", vocab], np_=2)
with open(tsv) as f:
    lines = f.read().splitlines()
t.check(lines[0] == "score\tquery_id\tquery_token\tneighbor_id\tneighbor_token", "TSV header: %r" % lines[0])
rows = [l.split("\t") for l in lines[1:]]
t.check(len(rows) == 3 * (len(qids) - 1), "TSV: 3 lines per non-zero query: %d" % len(rows))
t.check(rows[0][1:] == ["0", "tok0", "0", "tok0"] and abs(float(rows[0][0]) - 1.0) < 1e-5,
        "TSV first line: %r" % rows[0])
t.check(all(r[2] == "tok" + r[1] and r[4] == "tok" + r[3] for r in rows), "TSV tokens match ids")

# 5b. A model.h5 (synth -> ingest): tokens from its /vocab/token in the TSV, /vocab/token copied;
#     the HF directory itself gives the same neighbours.
syn = os.path.join(tmp, "syn")
p1 = t.run(["synth", "--preset", "script-clustered", "--tokens", "300", "--dim", "24", "--seed", "3", "--out", syn], check=False)
model = os.path.join(tmp, "model.h5")
p2 = t.run(["ingest", "--model", syn, "--out", model], check=False) if p1.returncode == 0 else p1
if t.check(p2.returncode == 0, "synth + ingest for the model.h5 case: %s" % p2.stderr[-800:]):
    outm = os.path.join(tmp, "model-nn.h5")
    tsvm = os.path.join(tmp, "model-nn.tsv")
    t.run(["neighbors", "--embeddings", model, "--out", outm, "-k", "4", "--tsv", tsvm, "--quiet"], np=2)
    with h5py.File(model, "r") as f:
        toks = [x.decode() for x in f["vocab/token"][:]]
        emb = f["embeddings"][:].astype(np.float64)
    with h5py.File(outm, "r") as f:
        t.check([x.decode() for x in f["vocab/token"][:]] == toks, "/vocab/token copied from the model.h5")
        mi = f["neighbors/index"][:]
    en = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-30)
    ms = en @ en.T
    t.check(all(ms[q, mi[q, -1]] >= np.sort(ms[q])[-4] - TOL for q in range(len(toks)) if mi[q, 0] >= 0),
            "model.h5 neighbours against the oracle")
    with open(tsvm, encoding="utf-8") as f:
        body = [l.split("\t") for l in f.read().splitlines()[1:]]
    t.check(len(body) > 0 and all(r[2] == toks[int(r[1])].replace("\\", "\\\\") or "\\" in r[2] for r in body[:200]),
            "TSV query tokens are the model's tokens")
    outd = os.path.join(tmp, "dir-nn.h5")
    t.run(["neighbors", "--embeddings", syn, "--out", outd, "-k", "4", "--quiet"], np=3)
    with h5py.File(outd, "r") as f:
        t.check(np.array_equal(f["neighbors/index"][:], mi), "HF directory and its model.h5 give the same neighbours")

# 6. FAISS IndexFlatIP on the normalised rows (float32): same neighbours up to near-ties.
try:
    import faiss
except ImportError:
    faiss = None
if faiss is not None:
    rng = np.random.default_rng(5)
    xf = rng.standard_normal((1500, 48)).astype(np.float32)
    fnpy = os.path.join(tmp, "f.npy")
    np.save(fnpy, xf)
    outf = os.path.join(tmp, "f.h5")
    t.run(["neighbors", "--embeddings", fnpy, "--out", outf, "-k", "10", "--quiet"], np=2)
    xn = xf / np.linalg.norm(xf, axis=1, keepdims=True)
    index = faiss.IndexFlatIP(48)
    index.add(xn)
    fs, fi = index.search(xn, 10)
    ti, ts, _, _, _ = load(outf)
    t.check(np.allclose(ts, fs, atol=1e-5), "FAISS scores agree within 1e-5")
    diff = np.sum(ti != fi)
    # differing positions are only allowed where FAISS's scores tie within float error
    near = np.sum((ti != fi) & (np.abs(np.diff(np.concatenate([fs, fs[:, -1:] - 1], axis=1), axis=1)) < 1e-5))
    t.check(diff == near, "FAISS neighbours identical except near-ties: %d differ, %d near-ties" % (diff, near))

# 7. Bad parameters and inputs exit 2 with one error line.
out = os.path.join(tmp, "bad.h5")
t.expect_input_error(["neighbors", "--embeddings", NPY, "-k", "0", "--out", out], ["k"])
t.expect_input_error(["neighbors", "--embeddings", NPY, "-k", str(N + 1), "--out", out], ["-k"])
t.expect_input_error(["neighbors", "--embeddings", NPY, "-k", str(N), "--exclude-self", "--out", out], ["exclude-self"])
t.expect_input_error(["neighbors", "--embeddings", NPY, "-k", "3", "--queries", "sample:0:1", "--out", out], ["sample"])
t.expect_input_error(["neighbors", "--embeddings", NPY, "-k", "3", "--queries", "sample:0.5:x", "--out", out], ["seed"])
bq = os.path.join(tmp, "badq.txt")
with open(bq, "w") as f:
    f.write("1\n2\n%d\n" % N)
t.expect_input_error(["neighbors", "--embeddings", NPY, "-k", "3", "--queries", bq, "--out", out], [bq + ":3"], np=2)
t.expect_input_error(["neighbors", "--embeddings", NPY, "-k", "3"], ["--out"])
t.expect_input_error(["neighbors", "--embeddings", NPY, "-k", "3", "--gemm", "fp8", "--out", out], ["--gemm"])
t.expect_input_error(["neighbors", "-k", "3", "--out", out], ["--embeddings"])
nanx = X.copy()
nanx[33, 2] = np.nan
nanp = os.path.join(tmp, "nan.npy")
np.save(nanp, nanx)
t.expect_input_error(["neighbors", "--embeddings", nanp, "-k", "3", "--out", out], ["row 33"], np=2)
t.check(not os.path.exists(out), "no output after errors")

t.finish("neighbors_oracle")
