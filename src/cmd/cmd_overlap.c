/* `tokenatlas overlap`: which tokens the vocabularies of several models share (the paper's
 * Figure 2, scripts/count_overlaps.py) and the subset map of the tokens all of them share
 * (scripts/make_maps.py), for `--subset PREFIX.h5:NAME`.
 *
 * Tokens are compared as the strings `categorize` prints (byte-level pieces decoded, bytes that
 * are not valid UTF-8 written <0xNN>), byte for byte. A string that occurs under several ids of
 * one vocabulary (byte-level vocabularies can decode two pieces alike) counts once, through its
 * lowest id. For every pair of vocabularies (argument order) and for all of them together: the
 * shared strings, their share of the smaller vocabulary (its tokens, every id counted, as the
 * paper's len(vocabulary)) and the share of LATIN among them (the paper's category rule, for the
 * token of the first vocabulary of the pair). The map lists each vocabulary's ids of the strings
 * all share, in the first vocabulary's id order. The work is small (about a second for three
 * vocabularies of 130k-260k tokens), so rank 0 does it; the ranks write PREFIX.h5 together. */
#include "cmd/cmd_overlap.h"

#include "base/ta_error.h"
#include "base/ta_log.h"
#include "base/ta_strmap.h"
#include "io/ta_file.h"
#include "io/ta_h5.h"
#include "io/ta_prov.h"
#include "io/ta_vocab.h"
#include "io/ta_vocab_cat.h"
#include "mpi/ta_h5par.h"
#include "mpi/ta_mpi.h"
#include "cmd/ta_cmd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define O ta_overlap_opts_t
static const ta_opt_t opts[] = {
    {TA_OPT_LIST_(O, vocab, "vocab", "PATH",
                  "a vocabulary (repeat: at least two): tokenizer.json, SentencePiece .model, JSON "
                  "list, text, or a tokenatlas model.h5, read as `categorize` reads it")},
    {TA_OPT_STRING_(O, names, "names", 0, NULL, "a,b,...",
                    "one name per vocabulary, in order (letters, digits, '.', '_', '-'); default: "
                    "each file's name up to its first '.'")},
    {TA_OPT_PATH_(O, out, "out", TA_OPT_REQUIRED | TA_OPT_OUTPUT, "PREFIX",
                  "writes PREFIX.tsv (the overlap table) and PREFIX.h5 (the subset map); a "
                  "trailing .h5 or .tsv is dropped")},
    {TA_OPT_END_},
};
#undef O

typedef struct {
    const ta_overlap_opts_t *o;
    int m;                    /* vocabularies */
    char **name;              /* [m] */
    int64_t *n, *distinct;    /* [m] tokens (ids), distinct strings */
    int32_t **uid;            /* [m][n] the string of each id (index into u) */
    uint8_t **latin;          /* [m][n] the token's category is LATIN */
    ta_strmap_t u;            /* every string of every vocabulary */
    int32_t **low;            /* [m][u.n] lowest id of each string, -1 when absent */
    int64_t *shared, *nlatin; /* [m x m] shared strings; LATIN among them by the row's tokens */
    int64_t nall, latin_all;  /* shared by all; LATIN among them (first vocabulary) */
    int smallest;             /* the vocabulary with the fewest tokens (first of equals) */
    int32_t *all;             /* [m x nall] the map: vocabulary i's ids of the shared strings */
    const char **token;       /* [nall] the shared strings */
    char *prefix, *tsv, *h5;
} ov_t;

static int valid_name(const char *s)
{
    if (!s[0] || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-'))
            return 0;
    return 1;
}

/* The names: --names split at commas, or each file's name up to its first '.'. */
static int make_names(ov_t *v)
{
    const ta_overlap_opts_t *o = v->o;
    v->name = ta_calloc((size_t)v->m, sizeof *v->name);
    TA_CHECK_ALLOC(v->name, (size_t)v->m * sizeof *v->name);
    const char *p = o->names;
    for (int i = 0; i < v->m; i++) {
        if (o->names) {
            TA_CHECK(p, TA_EINPUT, "overlap: --names %s: %d names for %d vocabularies", o->names, i,
                     v->m);
            const char *comma = strchr(p, ',');
            v->name[i] = strndup(p, comma ? (size_t)(comma - p) : strlen(p));
            p = comma ? comma + 1 : NULL;
        } else {
            const char *base = strrchr(o->vocab.v[i], '/');
            base = base ? base + 1 : o->vocab.v[i];
            v->name[i] = strndup(base, strcspn(base, "."));
        }
        TA_CHECK_ALLOC(v->name[i], strlen(o->vocab.v[i]));
        TA_CHECK(valid_name(v->name[i]), TA_EINPUT,
                 "overlap: %s: '%s' is not a valid name (letters, digits, '.', '_', '-')%s",
                 o->names ? "--names" : o->vocab.v[i], v->name[i],
                 o->names ? "" : "; give the names with --names");
        for (int j = 0; j < i; j++)
            TA_CHECK(strcmp(v->name[i], v->name[j]) != 0, TA_EINPUT,
                     "overlap: vocabularies %d and %d are both named '%s'%s", j + 1, i + 1,
                     v->name[i], o->names ? "" : " (from their file names): give --names");
    }
    TA_CHECK(!p, TA_EINPUT, "overlap: --names %s: more names than the %d vocabularies", o->names,
             v->m);
    return 0;
}

/* Vocabulary i: the string and the LATIN flag of every id. */
static int read_vocab(ov_t *v, int i)
{
    const char *path = v->o->vocab.v[i];
    ta_vocab_t voc = {0};
    ta_catset_t cs = {0};
    char **disp = NULL;
    int rc = 0;
    TA_CALL_GOTO(ta_vocab_read(path, &voc), done);
    TA_CALL_GOTO(ta_vocab_display_all(&voc, &disp), done);
    TA_CALL_GOTO(ta_vocab_categorize(&voc, TA_SCHEME_PAPER, &cs), done);
    const int32_t latin = ta_catset_find(&cs, "LATIN");
    v->n[i] = voc.n;
    v->uid[i] = ta_malloc((size_t)(voc.n + 1) * sizeof(int32_t));
    v->latin[i] = ta_malloc((size_t)voc.n + 1);
    TA_CHECK_GOTO(v->uid[i] && v->latin[i], TA_ERESOURCE, done, "out of memory reading %s", path);
    for (int64_t id = 0; id < voc.n; id++) {
        int64_t u;
        TA_CALL_GOTO(ta_strmap_intern(&v->u, disp[id], strlen(disp[id]), &u, NULL), done);
        TA_CHECK_GOTO(u < INT32_MAX, TA_ERESOURCE, done, "overlap: too many distinct tokens");
        v->uid[i][id] = (int32_t)u;
        v->latin[i][id] = cs.code[id] == latin;
    }
    TA_CALL_GOTO(ta_prov_add_input(path), done);
done:
    free(disp);
    ta_catset_free(&cs);
    ta_vocab_free(&voc);
    return rc;
}

/* low[i]: the lowest id of each string in vocabulary i (ids ascending: the first one seen). */
static int lowest_ids(ov_t *v)
{
    const int64_t U = v->u.n;
    for (int i = 0; i < v->m; i++) {
        v->low[i] = ta_malloc((size_t)(U + 1) * sizeof(int32_t));
        TA_CHECK_ALLOC(v->low[i], (size_t)U * sizeof(int32_t));
        memset(v->low[i], 0xff, (size_t)U * sizeof(int32_t));
        for (int64_t id = 0; id < v->n[i]; id++)
            if (v->low[i][v->uid[i][id]] < 0) {
                v->low[i][v->uid[i][id]] = (int32_t)id;
                v->distinct[i]++;
            }
        if (v->distinct[i] < v->n[i])
            ta_log_info("overlap: %s: %lld of its %lld tokens repeat the string of a lower id "
                        "(the lowest id counts)",
                        v->name[i], (long long)(v->n[i] - v->distinct[i]), (long long)v->n[i]);
    }
    return 0;
}

/* shared[i][j] and nlatin[i][j] (LATIN among the shared strings, by vocabulary i's tokens); the
 * diagonal holds each vocabulary's distinct strings and LATIN among them. */
static void count_pairs(ov_t *v)
{
    const int m = v->m;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) {
            int64_t s = 0, l = 0;
            for (int64_t u = 0; u < v->u.n; u++) {
                int32_t a = v->low[i][u];
                if (a >= 0 && v->low[j][u] >= 0) {
                    s++;
                    l += v->latin[i][a];
                }
            }
            v->shared[i * m + j] = s;
            v->nlatin[i * m + j] = l;
        }
}

/* The strings every vocabulary holds, in the first vocabulary's id order, and their ids. */
static int shared_by_all(ov_t *v)
{
    const int m = v->m;
    for (int pass = 0; pass < 2; pass++) {
        int64_t s = 0;
        for (int64_t id = 0; id < v->n[0]; id++) {
            int32_t u = v->uid[0][id];
            int every = v->low[0][u] == id;
            for (int i = 1; i < m && every; i++)
                every = v->low[i][u] >= 0;
            if (!every)
                continue;
            if (pass == 1) {
                for (int i = 0; i < m; i++)
                    v->all[(int64_t)i * v->nall + s] = v->low[i][u];
                v->token[s] = v->u.key[u];
                v->latin_all += v->latin[0][id];
            }
            s++;
        }
        if (pass == 0) {
            v->nall = s;
            v->all = ta_malloc((size_t)(m * s + 1) * sizeof(int32_t));
            v->token = ta_malloc((size_t)(s + 1) * sizeof(char *));
            TA_CHECK(v->all && v->token, TA_ERESOURCE, "out of memory for %lld shared tokens",
                     (long long)s);
        }
    }
    for (int i = 1; i < m; i++)
        if (v->n[i] < v->n[v->smallest])
            v->smallest = i;
    return 0;
}

/* Rank 0: everything the outputs hold. */
static int compute(ov_t *v)
{
    const int m = v->m;
    v->n = ta_calloc((size_t)m, sizeof(int64_t));
    v->distinct = ta_calloc((size_t)m, sizeof(int64_t));
    v->uid = ta_calloc((size_t)m, sizeof(int32_t *));
    v->latin = ta_calloc((size_t)m, sizeof(uint8_t *));
    v->low = ta_calloc((size_t)m, sizeof(int32_t *));
    v->shared = ta_calloc((size_t)(m * m), sizeof(int64_t));
    v->nlatin = ta_calloc((size_t)(m * m), sizeof(int64_t));
    TA_CHECK(v->n && v->distinct && v->uid && v->latin && v->low && v->shared && v->nlatin,
             TA_ERESOURCE, "out of memory for %d vocabularies", m);
    for (int i = 0; i < m; i++)
        TA_CALL(read_vocab(v, i));
    TA_CALL(lowest_ids(v));
    count_pairs(v);
    return shared_by_all(v);
}

/* One row of the table; share_of_smaller = shared / smaller, latin_share = LATIN / shared. */
static void put_row(FILE *fp, const char *a, const char *b, int64_t na, int64_t nb, int64_t shared,
                    int64_t smaller, int64_t latin)
{
    fprintf(fp, "%s\t%s\t%lld\t%lld\t%lld\t%.6f\t%.6f\n", a, b, (long long)na, (long long)nb,
            (long long)shared, smaller ? (double)shared / (double)smaller : NAN,
            shared ? (double)latin / (double)shared : NAN);
}

/* Rank 0: PREFIX.tsv, one row per pair in argument order, then the row ALL: b is the smallest
 * vocabulary (the share's denominator), n_a the distinct strings of all vocabularies together. */
static int write_tsv(const ov_t *v)
{
    const int m = v->m;
    ta_outfile_t f;
    TA_CALL(ta_outfile_open(&f, v->tsv));
    fputs("a\tb\tn_a\tn_b\tshared\tshare_of_smaller\tlatin_share\n", f.fp);
    for (int i = 0; i < m; i++)
        for (int j = i + 1; j < m; j++)
            put_row(f.fp, v->name[i], v->name[j], v->n[i], v->n[j], v->shared[i * m + j],
                    v->n[i] < v->n[j] ? v->n[i] : v->n[j], v->nlatin[i * m + j]);
    const int s = v->smallest;
    put_row(f.fp, "ALL", v->name[s], v->u.n, v->n[s], v->nall, v->n[s], v->latin_all);
    return ta_outfile_commit(&f);
}

/* Rank 0, serial phase of PREFIX.h5. */
static int write_serial(const ov_t *v, hid_t f)
{
    const int64_t m = v->m, mm[2] = {m, m}, s = v->nall;
    TA_CALL(ta_h5_write_strings(f, "/overlap/names", (const char *const *)v->name, m));
    TA_CALL(ta_h5_write_strings(f, "/overlap/vocabs", v->o->vocab.v, m));
    TA_CALL(ta_h5_write_array(f, "/overlap/n_tokens", TA_ELEM_I64, 1, &m, v->n));
    TA_CALL(ta_h5_write_array(f, "/overlap/n_distinct", TA_ELEM_I64, 1, &m, v->distinct));
    TA_CALL(ta_h5_write_array(f, "/overlap/shared", TA_ELEM_I64, 2, mm, v->shared));
    TA_CALL(ta_h5_write_array(f, "/overlap/latin", TA_ELEM_I64, 2, mm, v->nlatin));
    TA_CALL(ta_h5_write_strings(f, "/overlap/token", v->token, s));
    for (int i = 0; i < v->m; i++) {
        char *path = NULL;
        TA_CALL(ta_cmd_sprintf(&path, "/overlap/models/%s/ids", v->name[i]));
        int rc = ta_h5_write_array(f, path, TA_ELEM_I32, 1, &s, v->all + i * s);
        free(path);
        TA_CALL(rc);
        TA_CALL(ta_cmd_sprintf(&path, "/overlap/models/%s", v->name[i]));
        const ta_h5_attr_t ma[] = {
            TA_H5_ATTR_STR_("vocab", v->o->vocab.v[i]),
            TA_H5_ATTR_INT_("n_tokens", v->n[i]),
            TA_H5_ATTR_INT_("n_distinct", v->distinct[i]),
        };
        rc = ta_h5_write_attrs(f, path, ma, 3);
        free(path);
        TA_CALL(rc);
    }
    const int sm = v->smallest;
    const ta_h5_attr_t a[] = {
        TA_H5_ATTR_INT_("n_models", m),
        TA_H5_ATTR_INT_("n_shared", s),
        TA_H5_ATTR_INT_("n_union", v->u.n),
        TA_H5_ATTR_STR_("smallest", v->name[sm]),
        TA_H5_ATTR_DOUBLE_("share_of_smaller", v->n[sm] ? (double)s / (double)v->n[sm] : NAN),
        TA_H5_ATTR_DOUBLE_("latin_share", s ? (double)v->latin_all / (double)s : NAN),
        TA_H5_ATTR_INT_("n_latin", v->latin_all),
        TA_H5_ATTR_STR_("compared_as", "decoded strings as categorize prints them"),
        TA_H5_ATTR_STR_("duplicates", "a string under several ids counts once, by its lowest id"),
        TA_H5_ATTR_STR_("order", "the first vocabulary's id order"),
        TA_H5_ATTR_STR_("scheme", "paper"),
    };
    return ta_h5_write_attrs(f, "/overlap", a, sizeof a / sizeof a[0]);
}

/* Collective. PREFIX.h5 through the life cycle of mpi/ta_h5par.h. */
static int write_h5(const ov_t *v)
{
    ta_h5out_t h;
    TA_CALL(ta_h5out_create(&h, v->h5, ta_mpi_comm()));
    TA_CALL(ta_h5out_to_serial(&h));
    int rc = ta_mpi_rank() == 0 ? write_serial(v, h.file) : 0;
    return ta_h5out_commit(&h, rc);
}

/* PREFIX.tsv and PREFIX.h5 from --out (a trailing .h5 or .tsv dropped). */
static int out_paths(ov_t *v)
{
    const char *out = v->o->out;
    size_t len = strlen(out);
    if (len > 3 && strcmp(out + len - 3, ".h5") == 0)
        len -= 3;
    else if (len > 4 && strcmp(out + len - 4, ".tsv") == 0)
        len -= 4;
    TA_CALL(ta_cmd_sprintf(&v->prefix, "%.*s", (int)len, out));
    TA_CALL(ta_cmd_sprintf(&v->tsv, "%s.tsv", v->prefix));
    return ta_cmd_sprintf(&v->h5, "%s.h5", v->prefix);
}

static void log_summary(const ov_t *v)
{
    char line[1024];
    size_t len = 0;
    for (int i = 0; i < v->m && len < sizeof line - 64; i++)
        len += (size_t)snprintf(line + len, sizeof line - len, "%s%s %lld", i ? ", " : "",
                                v->name[i], (long long)v->n[i]);
    const int64_t small = v->n[v->smallest];
    ta_log_info("overlap: %d vocabularies (%s): %lld tokens shared by all (%.2f%% of the smallest, "
                "%s; %.2f%% of them LATIN) -> %s, %s",
                v->m, line, (long long)v->nall, small ? 100.0 * (double)v->nall / (double)small : 0,
                v->name[v->smallest], v->nall ? 100.0 * (double)v->latin_all / (double)v->nall : 0,
                v->tsv, v->h5);
}

static void ov_free(ov_t *v)
{
    for (int i = 0; v->name && i < v->m; i++)
        free(v->name[i]);
    for (int i = 0; v->uid && i < v->m; i++) {
        free(v->uid[i]);
        free(v->latin[i]);
        free(v->low[i]);
    }
    free(v->name);
    free(v->n);
    free(v->distinct);
    free(v->uid);
    free(v->latin);
    free(v->low);
    free(v->shared);
    free(v->nlatin);
    free(v->all);
    free(v->token);
    free(v->prefix);
    free(v->tsv);
    free(v->h5);
    ta_strmap_free(&v->u);
}

int ta_cmd_overlap_run(const ta_overlap_opts_t *o)
{
    ov_t v;
    memset(&v, 0, sizeof v);
    v.o = o;
    v.m = o->vocab.n;
    int rc = ta_opt_check(&ta_cmd_overlap, o);
    if (!rc && v.m < 2)
        rc = TA_ERR(TA_EINPUT, "overlap: --vocab: at least two vocabularies are needed, got %d%s%s",
                    v.m, v.m ? ": " : "", v.m ? o->vocab.v[0] : "");
    if (!rc)
        rc = make_names(&v);
    if (!rc)
        rc = out_paths(&v);
    if (!rc)
        rc = ta_strmap_init(&v.u);
    if (!rc && ta_mpi_rank() == 0)
        rc = compute(&v);
    if (!rc && ta_mpi_rank() == 0)
        rc = write_tsv(&v);
    rc = ta_mpi_agree(rc);
    if (!rc)
        rc = write_h5(&v);
    if (!rc && ta_mpi_rank() == 0)
        log_summary(&v);
    ov_free(&v);
    return rc;
}

TA_CMD_DEFINE(
    overlap, ta_overlap_opts_t,
    .summary = "vocabulary overlap of several models and their shared-token subset map",
    .about = "Compares two or more vocabularies as the decoded strings `categorize` prints. "
             "PREFIX.tsv has one row per pair of vocabularies (argument order), then the row "
             "ALL for the tokens every vocabulary holds: 'a b n_a n_b shared share_of_smaller "
             "latin_share' (share_of_smaller = shared / the smaller token count; latin_share = "
             "the share of LATIN among the shared tokens, by the paper's category rule, for the "
             "tokens of vocabulary a). In the row ALL, b is the smallest vocabulary and n_b its "
             "size, n_a the number of distinct tokens of all vocabularies together. PREFIX.h5 "
             "holds the subset map: /overlap/models/NAME/ids, each vocabulary's ids of the tokens "
             "all share, in the first vocabulary's id order (give it to --subset as "
             "PREFIX.h5:NAME), with /overlap/names, token, n_tokens, n_distinct, shared and "
             "latin.",
    .notes = "A token string that occurs under several ids of one vocabulary counts once, through "
             "its lowest id. Exit 2 for fewer than two vocabularies, bad names or a malformed "
             "vocabulary (naming the file and the place).\n"
             "Example: tokenatlas overlap --vocab xlmr/tokenizer.json --vocab mt5/spiece.model "
             "--names xlmr,mt5 --out overlap",
    .flags = TA_CMD_MPI);
