/* Unit test of the one checkpoint format (io/ta_ckpt.h) and the probe's use of it
 * (io/ta_probe_out.h): a checkpoint written and read back gives the same bytes and state; a
 * fingerprint that differs in one line is refused with TA_EINPUT naming the directory and both
 * versions of the line; a shorter stored fingerprint is refused too; a checkpoint whose
 * manifest is missing (a run killed while saving) counts as none; a data file of another
 * position or with parts of other sizes is refused; removal leaves nothing. */
#include "base/ta_error.h"
#include "io/ta_ckpt.h"
#include "io/ta_file.h"
#include "io/ta_probe_out.h"
#include "ta_test.h"

#include <stdint.h>
#include <sys/stat.h>

static char tmpdir[4096];

static const char *fp_a = "tokenatlas test checkpoint v1\nembeddings x.npy size 12\nk 9 ranks 2\n";
static const char *fp_b = "tokenatlas test checkpoint v1\nembeddings x.npy size 12\nk 8 ranks 2\n";
static const char *fp_c = "tokenatlas test checkpoint v1\nembeddings x.npy size 12\nk 9 ranks 2\n"
                          "queries all\n";

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static int has(const char *msg, const char *part)
{
    return strstr(msg, part) != NULL;
}

static void test_round_trip(const char *dir)
{
    int64_t a[5] = {1, -2, 3, INT64_MAX, 5};
    float b[3] = {0.5f, -1.0f, 2.25f};
    ta_ckpt_part_t w[2] = {{a, sizeof a}, {b, sizeof b}};
    T_EQ_INT(ta_ckpt_begin(dir), 0);
    T_EQ_INT(ta_ckpt_write(dir, "rank-0.bin", fp_a, "position 2 17\n", w, 2), 0);
    T_EQ_INT(ta_ckpt_commit(dir, fp_a, "position 2 17\n"), 0);
    char *state = NULL;
    T_EQ_INT(ta_ckpt_open(dir, fp_a, &state), 0);
    T_CHECK(state && strcmp(state, "position 2 17\n") == 0);
    int64_t a2[5] = {0};
    float b2[3] = {0};
    ta_ckpt_part_t r[2] = {{a2, sizeof a2}, {b2, sizeof b2}};
    T_EQ_INT(ta_ckpt_read(dir, "rank-0.bin", fp_a, state, r, 2), 0);
    T_CHECK(memcmp(a, a2, sizeof a) == 0 && memcmp(b, b2, sizeof b) == 0);
    /* A data file of another position, or parts of other sizes: refused. */
    T_EQ_INT(ta_ckpt_read(dir, "rank-0.bin", fp_a, "position 2 18\n", r, 2), TA_EINPUT);
    T_CHECK(has(ta_err_message(), "rank-0.bin"));
    ta_err_clear();
    ta_ckpt_part_t r1[2] = {{a2, sizeof a2 - 8}, {b2, sizeof b2}};
    T_EQ_INT(ta_ckpt_read(dir, "rank-0.bin", fp_a, state, r1, 2), TA_EINPUT);
    T_CHECK(has(ta_err_message(), "part 0"));
    ta_err_clear();
    free(state);
}

static void test_mismatch(const char *dir)
{
    char *state = NULL;
    T_EQ_INT(ta_ckpt_open(dir, fp_b, &state), TA_EINPUT);
    T_CHECK(state == NULL);
    const char *m = ta_err_message();
    T_CHECK(has(m, dir) && has(m, "'k 9 ranks 2'") && has(m, "'k 8 ranks 2'"));
    T_CHECK(strchr(m, '\n') == NULL);
    ta_err_clear();
    /* The stored fingerprint lacks this run's last line. */
    T_EQ_INT(ta_ckpt_open(dir, fp_c, &state), TA_EINPUT);
    T_CHECK(has(ta_err_message(), dir) && has(ta_err_message(), "'position 2 17'"));
    ta_err_clear();
}

static void test_partial(const char *dir)
{
    /* A new save that never reached its manifest: no checkpoint. */
    int64_t a[2] = {7, 8};
    ta_ckpt_part_t w[1] = {{a, sizeof a}};
    T_EQ_INT(ta_ckpt_begin(dir), 0);
    T_EQ_INT(ta_ckpt_write(dir, "rank-0.bin", fp_b, "position 0 1\n", w, 1), 0);
    char *state = (char *)"x";
    T_EQ_INT(ta_ckpt_open(dir, fp_b, &state), 0);
    T_CHECK(state == NULL);
    ta_ckpt_remove(dir);
    T_CHECK(!exists(dir));
    /* No directory at all. */
    state = (char *)"x";
    T_EQ_INT(ta_ckpt_open(dir, fp_a, &state), 0);
    T_CHECK(state == NULL);
}

static void test_probe(const char *dir)
{
    uint8_t done[5] = {1, 0, 1, 1, 0};
    double res[10];
    for (int i = 0; i < 10; i++)
        res[i] = i * 0.25 - 1;
    ta_probe_ckpt_phase_t ph[2] = {{2, 2, done, res}, {3, 2, done + 2, res + 4}};
    T_EQ_INT(ta_probe_ckpt_write(dir, fp_a, ph, 2), 0);
    char *state = NULL;
    T_EQ_INT(ta_ckpt_open(dir, fp_a, &state), 0);
    T_CHECK(state && strcmp(state, "tasks done 3 of 5\n") == 0);
    free(state);
    uint8_t done2[5] = {0};
    double res2[10] = {0};
    ta_probe_ckpt_phase_t rd[2] = {{2, 2, done2, res2}, {3, 2, done2 + 2, res2 + 4}};
    int found = 0;
    T_EQ_INT(ta_probe_ckpt_read(dir, fp_a, rd, 2, &found), 0);
    T_EQ_INT(found, 1);
    T_CHECK(memcmp(done, done2, sizeof done) == 0 && memcmp(res, res2, sizeof res) == 0);
    /* Another run's checkpoint is refused, not ignored. */
    found = 1;
    T_EQ_INT(ta_probe_ckpt_read(dir, fp_b, rd, 2, &found), TA_EINPUT);
    T_EQ_INT(found, 0);
    T_CHECK(has(ta_err_message(), dir) && has(ta_err_message(), "'k 8 ranks 2'"));
    ta_err_clear();
    ta_ckpt_remove(dir);
    T_CHECK(!exists(dir));
}

int main(void)
{
    const char *t = getenv("TA_TEST_TMP");
    snprintf(tmpdir, sizeof tmpdir, "%s", t ? t : "/tmp/ta_test_neighbors_ckpt");
    if (ta_file_mkdirs(tmpdir) != 0)
        return 1;
    char dir[4200], pdir[4200];
    snprintf(dir, sizeof dir, "%s/out.h5.ckpt", tmpdir);
    snprintf(pdir, sizeof pdir, "%s/probe.tsv.ckpt", tmpdir);
    ta_ckpt_remove(dir);
    ta_ckpt_remove(pdir);
    test_round_trip(dir);
    test_mismatch(dir);
    test_partial(dir);
    test_probe(pdir);
    return ta_test_finish("neighbors_unit_ckpt");
}
