#include "base/ta_strmap.h"

#include "base/ta_error.h"
#include "base/ta_rand.h"

#include <stdlib.h>
#include <string.h>

int ta_strmap_init(ta_strmap_t *m)
{
    memset(m, 0, sizeof *m);
    m->cap = 1024;
    m->slot = ta_calloc((size_t)m->cap, sizeof *m->slot);
    TA_CHECK_ALLOC(m->slot, (size_t)m->cap * sizeof *m->slot);
    return 0;
}

void ta_strmap_free(ta_strmap_t *m)
{
    for (int64_t i = 0; i < m->n; i++)
        free(m->key[i]);
    free(m->key);
    free(m->klen);
    free(m->slot);
    memset(m, 0, sizeof *m);
}

/* The slot holding s, or the empty slot where it would go. */
static int64_t probe(const ta_strmap_t *m, const char *s, size_t len)
{
    int64_t mask = m->cap - 1;
    int64_t i = (int64_t)(ta_fnv1a(s, len) & (uint64_t)mask);
    for (;;) {
        int64_t v = m->slot[i];
        if (v == 0)
            return i;
        if (m->klen[v - 1] == len && memcmp(m->key[v - 1], s, len) == 0)
            return i;
        i = (i + 1) & mask;
    }
}

static int grow(ta_strmap_t *m)
{
    int64_t *old = m->slot, oldcap = m->cap;
    m->cap *= 2;
    m->slot = ta_calloc((size_t)m->cap, sizeof *m->slot);
    if (!m->slot) {
        m->slot = old;
        m->cap = oldcap;
        return TA_ERESOURCE;
    }
    for (int64_t i = 0; i < oldcap; i++)
        if (old[i]) {
            int64_t id = old[i] - 1;
            m->slot[probe(m, m->key[id], m->klen[id])] = old[i];
        }
    free(old);
    return 0;
}

int ta_strmap_intern(ta_strmap_t *m, const char *s, size_t len, int64_t *id, int *added)
{
    TA_CHECK(len <= UINT32_MAX, TA_EINPUT, "string of %zu bytes is too long", len);
    int64_t i = probe(m, s, len);
    if (m->slot[i]) {
        *id = m->slot[i] - 1;
        if (added)
            *added = 0;
        return 0;
    }
    if (m->n == m->kcap) {
        /* Two arrays of one capacity: grow a copy of it for each, keep it once both moved. */
        int64_t kc = m->kcap, lc = m->kcap;
        TA_CALL(ta_grow(&m->key, &kc, m->n + 1, sizeof *m->key));
        TA_CALL(ta_grow(&m->klen, &lc, m->n + 1, sizeof *m->klen));
        m->kcap = kc;
    }
    char *c = ta_malloc(len + 1);
    TA_CHECK_ALLOC(c, len + 1);
    memcpy(c, s, len);
    c[len] = '\0';
    m->key[m->n] = c;
    m->klen[m->n] = (uint32_t)len;
    m->slot[i] = m->n + 1;
    *id = m->n++;
    if (added)
        *added = 1;
    /* Keep the load factor at most 1/2. */
    if (2 * m->n > m->cap)
        TA_CALL(grow(m));
    return 0;
}

int64_t ta_strmap_find(const ta_strmap_t *m, const char *s, size_t len)
{
    int64_t v = m->slot[probe(m, s, len)];
    return v ? v - 1 : -1;
}
