/* Shared bodies of the reader fuzz harnesses (issue 14) and of their seed replay test
 * (tests/test_hostile_seeds.c):
 *
 *   fuzz_nbfile_one       a neighbours file (io/ta_nbfile.c), built from an HDF5 recipe
 *   fuzz_model_h5_one     a model.h5 through the categories, vocabulary and embeddings readers
 *   fuzz_report_h5_one    a run's model file through `report` (tables, gnuplot scripts, HTML)
 *   fuzz_catfile_tsv_one  the categorize TSV (io/ta_catfile.c)
 *   fuzz_muse_one         two MUSE dictionary files (io/ta_muse.c)
 *   fuzz_queries_one      a queries (text subset) file, as neighbors --queries reads it
 *                         (io/ta_subset.c)
 *   fuzz_freqfile_one     a frequency file of diversity --frequencies (io/ta_freqfile.c)
 *
 * Besides ASan and UBSan, each checks what the reader promises once it accepted the input (ids
 * in range, codes into the name table, names sorted and unique, CSR offsets consistent, no HDF5
 * object left open, no injected gnuplot command or raw HTML in the report); a broken promise
 * aborts, which libFuzzer reports. The HDF5 recipes are described in fuzz_h5_recipe.h. */
#ifndef FUZZ_READERS_COMMON_H
#define FUZZ_READERS_COMMON_H

#include "base/ta_error.h"
#include "base/ta_log.h"
#include "io/ta_catfile.h"
#include "io/ta_embed.h"
#include "io/ta_file.h"
#include "io/ta_freqfile.h"
#include "io/ta_h5.h"
#include "io/ta_muse.h"
#include "io/ta_nbfile.h"
#include "io/ta_subset.h"
#include "io/ta_vocab.h"
#include "cmd/cmd_report.h"

#include "fuzz_h5_recipe.h"

#include <dirent.h>
#include <math.h>
#include <sys/stat.h>

static inline void fz_quiet(void)
{
    ta_log_set_quiet(1);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

/* A scratch directory of this process under /dev/shm (tmpfs), else /tmp. */
static inline const char *fz_scratch(const char *what)
{
    static char dir[256];
    snprintf(dir, sizeof dir, "%s/ta-fuzz-%s-%ld",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", what, (long)getpid());
    mkdir(dir, 0700);
    return dir;
}

static inline void fz_write(const char *path, const void *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    if (!fp)
        abort();
    if (n && fwrite(data, 1, n, fp) != n)
        abort();
    fclose(fp);
}

/* ---- neighbours file ---------------------------------------------------------------------- */

/* 6 queries x 3 neighbours over 8 tokens; index values up to 9 (two out of range). */
static const fz_spec_t fz_nbfile_spec[] = {
    {"/neighbors/index", FZ_INT, 2, 6, 3, -1, 9},   {"/neighbors/query", FZ_INT, 1, 6, 0, 0, 8},
    {"/neighbors/score", FZ_FLOAT, 2, 6, 3, -1, 1}, {"/vocab/token", FZ_STR, 1, 8, 0, 0, 0},
    {"/neighbors@n_tokens", FZ_INT, 0, 0, 0, 8, 8}, {"/neighbors@k", FZ_INT, 0, 0, 0, 3, 3},
    {"@complete", FZ_INT, 0, 0, 0, 1, 1},
};

typedef struct {
    int64_t n;
} fz_nb_ctx_t;

static int fz_nb_row(void *ctx, int64_t row, int32_t q, const int32_t *others, int64_t top)
{
    const fz_nb_ctx_t *c = ctx;
    (void)row;
    if (q < 0 || q >= c->n)
        abort();
    for (int64_t j = 0; j < top; j++)
        if (others[j] < 0 || others[j] >= c->n || others[j] == q)
            abort();
    return 0;
}

static inline void fuzz_nbfile_one(const uint8_t *data, size_t size)
{
    fz_quiet();
    const char *path = fz_build(
        fz_nbfile_spec, (int)(sizeof fz_nbfile_spec / sizeof fz_nbfile_spec[0]), data, size);
    if (!path)
        return;
    ta_nbfile_t nb;
    if (ta_nbfile_open(path, &nb) == 0) {
        if (nb.q < 0 || nb.k < 0)
            abort();
        for (int64_t i = 0; i < nb.q; i++)
            if (nb.query[i] < 0 || (nb.n_tokens >= 0 && nb.query[i] >= nb.n_tokens))
                abort();
        int64_t n = nb.n_tokens >= 0 ? nb.n_tokens : 8;
        if (ta_nbfile_set_ntokens(&nb, n, "the fuzz input") == 0 && nb.k > 0) {
            fz_nb_ctx_t c = {n};
            ta_nbfile_each_row(&nb, 0, nb.q, nb.k < 2 ? nb.k : 2, fz_nb_row, &c);
        }
        if (ta_nbfile_has_tokens(&nb)) {
            char **tok = NULL;
            int64_t nt = 0;
            if (ta_nbfile_read_tokens(&nb, &tok, &nt) == 0) {
                for (int64_t i = 0; i < nt; i++)
                    if (!tok[i])
                        abort();
                ta_h5_free_strings(tok, nt);
            }
        }
        ta_nbfile_close(&nb);
    }
    ta_err_clear();
    fz_check_closed();
}

/* ---- model.h5 ---------------------------------------------------------------------------- */

/* 8 tokens x 4 dimensions, 4 categories (paper). Names marked lo = 1 are written sorted. */
static const fz_spec_t fz_model_spec[] = {
    {"/embeddings", FZ_FLOAT, 2, 8, 4, -3, 3},
    {"/norms", FZ_FLOAT, 1, 8, 0, 0, 3},
    {"/vocab/token", FZ_STR, 1, 8, 0, 0, 0},
    {"/vocab/flags", FZ_INT, 1, 8, 0, 0, 15},
    {"/categories/paper", FZ_INT, 1, 8, 0, 0, 3},
    {"/categories/paper_names", FZ_STR, 1, 4, 0, 0, 0},
    {"@complete", FZ_INT, 0, 0, 0, 1, 1},
};

static inline void fz_check_catset(const ta_catset_t *cs)
{
    if (cs->n < 0 || cs->ncat < 0)
        abort();
    for (int64_t i = 0; i < cs->n; i++)
        if (cs->code[i] < 0 || cs->code[i] >= cs->ncat)
            abort();
    for (int32_t c = 0; c < cs->ncat; c++)
        if (!cs->name[c] || (c > 0 && strcmp(cs->name[c - 1], cs->name[c]) >= 0))
            abort();
}

static inline void fuzz_model_h5_one(const uint8_t *data, size_t size)
{
    fz_quiet();
    const char *path =
        fz_build(fz_model_spec, (int)(sizeof fz_model_spec / sizeof fz_model_spec[0]), data, size);
    if (!path)
        return;
    ta_catset_t cs;
    if (ta_catfile_read(path, "paper", &cs) == 0) {
        fz_check_catset(&cs);
        ta_catset_free(&cs);
    }
    ta_err_clear();
    fz_check_closed();
    ta_vocab_t v;
    if (ta_vocab_read(path, &v) == 0) {
        if (v.n <= 0)
            abort();
        for (int64_t i = 0; i < v.n; i++)
            if (v.piece[i][v.len[i]] != '\0' || (v.flags[i] & ~0x0Fu))
                abort();
        ta_vocab_free(&v);
    }
    ta_err_clear();
    fz_check_closed();
    ta_embed_t e;
    if (ta_embed_open(path, NULL, &e) == 0) {
        if (e.rows <= 0 || e.cols <= 0)
            abort();
        int64_t nr = e.rows < 4 ? e.rows : 4;
        float *x = e.cols <= 4096 ? malloc((size_t)(nr * e.cols) * sizeof *x) : NULL;
        if (x)
            ta_embed_read_rows(&e, 0, nr, x);
        free(x);
        ta_embed_close(&e);
    }
    ta_err_clear();
    fz_check_closed();
}

/* ---- a run's model file, read by report ----------------------------------------------------- */

static const fz_spec_t fz_report_spec[] = {
    {"/embeddings", FZ_FLOAT, 2, 8, 4, -1, 1},
    {"/vocab/token", FZ_STR, 1, 8, 0, 0, 0},
    {"/diversity/histogram", FZ_INT, 1, 7, 0, 0, 9},
    {"/diversity/categories", FZ_STR, 1, 3, 0, 1, 1},
    {"/diversity/cat_n", FZ_INT, 1, 3, 0, 0, 9},
    {"/diversity/cat_mean", FZ_FLOAT, 1, 3, 0, 1, 5},
    {"/diversity/entropy_cat_mean", FZ_FLOAT, 1, 3, 0, 0, 2},
    {"/diversity/matrix_mean", FZ_FLOAT, 2, 3, 3, 0, 5},
    {"/diversity@top", FZ_INT, 0, 0, 0, 5, 5},
    {"/diversity@count_mean", FZ_FLOAT, 0, 0, 0, 1, 5},
    {"/diversity@entropy_mean", FZ_FLOAT, 0, 0, 0, 0, 2},
    {"/probe/names", FZ_STR, 1, 2, 0, 1, 1},
    {"/probe/mean_accuracy", FZ_FLOAT, 1, 2, 0, 0, 1},
    {"/probe/std_accuracy", FZ_FLOAT, 1, 2, 0, 0, 1},
    {"/probe/n_tokens", FZ_INT, 1, 2, 0, 0, 9},
    {"/probe@folds", FZ_INT, 0, 0, 0, 2, 10},
    {"/translate/categories", FZ_STR, 1, 3, 0, 1, 1},
    {"/translate/cat_mean", FZ_FLOAT, 1, 3, 0, 0, 5},
    {"/translate@top", FZ_INT, 0, 0, 0, 5, 5},
    {"/translate@share_mean", FZ_FLOAT, 0, 0, 0, 0, 1},
    {"/compare/other/jaccard", FZ_FLOAT, 1, 2, 0, 0, 1},
    {"/compare/other@jaccard_mean", FZ_FLOAT, 0, 0, 0, 0, 1},
    {"/compare/other@n_shared_tokens", FZ_INT, 0, 0, 0, 0, 9},
    {"@model", FZ_STR, 0, 0, 0, 0, 0},
    {"@tool_version", FZ_STR, 0, 0, 0, 0, 0},
    {"@model_index", FZ_INT, 0, 0, 0, 0, 3},
    {"@complete", FZ_INT, 0, 0, 0, 1, 1},
};

/* The report's promises about text from its inputs: no gnuplot shell escape or system() call
 * in a figure script, no raw <script in the HTML. */
static inline void fz_check_report(const char *dir)
{
    char path[512], *text = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/index.html", dir);
    if (ta_file_read_all(path, &text, &len) == 0) {
        if (strstr(text, "<script"))
            abort();
        free(text);
    }
    ta_err_clear();
    snprintf(path, sizeof path, "%s/figures", dir);
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 3 || strcmp(e->d_name + l - 3, ".gp") != 0)
            continue;
        char gp[1024];
        snprintf(gp, sizeof gp, "%s/%s", path, e->d_name);
        if (ta_file_read_all(gp, &text, &len) == 0) {
            if (text[0] == '!' || strstr(text, "\n!") || strstr(text, "system("))
                abort();
            free(text);
        }
        ta_err_clear();
        unlink(gp);
    }
    if (d)
        closedir(d);
}

static inline void fuzz_report_h5_one(const uint8_t *data, size_t size)
{
    fz_quiet();
    /* Tables and scripts only: no gnuplot is spawned. */
    setenv("PATH", "/nonexistent", 1);
    const char *img = fz_build(fz_report_spec,
                               (int)(sizeof fz_report_spec / sizeof fz_report_spec[0]), data, size);
    if (!img)
        return;
    char *bytes = NULL;
    size_t n = 0;
    if (ta_file_read_all(img, &bytes, &n) != 0) {
        ta_err_clear();
        return;
    }
    const char *dir = fz_scratch("report");
    char m[512];
    snprintf(m, sizeof m, "%s/m.h5", dir);
    fz_write(m, bytes, n);
    free(bytes);
    ta_report_opts_t o = {dir};
    ta_cmd_report_run(&o);
    ta_err_clear();
    fz_check_closed();
    fz_check_report(dir);
}

/* ---- categorize TSV ------------------------------------------------------------------------ */

static inline void fuzz_catfile_tsv_one(const uint8_t *data, size_t size)
{
    fz_quiet();
    if (size >= 8 && memcmp(data, "\x89HDF\r\n\x1a\n", 8) == 0)
        return; /* the model.h5 path is fuzz_model_h5 */
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz-tsv", 0);
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (fd < 0 || ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        return;
    ta_catset_t cs;
    if (ta_catfile_read(path, NULL, &cs) == 0) {
        fz_check_catset(&cs);
        ta_catset_free(&cs);
    }
    ta_err_clear();
}

/* ---- MUSE dictionaries ----------------------------------------------------------------------- */

/* The first byte splits the rest into en-aa.txt and en-bb.txt. */
static inline void fuzz_muse_one(const uint8_t *data, size_t size)
{
    fz_quiet();
    const char *dir = fz_scratch("muse");
    size_t cut = size ? 1 + (size_t)data[0] * (size - 1) / 255 : 0;
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/en-aa.txt", dir);
    snprintf(b, sizeof b, "%s/en-bb.txt", dir);
    fz_write(a, data + (size ? 1 : 0), cut > 0 ? cut - 1 : 0);
    fz_write(b, data + cut, size - cut);
    ta_muse_t m;
    if (ta_muse_read_dir(dir, 3, &m) == 0) {
        int64_t nw = m.words.n;
        if (m.n_files != 2 || m.off[0] != 0)
            abort();
        for (int64_t w = 0; w < nw; w++) {
            if (m.off[w + 1] < m.off[w])
                abort();
            for (int64_t j = m.off[w]; j < m.off[w + 1]; j++) {
                if (m.eng[j] < 0 || m.eng[j] >= nw || (j > m.off[w] && m.eng[j] <= m.eng[j - 1]))
                    abort();
                /* an English headword is in its own cluster */
                int32_t e = m.eng[j], self = 0;
                for (int64_t k = m.off[e]; k < m.off[e + 1]; k++)
                    self |= m.eng[k] == e;
                if (!self)
                    abort();
            }
        }
        /* Every word of the first line that normalises is found again. */
        const char *p = (const char *)data + 1;
        size_t l = cut > 1 ? cut - 1 : 0, wl = 0;
        while (wl < l && p[wl] != ' ' && p[wl] != '\t' && p[wl] != '\n')
            wl++;
        int64_t id = -1;
        if (wl && ta_muse_lookup(&m, p, wl, &id) == 0 && (id < -1 || id >= nw))
            abort();
        ta_muse_free(&m);
    }
    ta_err_clear();
}

/* ---- queries file ------------------------------------------------------------------------ */

/* The ids of a vocabulary of 16 tokens: accepted lists hold each id once, all in range. */
static inline void fuzz_queries_one(const uint8_t *data, size_t size)
{
    fz_quiet();
    char path[512];
    snprintf(path, sizeof path, "%s/q.txt", fz_scratch("queries"));
    fz_write(path, data, size);
    int64_t *ids = NULL, n = 0;
    if (ta_subset_read(path, 16, &ids, &n) == 0) {
        int seen[16] = {0};
        if (n < 1 || n > 16)
            abort();
        for (int64_t i = 0; i < n; i++) {
            if (ids[i] < 0 || ids[i] >= 16 || seen[ids[i]]++)
                abort();
        }
    }
    free(ids);
    ta_err_clear();
}

/* ---- frequency file ----------------------------------------------------------------------- */

/* Eight tokens, two of them the same text (its count goes to the lower id). Accepted files give
 * counts >= 0 that sum to the total, and nothing to the repeated text's higher id. */
static inline void fuzz_freqfile_one(const uint8_t *data, size_t size)
{
    fz_quiet();
    static const char *const tok[8] = {"<pad>", "the", "cat", "\t", "Straße", "the", "", "a b"};
    uint32_t len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (uint32_t)strlen(tok[i]);
    char path[512];
    snprintf(path, sizeof path, "%s/freq.tsv", fz_scratch("freqfile"));
    fz_write(path, data, size);
    int64_t count[8];
    ta_freqinfo_t info;
    if (ta_freqfile_read(path, 8, tok, len, count, &info) == 0) {
        int64_t sum = 0;
        for (int i = 0; i < 8; i++) {
            if (count[i] < 0)
                abort();
            sum += count[i];
        }
        if (sum != info.total || count[5] != 0 || info.n_listed < 0 || info.n_listed > 8)
            abort();
    }
    ta_err_clear();
}

#endif
