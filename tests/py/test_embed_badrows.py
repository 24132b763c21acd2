"""Bad rows in an embedding matrix, through every command that normalises rows or takes their
norms (neighbors, probe, diversity --embeddings, ingest): all go through the one row normaliser,
so a row holding a NaN or an infinity is an input error (exit 2, one line naming the file, the
row and the column) and a row of zeros gives one warning naming the file, the count and, where
the rank that holds it prints, the first row. Cases are hand-made: the bad cells are planted."""
import os

import numpy as np

import statsfix as sf
import tahelp as t

T = t.tmpdir()
rng = np.random.default_rng(11)
N, D = 120, 8
X = rng.standard_normal((N, D)).astype(np.float32)
cats = os.path.join(T, "cats.tsv")
sf.write_categories(cats, ["A" if i % 2 else "B" for i in range(N)])
nb = os.path.join(T, "nb.h5")
sf.write_neighbors(nb, [[i, (i + 1) % N] for i in range(N)], list(range(N)), N)


def save(name, M):
    path = os.path.join(T, name)
    np.save(path, M)
    return path


def commands(emb, case):
    """Each command on emb, as (name, argv); argv[-1] is the output."""
    o = lambda name: os.path.join(T, "%s-%s.h5" % (case, name))
    return [("neighbors", ["neighbors", "--embeddings", emb, "-k", "3", "--out", o("neighbors")]),
            ("probe", ["probe", "--embeddings", emb, "--categories", cats, "--min-tokens", "10",
                       "--folds", "3", "--out", o("probe")]),
            ("diversity", ["diversity", "--neighbors", nb, "--categories", cats, "--top", "1",
                           "--embeddings", emb, "--out", o("diversity")]),
            ("ingest", ["ingest", "--model", emb, "--vocab", vocab, "--out", o("ingest")])]


vocab = os.path.join(T, "vocab.json")
sf.write_vocab_json(vocab, ["tok%d" % i for i in range(N)])

# NaN in row 97 (on the last rank at 2 and 3 ranks), then -Inf in row 3 (on rank 0).
for what, row, col, value in (("NaN", 97, 5, np.nan), ("Inf", 3, 0, -np.inf)):
    M = X.copy()
    M[row, col] = value
    emb = save("%s.npy" % what, M)
    for name, argv in commands(emb, what):
        for np_ in (1, 3):
            p = t.expect_input_error(argv, [emb, "row %d" % row, "column %d" % col, what], np=np_)
            t.check(not os.path.exists(argv[-1]), "%s %s np=%d: output left behind" % (name, what, np_))

# Rows of zeros: a warning naming the file and the count; the command succeeds.
Z = X.copy()
Z[[7, 50]] = 0
emb = save("zero.npy", Z)
for name, argv in commands(emb, "zero"):
    p = t.run(argv, np=2)
    warn = [l for l in p.stderr.splitlines() if "all zeros" in l]
    t.check(len(warn) == 1 and emb in warn[0] and "2 rows are all zeros" in warn[0],
            "%s: one zero-row warning naming the file and the count: %r" % (name, p.stderr))
    if name in ("probe", "ingest"):
        t.check(len(warn) == 1 and "first: row 7" in warn[0], "%s: the first zero row: %r" % (name, warn))

t.finish("embed_badrows")
