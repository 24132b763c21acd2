#include "kernels/ta_paper_sample.h"

#include "base/ta_mt19937.h"

int64_t ta_paper_undersample(const uint8_t *y, int64_t n, uint32_t seed, int64_t *idx,
                             uint8_t *y_out, int64_t *work)
{
    int64_t cnt[2] = {0, 0};
    for (int64_t i = 0; i < n; i++)
        cnt[y[i] != 0]++;
    if (cnt[0] == 0 || cnt[1] == 0)
        return 0;
    const int minority = cnt[1] < cnt[0];
    const int64_t m = cnt[minority];
    ta_mt19937_t rs;
    ta_mt19937_seed(&rs, seed);
    int64_t out = 0;
    for (int c = 0; c < 2; c++) {
        if (c == minority) {
            for (int64_t i = 0; i < n; i++)
                if ((y[i] != 0) == c)
                    idx[out++] = i;
        } else {
            /* flatnonzero(y == c), then indexed by permutation(n_c)[:m]: shuffling the positions
             * themselves makes the same swaps, and the first m are kept. */
            int64_t nc = 0;
            for (int64_t i = 0; i < n; i++)
                if ((y[i] != 0) == c)
                    work[nc++] = i;
            ta_mt19937_shuffle(&rs, work, nc);
            for (int64_t j = 0; j < m; j++)
                idx[out++] = work[j];
        }
    }
    for (int64_t k = 0; k < out; k++)
        y_out[k] = y[idx[k]] != 0;
    return m;
}

/* Positions p in [0, end) with p mod k == f. */
static int64_t residue_count(int64_t end, int k, int f)
{
    return end > f ? (end - f - 1) / k + 1 : 0;
}

void ta_paper_skfold(const uint8_t *y, int64_t n, int k, int32_t *fold)
{
    if (n <= 0)
        return;
    /* Class codes by first appearance: the class of y[0] is code 0. */
    const int first = y[0] != 0;
    int64_t cnt[2] = {0, 0};
    for (int64_t i = 0; i < n; i++)
        cnt[(y[i] != 0) != first]++;
    for (int code = 0; code < 2; code++) {
        const int64_t start = code == 0 ? 0 : cnt[0], end = start + cnt[code];
        int f = 0;
        int64_t left = residue_count(end, k, 0) - residue_count(start, k, 0);
        for (int64_t i = 0; i < n; i++) {
            if (((y[i] != 0) != first) != code)
                continue;
            while (left == 0 && f < k - 1) {
                f++;
                left = residue_count(end, k, f) - residue_count(start, k, f);
            }
            fold[i] = f;
            left--;
        }
    }
}
