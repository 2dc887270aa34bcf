/* The counter-based normal generator shared by Normals.c (normal and uniform fields) and
   GaussNoise.c (the noise stage's fused draw and add). Not part of the public header.

   Why a generator of our own: the stages need millions of standard normals per window, drawn from
   a key a sample records, and identical on every SIMD path and on aarch64. libm's logf/sinf/cosf
   differ between libraries and versions, and no Debian library offers a keyed, vectorised normal
   generator whose bits are fixed across x86-64 and aarch64, so the few functions below are written
   out as IEEE float32 operations with explicit fused multiply-adds: the scalar code (the oracle)
   and the AVX2 code run the same operations in the same order and give the same bits.

   Definition. key = (k0, k1) (low and high 32 bits). The 32 random bits of counter c are
       hash(c) = mix32(mix32(lo(c) ^ k0) ^ k1 ^ hi(c) * 0x9E3779B9 ^ 0x6A09E667)
   with mix32 the lowbias32 integer hash (a bijection of 32 bits with a strong avalanche), two
   rounds with the key between them, so streams of different keys are not re-orderings of each
   other. Normal i belongs to pair p = 8 * (i / 16) + i % 8 (16 normals from 8 pairs: the blocks an
   8-lane vector makes) and is the cosine half of the pair when (i / 8) is even, else its sine
   half. Pair p: h1 = hash(2p), h2 = hash(2p + 1), and Box–Muller without rejection (so vector
   lanes stay independent):
       u1 = (float(h1 >> 1) + 0.5) * 2^-31 in (0, 1]   -> r = sqrt(-2 log u1), at most 6.56
       angle = (pi/2) * q + x, q = h2 >> 30, x = (((h2 >> 6) & 0xFFFFFF) - 8388607.5) * (pi/2) * 2^-24
   (x in (-pi/4, pi/4): the four quadrants cover the circle uniformly), cos x and sin x by
   minimax polynomials, then turned by q quarter turns (swaps and sign flips only).
   logf, sinf and cosf are Cephes' single-precision polynomials (about 1 ulp on these ranges). */
#ifndef SP_NORMALS_H
#define SP_NORMALS_H
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#pragma clang fp contract(off)

static inline uint32_t nrm_mix32(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

/* The key word of the second round for counters whose high 32 bits are `hi`. */
static inline uint32_t nrm_round_key(uint64_t key, uint32_t hi) {
    return (uint32_t)(key >> 32) ^ (hi * 0x9E3779B9u) ^ 0x6A09E667u;
}

static inline uint32_t nrm_hash(uint64_t key, uint64_t c) {
    return nrm_mix32(nrm_mix32((uint32_t)c ^ (uint32_t)key) ^ nrm_round_key(key, (uint32_t)(c >> 32)));
}

static inline uint32_t nrm_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float nrm_float(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

#define NRM_SQRTHF 0.707106781186547524f
#define NRM_PIO2_24 0x1.921fb6p-24f   /* float(pi/2) * 2^-24 */

/* Box–Muller of one pair of hash words: the cosine half into *zc, the sine half into *zs. */
static inline void nrm_pair(uint32_t h1, uint32_t h2, float *zc, float *zs) {
    /* r = sqrt(-2 log u1) */
    const float u = ((float)(int32_t)(h1 >> 1) + 0.5f) * 0x1p-31f;
    const uint32_t ub = nrm_bits(u);
    int32_t e = (int32_t)(ub >> 23) - 126;
    const float m = nrm_float((ub & 0x007fffffu) | 0x3f000000u);   /* u = m * 2^e, m in [0.5, 1) */
    const int low = m < NRM_SQRTHF;
    const float x = (m - 1.0f) + (low ? m : 0.0f);                 /* exact */
    e -= low;
    float p = 7.0376836292E-2f;
    p = fmaf(p, x, -1.1514610310E-1f);
    p = fmaf(p, x, 1.1676998740E-1f);
    p = fmaf(p, x, -1.2420140846E-1f);
    p = fmaf(p, x, 1.4249322787E-1f);
    p = fmaf(p, x, -1.6668057665E-1f);
    p = fmaf(p, x, 2.0000714765E-1f);
    p = fmaf(p, x, -2.4999993993E-1f);
    p = fmaf(p, x, 3.3333331174E-1f);
    const float z = x * x, fe = (float)e;
    float y = (p * x) * z;
    y = fmaf(fe, -2.12194440e-4f, y);
    y = fmaf(z, -0.5f, y);
    float l = x + y;
    l = fmaf(fe, 0.693359375f, l);
    float r2 = -2.0f * l;
    r2 = r2 > 0.0f ? r2 : 0.0f;
    const float r = sqrtf(r2);
    /* cos and sin of the angle */
    const float a = ((float)(int32_t)((h2 >> 6) & 0xFFFFFFu) - 8388607.5f) * NRM_PIO2_24;
    const float a2 = a * a;
    float ps = -1.9515295891E-4f;
    ps = fmaf(ps, a2, 8.3321608736E-3f);
    ps = fmaf(ps, a2, -1.6666654611E-1f);
    const float s = fmaf(ps * a2, a, a);
    float pc = 2.443315711809948E-5f;
    pc = fmaf(pc, a2, -1.388731625493765E-3f);
    pc = fmaf(pc, a2, 4.166664568298827E-2f);
    const float c = fmaf(pc * a2, a2, fmaf(a2, -0.5f, 1.0f));
    /* q quarter turns: swap on bit 30, cosine negated for q = 1, 2, sine for q = 2, 3 */
    const int swap = (h2 >> 30) & 1;
    const uint32_t sign_c = (h2 ^ (h2 << 1)) & 0x80000000u, sign_s = h2 & 0x80000000u;
    const float cq = nrm_float(nrm_bits(swap ? s : c) ^ sign_c), sq = nrm_float(nrm_bits(swap ? c : s) ^ sign_s);
    *zc = r * cq;
    *zs = r * sq;
}

/* Normal i of `key`, alone (the scalar path and the tails of the vector ones). */
static inline float nrm_normal(uint64_t key, uint64_t i) {
    const uint64_t p = ((i >> 4) << 3) | (i & 7);
    float zc, zs;
    nrm_pair(nrm_hash(key, 2 * p), nrm_hash(key, 2 * p + 1), &zc, &zs);
    return (i & 8) ? zs : zc;
}

/* Normals 16 b .. 16 b + 15 of `key` into out[0 .. 15], one Box–Muller pair for two of them (the
   scalar path's whole blocks). */
static inline void nrm_block(uint64_t key, uint64_t b, float *out) {
    for (int j = 0; j < 8; j++) {
        const uint64_t p = 8 * b + (uint64_t)j;
        nrm_pair(nrm_hash(key, 2 * p), nrm_hash(key, 2 * p + 1), out + j, out + 8 + j);
    }
}

/* out[j] = normal (key, first + j) for j < count on the scalar path: whole blocks by nrm_block, the
   values before the first and after the last one alone. */
static inline void nrm_normals_scalar(float *out, size_t count, uint64_t first, uint64_t key) {
    size_t i = 0;
    for (; i < count && ((first + i) & 15) != 0; i++) out[i] = nrm_normal(key, first + i);
    for (; i + 16 <= count; i += 16) nrm_block(key, (first + i) >> 4, out + i);
    for (; i < count; i++) out[i] = nrm_normal(key, first + i);
}

/* Uniform i of `key` in [-1, 1): float(hash(i) >> 8) * 2^-23 - 1 (exact). */
static inline float nrm_uniform(uint64_t key, uint64_t i) {
    return (float)(int32_t)(nrm_hash(key, i) >> 8) * 0x1p-23f - 1.0f;
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2,fma")))
static inline __m256i nrm_mix32_avx2(__m256i x) {
    x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 16));
    x = _mm256_mullo_epi32(x, _mm256_set1_epi32(0x7feb352d));
    x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 15));
    x = _mm256_mullo_epi32(x, _mm256_set1_epi32((int)0x846ca68bu));
    x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 16));
    return x;
}

/* hash of the eight counters whose low words are `lo` and high word is `hi` (shared by the lanes). */
__attribute__((target("avx2,fma")))
static inline __m256i nrm_hash_avx2(uint64_t key, uint32_t hi, __m256i lo) {
    const __m256i k0 = _mm256_set1_epi32((int)(uint32_t)key), k1 = _mm256_set1_epi32((int)nrm_round_key(key, hi));
    return nrm_mix32_avx2(_mm256_xor_si256(nrm_mix32_avx2(_mm256_xor_si256(lo, k0)), k1));
}

/* nrm_pair on eight lanes: the same operations in the same order. */
__attribute__((target("avx2,fma")))
static inline void nrm_pair_avx2(__m256i h1, __m256i h2, __m256 *zc, __m256 *zs) {
    const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    const __m256 u = _mm256_mul_ps(_mm256_add_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(h1, 1)), _mm256_set1_ps(0.5f)),
                                   _mm256_set1_ps(0x1p-31f));
    const __m256i ub = _mm256_castps_si256(u);
    __m256i e = _mm256_sub_epi32(_mm256_srli_epi32(ub, 23), _mm256_set1_epi32(126));
    const __m256 m = _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(ub, _mm256_set1_epi32(0x007fffff)),
                                                         _mm256_set1_epi32(0x3f000000)));
    const __m256 low = _mm256_cmp_ps(m, _mm256_set1_ps(NRM_SQRTHF), _CMP_LT_OQ);
    const __m256 x = _mm256_add_ps(_mm256_sub_ps(m, one), _mm256_and_ps(low, m));
    e = _mm256_add_epi32(e, _mm256_castps_si256(low));            /* low lanes are -1 */
    __m256 p = _mm256_set1_ps(7.0376836292E-2f);
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(-1.1514610310E-1f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(1.1676998740E-1f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(-1.2420140846E-1f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(1.4249322787E-1f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(-1.6668057665E-1f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(2.0000714765E-1f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(-2.4999993993E-1f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(3.3333331174E-1f));
    const __m256 z = _mm256_mul_ps(x, x), fe = _mm256_cvtepi32_ps(e);
    __m256 y = _mm256_mul_ps(_mm256_mul_ps(p, x), z);
    y = _mm256_fmadd_ps(fe, _mm256_set1_ps(-2.12194440e-4f), y);
    y = _mm256_fmadd_ps(z, _mm256_set1_ps(-0.5f), y);
    __m256 l = _mm256_add_ps(x, y);
    l = _mm256_fmadd_ps(fe, _mm256_set1_ps(0.693359375f), l);
    const __m256 r = _mm256_sqrt_ps(_mm256_max_ps(_mm256_mul_ps(_mm256_set1_ps(-2.0f), l), zero));
    const __m256 a = _mm256_mul_ps(_mm256_sub_ps(_mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32(h2, 6), _mm256_set1_epi32(0xFFFFFF))),
                                                 _mm256_set1_ps(8388607.5f)),
                                   _mm256_set1_ps(NRM_PIO2_24));
    const __m256 a2 = _mm256_mul_ps(a, a);
    __m256 ps = _mm256_set1_ps(-1.9515295891E-4f);
    ps = _mm256_fmadd_ps(ps, a2, _mm256_set1_ps(8.3321608736E-3f));
    ps = _mm256_fmadd_ps(ps, a2, _mm256_set1_ps(-1.6666654611E-1f));
    const __m256 s = _mm256_fmadd_ps(_mm256_mul_ps(ps, a2), a, a);
    __m256 pc = _mm256_set1_ps(2.443315711809948E-5f);
    pc = _mm256_fmadd_ps(pc, a2, _mm256_set1_ps(-1.388731625493765E-3f));
    pc = _mm256_fmadd_ps(pc, a2, _mm256_set1_ps(4.166664568298827E-2f));
    const __m256 c = _mm256_fmadd_ps(_mm256_mul_ps(pc, a2), a2, _mm256_fmadd_ps(a2, _mm256_set1_ps(-0.5f), one));
    const __m256 swap = _mm256_castsi256_ps(_mm256_slli_epi32(h2, 1));   /* bit 30 to the sign: blendv's selector */
    const __m256 sign = _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000u));
    const __m256 sign_c = _mm256_and_ps(_mm256_castsi256_ps(_mm256_xor_si256(h2, _mm256_slli_epi32(h2, 1))), sign);
    const __m256 sign_s = _mm256_and_ps(_mm256_castsi256_ps(h2), sign);
    const __m256 cq = _mm256_xor_ps(_mm256_blendv_ps(c, s, swap), sign_c), sq = _mm256_xor_ps(_mm256_blendv_ps(s, c, swap), sign_s);
    *zc = _mm256_mul_ps(r, cq);
    *zs = _mm256_mul_ps(r, sq);
}

/* Normals 16 b .. 16 b + 15 of `key`: the cosine halves of pairs 8 b .. 8 b + 7 into *lo, the
   sine halves into *hi. */
__attribute__((target("avx2,fma")))
static inline void nrm_block_avx2(uint64_t key, uint64_t b, __m256 *lo, __m256 *hi) {
    const uint64_t c = 16 * b;                            /* counters c .. c + 15: one high word */
    const __m256i even = _mm256_add_epi32(_mm256_set1_epi32((int)(uint32_t)c), _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14));
    const uint32_t hiw = (uint32_t)(c >> 32);
    const __m256i h1 = nrm_hash_avx2(key, hiw, even), h2 = nrm_hash_avx2(key, hiw, _mm256_add_epi32(even, _mm256_set1_epi32(1)));
    nrm_pair_avx2(h1, h2, lo, hi);
}

/* Uniforms 8 b .. 8 b + 7 of `key`. */
__attribute__((target("avx2,fma")))
static inline __m256 nrm_uniform8_avx2(uint64_t key, uint64_t b) {
    const uint64_t c = 8 * b;
    const __m256i lo = _mm256_add_epi32(_mm256_set1_epi32((int)(uint32_t)c), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const __m256i h = nrm_hash_avx2(key, (uint32_t)(c >> 32), lo);
    return _mm256_sub_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(h, 8)), _mm256_set1_ps(0x1p-23f)), _mm256_set1_ps(1.0f));
}
#endif
#endif
