ta_add_py_test(cli_basics test_cli.py TIMEOUT 120)
ta_add_unit_test(grow test_grow.c)
ta_add_unit_test(cli_opts test_cli_opts.c)
