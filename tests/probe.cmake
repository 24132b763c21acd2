# The writing-system probe (issue 6): solver, sampling and folds in C; the command against
# scikit-learn in Python.
ta_add_unit_test(test_probe_solver ${CMAKE_CURRENT_SOURCE_DIR}/test_probe_solver.c)
ta_add_py_test(probe_sklearn test_probe.py TIMEOUT 120)
ta_add_unit_test(test_probe_paper ${CMAKE_CURRENT_SOURCE_DIR}/test_probe_paper.c)
ta_add_py_test(probe_paper test_probe_paper.py TIMEOUT 300)
