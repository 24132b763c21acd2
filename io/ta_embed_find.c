/* Finding the embedding tensor: in a Hugging Face model directory (model.safetensors, a sharded
 * model.safetensors.index.json, or one *.safetensors file), and among a file's tensors by the
 * name given, the known embedding names, a unique known suffix, or the one 2-D float tensor big
 * enough for the vocabulary. */
#include "io/ta_embed_int.h"

#include "base/ta_error.h"
#include "io/ta_file.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Known embedding tensor names, most specific first (SPEC.md). */
static const char *const known_names[] = {
    "embeddings.word_embeddings.weight",
    "roberta.embeddings.word_embeddings.weight",
    "bert.embeddings.word_embeddings.weight",
    "xlm_roberta.embeddings.word_embeddings.weight",
    "shared.weight",
    "encoder.embed_tokens.weight",
    "model.embed_tokens.weight",
    "word_embeddings.weight",
    "transformer.wte.weight",
    "transformer.word_embeddings.weight",
    "model.language_model.embed_tokens.weight",
    "language_model.model.embed_tokens.weight",
    "model.decoder.embed_tokens.weight",
    "gpt_neox.embed_in.weight",
    "tok_embeddings.weight",
    "embed_tokens.weight",
    "wte.weight",
};
/* Second tier: a unique tensor whose name ends with one of these. */
static const char *const known_suffixes[] = {
    "word_embeddings.weight",
    "embed_tokens.weight",
    ".wte.weight",
    "embed_in.weight",
};

/* A candidate tensor (ndim, rows and dtype known for each). */
typedef struct {
    const char *name;
    int ndim;
    int64_t rows;
    int is_float;
} ta__cand_t;

/* The first candidate with the most specific known name, or -1. */
static int64_t pick_known(const ta__cand_t *c, int64_t n)
{
    for (size_t k = 0; k < sizeof known_names / sizeof known_names[0]; k++)
        for (int64_t i = 0; i < n; i++)
            if (strcmp(c[i].name, known_names[k]) == 0)
                return i;
    return -1;
}

/* The one 2-D candidate whose name ends with a known suffix, or -1 (none or several). */
static int64_t pick_suffix(const ta__cand_t *c, int64_t n)
{
    int64_t found = -1, count = 0;
    for (int64_t i = 0; i < n; i++) {
        size_t ln = strlen(c[i].name);
        for (size_t k = 0; k < sizeof known_suffixes / sizeof known_suffixes[0]; k++) {
            size_t ls = strlen(known_suffixes[k]);
            if (c[i].ndim == 2 && ln >= ls && strcmp(c[i].name + ln - ls, known_suffixes[k]) == 0) {
                found = i;
                count++;
                break;
            }
        }
    }
    return count == 1 ? found : -1;
}

/* Appends name (after ", " when sep) to list[0..cap) while there is room, then ", ..." once;
 * *used counts what was written (cap once full). */
static void list_add(char *list, size_t cap, size_t *used, int sep, const char *name)
{
    if (*used < cap - 64) {
        int w = snprintf(list + *used, cap - *used, "%s%s", sep ? ", " : "", name);
        if (w > 0)
            *used += (size_t)w;
    } else if (*used < cap - 4) {
        snprintf(list + *used, cap - *used, ", ...");
        *used = cap;
    }
}

/* The one 2-D float candidate with at least min_rows rows; else, when there are 2-D integer
 * tensors, one of them (the reader refuses its dtype with a clear message). */
static int pick_2d(const char *where, const ta__cand_t *c, int64_t n, int64_t min_rows,
                   int64_t *pick)
{
    char list[1024] = "";
    size_t used = 0;
    int64_t n2 = 0, nint = 0, any2 = -1, found = -1;
    for (int64_t i = 0; i < n; i++) {
        if (c[i].ndim != 2)
            continue;
        any2 = i;
        if (!c[i].is_float) {
            nint++;
            continue;
        }
        if (c[i].rows < min_rows)
            continue;
        found = i;
        n2++;
        list_add(list, sizeof list, &used, n2 > 1, c[i].name);
    }
    *pick = n2 == 1 ? found : nint > 0 ? any2 : -1;
    TA_CHECK(n2 <= 1, TA_EINPUT,
             "%s: no known embedding tensor name and %lld 2-D candidates: %s; choose one with "
             "--tensor",
             where, (long long)n2, list);
    TA_CHECK(*pick >= 0, TA_EINPUT, "%s: no 2-D tensor%s found (%lld tensors)", where,
             min_rows > 0 ? " with enough rows for the vocabulary" : "", (long long)n);
    return 0;
}

/* Picks a tensor among c[0..n): the named one, else a known name, else a unique known suffix,
 * else the one float 2-D tensor with at least min_rows rows. */
static int pick_tensor(const char *where, const ta__cand_t *c, int64_t n, const char *want,
                       int64_t min_rows, int64_t *pick)
{
    *pick = -1;
    if (want) {
        for (int64_t i = 0; i < n; i++)
            if (strcmp(c[i].name, want) == 0) {
                *pick = i;
                return 0;
            }
        return TA_ERR(TA_EINPUT, "%s: no tensor named \"%s\"", where, want);
    }
    *pick = pick_known(c, n);
    if (*pick < 0)
        *pick = pick_suffix(c, n);
    if (*pick < 0)
        TA_CALL(pick_2d(where, c, n, min_rows, pick));
    return 0;
}

static int st_use_tensor(const char *path, const ta_st_header_t *h, int64_t i, ta_embed_t *e)
{
    ta__embed_impl_t *m = e->impl;
    const ta_st_tensor_t *t = &h->t[i];
    TA_CHECK(t->ndim == 2, TA_EINPUT,
             "%s: tensor \"%s\" has %d dimension%s, expected 2 (tokens x dim)", path, t->name,
             t->ndim, t->ndim == 1 ? "" : "s");
    const ta__st_dtype_t *d = ta__st_dtype(t->dtype);
    TA_CHECK(d && d->is_float, TA_EINPUT,
             "%s: tensor \"%s\": dtype %s is not supported (need F32, F16, BF16 or F64)", path,
             t->name, t->dtype);
    m->dt = strcmp(t->dtype, "F32") == 0    ? TA__DT_F32
            : strcmp(t->dtype, "F16") == 0  ? TA__DT_F16
            : strcmp(t->dtype, "BF16") == 0 ? TA__DT_BF16
                                            : TA__DT_F64;
    m->esize = d->size;
    m->kind = TA__K_ST;
    m->data_off = 8 + h->header_len + t->begin;
    e->rows = t->shape[0];
    e->cols = t->shape[1];
    snprintf(e->dtype, sizeof e->dtype, "%.7s", t->dtype);
    snprintf(e->tensor, sizeof e->tensor, "%s", t->name);
    snprintf(e->file, sizeof e->file, "%s", path);
    return 0;
}

static int st_cands(const ta_st_header_t *h, ta__cand_t **out)
{
    ta__cand_t *c = ta_calloc(h->n ? h->n : 1, sizeof *c);
    TA_CHECK_ALLOC(c, h->n * sizeof *c);
    for (int64_t i = 0; i < h->n; i++) {
        const ta__st_dtype_t *d = ta__st_dtype(h->t[i].dtype);
        c[i] = (ta__cand_t){h->t[i].name, h->t[i].ndim, h->t[i].ndim >= 1 ? h->t[i].shape[0] : 0,
                            d && d->is_float};
    }
    *out = c;
    return 0;
}

int ta__st_open(const char *path, const char *want, int64_t min_rows, ta_embed_t *e)
{
    ta__embed_impl_t *m = e->impl;
    ta_st_header_t h;
    TA_CALL(ta__st_read_header(path, &m->fd, &h));
    ta__cand_t *c = NULL;
    int64_t pick;
    int rc = 0;
    TA_CALL_GOTO(st_cands(&h, &c), done);
    TA_CALL_GOTO(pick_tensor(path, c, h.n, want, min_rows, &pick), done);
    TA_CALL_GOTO(st_use_tensor(path, &h, pick, e), done);
done:
    free(c);
    ta_st_header_free(&h);
    return rc;
}

/* Joins dir and name; names with "..", absolute names or too-long paths are refused. */
static int join_path(const char *where, const char *dir, const char *name, char *out, size_t cap)
{
    TA_CHECK(name[0] != '/' && strstr(name, "..") == NULL, TA_EINPUT,
             "%s: shard name \"%s\" points outside the model directory", where, name);
    int w = snprintf(out, cap, "%s/%s", dir, name);
    TA_CHECK(w > 0 && (size_t)w < cap, TA_EINPUT, "%s: path too long", where);
    return 0;
}

/* No known name in the index: reads every shard header once and chooses the one 2-D float
 * tensor with at least min_rows rows. */
static int index_scan_shards(const char *dir, const char *index, json_t *wm, int64_t min_rows,
                             ta_embed_t *e)
{
    json_t *seen = json_object();
    TA_CHECK(seen, TA_ERESOURCE, "out of memory");
    char shard[4096], best[4096] = "", tensor[256] = "", list[1024] = "";
    int64_t nfound = 0;
    int rc = 0;
    const char *key;
    json_t *v;
    json_object_foreach(wm, key, v)
    {
        const char *sname = json_string_value(v);
        if (json_object_get(seen, sname))
            continue;
        json_object_set_new(seen, sname, json_true());
        TA_CALL_GOTO(join_path(index, dir, sname, shard, sizeof shard), done);
        int fd = -1;
        ta_st_header_t h;
        TA_CALL_GOTO(ta__st_read_header(shard, &fd, &h), done);
        close(fd);
        for (int64_t t = 0; t < h.n; t++) {
            const ta__st_dtype_t *d = ta__st_dtype(h.t[t].dtype);
            if (h.t[t].ndim != 2 || !d || !d->is_float || h.t[t].shape[0] < min_rows)
                continue;
            if (nfound++ == 0) {
                snprintf(tensor, sizeof tensor, "%s", h.t[t].name);
                snprintf(best, sizeof best, "%s", shard);
            }
            size_t u = strlen(list);
            if (u < sizeof list - 80)
                snprintf(list + u, sizeof list - u, "%s%s", nfound > 1 ? ", " : "", h.t[t].name);
        }
        ta_st_header_free(&h);
    }
    TA_CHECK_GOTO(nfound > 0, TA_EINPUT, done, "%s: no 2-D float tensor found in any shard", index);
    TA_CHECK_GOTO(nfound == 1, TA_EINPUT, done,
                  "%s: no known embedding tensor name and %lld 2-D candidates: %s; choose one "
                  "with --tensor",
                  index, (long long)nfound, list);
    rc = ta__st_open(best, tensor, 0, e);
done:
    json_decref(seen);
    return rc;
}

/* A sharded checkpoint: model.safetensors.index.json maps each tensor to its shard. */
static int index_open(const char *dir, const char *index, const char *want, int64_t min_rows,
                      ta_embed_t *e)
{
    json_error_t err;
    json_t *root = json_load_file(index, JSON_REJECT_DUPLICATES, &err);
    TA_CHECK(root, TA_EINPUT, "%s: line %d: invalid JSON: %s", index, err.line, err.text);
    int rc = 0;
    ta__cand_t *c = NULL;
    json_t *wm = json_object_get(root, "weight_map");
    TA_CHECK_GOTO(json_is_object(wm), TA_EINPUT, done, "%s: key \"weight_map\": missing object",
                  index);
    size_t n = json_object_size(wm), i = 0;
    c = ta_calloc(n ? n : 1, sizeof *c);
    TA_CHECK_GOTO(c, TA_ERESOURCE, done, "out of memory");
    const char *key;
    json_t *v;
    json_object_foreach(wm, key, v)
    {
        TA_CHECK_GOTO(json_is_string(v), TA_EINPUT, done,
                      "%s: key \"weight_map\".\"%s\": shard name is not a string", index, key);
        /* Shapes are unknown until the shard headers are read; known names (ndim 2 assumed) are
         * checked after the shard is opened. */
        c[i++] = (ta__cand_t){key, 2, 0, 1};
    }
    int64_t pick = -1;
    if (want)
        TA_CALL_GOTO(pick_tensor(index, c, (int64_t)n, want, 0, &pick), done);
    else
        pick = pick_known(c, (int64_t)n);
    if (pick >= 0) {
        char shard[4096];
        const char *sname = json_string_value(json_object_get(wm, c[pick].name));
        TA_CALL_GOTO(join_path(index, dir, sname, shard, sizeof shard), done);
        TA_CALL_GOTO(ta__st_open(shard, c[pick].name, 0, e), done);
    } else {
        TA_CALL_GOTO(index_scan_shards(dir, index, wm, min_rows, e), done);
    }
done:
    free(c);
    json_decref(root);
    return rc;
}

int ta__embed_open_dir(const char *dir, const char *want, int64_t min_rows, ta_embed_t *e)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/model.safetensors", dir);
    if (ta_file_is_regular(p))
        return ta__st_open(p, want, min_rows, e);
    snprintf(p, sizeof p, "%s/model.safetensors.index.json", dir);
    if (ta_file_is_regular(p))
        return index_open(dir, p, want, min_rows, e);
    /* A single *.safetensors file under another name. */
    DIR *d = opendir(dir);
    TA_CHECK(d, TA_EINPUT, "%s: cannot open directory: %s", dir, strerror(errno));
    int n = 0, has_bin = 0;
    char one[4200] = "";
    struct dirent *de;
    while ((de = readdir(d))) {
        if (ta__ends_with(de->d_name, ".safetensors")) {
            n++;
            snprintf(one, sizeof one, "%s/%s", dir, de->d_name);
        } else if (ta__ends_with(de->d_name, ".bin") || ta__ends_with(de->d_name, ".pt")) {
            has_bin = 1;
        }
    }
    closedir(d);
    if (n == 1)
        return ta__st_open(one, want, min_rows, e);
    return TA_ERR(TA_EINPUT,
                  "%s: no model in directory (expected model.safetensors or "
                  "model.safetensors.index.json%s)",
                  dir,
                  has_bin ? "; PyTorch .bin checkpoints are not read: convert them to "
                            "safetensors"
                          : "");
}
