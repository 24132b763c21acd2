"""`overlap` against Python set arithmetic.

real: the three real tokenizers (Gemma 3, Llama 3, Qwen3) decoded in Python (GPT-2's
bytes_to_unicode for the byte-level ones, bytes that are not valid UTF-8 shown as <0xNN>, as
`categorize` prints them); every pair's shared count and shares, the row ALL, and the subset map
(each model's ids of the tokens all three share, in Gemma 3's id order) checked token by token.
LATIN by the paper's rule on Python's unicodedata (Unicode 14; the tool follows Unicode 15: a
disagreement must involve a character Python does not know).

cases: hand-made vocabularies with repeated strings (the lowest id counts), a byte-level piece and
a literal token that print alike, no shared token at all, 1 and 3 ranks identical, and the errors
(one vocabulary, names that do not fit)."""
import itertools
import json
import os
import sys

import h5py
import numpy as np

import tahelp
import vocabref

MODE = sys.argv[1] if len(sys.argv) > 1 else "cases"
tmp = tahelp.tmpdir()


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    tahelp.check(lines[0] == "a\tb\tn_a\tn_b\tshared\tshare_of_smaller\tlatin_share",
                 "header %r" % lines[0])
    tahelp.check(lines[-1] == "", "no final newline")
    rows = []
    for line in lines[1:-1]:
        a, b, na, nb, s, share, latin = line.split("\t")
        rows.append((a, b, int(na), int(nb), int(s), float(share), float(latin)))
    return rows


def first_ids(tokens):
    """string -> lowest id (the tool's rule for strings repeated in one vocabulary)."""
    low = {}
    for i, t in enumerate(tokens):
        low.setdefault(t, i)
    return low


def expected(names, vocabs, cats):
    """The table and the map by set arithmetic. vocabs: list of token lists; cats: list of
    per-id categories (or None to skip LATIN)."""
    low = [first_ids(v) for v in vocabs]
    sets = [set(v) for v in vocabs]
    rows = []
    for i, j in itertools.combinations(range(len(vocabs)), 2):
        shared = sets[i] & sets[j]
        small = min(len(vocabs[i]), len(vocabs[j]))
        latin = sum(cats[i][low[i][t]] == "LATIN" for t in shared) if cats else None
        rows.append((names[i], names[j], len(vocabs[i]), len(vocabs[j]), len(shared),
                     len(shared) / small if small else float("nan"),
                     latin / len(shared) if shared else float("nan"), latin))
    common = set.intersection(*sets)
    s = min(range(len(vocabs)), key=lambda k: (len(vocabs[k]), k))
    latin = sum(cats[0][low[0][t]] == "LATIN" for t in common) if cats else None
    rows.append(("ALL", names[s], len(set.union(*sets)), len(vocabs[s]), len(common),
                 len(common) / len(vocabs[s]) if vocabs[s] else float("nan"),
                 latin / len(common) if common else float("nan"), latin))
    order = sorted(common, key=lambda t: low[0][t])
    maps = {names[k]: np.array([low[k][t] for t in order], dtype=np.int64)
            for k in range(len(vocabs))}
    return rows, order, maps


def same(x, y):
    return (np.isnan(x) and np.isnan(y)) or abs(x - y) <= 5e-7


def check_outputs(prefix, names, vocabs, cats, latin_slack=None):
    """Compares PREFIX.tsv and PREFIX.h5 with the set arithmetic; latin_slack[i] (per row) is
    the number of shared tokens whose category Python cannot know (Unicode 15 characters)."""
    want, order, maps = expected(names, vocabs, cats)
    got = read_tsv(prefix + ".tsv")
    tahelp.check(len(got) == len(want), "%d rows, expected %d" % (len(got), len(want)))
    for r, (g, w) in enumerate(zip(got, want)):
        tahelp.check(g[:5] == w[:5], "row %d: %r, expected %r" % (r, g[:5], w[:5]))
        tahelp.check(same(g[5], w[5]), "row %d: share_of_smaller %r, expected %r" % (r, g[5], w[5]))
        if cats is None:
            continue
        if latin_slack is None:
            tahelp.check(same(g[6], w[6]), "row %d: latin_share %r, expected %r" % (r, g[6], w[6]))
        else:
            nlat = round(g[6] * g[4])
            tahelp.check(abs(nlat - w[7]) <= latin_slack[r],
                         "row %d: %d LATIN, expected %d (up to %d differ by Unicode version)"
                         % (r, nlat, w[7], latin_slack[r]))
    with h5py.File(prefix + ".h5", "r") as f:
        tahelp.check(f.attrs["complete"] == 1, "PREFIX.h5 not complete")
        g = f["overlap"]
        tahelp.check(list(g["names"].asstr()[()]) == names, "names %r" % g["names"][()])
        tahelp.check(list(g["n_tokens"][()]) == [len(v) for v in vocabs], "n_tokens")
        tahelp.check(list(g["n_distinct"][()]) == [len(set(v)) for v in vocabs], "n_distinct")
        sh = g["shared"][()]
        for i, j in itertools.product(range(len(vocabs)), repeat=2):
            tahelp.check(sh[i, j] == len(set(vocabs[i]) & set(vocabs[j])), "shared[%d,%d]" % (i, j))
        tahelp.check(list(g["token"].asstr()[()]) == order, "the shared tokens or their order")
        tahelp.check(g.attrs["n_shared"] == len(order), "n_shared")
        for k, name in enumerate(names):
            ids = g["models/%s/ids" % name][()]
            tahelp.check(ids.dtype == np.int32, "ids dtype %s" % ids.dtype)
            tahelp.check(np.array_equal(ids, maps[name]), "%s: subset map differs" % name)
            tahelp.check(all(vocabs[k][i] == t for i, t in zip(ids, order)),
                         "%s: ids do not point at the shared tokens" % name)
    return got


def real():
    src_dir = os.path.join(tahelp.FIXTURES, "tokenizers")
    if not os.path.isdir(src_dir):
        tahelp.skip("no tokenizer fixtures in %s (set TA_FIXTURES)" % src_dir)
    models = [("gemma3", False), ("llama3", True), ("qwen3", True)]
    paths, vocabs, cats, unknown = [], [], [], []
    for name, bytelevel in models:
        src = os.path.join(src_dir, name + ".tokenizer.json.xz")
        if not os.path.exists(src):
            tahelp.skip("missing fixture " + src)
        path = os.path.join(tmp, name + ".tokenizer.json")
        raw = vocabref.raw_pieces(vocabref.load_tokenizer_json(src, path), bytelevel)
        n = max(raw) + 1
        tokens = [vocabref.display(raw[i]) for i in range(n)]
        cat = ["BYTES" if not vocabref.is_utf8(raw[i])
               else vocabref.paper_category(raw[i].decode("utf-8")) for i in range(n)]
        paths.append(path)
        vocabs.append(tokens)
        cats.append(cat)
        unknown.append(set(t for t in tokens if vocabref.unknown_to_python(t)))
    names = [m[0] for m in models]
    prefix = os.path.join(tmp, "real")
    args = ["overlap", "--out", prefix]
    for p in paths:
        args += ["--vocab", p]
    tahelp.run(args)  # default names: the file names up to the first '.'
    sets = [set(v) for v in vocabs]
    slack = [len(sets[i] & sets[j] & unknown[i]) for i, j in itertools.combinations(range(3), 2)]
    slack.append(len(set.intersection(*sets) & unknown[0]))
    got = check_outputs(prefix, names, vocabs, cats, latin_slack=slack)
    for r in got:
        print("%-6s %-6s n_a %7d n_b %7d shared %6d (%.4f of the smaller), LATIN %.4f"
              % r, flush=True)
    for p in paths:
        os.remove(p)


def write_json(name, tokens):
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(tokens, f, ensure_ascii=False)
    return path


def write_bytelevel(name, pieces, added):
    """A byte-level BPE tokenizer.json: pieces in GPT-2's alphabet, added tokens as written."""
    tj = {"model": {"type": "BPE", "vocab": {p: i for i, p in enumerate(pieces)}, "merges": []},
          "pre_tokenizer": {"type": "ByteLevel"},
          "added_tokens": [{"id": len(pieces) + k, "content": c, "special": False}
                           for k, c in enumerate(added)]}
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(tj, f, ensure_ascii=False)
    return path


def cases():
    a = ["a", "b", "a", "c", "hello", "мир", "x"]          # 'a' twice: id 0 counts
    b = ["c", "a", "zzz", "hello", "мир", "мир"]            # 'мир' twice: id 4 counts
    c = ["hello", "c", "a", "q", "мир", "ok", "words"]
    pa, pb, pc = write_json("va.json", a), write_json("vb.json", b), write_json("vc.json", c)
    cat = [[vocabref.paper_category(t) for t in v] for v in (a, b, c)]
    for np_ in (1, 3):
        prefix = os.path.join(tmp, "abc%d" % np_)
        tahelp.run(["overlap", "--vocab", pa, "--vocab", pb, "--vocab", pc, "--names",
                    "A,B,C", "--out", prefix + ".h5"], np=np_)  # .h5 dropped from the prefix
        check_outputs(prefix, ["A", "B", "C"], [a, b, c], cat)
    # Hand-worked: A = {a,b,c,hello,мир,x}, B = {c,a,zzz,hello,мир}: 4 shared, 6 = |B| smaller,
    # LATIN among them by A: a, c, hello -> 3/4; all three share a, c, hello, мир in A's order.
    rows = read_tsv(os.path.join(tmp, "abc1.tsv"))
    tahelp.check(rows[0] == ("A", "B", 7, 6, 4, round(4 / 6, 6), 0.75), "A-B row %r" % (rows[0],))
    tahelp.check(rows[3][:5] == ("ALL", "B", 10, 6, 4), "ALL row %r" % (rows[3],))
    with h5py.File(os.path.join(tmp, "abc1.h5")) as f:
        tahelp.check(list(f["overlap/models/A/ids"][()]) == [0, 3, 4, 5], "A's map")
        tahelp.check(list(f["overlap/models/B/ids"][()]) == [1, 0, 3, 4], "B's map")
        tahelp.check(list(f["overlap/models/C/ids"][()]) == [2, 1, 0, 4], "C's map")
    with open(os.path.join(tmp, "abc1.tsv"), "rb") as f1, open(os.path.join(tmp, "abc3.tsv"), "rb") as f3:
        tahelp.check(f1.read() == f3.read(), "TSV differs between 1 and 3 ranks")

    # A byte-level piece that is not valid UTF-8 prints as <0xE2><0x80>, like a literal token.
    pieces = ["a", "b", "âĢ", "Ġthe", "the"]
    bl = write_bytelevel("bl.json", pieces, ["<0xE2><0x80>", "▁the"])
    lit = write_json("lit.json", ["▁the", "<0xE2><0x80>", "the", "zz"])
    blv = ["a", "b", "<0xE2><0x80>", "▁the", "the", "<0xE2><0x80>", "▁the"]
    blcat = ["BYTES" if t.startswith("<0x") and k < len(pieces) else vocabref.paper_category(t)
             for k, t in enumerate(blv)]
    litv = ["▁the", "<0xE2><0x80>", "the", "zz"]
    prefix = os.path.join(tmp, "bl")
    tahelp.run(["overlap", "--vocab", bl, "--vocab", lit, "--names", "bytes,literal", "--out",
                prefix])
    check_outputs(prefix, ["bytes", "literal"], [blv, litv],
                  [blcat, [vocabref.paper_category(t) for t in litv]])
    with h5py.File(prefix + ".h5") as f:
        tahelp.check(list(f["overlap/models/bytes/ids"][()]) == [2, 3, 4], "lowest ids of repeats")
        tahelp.check(list(f["overlap/n_distinct"][()]) == [5, 4], "distinct strings")

    # Nothing shared: shares 0 and nan, an empty map.
    pn = write_json("none.json", ["nothing", "here"])
    prefix = os.path.join(tmp, "none")
    tahelp.run(["overlap", "--vocab", pa, "--vocab", pn, "--names", "A,N", "--out", prefix])
    rows = read_tsv(prefix + ".tsv")
    tahelp.check(rows[0][4] == 0 and rows[0][5] == 0 and np.isnan(rows[0][6]), "no overlap %r" % (rows[0],))
    with h5py.File(prefix + ".h5") as f:
        tahelp.check(f["overlap/models/A/ids"].shape == (0,), "empty map")

    # Errors: exit 2 with one line naming the problem.
    out = os.path.join(tmp, "err")
    tahelp.expect_input_error(["overlap", "--vocab", pa, "--out", out],
                              ["at least two vocabularies", "got 1", pa])
    tahelp.expect_input_error(["overlap", "--out", out], ["at least two vocabularies", "got 0"])
    tahelp.expect_input_error(["overlap", "--vocab", pa, "--vocab", pb, "--names", "x", "--out", out],
                              ["--names x", "1 names for 2 vocabularies"])
    tahelp.expect_input_error(["overlap", "--vocab", pa, "--vocab", pb, "--names", "x,y,z", "--out",
                               out], ["--names x,y,z", "more names than the 2 vocabularies"])
    tahelp.expect_input_error(["overlap", "--vocab", pa, "--vocab", pb, "--names", "x,x", "--out", out],
                              ["vocabularies 1 and 2 are both named 'x'"])
    tahelp.expect_input_error(["overlap", "--vocab", pa, "--vocab", pb, "--names", "x,a/b", "--out",
                               out], ["'a/b' is not a valid name"])
    tahelp.expect_input_error(["overlap", "--vocab", pa, "--vocab", pa, "--out", out],
                              ["both named 'va'", "give --names"])
    bad = os.path.join(tmp, "bad.json")
    with open(bad, "w") as f:
        f.write('["a", "b",\n 3]')
    tahelp.expect_input_error(["overlap", "--vocab", pa, "--vocab", bad, "--out", out], [bad])
    tahelp.check(not os.path.exists(out + ".tsv") and not os.path.exists(out + ".h5"),
                 "a failed overlap left outputs")


if MODE == "real":
    real()
else:
    cases()
tahelp.finish("overlap_" + MODE)
