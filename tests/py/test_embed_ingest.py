"""ingest: model.h5 content against independent oracles (numpy decoding of the safetensors/npy
bytes, unicodedata categories, the tokenizer.json pieces), identical for 1, 2 and 3 ranks; padding
rows dropped; zero rows flagged; bad input exits 2 with one line naming the file and the place
and leaves no file that looks complete."""
import collections
import io
import json
import os
import struct
import unicodedata

import h5py
import numpy as np

import tahelp
from embedfiles import paper_category
from embedfiles import bf16_bits, st_bytes, write_st

T = tahelp.tmpdir()


def datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[name] = obj[()]
        f.visititems(visit)
        attrs = dict(f.attrs)
        eattrs = dict(f["embeddings"].attrs)
    return out, attrs, eattrs


# --- A synth model with 12 padding rows (like mT5), ingested on 1, 2 and 3 ranks.
syn = os.path.join(T, "syn")
tahelp.run(["synth", "--preset", "meaning-aligned", "--tokens", "3000", "--dim", "48", "--seed", "3",
            "--extra-rows", "12", "--out", syn])
raw = open(os.path.join(syn, "model.safetensors"), "rb").read()
hl = struct.unpack("<Q", raw[:8])[0]
X = (np.frombuffer(raw[8 + hl:], "<u2").astype("<u4") << 16).view("<f4").reshape(3012, 48)[:3000]
pieces = [p for p, _ in json.load(open(os.path.join(syn, "tokenizer.json"), encoding="utf-8"))["model"]["vocab"]]
ref = None
for np_ in [1, 2, 3]:
    out = os.path.join(T, "m%d.h5" % np_)
    p = tahelp.run(["ingest", "--model", syn, "--out", out], np=np_)
    tahelp.check("12 rows" in p.stderr and "dropped" in p.stderr, "padding rows dropped with a warning: %r" % p.stderr)
    ds, attrs, eattrs = datasets(out)
    if ref is None:
        ref = ds
        tahelp.check(ds["embeddings"].dtype == np.float32 and np.array_equal(ds["embeddings"], X), "embeddings = numpy BF16 decoding")
        tahelp.check(np.allclose(ds["norms"], np.linalg.norm(X.astype(np.float64), axis=1), rtol=1e-6), "norms")
        tahelp.check(len(ds["zero_rows"]) == 0, "no zero rows")
        toks = [t.decode("utf-8") for t in ds["vocab/token"]]
        tahelp.check(toks == pieces, "vocab/token = tokenizer.json pieces")
        tahelp.check(list(ds["vocab/flags"][:3] & 2) == [2, 2, 2] and not ds["vocab/flags"][3:].any(), "special flags")
        names = [n.decode() for n in ds["categories/paper_names"]]
        tahelp.check(names == sorted(names), "paper_names sorted")
        got = [names[c] for c in ds["categories/paper"]]
        want = [paper_category(t) for t in pieces]
        tahelp.check(got == want, "paper categories = unicodedata oracle (%d differ)" % sum(a != b for a, b in zip(got, want)))
        snames = [n.decode() for n in ds["categories/script_names"]]
        tahelp.check("Cyrillic" in snames and "Han" in snames, "script names: %r" % snames)
        tahelp.check(attrs.get("complete") == 1, "complete = 1")
        tahelp.check(eattrs["tensor"] == "shared.weight" and eattrs["source_dtype"] == "BF16"
                     and list(eattrs["source_shape"]) == [3012, 48] and eattrs["rows_dropped"] == 12,
                     "attributes of /embeddings: %r" % eattrs)
        files = [f.decode() if isinstance(f, bytes) else f for f in attrs["input_files"]]
        tahelp.check(any(f.endswith("model.safetensors") for f in files) and any(f.endswith("tokenizer.json") for f in files),
                     "input files registered: %r" % files)
    else:
        for k in ref:
            tahelp.check(k in ds and np.array_equal(ref[k], ds[k]), "%s differs between 1 and %d ranks" % (k, np_))

# --- npy + JSON-list vocabulary, with a zero row; HDF5 dataset input; model.h5 re-ingested.
rng = np.random.default_rng(1)
Y = rng.standard_normal((40, 7)).astype("<f2")
Y[17] = 0
npy = os.path.join(T, "emb.npy")
np.save(npy, Y)
vocab = os.path.join(T, "vocab.json")
json.dump(["tok%d" % i for i in range(40)], open(vocab, "w"))
out = os.path.join(T, "npy.h5")
p = tahelp.run(["ingest", "--model", npy, "--vocab", vocab, "--out", out], np=2)
ds, _, eattrs = datasets(out)
tahelp.check(np.array_equal(ds["embeddings"], Y.astype(np.float32)), "npy f16 -> f32 as numpy")
tahelp.check(list(ds["zero_rows"]) == [17] and "row 17" in p.stderr, "zero row flagged with a warning: %r" % p.stderr)
tahelp.check(eattrs["source_dtype"] == "F16", "source dtype F16")
h5in = os.path.join(T, "in.h5")
with h5py.File(h5in, "w") as f:
    f["deep/emb"] = Y.astype(np.float64)
tahelp.run(["ingest", "--model", h5in + ":/deep/emb", "--vocab", vocab, "--out", os.path.join(T, "fromh5.h5")])
ds2, _, _ = datasets(os.path.join(T, "fromh5.h5"))
tahelp.check(np.array_equal(ds2["embeddings"], Y.astype(np.float32)), "FILE.h5:/dataset input")
tahelp.run(["ingest", "--model", out, "--out", os.path.join(T, "again.h5")])
ds3, _, _ = datasets(os.path.join(T, "again.h5"))
tahelp.check(np.array_equal(ds3["embeddings"], ds["embeddings"]) and np.array_equal(ds3["vocab/token"], ds["vocab/token"]),
             "a model.h5 is read back with its own vocabulary")


# --- Bad input through ingest: exit 2, one line, file and place named, nothing complete left.
def bad(name, model, mentions, vocab_path=vocab, np_=None, extra=()):
    out = os.path.join(T, "bad-%s.h5" % name)
    args = ["ingest", "--model", model, "--out", out] + (["--vocab", vocab_path] if vocab_path else []) + list(extra)
    p = tahelp.expect_input_error(args, mentions, np=np_)
    lines = [l for l in p.stderr.splitlines() if "error" in l]
    tahelp.check(len(lines) == 1, "%s: one error line: %r" % (name, p.stderr))
    tahelp.check(not os.path.exists(out) and not os.path.exists(out + ".tmp"), "%s: output left behind" % name)


def f(name, content):
    path = os.path.join(T, name)
    with open(path, "wb") as fh:
        fh.write(content)
    return path


Z = rng.standard_normal((40, 7)).astype("<f4")
good = st_bytes([("shared.weight", Z)])
bad("empty", f("empty.safetensors", b""), ["empty.safetensors", "empty"])
bad("truncated", f("trunc.safetensors", good[:-7]), ["trunc.safetensors", "shared.weight", "outside"])
bad("magic", f("magic.npy", b"\x93NUMPX" + b"\0" * 80), ["magic.npy", "byte 0"])
bad("longheader", f("long.safetensors", struct.pack("<Q", len(good)) + good[8:]), ["long.safetensors", "byte 0"])
bad("json", f("json.safetensors", struct.pack("<Q", 16) + b"{\"shared.weight\"" + good[24:]), ["json.safetensors", "invalid JSON"])
Zn = Z.copy()
Zn[23, 4] = np.nan
bad("nan", f("nan.safetensors", st_bytes([("shared.weight", Zn)])), ["nan.safetensors", "row 23", "NaN"], np_=2)
Zi = Z.copy()
Zi[31, 0] = np.inf
bad("inf", f("inf.safetensors", st_bytes([("shared.weight", Zi)])), ["inf.safetensors", "row 31", "Inf"], np_=3)
bad("fewrows", f("few.safetensors", st_bytes([("shared.weight", Z[:30])])), ["few.safetensors", "30 rows", "40 tokens"])
bad("int", f("int.safetensors", st_bytes([("shared.weight", np.ones((40, 7), "<i4"))])), ["int.safetensors", "I32"])
bad("no2d", f("no2d.safetensors", st_bytes([("bias", np.ones(7, "<f4"))])), ["no2d.safetensors", "no 2-D"])
b3 = io.BytesIO()
np.lib.format.write_array(b3, np.ones((2, 20, 7), "<f4"))
bad("threed", f("threed.npy", b3.getvalue()), ["threed.npy", "3 dimensions"])
hj = json.dumps({"shared.weight": {"dtype": "F32", "shape": [1 << 40, 1 << 20], "data_offsets": [0, 16]}}).encode()
bad("huge", f("huge.safetensors", struct.pack("<Q", len(hj)) + hj + b"\0" * 16), ["huge.safetensors", "shared.weight"])
bad("missing", os.path.join(T, "nothere.safetensors"), ["nothere.safetensors"])
nomodel = os.path.join(T, "nomodel")
os.makedirs(nomodel, exist_ok=True)
bad("nomodel", nomodel, ["nomodel", "no model"])
novocab = os.path.join(T, "novocab")
os.makedirs(novocab, exist_ok=True)
write_st(os.path.join(novocab, "model.safetensors"), [("shared.weight", Z)])
bad("novocab", novocab, ["novocab", "no vocabulary"], vocab_path=None)
bad("badtensor", os.path.join(T, "nan.safetensors"), ["no tensor named"], extra=["--tensor", "foo"])
tahelp.expect_input_error(["ingest", "--out", os.path.join(T, "x.h5")], ["--model"])
tahelp.finish("embed_ingest")
