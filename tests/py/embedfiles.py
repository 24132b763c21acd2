"""Writers for checkpoint files in the tests: safetensors (by hand, with struct and json, as the
format specification describes it) and .npy (numpy's own writer), plus BF16 by truncation."""
import collections
import json
import struct
import unicodedata

import numpy as np

ST_DTYPE = {np.dtype("<f4"): "F32", np.dtype("<f2"): "F16", np.dtype("<f8"): "F64",
            np.dtype("<i4"): "I32", np.dtype("<i8"): "I64", np.dtype("u1"): "U8"}


def bf16_bits(a):
    """BF16 by truncating the f32 bits: returns (uint16 bits, the f32 values they stand for)."""
    u = np.ascontiguousarray(a, dtype="<f4").view("<u4")
    bits = (u >> 16).astype("<u2")
    return bits, (bits.astype("<u4") << 16).view("<f4")


def st_bytes(tensors, metadata=None, header_override=None):
    """tensors: list of (name, array) or (name, dtype_string, shape, raw_bytes)."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    data = b""
    for t in tensors:
        if len(t) == 2:
            name, arr = t
            arr = np.ascontiguousarray(arr)
            dt, shape, raw = ST_DTYPE[arr.dtype.newbyteorder("<") if arr.dtype.byteorder == "=" else arr.dtype], list(arr.shape), arr.tobytes()
        else:
            name, dt, shape, raw = t
        header[name] = {"dtype": dt, "shape": list(shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = header_override if header_override is not None else json.dumps(header).encode()
    pad = (8 - len(h) % 8) % 8
    h = h + b" " * pad
    return struct.pack("<Q", len(h)) + h + data


def write_st(path, tensors, **kw):
    with open(path, "wb") as f:
        f.write(st_bytes(tensors, **kw))


def paper_category(tok):
    """The paper's category rule, from unicodedata (independent of the C categorizer)."""
    vals = []
    for ch in tok:
        cat = unicodedata.category(ch)
        vals.append(unicodedata.name(ch, "?").split()[0] if cat.startswith("L") else cat[0])
    if not vals:
        return "Unknown"
    cnt = collections.Counter(vals)
    best = max(cnt.values())
    return next(v for v in vals if cnt[v] == best)
