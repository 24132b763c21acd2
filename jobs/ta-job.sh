# Sourced by the batch scripts in jobs/: environment, logging, and the signal -> checkpoint ->
# requeue cycle. Not a batch script itself.
#
#   ta_step ARGS...       srun --mpi=pmix ARGS in the background; waits for it through signals and
#                         returns its exit code. A USR1 that reaches this batch shell (#SBATCH
#                         --signal=B:USR1@SECONDS, or scancel --batch --signal=USR1) is forwarded
#                         to the running step, whose ranks checkpoint and exit 4.
#   ta_finish RC          exit 4 (checkpoint saved) -> scontrol requeue: the job starts again in a
#                         new allocation and the rerun resumes; any other code ends the job with it.

# Where the repository is: sbatch copies the script, so $0 does not tell; the job is submitted
# from the repository's top (or TA_TOP says where it is).
TA_TOP=${TA_TOP:-${SLURM_SUBMIT_DIR:-$(pwd)}}
TA_BIN=${TA_BIN:-$TA_TOP/build/tokenatlas}
[ -x "$TA_BIN" ] || { echo "ta-job: $TA_BIN not found: build first (./run build) or set TA_BIN" >&2; exit 2; }

# BLAS threads = the cores Slurm gave each task, so that ranks x threads = the allocation.
export OPENBLAS_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}
export OMP_NUM_THREADS=$OPENBLAS_NUM_THREADS
# Open MPI under srun: PMIx from Slurm; no CMA single-copy in containers; root allowed in them.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
if [ "$(id -u)" = 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

ta_log() { echo "[$(date -u +%Y-%m-%dT%H:%M:%SZ)] job ${SLURM_JOB_ID:-?} (restart ${SLURM_RESTART_COUNT:-0}): $*"; }

ta_step_pid=
ta_stop_signal=
ta_on_signal() {
    ta_stop_signal=$1
    if [ -n "$ta_step_pid" ]; then
        ta_log "received SIG$1: forwarding it to the running step so that it checkpoints"
        kill -"$1" "$ta_step_pid" 2>/dev/null
    else
        ta_log "received SIG$1 between steps"
    fi
}
trap 'ta_on_signal USR1' USR1

ta_step() {
    # A stop requested between steps: do not start another one.
    if [ -n "$ta_stop_signal" ]; then
        ta_log "not starting '$*': stop requested"
        return 4
    fi
    ta_log "srun --mpi=pmix $*"
    srun --mpi=pmix "$@" &
    ta_step_pid=$!
    # `wait` returns early (> 128) when a trapped signal arrives: wait again until srun is gone,
    # then once more to collect its exit code.
    while kill -0 "$ta_step_pid" 2>/dev/null; do
        wait "$ta_step_pid"
    done
    wait "$ta_step_pid"
    local rc=$?
    ta_step_pid=
    ta_log "step exit code $rc"
    return $rc
}

ta_finish() {
    local rc=$1
    if [ "$rc" = 4 ]; then
        ta_log "checkpoint saved; requeueing job $SLURM_JOB_ID to continue in a new allocation"
        if scontrol requeue "$SLURM_JOB_ID"; then
            # The requeue ends this allocation; the rerun resumes where the steps stopped.
            sleep 60
        else
            ta_log "requeue refused: resubmit the same job to resume"
        fi
        exit 4
    fi
    [ "$rc" = 0 ] && ta_log "done" || ta_log "failed with exit code $rc"
    exit "$rc"
}
