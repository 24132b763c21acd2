/* Test helper: reads an embedding source through ta_embed and writes its rows as raw f32, so
 * that the Python tests can compare them with numpy's own conversion.
 * usage: embed_dump SPEC OUT.f32 [--tensor NAME] [--rows ROW0 NROWS] [--min-rows N]
 * Prints "rows cols dtype tensor file" on stdout; errors as tokenatlas prints them. */
#include "base/ta_error.h"
#include "io/ta_embed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: embed_dump SPEC OUT.f32 [--tensor NAME] [--rows R0 N]\n");
        return 2;
    }
    const char *tensor = NULL;
    long long r0 = 0, nr = -1, min_rows = 0;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--tensor") == 0 && i + 1 < argc)
            tensor = argv[++i];
        else if (strcmp(argv[i], "--rows") == 0 && i + 2 < argc) {
            r0 = atoll(argv[++i]);
            nr = atoll(argv[++i]);
        } else if (strcmp(argv[i], "--min-rows") == 0 && i + 1 < argc)
            min_rows = atoll(argv[++i]);
    }
    ta_embed_t e;
    int rc = ta_embed_open_ex(argv[1], tensor, min_rows, &e);
    if (rc) {
        ta_err_print();
        return rc;
    }
    if (nr < 0)
        nr = e.rows - r0;
    printf("%lld %lld %s %s %s\n", (long long)e.rows, (long long)e.cols, e.dtype, e.tensor, e.file);
    float *buf = malloc((size_t)(nr * e.cols + 1) * sizeof *buf);
    rc = buf ? ta_embed_read_rows(&e, r0, nr, buf) : TA_ERESOURCE;
    if (rc) {
        ta_err_print();
        free(buf);
        ta_embed_close(&e);
        return rc;
    }
    FILE *fp = fopen(argv[2], "wb");
    if (!fp || fwrite(buf, sizeof *buf, (size_t)(nr * e.cols), fp) != (size_t)(nr * e.cols)) {
        fprintf(stderr, "embed_dump: cannot write %s\n", argv[2]);
        return 1;
    }
    fclose(fp);
    free(buf);
    ta_embed_close(&e);
    return 0;
}
