# Subset files (io/ta_subset.c): the rows a command restricts itself to.
ta_add_unit_test(subset_unit_read ${CMAKE_CURRENT_SOURCE_DIR}/test_subset_read.c)
