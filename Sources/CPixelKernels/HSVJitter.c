#include "CPixelKernels.h"
#include "CSimdDispatch.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int sdiv_table[256], hdiv_table[256];
static int tables_ready = 0;

static void init_tables(void) {
    if (tables_ready) return;
    sdiv_table[0] = hdiv_table[0] = 0;
    for (int i = 1; i < 256; i++) {
        sdiv_table[i] = (int)lrint(255.0 * 4096.0 / i);
        hdiv_table[i] = (int)lrint(180.0 * 4096.0 / (6.0 * i));
    }
    __atomic_store_n(&tables_ready, 1, __ATOMIC_RELEASE);
}

static inline uint8_t quantise(float x, int round_it) {
    if (round_it) {
        float y = rintf(x);
        return y <= 0 ? 0 : (y >= 255 ? 255 : (uint8_t)y);
    }
    return x <= 0 ? 0 : (x >= 255 ? 255 : (uint8_t)(int)x);
}

#define HSV_BODY(FMA)                                                                              \
    init_tables();                                                                                 \
    const int tail = width - width % 32;                                                           \
    uint8_t li0 = 0, li1 = 0, li2 = 0, lo0 = 0, lo1 = 0, lo2 = 0;                                  \
    int have = 0, last_round = 0;                                                                  \
    for (int y = 0; y < height; y++) {                                                             \
        uint8_t *p = rgb + (size_t)y * width * 3;                                                  \
        for (int x = 0; x < width; x++, p += 3) {                                                  \
            int round_it = x >= tail;                                                              \
            if (have && p[0] == li0 && p[1] == li1 && p[2] == li2 && round_it == last_round) {     \
                p[0] = lo0; p[1] = lo1; p[2] = lo2;                                                \
                continue;                                                                          \
            }                                                                                      \
            li0 = p[0]; li1 = p[1]; li2 = p[2];                                                    \
            int r = p[0], g = p[1], b = p[2];                                                      \
            int v = r > g ? r : g; v = v > b ? v : b;                                              \
            int mn = r < g ? r : g; mn = mn < b ? mn : b;                                          \
            int diff = v - mn;                                                                     \
            int s = (diff * sdiv_table[v] + 2048) >> 12;                                           \
            int vr = v == r ? -1 : 0, vg = v == g ? -1 : 0;                                        \
            int h = (vr & (g - b)) + (~vr & ((vg & (b - r + 2 * diff)) + (~vg & (r - g + 4 * diff)))); \
            h = (h * hdiv_table[diff] + 2048) >> 12;                                               \
            if (h < 0) h += 180;                                                                   \
            float fs = lut_s[s] * (1.f / 255.f), fv = lut_v[v] * (1.f / 255.f);                    \
            float hh = lut_h[h] * (6.f / 180.f);                                                   \
            int sector = (int)hh;                                                                  \
            float f = hh - (float)sector;                                                          \
            float t1 = fv * (1.f - fs);                                                            \
            float ta = fv * FMA(-fs, f, 1.f);                                                      \
            float tb = fv * FMA(-fs, 1.f - f, 1.f);                                                \
            float R, G, B;                                                                         \
            switch (sector) {                                                                      \
            case 1: R = ta; G = fv; B = t1; break;                                                 \
            case 2: R = t1; G = fv; B = tb; break;                                                 \
            case 3: R = t1; G = ta; B = fv; break;                                                 \
            case 4: R = tb; G = t1; B = fv; break;                                                 \
            case 5: R = fv; G = t1; B = ta; break;                                                 \
            default: R = fv; G = tb; B = t1; break;                                                \
            }                                                                                      \
            p[0] = lo0 = quantise(R * 255.f, round_it);                                            \
            p[1] = lo1 = quantise(G * 255.f, round_it);                                            \
            p[2] = lo2 = quantise(B * 255.f, round_it);                                            \
            have = 1; last_round = round_it;                                                       \
        }                                                                                          \
    }

#if defined(__x86_64__)
#include <immintrin.h>

#define HSV_BLOCK 256

/* Whether the m packed RGB pixels at p are all equal (then the bytes equal themselves shifted by
   one pixel; memcmp compares them with vector loads). */
static int uniform_run(const uint8_t *p, int m) {
    return m <= 1 || memcmp(p, p + 3, (size_t)(m - 1) * 3) == 0;
}

/* Copies the pixel at p over the m - 1 pixels after it, doubling the copied span each time. */
static void repeat_pixel(uint8_t *p, int m) {
    const size_t total = (size_t)m * 3;
    for (size_t have = 3; have < total;) {
        const size_t n = have < total - have ? have : total - have;
        memcpy(p + have, p, n);
        have += n;
    }
}

/* One pixel; `round_it` for the row tail, where OpenCV's scalar path rounds instead of truncating. */
static void hsv_pixel(uint8_t *p, const uint8_t *lut_h, const uint8_t *lut_s, const uint8_t *lut_v, int round_it) {
    int r = p[0], g = p[1], b = p[2];
    int v = r > g ? r : g; v = v > b ? v : b;
    int mn = r < g ? r : g; mn = mn < b ? mn : b;
    int diff = v - mn;
    int s = (diff * sdiv_table[v] + 2048) >> 12;
    int vr = v == r ? -1 : 0, vg = v == g ? -1 : 0;
    int h = (vr & (g - b)) + (~vr & ((vg & (b - r + 2 * diff)) + (~vg & (r - g + 4 * diff))));
    h = (h * hdiv_table[diff] + 2048) >> 12;
    if (h < 0) h += 180;
    float fs = lut_s[s] * (1.f / 255.f), fv = lut_v[v] * (1.f / 255.f);
    float hh = lut_h[h] * (6.f / 180.f);
    int sector = (int)hh;
    float f = hh - (float)sector;
    float t1 = fv * (1.f - fs), ta = fv * fmaf(-fs, f, 1.f), tb = fv * fmaf(-fs, 1.f - f, 1.f);
    float R, G, B;
    switch (sector) {
    case 1: R = ta; G = fv; B = t1; break;
    case 2: R = t1; G = fv; B = tb; break;
    case 3: R = t1; G = ta; B = fv; break;
    case 4: R = tb; G = t1; B = fv; break;
    case 5: R = fv; G = t1; B = ta; break;
    default: R = fv; G = tb; B = t1; break;
    }
    p[0] = quantise(R * 255.f, round_it);
    p[1] = quantise(G * 255.f, round_it);
    p[2] = quantise(B * 255.f, round_it);
}

/* RGB2HSV of 8 pixels (24 bytes at p) with AVX2: the bytes are deinterleaved with two overlapping
   16-byte loads and byte shuffles, the divisions are the same table multiplications as the scalar
   code (their tables read with gathers). Stores the H, S and V indices; the caller looks them up in
   the byte LUTs with scalar loads, which beat three more gathers (~15% of the kernel on a Zen core). */
__attribute__((target("avx2"), always_inline))
static inline void hsv8_indices(const uint8_t *p, int32_t *hv, int32_t *sv, int32_t *vv) {
    const __m128i a = _mm_loadu_si128((const __m128i *)p), b = _mm_loadu_si128((const __m128i *)(p + 8));
    const __m128i ra = _mm_setr_epi8(0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i rb = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, 10, 13, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i ga = _mm_setr_epi8(1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i gb = _mm_setr_epi8(-1, -1, -1, -1, -1, 8, 11, 14, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i ba = _mm_setr_epi8(2, 5, 8, 11, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i bb = _mm_setr_epi8(-1, -1, -1, -1, -1, 9, 12, 15, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m256i r = _mm256_cvtepu8_epi32(_mm_or_si128(_mm_shuffle_epi8(a, ra), _mm_shuffle_epi8(b, rb)));
    const __m256i g = _mm256_cvtepu8_epi32(_mm_or_si128(_mm_shuffle_epi8(a, ga), _mm_shuffle_epi8(b, gb)));
    const __m256i bl = _mm256_cvtepu8_epi32(_mm_or_si128(_mm_shuffle_epi8(a, ba), _mm_shuffle_epi8(b, bb)));
    const __m256i v = _mm256_max_epi32(_mm256_max_epi32(r, g), bl);
    const __m256i mn = _mm256_min_epi32(_mm256_min_epi32(r, g), bl);
    const __m256i diff = _mm256_sub_epi32(v, mn);
    const __m256i half = _mm256_set1_epi32(2048);
    const __m256i s = _mm256_srai_epi32(
        _mm256_add_epi32(_mm256_mullo_epi32(diff, _mm256_i32gather_epi32(sdiv_table, v, 4)), half), 12);
    const __m256i vr = _mm256_cmpeq_epi32(v, r), vg = _mm256_cmpeq_epi32(v, g);
    const __m256i d2 = _mm256_add_epi32(diff, diff), d4 = _mm256_add_epi32(d2, d2);
    const __m256i hr = _mm256_sub_epi32(g, bl);
    const __m256i hg = _mm256_add_epi32(_mm256_sub_epi32(bl, r), d2);
    const __m256i hb = _mm256_add_epi32(_mm256_sub_epi32(r, g), d4);
    const __m256i inner = _mm256_add_epi32(_mm256_and_si256(vg, hg), _mm256_andnot_si256(vg, hb));
    __m256i h = _mm256_add_epi32(_mm256_and_si256(vr, hr), _mm256_andnot_si256(vr, inner));
    h = _mm256_srai_epi32(
        _mm256_add_epi32(_mm256_mullo_epi32(h, _mm256_i32gather_epi32(hdiv_table, diff, 4)), half), 12);
    h = _mm256_add_epi32(h, _mm256_and_si256(_mm256_cmpgt_epi32(_mm256_setzero_si256(), h), _mm256_set1_epi32(180)));
    _mm256_storeu_si256((__m256i *)hv, h);
    _mm256_storeu_si256((__m256i *)sv, s);
    _mm256_storeu_si256((__m256i *)vv, v);
}

/* hsv8_indices and the LUT lookups for m pixels (a multiple of 16) with AVX-512: 16 pixels per
   step, the bytes deinterleaved with one vpermb each, the two division tables gathered 16 at a time
   and the three byte LUTs read with vpermi2b (two 128-entry halves, picked by the index's top bit)
   instead of scalar loads. Same integers as hsv8_indices and the lookups. */
__attribute__((target("avx512f,avx512bw,avx512vbmi")))
static void hsv_luts_avx512(const uint8_t *p, int m, const uint8_t *lut_h, const uint8_t *lut_s,
                            const uint8_t *lut_v, int32_t *hv, int32_t *sv, int32_t *vv) {
    const __m512i h0 = _mm512_loadu_si512(lut_h), h1 = _mm512_loadu_si512(lut_h + 64);
    const __m512i h2 = _mm512_loadu_si512(lut_h + 128), h3 = _mm512_loadu_si512(lut_h + 192);
    const __m512i s0 = _mm512_loadu_si512(lut_s), s1 = _mm512_loadu_si512(lut_s + 64);
    const __m512i s2 = _mm512_loadu_si512(lut_s + 128), s3 = _mm512_loadu_si512(lut_s + 192);
    const __m512i v0 = _mm512_loadu_si512(lut_v), v1 = _mm512_loadu_si512(lut_v + 64);
    const __m512i v2 = _mm512_loadu_si512(lut_v + 128), v3 = _mm512_loadu_si512(lut_v + 192);
    uint8_t ir[64], ig[64], ib[64];
    for (int i = 0; i < 64; i++) { ir[i] = (uint8_t)(3 * (i & 15)); ig[i] = (uint8_t)(3 * (i & 15) + 1); ib[i] = (uint8_t)(3 * (i & 15) + 2); }
    const __m512i pr = _mm512_loadu_si512(ir), pg = _mm512_loadu_si512(ig), pb = _mm512_loadu_si512(ib);
    const __m512i half = _mm512_set1_epi32(2048), c180 = _mm512_set1_epi32(180), zero = _mm512_setzero_si512();
    for (int i = 0; i < m; i += 16) {
        const __m512i px = _mm512_maskz_loadu_epi8(0xFFFFFFFFFFFFull, p + 3 * i);   /* 48 bytes */
        const __m512i r = _mm512_cvtepu8_epi32(_mm512_castsi512_si128(_mm512_permutexvar_epi8(pr, px)));
        const __m512i g = _mm512_cvtepu8_epi32(_mm512_castsi512_si128(_mm512_permutexvar_epi8(pg, px)));
        const __m512i b = _mm512_cvtepu8_epi32(_mm512_castsi512_si128(_mm512_permutexvar_epi8(pb, px)));
        const __m512i v = _mm512_max_epi32(_mm512_max_epi32(r, g), b);
        const __m512i mn = _mm512_min_epi32(_mm512_min_epi32(r, g), b);
        const __m512i diff = _mm512_sub_epi32(v, mn);
        const __m512i s = _mm512_srai_epi32(
            _mm512_add_epi32(_mm512_mullo_epi32(diff, _mm512_i32gather_epi32(v, sdiv_table, 4)), half), 12);
        const __mmask16 vr = _mm512_cmpeq_epi32_mask(v, r), vg = _mm512_cmpeq_epi32_mask(v, g);
        const __m512i d2 = _mm512_add_epi32(diff, diff), d4 = _mm512_add_epi32(d2, d2);
        const __m512i hr = _mm512_sub_epi32(g, b);
        const __m512i hg = _mm512_add_epi32(_mm512_sub_epi32(b, r), d2);
        const __m512i hb = _mm512_add_epi32(_mm512_sub_epi32(r, g), d4);
        __m512i h = _mm512_mask_blend_epi32(vr, _mm512_mask_blend_epi32(vg, hb, hg), hr);
        h = _mm512_srai_epi32(
            _mm512_add_epi32(_mm512_mullo_epi32(h, _mm512_i32gather_epi32(diff, hdiv_table, 4)), half), 12);
        h = _mm512_mask_add_epi32(h, _mm512_cmplt_epi32_mask(h, zero), h, c180);
        /* Byte indices in the low 16 lanes; the other lanes look up index 0 and are dropped. */
        const __m512i hi = _mm512_castsi128_si512(_mm512_cvtepi32_epi8(h));
        const __m512i si = _mm512_castsi128_si512(_mm512_cvtepi32_epi8(s));
        const __m512i vi = _mm512_castsi128_si512(_mm512_cvtepi32_epi8(v));
        const __m512i hl = _mm512_mask_blend_epi8(_mm512_movepi8_mask(hi), _mm512_permutex2var_epi8(h0, hi, h1),
                                                  _mm512_permutex2var_epi8(h2, hi, h3));
        const __m512i sl = _mm512_mask_blend_epi8(_mm512_movepi8_mask(si), _mm512_permutex2var_epi8(s0, si, s1),
                                                  _mm512_permutex2var_epi8(s2, si, s3));
        const __m512i vl = _mm512_mask_blend_epi8(_mm512_movepi8_mask(vi), _mm512_permutex2var_epi8(v0, vi, v1),
                                                  _mm512_permutex2var_epi8(v2, vi, v3));
        _mm512_storeu_si512(hv + i, _mm512_cvtepu8_epi32(_mm512_castsi512_si128(hl)));
        _mm512_storeu_si512(sv + i, _mm512_cvtepu8_epi32(_mm512_castsi512_si128(sl)));
        _mm512_storeu_si512(vv + i, _mm512_cvtepu8_epi32(_mm512_castsi512_si128(vl)));
    }
}

/* The scalar computation over blocks of pixels, branch-free: the integer RGB2HSV + LUT half in
   intrinsics, the float HSV2RGB half (selects for the sector) vectorised by the compiler. Uniform
   blocks (the grey canvas) convert one pixel and copy it. Blocks are multiples of 32 pixels. */
__attribute__((target("avx2,fma")))
static void hsv_avx2(uint8_t *rgb, int width, int height, const uint8_t *lut_h, const uint8_t *lut_s,
                     const uint8_t *lut_v, int hsv_wide) {
    init_tables();
    const int wide = hsv_wide;
    const int tail = width - width % 32;
    int32_t hv[HSV_BLOCK], sv[HSV_BLOCK], vv[HSV_BLOCK];
    for (int y = 0; y < height; y++) {
        uint8_t *row = rgb + (size_t)y * width * 3;
        for (int x0 = 0; x0 < tail; x0 += HSV_BLOCK) {
            const int m = tail - x0 < HSV_BLOCK ? tail - x0 : HSV_BLOCK;
            uint8_t *p = row + (size_t)x0 * 3;
            if (uniform_run(p, m)) {
                hsv_pixel(p, lut_h, lut_s, lut_v, 0);
                repeat_pixel(p, m);
                continue;
            }
            if (wide) hsv_luts_avx512(p, m, lut_h, lut_s, lut_v, hv, sv, vv);
            else {
                for (int i = 0; i < m; i += 8) hsv8_indices(p + 3 * i, hv + i, sv + i, vv + i);
                for (int i = 0; i < m; i++) { hv[i] = lut_h[hv[i]]; sv[i] = lut_s[sv[i]]; vv[i] = lut_v[vv[i]]; }
            }
            for (int i = 0; i < m; i++) {
                float fs = (float)sv[i] * (1.f / 255.f), fv = (float)vv[i] * (1.f / 255.f);
                float hh = (float)hv[i] * (6.f / 180.f);
                int sector = (int)hh;
                float f = hh - (float)sector;
                float t1 = fv * (1.f - fs);
                float ta = fv * __builtin_fmaf(-fs, f, 1.f);
                float tb = fv * __builtin_fmaf(-fs, 1.f - f, 1.f);
                float R = (sector == 0 || sector == 5) ? fv : sector == 1 ? ta : sector == 4 ? tb : t1;
                float G = (sector == 1 || sector == 2) ? fv : sector == 0 ? tb : sector == 3 ? ta : t1;
                float B = (sector == 3 || sector == 4) ? fv : sector == 2 ? tb : sector == 5 ? ta : t1;
                R *= 255.f; G *= 255.f; B *= 255.f;
                R = R < 0.f ? 0.f : (R > 255.f ? 255.f : R);
                G = G < 0.f ? 0.f : (G > 255.f ? 255.f : G);
                B = B < 0.f ? 0.f : (B > 255.f ? 255.f : B);
                p[3 * i] = (uint8_t)(int)R; p[3 * i + 1] = (uint8_t)(int)G; p[3 * i + 2] = (uint8_t)(int)B;
            }
        }
        for (int x = tail; x < width; x++) hsv_pixel(row + (size_t)x * 3, lut_h, lut_s, lut_v, 1);
    }
}
#endif

static void hsv_generic(uint8_t *rgb, int width, int height, const uint8_t *lut_h, const uint8_t *lut_s,
                        const uint8_t *lut_v) {
    HSV_BODY(fmaf)
}

void sp_hsv_jitter(uint8_t *rgb, int width, int height, const uint8_t *lut_h, const uint8_t *lut_s,
                   const uint8_t *lut_v, int path) {
#if defined(__x86_64__)
    const int usable = sp_simd_usable(path);
    if (usable >= SP_SIMD_AVX2) {
        hsv_avx2(rgb, width, height, lut_h, lut_s, lut_v, usable >= SP_SIMD_AVX512);
        return;
    }
#endif
    (void)path;
    hsv_generic(rgb, width, height, lut_h, lut_s, lut_v);
}
