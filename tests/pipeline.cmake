# pipeline: run, report, jobs/ and the Slurm harness.
ta_add_py_test(pipeline_report test_pipeline_report.py TIMEOUT 120)
ta_add_py_test(pipeline_run test_pipeline_run.py TIMEOUT 240)
# A real single-node Slurm (tests/slurm/cluster.sh); skipped with the reason where it cannot start.
ta_add_py_test(pipeline_slurm test_pipeline_slurm.py TIMEOUT 420)
set_tests_properties(pipeline_slurm PROPERTIES RUN_SERIAL TRUE)
ta_add_py_test(pipeline_jobs test_pipeline_jobs.py TIMEOUT 300)
ta_add_unit_test(pipeline_unit_assemble test_pipeline_assemble.c)
