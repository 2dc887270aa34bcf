#include "CPixelKernels.h"
#include "CSimdDispatch.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- byte lookup table ---- */

#if defined(__x86_64__)
#include <immintrin.h>
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

/* AVX-512 VBMI on that path, the unrolled portable loop on the others (AVX2 has no byte lookup
   that beats it). */
void sp_lut8(uint8_t *p, size_t n, const uint8_t *table, int path) {
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX512) {
        lut8_avx512(p, n, table);
        return;
    }
#endif
    (void)path;
    lut8_unrolled(p, n, table);
}

void sp_lut8_naive(uint8_t *p, size_t n, const uint8_t *table) {
    for (size_t i = 0; i < n; i++) p[i] = table[p[i]];
}
