#include "CPixelKernels.h"
#include "CSimdDispatch.h"
#include "PixelMath.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Each float operation as written: the fma clone of the portable loop must not fuse more. */
#pragma clang fp contract(off)

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

/* A float clamped to 0..255 and truncated (the clamps become min and max instructions). */
static inline int truncate_clamped(float x) {
    x = x > 0.0f ? x : 0.0f;
    x = x < 255.0f ? x : 255.0f;
    return (int)x;
}

/* OpenCV's conversion of a channel back to a byte: truncated, or rounded in the row tail. */
static inline uint8_t quantise(float x, int round_it) {
    return (uint8_t)truncate_clamped(round_it ? rintf(x) : x);
}

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

#define HSV_PORTABLE_BLOCK 64

/* hsv_pixel (without the tail's rounding) on m <= 64 pixels, in two loops the compiler can
   overlap and vectorise: the integer RGB2HSV and the three table lookups, then the float HSV2RGB
   with the sector's choice made by selects instead of hsv_pixel's switch (natural images change
   sector from pixel to pixel, and a mispredicted jump costs more than a pixel's arithmetic). */
static inline __attribute__((always_inline)) void hsv_block_portable(uint8_t *p, int m, const uint8_t *lut_h,
                                                                     const uint8_t *lut_s, const uint8_t *lut_v, const void *ctx) {
    (void)ctx;
    int32_t H[HSV_PORTABLE_BLOCK], S[HSV_PORTABLE_BLOCK], V[HSV_PORTABLE_BLOCK];
    uint8_t out[3][HSV_PORTABLE_BLOCK];
    for (int i = 0; i < m; i++) {
        const int r = p[3 * i], g = p[3 * i + 1], b = p[3 * i + 2];
        int v = r > g ? r : g; v = v > b ? v : b;
        int mn = r < g ? r : g; mn = mn < b ? mn : b;
        const int diff = v - mn;
        const int s = (diff * sdiv_table[v] + 2048) >> 12;
        const int vr = v == r ? -1 : 0, vg = v == g ? -1 : 0;
        int h = (vr & (g - b)) + (~vr & ((vg & (b - r + 2 * diff)) + (~vg & (r - g + 4 * diff))));
        h = (h * hdiv_table[diff] + 2048) >> 12;
        h += (h >> 31) & 180;   /* h < 0: h + 180 */
        H[i] = lut_h[h]; S[i] = lut_s[s]; V[i] = lut_v[v];
    }
    for (int i = 0; i < m; i++) {
        const float fs = (float)S[i] * (1.f / 255.f), fv = (float)V[i] * (1.f / 255.f);
        const float hh = (float)H[i] * (6.f / 180.f);
        const int sector = (int)hh;   /* 0..8: hues past 179 (sectors 6 to 8) take sector 0's values */
        const float f = hh - (float)sector;
        const float t1 = fv * (1.f - fs), ta = fv * fmaf(-fs, f, 1.f), tb = fv * fmaf(-fs, 1.f - f, 1.f);
        const float R = sector == 1 ? ta : (sector == 2 || sector == 3) ? t1 : sector == 4 ? tb : fv;
        const float G = (sector == 1 || sector == 2) ? fv : sector == 3 ? ta : (sector == 4 || sector == 5) ? t1 : tb;
        const float B = (sector == 1 || sector == 0 || sector > 5) ? t1 : sector == 2 ? tb : sector == 5 ? ta : fv;
        out[0][i] = quantise(R * 255.f, 0);
        out[1][i] = quantise(G * 255.f, 0);
        out[2][i] = quantise(B * 255.f, 0);
    }
    for (int i = 0; i < m; i++) { p[3 * i] = out[0][i]; p[3 * i + 1] = out[1][i]; p[3 * i + 2] = out[2][i]; }
}

/* The jitter of a block of m pixels (m at most the block size its walk gives), `ctx` its tables. */
typedef void (*hsv_block_fn)(uint8_t *p, int m, const uint8_t *lut_h, const uint8_t *lut_s, const uint8_t *lut_v, const void *ctx);

/* Every path's walk: blocks of `block` pixels over the row's first width - width % 32 (a uniform
   block, the grey canvas, converts one pixel and copies it), then the row tail pixel by pixel,
   rounded. Inlined with a constant `fn`, which is inlined in turn. */
static inline __attribute__((always_inline)) void hsv_rows(uint8_t *rgb, int width, int height, const uint8_t *lut_h,
                                                           const uint8_t *lut_s, const uint8_t *lut_v, int block,
                                                           hsv_block_fn fn, const void *ctx) {
    init_tables();
    const int tail = width - width % 32;
    for (int y = 0; y < height; y++) {
        uint8_t *row = rgb + (size_t)y * width * 3;
        for (int x0 = 0; x0 < tail; x0 += block) {
            const int m = tail - x0 < block ? tail - x0 : block;
            uint8_t *p = row + (size_t)x0 * 3;
            if (uniform_run(p, m)) {
                hsv_pixel(p, lut_h, lut_s, lut_v, 0);
                repeat_pixel(p, m);
            } else {
                fn(p, m, lut_h, lut_s, lut_v, ctx);
            }
        }
        for (int x = tail; x < width; x++) hsv_pixel(row + (size_t)x * 3, lut_h, lut_s, lut_v, 1);
    }
}

#if defined(__x86_64__)
#include <immintrin.h>
#include "ByteLookupAVX2.h"

#define HSV_BLOCK 256

/* Four vectors of 8 lanes (0..255 after the saturation) to 32 bytes: per 128-bit lane, lanes 0-3 of
   a, b, c, d. The inverse of unpack4, which widens 32 bytes in pixel order to pixels 0-3 and 16-19,
   4-7 and 20-23, 8-11 and 24-27, 12-15 and 28-31; packing those gives the bytes in pixel order. */
__attribute__((target("avx2"), always_inline))
static inline __m256i pack4(__m256i a, __m256i b, __m256i c, __m256i d) {
    return _mm256_packus_epi16(_mm256_packus_epi32(a, b), _mm256_packus_epi32(c, d));
}

__attribute__((target("avx2"), always_inline))
static inline void unpack4(__m256i x, __m256i o[4]) {
    const __m256i z = _mm256_setzero_si256();
    const __m256i l = _mm256_unpacklo_epi8(x, z), h = _mm256_unpackhi_epi8(x, z);
    o[0] = _mm256_unpacklo_epi16(l, z); o[1] = _mm256_unpackhi_epi16(l, z);
    o[2] = _mm256_unpacklo_epi16(h, z); o[3] = _mm256_unpackhi_epi16(h, z);
}

/* The float half of HSV2RGB for 8 pixels, each lane the scalar code's operations in its order
   (the same constants, fused multiply-adds, truncations): the sector and the four values a channel
   can take, v, t1 = v(1 - s), ta = v fma(-s, f, 1) and tb = v fma(-s, 1 - f, 1), each times 255 and
   truncated. The scalar code picks a value, multiplies by 255, clamps to [0, 255] and truncates;
   picking after the truncation and clamping in the caller's saturating packs gives the same byte
   (the values are finite and far below 2^31). */
__attribute__((target("avx2,fma"), always_inline))
static inline void hsv2rgb8(__m256i H, __m256i S, __m256i V, __m256i *sector, __m256i *cv, __m256i *c1,
                            __m256i *ca, __m256i *cb) {
    const __m256 one = _mm256_set1_ps(1.f), k255 = _mm256_set1_ps(255.f);
    const __m256 fs = _mm256_mul_ps(_mm256_cvtepi32_ps(S), _mm256_set1_ps(1.f / 255.f));
    const __m256 fv = _mm256_mul_ps(_mm256_cvtepi32_ps(V), _mm256_set1_ps(1.f / 255.f));
    const __m256 hh = _mm256_mul_ps(_mm256_cvtepi32_ps(H), _mm256_set1_ps(6.f / 180.f));
    *sector = _mm256_cvttps_epi32(hh);
    const __m256 f = _mm256_sub_ps(hh, _mm256_cvtepi32_ps(*sector));
    const __m256 t1 = _mm256_mul_ps(fv, _mm256_sub_ps(one, fs));
    const __m256 ta = _mm256_mul_ps(fv, _mm256_fnmadd_ps(fs, f, one));
    const __m256 tb = _mm256_mul_ps(fv, _mm256_fnmadd_ps(fs, _mm256_sub_ps(one, f), one));
    *cv = _mm256_cvttps_epi32(_mm256_mul_ps(fv, k255));
    *c1 = _mm256_cvttps_epi32(_mm256_mul_ps(t1, k255));
    *ca = _mm256_cvttps_epi32(_mm256_mul_ps(ta, k255));
    *cb = _mm256_cvttps_epi32(_mm256_mul_ps(tb, k255));
}

/* 32 pixels (96 bytes at p) in place. RGB2HSV: the channels deinterleaved to 32 bytes each, the
   maximum, minimum, their difference and which channel is the maximum found on bytes; the hue's
   numerator (x - y + k * diff with (x, y, k) = (g, b, 0) when r is the maximum, else (b, r, 2) when g
   is, else (r, g, 4)) in 16-bit lanes; the two multiplications by the division tables in 32-bit
   lanes, the tables recomputed as float divisions rounded to nearest (sdiv_table[v] = 1044480 / v,
   hdiv_table[d] = 122880 / d; for 0 the quotient is infinite, converts to INT32_MIN and multiplies
   a numerator that is then 0). The float quotient q of an integer below 2^20 by a divisor d below
   256 rounds to the same integer as the double one of init_tables: its error, below q * 2^-24 <
   1 / (16d), is less than 1 / (2d), the least distance of q from a half-integer it is not (a
   half-integer q is exact in both and both round it to even); the oracle tests compare all 2^24
   colours.
   H (0..179), S and V are then looked up 32 at a time in the three tables, HSV2RGB runs 8 at a time
   and the channels are re-interleaved. unpack4 and pack4 keep one lane order throughout. */
__attribute__((target("avx2,fma")))
static inline void hsv32_avx2(uint8_t *p, const sp_lut8_avx2_t *th, const sp_lut8_avx2_t *ts,
                              const sp_lut8_avx2_t *tv) {
    /* Each 128-bit lane deinterleaves 16 pixels: lane 0 pixels 0-15 (bytes 0-47), lane 1 16-31. */
    const __m256i ia = _mm256_loadu2_m128i((const __m128i *)(p + 48), (const __m128i *)p);
    const __m256i ib = _mm256_loadu2_m128i((const __m128i *)(p + 64), (const __m128i *)(p + 16));
    const __m256i ic = _mm256_loadu2_m128i((const __m128i *)(p + 80), (const __m128i *)(p + 32));
    const __m256i rm0 = _mm256_setr_epi8(0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                         0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m256i rm1 = _mm256_setr_epi8(-1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14, -1, -1, -1, -1, -1,
                                         -1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14, -1, -1, -1, -1, -1);
    const __m256i rm2 = _mm256_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 4, 7, 10, 13,
                                         -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 4, 7, 10, 13);
    const __m256i gm0 = _mm256_setr_epi8(1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                         1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m256i gm1 = _mm256_setr_epi8(-1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1,
                                         -1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1);
    const __m256i gm2 = _mm256_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14,
                                         -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14);
    const __m256i bm0 = _mm256_setr_epi8(2, 5, 8, 11, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                         2, 5, 8, 11, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m256i bm1 = _mm256_setr_epi8(-1, -1, -1, -1, -1, 1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1,
                                         -1, -1, -1, -1, -1, 1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1);
    const __m256i bm2 = _mm256_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15,
                                         -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15);
    const __m256i R = _mm256_or_si256(_mm256_or_si256(_mm256_shuffle_epi8(ia, rm0), _mm256_shuffle_epi8(ib, rm1)), _mm256_shuffle_epi8(ic, rm2));
    const __m256i G = _mm256_or_si256(_mm256_or_si256(_mm256_shuffle_epi8(ia, gm0), _mm256_shuffle_epi8(ib, gm1)), _mm256_shuffle_epi8(ic, gm2));
    const __m256i B = _mm256_or_si256(_mm256_or_si256(_mm256_shuffle_epi8(ia, bm0), _mm256_shuffle_epi8(ib, bm1)), _mm256_shuffle_epi8(ic, bm2));
    const __m256i V = _mm256_max_epu8(_mm256_max_epu8(R, G), B);
    const __m256i D = _mm256_sub_epi8(V, _mm256_min_epu8(_mm256_min_epu8(R, G), B));
    const __m256i vr = _mm256_cmpeq_epi8(V, R), vg = _mm256_cmpeq_epi8(V, G);
    const __m256i X = _mm256_blendv_epi8(_mm256_blendv_epi8(R, B, vg), G, vr);
    const __m256i Y = _mm256_blendv_epi8(_mm256_blendv_epi8(G, R, vg), B, vr);
    const __m256i K = _mm256_blendv_epi8(_mm256_blendv_epi8(_mm256_set1_epi8(4), _mm256_set1_epi8(2), vg), _mm256_setzero_si256(), vr);
    const __m256i z = _mm256_setzero_si256();
    __m256i num[4], d[4], v[4], h[4], s[4];
    {
        const __m256i n0 = _mm256_add_epi16(_mm256_sub_epi16(_mm256_unpacklo_epi8(X, z), _mm256_unpacklo_epi8(Y, z)),
                                            _mm256_mullo_epi16(_mm256_unpacklo_epi8(K, z), _mm256_unpacklo_epi8(D, z)));
        const __m256i n1 = _mm256_add_epi16(_mm256_sub_epi16(_mm256_unpackhi_epi8(X, z), _mm256_unpackhi_epi8(Y, z)),
                                            _mm256_mullo_epi16(_mm256_unpackhi_epi8(K, z), _mm256_unpackhi_epi8(D, z)));
        const __m256i s0 = _mm256_srai_epi16(n0, 15), s1 = _mm256_srai_epi16(n1, 15);
        num[0] = _mm256_unpacklo_epi16(n0, s0); num[1] = _mm256_unpackhi_epi16(n0, s0);
        num[2] = _mm256_unpacklo_epi16(n1, s1); num[3] = _mm256_unpackhi_epi16(n1, s1);
    }
    unpack4(D, d);
    unpack4(V, v);
    const __m256i half = _mm256_set1_epi32(2048);
    for (int k = 0; k < 4; k++) {
        const __m256i sdiv = _mm256_cvtps_epi32(_mm256_div_ps(_mm256_set1_ps(1044480.f), _mm256_cvtepi32_ps(v[k])));
        const __m256i hdiv = _mm256_cvtps_epi32(_mm256_div_ps(_mm256_set1_ps(122880.f), _mm256_cvtepi32_ps(d[k])));
        s[k] = _mm256_srai_epi32(_mm256_add_epi32(_mm256_mullo_epi32(d[k], sdiv), half), 12);
        const __m256i hk = _mm256_srai_epi32(_mm256_add_epi32(_mm256_mullo_epi32(num[k], hdiv), half), 12);
        h[k] = _mm256_add_epi32(hk, _mm256_and_si256(_mm256_cmpgt_epi32(z, hk), _mm256_set1_epi32(180)));
    }
    unpack4(sp_lut8_avx2_n(th, pack4(h[0], h[1], h[2], h[3]), 4), h);   /* H < 180: entries 128..191 suffice above */
    unpack4(sp_lut8_avx2(ts, pack4(s[0], s[1], s[2], s[3])), s);
    unpack4(sp_lut8_avx2(tv, V), v);
    __m256i sec[4], cv[4], c1[4], ca[4], cb[4];
    for (int k = 0; k < 4; k++) hsv2rgb8(h[k], s[k], v[k], &sec[k], &cv[k], &c1[k], &ca[k], &cb[k]);
    /* The sector's switch on bytes, 32 pixels at once (sectors other than 1..5 take the default
       case, like the scalar code): default (v, tb, t1); 1: (ta, v, t1); 2: (t1, v, tb); 3: (t1, ta, v);
       4: (tb, t1, v); 5: (v, t1, ta). */
    const __m256i SEC = pack4(sec[0], sec[1], sec[2], sec[3]);
    const __m256i FV = pack4(cv[0], cv[1], cv[2], cv[3]), T1 = pack4(c1[0], c1[1], c1[2], c1[3]);
    const __m256i TA = pack4(ca[0], ca[1], ca[2], ca[3]), TB = pack4(cb[0], cb[1], cb[2], cb[3]);
    const __m256i m1 = _mm256_cmpeq_epi8(SEC, _mm256_set1_epi8(1)), m2 = _mm256_cmpeq_epi8(SEC, _mm256_set1_epi8(2));
    const __m256i m3 = _mm256_cmpeq_epi8(SEC, _mm256_set1_epi8(3)), m4 = _mm256_cmpeq_epi8(SEC, _mm256_set1_epi8(4));
    const __m256i m5 = _mm256_cmpeq_epi8(SEC, _mm256_set1_epi8(5));
    const __m256i Ro = _mm256_blendv_epi8(_mm256_blendv_epi8(_mm256_blendv_epi8(FV, TA, m1), T1, _mm256_or_si256(m2, m3)), TB, m4);
    const __m256i Go = _mm256_blendv_epi8(_mm256_blendv_epi8(_mm256_blendv_epi8(TB, FV, _mm256_or_si256(m1, m2)), TA, m3), T1, _mm256_or_si256(m4, m5));
    const __m256i Bo = _mm256_blendv_epi8(_mm256_blendv_epi8(_mm256_blendv_epi8(T1, TB, m2), FV, _mm256_or_si256(m3, m4)), TA, m5);
    /* Each 128-bit lane interleaves its 16 pixels to 48 bytes, o0..o2 holding bytes 0-15, 16-31 and
       32-47 of them: byte j is channel j % 3 of pixel j / 3. */
    const __m256i r0 = _mm256_setr_epi8(0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1, -1, 5,
                                        0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1, -1, 5);
    const __m256i g0 = _mm256_setr_epi8(-1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1, -1,
                                        -1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1, -1);
    const __m256i b0 = _mm256_setr_epi8(-1, -1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1,
                                        -1, -1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1);
    const __m256i r1 = _mm256_setr_epi8(-1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1, 10, -1,
                                        -1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1, 10, -1);
    const __m256i g1 = _mm256_setr_epi8(5, -1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1, 10,
                                        5, -1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1, 10);
    const __m256i b1 = _mm256_setr_epi8(-1, 5, -1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1,
                                        -1, 5, -1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1);
    const __m256i r2 = _mm256_setr_epi8(-1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15, -1, -1,
                                        -1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15, -1, -1);
    const __m256i g2 = _mm256_setr_epi8(-1, -1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15, -1,
                                        -1, -1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15, -1);
    const __m256i b2 = _mm256_setr_epi8(10, -1, -1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15,
                                        10, -1, -1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15);
    const __m256i o0 = _mm256_or_si256(_mm256_or_si256(_mm256_shuffle_epi8(Ro, r0), _mm256_shuffle_epi8(Go, g0)), _mm256_shuffle_epi8(Bo, b0));
    const __m256i o1 = _mm256_or_si256(_mm256_or_si256(_mm256_shuffle_epi8(Ro, r1), _mm256_shuffle_epi8(Go, g1)), _mm256_shuffle_epi8(Bo, b1));
    const __m256i o2 = _mm256_or_si256(_mm256_or_si256(_mm256_shuffle_epi8(Ro, r2), _mm256_shuffle_epi8(Go, g2)), _mm256_shuffle_epi8(Bo, b2));
    _mm256_storeu_si256((__m256i *)p, _mm256_permute2x128_si256(o0, o1, 0x20));
    _mm256_storeu_si256((__m256i *)(p + 32), _mm256_permute2x128_si256(o2, o0, 0x30));
    _mm256_storeu_si256((__m256i *)(p + 64), _mm256_permute2x128_si256(o1, o2, 0x31));
}

/* The scalar computation over blocks of pixels (multiples of 32), branch-free, all of it in
   hsv32_avx2; uniform blocks (the grey canvas) convert one pixel and copy it. The AVX-512 path runs
   this too: an AVX-512 version of the integer RGB2HSV + LUT half (16 pixels a step with gathers of
   the division tables and vpermi2b lookups, the float half left to the compiler) took 470 us a
   512x512 window against this kernel's 304 on an AMD Zen 4 core (`seg-prep bench stages`, the
   voc-train recipe). */
static inline __attribute__((always_inline, target("avx2,fma"))) void hsv_avx2_block(uint8_t *p, int m, const uint8_t *lut_h,
                                                                                   const uint8_t *lut_s, const uint8_t *lut_v,
                                                                                   const void *ctx) {
    (void)lut_h; (void)lut_s; (void)lut_v;
    const sp_lut8_avx2_t *t = ctx;
    for (int i = 0; i < m; i += 32) hsv32_avx2(p + 3 * i, &t[0], &t[1], &t[2]);
}

__attribute__((target("avx2,fma")))
static void hsv_avx2(uint8_t *rgb, int width, int height, const uint8_t *lut_h, const uint8_t *lut_s,
                     const uint8_t *lut_v) {
    sp_lut8_avx2_t t[3];
    sp_lut8_avx2_prepare(&t[0], lut_h);
    sp_lut8_avx2_prepare(&t[1], lut_s);
    sp_lut8_avx2_prepare(&t[2], lut_v);
    hsv_rows(rgb, width, height, lut_h, lut_s, lut_v, HSV_BLOCK, hsv_avx2_block, t);
}
#endif

SP_PORTABLE_FMA static void hsv_generic(uint8_t *rgb, int width, int height, const uint8_t *lut_h, const uint8_t *lut_s,
                        const uint8_t *lut_v) {
    hsv_rows(rgb, width, height, lut_h, lut_s, lut_v, HSV_PORTABLE_BLOCK, hsv_block_portable, NULL);
}

void sp_hsv_jitter(uint8_t *rgb, int width, int height, const uint8_t *lut_h, const uint8_t *lut_s,
                   const uint8_t *lut_v, int path) {
#if defined(__x86_64__)
    const int usable = sp_simd_usable(path);
    if (usable >= SP_SIMD_AVX2) {
        hsv_avx2(rgb, width, height, lut_h, lut_s, lut_v);
        return;
    }
#endif
    (void)path;
    hsv_generic(rgb, width, height, lut_h, lut_s, lut_v);
}
