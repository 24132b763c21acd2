# Vocabulary readers and `categorize` (issue 2, vocab part).
ta_add_unit_test(vocab_unit_read test_vocab_read.c)
ta_add_py_test(vocab_real test_vocab_real.py TIMEOUT 120)
ta_add_py_test(vocab_formats test_vocab_formats.py TIMEOUT 120)
ta_add_unit_test(vocab_unit_seeds test_vocab_seeds.c)
