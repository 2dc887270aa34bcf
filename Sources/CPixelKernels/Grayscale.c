#include "CPixelKernels.h"
#include "CSimdDispatch.h"
#include <string.h>

/* The grey value must be mmseg's float64 sum bit for bit: no fused multiply-add anywhere. */
#pragma STDC FP_CONTRACT OFF

/* (b·w_b + g·w_g) + r·w_r in float64, rounded to nearest even (adding and removing 2^52; the sum is
   at least 0 and far below 2^52), clipped to 255. */
static inline uint8_t grey_one(const uint8_t *q, const double *w) {
    double v = ((double)q[2] * w[2] + (double)q[1] * w[1]) + (double)q[0] * w[0];
    v = (v + 0x1p52) - 0x1p52;
    return (uint8_t)(v > 255 ? 255 : v);
}

static void grey_pixels(uint8_t *p, size_t pixels, int channels, const double *w) {
    for (size_t i = 0; i < pixels; i++) {
        uint8_t *q = p + i * (size_t)channels;
        memset(q, grey_one(q, w), (size_t)channels);
    }
}

void sp_grayscale_naive(uint8_t *p, size_t pixels, int channels, const double *weights) {
    if (channels < 3) return;
    grey_pixels(p, pixels, channels, weights);
}

#if defined(__x86_64__)
#include <immintrin.h>
/* Four pixels of a 16-byte load: their red, green and blue bytes widened to float64 lanes, the same
   products and sums in the same order as grey_one, and the byte written to the three channels. */
__attribute__((target("avx2")))
static inline __m128i grey4_avx2(__m128i v, __m256d wr, __m256d wg, __m256d wb) {
    const __m128i mr = _mm_setr_epi8(0, -1, -1, -1, 3, -1, -1, -1, 6, -1, -1, -1, 9, -1, -1, -1);
    const __m128i mg = _mm_setr_epi8(1, -1, -1, -1, 4, -1, -1, -1, 7, -1, -1, -1, 10, -1, -1, -1);
    const __m128i mb = _mm_setr_epi8(2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1);
    const __m128i spread = _mm_setr_epi8(0, 0, 0, 4, 4, 4, 8, 8, 8, 12, 12, 12, -1, -1, -1, -1);
    const __m256d r = _mm256_cvtepi32_pd(_mm_shuffle_epi8(v, mr));
    const __m256d g = _mm256_cvtepi32_pd(_mm_shuffle_epi8(v, mg));
    const __m256d b = _mm256_cvtepi32_pd(_mm_shuffle_epi8(v, mb));
    const __m256d big = _mm256_set1_pd(0x1p52);
    __m256d s = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(b, wb), _mm256_mul_pd(g, wg)), _mm256_mul_pd(r, wr));
    s = _mm256_sub_pd(_mm256_add_pd(s, big), big);
    s = _mm256_min_pd(s, _mm256_set1_pd(255));
    return _mm_shuffle_epi8(_mm256_cvttpd_epi32(s), spread);
}

/* Eight RGB pixels (24 bytes) a step: both 16-byte loads come before any store, and the second
   store writes only its 12 bytes, so no byte is overwritten before it is read. */
__attribute__((target("avx2")))
static void grey3_avx2(uint8_t *p, size_t pixels, const double *w) {
    const __m256d wr = _mm256_set1_pd(w[0]), wg = _mm256_set1_pd(w[1]), wb = _mm256_set1_pd(w[2]);
    size_t i = 0;
    for (; i + 10 <= pixels; i += 8) {   /* the second load reads 4 bytes past the 8 pixels */
        uint8_t *q = p + 3 * i;
        const __m128i a = _mm_loadu_si128((const __m128i *)q), b = _mm_loadu_si128((const __m128i *)(q + 12));
        const __m128i ya = grey4_avx2(a, wr, wg, wb), yb = grey4_avx2(b, wr, wg, wb);
        _mm_storeu_si128((__m128i *)q, ya);
        _mm_storel_epi64((__m128i *)(q + 12), yb);
        const uint32_t last = (uint32_t)_mm_extract_epi32(yb, 2);
        memcpy(q + 20, &last, 4);
    }
    grey_pixels(p + 3 * i, pixels - i, 3, w);
}

/* Fixed point with 20 fraction bits, used when the weights sum below 8 (so 255·ΣW fits in int32):
   W = round(w·2^20) puts Y = r·W_r + g·W_g + b·W_b within 765/2 units of 2^20·y, and the float64 sum
   is within far less than a unit of y. So unless Y's fraction lies within GREY_MARGIN units of one half,
   y and Y/2^20 round to the same integer (and y is no tie); the few pixels that do are recomputed
   in float64 by grey_one. With Z = Y + 2^19 + GREY_MARGIN both come from Z: Y is near a half exactly
   when Z mod 2^20 < 2·GREY_MARGIN (bits 10..19 of Z all clear), and otherwise Z / 2^20 is Y rounded. */
#define GREY_BITS 20
#define GREY_MARGIN 512
static int grey_fixed_weights(const double *w, int32_t *fixed) {
    const double sum = w[0] + w[1] + w[2];
    if (!(sum < 8)) return 0;
    for (int k = 0; k < 3; k++) fixed[k] = (int32_t)(w[k] * (1 << GREY_BITS) + 0.5);
    return 1;
}

/* The pixels of the step at q flagged in near_half, recomputed in float64 from the loaded bytes v.
   Out of line and cold, so the step keeps its constants in registers across the rare call. */
__attribute__((target("avx2"), noinline, cold))
static void grey8_near_half(uint8_t *q, __m256i v, int near_half, const double *w) {
    uint8_t source[28];
    _mm_storeu_si128((__m128i *)source, _mm256_castsi256_si128(v));
    _mm_storeu_si128((__m128i *)(source + 12), _mm256_extracti128_si256(v, 1));
    for (int j = 0; j < 8; j++)
        if (near_half >> j & 1) memset(q + 3 * j, grey_one(source + 3 * j, w), 3);
}

/* The 8 RGB pixels at q, loaded as v (bytes 0..15 in lane 0, 12..27 in lane 1), made grey: Y in
   fixed point, the bytes spread to three channels, lane 1's last 4 bytes (the bytes after the 8
   pixels) written back as loaded, so two 16-byte stores cover the 24 bytes; the pixels near a
   half are then recomputed in float64 from v. */
__attribute__((target("avx2"), always_inline))
static inline void grey8_fixed_avx2(uint8_t *q, __m256i v, const double *w, const int32_t *fixed) {
    const __m256i mr = _mm256_setr_epi8(0, -1, -1, -1, 3, -1, -1, -1, 6, -1, -1, -1, 9, -1, -1, -1,
                                         0, -1, -1, -1, 3, -1, -1, -1, 6, -1, -1, -1, 9, -1, -1, -1);
    const __m256i mg = _mm256_setr_epi8(1, -1, -1, -1, 4, -1, -1, -1, 7, -1, -1, -1, 10, -1, -1, -1,
                                         1, -1, -1, -1, 4, -1, -1, -1, 7, -1, -1, -1, 10, -1, -1, -1);
    const __m256i mb = _mm256_setr_epi8(2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1,
                                         2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1);
    const __m256i spread = _mm256_setr_epi8(0, 0, 0, 4, 4, 4, 8, 8, 8, 12, 12, 12, -1, -1, -1, -1,
                                            0, 0, 0, 4, 4, 4, 8, 8, 8, 12, 12, 12, -1, -1, -1, -1);
    const __m256i wr = _mm256_set1_epi32(fixed[0]), wg = _mm256_set1_epi32(fixed[1]), wb = _mm256_set1_epi32(fixed[2]);
    const __m256i offset = _mm256_set1_epi32((1 << (GREY_BITS - 1)) + GREY_MARGIN);
    const __m256i near_bits = _mm256_set1_epi32((1 << GREY_BITS) - 2 * GREY_MARGIN);
    const __m256i y = _mm256_add_epi32(_mm256_add_epi32(_mm256_mullo_epi32(_mm256_shuffle_epi8(v, mr), wr),
                                                        _mm256_mullo_epi32(_mm256_shuffle_epi8(v, mg), wg)),
                                       _mm256_mullo_epi32(_mm256_shuffle_epi8(v, mb), wb));
    const __m256i z = _mm256_add_epi32(y, offset);
    const int near_half = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(z, near_bits), _mm256_setzero_si256())));
    const __m256i g = _mm256_min_epi32(_mm256_srli_epi32(z, GREY_BITS), _mm256_set1_epi32(255));
    const __m256i out = _mm256_blend_epi32(_mm256_shuffle_epi8(g, spread), v, 0x80);
    _mm_storeu_si128((__m128i *)q, _mm256_castsi256_si128(out));
    _mm_storeu_si128((__m128i *)(q + 12), _mm256_extracti128_si256(out, 1));
    if (__builtin_expect(near_half != 0, 0)) grey8_near_half(q, v, near_half, w);
}

__attribute__((target("avx2")))
static inline __m256i load8_rgb(const uint8_t *q) {
    return _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)q)), _mm_loadu_si128((const __m128i *)(q + 12)), 1);
}

/* Eight pixels a step (each load reads 4 bytes past its 8 pixels). Each step loads the next 8
   pixels before it stores its own, so no load waits on the store that overlaps it. */
__attribute__((target("avx2")))
static void grey3_fixed_avx2(uint8_t *p, size_t pixels, const double *w, const int32_t *fixed) {
    size_t i = 0;
    if (pixels >= 10) {
        __m256i v = load8_rgb(p);
        for (; i + 18 <= pixels; i += 8) {
            const __m256i next = load8_rgb(p + 3 * i + 24);
            grey8_fixed_avx2(p + 3 * i, v, w, fixed);
            v = next;
        }
        grey8_fixed_avx2(p + 3 * i, v, w, fixed);
        i += 8;
    }
    grey_pixels(p + 3 * i, pixels - i, 3, w);
}

/* The same fixed point, 16 pixels a step with AVX-512: the red, green and blue bytes go to the low
   byte of 32-bit lanes with one masked vpermb each, and the grey bytes back to three channels with
   one more; each 64-byte load reads 16 bytes past its 16 pixels, and the store writes them back as
   loaded. Pixels near a half are recomputed in float64 from the loaded bytes, as on the AVX2 path. */
__attribute__((target("avx512f,avx512bw,avx512vbmi")))
static void grey3_fixed_avx512(uint8_t *p, size_t pixels, const double *w, const int32_t *fixed) {
    uint8_t ir[64], ig[64], ib[64], is[64];
    for (int j = 0; j < 64; j++) {
        ir[j] = (uint8_t)(3 * (j / 4));
        ig[j] = (uint8_t)(3 * (j / 4) + 1);
        ib[j] = (uint8_t)(3 * (j / 4) + 2);
        is[j] = (uint8_t)(4 * (j / 3 < 16 ? j / 3 : 0));
    }
    const __m512i pr = _mm512_loadu_si512(ir), pg = _mm512_loadu_si512(ig), pb = _mm512_loadu_si512(ib);
    const __m512i ps = _mm512_loadu_si512(is);
    const __mmask64 low = 0x1111111111111111ull, rgb = 0x0000FFFFFFFFFFFFull;
    const __m512i wr = _mm512_set1_epi32(fixed[0]), wg = _mm512_set1_epi32(fixed[1]), wb = _mm512_set1_epi32(fixed[2]);
    const __m512i offset = _mm512_set1_epi32((1 << (GREY_BITS - 1)) + GREY_MARGIN);
    const __m512i near_bits = _mm512_set1_epi32((1 << GREY_BITS) - 2 * GREY_MARGIN), most = _mm512_set1_epi32(255);
    size_t i = 0;
    if (pixels >= 22) {
        /* 64 bytes from pixel i: 16 pixels and 16 bytes after them. Each step loads the next 16
           pixels before it stores its own, so no load waits on the store that overlaps it. */
        __m512i v = _mm512_loadu_si512(p);
        for (;; i += 16) {
            uint8_t *q = p + 3 * i;
            const int more = i + 16 + 22 <= pixels;
            const __m512i next = more ? _mm512_loadu_si512(q + 48) : v;
            const __m512i y = _mm512_add_epi32(_mm512_add_epi32(_mm512_mullo_epi32(_mm512_maskz_permutexvar_epi8(low, pr, v), wr),
                                                                _mm512_mullo_epi32(_mm512_maskz_permutexvar_epi8(low, pg, v), wg)),
                                               _mm512_mullo_epi32(_mm512_maskz_permutexvar_epi8(low, pb, v), wb));
            const __m512i z = _mm512_add_epi32(y, offset);
            const __mmask16 near_half = _mm512_testn_epi32_mask(z, near_bits);
            const __m512i g = _mm512_min_epi32(_mm512_srli_epi32(z, GREY_BITS), most);
            _mm512_storeu_si512(q, _mm512_mask_permutexvar_epi8(v, rgb, ps, g));
            if (__builtin_expect(near_half != 0, 0)) {
                uint8_t source[64];
                _mm512_storeu_si512(source, v);
                for (int j = 0; j < 16; j++)
                    if (near_half >> j & 1) memset(q + 3 * j, grey_one(source + 3 * j, w), 3);
            }
            if (!more) break;
            v = next;
        }
        i += 16;
    }
    grey3_fixed_avx2(p + 3 * i, pixels - i, w, fixed);
}
#endif

void sp_grayscale(uint8_t *p, size_t pixels, int channels, const double *weights, int path) {
    if (channels < 3) return;
#if defined(__x86_64__)
    int32_t fixed[3];
    if (channels == 3 && sp_simd_usable(path) >= SP_SIMD_AVX2) {
        if (!grey_fixed_weights(weights, fixed)) grey3_avx2(p, pixels, weights);
        else if (sp_simd_usable(path) >= SP_SIMD_AVX512) grey3_fixed_avx512(p, pixels, weights, fixed);
        else grey3_fixed_avx2(p, pixels, weights, fixed);
        return;
    }
#endif
    (void)path;
    grey_pixels(p, pixels, channels, weights);
}
