# The ground floor (src/base): RNG and hashes, growable arrays, the thread team.
ta_add_unit_test(base_unit_rand test_base_rand.c)
ta_add_unit_test(base_unit_grow test_base_grow.c)
ta_add_unit_test(base_unit_team test_base_team.c)
