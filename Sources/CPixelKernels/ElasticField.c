#include "CPixelKernels.h"
#include "CSimdDispatch.h"
#include <string.h>

/* ---- Elastic's displacement fields around the blur: the largest magnitude, the division by it,
   the bilinear upsampling of a coarse field, and the remap maps ----

   Each loop is written once, as plain C whose every operation is one IEEE operation (no
   contraction), and built twice: for the portable path and with AVX2 enabled, where the compiler
   vectorises it. Vector and scalar code then run the same operations per element, so the paths
   give the same bits; the largest magnitude is an integer maximum over the bit patterns (for
   finite floats the order of |f| is the order of its bits), which vectorises without fast-math. */
#pragma clang fp contract(off)

#define FIELD_LOOPS(SUFFIX, ATTR)                                                                                  \
    ATTR static uint32_t max_abs_bits_##SUFFIX(const float *p, size_t n) {                                          \
        uint32_t m = 0;                                                                                             \
        for (size_t i = 0; i < n; i++) {                                                                            \
            uint32_t b;                                                                                             \
            memcpy(&b, p + i, 4);                                                                                   \
            b &= 0x7fffffffu;                                                                                       \
            m = b > m ? b : m;                                                                                      \
        }                                                                                                           \
        return m;                                                                                                   \
    }                                                                                                               \
    ATTR static void divide_##SUFFIX(float *p, size_t n, float d) {                                                 \
        for (size_t i = 0; i < n; i++) p[i] = p[i] / d;                                                             \
    }                                                                                                               \
    ATTR static void lerp_rows_##SUFFIX(const float *top, const float *bottom, float ty, float *out, int w) {       \
        for (int x = 0; x < w; x++) out[x] = top[x] + (bottom[x] - top[x]) * ty;                                    \
    }                                                                                                               \
    ATTR static void maps_##SUFFIX(float *dx, float *dy, int w, int h) {                                           \
        for (int y = 0; y < h; y++) {                                                                               \
            float *mx = dx + (size_t)y * (size_t)w, *my = dy + (size_t)y * (size_t)w;                               \
            for (int x = 0; x < w; x++) {                                                                           \
                mx[x] = (float)((double)x + (double)mx[x]);                                                         \
                my[x] = (float)((double)y + (double)my[x]);                                                         \
            }                                                                                                       \
        }                                                                                                           \
    }

FIELD_LOOPS(portable, )
#if defined(__x86_64__)
FIELD_LOOPS(avx2, __attribute__((target("avx2"))))
#define PICK(path, name) (sp_simd_usable(path) >= SP_SIMD_AVX2 ? name##_avx2 : name##_portable)
#else
#define PICK(path, name) name##_portable
#endif

float sp_max_abs_f32(const float *p, size_t n, int path) {
    const uint32_t m = PICK(path, max_abs_bits)(p, n);
    float f;
    memcpy(&f, &m, 4);
    return f;
}

void sp_divide_f32(float *p, size_t n, float d, int path) { PICK(path, divide)(p, n, d); }

/* Row x of the coarse row `c` interpolated at the fine columns: c[ix] + (c[ix + 1] - c[ix]) * tx. */
static void lerp_columns(const float *c, int step, float inv, float *out, int w) {
    for (int x = 0; x < w; x++) {
        const int ix = x / step;
        const float tx = (float)(x % step) * inv;
        out[x] = c[ix] + (c[ix + 1] - c[ix]) * tx;
    }
}

void sp_upsample_f32(const float *c, int cw, int ch, int step, float *out, int w, int h, float *scratch, int path) {
    if (w <= 0 || h <= 0 || step <= 0 || (w - 1) / step + 1 >= cw || (h - 1) / step + 1 >= ch) return;
    void (*lerp_rows)(const float *, const float *, float, float *, int) = PICK(path, lerp_rows);
    const float inv = 1.0f / (float)step;
    float *top = scratch, *bottom = scratch + w;
    int have = -1;   /* coarse row whose columns `top` holds */
    for (int y = 0; y < h; y++) {
        const int iy = y / step;
        if (iy != have) {
            if (iy == have + 1 && have >= 0) { float *t = top; top = bottom; bottom = t; }
            else lerp_columns(c + (size_t)iy * (size_t)cw, step, inv, top, w);
            lerp_columns(c + (size_t)(iy + 1) * (size_t)cw, step, inv, bottom, w);
            have = iy;
        }
        lerp_rows(top, bottom, (float)(y % step) * inv, out + (size_t)y * (size_t)w, w);
    }
}

void sp_elastic_maps(float *dx, float *dy, int w, int h, int path) {
    if (w <= 0 || h <= 0 || dx == dy) return;
    PICK(path, maps)(dx, dy, w, h);
}
