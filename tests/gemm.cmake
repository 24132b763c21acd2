# The screening GEMM engine of neighbors (kernels/ta_gemm.h) and its error bound (ta_bf16.h).
ta_add_unit_test(gemm_unit_engine test_gemm_engine.c)
# The same under oneDNN's ISA cap, so that every oneDNN dispatch for bf16 is reached on a
# machine that has it: AMX, AVX512-BF16, AVX-512 (oneDNN's bf16 emulation), and below AVX-512,
# where oneDNN 2.6 has no bf16 matmul and the engine's conversion + SGEMM fallback runs.
foreach(isa AVX512_CORE_AMX AVX512_CORE_BF16 AVX512_CORE AVX2 SSE41)
  string(TOLOWER ${isa} lisa)
  add_test(NAME gemm_unit_engine_isa_${lisa} COMMAND gemm_unit_engine)
  set_tests_properties(gemm_unit_engine_isa_${lisa} PROPERTIES TIMEOUT 300 LABELS unit
    ENVIRONMENT "ONEDNN_MAX_CPU_ISA=${isa}")
endforeach()
ta_add_unit_test(gemm_unit_bound test_gemm_bound.c)
# Measurements (rates per engine, candidate counts of each bound); not a test.
add_executable(bench_gemm tools/bench_gemm.c)
target_link_libraries(bench_gemm PRIVATE ta_cmd)
target_include_directories(bench_gemm PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
