ta_add_unit_test(test_category test_category.c)
