"""synth: the directory it writes is read by independent code (json, struct, numpy, unicodedata)
and has the planted structure; bytes are identical across runs and rank counts."""
import collections
import filecmp
import json
import os
import struct
import unicodedata

import numpy as np

import tahelp
from embedfiles import paper_category

T = tahelp.tmpdir()


def load_st(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    h = json.loads(raw[8:8 + n])
    out = {}
    for k, v in h.items():
        if k == "__metadata__":
            continue
        b, e = v["data_offsets"]
        buf = raw[8 + n + b:8 + n + e]
        if v["dtype"] == "BF16":
            a = (np.frombuffer(buf, "<u2").astype("<u4") << 16).view("<f4")
        else:
            a = np.frombuffer(buf, {"F32": "<f4"}[v["dtype"]])
        out[k] = a.reshape(v["shape"])
    return h, out


N, D = 5000, 64
res = {}
for preset in ["script-clustered", "meaning-aligned"]:
    d = os.path.join(T, preset)
    tahelp.run(["synth", "--preset", preset, "--tokens", str(N), "--dim", str(D), "--seed", "5", "--out", d])
    h, tensors = load_st(os.path.join(d, "model.safetensors"))
    name = "embeddings.word_embeddings.weight" if preset == "script-clustered" else "shared.weight"
    tahelp.check(list(tensors) == [name], "%s: tensor name %r" % (preset, list(tensors)))
    X = tensors[name].astype(np.float64)
    tahelp.check(X.shape == (N, D), "%s: shape %r" % (preset, X.shape))
    tok = json.load(open(os.path.join(d, "tokenizer.json"), encoding="utf-8"))
    tahelp.check(tok["model"]["type"] == "Unigram", "Unigram model")
    pieces = [p for p, _ in tok["model"]["vocab"]]
    tahelp.check(len(pieces) == N and len(set(pieces)) == N, "%s: %d unique pieces" % (preset, len(set(pieces))))
    tahelp.check([t["content"] for t in tok["added_tokens"]] == ["<pad>", "</s>", "<unk>"], "specials first")
    cfg = json.load(open(os.path.join(d, "config.json")))
    tahelp.check(cfg["vocab_size"] == N, "config vocab_size")
    cats = [paper_category(p) for p in pieces]
    cnt = collections.Counter(cats)
    scripts = [c for c in cnt if len(c) > 1 and c not in ("Unknown",)]
    tahelp.check(len([c for c in scripts if cnt[c] >= 10]) >= 13, "%s: at least 13 writing systems: %r" % (preset, cnt))
    order = [c for c, _ in cnt.most_common()]
    tahelp.check(order[:3] == ["LATIN", "CJK", "CYRILLIC"], "proportions: %r" % cnt.most_common(6))
    for c in ["N", "P", "S"]:
        tahelp.check(cnt[c] > 0, "%s tokens present" % c)
    tahelp.check(sum(p.startswith("\u2581") for p in pieces) > N // 4, "many pieces start with U+2581")
    # Dictionaries: every pair names an English (LATIN) token and a token of the language's script.
    dicts = {}
    for fn in sorted(os.listdir(os.path.join(d, "dictionaries"))):
        tahelp.check(fn.startswith("en-") and fn.endswith(".txt"), "dictionary name %s" % fn)
        for line in open(os.path.join(d, "dictionaries", fn), encoding="utf-8"):
            en, other = line.rstrip("\n").split(" ")
            dicts.setdefault(other, set()).add(en)
    tahelp.check(len(os.listdir(os.path.join(d, "dictionaries"))) >= 12, "one dictionary per language")
    # Neighbours (cosine, brute force in numpy) over word tokens.
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    words = np.array([i for i in range(N) if len(cats[i]) > 1 and cats[i] != "Unknown"])
    q = words[:600]
    S = Xn[q] @ Xn.T
    S[np.arange(len(q)), q] = -np.inf
    top = np.argsort(-S, axis=1, kind="stable")[:, :50]
    same1 = np.mean([cats[top[r, 0]] == cats[i] for r, i in enumerate(q)])
    span = np.mean([len({cats[j] for j in top[r]} | {cats[i]}) for r, i in enumerate(q)])
    bare = [p[1:] if p.startswith("\u2581") else p for p in pieces]
    trans = np.mean([any(bare[i] in dicts.get(bare[j], ()) or bare[j] in dicts.get(bare[i], ())
                         for j in top[r, :5]) for r, i in enumerate(q) if cats[i] != "LATIN"])
    # Linear separability: nearest class mean on held-out tokens.
    labs = np.array([cats[i] for i in words])
    tr, te = words[::2], words[1::2]
    cls = sorted(set(labs))
    means = np.stack([Xn[tr][labs[::2] == c].mean(0) for c in cls])
    pred = np.array(cls)[np.argmax(Xn[te] @ means.T, axis=1)]
    acc = np.mean(pred == labs[1::2])
    res[preset] = (same1, span, trans, acc)
    print("%s: nn same script %.3f, scripts in top-50 %.2f, top-5 has a translation %.3f, centroid accuracy %.3f"
          % ((preset,) + res[preset]))

sc, ma = res["script-clustered"], res["meaning-aligned"]
tahelp.check(sc[0] > 0.95 and sc[1] < 3, "script-clustered: neighbours share the script: %r" % (sc,))
tahelp.check(sc[3] > 0.97, "script-clustered: scripts separable: %r" % (sc,))
tahelp.check(ma[1] > 6, "meaning-aligned: neighbourhoods span many scripts: %r" % (ma,))
tahelp.check(ma[2] > 0.6, "meaning-aligned: neighbours are often translations: %r" % (ma,))
tahelp.check(ma[2] > 3 * sc[2], "translations closer in meaning-aligned than in script-clustered")

# Same vocabulary for both presets with one seed.
tahelp.check(filecmp.cmp(os.path.join(T, "script-clustered", "tokenizer.json"),
                         os.path.join(T, "meaning-aligned", "tokenizer.json"), shallow=False),
             "same tokenizer for both presets")

# Determinism: identical bytes across runs and rank counts; f32 and padding rows.
ref = None
for np_ in [1, 2, 3]:
    d = os.path.join(T, "np%d" % np_)
    tahelp.run(["synth", "--preset", "meaning-aligned", "--tokens", "3000", "--dim", "33", "--seed", "9",
                "--extra-rows", "12", "--out", d], np=np_)
    files = ["model.safetensors", "tokenizer.json", "config.json", "dictionaries/en-ru.txt"]
    if ref is None:
        ref = d
        h, t = load_st(os.path.join(d, "model.safetensors"))
        tahelp.check(t["shared.weight"].shape == (3012, 33), "extra rows: %r" % (t["shared.weight"].shape,))
    else:
        for f in files:
            tahelp.check(filecmp.cmp(os.path.join(ref, f), os.path.join(d, f), shallow=False),
                         "%s differs between 1 and %d ranks" % (f, np_))
d32 = os.path.join(T, "f32")
tahelp.run(["synth", "--preset", "meaning-aligned", "--tokens", "3000", "--dim", "33", "--seed", "9",
            "--extra-rows", "12", "--dtype", "f32", "--out", d32])
_, t32 = load_st(os.path.join(d32, "model.safetensors"))
_, t16 = load_st(os.path.join(ref, "model.safetensors"))
a, b = t32["shared.weight"], t16["shared.weight"]
tahelp.check(np.all(np.abs(a - b) <= np.abs(a) * 2.0 ** -8), "bf16 is f32 rounded to nearest")
tahelp.check(not os.path.exists(os.path.join(d32, "model.safetensors.tmp")), "no temporary left")

# Usage errors.
tahelp.expect_input_error(["synth", "--preset", "nope", "--out", os.path.join(T, "x")], ["--preset"])
tahelp.expect_input_error(["synth", "--preset", "meaning-aligned"], ["--out"])
tahelp.expect_input_error(["synth", "--preset", "meaning-aligned", "--tokens", "5", "--out", os.path.join(T, "x")], ["--tokens"])
p = tahelp.run(["synth", "--help"])
tahelp.check("--preset" in p.stdout and "--dtype" in p.stdout, "synth --help lists the options")
tahelp.finish("embed_synth")
