"""Writes the seed corpora of fuzz_safetensors and fuzz_npy (tests/fuzz/seeds/{safetensors,npy}).
Run from the repository root: /usr/bin/python3 tests/fuzz/make_embed_seeds.py"""
import io
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "py"))
from embedfiles import bf16_bits, st_bytes  # noqa: E402

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")
rng = np.random.default_rng(0)
x = rng.standard_normal((5, 3)).astype("<f4")
specials = np.array([[0.0, -0.0, np.inf], [-np.inf, np.nan, 6.0e-8], [65504.0, 1e-5, -2.5]], "<f2")


def put(kind, name, data):
    os.makedirs(os.path.join(root, kind), exist_ok=True)
    with open(os.path.join(root, kind, name), "wb") as f:
        f.write(data)


bits, _ = bf16_bits(x)
put("safetensors", "f32.safetensors", st_bytes([("shared.weight", x)]))
put("safetensors", "f16.safetensors", st_bytes([("embeddings.word_embeddings.weight", specials)]))
put("safetensors", "bf16.safetensors", st_bytes([("model.embed_tokens.weight", "BF16", x.shape, bits.tobytes())]))
put("safetensors", "f64_meta.safetensors", st_bytes([("a.bias", np.ones(3, "<f4")), ("t", x.astype("<f8"))],
                                                     metadata={"format": "pt"}))
put("safetensors", "several.safetensors", st_bytes([("a", x), ("b", x[:2]), ("ids", np.arange(4, dtype="<i8").reshape(2, 2))]))
put("safetensors", "int.safetensors", st_bytes([("shared.weight", np.arange(6, dtype="<i4").reshape(2, 3))]))
put("safetensors", "empty_tensor.safetensors", st_bytes([("shared.weight", np.zeros((0, 3), "<f4"))]))
h = json.dumps({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
                "v": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}).encode()
put("safetensors", "overlap.safetensors", struct.pack("<Q", len(h)) + h + bytes(16))
put("safetensors", "badjson.safetensors", struct.pack("<Q", 6) + b'{"a":[' + bytes(8))
for ver in [(1, 0), (2, 0), (3, 0)]:
    for dt in ["<f4", "<f2", "<f8", ">f4"]:
        b = io.BytesIO()
        np.lib.format.write_array(b, x.astype(dt) if dt != "<f2" else specials, version=ver)
        put("npy", "v%d_%s.npy" % (ver[0], dt[1:] + ("be" if dt[0] == ">" else "")), b.getvalue())
b = io.BytesIO()
np.lib.format.write_array(b, np.asfortranarray(x))
put("npy", "fortran.npy", b.getvalue())
b = io.BytesIO()
np.lib.format.write_array(b, np.ones(4, "<f4"))
put("npy", "oned.npy", b.getvalue())
b = io.BytesIO()
np.lib.format.write_array(b, np.ones((2, 2), "<i4"))
put("npy", "int.npy", b.getvalue())
