#include "CPixelKernels.h"
#include "PixelMath.h"
#include "CSimdDispatch.h"
#include <math.h>

/* ---- OpenCV's float sepFilter2D on uint8 with a symmetric kernel ----

   Exactness rests on every operation being one IEEE float32 operation in a fixed order: the row
   pass is s = fma(x[j - r + i], k[i], s) for i = 0..2r from s = 0, the column pass
   s = k[r] * R[y], then s = fma(R[y - t] + R[y + t], k[r + t], s) for t = 1..r, the result rounded
   to nearest even and saturated. The SIMD versions run the same sequence per element, so they
   equal the portable one bit for bit. No expression here may be contracted into an fma by the
   compiler.

   The row pass results live in a ring of 2r + 1 rows (virtual rows -r .. h + r - 1, each the row
   pass of the reflected source row), so the working set stays in cache. */
#pragma clang fp contract(off)

/* Source row `row` as floats, reflected `r` pixels beyond each side: pad[x * c + ch] for x < w + 2r. */
static void fill_pad(const uint8_t *row, int w, int c, int r, const int *cols, float *pad) {
    for (int x = 0; x < r; x++)
        for (int ch = 0; ch < c; ch++) pad[x * c + ch] = (float)row[cols[x] * c + ch];
    for (int j = 0; j < w * c; j++) pad[r * c + j] = (float)row[j];
    for (int x = w + r; x < w + 2 * r; x++)
        for (int ch = 0; ch < c; ch++) pad[x * c + ch] = (float)row[cols[x] * c + ch];
}

/* One element of the row pass: fmas left to right from 0. */
static inline float row_element(const float *pad, int j, int c, const float *k, int r) {
    float s = 0.0f;
    for (int i = 0; i <= 2 * r; i++) s = fmaf(pad[j + i * c], k[i], s);
    return s;
}

/* One element of the column pass: the centre row times its weight, then the symmetric pairs added
   before their fma. `at[t]` is the row pass of row y + t, t = -r..r. */
static inline uint8_t column_element(const float *const *at, int j, const float *k, int r) {
    float s = k[r] * at[0][j];
    for (int t = 1; t <= r; t++) s = fmaf(at[-t][j] + at[t][j], k[r + t], s);
    return sat_round(s);
}

static void row_portable(const float *pad, float *out, int n, int c, const float *k, int r) {
    for (int j = 0; j < n; j++) out[j] = row_element(pad, j, c, k, r);
}

static void column_portable(const float *const *at, uint8_t *out, int n, const float *k, int r) {
    for (int j = 0; j < n; j++) out[j] = column_element(at, j, k, r);
}

#if defined(__x86_64__)
#include <immintrin.h>

/* fill_pad with the interior converted 8 bytes a step. */
__attribute__((target("avx2,fma")))
static void fill_pad_avx2(const uint8_t *row, int w, int c, int r, const int *cols, float *pad) {
    for (int x = 0; x < r; x++)
        for (int ch = 0; ch < c; ch++) pad[x * c + ch] = (float)row[cols[x] * c + ch];
    float *inner = pad + r * c;
    int j = 0;
    for (; j + 8 <= w * c; j += 8)
        _mm256_storeu_ps(inner + j, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(row + j)))));
    for (; j < w * c; j++) inner[j] = (float)row[j];
    for (int x = w + r; x < w + 2 * r; x++)
        for (int ch = 0; ch < c; ch++) pad[x * c + ch] = (float)row[cols[x] * c + ch];
}

__attribute__((target("avx2,fma")))
static void row_avx2(const float *pad, float *out, int n, int c, const float *k, int r) {
    int j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 s = _mm256_setzero_ps();
        for (int i = 0; i <= 2 * r; i++) s = _mm256_fmadd_ps(_mm256_loadu_ps(pad + j + i * c), _mm256_set1_ps(k[i]), s);
        _mm256_storeu_ps(out + j, s);
    }
    for (; j < n; j++) out[j] = row_element(pad, j, c, k, r);
}

__attribute__((target("avx2,fma")))
static void column_avx2(const float *const *at, uint8_t *out, int n, const float *k, int r) {
    int j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 s = _mm256_mul_ps(_mm256_set1_ps(k[r]), _mm256_loadu_ps(at[0] + j));
        for (int t = 1; t <= r; t++)
            s = _mm256_fmadd_ps(_mm256_add_ps(_mm256_loadu_ps(at[-t] + j), _mm256_loadu_ps(at[t] + j)), _mm256_set1_ps(k[r + t]), s);
        /* round to nearest even, saturate to 0..255 */
        __m256i v = _mm256_cvtps_epi32(_mm256_round_ps(s, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        v = _mm256_max_epi32(_mm256_min_epi32(v, _mm256_set1_epi32(255)), _mm256_setzero_si256());
        const __m128i w16 = _mm_packus_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
        _mm_storel_epi64((__m128i *)(out + j), _mm_packus_epi16(w16, w16));
    }
    for (; j < n; j++) out[j] = column_element(at, j, k, r);
}
#endif

void sp_sep_filter_f32(const uint8_t *src, int width, int height, int channels, const float *kernel,
                           int radius, uint8_t *dst, float *scratch, int32_t *indices, int path) {
    const int w = width, h = height, c = channels, r = radius, n = w * c, ring = 2 * r + 1;
    if (w <= 0 || h <= 0 || c <= 0 || r < 0 || r > 1024) return;
    void (*row)(const float *, float *, int, int, const float *, int) = row_portable;
    void (*column)(const float *const *, uint8_t *, int, const float *, int) = column_portable;
    void (*fill)(const uint8_t *, int, int, int, const int *, float *) = fill_pad;
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX2) {
        fill = fill_pad_avx2;
        row = row_avx2;
        column = column_avx2;
    }
#endif
    (void)path;
    int *cols = indices;
    float *pad = scratch, *R = scratch + (size_t)(w + 2 * r) * (size_t)c;
    for (int x = 0; x < w + 2 * r; x++) cols[x] = reflect101(x - r, w);
    /* Row pass of virtual row v (source row reflect101(v, h)) into its ring slot. */
#define SLOT(v) (R + (size_t)(((v) + r) % ring) * (size_t)n)
#define ROW_PASS(v) do { fill(src + (size_t)reflect101((v), h) * (size_t)n, w, c, r, cols, pad); \
                         row(pad, SLOT(v), n, c, kernel, r); } while (0)
    for (int v = -r; v < r; v++) ROW_PASS(v);
    const float *at_rows[2 * 1024 + 1];
    const float **at = at_rows + r;
    for (int y = 0; y < h; y++) {
        ROW_PASS(y + r);
        for (int t = -r; t <= r; t++) at[t] = SLOT(y + t);
        column(at, dst + (size_t)y * (size_t)n, n, kernel, r);
    }
#undef ROW_PASS
#undef SLOT
}
