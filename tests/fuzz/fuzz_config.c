/* libFuzzer harness for the config loader (io/ta_config.c, ta_config_yaml.c, ta_config_schema.c).
 *
 * Property checked beyond "no crash, no leak, no undefined behaviour": a config that loads
 * renders to YAML text that loads again to the same text (the effective config is a fixed
 * point), so results/<run>/run.yaml always reproduces the run. Overrides are exercised too: a
 * first line starting with "#set " holds one KEY=VALUE override.
 *
 * Built and run by `./run fuzz [SECONDS]` on the seeds in tests/fuzz/seeds/config. */
#include "base/ta_error.h"
#include "io/ta_config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ta_config_t a, b; /* large structs: keep them off the stack */
    char ovbuf[512];
    const char *ov[1];
    int nov = 0;
    if (size > 5 && memcmp(data, "#set ", 5) == 0) {
        const uint8_t *nl = memchr(data, '\n', size);
        size_t n = nl ? (size_t)(nl - data) - 5 : size - 5;
        if (n < sizeof ovbuf) {
            memcpy(ovbuf, data + 5, n);
            ovbuf[n] = '\0';
            ov[0] = ovbuf;
            nov = 1;
        }
    }
    if (ta_config_parse("fuzz.yaml", (const char *)data, size, ov, nov, &a) != 0) {
        ta_err_clear();
        return 0;
    }
    if (ta_config_parse("fuzz-rendered.yaml", a.text, strlen(a.text), NULL, 0, &b) != 0) {
        fprintf(stderr, "rendered config does not load: %s\n---\n%s\n", ta_err_message(), a.text);
        abort();
    }
    if (strcmp(a.text, b.text) != 0) {
        fprintf(stderr, "rendered config is not a fixed point:\n---\n%s\n---\n%s\n", a.text,
                b.text);
        abort();
    }
    ta_config_free(&a);
    ta_config_free(&b);
    return 0;
}
