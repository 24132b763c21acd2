/* Synthetic models: vocabulary drawing and the row generator (see ta_synth.h for the model). */
#include "kernels/ta_synth.h"

#include "base/ta_error.h"
#include "base/ta_rand.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * Random numbers: xoshiro256** streams (base/ta_rand.h) to draw, Box-Muller for Gaussians. */

/* n standard Gaussians scaled by scale and added to out. */
static void add_gauss(ta_xoshiro_t *r, float *out, int64_t n, double scale)
{
    const double two_pi = 6.283185307179586;
    int64_t i = 0;
    for (; i + 1 < n; i += 2) {
        double rad = sqrt(-2.0 * log(ta_xoshiro_unit(r))) * scale, th = two_pi * ta_xoshiro_unit(r);
        out[i] += (float)(rad * cos(th));
        out[i + 1] += (float)(rad * sin(th));
    }
    if (i < n)
        out[i] += (float)(sqrt(-2.0 * log(ta_xoshiro_unit(r))) * cos(two_pi * ta_xoshiro_unit(r)) *
                          scale);
}

/* out += scale * (a random unit vector from stream r). */
static void add_unit(ta_xoshiro_t *r, float *out, int64_t n, double scale, float *tmp)
{
    for (int64_t i = 0; i < n; i++)
        tmp[i] = 0;
    add_gauss(r, tmp, n, 1.0);
    double ss = 0;
    for (int64_t i = 0; i < n; i++)
        ss += (double)tmp[i] * tmp[i];
    double f = ss > 0 ? scale / sqrt(ss) : 0;
    for (int64_t i = 0; i < n; i++)
        out[i] += (float)(tmp[i] * f);
}

enum { P_VOCAB = 1, P_CLASS = 2, P_GROUP = 3, P_ROW = 4 };

/* ---------------------------------------------------------------------------------------------
 * Classes: writing systems with the code points their pseudo-words are built from, and their
 * share of the word tokens (roughly XLM-R's vocabulary: Latin largest, then CJK, Cyrillic,
 * Arabic, Hangul, Devanagari, ...). */

typedef struct {
    const char *name; /* paper category of its words */
    const char *lang; /* MUSE language code */
    double share;
    uint32_t lo[2], hi[2]; /* up to two code point ranges (all letters, checked with unicodedata) */
    int minlen, maxlen;
    double space_prob; /* probability of a leading U+2581 */
} ta__class_t;

static const ta__class_t classes[TA_SYNTH_NCLASSES] = {
    [TA_SYNTH_SPECIAL] = {"special", NULL, 0, {0}, {0}, 0, 0, 0},
    [1] = {"LATIN", "en", 0.38, {0x61, 0}, {0x7a, 0}, 2, 9, 0.6},
    [2] = {"CJK", "zh", 0.13, {0x4e00, 0}, {0x9fa5, 0}, 1, 3, 0.3},
    [3] = {"CYRILLIC", "ru", 0.10, {0x430, 0}, {0x44f, 0}, 2, 9, 0.6},
    [4] = {"ARABIC", "ar", 0.06, {0x627, 0x641}, {0x63a, 0x64a}, 2, 8, 0.6},
    [5] = {"HANGUL", "ko", 0.05, {0xac00, 0}, {0xd7a3, 0}, 1, 3, 0.5},
    [6] = {"DEVANAGARI", "hi", 0.04, {0x915, 0}, {0x939, 0}, 2, 6, 0.6},
    [7] = {"GREEK", "el", 0.03, {0x3b1, 0}, {0x3c9, 0}, 2, 8, 0.6},
    [8] = {"HEBREW", "he", 0.03, {0x5d0, 0}, {0x5ea, 0}, 2, 7, 0.6},
    [9] = {"THAI", "th", 0.03, {0xe01, 0}, {0xe2e, 0}, 2, 6, 0.3},
    [10] = {"HIRAGANA", "ja", 0.03, {0x3042, 0}, {0x3093, 0}, 2, 4, 0.3},
    [11] = {"BENGALI", "bn", 0.025, {0x995, 0}, {0x9a8, 0}, 2, 6, 0.6},
    [12] = {"GEORGIAN", "ka", 0.02, {0x10d0, 0}, {0x10fa, 0}, 2, 8, 0.6},
    [13] = {"ARMENIAN", "hy", 0.02, {0x561, 0}, {0x586, 0}, 2, 8, 0.6},
    [14] = {"ETHIOPIC", "am", 0.015, {0x1200, 0}, {0x1248, 0}, 2, 5, 0.6},
    [TA_SYNTH_NUMBER] = {"N", NULL, 0.02, {0x30, 0}, {0x39, 0}, 1, 4, 0.5},
    [TA_SYNTH_PUNCT] = {"P", NULL, 0.01, {0}, {0}, 1, 3, 0.2},
    [TA_SYNTH_SYMBOL] = {"S", NULL, 0.01, {0}, {0}, 1, 2, 0.2},
};

static const uint32_t punct_chars[] = {
    '.',  ',', ';',  ':',  '!',  '?',  '(',    ')',  '[',    ']',    '{',    '}',   '"',
    '\'', '-', 0xab, 0xbb, 0xbf, 0xa1, 0x2026, 0xb7, 0x3001, 0x3002, 0x300c, 0x300d};
static const uint32_t symbol_chars[] = {
    '+',    '<',    '=',    '>',    '^',    '|',    '~',    '$',    0xa2,   0xa3,
    0xa5,   0x20ac, 0xa9,   0xae,   0xb0,   0xb1,   0xd7,   0xf7,   0x2192, 0x2190,
    0x2191, 0x2193, 0x221e, 0x2248, 0x2260, 0x2264, 0x2265, 0x2605, 0x2606, 0x2665,
    0x2666, 0x2663, 0x2660, 0x25a0, 0x25a1, 0x25cf, 0x25cb};
static const char *const specials[] = {"<pad>", "</s>", "<unk>"};

const char *ta_synth_class_name(int c)
{
    return c >= 0 && c < TA_SYNTH_NCLASSES ? classes[c].name : "?";
}

const char *ta_synth_class_lang(int c)
{
    return c >= 0 && c < TA_SYNTH_NCLASSES ? classes[c].lang : NULL;
}

int ta_synth_preset_parse(const char *s, ta_synth_preset_t *p)
{
    if (strcmp(s, "script-clustered") == 0)
        *p = TA_SYNTH_SCRIPT_CLUSTERED;
    else if (strcmp(s, "meaning-aligned") == 0)
        *p = TA_SYNTH_MEANING_ALIGNED;
    else
        return TA_ERR(TA_EINPUT,
                      "synth: --preset: unknown preset '%s' (script-clustered, meaning-aligned)",
                      s);
    return 0;
}

const char *ta_synth_preset_name(ta_synth_preset_t p)
{
    return p == TA_SYNTH_MEANING_ALIGNED ? "meaning-aligned" : "script-clustered";
}

static int put_utf8(char *o, uint32_t c)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xc0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    o[0] = (char)(0xe0 | (c >> 12));
    o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
    o[2] = (char)(0x80 | (c & 0x3f));
    return 3;
}

static uint32_t draw_char(ta_xoshiro_t *r, int c)
{
    if (c == TA_SYNTH_PUNCT)
        return punct_chars[ta_xoshiro_scaled(r, sizeof punct_chars / sizeof punct_chars[0])];
    if (c == TA_SYNTH_SYMBOL)
        return symbol_chars[ta_xoshiro_scaled(r, sizeof symbol_chars / sizeof symbol_chars[0])];
    const ta__class_t *k = &classes[c];
    uint32_t n0 = k->hi[0] - k->lo[0] + 1, n1 = k->lo[1] ? k->hi[1] - k->lo[1] + 1 : 0;
    uint32_t x = (uint32_t)ta_xoshiro_scaled(r, n0 + n1);
    return x < n0 ? k->lo[0] + x : k->lo[1] + (x - n0);
}

/* An open-addressing set of piece offsets, to keep pieces unique. */
typedef struct {
    int64_t *slot;
    uint64_t mask;
} ta__set_t;

/* Returns 1 when inserted, 0 when text + off already is in the set. */
static int set_insert(ta__set_t *set, const char *text, int64_t off)
{
    uint64_t i = ta_fnv1a_str(text + off) & set->mask;
    while (set->slot[i] >= 0) {
        if (strcmp(text + set->slot[i], text + off) == 0)
            return 0;
        i = (i + 1) & set->mask;
    }
    set->slot[i] = off;
    return 1;
}

void ta_synth_free(ta_synth_t *s)
{
    free(s->cls);
    free(s->group);
    free(s->head);
    free(s->text);
    free(s->off);
    free(s->u_class);
    memset(s, 0, sizeof *s);
}

/* Class counts by share (rounding left-overs go to LATIN), then shuffled over the ids after the
 * specials so that scripts interleave as in a frequency-sorted vocabulary; r is the vocabulary
 * stream. */
static void assign_classes(ta_synth_t *s, int64_t cnt[TA_SYNTH_NCLASSES], ta_xoshiro_t *r)
{
    const int64_t n = s->n, nword = n - s->nspecial;
    int64_t assigned = 0;
    for (int c = 1; c < TA_SYNTH_NCLASSES; c++) {
        cnt[c] = (int64_t)(classes[c].share * (double)nword);
        assigned += cnt[c];
    }
    cnt[1] += nword - assigned;
    int64_t k = 0;
    for (int64_t i = 0; i < s->nspecial; i++)
        s->cls[k++] = TA_SYNTH_SPECIAL;
    for (int c = 1; c < TA_SYNTH_NCLASSES; c++)
        for (int64_t j = 0; j < cnt[c]; j++)
            s->cls[k++] = (uint8_t)c;
    for (int64_t i = n - 1; i > s->nspecial; i--) {
        int64_t j = s->nspecial + (int64_t)ta_xoshiro_scaled(r, (uint64_t)(i - s->nspecial + 1));
        uint8_t t = s->cls[i];
        s->cls[i] = s->cls[j];
        s->cls[j] = t;
    }
}

/* A new piece of class c at o (at most 48 characters and a NUL); returns its length. The
 * attempt number lengthens the piece: crowded short lengths grow after a few collisions. */
static int draw_piece(char *o, int c, int attempt, ta_xoshiro_t *r)
{
    const ta__class_t *kc = &classes[c];
    int len = kc->minlen + (int)ta_xoshiro_scaled(r, (uint64_t)(kc->maxlen - kc->minlen + 1)) +
              attempt / 8;
    int m = 0;
    if (ta_xoshiro_unit(r) < kc->space_prob)
        m += put_utf8(o + m, 0x2581);
    for (int j = 0; j < len && m < 48; j++)
        m += put_utf8(o + m, draw_char(r, c));
    o[m] = '\0';
    return m;
}

/* The pieces, unique, into s->text (cap bytes) at s->off. */
static int draw_pieces(ta_synth_t *s, ta__set_t *set, int64_t cap, ta_xoshiro_t *r)
{
    int64_t used = 0;
    for (int64_t i = 0; i < s->n; i++) {
        int c = s->cls[i];
        TA_CHECK(used + 64 < cap, TA_EINTERNAL, "synth: piece buffer overflow");
        s->off[i] = used;
        if (c == TA_SYNTH_SPECIAL) {
            strcpy(s->text + used, specials[i]);
            used += (int64_t)strlen(specials[i]) + 1;
            set_insert(set, s->text, s->off[i]);
            continue;
        }
        for (int attempt = 0;; attempt++) {
            int m = draw_piece(s->text + used, c, attempt, r);
            if (set_insert(set, s->text, used)) {
                used += m + 1;
                break;
            }
        }
    }
    return 0;
}

/* Translation groups: each English token heads one; every other word token joins a random group,
 * so a group has on average 1.5 members in other scripts. */
static int make_groups(ta_synth_t *s, int64_t nlatin, ta_xoshiro_t *r)
{
    s->ngroups = nlatin;
    s->head = ta_malloc((size_t)(s->ngroups ? s->ngroups : 1) * sizeof *s->head);
    TA_CHECK(s->head, TA_ERESOURCE, "synth: out of memory");
    int64_t g = 0;
    for (int64_t i = 0; i < s->n; i++) {
        s->group[i] = -1;
        if (s->cls[i] == 1) {
            s->head[g] = i;
            s->group[i] = (int32_t)g++;
        }
    }
    for (int64_t i = 0; i < s->n; i++)
        if (s->cls[i] >= 2 && s->cls[i] <= TA_SYNTH_NSCRIPTS)
            s->group[i] = (int32_t)ta_xoshiro_scaled(r, (uint64_t)s->ngroups);
    return 0;
}

/* The class directions: a random unit vector per class, each from its own stream. */
static int class_directions(ta_synth_t *s)
{
    float *tmp = ta_malloc((size_t)s->dim * sizeof *tmp);
    TA_CHECK(tmp, TA_ERESOURCE, "synth: out of memory");
    for (int c = 0; c < TA_SYNTH_NCLASSES; c++) {
        ta_xoshiro_t rc_ = {{0}};
        ta_xoshiro_seed(&rc_, s->seed, P_CLASS, (uint64_t)c);
        add_unit(&rc_, s->u_class + (int64_t)c * s->dim, s->dim, 1.0, tmp);
    }
    free(tmp);
    return 0;
}

int ta_synth_init(ta_synth_t *s, ta_synth_preset_t preset, int64_t n, int64_t rows, int64_t dim,
                  uint64_t seed)
{
    memset(s, 0, sizeof *s);
    TA_CHECK(n >= 100 && rows >= n && dim >= 2, TA_EINPUT,
             "synth: need at least 100 tokens and 2 dimensions");
    s->preset = preset;
    s->n = n;
    s->rows = rows;
    s->dim = dim;
    s->seed = seed;
    s->nspecial = 3;
    if (preset == TA_SYNTH_SCRIPT_CLUSTERED) {
        s->a = 1.0, s->b = 0.35, s->sigma = 0.6;
    } else {
        s->a = 0.28, s->b = 1.0, s->sigma = 0.5;
    }
    int rc = 0;
    ta__set_t set = {0};
    int64_t cap = 32 * n + 64;
    s->cls = ta_malloc((size_t)n);
    s->group = ta_malloc((size_t)n * sizeof *s->group);
    s->off = ta_malloc((size_t)n * sizeof *s->off);
    s->text = ta_malloc((size_t)cap);
    s->u_class = ta_calloc((size_t)(TA_SYNTH_NCLASSES * dim), sizeof *s->u_class);
    uint64_t tsize = 1;
    while (tsize < (uint64_t)(2 * n))
        tsize <<= 1;
    set.slot = ta_malloc(tsize * sizeof *set.slot);
    set.mask = tsize - 1;
    TA_CHECK_GOTO(s->cls && s->group && s->off && s->text && s->u_class && set.slot, TA_ERESOURCE,
                  fail, "synth: out of memory for %lld tokens", (long long)n);
    memset(set.slot, 0xff, tsize * sizeof *set.slot);
    /* One vocabulary stream for the classes, the pieces and the groups, in this order. */
    int64_t cnt[TA_SYNTH_NCLASSES] = {0};
    ta_xoshiro_t r;
    ta_xoshiro_seed(&r, seed, P_VOCAB, 0);
    assign_classes(s, cnt, &r);
    TA_CALL_GOTO(draw_pieces(s, &set, cap, &r), fail);
    TA_CALL_GOTO(make_groups(s, cnt[1], &r), fail);
    TA_CALL_GOTO(class_directions(s), fail);
    free(set.slot);
    return 0;
fail:
    free(set.slot);
    ta_synth_free(s);
    return rc;
}

void ta_synth_rows(const ta_synth_t *s, int64_t row0, int64_t nrows, float *out)
{
    const int64_t d = s->dim;
    for (int64_t r = 0; r < nrows; r++) {
        int64_t i = row0 + r;
        float *x = out + r * d;
        /* Padding rows past the vocabulary behave like never-trained special rows. */
        int c = i < s->n ? s->cls[i] : TA_SYNTH_SPECIAL;
        int64_t g = i < s->n ? s->group[i] : -1;
        const float *u = s->u_class + (int64_t)c * d;
        for (int64_t j = 0; j < d; j++)
            x[j] = (float)(s->a * u[j]);
        ta_xoshiro_t rr;
        ta_xoshiro_seed(&rr, s->seed, P_ROW, (uint64_t)i);
        add_gauss(&rr, x, d, s->sigma / sqrt((double)d));
        if (g >= 0) {
            /* The group vector comes from its own stream, regenerated for every member, so that
             * no G x d table is ever held. */
            ta_xoshiro_t rg;
            ta_xoshiro_seed(&rg, s->seed, P_GROUP, (uint64_t)g);
            add_gauss(&rg, x, d, s->b / sqrt((double)d));
        }
    }
}
