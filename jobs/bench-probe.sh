#!/usr/bin/env bash
# Benchmark of `tokenatlas probe` against scikit-learn on the same protocol and the same folds.
#
#   jobs/bench-probe.sh            # from the repository's top, after ./run build (or cmake)
#
# 1. small: 80,000 tokens x 256 dimensions, 6 categories (50% down to 1% of the tokens), made
#    with numpy (jobs/bench_probe.py). tokenatlas probe (1 rank, then NP ranks) exports its
#    balanced samples and folds; scikit-learn's LogisticRegression(lbfgs, C=1, tol=1e-4) with
#    cross_val_score(cv=PredefinedSplit(those folds)) fits the same splits in the same run.
#    Prints both times, their ratio and the accuracies side by side; also the time of
#    --protocol paper (the paper's own sample and folds, every fit from zero, 100 iterations).
# 2. large (LARGE=0 skips it): 250,000 x 768 (an XLM-R-base-sized vocabulary), tokenatlas only,
#    time and peak memory from /usr/bin/time -v.
# Environment: TA_BIN (default build/tokenatlas), BENCH_DIR (scratch, default
# ${TMPDIR:-/tmp}/ta-bench-probe), NP (ranks of the parallel run, default 2), LAUNCH (default
# "mpirun --oversubscribe --bind-to none -np"; the sbatch twin uses "srun --mpi=pmix -n"),
# PYTHON (default /usr/bin/python3 with numpy and scikit-learn).
set -euo pipefail
BENCH_NAME=probe
# shellcheck source=jobs/bench-common.sh
. "$(dirname "$0")/bench-common.sh"
NP=${NP:-2}
mkdir -p "$DIR/small" "$DIR/large"

echo "== probe benchmark: $("$BIN" --version | tr '\n' ' ')"
echo "== $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"

load0=$(cut -d' ' -f1-3 /proc/loadavg)
S=$DIR/small
[ -f "$S/emb.npy" ] || "$PY" "$TOP/jobs/bench_probe.py" make "$S" 80000 256
args=(probe --embeddings "$S/emb.npy" --categories "$S/cats.tsv" --folds 10 --min-tokens 500
      --seed 150)
read -r t1 m1 c1 < <(timed "$BIN" "${args[@]}" --out "$S/np1.h5" --export-folds "$S/folds.tsv")
# shellcheck disable=SC2086
read -r tn mn cn < <(timed $LAUNCH "$NP" "$BIN" "${args[@]}" --out "$S/np$NP.h5")
read -r tc mc cc < <(timed "$BIN" "${args[@]}" --cold-start --out "$S/cold.tsv")
read -r tpp mpp cpp < <(timed "$BIN" "${args[@]}" --protocol paper --out "$S/paper.tsv")
cmp -s "$S/np1.tsv" "$S/np$NP.tsv" && same=identical || same=DIFFERENT
# scikit-learn on the same folds; its own timer covers the fits only (not numpy's file reading).
"$PY" "$TOP/jobs/bench_probe.py" sklearn "$S" "$S/folds.tsv" "$S/np1.tsv" | tee "$DIR/sklearn.txt"
tsk=$(awk '/^sklearn_seconds/ {print $2}' "$DIR/sklearn.txt")
csk=$(awk '/^sklearn_cpu_seconds/ {print $2}' "$DIR/sklearn.txt")
echo
echo "small: 80000 x 256, 6 categories, 10 folds (times include reading the inputs for tokenatlas)"
echo "  (load average before: $load0)"
printf "  %-34s %8s %8s\n" "" "wall" "cpu"
printf "  %-34s %8.2f %8.2f s  peak %6d MB\n" "tokenatlas, 1 rank" "$t1" "$c1" $((m1 / 1024))
# srun's ranks are not its children: their CPU time is not measured then.
[ "$cn" = 0.00 ] && cn=n/a
printf "  %-34s %8.2f %8s s  (results %s to 1 rank)\n" "tokenatlas, $NP ranks" "$tn" "$cn" "$same"
printf "  %-34s %8.2f %8.2f s\n" "tokenatlas, 1 rank, --cold-start" "$tc" "$cc"
printf "  %-34s %8.2f %8.2f s\n" "tokenatlas, 1 rank, paper protocol" "$tpp" "$cpp"
printf "  %-34s %8.2f %8.2f s\n" "scikit-learn (fits only)" "$tsk" "$csk"
awk -v a="$tsk" -v b="$t1" -v c="$tn" -v np="$NP" -v ca="$csk" -v cb="$c1" 'BEGIN {
    printf "  speed-up vs scikit-learn: wall %.1fx (1 rank), %.1fx (%d ranks); cpu time %.1fx\n",
        a / b, a / c, np, ca / cb }'

if [ "${LARGE:-1}" != 0 ]; then
    L=$DIR/large
    [ -f "$L/emb.npy" ] || "$PY" "$TOP/jobs/bench_probe.py" make "$L" 250000 768
    largs=(probe --embeddings "$L/emb.npy" --categories "$L/cats.tsv" --seed 150 --out "$L/probe.h5")
    read -r tl ml cl < <(timed "$BIN" "${largs[@]}")
    cp "$DIR/last.log" "$L/np1.log"
    # shellcheck disable=SC2086
    read -r tln mln cln < <(timed $LAUNCH "$NP" "$BIN" "${largs[@]}")
    echo
    echo "large: 250000 x 768, 6 categories, 10 folds"
    printf "  %-34s %8s %8s\n" "" "wall" "cpu"
    printf "  %-34s %8.2f %8.2f s  peak %6d MB\n" "tokenatlas, 1 rank" "$tl" "$cl" $((ml / 1024))
    [ "$cln" = 0.00 ] && cln=n/a
    mem="$((mln / 1024)) MB (largest process)"
    case $LAUNCH in srun*) mem="n/a under srun" ;; esac
    printf "  %-34s %8.2f %8s s  peak %s\n" "tokenatlas, $NP ranks" "$tln" "$cln" "$mem"
    grep "average accuracy" "$L/np1.log" | sed 's/^/  /'
fi
