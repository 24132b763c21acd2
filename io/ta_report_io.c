#include "io/ta_report_io.h"

#include "base/ta_error.h"
#include "io/ta_file.h"
#include "io/ta_h5.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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
        if (!ta_h5_is_complete(path)) {
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

/* Runs argv in dir with stdout and stderr into log (or /dev/null); returns the exit status, or
 * -1 when it could not be started or was killed. */
static int spawn_wait(const char *dir, char *const argv[], const char *log)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
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
    int st = 0;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
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

int ta_report_gnuplot_run(const char *dir, const char *name)
{
    char script[512], log[4600];
    snprintf(script, sizeof script, "%s.gp", name);
    TA_CHECK(snprintf(log, sizeof log, "%s/%s.log", dir, name) < (int)sizeof log, TA_EINPUT,
             "%s: path too long", dir);
    char *av[] = {"gnuplot", script, NULL};
    int st = spawn_wait(dir, av, log);
    if (st == 0) {
        int64_t size = 0;
        if (ta_file_size(log, &size) == 0 && size == 0)
            unlink(log); /* keep the log only when gnuplot had something to say */
        ta_err_clear();
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
    int rc = TA_ERR(TA_EINTERNAL, "%s/%s: gnuplot failed (exit %d): %s", dir, script, st, last);
    free(text);
    return rc;
}
