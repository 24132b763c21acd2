/* Writing-system categories of tokens (see ta_category.h), with ICU 72 (Unicode 15.0).
 *
 * The per-code-point value (the first word of the character name for letters, the first letter
 * of the general category otherwise; or the Script property) is computed with ICU once per code
 * point and kept in a lazily allocated table of small value ids per scheme, so a token costs a
 * UTF-8 decode and one table load per character. The tables and the list of interned value
 * strings are process-global and filled on first use without locking: the categorizer is safe
 * for single-threaded use (one thread at a time), which is how every command calls it. */
#include "kernels/ta_category.h"

#include "base/ta_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include <unicode/uchar.h>
#include <unicode/uscript.h>

#define TA__NCP 0x110000
#define TA__MAXVAL 65535

/* Value ids per scheme: 0 = not computed yet, otherwise 1 + index into the interned values. */
typedef struct {
    uint16_t *id; /* [TA__NCP], allocated on first use */
    char **value; /* interned value strings */
    int nvalue;
    int64_t capvalue;
} ta__table_t;

static ta__table_t ta__tables[2];

int ta_scheme_parse(const char *s, ta_scheme_t *out)
{
    TA_CHECK(s != NULL, TA_EINPUT, "--scheme: missing value (expected paper or script)");
    if (strcmp(s, "paper") == 0)
        *out = TA_SCHEME_PAPER;
    else if (strcmp(s, "script") == 0)
        *out = TA_SCHEME_SCRIPT;
    else
        return TA_ERR(TA_EINPUT, "--scheme: unknown scheme '%s' (expected paper or script)", s);
    return 0;
}

const char *ta_scheme_name(ta_scheme_t s)
{
    return s == TA_SCHEME_SCRIPT ? "script" : "paper";
}

/* The paper's value of one code point into buf. */
static void ta__paper_value(int32_t cp, char *buf, size_t cap)
{
    uint32_t mask = U_GET_GC_MASK(cp);
    if (mask & U_GC_L_MASK) {
        UErrorCode err = U_ZERO_ERROR;
        int32_t n = u_charName(cp, U_UNICODE_CHAR_NAME, buf, (int32_t)cap, &err);
        if (U_FAILURE(err) || n <= 0 || (size_t)n >= cap) {
            /* Every assigned letter has a name; keep a defined value if ICU ever disagrees. */
            snprintf(buf, cap, "L");
            return;
        }
        char *sp = strchr(buf, ' ');
        if (sp)
            *sp = '\0';
        return;
    }
    const char *v = "C"; /* Cc Cf Cs Co Cn */
    if (mask & U_GC_M_MASK)
        v = "M";
    else if (mask & U_GC_N_MASK)
        v = "N";
    else if (mask & U_GC_P_MASK)
        v = "P";
    else if (mask & U_GC_S_MASK)
        v = "S";
    else if (mask & U_GC_Z_MASK)
        v = "Z";
    snprintf(buf, cap, "%s", v);
}

/* The Script property's long name (Latin, Cyrillic, Han, Common, Inherited, Unknown, ...). */
static void ta__script_value(int32_t cp, char *buf, size_t cap)
{
    UErrorCode err = U_ZERO_ERROR;
    UScriptCode sc = uscript_getScript(cp, &err);
    const char *name = U_FAILURE(err) ? NULL : uscript_getName(sc);
    snprintf(buf, cap, "%s", name ? name : "Unknown");
}

/* Interns a value string; returns its id (1-based) or 0 on allocation failure (error set). */
static uint16_t ta__intern(ta__table_t *t, const char *v)
{
    for (int i = 0; i < t->nvalue; i++)
        if (strcmp(t->value[i], v) == 0)
            return (uint16_t)(i + 1);
    if (t->nvalue >= TA__MAXVAL) {
        TA_ERR(TA_EINTERNAL, "categories: more than %d distinct values", TA__MAXVAL);
        return 0;
    }
    if (ta_grow(&t->value, &t->capvalue, t->nvalue + 1, sizeof *t->value) != 0)
        return 0;
    char *copy = strdup(v);
    if (!copy) {
        TA_ERR(TA_ERESOURCE, "out of memory allocating %zu bytes", strlen(v) + 1);
        return 0;
    }
    t->value[t->nvalue++] = copy;
    return (uint16_t)t->nvalue;
}

/* The value id of code point cp in scheme s, computing and caching it on first use. */
static int ta__value_id(ta_scheme_t s, int32_t cp, uint16_t *id)
{
    ta__table_t *t = &ta__tables[s];
    if (!t->id) {
        t->id = ta_calloc(TA__NCP, sizeof *t->id);
        TA_CHECK(t->id != NULL, TA_ERESOURCE, "out of memory allocating the category table");
    }
    uint16_t v = t->id[cp];
    if (!v) {
        char buf[128];
        if (s == TA_SCHEME_PAPER)
            ta__paper_value(cp, buf, sizeof buf);
        else
            ta__script_value(cp, buf, sizeof buf);
        v = ta__intern(t, buf);
        if (!v)
            return ta_err_code() ? ta_err_code() : TA_EINTERNAL;
        t->id[cp] = v;
    }
    *id = v;
    return 0;
}

/* Distinct values of one token in order of first occurrence, with their counts. */
typedef struct {
    uint16_t id;
    uint16_t script_class; /* script scheme: 0 other, 1 Common, 2 Inherited */
    int64_t count;
} ta__tally_t;

int ta_category_of(ta_scheme_t scheme, const char *s, size_t len, char *out, size_t cap)
{
    TA_CHECK(scheme == TA_SCHEME_PAPER || scheme == TA_SCHEME_SCRIPT, TA_EINTERNAL,
             "categories: bad scheme %d", (int)scheme);
    TA_CHECK(out != NULL && cap > 0, TA_EINTERNAL, "categories: no output buffer");
    const unsigned char *u = (const unsigned char *)s;
    ta__tally_t small[32], *tally = small;
    int ntally = 0, captally = 32, rc = 0;
    const char *result = "Unknown";

    for (size_t i = 0; i < len;) {
        /* utf8proc's decoder is strict (no overlongs, surrogates or values above U+10FFFF), as
         * Python's. */
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(u + i, (utf8proc_ssize_t)(len - i), &cp);
        TA_CHECK_GOTO(n > 0, TA_EINPUT, done, "invalid UTF-8 at byte offset %zu (byte 0x%02X)", i,
                      u[i]);
        i += (size_t)n;
        uint16_t id = 0;
        TA_CALL_GOTO(ta__value_id(scheme, cp, &id), done);
        int k = 0;
        while (k < ntally && tally[k].id != id)
            k++;
        if (k == ntally) {
            if (ntally == captally) {
                ta__tally_t *nt = ta_malloc(2 * (size_t)captally * sizeof *nt);
                TA_CHECK_GOTO(nt != NULL, TA_ERESOURCE, done, "out of memory");
                memcpy(nt, tally, (size_t)ntally * sizeof *nt);
                if (tally != small)
                    free(tally);
                tally = nt;
                captally *= 2;
            }
            tally[k].id = id;
            tally[k].count = 0;
            tally[k].script_class = 0;
            if (scheme == TA_SCHEME_SCRIPT) {
                const char *v = ta__tables[scheme].value[id - 1];
                tally[k].script_class = strcmp(v, "Common") == 0      ? 1
                                        : strcmp(v, "Inherited") == 0 ? 2
                                                                      : 0;
            }
            ntally++;
        }
        tally[k].count++;
    }

    if (ntally > 0) {
        /* Script scheme: Common and Inherited only count when nothing else is there. */
        int have_other = 0, have_common = 0;
        for (int k = 0; k < ntally; k++) {
            have_other |= tally[k].script_class == 0;
            have_common |= tally[k].script_class == 1;
        }
        int best = -1;
        for (int k = 0; k < ntally; k++) {
            if (have_other && tally[k].script_class != 0)
                continue;
            /* Strictly greater: a tie keeps the value that occurred first. */
            if (best < 0 || tally[k].count > tally[best].count)
                best = k;
        }
        if (have_other)
            result = ta__tables[scheme].value[tally[best].id - 1];
        else /* script scheme, only Common and Inherited */
            result = have_common ? "Common" : "Inherited";
    }
    {
        size_t rl = strlen(result);
        TA_CHECK_GOTO(rl < cap, TA_EINTERNAL, done,
                      "categories: output buffer of %zu bytes too "
                      "small for '%s'",
                      cap, result);
        memcpy(out, result, rl + 1);
    }
done:
    if (tally != small)
        free(tally);
    return rc;
}

static int ta__strcmp_p(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int ta_catset_from_names(const char *const *names, int64_t n, ta_catset_t *out)
{
    int rc = 0;
    const char **sorted = NULL;
    memset(out, 0, sizeof *out);
    TA_CHECK(n >= 0, TA_EINTERNAL, "categories: negative count");
    size_t nn = (size_t)n;
    sorted = ta_malloc((nn ? nn : 1) * sizeof *sorted);
    TA_CHECK_GOTO(sorted != NULL, TA_ERESOURCE, fail, "out of memory");
    out->code = ta_malloc((nn ? nn : 1) * sizeof *out->code);
    TA_CHECK_GOTO(out->code != NULL, TA_ERESOURCE, fail, "out of memory");
    for (size_t i = 0; i < nn; i++) {
        TA_CHECK_GOTO(names[i] != NULL, TA_EINTERNAL, fail, "categories: token %zu has no name", i);
        sorted[i] = names[i];
    }
    qsort(sorted, nn, sizeof *sorted, ta__strcmp_p);
    size_t nu = 0;
    for (size_t i = 0; i < nn; i++)
        if (nu == 0 || strcmp(sorted[nu - 1], sorted[i]) != 0)
            sorted[nu++] = sorted[i];
    TA_CHECK_GOTO(nu <= INT32_MAX, TA_EINPUT, fail, "categories: too many distinct names");
    out->name = ta_calloc(nu ? nu : 1, sizeof *out->name);
    TA_CHECK_GOTO(out->name != NULL, TA_ERESOURCE, fail, "out of memory");
    for (size_t i = 0; i < nu; i++) {
        out->name[i] = strdup(sorted[i]);
        TA_CHECK_GOTO(out->name[i] != NULL, TA_ERESOURCE, fail, "out of memory");
        out->ncat = (int32_t)(i + 1);
    }
    out->n = n;
    for (size_t i = 0; i < nn; i++) {
        int32_t c = ta_catset_find(out, names[i]);
        TA_ASSERT(c >= 0);
        out->code[i] = c;
    }
    free(sorted);
    return 0;
fail:
    free(sorted);
    ta_catset_free(out);
    return rc;
}

int32_t ta_catset_find(const ta_catset_t *c, const char *name)
{
    int32_t lo = 0, hi = c->ncat;
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        int r = strcmp(c->name[mid], name);
        if (r == 0)
            return mid;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

void ta_catset_free(ta_catset_t *c)
{
    if (!c)
        return;
    if (c->name)
        for (int32_t i = 0; i < c->ncat; i++)
            free(c->name[i]);
    free(c->name);
    free(c->code);
    memset(c, 0, sizeof *c);
}
