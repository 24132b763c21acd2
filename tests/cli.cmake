# The command line: --version, --help and errors of every command (Python); the option tables
# (src/cmd/ta_opt.h) and the recorded command lines (C).
ta_add_py_test(cli_basics test_cli_basics.py TIMEOUT 120)
ta_add_unit_test(cli_unit_opts test_cli_opts.c)
