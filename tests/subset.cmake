# Subset files (io/ta_subset.c): the rows a command restricts itself to.
ta_add_unit_test(subset_unit_read ${CMAKE_CURRENT_SOURCE_DIR}/test_subset_read.c)
# neighbors --subset: queries and candidates among the subset, against numpy on the sub-matrix.
ta_add_py_test(subset_neighbors test_subset_neighbors.py TIMEOUT 600)
# run with subset: shared (an overlap step, then every model's steps on the shared tokens).
ta_add_py_test(subset_run test_subset_run.py TIMEOUT 900)
# diversity, translate, compare --subset: only the subset's queries, against Python oracles.
ta_add_py_test(subset_ana test_subset_ana.py TIMEOUT 600)
