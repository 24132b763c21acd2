# pipeline: run, report, jobs/ and the Slurm harness.
ta_add_py_test(pipeline_report test_report.py TIMEOUT 120)
