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
#include "ResampleWeights.h"

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

/* Bytes 0-5 of a 128-bit lane hold pixels x and x + 1: 16-bit lane 2c gets channel c of x and lane
   2c + 1 channel c of x + 1 (c = 0..2), lanes 6 and 7 zero. PAIRS_AT(3k) does the same for the
   pixels at bytes 3k..3k+5. */
#define PAIRS_AT(o) _mm256_setr_epi8(o, -1, o + 3, -1, o + 1, -1, o + 4, -1, o + 2, -1, o + 5, -1, -1, -1, -1, -1, \
                                     o, -1, o + 3, -1, o + 1, -1, o + 4, -1, o + 2, -1, o + 5, -1, -1, -1, -1, -1)

/* Rewrites rows r0 and r1 (= r0 + stride) as the pair entries of horizontal3_avx2, entry x at
   buf[x]; `end` is the end of the readable input. */
__attribute__((target("avx2"), always_inline))
static inline void pair_entries(const uint8_t *r0, const uint8_t *r1, const uint8_t *end, int in_width,
                                __m256i *buf) {
    const size_t readable = (size_t)(end - r1);   /* bytes from r1 to the end of the input */
    int x = 0;
    /* Four entries from each pair of 16-byte loads while they stay inside the input, then one at a
       time through a zero-padded copy. */
    for (; x + 4 <= in_width && 3 * (size_t)x + 16 <= readable; x += 4) {
        const __m256i v = _mm256_loadu2_m128i((const __m128i *)(r1 + 3 * (size_t)x), (const __m128i *)(r0 + 3 * (size_t)x));
        _mm256_store_si256(buf + x, _mm256_shuffle_epi8(v, PAIRS_AT(0)));
        _mm256_store_si256(buf + x + 1, _mm256_shuffle_epi8(v, PAIRS_AT(3)));
        _mm256_store_si256(buf + x + 2, _mm256_shuffle_epi8(v, PAIRS_AT(6)));
        _mm256_store_si256(buf + x + 3, _mm256_shuffle_epi8(v, PAIRS_AT(9)));
    }
    for (; x < in_width; x++) {
        uint8_t ta[16] = {0}, tb[16] = {0};
        const size_t left = readable - 3 * (size_t)x;
        memcpy(ta, r0 + 3 * (size_t)x, 6);
        memcpy(tb, r1 + 3 * (size_t)x, left < 6 ? left : 6);
        const __m256i v = _mm256_loadu2_m128i((const __m128i *)tb, (const __m128i *)ta);
        _mm256_store_si256(buf + x, _mm256_shuffle_epi8(v, PAIRS_AT(0)));
    }
}

/* Output column j of the row pair: lanes 0-2 the upper row, 4-6 the lower (3 and 7 are 0). */
__attribute__((target("avx2"), always_inline))
static inline __m256i column(const __m256i *buf, int xmin, const int32_t *wl, const int32_t *wh, int np) {
    __m256i al = _mm256_set1_epi32(1 << 21), ah = _mm256_setzero_si256();
    for (int q = 0; q < np; q++) {
        const __m256i v = _mm256_load_si256(buf + xmin + 2 * q);
        al = _mm256_add_epi32(al, _mm256_madd_epi16(v, _mm256_set1_epi32(wl[q])));
        ah = _mm256_add_epi32(ah, _mm256_madd_epi16(v, _mm256_set1_epi32(wh[q])));
    }
    return _mm256_srai_epi32(_mm256_add_epi32(_mm256_slli_epi32(ah, 11), al), 22);
}

/* All output columns of the row pair (output rows o0, o1), `np` tap pairs each. */
__attribute__((target("avx2"), always_inline))
static inline void columns(const __m256i *buf, const int32_t *xs, const int32_t *lo, const int32_t *hi,
                           int np, int out_width, uint8_t *o0, uint8_t *o1) {
    const __m256i compact = _mm256_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1,
                                             0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
    int j = 0;
    for (; j + 4 <= out_width; j += 4) {
        const int32_t *wl = lo + (size_t)j * np, *wh = hi + (size_t)j * np;
        const __m256i c[4] = {column(buf, xs[j], wl, wh, np), column(buf, xs[j + 1], wl + np, wh + np, np),
                              column(buf, xs[j + 2], wl + 2 * np, wh + 2 * np, np),
                              column(buf, xs[j + 3], wl + 3 * np, wh + 3 * np, np)};
        /* Per 128-bit lane the four columns of one row, 4 bytes each (the fourth 0), compacted. */
        const __m256i b8 = _mm256_shuffle_epi8(
            _mm256_packus_epi16(_mm256_packs_epi32(c[0], c[1]), _mm256_packs_epi32(c[2], c[3])), compact);
        const __m128i ra = _mm256_castsi256_si128(b8), rb = _mm256_extracti128_si256(b8, 1);
        if (j + 6 <= out_width) {   /* the last 4 bytes are rewritten by the next columns */
            _mm_storeu_si128((__m128i *)(o0 + 3 * j), ra);
            _mm_storeu_si128((__m128i *)(o1 + 3 * j), rb);
        } else {
            uint8_t t[32];
            _mm_storeu_si128((__m128i *)t, ra);
            _mm_storeu_si128((__m128i *)(t + 16), rb);
            memcpy(o0 + 3 * j, t, 12);
            memcpy(o1 + 3 * j, t + 16, 12);
        }
    }
    for (; j < out_width; j++) {
        const __m256i c = column(buf, xs[j], lo + (size_t)j * np, hi + (size_t)j * np, np);
        const __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(c), _mm256_extracti128_si256(c, 1));
        uint8_t t[16];
        _mm_storeu_si128((__m128i *)t, _mm_packus_epi16(w16, w16));   /* bytes 0-2: upper row, 4-6: lower */
        memcpy(o0 + 3 * j, t, 3);
        memcpy(o1 + 3 * j, t + 4, 3);
    }
}

/* Two rows at once (an odd last row with SSE4.1) with vpmaddwd. Each weight is split as
   w = hi * 2048 + lo, lo in [0, 2047], hi = w >> 11 (a 16-bit value for |w| < 2^26; Pillow's are
   below 2^23), so sum(p * w) = (sum(p * hi) << 11) + sum(p * lo): the same integers as the scalar
   kernel. Each vpmaddwd product pair is exact (below 2^19 * 2 and 255 * 2^15 * 2), and the adds and
   the shift are exact modulo 2^32, so the final 2^21 + sum(p * w) equals the scalar kernel's sum
   whenever that fits in 32 bits (which the scalar kernel needs too: 255 * sum|w| + 2^21 < 2^31, true
   of Pillow's weights, whose absolute sum stays near 2^22), whatever the partial sums do.

   Each pair of rows is first rewritten as one 32-byte entry per source x: 16-bit lanes
   (p[x].c, p[x+1].c) for c = 0..2 and a zero pair, the upper row in the low 128 bits, the lower in
   the high ones (entries past the row are zero, and p[x+1] of the last x is never weighted). A tap
   pair of an output column is then one load, two vpmaddwd with the broadcast weight halves and two
   adds (four rows at once were slower: their entries fill the L1 cache); every column's taps are
   padded with zero weights to the even count that holds the longest window. Four output columns
   are finished together: packed to bytes, compacted to 12 bytes per row with one shuffle and
   stored 16 bytes at a time (the 4 extra bytes are rewritten by the next columns; near the row end
   only the 12 are stored). */
__attribute__((target("avx2")))
static void horizontal3_avx2(const uint8_t *in, int in_width, int rows, uint8_t *out, int out_width,
                             int first, const int32_t *bounds, const int32_t *weights, int taps) {
    const size_t stride = (size_t)in_width * 3, ostride = (size_t)out_width * 3;
    /* Tap pairs: enough for the longest window among these columns (an upscaling table has room for
       5 taps and uses 4). */
    int nmax = 1;
    for (int j = 0; j < out_width; j++) nmax = bounds[2 * (first + j) + 1] > nmax ? bounds[2 * (first + j) + 1] : nmax;
    const int np = (nmax + 1) / 2;
    const size_t span = (size_t)in_width + 2 * (size_t)np;
    const size_t wbytes = sizeof(int32_t) * (2 * (size_t)out_width * (size_t)np + (size_t)out_width);
    char *mem = aligned_alloc(32, (span * 32 + wbytes + 31) / 32 * 32);
    if (!mem) {
        horizontal3_sse41(in, in_width, rows, out, out_width, first, bounds, weights, taps);
        return;
    }
    __m256i *buf = (__m256i *)mem;
    int32_t *lo = (int32_t *)(mem + span * 32), *hi = lo + (size_t)out_width * np, *xs = hi + (size_t)out_width * np;
    for (int j = 0; j < out_width; j++) {
        const int x = first + j, n = bounds[2 * x + 1];
        const int32_t *k = weights + (size_t)x * taps;
        xs[j] = bounds[2 * x];
        for (int q = 0; q < np; q++) {
            sp_split_weights(2 * q < n ? k[2 * q] : 0, 2 * q + 1 < n ? k[2 * q + 1] : 0, lo + (size_t)j * np + q,
                             hi + (size_t)j * np + q);
        }
    }
    for (size_t e = (size_t)in_width; e < span; e++) buf[e] = _mm256_setzero_si256();
    const uint8_t *end = in + (size_t)rows * stride;
    int y = 0;
    for (; y + 2 <= rows; y += 2) {
        const uint8_t *r = in + (size_t)y * stride;
        uint8_t *o0 = out + (size_t)y * ostride, *o1 = o0 + ostride;
        pair_entries(r, r + stride, end, in_width, buf);
        switch (np) {   /* the tap-pair loop unrolled for the common tap counts */
        case 2: columns(buf, xs, lo, hi, 2, out_width, o0, o1); break;
        case 3: columns(buf, xs, lo, hi, 3, out_width, o0, o1); break;
        case 4: columns(buf, xs, lo, hi, 4, out_width, o0, o1); break;
        case 5: columns(buf, xs, lo, hi, 5, out_width, o0, o1); break;
        default: columns(buf, xs, lo, hi, np, out_width, o0, o1); break;
        }
    }
    free(mem);
    if (y < rows)
        horizontal3_sse41(in + (size_t)y * stride, in_width, rows - y, out + (size_t)y * ostride, out_width,
                          first, bounds, weights, taps);
}
#undef PAIRS_AT
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
