/* Replays a fuzz seed corpus (tests/fuzz/seeds/NAME/) through a harness body once per file, so
 * that the seeds are regression tests in every build, and under ASan + UBSan with the unit tests,
 * even where libFuzzer is not available. Returns the number of seeds replayed. */
#ifndef TA_SEED_REPLAY_H
#define TA_SEED_REPLAY_H

#include "io/ta_file.h"
#include "ta_test.h"

#include <dirent.h>
#include <stdint.h>

static int ta_seed_replay(const char *name, void (*one)(const uint8_t *, size_t))
{
    const char *src = getenv("TA_SRC");
    char dir[4096], path[8192];
    snprintf(dir, sizeof dir, "%s/tests/fuzz/seeds/%s", src ? src : ".", name);
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "no seed directory %s\n", dir);
        return 0;
    }
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *data;
        size_t len;
        T_EQ_INT(ta_file_read_all(path, &data, &len), 0);
        one((const uint8_t *)data, len);
        free(data);
        n++;
    }
    closedir(d);
    printf("%s: %d seeds\n", name, n);
    return n;
}

#endif
