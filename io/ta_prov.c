#include "io/ta_prov.h"

#include "base/ta_blas.h"
#include "base/ta_error.h"
#include "io/ta_file.h"
#include "io/ta_h5.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

extern const char *const ta_version_string;
extern const char *const ta_git_commit;

/* Extra attributes are few and fixed by the code; input files grow with the data (a MUSE
 * directory holds about 110 dictionaries), so their table grows as needed. */
#define TA__PROV_MAX 64

typedef struct {
    char *path;
    int64_t size;
    char sha[65];
    int hashed;
} prov_input_t;

typedef struct {
    char *key;
    char *str; /* NULL for numbers */
    double num;
} prov_extra_t;

/* Hashes computed in this process, kept across ta_prov_reset_inputs(): `run` executes its steps
 * in-process and most of them read the same model.h5 (the largest file, holding the f32
 * embeddings), which would otherwise be hashed again by every step. An entry is reused only while
 * the file's size and modification time are unchanged. */
typedef struct {
    char *path;
    int64_t size;
    struct timespec mtime;
    char sha[65];
} prov_hash_t;

static prov_hash_t *prov_hashes;
static int prov_nhashes;
static int64_t prov_cap_hashes;

static char *prov_command;
static char *prov_config;
static prov_input_t *prov_inputs;
static int prov_ninputs;
static int64_t prov_cap_inputs;
static prov_extra_t prov_extras[TA__PROV_MAX];
static int prov_nextras;

const char *ta_prov_version(void)
{
    return ta_version_string;
}

const char *ta_prov_commit(void)
{
    return ta_git_commit;
}

void ta_prov_set_command_line(const char *line)
{
    free(prov_command);
    prov_command = strdup(line);
}

void ta_prov_set_config(const char *text)
{
    free(prov_config);
    prov_config = text ? strdup(text) : NULL;
}

int ta_prov_add_input(const char *path)
{
    for (int i = 0; i < prov_ninputs; i++)
        if (strcmp(prov_inputs[i].path, path) == 0)
            return 0;
    TA_CALL(ta_grow(&prov_inputs, &prov_cap_inputs, prov_ninputs + 1, sizeof *prov_inputs));
    ta_file_protect(path);
    prov_input_t *in = &prov_inputs[prov_ninputs];
    memset(in, 0, sizeof *in);
    in->path = strdup(path);
    TA_CHECK_ALLOC(in->path, strlen(path));
    prov_ninputs++;
    return 0;
}

static void set_extra(const char *key, const char *str, double num)
{
    prov_extra_t *e = NULL;
    for (int i = 0; i < prov_nextras; i++)
        if (strcmp(prov_extras[i].key, key) == 0)
            e = &prov_extras[i];
    if (!e) {
        if (prov_nextras == TA__PROV_MAX)
            return;
        e = &prov_extras[prov_nextras++];
        e->key = strdup(key);
    } else {
        free(e->str);
    }
    e->str = str ? strdup(str) : NULL;
    e->num = num;
}

void ta_prov_set_str(const char *key, const char *value)
{
    set_extra(key, value ? value : "", 0);
}

void ta_prov_set_num(const char *key, double value)
{
    set_extra(key, NULL, value);
}

void ta_prov_reset_inputs(void)
{
    ta_file_protect_reset();
    for (int i = 0; i < prov_ninputs; i++)
        free(prov_inputs[i].path);
    prov_ninputs = 0;
    for (int i = 0; i < prov_nextras; i++) {
        free(prov_extras[i].key);
        free(prov_extras[i].str);
    }
    prov_nextras = 0;
}

/* Local. Size and SHA-256 of a file, from the process-wide cache when the file is unchanged. */
static int hash_cached(const char *path, int64_t *size, char sha[65])
{
    struct stat st;
    TA_CHECK(stat(path, &st) == 0, TA_EINPUT, "%s: cannot stat input file", path);
    for (int i = 0; i < prov_nhashes; i++) {
        prov_hash_t *h = &prov_hashes[i];
        if (strcmp(h->path, path) == 0 && h->size == (int64_t)st.st_size &&
            h->mtime.tv_sec == st.st_mtim.tv_sec && h->mtime.tv_nsec == st.st_mtim.tv_nsec) {
            *size = h->size;
            memcpy(sha, h->sha, 65);
            return 0;
        }
    }
    *size = (int64_t)st.st_size;
    TA_CALL(ta_file_sha256(path, sha));
    if (ta_grow(&prov_hashes, &prov_cap_hashes, prov_nhashes + 1, sizeof *prov_hashes) != 0) {
        ta_err_clear(); /* the hash is known; only the cache could not grow */
        return 0;
    }
    prov_hash_t *h = &prov_hashes[prov_nhashes];
    h->path = strdup(path);
    if (!h->path)
        return 0;
    h->size = *size;
    h->mtime = st.st_mtim;
    memcpy(h->sha, sha, 65);
    prov_nhashes++;
    return 0;
}

int ta_prov_write(hid_t loc, int nranks)
{
    TA_CALL(ta_h5_attr_str(loc, "tool_version", ta_version_string));
    TA_CALL(ta_h5_attr_str(loc, "tool_commit", ta_git_commit));
    TA_CALL(ta_h5_attr_str(loc, "command_line", prov_command ? prov_command : ""));
    TA_CALL(ta_h5_attr_str(loc, "config", prov_config ? prov_config : ""));
    TA_CALL(ta_h5_attr_int(loc, "mpi_ranks", nranks));
    TA_CALL(ta_h5_attr_int(loc, "blas_threads", ta_blas_threads()));
    TA_CALL(ta_h5_attr_str(loc, "blas_core", ta_blas_corename()));
    /* Inputs: parallel arrays of path, size and SHA-256, one entry per file. */
    size_t n = prov_ninputs ? (size_t)prov_ninputs : 1;
    const char **paths = ta_calloc(n, sizeof *paths), **shas = ta_calloc(n, sizeof *shas);
    int64_t *sizes = ta_calloc(n, sizeof *sizes);
    int rc = 0;
    TA_CHECK_GOTO(paths && shas && sizes, TA_ERESOURCE, done, "out of memory for provenance");
    for (int i = 0; i < prov_ninputs; i++) {
        prov_input_t *in = &prov_inputs[i];
        if (!in->hashed) {
            if (ta_file_is_dir(in->path)) {
                snprintf(in->sha, sizeof in->sha, "directory");
                in->size = 0;
            } else {
                TA_CALL_GOTO(hash_cached(in->path, &in->size, in->sha), done);
            }
            in->hashed = 1;
        }
        paths[i] = in->path;
        shas[i] = in->sha;
        sizes[i] = in->size;
    }
    TA_CALL_GOTO(ta_h5_attr_str_array(loc, "input_files", paths, prov_ninputs), done);
    TA_CALL_GOTO(ta_h5_attr_str_array(loc, "input_sha256", shas, prov_ninputs), done);
    TA_CALL_GOTO(ta_h5_attr_int64_array(loc, "input_sizes", sizes, prov_ninputs), done);
    for (int i = 0; i < prov_nextras; i++) {
        if (prov_extras[i].str)
            TA_CALL_GOTO(ta_h5_attr_str(loc, prov_extras[i].key, prov_extras[i].str), done);
        else
            TA_CALL_GOTO(ta_h5_attr_double(loc, prov_extras[i].key, prov_extras[i].num), done);
    }
done:
    free(paths);
    free(shas);
    free(sizes);
    return rc;
}
