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

/* Histogram and split statistics in one pass (the run's per-sample statistics).

   Portable: the loops above. AVX2, 32 pixels (96 image bytes) a step:
   - labels: the 32 are compared with the first; a step of one value (labels are mostly regions)
     adds 32 to one count, any other counts pixel by pixel in four tables;
   - image: each of the three 32-byte vectors is widened to 16 bits and kept per byte position of
     the step (96 positions, each always the same channel): values summed in 16-bit lanes, squares
     with vpmaddwd on the whole vector (the two positions of a 32-bit lane) and on its even 16-bit
     lanes only (the first position; the second is the difference). Every 256 steps (before a
     16-bit sum can overflow) the lanes are added to 64-bit totals per position;
   - pixels labelled `value`: the step's label mask is spread to the image bytes (three bytes a
     pixel) and the masked vectors are summed the same way into a second set of lanes; steps
     without the value skip this. */
static void stats_split_generic(const uint8_t *rgb, const uint8_t *label, size_t pixels, uint8_t value,
                                int64_t *counts, int64_t *sums, int64_t *squares, int64_t *vsums, int64_t *vsquares) {
    stats_generic(rgb, label, pixels, counts, sums, squares);
    sp_value_sums(rgb, label, pixels, value, vsums, vsquares);
}

static void histogram_generic(const uint8_t *label, size_t pixels, int64_t *counts) {
    const size_t chunk = (size_t)1 << 30;   /* keeps the 32-bit tables from overflowing */
    for (size_t b = 0; b < pixels; b += chunk) {
        const size_t n = pixels - b < chunk ? pixels - b : chunk;
        const uint8_t *l = label + b;
        uint32_t c0[256] = {0}, c1[256] = {0}, run[256] = {0};
        size_t i = 0;
        /* Eight labels a step: eight equal ones (inside a region) add 8 to one count at once. */
        const uint64_t ones = 0x0101010101010101ull;
        for (; i + 8 <= n; i += 8) {
            uint64_t x;
            memcpy(&x, l + i, 8);
            if (x == ones * l[i]) { run[l[i]] += 8; continue; }
            for (int k = 0; k < 8; k += 2) { c0[l[i + k]]++; c1[l[i + k + 1]]++; }
        }
        for (; i < n; i++) c0[l[i]]++;
        for (int v = 0; v < 256; v++) counts[v] += (int64_t)c0[v] + c1[v] + run[v];
    }
}

#if defined(__x86_64__)
/* The byte offset within a 32-byte vector of 16-bit lane i (0..15) of its unpacklo (half 0) or
   unpackhi (half 1) with zero: AVX2 unpacks each 128-bit lane apart. */
static inline int widened_offset(int half, int i) { return (i < 8 ? 0 : 16) + 8 * half + (i & 7); }

typedef struct {
    __m256i s16[3][2];   /* per vector k and half: 16-bit sums of the values */
    __m256i q32[3][2];   /* vpmaddwd of the lanes with themselves: both positions of a 32-bit lane */
    __m256i e32[3][2];   /* the same over even 16-bit lanes only: the first position */
    int64_t sum[96], sq[96];   /* totals per byte position of a step */
} split_lanes;

__attribute__((target("avx2")))
static inline void lanes_clear(split_lanes *a) {
    for (int k = 0; k < 3; k++)
        for (int h = 0; h < 2; h++) a->s16[k][h] = a->q32[k][h] = a->e32[k][h] = _mm256_setzero_si256();
}

__attribute__((target("avx2")))
static inline void lanes_add(split_lanes *a, int k, __m256i v) {
    const __m256i zero = _mm256_setzero_si256(), even = _mm256_set1_epi32(0xFFFF);
    const __m256i lo = _mm256_unpacklo_epi8(v, zero), hi = _mm256_unpackhi_epi8(v, zero);
    a->s16[k][0] = _mm256_add_epi16(a->s16[k][0], lo);
    a->s16[k][1] = _mm256_add_epi16(a->s16[k][1], hi);
    a->q32[k][0] = _mm256_add_epi32(a->q32[k][0], _mm256_madd_epi16(lo, lo));
    a->q32[k][1] = _mm256_add_epi32(a->q32[k][1], _mm256_madd_epi16(hi, hi));
    a->e32[k][0] = _mm256_add_epi32(a->e32[k][0], _mm256_madd_epi16(_mm256_and_si256(lo, even), lo));
    a->e32[k][1] = _mm256_add_epi32(a->e32[k][1], _mm256_madd_epi16(_mm256_and_si256(hi, even), hi));
}

/* Adds the lanes to the per-position totals and clears them. */
__attribute__((target("avx2")))
static void lanes_flush(split_lanes *a) {
    for (int k = 0; k < 3; k++)
        for (int h = 0; h < 2; h++) {
            uint16_t s[16];
            uint32_t q[8], e[8];
            _mm256_storeu_si256((__m256i *)s, a->s16[k][h]);
            _mm256_storeu_si256((__m256i *)q, a->q32[k][h]);
            _mm256_storeu_si256((__m256i *)e, a->e32[k][h]);
            for (int i = 0; i < 16; i++) a->sum[32 * k + widened_offset(h, i)] += s[i];
            for (int j = 0; j < 8; j++) {
                a->sq[32 * k + widened_offset(h, 2 * j)] += e[j];
                a->sq[32 * k + widened_offset(h, 2 * j + 1)] += (int64_t)q[j] - e[j];
            }
        }
    lanes_clear(a);
}

/* Counts the 32 labels of a step at l (lv: the same bytes) into the histogram tables: a step of at
   most eight runs of equal values (every step inside a region of one class, most steps across a
   boundary) adds each run's length to `run`, one add per run; a step of more runs adds one pixel at
   a time, four interleaved tables apart (an add waits for the one before it to the same entry). */
__attribute__((target("avx2,popcnt"), always_inline))
static inline void count_step(const uint8_t *l, __m256i lv, uint32_t *c0, uint32_t *c1, uint32_t *c2, uint32_t *c3,
                              uint32_t *run) {
    /* byte i - 1 in lane i (byte 0 gets a zero: it always starts a run, whatever it compares with) */
    const __m256i prev = _mm256_alignr_epi8(lv, _mm256_permute2x128_si256(lv, lv, 0x08), 15);
    uint32_t starts = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lv, prev)) | 1u;
    if (__builtin_popcount(starts) <= 8) {
        while (starts) {
            const int a = __builtin_ctz(starts);
            starts &= starts - 1;
            run[l[a]] += (uint32_t)((starts ? __builtin_ctz(starts) : 32) - a);
        }
    } else {
        for (int i = 0; i < 32; i += 4) { c0[l[i]]++; c1[l[i + 1]]++; c2[l[i + 2]]++; c3[l[i + 3]]++; }
    }
}

__attribute__((target("avx2,popcnt")))
static void stats_split_avx2(const uint8_t *rgb, const uint8_t *label, size_t pixels, uint8_t value,
                             int64_t *counts, int64_t *sums, int64_t *squares, int64_t *vsums, int64_t *vsquares) {
    uint32_t c0[256] = {0}, c1[256] = {0}, c2[256] = {0}, c3[256] = {0}, run[256] = {0};
    split_lanes all, val;
    memset(&all, 0, sizeof all);
    memset(&val, 0, sizeof val);
    /* Spreads a pixel's label mask byte to its three image bytes, per vector k of a step. */
    int8_t spread[3][32];
    for (int k = 0; k < 3; k++)
        for (int b = 0; b < 32; b++) spread[k][b] = (int8_t)((32 * k + b) / 3 - (k == 2 || (k == 1 && b >= 16) ? 16 : 0));
    const __m256i sp0 = _mm256_loadu_si256((const __m256i *)spread[0]), sp1 = _mm256_loadu_si256((const __m256i *)spread[1]),
                  sp2 = _mm256_loadu_si256((const __m256i *)spread[2]);
    const __m256i vvalue = _mm256_set1_epi8((char)value);
    const size_t steps = pixels / 32;
    size_t s = 0;
    while (s < steps) {
        /* 256 steps keep 16-bit sums below 256 * 255 and the tables below 2^31 */
        const size_t end = steps - s < 256 ? steps : s + 256;
        int any = 0;
        for (; s < end; s++) {
            const uint8_t *l = label + 32 * s, *p = rgb + 96 * s;
            const __m256i lv = _mm256_loadu_si256((const __m256i *)l);
            const __m256i v0 = _mm256_loadu_si256((const __m256i *)p), v1 = _mm256_loadu_si256((const __m256i *)(p + 32)),
                          v2 = _mm256_loadu_si256((const __m256i *)(p + 64));
            lanes_add(&all, 0, v0);
            lanes_add(&all, 1, v1);
            lanes_add(&all, 2, v2);
            count_step(l, lv, c0, c1, c2, c3, run);
            const __m256i m = _mm256_cmpeq_epi8(lv, vvalue);
            const uint32_t bits = (uint32_t)_mm256_movemask_epi8(m);
            if (bits == 0) continue;
            any = 1;
            if (bits == 0xFFFFFFFFu) {
                lanes_add(&val, 0, v0);
                lanes_add(&val, 1, v1);
                lanes_add(&val, 2, v2);
                continue;
            }
            const __m256i lowTwice = _mm256_permute2x128_si256(m, m, 0x00), highTwice = _mm256_permute2x128_si256(m, m, 0x11);
            lanes_add(&val, 0, _mm256_and_si256(v0, _mm256_shuffle_epi8(lowTwice, sp0)));
            lanes_add(&val, 1, _mm256_and_si256(v1, _mm256_shuffle_epi8(m, sp1)));
            lanes_add(&val, 2, _mm256_and_si256(v2, _mm256_shuffle_epi8(highTwice, sp2)));
        }
        lanes_flush(&all);
        if (any) lanes_flush(&val);
        for (int v = 0; v < 256; v++) {
            counts[v] += (int64_t)c0[v] + c1[v] + c2[v] + c3[v] + run[v];
            c0[v] = c1[v] = c2[v] = c3[v] = run[v] = 0;
        }
    }
    for (int b = 0; b < 96; b++) {
        sums[b % 3] += all.sum[b]; squares[b % 3] += all.sq[b];
        vsums[b % 3] += val.sum[b]; vsquares[b % 3] += val.sq[b];
    }
    /* the last pixels, fewer than a step */
    const size_t done = steps * 32;
    stats_split_generic(rgb + 3 * done, label + done, pixels - done, value, counts, sums, squares, vsums, vsquares);
}

__attribute__((target("avx2,popcnt")))
static void histogram_avx2(const uint8_t *label, size_t pixels, int64_t *counts) {
    uint32_t c0[256] = {0}, c1[256] = {0}, c2[256] = {0}, c3[256] = {0}, run[256] = {0};
    const size_t steps = pixels / 32;
    size_t s = 0;
    while (s < steps) {
        const size_t end = steps - s < (1u << 20) ? steps : s + (1u << 20);   /* tables below 2^31 */
        for (; s < end; s++) {
            const uint8_t *l = label + 32 * s;
            const __m256i lv = _mm256_loadu_si256((const __m256i *)l);
            count_step(l, lv, c0, c1, c2, c3, run);
        }
        for (int v = 0; v < 256; v++) {
            counts[v] += (int64_t)c0[v] + c1[v] + c2[v] + c3[v] + run[v];
            c0[v] = c1[v] = c2[v] = c3[v] = run[v] = 0;
        }
    }
    histogram_generic(label + 32 * steps, pixels - 32 * steps, counts);
}
#endif

void sp_sample_stats_split(const uint8_t *rgb, const uint8_t *label, size_t pixels, uint8_t value, int64_t *counts,
                           int64_t *sums, int64_t *squares, int64_t *vsums, int64_t *vsquares, int path) {
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX2) { stats_split_avx2(rgb, label, pixels, value, counts, sums, squares, vsums, vsquares); return; }
#endif
    (void)path;
    stats_split_generic(rgb, label, pixels, value, counts, sums, squares, vsums, vsquares);
}

void sp_label_histogram(const uint8_t *label, size_t pixels, int64_t *counts, int path) {
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX2) { histogram_avx2(label, pixels, counts); return; }
#endif
    (void)path;
    histogram_generic(label, pixels, counts);
}

/* One output pixel of the horizontal pass: `n` taps of weights `k` over the pixels from `p`. */
