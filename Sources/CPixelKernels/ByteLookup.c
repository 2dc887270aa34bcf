#include "CPixelKernels.h"
#include "CSimdDispatch.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- byte lookup table ---- */

#if defined(__x86_64__)
#include <immintrin.h>
#include "ByteLookupAVX2.h"
/* 64 bytes a step: vpermi2b looks up the two 128-entry halves, the index's top bit picks one. */
__attribute__((target("avx512f,avx512bw,avx512vbmi")))
static void lut8_avx512(uint8_t *p, size_t n, const uint8_t *table) {
    const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
    const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        const __m512i x = _mm512_loadu_si512(p + i);
        const __m512i v = _mm512_mask_blend_epi8(_mm512_movepi8_mask(x), _mm512_permutex2var_epi8(t0, x, t1),
                                                 _mm512_permutex2var_epi8(t2, x, t3));
        _mm512_storeu_si512(p + i, v);
    }
    for (; i < n; i++) p[i] = table[p[i]];
}

/* 32 bytes a step with the vpshufb sub-table lookup of ByteLookupAVX2.h. */
__attribute__((target("avx2")))
static void lut8_avx2(uint8_t *p, size_t n, const uint8_t *table) {
    sp_lut8_avx2_t t;
    sp_lut8_avx2_prepare(&t, table);
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m256i x = _mm256_loadu_si256((const __m256i *)(p + i));
        _mm256_storeu_si256((__m256i *)(p + i), sp_lut8_avx2(&t, x));
    }
    for (; i < n; i++) p[i] = table[p[i]];
}
#endif

/* Portable fast path: the table copied to the stack (so the compiler knows stores to p cannot
   change it) and eight bytes a step through one 64-bit load and store. */
static void lut8_unrolled(uint8_t *p, size_t n, const uint8_t *table) {
    uint8_t t[256];
    memcpy(t, table, 256);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        const uint64_t y = (uint64_t)t[x & 0xFF] | (uint64_t)t[(x >> 8) & 0xFF] << 8 |
                           (uint64_t)t[(x >> 16) & 0xFF] << 16 | (uint64_t)t[(x >> 24) & 0xFF] << 24 |
                           (uint64_t)t[(x >> 32) & 0xFF] << 32 | (uint64_t)t[(x >> 40) & 0xFF] << 40 |
                           (uint64_t)t[(x >> 48) & 0xFF] << 48 | (uint64_t)t[x >> 56] << 56;
        memcpy(p + i, &y, 8);
    }
    for (; i < n; i++) p[i] = t[p[i]];
}

/* Whether `table` keeps every value below some c and maps every value from c up to one value k
   (c = 256: the identity): remap_labels' tables, which send the values above the class count to the
   ignore index. Such a table needs no lookup: a compare and a select, which the compiler vectorises
   on every target (SSE2 on x86-64, NEON on aarch64; AVX2 on the AVX2 path). */
static int threshold_table(const uint8_t *table, int *c, uint8_t *k) {
    int i = 0;
    while (i < 256 && table[i] == i) i++;
    for (int j = i + 1; j < 256; j++)
        if (table[j] != table[i]) return 0;
    *c = i;
    *k = i < 256 ? table[i] : 0;
    return 1;
}

static inline __attribute__((always_inline)) void threshold_impl(uint8_t *p, size_t n, uint8_t below, uint8_t k) {
    for (size_t i = 0; i < n; i++) {
        const uint8_t v = p[i];
        p[i] = v < below ? v : k;
    }
}

static void threshold_portable(uint8_t *p, size_t n, uint8_t below, uint8_t k) { threshold_impl(p, n, below, k); }

#if defined(__x86_64__)
/* The same loop vectorised 32 bytes wide. */
__attribute__((target("avx2")))
static void threshold_avx2(uint8_t *p, size_t n, uint8_t below, uint8_t k) { threshold_impl(p, n, below, k); }
#endif

static void lut8_threshold(uint8_t *p, size_t n, int c, uint8_t k, int path) {
    if (c >= 256) return;
    if (c == 0) { memset(p, k, n); return; }
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX2) { threshold_avx2(p, n, (uint8_t)c, k); return; }
#endif
    (void)path;
    threshold_portable(p, n, (uint8_t)c, k);
}

/* Threshold tables on every path; otherwise AVX-512 VBMI or AVX2 (sub-table shuffles) on that path,
   the unrolled portable loop on the others. */
void sp_lut8(uint8_t *p, size_t n, const uint8_t *table, int path) {
    int c;
    uint8_t k;
    if (threshold_table(table, &c, &k)) {
        lut8_threshold(p, n, c, k, path);
        return;
    }
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX512) {
        lut8_avx512(p, n, table);
        return;
    }
    if (sp_simd_usable(path) >= SP_SIMD_AVX2) {
        lut8_avx2(p, n, table);
        return;
    }
#endif
    (void)path;
    lut8_unrolled(p, n, table);
}

void sp_lut8_naive(uint8_t *p, size_t n, const uint8_t *table) {
    for (size_t i = 0; i < n; i++) p[i] = table[p[i]];
}
