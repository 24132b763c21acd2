/* numpy's legacy random stream, as far as imbalanced-learn's RandomUnderSampler needs it: the
 * MT19937 generator seeded as numpy.random.RandomState(seed) seeds it for an integer seed, numpy's
 * bounded integers of its shuffles (random_interval) and RandomState.permutation /
 * choice(n, size, replace=False).
 *
 * Source read: numpy 1.24 (numpy/random/_mt19937.pyx `_legacy_seeding`, mtrand.pyx `choice`,
 * `permutation`, `shuffle` -> `_shuffle_raw`, distributions.c `random_interval`,
 * mt19937.c `mt19937_seed`, `mt19937_gen`, `mt19937_next32/64`). An integer seed is NOT spread by
 * init_by_array: numpy calls mt19937_seed, Matsumoto & Nishimura's init_genrand (key[0] = seed,
 * key[i] = 1812433253 (key[i-1] ^ key[i-1] >> 30) + i); an array seed would go through
 * init_by_array. The tests check the state against RandomState(seed).get_state().
 *
 * Every function here is Local and pure: plain arrays, no allocation, no output. */
#ifndef TA_MT19937_H
#define TA_MT19937_H

#include <stdint.h>

enum { TA_MT19937_N = 624 };

typedef struct {
    uint32_t key[TA_MT19937_N];
    int pos; /* next key word to temper; N: regenerate first */
} ta_mt19937_t;

/* Local. numpy.random.RandomState(seed) for an integer seed in [0, 2^32): init_genrand. */
void ta_mt19937_seed(ta_mt19937_t *s, uint32_t seed);

/* Local. The next 32-bit output (genrand_int32). */
uint32_t ta_mt19937_next32(ta_mt19937_t *s);

/* Local. numpy's next_uint64 for MT19937: two 32-bit outputs, the first in the high half. */
uint64_t ta_mt19937_next64(ta_mt19937_t *s);

/* Local. numpy's legacy bounded integer of its shuffles, random_interval(max): uniform in
 * [0, max] by masked rejection: mask = the smallest 2^b - 1 >= max, then draw (32-bit outputs
 * when max < 2^32, 64-bit ones otherwise) and AND with the mask until the value is <= max.
 * max = 0 draws nothing and gives 0. */
uint64_t ta_mt19937_interval(ta_mt19937_t *s, uint64_t max);

/* Local. numpy's legacy in-place shuffle of a 1-D array (Fisher-Yates from the end): for i = n-1
 * down to 1, j = interval(i), swap a[i] and a[j]. The swaps depend only on the draws, never on
 * the values, so shuffling a list of values equals indexing it by permutation(n). */
void ta_mt19937_shuffle(ta_mt19937_t *s, int64_t *a, int64_t n);

/* Local. RandomState.permutation(n) into a[0..n): arange(n), then the shuffle above.
 * RandomState.choice(n, size, replace=False) (without p) is its first `size` entries. */
void ta_mt19937_permutation(ta_mt19937_t *s, int64_t *a, int64_t n);

#endif
