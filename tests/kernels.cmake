# Kernels on plain arrays (src/kernels): the row normaliser.
ta_add_unit_test(kernels_unit_rownorm test_kernels_rownorm.c)
