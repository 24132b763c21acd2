/* io/ta_assemble: copying groups between complete HDF5 files (first copy wins, intermediate
 * groups, attributes kept, incomplete sources and missing objects refused with the file named),
 * copying a step's TSV tables with a new prefix, and the run log's line format. Hand-worked
 * expectations; files are made here with the plain HDF5 API. */
#include "base/ta_error.h"
#include "io/ta_assemble.h"
#include "io/ta_file.h"
#include "io/ta_h5.h"
#include "ta_test.h"

#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char dir[4096];

static void path_in(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static void put_ints(hid_t loc, const char *name, const int32_t *v, hsize_t n)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t d = H5Dcreate2(loc, name, H5T_NATIVE_INT32, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Dclose(d);
    H5Sclose(sp);
    H5Pclose(lcpl);
}

static void make_source(const char *name, int32_t base, int complete, int with_group)
{
    char p[4200];
    path_in(p, sizeof p, name);
    hid_t f = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    int32_t v[3] = {base, base + 1, base + 2};
    put_ints(f, "a", v, 3);
    if (with_group) {
        put_ints(f, "g/b", v, 2);
        hid_t g = H5Gopen2(f, "g", H5P_DEFAULT);
        ta_h5_attr_int(g, "top", 50);
        H5Gclose(g);
    } else {
        put_ints(f, "c", v, 1);
    }
    ta_h5_attr_int(f, "complete", complete);
    H5Fclose(f);
}

static void read_ints(hid_t f, const char *name, int32_t *v)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    T_CHECK(d >= 0);
    if (d >= 0) {
        H5Dread(d, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
        H5Dclose(d);
    }
}

static void write_text(const char *name, const char *text)
{
    char p[4200];
    path_in(p, sizeof p, name);
    FILE *fp = fopen(p, "w");
    fputs(text, fp);
    fclose(fp);
}

int main(void)
{
    const char *base = getenv("TA_TEST_TMP");
    snprintf(dir, sizeof dir, "%s", base && *base ? base : "/tmp/ta-test-assemble");
    T_EQ_INT(ta_file_mkdirs(dir), 0);
    ta_h5_quiet();
    make_source("one.h5", 10, 1, 1);
    make_source("two.h5", 20, 1, 0);
    make_source("half.h5", 30, 0, 1);

    char dst_path[4200], one[4200], two[4200], half[4200];
    path_in(dst_path, sizeof dst_path, "dst.h5");
    path_in(one, sizeof one, "one.h5");
    path_in(two, sizeof two, "two.h5");
    path_in(half, sizeof half, "half.h5");
    hid_t dst = H5Fcreate(dst_path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    T_CHECK(dst >= 0);

    /* Root of one, then root of two: /a stays one's (first copy wins), /c comes from two. */
    T_EQ_INT(ta_assemble_copy_root(dst, one, "/"), 0);
    T_EQ_INT(ta_assemble_copy_root(dst, two, "/"), 0);
    int32_t v[3] = {0, 0, 0};
    read_ints(dst, "/a", v);
    T_EQ_INT(v[0], 10);
    T_EQ_INT(v[2], 12);
    read_ints(dst, "/c", v);
    T_EQ_INT(v[0], 20);
    read_ints(dst, "/g/b", v);
    T_EQ_INT(v[1], 11);
    double top = 0;
    hid_t a = H5Aopen_by_name(dst, "/g", "top", H5P_DEFAULT, H5P_DEFAULT);
    T_CHECK(a >= 0);
    if (a >= 0) {
        H5Aread(a, H5T_NATIVE_DOUBLE, &top);
        H5Aclose(a);
    }
    T_NEAR(top, 50, 0);

    /* One object under a new name with intermediate groups; and a whole root under a group. */
    T_EQ_INT(ta_assemble_copy_object(dst, two, "/c", "/compare/two/c"), 0);
    read_ints(dst, "/compare/two/c", v);
    T_EQ_INT(v[0], 20);
    T_EQ_INT(ta_assemble_copy_root(dst, two, "/sub/two"), 0);
    read_ints(dst, "/sub/two/a", v);
    T_EQ_INT(v[0], 20);

    /* A missing object and an incomplete source are errors that name the file. */
    int rc = ta_assemble_copy_object(dst, one, "/nope", "/x");
    T_EQ_INT(rc, TA_EINPUT);
    T_CHECK(strstr(ta_err_message(), "one.h5") && strstr(ta_err_message(), "/nope"));
    ta_err_clear();
    rc = ta_assemble_copy_root(dst, half, "/");
    T_CHECK(rc != 0);
    T_CHECK(strstr(ta_err_message(), "half.h5") != NULL);
    ta_err_clear();
    T_CHECK(H5Lexists(dst, "/x", H5P_DEFAULT) <= 0);
    H5Fclose(dst);

    /* TSV tables: only PREFIX*.tsv regular files, renamed with the new prefix, same bytes. */
    char steps[4200], out[4200];
    path_in(steps, sizeof steps, "steps");
    path_in(out, sizeof out, "out");
    T_EQ_INT(ta_file_mkdirs(steps), 0);
    T_EQ_INT(ta_file_mkdirs(out), 0);
    write_text("steps/m.diversity.tsv", "category\tn\nLATIN\t3\n");
    write_text("steps/m.probe.tsv", "x\n");
    write_text("steps/m.notes.txt", "no\n");
    write_text("steps/mm.probe.tsv", "other model\n");
    char sub[4200];
    path_in(sub, sizeof sub, "steps/m.dir.tsv");
    mkdir(sub, 0755);
    int copied = -1;
    T_EQ_INT(ta_assemble_copy_tsvs(steps, "m.", out, "model-a.", &copied), 0);
    T_EQ_INT(copied, 2);
    char p[4300], *data = NULL;
    size_t len = 0;
    snprintf(p, sizeof p, "%s/model-a.diversity.tsv", out);
    T_EQ_INT(ta_file_read_all(p, &data, &len), 0);
    T_EQ_STR(data ? data : "", "category\tn\nLATIN\t3\n");
    free(data);
    snprintf(p, sizeof p, "%s/model-a.notes.txt", out);
    T_CHECK(!ta_file_is_regular(p));
    snprintf(p, sizeof p, "%s/model-a.probe.tsv", out);
    T_CHECK(ta_file_is_regular(p));

    /* The run log: appended lines "YYYY-MM-DDTHH:MM:SSZ  TEXT". */
    char log[4200];
    path_in(log, sizeof log, "run.log");
    remove(log);
    T_EQ_INT(ta_assemble_log(log, "step %s: %d", "x", 1), 0);
    T_EQ_INT(ta_assemble_log(log, "second"), 0);
    data = NULL;
    T_EQ_INT(ta_file_read_all(log, &data, &len), 0);
    T_EQ_INT(len, 2 * 22 + strlen("step x: 1\n") + strlen("second\n"));
    if (data) {
        T_CHECK(data[4] == '-' && data[10] == 'T' && data[19] == 'Z' && data[20] == ' ');
        T_CHECK(strncmp(data + 22, "step x: 1\n", 10) == 0);
        T_CHECK(strstr(data, "Z  second\n") != NULL);
    }
    free(data);
    return ta_test_finish("pipeline_unit_assemble");
}
