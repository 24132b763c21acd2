#!/usr/bin/env bash
# Benchmark of `tokenatlas neighbors` (exact all-pairs top-k cosine) against FAISS IndexFlatIP
# and numpy, on the same file, in the same run.
#
#   jobs/bench-neighbors.sh          # from the repository's top, after ./run build
#
# 1. N = 50,000 x d = 512 random float32 rows (seed 1) written once as .npy, k = 100, queries =
#    all. tokenatlas as 1 rank x 2 threads and as 2 ranks x 1 thread; FAISS IndexFlatIP on the
#    normalised rows with 2 OpenMP threads and OPENBLAS_CORETYPE set to the kernel tokenatlas
#    uses (its best), once with its default BLAS block sizes and once with the fastest ones
#    found here (16384 x 16384); numpy (blocked matmul + argpartition, 2 threads). Prints the
#    times, the GFLOP/s of the brute-force work 2 N^2 d (the same yardstick for all; tokenatlas
#    does half of it thanks to the symmetry) and the ratios, plus tokenatlas's own split of its
#    time (SGEMM, top-k, communication, canonical rescoring) and the share of FAISS's neighbours
#    it returns. CPU seconds (user + system) are printed too: on a shared machine they compare
#    the work done better than wall time.
#    tokenatlas runs with --gemm $GEMM (default auto: bf16x3 where oneDNN runs bf16 on AMX, else
#    f32); when that is not the f32 engine, also with --gemm f32, and the ratio. The GEMM's own
#    limit is printed too: the symmetric work N^2 d over the engine's measured rate.
# 2. TABLE=0 skips it: N in {25k, 50k, 100k} x d in $TABLE_D (default 256 512 1024 4096), 2 ranks x
#    1 thread, --gemm $GEMM: time and peak resident memory per rank (/usr/bin/time -v).
# Environment: TA_BIN (default build/tokenatlas), BENCH_DIR (scratch, default
# ${TMPDIR:-/tmp}/ta-bench-neighbors), N, D, K (first part), GEMM, TABLE, TABLE_D, LAUNCH (default "mpirun
# --oversubscribe --bind-to none -np"; the sbatch twin uses "srun --mpi=pmix -n"), PYTHON.
set -euo pipefail
BENCH_NAME=neighbors
# shellcheck source=jobs/bench-common.sh
. "$(dirname "$0")/bench-common.sh"
N=${N:-50000}
D=${D:-512}
K=${K:-100}
TABLE=${TABLE:-1}
TABLE_D=${TABLE_D:-256 512 1024 4096}
GEMM=${GEMM:-auto}
HELP="$TOP/jobs/bench_neighbors.py"
unset OPENBLAS_NUM_THREADS OMP_NUM_THREADS
mkdir -p "$DIR"

now() { date +%s.%N; }
# Peak resident set of each rank (KB, largest) from the /usr/bin/time -v logs in $DIR/time.*.
# CPU seconds (user + system) of all ranks, from the same logs.
cpu_s() { grep -hE "(User|System) time" "$DIR"/time.* 2>/dev/null | awk '{ s += $NF } END { printf "%.1f", s }'; }
peak_kb() { grep -h "Maximum resident" "$DIR"/time.* 2>/dev/null | awk '{ if ($NF > m) m = $NF } END { print m + 0 }'; }
attr() { "$PY" -c "import h5py,sys; print(h5py.File(sys.argv[1],'r').attrs[sys.argv[2]])" "$1" "$2"; }

# tok NP THREADS X.npy OUT.h5 [GEMM]: one tokenatlas run (--gemm GEMM, default $GEMM); prints
# its wall seconds.
tok() {
    local np=$1 th=$2 x=$3 out=$4 g=${5:-$GEMM} t0 t1
    rm -rf "$out" "$out.ckpt" "$DIR"/time.*
    t0=$(now)
    if [ "$np" = 1 ]; then
        /usr/bin/time -v -o "$DIR/time.0" "$BIN" neighbors --embeddings "$x" -k "$K" --out "$out" \
            --threads "$th" --gemm "$g" --quiet
    else
        $LAUNCH "$np" sh -c '/usr/bin/time -v -o "$0/time.${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-${SLURM_PROCID:-0}}}" "$@"' \
            "$DIR" "$BIN" neighbors --embeddings "$x" -k "$K" --out "$out" --threads "$th" \
            --gemm "$g" --quiet
    fi
    t1=$(now)
    echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }'
}

KERNEL=$("$BIN" --version | sed -n 's/^OpenBLAS kernel: \([A-Za-z0-9]*\).*/\1/p')
echo "bench-neighbors: $(nproc) cores, OpenBLAS kernel $KERNEL, load $(cut -d' ' -f1-3 /proc/loadavg)"

X="$DIR/x-$N-$D.npy"
[ -f "$X" ] || "$PY" "$HELP" data "$N" "$D" "$X"
FLOPS=$(echo "$N $D" | awk '{ printf "%.0f", 2 * $1 * $1 * $2 }')
gf() { echo "$FLOPS $1" | awk '{ printf "%.1f", $1 / $2 / 1e9 }'; }

echo "== N = $N, d = $D, k = $K, queries = all =="
T12=$(tok 1 2 "$X" "$DIR/t12.h5")
C12=$(cpu_s)
ENGINE=$(attr "$DIR/t12.h5" gemm)
echo "tokenatlas 1 rank x 2 threads : ${T12} s  $(gf "$T12") GFLOP/s-equiv  CPU ${C12} s  (GEMM $ENGINE $(attr "$DIR/t12.h5" seconds_gemm | xargs printf %.2f) s at $(attr "$DIR/t12.h5" gemm_gflops | xargs printf %.1f) GFLOP/s, top-k $(attr "$DIR/t12.h5" seconds_topk | xargs printf %.2f) s, rescoring $(attr "$DIR/t12.h5" seconds_rescore | xargs printf %.2f) s)"
# The GEMM limit: the symmetric work N^2 d at the engine's rate in this run.
echo "GEMM limit ($ENGINE): $(echo "$N $D $(attr "$DIR/t12.h5" gemm_gflops)" | awk '{ printf "%.2f", $1 * $1 * $2 / ($3 * 1e9) }') s of ${T12} s"
if [ "$ENGINE" != f32-openblas ]; then
    TF32=$(tok 1 2 "$X" "$DIR/t12f.h5" f32)
    echo "tokenatlas 1 rank x 2 threads, --gemm f32: ${TF32} s (SGEMM $(attr "$DIR/t12f.h5" seconds_gemm | xargs printf %.2f) s, top-k $(attr "$DIR/t12f.h5" seconds_topk | xargs printf %.2f) s, rescoring $(attr "$DIR/t12f.h5" seconds_rescore | xargs printf %.2f) s); --gemm $GEMM is $(echo "$TF32 $T12" | awk '{ printf "%.2f", $1 / $2 }')x faster"
fi
T21=$(tok 2 1 "$X" "$DIR/t21.h5")
C21=$(cpu_s)
echo "tokenatlas 2 ranks x 1 thread : ${T21} s  $(gf "$T21") GFLOP/s-equiv  CPU ${C21} s  (slowest rank: SGEMM $(attr "$DIR/t21.h5" seconds_gemm | xargs printf %.2f) s, top-k $(attr "$DIR/t21.h5" seconds_topk | xargs printf %.2f) s, communication $(attr "$DIR/t21.h5" seconds_comm | xargs printf %.2f) s, rescoring $(attr "$DIR/t21.h5" seconds_rescore | xargs printf %.2f) s)"
read -r TF CF < <(OPENBLAS_CORETYPE=$KERNEL OMP_NUM_THREADS=2 "$PY" "$HELP" faiss "$X" "$K" 2)
echo "FAISS IndexFlatIP (2 threads, OPENBLAS_CORETYPE=$KERNEL): ${TF} s  $(gf "$TF") GFLOP/s  CPU ${CF} s (search)"
# FAISS's own BLAS blocks (4096 queries x 1024 rows) are small for OpenBLAS; 16384 x 16384 was
# its fastest setting here (of 1024 to 50000 each way).
read -r TT CT < <(OPENBLAS_CORETYPE=$KERNEL OMP_NUM_THREADS=2 "$PY" "$HELP" faiss "$X" "$K" 2 16384 16384)
echo "FAISS IndexFlatIP, BLAS blocks 16384 x 16384 (2 threads, OPENBLAS_CORETYPE=$KERNEL): ${TT} s  $(gf "$TT") GFLOP/s  CPU ${CT} s (search)"
read -r TN CN < <(OPENBLAS_NUM_THREADS=2 "$PY" "$HELP" numpy "$X" "$K" 2)
echo "numpy matmul + argpartition (2 threads): ${TN} s  $(gf "$TN") GFLOP/s  CPU ${CN} s"
echo "$T12 $T21 $TF $TN $C12 $C21 $CF $TT" | awk '{ best = $1 < $2 ? $1 : $2;
    printf "speed-up over FAISS: 1x2 %.2fx, 2x1 %.2fx; over FAISS with large blocks: 1x2 %.2fx, 2x1 %.2fx; over numpy: %.2fx; CPU time, FAISS / tokenatlas: 1x2 %.2fx, 2x1 %.2fx\n", $3 / $1, $3 / $2, $8 / $1, $8 / $2, $4 / best, $7 / $5, $7 / $6 }'
echo "share of FAISS's top-$K neighbours that tokenatlas returns (first 2000 queries): $(OPENBLAS_CORETYPE=$KERNEL "$PY" "$HELP" agree "$X" "$DIR/t21.h5" "$K")"

[ "$TABLE" = 0 ] && exit 0
echo "== 2 ranks x 1 thread, k = $K, --gemm $GEMM: time and peak memory per rank =="
printf "%8s %6s %10s %14s\n" N d seconds "peak MB/rank"
for n in 25000 50000 100000; do
    for d in $TABLE_D; do
        x="$DIR/x-$n-$d.npy"
        [ -f "$x" ] || "$PY" "$HELP" data "$n" "$d" "$x"
        s=$(tok 2 1 "$x" "$DIR/table.h5")
        printf "%8d %6d %10s %14d\n" "$n" "$d" "$s" $(( $(peak_kb) / 1024 ))
        [ "$n-$d" = "$N-$D" ] || rm -f "$x"
    done
done
