ta_add_py_test(cli_basics test_cli.py TIMEOUT 120)
