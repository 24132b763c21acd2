"""`categorize` on vocabularies the test makes: SentencePiece models trained by spm_train
(Unigram and BPE, several scripts, byte fallback) checked piece by piece against
spm_export_vocab; a tokenizer.json of each model type with hand-known pieces and categories;
malformed input of every format refused with exit 2 and one line naming the file and place;
the same output under mpirun with 2 ranks (rank 0 writes)."""
import json
import os
import shutil
import subprocess

import tahelp
import vocabref

tmp = tahelp.tmpdir()


def write(name, data):
    path = os.path.join(tmp, name)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
        f.write(data)
    return path


def categorize(path, *extra, np=None):
    p = tahelp.run(["categorize", "--vocab", path] + list(extra), np=np)
    return vocabref.read_tsv(p.stdout)


# ---- SentencePiece models trained here ---------------------------------------------------
CORPUS = """The quick brown fox jumps over the lazy dog. Hello world, hello tokens!
Съешь же ещё этих мягких французских булок, да выпей чаю.
我们的语言模型把每个词都编码成向量。东京是日本的首都。
مرحبا بالعالم، هذه جملة باللغة العربية للاختبار.
안녕하세요 세계. 한국어 문장을 토큰으로 나눕니다.
नमस्ते दुनिया, यह हिंदी में एक वाक्य है।
Ελληνικά γράμματα και ψηφία 12345 67890.
"""
if shutil.which("spm_train") is None or shutil.which("spm_export_vocab") is None:
    tahelp.fail("spm_train / spm_export_vocab not installed (Debian package sentencepiece)")
else:
    corpus = write("corpus.txt", CORPUS)
    for mtype in ("unigram", "bpe"):
        prefix = os.path.join(tmp, "spm_" + mtype)
        subprocess.run(["spm_train", "--input=" + corpus, "--model_prefix=" + prefix,
                        "--vocab_size=500", "--model_type=" + mtype, "--byte_fallback=true",
                        "--character_coverage=1.0", "--hard_vocab_limit=false",
                        "--minloglevel=2"], check=True, capture_output=True)
        subprocess.run(["spm_export_vocab", "--model=" + prefix + ".model",
                        "--output=" + prefix + ".vocab.txt"], check=True, capture_output=True)
        with open(prefix + ".vocab.txt", encoding="utf-8") as f:
            pieces = [line.rstrip("\n").split("\t")[0] for line in f]
        # The model file has no .model-independent name: copy it to a neutral name so that the
        # format is recognised from the content.
        model = shutil.copy(prefix + ".model", prefix + ".bin")
        rows = categorize(model)
        tahelp.check(len(rows) == len(pieces),
                     "spm %s: %d rows, spm_export_vocab has %d" % (mtype, len(rows), len(pieces)))
        nbad = 0
        for i, (cat, tok) in enumerate(rows):
            want = pieces[i] if i < len(pieces) else None
            if tok != want or cat != vocabref.paper_category(want or ""):
                nbad += 1
                if nbad <= 5:
                    tahelp.fail("spm %s id %d: %r %s, expected %r %s" % (
                        mtype, i, tok, cat, want, vocabref.paper_category(want or "")))
        scripts = {c for c, _ in rows}
        for s in ("LATIN", "CYRILLIC", "CJK", "ARABIC", "HANGUL", "DEVANAGARI", "GREEK"):
            tahelp.check(s in scripts, "spm %s: no %s piece" % (mtype, s))
        tahelp.check(rows[3][1] == "<0x00>" and rows[3][0] == "N",
                     "spm %s: byte piece 3 is %r" % (mtype, rows[3]))
        print("spm %s: %d pieces agree with spm_export_vocab" % (mtype, len(pieces)))
        if mtype == "unigram":
            good_model = prefix + ".model"

# ---- tokenizer.json of each model type -----------------------------------------------------
unigram = {
    "version": "1.0",
    "added_tokens": [{"id": 0, "content": "<pad>", "special": True}],
    "normalizer": None,
    "model": {"type": "Unigram", "unk_id": 1, "byte_fallback": True,
              "vocab": [["<pad>", 0.0], ["<unk>", 0.0], ["\u2581the", -2.5], ["\u2581a", -3.0],
                        ["<0x41>", 0.0], ["\u0434\u0430", -5.0], ["", -9.0],
                        ["ab\u0301", -6.0], ["\uff21\uff22", -7.0]]},
}
rows = categorize(write("unigram.tokenizer.json", json.dumps(unigram)))
tahelp.check(rows == [("LATIN", "<pad>"), ("LATIN", "<unk>"), ("LATIN", "\u2581the"),
                      ("S", "\u2581a"), ("N", "<0x41>"), ("CYRILLIC", "\u0434\u0430"),
                      ("Unknown", ""), ("LATIN", "ab\u0301"), ("FULLWIDTH", "\uff21\uff22")],
             "Unigram rows: %r" % rows)

# Byte-level BPE: Ġ = space, Ċ = newline, "Ã©" = é, "ðŁĺĢ" = U+1F600 (4 bytes), "ðŁĺ" = its
# first three bytes only (not UTF-8: BYTES); added tokens at 7 (new id) and 1 (replacing "hi").
bpe = {
    "added_tokens": [{"id": 7, "content": "<|endoftext|>", "special": True},
                     {"id": 1, "content": "hi", "special": False}],
    "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": "\\s+"}}, {"type": "ByteLevel"}]},
    "decoder": {"type": "ByteLevel"},
    "model": {"type": "BPE", "merges": ["Ġ t", "h e"],
              "vocab": {"\u010a": 0, "hi": 1, "\u0120the": 2, "\u00c3\u00a9t\u00c3\u00a9": 3,
                        "\u00f0\u0141\u013a\u0122": 4, "\u00f0\u0141\u013a": 5,
                        "\u0120\u0120": 6}},
}
rows = categorize(write("bpe.tokenizer.json", json.dumps(bpe)))
tahelp.check(rows == [("C", "\n"), ("LATIN", "hi"), ("LATIN", "\u2581the"), ("LATIN", "\u00e9t\u00e9"),
                      ("S", "\U0001F600"), ("BYTES", "<0xF0><0x9F><0x98>"),
                      ("S", "\u2581\u2581"), ("LATIN", "<|endoftext|>")],
             "byte-level BPE rows: %r" % rows)
# The same, independently decoded in Python.
for (cat, tok), (piece, i) in zip([rows[i] for i in range(7)],
                                  sorted(bpe["model"]["vocab"].items(), key=lambda kv: kv[1])):
    tahelp.check(tok == vocabref.display(vocabref.bytelevel_decode(piece)),
                 "piece %d: %r" % (i, tok))

wordpiece = {
    "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
              "max_input_chars_per_word": 100,
              "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "play": 3, "##ing": 4,
                        "\u4e2d": 5, "\ud55c": 6, "##\u0928\u093e": 7, "\t": 8, "a\\b": 9}},
    "added_tokens": [{"id": 0, "content": "[PAD]", "special": True}],
}
rows = categorize(write("wp.tokenizer.json", json.dumps(wordpiece)))
tahelp.check(rows == [("LATIN", "[PAD]"), ("LATIN", "[UNK]"), ("LATIN", "[CLS]"),
                      ("LATIN", "play"), ("LATIN", "##ing"), ("CJK", "\u4e2d"),
                      ("HANGUL", "\ud55c"), ("P", "##\u0928\u093e"), ("C", "\t"),
                      ("LATIN", "a\\b")],
             "WordPiece rows: %r" % rows)
rows = categorize(os.path.join(tmp, "wp.tokenizer.json"), "--scheme", "script")
tahelp.check([c for c, _ in rows][3:8] == ["Latin", "Latin", "Han", "Hangul", "Devanagari"],
             "WordPiece script rows: %r" % rows)

# JSON array and text file, through the command.
rows = categorize(write("list.json", json.dumps(["\u2581the", "\u041c", "12"])))
tahelp.check(rows == [("LATIN", "\u2581the"), ("CYRILLIC", "\u041c"), ("N", "12")], "list %r" % rows)
rows = categorize(write("vocab.txt", "[PAD]\r\n\u2581a\n\n\u0627\u0644\n"))
tahelp.check(rows == [("LATIN", "[PAD]"), ("S", "\u2581a"), ("Unknown", ""), ("ARABIC", "\u0627\u0644")],
             "text %r" % rows)

# ---- under mpirun: one output, written by rank 0, identical to 1 rank ----------------------
one = tahelp.run(["categorize", "--vocab", os.path.join(tmp, "bpe.tokenizer.json")]).stdout
two = tahelp.run(["categorize", "--vocab", os.path.join(tmp, "bpe.tokenizer.json")], np=2).stdout
tahelp.check(one == two, "2 ranks wrote %r" % two)
out = os.path.join(tmp, "out.tsv")
tahelp.run(["categorize", "--vocab", os.path.join(tmp, "bpe.tokenizer.json"), "--out", out], np=2)
with open(out, encoding="utf-8") as f:
    tahelp.check(f.read() == one, "--out under 2 ranks differs")
tahelp.check(not [n for n in os.listdir(tmp) if ".tmp" in n], "temporary files left")

# ---- malformed input -----------------------------------------------------------------------
def refused(name, data, *mention):
    path = write(name, data) if data is not None else os.path.join(tmp, name)
    tahelp.expect_input_error(["categorize", "--vocab", path], [path] + list(mention))


refused("bad.json", '{\n  "model": {\n    "vocab": {"a": 0,, "b": 1}\n  }\n}\n', ":3:", "invalid JSON")
refused("nomodel.json", json.dumps({"version": "1.0", "added_tokens": []}), '"model"')
refused("gap.json", json.dumps({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 3}}}),
        "id 2 is missing")
refused("dup.json", json.dumps({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 1}}}),
        "id 1 is given twice")
refused("badutf8.json", b'{"model": {"type": "BPE", "vocab": {"ok": 0, "b\xe9": 1}}}', ":1:",
        "invalid JSON")
refused("badutf8-list.json", b'["a",\n "\xc3\x28"]', ":2:")
refused("badutf8.txt", b"ok\nfine\nb\xffd\n", ":3:2:")
refused("empty.json", b"", "empty")
refused("missing.json", None, "no such file")
if "good_model" in dir():
    with open(good_model, "rb") as f:
        blob = f.read()
    refused("truncated.model", blob[:len(blob) // 2], "byte offset", "corrupt or truncated")
    refused("corrupt.model", bytes(range(7, 256)) * 4, "byte offset 0", "corrupt or truncated")
tahelp.expect_input_error(["categorize", "--vocab", os.path.join(tmp, "bpe.tokenizer.json"),
                           "--scheme", "alphabet"], ["alphabet"])
tahelp.expect_input_error(["categorize"], ["--vocab"])

tahelp.finish("vocab_formats")
