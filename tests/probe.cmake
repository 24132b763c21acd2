# The writing-system probe (issue 6): solver, sampling and folds in C; the command against
# scikit-learn in Python; the paper protocol's sampling kernels in C and the command against
# imbalanced-learn and scikit-learn.
ta_add_unit_test(probe_unit_solver test_probe_solver.c)
ta_add_py_test(probe_sklearn test_probe_sklearn.py TIMEOUT 120)
ta_add_unit_test(probe_unit_paper ${CMAKE_CURRENT_SOURCE_DIR}/test_probe_paper.c)
ta_add_py_test(probe_paper test_probe_paper.py TIMEOUT 300)
# One copy of the normalised matrix per node (issue 14): summed PSS of 2 ranks against 1, also
# over TCP and without a shared window (a memory assertion, not a timing).
ta_add_py_test(probe_pss test_probe_pss.py TIMEOUT 300)
