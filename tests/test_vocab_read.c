/* Vocabulary readers on small hand-written inputs with hand-known pieces: text, JSON array,
 * tokenizer.json (Unigram, byte-level BPE with added tokens, WordPiece), model.h5, and the
 * errors for malformed input (exit code 2 with the file and the place in the message). */
#include "base/ta_error.h"
#include "io/ta_file.h"
#include "io/ta_h5.h"
#include "ta_test.h"
#include "io/ta_vocab.h"
#include "io/ta_vocab_int.h"

#include <stdint.h>
#include <sys/stat.h>

static char tmp[4096];

static const char *write_file(const char *name, const char *data, size_t len)
{
    static char path[8192];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    FILE *fp = fopen(path, "wb");
    TA_ASSERT(fp);
    TA_ASSERT(fwrite(data, 1, len, fp) == len);
    fclose(fp);
    return path;
}

/* Reads a vocabulary from a file made of a C string. */
static int read_str(const char *name, const char *text, ta_vocab_t *v)
{
    ta_err_clear();
    return ta_vocab_read(write_file(name, text, strlen(text)), v);
}

static void piece_is(const ta_vocab_t *v, int64_t id, const char *s, size_t len, int flags)
{
    if (id >= v->n) {
        fprintf(stderr, "id %lld past n %lld\n", (long long)id, (long long)v->n);
        ta_test_failures++;
        return;
    }
    if (v->len[id] != len || memcmp(v->piece[id], s, len) != 0 || v->piece[id][len] != '\0') {
        fprintf(stderr, "%s: piece %lld is \"%s\" (%u bytes), expected \"%s\"\n", v->path,
                (long long)id, v->piece[id], v->len[id], s);
        ta_test_failures++;
    }
    if (v->flags[id] != flags) {
        fprintf(stderr, "%s: piece %lld flags %d, expected %d\n", v->path, (long long)id,
                v->flags[id], flags);
        ta_test_failures++;
    }
}
#define PIECE(v, id, lit, flags) piece_is(v, id, lit, sizeof(lit) - 1, flags)

/* The read fails with exit code 2 and a message that contains each of the given strings. */
static void expect_error(const char *name, const char *data, size_t len, const char *m1,
                         const char *m2)
{
    ta_vocab_t v;
    ta_err_clear();
    int rc = ta_vocab_read(write_file(name, data, len), &v);
    const char *msg = ta_err_message();
    if (rc != TA_EINPUT || !strstr(msg, name) || (m1 && !strstr(msg, m1)) ||
        (m2 && !strstr(msg, m2)) || strchr(msg, '\n')) {
        fprintf(stderr, "%s: rc %d, message \"%s\"; expected exit 2 mentioning %s, %s\n", name, rc,
                msg, m1 ? m1 : "-", m2 ? m2 : "-");
        ta_test_failures++;
    }
    if (rc == 0)
        ta_vocab_free(&v);
    ta_err_clear();
}
#define EXPECT_ERROR(name, lit, m1, m2) expect_error(name, lit, sizeof(lit) - 1, m1, m2)

static void test_text(void)
{
    ta_vocab_t v;
    /* CRLF and LF endings, an empty line (an empty token), a tab kept, no final newline. */
    T_EQ_INT(read_str("a.txt", "[PAD]\r\nhello\n\n\xe2\x96\x81wor\tld\nlast", &v), 0);
    T_EQ_INT(v.n, 5);
    PIECE(&v, 0, "[PAD]", 0);
    PIECE(&v, 1, "hello", 0);
    PIECE(&v, 2, "", 0);
    PIECE(&v, 3, "\xe2\x96\x81wor\tld", 0);
    PIECE(&v, 4, "last", 0);
    T_EQ_STR(v.format, "text");
    ta_vocab_free(&v);
    /* The final newline ends the last line; a lone "\n" is one empty token; "\n\n" two. */
    T_EQ_INT(read_str("b.txt", "x\ny\n", &v), 0);
    T_EQ_INT(v.n, 2);
    ta_vocab_free(&v);
    T_EQ_INT(read_str("c.txt", "\n", &v), 0);
    T_EQ_INT(v.n, 1);
    PIECE(&v, 0, "", 0);
    ta_vocab_free(&v);
    T_EQ_INT(read_str("d.txt", "\n\n", &v), 0);
    T_EQ_INT(v.n, 2);
    ta_vocab_free(&v);
    /* A "{" line that is not JSON is a token. */
    T_EQ_INT(read_str("e.txt", "{\nx\n", &v), 0);
    T_EQ_INT(v.n, 2);
    PIECE(&v, 0, "{", 0);
    ta_vocab_free(&v);
    EXPECT_ERROR("bad.txt", "ok\nab\xff\n", ":2:3:", "invalid UTF-8");
    EXPECT_ERROR("empty.txt", "", "empty", NULL);
}

static void test_json_list(void)
{
    ta_vocab_t v;
    /* No .json suffix: detected from the content. */
    T_EQ_INT(read_str("list", " [\"a\", \"\\u2581b\", \"\", \"x\\u0000y\", \"\\t\"]", &v), 0);
    T_EQ_INT(v.n, 5);
    PIECE(&v, 0, "a", 0);
    PIECE(&v, 1,
          "\xe2\x96\x81"
          "b",
          0);
    PIECE(&v, 2, "", 0);
    PIECE(&v, 3, "x\0y", 0);
    PIECE(&v, 4, "\t", 0);
    T_EQ_STR(v.format, "json-list");
    char buf[64];
    T_EQ_INT(ta_vocab_display(&v, 3, buf, sizeof buf), 8);
    T_EQ_STR(buf, "x<0x00>y");
    ta_vocab_free(&v);
    EXPECT_ERROR("bad.json", "[\"a\",\n \"b\" \"c\"]", "bad.json:2:", "invalid JSON");
    /* A byte order mark is skipped; offsets in messages still count it. */
    T_EQ_INT(read_str("bom.json", "\xEF\xBB\xBF[\"a\"]", &v), 0);
    T_EQ_INT(v.n, 1);
    PIECE(&v, 0, "a", 0);
    ta_vocab_free(&v);
    EXPECT_ERROR("bombad.json", "\xEF\xBB\xBF[\"a\" 1]", "byte offset 9", NULL);
    EXPECT_ERROR("num.json", "[\"a\", 3]", "element 1", NULL);
    EXPECT_ERROR("utf8.json", "[\"a\", \"b\xc3\x28\"]", "utf8.json:1:", "invalid JSON");
}

static const char *UNIGRAM =
    "{\"version\":\"1.0\",\"added_tokens\":[{\"id\":0,\"content\":\"<pad>\",\"special\":true}],"
    "\"model\":{\"type\":\"Unigram\",\"unk_id\":2,\"vocab\":[[\"<pad>\",0.0],[\"</s>\",0.0],"
    "[\"<unk>\",0.0],[\"\\u2581the\",-3.5],[\"\\u0430\\u0431\",-7.25],[\"<0x41>\",0]]}}";

static void test_unigram(void)
{
    ta_vocab_t v;
    T_EQ_INT(read_str("uni.json", UNIGRAM, &v), 0);
    T_EQ_INT(v.n, 6);
    PIECE(&v, 0, "<pad>", TA_PIECE_SPECIAL);
    PIECE(&v, 1, "</s>", 0);
    PIECE(&v, 3, "\xe2\x96\x81the", 0);
    PIECE(&v, 4, "\xd0\xb0\xd0\xb1", 0);
    PIECE(&v, 5, "<0x41>", TA_PIECE_BYTEFALLBACK);
    T_EQ_STR(v.format, "tokenizer.json:Unigram");
    ta_vocab_free(&v);
}

/* Byte-level BPE: "Ġ" (U+0120) is the space byte, "Ċ" (U+010A) newline, "Ã©" is the two bytes
 * of "é", "Ã" alone is byte 0xC3 (not valid UTF-8 alone), "ð٤" ... the four bytes of an emoji
 * split in two: "ðŁ" = F0 9F and "ĺĢ" = 98 80. */
static const char *BPE =
    "{\"added_tokens\":[{\"id\":7,\"content\":\"<|end|>\",\"special\":true},"
    "{\"id\":1,\"content\":\"hi\",\"special\":false}],"
    "\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Split\"},"
    "{\"type\":\"ByteLevel\"}]},\"decoder\":null,"
    "\"model\":{\"type\":\"BPE\",\"merges\":[\"h i\"],\"vocab\":{\"\\u0120the\":3,\"hi\":1,"
    "\"\\u00c3\\u00a9t\\u00c3\\u00a9\":2,\"\\u00c3\":4,\"\\u010a\":0,\"\\u00f0\\u0141\":5,"
    "\"\\u0120\\u0120\":6}}}";

static void test_bpe_bytelevel(void)
{
    ta_vocab_t v;
    T_EQ_INT(read_str("bpe.json", BPE, &v), 0);
    T_EQ_INT(v.n, 8);
    PIECE(&v, 0, "\n", 0);
    PIECE(&v, 1, "hi", 0);
    PIECE(&v, 2, "\xc3\xa9t\xc3\xa9", 0);
    PIECE(&v, 3, "\xe2\x96\x81the", 0);
    PIECE(&v, 4, "\xc3", TA_PIECE_BYTES);
    PIECE(&v, 5, "\xf0\x9f", TA_PIECE_BYTES);
    PIECE(&v, 6, "\xe2\x96\x81\xe2\x96\x81", 0);
    PIECE(&v, 7, "<|end|>", TA_PIECE_SPECIAL);
    T_EQ_STR(v.format, "tokenizer.json:BPE/bytes");
    char buf[64];
    ta_vocab_display(&v, 5, buf, sizeof buf);
    T_EQ_STR(buf, "<0xF0><0x9F>");
    /* Truncation stops at a whole character and still terminates. */
    ta_vocab_display(&v, 5, buf, 9);
    T_EQ_STR(buf, "<0xF0>");
    ta_vocab_free(&v);
}

static void test_wordpiece(void)
{
    ta_vocab_t v;
    T_EQ_INT(read_str("wp.json",
                      "{\"model\":{\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\",\"vocab\":"
                      "{\"[PAD]\":0,\"[UNK]\":1,\"##ing\":3,\"play\":2,\"\\u4e2d\":4}},"
                      "\"added_tokens\":[{\"id\":0,\"content\":\"[PAD]\",\"special\":true},"
                      "{\"id\":1,\"content\":\"[UNK]\",\"special\":true}]}",
                      &v),
             0);
    T_EQ_INT(v.n, 5);
    PIECE(&v, 0, "[PAD]", TA_PIECE_SPECIAL);
    PIECE(&v, 1, "[UNK]", TA_PIECE_SPECIAL);
    PIECE(&v, 2, "play", 0);
    PIECE(&v, 3, "##ing", 0);
    PIECE(&v, 4, "\xe4\xb8\xad", 0);
    T_EQ_STR(v.format, "tokenizer.json:WordPiece");
    ta_vocab_free(&v);
}

static void test_tokenizer_errors(void)
{
    EXPECT_ERROR("nomodel.json", "{\"version\":\"1.0\",\"added_tokens\":[]}", "\"model\"", NULL);
    EXPECT_ERROR("gap.json", "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":2}}}",
                 "id 1 is missing", NULL);
    EXPECT_ERROR("gap2.json", "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":2000000000}}}",
                 "id 1 is missing", NULL);
    EXPECT_ERROR("dup.json", "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":0}}}",
                 "id 0 is given twice", NULL);
    EXPECT_ERROR("dupadd.json",
                 "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0}},\"added_tokens\":["
                 "{\"id\":1,\"content\":\"x\"},{\"id\":1,\"content\":\"y\"}]}",
                 "id 1 is given twice", NULL);
    EXPECT_ERROR("neg.json", "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":-1}}}", "id -1", NULL);
    EXPECT_ERROR("trunc.json", "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0",
                 "trunc.json:1:", "invalid JSON");
    EXPECT_ERROR("uni.json", "{\"model\":{\"type\":\"Unigram\",\"vocab\":[[\"a\",0],[\"b\"]]}}",
                 "model.vocab[1]", NULL);
    EXPECT_ERROR("utf8tok.json", "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\xff\":0}}}",
                 "utf8tok.json:1:", "invalid JSON");
    EXPECT_ERROR("type.json", "{\"model\":{\"type\":\"Magic\",\"vocab\":{}}}", "Magic", NULL);
}

static void test_h5(void)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/model.h5", tmp);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    TA_ASSERT(f >= 0);
    /* A BYTES piece is stored with <0xNN> for its invalid bytes; the reader turns them back. */
    const char *tok[] = {"<s>", "\xe2\x96\x81the", "<0xF0><0x9F>", "<0x41>"};
    uint8_t flags[] = {TA_PIECE_SPECIAL, 0, TA_PIECE_BYTES, TA_PIECE_BYTEFALLBACK};
    int64_t n = 4;
    T_EQ_INT(ta_h5_write_strings(f, "/vocab/token", tok, n), 0);
    T_EQ_INT(ta_h5_write_array(f, "/vocab/flags", TA_ELEM_U8, 1, &n, flags), 0);
    T_EQ_INT(ta_h5_attr_int(f, "complete", 1), 0);
    H5Fclose(f);
    ta_vocab_t v;
    ta_err_clear();
    T_EQ_INT(ta_vocab_read(path, &v), 0);
    T_EQ_INT(v.n, 4);
    PIECE(&v, 0, "<s>", TA_PIECE_SPECIAL);
    PIECE(&v, 1, "\xe2\x96\x81the", 0);
    PIECE(&v, 2, "\xf0\x9f", TA_PIECE_BYTES);
    PIECE(&v, 3, "<0x41>", TA_PIECE_BYTEFALLBACK);
    T_EQ_STR(v.format, "model.h5");
    char **disp;
    T_EQ_INT(ta_vocab_display_all(&v, &disp), 0);
    for (int i = 0; i < 4; i++)
        T_EQ_STR(disp[i], tok[i]);
    free(disp);
    ta_vocab_free(&v);
}

/* A SentencePiece ModelProto written by hand in the wire format: pieces (field 1) with piece
 * (1, string), score (2, float) and type (3, enum); an unknown field (trainer_spec = 2) is
 * skipped. */
static void test_spm(void)
{
    static const char model[] = "\x0a\x09\x0a\x05<unk>\x18\x02" /* UNKNOWN */
                                "\x0a\x07\x0a\x03<s>\x18\x03"   /* CONTROL */
                                "\x0a\x0b\x0a\x04\xe2\x96\x81"
                                "a\x15\x00\x00\x80\xbf"           /* NORMAL, score -1 */
                                "\x0a\x0a\x0a\x06<0x41>\x18\x06"  /* BYTE */
                                "\x0a\x0b\x0a\x07<extra>\x18\x05" /* UNUSED */
                                "\x0a\x08\x0a\x04user\x18\x04"    /* USER_DEFINED */
                                "\x12\x02\x08\x01";               /* trainer_spec { 1: 1 } */
    ta_vocab_t v;
    ta_err_clear();
    /* No .model suffix: recognised from the content. */
    T_EQ_INT(ta_vocab_read(write_file("spm.bin", model, sizeof model - 1), &v), 0);
    T_EQ_INT(v.n, 6);
    PIECE(&v, 0, "<unk>", TA_PIECE_SPECIAL);
    PIECE(&v, 1, "<s>", TA_PIECE_SPECIAL);
    PIECE(&v, 2,
          "\xe2\x96\x81"
          "a",
          0);
    PIECE(&v, 3, "<0x41>", TA_PIECE_BYTEFALLBACK);
    PIECE(&v, 4, "<extra>", TA_PIECE_UNUSED);
    PIECE(&v, 5, "user", 0);
    T_EQ_STR(v.format, "sentencepiece");
    ta_vocab_free(&v);
    /* Cut inside the third piece: the message gives the offset of the field that runs past
     * the end (the third piece starts at byte 20). */
    expect_error("cut.model", model, 25, "byte offset 20", "truncated");
    EXPECT_ERROR("badutf8.model", "\x0a\x05\x0a\x03\x61\xff\x62", "piece 0", "UTF-8");
}

static void test_misc_errors(void)
{
    ta_vocab_t v;
    char path[8192];
    snprintf(path, sizeof path, "%s/does-not-exist.json", tmp);
    ta_err_clear();
    T_EQ_INT(ta_vocab_read(path, &v), TA_EINPUT);
    T_CHECK(strstr(ta_err_message(), "does-not-exist.json") != NULL);
    EXPECT_ERROR("empty.json", "", "empty", NULL);
    EXPECT_ERROR("bad.model", "\x0a\x05\x0a\x03\x61", "bad.model", "corrupt");
    /* The buffer entry point, as fuzzers call it: no NUL after the data. */
    char buf[3] = {'[', '"', 'a'};
    ta_err_clear();
    T_EQ_INT(ta_vocab_parse("buf.json", buf, sizeof buf, &v), TA_EINPUT);
    ta_err_clear();
}

/* The strict UTF-8 check behind every reader (utf8proc's decoder): hand-worked sequences at
 * the edges of each rule, with the offset of the first bad byte. */
static void test_utf8_rules(void)
{
    static const struct {
        const char *s;
        int ok;
        size_t bad;
    } cases[] = {
        {"a\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80", 1, 0}, /* 1-4 byte sequences */
        {"\xc2\x80\xdf\xbf", 1, 0},                      /* U+0080, U+07FF */
        {"\xe0\xa0\x80\xed\x9f\xbf", 1, 0},              /* U+0800, U+D7FF */
        {"\xf4\x8f\xbf\xbf", 1, 0},                      /* U+10FFFF */
        {"ab\xff", 0, 2},
        {"a\xc0\x80", 0, 1},        /* overlong NUL */
        {"a\xc1\xbf", 0, 1},        /* overlong */
        {"\xe0\x9f\xbf", 0, 0},     /* overlong 3-byte */
        {"\xf0\x8f\xbf\xbf", 0, 0}, /* overlong 4-byte */
        {"xy\xed\xa0\x80", 0, 2},   /* surrogate U+D800 */
        {"\xf4\x90\x80\x80", 0, 0}, /* above U+10FFFF */
        {"\xf5\x80\x80\x80", 0, 0}, /* lead byte past F4 */
        {"\xe4\xb8\xad\x80", 0, 3}, /* stray continuation byte */
        {"\xe4\xb8", 0, 0},         /* truncated */
        {"\xc3(", 0, 0},            /* bad continuation */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t bad = 99;
        int ok = ta__utf8_valid(cases[c].s, strlen(cases[c].s), &bad);
        T_EQ_INT(ok, cases[c].ok);
        if (!cases[c].ok)
            T_EQ_INT(bad, cases[c].bad);
    }
}

int main(void)
{
    ta_h5_quiet();
    test_utf8_rules();
    const char *t = getenv("TA_TEST_TMP");
    snprintf(tmp, sizeof tmp, "%s", t ? t : "/tmp/ta-test-vocab-read");
    TA_ASSERT(ta_file_mkdirs(tmp) == 0);
    test_text();
    test_json_list();
    test_unigram();
    test_bpe_bytelevel();
    test_wordpiece();
    test_tokenizer_errors();
    test_h5();
    test_spm();
    test_misc_errors();
    return ta_test_finish("vocab_unit_read");
}
