#include "base/ta_signal.h"

#include "base/ta_log.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t stop_signal;
static int installed;
static double stop_deadline = -1;

static void on_signal(int sig)
{
    stop_signal = sig;
}

void ta_signal_install(void)
{
    if (installed)
        return;
    installed = 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    /* A file growing past RLIMIT_FSIZE makes write() fail with EFBIG (reported as a resource
     * error, exit 3) instead of killing the process. */
    signal(SIGXFSZ, SIG_IGN);
    const char *after = getenv("TA_STOP_AFTER");
    if (after && *after)
        stop_deadline = ta_now() + atof(after);
}

int ta_signal_stop_requested(void)
{
    if (stop_signal)
        return 1;
    if (stop_deadline >= 0 && ta_now() >= stop_deadline) {
        stop_signal = SIGUSR1;
        return 1;
    }
    return 0;
}

int ta_signal_number(void)
{
    return (int)stop_signal;
}
