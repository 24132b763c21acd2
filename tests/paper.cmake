# paper: the paper protocol of diversity, translate and compare (issue 12).
ta_add_unit_test(paper_unit_stats test_paper_stats.c)
ta_add_py_test(paper_diversity test_paper_diversity.py TIMEOUT 300)
ta_add_py_test(paper_translate test_paper_translate.py TIMEOUT 300)
ta_add_py_test(paper_compare test_paper_compare.py TIMEOUT 300)
