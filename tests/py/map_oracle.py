"""Scores of a 2-D layout, shared by tests/py/test_map_quality.py and jobs/bench-map.sh.

trustworthiness(): scikit-learn's sklearn.manifold.trustworthiness (Venna & Kaski) for rows that
are L2-normalised, computed in blocks of rows so that 20,000 points need neither the N x N
distance matrix nor its argsort (scikit-learn's takes minutes and gigabytes there). Same
definition: for each point, the k nearest other points of the layout are looked up in the
original space, where r(i, j) is j's rank among i's neighbours (1 = nearest); T = 1 - 2 / (n k
(2n - 3k - 1)) sum max(0, r(i, j) - k). Cosine order equals Euclidean order on unit rows. The test
checks it against scikit-learn's on its cases.

knn_accuracy(): the share of points whose category is the most frequent among their k nearest
other points of the layout (a tie goes to the lowest category number).
"""
import numpy as np
from sklearn.neighbors import NearestNeighbors


def layout_neighbors(Y, k):
    """The k nearest other points of each point of the layout (Euclidean)."""
    nn = NearestNeighbors(n_neighbors=k + 1).fit(Y)
    _, ind = nn.kneighbors(Y)
    out = np.empty((len(Y), k), np.int64)
    for i in range(len(Y)):
        row = ind[i][ind[i] != i][:k]
        out[i] = row
    return out


def trustworthiness(Xn, Y, k=15, block=1024):
    Xn = np.ascontiguousarray(Xn, dtype=np.float64)
    n = len(Xn)
    nbr = layout_neighbors(Y, k)
    penalty = 0
    for r0 in range(0, n, block):
        r1 = min(n, r0 + block)
        S = Xn[r0:r1] @ Xn.T
        S[np.arange(r1 - r0), np.arange(r0, r1)] = -np.inf
        # rank of j = 1 + the number of others strictly more similar than j (k passes of
        # compares cost less than sorting the rows)
        target = np.take_along_axis(S, nbr[r0:r1], axis=1)
        for c in range(k):
            rank = 1 + (S > target[:, c : c + 1]).sum(axis=1)
            penalty += int(np.maximum(rank - k, 0).sum())
    return 1.0 - 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0)) * penalty


def knn_accuracy(Y, cat, k=5):
    nbr = layout_neighbors(Y, k)
    ok = 0
    for i in range(len(Y)):
        votes = np.bincount(cat[nbr[i]], minlength=int(cat.max()) + 1)
        ok += int(np.argmax(votes) == cat[i])
    return ok / len(Y)
