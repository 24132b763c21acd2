#include "base/ta_mt19937.h"

enum { MT_M = 397 };
#define MT_MATRIX_A 0x9908b0dfu
#define MT_UPPER 0x80000000u
#define MT_LOWER 0x7fffffffu

void ta_mt19937_seed(ta_mt19937_t *s, uint32_t seed)
{
    s->key[0] = seed;
    for (int i = 1; i < TA_MT19937_N; i++) {
        uint32_t p = s->key[i - 1];
        s->key[i] = 1812433253u * (p ^ (p >> 30)) + (uint32_t)i;
    }
    s->pos = TA_MT19937_N;
}

static uint32_t twist(uint32_t a, uint32_t b, uint32_t m)
{
    uint32_t y = (a & MT_UPPER) | (b & MT_LOWER);
    return m ^ (y >> 1) ^ ((0u - (y & 1u)) & MT_MATRIX_A);
}

/* The next N key words from the current ones (mt19937_gen). */
static void regenerate(ta_mt19937_t *s)
{
    uint32_t *k = s->key;
    int i = 0;
    for (; i < TA_MT19937_N - MT_M; i++)
        k[i] = twist(k[i], k[i + 1], k[i + MT_M]);
    for (; i < TA_MT19937_N - 1; i++)
        k[i] = twist(k[i], k[i + 1], k[i + MT_M - TA_MT19937_N]);
    k[TA_MT19937_N - 1] = twist(k[TA_MT19937_N - 1], k[0], k[MT_M - 1]);
    s->pos = 0;
}

uint32_t ta_mt19937_next32(ta_mt19937_t *s)
{
    if (s->pos >= TA_MT19937_N)
        regenerate(s);
    uint32_t y = s->key[s->pos++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

uint64_t ta_mt19937_next64(ta_mt19937_t *s)
{
    uint64_t hi = ta_mt19937_next32(s);
    return hi << 32 | ta_mt19937_next32(s);
}

uint64_t ta_mt19937_interval(ta_mt19937_t *s, uint64_t max)
{
    if (max == 0)
        return 0;
    uint64_t mask = max, v;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    mask |= mask >> 32;
    if (max <= 0xffffffffu) {
        while ((v = (ta_mt19937_next32(s) & mask)) > max)
            ;
    } else {
        while ((v = (ta_mt19937_next64(s) & mask)) > max)
            ;
    }
    return v;
}

void ta_mt19937_shuffle(ta_mt19937_t *s, int64_t *a, int64_t n)
{
    for (int64_t i = n - 1; i >= 1; i--) {
        int64_t j = (int64_t)ta_mt19937_interval(s, (uint64_t)i);
        int64_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

void ta_mt19937_permutation(ta_mt19937_t *s, int64_t *a, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        a[i] = i;
    ta_mt19937_shuffle(s, a, n);
}
