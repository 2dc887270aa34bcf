#include "CPixelKernels.h"
#include "PixelMath.h"
#include "CSimdDispatch.h"
#include <math.h>
#include <stdlib.h>

/* ---- OpenCV's warpAffine (IPP path of pip OpenCV) and remap on uint8, bit for bit ----

   Every operation is one IEEE operation in the order the golden README's models give
   (fixtures/golden-mmseg-aug/README.md, "cv2.warpAffine" IPP-on model and "cv2.remap"); no
   expression may be contracted into an fma by the compiler, the fmas are explicit. Coordinates
   are clamped to +-2^30 before any integer conversion (far outside every image either way). */
#pragma clang fp contract(off)

static inline double clampd(double v) {
    if (!(v > -1073741824.0)) return -1073741824.0;   /* also NaN */
    if (v > 1073741824.0) return 1073741824.0;
    return v;
}

void sp_invert_affine(const double m[6], double inv[6]) {
    double d = m[0] * m[4] - m[1] * m[3];
    d = d != 0.0 ? 1.0 / d : 0.0;
    double a11 = m[4] * d, a22 = m[0] * d;
    double a12 = -m[1] * d, a21 = -m[3] * d;
    double b1 = -a11 * m[2] - a12 * m[5];
    double b2 = -a21 * m[2] - a22 * m[5];
    inv[0] = a11; inv[1] = a12; inv[2] = b1;
    inv[3] = a21; inv[4] = a22; inv[5] = b2;
}

/* One bilinear output pixel from the four taps at (ix, iy) .. (ix + 1, iy + 1), taps outside
   the source taking the border value, column pass first (IPP). */
static inline __attribute__((always_inline)) void bilinear_ipp(const uint8_t *src, int sw, int sh, int c, int ix, int iy, float fx, float fy,
                                const uint8_t *border, uint8_t *out) {
    const int in_x0 = ix >= 0 && ix < sw, in_x1 = ix + 1 >= 0 && ix + 1 < sw;
    const int in_y0 = iy >= 0 && iy < sh, in_y1 = iy + 1 >= 0 && iy + 1 < sh;
    /* Row pointers only for rows inside the source (a pointer outside the buffer is undefined even unread). */
    const uint8_t *r0 = in_y0 ? src + ((size_t)iy * (size_t)sw) * (size_t)c : src;
    const uint8_t *r1 = in_y1 ? src + ((size_t)(iy + 1) * (size_t)sw) * (size_t)c : src;
    for (int k = 0; k < c; k++) {
        float p00 = (in_y0 && in_x0) ? r0[(size_t)ix * c + k] : border[k];
        float p01 = (in_y0 && in_x1) ? r0[(size_t)(ix + 1) * c + k] : border[k];
        float p10 = (in_y1 && in_x0) ? r1[(size_t)ix * c + k] : border[k];
        float p11 = (in_y1 && in_x1) ? r1[(size_t)(ix + 1) * c + k] : border[k];
        float v0 = fmaf(fy, p10 - p00, p00);
        float v1 = fmaf(fy, p11 - p01, p01);
        out[k] = sat_round(fmaf(fx, v1 - v0, v0));
    }
}

/* One warped output pixel from the source coordinates (sxd, syd) before clamping: the oracle,
   which the AVX2 path also calls for the pixels its vectors do not take. */
static inline __attribute__((always_inline)) void warp_pixel(const uint8_t *src, int sw, int sh, int c, double sxd, double syd,
                                                             int nearest, const uint8_t *border, uint8_t *o) {
    sxd = clampd(sxd); syd = clampd(syd);
    if (nearest) {
        const int ix = (int)floor(sxd + 0.5), iy = (int)floor(syd + 0.5);
        if (ix >= 0 && ix < sw && iy >= 0 && iy < sh) {
            const uint8_t *p = src + ((size_t)iy * (size_t)sw + (size_t)ix) * (size_t)c;
            for (int k = 0; k < c; k++) o[k] = p[k];
        } else {
            for (int k = 0; k < c; k++) o[k] = border[k];
        }
        return;
    }
    const float sx = (float)sxd, sy = (float)syd;
    int ix = (int)floorf(sx), iy = (int)floorf(sy);
    float fx, fy;
    if (ix >= 0 && ix + 1 < sw && iy >= 0 && iy + 1 < sh) {
        fx = sx - (float)ix; fy = sy - (float)iy;
    } else {
        const double fxd = floor(sxd), fyd = floor(syd);
        ix = (int)fxd; iy = (int)fyd;
        fx = (float)(sxd - fxd); fy = (float)(syd - fyd);
    }
    if (ix < -1 || ix >= sw || iy < -1 || iy >= sh) {
        for (int k = 0; k < c; k++) o[k] = border[k];
        return;
    }
    bilinear_ipp(src, sw, sh, c, ix, iy, fx, fy, border, o);
}

SP_PORTABLE_FMA static void warp_affine_impl(const uint8_t *src, int sw, int sh, int c, uint8_t *dst, int dw, int dh,
                             const double inv[6], int nearest, const uint8_t *border) {
    for (int y = 0; y < dh; y++) {
        const double ry = inv[1] * (double)y + inv[2], qy = inv[4] * (double)y + inv[5];
        uint8_t *o = dst + (size_t)y * (size_t)dw * (size_t)c;
        for (int x = 0; x < dw; x++, o += c)
            warp_pixel(src, sw, sh, c, inv[0] * (double)x + ry, inv[3] * (double)x + qy, nearest, border, o);
    }
}

static inline float clampf(float v) {
    if (!(v > -1073741824.0f)) return -1073741824.0f;
    if (v > 1073741824.0f) return 1073741824.0f;
    return v;
}

/* One remapped output pixel at the map values (mx, my) before clamping: the oracle, which the
   AVX2 path also calls for the pixels its vectors do not take. */
static inline __attribute__((always_inline)) void remap_pixel(const uint8_t *src, int sw, int sh, int c, float mx, float my,
                                                              int nearest, int reflect, const uint8_t *border, uint8_t *o) {
    mx = clampf(mx); my = clampf(my);
    if (nearest) {
        int ix = (int)nearbyintf(mx), iy = (int)nearbyintf(my);
        if (ix < 0 || ix >= sw || iy < 0 || iy >= sh) {
            if (!reflect) { for (int k = 0; k < c; k++) o[k] = border[k]; return; }
            ix = reflect101(ix, sw); iy = reflect101(iy, sh);
        }
        const uint8_t *p = src + ((size_t)iy * (size_t)sw + (size_t)ix) * (size_t)c;
        for (int k = 0; k < c; k++) o[k] = p[k];
        return;
    }
    const float fxf = floorf(mx), fyf = floorf(my);
    const int ix = (int)fxf, iy = (int)fyf;
    const float fx = mx - fxf, fy = my - fyf;
    if (!reflect && (ix < -1 || ix >= sw || iy < -1 || iy >= sh)) {
        for (int k = 0; k < c; k++) o[k] = border[k];
        return;
    }
    const uint8_t *p00, *p01, *p10, *p11;
    int x0 = ix, x1 = ix + 1, y0 = iy, y1 = iy + 1;
    int ox0 = x0 >= 0 && x0 < sw, ox1 = x1 >= 0 && x1 < sw, oy0 = y0 >= 0 && y0 < sh, oy1 = y1 >= 0 && y1 < sh;
    if (reflect) {
        x0 = reflect101(x0, sw); x1 = reflect101(x1, sw); y0 = reflect101(y0, sh); y1 = reflect101(y1, sh);
        ox0 = ox1 = oy0 = oy1 = 1;
    }
    p00 = (oy0 && ox0) ? src + ((size_t)y0 * sw + x0) * c : border;
    p01 = (oy0 && ox1) ? src + ((size_t)y0 * sw + x1) * c : border;
    p10 = (oy1 && ox0) ? src + ((size_t)y1 * sw + x0) * c : border;
    p11 = (oy1 && ox1) ? src + ((size_t)y1 * sw + x1) * c : border;
    for (int k = 0; k < c; k++) {
        float a = p00[k], b = p01[k], d = p10[k], e = p11[k];
        float v0 = fmaf(fx, b - a, a);
        float v1 = fmaf(fx, e - d, d);
        o[k] = sat_round(fmaf(fy, v1 - v0, v0));
    }
}

SP_PORTABLE_FMA static void remap_impl(const uint8_t *src, int sw, int sh, int c, uint8_t *dst, int dw, int dh,
                       const float *map_x, const float *map_y, int nearest, int reflect, const uint8_t *border) {
    for (int y = 0; y < dh; y++) {
        uint8_t *o = dst + (size_t)y * (size_t)dw * (size_t)c;
        const float *mxr = map_x + (size_t)y * (size_t)dw, *myr = map_y + (size_t)y * (size_t)dw;
        for (int x = 0; x < dw; x++, o += c) remap_pixel(src, sw, sh, c, mxr[x], myr[x], nearest, reflect, border, o);
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

/* ---- AVX2 + FMA: eight output pixels a step ----

   The same model evaluated eight pixels at once, with the same IEEE operations in the same order
   (source coordinates in double as inv0 * x + row, the products from a table of the columns,
   rounded to float with vcvtpd2ps; fractions, the explicit fmas and the rounding to nearest even
   as the scalar code does them). A step classifies its pixels exactly as the oracle would: "interior" (every tap inside the source:
   the oracle's interior test in float), "outside" (the border value; a conservative test, so
   every pixel it takes is outside for the oracle too) and the rest (near the source's edge), which
   the oracle's own per-pixel code redoes after the vector store. Taps are read with 32-bit
   gathers (one- and two-byte nearest pixels with plain loads) at byte offsets that stay inside the source (pixels that are not interior gather at
   offset 0), so sizes are limited to offsets below 2^31 and sides below 2^24 (floats hold them
   exactly); larger rasters, and the last dw % 8 pixels of a row, take the oracle. Specialised for
   1 to 4 channels (image, 8- and 16-bit labels, RGBA); other widths run the oracle. */
#define SP_AVX2_INLINE static inline __attribute__((target("avx2,fma"), always_inline))

/* Whether the AVX2 loops can run on this source (see above). */
static int avx2_fits(int sw, int sh, int c) {
    const int64_t n = (int64_t)sw * sh * c;
    return c >= 1 && c <= 4 && sw >= 1 && sh >= 1 && sw < (1 << 24) - 2 && sh < (1 << 24) - 2 && n >= 4 && n <= (int64_t)0x7FFFFFF0;
}

SP_AVX2_INLINE __m256i gather32(const uint8_t *base, __m256i offsets) {
    return _mm256_i32gather_epi32((const int *)(const void *)base, offsets, 1);
}

/* Byte j of each 32-bit lane of g as a float. */
SP_AVX2_INLINE __m256 byte_ps(__m256i g, int j) {
    const __m256i v = j == 3 ? _mm256_srli_epi32(g, 24) : _mm256_and_si256(_mm256_srli_epi32(g, 8 * j), _mm256_set1_epi32(0xFF));
    return _mm256_cvtepi32_ps(v);
}

/* The interpolation of eight pixels from their taps as floats: the IPP order (column pass first)
   when `column_first`, else the remap order (row pass first), rounded to nearest even (the
   default rounding, as nearbyintf); not yet saturated. */
SP_AVX2_INLINE __m256i lerp8(__m256 p00, __m256 p01, __m256 p10, __m256 p11, __m256 fx, __m256 fy, int column_first) {
    __m256 v;
    if (column_first) {
        const __m256 v0 = _mm256_fmadd_ps(fy, _mm256_sub_ps(p10, p00), p00);
        const __m256 v1 = _mm256_fmadd_ps(fy, _mm256_sub_ps(p11, p01), p01);
        v = _mm256_fmadd_ps(fx, _mm256_sub_ps(v1, v0), v0);
    } else {
        const __m256 v0 = _mm256_fmadd_ps(fx, _mm256_sub_ps(p01, p00), p00);
        const __m256 v1 = _mm256_fmadd_ps(fx, _mm256_sub_ps(p11, p10), p10);
        v = _mm256_fmadd_ps(fy, _mm256_sub_ps(v1, v0), v0);
    }
    return _mm256_cvtps_epi32(v);
}

/* Channel results r[0..c-1] (32-bit lanes) saturated to bytes as sat_round does (negative and
   NaN, which converts to INT_MIN, to 0; the interpolation never exceeds 255) and packed as c
   bytes per 32-bit lane. */
SP_AVX2_INLINE __m256i pack_channels(const __m256i *r, int c) {
    if (c == 1) return _mm256_min_epi32(_mm256_max_epi32(r[0], _mm256_setzero_si256()), _mm256_set1_epi32(255));
    const __m256i a = _mm256_packus_epi32(r[0], r[1]);
    const __m256i b = _mm256_packus_epi32(c > 2 ? r[2] : r[0], c > 3 ? r[3] : (c > 2 ? r[2] : r[0]));
    /* per 128-bit lane: channel k of pixel i at byte 4k + i */
    const __m256i bytes = _mm256_packus_epi16(a, b);
    const char z = -1;
    const __m256i order = c == 2 ? _mm256_setr_epi8(0, 4, z, z, 1, 5, z, z, 2, 6, z, z, 3, 7, z, z, 0, 4, z, z, 1, 5, z, z, 2, 6, z, z, 3, 7, z, z)
                        : c == 3 ? _mm256_setr_epi8(0, 4, 8, z, 1, 5, 9, z, 2, 6, 10, z, 3, 7, 11, z, 0, 4, 8, z, 1, 5, 9, z, 2, 6, 10, z, 3, 7, 11, z)
                                 : _mm256_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    return _mm256_shuffle_epi8(bytes, order);
}

/* Eight bilinear pixels of c channels, each returned as its c bytes in a 32-bit lane. `off` is
   the byte offset of tap (ix, iy) (in range), `stride` the source row in bytes (at least two
   pixels and two rows: some lane is interior); the taps are gathered 32 bits at a time at
   offsets that stay inside the source. */
SP_AVX2_INLINE __m256i bilinear8(const uint8_t *src, __m256i off, int stride, int c, __m256 fx, __m256 fy, int column_first) {
    __m256i r[4];
    const __m256i below = _mm256_add_epi32(off, _mm256_set1_epi32(stride));
    __m256i g0, g1, g2 = _mm256_setzero_si256(), g3 = _mm256_setzero_si256();
    switch (c) {
    case 1:   /* p00 p01 are bytes 0, 1 at off; p10 p11 bytes 2, 3 two before the row below */
        g0 = gather32(src, off); g1 = gather32(src, _mm256_sub_epi32(below, _mm256_set1_epi32(2))); break;
    case 2:
        g0 = gather32(src, off); g1 = gather32(src, below); break;
    case 3:   /* bytes 0..2 at off are p00, bytes 1..3 at off + 2 are p01 */
        g0 = gather32(src, off); g1 = gather32(src, _mm256_add_epi32(off, _mm256_set1_epi32(2)));
        g2 = gather32(src, below); g3 = gather32(src, _mm256_add_epi32(below, _mm256_set1_epi32(2))); break;
    default:
        g0 = gather32(src, off); g1 = gather32(src, _mm256_add_epi32(off, _mm256_set1_epi32(4)));
        g2 = gather32(src, below); g3 = gather32(src, _mm256_add_epi32(below, _mm256_set1_epi32(4))); break;
    }
    for (int k = 0; k < c; k++) {
        __m256 p00, p01, p10, p11;
        switch (c) {
        case 1: p00 = byte_ps(g0, 0); p01 = byte_ps(g0, 1); p10 = byte_ps(g1, 2); p11 = byte_ps(g1, 3); break;
        case 2: p00 = byte_ps(g0, k); p01 = byte_ps(g0, 2 + k); p10 = byte_ps(g1, k); p11 = byte_ps(g1, 2 + k); break;
        case 3: p00 = byte_ps(g0, k); p01 = byte_ps(g1, 1 + k); p10 = byte_ps(g2, k); p11 = byte_ps(g3, 1 + k); break;
        default: p00 = byte_ps(g0, k); p01 = byte_ps(g1, k); p10 = byte_ps(g2, k); p11 = byte_ps(g3, k); break;
        }
        r[k] = lerp8(p00, p01, p10, p11, fx, fy, column_first);
    }
    return pack_channels(r, c);
}

/* The c-byte pixels at byte offsets `off` (in range) of a source of n >= 4 bytes, one per 32-bit
   lane: gathered at min(off, n - 4) and shifted, so no read passes the end. */
SP_AVX2_INLINE __m256i pixels8(const uint8_t *src, __m256i off, int n, int c) {
    if (c == 4) return gather32(src, off);
    const __m256i at = _mm256_min_epi32(off, _mm256_set1_epi32(n - 4));
    const __m256i shift = _mm256_slli_epi32(_mm256_sub_epi32(off, at), 3);
    return _mm256_and_si256(_mm256_srlv_epi32(gather32(src, at), shift), _mm256_set1_epi32((int)((1u << (8 * c)) - 1)));
}

/* Copies the c-byte pixels (c 1 or 2, labels) at byte offsets `off` to o, eight of them, with
   plain loads and stores: cheaper than a gather for one or two bytes. */
SP_AVX2_INLINE void copy8(uint8_t *o, const uint8_t *src, __m256i off, int c) {
    int32_t at[8];
    _mm256_storeu_si256((__m256i *)(void *)at, off);
    for (int j = 0; j < 8; j++)
        for (int k = 0; k < c; k++) o[c * j + k] = src[at[j] + k];
}

/* Stores eight pixels given as c bytes in each 32-bit lane (8 c bytes). */
SP_AVX2_INLINE void store8(uint8_t *o, __m256i v, int c) {
    const __m128i lo = _mm256_castsi256_si128(v), hi = _mm256_extracti128_si256(v, 1);
    switch (c) {
    case 1: { const __m128i w = _mm_packus_epi32(lo, hi); _mm_storel_epi64((__m128i *)(void *)o, _mm_packus_epi16(w, w)); break; }
    case 2: _mm_storeu_si128((__m128i *)(void *)o, _mm_packus_epi32(lo, hi)); break;
    case 3: {
        const __m256i squeeze = _mm256_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1,
                                                 0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
        const __m256i t = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(v, squeeze), _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7));
        _mm_storeu_si128((__m128i *)(void *)o, _mm256_castsi256_si128(t));
        _mm_storel_epi64((__m128i *)(void *)(o + 16), _mm256_extracti128_si256(t, 1));
        break;
    }
    default: _mm256_storeu_si256((__m256i *)(void *)o, v); break;
    }
}

/* The byte offsets of pixels (ix, iy) of rows `stride` bytes long, 0 where `keep` is clear. */
SP_AVX2_INLINE __m256i offsets8(__m256i ix, __m256i iy, int stride, int c, __m256i keep) {
    const __m256i xc = c == 1 ? ix : _mm256_mullo_epi32(ix, _mm256_set1_epi32(c));
    return _mm256_and_si256(_mm256_add_epi32(_mm256_mullo_epi32(iy, _mm256_set1_epi32(stride)), xc), keep);
}

/* Lanes 0 <= i < n of 32-bit lanes, as an all-ones mask: 0 <= v && v < n (v from a truncating
   conversion, which gives INT_MIN for NaN and out-of-range values). */
SP_AVX2_INLINE __m256i within(__m256i v, int n) {
    return _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_setzero_si256(), v), _mm256_cmpgt_epi32(_mm256_set1_epi32(n), v));
}

/* 0 <= v < n as a float compare mask (false for NaN). */
SP_AVX2_INLINE __m256 between(__m256 v, float lo, float hi) {
    return _mm256_and_ps(_mm256_cmp_ps(v, _mm256_set1_ps(lo), _CMP_GE_OQ), _mm256_cmp_ps(v, _mm256_set1_ps(hi), _CMP_LT_OQ));
}

/* Eight doubles (lanes 0-3 in lo, 4-7 in hi) as floats (vcvtpd2ps, to nearest) or truncated ints. */
SP_AVX2_INLINE __m256 floats8(__m256d lo, __m256d hi) {
    return _mm256_set_m128(_mm256_cvtpd_ps(hi), _mm256_cvtpd_ps(lo));
}
SP_AVX2_INLINE __m256i ints8(__m256d lo, __m256d hi) {
    return _mm256_set_m128i(_mm256_cvttpd_epi32(hi), _mm256_cvttpd_epi32(lo));
}

/* One raster a warp writes: source, its size and pixel width, destination row, border. */
typedef struct {
    const uint8_t *src;
    int sw, sh, c, stride, n;
    const uint8_t *border;
    __m256i bord;   /* the border's c bytes in every 32-bit lane */
} warp_plane;

SP_AVX2_INLINE warp_plane plane(const uint8_t *src, int sw, int sh, int c, const uint8_t *border) {
    uint32_t packed = 0;
    for (int k = 0; k < c; k++) packed |= (uint32_t)border[k] << (8 * k);
    const warp_plane p = {src, sw, sh, c, sw * c, sw * sh * c, border, _mm256_set1_epi32((int)packed)};
    return p;
}

/* Eight nearest-neighbour pixels x .. x + 7 of a row at the source coordinates s (double, lanes
   0-3 in *l, 4-7 in *h): floor(s + 0.5), then the oracle's bounds test on the integers. */
SP_AVX2_INLINE void warp_nearest8(const warp_plane *p, const int c, __m256d sxl, __m256d sxh, __m256d syl, __m256d syh, uint8_t *ox) {
    const __m256d half = _mm256_set1_pd(0.5);
    const __m256i ix = ints8(_mm256_floor_pd(_mm256_add_pd(sxl, half)), _mm256_floor_pd(_mm256_add_pd(sxh, half)));
    const __m256i iy = ints8(_mm256_floor_pd(_mm256_add_pd(syl, half)), _mm256_floor_pd(_mm256_add_pd(syh, half)));
    const __m256i inside = _mm256_and_si256(within(ix, p->sw), within(iy, p->sh));
    if (_mm256_testz_si256(inside, inside)) { store8(ox, p->bord, c); return; }
    if (c <= 2 && _mm256_testc_si256(inside, _mm256_set1_epi32(-1))) { copy8(ox, p->src, offsets8(ix, iy, p->stride, c, inside), c); return; }
    const __m256i v = pixels8(p->src, offsets8(ix, iy, p->stride, c, inside), p->n, c);
    store8(ox, _mm256_blendv_epi8(p->bord, v, inside), c);
}

/* Eight bilinear pixels x .. x + 7 of row (ry, qy) at the source coordinates s (as above). */
SP_AVX2_INLINE void warp_linear8(const warp_plane *p, const int c, __m256d sxl, __m256d sxh, __m256d syl, __m256d syh, uint8_t *ox,
                                 const double inv[6], int x, double ry, double qy) {
    const int sw = p->sw, sh = p->sh;
    const __m256 sx = floats8(sxl, sxh), sy = floats8(syl, syh);
    const __m256 interior = _mm256_and_ps(between(sx, 0.0f, (float)(sw - 1)), between(sy, 0.0f, (float)(sh - 1)));
    const unsigned in_bits = (unsigned)_mm256_movemask_ps(interior);
    const __m256i ix = _mm256_cvttps_epi32(sx), iy = _mm256_cvttps_epi32(sy);
    const __m256 fx = _mm256_sub_ps(sx, _mm256_cvtepi32_ps(ix)), fy = _mm256_sub_ps(sy, _mm256_cvtepi32_ps(iy));
    if (in_bits == 0xFFu) {
        store8(ox, bilinear8(p->src, offsets8(ix, iy, p->stride, c, _mm256_set1_epi32(-1)), p->stride, c, fx, fy, 1), c);
        return;
    }
    /* outside for the oracle too: float s below -1 means the double below -1 (rounding is
       monotonic and -1 a float), above the side the double above it; NaN (the oracle clamps it
       to -2^30) */
    const __m256 lo = _mm256_set1_ps(-1.0f);
    const __m256 near = _mm256_and_ps(_mm256_and_ps(_mm256_cmp_ps(sx, lo, _CMP_GE_OQ), _mm256_cmp_ps(sx, _mm256_set1_ps((float)sw), _CMP_LE_OQ)),
                                      _mm256_and_ps(_mm256_cmp_ps(sy, lo, _CMP_GE_OQ), _mm256_cmp_ps(sy, _mm256_set1_ps((float)sh), _CMP_LE_OQ)));
    const unsigned near_bits = (unsigned)_mm256_movemask_ps(near);
    if (in_bits == 0) {
        store8(ox, p->bord, c);
    } else {
        const __m256i v = bilinear8(p->src, offsets8(ix, iy, p->stride, c, _mm256_castps_si256(interior)), p->stride, c, fx, fy, 1);
        store8(ox, _mm256_blendv_epi8(p->bord, v, _mm256_castps_si256(near)), c);
    }
    /* the pixels near the edge: the oracle's own code */
    for (unsigned edge = near_bits & ~in_bits & 0xFFu; edge; edge &= edge - 1) {
        const int j = __builtin_ctz(edge);
        const double xd = (double)(x + j);
        warp_pixel(p->src, sw, sh, c, inv[0] * xd + ry, inv[3] * xd + qy, 0, p->border, ox + (size_t)j * (size_t)c);
    }
}

/* The warp of one raster (c channels, bilinear or nearest), or of an image (bilinear, c
   channels) and its label (nearest, lc bytes) from the same source size to the same output
   size, sharing the coordinates (lc 0: no label). */
SP_AVX2_INLINE void warp_rows_avx2(const warp_plane *img, const int c, const int nearest, const warp_plane *lbl, const int lc,
                                   uint8_t *dst, uint8_t *ldst, int dw, int dh, const double inv[6], const double *ax, const double *ay) {
    for (int y = 0; y < dh; y++) {
        const double ry = inv[1] * (double)y + inv[2], qy = inv[4] * (double)y + inv[5];
        uint8_t *o = dst + (size_t)y * (size_t)dw * (size_t)c;
        uint8_t *lo = lc ? ldst + (size_t)y * (size_t)dw * (size_t)lc : NULL;
        const __m256d r4 = _mm256_set1_pd(ry), q4 = _mm256_set1_pd(qy);
        int x = 0;
        for (; x + 8 <= dw; x += 8) {
            /* inv0 * x (from the table) + row: the scalar model's two operations */
            const __m256d sxl = _mm256_add_pd(_mm256_loadu_pd(ax + x), r4), sxh = _mm256_add_pd(_mm256_loadu_pd(ax + x + 4), r4);
            const __m256d syl = _mm256_add_pd(_mm256_loadu_pd(ay + x), q4), syh = _mm256_add_pd(_mm256_loadu_pd(ay + x + 4), q4);
            if (nearest) warp_nearest8(img, c, sxl, sxh, syl, syh, o + (size_t)x * (size_t)c);
            else warp_linear8(img, c, sxl, sxh, syl, syh, o + (size_t)x * (size_t)c, inv, x, ry, qy);
            if (lc) warp_nearest8(lbl, lc, sxl, sxh, syl, syh, lo + (size_t)x * (size_t)lc);
        }
        for (; x < dw; x++) {
            const double sxd = inv[0] * (double)x + ry, syd = inv[3] * (double)x + qy;
            warp_pixel(img->src, img->sw, img->sh, c, sxd, syd, nearest, img->border, o + (size_t)x * (size_t)c);
            if (lc) warp_pixel(lbl->src, lbl->sw, lbl->sh, lc, sxd, syd, 1, lbl->border, lo + (size_t)x * (size_t)lc);
        }
    }
}

SP_AVX2_INLINE void remap_rows_avx2(const uint8_t *src, int sw, int sh, const int c, uint8_t *dst, int dw, int dh,
                                    const float *map_x, const float *map_y, const int nearest, int reflect, const uint8_t *border) {
    const warp_plane p = plane(src, sw, sh, c, border);
    const int stride = p.stride, n = p.n;
    const __m256i bord = p.bord;
    for (int y = 0; y < dh; y++) {
        uint8_t *o = dst + (size_t)y * (size_t)dw * (size_t)c;
        const float *mxr = map_x + (size_t)y * (size_t)dw, *myr = map_y + (size_t)y * (size_t)dw;
        int x = 0;
        for (; x + 8 <= dw; x += 8) {
            const __m256 mx = _mm256_loadu_ps(mxr + x), my = _mm256_loadu_ps(myr + x);
            uint8_t *ox = o + (size_t)x * (size_t)c;
            unsigned redo;
            if (nearest) {
                /* rounded to nearest even as nearbyintf, then the oracle's bounds test on the integers */
                const __m256i ix = _mm256_cvttps_epi32(_mm256_round_ps(mx, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
                const __m256i iy = _mm256_cvttps_epi32(_mm256_round_ps(my, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
                const __m256i inside = _mm256_and_si256(within(ix, sw), within(iy, sh));
                const unsigned in_bits = (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(inside));
                if (in_bits == 0) store8(ox, bord, c);
                else if (c <= 2 && in_bits == 0xFFu) copy8(ox, src, offsets8(ix, iy, stride, c, inside), c);
                else store8(ox, _mm256_blendv_epi8(bord, pixels8(src, offsets8(ix, iy, stride, c, inside), n, c), inside), c);
                redo = reflect ? ~in_bits & 0xFFu : 0;
            } else {
                const __m256 interior = _mm256_and_ps(between(mx, 0.0f, (float)(sw - 1)), between(my, 0.0f, (float)(sh - 1)));
                const unsigned in_bits = (unsigned)_mm256_movemask_ps(interior);
                const __m256 fxf = _mm256_floor_ps(mx), fyf = _mm256_floor_ps(my);
                const __m256i ix = _mm256_cvttps_epi32(fxf), iy = _mm256_cvttps_epi32(fyf);
                const __m256 fx = _mm256_sub_ps(mx, fxf), fy = _mm256_sub_ps(my, fyf);
                if (in_bits == 0xFFu) {
                    store8(ox, bilinear8(src, offsets8(ix, iy, stride, c, _mm256_set1_epi32(-1)), stride, c, fx, fy, 0), c);
                    continue;
                }
                /* the oracle's outside test exactly: floor(m) < -1 or >= the side, or NaN */
                const __m256 near = reflect ? _mm256_castsi256_ps(_mm256_set1_epi32(-1))
                                            : _mm256_and_ps(between(mx, -1.0f, (float)sw), between(my, -1.0f, (float)sh));
                const unsigned near_bits = (unsigned)_mm256_movemask_ps(near);
                if (in_bits == 0) {
                    store8(ox, bord, c);
                } else {
                    const __m256i v = bilinear8(src, offsets8(ix, iy, stride, c, _mm256_castps_si256(interior)), stride, c, fx, fy, 0);
                    store8(ox, _mm256_blendv_epi8(bord, v, _mm256_castps_si256(near)), c);
                }
                redo = near_bits & ~in_bits & 0xFFu;
            }
            for (; redo; redo &= redo - 1) {
                const int j = __builtin_ctz(redo);
                remap_pixel(src, sw, sh, c, mxr[x + j], myr[x + j], nearest, reflect, border, ox + (size_t)j * (size_t)c);
            }
        }
        for (; x < dw; x++) remap_pixel(src, sw, sh, c, mxr[x], myr[x], nearest, reflect, border, o + (size_t)x * (size_t)c);
    }
}

/* One instance per channel count and interpolation, so every switch above folds away. */
#define SP_BY_CHANNELS(call, nearest) \
    switch (c) { case 1: call(1, nearest); break; case 2: call(2, nearest); break; case 3: call(3, nearest); break; default: call(4, nearest); break; }

/* The products inv0 * x and inv3 * x of every output column (2 dw doubles, NULL when out of
   memory: the caller then runs the oracle); each row adds its own term to them. */
static double *column_terms(const double inv[6], int dw) {
    double *t = dw > 0 ? malloc(sizeof(double) * 2 * (size_t)dw) : NULL;
    if (t)
        for (int x = 0; x < dw; x++) { t[x] = inv[0] * (double)x; t[dw + x] = inv[3] * (double)x; }
    return t;
}

/* 0 when out of memory (nothing written). */
__attribute__((target("avx2,fma")))
static int warp_affine_avx2(const uint8_t *src, int sw, int sh, int c, uint8_t *dst, int dw, int dh, const double inv[6],
                            int nearest, const uint8_t *border) {
    double *t = column_terms(inv, dw);
    if (!t) return 0;
    const warp_plane p = plane(src, sw, sh, c, border);
#define SP_WARP(ch, nn) warp_rows_avx2(&p, ch, nn, NULL, 0, dst, NULL, dw, dh, inv, t, t + dw)
    if (nearest) { SP_BY_CHANNELS(SP_WARP, 1) } else { SP_BY_CHANNELS(SP_WARP, 0) }
#undef SP_WARP
    free(t);
    return 1;
}

__attribute__((target("avx2,fma")))
static int warp_pair_avx2(const uint8_t *src, const uint8_t *lsrc, int sw, int sh, int c, int lc, uint8_t *dst, uint8_t *ldst,
                          int dw, int dh, const double inv[6], const uint8_t *border, const uint8_t *lborder) {
    double *t = column_terms(inv, dw);
    if (!t) return 0;
    const warp_plane p = plane(src, sw, sh, c, border), l = plane(lsrc, sw, sh, lc, lborder);
#define SP_PAIR(ch, lch) warp_rows_avx2(&p, ch, 0, &l, lch, dst, ldst, dw, dh, inv, t, t + dw)
    if (lc == 1) { SP_BY_CHANNELS(SP_PAIR, 1) } else { SP_BY_CHANNELS(SP_PAIR, 2) }
#undef SP_PAIR
    free(t);
    return 1;
}

__attribute__((target("avx2,fma")))
static void remap_avx2(const uint8_t *src, int sw, int sh, int c, uint8_t *dst, int dw, int dh, const float *mx,
                       const float *my, int nearest, int reflect, const uint8_t *border) {
#define SP_REMAP(ch, nn) remap_rows_avx2(src, sw, sh, ch, dst, dw, dh, mx, my, nn, reflect, border)
    if (nearest) { SP_BY_CHANNELS(SP_REMAP, 1) } else { SP_BY_CHANNELS(SP_REMAP, 0) }
#undef SP_REMAP
}
#undef SP_BY_CHANNELS
#endif

void sp_warp_affine_u8(const uint8_t *src, int sw, int sh, int channels, uint8_t *dst, int dw, int dh,
                       const double inv[6], int nearest, const uint8_t *border, int path) {
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX2 && avx2_fits(sw, sh, channels) &&
        warp_affine_avx2(src, sw, sh, channels, dst, dw, dh, inv, nearest, border))
        return;
#endif
    (void)path;
    warp_affine_impl(src, sw, sh, channels, dst, dw, dh, inv, nearest, border);
}

void sp_warp_affine_pair_u8(const uint8_t *src, const uint8_t *label, int sw, int sh, int channels, int label_bytes,
                            uint8_t *dst, uint8_t *label_dst, int dw, int dh, const double inv[6], const uint8_t *border,
                            const uint8_t *label_border, int path) {
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX2 && (label_bytes == 1 || label_bytes == 2) && avx2_fits(sw, sh, channels) &&
        avx2_fits(sw, sh, label_bytes) &&
        warp_pair_avx2(src, label, sw, sh, channels, label_bytes, dst, label_dst, dw, dh, inv, border, label_border))
        return;
#endif
    sp_warp_affine_u8(src, sw, sh, channels, dst, dw, dh, inv, 0, border, path);
    sp_warp_affine_u8(label, sw, sh, label_bytes, label_dst, dw, dh, inv, 1, label_border, path);
}

void sp_remap_u8(const uint8_t *src, int sw, int sh, int channels, uint8_t *dst, int dw, int dh,
                 const float *map_x, const float *map_y, int nearest, int reflect, const uint8_t *border, int path) {
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX2 && avx2_fits(sw, sh, channels)) {
        remap_avx2(src, sw, sh, channels, dst, dw, dh, map_x, map_y, nearest, reflect, border);
        return;
    }
#endif
    (void)path;
    remap_impl(src, sw, sh, channels, dst, dw, dh, map_x, map_y, nearest, reflect, border);
}
