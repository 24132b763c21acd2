"""The categorizer (ICU 72, Unicode 15.0) against two independent references.

1. Unicode 15.0's own data files (/usr/share/unicode from the Debian package unicode-data):
   UnicodeData.txt (general categories, names, algorithmic name ranges) and Scripts.txt. The
   tool must agree exactly, for both schemes, on every assigned code point as a one-character
   token and on 20,000 random tokens of 1-4 code points.
2. Python's unicodedata, i.e. the paper's own rule (scripts/vocab_categories.py:
   unicodedata.name(c).split()[0] for letters, unicodedata.category(c)[0] otherwise,
   Counter.most_common(1)). Python 3.11 knows Unicode 14.0, so every difference must involve a
   character that Python 3.11 sees as unassigned (Cn); the differences are counted and printed.
   Python 3.11 has no names for the Tangut ideographs (U+17000..U+187F7, U+18D00..U+18D08:
   unicodedata.name raises ValueError, so the paper's script cannot categorize them at all); the
   reference uses their algorithmic Unicode name "TANGUT IDEOGRAPH-XXXXX" for those.

Usage: test_category_oracle.py PATH/TO/ta_catdriver
"""
import json
import os
import random
import subprocess
import sys
import unicodedata
from collections import Counter

import tahelp

UCD = "/usr/share/unicode"


def load_ucd():
    """Per code point: (general category, first word of the name) from UnicodeData.txt and
    the script from Scripts.txt, Unicode 15.0."""
    cat = {}
    word = {}
    with open(os.path.join(UCD, "UnicodeData.txt"), encoding="ascii") as f:
        first = None
        for line in f:
            fields = line.split(";")
            cp = int(fields[0], 16)
            name, gc = fields[1], fields[2]
            if name.startswith("<") and name.endswith(", First>"):
                first = cp
                continue
            if name.startswith("<") and name.endswith(", Last>"):
                # Algorithmic names: "<CJK Ideograph Extension A, First>" is named
                # "CJK UNIFIED IDEOGRAPH-3400", "<Hangul Syllable, ...>" "HANGUL SYLLABLE GA",
                # "<Tangut Ideograph, ...>" "TANGUT IDEOGRAPH-17000": the first word of the
                # range label, upper-cased, is the first word of every name in the range.
                w = name[1:].split()[0].split(",")[0].upper()
                for c in range(first, cp + 1):
                    cat[c] = gc
                    word[c] = w
                first = None
                continue
            cat[cp] = gc
            word[cp] = name.split()[0] if not name.startswith("<") else None
    script = {}
    with open(os.path.join(UCD, "Scripts.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.split("#")[0].strip()
            if not line:
                continue
            rng, sc = [x.strip() for x in line.split(";")]
            lo, _, hi = rng.partition("..")
            for c in range(int(lo, 16), int(hi or lo, 16) + 1):
                script[c] = sc
    return cat, word, script


def most_common(values, empty="Unknown"):
    # Counter keeps first-occurrence order and most_common(1) keeps the first of equal counts:
    # exactly the paper's tie rule.
    return Counter(values).most_common(1)[0][0] if values else empty


def ref_paper_u15(cps, cat, word):
    vals = []
    for c in cps:
        gc = cat.get(c, "Cn")
        vals.append(word[c] if gc[0] == "L" else gc[0])
    return most_common(vals)


def ref_script_u15(cps, script):
    s = [script.get(c, "Unknown") for c in cps]
    other = [x for x in s if x not in ("Common", "Inherited")]
    if other:
        return most_common(other)
    if not s:
        return "Unknown"
    return "Inherited" if all(x == "Inherited" for x in s) else "Common"


def python_name_word(ch):
    try:
        return unicodedata.name(ch).split()[0]
    except ValueError:
        c = ord(ch)
        assert 0x17000 <= c <= 0x187F7 or 0x18D00 <= c <= 0x18D08, hex(c)
        return "TANGUT"


def ref_paper_python(cps):
    """The paper's rule with Python's unicodedata (Unicode 14.0)."""
    vals = []
    for c in cps:
        ch = chr(c)
        gc = unicodedata.category(ch)
        vals.append(python_name_word(ch) if gc[0] == "L" else gc[0])
    return most_common(vals)


def run_driver(driver, tokens):
    data = "".join(bytes(t).hex() + "\n" if isinstance(t, (bytes, bytearray))
                   else "".join(chr(c) for c in t).encode("utf-8").hex() + "\n"
                   for t in tokens)
    out = subprocess.run([driver], input=data.encode(), stdout=subprocess.PIPE, check=True,
                         timeout=120).stdout.decode("utf-8")
    lines = out.split("\n")[:-1]
    assert len(lines) == len(tokens), (len(lines), len(tokens))
    return [tuple(l.split("\t", 1)) for l in lines]


def main():
    if len(sys.argv) < 2:
        print("usage: test_category_oracle.py DRIVER")
        return 2
    driver = sys.argv[1]
    if not os.path.exists(os.path.join(UCD, "Scripts.txt")):
        tahelp.skip("no Unicode data files in %s (apt-get install unicode-data)" % UCD)
    with open(os.path.join(UCD, "ReadMe.txt"), encoding="utf-8") as f:
        assert "15.0" in f.read(), "unicode-data is not Unicode 15.0"
    cat, word, script = load_ucd()

    assigned15 = [c for c in sorted(cat) if cat[c] != "Cs"]
    py_cn = set(c for c in range(0x110000) if unicodedata.category(chr(c)) == "Cn")
    new15 = [c for c in assigned15 if c in py_cn]
    py_assigned = [c for c in assigned15 if c not in py_cn and cat[c] != "Co"]
    private = [c for c in assigned15 if cat[c] == "Co"]
    unassigned = [c for c in range(0x110000) if c not in cat]
    print("Unicode 15.0: %d assigned code points (no surrogates), %d of them new since 14.0"
          % (len(assigned15), len(new15)))

    # Every assigned code point alone (private use sampled: 137k code points of one value).
    rng = random.Random(150)
    singles = [[c] for c in assigned15 if cat[c] != "Co"] + [[c] for c in rng.sample(private, 2000)]
    singles += [[c] for c in rng.sample(unassigned, 2000)]
    # 20,000 random tokens of 1-4 code points: mostly characters Python knows, some new in
    # Unicode 15, some private use, some unassigned in both.
    pools = [(0.80, py_assigned), (0.10, new15), (0.05, private), (0.05, unassigned)]

    def draw():
        r = rng.random()
        for p, pool in pools:
            if r < p:
                return rng.choice(pool)
            r -= p
        return rng.choice(py_assigned)

    randoms = [[draw() for _ in range(rng.randint(1, 4))] for _ in range(20000)]
    randoms.append([])
    tokens = singles + randoms
    got = run_driver(driver, tokens)

    fails = 0
    py_diffs = Counter()
    py_diff_examples = []
    for i, (cps, g) in enumerate(zip(tokens, got)):
        if len(g) != 2 or g[0] == "ERROR":
            fails += 1
            if fails <= 10:
                print("FAIL: %s refused: %s" % ([hex(c) for c in cps], g))
            continue
        want_p = ref_paper_u15(cps, cat, word)
        want_s = ref_script_u15(cps, script)
        if g != (want_p, want_s):
            fails += 1
            if fails <= 10:
                print("FAIL: %s: tool %s, Unicode 15.0 data %s"
                      % ([hex(c) for c in cps], g, (want_p, want_s)))
        py = ref_paper_python(cps)
        if py != g[0]:
            kind = "single" if i < len(singles) else "random"
            py_diffs[kind] += 1
            if not any(c in py_cn for c in cps):
                fails += 1
                print("FAIL: %s: tool %s, Python %s, no character new in Unicode 15"
                      % ([hex(c) for c in cps], g[0], py))
            elif len(py_diff_examples) < 5:
                py_diff_examples.append("%s: tool %s, Python 3.11 %s"
                                        % (" ".join("U+%04X" % c for c in cps), g[0], py))

    # Invalid UTF-8 is refused with the byte offset.
    bad = [b"\xff", b"ab\xc3", b"\xed\xa0\x80", b"\xc0\x80", b"\xf4\x90\x80\x80"]
    offsets = [0, 2, 0, 0, 0]
    for b, off, g in zip(bad, offsets, run_driver(driver, bad)):
        if g[0] != "ERROR" or ("byte offset %d" % off) not in g[1]:
            fails += 1
            print("FAIL: %r: %s" % (b, g))

    # End to end: the same random tokens as a JSON-list vocabulary through `tokenatlas
    # categorize`, both schemes, TSV parsed back.
    if tahelp.BIN and os.path.exists(tahelp.BIN):
        tmp = tahelp.tmpdir()
        vocab = os.path.join(tmp, "random.json")
        with open(vocab, "w", encoding="utf-8") as f:
            json.dump(["".join(chr(c) for c in t) for t in randoms], f)
        for scheme, col in (("paper", 0), ("script", 1)):
            out = os.path.join(tmp, "random.%s.tsv" % scheme)
            tahelp.run(["categorize", "--vocab", vocab, "--scheme", scheme, "--out", out])
            with open(out, "rb") as f:
                rows = f.read().decode("utf-8").split("\n")
            if rows[0] != "id\tcategory\ttoken" or rows[-1] != "" or len(rows) != len(randoms) + 2:
                fails += 1
                print("FAIL: categorize --scheme %s: bad TSV shape (%d rows)" % (scheme, len(rows)))
                continue
            for i, (row, cps) in enumerate(zip(rows[1:-1], randoms)):
                id_, cat_ = row.split("\t")[:2]
                want = (ref_paper_u15(cps, cat, word) if col == 0 else ref_script_u15(cps, script))
                if id_ != str(i) or cat_ != want:
                    fails += 1
                    if fails <= 10:
                        print("FAIL: categorize --scheme %s row %d: %r, want %s" % (scheme, i, row, want))
        print("categorize on a %d-token JSON vocabulary agrees with Unicode 15.0 data (both schemes)"
              % len(randoms))

    print("checked %d one-character tokens and %d random tokens against Unicode 15.0 data"
          % (len(singles), len(randoms)))
    print("differences from Python 3.11 unicodedata (Unicode 14.0): %d of %d one-character "
          "tokens, %d of %d random tokens, all involving characters new in Unicode 15.0"
          % (py_diffs["single"], len(singles), py_diffs["random"], len(randoms)))
    for e in py_diff_examples:
        print("  e.g. " + e)
    if fails:
        print("%d failure(s)" % fails)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
