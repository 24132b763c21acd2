"""The three real tokenizers (Gemma 3: SentencePiece-style BPE with byte fallback; Llama 3 and
Qwen3: byte-level BPE) through `categorize`: piece counts, every token (byte-level decoding
checked against GPT-2's bytes_to_unicode in Python) and every category (the paper's rule with
Python's unicodedata). Python 3.11 knows Unicode 14, the tool Unicode 15 (ICU 72): each
disagreement must involve a character Python does not know (category Cn)."""
import os
import sys
import time

import tahelp
import vocabref

# ../shared/fixtures beside the source tree, or TA_FIXTURES (see tahelp).
DIRS = [os.path.join(tahelp.FIXTURES, "tokenizers")]
DIRS = [d for d in DIRS if os.path.isdir(d)]
if not DIRS:
    tahelp.skip("no tokenizer fixtures in %s (set TA_FIXTURES)" % tahelp.FIXTURES)
SRC_DIR = DIRS[0]

# Hand-checked from the files: model.vocab size and added tokens beyond it.
EXPECT = {
    "gemma3": dict(vocab=262144, total=262145, bytelevel=False),  # + <image_soft_token> 262144
    "llama3": dict(vocab=128000, total=128256, bytelevel=True),   # + 256 special tokens
    "qwen3": dict(vocab=151643, total=151669, bytelevel=True),    # + 26 added tokens
}

tmp = tahelp.tmpdir()
for name, exp in EXPECT.items():
    src = os.path.join(SRC_DIR, name + ".tokenizer.json.xz")
    if not os.path.exists(src):
        tahelp.fail("missing fixture " + src)
        continue
    path = os.path.join(tmp, name + ".tokenizer.json")
    tj = vocabref.load_tokenizer_json(src, path)

    # Reference pieces: raw bytes by id.
    ref = vocabref.raw_pieces(tj, exp["bytelevel"])
    for piece, i in tj["model"]["vocab"].items():
        tahelp.check(ref[i] is not None, "%s: piece %r not in the byte alphabet" % (name, piece))
    tahelp.check(len(tj["model"]["vocab"]) == exp["vocab"],
                 "%s: model.vocab has %d pieces" % (name, len(tj["model"]["vocab"])))
    n = max(ref) + 1
    tahelp.check(n == exp["total"] and len(ref) == n, "%s: reference has %d ids" % (name, n))

    t0 = time.time()
    p = tahelp.run(["categorize", "--vocab", path])
    secs = time.time() - t0
    rows = vocabref.read_tsv(p.stdout)
    tahelp.check(len(rows) == n, "%s: categorize gave %d rows, expected %d" % (name, len(rows), n))

    bad_tok = bad_cat = differ = nbytes = 0
    for i, (cat, tok) in enumerate(rows):
        raw = ref.get(i, b"")
        utf8 = vocabref.is_utf8(raw)
        want_tok = vocabref.display(raw)
        if tok != want_tok:
            bad_tok += 1
            if bad_tok <= 5:
                tahelp.fail("%s: id %d token %r, expected %r" % (name, i, tok, want_tok))
        if not utf8:
            nbytes += 1
            want = "BYTES"
        else:
            want = vocabref.paper_category(raw.decode("utf-8"))
        if cat != want:
            text = raw.decode("utf-8", "replace")
            if utf8 and vocabref.unknown_to_python(text):
                differ += 1
            else:
                bad_cat += 1
                if bad_cat <= 5:
                    tahelp.fail("%s: id %d %r category %s, expected %s" % (name, i, text, cat, want))
    print("%s: %d tokens, %d BYTES pieces, %d categories differ from Python's Unicode 14 only "
          "through characters new in Unicode 15, %d token / %d category mismatches; %.2f s"
          % (name, n, nbytes, differ, bad_tok, bad_cat, secs), flush=True)
    tahelp.check(bad_tok == 0 and bad_cat == 0, "%s: mismatches" % name)
    if exp["bytelevel"]:
        tahelp.check(nbytes > 0, "%s: expected some BYTES pieces" % name)
    os.remove(path)

tahelp.finish("vocab_real")
