#include "CPixelKernels.h"
#include "CSimdDispatch.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define VERTICAL_BODY                                                                              \
    for (int y = 0; y < out_rows; y++) {                                                           \
        const int ymin = bounds[2 * y], n = bounds[2 * y + 1];                                     \
        const int32_t *k = weights + (size_t)y * taps;                                             \
        uint8_t *o = out + (size_t)y * row_len;                                                    \
        for (int i0 = 0; i0 < row_len; i0 += 1024) {                                               \
            const int m = row_len - i0 < 1024 ? row_len - i0 : 1024;                               \
            int32_t acc[1024];                                                                     \
            for (int i = 0; i < m; i++) acc[i] = 1 << 21;                                          \
            for (int t = 0; t < n; t++) {                                                          \
                const uint8_t *src = in + (size_t)(ymin + t) * row_len + i0;                       \
                const int32_t w = k[t];                                                            \
                for (int i = 0; i < m; i++) acc[i] += (int32_t)src[i] * w;                         \
            }                                                                                      \
            for (int i = 0; i < m; i++) {                                                          \
                int32_t v = acc[i] >> 22;                                                          \
                o[i0 + i] = (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));                            \
            }                                                                                      \
        }                                                                                          \
    }

#if defined(__x86_64__)
#include <immintrin.h>
__attribute__((target("avx2")))
static void vertical_avx2(const uint8_t *in, int row_len, uint8_t *out, int out_rows,
                          const int32_t *bounds, const int32_t *weights, int taps) {
    VERTICAL_BODY
}
#endif

static void vertical_generic(const uint8_t *in, int row_len, uint8_t *out, int out_rows,
                             const int32_t *bounds, const int32_t *weights, int taps) {
    VERTICAL_BODY
}

void sp_resample_vertical(const uint8_t *in, int row_len, uint8_t *out, int out_rows,
                          const int32_t *bounds, const int32_t *weights, int taps, int path) {
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX2) { vertical_avx2(in, row_len, out, out_rows, bounds, weights, taps); return; }
#endif
    (void)path;
    vertical_generic(in, row_len, out, out_rows, bounds, weights, taps);
}
