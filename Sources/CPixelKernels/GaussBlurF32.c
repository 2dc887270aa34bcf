#include "CPixelKernels.h"

/* ---- A separable Gaussian blur of a float field with replicated borders (elastic's fields) ----

   Row pass s = sum_t src[y][clamp(x - r + t)] * k[t] from s = 0, t ascending; column pass likewise
   over rows clamp(y - r + t). Every operation is one float32 operation in that order (no
   contraction), so it equals ElasticStage.gaussianBlurReference bit for bit. */
#pragma clang fp contract(off)

static inline int clampi(int i, int n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }

void sp_gauss_blur_f32(const float *src, float *dst, int w, int h, const float *k, int r, float *scratch) {
    const int size = 2 * r + 1;
    for (int y = 0; y < h; y++) {
        const float *row = src + (size_t)y * (size_t)w;
        float *out = scratch + (size_t)y * (size_t)w;
        for (int x = 0; x < w; x++) {
            float s = 0.0f;
            if (x - r >= 0 && x + r < w) {
                const float *p = row + x - r;
                for (int t = 0; t < size; t++) s += p[t] * k[t];
            } else {
                for (int t = 0; t < size; t++) s += row[clampi(x - r + t, w)] * k[t];
            }
            out[x] = s;
        }
    }
    for (int y = 0; y < h; y++) {
        float *out = dst + (size_t)y * (size_t)w;
        for (int x = 0; x < w; x++) out[x] = 0.0f;
        for (int t = 0; t < size; t++) {
            const float *row = scratch + (size_t)clampi(y - r + t, h) * (size_t)w;
            const float kt = k[t];
            for (int x = 0; x < w; x++) out[x] += row[x] * kt;
        }
    }
}
