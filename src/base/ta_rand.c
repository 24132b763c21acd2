/* Random numbers and hashes (see ta_rand.h for the definitions). */
#include "base/ta_rand.h"

#include "base/ta_error.h"

uint64_t ta_splitmix_below(ta_splitmix_t *r, uint64_t n)
{
    TA_ASSERT(n >= 1);
    /* 2^64 mod n, computed without 128-bit arithmetic: (2^64 - n) mod n. */
    uint64_t rem = (0 - n) % n;
    uint64_t x;
    do {
        x = ta_splitmix_next(r);
    } while (x > UINT64_MAX - rem);
    return x % n;
}

void ta_xoshiro_seed(ta_xoshiro_t *r, uint64_t seed, uint64_t purpose, uint64_t index)
{
    ta_splitmix_t x = {seed ^ (purpose * 0xd1b54a32d192ed03ull)};
    x.s = ta_splitmix_next(&x) ^ index;
    for (int i = 0; i < 4; i++)
        r->s[i] = ta_splitmix_next(&x);
}

uint64_t ta_xoshiro_scaled(ta_xoshiro_t *r, uint64_t n)
{
    return (uint64_t)(ta_xoshiro_unit(r) * (double)n) % n;
}

uint64_t ta_fnv1a(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = TA_FNV1A_BASIS;
    for (size_t i = 0; i < len; i++)
        h = ta_fnv1a_mix(h, p[i]);
    return h;
}

uint64_t ta_fnv1a_str(const char *s)
{
    uint64_t h = TA_FNV1A_BASIS;
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
        h = ta_fnv1a_mix(h, *p);
    return h;
}
