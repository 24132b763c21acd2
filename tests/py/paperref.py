"""The paper's own scripts (Wen-Yi & Mimno 2023, github.com/andreawwenyi/hyperpolyglot), re-written
here as oracles for `--protocol paper`: each function follows one script line by line, on the
paper's neighbours TSV (find_neighbors.py: `cos  row  token  neighbour_id  neighbour_token`, one
line per neighbour, the query itself included). Only file handling differs (data in memory, the
TSV written to a string); where a script is not deterministic the function says which choice
tokenatlas documents.

    category_table      scripts/category-category-table.py
    category_entropy    scripts/category-entropy-table.py
    translations        dictionaries/clusters.py + scripts/vocab_translation.py (the SQL query
                        run by sqlite3 instead of duckdb: same literal syntax, same failures)
    meaning_by_category scripts/neighbor_meaning.py + scripts/meaning-by-category-table.py
    compare             scripts/compare_neighbors.py
    hubs                scripts/count_similar.py
    num_neighbor_cats   Figure5-Histogram of NumNeighborCats.ipynb
    frequency_brackets  Figure6,9-n_neighbor_category_by_frequency.ipynb (Figure 9)
"""
import csv
import glob
import io
import os
import re
import sqlite3
from collections import Counter

import numpy as np
import pandas as pd
import scipy.stats


def neighbors_tsv(query, index, vocab, scores=None):
    """find_neighbors.py's output for the rows of a neighbours file (entries < 0 are not rows)."""
    out = io.StringIO()
    for r, (q, row) in enumerate(zip(query, index)):
        for c, j in enumerate(row):
            if j < 0:
                continue
            cos = 0.0 if scores is None else scores[r][c]
            out.write(f"{cos:.3f}\t{q}\t{vocab[q]}\t{j}\t{vocab[j]}\n")
    return out.getvalue()


def categories_frame(query, index, categories):
    """neighbor_categories.py read back by the table scripts (tokens left out: they only sit in
    string columns that the tables never use)."""
    rows = [(q, categories[q], categories[j]) for q, row in zip(query, index) for j in row if j >= 0]
    return pd.DataFrame(rows, columns=["vocab_index", "vocab_category", "neighbor_category"])


def category_table(df):
    """category-category-table.py: {(category, neighbour category): (n, mean, ci)}."""
    stats = df.groupby(["vocab_index", "vocab_category", "neighbor_category"]).size().reset_index(name="n")
    stats = stats.groupby(["vocab_category", "neighbor_category"])["n"].agg(["mean", "sem", "size"]).reset_index()
    stats["ci"] = stats["sem"] * 1.96
    stats = stats.drop("sem", axis=1)
    stats = stats.fillna(0)
    return {(r.vocab_category, r.neighbor_category): (int(r["size"]), float(r["mean"]), float(r.ci))
            for _, r in stats.iterrows()}


def get_entropy(data):
    p_data = data.value_counts()
    return scipy.stats.entropy(p_data)


def category_entropy(df):
    """category-entropy-table.py: per-token entropy {vocab_index: H} and {category: (mean, ci)}."""
    stats = df.groupby(["vocab_index", "vocab_category", "neighbor_category"]).size().reset_index(name="n")
    stats = stats.groupby(["vocab_index", "vocab_category"])["n"].apply(get_entropy).reset_index(name="entropy")
    return dict(zip(stats.vocab_index, stats.entropy)), category_mean_ci(stats, "entropy")


def category_mean_ci(stats, col):
    """The tail both table scripts share: mean and 1.96 * SEM by vocab_category, fillna(0)."""
    stats = stats.groupby(["vocab_category"])[col].agg(["mean", "sem"]).reset_index()
    stats["ci"] = stats["sem"] * 1.96
    stats = stats.fillna(0)
    return {r.vocab_category: (float(r["mean"]), float(r.ci)) for _, r in stats.iterrows()}


def clusters(dict_dir):
    """dictionaries/clusters.py, then the commented-out block that made all_clusters_df.pk."""
    line_pattern = re.compile(r"^(.+)\s(.+)$")
    file_pattern = re.compile("en-(..).txt")
    eng_trans = {}
    for filename in sorted(glob.glob(os.path.join(dict_dir, "en-*.txt"))):
        with open(filename, encoding="utf-8") as reader:
            language = file_pattern.search(os.path.basename(filename)).group(1)
            for line in reader:
                match = line_pattern.search(line.strip())
                if match:
                    english, other = match.group(1), match.group(2)
                    if english not in eng_trans:
                        eng_trans[english] = set()
                    eng_trans[english].add(f"{other}/{language}")
    # all_clusters.txt: "english syn1|syn2..." per headword, read back with line.split().
    lines = [f"{english} {'|'.join(sorted(syn))}" for english, syn in eng_trans.items()]
    dictionary = []
    for i, line in enumerate(lines):
        eng_vocab, synonymous = line.split()
        dictionary.append({"lang": "en", "vocab": eng_vocab, "cluster_id": i, "anchor": True})
        for syn in synonymous.split("|"):
            vocab, lang = syn.rsplit("/", 1)
            dictionary.append({"lang": lang, "vocab": vocab, "cluster_id": i})
    return pd.DataFrame(dictionary)


def translations(vocab, dictionary):
    """vocab_translation.py: the English words of each token, "|"-joined ("" for none)."""
    con = sqlite3.connect(":memory:")
    dictionary[["lang", "vocab", "cluster_id"]].to_sql("dictionary", con, index=False)

    def preprocess(v):
        v = v.lower()
        v = v.strip("▁")
        return v

    def find_english_translation(v):
        v = preprocess(v)
        try:
            rows = con.execute(f"SELECT vocab FROM dictionary where lang = 'en' and cluster_id in "
                               f"(SELECT cluster_id from dictionary where vocab == '{v}')").fetchall()
        except sqlite3.Error:
            return ""
        if len(rows) > 0:
            return "|".join(r[0] for r in rows)
        return ""

    return [find_english_translation(v) for v in vocab]


def meaning_by_category(query, index, categories, trans):
    """neighbor_meaning.py + meaning-by-category-table.py: {query: count}, {category: (mean, ci)}."""
    rows = []
    for q, row in zip(query, index):
        for j in row:
            if j < 0:
                continue
            wt, nt = trans[q], trans[j]
            if wt and nt:
                has = int(bool(set(wt.split("|")).intersection(nt.split("|"))))
            else:
                has = 0
            rows.append((q, categories[q], has))
    df = pd.DataFrame(rows, columns=["vocab_index", "vocab_category", "has_overlap"])
    stats = df.groupby(["vocab_index", "vocab_category"])["has_overlap"].sum().reset_index(name="n")
    return dict(zip(stats.vocab_index, stats.n)), category_mean_ci(stats, "n")


def load_neighbors(text):
    """compare_neighbors.py's load_neighbors on the TSV text."""
    neighbors = {}
    for line in io.StringIO(text, newline="\n"):
        fields = line.rstrip().split("\t")
        sim = float(fields[0])
        source = fields[2]
        target = fields[4] if len(fields) == 5 else ""
        if source not in neighbors:
            neighbors[source] = {}
        neighbors[source][target] = sim
    return neighbors


def jaccard(a, b):
    a_set, b_set = set(a.keys()), set(b.keys())
    return (len(a_set & b_set) / len(a_set | b_set), len(a_set & b_set) / len(a_set))


def compare(text_a, text_b):
    """compare_neighbors.py: [(key, jaccard, overlap percent)] in the order of file a's keys
    (keys absent from b, where the script would stop with a KeyError, are left out)."""
    left, right = load_neighbors(text_a), load_neighbors(text_b)
    out = []
    for key in left.keys():
        if key not in right:
            continue
        j, o = jaccard(left[key], right[key])
        out.append((key, j, o * 100))
    return out


def hubs(text, m=30):
    """count_similar.py: Counter of the neighbour token column, most_common(m); and the Counter."""
    sim_counter = Counter()
    for line in io.StringIO(text, newline="\n"):
        fields = line.rstrip().split("\t")
        if len(fields) == 5:
            sim_counter[fields[4]] += 1
    return sim_counter.most_common(m), sim_counter


def num_neighbor_cats(query, index, categories, top):
    """The Figure 5 notebook: distinct neighbour categories among each token's first top + 1
    rows (self and the top nearest others when the token is its own first neighbour)."""
    rows = [(q, categories[j]) for q, row in zip(query, index) for j in row if j >= 0]
    neighbors = pd.DataFrame(rows, columns=["token_idx", "neighbor_category"])
    neighbors["order"] = neighbors.groupby("token_idx").cumcount()
    neighbors = neighbors[neighbors["order"] <= top]
    x = neighbors.groupby("token_idx")["neighbor_category"].nunique()
    return dict(zip(x.index, x.values))


def frequency_brackets(counts):
    """The Figure 9 notebook's deciles over the whole vocabulary: {token id: bracket 1..10}.
    sort_values("count") is pandas' unstable quicksort; tokenatlas documents ties by token id,
    i.e. a stable sort of the ids in order."""
    df = pd.DataFrame({"TokenID": np.arange(len(counts)), "count": counts})
    df = df.sort_values("count", kind="stable").reset_index(drop=True)
    df["frequency_bracket"] = np.ceil(10 * (df.index + 1) / len(df))
    return dict(zip(df.TokenID, df.frequency_bracket.astype(int)))


def by_bracket(query, values, bracket):
    """The Figure 9 bar heights: mean (and 1.96 * SEM) of a per-query value by bracket."""
    df = pd.DataFrame({"b": [bracket[q] for q in query], "v": values})
    st = df.groupby("b")["v"].agg(["mean", "sem", "size"])
    return {int(b): (int(r["size"]), float(r["mean"]), float(0 if np.isnan(r["sem"]) else 1.96 * r["sem"]))
            for b, r in st.iterrows()}
