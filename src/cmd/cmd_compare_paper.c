/* `compare --protocol paper`: scripts/compare_neighbors.py.
 *
 * The script reads each model's neighbours TSV (one line per entry of a row, the query itself
 * included) into a dict keyed by the query's text, whose values are dicts keyed by the
 * neighbour's text as it reads back from the end of a line, i.e. without trailing whitespace
 * (`line.rstrip()`). So here:
 *   - a key is a query text; rows of one file with the same query text (a text repeated in a
 *     vocabulary) merge into one key, and the keys shared by both files are compared, in the
 *     order of their first row in file a;
 *   - A and B are the sets of neighbour texts without trailing whitespace of every entry of the
 *     key's rows (missing entries, -1, are no lines of the TSV);
 *   - Jaccard |A & B| / |A | B| and overlap 100 |A & B| / |A| (ta_paper_jaccard).
 *
 * Ranks own the keys whose first row in a falls in their block of a's rows; each reads the rows
 * of a and b its keys need, so the results are the same for any number of ranks. */
#include "cmd/cmd_compare_int.h"

#include "base/ta_error.h"
#include "base/ta_strmap.h"
#include "kernels/ta_paper_stats.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    ta__cmp_t *d;
    int32_t *tka, *tkb;    /* [Na], [Nb] neighbour key of each token */
    int32_t *ska, *skb;    /* [Na], [Nb] query key of each token (b: -1 when not a text of a) */
    int64_t *fa, *la, *fb; /* [S] first and last row in a, first row in b, -1 = none */
    int64_t *na, *nb;      /* [S] rows in a and b */
    int32_t *slot;         /* [S] this rank's slot of the key, -1 = not its key */
    int64_t *aoff, *boff;  /* [m + 1] slot -> start of its entries in abuf / bbuf */
    int64_t *apos, *bpos;  /* [m] next free entry */
    int32_t *abuf, *bbuf;
} pctx_t;

/* Neighbour keys of both vocabularies in one map (texts without trailing whitespace), and query
 * keys (exact texts of a; b's texts looked up in them). */
static int keys(pctx_t *x, int64_t *nkeys)
{
    ta__cmp_t *d = x->d;
    ta_strmap_t nm, qm;
    TA_CALL(ta_strmap_init(&nm));
    int rc = ta_strmap_init(&qm);
    if (rc) {
        ta_strmap_free(&nm);
        return rc;
    }
    const ta_tokens_t *tk[2] = {&d->ta, &d->tb};
    int32_t *out[2] = {x->tka, x->tkb};
    for (int m = 0; m < 2; m++)
        for (int64_t t = 0; t < tk[m]->n; t++) {
            int64_t id;
            size_t l = ta_paper_rstrip_len(tk[m]->s[t], tk[m]->len[t]);
            TA_CALL_GOTO(ta_strmap_intern(&nm, tk[m]->s[t], l, &id, NULL), done);
            out[m][t] = (int32_t)id;
        }
    for (int64_t t = 0; t < d->ta.n; t++) {
        int64_t id;
        TA_CALL_GOTO(ta_strmap_intern(&qm, d->ta.s[t], d->ta.len[t], &id, NULL), done);
        x->ska[t] = (int32_t)id;
    }
    for (int64_t t = 0; t < d->tb.n; t++)
        x->skb[t] = (int32_t)ta_strmap_find(&qm, d->tb.s[t], d->tb.len[t]);
    *nkeys = qm.n;
done:
    ta_strmap_free(&nm);
    ta_strmap_free(&qm);
    return rc;
}

/* Rows of each key in a and b; this rank's keys get slots in the order of their first a row. */
static int plan(pctx_t *x, int64_t S)
{
    ta__cmp_t *d = x->d;
    for (int64_t s = 0; s < S; s++) {
        x->fa[s] = x->la[s] = x->fb[s] = -1;
        x->na[s] = x->nb[s] = 0;
        x->slot[s] = -1;
    }
    for (int64_t r = 0; r < d->a.q; r++) {
        int32_t s = x->ska[d->a.query[r]];
        if (x->fa[s] < 0)
            x->fa[s] = r;
        x->la[s] = r;
        x->na[s]++;
    }
    for (int64_t r = 0; r < d->b.q; r++) {
        int32_t s = x->skb[d->b.query[r]];
        if (s < 0)
            continue;
        if (x->fb[s] < 0)
            x->fb[s] = r;
        x->nb[s]++;
    }
    int64_t m = 0;
    for (int64_t r = d->lo; r < d->hi; r++) {
        int32_t s = x->ska[d->a.query[r]];
        if (x->fa[s] == r && x->fb[s] >= 0)
            x->slot[s] = (int32_t)m++;
    }
    d->m = m;
    int64_t m1 = m ? m : 1;
    x->aoff = ta_calloc((size_t)m1 + 1, sizeof *x->aoff);
    x->boff = ta_calloc((size_t)m1 + 1, sizeof *x->boff);
    x->apos = ta_malloc((size_t)m1 * sizeof *x->apos);
    x->bpos = ta_malloc((size_t)m1 * sizeof *x->bpos);
    TA_CHECK(x->aoff && x->boff && x->apos && x->bpos, TA_ERESOURCE, "out of memory for %lld keys",
             (long long)m);
    for (int64_t s = 0; s < S; s++)
        if (x->slot[s] >= 0) {
            x->aoff[x->slot[s] + 1] = x->na[s] * d->a.k;
            x->boff[x->slot[s] + 1] = x->nb[s] * d->b.k;
        }
    for (int64_t i = 0; i < m; i++) {
        x->aoff[i + 1] += x->aoff[i];
        x->boff[i + 1] += x->boff[i];
        x->apos[i] = x->aoff[i];
        x->bpos[i] = x->boff[i];
    }
    x->abuf = ta_malloc((size_t)(x->aoff[m] ? x->aoff[m] : 1) * sizeof *x->abuf);
    x->bbuf = ta_malloc((size_t)(x->boff[m] ? x->boff[m] : 1) * sizeof *x->bbuf);
    TA_CHECK(x->abuf && x->bbuf, TA_ERESOURCE, "out of memory for the neighbours of %lld keys",
             (long long)m);
    return 0;
}

/* The neighbour keys of a row's entries, appended at buf[*pos]. */
static void append(int32_t *buf, int64_t *pos, const int32_t *key, const int32_t *e, int64_t k)
{
    for (int64_t c = 0; c < k; c++)
        if (e[c] >= 0)
            buf[(*pos)++] = key[e[c]];
}

static int a_row(void *ctx, int64_t row, int32_t q, const int32_t *e, int64_t k)
{
    pctx_t *x = ctx;
    int32_t sl = x->slot[x->ska[q]];
    if (sl >= 0)
        append(x->abuf, &x->apos[sl], x->tka, e, k);
    return 0;
}

static int b_row(void *ctx, int64_t row, int32_t q, const int32_t *e, int64_t k)
{
    pctx_t *x = ctx;
    int32_t s = x->skb[q];
    if (s >= 0 && x->slot[s] >= 0)
        append(x->bbuf, &x->bpos[x->slot[s]], x->tkb, e, k);
    return 0;
}

/* The sets, compared; keys whose rows hold no entry in a or b (no lines in the script's TSV)
 * are dropped. */
static int finish(pctx_t *x, int64_t S)
{
    ta__cmp_t *d = x->d;
    int64_t m1 = d->m ? d->m : 1;
    d->qa = ta_malloc((size_t)m1 * sizeof *d->qa);
    d->qb = ta_malloc((size_t)m1 * sizeof *d->qb);
    d->inter = ta_malloc((size_t)m1 * sizeof *d->inter);
    d->jac = ta_malloc((size_t)m1 * sizeof *d->jac);
    d->ov = ta_malloc((size_t)m1 * sizeof *d->ov);
    int64_t *key = ta_malloc((size_t)m1 * sizeof *key);
    int rc = 0;
    TA_CHECK_GOTO(d->qa && d->qb && d->inter && d->jac && d->ov && key, TA_ERESOURCE, done,
                  "out of memory for %lld keys", (long long)d->m);
    for (int64_t s = 0; s < S; s++)
        if (x->slot[s] >= 0)
            key[x->slot[s]] = s;
    int64_t kept = 0;
    for (int64_t i = 0; i < d->m; i++) {
        int32_t *A = x->abuf + x->aoff[i], *B = x->bbuf + x->boff[i];
        int64_t na = ta__cmp_sort_unique(A, x->apos[i] - x->aoff[i]);
        int64_t nb = ta__cmp_sort_unique(B, x->bpos[i] - x->boff[i]);
        if (na == 0 || nb == 0)
            continue;
        int64_t inter;
        ta_paper_jaccard(A, na, B, nb, &inter, &d->jac[kept], &d->ov[kept]);
        d->inter[kept] = (int32_t)inter;
        d->qa[kept] = d->a.query[x->fa[key[i]]];
        d->qb[kept] = d->b.query[x->fb[key[i]]];
        kept++;
    }
    d->m = kept;
done:
    free(key);
    return rc;
}

int ta__cmp_paper_compute(ta__cmp_t *d)
{
    int64_t Na = d->ta.n, Nb = d->tb.n, S = 0;
    pctx_t x;
    memset(&x, 0, sizeof x);
    x.d = d;
    x.tka = ta_malloc((size_t)(Na ? Na : 1) * sizeof *x.tka);
    x.ska = ta_malloc((size_t)(Na ? Na : 1) * sizeof *x.ska);
    x.tkb = ta_malloc((size_t)(Nb ? Nb : 1) * sizeof *x.tkb);
    x.skb = ta_malloc((size_t)(Nb ? Nb : 1) * sizeof *x.skb);
    int rc = 0;
    TA_CHECK_GOTO(x.tka && x.ska && x.tkb && x.skb, TA_ERESOURCE, done,
                  "out of memory for the keys of %lld + %lld tokens", (long long)Na, (long long)Nb);
    TA_CALL_GOTO(keys(&x, &S), done);
    int64_t S1 = S ? S : 1;
    x.fa = ta_malloc((size_t)S1 * sizeof *x.fa);
    x.la = ta_malloc((size_t)S1 * sizeof *x.la);
    x.fb = ta_malloc((size_t)S1 * sizeof *x.fb);
    x.na = ta_malloc((size_t)S1 * sizeof *x.na);
    x.nb = ta_malloc((size_t)S1 * sizeof *x.nb);
    x.slot = ta_malloc((size_t)S1 * sizeof *x.slot);
    TA_CHECK_GOTO(x.fa && x.la && x.fb && x.na && x.nb && x.slot, TA_ERESOURCE, done,
                  "out of memory for %lld keys", (long long)S);
    TA_CALL_GOTO(plan(&x, S), done);
    /* a: from this rank's first row to the last row of its keys; b: every row. */
    int64_t last = d->lo - 1;
    for (int64_t s = 0; s < S; s++)
        if (x.slot[s] >= 0 && x.la[s] > last)
            last = x.la[s];
    TA_CALL_GOTO(ta_nbfile_each_row_full(&d->a, d->lo, last + 1, a_row, &x), done);
    if (d->m)
        TA_CALL_GOTO(ta_nbfile_each_row_full(&d->b, 0, d->b.q, b_row, &x), done);
    TA_CALL_GOTO(finish(&x, S), done);
done:
    free(x.tka);
    free(x.tkb);
    free(x.ska);
    free(x.skb);
    free(x.fa);
    free(x.la);
    free(x.fb);
    free(x.na);
    free(x.nb);
    free(x.slot);
    free(x.aoff);
    free(x.boff);
    free(x.apos);
    free(x.bpos);
    free(x.abuf);
    free(x.bbuf);
    return rc;
}
