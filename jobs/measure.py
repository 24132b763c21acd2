#!/usr/bin/env python3
"""measure.py OUT -- CMD...: runs CMD, then appends "seconds<TAB>peak_rss_kb<TAB>exit" to
OUT.<rank> (rank from SLURM_PROCID / OMPI_COMM_WORLD_RANK). Stop signals (USR1, TERM) are passed
on to CMD, so that it can checkpoint, and its exit code is this script's exit code."""
import os
import resource
import signal
import subprocess
import sys
import time

out = sys.argv[1]
cmd = sys.argv[3:] if sys.argv[2] == "--" else sys.argv[2:]
rank = os.environ.get("SLURM_PROCID", os.environ.get("OMPI_COMM_WORLD_RANK", "0"))
t0 = time.time()
child = subprocess.Popen(cmd)


def forward(sig, frame):
    try:
        child.send_signal(sig)
    except ProcessLookupError:
        pass


for s in (signal.SIGUSR1, signal.SIGTERM):
    signal.signal(s, forward)
while True:
    try:
        rc = child.wait()
        break
    except InterruptedError:
        continue
elapsed = time.time() - t0
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open("%s.%s" % (out, rank), "a") as f:
    f.write("%.2f\t%d\t%d\n" % (elapsed, peak_kb, rc))
sys.exit(rc if rc >= 0 else 128 - rc)
