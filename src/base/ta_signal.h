/* Stop requests: SIGTERM and SIGUSR1 (what Slurm sends at the time limit, on preemption or with
 * --signal) set a flag that long loops poll at safe points; they then checkpoint and exit 4. */
#ifndef TA_SIGNAL_H
#define TA_SIGNAL_H

/* Local. Installs the handlers (idempotent). */
void ta_signal_install(void);
/* Local. Whether a stop was requested on this process; TA_STOP_AFTER=SECONDS in the environment
 * also requests one after that many seconds (used by tests to interrupt at a known point). */
int ta_signal_stop_requested(void);
/* Local. Which signal arrived (0 when none). */
int ta_signal_number(void);

#endif
