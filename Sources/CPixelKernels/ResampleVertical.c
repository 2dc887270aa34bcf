#include "CPixelKernels.h"
#include "CSimdDispatch.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define VERTICAL_BODY                                                                              \
    for (int y = 0; y < out_rows; y++) {                                                           \
        const int ymin = bounds[2 * y], n = bounds[2 * y + 1];                                     \
        const int32_t *k = weights + (size_t)y * taps;                                             \
        uint8_t *o = out + (size_t)y * row_len;                                                    \
        for (int i0 = 0; i0 < row_len; i0 += 1024) {                                               \
            const int m = row_len - i0 < 1024 ? row_len - i0 : 1024;                               \
            int32_t acc[1024];                                                                     \
            for (int i = 0; i < m; i++) acc[i] = 1 << 21;                                          \
            for (int t = 0; t < n; t++) {                                                          \
                const uint8_t *src = in + (size_t)(ymin + t) * row_len + i0;                       \
                const int32_t w = k[t];                                                            \
                for (int i = 0; i < m; i++) acc[i] += (int32_t)src[i] * w;                         \
            }                                                                                      \
            for (int i = 0; i < m; i++) {                                                          \
                int32_t v = acc[i] >> 22;                                                          \
                o[i0 + i] = (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));                            \
            }                                                                                      \
        }                                                                                          \
    }

static void vertical_generic(const uint8_t *in, int row_len, uint8_t *out, int out_rows,
                             const int32_t *bounds, const int32_t *weights, int taps);

#if defined(__x86_64__)
#include <immintrin.h>
#include "ResampleWeights.h"
/* Bytes i..i+31 of output row o from the n source rows at src (tap pairs wl/wh, see vertical_avx2). */
__attribute__((target("avx2"), always_inline))
static inline void vertical32(const uint8_t *src, int row_len, int i, int n, const int32_t *wl, const int32_t *wh,
                              uint8_t *o) {
    const int np = (n + 1) / 2;
    const __m256i zero = _mm256_setzero_si256();
    __m256i l0 = _mm256_set1_epi32(1 << 21), l1 = l0, l2 = l0, l3 = l0;
    __m256i h0 = zero, h1 = zero, h2 = zero, h3 = zero;
    for (int q = 0; q < np; q++) {
        const uint8_t *a = src + (size_t)(2 * q) * row_len + i;
        const __m256i va = _mm256_loadu_si256((const __m256i *)a);
        const __m256i vb = 2 * q + 1 < n ? _mm256_loadu_si256((const __m256i *)(a + row_len)) : va;
        const __m256i lo8 = _mm256_unpacklo_epi8(va, vb), hi8 = _mm256_unpackhi_epi8(va, vb);
        const __m256i p0 = _mm256_unpacklo_epi8(lo8, zero), p1 = _mm256_unpackhi_epi8(lo8, zero);
        const __m256i p2 = _mm256_unpacklo_epi8(hi8, zero), p3 = _mm256_unpackhi_epi8(hi8, zero);
        const __m256i wlo = _mm256_set1_epi32(wl[q]), whi = _mm256_set1_epi32(wh[q]);
        l0 = _mm256_add_epi32(l0, _mm256_madd_epi16(p0, wlo)); h0 = _mm256_add_epi32(h0, _mm256_madd_epi16(p0, whi));
        l1 = _mm256_add_epi32(l1, _mm256_madd_epi16(p1, wlo)); h1 = _mm256_add_epi32(h1, _mm256_madd_epi16(p1, whi));
        l2 = _mm256_add_epi32(l2, _mm256_madd_epi16(p2, wlo)); h2 = _mm256_add_epi32(h2, _mm256_madd_epi16(p2, whi));
        l3 = _mm256_add_epi32(l3, _mm256_madd_epi16(p3, wlo)); h3 = _mm256_add_epi32(h3, _mm256_madd_epi16(p3, whi));
    }
    /* p0..p3 hold bytes 0-3, 4-7, 8-11, 12-15 of each 128-bit lane: the packs restore the order. */
    const __m256i r0 = _mm256_srai_epi32(_mm256_add_epi32(_mm256_slli_epi32(h0, 11), l0), 22);
    const __m256i r1 = _mm256_srai_epi32(_mm256_add_epi32(_mm256_slli_epi32(h1, 11), l1), 22);
    const __m256i r2 = _mm256_srai_epi32(_mm256_add_epi32(_mm256_slli_epi32(h2, 11), l2), 22);
    const __m256i r3 = _mm256_srai_epi32(_mm256_add_epi32(_mm256_slli_epi32(h3, 11), l3), 22);
    _mm256_storeu_si256((__m256i *)(o + i),
                        _mm256_packus_epi16(_mm256_packs_epi32(r0, r1), _mm256_packs_epi32(r2, r3)));
}

/* 32 bytes of an output row a step with the accumulators in registers and the taps taken in pairs
   of source rows by vpmaddwd: the bytes of rows t and t + 1 are interleaved into 16-bit pairs, and
   each weight is split as w = hi * 2048 + lo (lo in [0, 2047], hi = w >> 11, 16-bit for |w| < 2^26),
   so sum(p * w) = (sum(p * hi) << 11) + sum(p * lo): the scalar kernel's integers. The products are
   exact and the adds and the shift exact modulo 2^32, so the final 2^21 + sum(p * w) equals the
   scalar kernel's whenever that fits in 32 bits (which the scalar kernel needs too). An odd last tap
   pairs with itself at weight 0. The last row_len % 32 bytes are computed as the row's last 32 (again
   for the bytes the body wrote, with the same result), or by the scalar loop in a shorter row. */
__attribute__((target("avx2")))
static void vertical_avx2(const uint8_t *in, int row_len, uint8_t *out, int out_rows,
                          const int32_t *bounds, const int32_t *weights, int taps) {
    const int pairs = (taps + 1) / 2;
    int32_t *wl = malloc(sizeof(int32_t) * 2 * (size_t)(pairs > 0 ? pairs : 1)), *wh = wl + (pairs > 0 ? pairs : 1);
    if (!wl) {
        vertical_generic(in, row_len, out, out_rows, bounds, weights, taps);
        return;
    }
    const int body = row_len - row_len % 32;
    for (int y = 0; y < out_rows; y++) {
        const int ymin = bounds[2 * y], n = bounds[2 * y + 1], np = (n + 1) / 2;
        const int32_t *k = weights + (size_t)y * taps;
        for (int q = 0; q < np; q++) {
            sp_split_weights(k[2 * q], 2 * q + 1 < n ? k[2 * q + 1] : 0, wl + q, wh + q);
        }
        uint8_t *o = out + (size_t)y * row_len;
        const uint8_t *src = in + (size_t)ymin * row_len;
        for (int i = 0; i < body; i += 32) vertical32(src, row_len, i, n, wl, wh, o);
        if (body < row_len && row_len >= 32) {   /* the last 32 bytes again, overlapping the body */
            vertical32(src, row_len, row_len - 32, n, wl, wh, o);
            continue;
        }
        for (int i = body; i < row_len; i++) {
            int32_t acc = 1 << 21;
            for (int t = 0; t < n; t++) acc += (int32_t)src[(size_t)t * row_len + i] * k[t];
            const int32_t v = acc >> 22;
            o[i] = (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
        }
    }
    free(wl);
}
#endif

static void vertical_generic(const uint8_t *in, int row_len, uint8_t *out, int out_rows,
                             const int32_t *bounds, const int32_t *weights, int taps) {
    VERTICAL_BODY
}

void sp_resample_vertical(const uint8_t *in, int row_len, uint8_t *out, int out_rows,
                          const int32_t *bounds, const int32_t *weights, int taps, int path) {
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX2) { vertical_avx2(in, row_len, out, out_rows, bounds, weights, taps); return; }
#endif
    (void)path;
    vertical_generic(in, row_len, out, out_rows, bounds, weights, taps);
}
