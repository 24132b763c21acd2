"""The embedding readers (io/ta_embed*.c, ta_safetensors.c, ta_npy.c) against numpy: every dtype
and format read through the embed_dump helper equals numpy's own conversion to f32; tensor
discovery; bad input exits 2 with one line naming the file and the place."""
import json
import os
import struct
import subprocess
import io
import sys

import h5py
import numpy as np

import tahelp
from embedfiles import bf16_bits, st_bytes, write_st

DUMP = sys.argv[1]
T = tahelp.tmpdir()
rng = np.random.default_rng(7)


def dump(spec, *extra, expect=0):
    out = os.path.join(T, "out.f32")
    if os.path.exists(out):
        os.remove(out)
    p = subprocess.run([DUMP, spec, out] + list(extra), capture_output=True, text=True)
    if p.returncode != expect:
        tahelp.fail("embed_dump %s %s: exit %d (expected %d): %s" % (spec, extra, p.returncode, expect, p.stderr))
        return None, None, p
    if expect:
        return None, None, p
    rows, cols, dtype, tensor, _ = p.stdout.split(" ", 4)
    a = np.fromfile(out, dtype="<f4").reshape(-1, int(cols))
    return a, (int(rows), int(cols), dtype, tensor), p


def same(a, b, what):
    if a is None:
        return
    ok = a.shape == b.shape and np.array_equal(a.view("<u4")[~np.isnan(a)], b.astype("<f4").view("<u4")[~np.isnan(b)]) \
        and np.array_equal(np.isnan(a), np.isnan(b))
    tahelp.check(ok, "%s: values differ from numpy" % what)


# --- F16: all 65,536 bit patterns (normals, subnormals, zeros, Inf, NaN) as a 256 x 256 tensor.
h = np.arange(65536, dtype="<u2").view("<f2").reshape(256, 256)
p = os.path.join(T, "f16.safetensors")
write_st(p, [("embeddings.word_embeddings.weight", h)])
a, info, _ = dump(p)
same(a, h.astype(np.float32), "F16 safetensors (all bit patterns)")
tahelp.check(info and info[2] == "F16", "F16 dtype reported: %r" % (info,))

# --- F32, F64, BF16 safetensors, with other tensors around and __metadata__.
x = rng.standard_normal((37, 19)).astype("<f4") * 3
for name, arr, expect in [("F32", x, x), ("F64", x.astype("<f8") / 7, (x.astype("<f8") / 7).astype("<f4"))]:
    p = os.path.join(T, "%s.safetensors" % name)
    write_st(p, [("pooler.dense.bias", np.ones(5, "<f4")), ("shared.weight", arr),
                 ("position_ids", np.arange(6, dtype="<i8").reshape(1, 6))], metadata={"format": "pt"})
    a, info, _ = dump(p)
    same(a, expect, "%s safetensors" % name)
    tahelp.check(info and info[3] == "shared.weight", "%s: tensor found by known name: %r" % (name, info))
bits, vals = bf16_bits(x)
p = os.path.join(T, "bf16.safetensors")
write_st(p, [("model.embed_tokens.weight", "BF16", x.shape, bits.tobytes())])
a, info, _ = dump(p)
same(a, vals, "BF16 safetensors")
# A row range only.
a, _, _ = dump(p, "--rows", "5", "7")
same(a, vals[5:12], "BF16 rows 5..12")

# --- npy versions 1, 2, 3 and dtypes <f2, <f4, <f8, >f4, =f4.
for ver in [(1, 0), (2, 0), (3, 0)]:
    for dt in ["<f2", "<f4", "<f8", ">f4", "=f4", ">f8"]:
        arr = (rng.standard_normal((11, 6)) * 100).astype(dt)
        p = os.path.join(T, "a.npy")
        with open(p, "wb") as f:
            np.lib.format.write_array(f, arr, version=ver)
        a, info, _ = dump(p)
        same(a, arr.astype("<f4"), "npy v%d %s" % (ver[0], dt))

# --- HDF5 dataset, and a model.h5 needing complete = 1.
p = os.path.join(T, "e.h5")
with h5py.File(p, "w") as f:
    f["grp/emb"] = x
    f["emb16"] = x.astype("<f2")
    f["ints"] = np.arange(12, dtype="<i4").reshape(3, 4)
    f["vec"] = np.ones(4, "<f4")
a, _, _ = dump(p + ":/grp/emb")
same(a, x, "FILE.h5:/grp/emb")
a, _, _ = dump(p + ":/emb16")
same(a, x.astype("<f2").astype("<f4"), "FILE.h5:/emb16 (f16)")

# --- Hugging Face directories: single file and sharded index.
d = os.path.join(T, "hf")
os.makedirs(d, exist_ok=True)
write_st(os.path.join(d, "model.safetensors"), [("roberta.embeddings.word_embeddings.weight", x),
                                                 ("lm_head.weight", x)])
a, info, _ = dump(d)
same(a, x, "HF directory")
tahelp.check(info and info[3] == "roberta.embeddings.word_embeddings.weight", "known name wins: %r" % (info,))
a, info, _ = dump(d, "--tensor", "lm_head.weight")
tahelp.check(info and info[3] == "lm_head.weight", "--tensor overrides: %r" % (info,))
ds = os.path.join(T, "sharded")
os.makedirs(ds, exist_ok=True)
write_st(os.path.join(ds, "model-00001-of-00002.safetensors"), [("encoder.layer.0.w", x[:5])])
write_st(os.path.join(ds, "model-00002-of-00002.safetensors"), [("transformer.wte.weight", x)])
with open(os.path.join(ds, "model.safetensors.index.json"), "w") as f:
    json.dump({"metadata": {"total_size": 1}, "weight_map": {
        "encoder.layer.0.w": "model-00001-of-00002.safetensors",
        "transformer.wte.weight": "model-00002-of-00002.safetensors"}}, f)
a, info, _ = dump(ds)
same(a, x, "sharded index")
tahelp.check(info and info[3] == "transformer.wte.weight", "sharded: tensor found: %r" % (info,))

# Sharded without a known name: every shard header is read; candidates listed; --min-rows picks.
ds2 = os.path.join(T, "sharded2")
os.makedirs(ds2, exist_ok=True)
write_st(os.path.join(ds2, "a.safetensors"), [("enc.table", x[:5]), ("bias", np.ones(3, "<f4"))])
write_st(os.path.join(ds2, "b.safetensors"), [("tok.table", x)])
with open(os.path.join(ds2, "model.safetensors.index.json"), "w") as f:
    json.dump({"weight_map": {"enc.table": "a.safetensors", "bias": "a.safetensors", "tok.table": "b.safetensors"}}, f)
_, _, pr = dump(ds2, expect=2)
tahelp.check("enc.table" in pr.stderr and "tok.table" in pr.stderr, "sharded candidates listed: %r" % pr.stderr)
a, info, _ = dump(ds2, "--min-rows", "30")
same(a, x, "sharded, chosen by rows")
a, info, _ = dump(ds2, "--tensor", "enc.table")
same(a, x[:5], "sharded, --tensor")
_, _, pr = dump(ds2, "--tensor", "nope", expect=2)
tahelp.check("nope" in pr.stderr and "model.safetensors.index.json" in pr.stderr, "unknown tensor in index: %r" % pr.stderr)
with open(os.path.join(ds2, "model.safetensors.index.json"), "w") as f:
    json.dump({"weight_map": {"tok.table": "../b.safetensors"}}, f)
_, _, pr = dump(ds2, expect=2)
tahelp.check("outside the model directory" in pr.stderr, "shard path escaping the directory: %r" % pr.stderr)

# --- Discovery: the one 2-D tensor; several candidates listed; min rows filters.
p = os.path.join(T, "disc.safetensors")
write_st(p, [("bias", np.ones(3, "<f4")), ("my.table", x)])
a, info, _ = dump(p)
same(a, x, "the one 2-D tensor")
p = os.path.join(T, "several.safetensors")
write_st(p, [("first.table", x), ("second.table", x[:10])])
_, _, pr = dump(p, expect=2)
tahelp.check("first.table" in pr.stderr and "second.table" in pr.stderr and "--tensor" in pr.stderr,
             "several candidates listed: %r" % pr.stderr)
a, info, _ = dump(p, "--min-rows", "20")
tahelp.check(info and info[3] == "first.table", "--min-rows keeps the one big enough: %r" % (info,))


# --- Bad input: exit 2, one error line naming the file and the place.
def bad(name, content, mentions, spec=None):
    path = os.path.join(T, name)
    if content is not None:
        with open(path, "wb") as f:
            f.write(content)
    _, _, pr = dump(spec or path, expect=2)
    lines = [l for l in pr.stderr.splitlines() if l.strip()]
    tahelp.check(len(lines) == 1, "%s: expected one stderr line, got %r" % (name, pr.stderr))
    for m in [os.path.basename(path)] + mentions:
        tahelp.check(m in pr.stderr, "%s: error does not mention %r: %r" % (name, m, pr.stderr))


good = st_bytes([("shared.weight", x)])
hl = struct.unpack("<Q", good[:8])[0]
bad("empty.safetensors", b"", ["empty"])
bad("short.safetensors", b"\x01\x02", ["byte 0"])
bad("truncated.safetensors", good[:len(good) - 10], ["outside the data area"])
bad("hugeheader.safetensors", struct.pack("<Q", 1 << 40) + good[8:], ["byte 0", "100 MB"])
bad("longheader.safetensors", struct.pack("<Q", len(good)) + good[8:], ["byte 0", "past the end"])
bad("notjson.safetensors", struct.pack("<Q", 8) + b"{\"a\": [1" + b"\0" * 16, ["byte", "invalid JSON"])
bad("notobject.safetensors", struct.pack("<Q", 4) + b"[1] ", ["byte 8"])
raw = x.tobytes()


def hdr(h, data=raw):
    j = json.dumps(h).encode()
    return struct.pack("<Q", len(j)) + j + data


bad("outside.safetensors", hdr({"shared.weight": {"dtype": "F32", "shape": [37, 19], "data_offsets": [8, 8 + len(raw)]}}),
    ["shared.weight", "outside"])
bad("negative.safetensors", hdr({"shared.weight": {"dtype": "F32", "shape": [37, 19], "data_offsets": [-4, len(raw) - 4]}}),
    ["shared.weight", "negative"])
bad("overlap.safetensors", hdr({"shared.weight": {"dtype": "F32", "shape": [37, 19], "data_offsets": [0, len(raw)]},
                                "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}), ["overlap"])
bad("sizemismatch.safetensors", hdr({"shared.weight": {"dtype": "F32", "shape": [37, 18], "data_offsets": [0, len(raw)]}}),
    ["shared.weight", "shape x dtype"])
bad("unknowndtype.safetensors", hdr({"shared.weight": {"dtype": "Q7", "shape": [37, 19], "data_offsets": [0, len(raw)]}}),
    ["shared.weight", "unknown dtype"])
bad("intdtype.safetensors", st_bytes([("shared.weight", np.arange(12, dtype="<i4").reshape(3, 4))]),
    ["shared.weight", "I32"])
bad("no2d.safetensors", st_bytes([("a", np.ones(5, "<f4")), ("b", np.ones((2, 2, 2), "<f4"))]), ["no 2-D tensor"])
bad("threed.safetensors", st_bytes([("shared.weight", np.ones((2, 2, 2), "<f4"))]), ["shared.weight", "3 dimensions"])
bad("toolarge.safetensors", hdr({"shared.weight": {"dtype": "F32", "shape": [1 << 40, 1 << 20], "data_offsets": [0, len(raw)]}}),
    ["shared.weight"])
bad("missing.safetensors", None, ["no such file"])
h5p = os.path.join(T, "e.h5")
bad("e.h5", None, ["/ints", "integer"], spec=h5p + ":/ints")
bad("e.h5", None, ["/vec", "1 dimension"], spec=h5p + ":/vec")
bad("e.h5", None, ["/nothere"], spec=h5p + ":/nothere")
bad("e.h5", None, [":/DATASET"], spec=h5p)
emptydir = os.path.join(T, "emptydir")
os.makedirs(emptydir, exist_ok=True)
bad("emptydir", None, ["no model"])
buf = io.BytesIO()
np.lib.format.write_array(buf, x, version=(1, 0))
npy_ok = buf.getvalue()
bad("empty.npy", b"", ["empty"])
bad("magic.npy", b"XNUMPY" + npy_ok[6:], ["byte 0", "magic"])
bad("trunc.npy", npy_ok[:-5], ["truncated"])
bad("headertrunc.npy", npy_ok[:40], ["byte 8"])
for nm, arr, m in [("oned.npy", np.ones(5, "<f4"), "1 dimension"), ("threed.npy", np.ones((2, 2, 2), "<f4"), "3 dimensions"),
                   ("int.npy", np.ones((2, 2), "<i4"), "integer"), ("fortran.npy", np.asfortranarray(x), "Fortran")]:
    b = io.BytesIO()
    np.lib.format.write_array(b, arr, version=(1, 0))
    bad(nm, b.getvalue(), [m])
bad("badver.npy", npy_ok[:6] + b"\x07\x00" + npy_ok[8:], ["byte 6", "version"])
bad("badhdr.npy", npy_ok.replace(b"'descr'", b"'dexcr'"), ["byte", "npy header"])
tahelp.finish("embed_read")
