#include "CPixelKernels.h"
#include "PixelMath.h"
#include "CSimdDispatch.h"
#include <math.h>

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
    const uint8_t *r0 = src + ((size_t)iy * (size_t)sw) * (size_t)c;
    const uint8_t *r1 = r0 + (size_t)sw * (size_t)c;
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

static inline __attribute__((always_inline)) void warp_affine_impl(const uint8_t *src, int sw, int sh, int channels, uint8_t *dst, int dw, int dh,
                       const double inv[6], int nearest, const uint8_t *border) {
    const int c = channels;
    for (int y = 0; y < dh; y++) {
        const double ry = inv[1] * (double)y + inv[2], qy = inv[4] * (double)y + inv[5];
        uint8_t *o = dst + (size_t)y * (size_t)dw * (size_t)c;
        for (int x = 0; x < dw; x++, o += c) {
            const double sxd = clampd(inv[0] * (double)x + ry), syd = clampd(inv[3] * (double)x + qy);
            if (nearest) {
                const int ix = (int)floor(sxd + 0.5), iy = (int)floor(syd + 0.5);
                if (ix >= 0 && ix < sw && iy >= 0 && iy < sh) {
                    const uint8_t *p = src + ((size_t)iy * (size_t)sw + (size_t)ix) * (size_t)c;
                    for (int k = 0; k < c; k++) o[k] = p[k];
                } else {
                    for (int k = 0; k < c; k++) o[k] = border[k];
                }
                continue;
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
                continue;
            }
            bilinear_ipp(src, sw, sh, c, ix, iy, fx, fy, border, o);
        }
    }
}

static inline float clampf(float v) {
    if (!(v > -1073741824.0f)) return -1073741824.0f;
    if (v > 1073741824.0f) return 1073741824.0f;
    return v;
}

static inline __attribute__((always_inline)) void remap_impl(const uint8_t *src, int sw, int sh, int channels, uint8_t *dst, int dw, int dh,
                 const float *map_x, const float *map_y, int nearest, int reflect, const uint8_t *border) {
    const int c = channels;
    for (int y = 0; y < dh; y++) {
        uint8_t *o = dst + (size_t)y * (size_t)dw * (size_t)c;
        const float *mxr = map_x + (size_t)y * (size_t)dw, *myr = map_y + (size_t)y * (size_t)dw;
        for (int x = 0; x < dw; x++, o += c) {
            const float mx = clampf(mxr[x]), my = clampf(myr[x]);
            if (nearest) {
                int ix = (int)nearbyintf(mx), iy = (int)nearbyintf(my);
                if (ix < 0 || ix >= sw || iy < 0 || iy >= sh) {
                    if (!reflect) { for (int k = 0; k < c; k++) o[k] = border[k]; continue; }
                    ix = reflect101(ix, sw); iy = reflect101(iy, sh);
                }
                const uint8_t *p = src + ((size_t)iy * (size_t)sw + (size_t)ix) * (size_t)c;
                for (int k = 0; k < c; k++) o[k] = p[k];
                continue;
            }
            const float fxf = floorf(mx), fyf = floorf(my);
            const int ix = (int)fxf, iy = (int)fyf;
            const float fx = mx - fxf, fy = my - fyf;
            if (!reflect && (ix < -1 || ix >= sw || iy < -1 || iy >= sh)) {
                for (int k = 0; k < c; k++) o[k] = border[k];
                continue;
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
    }
}

/* The same code compiled twice: portable (fmaf from libm) and with FMA instructions inline. fmaf is
   exactly rounded either way, so both give the same bytes (AugmentKernelTests checks it). */
#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void warp_affine_fma(const uint8_t *src, int sw, int sh, int c, uint8_t *dst, int dw, int dh, const double inv[6],
                            int nearest, const uint8_t *border) {
    warp_affine_impl(src, sw, sh, c, dst, dw, dh, inv, nearest, border);
}
__attribute__((target("avx2,fma")))
static void remap_fma(const uint8_t *src, int sw, int sh, int c, uint8_t *dst, int dw, int dh, const float *mx,
                      const float *my, int nearest, int reflect, const uint8_t *border) {
    remap_impl(src, sw, sh, c, dst, dw, dh, mx, my, nearest, reflect, border);
}
#endif

void sp_warp_affine_u8(const uint8_t *src, int sw, int sh, int channels, uint8_t *dst, int dw, int dh,
                       const double inv[6], int nearest, const uint8_t *border, int path) {
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX2) { warp_affine_fma(src, sw, sh, channels, dst, dw, dh, inv, nearest, border); return; }
#endif
    (void)path;
    warp_affine_impl(src, sw, sh, channels, dst, dw, dh, inv, nearest, border);
}

void sp_remap_u8(const uint8_t *src, int sw, int sh, int channels, uint8_t *dst, int dw, int dh,
                 const float *map_x, const float *map_y, int nearest, int reflect, const uint8_t *border, int path) {
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX2) { remap_fma(src, sw, sh, channels, dst, dw, dh, map_x, map_y, nearest, reflect, border); return; }
#endif
    (void)path;
    remap_impl(src, sw, sh, channels, dst, dw, dh, map_x, map_y, nearest, reflect, border);
}
