ta_add_unit_test(category_unit_schemes test_category_schemes.c)
ta_add_unit_test(category_unit_file test_category_file.c)

# The categorizer against two independent references: Unicode 15.0's own data files (Debian
# package unicode-data, the version ICU 72 implements) and Python's unicodedata (Unicode 14).
add_executable(ta_catdriver catdriver.c)
target_link_libraries(ta_catdriver PRIVATE ta_cmd)
ta_add_py_test(category_oracle test_category_oracle.py TIMEOUT 120
               ARGS $<TARGET_FILE:ta_catdriver>)
