# shellcheck shell=bash disable=SC2034
# The set-up the jobs/bench-*.sh benchmarks share; sourced by them (not run) after they set
# BENCH_NAME (map, probe, neighbors). Sets TOP (the repository), BIN (TA_BIN, default
# build/tokenatlas), DIR (BENCH_DIR, default ${TMPDIR:-/tmp}/ta-bench-NAME), LAUNCH (default
# "mpirun --oversubscribe --bind-to none -np"), PY (PYTHON, default /usr/bin/python3); lets
# mpirun run as root and turns off the shared-memory transport's single-copy mechanism (as
# ./run does); exits 2 when BIN is not built; defines timed.
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${TA_BIN:-$TOP/build/tokenatlas}
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/ta-bench-$BENCH_NAME}
LAUNCH=${LAUNCH:-mpirun --oversubscribe --bind-to none -np}
PY=${PYTHON:-/usr/bin/python3}
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1}
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}
export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}
[ -x "$BIN" ] || { echo "bench-$BENCH_NAME: $BIN not found: build first (./run build)" >&2; exit 2; }

# "wall_seconds peak_kb cpu_seconds" of a command (its output to $DIR/last.log). CPU seconds
# (user + system, all threads and ranks) tell more than wall time on a shared machine.
timed() {
    /usr/bin/time -f "%e %M %U %S" -o "$DIR/time.txt" "$@" >"$DIR/last.log" 2>&1 || {
        cat "$DIR/last.log" >&2
        return 1
    }
    awk '{printf "%s %s %.2f\n", $1, $2, $3 + $4}' "$DIR/time.txt"
}
