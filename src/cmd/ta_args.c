#include "cmd/ta_args.h"

#include "base/ta_error.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int ta_args_int64(const char *opt, const char *val, int64_t min, int64_t max, int64_t *out)
{
    TA_CHECK(val && *val, TA_EINPUT, "%s: missing value", opt);
    char *end = NULL;
    errno = 0;
    long long v = strtoll(val, &end, 10);
    TA_CHECK(errno == 0 && end && *end == '\0', TA_EINPUT, "%s: '%s' is not an integer", opt, val);
    TA_CHECK(v >= min && v <= max, TA_EINPUT, "%s: %lld is out of range [%lld, %lld]", opt, v,
             (long long)min, (long long)max);
    *out = (int64_t)v;
    return 0;
}

int ta_args_double(const char *opt, const char *val, double min, double max, double *out)
{
    TA_CHECK(val && *val, TA_EINPUT, "%s: missing value", opt);
    char *end = NULL;
    errno = 0;
    double v = strtod(val, &end);
    TA_CHECK(errno == 0 && end && *end == '\0' && isfinite(v), TA_EINPUT,
             "%s: '%s' is not a number", opt, val);
    TA_CHECK(v >= min && v <= max, TA_EINPUT, "%s: %g is out of range [%g, %g]", opt, v, min, max);
    *out = v;
    return 0;
}

int ta_args_bad_option(const char *cmd, const char *usage, const char *arg)
{
    return TA_ERR(TA_EINPUT, "%s: unknown or incomplete option '%s'; usage: %s", cmd,
                  arg ? arg : "?", usage);
}

int ta_args_missing(const char *cmd, const char *usage, const char *opt)
{
    return TA_ERR(TA_EINPUT, "%s: %s is required; usage: %s", cmd, opt, usage);
}

int ta_args_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    }
    return 0;
}
