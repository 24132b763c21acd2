#include "kernels/ta_gemm.h"

#include "base/ta_error.h"

#include <cblas.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The OpenMP runtime's thread-count calls (OpenMP API 1.0), declared here instead of through
 * <omp.h>, which a compiler without an OpenMP runtime of its own (clang without libomp, as in
 * the fuzzing build) lacks. The library is the runtime oneDNN runs on (CMake's TA_OPENMP_LIB). */
int omp_get_max_threads(void);
void omp_set_num_threads(int n);

/* Per slot: up to NCACHE primitives, one per tile shape and sum flag (a run has a handful: full
 * tiles, the last row tile, the column slices of the threads), replaced least recently used.
 * The fallback converts PANEL elements of the inner dimension at a time. */
enum { NCACHE = 12, PANEL = 256 };

typedef struct {
    int64_t m, n, ldc; /* the shape; m == 0: empty */
    int sum;           /* adds to C (the sum post-op) instead of overwriting it */
    uint64_t used;
    dnnl_primitive_t prim;
    dnnl_memory_t src, wei, dst, pad;
    void *padbuf;
} prim_t;

typedef struct {
    dnnl_stream_t stream;
    prim_t cache[NCACHE];
    uint64_t clock;
    float *pa, *pb; /* fallback panels: max_rows x PANEL each */
    int64_t fallbacks;
} slot_t;

struct ta_gemm {
    ta_gemm_kind_t kind;
    int64_t d, max_rows, plane; /* plane: elements from a row's hi to its lo */
    int nslots, onednn;
    slot_t *slot;
    dnnl_engine_t eng;
    char name[64], impl[64];
};

static void prim_clear(prim_t *p)
{
    if (p->prim)
        dnnl_primitive_destroy(p->prim);
    if (p->src)
        dnnl_memory_destroy(p->src);
    if (p->wei)
        dnnl_memory_destroy(p->wei);
    if (p->dst)
        dnnl_memory_destroy(p->dst);
    if (p->pad)
        dnnl_memory_destroy(p->pad);
    free(p->padbuf);
    memset(p, 0, sizeof *p);
}

/* Creates the matmul for an m x n tile with leading dimension ldc, K = d: src m x d and weights
 * d x n read from packed rows (dense: oneDNN's brgemm kernels take only dense operands), dst f32,
 * with sum != 0 added to the tile (sum post-op). With impl != NULL, oneDNN's implementation name
 * is copied there. Returns 0, or non-zero when oneDNN has no implementation or runs out of
 * memory (p is then left empty). */
static int prim_create(ta_gemm_t *g, prim_t *p, int64_t m, int64_t n, int64_t ldc, int sum,
                       char *impl, size_t impl_size)
{
    const int64_t d = g->d;
    dnnl_memory_desc_t a, b, c;
    dnnl_dims_t da = {m, d}, sa = {d, 1}, db = {d, n}, sb = {1, d}, dc = {m, n}, sc = {ldc, 1};
    dnnl_matmul_desc_t md;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t po = NULL;
    dnnl_primitive_desc_t pd = NULL;
    int bad =
        dnnl_memory_desc_init_by_strides(&a, 2, da, dnnl_bf16, sa) != dnnl_success ||
        dnnl_memory_desc_init_by_strides(&b, 2, db, dnnl_bf16, sb) != dnnl_success ||
        dnnl_memory_desc_init_by_strides(&c, 2, dc, dnnl_f32, sc) != dnnl_success ||
        dnnl_matmul_desc_init(&md, &a, &b, NULL, &c) != dnnl_success ||
        dnnl_primitive_attr_create(&attr) != dnnl_success ||
        dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user) != dnnl_success;
    if (!bad && sum)
        bad = dnnl_post_ops_create(&po) != dnnl_success ||
              dnnl_post_ops_append_sum(po, 1.0f) != dnnl_success ||
              dnnl_primitive_attr_set_post_ops(attr, po) != dnnl_success;
    if (!bad)
        bad = dnnl_primitive_desc_create(&pd, &md, attr, g->eng, NULL) != dnnl_success;
    if (po)
        dnnl_post_ops_destroy(po);
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    if (bad)
        return 1;
    const char *name = NULL;
    if (impl && dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name) == dnnl_success)
        snprintf(impl, impl_size, "%s", name);
    const dnnl_memory_desc_t *pmd = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    size_t padsz = pmd ? dnnl_memory_desc_get_size(pmd) : 0;
    bad = dnnl_primitive_create(&p->prim, pd) != dnnl_success ||
          dnnl_memory_create(&p->src, &a, g->eng, DNNL_MEMORY_NONE) != dnnl_success ||
          dnnl_memory_create(&p->wei, &b, g->eng, DNNL_MEMORY_NONE) != dnnl_success ||
          dnnl_memory_create(&p->dst, &c, g->eng, DNNL_MEMORY_NONE) != dnnl_success;
    if (!bad && padsz > 0) {
        p->padbuf = aligned_alloc(64, (padsz + 63) / 64 * 64);
        bad = !p->padbuf || dnnl_memory_create(&p->pad, pmd, g->eng, p->padbuf) != dnnl_success;
    }
    dnnl_primitive_desc_destroy(pd);
    if (bad) {
        prim_clear(p);
        return 1;
    }
    p->m = m;
    p->n = n;
    p->ldc = ldc;
    p->sum = sum;
    return 0;
}

/* The slot's primitive for the shape, created on first use (NULL when oneDNN cannot). */
static prim_t *prim_get(ta_gemm_t *g, slot_t *s, int64_t m, int64_t n, int64_t ldc, int sum)
{
    prim_t *lru = &s->cache[0];
    s->clock++;
    for (int e = 0; e < NCACHE; e++) {
        prim_t *p = &s->cache[e];
        if (p->m == m && p->n == n && p->ldc == ldc && p->sum == sum) {
            p->used = s->clock;
            return p;
        }
        if (p->used < lru->used)
            lru = p;
    }
    prim_clear(lru);
    if (prim_create(g, lru, m, n, ldc, sum, NULL, 0))
        return NULL;
    lru->used = s->clock;
    return lru;
}

/* C (+)= A B^T for bf16 operands (m and n rows of d elements, dense), converted to f32
 * (exactly) PANEL elements of the inner dimension at a time and multiplied by cblas_sgemm:
 * bf16 products, f32 sums, as in oneDNN. */
static void sgemm_bf16(const ta_gemm_t *g, slot_t *s, const uint16_t *A, int64_t m,
                       const uint16_t *B, int64_t n, int sum, float *C, int64_t ldc)
{
    const int64_t d = g->d;
    for (int64_t k0 = 0; k0 < d; k0 += PANEL) {
        const int64_t kc = d - k0 < PANEL ? d - k0 : PANEL;
        for (int64_t i = 0; i < m; i++)
            for (int64_t k = 0; k < kc; k++)
                s->pa[i * kc + k] = ta_bf16_float(A[i * d + k0 + k]);
        for (int64_t j = 0; j < n; j++)
            for (int64_t k = 0; k < kc; k++)
                s->pb[j * kc + k] = ta_bf16_float(B[j * d + k0 + k]);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)kc, 1.0f, s->pa,
                    (int)kc, s->pb, (int)kc, sum || k0 > 0 ? 1.0f : 0.0f, C, (int)ldc);
    }
}

/* One product C (+)= A B^T of dense bf16 operands, by oneDNN when it can. */
static void product(ta_gemm_t *g, slot_t *s, const uint16_t *A, int64_t m, const uint16_t *B,
                    int64_t n, int sum, float *C, int64_t ldc)
{
    prim_t *p = g->onednn ? prim_get(g, s, m, n, ldc, sum) : NULL;
    if (!p) {
        s->fallbacks += g->onednn;
        sgemm_bf16(g, s, A, m, B, n, sum, C, ldc);
        return;
    }
    /* oneDNN only reads src and weights; the handles are not const in its interface. Running a
     * created CPU primitive on valid memory does not fail. */
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, p->src},
                               {DNNL_ARG_WEIGHTS, p->wei},
                               {DNNL_ARG_DST, p->dst},
                               {DNNL_ARG_SCRATCHPAD, p->pad}};
    TA_ASSERT(dnnl_memory_set_data_handle(p->src, (void *)(uintptr_t)A) == dnnl_success &&
              dnnl_memory_set_data_handle(p->wei, (void *)(uintptr_t)B) == dnnl_success &&
              dnnl_memory_set_data_handle(p->dst, C) == dnnl_success &&
              dnnl_primitive_execute(p->prim, s->stream, p->pad ? 4 : 3, args) == dnnl_success &&
              dnnl_stream_wait(s->stream) == dnnl_success);
}

void ta_gemm_tile(ta_gemm_t *g, int slot, const void *A, int64_t m, const void *B, int64_t n,
                  float *C, int64_t ldc)
{
    TA_ASSERT(slot >= 0 && slot < g->nslots && m >= 1 && n >= 1 && m <= g->max_rows &&
              n <= g->max_rows && ldc >= n);
    if (g->kind == TA_GEMM_F32) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)g->d, 1.0f, A,
                    (int)g->d, B, (int)g->d, 0.0f, C, (int)ldc);
        return;
    }
    /* One OpenMP thread per call: oneDNN's primitives are created and run for this thread. */
    if (g->onednn && omp_get_max_threads() != 1)
        omp_set_num_threads(1);
    slot_t *s = &g->slot[slot];
    const uint16_t *ha = A, *hb = B;
    product(g, s, ha, m, hb, n, 0, C, ldc);
    if (g->kind == TA_GEMM_BF16X3) {
        /* hi.lo' and lo.hi' added to the same f32 tile: 3d terms summed in f32 (ta_bf16.c). */
        product(g, s, ha, m, hb + g->plane, n, 1, C, ldc);
        product(g, s, ha + g->plane, m, hb, n, 1, C, ldc);
    }
}

/* Names the bf16 engine after its kind and oneDNN's implementation. */
static void engine_name(ta_gemm_t *g)
{
    const char *k = ta_gemm_kind_name(g->kind);
    if (!g->onednn)
        snprintf(g->name, sizeof g->name, "%s-sgemm", k);
    else if (strstr(g->impl, "amx"))
        snprintf(g->name, sizeof g->name, "%s-amx", k);
    else if (strstr(g->impl, "avx512_core_bf16"))
        snprintf(g->name, sizeof g->name, "%s-avx512", k);
    else
        snprintf(g->name, sizeof g->name, "%s-%.50s", k, g->impl);
}

int ta_gemm_create(ta_gemm_kind_t kind, int64_t d, int64_t max_rows, int slots, ta_gemm_t **out)
{
    *out = NULL;
    TA_ASSERT(d >= 1 && max_rows >= 1 && slots >= 1);
    ta_gemm_t *g = ta_calloc(1, sizeof *g);
    TA_CHECK_ALLOC(g, sizeof *g);
    g->kind = kind;
    g->d = d;
    g->max_rows = max_rows;
    g->plane = max_rows * d;
    g->nslots = slots;
    snprintf(g->name, sizeof g->name, "f32-openblas");
    if (kind == TA_GEMM_F32) {
        *out = g;
        return 0;
    }
    int rc = 0;
    g->slot = ta_calloc((size_t)slots, sizeof *g->slot);
    TA_CHECK_GOTO(g->slot, TA_ERESOURCE, fail, "out of memory for %d GEMM slots", slots);
    size_t panel = (size_t)max_rows * PANEL * sizeof(float);
    for (int t = 0; t < slots; t++) {
        g->slot[t].pa = ta_malloc(panel);
        g->slot[t].pb = ta_malloc(panel);
        TA_CHECK_GOTO(g->slot[t].pa && g->slot[t].pb, TA_ERESOURCE, fail,
                      "out of memory allocating %zu bytes", 2 * panel);
    }
    /* oneDNN: an engine, a stream per slot, and the full tile's primitive in slot 0, which
     * tells the implementation; without one (no AVX-512 in oneDNN 2.6) the fallback serves. */
    g->onednn = dnnl_engine_create(&g->eng, dnnl_cpu, 0) == dnnl_success;
    for (int t = 0; t < slots && g->onednn; t++)
        g->onednn = dnnl_stream_create(&g->slot[t].stream, g->eng, dnnl_stream_default_flags) ==
                    dnnl_success;
    if (g->onednn) {
        if (omp_get_max_threads() != 1)
            omp_set_num_threads(1);
        g->onednn = prim_create(g, &g->slot[0].cache[0], max_rows, max_rows, max_rows, 0, g->impl,
                                sizeof g->impl) == 0;
        g->slot[0].cache[0].used = g->slot[0].clock = 1;
    }
    if (!g->onednn)
        g->impl[0] = '\0';
    engine_name(g);
    *out = g;
    return 0;
fail:
    ta_gemm_free(g);
    return rc;
}

void ta_gemm_free(ta_gemm_t *g)
{
    if (!g)
        return;
    for (int t = 0; g->slot && t < g->nslots; t++) {
        slot_t *s = &g->slot[t];
        for (int e = 0; e < NCACHE; e++)
            prim_clear(&s->cache[e]);
        if (s->stream)
            dnnl_stream_destroy(s->stream);
        free(s->pa);
        free(s->pb);
    }
    free(g->slot);
    if (g->eng)
        dnnl_engine_destroy(g->eng);
    free(g);
}

const char *ta_gemm_name(const ta_gemm_t *g)
{
    return g->name;
}

const char *ta_gemm_impl(const ta_gemm_t *g)
{
    return g->impl;
}

ta_gemm_kind_t ta_gemm_kind(const ta_gemm_t *g)
{
    return g->kind;
}

int ta_gemm_onednn(const ta_gemm_t *g)
{
    return g->onednn;
}

int64_t ta_gemm_fallbacks(const ta_gemm_t *g)
{
    int64_t f = 0;
    for (int t = 0; g->slot && t < g->nslots; t++)
        f += g->slot[t].fallbacks;
    return f;
}
