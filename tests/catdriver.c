/* Test driver for tests/py/test_category_oracle.py: reads tokens from stdin, one per line as
 * hex-encoded UTF-8 bytes (an empty line is the empty token), and prints for each one line
 * "PAPER<TAB>SCRIPT", or "ERROR<TAB>message" when the token is refused. */
#include "base/ta_error.h"
#include "kernels/ta_category.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int main(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        size_t len = (size_t)n / 2;
        for (size_t i = 0; i < len; i++) {
            int hi = hexval(line[2 * i]), lo = hexval(line[2 * i + 1]);
            if (hi < 0 || lo < 0 || n % 2) {
                fprintf(stderr, "catdriver: bad hex line '%s'\n", line);
                return 1;
            }
            line[i] = (char)(hi * 16 + lo);
        }
        char paper[128], script[128];
        int rc = ta_category_of(TA_SCHEME_PAPER, line, len, paper, sizeof paper);
        if (!rc)
            rc = ta_category_of(TA_SCHEME_SCRIPT, line, len, script, sizeof script);
        if (rc) {
            printf("ERROR\t%s\n", ta_err_message());
            ta_err_clear();
        } else {
            printf("%s\t%s\n", paper, script);
        }
    }
    free(line);
    return 0;
}
