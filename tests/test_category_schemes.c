/* Hand-worked cases of the two category schemes, the UTF-8 checks, the category sets, and the
 * speed of categorizing a Gemma-sized vocabulary. Expected values are worked out by hand from
 * the Unicode character names and general categories (comments give the per-character values). */
#include "base/ta_error.h"
#include "kernels/ta_category.h"
#include "ta_test.h"

#include <time.h>

static const char *cat(ta_scheme_t s, const char *text, size_t len)
{
    static char out[128];
    int rc = ta_category_of(s, text, len, out, sizeof out);
    if (rc) {
        fprintf(stderr, "unexpected error: %s\n", ta_err_message());
        ta_err_clear();
        return "<error>";
    }
    return out;
}
#define PAPER(t) cat(TA_SCHEME_PAPER, (t), strlen(t))
#define SCRIPT(t) cat(TA_SCHEME_SCRIPT, (t), strlen(t))

static void check_invalid(const char *text, size_t len, size_t offset)
{
    char out[64], want[64];
    for (int s = 0; s < 2; s++) {
        int rc = ta_category_of((ta_scheme_t)s, text, len, out, sizeof out);
        T_EQ_INT(rc, TA_EINPUT);
        snprintf(want, sizeof want, "byte offset %zu", offset);
        if (!strstr(ta_err_message(), want)) {
            fprintf(stderr, "message '%s' does not name '%s'\n", ta_err_message(), want);
            ta_test_failures++;
        }
        ta_err_clear();
    }
}

static void test_paper(void)
{
    T_EQ_STR(PAPER("\xe2\x96\x81"
                   "a"),
             "S");                               /* ▁ So, a LATIN: tie, S first */
    T_EQ_STR(PAPER("\xe2\x96\x81the"), "LATIN"); /* S 1, LATIN 3 */
    T_EQ_STR(PAPER("<0x41>"), "N");              /* S S, LATIN 1, N 3 */
    T_EQ_STR(PAPER(""), "Unknown");
    T_EQ_STR(PAPER("a\xd0\xb1"), "LATIN"); /* a, б: tie, first wins */
    T_EQ_STR(PAPER("\xd0\xb1"
                   "a"),
             "CYRILLIC");
    T_EQ_STR(PAPER("\xd0\xbf\xd1\x80\xd0\xb8"), "CYRILLIC"); /* при */
    T_EQ_STR(PAPER("e\xcc\x81"), "LATIN");                   /* e + U+0301 Mn: tie LATIN/M */
    T_EQ_STR(PAPER("\xcc\x81"
                   "e"),
             "M"); /* mark first */
    T_EQ_STR(PAPER("\xcc\x81\xcc\x81"
                   "e"),
             "M");                                         /* M 2, LATIN 1 */
    T_EQ_STR(PAPER("\xc3\xa9"), "LATIN");                  /* precomposed é */
    T_EQ_STR(PAPER("\xe4\xb8\xad\xe6\x96\x87"), "CJK");    /* 中文: CJK UNIFIED IDEOGRAPH-... */
    T_EQ_STR(PAPER("\xe4\xb8\x80"), "CJK");                /* U+4E00 */
    T_EQ_STR(PAPER("\xf0\xa0\x80\x80"), "CJK");            /* U+20000, extension B */
    T_EQ_STR(PAPER("\xed\x95\x9c\xea\xb5\xad"), "HANGUL"); /* 한국: HANGUL SYLLABLE ... */
    T_EQ_STR(PAPER("\xe3\x81\x82"), "HIRAGANA");           /* あ */
    T_EQ_STR(PAPER("\xf0\x9f\x98\x80"), "S");              /* 😀 So */
    T_EQ_STR(PAPER("\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd"), "S"); /* 👍🏽: So + Sk */
    /* Fullwidth Latin letters are named "FULLWIDTH LATIN CAPITAL LETTER A": their first word
     * is FULLWIDTH, exactly as the paper's rule (unicodedata.name(c).split()[0]) gives. */
    T_EQ_STR(PAPER("\xef\xbc\xa1\xef\xbc\xa2"), "FULLWIDTH"); /* ＡＢ */
    T_EQ_STR(PAPER("\xef\xbc\x91\xef\xbc\x92"), "N");         /* １２ Nd */
    T_EQ_STR(PAPER("2024"), "N");
    T_EQ_STR(PAPER("\xd9\xa3"), "N"); /* ARABIC-INDIC DIGIT THREE Nd */
    T_EQ_STR(PAPER("..."), "P");
    T_EQ_STR(PAPER("\xc2\xbf?"), "P"); /* ¿? */
    T_EQ_STR(PAPER("(a)"), "P");       /* Ps, LATIN, Pe: P 2 */
    T_EQ_STR(PAPER(" "), "Z");
    T_EQ_STR(PAPER("\xe3\x80\x80"), "Z");               /* IDEOGRAPHIC SPACE Zs */
    T_EQ_STR(PAPER("\n\t"), "C");                       /* Cc */
    T_EQ_STR(PAPER("\xe2\x80\x8b"), "C");               /* ZERO WIDTH SPACE Cf */
    T_EQ_STR(PAPER("\xee\x80\x80"), "C");               /* U+E000 Co */
    T_EQ_STR(PAPER("\xf4\x8f\xbf\xbf"), "C");           /* U+10FFFF noncharacter, Cn */
    T_EQ_STR(cat(TA_SCHEME_PAPER, "a\0b", 3), "LATIN"); /* NUL is Cc: LATIN 2, C 1 */
    /* Devanagari: न म स ् त े = DEVANAGARI 4 (Lo), M 2 (virama Mn, vowel sign E Mn). */
    T_EQ_STR(PAPER("\xe0\xa4\xa8\xe0\xa4\xae\xe0\xa4\xb8\xe0\xa5\x8d\xe0\xa4\xa4\xe0\xa5\x87"),
             "DEVANAGARI");
    /* हिंदी = ह Lo, ि Mc, ं Mn, द Lo, ी Mc: M 3 beats DEVANAGARI 2. */
    T_EQ_STR(PAPER("\xe0\xa4\xb9\xe0\xa4\xbf\xe0\xa4\x82\xe0\xa4\xa6\xe0\xa5\x80"), "M");
    /* कि = क Lo, ि Mc: tie, the letter came first. */
    T_EQ_STR(PAPER("\xe0\xa4\x95\xe0\xa4\xbf"), "DEVANAGARI");
    T_EQ_STR(PAPER("\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85"), "ARABIC"); /* سلام */
    T_EQ_STR(PAPER("\xce\xb1\xce\xb2"), "GREEK");
    T_EQ_STR(PAPER("\xca\xb0"), "MODIFIER");       /* ʰ MODIFIER LETTER SMALL H, Lm */
    T_EQ_STR(PAPER("\xe2\x85\xa0"), "N");          /* Ⅰ ROMAN NUMERAL ONE, Nl */
    T_EQ_STR(PAPER("\xf0\x97\x80\x80"), "TANGUT"); /* U+17000 TANGUT IDEOGRAPH-17000 */
}

static void test_script(void)
{
    T_EQ_STR(SCRIPT(""), "Unknown");
    T_EQ_STR(SCRIPT("\xe2\x96\x81the"), "Latin"); /* ▁ is Common, not counted */
    T_EQ_STR(SCRIPT("\xe2\x96\x81"
                    "a"),
             "Latin");
    T_EQ_STR(SCRIPT("\xd0\xbf\xd1\x80\xd0\xb8"), "Cyrillic");
    T_EQ_STR(SCRIPT("a\xd0\xb1"), "Latin");
    T_EQ_STR(SCRIPT("\xd0\xb1"
                    "a"),
             "Cyrillic");
    T_EQ_STR(SCRIPT("\xe4\xb8\xad\xe6\x96\x87"), "Han");
    T_EQ_STR(SCRIPT("\xed\x95\x9c\xea\xb5\xad"), "Hangul");
    T_EQ_STR(SCRIPT("123"), "Common");
    T_EQ_STR(SCRIPT("a1"), "Latin");
    T_EQ_STR(SCRIPT("1ab\xd0\xb1\xd0\xb1\xd0\xb1"), "Cyrillic"); /* Latin 2, Cyrillic 3 */
    T_EQ_STR(SCRIPT("e\xcc\x81"), "Latin");                      /* U+0301 is Inherited */
    T_EQ_STR(SCRIPT("\xcc\x81"), "Inherited");
    T_EQ_STR(SCRIPT("\xcc\x81\xcc\x81"
                    "1"),
             "Common");                                    /* only Common/Inherited, not all Inh. */
    T_EQ_STR(SCRIPT("\xef\xbc\xa1\xef\xbc\xa2"), "Latin"); /* fullwidth ＡＢ */
    T_EQ_STR(SCRIPT("\xf0\x9f\x98\x80"), "Common");
    T_EQ_STR(SCRIPT("\xe0\xa4\xb9\xe0\xa4\xbf\xe0\xa4\x82\xe0\xa4\xa6\xe0\xa5\x80"), "Devanagari");
    T_EQ_STR(SCRIPT("\xe3\x81\x82\xe4\xb8\xad"), "Hiragana"); /* tie, first wins */
    T_EQ_STR(SCRIPT("\xf4\x8f\xbf\xbf"), "Unknown");          /* unassigned: Zzzz */
}

static void test_invalid(void)
{
    check_invalid("\xff", 1, 0);
    check_invalid("ab\xc3", 3, 2);           /* truncated */
    check_invalid("a\xc0\x80", 3, 1);        /* overlong NUL */
    check_invalid("\xe0\x80\xaf", 3, 0);     /* overlong */
    check_invalid("xy\xed\xa0\x80", 5, 2);   /* surrogate U+D800 */
    check_invalid("\xf4\x90\x80\x80", 4, 0); /* above U+10FFFF */
    check_invalid("\xe4\xb8\xad\x80", 4, 3); /* stray continuation byte */
    check_invalid("\xc3(", 2, 0);            /* bad continuation */
}

static void test_scheme_and_catset(void)
{
    ta_scheme_t s;
    T_EQ_INT(ta_scheme_parse("paper", &s), 0);
    T_EQ_INT(s, TA_SCHEME_PAPER);
    T_EQ_INT(ta_scheme_parse("script", &s), 0);
    T_EQ_INT(s, TA_SCHEME_SCRIPT);
    T_EQ_INT(ta_scheme_parse("Paper", &s), TA_EINPUT);
    ta_err_clear();
    T_EQ_STR(ta_scheme_name(TA_SCHEME_PAPER), "paper");
    T_EQ_STR(ta_scheme_name(TA_SCHEME_SCRIPT), "script");

    const char *names[] = {"b", "a", "LATIN", "b", "S", "a"};
    ta_catset_t c;
    T_EQ_INT(ta_catset_from_names(names, 6, &c), 0);
    T_EQ_INT(c.n, 6);
    T_EQ_INT(c.ncat, 4); /* strcmp order: LATIN S a b */
    T_EQ_STR(c.name[0], "LATIN");
    T_EQ_STR(c.name[1], "S");
    T_EQ_STR(c.name[2], "a");
    T_EQ_STR(c.name[3], "b");
    int32_t want[] = {3, 2, 0, 3, 1, 2};
    for (int i = 0; i < 6; i++)
        T_EQ_INT(c.code[i], want[i]);
    T_EQ_INT(ta_catset_find(&c, "S"), 1);
    T_EQ_INT(ta_catset_find(&c, "Z"), -1);
    T_EQ_INT(ta_catset_find(&c, ""), -1);
    ta_catset_free(&c);
    T_EQ_INT(ta_catset_from_names(NULL, 0, &c), 0);
    T_EQ_INT(c.ncat, 0);
    T_EQ_INT(ta_catset_find(&c, "a"), -1);
    ta_catset_free(&c);
}

/* 262,144 tokens of 1-8 code points drawn from several scripts: the whole Gemma vocabulary
 * size. Checks the speed budget of the issue (well under a second). */
static void test_speed(void)
{
    enum { N = 262144 };
    static const int32_t base[] = {0x61, 0x430,  0x4E00,  0xAC00, 0x915, 0x627,
                                   0x30, 0x2581, 0x1F600, 0x3B1,  0x5D0, 0xE01};
    char *buf = malloc((size_t)N * 32);
    uint32_t *len = malloc(N * sizeof *len);
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < N; i++) {
        char *p = buf + (size_t)i * 32;
        int n = 1 + (int)(i % 8);
        uint32_t l = 0;
        for (int j = 0; j < n; j++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            int32_t cp = base[x % 12] + (int32_t)((x >> 8) % 20);
            if (cp < 0x80) {
                p[l++] = (char)cp;
            } else if (cp < 0x800) {
                p[l++] = (char)(0xC0 | (cp >> 6));
                p[l++] = (char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                p[l++] = (char)(0xE0 | (cp >> 12));
                p[l++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                p[l++] = (char)(0x80 | (cp & 0x3F));
            } else {
                p[l++] = (char)(0xF0 | (cp >> 18));
                p[l++] = (char)(0x80 | ((cp >> 12) & 0x3F));
                p[l++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                p[l++] = (char)(0x80 | (cp & 0x3F));
            }
        }
        len[i] = l;
    }
    for (int s = 0; s < 2; s++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        char out[128];
        int errors = 0;
        for (int i = 0; i < N; i++)
            errors +=
                ta_category_of((ta_scheme_t)s, buf + (size_t)i * 32, len[i], out, sizeof out) != 0;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double sec = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        printf("scheme %s: %d tokens in %.3f s\n", ta_scheme_name((ta_scheme_t)s), N, sec);
        T_EQ_INT(errors, 0);
        /* Generous bound: sanitizer builds are several times slower than release ones. */
        T_CHECK(sec < 5.0);
    }
    free(buf);
    free(len);
}

int main(void)
{
    test_paper();
    test_script();
    test_invalid();
    test_scheme_and_catset();
    test_speed();
    return ta_test_finish("category_unit_schemes");
}
