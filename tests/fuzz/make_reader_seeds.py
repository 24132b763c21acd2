"""Writes the seed corpora of the reader fuzz harnesses (fuzz_readers_common.h) into
tests/fuzz/seeds/{nbfile,model_h5,report_h5,catfile_tsv,muse,queries,freqfile}/. Run from the repository root:
    /usr/bin/python3 tests/fuzz/make_reader_seeds.py
The HDF5 harnesses take recipes (fuzz_h5_recipe.h): a run of one repeated byte below 7 builds a
file whose objects all are as the reader expects (the byte picks the integer, float and string
types); the other seeds mix absent, retyped, reshaped and out-of-range objects."""
import os
import random

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")


def put(d, name, data):
    os.makedirs(os.path.join(TOP, d), exist_ok=True)
    with open(os.path.join(TOP, d, name), "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)


for d in ("nbfile", "model_h5", "report_h5"):
    for b in range(1, 7):
        put(d, "valid-%d" % b, bytes([b]) * 3000)
    rng = random.Random(d)
    for i in range(4):
        put(d, "mixed-%d" % i, bytes(rng.choice([1, 1, 1, 2, 3, 7, 8, 9, 10, 17, 200, 250])
                                     for _ in range(3000)))

TSV = "id\tcategory\ttoken\n0\tLATIN\t<pad>\n1\tS\t</s>\n2\tCJK\t\\t中\n3\tLATIN\t▁the\n"
put("catfile_tsv", "valid", TSV)
put("catfile_tsv", "crlf", TSV.replace("\n", "\r\n"))
put("catfile_tsv", "no-final-newline", TSV.rstrip("\n"))
put("catfile_tsv", "header-only", "id\tcategory\ttoken\n")
put("catfile_tsv", "id-gap", TSV.replace("3\tLATIN", "5\tLATIN"))
put("catfile_tsv", "escapes", "id\tcategory\ttoken\n0\tP\t\\\\\\n\\r\n1\tUnknown\t\n")

DICT = "the der\nthe die\ncat Katze\nhouse Haus\n"
put("muse", "valid", bytes([128]) + (DICT + "the le\ncat chat\n").encode())
put("muse", "malformed", bytes([100]) + b"one\nthree words here\n\xff\xfe x\nok fine\n\nNUL\x00 x\n")
put("muse", "unicode", bytes([60]) + "▁Straße strasse\nΣίσυφος sisyphus\nİstanbul istanbul\n".encode())
put("muse", "one-file", bytes([255]) + DICT.encode())

put("queries", "valid", "0\n3\n15\n")
put("queries", "comments", "# queries\n\n2  # two\n7\n\n")
put("queries", "crlf", "1\r\n2\r\n")
put("queries", "bad", "1\n1\n16\n-1\nx\n")
put("queries", "nul", b"1\n2\x003\n")
put("queries", "huge", "99999999999999999999999\n")
put("freqfile", "by-id", "id\tcount\n0\t5\n1\t100\n7\t0\n")
put("freqfile", "by-token", "token\tcount\nthe\t10\nStraße\t3\n\\\\t\t1\na b\t2\n\t4\n")
put("freqfile", "bad", "id\tcount\n0\t-1\n9\t2\n1\tnan\n")
put("freqfile", "unknown", "token\tcount\nzzz\t1\n")
put("freqfile", "duplicate", "token\tcount\nthe\t1\nthe\t2\n")
put("freqfile", "huge", "id\tcount\n0\t99999999999999999999999\n")
