"""`translate --protocol paper`: a hand-worked example and the paper's scripts
(dictionaries/clusters.py, vocab_translation.py with its SQL query run by sqlite3,
neighbor_meaning.py, meaning-by-category-table.py; tests/py/paperref.py) on random
neighbourhoods over tokens that exercise str.lower (final sigma, dotted I), the U+2581 strip and
quotes; 1, 2 and 3 ranks identical."""
import math
import os

import h5py
import numpy as np

import paperref as pr
import statsfix as sf
import tahelp as t

D = t.tmpdir()
DICT = os.path.join(D, "muse")
os.makedirs(DICT, exist_ok=True)
with open(os.path.join(DICT, "en-de.txt"), "w", encoding="utf-8") as f:
    f.write("cat katze\ncat Kater\ndog hund\nthe die\nthe der\nwater wasser\nbank bank\nbench bank\n")
with open(os.path.join(DICT, "en-el.txt"), "w", encoding="utf-8") as f:
    f.write("road οδος\nroad δρόμος\nour μας\n")
with open(os.path.join(DICT, "en-fr.txt"), "w", encoding="utf-8") as f:
    f.write("cat chat\nwater eau\nwater l'eau\nthe la\nthe le\ndie mourir\n")
with open(os.path.join(DICT, "en-tr.txt"), "w", encoding="utf-8") as f:
    f.write("istanbul i\u0307stanbul\nwater su\n")


def translate(nb, voc, cat, out, np_=1, protocol="paper", extra=()):
    return t.run(["translate", "--neighbors", nb, "--vocab", voc, "--dict", DICT, "--categories", cat,
                  "--protocol", protocol, "--out", out] + list(extra), np=np_)


# ---- Hand-worked example (k = 3, the token first). ------------------------------------------
#  0 ▁Katze {cat}   1 chat {cat}   2 ▁Hund {dog}   3 ΟΔΟΣ {road}   4 xyz {}   5 Die {the, die}
#  6 der {the}      7 l'eau (quote not doubled: no translation)       8 Bank {bank, bench}
toks = ["▁Katze", "chat", "▁Hund", "ΟΔΟΣ", "xyz", "Die", "der", "l'eau", "Bank"]
cats = ["LATIN", "LATIN", "LATIN", "GREEK", "LATIN", "LATIN", "LATIN", "LATIN", "LATIN"]
index = [[0, 1, 2],   # katze: itself, chat (cat)                 -> 2
         [1, 4, 0],   # chat: itself, katze                       -> 2
         [2, 3, 4],   # hund: itself                              -> 1
         [3, 2, 1],   # οδος: itself                              -> 1
         [4, 0, 1],   # no translation                            -> 0
         [5, 6, 7],   # die {the, die}: itself, der {the}         -> 2
         [7, 5, 6],   # l'eau: no translation                     -> 0
         [8, 0, 5]]   # bank: itself                              -> 1
voc = os.path.join(D, "hand.json")
nb = os.path.join(D, "hand.h5")
cat = os.path.join(D, "hand.tsv")
sf.write_vocab_json(voc, toks)
sf.write_neighbors(nb, index, [0, 1, 2, 3, 4, 5, 7, 8], len(toks))
sf.write_categories(cat, cats, toks)
out = os.path.join(D, "hand.tr.h5")
translate(nb, voc, cat, out)
with h5py.File(out, "r") as f:
    g = f["translate"]
    t.check(g.attrs["protocol"] == "paper", "protocol attribute")
    t.check(list(g["count"][:]) == [2, 2, 1, 1, 0, 2, 0, 1], "counts %r" % list(g["count"][:]))
    t.check(g.attrs["n_without_entry"] == 2 and g.attrs["count_n"] == 8, "tokens without translations stay in the mean")
    t.check(sf.close(g.attrs["count_mean"], 9 / 8), "mean 9/8 %r" % g.attrs["count_mean"])
    t.check(g.attrs["top"] == 3 and sf.close(g.attrs["share_mean"], 9 / 8 / 3), "share of the k = 3 entries")
    # GREEK: one token -> ci 0 (the paper's fillna(0)).
    t.check(list(g["cat_n"][:]) == [1, 7] and sf.close(g["cat_ci"][:][0], 0.0), "by category %r" % g["cat_ci"][:])

# ---- Random neighbourhoods against the paper's scripts. --------------------------------------
rng = np.random.default_rng(21)
special = ["▁Katze", "katze", "KATZE", "chat", "▁chat▁", "Kater", "▁Hund", "hund", "ΟΔΟΣ", "οδος", "ΔΡΌΜΟΣ",
           "ΜΑΣ", "İstanbul", "ISTANBUL", "l'eau", "L''EAU", "eau", "▁Wasser", "su", "Die", "DER", "la", "Le",
           "mourir", "Bank", "bench", "▁▁", "'", "''"]
N, K, C = 300, 10, 4
vocab = special + ["w%d" % i for i in range(N - len(special))]
names = ["G%d" % i for i in range(C)]
code = rng.integers(0, C, N)
code[:C] = range(C)
rcats = [names[c] for c in code]
query = rng.permutation(N)[:260]
# Neighbours of odd rows drawn among the dictionary words, so that translations occur.
idx = sf.self_first_rows(rng, N, query, K, 9, pool=len(special))
rvoc = os.path.join(D, "rand.json")
rnb = os.path.join(D, "rand.h5")
rcat = os.path.join(D, "rand.tsv")
sf.write_vocab_json(rvoc, vocab)
sf.write_neighbors(rnb, idx, query, N)
sf.write_categories(rcat, rcats, vocab)

trans = pr.translations(vocab, pr.clusters(DICT))
t.check(trans[vocab.index("ΔΡΌΜΟΣ")] == "road" and trans[vocab.index("L''EAU")] == "water" and
        trans[vocab.index("l'eau")] == "" and trans[vocab.index("İstanbul")] == "istanbul",
        "the oracle's own lookups (final sigma, quotes, dotted I): %r" % trans[:20])
per_tok, per_cat = pr.meaning_by_category(query, idx, rcats, trans)
runs = {}
for np_ in (1, 2, 3):
    o = os.path.join(D, "rand%d.h5" % np_)
    translate(rnb, rvoc, rcat, o, np_=np_)
    runs[np_] = sf.read_group(o, "translate", skip=("neighbors",))
r1 = runs[1]
t.check(list(r1["count"]) == [per_tok[q] for q in query], "per-token counts = neighbor_meaning.py")
t.check(sf.close(r1["cat_mean"], [per_cat[c][0] for c in names]) and
        sf.close(r1["cat_ci"], [per_cat[c][1] for c in names]), "by category = meaning-by-category-table.py")
t.check(r1["attr_n_without_entry"] == sum(1 for q in query if not trans[q]), "tokens without translations")
for np_ in (2, 3):
    diff = sf.same_results(r1, runs[np_])
    t.check(not diff, "%d ranks differ from 1 rank in %r" % (np_, diff))

# The tokenatlas protocol on the same input keeps its own definitions (-1 without an entry).
o = os.path.join(D, "rand_ta.h5")
translate(rnb, rvoc, rcat, o, protocol="tokenatlas", extra=["--top", "5"])
with h5py.File(o, "r") as f:
    t.check(f["translate"].attrs["protocol"] == "tokenatlas" and int(f["translate/count"][:].min()) == -1,
            "tokenatlas protocol: -1 for tokens without an entry")
t.finish("paper_translate")
