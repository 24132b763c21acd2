/* Unit test of the one checkpoint format (io/ta_ckpt.h), used by `neighbors` and `probe`
 * (io/ta_probe_out.h): a checkpoint written and read back gives the same bytes and state; a
 * fingerprint that differs in one line is refused with TA_EINPUT naming the directory and both
 * versions of the line; a shorter stored fingerprint is refused too; a checkpoint whose
 * manifest is missing (a run killed while saving) counts as none; a data file of another
 * position or with parts of other sizes is refused; a damaged file is refused with a message
 * naming it (data file cut short inside a part, inside its header or before its magic ends;
 * another format version; a changed header byte; a changed data byte or a byte added at the
 * end, which the checksum closing the file catches; a manifest cut short or with a changed
 * byte); removal leaves nothing. */
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

/* Rewrites path through f (the file's bytes and length, changed in place); 0 on success. */
static int rewrite(const char *path, void (*f)(char *data, size_t *len))
{
    char *data = NULL;
    size_t len = 0;
    if (ta_file_read_all(path, &data, &len) != 0)
        return -1;
    f(data, &len);
    FILE *fp = fopen(path, "wb");
    int rc = fp && fwrite(data, 1, len, fp) == len ? 0 : -1;
    if (fp && fclose(fp) != 0)
        rc = -1;
    free(data);
    return rc;
}

static void cut_in_part(char *d, size_t *len)
{
    (void)d;
    *len -= 20; /* inside the 32-byte part, whatever follows it */
}

static void cut_to_header(char *d, size_t *len)
{
    (void)d;
    *len = 20; /* the magic, the header length and 4 bytes of the fingerprint */
}

static void cut_in_magic(char *d, size_t *len)
{
    (void)d;
    *len = 5;
}

static void other_version(char *d, size_t *len)
{
    (void)len;
    d[6] = '0';
    d[7] = d[7] == '0' ? '1' : '0';
}

static void flip_data_byte(char *d, size_t *len)
{
    d[*len - 8 - 5] ^= 0x10; /* inside the part, before the 8-byte checksum that closes the file */
}

static void add_trailing_byte(char *d, size_t *len)
{
    d[(*len)++] = 'x'; /* rewrite() leaves room: ta_file_read_all reads one NUL beyond */
}

static void flip_header_byte(char *d, size_t *len)
{
    (void)len;
    d[16 + 12] ^= 0x20; /* in the fingerprint text after the magic and the header length */
}

static void cut_manifest(char *d, size_t *len)
{
    (void)d;
    *len = 40; /* inside the fingerprint's second line */
}

static void flip_manifest_byte(char *d, size_t *len)
{
    (void)len;
    d[strlen(fp_a) - 2] ^= 0x01; /* in the fingerprint's last line: "ranks 2" -> "ranks 3" */
}

/* A damaged data file: ta_ckpt_read refuses it (TA_EINPUT) with one line naming the file and
 * containing `why`; the checkpoint is written afresh before each case. */
static void damaged_data(const char *dir, void (*f)(char *, size_t *), const char *why)
{
    int64_t a[4] = {1, 2, 3, 4};
    ta_ckpt_part_t w[1] = {{a, sizeof a}};
    T_EQ_INT(ta_ckpt_begin(dir), 0);
    T_EQ_INT(ta_ckpt_write(dir, "rank-0.bin", fp_a, "position 1 3\n", w, 1), 0);
    T_EQ_INT(ta_ckpt_commit(dir, fp_a, "position 1 3\n"), 0);
    char path[4300];
    snprintf(path, sizeof path, "%s/rank-0.bin", dir);
    T_EQ_INT(rewrite(path, f), 0);
    int64_t b[4] = {0};
    ta_ckpt_part_t r[1] = {{b, sizeof b}};
    T_EQ_INT(ta_ckpt_read(dir, "rank-0.bin", fp_a, "position 1 3\n", r, 1), TA_EINPUT);
    const char *m = ta_err_message();
    if (!has(m, path) || !has(m, why) || strchr(m, '\n'))
        fprintf(stderr, "damaged data file (%s): message '%s'\n", why, m);
    T_CHECK(has(m, path) && has(m, why) && strchr(m, '\n') == NULL);
    ta_err_clear();
}

/* A damaged manifest: ta_ckpt_open refuses it naming the directory and `why`. */
static void damaged_manifest(const char *dir, void (*f)(char *, size_t *), const char *why)
{
    T_EQ_INT(ta_ckpt_begin(dir), 0);
    T_EQ_INT(ta_ckpt_commit(dir, fp_a, "position 1 3\n"), 0);
    char path[4300];
    snprintf(path, sizeof path, "%s/MANIFEST", dir);
    T_EQ_INT(rewrite(path, f), 0);
    char *state = NULL;
    T_EQ_INT(ta_ckpt_open(dir, fp_a, &state), TA_EINPUT);
    T_CHECK(state == NULL);
    const char *m = ta_err_message();
    if (!has(m, dir) || !has(m, why))
        fprintf(stderr, "damaged manifest (%s): message '%s'\n", why, m);
    T_CHECK(has(m, dir) && has(m, why) && strchr(m, '\n') == NULL);
    ta_err_clear();
}

static void test_damaged(const char *dir)
{
    damaged_data(dir, cut_in_part, "truncated");
    damaged_data(dir, cut_to_header, "another checkpoint");
    damaged_data(dir, cut_in_magic, "not a tokenatlas checkpoint file");
    damaged_data(dir, other_version, "format version");
    damaged_data(dir, flip_header_byte, "another checkpoint");
    damaged_data(dir, flip_data_byte, "damaged");
    damaged_data(dir, add_trailing_byte, "damaged");
    damaged_manifest(dir, cut_manifest, "cut short");
    damaged_manifest(dir, flip_manifest_byte, "'k 9 ranks 3'");
    ta_ckpt_remove(dir);
    T_CHECK(!exists(dir));
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
    snprintf(tmpdir, sizeof tmpdir, "%s", t ? t : "/tmp/ta_test_ckpt_roundtrip");
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
    test_damaged(dir);
    test_probe(pdir);
    return ta_test_finish("ckpt_unit_roundtrip");
}
