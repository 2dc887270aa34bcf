#include "CPixelKernels.h"
#include "CSimdDispatch.h"
#include <string.h>

/* ---- A separable Gaussian blur of a float field with replicated borders (elastic's fields) ----

   Row pass s = sum_t src[y][clamp(x - r + t)] * k[t] from s = 0, t ascending; column pass likewise
   over rows clamp(y - r + t); then the result times `scale`. Every operation is one float32
   multiply or add in that order (no contraction, no fma), so it equals
   ElasticStage.gaussianBlurReference (then times the scale) bit for bit. The AVX2 path keeps that
   order per element and runs 8 neighbouring outputs in the lanes of a vector, eight vectors at a
   time (independent sums, so the adds' latency overlaps); the row pass reads a copy of the row
   padded by r replicated values on each side, so every output is an interior one. src and dst must
   not overlap. */
#pragma clang fp contract(off)

static inline int clampi(int i, int n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }

/* The AVX2 path blurs columns in strips of BLUR_STRIP: per strip, the row pass of each source row
   goes into a ring of 2r + 1 rows just before the first output row that needs it, so both passes
   read from the first-level cache and the scratch is a few kilobytes, not a field (a whole-field
   row pass was about as fast with warm buffers, but a fresh field-sized scratch per call costs its
   page faults). */
#define BLUR_STRIP 128

static void blur_portable(const float *src, float *dst, int w, int h, const float *k, int r, float scale, float *scratch) {
    const int size = 2 * r + 1;
    for (int y = 0; y < h; y++) {
        const float *row = src + (size_t)y * (size_t)w;
        float *out = scratch + (size_t)y * (size_t)w;
        for (int x = 0; x < w; x++) {
            float s = 0.0f;
            if (x - r >= 0 && x + r < w) {
                const float *p = row + x - r;
                for (int t = 0; t < size; t++) s += p[t] * k[t];
            } else {
                for (int t = 0; t < size; t++) s += row[clampi(x - r + t, w)] * k[t];
            }
            out[x] = s;
        }
    }
    for (int y = 0; y < h; y++) {
        float *out = dst + (size_t)y * (size_t)w;
        for (int x = 0; x < w; x++) out[x] = 0.0f;
        for (int t = 0; t < size; t++) {
            const float *row = scratch + (size_t)clampi(y - r + t, h) * (size_t)w;
            const float kt = k[t];
            for (int x = 0; x < w; x++) out[x] += row[x] * kt;
        }
        for (int x = 0; x < w; x++) out[x] = out[x] * scale;
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

/* out[x] = (sum_t in[t][x] * k[t], t ascending from 0) * scale for x < n: 8 neighbouring outputs in
   the lanes of a vector, eight vectors at a time (independent sums, so the adds' latency overlaps).
   The row pass passes in[t] = padded row + t, the column pass the ring rows of the 2r + 1 taps. */
__attribute__((target("avx2")))
static void taps_avx2(const float *const *in, float *out, int n, const float *k, int size, float scale) {
    int x = 0;
    const __m256 sc = _mm256_set1_ps(scale);
    for (; x + 64 <= n; x += 64) {
        __m256 a[8];
        for (int v = 0; v < 8; v++) a[v] = _mm256_setzero_ps();
        for (int t = 0; t < size; t++) {
            const __m256 kt = _mm256_set1_ps(k[t]);
            const float *p = in[t] + x;
            for (int v = 0; v < 8; v++) a[v] = _mm256_add_ps(a[v], _mm256_mul_ps(_mm256_loadu_ps(p + 8 * v), kt));
        }
        for (int v = 0; v < 8; v++) _mm256_storeu_ps(out + x + 8 * v, _mm256_mul_ps(a[v], sc));
    }
    for (; x + 8 <= n; x += 8) {
        __m256 a = _mm256_setzero_ps();
        for (int t = 0; t < size; t++) a = _mm256_add_ps(a, _mm256_mul_ps(_mm256_loadu_ps(in[t] + x), _mm256_set1_ps(k[t])));
        _mm256_storeu_ps(out + x, _mm256_mul_ps(a, sc));
    }
    for (; x < n; x++) {
        float s = 0.0f;
        for (int t = 0; t < size; t++) s += in[t][x] * k[t];
        out[x] = s * scale;
    }
}

/* `scratch` (sp_gauss_blur_scratch floats): the ring ((2r + 1) * BLUR_STRIP), the padded row
   (BLUR_STRIP + 2r), then 2 (2r + 1) floats' room for the 2r + 1 tap pointers. */
__attribute__((target("avx2")))
static void blur_avx2(const float *src, float *dst, int w, int h, const float *k, int r, float scale, float *scratch) {
    const int size = 2 * r + 1;
    float *ring = scratch, *pad = ring + (size_t)size * BLUR_STRIP;
    const float **in = (const float **)(void *)(pad + ((BLUR_STRIP + 2 * (size_t)r + 1) & ~(size_t)1));
    for (int x0 = 0; x0 < w; x0 += BLUR_STRIP) {
        const int n = w - x0 < BLUR_STRIP ? w - x0 : BLUR_STRIP;
        int next = 0, slot = 0;   /* the next source row to pass, and its ring slot */
        for (int y = 0; y < h; y++) {
            const int last = y + r < h ? y + r : h - 1;
            for (; next <= last; next++, slot = slot + 1 == size ? 0 : slot + 1) {
                const float *row = src + (size_t)next * (size_t)w;
                const int lo = x0 - r < 0 ? r - x0 : 0, hi = x0 + n + r > w ? w - x0 + r : n + 2 * r;   /* pad[lo, hi) in the row */
                for (int i = 0; i < lo; i++) pad[i] = row[0];
                memcpy(pad + lo, row + x0 - r + lo, sizeof(float) * (size_t)(hi - lo));
                for (int i = hi; i < n + 2 * r; i++) pad[i] = row[w - 1];
                for (int t = 0; t < size; t++) in[t] = pad + t;
                taps_avx2(in, ring + (size_t)slot * BLUR_STRIP, n, k, size, 1.0f);
            }
            /* row j sits in slot j % size: `next` - 1 is in slot - 1 */
            for (int t = 0; t < size; t++) {
                const int j = clampi(y - r + t, h);
                int s = slot - (next - j);
                while (s < 0) s += size;
                in[t] = ring + (size_t)s * BLUR_STRIP;
            }
            taps_avx2(in, dst + (size_t)y * (size_t)w + x0, n, k, size, scale);
        }
    }
}
#endif

size_t sp_gauss_blur_scratch(int w, int h, int r, int path) {
    if (w <= 0 || h <= 0 || r < 0) return 0;
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX2) {
        const size_t ring = (2 * (size_t)r + 1) * BLUR_STRIP, pad = (BLUR_STRIP + 2 * (size_t)r + 1) & ~(size_t)1;
        return ring + pad + 2 * (2 * (size_t)r + 1);
    }
#endif
    (void)path;
    return (size_t)w * (size_t)h;
}

void sp_gauss_blur_f32(const float *src, float *dst, int w, int h, const float *k, int r, float scale, float *scratch, int path) {
    if (w <= 0 || h <= 0 || r < 0) return;
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX2) { blur_avx2(src, dst, w, h, k, r, scale, scratch); return; }
#endif
    (void)path;
    blur_portable(src, dst, w, h, k, r, scale, scratch);
}
