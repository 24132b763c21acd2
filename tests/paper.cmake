# paper: the paper protocol of diversity, translate and compare (issue 12).
ta_add_unit_test(paper_stats test_paper_stats.c)
