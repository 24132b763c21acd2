/* Subset files (io/ta_subset.c): text ids in file order with comments and blank lines; .npy 1-D
 * integer arrays of every width, signedness and byte order, written byte by byte here after the
 * .npy format's specification (magic, version 1.0, little-endian header length, the dict literal
 * padded to 64 bytes); subset maps of `overlap` (FILE.h5:NAME, written here with the layout the
 * README gives); every user error names the file and the line or element. */
#include "base/ta_error.h"
#include "io/ta_file.h"
#include "io/ta_h5.h"
#include "io/ta_subset.h"
#include "ta_test.h"

static char tmpdir[4096];

static void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    fwrite(data, 1, len, fp);
    fclose(fp);
}

/* A version 1.0 .npy file of a 1-D array: descr, count, then the raw element bytes. */
static void write_npy(const char *path, const char *descr, const char *shape, const void *data,
                      size_t bytes)
{
    char dict[256];
    int len = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                       descr, shape);
    int total = 10 + len + 1;
    int pad = (64 - total % 64) % 64;
    unsigned char buf[512];
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    int hl = len + pad + 1;
    buf[8] = (unsigned char)(hl & 0xff);
    buf[9] = (unsigned char)(hl >> 8);
    memcpy(buf + 10, dict, (size_t)len);
    memset(buf + 10 + len, ' ', (size_t)pad);
    buf[10 + len + pad] = '\n';
    memcpy(buf + 10 + hl, data, bytes);
    write_bytes(path, buf, (size_t)(10 + hl) + bytes);
}

static void expect_ids(const char *path, int64_t n, const int64_t *want, int64_t nwant)
{
    int64_t *ids = NULL, cnt = -1;
    int rc = ta_subset_read(path, n, &ids, &cnt);
    T_EQ_INT(rc, 0);
    if (rc) {
        fprintf(stderr, "  %s\n", ta_err_message());
        ta_err_clear();
        return;
    }
    T_EQ_INT(cnt, nwant);
    for (int64_t i = 0; i < nwant && i < cnt; i++)
        T_EQ_INT(ids[i], want[i]);
    free(ids);
}

static void expect_error(const char *path, int64_t n, const char *want)
{
    int64_t *ids = NULL, cnt = 0;
    T_EQ_INT(ta_subset_read(path, n, &ids, &cnt), TA_EINPUT);
    char full[4400];
    snprintf(full, sizeof full, "%s%s", path, want);
    if (!strstr(ta_err_message(), full)) {
        fprintf(stderr, "message '%s' does not contain '%s'\n", ta_err_message(), full);
        ta_test_failures++;
    }
    T_CHECK(ids == NULL);
    ta_err_clear();
}

static void test_text(void)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/ids.txt", tmpdir);
    const char text[] = "# the shared tokens\n7\n\n  3 \r\n0 # a comment\n9";
    write_bytes(p, text, sizeof text - 1);
    const int64_t want[4] = {7, 3, 0, 9};
    expect_ids(p, 10, want, 4);
    expect_error(p, 9, ":6: token id 9 out of range [0, 9)");
    const char dup[] = "1\n2\n\n1\n";
    write_bytes(p, dup, sizeof dup - 1);
    expect_error(p, 5, ":4: token id 1 listed twice (first at line 1)");
    const char word[] = "1\nx2\n";
    write_bytes(p, word, sizeof word - 1);
    expect_error(p, 5, ":2: 'x2' is not a token id");
    const char neg[] = "-1\n";
    write_bytes(p, neg, sizeof neg - 1);
    expect_error(p, 5, ":1: token id -1 out of range");
    write_bytes(p, "# nothing\n", 10);
    expect_error(p, 5, ": no token ids");
}

static void test_npy(void)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/map.npy", tmpdir);
    /* int64 little-endian, as numpy.save writes the paper's maps. */
    const int64_t v8[3] = {250001, 5, 17};
    write_npy(p, "<i8", "(3,)", v8, sizeof v8);
    const int64_t want[3] = {250001, 5, 17};
    expect_ids(p, 250002, want, 3);
    expect_error(p, 250001, ": element 0: token id 250001 out of range [0, 250001)");
    /* int32 big-endian. */
    const unsigned char be4[8] = {0, 0, 1, 2, 0, 0, 0, 9};
    write_npy(p, ">i4", "(2,)", be4, sizeof be4);
    const int64_t w4[2] = {258, 9};
    expect_ids(p, 300, w4, 2);
    /* uint16 and uint8 (no byte order). */
    const unsigned char le2[4] = {0x34, 0x12, 0xff, 0xff};
    write_npy(p, "<u2", "(2,)", le2, sizeof le2);
    const int64_t w2[2] = {0x1234, 0xffff};
    expect_ids(p, 70000, w2, 2);
    const unsigned char u1[3] = {4, 0, 200};
    write_npy(p, "|u1", "(3,)", u1, sizeof u1);
    const int64_t w1[3] = {4, 0, 200};
    expect_ids(p, 201, w1, 3);
    /* A negative int16 is out of range, a repeat names both elements. */
    const unsigned char neg[4] = {1, 0, 0xfe, 0xff};
    write_npy(p, "<i2", "(2,)", neg, sizeof neg);
    expect_error(p, 10, ": element 1: token id -2 out of range");
    const int64_t rep[4] = {3, 1, 2, 1};
    write_npy(p, "<i8", "(4,)", rep, sizeof rep);
    expect_error(p, 10, ": element 3: token id 1 listed twice (first at element 1)");
    /* Not ids: floats, 2-D, empty. */
    const double f[2] = {1, 2};
    write_npy(p, "<f8", "(2,)", f, sizeof f);
    expect_error(p, 10, ": dtype '<f8' is not an integer type");
    write_npy(p, "<i8", "(1, 1)", v8, 8);
    expect_error(p, 10, ": array has 2 dimensions, expected 1");
    write_npy(p, "<i8", "(0,)", v8, 0);
    expect_error(p, 10, ": no token ids");
}

/* An overlap subset map by hand: two models, a (10 tokens) and b (6 tokens), three shared. */
static void write_map(const char *path, int complete)
{
    hid_t fapl = ta_h5_fapl_new(), fcpl = ta_h5_fcpl_new();
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, fapl);
    H5Pclose(fapl);
    H5Pclose(fcpl);
    const char *names[2] = {"a", "b"};
    const int64_t two = 2, three = 3, ntok[2] = {10, 6};
    const int32_t ia[3] = {1, 4, 9}, ib[3] = {5, 0, 2};
    T_EQ_INT(ta_h5_write_strings(f, "/overlap/names", names, 2), 0);
    T_EQ_INT(ta_h5_write_array(f, "/overlap/n_tokens", TA_ELEM_I64, 1, &two, ntok), 0);
    T_EQ_INT(ta_h5_write_array(f, "/overlap/models/a/ids", TA_ELEM_I32, 1, &three, ia), 0);
    T_EQ_INT(ta_h5_write_array(f, "/overlap/models/b/ids", TA_ELEM_I32, 1, &three, ib), 0);
    if (complete)
        T_EQ_INT(ta_h5_attr_int(f, "complete", 1), 0);
    H5Fclose(f);
}

static void test_map(void)
{
    char p[4200], spec[4300], place[4400];
    snprintf(p, sizeof p, "%s/ov.h5", tmpdir);
    write_map(p, 1);
    snprintf(spec, sizeof spec, "%s:a", p);
    const int64_t wa[3] = {1, 4, 9}, wb[3] = {5, 0, 2};
    expect_ids(spec, 10, wa, 3);
    expect_ids(spec, 12, wa, 3); /* rows past the vocabulary (padding) are allowed */
    snprintf(spec, sizeof spec, "%s:b", p);
    expect_ids(spec, 6, wb, 3);
    /* The file behind the spec, and places for messages. */
    char *file = NULL;
    T_EQ_INT(ta_subset_file(spec, &file), 0);
    T_EQ_STR(file, p);
    free(file);
    ta_subset_place(spec, 2, place, sizeof place);
    snprintf(spec + strlen(spec), sizeof spec - strlen(spec), ": element 2");
    T_EQ_STR(place, spec);
    /* Errors: no model name, an unknown one, a smaller vocabulary, an incomplete file. */
    expect_error(p, 10,
                 ": a subset map of `overlap` holds the ids of 2 models (a, b): name one as");
    snprintf(spec, sizeof spec, "%s:c", p);
    expect_error(spec, 10, ": no model 'c' in the subset map");
    snprintf(spec, sizeof spec, "%s:a", p);
    expect_error(spec, 9, ": the subset map is for a vocabulary of 10 tokens, but the input has 9");
    snprintf(spec, sizeof spec, "%s:b", p);
    expect_error(spec, 5, ": the subset map is for a vocabulary of 6 tokens");
    write_map(p, 0);
    snprintf(spec, sizeof spec, "%s:a", p);
    int64_t *ids = NULL, cnt = 0;
    T_EQ_INT(ta_subset_read(spec, 10, &ids, &cnt), TA_EINPUT);
    T_CHECK(strstr(ta_err_message(), "incomplete") != NULL);
    ta_err_clear();
    /* A text file whose name holds a colon is a text file, not FILE:NAME. */
    snprintf(p, sizeof p, "%s/ids:x.txt", tmpdir);
    write_bytes(p, "3\n\n1\n", 5);
    const int64_t wt[2] = {3, 1};
    expect_ids(p, 4, wt, 2);
    ta_subset_place(p, 1, place, sizeof place);
    snprintf(spec, sizeof spec, "%s:3", p);
    T_EQ_STR(place, spec);
    snprintf(spec, sizeof spec, "%s/missing.txt", tmpdir);
    expect_error(spec, 4, "");
}

int main(void)
{
    const char *t = getenv("TA_TEST_TMP");
    snprintf(tmpdir, sizeof tmpdir, "%s", t ? t : "/tmp/ta_test_subset");
    if (ta_file_mkdirs(tmpdir) != 0) {
        fprintf(stderr, "cannot create %s\n", tmpdir);
        return 1;
    }
    test_text();
    test_npy();
    ta_h5_quiet();
    test_map();
    return ta_test_finish("subset_unit_read");
}
