"""Hostile input (issue 14): every command, every input, at 1 rank and a subset at 2 ranks.

Usage: test_hostile.py [--group G] [--only REGEX] [--list] [--write-known FILE]

Each case below builds a small crafted input and states what the command must do with it; the
checks every case gets (exit code, one error line naming the file and the place, no crash, no
hang, nothing complete-looking after a failure, inputs untouched) are in hostile.py.

Groups (one CTest test each, tests/hostile.cmake): vocab (categorize, ingest, synth), neighbors,
stats (diversity, translate, compare), probe, pipeline (run, report), extra (overlap, map and
options that are still being added: those cases are skipped, with the reason, until the command
or option exists), disk (disk full on a small tmpfs; needs root).

Known failures: tests/py/hostile_known.txt lists the cases that fail today with the behaviour
observed. A listed case that fails is reported XFAIL and does not fail the test; a listed case
that passes (XPASS) fails it, so that the list shrinks as the fixes land and stays honest; a case
that fails without being listed fails the test.

Policies this suite settles (README, section "Errors"):
  - all-zero embedding rows: some are tolerated (real checkpoints have untrained rows) with a
    warning that counts them; when every row (or every query row) is zero, neighbors and probe
    exit 2 naming the file and the cause instead of writing empty or NaN results;
  - probe --min-tokens that leaves no category to probe: exit 2 naming the largest category;
  - dictionaries that give zero usable (english, other) pairs, or whose words match no token of
    the vocabulary: exit 2 naming the directory (translate and run);
  - zero queries (a queries file of comments, a neighbours file of 0 rows, two neighbours files
    without a common query): exit 2 naming the file;
  - a NUL byte in a token: refused with exit 2, or stored escaped (never silently truncated);
  - an HDF5 dataset stored outside the file (external storage, external links) is refused;
  - the report escapes names for gnuplot (strings and data blocks), HTML and Markdown, and uses
    a model name in a file name only after reducing it to [A-Za-z0-9._-];
  - run with neighbors.k too small for the map (k < map.n_neighbors - 1, plus 1 unless
    exclude_self): the config is refused up front, exit 2 naming both keys (the map is on by
    default; set map.enabled: false to run without it);
  - a full disk (ENOSPC, EDQUOT, EFBIG past the file-size limit) is exit 3 naming the file,
    at any rank count, and leaves no complete-looking output.
"""
import concurrent.futures
import os
import re
import sys
import threading
import time

import h5py
import numpy as np

import hostile as H
import tahelp

CASES = []


def case(cmd, name, np2=False, timeout=None, needs=None):
    def deco(fn):
        CASES.append(H.Case("%s.%s" % (cmd, name), cmd, fn, np2=np2, timeout=timeout,
                            needs=needs))
        return fn
    return deco


def base(path):
    return os.path.basename(path)


# ---------------------------------------------------------------------------------------------
# Generic attacks on every file or directory argument of every command.

def make_missing(c, name):
    return c.p(name)


def make_dir(c, name):
    os.makedirs(c.p(name))
    return c.p(name)


def make_fifo(c, name):
    return c.fifo(name)


def make_empty(c, name):
    return c.write(name, b"")


def make_garbage(c, name):
    rng = np.random.default_rng(len(name))
    return c.write(name, rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())


def make_dangling(c, name):
    os.symlink(c.p("does-not-exist"), c.p(name))
    return c.p(name)


def make_loop(c, name):
    os.symlink(c.p(name), c.p(name))
    return c.p(name)


def make_unreadable(c, name, src=None):
    path = c.copy(src, name) if src else c.write(name, b"0\n")
    os.chmod(path, 0)
    c.as_nobody = True
    return path


def make_devzero(c, name):
    return "/dev/zero"


def make_trunc_h5(c, name, src):
    data = open(src, "rb").read()
    return c.write(name, data[:len(data) // 3])


def make_file_for_dir(c, name):
    return c.write(name, "not a directory\n")


FILE_ATTACKS = {
    "missing": (make_missing, r"No such file|does not exist|not found|missing"),
    "dir": (make_dir, r"directory|regular file|not a file"),
    "fifo": (make_fifo, r"regular file|FIFO|pipe|special"),
    "empty": (make_empty, None),
    "garbage": (make_garbage, None),
    "dangling": (make_dangling, r"No such file|does not exist|dangling|not found"),
    "loop": (make_loop, r"symbolic links|loop|cannot open|cannot resolve"),
    "unreadable": (make_unreadable, r"Permission denied|not readable|cannot read"),
}
DIR_ATTACKS = {
    "missing": (make_missing, r"No such file|does not exist|not found|missing"),
    "file": (make_file_for_dir, r"directory"),
    "fifo": (make_fifo, r"directory|regular file|FIFO"),
    "dangling": (make_dangling, r"No such file|does not exist|not found"),
    "loop": (make_loop, r"symbolic links|loop|cannot open"),
}


# Symbolic-link attacks resolve like a missing file in every reader; they are tried on the main
# input of each command (also=SYMLINKS) rather than on every argument.
SYMLINKS = ("dangling", "loop")


def slot_attacks(cmd, slot, name, argfn, attacks, np2=(), extra=None, skip=(), also=()):
    """Registers one case per attack on one argument: argfn(c, path) -> args."""
    for kind, (make, problem) in attacks.items():
        if kind in skip or (kind in SYMLINKS and kind not in also and attacks is FILE_ATTACKS):
            continue

        def fn(c, make=make, problem=problem, kind=kind):
            path = make(c, name)
            c.args = argfn(c, path)
            c.mention = [base(path)] + ([re.compile(problem, re.I)] if problem else [])
            c.outputs = [a for a in c.args if isinstance(a, str) and c.d in a and a != path
                         and not os.path.exists(a)]
        case(cmd, "%s_%s" % (slot, kind), np2=kind in np2)(fn)
    for kind, (make, src) in (extra or {}).items():
        def fn(c, make=make, src=src):
            path = make(c, name, src(c))
            c.args = argfn(c, path)
            c.mention = [base(path)]
        case(cmd, "%s_%s" % (slot, kind))(fn)


def fx(c, *names):
    return c.fx.p(*names)


def h5_case(cmd, name, src, as_name, edit, argfn, mention, outputs=None, np2=False):
    """Registers a case on an HDF5 fixture SRC copied as AS_NAME and edited with edit(h5py.File):
    argfn(c, path) -> args; the error line must contain each of MENTION."""
    def fn(c):
        c.args = argfn(c, c.h5(fx(c, src), as_name, edit))
        c.mention = list(mention)
        if outputs:
            c.outputs = outputs(c)
    case(cmd, name, np2=np2)(fn)


SAME_FILE = re.compile("input|same file")


def same_file(cmd, name, src, argfn, np2=False, as_name=None, link=None, out_name=None,
              outputs=None):
    """Registers a case where an output is an input: the fixture SRC copied into the case (as
    AS_NAME), optionally reached through link(copy, OUT_NAME) (os.symlink or os.link);
    argfn(c, copy, out) -> args, where out is the link or the copy. The error line must name
    out and say it is an input (or the same file)."""
    def fn(c):
        path = c.copy(fx(c, src), as_name)
        out = path
        if link:
            out = c.p(out_name)
            link(path, out)
        c.args = argfn(c, path, out)
        c.mention = [base(out), SAME_FILE]
        if outputs:
            c.outputs = outputs(c)
    case(cmd, name, np2=np2)(fn)


# ---------------------------------------------------------------------------------------------
# HDF5 mutations of a neighbours file, a model.h5 and a run's model file.

def set_attr(obj, name, value):
    if name in obj.attrs:
        del obj.attrs[name]
    obj.attrs[name] = value


def nb_mut(edit):
    def fn(f):
        edit(f)
    return fn


def with_repeats(f):
    idx = f["neighbors/index"][()]
    idx[7, 3] = idx[7, 2]
    replace_ds(f, "neighbors/index", idx)


def replace_ds(f, name, data, **kw):
    H.replace(f, name, data, **kw)


NB_MUTATIONS = {
    # name: (edit, strings the error must name, ranks-2)
    "incomplete": (lambda f: f.attrs.__delitem__("complete"), ["complete"], True),
    "complete_array": (lambda f: set_attr(f, "complete", np.array([1, 1], "i8")), ["complete"],
                       True),
    "complete_string": (lambda f: set_attr(f, "complete", "1"), ["complete"], False),
    "complete_2": (lambda f: set_attr(f, "complete", 2), ["complete"], False),
    "ntokens_array": (lambda f: set_attr(f["neighbors"], "n_tokens", np.array([300, 300], "i8")),
                      ["n_tokens"], True),
    "ntokens_string": (lambda f: set_attr(f["neighbors"], "n_tokens", "300"), ["n_tokens"],
                       False),
    "ntokens_zero": (lambda f: set_attr(f["neighbors"], "n_tokens", 0), ["n_tokens"], False),
    "ntokens_negative": (lambda f: set_attr(f["neighbors"], "n_tokens", -300), ["n_tokens"],
                         False),
    "ntokens_huge": (lambda f: set_attr(f["neighbors"], "n_tokens", 2 ** 40), ["n_tokens"],
                     False),
    "ntokens_float": (lambda f: set_attr(f["neighbors"], "n_tokens", 300.5), ["n_tokens"], False),
    "index_float64": (lambda f: replace_ds(f, "neighbors/index",
                                           f["neighbors/index"][()].astype("f8") + 0.4),
                      ["/neighbors/index"], True),
    "index_int64_huge": (lambda f: replace_ds(
        f, "neighbors/index", np.where(np.arange(11) == 4, 2 ** 33,
                                       f["neighbors/index"][()]).astype("i8")),
        ["/neighbors/index", "row 0"], False),
    "index_1d": (lambda f: replace_ds(f, "neighbors/index", f["neighbors/index"][()].ravel()),
                 ["/neighbors/index"], False),
    "index_3d": (lambda f: replace_ds(f, "neighbors/index",
                                      f["neighbors/index"][()].reshape(300, 11, 1)),
                 ["/neighbors/index"], False),
    "index_repeats": (with_repeats, ["/neighbors/index", "row 7"], True),
    "index_out_of_range": (lambda f: f["neighbors/index"].__setitem__((5, 3), 300),
                           ["/neighbors/index", "row 5"], False),
    "index_negative": (lambda f: f["neighbors/index"].__setitem__((5, 3), -7),
                       ["/neighbors/index", "row 5"], False),
    "index_string": (lambda f: H.vlen(f, "neighbors/index", ["a", "b"]), ["/neighbors/index"],
                     False),
    "index_missing": (lambda f: f.__delitem__("neighbors/index"), ["/neighbors/index"], False),
    "query_float64": (lambda f: replace_ds(f, "neighbors/query",
                                           f["neighbors/query"][()].astype("f8") + 0.5),
                      ["/neighbors/query"], False),
    "query_duplicate": (lambda f: f["neighbors/query"].__setitem__(9, 8), ["/neighbors/query",
                                                                          "rows 8 and 9"], True),
    "query_out_of_range": (lambda f: f["neighbors/query"].__setitem__(9, 1000),
                           ["/neighbors/query", "row 9"], False),
    "query_short": (lambda f: replace_ds(f, "neighbors/query", f["neighbors/query"][:5]),
                    ["/neighbors/query"], False),
    "query_2d": (lambda f: replace_ds(f, "neighbors/query",
                                      f["neighbors/query"][()].reshape(300, 1)),
                 ["/neighbors/query"], False),
    "neighbors_dataset": (lambda f: (f.__delitem__("neighbors"),
                                     f.create_dataset("neighbors", data=[1, 2])),
                          ["/neighbors"], False),
    "zero_rows": (lambda f: (replace_ds(f, "neighbors/index", np.zeros((0, 11), "i4")),
                             replace_ds(f, "neighbors/query", np.zeros((0,), "i4")),
                             replace_ds(f, "neighbors/score", np.zeros((0, 11), "f4"))),
                  [re.compile(r"no (query )?rows|0 rows|no queries|empty")], True),
}


def external_fifo(c):
    """A neighbours file whose /neighbors/index is stored in an external raw file, a FIFO."""
    fifo = c.fifo("raw.bin")

    def edit(f):
        idx = f["neighbors/index"][()]
        del f["neighbors/index"]
        f.create_dataset("neighbors/index", shape=idx.shape, dtype="i4",
                         external=[(fifo, 0, idx.nbytes)])
    return c.h5(fx(c, "nn.h5"), "ext.h5", edit)


def external_link_fifo(c):
    fifo = c.fifo("other.h5")

    def edit(f):
        del f["neighbors/index"]
        f["neighbors/index"] = h5py.ExternalLink(fifo, "/neighbors/index")
    return c.h5(fx(c, "nn.h5"), "extlink.h5", edit)


# ---------------------------------------------------------------------------------------------
# categorize

def categorize_args(c, vocab, out=None):
    return ["categorize", "--vocab", vocab, "--out", out or c.p("cats.tsv")]


slot_attacks("categorize", "vocab", "vocab.json", lambda c, p: categorize_args(c, p), FILE_ATTACKS,
             np2=("fifo",),
             also=SYMLINKS)


@case("categorize", "vocab_devzero")
def _(c):
    c.args = categorize_args(c, "/dev/zero")
    c.mention = ["/dev/zero", re.compile("regular file|device")]
    c.outputs = [c.p("cats.tsv")]


same_file("categorize", "out_is_vocab", "vocab.txt", lambda c, v, _: categorize_args(c, v, out=v),
          np2=True)


same_file("categorize", "out_is_vocab_symlink", "vocab.txt",
          lambda c, v, o: categorize_args(c, v, out=o), link=os.symlink, out_name="out.tsv")


@case("categorize", "out_missing_dir")
def _(c):
    c.args = categorize_args(c, fx(c, "vocab.txt"), out=c.p("no", "such", "cats.tsv"))
    c.mention = ["no/such"]


@case("categorize", "out_is_dir")
def _(c):
    os.makedirs(c.p("outdir"))
    c.args = categorize_args(c, fx(c, "vocab.txt"), out=c.p("outdir"))
    c.mention = ["outdir"]


@case("categorize", "scheme_bogus")
def _(c):
    c.args = categorize_args(c, fx(c, "vocab.txt")) + ["--scheme", "klingon"]
    c.mention = ["klingon"]
    c.outputs = [c.p("cats.tsv")]


@case("categorize", "text_bad_utf8")
def _(c):
    v = c.write("v.txt", b"a\nb\n\xff\xfe\n")
    c.args = categorize_args(c, v)
    c.mention = ["v.txt:3"]
    c.outputs = [c.p("cats.tsv")]


def nul_token_ok(c, rc, out, err):
    """A NUL byte in a token is refused (exit 2) or kept visible in the output, never cut."""
    if rc != 0:
        return []
    text = open(c.p("cats.tsv"), "rb").read()
    row = [l for l in text.split(b"\n") if l.startswith(b"1\t")]
    if not row or row[0].split(b"\t")[2] in (b"a", b"a\x00b"):
        return ["token with a NUL byte written as %r (cut or raw)" % (row[0] if row else None)]
    return []


@case("categorize", "json_nul_token")
def _(c):
    v = c.write("v.json", '["x", "a\\u0000b", "c"]')
    c.args = categorize_args(c, v)
    c.expect = (0, 2)
    c.mention = ["v.json"]
    c.post = nul_token_ok


@case("categorize", "text_nul_token")
def _(c):
    v = c.write("v.txt", b"x\na\x00b\nc\n")
    c.args = categorize_args(c, v)
    c.expect = (0, 2)
    c.mention = ["v.txt:2"]
    c.post = nul_token_ok


@case("categorize", "json_deep_nesting")
def _(c):
    v = c.write("v.json", "[" * 100000 + "]" * 100000)
    c.args = categorize_args(c, v)
    c.mention = ["v.json"]
    c.outputs = [c.p("cats.tsv")]


@case("categorize", "added_token_id_huge")
def _(c):
    v = c.write("tokenizer.json", '{"model": {"type": "WordLevel", "vocab": {"a": 0, "b": 1}},'
                '"added_tokens": [{"id": 4294967296, "content": "<x>"}]}')
    c.args = categorize_args(c, v)
    c.mention = ["tokenizer.json", "4294967296"]
    c.outputs = [c.p("cats.tsv")]


@case("categorize", "added_token_id_negative")
def _(c):
    v = c.write("tokenizer.json", '{"model": {"type": "WordLevel", "vocab": {"a": 0, "b": 1}},'
                '"added_tokens": [{"id": -1, "content": "<x>"}]}')
    c.args = categorize_args(c, v)
    c.mention = ["tokenizer.json", "-1"]
    c.outputs = [c.p("cats.tsv")]


@case("categorize", "vocab_id_float")
def _(c):
    v = c.write("tokenizer.json", '{"model": {"type": "WordLevel", "vocab": {"a": 0, "b": 1.5}}}')
    c.args = categorize_args(c, v)
    c.mention = ["tokenizer.json"]
    c.outputs = [c.p("cats.tsv")]


@case("categorize", "vocab_is_number")
def _(c):
    v = c.write("tokenizer.json", '{"model": {"type": "BPE", "vocab": 7}}')
    c.args = categorize_args(c, v)
    c.mention = ["tokenizer.json"]
    c.outputs = [c.p("cats.tsv")]


h5_case("categorize", "model_h5_incomplete", "model.h5", "model.h5",
        lambda f: f.attrs.__delitem__("complete"),
        lambda c, v: categorize_args(c, v),
        ["model.h5", "complete"], outputs=lambda c: [c.p("cats.tsv")])


h5_case("categorize", "model_h5_complete_array", "model.h5", "model.h5",
        lambda f: set_attr(f, "complete", np.ones(3, "i8")),
        lambda c, v: categorize_args(c, v),
        ["model.h5", "complete"], outputs=lambda c: [c.p("cats.tsv")], np2=True)


h5_case("categorize", "model_h5_token_ints", "model.h5", "model.h5",
        lambda f: replace_ds(f, "vocab/token", np.arange(300, dtype="i4")),
        lambda c, v: categorize_args(c, v),
        ["model.h5", "/vocab/token"], outputs=lambda c: [c.p("cats.tsv")])


h5_case("categorize", "model_h5_flags_short", "model.h5", "model.h5",
        lambda f: replace_ds(f, "vocab/flags", np.zeros(3, "u1")),
        lambda c, v: categorize_args(c, v),
        ["model.h5", "/vocab/flags"], outputs=lambda c: [c.p("cats.tsv")])


@case("categorize", "model_h5_token_bad_utf8")
def _(c):
    def edit(f):
        toks = [t.encode() for t in c.fx.tokens]
        toks[17] = b"ab\xff\xfe"
        H.vlen(f, "vocab/token", toks)
    v = c.h5(fx(c, "model.h5"), "model.h5", edit)
    c.args = categorize_args(c, v)
    c.mention = ["model.h5", "17"]
    c.outputs = [c.p("cats.tsv")]


# ---------------------------------------------------------------------------------------------
# ingest

def ingest_args(c, model, vocab=None, out=None):
    a = ["ingest", "--model", model, "--out", out or c.p("out.h5")]
    return a + (["--vocab", vocab] if vocab else [])


slot_attacks("ingest", "model", "emb.npy", lambda c, p: ingest_args(c, p, fx(c, "vocab.txt")),
             FILE_ATTACKS, np2=("fifo", "garbage"),
             extra={"trunc_h5": (make_trunc_h5, lambda c: fx(c, "model.h5"))})
slot_attacks("ingest", "vocab", "vocab.txt", lambda c, p: ingest_args(c, fx(c, "emb.npy"), p),
             FILE_ATTACKS, np2=("fifo",),
             also=SYMLINKS)


@case("ingest", "model_dir_empty")
def _(c):
    os.makedirs(c.p("hf"))
    c.args = ingest_args(c, c.p("hf"))
    c.mention = ["hf"]
    c.outputs = [c.p("out.h5")]


@case("ingest", "model_dir_vocab_fifo")
def _(c):
    d = c.copy(fx(c, "syn"), "hf")
    os.unlink(os.path.join(d, "tokenizer.json"))
    c.fifo("hf/tokenizer.json")
    c.args = ingest_args(c, d)
    c.mention = ["tokenizer.json"]
    c.outputs = [c.p("out.h5")]


@case("ingest", "model_dir_two_safetensors")
def _(c):
    d = c.copy(fx(c, "syn"), "hf")
    os.rename(os.path.join(d, "model.safetensors"), os.path.join(d, "a.safetensors"))
    c.copy(os.path.join(d, "a.safetensors"), "hf/b.safetensors")
    c.args = ingest_args(c, d)
    c.mention = ["hf"]
    c.outputs = [c.p("out.h5")]


def npy_case(name, X, mention, np2=False, vocab=True):
    @case("ingest", name, np2=np2)
    def _(c):
        p = c.npy("emb.npy", X() if callable(X) else X)
        c.args = ingest_args(c, p, fx(c, "vocab.txt") if vocab else None)
        c.mention = ["emb.npy"] + mention
        c.outputs = [c.p("out.h5")]


def _x_with(v, r=23, col=4):
    def f():
        X = np.random.default_rng(1).standard_normal((300, 16)).astype("f4")
        X[r, col] = v
        return X
    return f


npy_case("npy_nan", _x_with(np.nan), ["row 23", "column 4"], np2=True)
npy_case("npy_inf", _x_with(np.inf), ["row 23", "column 4"])
npy_case("npy_f64_neg_inf", lambda: _x_with(-np.inf)().astype("f8"), ["row 23"])
npy_case("npy_1d", np.zeros(300, "f4"), [re.compile("dimension|2-D")])
npy_case("npy_3d", np.zeros((300, 4, 4), "f4"), [re.compile("dimension|2-D")])
npy_case("npy_int32", np.zeros((300, 16), "i4"), [re.compile("dtype|<i4|integer")])
npy_case("npy_fortran", np.asfortranarray(np.ones((300, 16), "f4")), [re.compile("Fortran")])
npy_case("npy_zero_rows", np.zeros((0, 16), "f4"), [re.compile("rows|tokens")])
npy_case("npy_zero_cols", np.zeros((300, 0), "f4"), [re.compile("column|dimension|empty")])
npy_case("npy_fewer_rows", np.ones((3, 16), "f4"), ["3", "300"])


@case("ingest", "npy_header_lies")
def _(c):
    p = c.npy("emb.npy", np.ones((300, 16), "f4"))
    data = open(p, "rb").read().replace(b"(300, 16)", b"(900, 16)")
    c.write("emb.npy", data)
    c.args = ingest_args(c, p, fx(c, "vocab.txt"))
    c.mention = ["emb.npy", re.compile("truncated|end of file|bytes")]
    c.outputs = [c.p("out.h5")]


@case("ingest", "npy_shape_negative")
def _(c):
    p = c.npy("emb.npy", np.ones((300, 16), "f4"))
    data = open(p, "rb").read().replace(b"(300, 16)", b"(-30, 16)")
    c.write("emb.npy", data)
    c.args = ingest_args(c, p, fx(c, "vocab.txt"))
    c.mention = ["emb.npy"]
    c.outputs = [c.p("out.h5")]


@case("ingest", "safetensors_header_huge")
def _(c):
    p = c.write("m.safetensors", (2 ** 62).to_bytes(8, "little") + b"{}")
    c.args = ingest_args(c, p, fx(c, "vocab.txt"))
    c.mention = ["m.safetensors", "header"]
    c.outputs = [c.p("out.h5")]


def st_file(header, data=b""):
    h = header.encode()
    return len(h).to_bytes(8, "little") + h + data


def st_case(name, dtype, shape, offsets, nbytes, word, tensor):
    """A safetensors file of one tensor "w" with this header and NBYTES zero bytes of data."""
    @case("ingest", "safetensors_" + name)
    def _(c):
        p = c.write("m.safetensors", st_file('{"w": {"dtype": "%s", "shape": %s, '
                                             '"data_offsets": %s}}' % (dtype, shape, offsets),
                                             b"\0" * nbytes))
        c.args = ingest_args(c, p, fx(c, "vocab.txt")) + (["--tensor", "w"] if tensor else [])
        c.mention = ["m.safetensors", word]
        c.outputs = [c.p("out.h5")]


st_case("negative_offsets", "F32", "[300, 16]", "[-19200, 0]", 64, "data_offsets", False)
st_case("f8", "F8_E4M3", "[300, 16]", "[0, 4800]", 4800, "F8_E4M3", True)
st_case("shape_string", "F32", '"300x16"', "[0, 19200]", 19200, "shape", True)


@case("ingest", "tensor_missing")
def _(c):
    c.args = ingest_args(c, fx(c, "syn")) + ["--tensor", "no.such.tensor"]
    c.mention = ["no.such.tensor"]
    c.outputs = [c.p("out.h5")]


@case("ingest", "tensor_newline")
def _(c):
    c.args = ingest_args(c, fx(c, "syn")) + ["--tensor", "a\nb"]
    c.mention = ["model.safetensors"]
    c.outputs = [c.p("out.h5")]


@case("ingest", "h5_dataset_missing")
def _(c):
    c.args = ingest_args(c, fx(c, "model.h5") + ":/nope", fx(c, "vocab.txt"))
    c.mention = ["model.h5", "/nope"]
    c.outputs = [c.p("out.h5")]


@case("ingest", "h5_dataset_int")
def _(c):
    c.args = ingest_args(c, fx(c, "model.h5") + ":/categories/paper", fx(c, "vocab.txt"))
    c.mention = ["model.h5", "/categories/paper"]
    c.outputs = [c.p("out.h5")]


@case("ingest", "h5_dataset_nan")
def _(c):
    X = c.fx.X.copy()
    X[42, 1] = np.nan
    p = c.p("raw.h5")
    with h5py.File(p, "w") as f:
        f["x"] = X
    c.args = ingest_args(c, p + ":/x", fx(c, "vocab.txt"))
    c.mention = ["raw.h5", "row 42"]
    c.outputs = [c.p("out.h5")]


h5_case("ingest", "model_h5_incomplete", "model.h5", "in.h5",
        lambda f: f.attrs.__delitem__("complete"),
        lambda c, m: ingest_args(c, m),
        ["in.h5", "complete"], outputs=lambda c: [c.p("out.h5")], np2=True)


h5_case("ingest", "model_h5_complete_array", "model.h5", "in.h5",
        lambda f: set_attr(f, "complete", np.ones(2, "i8")),
        lambda c, m: ingest_args(c, m),
        ["in.h5", "complete"], outputs=lambda c: [c.p("out.h5")], np2=True)


h5_case("ingest", "model_h5_embeddings_int", "model.h5", "in.h5",
        lambda f: replace_ds(f, "embeddings", np.ones((300, 16), "i4")),
        lambda c, m: ingest_args(c, m),
        ["in.h5", "/embeddings"], outputs=lambda c: [c.p("out.h5")])


same_file("ingest", "out_is_model", "emb.npy",
          lambda c, m, _: ingest_args(c, m, fx(c, "vocab.txt"), out=m), np2=True)


same_file("ingest", "out_is_vocab", "vocab.txt",
          lambda c, v, _: ingest_args(c, fx(c, "emb.npy"), v, out=v))


same_file("ingest", "out_is_model_h5", "model.h5", lambda c, m, _: ingest_args(c, m, out=m),
          np2=True)


same_file("ingest", "out_symlink_to_model", "model.h5", lambda c, m, o: ingest_args(c, m, out=o),
          link=os.symlink, out_name="out.h5")


same_file("ingest", "out_hardlink_to_model", "model.h5", lambda c, m, o: ingest_args(c, m, out=o),
          link=os.link, out_name="out.h5")


@case("ingest", "out_missing_dir", np2=True)
def _(c):
    c.args = ingest_args(c, fx(c, "emb.npy"), fx(c, "vocab.txt"), out=c.p("no", "dir", "m.h5"))
    c.mention = ["no/dir"]


@case("ingest", "out_is_dir")
def _(c):
    os.makedirs(c.p("m.h5"))
    c.args = ingest_args(c, fx(c, "emb.npy"), fx(c, "vocab.txt"), out=c.p("m.h5"))
    c.mention = ["m.h5"]


@case("ingest", "out_stale_tmp_symlink")
def _(c):
    """A stale OUT.tmp that is a symlink to an input must not be written through."""
    v = c.copy(fx(c, "vocab.txt"))
    os.symlink(v, c.p("out.h5.tmp"))
    c.args = ingest_args(c, fx(c, "emb.npy"), v, out=c.p("out.h5"))
    c.expect = (0, 2)
    c.mention = ["out.h5"]


@case("ingest", "vocab_more_tokens")
def _(c):
    v = c.write("v.txt", "".join("t%d\n" % i for i in range(3000)))
    c.args = ingest_args(c, fx(c, "emb.npy"), v)
    c.mention = ["3000", "300"]
    c.outputs = [c.p("out.h5")]


@case("ingest", "vocab_json_dup_id")
def _(c):
    v = c.write("tokenizer.json", '{"model": {"type": "WordLevel", "vocab": {"a": 0, "b": 1, '
                '"c": 1}}}')
    c.args = ingest_args(c, fx(c, "emb.npy"), v)
    c.mention = ["tokenizer.json", "1"]
    c.outputs = [c.p("out.h5")]


def h5_vocab_nul(c, rc, out, err):
    if rc != 0:
        return []
    with h5py.File(c.p("out.h5"), "r") as f:
        t = f["vocab/token"][1]
    return [] if t not in (b"a", "a") else ["token with a NUL byte stored cut: %r" % t]


@case("ingest", "vocab_nul_token")
def _(c):
    v = c.write("v.json", "[" + ", ".join('"t%d"' % i if i != 1 else '"a\\u0000b"'
                                          for i in range(300)) + "]")
    c.args = ingest_args(c, fx(c, "emb.npy"), v)
    c.expect = (0, 2)
    c.mention = ["v.json"]
    c.post = h5_vocab_nul
    c.allow_complete = [r"out\.h5$"]


# ---------------------------------------------------------------------------------------------
# synth

def synth_args(c, *extra, out=None):
    a = ["synth", "--preset", "meaning-aligned", "--tokens", "200", "--dim", "8", "--seed", "1",
         "--out", out or c.p("syn")]
    return a + list(extra)


def synth_bad(name, extra, mention, np2=False):
    @case("synth", name, np2=np2)
    def _(c):
        c.args = synth_args(c, *extra)
        c.mention = mention
        c.outputs = [c.p("syn", "model.safetensors")]


synth_bad("tokens_negative", ["--tokens", "-5"], ["--tokens"])
synth_bad("tokens_huge", ["--tokens", "99999999999999999999999"], ["--tokens"])
synth_bad("tokens_text", ["--tokens", "12abc"], ["--tokens"])
synth_bad("dim_zero", ["--dim", "0"], ["--dim"])
synth_bad("seed_negative", ["--seed", "-1"], ["--seed"])
synth_bad("preset_bogus", ["--preset", "random"], ["random"])
synth_bad("dtype_bogus", ["--dtype", "f16"], ["f16"])
synth_bad("extra_rows_negative", ["--extra-rows", "-1"], ["--extra-rows"])


@case("synth", "out_is_file")
def _(c):
    f = c.write("syn", "x\n")
    c.args = synth_args(c, out=f)
    c.mention = ["syn"]


@case("synth", "out_is_fifo")
def _(c):
    f = c.fifo("syn")
    c.args = synth_args(c, out=f)
    c.mention = ["syn"]


@case("synth", "out_unwritable", np2=True)
def _(c):
    os.makedirs(c.p("ro"))
    os.chmod(c.p("ro"), 0o555)
    c.as_nobody = True
    c.args = synth_args(c, out=c.p("ro", "syn"))
    c.mention = ["ro"]


@case("synth", "too_large_for_disk", timeout=20)
def _(c):
    """131 GB of BF16 rows: refused before writing (exit 3 naming the size), not an hour of
    writing into a full disk (the suite's 512 MiB file-size limit stops it here)."""
    c.args = synth_args(c, "--tokens", "1000000", "--dim", "65536")
    c.expect = 3
    c.mention = [re.compile("TB|GB|bytes|space")]
    c.outputs = [c.p("syn", "model.safetensors")]


# ---------------------------------------------------------------------------------------------
# neighbors

def nbr_args(c, emb=None, *extra, out=None, k=5):
    return ["neighbors", "--embeddings", emb or fx(c, "model.h5"), "-k", str(k), "--out",
            out or c.p("nn.h5"), "--quiet"] + list(extra)


slot_attacks("neighbors", "embeddings", "emb.npy", lambda c, p: nbr_args(c, p), FILE_ATTACKS,
             np2=("fifo", "missing"),
             extra={"trunc_h5": (make_trunc_h5, lambda c: fx(c, "model.h5"))})
slot_attacks("neighbors", "queries", "q.txt",
             lambda c, p: nbr_args(c, None, "--queries", p), FILE_ATTACKS, np2=("fifo",),
             skip=("garbage",))
slot_attacks("neighbors", "vocab", "v.txt",
             lambda c, p: nbr_args(c, fx(c, "emb.npy"), "--tsv", c.p("nn.tsv"), "--vocab", p),
             FILE_ATTACKS, np2=("fifo",),
             also=SYMLINKS)


def queries_case(name, text, mention, np2=False):
    @case("neighbors", name, np2=np2)
    def _(c):
        q = c.write("q.txt", text)
        c.args = nbr_args(c, None, "--queries", q)
        c.mention = ["q.txt"] + mention
        c.outputs = [c.p("nn.h5")]


queries_case("queries_nul_byte", b"1\n2\x00\n999999\n", ["q.txt:2"], np2=True)
queries_case("queries_out_of_range", "1\n300\n", ["q.txt:2", "300"])
queries_case("queries_negative", "1\n-4\n", ["q.txt:2"])
queries_case("queries_huge", "1\n99999999999999999999999\n", ["q.txt:2"])
queries_case("queries_float", "1\n2.5\n", ["q.txt:2"])
queries_case("queries_hex", "1\n0x10\n", ["q.txt:2"])
queries_case("queries_duplicate", "1\n5\n5\n", ["5"])
queries_case("queries_only_comments", "# nothing\n\n   # here\n",
             [re.compile("no (token )?ids|no queries|empty")])
queries_case("queries_bad_utf8", b"1\n\xff\xfe\n", ["q.txt:2"])


def nbr_bad(name, extra, mention, np2=False, emb=None, k=5):
    @case("neighbors", name, np2=np2)
    def _(c):
        c.args = nbr_args(c, emb(c) if emb else None, *extra, k=k)
        c.mention = mention
        c.outputs = [c.p("nn.h5")]


nbr_bad("k_zero", [], ["-k"], k=0)
nbr_bad("k_negative", [], ["-k"], k=-1)
nbr_bad("k_huge", [], ["-k"], k=10 ** 12)
nbr_bad("k_above_n", [], ["-k", "300"], k=301, np2=True)
nbr_bad("k_text", [], ["-k"], k="ten")
nbr_bad("block_rows_negative", ["--block-rows", "-3"], ["--block-rows"])
nbr_bad("threads_negative", ["--threads", "-2"], ["--threads"])
nbr_bad("sample_zero", ["--queries", "sample:0:1"], ["sample:0:1"])
nbr_bad("sample_above_one", ["--queries", "sample:2:1"], ["sample:2:1"])
nbr_bad("sample_nan", ["--queries", "sample:nan:1"], ["sample:nan:1"])
nbr_bad("sample_seed_negative", ["--queries", "sample:0.5:-1"], ["sample:0.5:-1"])
nbr_bad("tensor_missing", ["--tensor", "nope"], ["nope"], emb=lambda c: fx(c, "syn"))


def nbr_npy(name, X, mention, np2=False, expect=2, extra=()):
    @case("neighbors", name, np2=np2)
    def _(c):
        p = c.npy("emb.npy", X())
        c.args = nbr_args(c, p, *extra)
        c.mention = ["emb.npy"] + mention
        c.expect = expect
        c.outputs = [c.p("nn.h5")]


nbr_npy("npy_nan", _x_with(np.nan, 40, 2), ["row 40"], np2=True)
nbr_npy("npy_inf", _x_with(np.inf, 41, 3), ["row 41"])
nbr_npy("all_rows_zero", lambda: np.zeros((300, 16), "f4"),
        [re.compile("norm 0|zero")], np2=True)


@case("neighbors", "queries_all_zero_rows", np2=True)
def _(c):
    X = c.fx.X.copy()
    X[[3, 4]] = 0
    p = c.npy("emb.npy", X)
    q = c.write("q.txt", "3\n4\n")
    c.args = nbr_args(c, p, "--queries", q)
    c.mention = ["q.txt", re.compile("norm 0|zero")]
    c.outputs = [c.p("nn.h5")]


h5_case("neighbors", "model_h5_complete_array", "model.h5", "m.h5",
        lambda f: set_attr(f, "complete", np.ones(2, "i8")),
        lambda c, m: nbr_args(c, m),
        ["m.h5", "complete"], outputs=lambda c: [c.p("nn.h5")], np2=True)


h5_case("neighbors", "model_h5_embeddings_3d", "model.h5", "m.h5",
        lambda f: replace_ds(f, "embeddings", np.ones((300, 4, 4), "f4")),
        lambda c, m: nbr_args(c, m),
        ["m.h5", "/embeddings"], outputs=lambda c: [c.p("nn.h5")])


@case("neighbors", "model_h5_embeddings_f64_inf")
def _(c):
    def edit(f):
        X = c.fx.X.astype("f8")
        X[99, 0] = -np.inf
        replace_ds(f, "embeddings", X)
    m = c.h5(fx(c, "model.h5"), "m.h5", edit)
    c.args = nbr_args(c, m)
    c.mention = ["m.h5", "row 99"]
    c.outputs = [c.p("nn.h5")]


@case("neighbors", "tsv_vocab_short", np2=True)
def _(c):
    """The issue's 3-token --vocab for 3,000 rows: blank TSV columns today."""
    v = c.write("v.txt", "a\nb\nc\n")
    c.args = nbr_args(c, fx(c, "emb.npy"), "--tsv", c.p("nn.tsv"), "--vocab", v)
    c.mention = ["v.txt", "3", "300"]
    c.outputs = [c.p("nn.h5"), c.p("nn.tsv")]


@case("neighbors", "tsv_vocab_long")
def _(c):
    v = c.write("v.txt", "".join("t%d\n" % i for i in range(3000)))
    c.args = nbr_args(c, fx(c, "emb.npy"), "--tsv", c.p("nn.tsv"), "--vocab", v)
    c.mention = ["v.txt", "3000", "300"]
    c.outputs = [c.p("nn.h5"), c.p("nn.tsv")]


same_file("neighbors", "out_is_embeddings", "model.h5", lambda c, m, _: nbr_args(c, m, out=m),
          np2=True)


@case("neighbors", "out_is_queries")
def _(c):
    q = c.write("q.h5", "1\n2\n")
    c.args = nbr_args(c, None, "--queries", q, out=q)
    c.mention = ["q.h5", SAME_FILE]


same_file("neighbors", "tsv_is_embeddings", "emb.npy",
          lambda c, e, _: nbr_args(c, e, "--tsv", e, "--vocab", fx(c, "vocab.txt")),
          outputs=lambda c: [c.p("nn.h5")])


@case("neighbors", "tsv_is_out")
def _(c):
    c.args = nbr_args(c, None, "--tsv", c.p("nn.h5"))
    c.mention = ["nn.h5"]
    c.outputs = [c.p("nn.h5")]


@case("neighbors", "out_missing_dir", np2=True)
def _(c):
    c.args = nbr_args(c, out=c.p("no", "dir", "nn.h5"))
    c.mention = ["no/dir"]


@case("neighbors", "out_is_dir")
def _(c):
    os.makedirs(c.p("nn.h5"))
    c.args = nbr_args(c)
    c.mention = ["nn.h5"]


@case("neighbors", "ckpt_manifest_garbage")
def _(c):
    c.write("nn.h5.ckpt/MANIFEST", "garbage\x00\xff\n")
    c.args = nbr_args(c)
    c.mention = ["nn.h5.ckpt"]
    c.outputs = [c.p("nn.h5")]


@case("neighbors", "ckpt_is_file")
def _(c):
    c.write("nn.h5.ckpt", "x")
    c.args = nbr_args(c)
    c.expect = (0, 2)
    c.mention = ["nn.h5.ckpt"]
    c.allow_complete = [r"nn\.h5$"]


@case("neighbors", "ckpt_manifest_fifo")
def _(c):
    c.fifo("nn.h5.ckpt/MANIFEST")
    c.args = nbr_args(c)
    c.expect = (0, 2)
    c.mention = ["MANIFEST"]
    c.allow_complete = [r"nn\.h5$"]


def make_ckpt(c, np_):
    """A real checkpoint of the case's command (TA_STOP_AFTER=0 stops at the first poll)."""
    args = nbr_args(c, None, "--block-rows", "64")
    p = tahelp.run(args, np=np_ if np_ > 1 else None, env={"TA_STOP_AFTER": "0"}, check=False)
    if p.returncode != 4:
        raise SystemExit("hostile: could not make a checkpoint (exit %d): %s"
                         % (p.returncode, p.stderr))
    return args


@case("neighbors", "ckpt_rank_truncated")
def _(c):
    c.args = make_ckpt(c, c.np)
    r = c.p("nn.h5.ckpt", "rank-0.bin")
    data = open(r, "rb").read()
    c.write("nn.h5.ckpt/rank-0.bin", data[:len(data) // 2])
    c.mention = ["rank-0.bin"]
    c.outputs = [c.p("nn.h5")]


@case("neighbors", "ckpt_rank_garbage_ids")
def _(c):
    """A checkpoint whose data was overwritten (same size, same header): refused, not used."""
    c.args = make_ckpt(c, c.np)
    r = c.p("nn.h5.ckpt", "rank-0.bin")
    data = bytearray(open(r, "rb").read())
    # magic (8), header length (8), header, then per part: size (8) and the data, overwritten
    # here with int32 0x7fffff40 and float 1.5-ish patterns, sizes kept; the checksum (8) last.
    at = 16 + int.from_bytes(data[8:16], "little")
    while at + 16 <= len(data):
        n = int.from_bytes(data[at:at + 8], "little")
        at += 8
        if at + n + 8 > len(data):
            break
        data[at:at + n] = (b"\x40\xff\xff\x7f" * (n // 4 + 1))[:n]
        at += n
    c.write("nn.h5.ckpt/rank-0.bin", bytes(data))
    c.mention = ["rank-0.bin"]
    c.outputs = [c.p("nn.h5")]


# ---------------------------------------------------------------------------------------------
# diversity

def div_args(c, nb=None, cats=None, *extra, out=None, top=5):
    return ["diversity", "--neighbors", nb or fx(c, "nn.h5"), "--categories",
            cats or fx(c, "cats.tsv"), "--top", str(top), "--out",
            out or c.p("div.h5")] + list(extra)


def div_outputs(c):
    return [c.p("div.h5"), c.p("div.tsv"), c.p("div.catmatrix.tsv"),
            c.p("div.histogram.tsv"), c.p("div.deciles.tsv")]


slot_attacks("diversity", "neighbors", "nn.h5", lambda c, p: div_args(c, p), FILE_ATTACKS,
             np2=("fifo",), extra={"trunc_h5": (make_trunc_h5, lambda c: fx(c, "nn.h5"))})
slot_attacks("diversity", "categories", "cats.tsv", lambda c, p: div_args(c, None, p),
             FILE_ATTACKS, np2=("fifo",),
             extra={"trunc_h5": (make_trunc_h5, lambda c: fx(c, "model.h5"))})
slot_attacks("diversity", "embeddings", "emb.npy",
             lambda c, p: div_args(c, None, None, "--embeddings", p), FILE_ATTACKS,
             skip=("loop", "dangling"),
             also=SYMLINKS)

for _name, (_edit, _mention, _np2) in NB_MUTATIONS.items():
    def _mk(edit=_edit, mention=_mention):
        def fn(c):
            nb = c.h5(fx(c, "nn.h5"), "nb.h5", edit)
            c.args = div_args(c, nb)
            c.mention = ["nb.h5"] + mention
            c.outputs = div_outputs(c)
        return fn
    case("diversity", "nb_" + _name, np2=_np2)(_mk())


@case("diversity", "nb_external_fifo")
def _(c):
    nb = external_fifo(c)
    c.args = div_args(c, nb)
    c.mention = ["ext.h5", "/neighbors/index"]
    c.outputs = div_outputs(c)


@case("diversity", "nb_external_link_fifo")
def _(c):
    nb = external_link_fifo(c)
    c.args = div_args(c, nb)
    c.mention = ["extlink.h5", "/neighbors/index"]
    c.outputs = div_outputs(c)


def tsv_case(name, text, mention, np2=False):
    @case("diversity", "cats_" + name, np2=np2)
    def _(c):
        t = c.write("cats.tsv", text)
        c.args = div_args(c, None, t)
        c.mention = ["cats.tsv"] + mention
        c.outputs = div_outputs(c)


def cats_text(edit=None):
    lines = open(os.path.join(FX.d, "cats.tsv"), "rb").read().split(b"\n")
    if edit:
        edit(lines)
    return b"\n".join(lines)


def _set_line(i, v):
    def f(lines):
        lines[i] = v
    return f


tsv_case("bad_utf8_category", lambda: cats_text(_set_line(5, b"4\tLAT\xffIN\tx")), ["cats.tsv:6"],
         np2=True)
tsv_case("id_gap", lambda: cats_text(_set_line(5, b"40\tLATIN\tx")), ["cats.tsv:6"])
tsv_case("id_huge", lambda: cats_text(_set_line(5, b"99999999999999999999\tLATIN\tx")),
         ["cats.tsv:6"])
tsv_case("no_header", lambda: cats_text(_set_line(0, b"0\tLATIN\tx")), ["cats.tsv:1"])
tsv_case("four_columns", lambda: cats_text(_set_line(5, b"4\tLATIN\tx\ty")), ["cats.tsv:6"])
tsv_case("empty_category", lambda: cats_text(_set_line(5, b"4\t\tx")), ["cats.tsv:6"])
tsv_case("nul_in_category", lambda: cats_text(_set_line(5, b"4\tLA\x00TIN\tx")), ["cats.tsv:6"])
tsv_case("three_tokens", "id\tcategory\ttoken\n0\tLATIN\ta\n1\tLATIN\tb\n2\tS\tc\n",
         ["3", "300"])
tsv_case("crlf_and_cr_only", "id\tcategory\ttoken\r0\tLATIN\ta\r", [])


def cats_h5(name, edit, mention, np2=False):
    @case("diversity", "cats_h5_" + name, np2=np2)
    def _(c):
        m = c.h5(fx(c, "model.h5"), "m.h5", edit)
        c.args = div_args(c, None, m)
        c.mention = ["m.h5"] + mention
        c.outputs = div_outputs(c)


cats_h5("codes_float", lambda f: replace_ds(f, "categories/paper",
                                            f["categories/paper"][()] + 0.5),
        ["/categories/paper"])
cats_h5("codes_2d", lambda f: replace_ds(f, "categories/paper",
                                         f["categories/paper"][()].reshape(300, 1)),
        ["/categories/paper"])
cats_h5("codes_out_of_range", lambda f: f["categories/paper"].__setitem__(8, 99),
        ["/categories/paper", "row 8"])
cats_h5("codes_short", lambda f: replace_ds(f, "categories/paper", f["categories/paper"][:3]),
        ["3", "300"])
cats_h5("names_unsorted", lambda f: H.vlen(f, "categories/paper_names",
                                           list(f["categories/paper_names"].asstr()[()])[::-1]),
        ["/categories/paper_names"])
cats_h5("names_ints", lambda f: replace_ds(f, "categories/paper_names", np.arange(17)),
        ["/categories/paper_names"])
cats_h5("names_bad_utf8", lambda f: H.vlen(f, "categories/paper_names",
                                           [b"ARA\xff"] + [s.encode() for s in
                                                         f["categories/paper_names"].asstr()[1:]]),
        ["/categories/paper_names", "row 0"], np2=True)
cats_h5("complete_array", lambda f: set_attr(f, "complete", np.ones(2, "i8")), ["complete"])


@case("diversity", "top_zero")
def _(c):
    c.args = div_args(c, top=0)
    c.mention = ["--top"]


@case("diversity", "top_huge")
def _(c):
    c.args = div_args(c, top=10 ** 9)
    c.mention = ["--top"]


@case("diversity", "top_above_k")
def _(c):
    c.args = div_args(c, top=11)
    c.mention = ["nn.h5", "--top"]
    c.outputs = div_outputs(c)


@case("diversity", "scheme_bogus")
def _(c):
    c.args = div_args(c, None, None, "--scheme", "runes")
    c.mention = ["runes"]


def div_emb(name, X, mention, np2=False):
    @case("diversity", "embeddings_" + name, np2=np2)
    def _(c):
        p = c.npy("emb.npy", X())
        c.args = div_args(c, None, None, "--embeddings", p)
        c.mention = ["emb.npy"] + mention
        c.outputs = div_outputs(c)


div_emb("nan", _x_with(np.nan, 77, 5), ["row 77"], np2=True)
div_emb("inf", _x_with(-np.inf, 78, 5), ["row 78"])
div_emb("fewer_rows", lambda: np.ones((30, 16), "f4"), ["30", "300"])


@case("diversity", "embeddings_norms_nan")
def _(c):
    def edit(f):
        n = f["norms"][()]
        n[12] = np.nan
        replace_ds(f, "norms", n)
    m = c.h5(fx(c, "model.h5"), "m.h5", edit)
    c.args = div_args(c, None, None, "--embeddings", m)
    c.mention = ["m.h5", "/norms", "12"]
    c.outputs = div_outputs(c)


h5_case("diversity", "embeddings_norms_2d", "model.h5", "m.h5",
        lambda f: replace_ds(f, "norms", f["norms"][()].reshape(150, 2)),
        lambda c, m: div_args(c, None, None, "--embeddings", m),
        ["m.h5", "/norms"], outputs=lambda c: div_outputs(c))


same_file("diversity", "out_is_neighbors", "nn.h5", lambda c, nb, _: div_args(c, nb, out=nb),
          np2=True)


same_file("diversity", "out_is_categories", "model.h5",
          lambda c, m, _: div_args(c, None, m, out=m))


# --out div.h5 writes div.tsv beside it: here that is the categories file.
same_file("diversity", "tsv_is_categories", "cats.tsv", lambda c, t, _: div_args(c, None, t),
          as_name="div.tsv", outputs=lambda c: [c.p("div.h5")])


@case("diversity", "tsv_unwritable", np2=True)
def _(c):
    """The TSV beside the .h5 cannot be written: the .h5 must not be left complete."""
    os.makedirs(c.p("div.tsv"))
    c.args = div_args(c)
    c.mention = ["div.tsv"]
    c.outputs = [c.p("div.h5")]


@case("diversity", "out_missing_dir")
def _(c):
    c.args = div_args(c, out=c.p("no", "dir", "d.h5"))
    c.mention = ["no/dir"]


# ---------------------------------------------------------------------------------------------
# translate

def tr_args(c, nb=None, vocab=None, dic=None, *extra, out=None, top=5):
    return ["translate", "--neighbors", nb or fx(c, "nn.h5"), "--vocab",
            vocab or fx(c, "syn", "tokenizer.json"), "--dict", dic or c.fx.dict, "--top",
            str(top), "--out", out or c.p("tr.h5")] + list(extra)


def tr_outputs(c):
    return [c.p("tr.h5"), c.p("tr.tsv")]


slot_attacks("translate", "neighbors", "nn.h5", lambda c, p: tr_args(c, p), FILE_ATTACKS,
             skip=("empty", "garbage", "dangling", "loop"), np2=("fifo",))
slot_attacks("translate", "vocab", "tokenizer.json", lambda c, p: tr_args(c, None, p),
             FILE_ATTACKS, np2=("fifo",))
slot_attacks("translate", "dict", "muse", lambda c, p: tr_args(c, None, None, p), DIR_ATTACKS,
             np2=("fifo",))
slot_attacks("translate", "categories", "cats.tsv",
             lambda c, p: tr_args(c, None, None, None, "--categories", p), FILE_ATTACKS,
             skip=("empty", "garbage", "dangling", "loop"),
             also=SYMLINKS)

for _name in ("index_float64", "index_repeats", "ntokens_array", "complete_array",
              "query_duplicate"):
    def _mk(edit=NB_MUTATIONS[_name][0], mention=NB_MUTATIONS[_name][1]):
        def fn(c):
            nb = c.h5(fx(c, "nn.h5"), "nb.h5", edit)
            c.args = tr_args(c, nb)
            c.mention = ["nb.h5"] + mention
            c.outputs = tr_outputs(c)
        return fn
    case("translate", "nb_" + _name)(_mk())


def dict_case(name, files, mention, np2=False, expect=2):
    @case("translate", "dict_" + name, np2=np2)
    def _(c):
        os.makedirs(c.p("muse"))
        for fn, data in files(c).items():
            if data is None:
                c.fifo(os.path.join("muse", fn))
            elif data == "DIR":
                os.makedirs(c.p("muse", fn))
            else:
                c.write(os.path.join("muse", fn), data)
        c.args = tr_args(c, None, None, c.p("muse"))
        c.mention = mention
        c.expect = expect
        c.outputs = tr_outputs(c)


dict_case("empty_dir", lambda c: {}, ["muse"])
dict_case("file_is_fifo", lambda c: {"en-ru.txt": None}, ["en-ru.txt"], np2=True)
dict_case("file_is_dir", lambda c: {"en-ru.txt": "DIR"}, ["en-ru.txt"])
dict_case("zero_usable_pairs", lambda c: {"en-ru.txt": "one\nthree words here\n\xff\xfe x\n"},
          ["muse", re.compile("no usable|0 (usable )?pairs|zero")], np2=True)
dict_case("nul_lines_only", lambda c: {"en-ru.txt": b"a\x00 b\nc \x00d\n"},
          ["muse", re.compile("no usable|0 (usable )?pairs|zero")])
dict_case("no_vocab_match", lambda c: {"en-xx.txt": "zzzqqq yyyppp\nqqqzzz pppyyy\n"},
          ["muse", re.compile("no token|match|none of")], np2=True)


@case("translate", "dict_dangling_symlink")
def _(c):
    os.makedirs(c.p("muse"))
    c.copy(os.path.join(c.fx.dict, "en-ru.txt"), "muse/en-ru.txt")
    os.symlink(c.p("nowhere"), c.p("muse", "en-zh.txt"))
    c.args = tr_args(c, None, None, c.p("muse"))
    c.mention = ["en-zh.txt"]
    c.outputs = tr_outputs(c)


@case("translate", "dict_unreadable_file")
def _(c):
    os.makedirs(c.p("muse"))
    c.copy(os.path.join(c.fx.dict, "en-ru.txt"), "muse/en-ru.txt")
    os.chmod(c.p("muse", "en-ru.txt"), 0)
    c.as_nobody = True
    c.args = tr_args(c, None, None, c.p("muse"))
    c.mention = ["en-ru.txt"]
    c.outputs = tr_outputs(c)


@case("translate", "vocab_short", np2=True)
def _(c):
    v = c.write("v.txt", "a\nb\nc\n")
    c.args = tr_args(c, None, v)
    c.mention = ["v.txt", "3", "300"]
    c.outputs = tr_outputs(c)


h5_case("translate", "vocab_model_h5_incomplete", "model.h5", "m.h5",
        lambda f: f.attrs.__delitem__("complete"),
        lambda c, m: tr_args(c, None, m),
        ["m.h5", "complete"], outputs=lambda c: tr_outputs(c))


@case("translate", "top_above_k")
def _(c):
    c.args = tr_args(c, top=12)
    c.mention = ["--top"]
    c.outputs = tr_outputs(c)


same_file("translate", "out_is_neighbors", "nn.h5", lambda c, nb, _: tr_args(c, nb, out=nb),
          np2=True)


@case("translate", "tsv_is_dictionary")
def _(c):
    d = c.copy(c.fx.dict, "muse")
    os.rename(os.path.join(d, "en-ru.txt"), os.path.join(d, "en-ru.tsv"))
    os.symlink("en-ru.tsv", os.path.join(d, "en-ru.txt"))
    c.args = tr_args(c, None, None, d, out=os.path.join(d, "en-ru.h5"))
    c.mention = ["en-ru.tsv", SAME_FILE]
    c.outputs = [os.path.join(d, "en-ru.h5")]


@case("translate", "categories_wrong_length")
def _(c):
    t = c.write("cats.tsv", "id\tcategory\ttoken\n0\tLATIN\ta\n")
    c.args = tr_args(c, None, None, None, "--categories", t)
    c.mention = ["cats.tsv", "1", "300"]
    c.outputs = tr_outputs(c)


@case("translate", "tsv_unwritable")
def _(c):
    os.makedirs(c.p("tr.tsv"))
    c.args = tr_args(c)
    c.mention = ["tr.tsv"]
    c.outputs = [c.p("tr.h5")]


h5_case("translate", "zero_rows", "nn.h5", "nb.h5",
        NB_MUTATIONS["zero_rows"][0],
        lambda c, nb: tr_args(c, nb),
        ["nb.h5"], outputs=lambda c: tr_outputs(c))


# ---------------------------------------------------------------------------------------------
# compare

def cmp_args(c, a=None, b=None, *extra, out=None, top=5):
    return ["compare", "--a", a or fx(c, "nn.h5"), "--b", b or fx(c, "nn2.h5"), "--top",
            str(top), "--out", out or c.p("cmp.h5")] + list(extra)


def cmp_outputs(c):
    return [c.p("cmp.h5"), c.p("cmp.tsv"), c.p("cmp.map.tsv")]


slot_attacks("compare", "a", "a.h5", lambda c, p: cmp_args(c, p), FILE_ATTACKS,
             skip=("dangling", "loop"), np2=("fifo",))
slot_attacks("compare", "b", "b.h5", lambda c, p: cmp_args(c, None, p), FILE_ATTACKS,
             skip=("dangling", "loop", "empty"))
slot_attacks("compare", "vocab_a", "va.json",
             lambda c, p: cmp_args(c, None, None, "--vocab-a", p), FILE_ATTACKS,
             skip=("dangling", "loop", "dir"))
slot_attacks("compare", "categories", "cats.tsv",
             lambda c, p: cmp_args(c, None, None, "--categories", p), FILE_ATTACKS,
             skip=("dangling", "loop", "dir", "garbage"))

for _name in ("index_float64", "index_repeats", "ntokens_array", "complete_array",
              "query_out_of_range", "zero_rows"):
    def _mk(edit=NB_MUTATIONS[_name][0], mention=NB_MUTATIONS[_name][1]):
        def fn(c):
            nb = c.h5(fx(c, "nn2.h5"), "nb.h5", edit)
            c.args = cmp_args(c, None, nb)
            c.mention = ["nb.h5"] + mention
            c.outputs = cmp_outputs(c)
        return fn
    case("compare", "b_" + _name, np2=_name in ("index_float64", "ntokens_array"))(_mk())


def cmp_b(name, edit, mention, np2=False):
    @case("compare", name, np2=np2)
    def _(c):
        nb = c.h5(fx(c, "nn2.h5"), "nb.h5", edit)
        c.args = cmp_args(c, None, nb)
        c.mention = ["nb.h5"] + mention
        c.outputs = cmp_outputs(c)


cmp_b("b_vocab_missing", lambda f: f.__delitem__("vocab"), ["/vocab/token"])
cmp_b("b_vocab_ints", lambda f: replace_ds(f, "vocab/token", np.arange(300)), ["/vocab/token"])
cmp_b("b_vocab_2d", lambda f: H.vlen(f, "vocab/token", np.array(
    [t.encode() for t in c_tokens()], dtype=object).reshape(150, 2)), ["/vocab/token"])
cmp_b("b_vocab_short", lambda f: H.vlen(f, "vocab/token", ["a", "b"]), ["2", "300"])


def c_tokens():
    return FX.tokens


def disjoint_queries(f):
    q = f["neighbors/query"][()]
    keep = np.arange(150, 300)
    replace_ds(f, "neighbors/query", q[keep])
    idx = f["neighbors/index"][()][keep]
    replace_ds(f, "neighbors/index", idx)
    replace_ds(f, "neighbors/score", f["neighbors/score"][()][keep])


@case("compare", "no_shared_queries", np2=True)
def _(c):
    a = c.h5(fx(c, "nn.h5"), "a.h5", lambda f: (
        replace_ds(f, "neighbors/index", f["neighbors/index"][:150]),
        replace_ds(f, "neighbors/score", f["neighbors/score"][:150]),
        replace_ds(f, "neighbors/query", f["neighbors/query"][:150])))
    b = c.h5(fx(c, "nn2.h5"), "b.h5", disjoint_queries)
    c.args = cmp_args(c, a, b)
    c.mention = [re.compile("no (shared|common)|neither|none")]
    c.outputs = cmp_outputs(c)


same_file("compare", "out_is_a", "nn.h5", lambda c, a, _: cmp_args(c, a, out=a), np2=True)


same_file("compare", "out_is_b", "nn2.h5", lambda c, b, _: cmp_args(c, None, b, out=b))


same_file("compare", "map_tsv_is_vocab", "vocab.txt",
          lambda c, v, _: cmp_args(c, None, None, "--vocab-a", v), as_name="cmp.map.tsv",
          outputs=lambda c: [c.p("cmp.h5")])


@case("compare", "categories_wrong_length")
def _(c):
    t = c.write("cats.tsv", "id\tcategory\ttoken\n0\tLATIN\ta\n")
    c.args = cmp_args(c, None, None, "--categories", t)
    c.mention = ["cats.tsv", "1", "300"]
    c.outputs = cmp_outputs(c)


@case("compare", "top_zero")
def _(c):
    c.args = cmp_args(c, top=0)
    c.mention = ["--top"]


@case("compare", "tsv_unwritable")
def _(c):
    os.makedirs(c.p("cmp.map.tsv"))
    c.args = cmp_args(c)
    c.mention = ["cmp.map.tsv"]
    c.outputs = [c.p("cmp.h5"), c.p("cmp.tsv")]


# ---------------------------------------------------------------------------------------------
# probe

def probe_args(c, emb=None, cats=None, *extra, out=None):
    return ["probe", "--embeddings", emb or fx(c, "emb.npy"), "--categories",
            cats or fx(c, "cats.tsv"), "--folds", "3", "--min-tokens", "20", "--out",
            out or c.p("probe.h5")] + list(extra)


def probe_outputs(c):
    return [c.p("probe.h5"), c.p("probe.tsv")]


slot_attacks("probe", "embeddings", "emb.npy", lambda c, p: probe_args(c, p), FILE_ATTACKS,
             np2=("fifo",), extra={"trunc_h5": (make_trunc_h5, lambda c: fx(c, "model.h5"))})
slot_attacks("probe", "categories", "cats.tsv", lambda c, p: probe_args(c, None, p), FILE_ATTACKS,
             np2=("fifo",),
             also=SYMLINKS)


def probe_npy(name, X, mention, np2=False, expect=2, post=None, extra=()):
    @case("probe", name, np2=np2)
    def _(c):
        p = c.npy("emb.npy", X())
        c.args = probe_args(c, p, None, *extra)
        c.mention = ["emb.npy"] + mention
        c.expect = expect
        c.post = post
        c.outputs = probe_outputs(c)
        if expect == 0:
            c.allow_complete = [r"probe\.h5$"]


probe_npy("nan_row", _x_with(np.nan, 11, 7), ["row 11"], np2=True)
probe_npy("inf_row", _x_with(np.inf, 12, 0), ["row 12"])
probe_npy("all_rows_zero", lambda: np.zeros((300, 16), "f4"), [re.compile("zero|norm 0")],
          np2=True)


def warns_zero(c, rc, out, err):
    return [] if re.search(r"warning:.*(zero|norm 0)", err) else [
        "no warning counting the all-zero rows"]


def _some_zero():
    X = np.random.default_rng(3).standard_normal((300, 16)).astype("f4")
    X[::10] = 0
    return X


probe_npy("some_rows_zero", _some_zero, [], expect=0, post=warns_zero)
probe_npy("int_dtype", lambda: np.ones((300, 16), "i4"), [re.compile("<i4|integer|dtype")])


@case("probe", "min_tokens_skips_all", np2=True)
def _(c):
    c.args = probe_args(c)
    c.args[c.args.index("--min-tokens") + 1] = "100000"
    c.mention = ["--min-tokens", re.compile("no categor|every categor|all categor|nothing")]
    c.outputs = probe_outputs(c)


def probe_bad(name, opt, val, mention=None):
    @case("probe", name)
    def _(c):
        c.args = probe_args(c)
        if opt in c.args:
            c.args[c.args.index(opt) + 1] = val
        else:
            c.args += [opt, val]
        c.mention = mention or [opt]
        c.outputs = probe_outputs(c)


probe_bad("min_tokens_zero", "--min-tokens", "0")
probe_bad("min_tokens_huge", "--min-tokens", "1" + "0" * 30)
probe_bad("folds_one", "--folds", "1")
probe_bad("folds_huge", "--folds", "1000000")
probe_bad("folds_text", "--folds", "ten")
probe_bad("seed_negative", "--seed", "-3")
probe_bad("scheme_bogus", "--scheme", "ogham", ["ogham"])
probe_bad("out_suffix", "--out", "probe.txt", ["probe.txt"])


@case("probe", "categories_more_tokens")
def _(c):
    t = c.write("cats.tsv", "id\tcategory\ttoken\n" + "".join(
        "%d\t%s\tt\n" % (i, "LATIN" if i % 2 else "CJK") for i in range(3000)))
    c.args = probe_args(c, None, t)
    c.mention = ["cats.tsv", "3000", "300"]
    c.outputs = probe_outputs(c)


h5_case("probe", "categories_h5_code_negative", "model.h5", "m.h5",
        lambda f: f["categories/paper"].__setitem__(4, -1),
        lambda c, m: probe_args(c, None, m),
        ["m.h5", "/categories/paper", "row 4"], outputs=lambda c: probe_outputs(c))


@case("probe", "embeddings_h5_dataset_missing")
def _(c):
    c.args = probe_args(c, fx(c, "model.h5") + ":/nope")
    c.mention = ["model.h5", "/nope"]
    c.outputs = probe_outputs(c)


same_file("probe", "out_is_categories", "cats.tsv", lambda c, t, _: probe_args(c, None, t, out=t),
          np2=True)


same_file("probe", "out_is_embeddings", "model.h5", lambda c, m, _: probe_args(c, m, m, out=m))


# --out probe.h5 writes probe.tsv beside it: here that is the categories file.
same_file("probe", "tsv_beside_is_categories", "cats.tsv", lambda c, t, _: probe_args(c, None, t),
          as_name="probe.tsv", outputs=lambda c: [c.p("probe.h5")])


same_file("probe", "export_folds_is_categories", "cats.tsv",
          lambda c, t, _: probe_args(c, None, t, "--export-folds", t), outputs=probe_outputs)


@case("probe", "export_folds_is_out")
def _(c):
    c.args = probe_args(c, None, None, "--export-folds", c.p("probe.tsv"))
    c.mention = ["probe.tsv"]
    c.outputs = probe_outputs(c)


@case("probe", "tsv_unwritable", np2=True)
def _(c):
    os.makedirs(c.p("probe.tsv"))
    c.args = probe_args(c)
    c.mention = ["probe.tsv"]
    c.outputs = [c.p("probe.h5")]


@case("probe", "out_missing_dir")
def _(c):
    c.args = probe_args(c, out=c.p("no", "dir", "p.h5"))
    c.mention = ["no/dir"]


@case("probe", "ckpt_fifo")
def _(c):
    """A FIFO where the checkpoint would be: ignored or refused, never waited on."""
    c.fifo("probe.h5.ckpt")
    c.args = probe_args(c)
    c.expect = (0, 2)
    c.mention = ["probe.h5.ckpt"]
    c.allow_complete = [r"probe\.h5$"]


# ---------------------------------------------------------------------------------------------
# report (its inputs are the complete HDF5 files of a run directory)

def report_dir(c, edit=None, name="ma.h5"):
    """A copy of the fixture run's report inputs (the assembled model files and run.yaml), one
    of them edited."""
    d = c.p("run")
    os.makedirs(d)
    for n in os.listdir(c.fx.rundir):
        if n.endswith(".h5") or n == "run.yaml":
            c.copy(os.path.join(c.fx.rundir, n), os.path.join("run", n))
    if edit:
        with h5py.File(os.path.join(d, name), "a") as f:
            edit(f)
    c.args = ["report", d]
    c.outputs = [os.path.join(d, "report.md"), os.path.join(d, "index.html")]
    return d


def report_bad(name, edit, mention):
    @case("report", name)
    def _(c):
        report_dir(c, edit)
        c.mention = ["ma.h5"] + mention


report_bad("complete_array", lambda f: set_attr(f, "complete", np.ones(2, "i8")), ["complete"])
report_bad("model_attr_array", lambda f: set_attr(f, "model", np.array([b"a", b"b"])), ["model"])
report_bad("model_attr_int", lambda f: set_attr(f, "model", 7), ["model"])
report_bad("tool_version_array", lambda f: set_attr(f, "tool_version", np.array([1, 2])),
           ["tool_version"])
report_bad("std_accuracy_one", lambda f: replace_ds(f, "probe/std_accuracy", [0.01]),
           ["/probe/std_accuracy"])
report_bad("n_tokens_one", lambda f: replace_ds(f, "probe/n_tokens", np.array([5], "i8")),
           ["/probe/n_tokens"])
report_bad("histogram_huge", lambda f: (f.__delitem__("diversity/histogram"),
                                        f.create_dataset("diversity/histogram",
                                                         shape=(10 ** 9,), dtype="i8",
                                                         chunks=(1 << 16,))),
           ["/diversity/histogram"])
report_bad("histogram_2d", lambda f: replace_ds(f, "diversity/histogram",
                                                np.ones((2, 7), "i8")), ["/diversity/histogram"])
report_bad("histogram_negative", lambda f: replace_ds(f, "diversity/histogram",
                                                      -np.ones(7, "i8")),
           ["/diversity/histogram"])
report_bad("histogram_float", lambda f: replace_ds(f, "diversity/histogram",
                                                   np.full(7, 0.5)), ["/diversity/histogram"])
report_bad("matrix_wrong_size", lambda f: replace_ds(f, "diversity/matrix_mean", np.ones((2, 2))),
           ["/diversity/matrix_mean"])
report_bad("categories_ints", lambda f: replace_ds(f, "diversity/categories", np.arange(3)),
           ["/diversity/categories"])
report_bad("cat_mean_short", lambda f: replace_ds(f, "diversity/cat_mean", np.ones(2)),
           ["/diversity/cat_mean"])
report_bad("top_string", lambda f: set_attr(f["diversity"], "top", "fifty"), ["top"])
report_bad("mean_accuracy_string", lambda f: H.vlen(f, "probe/mean_accuracy",
                                                    ["a"] * len(f["probe/names"])),
           ["/probe/mean_accuracy"])
report_bad("probe_names_bad_utf8", lambda f: H.vlen(f, "probe/names",
                                                    [b"\xff\xfe"] * len(f["probe/names"])),
           ["/probe/names"])


@case("report", "dir_missing")
def _(c):
    c.args = ["report", c.p("nope")]
    c.mention = ["nope"]


@case("report", "dir_is_file")
def _(c):
    c.args = ["report", c.write("f", "x")]
    c.mention = ["f"]


@case("report", "dir_is_fifo")
def _(c):
    c.args = ["report", c.fifo("p")]
    c.mention = ["p"]


@case("report", "dir_empty")
def _(c):
    os.makedirs(c.p("run"))
    c.args = ["report", c.p("run")]
    c.mention = ["run", "complete"]


@case("report", "dir_only_incomplete")
def _(c):
    report_dir(c)
    for n in os.listdir(c.p("run")):
        if n.endswith(".h5"):
            with h5py.File(c.p("run", n), "a") as f:
                del f.attrs["complete"]
    c.mention = ["run", "complete"]


@case("report", "model_file_fifo")
def _(c):
    report_dir(c)
    c.fifo("run/zz.h5")
    c.timeout = 30  # the report draws its figures
    c.expect = (0, 2)
    c.mention = ["zz.h5"]


@case("report", "figures_is_file")
def _(c):
    report_dir(c)
    c.write("run/figures", "x")
    c.mention = ["figures"]


@case("report", "report_md_is_dir")
def _(c):
    report_dir(c)
    os.makedirs(c.p("run", "report.md"))
    c.mention = ["report.md"]
    c.outputs = []


@case("report", "too_many_models")
def _(c):
    d = report_dir(c)
    for i in range(40):
        c.copy(c.p("run", "ma.h5"), os.path.join("run", "m%02d.h5" % i))
    c.mention = ["run", "32"]


# Names that must be escaped. Each ends in a unique marker so the checks can find it.
EVIL_GNUPLOT = 'x"\nEOD\n!touch PWNED_GP\nprint "'
EVIL_GNUPLOT2 = 'y"; system("touch PWNED_SYS"); print "'
EVIL_HTML = '<script>alert(1)</script><img src=x onerror=alert(2)>'
EVIL_MD = 'a|b **bold** [click](javascript:alert(3)) `code` <b>raw</b>\n# injected heading'


def md_outside_fences(md):
    out, fence = [], False
    for l in md.split("\n"):
        if l.lstrip().startswith("```") or l.lstrip().startswith("~~~"):
            fence = not fence
            continue
        if not fence:
            out.append(l)
    return out


def check_escaped(c, rc, out, err):
    d = c.p("run")
    probs = []
    for marker in ("PWNED_GP", "PWNED_SYS"):
        for dp, dns, fns in os.walk(c.d):
            if marker in fns:
                probs.append("gnuplot ran an injected command (%s created)" % marker)
    if rc != 0:
        return probs
    md = open(os.path.join(d, "report.md"), encoding="utf-8", errors="replace").read()
    html = open(os.path.join(d, "index.html"), encoding="utf-8", errors="replace").read()
    for bad in ("<script>", "<img src=x", "<b>raw</b>"):
        if bad in html:
            probs.append("index.html holds %r unescaped" % bad)
        if any(bad in l for l in md_outside_fences(md)):
            probs.append("report.md holds %r unescaped" % bad)
    lines = md_outside_fences(md)
    if any(l.startswith("# injected") for l in lines):
        probs.append("report.md: a name started a Markdown heading")
    if any("](javascript:" in l for l in lines):
        probs.append("report.md: a name made a Markdown link")
    # every row of a table has the column count of its header
    tables, cur = [], []
    for l in lines:
        if l.startswith("|"):
            cur.append(len(re.split(r"(?<!\\)\|", l)))
        elif cur:
            tables.append(cur)
            cur = []
    for t in tables:
        if len(set(t)) > 1:
            probs.append("report.md: a table row has a different number of cells (%s)" % t)
            break
    for dp, dns, fns in os.walk(os.path.join(d, "figures")):
        for n in fns:
            if n.endswith(".gp"):
                gp = open(os.path.join(dp, n), encoding="utf-8", errors="replace").read()
                if re.search(r"^!", gp, re.M) or "system(" in gp:
                    probs.append("figures/%s: an injected gnuplot command" % n)
    for dp, dns, fns in os.walk(c.d):
        for n in fns:
            p = os.path.join(dp, n)
            if not p.startswith(d + os.sep):
                if n.endswith((".gp", ".svg", ".png", ".log")):
                    probs.append("%s written outside the run directory" % p)
    return probs


def report_evil(name, edit, np2=False):
    @case("report", name)
    def _(c):
        report_dir(c, edit)
        c.expect = 0
        c.post = check_escaped
        c.cwd = c.d


def rename_categories(f, names):
    for g in ("diversity/categories", "probe/names", "translate/categories"):
        if g in f:
            old = list(f[g].asstr()[()])
            new = [names[i % len(names)] + str(i) if i < len(names) else s
                   for i, s in enumerate(old)]
            H.vlen(f, g, new)


report_evil("category_gnuplot_eod", lambda f: rename_categories(f, [EVIL_GNUPLOT]))
report_evil("category_gnuplot_quote", lambda f: rename_categories(f, [EVIL_GNUPLOT2]))
report_evil("category_html", lambda f: rename_categories(f, [EVIL_HTML]))
report_evil("category_markdown", lambda f: rename_categories(f, [EVIL_MD]))
report_evil("model_name_gnuplot", lambda f: set_attr(f, "model", EVIL_GNUPLOT2))
report_evil("model_name_newline_eod", lambda f: set_attr(f, "model", EVIL_GNUPLOT))
report_evil("model_name_html", lambda f: set_attr(f, "model", EVIL_HTML))
report_evil("model_name_markdown", lambda f: set_attr(f, "model", EVIL_MD))
report_evil("model_name_path", lambda f: set_attr(f, "model", "../../../escape"))
report_evil("compare_name_html", lambda f: f.move("compare/" + list(f["compare"])[0],
                                                  "compare/" + EVIL_HTML.replace("/", "_")))


@case("report", "run_yaml_fence_break")
def _(c):
    report_dir(c)
    c.write("run/run.yaml", "run: x\n```\n<script>alert(1)</script>\n# injected heading\n")
    c.expect = 0
    c.post = check_escaped


# ---------------------------------------------------------------------------------------------
# run

def run_args(c, cfg, *extra):
    return ["run", cfg] + list(extra)


def run_cfg(c, **over):
    cfg = c.write("cfg.yaml", c.fx.config(name="r", results=c.p("results"), **over))
    c.args = run_args(c, cfg)
    c.outputs = [c.p("results", "r", "ma.h5"), c.p("results", "r", "sc.h5"),
                 c.p("results", "r", "report.md")]
    c.allow_complete = [r"/steps/"]
    return cfg


slot_attacks("run", "config", "cfg.yaml", lambda c, p: run_args(c, p), FILE_ATTACKS,
             np2=("fifo",),
             also=SYMLINKS)


@case("run", "config_devzero")
def _(c):
    c.args = ["run", "/dev/zero"]
    c.mention = ["/dev/zero"]


def cfg_bad(name, mention, np2=False, text=None, **over):
    @case("run", "config_" + name, np2=np2)
    def _(c):
        if text is not None:
            cfg = c.write("cfg.yaml", text(c) if callable(text) else text)
            c.args = run_args(c, cfg)
        else:
            run_cfg(c, **over)
        c.mention = ["cfg.yaml"] + mention


cfg_bad("unknown_key", ["neighbors.kk"], neighbors="neighbors: {kk: 3}")
cfg_bad("k_string", ["neighbors.k"], neighbors='neighbors: {k: "11"}')
cfg_bad("k_negative", ["neighbors.k"], neighbors="neighbors: {k: -11}")
cfg_bad("k_huge", ["neighbors.k"], neighbors="neighbors: {k: 100000000000000000000000}")
cfg_bad("k_list", ["neighbors.k"], neighbors="neighbors: {k: [1, 2]}")
cfg_bad("models_scalar", ["models"], models="models: 7")
cfg_bad("models_empty", ["models"], models="models: []")
cfg_bad("model_name_slash", ["models.0.name"],
        models="models:\n  - name: a/b\n    path: /tmp")
cfg_bad("run_dotdot", ["run"], run="run: ..")
cfg_bad("run_dot", ["run"], run="run: .")
cfg_bad("duplicate_key", ["diversity"], diversity="diversity: {top: 5}\ndiversity: {top: 6}")
cfg_bad("two_documents", [], compare="compare: {pairs: [[ma, sc]]}\n---\nrun: x")
cfg_bad("bad_utf8", [], text=b"run: r\xff\nmodels: []\n")
cfg_bad("nul_byte", [], text=b"run: r\x00\nmodels: []\n")
cfg_bad("alias_bomb", [], text="a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    "%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n" % ((chr(98 + i),) * 2 +
                                                               (chr(97 + i),) * 9)
    for i in range(8)) + "run: r\n")
cfg_bad("deep_nesting", [], text="run: " + "[" * 50000 + "]" * 50000 + "\n")
cfg_bad("top_not_below_k", ["diversity.top", "neighbors.k"], diversity="diversity: {top: 11}")
cfg_bad("folds_one", ["probe.folds"], probe="probe: {folds: 1}")
# The map needs n_neighbors - 1 other tokens per row (k = 11 with the token itself holds 10): the
# run refuses the config up front, naming both keys, rather than failing at the map step.
cfg_bad("k_below_map_default", ["neighbors.k = 11", "map.n_neighbors = 15"], np2=True, map="")
cfg_bad("k_below_map_n_neighbors", ["neighbors.k = 11", "map.n_neighbors = 12"],
        map="map: {n_neighbors: 12}")


def cfg_path(name, make, key, mention, np2=False):
    @case("run", name, np2=np2)
    def _(c):
        p = make(c)
        if key == "models":
            run_cfg(c, models="models:\n  - name: ma\n    path: %s" % p, compare="",
                    translate="")
        elif key == "vocab":
            run_cfg(c, models="models:\n  - name: ma\n    path: %s\n    vocab: %s"
                    % (fx(c, "syn"), p), compare="", translate="")
        elif key == "queries":
            run_cfg(c, neighbors="neighbors: {k: 11, queries: %s}" % p)
        elif key == "dictionaries":
            run_cfg(c, translate="translate: {dictionaries: %s}" % p)
        elif key == "results_dir":
            cfg = c.write("cfg.yaml", c.fx.config(name="r", results=p))
            c.args = run_args(c, cfg)
        c.mention = mention(c) if callable(mention) else mention


cfg_path("model_path_fifo", lambda c: c.fifo("m.npy"), "models", ["m.npy"], np2=True)
cfg_path("model_path_missing", lambda c: c.p("nope"), "models", ["nope"])
cfg_path("model_path_devzero", lambda c: "/dev/zero", "models", ["/dev/zero"])
cfg_path("vocab_fifo", lambda c: c.fifo("v.txt"), "vocab", ["v.txt"])
cfg_path("queries_fifo", lambda c: c.fifo("q.txt"), "queries", ["q.txt"])
cfg_path("dictionaries_is_file", lambda c: c.write("muse", "x"), "dictionaries", ["muse"])
cfg_path("dictionaries_fifo", lambda c: c.fifo("muse"), "dictionaries", ["muse"])
cfg_path("dictionaries_zero_pairs",
         lambda c: (os.makedirs(c.p("muse")), c.write("muse/en-ru.txt", "a b c\n"))[1] and
         c.p("muse"), "dictionaries", ["muse"], np2=True)
cfg_path("results_dir_is_file", lambda c: c.write("res", "x"), "results_dir", ["res"])


@case("run", "min_tokens_skips_all", np2=True)
def _(c):
    run_cfg(c, probe="probe: {folds: 3, min_tokens: 100000}")
    c.mention = ["probe", "--min-tokens"]


@case("run", "model_nan", np2=True)
def _(c):
    X = c.fx.X.copy()
    X[7, 7] = np.nan
    p = c.npy("m.npy", X)
    run_cfg(c, models="models:\n  - name: ma\n    path: %s\n    vocab: %s"
            % (p, fx(c, "vocab.txt")), compare="", translate="")
    c.mention = ["m.npy", "row 7"]


@case("run", "output_is_model_input")
def _(c):
    """models[0].path is results/r/ma.h5 itself: the run must not assemble over its input."""
    os.makedirs(c.p("results", "r"))
    m = c.copy(fx(c, "model.h5"), "results/r/ma.h5")
    run_cfg(c, models="models:\n  - name: ma\n    path: %s" % m, compare="", translate="")
    c.outputs = []
    c.mention = ["ma.h5", SAME_FILE]


STEPS = ("model", "neighbors", "diversity", "probe", "translate")


def step_file(c, step, edit):
    """The fixture run's step files of model ma up to `step`, as the case's own run would have
    written them (their recorded command lines point into the case), the last one edited; the
    run takes them as done and reads the edited one in the next step."""
    os.makedirs(c.p("results", "base", "steps"), exist_ok=True)
    old, new = c.fx.p("results"), c.p("results")
    for s in STEPS[:STEPS.index(step) + 1]:
        src = os.path.join(c.fx.rundir, "steps", "ma.%s.h5" % s)

        def fix(f, s=s):
            set_attr(f, "command_line", f.attrs["command_line"].replace(old, new))
            if s == step:
                edit(f)
        c.h5(src, os.path.join("results", "base", "steps", "ma.%s.h5" % s), fix)


def run_step_bad(name, step, edit, mention, np2=False):
    @case("run", name, np2=np2)
    def _(c):
        cfg = c.write("cfg.yaml", c.fx.config(name="base", results=c.p("results")))
        c.args = run_args(c, cfg)
        c.allow_complete = [r"/steps/"]
        c.outputs = [c.p("results", "base", "ma.h5"), c.p("results", "base", "sc.h5")]
        step_file(c, step, edit)
        c.mention = ["ma.%s.h5" % step] + mention


run_step_bad("step_command_line_array", "model",
             lambda f: set_attr(f, "command_line", np.array([b"a", b"b"])), ["command_line"],
             np2=True)
run_step_bad("step_command_line_int", "model", lambda f: set_attr(f, "command_line", 5),
             ["command_line"])
run_step_bad("step_complete_array", "neighbors",
             lambda f: set_attr(f, "complete", np.ones(2, "i8")), ["complete"])
run_step_bad("step_index_float64", "neighbors", NB_MUTATIONS["index_float64"][0],
             ["/neighbors/index"])


@case("run", "run_log_fifo")
def _(c):
    run_cfg(c)
    c.fifo("results/r/run.log")
    c.mention = ["run.log"]


@case("run", "run_yaml_is_dir")
def _(c):
    run_cfg(c)
    os.makedirs(c.p("results", "r", "run.yaml"))
    c.mention = ["run.yaml"]


@case("run", "set_unknown_key")
def _(c):
    run_cfg(c)
    c.args += ["--set", "neighbors.kk=3"]
    c.mention = ["neighbors.kk"]


@case("run", "set_gap_index")
def _(c):
    run_cfg(c)
    c.args += ["--set", "models.9.name=x"]
    c.mention = ["models.9"]


@case("run", "set_no_equals")
def _(c):
    run_cfg(c)
    c.args += ["--set", "neighbors.k"]
    c.mention = ["neighbors.k"]


# ---------------------------------------------------------------------------------------------
# Commands and options still being added (SPEC): skipped until they exist.

@case("overlap", "vocab_fifo", needs="overlap")
def _(c):
    v = c.fifo("v.json")
    c.args = ["overlap", "--vocab", v, "--vocab", fx(c, "vocab.txt"), "--out", c.p("ov")]
    c.mention = ["v.json"]


@case("overlap", "vocab_missing", needs="overlap")
def _(c):
    c.args = ["overlap", "--vocab", c.p("nope.json"), "--vocab", fx(c, "vocab.txt"), "--out",
              c.p("ov")]
    c.mention = ["nope.json"]


@case("overlap", "names_count", needs="overlap")
def _(c):
    c.args = ["overlap", "--vocab", fx(c, "vocab.txt"), "--vocab", fx(c, "syn", "tokenizer.json"),
              "--names", "a,b,c", "--out", c.p("ov")]
    c.mention = ["--names"]


@case("overlap", "out_missing_dir", needs="overlap")
def _(c):
    c.args = ["overlap", "--vocab", fx(c, "vocab.txt"), "--vocab", fx(c, "syn", "tokenizer.json"),
              "--out", c.p("no", "dir", "ov")]
    c.mention = ["no/dir"]


def map_case(name, extra, mention, nb=None):
    @case("map", name, needs="map")
    def _(c):
        p = nb(c) if nb else fx(c, "nn.h5")
        c.args = ["map", "--neighbors", p, "--out", c.p("map.h5")] + (
            extra if "--n-neighbors" in extra else ["--n-neighbors", "5"] + extra)
        c.mention = mention
        c.outputs = [c.p("map.h5")]


map_case("n_neighbors_zero", ["--n-neighbors", "0"], ["--n-neighbors"])
map_case("n_neighbors_above_k", ["--n-neighbors", "50"], ["--n-neighbors"])
map_case("min_dist_negative", ["--min-dist", "-1"], ["--min-dist"])
map_case("min_dist_nan", ["--min-dist", "nan"], ["--min-dist"])
map_case("index_float64", [], ["nb.h5", "/neighbors/index"],
         nb=lambda c: c.h5(fx(c, "nn.h5"), "nb.h5", NB_MUTATIONS["index_float64"][0]))
map_case("neighbors_fifo", [], ["nb.h5"], nb=lambda c: c.fifo("nb.h5"))


def freq_case(name, text, mention):
    @case("diversity", "frequencies_" + name, needs="diversity --frequencies")
    def _(c):
        p = c.write("freq.txt", text) if text is not None else c.fifo("freq.txt")
        c.args = div_args(c, None, None, "--frequencies", p)
        c.mention = ["freq.txt"] + mention
        c.outputs = div_outputs(c)


freq_case("fifo", None, [])
freq_case("negative_count", "id\tcount\n1\t5\n2\t-3\n", ["freq.txt:3"])
freq_case("nan_count", "id\tcount\n1\t5\n2\tnan\n", ["freq.txt:3"])
freq_case("huge_count", "id\tcount\n1\t99999999999999999999999\n", ["freq.txt:2"])
freq_case("id_out_of_range", "id\tcount\n1\t5\n300\t3\n", ["freq.txt:3"])
freq_case("duplicate", "id\tcount\n1\t5\n1\t3\n", ["freq.txt:3"])
freq_case("nul_byte", b"id\tcount\n1\t5\n2\x00\t3\n", ["freq.txt:3"])
freq_case("three_fields", "id\tcount\n1\t5\t7\n", ["freq.txt:2"])
freq_case("unknown_token", "token\tcount\nzzz-no-such-token\t5\n", ["freq.txt:2"])
freq_case("no_header", "1\t5\n", ["freq.txt:1"])


def subset_case(cmd, name, text, mention, args):
    @case(cmd, "subset_" + name, needs=cmd + " --subset")
    def _(c):
        p = c.write("subset.txt", text) if text is not None else c.fifo("subset.txt")
        c.args = args(c) + ["--subset", p]
        c.mention = ["subset.txt"] + mention


subset_case("neighbors", "fifo", None, [], lambda c: nbr_args(c))
subset_case("neighbors", "out_of_range", "1\n300\n", ["subset.txt:2"], lambda c: nbr_args(c))
subset_case("diversity", "nul_byte", b"1\n2\x00\n", ["subset.txt:2"], lambda c: div_args(c))
subset_case("probe", "empty", "", [], lambda c: probe_args(c))


# ---------------------------------------------------------------------------------------------
# Disk full: a 1 MiB tmpfs, filled until a few KiB are left (root only).

def disk_case(name, args, outputs, np2=False):
    @case("disk", name, timeout=30, np2=np2)
    def _(c):
        c.full = c.p("full")
        c.args = args(c)
        c.expect = 3
        c.mention = [re.compile("disk|space|No space|ENOSPC|write")]
        c.outputs = outputs(c)
        c.needs_tmpfs = True
        c.allow_complete = [r"/steps/"]


disk_case("ingest", lambda c: ingest_args(c, fx(c, "syn"), out=c.p("full", "m.h5")),
          lambda c: [c.p("full", "m.h5")], np2=True)
disk_case("neighbors", lambda c: nbr_args(c, out=c.p("full", "nn.h5")),
          lambda c: [c.p("full", "nn.h5")], np2=True)
disk_case("categorize", lambda c: categorize_args(c, fx(c, "vocab.txt"),
                                                  out=c.p("full", "c.tsv")),
          lambda c: [c.p("full", "c.tsv")])
disk_case("diversity", lambda c: div_args(c, out=c.p("full", "d.h5")),
          lambda c: [c.p("full", "d.h5"), c.p("full", "d.diversity.tsv")], np2=True)
disk_case("probe", lambda c: probe_args(c, out=c.p("full", "p.h5")),
          lambda c: [c.p("full", "p.h5"), c.p("full", "p.tsv")])
disk_case("translate", lambda c: tr_args(c, out=c.p("full", "t.h5")),
          lambda c: [c.p("full", "t.h5")])
disk_case("compare", lambda c: cmp_args(c, out=c.p("full", "c.h5")),
          lambda c: [c.p("full", "c.h5")])
disk_case("synth", lambda c: synth_args(c, out=c.p("full", "syn")),
          lambda c: [c.p("full", "syn", "model.safetensors")])
disk_case("run", lambda c: ["run", c.write("cfg.yaml", c.fx.config(name="r",
                                                                   results=c.p("full")))],
          lambda c: [c.p("full", "r", "ma.h5"), c.p("full", "r", "report.md")])
disk_case("report", lambda c: ["report", c.p("full", "run")], lambda c: [])


# ---------------------------------------------------------------------------------------------

GROUPS = {
    "vocab": ("categorize", "ingest", "synth"),
    "neighbors": ("neighbors",),
    "stats": ("diversity", "translate", "compare"),
    "probe": ("probe",),
    "pipeline": ("run", "report"),
    "extra": ("overlap", "map"),
    "disk": ("disk",),
}


def group_of(cs):
    if cs.needs and " " in cs.needs:
        return "extra"
    for g, cmds in GROUPS.items():
        if cs.cmd in cmds:
            return g
    return "extra"


def load_known(path):
    known = {}
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                cid, _, why = line.partition("\t")
                known[cid] = why
    return known


class Tmpfs:
    """A small tmpfs mounted at path, filled until `left` bytes remain."""

    def __init__(self, path, size="1m", left=8192):
        self.path = path
        os.makedirs(path, exist_ok=True)
        r = tahelp.subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", path],
                                  capture_output=True, text=True)
        self.ok = r.returncode == 0
        self.why = r.stderr.strip()
        if self.ok:
            st = os.statvfs(path)
            free = st.f_bavail * st.f_frsize
            with open(os.path.join(path, "filler"), "wb") as f:
                f.write(b"\0" * max(0, free - left))

    def close(self):
        if self.ok:
            tahelp.subprocess.run(["umount", "-l", self.path])


def main():
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--group", default=None)
    ap.add_argument("--only", default=None)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--no-np2", action="store_true")
    ap.add_argument("--write-known", default=None)
    ap.add_argument("-j", "--jobs", type=int,
                    default=int(os.environ.get("TA_HOSTILE_JOBS", "4")),
                    help="cases run side by side (default 4, or TA_HOSTILE_JOBS)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print each case's stderr")
    a = ap.parse_args()
    sel = [cs for cs in CASES if (not a.group or group_of(cs) == a.group) and
           (not a.only or re.search(a.only, cs.id))]
    if a.list:
        per = {}
        for cs in CASES:
            per.setdefault(cs.cmd, [0, 0])
            per[cs.cmd][0] += 1
            per[cs.cmd][1] += cs.np2
        for k, (n1, n2) in sorted(per.items()):
            print("%-12s %4d cases, %3d also at 2 ranks" % (k, n1, n2))
        print("%-12s %4d cases, %3d also at 2 ranks" % ("all", len(CASES),
                                                        sum(cs.np2 for cs in CASES)))
        return 0
    if not tahelp.BIN:
        tahelp.skip("TA_BIN not set")
    ids = [cs.id for cs in CASES]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        print("duplicate case ids: %s" % sorted(dup))
        return 1
    top = tahelp.tmpdir()
    global FX
    FX = H.Fixtures(top)
    FX.build(need_run=any(cs.cmd in ("report", "run", "disk") for cs in sel))
    runner = H.Runner(top, FX)
    known_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hostile_known.txt")
    known = load_known(known_path)
    t0 = time.time()
    jobs = []
    for cs in sel:
        for np_ in [1] + ([2] if cs.np2 and not a.no_np2 else []):
            jobs.append((cs, np_))
    lock = threading.Lock()

    def one(job):
        cs, np_ = job
        cid = cs.id + ("@2" if np_ == 2 else "")
        if not runner.available(cs.needs):
            return (cid, "SKIP", ["%s does not exist yet" % cs.needs], 0)
        if cs.cmd == "disk" and not H.IS_ROOT:
            return (cid, "SKIP", ["disk full needs root (mount -t tmpfs)"], 0)
        try:
            if cs.cmd == "disk":
                probs, secs, err = run_disk_case(runner, cs, np_)
            else:
                probs, secs, err = runner.run_case(cs, np_)
        except H.SkipCase as e:
            return (cid, "SKIP", [str(e)], 0)
        if probs and cid in known:
            st = "XFAIL"
        elif probs:
            st = "FAIL"
        elif cid in known:
            st = "XPASS"
            probs = ["listed in hostile_known.txt but passes now: remove it from the list"]
        else:
            st = "PASS"
        with lock:
            print("%-5s %-52s %5.1fs %s" % (st, cid, secs, "; ".join(probs)[:400]), flush=True)
            if a.verbose:
                for l in H.strip_mpirun(err)[-4:]:
                    print("        | " + l[:300])
        return (cid, st, probs, secs)

    # The cases wait on MPI start-up and timeouts far more than they compute: several at once.
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        results = list(ex.map(one, jobs))
    changed = FX.changed()
    if changed:
        results.append(("fixtures", "FAIL", ["a case changed the shared fixtures: %s" % ", ".join(
            os.path.relpath(p, FX.d) for p in changed)], 0))
    counts = {}
    for r in results:
        counts[r[1]] = counts.get(r[1], 0) + 1
    print("hostile: %d runs in %.0f s: %s" % (len(results), time.time() - t0, ", ".join(
        "%s %d" % kv for kv in sorted(counts.items()))))
    for cid, st, probs, secs in results:
        if st == "SKIP":
            print("SKIP  %-52s %s" % (cid, probs[0]))
    if a.write_known:
        with open(a.write_known, "w", encoding="utf-8") as f:
            for cid, st, probs, secs in results:
                if st in ("FAIL", "XFAIL"):
                    f.write("%s\t%s\n" % (cid, "; ".join(probs)[:300].replace("\n", " ")))
    bad = [r for r in results if r[1] in ("FAIL", "XPASS")]
    if bad:
        print("hostile: %d unexpected result(s):" % len(bad))
        for cid, st, probs, secs in bad:
            print("  %s %s: %s" % (st, cid, "; ".join(probs)[:400]))
        return 1
    if results and all(r[1] == "SKIP" for r in results):
        tahelp.skip("every case skipped: " + results[0][2][0])
    return 0


def observed(probs, top):
    """One line of hostile_known.txt: the problems seen, without the scratch paths."""
    text = "; ".join(probs).replace("\n", " ")
    text = re.sub(re.escape(top) + r"/cases/[^/ ]+/", "", text)
    text = re.sub(r"\[vm:\d+\]|\[[a-z0-9-]+:\d+\]", "", text)
    text = re.sub(r"; 0 'tokenatlas: error:' lines on stderr.*", "", text)
    return text[:200]


def run_disk_case(runner, cs, np_):
    """Disk-full cases run with a fresh, nearly full tmpfs at CASE/full."""
    d = os.path.join(runner.top, "cases", "%s@%d" % (cs.id, np_))
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    full = os.path.join(d, "full")
    t = Tmpfs(full, left=4096 if cs.id != "disk.report" else 0)
    if not t.ok:
        raise H.SkipCase("cannot mount a tmpfs: %s" % t.why)
    try:
        if cs.id == "disk.report":
            # the run directory's inputs fit; the report's outputs do not
            os.unlink(os.path.join(full, "filler"))
            os.makedirs(os.path.join(full, "run"))
            for n in os.listdir(runner.fx.rundir):
                if n.endswith(".h5"):
                    shutil.copyfile(os.path.join(runner.fx.rundir, n),
                                    os.path.join(full, "run", n))
            st = os.statvfs(full)
            with open(os.path.join(full, "filler"), "wb") as f:
                f.write(b"\0" * max(0, st.f_bavail * st.f_frsize - 2048))
        return runner.run_case(cs, np_, keep_dir=True)
    finally:
        t.close()


import shutil  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
