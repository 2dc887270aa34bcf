#include "CPixelKernels.h"
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

void sp_lut8_isa(uint8_t *p, size_t n, const uint8_t *table, int isa) {
#if defined(__x86_64__)
    if (isa >= 1 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vbmi")) {
        lut8_avx512(p, n, table);
        return;
    }
#endif
    (void)isa;
    for (size_t i = 0; i < n; i++) p[i] = table[p[i]];
}
