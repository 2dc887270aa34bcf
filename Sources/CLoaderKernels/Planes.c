#include "CLoaderKernels.h"
#include "CSimdDispatch.h"
#include <stdint.h>

#if defined(__x86_64__)
#include <immintrin.h>

/* The three channels of 16 pixels (48 bytes at p) through their tables: each channel's bytes
   picked with one vpermb, widened, and looked up with one 16-lane gather (the tables are 3 KB, in L1). */
__attribute__((target("avx512f,avx512bw,avx512vbmi"), always_inline))
static inline void planes16(const uint8_t *p, const __m512i pick[3], const float *table, __m512 out[3]) {
    const __m512i px = _mm512_maskz_loadu_epi8(0xFFFFFFFFFFFFull, p);
    for (int c = 0; c < 3; c++) {
        const __m512i x = _mm512_cvtepu8_epi32(_mm512_castsi512_si128(_mm512_permutexvar_epi8(pick[c], px)));
        out[c] = _mm512_i32gather_ps(x, table + 256 * c, 4);
    }
}

/* Interleaved RGB bytes to three Float32 planes through per-channel 256-entry tables, 16 pixels a
   step. When the planes are a whole number of cache lines apart (n a multiple of 16, planes back
   to back) they are written with non-temporal stores: a batch is tens of megabytes, and reading
   it into the cache before overwriting it cost ~30%. */
__attribute__((target("avx512f,avx512bw,avx512vbmi")))
static void planes_avx512(const uint8_t *src, size_t n, const float *table, float *r, float *g, float *b) {
    uint8_t idx[3][64];
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < 64; i++) idx[c][i] = (uint8_t)(3 * (i & 15) + c);
    const __m512i pick[3] = {_mm512_loadu_si512(idx[0]), _mm512_loadu_si512(idx[1]), _mm512_loadu_si512(idx[2])};
    float *planes[3] = {r, g, b};
    __m512 v[3];
    size_t i = 0;
    if (g == r + n && b == g + n && n % 16 == 0) {
        for (; i < n && ((uintptr_t)(r + i) & 63) != 0; i++)   /* to a 64-byte boundary, which g and b share */
            for (int c = 0; c < 3; c++) planes[c][i] = table[256 * c + src[3 * i + c]];
        for (; i + 16 <= n; i += 16) {
            planes16(src + 3 * i, pick, table, v);
            for (int c = 0; c < 3; c++) _mm512_stream_ps(planes[c] + i, v[c]);
        }
        _mm_sfence();
    } else {
        for (; i + 16 <= n; i += 16) {
            planes16(src + 3 * i, pick, table, v);
            for (int c = 0; c < 3; c++) _mm512_storeu_ps(planes[c] + i, v[c]);
        }
    }
    for (; i < n; i++)
        for (int c = 0; c < 3; c++) planes[c][i] = table[256 * c + src[3 * i + c]];
}

#endif

int sp_rgb_to_planes(const uint8_t *src, size_t n, const float *table, float *r, float *g, float *b, int path) {
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX512) {
        planes_avx512(src, n, table, r, g, b);
        return 0;
    }
#endif
    (void)src; (void)n; (void)table; (void)r; (void)g; (void)b; (void)path;
    return -1;
}

#if defined(__x86_64__)
/* Byte labels to Int32, clamped to `limit`, with non-temporal stores. */
__attribute__((target("avx512f,avx512bw")))
static void labels_avx512(const uint8_t *src, size_t n, int32_t limit, int32_t *dst) {
    const __m512i top = _mm512_set1_epi32(limit);
    size_t i = 0;
    for (; i < n && ((uintptr_t)(dst + i) & 63) != 0; i++) dst[i] = src[i] < limit ? src[i] : limit;
    for (; i + 16 <= n; i += 16) {
        const __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(src + i)));
        _mm512_stream_si512((void *)(dst + i), _mm512_min_epi32(v, top));
    }
    _mm_sfence();
    for (; i < n; i++) dst[i] = src[i] < limit ? src[i] : limit;
}

#endif

int sp_labels_to_i32(const uint8_t *src, size_t n, int32_t limit, int32_t *dst, int path) {
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX512) {
        labels_avx512(src, n, limit, dst);
        return 0;
    }
#endif
    (void)src; (void)n; (void)limit; (void)dst; (void)path;
    return -1;
}
