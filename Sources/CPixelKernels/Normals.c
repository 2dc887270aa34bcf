#include "CPixelKernels.h"
#include "CSimdDispatch.h"
#include "Normals.h"
#include "PixelMath.h"

/* The portable loops (fmaf in every normal). */
SP_PORTABLE_FMA static void normals_portable(float *out, size_t count, uint64_t first, uint64_t key) {
    nrm_normals_scalar(out, count, first, key);
}

SP_PORTABLE_FMA static void box_muller_portable(const uint32_t *h1, const uint32_t *h2, size_t from, size_t n, float *zc, float *zs) {
    for (size_t i = from; i < n; i++) nrm_pair(h1[i], h2[i], zc + i, zs + i);
}

/* ---- Keyed standard normal and uniform fields (elastic's noise; the generator is Normals.h) ----

   Every value is a function of (key, index) alone, so any range can be drawn on its own and the
   paths agree value for value: the AVX2 path makes whole blocks (16 normals, 8 uniforms) and the
   scalar functions of Normals.h the values before the first block and after the last. */

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void normals_avx2(float *out, size_t count, uint64_t first, uint64_t key) {
    size_t i = 0;
    for (; i < count && ((first + i) & 15) != 0; i++) out[i] = nrm_normal(key, first + i);
    for (; i + 16 <= count; i += 16) {
        __m256 lo, hi;
        nrm_block_avx2(key, (first + i) >> 4, &lo, &hi);
        _mm256_storeu_ps(out + i, lo);
        _mm256_storeu_ps(out + i + 8, hi);
    }
    for (; i < count; i++) out[i] = nrm_normal(key, first + i);
}

__attribute__((target("avx2,fma")))
static void uniforms_avx2(float *out, size_t count, uint64_t first, uint64_t key) {
    size_t i = 0;
    for (; i < count && ((first + i) & 7) != 0; i++) out[i] = nrm_uniform(key, first + i);
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(out + i, nrm_uniform8_avx2(key, (first + i) >> 3));
    for (; i < count; i++) out[i] = nrm_uniform(key, first + i);
}

__attribute__((target("avx2,fma")))
static size_t box_muller_avx2(const uint32_t *h1, const uint32_t *h2, size_t n, float *zc, float *zs) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 c, s;
        nrm_pair_avx2(_mm256_loadu_si256((const __m256i *)(h1 + i)), _mm256_loadu_si256((const __m256i *)(h2 + i)), &c, &s);
        _mm256_storeu_ps(zc + i, c);
        _mm256_storeu_ps(zs + i, s);
    }
    return i;
}
#endif

void sp_normals_f32(float *out, size_t count, uint64_t first, uint64_t key, int path) {
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX2) { normals_avx2(out, count, first, key); return; }
#endif
    (void)path;
    normals_portable(out, count, first, key);
}

void sp_uniforms_f32(float *out, size_t count, uint64_t first, uint64_t key, int path) {
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX2) { uniforms_avx2(out, count, first, key); return; }
#endif
    (void)path;
    for (size_t i = 0; i < count; i++) out[i] = nrm_uniform(key, first + i);
}

void sp_box_muller_f32(const uint32_t *h1, const uint32_t *h2, size_t n, float *zc, float *zs, int path) {
    size_t i = 0;
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX2) i = box_muller_avx2(h1, h2, n, zc, zs);
#endif
    (void)path;
    box_muller_portable(h1, h2, i, n, zc, zs);
}
