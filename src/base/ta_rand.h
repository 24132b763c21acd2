/* Random numbers and hashes: the one implementation of each in the tree, so that a seed or a
 * hash means the same thing in every command and with every libc.
 *
 * - SplitMix64 (Steele, Lea & Flood 2014): state += 0x9E3779B97F4A7C15, then the output is the
 *   state mixed by (x ^ x>>30) * 0xBF58476D1CE4E5B9, (x ^ x>>27) * 0x94D049BB133111EB,
 *   x ^ x>>31. The probe's samples and folds, the neighbours' query sample, and the seeding of
 *   the streams below.
 * - xoshiro256** 1.0 (Blackman & Vigna 2018), seeded per (seed, purpose, index) through
 *   SplitMix64: independent streams for the synthetic models' rows and groups.
 * - FNV-1a 64 (Fowler, Noll & Vo): offset basis 0xcbf29ce484222325, prime 0x100000001b3; h = (h
 *   XOR byte) * prime per byte. String hash tables, and seeds and keys derived from names.
 * - MT19937 as numpy's legacy RandomState draws it lives apart (base/ta_mt19937.h): it serves
 *   only to reproduce imbalanced-learn's samples (probe --protocol paper).
 *
 * Every function here is Local and pure (no global state): the result depends only on the
 * arguments. */
#ifndef TA_RAND_H
#define TA_RAND_H

#include <stddef.h>
#include <stdint.h>

/* SplitMix64 generator: its whole state is one 64-bit word ({seed} starts a stream). */
typedef struct {
    uint64_t s;
} ta_splitmix_t;

/* Local. The next output of SplitMix64. */
static inline uint64_t ta_splitmix_next(ta_splitmix_t *r)
{
    uint64_t x = (r->s += 0x9E3779B97F4A7C15ull);
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* Local. A uniform integer in [0, n), n >= 1, by rejection: outputs >= 2^64 - (2^64 mod n) are
 * redrawn, then x mod n, so that every value is equally likely. */
uint64_t ta_splitmix_below(ta_splitmix_t *r, uint64_t n);

/* xoshiro256** generator. */
typedef struct {
    uint64_t s[4];
} ta_xoshiro_t;

/* Local. The stream for (seed, purpose, index): x = seed ^ purpose * 0xd1b54a32d192ed03, then
 * x = splitmix(x) ^ index, and the four state words are the next four SplitMix64 outputs from
 * x. Streams of different purposes or indices are independent for all practical purposes. */
void ta_xoshiro_seed(ta_xoshiro_t *r, uint64_t seed, uint64_t purpose, uint64_t index);

static inline uint64_t ta__rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* Local. The next output of xoshiro256**. */
static inline uint64_t ta_xoshiro_next(ta_xoshiro_t *r)
{
    uint64_t *s = r->s;
    uint64_t result = ta__rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = ta__rotl(s[3], 45);
    return result;
}

/* Local. Uniform in (0, 1]: ((next >> 11) + 1) / 2^53 (never 0, so log() of it is finite). */
static inline double ta_xoshiro_unit(ta_xoshiro_t *r)
{
    return (double)((ta_xoshiro_next(r) >> 11) + 1) * (1.0 / 9007199254740992.0);
}

/* Local. An integer in [0, n), n >= 1, as floor(unit * n) mod n (the synthetic models' draw: one
 * output per value; the bias, below n / 2^53, does not matter there). */
uint64_t ta_xoshiro_scaled(ta_xoshiro_t *r, uint64_t n);

/* FNV-1a 64: the offset basis (the hash of nothing). */
#define TA_FNV1A_BASIS 0xcbf29ce484222325ull

/* Local. One FNV-1a step: (h XOR v) * prime. With v a byte this is FNV-1a; callers that hash
 * whole words (checkpoint keys) pass the word as v. */
static inline uint64_t ta_fnv1a_mix(uint64_t h, uint64_t v)
{
    return (h ^ v) * 1099511628211ull;
}

/* Local. FNV-1a 64 of the len bytes at data. */
uint64_t ta_fnv1a(const void *data, size_t len);
/* Local. FNV-1a 64 of the NUL-terminated string s (without the NUL); s may be NULL (the hash of
 * nothing). */
uint64_t ta_fnv1a_str(const char *s);

#endif
