ta_add_unit_test(test_category test_category.c)
ta_add_unit_test(test_catfile test_catfile.c)
