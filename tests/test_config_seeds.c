/* Runs the config fuzz harness (tests/fuzz/fuzz_config.c) once over each seed in
 * tests/fuzz/seeds/config, so that the seeds are regression tests in every build (and under
 * ASan + UBSan with the unit tests) even where libFuzzer is not available. */
#include "fuzz/fuzz_config.c"

#include "ta_file.h"
#include "ta_test.h"

#include <dirent.h>

int main(void)
{
    const char *src = getenv("TA_SRC");
    char dir[4096], path[8192];
    snprintf(dir, sizeof dir, "%s/tests/fuzz/seeds/config", src ? src : ".");
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "no seed directory %s\n", dir);
        return 1;
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
        LLVMFuzzerTestOneInput((const uint8_t *)data, len);
        free(data);
        n++;
    }
    closedir(d);
    T_CHECK(n >= 5);
    printf("%d seeds\n", n);
    return ta_test_finish("test_config_seeds");
}
