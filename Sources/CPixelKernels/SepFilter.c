#include "CPixelKernels.h"
#include <math.h>

/* ---- OpenCV's float sepFilter2D on uint8 with a symmetric kernel ----

   Exactness rests on every operation being one IEEE float32 operation in a fixed order: the row
   pass is s = fma(x[j - r + i], k[i], s) for i = 0..2r from s = 0, the column pass
   s = k[r] * R[y], then s = fma(R[y - t] + R[y + t], k[r + t], s) for t = 1..r, the result rounded
   to nearest even and saturated. The SIMD versions run the same sequence per element, so they
   equal the portable one bit for bit. No expression here may be contracted into an fma by the
   compiler. */
#pragma clang fp contract(off)

static inline int reflect101(int i, int n) {
    if (n <= 1) return 0;
    const int period = 2 * (n - 1);
    int j = i % period;
    if (j < 0) j += period;
    return j < n ? j : period - j;
}

static inline uint8_t sat_round(float s) {
    float v = nearbyintf(s);   /* default rounding mode: to nearest, ties to even */
    if (!(v > 0.0f)) return 0;
    if (v > 255.0f) return 255;
    return (uint8_t)v;
}

/* Row `y` of src as floats, reflected `r` pixels beyond each side: pad[x * c + ch] for x < w + 2r. */
static inline void fill_pad(const uint8_t *src, int w, int c, int y, int r, const int *cols, float *pad) {
    const uint8_t *row = src + (size_t)y * (size_t)(w * c);
    for (int x = 0; x < w + 2 * r; x++)
        for (int ch = 0; ch < c; ch++) pad[x * c + ch] = (float)row[cols[x] * c + ch];
}

/* One element of the row pass: fmas left to right from 0. */
static inline float row_element(const float *pad, int j, int c, const float *k, int r) {
    float s = 0.0f;
    for (int i = 0; i <= 2 * r; i++) s = fmaf(pad[j + i * c], k[i], s);
    return s;
}

/* One element of the column pass for output row y: the centre row times its weight, then the
   symmetric pairs added before their fma. */
static inline uint8_t column_element(const float *R, int n, int y, int j, const float *k, int r, const int *rows) {
    float s = k[r] * R[(size_t)rows[y + r] * n + j];
    for (int t = 1; t <= r; t++) {
        const float a = R[(size_t)rows[y + r - t] * n + j], b = R[(size_t)rows[y + r + t] * n + j];
        s = fmaf(a + b, k[r + t], s);
    }
    return sat_round(s);
}

/* Row pass of rows [y0, y1) into R (w * c floats per row); `pad` has room for (w + 2r) * c floats. */
static void rows_portable(const uint8_t *src, int w, int c, int y0, int y1, const float *k, int r,
                          const int *cols, float *pad, float *R) {
    const int n = w * c;
    for (int y = y0; y < y1; y++) {
        fill_pad(src, w, c, y, r, cols, pad);
        float *out = R + (size_t)y * n;
        for (int j = 0; j < n; j++) out[j] = row_element(pad, j, c, k, r);
    }
}

static void columns_portable(const float *R, int n, int h, const float *k, int r, const int *rows,
                             uint8_t *dst) {
    for (int y = 0; y < h; y++) {
        uint8_t *out = dst + (size_t)y * n;
        for (int j = 0; j < n; j++) out[j] = column_element(R, n, y, j, k, r, rows);
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2,fma")))
static void rows_avx2(const uint8_t *src, int w, int c, int y0, int y1, const float *k, int r,
                      const int *cols, float *pad, float *R) {
    const int n = w * c;
    for (int y = y0; y < y1; y++) {
        fill_pad(src, w, c, y, r, cols, pad);
        float *out = R + (size_t)y * n;
        int j = 0;
        for (; j + 8 <= n; j += 8) {
            __m256 s = _mm256_setzero_ps();
            for (int i = 0; i <= 2 * r; i++) s = _mm256_fmadd_ps(_mm256_loadu_ps(pad + j + i * c), _mm256_set1_ps(k[i]), s);
            _mm256_storeu_ps(out + j, s);
        }
        for (; j < n; j++) out[j] = row_element(pad, j, c, k, r);
    }
}

__attribute__((target("avx2,fma")))
static void columns_avx2(const float *R, int n, int h, const float *k, int r, const int *rows, uint8_t *dst) {
    for (int y = 0; y < h; y++) {
        const float *centre = R + (size_t)rows[y + r] * n;
        uint8_t *out = dst + (size_t)y * n;
        int j = 0;
        for (; j + 8 <= n; j += 8) {
            __m256 s = _mm256_mul_ps(_mm256_set1_ps(k[r]), _mm256_loadu_ps(centre + j));
            for (int t = 1; t <= r; t++) {
                const __m256 a = _mm256_loadu_ps(R + (size_t)rows[y + r - t] * n + j);
                const __m256 b = _mm256_loadu_ps(R + (size_t)rows[y + r + t] * n + j);
                s = _mm256_fmadd_ps(_mm256_add_ps(a, b), _mm256_set1_ps(k[r + t]), s);
            }
            /* round to nearest even, saturate to 0..255 */
            __m256i v = _mm256_cvtps_epi32(_mm256_round_ps(s, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
            v = _mm256_max_epi32(_mm256_min_epi32(v, _mm256_set1_epi32(255)), _mm256_setzero_si256());
            const __m128i lo = _mm256_castsi256_si128(v), hi = _mm256_extracti128_si256(v, 1);
            const __m128i w16 = _mm_packus_epi32(lo, hi);
            const __m128i b8 = _mm_packus_epi16(w16, w16);
            _mm_storel_epi64((__m128i *)(out + j), b8);
        }
        for (; j < n; j++) out[j] = column_element(R, n, y, j, k, r, rows);
    }
}
#endif

void sp_sep_filter_f32_isa(const uint8_t *src, int width, int height, int channels, const float *kernel,
                           int radius, uint8_t *dst, float *scratch, int32_t *indices, int isa) {
    const int w = width, h = height, c = channels, r = radius, n = w * c;
    if (w <= 0 || h <= 0 || c <= 0 || r < 0) return;
    int *cols = indices, *rows = indices + (w + 2 * r);
    float *pad = scratch, *R = scratch + (size_t)(w + 2 * r) * (size_t)c;
    for (int x = 0; x < w + 2 * r; x++) cols[x] = reflect101(x - r, w);
    for (int y = 0; y < h + 2 * r; y++) rows[y] = reflect101(y - r, h);
#if defined(__x86_64__)
    if (isa >= 1 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        rows_avx2(src, w, c, 0, h, kernel, r, cols, pad, R);
        columns_avx2(R, n, h, kernel, r, rows, dst);
        return;
    }
#endif
    (void)isa;
    rows_portable(src, w, c, 0, h, kernel, r, cols, pad, R);
    columns_portable(R, n, h, kernel, r, rows, dst);
}
