/* Unit test of ta_grow (src/base/ta_error.c), the growable-array helper of the readers: the capacity
 * doubles from 16 and covers every request, the contents survive each move, a request within the
 * capacity changes nothing, and an impossible size fails with TA_ERESOURCE leaving the array
 * as it was (ASan and UBSan runs check the memory). */
#include "base/ta_error.h"
#include "ta_test.h"

#include <stdint.h>

int main(void)
{
    int32_t *a = NULL;
    int64_t cap = 0;
    for (int32_t i = 0; i < 5000; i++) {
        T_EQ_INT(ta_grow(&a, &cap, (int64_t)i + 1, sizeof *a), 0);
        T_CHECK(cap >= i + 1 && cap >= 16 && (cap & (cap - 1)) == 0);
        a[i] = 7 * i;
    }
    T_EQ_INT(cap, 8192);
    int bad = 0;
    for (int32_t i = 0; i < 5000; i++)
        bad += a[i] != 7 * i;
    T_EQ_INT(bad, 0);
    int32_t *before = a;
    T_EQ_INT(ta_grow(&a, &cap, 100, sizeof *a), 0);
    T_CHECK(a == before && cap == 8192);
    /* A size that overflows size_t: an error, nothing moved. */
    T_EQ_INT(ta_grow(&a, &cap, INT64_MAX / 2, 1 << 20), TA_ERESOURCE);
    T_CHECK(a == before && cap == 8192 && ta_err_code() == TA_ERESOURCE);
    ta_err_clear();
    T_EQ_INT(ta_grow(&a, &cap, INT64_MAX, 1), TA_ERESOURCE);
    T_CHECK(a == before && cap == 8192);
    ta_err_clear();
    free(a);
    return ta_test_finish("base_unit_grow");
}
