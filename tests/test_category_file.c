/* Categories files: the TSV written byte for byte as expected, read back, every malformed-TSV
 * error naming file:line, and the /categories group of a model.h5 written with the HDF5 API. */
#include "base/ta_error.h"
#include "io/ta_catfile.h"
#include "io/ta_file.h"
#include "io/ta_h5.h"
#include "ta_test.h"

#include <sys/stat.h>

static char tmpdir[4096];

static void path_in_tmp(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", tmpdir, name);
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    fputs(text, fp);
    fclose(fp);
}

/* Expects ta_catfile_read to fail with TA_EINPUT and a message containing want. */
static void expect_bad_tsv(const char *text, const char *want)
{
    char path[4200], full[4400];
    path_in_tmp(path, sizeof path, "bad.tsv");
    write_text(path, text);
    ta_catset_t c;
    int rc = ta_catfile_read(path, NULL, &c);
    T_EQ_INT(rc, TA_EINPUT);
    snprintf(full, sizeof full, "%s%s", path, want);
    if (!strstr(ta_err_message(), full)) {
        fprintf(stderr, "message '%s' does not contain '%s'\n", ta_err_message(), full);
        ta_test_failures++;
    }
    ta_err_clear();
}

static void test_tsv(void)
{
    const char *names[] = {"LATIN", "S", "LATIN", "BYTES", "N"};
    const char *tokens[] = {"a\tb", "\xe2\x96\x81", "x\\y\r\n", "\xff", "1\0002"};
    uint32_t lens[] = {3, 3, 5, 1, 3};
    ta_catset_t c, r;
    T_EQ_INT(ta_catset_from_names(names, 5, &c), 0);
    char path[4200];
    path_in_tmp(path, sizeof path, "cats.tsv");
    T_EQ_INT(ta_catfile_write_tsv(path, &c, tokens, lens), 0);
    char *data;
    size_t len;
    T_EQ_INT(ta_file_read_all(path, &data, &len), 0);
    const char want[] = "id\tcategory\ttoken\n"
                        "0\tLATIN\ta\\tb\n"
                        "1\tS\t\xe2\x96\x81\n"
                        "2\tLATIN\tx\\\\y\\r\\n\n"
                        "3\tBYTES\t\xff\n"
                        "4\tN\t1\0002\n";
    T_EQ_INT(len, sizeof want - 1);
    T_CHECK(len == sizeof want - 1 && memcmp(data, want, len) == 0);
    free(data);

    T_EQ_INT(ta_catfile_read(path, NULL, &r), 0);
    T_EQ_INT(r.n, 5);
    T_EQ_INT(r.ncat, 4);
    for (int i = 0; i < r.n && i < 5; i++)
        T_EQ_STR(r.name[r.code[i]], names[i]);
    ta_catset_free(&r);

    /* Without tokens the token column is empty. */
    T_EQ_INT(ta_catfile_write_tsv(path, &c, NULL, NULL), 0);
    T_EQ_INT(ta_file_read_all(path, &data, &len), 0);
    T_EQ_STR(data, "id\tcategory\ttoken\n0\tLATIN\t\n1\tS\t\n2\tLATIN\t\n3\tBYTES\t\n4\tN\t\n");
    free(data);
    ta_catset_free(&c);

    /* CRLF line ends and no final newline are accepted. */
    path_in_tmp(path, sizeof path, "crlf.tsv");
    write_text(path, "id\tcategory\ttoken\r\n0\tC\tx\r\n1\tA\t");
    T_EQ_INT(ta_catfile_read(path, NULL, &r), 0);
    T_EQ_INT(r.n, 2);
    if (r.n == 2) {
        T_EQ_STR(r.name[r.code[0]], "C");
        T_EQ_STR(r.name[r.code[1]], "A");
    }
    ta_catset_free(&r);

    /* Header only: zero tokens. */
    write_text(path, "id\tcategory\ttoken\n");
    T_EQ_INT(ta_catfile_read(path, NULL, &r), 0);
    T_EQ_INT(r.n, 0);
    ta_catset_free(&r);

    expect_bad_tsv("", ":1: empty file");
    expect_bad_tsv("id\tcat\ttoken\n", ":1: expected the header");
    expect_bad_tsv("id\tcategory\ttoken\n0\tA\tx\n2\tB\ty\n", ":3: id '2' where 1 was expected");
    expect_bad_tsv("id\tcategory\ttoken\n1\tA\tx\n", ":2: id '1' where 0 was expected");
    expect_bad_tsv("id\tcategory\ttoken\n0\tA\tx\n0\tA\tx\n", ":3: id '0' where 1");
    expect_bad_tsv("id\tcategory\ttoken\n0\tA\tx\n-1\tA\tx\n", ":3: id '-1'");
    expect_bad_tsv("id\tcategory\ttoken\n0\tA\n", ":2: expected 3 tab-separated columns");
    expect_bad_tsv("id\tcategory\ttoken\n0\tA\tx\ty\n", ":2: expected 3 tab-separated columns");
    expect_bad_tsv("id\tcategory\ttoken\n0\t\tx\n", ":2: empty category");
    expect_bad_tsv("id\tcategory\ttoken\n0\tA\tx\n\n1\tA\tx\n", ":3: expected 3");
    expect_bad_tsv("id\tcategory\ttoken\nx\tA\tx\n", ":2: id 'x'");
    expect_bad_tsv("id\tcategory\ttoken\n0\tA\tx\n01\tA\tx\n", ":3: id '01'");

    ta_catset_t none;
    T_EQ_INT(ta_catfile_read("/nonexistent/cats.tsv", NULL, &none), TA_EINPUT);
    ta_err_clear();
}

/* A model.h5 with /categories/paper (+ names) written directly with the HDF5 API. */
static void make_h5(const char *path, const int32_t *codes, int64_t n, const char *const *names,
                    int64_t nnames, int complete)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t g = H5Gcreate2(f, "categories", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    T_EQ_INT(ta_h5_write_array(g, "paper", TA_ELEM_I32, 1, &n, codes), 0);
    T_EQ_INT(ta_h5_write_strings(g, "paper_names", names, nnames), 0);
    H5Gclose(g);
    if (complete)
        T_EQ_INT(ta_h5_attr_int(f, "complete", 1), 0);
    H5Fclose(f);
}

static void test_h5(void)
{
    char path[4200];
    path_in_tmp(path, sizeof path, "model.h5");
    const int32_t codes[] = {2, 0, 1, 2, 2};
    const char *names[] = {"CJK", "LATIN", "S"};
    make_h5(path, codes, 5, names, 3, 1);
    ta_catset_t c;
    T_EQ_INT(ta_catfile_read(path, NULL, &c), 0);
    T_EQ_INT(c.n, 5);
    T_EQ_INT(c.ncat, 3);
    for (int i = 0; i < c.n && i < 5; i++)
        T_EQ_STR(c.name[c.code[i]], names[codes[i]]);
    ta_catset_free(&c);
    T_EQ_INT(ta_catfile_read(path, "paper", &c), 0);
    ta_catset_free(&c);

    /* No /categories/script in this file. */
    T_EQ_INT(ta_catfile_read(path, "script", &c), TA_EINPUT);
    T_CHECK(strstr(ta_err_message(), "/categories/script") != NULL);
    ta_err_clear();
    T_EQ_INT(ta_catfile_read(path, "bogus", &c), TA_EINPUT);
    ta_err_clear();

    /* Code out of range, unsorted names, incomplete file. */
    const int32_t bad[] = {0, 3};
    make_h5(path, bad, 2, names, 3, 1);
    T_EQ_INT(ta_catfile_read(path, NULL, &c), TA_EINPUT);
    T_CHECK(strstr(ta_err_message(), "row 1 has code 3") != NULL);
    ta_err_clear();
    const char *unsorted[] = {"S", "CJK", "LATIN"};
    make_h5(path, codes, 5, unsorted, 3, 1);
    T_EQ_INT(ta_catfile_read(path, NULL, &c), TA_EINPUT);
    T_CHECK(strstr(ta_err_message(), "not sorted") != NULL);
    ta_err_clear();
    make_h5(path, codes, 5, names, 3, 0);
    T_EQ_INT(ta_catfile_read(path, NULL, &c), TA_EINPUT);
    T_CHECK(strstr(ta_err_message(), "incomplete") != NULL);
    ta_err_clear();
}

int main(void)
{
    const char *t = getenv("TA_TEST_TMP");
    snprintf(tmpdir, sizeof tmpdir, "%s", t ? t : "/tmp/ta_test_catfile");
    if (ta_file_mkdirs(tmpdir) != 0) {
        fprintf(stderr, "cannot create %s\n", tmpdir);
        return 1;
    }
    ta_h5_quiet();
    test_tsv();
    test_h5();
    return ta_test_finish("category_unit_file");
}
