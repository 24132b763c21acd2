# Hostile input (issue 14): tests/py/test_hostile.py, one test per group of commands so that CTest
# runs them side by side. Every case runs at 1 rank, a subset also at 2 ranks; the cases that fail
# today are listed in tests/py/hostile_known.txt (a listed case that passes fails the test).
foreach(group vocab neighbors stats probe pipeline extra disk)
  ta_add_py_test(hostile_${group} test_hostile.py TIMEOUT 1200 ARGS --group ${group})
endforeach()
# The reader fuzz seeds (tests/fuzz/fuzz_readers_common.h) as a unit test in every build.
ta_add_unit_test(hostile_unit_seeds test_hostile_seeds.c)
