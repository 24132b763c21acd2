/* `tokenatlas report RUN_DIR`: report.md and index.html with tables and figures. */
#ifndef CMD_REPORT_H
#define CMD_REPORT_H

typedef struct {
    const char *dir; /* RUN_DIR */
} ta_report_opts_t;

/* Local (one process: `run` calls it on rank 0). */
int ta_cmd_report_run(const ta_report_opts_t *o);

#endif
