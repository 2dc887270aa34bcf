/* Small helpers shared by the float kernels (SepFilter.c, WarpAffine.c, HSVJitter.c, GaussNoise.c,
   Normals.c): OpenCV's saturating round of a float result to uint8, its BORDER_REFLECT_101 index,
   and the portable loops' fma clones. Not part of the public header. */
#ifndef SP_PIXEL_MATH_H
#define SP_PIXEL_MATH_H
#include <math.h>
#include <stdint.h>

/* For the portable path's loops that call fmaf: on x86-64 a second copy compiled for the FMA
   instruction set (and so AVX), which the loader picks when the CPU has it; without it fmaf is a
   call into libm per operation. The same C and the same fused operations, so the same bytes;
   aarch64 has the instruction in its base set and needs no copy. */
#if defined(__x86_64__)
#define SP_PORTABLE_FMA __attribute__((target_clones("fma", "default")))
#else
#define SP_PORTABLE_FMA
#endif

/* cv::saturate_cast<uchar>(float): to nearest, ties to even (the default rounding mode), NaN and
   negatives to 0, above 255 to 255. */
static inline uint8_t sat_round(float s) {
    float v = nearbyintf(s);
    if (!(v > 0.0f)) return 0;
    if (v > 255.0f) return 255;
    return (uint8_t)v;
}

/* BORDER_REFLECT_101 of index i into 0..n-1 (gfedcb|abcdefgh|gfedcba). */
static inline int reflect101(int i, int n) {
    if (n <= 1) return 0;
    const int period = 2 * (n - 1);
    int j = i % period;
    if (j < 0) j += period;
    return j < n ? j : period - j;
}
#endif
