ta_add_py_test(cli_basics test_cli.py TIMEOUT 120)
ta_add_unit_test(grow test_grow.c)
