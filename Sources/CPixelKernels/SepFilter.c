#include "CPixelKernels.h"
#include "PixelMath.h"
#include "CSimdDispatch.h"
#include <math.h>

/* ---- OpenCV's float sepFilter2D on uint8 with a symmetric kernel ----

   Exactness rests on every operation being one IEEE float32 operation in a fixed order: the row
   pass is s = fma(x[j - r + i], k[i], s) for i = 0..2r from s = 0, the column pass
   s = k[r] * R[y], then s = fma(R[y - t] + R[y + t], k[r + t], s) for t = 1..r, the result rounded
   to nearest even and saturated. The SIMD versions run the same sequence per element, so they
   equal the portable one bit for bit. No expression here may be contracted into an fma by the
   compiler.

   The row pass results live in a ring of 2r + 2 rows (virtual rows -r .. h + r - 1, each the row
   pass of the reflected source row), over vertical strips of the image narrow enough for the ring
   to stay in the first-level cache; output rows are made two at a time (the AVX2 column pass loads
   each ring row once for both). */
#pragma clang fp contract(off)

/* Elements p0 .. p1 - 1 of the padding: channel p % c of source pixel cols[p / c]. */
static void fill_border(const uint8_t *row, int c, const int *cols, float *pad, int p0, int p1) {
    if (p0 >= p1) return;
    int x = p0 / c, ch = p0 % c;
    for (int p = p0; p < p1; p++) {
        pad[p] = (float)row[cols[x] * c + ch];
        if (++ch == c) { ch = 0; x++; }
    }
}

/* Elements p0 .. p1 - 1 of source row `row` as floats, reflected `r` pixels beyond each side:
   pad[p] = channel p % c of padded pixel p / c, for p < (w + 2r) * c. */
static void fill_pad(const uint8_t *row, int w, int c, int r, const int *cols, float *pad, float *copy, int p0, int p1) {
    (void)copy;
    const int lo = r * c, hi = (w + r) * c;
    fill_border(row, c, cols, pad, p0, p1 < lo ? p1 : lo);
    for (int p = p0 > lo ? p0 : lo; p < p1 && p < hi; p++) pad[p] = (float)row[p - lo];
    fill_border(row, c, cols, pad, p0 > hi ? p0 : hi, p1);
}

/* One element of the row pass: fmas left to right from 0. */
static inline float row_element(const float *pad, int j, int c, const float *k, int r) {
    float s = 0.0f;
    for (int i = 0; i <= 2 * r; i++) s = fmaf(pad[j + i * c], k[i], s);
    return s;
}

/* One element of the column pass: the centre row times its weight, then the symmetric pairs added
   before their fma. `at[t]` is the row pass of row y + t, t = -r..r. */
static inline uint8_t column_element(const float *const *at, int j, const float *k, int r) {
    float s = k[r] * at[0][j];
    for (int t = 1; t <= r; t++) s = fmaf(at[-t][j] + at[t][j], k[r + t], s);
    return sat_round(s);
}

static void row_portable(const float *pad, const float *copy, float *out, int n, int c, const float *k, int r) {
    (void)copy;
    for (int j = 0; j < n; j++) out[j] = row_element(pad, j, c, k, r);
}

/* Output rows y (`out0`) and y + 1 (`out1`, or none); `at[t]` is the row pass of row y + t. */
static void column_portable(const float *const *at, uint8_t *out0, uint8_t *out1, int n, const float *k, int r) {
    for (int j = 0; j < n; j++) out0[j] = column_element(at, j, k, r);
    if (out1)
        for (int j = 0; j < n; j++) out1[j] = column_element(at + 1, j, k, r);
}

typedef void (*row_fn)(const float *, const float *, float *, int, int, const float *, int);
typedef void (*column_fn)(const float *const *, uint8_t *, uint8_t *, int, const float *, int);

#if defined(__x86_64__)
#include <immintrin.h>

/* fill_pad with the interior converted 8 bytes a step, also into `copy` (when not NULL): the same
   elements at an address 32 bytes further from a 64-byte boundary. */
__attribute__((target("avx2,fma")))
static void fill_pad_avx2(const uint8_t *row, int w, int c, int r, const int *cols, float *pad, float *copy, int p0, int p1) {
    const int lo = r * c, hi = (w + r) * c;
    fill_border(row, c, cols, pad, p0, p1 < lo ? p1 : lo);
    const int start = p0 > lo ? p0 : lo, end = p1 < hi ? p1 : hi;
    int p = start;
    if (copy)
        for (; p + 8 <= end; p += 8) {
            const __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(row + p - lo))));
            _mm256_storeu_ps(pad + p, v);
            _mm256_storeu_ps(copy + p, v);
        }
    else
        for (; p + 8 <= end; p += 8)
            _mm256_storeu_ps(pad + p, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(row + p - lo)))));
    const int vector_end = p;
    for (; p < end; p++) pad[p] = (float)row[p - lo];
    fill_border(row, c, cols, pad, p > hi ? p : hi, p1);
    if (copy) {   /* the elements the vector loop did not write */
        const int head = start < p1 ? start : p1;
        for (int e = p0; e < head; e++) copy[e] = pad[e];
        for (int e = vector_end; e < p1; e++) copy[e] = pad[e];
    }
}

/* The row pass 64 elements a step (eight accumulators share each broadcast weight), then 8, then
   one; `r` is a constant in the specialised copies below, so the tap loop unrolls. */
static inline __attribute__((always_inline, target("avx2,fma")))
void row_avx2_body(const float *pad, float *out, int n, int c, const float *k, int r) {
    int j = 0;
    for (; j + 64 <= n; j += 64) {
        __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        for (int i = 0; i <= 2 * r; i++) {
            const float *p = pad + j + i * c;
            const __m256 kb = _mm256_set1_ps(k[i]);
            s0 = _mm256_fmadd_ps(_mm256_loadu_ps(p), kb, s0);
            s1 = _mm256_fmadd_ps(_mm256_loadu_ps(p + 8), kb, s1);
            s2 = _mm256_fmadd_ps(_mm256_loadu_ps(p + 16), kb, s2);
            s3 = _mm256_fmadd_ps(_mm256_loadu_ps(p + 24), kb, s3);
            s4 = _mm256_fmadd_ps(_mm256_loadu_ps(p + 32), kb, s4);
            s5 = _mm256_fmadd_ps(_mm256_loadu_ps(p + 40), kb, s5);
            s6 = _mm256_fmadd_ps(_mm256_loadu_ps(p + 48), kb, s6);
            s7 = _mm256_fmadd_ps(_mm256_loadu_ps(p + 56), kb, s7);
        }
        _mm256_storeu_ps(out + j, s0);
        _mm256_storeu_ps(out + j + 8, s1);
        _mm256_storeu_ps(out + j + 16, s2);
        _mm256_storeu_ps(out + j + 24, s3);
        _mm256_storeu_ps(out + j + 32, s4);
        _mm256_storeu_ps(out + j + 40, s5);
        _mm256_storeu_ps(out + j + 48, s6);
        _mm256_storeu_ps(out + j + 56, s7);
    }
    for (; j + 8 <= n; j += 8) {
        __m256 s = _mm256_setzero_ps();
        for (int i = 0; i <= 2 * r; i++) s = _mm256_fmadd_ps(_mm256_loadu_ps(pad + j + i * c), _mm256_set1_ps(k[i]), s);
        _mm256_storeu_ps(out + j, s);
    }
    for (; j < n; j++) out[j] = row_element(pad, j, c, k, r);
}

/* row_avx2_body for 3 channels and a constant radius, with `copy`: pad's elements 32 bytes further
   from a 64-byte boundary (pad 64-byte aligned, n starting at a multiple of 16 elements). Each
   32-byte load of the 64-element blocks comes from whichever of the two keeps it within one
   cache line (taps 3 elements apart split nearly half the loads otherwise); the loops unroll, so
   the choice is made at compile time. */
static inline __attribute__((always_inline, target("avx2,fma")))
void row3_avx2_body(const float *pad, const float *copy, float *out, int n, const float *k, int r) {
    int j = 0;
    for (; j + 64 <= n; j += 64) {
        __m256 s[8];
        for (int q = 0; q < 8; q++) s[q] = _mm256_setzero_ps();
#pragma clang loop unroll(full)
        for (int i = 0; i <= 2 * r; i++) {
            const __m256 kb = _mm256_set1_ps(k[i]);
#pragma clang loop unroll(full)
            for (int q = 0; q < 8; q++) {
                const int offset = 8 * q + 3 * i;
                s[q] = _mm256_fmadd_ps(_mm256_loadu_ps((offset * 4 % 64 > 32 ? copy : pad) + j + offset), kb, s[q]);
            }
        }
        for (int q = 0; q < 8; q++) _mm256_storeu_ps(out + j + 8 * q, s[q]);
    }
    row_avx2_body(pad + j, out + j, n - j, 3, k, r);
}

/* Eight sums saturated and rounded to nearest even (the default rounding mode, as nearbyintf),
   as sat_round: min(255, s) keeps a NaN (vminps returns its second operand then), which converts
   to INT_MIN, and the unsigned packs send it and every negative value to 0. */
__attribute__((target("avx2,fma")))
static inline __m256i round_below_256(__m256 s) { return _mm256_cvtps_epi32(_mm256_min_ps(_mm256_set1_ps(255.0f), s)); }

__attribute__((target("avx2,fma")))
static inline void store8(uint8_t *out, __m256 s) {
    const __m256i v = round_below_256(s);
    const __m128i w16 = _mm_packus_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64((__m128i *)out, _mm_packus_epi16(w16, w16));
}

/* 16 sums saturated and rounded as store8, packed into one 16-byte store. */
__attribute__((target("avx2,fma")))
static inline void store16(uint8_t *out, __m256 a, __m256 b) {
    const __m256i va = round_below_256(a), vb = round_below_256(b);
    const __m256i words = _mm256_permute4x64_epi64(_mm256_packus_epi32(va, vb), 0xD8);   /* a0-7, b0-7 as uint16 */
    _mm_storeu_si128((__m128i *)out, _mm_packus_epi16(_mm256_castsi256_si128(words), _mm256_extracti128_si256(words, 1)));
}

/* Two output rows a step, 16 then 8 elements wide. Row y adds at[-t] + at[t], row y + 1 adds
   at[1 - t] + at[1 + t]; at[1 - t] and at[t] were loaded in the step before, so each step loads
   two ring rows, not four. */
static inline __attribute__((always_inline, target("avx2,fma")))
void column_avx2_body(const float *const *at, uint8_t *out0, uint8_t *out1, int n, const float *k, int r) {
    int j = 0;
    if (out1) {
        const __m256 kc = _mm256_set1_ps(k[r]);
        for (; j + 16 <= n; j += 16) {
            __m256 up0 = _mm256_loadu_ps(at[0] + j), up1 = _mm256_loadu_ps(at[0] + j + 8);   /* at[1 - t] */
            __m256 dn0 = _mm256_loadu_ps(at[1] + j), dn1 = _mm256_loadu_ps(at[1] + j + 8);   /* at[t] */
            __m256 a0 = _mm256_mul_ps(kc, up0), a1 = _mm256_mul_ps(kc, up1);
            __m256 b0 = _mm256_mul_ps(kc, dn0), b1 = _mm256_mul_ps(kc, dn1);
            for (int t = 1; t <= r; t++) {
                const __m256 kt = _mm256_set1_ps(k[r + t]);
                const float *u = at[-t] + j, *d = at[1 + t] + j;
                const __m256 u0 = _mm256_loadu_ps(u), u1 = _mm256_loadu_ps(u + 8);
                const __m256 d0 = _mm256_loadu_ps(d), d1 = _mm256_loadu_ps(d + 8);
                a0 = _mm256_fmadd_ps(_mm256_add_ps(u0, dn0), kt, a0);
                a1 = _mm256_fmadd_ps(_mm256_add_ps(u1, dn1), kt, a1);
                b0 = _mm256_fmadd_ps(_mm256_add_ps(up0, d0), kt, b0);
                b1 = _mm256_fmadd_ps(_mm256_add_ps(up1, d1), kt, b1);
                up0 = u0; up1 = u1; dn0 = d0; dn1 = d1;
            }
            store16(out0 + j, a0, a1);
            store16(out1 + j, b0, b1);
        }
        for (; j + 8 <= n; j += 8) {
            __m256 s0 = _mm256_mul_ps(kc, _mm256_loadu_ps(at[0] + j)), s1 = _mm256_mul_ps(kc, _mm256_loadu_ps(at[1] + j));
            for (int t = 1; t <= r; t++) {
                const __m256 kt = _mm256_set1_ps(k[r + t]);
                s0 = _mm256_fmadd_ps(_mm256_add_ps(_mm256_loadu_ps(at[-t] + j), _mm256_loadu_ps(at[t] + j)), kt, s0);
                s1 = _mm256_fmadd_ps(_mm256_add_ps(_mm256_loadu_ps(at[1 - t] + j), _mm256_loadu_ps(at[1 + t] + j)), kt, s1);
            }
            store8(out0 + j, s0);
            store8(out1 + j, s1);
        }
        for (int q = j; q < n; q++) out1[q] = column_element(at + 1, q, k, r);
    } else {
        for (; j + 8 <= n; j += 8) {
            __m256 s = _mm256_mul_ps(_mm256_set1_ps(k[r]), _mm256_loadu_ps(at[0] + j));
            for (int t = 1; t <= r; t++)
                s = _mm256_fmadd_ps(_mm256_add_ps(_mm256_loadu_ps(at[-t] + j), _mm256_loadu_ps(at[t] + j)), _mm256_set1_ps(k[r + t]), s);
            store8(out0 + j, s);
        }
    }
    for (; j < n; j++) out0[j] = column_element(at, j, k, r);
}


/* Copies for radius 1..10 (kernel sizes 3..21: sigma up to 3 from kernel_size 0) and one for any
   radius; the row pass of 3 channels with the second copy of the padded row has its own. */
#define SEP_AVX2(R)                                                                                        \
    __attribute__((target("avx2,fma"))) static void row_avx2_##R(const float *p, const float *cp, float *o, \
                                                                  int n, int c, const float *k, int r) {  \
        (void)r;                                                                                           \
        if (c == 3 && cp) row3_avx2_body(p, cp, o, n, k, R);                                               \
        else row_avx2_body(p, o, n, c, k, R);                                                              \
    }                                                                                                      \
    __attribute__((target("avx2,fma"))) static void column_avx2_##R(const float *const *at, uint8_t *o0,    \
                                                                     uint8_t *o1, int n, const float *k, int r) { \
        (void)r;                                                                                           \
        column_avx2_body(at, o0, o1, n, k, R);                                                             \
    }
SEP_AVX2(1) SEP_AVX2(2) SEP_AVX2(3) SEP_AVX2(4) SEP_AVX2(5)
SEP_AVX2(6) SEP_AVX2(7) SEP_AVX2(8) SEP_AVX2(9) SEP_AVX2(10)
#undef SEP_AVX2

__attribute__((target("avx2,fma")))
static void row_avx2_any(const float *p, const float *cp, float *o, int n, int c, const float *k, int r) {
    (void)cp;
    row_avx2_body(p, o, n, c, k, r);
}
__attribute__((target("avx2,fma")))
static void column_avx2_any(const float *const *at, uint8_t *o0, uint8_t *o1, int n, const float *k, int r) {
    column_avx2_body(at, o0, o1, n, k, r);
}

static const row_fn rows_avx2[11] = {row_avx2_any, row_avx2_1, row_avx2_2, row_avx2_3, row_avx2_4, row_avx2_5,
                                     row_avx2_6, row_avx2_7, row_avx2_8, row_avx2_9, row_avx2_10};
static const column_fn columns_avx2[11] = {column_avx2_any, column_avx2_1, column_avx2_2, column_avx2_3, column_avx2_4,
                                           column_avx2_5, column_avx2_6, column_avx2_7, column_avx2_8, column_avx2_9,
                                           column_avx2_10};
#endif

/* Ring rows span a strip of at most this many elements, chosen so that the 2r + 2 ring rows of a
   strip fit in 24 KiB (a first-level cache), a multiple of 64 elements. */
static int strip_width(int n, int r) {
    int s = 24576 / (int)sizeof(float) / (2 * r + 2);
    s -= s % 64;
    if (s < 64) s = 64;
    return s < n ? s : n;
}

/* The source row of virtual row v: reflect101, without its division for the rows inside. */
static inline int source_row(int v, int h) { return (unsigned)v < (unsigned)h ? v : reflect101(v, h); }

/* Asks for the source bytes of a row pass four rows later (the strips read each source row once
   per strip, so the rows are not in the nearer caches, and the prefetchers do not see a stream). */
static void prefetch_row(const uint8_t *row, int j0, int m, int rc, int n) {
    const int a = j0 - rc > 0 ? j0 - rc : 0, b = j0 + m + rc < n ? j0 + m + rc : n;
    for (int i = a; i < b; i += 64) __builtin_prefetch(row + i);
    __builtin_prefetch(row + b - 1);
}

/* Floats of one padded row, rounded up to whole 64-byte lines. */
static size_t padded_floats(int w, int c, int r) { return (((size_t)w + 2 * (size_t)r) * (size_t)c + 15) & ~(size_t)15; }

size_t sp_sep_filter_scratch(int width, int height, int channels, int radius) {
    if (width <= 0 || height <= 0 || channels <= 0 || radius < 0 || radius > 1024) return 0;
    const int n = width * channels, r = radius;
    /* alignment, the padded row and its copy (32 bytes off a line), the ring */
    return 16 + 2 * padded_floats(width, channels, r) + 16 + (size_t)(2 * r + 2) * (size_t)strip_width(n, r);
}

void sp_sep_filter_f32(const uint8_t *src, int width, int height, int channels, const float *kernel,
                       int radius, uint8_t *dst, float *scratch, int32_t *indices, int path) {
    const int w = width, h = height, c = channels, r = radius, n = w * c, ring = 2 * r + 2;
    if (w <= 0 || h <= 0 || c <= 0 || r < 0 || r > 1024) return;
    row_fn row = row_portable;
    column_fn column = column_portable;
    void (*fill)(const uint8_t *, int, int, int, const int *, float *, float *, int, int) = fill_pad;
    float *pad = (float *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    float *copy = NULL, *R = pad + 2 * padded_floats(w, c, r) + 16;
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX2) {
        fill = fill_pad_avx2;
        row = rows_avx2[r <= 10 ? r : 0];
        column = columns_avx2[r <= 10 ? r : 0];
        if (c == 3 && r >= 3 && r <= 10) copy = pad + padded_floats(w, c, r) + 8;   /* little to win below */
    }
#endif
    (void)path;
    int *cols = indices;
    const int strip = strip_width(n, r);
    for (int x = 0; x < w + 2 * r; x++) cols[x] = reflect101(x - r, w);
    const float *at_rows[2 * 1024 + 2];
    const float **at = at_rows + r;
    for (int j0 = 0; j0 < n; j0 += strip) {
        const int m = n - j0 < strip ? n - j0 : strip;
        /* Row pass of elements j0 .. j0 + m - 1 of virtual row v (source row reflect101(v, h)) into its ring slot. */
#define SLOT(v) (R + (size_t)(((v) + r) % ring) * (size_t)strip)
#define ROW_PASS(v) do { prefetch_row(src + (size_t)source_row((v) + 4, h) * (size_t)n, j0, m, r * c, n); \
                         fill(src + (size_t)source_row((v), h) * (size_t)n, w, c, r, cols, pad, copy, j0, j0 + m + 2 * r * c); \
                         row(pad + j0, copy ? copy + j0 : NULL, SLOT(v), m, c, kernel, r); } while (0)
        for (int v = -r; v < r; v++) ROW_PASS(v);
        for (int y = 0; y < h; y += 2) {
            const int two = y + 1 < h;
            ROW_PASS(y + r);
            if (two) ROW_PASS(y + r + 1);
            for (int t = -r, slot = y % ring; t <= r + two; t++, slot = slot + 1 < ring ? slot + 1 : 0)   /* SLOT(y + t) */
                at[t] = R + (size_t)slot * (size_t)strip;
            uint8_t *out = dst + (size_t)y * (size_t)n + (size_t)j0;
            column(at, out, two ? out + n : NULL, m, kernel, r);
        }
#undef ROW_PASS
#undef SLOT
    }
}
