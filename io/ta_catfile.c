/* Categories files: the `categorize` TSV (read and written) and the /categories group of a
 * model.h5 (read). See ta_catfile.h. */
#include "io/ta_catfile.h"

#include "base/ta_error.h"
#include "io/ta_file.h"
#include "io/ta_h5.h"
#include "kernels/ta_utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char ta__hdf5_signature[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
static const char ta__tsv_header[] = "id\tcategory\ttoken";

/* 1 when the file starts with the HDF5 signature (tokenatlas writes the superblock at 0). */
static int ta__is_hdf5(const char *path)
{
    char sig[8];
    int fd;
    if (ta_file_open_read(path, &fd, NULL) != 0) {
        ta_err_clear(); /* the TSV reader reports it */
        return 0;
    }
    ssize_t got = read(fd, sig, sizeof sig);
    close(fd);
    return got == (ssize_t)sizeof sig && memcmp(sig, ta__hdf5_signature, sizeof sig) == 0;
}

static int ta__read_h5(const char *path, const char *scheme, ta_catset_t *out)
{
    int rc = 0, ndims = 0;
    int64_t dims[2] = {0, 0}, nnames = 0;
    char **names = NULL, codes_name[128], names_name[160];
    hid_t file = -1;
    ta_scheme_t sc;
    memset(out, 0, sizeof *out);
    TA_CALL(ta_scheme_parse(scheme, &sc));
    snprintf(codes_name, sizeof codes_name, "/categories/%s", ta_scheme_name(sc));
    snprintf(names_name, sizeof names_name, "/categories/%s_names", ta_scheme_name(sc));
    TA_CALL(ta_h5_open_read(path, &file));
    TA_CHECK_GOTO(ta_h5_exists(file, codes_name), TA_EINPUT, done,
                  "%s: no dataset %s (categorize it with --scheme %s, or ingest again)", path,
                  codes_name, ta_scheme_name(sc));
    TA_CALL_GOTO(ta_h5_dims(file, path, codes_name, &ndims, dims), done);
    TA_CHECK_GOTO(ndims == 1, TA_EINPUT, done, "%s: %s has %d dimensions, expected 1", path,
                  codes_name, ndims);
    TA_CALL_GOTO(ta_h5_read_strings(file, path, names_name, &names, &nnames), done);
    TA_CHECK_GOTO(nnames <= INT32_MAX, TA_EINPUT, done, "%s: %s: too many names", path, names_name);
    for (int64_t i = 1; i < nnames; i++)
        TA_CHECK_GOTO(strcmp(names[i - 1], names[i]) < 0, TA_EINPUT, done,
                      "%s: %s: names not sorted and unique at row %lld ('%s' after '%s')", path,
                      names_name, (long long)i, names[i], names[i - 1]);
    out->n = dims[0];
    out->code = ta_malloc((size_t)(dims[0] ? dims[0] : 1) * sizeof *out->code);
    TA_CHECK_GOTO(out->code != NULL, TA_ERESOURCE, done, "out of memory");
    if (dims[0] > 0)
        TA_CALL_GOTO(ta_h5_read_rows(file, path, codes_name, TA_ELEM_I32, 0, dims[0], out->code),
                     done);
    for (int64_t i = 0; i < dims[0]; i++)
        TA_CHECK_GOTO(out->code[i] >= 0 && out->code[i] < nnames, TA_EINPUT, done,
                      "%s: %s: row %lld has code %d, outside 0..%lld", path, codes_name,
                      (long long)i, (int)out->code[i], (long long)nnames - 1);
    out->ncat = (int32_t)nnames;
    out->name = names;
    names = NULL;
done:
    if (names)
        ta_h5_free_strings(names, nnames);
    if (file >= 0)
        H5Fclose(file);
    if (rc)
        ta_catset_free(out);
    return rc;
}

/* Parses the categorize TSV held in data (NUL-terminated, len bytes). */
static int ta__parse_tsv(const char *path, char *data, size_t len, ta_catset_t *out)
{
    int rc = 0;
    int64_t n = 0, cap = 0, line = 0;
    char **cats = NULL;
    char *p = data, *end = data + len;
    memset(out, 0, sizeof *out);
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *eol = nl ? nl : end;
        char *next = nl ? nl + 1 : end;
        line++;
        if (eol > p && eol[-1] == '\r') /* CRLF line ends; a \r inside a token is escaped */
            eol--;
        *eol = '\0';
        if (line == 1) {
            TA_CHECK_GOTO(strcmp(p, ta__tsv_header) == 0, TA_EINPUT, done,
                          "%s:1: expected the header 'id<TAB>category<TAB>token'", path);
            p = next;
            continue;
        }
        if (eol == p && next == end) /* final empty line */
            break;
        /* The token column may hold any byte but a tab or newline (a NUL too); the id and the
         * category are plain text. */
        char *t1 = memchr(p, '\t', (size_t)(eol - p));
        char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(eol - t1 - 1)) : NULL;
        TA_CHECK_GOTO(t1 && t2 && !memchr(t2 + 1, '\t', (size_t)(eol - t2 - 1)), TA_EINPUT, done,
                      "%s:%lld: expected 3 tab-separated columns (id, category, token)", path,
                      (long long)line);
        TA_CHECK_GOTO(!memchr(p, '\0', (size_t)(t2 - p)), TA_EINPUT, done,
                      "%s:%lld: NUL byte in the id or category", path, (long long)line);
        *t1 = *t2 = '\0';
        char *idend = NULL;
        long long id = strtoll(p, &idend, 10);
        TA_CHECK_GOTO(
            p[0] >= '0' && p[0] <= '9' && !(p[0] == '0' && p[1]) && *idend == '\0' && id == n,
            TA_EINPUT, done, "%s:%lld: id '%s' where %lld was expected (ids are 0..N-1 in order)",
            path, (long long)line, p, (long long)n);
        TA_CHECK_GOTO(t1[1] != '\0', TA_EINPUT, done, "%s:%lld: empty category", path,
                      (long long)line);
        /* Category names are written into UTF-8 HDF5 strings and reports. */
        int64_t bad = ta_utf8_invalid_at(t1 + 1, strlen(t1 + 1));
        TA_CHECK_GOTO(bad < 0, TA_EINPUT, done,
                      "%s:%lld: the category is not valid UTF-8 (byte %lld of the column)", path,
                      (long long)line, (long long)bad + 1);
        TA_CALL_GOTO(ta_grow(&cats, &cap, n + 1, sizeof *cats), done);
        cats[n++] = t1 + 1; /* points into data, which lives until the catset is built */
        p = next;
    }
    TA_CHECK_GOTO(line >= 1, TA_EINPUT, done, "%s:1: empty file (expected the header line)", path);
    TA_CALL_GOTO(ta_catset_from_names((const char *const *)cats, n, out), done);
done:
    free(cats);
    return rc;
}

int ta_catfile_read(const char *path, const char *scheme_for_h5, ta_catset_t *out)
{
    memset(out, 0, sizeof *out);
    if (ta__is_hdf5(path))
        return ta__read_h5(path, scheme_for_h5 ? scheme_for_h5 : "paper", out);
    char *data = NULL;
    size_t len = 0;
    TA_CALL(ta_file_read_all(path, &data, &len));
    int rc = ta__parse_tsv(path, data, len, out);
    free(data);
    if (rc)
        return ta__err_trace(rc, __FILE__, __LINE__, __func__);
    return 0;
}

int ta_catfile_write_tsv(const char *path, const ta_catset_t *c, const char *const *tokens,
                         const uint32_t *lens)
{
    int to_stdout = path == NULL || strcmp(path, "-") == 0;
    ta_outfile_t o;
    FILE *fp = stdout;
    if (!to_stdout) {
        TA_CALL(ta_outfile_open(&o, path));
        fp = o.fp;
    }
    fprintf(fp, "%s\n", ta__tsv_header);
    for (int64_t i = 0; i < c->n; i++) {
        fprintf(fp, "%lld\t%s\t", (long long)i, c->name[c->code[i]]);
        if (tokens)
            ta_tsv_put_escaped(fp, tokens[i], lens ? lens[i] : strlen(tokens[i]));
        fputc('\n', fp);
    }
    if (to_stdout) {
        TA_CHECK(fflush(stdout) == 0 && !ferror(stdout), TA_ERESOURCE,
                 "standard output: write failed");
        return 0;
    }
    TA_CALL(ta_outfile_commit(&o));
    return 0;
}
