#include "CPixelKernels.h"
#include "CSimdDispatch.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static inline void horizontal3_pixel(const uint8_t *p, int n, const int32_t *k, uint8_t *o) {
    int32_t a0 = 1 << 21, a1 = 1 << 21, a2 = 1 << 21;
    for (int t = 0; t < n; t++) {
        a0 += p[3 * t] * k[t]; a1 += p[3 * t + 1] * k[t]; a2 += p[3 * t + 2] * k[t];
    }
    int32_t v;
    v = a0 >> 22; o[0] = (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
    v = a1 >> 22; o[1] = (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
    v = a2 >> 22; o[2] = (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
}

#if defined(__x86_64__)
#include <immintrin.h>

static inline uint8_t clip22(int32_t v) {
    v >>= 22;
    return (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
}

/* Each output pixel accumulates its three channels in one 4-lane vector (the fourth lane reads the
   next pixel's red and is discarded); the last source pixel of a row is handled without over-reading. */
__attribute__((target("sse4.1")))
static void horizontal3_sse41(const uint8_t *in, int in_width, int rows, uint8_t *out, int out_width,
                              int first, const int32_t *bounds, const int32_t *weights, int taps) {
    for (int y = 0; y < rows; y++) {
        const uint8_t *row = in + (size_t)y * in_width * 3;
        uint8_t *o = out + (size_t)y * out_width * 3;
        for (int j = 0; j < out_width; j++) {
            const int x = first + j;
            const int xmin = bounds[2 * x], n = bounds[2 * x + 1];
            const int32_t *k = weights + (size_t)x * taps;
            __m128i acc = _mm_set1_epi32(1 << 21);
            int t = 0;
            const int safe = (xmin + n < in_width) ? n : n - 1;
            for (; t < safe; t++) {
                int32_t four;
                memcpy(&four, row + (size_t)(xmin + t) * 3, 4);
                __m128i px = _mm_cvtepu8_epi32(_mm_cvtsi32_si128(four));
                acc = _mm_add_epi32(acc, _mm_mullo_epi32(px, _mm_set1_epi32(k[t])));
            }
            int32_t lanes[4];
            _mm_storeu_si128((__m128i *)lanes, acc);
            for (; t < n; t++) {
                const uint8_t *p = row + (size_t)(xmin + t) * 3;
                lanes[0] += p[0] * k[t]; lanes[1] += p[1] * k[t]; lanes[2] += p[2] * k[t];
            }
            o[3 * j] = clip22(lanes[0]); o[3 * j + 1] = clip22(lanes[1]); o[3 * j + 2] = clip22(lanes[2]);
        }
    }
}

/* Two rows at once with vpmaddwd: the low 128-bit lane holds a pixel of row y, the high lane the
   pixel at the same x of row y + 1 (same weights). Each 32-bit lane takes one channel of a pair of
   taps as two 16-bit values, and each 22-bit weight is split as w = hi * 2048 + lo, lo in [0, 2047],
   so sum(p * w) = (sum(p * hi) << 11) + sum(p * lo) exactly: the same integers as the scalar kernel. */
__attribute__((target("avx2")))
static void horizontal3_avx2(const uint8_t *in, int in_width, int rows, uint8_t *out, int out_width,
                             int first, const int32_t *bounds, const int32_t *weights, int taps) {
    const size_t stride = (size_t)in_width * 3;
    const int pairs = (taps + 1) / 2;
    int32_t *lo = malloc(sizeof(int32_t) * 2 * (size_t)out_width * (size_t)pairs);
    if (!lo) {
        horizontal3_sse41(in, in_width, rows, out, out_width, first, bounds, weights, taps);
        return;
    }
    int32_t *hi = lo + (size_t)out_width * pairs;
    for (int j = 0; j < out_width; j++) {
        const int x = first + j, n = bounds[2 * x + 1];
        const int32_t *k = weights + (size_t)x * taps;
        for (int q = 0; q < pairs; q++) {
            const int32_t w0 = 2 * q < n ? k[2 * q] : 0, w1 = 2 * q + 1 < n ? k[2 * q + 1] : 0;
            const int32_t h0 = w0 >> 11, h1 = w1 >> 11;
            lo[(size_t)j * pairs + q] = (int32_t)((uint32_t)(w0 - h0 * 2048) | ((uint32_t)(w1 - h1 * 2048) << 16));
            hi[(size_t)j * pairs + q] = (int32_t)((uint32_t)(uint16_t)h0 | ((uint32_t)(uint16_t)h1 << 16));
        }
    }
    /* Bytes 0-5 of a lane hold pixels t and t + 1; lane i gets channel i of both as 16-bit values. */
    const __m256i shuf = _mm256_setr_epi8(0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1,
                                          0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1);
    const __m256i half = _mm256_set1_epi32(1 << 21);
    const uint8_t *end = in + (size_t)rows * stride;
    int y = 0;
    for (; y + 2 <= rows; y += 2) {
        const uint8_t *r0 = in + (size_t)y * stride, *r1 = r0 + stride;
        uint8_t *o0 = out + (size_t)y * out_width * 3, *o1 = o0 + (size_t)out_width * 3;
        for (int j = 0; j < out_width; j++) {
            const int x = first + j;
            const int xmin = bounds[2 * x], n = bounds[2 * x + 1], np = (n + 1) / 2;
            const uint8_t *p0 = r0 + (size_t)xmin * 3, *p1 = r1 + (size_t)xmin * 3;
            if (p1 + (size_t)(np - 1) * 6 + 8 > end) {   /* the 8-byte loads would pass the last row's end */
                const int32_t *k = weights + (size_t)x * taps;
                horizontal3_pixel(p0, n, k, o0 + 3 * j);
                horizontal3_pixel(p1, n, k, o1 + 3 * j);
                continue;
            }
            const int32_t *wl = lo + (size_t)j * pairs, *wh = hi + (size_t)j * pairs;
            __m256i al = _mm256_setzero_si256(), ah = _mm256_setzero_si256();
            for (int q = 0; q < np; q++) {
                __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadl_epi64((const __m128i *)(p0 + 6 * q))),
                                                    _mm_loadl_epi64((const __m128i *)(p1 + 6 * q)), 1);
                v = _mm256_shuffle_epi8(v, shuf);
                al = _mm256_add_epi32(al, _mm256_madd_epi16(v, _mm256_set1_epi32(wl[q])));
                ah = _mm256_add_epi32(ah, _mm256_madd_epi16(v, _mm256_set1_epi32(wh[q])));
            }
            __m256i acc = _mm256_srai_epi32(_mm256_add_epi32(_mm256_add_epi32(_mm256_slli_epi32(ah, 11), al), half), 22);
            __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
            __m128i b8 = _mm_packus_epi16(w16, w16);   /* bytes 0-2: row y, 4-6: row y + 1 */
            const int32_t a = _mm_cvtsi128_si32(b8), b = _mm_extract_epi32(b8, 1);
            if (j + 1 < out_width) {   /* the fourth byte is the next pixel's, written next */
                memcpy(o0 + 3 * j, &a, 4); memcpy(o1 + 3 * j, &b, 4);
            } else {
                memcpy(o0 + 3 * j, &a, 3); memcpy(o1 + 3 * j, &b, 3);
            }
        }
    }
    free(lo);
    if (y < rows)
        horizontal3_sse41(in + (size_t)y * stride, in_width, rows - y, out + (size_t)y * out_width * 3, out_width,
                          first, bounds, weights, taps);
}
#endif

static void horizontal3_generic(const uint8_t *in, int in_width, int rows, uint8_t *out, int out_width,
                                int first, const int32_t *bounds, const int32_t *weights, int taps) {
    for (int y = 0; y < rows; y++) {
        const uint8_t *row = in + (size_t)y * in_width * 3;
        uint8_t *o = out + (size_t)y * out_width * 3;
        for (int j = 0; j < out_width; j++) {
            const int x = first + j;
            horizontal3_pixel(row + (size_t)bounds[2 * x] * 3, bounds[2 * x + 1], weights + (size_t)x * taps, o + 3 * j);
        }
    }
}

void sp_resample_horizontal3(const uint8_t *in, int in_width, int rows, uint8_t *out, int out_width,
                             int first, const int32_t *bounds, const int32_t *weights, int taps, int path) {
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX2) {
        horizontal3_avx2(in, in_width, rows, out, out_width, first, bounds, weights, taps);
        return;
    }
#endif
    (void)path;
    horizontal3_generic(in, in_width, rows, out, out_width, first, bounds, weights, taps);
}
