/* Shared body of the embedding fuzz harnesses (fuzz_safetensors.c, fuzz_npy.c) and of the seed
 * replay test (tests/test_embed_seeds.c). An input is parsed by the buffer-level parser; when it
 * is accepted, the parser's promises are checked, and the same bytes are opened as a file (a
 * memfd) through ta_embed_open and their first rows read, with F16/BF16 values compared with a
 * plain reference conversion. A broken promise aborts, which libFuzzer reports. */
#ifndef FUZZ_EMBED_COMMON_H
#define FUZZ_EMBED_COMMON_H

#include "base/ta_error.h"
#include "io/ta_embed.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Reference IEEE half -> float by arithmetic (no bit tricks). */
static inline float fuzz_half_ref(uint16_t h)
{
    int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
    float v;
    if (e == 0)
        v = ldexpf((float)m, -24);
    else if (e == 31)
        v = m ? NAN : INFINITY;
    else
        v = ldexpf((float)(m + 1024), e - 25);
    return s ? -v : v;
}

static inline int fuzz_same(float a, float b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* Opens the bytes as a file and reads up to 4 rows; checks conversions against the reference. */
static inline void fuzz_embed_file(const uint8_t *data, size_t size)
{
    /* HDF5 images would fuzz libhdf5, not tokenatlas. */
    if (size >= 8 && memcmp(data, "\x89HDF\r\n\x1a\n", 8) == 0)
        return;
    int fd = memfd_create("fuzz", 0);
    if (fd < 0)
        return;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ta_embed_t e;
    if (ta_embed_open(path, NULL, &e) != 0) {
        ta_err_clear();
        close(fd);
        return;
    }
    if (e.rows <= 0 || e.cols <= 0)
        abort();
    int64_t nr = e.rows < 4 ? e.rows : 4;
    if (e.cols > 4096)
        nr = 1;
    float *x = malloc((size_t)(nr * e.cols) * sizeof *x);
    if (x && ta_embed_read_rows(&e, 0, nr, x) == 0) {
        /* The data of a .npy or safetensors tensor that was accepted lies in the buffer: find
         * the element bytes through the header again and compare. */
        int64_t off = -1;
        if (memcmp(data, "\x93NUMPY", 6) == 0) {
            ta_npy_header_t h;
            if (ta_npy_parse_header("fuzz", data, size, (int64_t)size, &h) == 0 &&
                (h.descr[0] == '<' || h.descr[0] == '='))
                off = h.data_offset;
        } else {
            ta_st_header_t h;
            if (ta_st_parse_buffer("fuzz", data, size, &h) == 0) {
                for (int64_t i = 0; i < h.n; i++)
                    if (strcmp(h.t[i].name, e.tensor) == 0)
                        off = 8 + h.header_len + h.t[i].begin;
                ta_st_header_free(&h);
            }
        }
        ta_err_clear();
        for (int64_t i = 0; off >= 0 && i < nr * e.cols; i++) {
            float want;
            if (strcmp(e.dtype, "F16") == 0) {
                uint16_t u;
                memcpy(&u, data + off + 2 * i, 2);
                want = fuzz_half_ref(u);
            } else if (strcmp(e.dtype, "BF16") == 0) {
                uint16_t u;
                memcpy(&u, data + off + 2 * i, 2);
                uint32_t w = (uint32_t)u << 16;
                memcpy(&want, &w, 4);
            } else if (strcmp(e.dtype, "F32") == 0) {
                memcpy(&want, data + off + 4 * i, 4);
            } else {
                double dv;
                memcpy(&dv, data + off + 8 * i, 8);
                want = (float)dv;
            }
            if (!fuzz_same(x[i], want))
                abort();
        }
    } else {
        ta_err_clear();
    }
    free(x);
    ta_embed_close(&e);
    close(fd);
}

static inline void fuzz_safetensors_one(const uint8_t *data, size_t size)
{
    ta_st_header_t h;
    if (ta_st_parse_buffer("fuzz", data, size, &h) == 0) {
        int64_t data_bytes = (int64_t)size - 8 - h.header_len;
        for (int64_t i = 0; i < h.n; i++) {
            const ta_st_tensor_t *t = &h.t[i];
            if (t->begin < 0 || t->end < t->begin || t->end > data_bytes)
                abort();
            for (int64_t j = 0; j < h.n; j++)
                if (j != i && t->begin < h.t[j].end && h.t[j].begin < t->end && t->end > t->begin &&
                    h.t[j].end > h.t[j].begin)
                    abort();
        }
        ta_st_header_free(&h);
    } else {
        ta_err_clear();
    }
    fuzz_embed_file(data, size);
}

static inline void fuzz_npy_one(const uint8_t *data, size_t size)
{
    ta_npy_header_t h;
    if (ta_npy_parse_header("fuzz", data, size, (int64_t)size, &h) == 0) {
        if (h.data_offset > (int64_t)size || h.ndim < 0 || h.ndim > 8)
            abort();
    } else {
        ta_err_clear();
    }
    fuzz_embed_file(data, size);
}

#endif
