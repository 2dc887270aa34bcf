#include "CPixelKernels.h"
#include "CSimdDispatch.h"
#include "Normals.h"
#include "PixelMath.h"

/* ---- The noise stage: draw, scale, truncate and add in one pass ----

   Element i (per channel: byte i; per pixel: pixel i, every channel) takes normal i of `key`
   (Normals.h) as albumentations' GaussNoise scales it, v = float32(fma(sigma, z, mean)) * 255 in
   float32, and becomes clip(in + trunc(v), 0, 255) (v first clamped to [-256, 256], which changes no
   result and keeps the conversion defined). The AVX2 path draws 16 normals a step and adds them to
   16 bytes (per channel) or to 16 pixels through a small buffer (per pixel). */

static inline int32_t noise_step(float z, float mean, float sigma) {
    float v = fmaf(sigma, z, mean) * 255.0f;
    v = v > -256.0f ? v : -256.0f;   /* NaN -> -256, as the vector max/min below */
    v = v < 256.0f ? v : 256.0f;
    return (int32_t)v;
}

static inline uint8_t noisy(uint8_t in, int32_t t) {
    const int32_t s = (int32_t)in + t;
    return (uint8_t)(s < 0 ? 0 : (s > 255 ? 255 : s));
}

/* Elements [from, to), their normals drawn 256 at a time. */
SP_PORTABLE_FMA static void noise_scalar(uint8_t *p, size_t from, size_t to, int channels, int per_channel, float mean, float sigma, uint64_t key) {
    float z[256];
    for (size_t i0 = from; i0 < to; i0 += 256) {
        const size_t m = to - i0 < 256 ? to - i0 : 256;
        nrm_normals_scalar(z, m, i0, key);
        for (size_t j = 0; j < m; j++) {
            const size_t i = i0 + j;
            const int32_t t = noise_step(z[j], mean, sigma);
            if (per_channel) p[i] = noisy(p[i], t);
            else for (int k = 0; k < channels; k++) p[i * (size_t)channels + (size_t)k] = noisy(p[i * (size_t)channels + (size_t)k], t);
        }
    }
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static inline __m256i noise_step_avx2(__m256 z, __m256 mean, __m256 sigma) {
    __m256 v = _mm256_mul_ps(_mm256_fmadd_ps(sigma, z, mean), _mm256_set1_ps(255.0f));
    v = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(-256.0f)), _mm256_set1_ps(256.0f));
    return _mm256_cvttps_epi32(v);
}

__attribute__((target("avx2,fma")))
static void noise_avx2(uint8_t *p, size_t n, int channels, int per_channel, float mean, float sigma, uint64_t key) {
    const __m256 vm = _mm256_set1_ps(mean), vs = _mm256_set1_ps(sigma);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 lo, hi;
        nrm_block_avx2(key, i >> 4, &lo, &hi);
        const __m256i t0 = noise_step_avx2(lo, vm, vs), t1 = noise_step_avx2(hi, vm, vs);
        if (per_channel) {
            /* 16 int16 steps in element order (packs interleaves the 128-bit halves) */
            const __m256i t = _mm256_permute4x64_epi64(_mm256_packs_epi32(t0, t1), 0xD8);
            const __m256i s = _mm256_add_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(p + i))), t);
            _mm_storeu_si128((__m128i *)(p + i), _mm_packus_epi16(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1)));
        } else {
            int32_t t[16];
            _mm256_storeu_si256((__m256i *)t, t0);
            _mm256_storeu_si256((__m256i *)(t + 8), t1);
            uint8_t *q = p + i * (size_t)channels;
            for (int j = 0; j < 16; j++)
                for (int k = 0; k < channels; k++) q[j * channels + k] = noisy(q[j * channels + k], t[j]);
        }
    }
    noise_scalar(p, i, n, channels, per_channel, mean, sigma, key);
}
#endif

void sp_gauss_noise_u8(uint8_t *p, size_t pixels, int channels, int per_channel, float mean, float sigma, uint64_t key, int path) {
    if (channels <= 0) return;
    const size_t n = per_channel ? pixels * (size_t)channels : pixels;
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX2) { noise_avx2(p, n, channels, per_channel, mean, sigma, key); return; }
#endif
    (void)path;
    noise_scalar(p, 0, n, channels, per_channel, mean, sigma, key);
}
