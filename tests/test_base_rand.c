/* Unit test of src/base/ta_rand.c, the one RNG and hash module, against published reference
 * values: SplitMix64's first outputs from state 0 (Vigna's splitmix64.c), xoshiro256**'s first
 * outputs from the state {1, 2, 3, 4} (xoshiro256starstar.c), the FNV-1a 64 test vectors of the
 * FNV reference (Noll's test_fnv.c), and the stream seeding against its definition worked out
 * in Python (arbitrary-precision integers masked to 64 bits). */
#include "base/ta_rand.h"
#include "ta_test.h"

#include <stdint.h>

static void test_splitmix(void)
{
    ta_splitmix_t r = {0};
    T_CHECK(ta_splitmix_next(&r) == 0xE220A8397B1DCDAFull);
    T_CHECK(ta_splitmix_next(&r) == 0x6E789E6AA1B965F4ull);
    T_CHECK(ta_splitmix_next(&r) == 0x06C45D188009454Full);
    /* below(n) stays in range and hits every value of a small range about equally often. */
    r.s = 150;
    int hist[7] = {0};
    for (int i = 0; i < 70000; i++) {
        uint64_t v = ta_splitmix_below(&r, 7);
        T_CHECK(v < 7);
        hist[v < 7 ? v : 0]++;
    }
    for (int i = 0; i < 7; i++)
        T_CHECK(hist[i] > 9500 && hist[i] < 10500);
    T_CHECK(ta_splitmix_below(&r, 1) == 0);
    /* n = 2^63 + 1: almost half of all outputs are rejected; the result is still below n. */
    for (int i = 0; i < 100; i++)
        T_CHECK(ta_splitmix_below(&r, (1ull << 63) + 1) <= (1ull << 63));
}

static void test_xoshiro(void)
{
    ta_xoshiro_t r = {{1, 2, 3, 4}};
    T_CHECK(ta_xoshiro_next(&r) == 11520ull);
    T_CHECK(ta_xoshiro_next(&r) == 0ull);
    T_CHECK(ta_xoshiro_next(&r) == 1509978240ull);
    T_CHECK(ta_xoshiro_next(&r) == 1215971899390074240ull);
    /* The stream of (seed 7, purpose 3, index 11). */
    ta_xoshiro_seed(&r, 7, 3, 11);
    T_CHECK(r.s[0] == 0xd275ea020d6274a9ull && r.s[1] == 0x56e25894f0bb0deaull);
    T_CHECK(r.s[2] == 0x2cc819c72f30b06eull && r.s[3] == 0x2dde4305927a16d1ull);
    T_CHECK(ta_xoshiro_next(&r) == 0xe4c9172870b91421ull);
    T_CHECK(ta_xoshiro_next(&r) == 0x688eb1098c2e75c4ull);
    /* unit() is in (0, 1]; scaled(n) in [0, n). */
    int bad = 0;
    for (int i = 0; i < 10000; i++) {
        double u = ta_xoshiro_unit(&r);
        bad += !(u > 0 && u <= 1);
        bad += ta_xoshiro_scaled(&r, 13) >= 13;
    }
    T_EQ_INT(bad, 0);
    /* The smallest output maps to 2^-53, the largest to 1. */
    ta_xoshiro_t z = {{0, 0, 0, 0}};
    T_CHECK(ta_xoshiro_unit(&z) == 1.0 / 9007199254740992.0);
}

static void test_fnv1a(void)
{
    T_CHECK(ta_fnv1a("", 0) == 0xcbf29ce484222325ull);
    T_CHECK(ta_fnv1a("a", 1) == 0xaf63dc4c8601ec8cull);
    T_CHECK(ta_fnv1a("foobar", 6) == 0x85944171f73967e8ull);
    T_CHECK(ta_fnv1a_str("foobar") == 0x85944171f73967e8ull);
    T_CHECK(ta_fnv1a_str(NULL) == TA_FNV1A_BASIS);
    /* Bytes after a NUL count with ta_fnv1a, not with ta_fnv1a_str. */
    T_CHECK(ta_fnv1a("a\0b", 3) != ta_fnv1a_str("a\0b"));
    T_CHECK(ta_fnv1a_mix(TA_FNV1A_BASIS, 'a') == 0xaf63dc4c8601ec8cull);
}

int main(void)
{
    test_splitmix();
    test_xoshiro();
    test_fnv1a();
    return ta_test_finish("base_unit_rand");
}
