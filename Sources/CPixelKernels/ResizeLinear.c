#include "CPixelKernels.h"
#include "CSimdDispatch.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* OpenCV's 8-bit INTER_LINEAR (see sp_resize_linear_u8 in CPixelKernels.h). The horizontal pass
   keeps (sum >> 4) as int16: the vertical pass only ever uses the sum shifted right by 4, and with
   |w0| + |w1| <= 2056 that value fits 16 bits. */

static inline int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

static void horizontal_portable(const uint8_t *row, int sw, int c, const int32_t *xi, const int32_t *xw, int ww, int16_t *h) {
    for (int j = 0; j < ww; j++) {
        const int x0 = xi[j], x1 = x0 + 1 < sw ? x0 + 1 : sw - 1;
        for (int k = 0; k < c; k++) {
            const int32_t a = (int32_t)row[x0 * c + k] * xw[2 * j] + (int32_t)row[x1 * c + k] * xw[2 * j + 1];
            h[j * c + k] = (int16_t)(a >> 4);
        }
    }
}

static void vertical_portable(const int16_t *a, const int16_t *b, int n, int32_t b0, int32_t b1, uint8_t *dst) {
    for (int q = 0; q < n; q++) {
        const int32_t v = ((((int32_t)a[q] * b0) >> 16) + (((int32_t)b[q] * b1) >> 16) + 2) >> 2;
        dst[q] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

/* Three channels, two output pixels a step: each pixel's two source pixels (6 bytes from one 8-byte
   load at byte offset off[j] = 3 * xi[j]) become the 16-bit pairs (c of x0, c of x1), one vpmaddwd
   with the pixel's packed weight pair wp[j] gives the three sums, and both pixels' six int16 values
   are stored as 12 bytes (a 16-byte store whose last 4 bytes the next pair overwrites, as pairs go
   left to right; h has room for the last pair's). A pair with a pixel whose 8-byte load would leave
   the row or whose x1 is clamped (off[j] < 0) takes the portable loop, as does an odd last pixel. */
__attribute__((target("avx2")))
static void horizontal3_avx2(const uint8_t *row, int sw, const int32_t *xi, const int32_t *xw, const int32_t *off,
                             const int32_t *wp, int ww, int16_t *h) {
    const __m128i pairs = _mm_setr_epi8(0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1);
    const __m128i pack = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13, -1, -1, -1, -1);
    int j = 0;
    for (; j + 2 <= ww; j += 2) {
        if (off[j] < 0 || off[j + 1] < 0) {
            horizontal_portable(row, sw, 3, xi + j, xw + 2 * j, 2, h + 3 * j);
            continue;
        }
        const __m128i p0 = _mm_shuffle_epi8(_mm_loadl_epi64((const __m128i *)(row + off[j])), pairs);
        const __m128i p1 = _mm_shuffle_epi8(_mm_loadl_epi64((const __m128i *)(row + off[j + 1])), pairs);
        const __m128i s0 = _mm_srai_epi32(_mm_madd_epi16(p0, _mm_set1_epi32(wp[j])), 4);
        const __m128i s1 = _mm_srai_epi32(_mm_madd_epi16(p1, _mm_set1_epi32(wp[j + 1])), 4);
        _mm_storeu_si128((__m128i *)(h + 3 * j), _mm_shuffle_epi8(_mm_packs_epi32(s0, s1), pack));
    }
    if (j < ww) horizontal_portable(row, sw, 3, xi + j, xw + 2 * j, ww - j, h + 3 * j);
}

/* 32 values a step: vpmulhw gives (a * b0) >> 16 exactly for these 16-bit operands. */
__attribute__((target("avx2")))
static void vertical_avx2(const int16_t *a, const int16_t *b, int n, int32_t b0, int32_t b1, uint8_t *dst) {
    const __m256i v0 = _mm256_set1_epi16((int16_t)b0), v1 = _mm256_set1_epi16((int16_t)b1), two = _mm256_set1_epi16(2);
    int q = 0;
    for (; q + 32 <= n; q += 32) {
        __m256i r[2];
        for (int k = 0; k < 2; k++) {
            const __m256i x = _mm256_loadu_si256((const __m256i *)(a + q + 16 * k));
            const __m256i y = _mm256_loadu_si256((const __m256i *)(b + q + 16 * k));
            r[k] = _mm256_srai_epi16(_mm256_add_epi16(_mm256_add_epi16(_mm256_mulhi_epi16(x, v0), _mm256_mulhi_epi16(y, v1)), two), 2);
        }
        _mm256_storeu_si256((__m256i *)(dst + q), _mm256_permute4x64_epi64(_mm256_packus_epi16(r[0], r[1]), 0xD8));
    }
    if (q < n) vertical_portable(a + q, b + q, n - q, b0, b1, dst + q);
}
#endif

/* Whether the weights keep every intermediate value in 16 bits: |h| <= 32768 needs |xw0| + |xw1| <=
   2056; each yw must be an int16 (the vertical pass multiplies in 16-bit lanes), and each
   (h * yw) >> 16 is then at most |yw| / 2 in size, so |yw0| + |yw1| <= 65528 keeps their sum plus 2
   within int16. */
static int fits16(const int32_t *xw, int ww, const int32_t *yw, int wh) {
    for (int j = 0; j < ww; j++)
        if ((int64_t)llabs(xw[2 * j]) + llabs(xw[2 * j + 1]) > 2056) return 0;
    for (int i = 0; i < wh; i++) {
        if (yw[2 * i] < INT16_MIN || yw[2 * i] > INT16_MAX || yw[2 * i + 1] < INT16_MIN || yw[2 * i + 1] > INT16_MAX) return 0;
        if ((int64_t)llabs(yw[2 * i]) + llabs(yw[2 * i + 1]) > 65528) return 0;
    }
    return 1;
}

int sp_resize_linear_u8(const uint8_t *src, int sw, int sh, int c, const int32_t *xi, const int32_t *xw, int ww,
                        const int32_t *yi, const int32_t *yw, int wh, uint8_t *dst, int path) {
    if (ww <= 0 || wh <= 0) return 0;
    /* Row lengths in bytes are computed in int below. */
    if (sw <= 0 || sh <= 0 || c <= 0 || (int64_t)sw * c > INT32_MAX || (int64_t)ww * c > INT32_MAX) return -1;
    if (!fits16(xw, ww, yw, wh)) return -1;
    const size_t len = (size_t)ww * (size_t)c;
    /* Two rows of horizontal sums, each with 8 spare values for the AVX2 pass's overlapping stores. */
    int16_t *buf = malloc(2 * (len + 8) * sizeof(int16_t));
    if (!buf) return -1;
    int16_t *h0 = buf, *h1 = buf + len + 8;
#if defined(__x86_64__)
    const int simd = sp_simd_usable(path) >= SP_SIMD_AVX2;
    /* For the AVX2 pass: byte offsets (-1 where x0 > sw - 3 or x0 < 0: the 8-byte load would leave
       the row, or x1 is clamped) and packed weight pairs, once a call. */
    int32_t *off = NULL, *wp = NULL;
    if (simd && c == 3) {
        off = malloc(2 * (size_t)ww * sizeof(int32_t));
        if (!off) { free(buf); return -1; }
        wp = off + ww;
        for (int j = 0; j < ww; j++) {
            off[j] = xi[j] >= 0 && xi[j] <= sw - 3 ? 3 * xi[j] : -1;
            wp[j] = (int32_t)(((uint32_t)xw[2 * j] & 0xFFFFu) | ((uint32_t)xw[2 * j + 1] << 16));
        }
    }
#endif
    int have0 = -1, have1 = -1;
    (void)path;
    for (int i = 0; i < wh; i++) {
        const int r0 = clampi(yi[i], 0, sh - 1), r1 = clampi(yi[i] + 1, 0, sh - 1);
        if (r0 == have1) { int16_t *t = h0; h0 = h1; h1 = t; int th = have0; have0 = have1; have1 = th; }
        for (int pass = 0; pass < 2; pass++) {
            const int r = pass ? r1 : r0;
            int16_t *h = pass ? h1 : h0;
            int *have = pass ? &have1 : &have0;
            if (*have == r) continue;
            if (pass && r == have0) { memcpy(h1, h0, len * sizeof(int16_t)); *have = r; continue; }
            const uint8_t *row = src + (size_t)r * (size_t)sw * (size_t)c;
#if defined(__x86_64__)
            if (off) horizontal3_avx2(row, sw, xi, xw, off, wp, ww, h);
            else
#endif
                horizontal_portable(row, sw, c, xi, xw, ww, h);
            *have = r;
        }
        uint8_t *out = dst + (size_t)i * len;
#if defined(__x86_64__)
        if (simd) { vertical_avx2(h0, h1, (int)len, yw[2 * i], yw[2 * i + 1], out); continue; }
#endif
        vertical_portable(h0, h1, (int)len, yw[2 * i], yw[2 * i + 1], out);
    }
    free(buf);
#if defined(__x86_64__)
    free(off);
#endif
    return 0;
}
