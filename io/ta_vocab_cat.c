#include "io/ta_vocab_cat.h"

#include "base/ta_error.h"
#include "base/ta_rand.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Category values are few (a few hundred at most) and repeat across hundreds of thousands of
 * tokens: each distinct value is stored once and tokens point at it, through a small
 * open-addressing hash table. */
typedef struct {
    char **slot;
    size_t cap, used;
} intern_t;

static int intern_grow(intern_t *t)
{
    size_t cap = t->cap ? 2 * t->cap : 256;
    char **slot = calloc(cap, sizeof *slot);
    TA_CHECK_ALLOC(slot, cap * sizeof *slot);
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slot[i])
            continue;
        size_t h = (size_t)ta_fnv1a_str(t->slot[i]) & (cap - 1);
        while (slot[h])
            h = (h + 1) & (cap - 1);
        slot[h] = t->slot[i];
    }
    free(t->slot);
    t->slot = slot;
    t->cap = cap;
    return 0;
}

static int intern(intern_t *t, const char *s, const char **out)
{
    if (2 * (t->used + 1) > t->cap)
        TA_CALL(intern_grow(t));
    size_t h = (size_t)ta_fnv1a_str(s) & (t->cap - 1);
    while (t->slot[h] && strcmp(t->slot[h], s) != 0)
        h = (h + 1) & (t->cap - 1);
    if (!t->slot[h]) {
        t->slot[h] = strdup(s);
        TA_CHECK_ALLOC(t->slot[h], strlen(s) + 1);
        t->used++;
    }
    *out = t->slot[h];
    return 0;
}

static void intern_free(intern_t *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->slot[i]);
    free(t->slot);
}

int ta_vocab_categorize(const ta_vocab_t *v, ta_scheme_t scheme, ta_catset_t *out)
{
    int rc = 0;
    intern_t tab = {0};
    memset(out, 0, sizeof *out);
    const char **names = malloc((size_t)(v->n ? v->n : 1) * sizeof *names);
    TA_CHECK_ALLOC(names, (size_t)v->n * sizeof *names);
    char cat[256];
    for (int64_t i = 0; i < v->n; i++) {
        if (v->flags[i] & TA_PIECE_BYTES) {
            snprintf(cat, sizeof cat, "BYTES");
        } else if ((rc = ta_category_of(scheme, v->piece[i], v->len[i], cat, sizeof cat)) != 0) {
            /* Name the vocabulary and the token, which the categorizer does not know. */
            char msg[2100];
            snprintf(msg, sizeof msg, "%.1000s: token %lld: %.1000s", v->path, (long long)i,
                     ta_err_message());
            ta_err_clear();
            ta_err_adopt(rc, msg);
            goto out;
        }
        TA_CALL_GOTO(intern(&tab, cat, &names[i]), out);
    }
    TA_CALL_GOTO(ta_catset_from_names(names, v->n, out), out);
out:
    free(names);
    intern_free(&tab);
    return rc;
}
