# The run configuration (io/ta_config*.c): the loader on hand-written YAML (every error kind with
# its file:line:key, defaults, overrides, round trip), and the config fuzz seeds.
ta_add_unit_test(config_unit_parse test_config_parse.c)
ta_add_unit_test(config_unit_seeds test_config_seeds.c)
