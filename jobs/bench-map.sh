#!/usr/bin/env bash
# Benchmark of `tokenatlas map` against umap-learn on the same exact neighbour graph.
#
#   jobs/bench-map.sh            # from the repository's top, after ./run build (or cmake)
#
# A synthetic model of 20,000 tokens x 256 (synth --preset PRESET --seed 1, default
# script-clustered), ingested, and its exact neighbours computed once by tokenatlas with k = 16
# (the token itself and its 15 nearest others). Then, in the same run:
#   - tokenatlas map --n-neighbors 15 --min-dist 0.2 --seed 1, 1 rank and NP ranks (the two
#     outputs must be identical);
#   - umap-learn with the same parameters and random_state=1, fed the same kNN graph
#     (precomputed_knn), timed cold (its first call compiles with numba) and warm, and once more
#     from the normalised rows with its own NN-descent (as the paper's script);
# and prints the times, the ratios, the CPU, and the quality of every layout: trustworthiness
# (15 neighbours, exact) and 5-NN category accuracy in 2-D.
# Environment: TA_BIN (default build/tokenatlas), BENCH_DIR (default
# ${TMPDIR:-/tmp}/ta-bench-map), PRESET, NP (default 2), LAUNCH (default "mpirun --oversubscribe
# --bind-to none -np"), PYTHON (default /usr/bin/python3 with umap-learn, h5py, scikit-learn).
set -euo pipefail
BENCH_NAME=map
# shellcheck source=jobs/bench-common.sh
. "$(dirname "$0")/bench-common.sh"
PRESET=${PRESET:-script-clustered}
N=${N:-20000}
NP=${NP:-2}
mkdir -p "$DIR"

echo "== map benchmark: $("$BIN" --version | tr '\n' ' ')"
echo "== $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

if [ ! -f "$DIR/nb.h5" ]; then
    rm -rf "$DIR/model"
    {
        "$BIN" synth --preset "$PRESET" --tokens "$N" --dim 256 --seed 1 --out "$DIR/model"
        "$BIN" ingest --model "$DIR/model" --out "$DIR/model.h5"
        "$BIN" neighbors --embeddings "$DIR/model.h5" -k 16 --out "$DIR/nb.h5" --quiet
    } >"$DIR/prepare.log" 2>&1 || { cat "$DIR/prepare.log" >&2; exit 1; }
fi
rm -f "$DIR"/map*.h5
args=(map --neighbors "$DIR/nb.h5" --n-neighbors 15 --min-dist 0.2 --seed 1)
read -r t1 m1 c1 < <(timed "$BIN" "${args[@]}" --out "$DIR/map1.h5")
line1=$(grep 'map:' "$DIR/last.log" | tail -1)
# shellcheck disable=SC2086
read -r tn mn cn < <(timed $LAUNCH "$NP" "$BIN" "${args[@]}" --out "$DIR/map$NP.h5")
same=$("$PY" -c "import h5py,sys; a,b=(h5py.File(p,'r')['map/xy'][()].tobytes() for p in sys.argv[1:]); print('identical' if a==b else 'DIFFERENT')" "$DIR/map1.h5" "$DIR/map$NP.h5")
"$PY" "$TOP/jobs/bench_map.py" "$DIR" | tee "$DIR/umap.txt"
read -r uc ucc < <(awk '/^umap_cold_seconds/ {print $2, $3}' "$DIR/umap.txt")
read -r uw uwc < <(awk '/^umap_warm_seconds/ {print $2, $3}' "$DIR/umap.txt")
read -r uo uoc < <(awk '/^umap_own_seconds/ {print $2, $3}' "$DIR/umap.txt")
echo
echo "$N x 256 ($PRESET), n_neighbors 15, min_dist 0.2 (tokenatlas times include MPI start-up,"
echo "reading and writing; umap-learn's only its fit_transform)"
echo "  ${line1#*tokenatlas: }"
printf "  %-44s %8s %8s\n" "" "wall" "cpu"
printf "  %-44s %8.2f %8.2f s  peak %d MB\n" "tokenatlas map, 1 rank" "$t1" "$c1" $((m1 / 1024))
[ "$cn" = 0.00 ] && cn=n/a
printf "  %-44s %8.2f %8s s  (output %s to 1 rank)\n" "tokenatlas map, $NP ranks" "$tn" "$cn" "$same"
printf "  %-44s %8.2f %8.2f s\n" "umap-learn, same kNN graph, first call" "$uc" "$ucc"
printf "  %-44s %8.2f %8.2f s\n" "umap-learn, same kNN graph, second call" "$uw" "$uwc"
printf "  %-44s %8.2f %8.2f s\n" "umap-learn, its own NN-descent" "$uo" "$uoc"
awk -v t="$t1" -v c="$c1" -v uc="$uc" -v uw="$uw" -v uwc="$uwc" -v uo="$uo" 'BEGIN {
    printf "  tokenatlas (1 rank) faster by: %.1fx (umap-learn warm), %.1fx (first call), %.1fx (own kNN); cpu %.1fx (warm)\n",
        uw / t, uc / t, uo / t, uwc / c }'
