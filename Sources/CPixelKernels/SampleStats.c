#include "CPixelKernels.h"
#include "CSimdDispatch.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define STATS_BODY                                                                                 \
    uint32_t c0[256] = {0}, c1[256] = {0};                                                         \
    size_t i = 0;                                                                                  \
    for (; i + 1 < pixels; i += 2) { c0[label[i]]++; c1[label[i + 1]]++; }                         \
    for (; i < pixels; i++) c0[label[i]]++;                                                        \
    for (int v = 0; v < 256; v++) counts[v] += (int64_t)c0[v] + c1[v];                             \
    for (int c = 0; c < 3; c++) {                                                                  \
        int64_t s = 0, q = 0;                                                                      \
        for (size_t b = 0; b < pixels; b += 4096) {                                                \
            const size_t e = pixels - b < 4096 ? pixels : b + 4096;                                \
            uint32_t bs = 0, bq = 0;                                                               \
            for (size_t p = b; p < e; p++) { uint32_t x = rgb[3 * p + c]; bs += x; bq += x * x; }  \
            s += bs; q += bq;                                                                      \
        }                                                                                          \
        sums[c] += s; squares[c] += q;                                                             \
    }

#if defined(__x86_64__)
#include <immintrin.h>
/* Label histogram in four tables; channel sums and squares over 96-byte blocks (32 pixels), whose
   byte lanes keep the same channel from block to block: per channel, masked bytes are summed with
   SAD and squared with MADD into 32-bit lanes, widened to 64 bits every 2048 blocks. */
__attribute__((target("avx2")))
static void stats_avx2(const uint8_t *rgb, const uint8_t *label, size_t pixels, int64_t *counts,
                       int64_t *sums, int64_t *squares) {
    uint32_t c0[256] = {0}, c1[256] = {0}, c2[256] = {0}, c3[256] = {0};
    size_t i = 0;
    for (; i + 4 <= pixels; i += 4) { c0[label[i]]++; c1[label[i + 1]]++; c2[label[i + 2]]++; c3[label[i + 3]]++; }
    for (; i < pixels; i++) c0[label[i]]++;
    for (int v = 0; v < 256; v++) counts[v] += (int64_t)c0[v] + c1[v] + c2[v] + c3[v];

    uint8_t mbytes[3][3][32];
    for (int k = 0; k < 3; k++)
        for (int c = 0; c < 3; c++)
            for (int j = 0; j < 32; j++) mbytes[k][c][j] = ((32 * k + j) % 3 == c) ? 0xFF : 0;
    __m256i mask[3][3];
    for (int k = 0; k < 3; k++)
        for (int c = 0; c < 3; c++) mask[k][c] = _mm256_loadu_si256((const __m256i *)mbytes[k][c]);
    const __m256i zero = _mm256_setzero_si256();
    __m256i s64[3] = {zero, zero, zero}, q64[3] = {zero, zero, zero};
    const size_t blocks = pixels * 3 / 96;
    size_t b = 0;
    while (b < blocks) {
        const size_t end = blocks - b < 2048 ? blocks : b + 2048;
        __m256i q32[3] = {zero, zero, zero};
        for (; b < end; b++) {
            const uint8_t *p = rgb + b * 96;
            for (int k = 0; k < 3; k++) {
                const __m256i v = _mm256_loadu_si256((const __m256i *)(p + 32 * k));
                for (int c = 0; c < 3; c++) {
                    const __m256i sel = _mm256_and_si256(v, mask[k][c]);
                    s64[c] = _mm256_add_epi64(s64[c], _mm256_sad_epu8(sel, zero));
                    const __m256i lo = _mm256_unpacklo_epi8(sel, zero), hi = _mm256_unpackhi_epi8(sel, zero);
                    q32[c] = _mm256_add_epi32(q32[c], _mm256_add_epi32(_mm256_madd_epi16(lo, lo), _mm256_madd_epi16(hi, hi)));
                }
            }
        }
        for (int c = 0; c < 3; c++) {
            q64[c] = _mm256_add_epi64(q64[c], _mm256_cvtepu32_epi64(_mm256_castsi256_si128(q32[c])));
            q64[c] = _mm256_add_epi64(q64[c], _mm256_cvtepu32_epi64(_mm256_extracti128_si256(q32[c], 1)));
        }
    }
    for (int c = 0; c < 3; c++) {
        int64_t sl[4], ql[4];
        _mm256_storeu_si256((__m256i *)sl, s64[c]);
        _mm256_storeu_si256((__m256i *)ql, q64[c]);
        sums[c] += sl[0] + sl[1] + sl[2] + sl[3];
        squares[c] += ql[0] + ql[1] + ql[2] + ql[3];
    }
    for (size_t j = blocks * 96; j < pixels * 3; j++) {
        const int64_t x = rgb[j];
        sums[j % 3] += x;
        squares[j % 3] += x * x;
    }
}
#endif

static void stats_generic(const uint8_t *rgb, const uint8_t *label, size_t pixels, int64_t *counts,
                          int64_t *sums, int64_t *squares) {
    STATS_BODY
}

void sp_sample_stats(const uint8_t *rgb, const uint8_t *label, size_t pixels, int64_t *counts,
                     int64_t *sums, int64_t *squares, int path) {
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX2) { stats_avx2(rgb, label, pixels, counts, sums, squares); return; }
#endif
    (void)path;
    stats_generic(rgb, label, pixels, counts, sums, squares);
}

/* Eight labels a step are first tested for `value` at once (a byte of x ^ value*0x0101.. is zero
   exactly where the label equals it, and the usual has-zero-byte test is exact when it says none):
   the pixels with the value are usually few (thin ignore edges), so most steps add nothing. */
void sp_value_sums(const uint8_t *rgb, const uint8_t *label, size_t pixels, uint8_t value,
                   int64_t *sums, int64_t *squares) {
    const uint64_t ones = 0x0101010101010101ull, spread = ones * value;
    size_t i = 0;
    for (; i < pixels; i++) {
        if (i % 8 == 0 && i + 8 <= pixels) {
            uint64_t x;
            memcpy(&x, label + i, 8);
            x ^= spread;
            if (((x - ones) & ~x & (ones << 7)) == 0) {   /* no byte of x is zero */
                i += 7;
                continue;
            }
        }
        if (label[i] != value) continue;
        for (int c = 0; c < 3; c++) {
            const int64_t v = rgb[3 * i + c];
            sums[c] += v;
            squares[c] += v * v;
        }
    }
}

/* One output pixel of the horizontal pass: `n` taps of weights `k` over the pixels from `p`. */
