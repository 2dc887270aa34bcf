/* Small helpers shared by the float kernels (SepFilter.c, WarpAffine.c): OpenCV's saturating
   round of a float result to uint8, and its BORDER_REFLECT_101 index. Not part of the public header. */
#ifndef SP_PIXEL_MATH_H
#define SP_PIXEL_MATH_H
#include <math.h>
#include <stdint.h>

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
