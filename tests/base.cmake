# The ground floor (src/base): RNG and hashes.
ta_add_unit_test(base_rand test_base_rand.c)
