#include "cmd/ta_cmd.h"

#include "base/ta_error.h"
#include "io/ta_prov.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

const char *const ta_cmd_schemes[] = {"paper", "script", NULL};
const char *const ta_cmd_protocols[] = {"tokenatlas", "paper", NULL};
const char *const ta_cmd_gemms[] = {"auto", "f32", "bf16", "bf16x3", NULL};

int ta_cmd_record(const ta_cmd_t *c, const void *o, char **line)
{
    char *text = NULL;
    TA_CALL(ta_opt_format(c, o, &text));
    ta_prov_set_command_line(text);
    if (line)
        *line = text;
    else
        free(text);
    return 0;
}

int ta_cmd_sprintf(char **out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(out, fmt, ap);
    va_end(ap);
    if (n < 0) {
        *out = NULL;
        return TA_ERR(TA_ERESOURCE, "out of memory formatting \"%.40s\"", fmt);
    }
    return 0;
}
