# `overlap`: vocabulary overlap and the shared-token subset map, against Python set arithmetic.
ta_add_py_test(overlap_cases test_overlap.py TIMEOUT 300 ARGS cases)
ta_add_py_test(overlap_real test_overlap.py TIMEOUT 300 ARGS real)
