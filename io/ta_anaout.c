#include "io/ta_anaout.h"

#include "base/ta_error.h"
#include "io/ta_h5.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int ta_anaout_write_summaries(hid_t loc, const char *prefix, const ta_summary_t *s, int64_t n)
{
    int64_t *cnt = ta_malloc((size_t)(n ? n : 1) * sizeof *cnt);
    double *v = ta_malloc((size_t)(n ? n : 1) * sizeof *v);
    int rc = 0;
    TA_CHECK_GOTO(cnt && v, TA_ERESOURCE, done, "out of memory for %lld summaries", (long long)n);
    char name[256];
    for (int64_t i = 0; i < n; i++)
        cnt[i] = s[i].n;
    snprintf(name, sizeof name, "%s_n", prefix);
    TA_CALL_GOTO(ta_h5_write_array(loc, name, TA_ELEM_I64, 1, &n, cnt), done);
    const char *what[3] = {"mean", "std", "ci"};
    for (int w = 0; w < 3; w++) {
        for (int64_t i = 0; i < n; i++)
            v[i] = w == 0 ? s[i].mean : w == 1 ? s[i].std : s[i].ci;
        snprintf(name, sizeof name, "%s_%s", prefix, what[w]);
        TA_CALL_GOTO(ta_h5_write_array(loc, name, TA_ELEM_F64, 1, &n, v), done);
    }
done:
    free(cnt);
    free(v);
    return rc;
}

int ta_anaout_attr_summary(hid_t loc, const char *prefix, const ta_summary_t *s)
{
    char name[256];
    snprintf(name, sizeof name, "%s_n", prefix);
    TA_CALL(ta_h5_attr_int(loc, name, s->n));
    snprintf(name, sizeof name, "%s_mean", prefix);
    TA_CALL(ta_h5_attr_double(loc, name, s->mean));
    snprintf(name, sizeof name, "%s_std", prefix);
    TA_CALL(ta_h5_attr_double(loc, name, s->std));
    snprintf(name, sizeof name, "%s_ci", prefix);
    TA_CALL(ta_h5_attr_double(loc, name, s->ci));
    return 0;
}

void ta_anaout_num(FILE *fp, double v)
{
    if (isnan(v))
        fputs("nan", fp);
    else
        fprintf(fp, "%.17g", v);
}

void ta_anaout_summary_cells(FILE *fp, const ta_summary_t *s)
{
    fprintf(fp, "\t%lld\t", (long long)s->n);
    ta_anaout_num(fp, s->mean);
    fputc('\t', fp);
    ta_anaout_num(fp, s->std);
    fputc('\t', fp);
    ta_anaout_num(fp, s->ci);
}
