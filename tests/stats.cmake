# stats: diversity, translate, compare (issue 5).
ta_add_py_test(stats_diversity test_stats_diversity.py TIMEOUT 120)
ta_add_py_test(stats_translate test_stats_translate.py TIMEOUT 120)
ta_add_py_test(stats_compare test_stats_compare.py TIMEOUT 120)
ta_add_py_test(stats_planted test_stats_planted.py TIMEOUT 120)
ta_add_unit_test(stats_unit_kernels test_stats_kernels.c)
