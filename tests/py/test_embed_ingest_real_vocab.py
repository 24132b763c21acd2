"""ingest with a real byte-level BPE vocabulary (Qwen3's tokenizer.json from the fixtures) beside a
checkpoint with padding rows, as Qwen3 has (151,936 rows for 151,669 tokens): rows dropped,
/vocab/token always valid UTF-8, pieces that are not valid UTF-8 categorised BYTES, every other
piece categorised as an independent Python implementation (GPT-2 byte decoding + unicodedata)
says. Runs on 2 ranks."""
import json
import lzma
import os

import h5py
import numpy as np

import tahelp
from embedfiles import paper_category, write_st
from vocabref import BYTE_DECODER

cands = [os.path.join(tahelp.FIXTURES, "tokenizers", "qwen3.tokenizer.json.xz")]
src = next((c for c in cands if os.path.exists(c)), None)
if not src:
    tahelp.skip("no fixture qwen3.tokenizer.json.xz in %s" % cands)
T = tahelp.tmpdir()
d = os.path.join(T, "qwen")
os.makedirs(d, exist_ok=True)
raw = lzma.open(src).read()
open(os.path.join(d, "tokenizer.json"), "wb").write(raw)
tok = json.loads(raw)
n = max(max(tok["model"]["vocab"].values()), max(a["id"] for a in tok["added_tokens"])) + 1
rows = 151936
X = np.random.default_rng(2).standard_normal((rows, 8)).astype("<f4")
write_st(os.path.join(d, "model.safetensors"), [("model.embed_tokens.weight", X), ("lm_head.weight", X[:, :4])])
out = os.path.join(T, "qwen.h5")
p = tahelp.run(["ingest", "--model", d, "--out", out], np=2)
tahelp.check("%d rows" % (rows - n) in p.stderr, "padding rows dropped with a warning: %r" % p.stderr[-500:])

# GPT-2 byte alphabet, written from its definition (vocabref.bytes_to_unicode).
pieces = [None] * n
for s, i in tok["model"]["vocab"].items():
    pieces[i] = bytes(BYTE_DECODER[ch] for ch in s)
special = set()
for a in tok["added_tokens"]:
    pieces[a["id"]] = a["content"].encode()
    special.add(a["id"])

with h5py.File(out, "r") as f:
    E = f["embeddings"][:]
    toks = f["vocab/token"][:]
    names = [x.decode() for x in f["categories/paper_names"]]
    codes = f["categories/paper"][:]
    flags = f["vocab/flags"][:]
    tahelp.check(f["embeddings"].attrs["rows_dropped"] == rows - n, "rows_dropped attribute")
tahelp.check(E.shape == (n, 8) and np.array_equal(E, X[:n]), "embeddings are the first %d rows" % n)
bad_utf8 = 0
mismatch = []
for i in range(n):
    t = toks[i]
    try:
        t.decode("utf-8")
    except UnicodeDecodeError:
        bad_utf8 += 1
    if i in special:
        continue
    try:
        text = pieces[i].decode("utf-8")
        want = paper_category(text.replace(" ", "\u2581"))
    except UnicodeDecodeError:
        want = "BYTES"
    got = names[codes[i]]
    if got != want:
        mismatch.append((i, pieces[i], got, want))
tahelp.check(bad_utf8 == 0, "%d /vocab/token entries are not valid UTF-8" % bad_utf8)
nbytes = sum(1 for i in range(n) if names[codes[i]] == "BYTES")
tahelp.check(nbytes > 100 and all((flags[i] & 1) for i in range(n) if names[codes[i]] == "BYTES"),
             "BYTES pieces (%d) flagged" % nbytes)
tahelp.check(len(mismatch) == 0, "%d categories differ from the oracle, e.g. %r" % (len(mismatch), mismatch[:5]))
tahelp.finish("embed_ingest_real_vocab")
