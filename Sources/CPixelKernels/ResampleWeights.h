/* The weight split of the AVX2 resample passes (ResampleHorizontal.c, ResampleVertical.c). Not part
   of the public header. */
#ifndef SP_RESAMPLE_WEIGHTS_H
#define SP_RESAMPLE_WEIGHTS_H
#include <stdint.h>

/* Two taps' weights w0, w1 as the 16-bit pairs vpmaddwd multiplies with two pixels: w = hi * 2048 + lo
   with lo in [0, 2047] and hi = w >> 11 (16 bits for |w| < 2^26); *lo gets (lo0, lo1), *hi (hi0, hi1). */
static inline void sp_split_weights(int32_t w0, int32_t w1, int32_t *lo, int32_t *hi) {
    const int32_t h0 = w0 >> 11, h1 = w1 >> 11;
    *lo = (int32_t)((uint32_t)(w0 - h0 * 2048) | ((uint32_t)(w1 - h1 * 2048) << 16));
    *hi = (int32_t)((uint32_t)(uint16_t)h0 | ((uint32_t)(uint16_t)h1 << 16));
}
#endif
