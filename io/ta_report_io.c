#include "io/ta_report_io.h"

#include "base/ta_error.h"
#include "io/ta_file.h"
#include "io/ta_h5.h"

#include <dirent.h>
#include <math.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void ta_report_free_list(char **list, int n)
{
    for (int i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

int ta_report_list_models(const char *dir, char ***paths, int *n, char **skipped)
{
    *paths = NULL;
    *n = 0;
    *skipped = NULL;
    DIR *d = opendir(dir);
    TA_CHECK(d != NULL, TA_EINPUT, "%s: cannot open the run directory: %s", dir, strerror(errno));
    int rc = 0;
    int64_t cap = 0, scap = 0;
    size_t slen = 0;
    char *skip = NULL;
    TA_CALL_GOTO(ta_grow(&skip, &scap, 1, 1), done);
    skip[0] = '\0';
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 4 || strcmp(e->d_name + len - 3, ".h5") != 0)
            continue;
        char path[4200];
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path ||
            !ta_file_is_regular(path))
            continue;
        /* The overlap step's file (overlap.h5: /overlap, no /vocab) is the run's, not a model's;
         * an assembled model file holds /overlap beside its /vocab. */
        int is_overlap = 0, has_vocab = 0;
        if (ta_h5_file_has(path, "/overlap", &is_overlap) != 0 ||
            ta_h5_file_has(path, "/vocab", &has_vocab) != 0)
            ta_err_clear();
        if (is_overlap && !has_vocab)
            continue;
        int complete = 0;
        TA_CALL_GOTO(ta_h5_check_complete(path, &complete), done);
        if (!complete) {
            TA_CALL_GOTO(ta_grow(&skip, &scap, (int64_t)(slen + len + 3), 1), done);
            slen += (size_t)sprintf(skip + slen, "%s%s", slen ? ", " : "", e->d_name);
            continue;
        }
        TA_CALL_GOTO(ta_grow(paths, &cap, *n + 1, sizeof **paths), done);
        (*paths)[*n] = strdup(path);
        TA_CHECK_GOTO((*paths)[*n] != NULL, TA_ERESOURCE, done, "out of memory");
        (*n)++;
    }
    if (*n > 1)
        qsort(*paths, (size_t)*n, sizeof **paths, cmp_str);
done:
    closedir(d);
    if (rc) {
        ta_report_free_list(*paths, *n);
        *paths = NULL;
        *n = 0;
        free(skip);
        skip = NULL;
    }
    *skipped = skip;
    return rc;
}

int ta_report_attr_num(hid_t file, const char *obj, const char *name, double *value)
{
    if (strcmp(obj, "/") != 0 && !ta_h5_exists(file, obj))
        return 0;
    if (H5Aexists_by_name(file, obj, name, H5P_DEFAULT) <= 0)
        return 0;
    hid_t a = H5Aopen_by_name(file, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0)
        return 0;
    hid_t t = H5Aget_type(a);
    H5T_class_t cls = H5Tget_class(t);
    int ok = 0;
    if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
        hid_t s = H5Aget_space(a);
        ok = H5Sget_simple_extent_npoints(s) == 1 && H5Aread(a, H5T_NATIVE_DOUBLE, value) >= 0;
        H5Sclose(s);
    }
    H5Tclose(t);
    H5Aclose(a);
    return ok;
}

/* Starts argv in dir with stdout and stderr into log (or /dev/null); the child's pid, or -1. */
static pid_t spawn_start(const char *dir, char *const argv[], const char *log)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    int fd = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    if (dir && chdir(dir) != 0)
        _exit(126);
    execvp(argv[0], argv);
    _exit(127);
}

/* The exit status of a wait status, -1 when the child was killed. */
static int exit_status(int st)
{
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs argv as spawn_start does and waits; the exit status, or -1. */
static int spawn_wait(const char *dir, char *const argv[], const char *log)
{
    pid_t pid = spawn_start(dir, argv, log);
    if (pid < 0)
        return -1;
    int st = 0;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return exit_status(st);
}

static int probed_gnuplot = -1, probed_cairo = -1;

int ta_report_gnuplot_available(void)
{
    if (probed_gnuplot < 0) {
        char *av[] = {"gnuplot", "-e", "set terminal svg", NULL};
        probed_gnuplot = spawn_wait(NULL, av, NULL) == 0;
    }
    return probed_gnuplot;
}

int ta_report_gnuplot_has_pngcairo(void)
{
    if (probed_cairo < 0) {
        char *av[] = {"gnuplot", "-e", "set terminal pngcairo", NULL};
        probed_cairo = ta_report_gnuplot_available() && spawn_wait(NULL, av, NULL) == 0;
    }
    return probed_cairo;
}

/* Removes a log that is empty (gnuplot had nothing to say). */
static void drop_empty(const char *log)
{
    int64_t size = 0;
    if (ta_file_size(log, &size) == 0 && size == 0)
        unlink(log);
    ta_err_clear();
}

int ta_report_gnuplot_outcome(const char *dir, const char *name, int status)
{
    char log[4600];
    TA_CHECK(snprintf(log, sizeof log, "%s/%s.log", dir, name) < (int)sizeof log, TA_EINPUT,
             "%s: path too long", dir);
    if (status == 0) {
        drop_empty(log); /* keep a log only when gnuplot had something to say */
        return 0;
    }
    char *text = NULL;
    size_t len = 0;
    const char *last = "";
    if (ta_file_read_all(log, &text, &len) == 0) {
        while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
            text[--len] = '\0';
        char *nl = strrchr(text, '\n');
        last = nl ? nl + 1 : text;
    } else {
        ta_err_clear();
    }
    int rc =
        TA_ERR(TA_EINTERNAL, "%s/%s.gp: gnuplot failed (exit %d): %s", dir, name, status, last);
    free(text);
    return rc;
}

/* One gnuplot process: the scripts names[idx[0..m-1]], its messages into log. */
typedef struct {
    pid_t pid;
    const int *idx;
    int m, status;
    char log[4600];
} gp_job_t;

/* Starts `gnuplot A.gp B.gp ...` for job j in dir; j->pid is -1 when it could not start. Each
 * script begins with `reset session`, so that one gnuplot can run several in turn. */
static void gnuplot_start(const char *dir, char *const *names, gp_job_t *j)
{
    char **av = calloc((size_t)j->m + 2, sizeof *av);
    int ok = av != NULL;
    j->pid = -1;
    if (ok)
        av[0] = "gnuplot";
    for (int k = 0; ok && k < j->m; k++) {
        size_t len = strlen(names[j->idx[k]]) + 4;
        av[k + 1] = malloc(len);
        ok = av[k + 1] != NULL;
        if (ok)
            snprintf(av[k + 1], len, "%s.gp", names[j->idx[k]]);
    }
    if (ok)
        j->pid = spawn_start(dir, av, j->log);
    for (int k = 0; av && k < j->m; k++)
        free(av[k + 1]);
    free(av);
}

/* Runs the jobs, up to par at a time; each child is reaped by its own pid. */
static void run_jobs(const char *dir, char *const *names, gp_job_t *job, int nj, int par)
{
    int next = 0, running = 0;
    while (next < nj || running > 0) {
        while (running < par && next < nj) {
            gnuplot_start(dir, names, &job[next]);
            job[next].status = -1;
            running += job[next].pid > 0;
            next++;
        }
        int reaped = 0;
        for (int i = 0; i < next; i++) {
            int st = 0;
            if (job[i].pid > 0 && waitpid(job[i].pid, &st, WNOHANG) == job[i].pid) {
                job[i].status = exit_status(st);
                job[i].pid = 0;
                running--;
                reaped = 1;
            }
        }
        if (!reaped && running > 0) {
            struct timespec ts = {0, 5000000};
            nanosleep(&ts, NULL);
        }
    }
}

void ta_report_gnuplot_run_all(const char *dir, char *const *names, int n, int jobs, int *status)
{
    /* First the scripts in `jobs` groups, one gnuplot each (a gnuplot takes a good part of a
     * second to start and load its fonts; here once per group), messages into gnuplot-K.log;
     * the scripts of a group that failed run again one by one, messages into NAME.log, so that
     * each failure is its own script's. */
    int ng = jobs < n ? jobs : n;
    gp_job_t *job = calloc((size_t)(ng + n + 1), sizeof *job);
    int *idx = malloc((size_t)(2 * n + 1) * sizeof *idx);
    for (int i = 0; i < n; i++)
        status[i] = -1;
    if (!job || !idx || n == 0) {
        free(job);
        free(idx);
        return;
    }
    int at = 0;
    for (int k = 0; k < ng; k++) {
        job[k].idx = idx + at;
        for (int i = k; i < n; i += ng)
            idx[at++] = i;
        job[k].m = (int)(idx + at - job[k].idx);
        snprintf(job[k].log, sizeof job[k].log, "%s/gnuplot-%d.log", dir, k + 1);
    }
    run_jobs(dir, names, job, ng, ng);
    int ns = 0;
    for (int k = 0; k < ng; k++) {
        for (int q = 0; q < job[k].m; q++) {
            int i = job[k].idx[q];
            if (job[k].status == 0) {
                status[i] = 0;
                continue;
            }
            gp_job_t *one = &job[ng + ns++];
            idx[at] = i;
            one->idx = idx + at++;
            one->m = 1;
            snprintf(one->log, sizeof one->log, "%s/%s.log", dir, names[i]);
        }
        if (job[k].status == 0)
            drop_empty(job[k].log);
        else
            unlink(job[k].log);
    }
    run_jobs(dir, names, job + ng, ns, jobs);
    for (int q = 0; q < ns; q++)
        status[job[ng + q].idx[0]] = job[ng + q].status;
    free(job);
    free(idx);
}

/* ---- the model files ------------------------------------------------------------------------ */

static void note_missing(ta_report_model_t *m, const char *what)
{
    size_t len = strlen(m->missing);
    snprintf(m->missing + len, sizeof m->missing - len, "%s%s", len ? ", " : "", what);
}

/* The histogram's length is top + 2 (counts 0 .. top + 1); --top is at most 2^20. */
#define TA__REPORT_TOP_MAX (1 << 20)

/* A numeric attribute (integer or float, one value) into *v when present; a malformed one is an
 * error naming it. */
static int num(hid_t f, const char *path, const char *obj, const char *name, double *v, int *found)
{
    int got = 0;
    TA_CALL(ta_h5_get_attr_num(f, path, obj, name, v, &got));
    if (found)
        *found = got;
    return 0;
}

/* A 1-D dataset of exactly n elements (checked before anything is allocated) into *buf. */
static int read_vec(hid_t f, const char *path, const char *name, ta_elem_t type, int64_t n,
                    void **buf)
{
    int nd = 0;
    int64_t dims[2] = {0, 0}, got = 0;
    TA_CALL(ta_h5_dims(f, path, name, &nd, dims));
    TA_CHECK(nd == 1 && dims[0] == n, TA_EINPUT, "%s: %s has %s%lld %s, expected %lld", path, name,
             nd == 1 ? "" : "a 2-D shape of ", (long long)(nd == 1 ? dims[0] : dims[0] * dims[1]),
             nd == 1 ? "rows" : "elements", (long long)n);
    TA_CALL(ta_h5_read_all(f, path, name, type, 1, buf, &got));
    return 0;
}

/* Per-category values that must be finite, or NaN (a category without tokens). */
static int check_values(const char *path, const char *name, const double *v, int64_t n, double lo,
                        double hi)
{
    for (int64_t i = 0; i < n; i++)
        TA_CHECK(isnan(v[i]) || (v[i] >= lo && v[i] <= hi), TA_EINPUT,
                 "%s: %s row %lld: %g is outside [%g, %g]", path, name, (long long)i, v[i], lo, hi);
    return 0;
}

/* Reads string-named per-category values: names + one double dataset of the same length. */
static int read_named(hid_t f, const char *path, const char *names, const char *values, char ***cat,
                      int64_t *ncat, double **val)
{
    TA_CALL(ta_h5_read_strings(f, path, names, cat, ncat));
    void *buf = NULL;
    TA_CALL(read_vec(f, path, values, TA_ELEM_F64, *ncat, &buf));
    *val = buf;
    return 0;
}

/* The first of the candidate names that exists in f (NULL when none). Other engineers' groups
 * are read by their documented names; alternatives cover layouts of earlier versions. */
static const char *first_existing(hid_t f, const char *const *cand)
{
    for (; *cand; cand++)
        if (ta_h5_exists(f, *cand))
            return *cand;
    return NULL;
}

static int read_histogram(hid_t f, ta_report_model_t *m, const char *name)
{
    const char *p = m->file;
    int nd = 0;
    int64_t dims[2] = {0, 0};
    TA_CALL(ta_h5_dims(f, p, name, &nd, dims));
    int64_t want = m->top > 0 ? (int64_t)m->top + 2 : -1;
    TA_CHECK(nd == 1 && dims[0] <= TA__REPORT_TOP_MAX + 2 && (want < 0 || dims[0] == want),
             TA_EINPUT, "%s: %s has %s%lld bins, expected %s%lld (top + 2)", p, name,
             nd == 1 ? "" : "a 2-D shape of ", (long long)(nd == 1 ? dims[0] : dims[0] * dims[1]),
             want < 0 ? "at most " : "", (long long)(want < 0 ? TA__REPORT_TOP_MAX + 2 : want));
    void *buf = NULL;
    TA_CALL(ta_h5_read_all(f, p, name, TA_ELEM_I64, 1, &buf, &m->nhist));
    m->hist = buf;
    for (int64_t i = 0; i < m->nhist; i++)
        TA_CHECK(m->hist[i] >= 0, TA_EINPUT, "%s: %s bin %lld: negative count %lld", p, name,
                 (long long)i, (long long)m->hist[i]);
    return 0;
}

static int read_diversity(hid_t f, ta_report_model_t *m)
{
    const char *p = m->file;
    if (!ta_h5_exists(f, "/diversity")) {
        note_missing(m, "/diversity");
        return 0;
    }
    m->has_div = 1;
    m->count_mean = NAN;
    m->ent_all = NAN;
    TA_CALL(num(f, p, "/diversity", "top", &m->top, NULL));
    TA_CHECK(m->top >= 0 && m->top <= TA__REPORT_TOP_MAX && m->top == (int64_t)m->top, TA_EINPUT,
             "%s: attribute top of /diversity: %g is not a neighbour count", p, m->top);
    TA_CALL(num(f, p, "/diversity", "k", &m->k, NULL));
    TA_CALL(num(f, p, "/diversity", "count_mean", &m->count_mean, NULL));
    TA_CALL(num(f, p, "/diversity", "entropy_mean", &m->ent_all, NULL));
    void *buf = NULL;
    /* Under protocol paper with a subset, `run` also counts the categories of a 1% sample of the
     * whole vocabulary's neighbourhoods (/diversity_vocab), as the paper's Figure 5 does. */
    m->hist_vocab = ta_h5_exists(f, "/diversity_vocab/histogram");
    const char *hist = m->hist_vocab ? "/diversity_vocab/histogram" : "/diversity/histogram";
    if (ta_h5_exists(f, hist))
        TA_CALL(read_histogram(f, m, hist));
    else
        note_missing(m, "/diversity/histogram");
    if (!ta_h5_exists(f, "/diversity/categories") || !ta_h5_exists(f, "/diversity/cat_mean")) {
        note_missing(m, "/diversity per-category tables");
        return 0;
    }
    TA_CALL(read_named(f, p, "/diversity/categories", "/diversity/cat_mean", &m->dcat, &m->ndcat,
                       &m->dcat_mean));
    if (ta_h5_exists(f, "/diversity/cat_n")) {
        TA_CALL(read_vec(f, p, "/diversity/cat_n", TA_ELEM_I64, m->ndcat, &buf));
        m->dcat_n = buf;
        for (int64_t i = 0; i < m->ndcat; i++)
            TA_CHECK(m->dcat_n[i] >= 0, TA_EINPUT, "%s: /diversity/cat_n row %lld: negative count",
                     p, (long long)i);
    }
    if (ta_h5_exists(f, "/diversity/entropy_cat_mean")) {
        TA_CALL(read_vec(f, p, "/diversity/entropy_cat_mean", TA_ELEM_F64, m->ndcat, &buf));
        m->ent_mean = buf;
    }
    if (ta_h5_exists(f, "/diversity/matrix_mean")) {
        int nd = 0;
        int64_t dims[2] = {0, 0}, n = 0;
        TA_CALL(ta_h5_dims(f, p, "/diversity/matrix_mean", &nd, dims));
        TA_CHECK(nd == 2 && dims[0] == m->ndcat && dims[1] == m->ndcat, TA_EINPUT,
                 "%s: /diversity/matrix_mean has shape [%lld, %lld], expected [%lld, %lld]", p,
                 (long long)dims[0], (long long)dims[1], (long long)m->ndcat, (long long)m->ndcat);
        TA_CALL(ta_h5_read_all(f, p, "/diversity/matrix_mean", TA_ELEM_F64, 2, &buf, &n));
        m->mat = buf;
    }
    return 0;
}

static int read_probe(hid_t f, ta_report_model_t *m)
{
    const char *p = m->file;
    if (!ta_h5_exists(f, "/probe/names") || !ta_h5_exists(f, "/probe/mean_accuracy")) {
        note_missing(m, "/probe");
        return 0;
    }
    m->has_probe = 1;
    TA_CALL(
        read_named(f, p, "/probe/names", "/probe/mean_accuracy", &m->pcat, &m->npcat, &m->pacc));
    TA_CALL(check_values(p, "/probe/mean_accuracy", m->pacc, m->npcat, 0, 1));
    void *buf = NULL;
    if (ta_h5_exists(f, "/probe/std_accuracy")) {
        TA_CALL(read_vec(f, p, "/probe/std_accuracy", TA_ELEM_F64, m->npcat, &buf));
        m->pstd = buf;
        TA_CALL(check_values(p, "/probe/std_accuracy", m->pstd, m->npcat, 0, 1));
    }
    if (ta_h5_exists(f, "/probe/n_tokens")) {
        TA_CALL(read_vec(f, p, "/probe/n_tokens", TA_ELEM_I64, m->npcat, &buf));
        m->pntok = buf;
    }
    TA_CALL(num(f, p, "/probe", "folds", &m->folds, NULL));
    double s = 0;
    for (int64_t i = 0; i < m->npcat; i++)
        s += m->pacc[i];
    m->probe_avg = m->npcat ? s / (double)m->npcat : NAN;
    return 0;
}

static int read_translate(hid_t f, ta_report_model_t *m)
{
    static const char *const names[] = {"/translate/categories", "/translate/names", NULL};
    /* cat_mean: mean number of translations among a token's top N neighbours, per category. */
    static const char *const shares[] = {"/translate/cat_mean", NULL};
    if (!ta_h5_exists(f, "/translate")) {
        note_missing(m, "/translate (no dictionaries configured)");
        return 0;
    }
    m->has_tr = 1;
    m->tr_all = NAN;
    TA_CALL(num(f, m->file, "/translate", "share_mean", &m->tr_all, NULL));
    const char *nm = first_existing(f, names), *sh = first_existing(f, shares);
    double top = 0;
    int has_top = 0;
    TA_CALL(num(f, m->file, "/translate", "top", &top, &has_top));
    if (nm && sh && has_top && top > 0) {
        TA_CALL(read_named(f, m->file, nm, sh, &m->tcat, &m->ntcat, &m->tshare));
        for (int64_t i = 0; i < m->ntcat; i++)
            m->tshare[i] /= top;
    } else
        note_missing(m, "/translate per-category shares");
    return 0;
}

int ta_report_read_model(const char *path, ta_report_model_t *m)
{
    memset(m, 0, sizeof *m);
    snprintf(m->file, sizeof m->file, "%s", path);
    hid_t f = H5I_INVALID_HID;
    TA_CALL(ta_h5_open_read(path, &f));
    int rc = 0, found = 0;
    char *s = NULL;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    TA_CALL_GOTO(ta_h5_get_attr_str(f, path, "/", "model", &s, &found), done);
    if (found)
        snprintf(m->name, sizeof m->name, "%s", s);
    else
        snprintf(m->name, sizeof m->name, "%.*s", (int)(strlen(base) - 3), base);
    free(s);
    s = NULL;
    TA_CALL_GOTO(ta_h5_get_attr_str(f, path, "/", "tool_version", &s, &found), done);
    if (found)
        snprintf(m->version, sizeof m->version, "%s", s);
    free(s);
    m->order = 1e9;
    TA_CALL_GOTO(num(f, path, "/", "model_index", &m->order, NULL), done);
    int nd = 0;
    int64_t dims[2] = {0, 0};
    if (ta_h5_exists(f, "/embeddings")) {
        TA_CALL_GOTO(ta_h5_dims(f, path, "/embeddings", &nd, dims), done);
        m->n_tokens = dims[0];
        m->dim = nd == 2 ? dims[1] : 0;
    } else {
        note_missing(m, "/embeddings");
        if (ta_h5_exists(f, "/vocab/token")) {
            TA_CALL_GOTO(ta_h5_dims(f, path, "/vocab/token", &nd, dims), done);
            m->n_tokens = dims[0];
        }
    }
    if (!ta_h5_exists(f, "/neighbors"))
        note_missing(m, "/neighbors");
    TA_CALL_GOTO(read_diversity(f, m), done);
    TA_CALL_GOTO(read_probe(f, m), done);
    TA_CALL_GOTO(read_translate(f, m), done);
    TA_CALL_GOTO(ta__report_read_paper(f, m), done);
done:
    H5Fclose(f);
    if (rc)
        ta_report_free_model(m);
    return rc;
}

void ta_report_free_model(ta_report_model_t *m)
{
    free(m->hist);
    ta_h5_free_strings(m->dcat, m->ndcat);
    free(m->dcat_n);
    free(m->dcat_mean);
    free(m->ent_mean);
    free(m->mat);
    ta_h5_free_strings(m->pcat, m->npcat);
    free(m->pacc);
    free(m->pstd);
    free(m->pntok);
    ta_h5_free_strings(m->tcat, m->ntcat);
    free(m->tshare);
    ta__report_free_paper(&m->p);
    memset(m, 0, sizeof *m);
}

int64_t ta_report_find(char *const *list, int64_t n, const char *name)
{
    for (int64_t i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0)
            return i;
    return -1;
}
