# map: UMAP layouts from the neighbour graph (issue 12, Figure 1).
add_executable(ta_mapdriver mapdriver.c)
target_link_libraries(ta_mapdriver PRIVATE ta_cmd)
ta_add_py_test(map_steps test_map_steps.py TIMEOUT 300 ARGS $<TARGET_FILE:ta_mapdriver>)
ta_add_unit_test(map_unit_kernels test_map_kernels.c)
ta_add_py_test(map_quality test_map_quality.py TIMEOUT 300)
ta_add_py_test(map_ranks test_map_ranks.py TIMEOUT 300)
ta_add_py_test(map_run test_map_run.py TIMEOUT 300)
