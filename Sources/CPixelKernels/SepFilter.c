#include "CPixelKernels.h"
#include "PixelMath.h"
#include "CSimdDispatch.h"
#include <math.h>
#include <string.h>
#include <stddef.h>

/* ---- OpenCV's float sepFilter2D on uint8 with a symmetric kernel ----

   Exactness rests on every operation being one IEEE float32 operation in a fixed order: the row
   pass is s = fma(x[j - r + i], k[i], s) for i = 0..2r from s = 0, the column pass
   s = k[r] * R[y], then s = fma(R[y - t] + R[y + t], k[r + t], s) for t = 1..r, the result rounded
   to nearest even and saturated. The SIMD versions run the same sequence per element, so they
   equal the portable one bit for bit. No expression here may be contracted into an fma by the
   compiler.

   The image is filtered in vertical strips: per strip, the row passes of virtual rows -r .. h + r - 1
   (each the row pass of the reflected source row) go into consecutive rows of a buffer, a constant
   stride apart, just before the first output row that needs them, so the 2r + 2 rows one step
   reads are contiguous and in the first-level cache; output rows are made two at a time (the AVX2
   and AVX-512 column passes load each row once for both). */
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
   before their fma. `c0` is the row pass of row y, row y + t lies `t * stride` floats from it. */
static inline uint8_t column_element(const float *c0, size_t stride, int j, const float *k, int r) {
    float s = k[r] * c0[j];
    for (int t = 1; t <= r; t++) s = fmaf((c0 - (size_t)t * stride)[j] + (c0 + (size_t)t * stride)[j], k[r + t], s);
    return sat_round(s);
}

SP_PORTABLE_FMA static void row_portable(const float *pad, const float *copy, float *out, int n, int c, const float *k, int r) {
    (void)copy;
    for (int j = 0; j < n; j++) out[j] = row_element(pad, j, c, k, r);
}

/* Output rows y (`out0`) and y + 1 (`out1`, or none); `c0` is the row pass of row y, rows `stride`
   floats apart. */
SP_PORTABLE_FMA static void column_portable(const float *c0, size_t stride, uint8_t *out0, uint8_t *out1, int n, const float *k, int r) {
    for (int j = 0; j < n; j++) out0[j] = column_element(c0, stride, j, k, r);
    if (out1)
        for (int j = 0; j < n; j++) out1[j] = column_element(c0 + stride, stride, j, k, r);
}

typedef void (*row_fn)(const float *, const float *, float *, int, int, const float *, int);
typedef void (*column_fn)(const float *, size_t, uint8_t *, uint8_t *, int, const float *, int);

/* Elements a strip of the row-pass buffer holds for radius r: the 2r + 2 rows one step reads in
   20 KiB (the first-level cache holds them with the padded rows), a multiple of 64. A constant per radius, so the specialised column passes
   address the rows with constant offsets. */
static inline int strip_width(int r) {
    int s = 20480 / (int)sizeof(float) / (2 * r + 2);
    s -= s % 64;
    return s < 64 ? 64 : s;
}

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
    /* Up to a multiple of 8 elements one at a time, so every 32-byte store below is aligned (pad is
       64-byte aligned, copy 32 bytes off it): an unaligned store that splits a cache line every
       other step made this loop the blur's slowest part. */
    for (; p < end && (p & 7); p++) pad[p] = (float)row[p - lo];
    const int vector_start = p;
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
        const int head = vector_start < p1 ? vector_start : p1;
        for (int e = p0; e < head; e++) copy[e] = pad[e];
        for (int e = vector_end; e < p1; e++) copy[e] = pad[e];
    }
}

/* Hides a pointer's value from the compiler, so that loads at equal addresses in different taps are
   not merged (with the taps unrolled it keeps such loads for later taps in registers, spilling most
   of them: more memory traffic than loading again). */
#define OPAQUE(ptr) __asm__ volatile("" : "+r"(ptr))

/* The row pass 64 elements a step (eight accumulators share each broadcast weight), then 8, then
   one; `r` is a constant in the specialised copies below, so the tap loop unrolls. */
static inline __attribute__((always_inline, target("avx2,fma")))
void row_avx2_body(const float *pad, float *out, int n, int c, const float *k, int r) {
    int j = 0;
    __m256 weights[7];   /* up to radius 3 the weights stay in registers (with the 8 sums) */
    for (int i = 0; i <= 2 * r && i < 7; i++) weights[i] = _mm256_set1_ps(k[i]);
    for (; j + 64 <= n; j += 64) {
        __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        for (int i = 0; i <= 2 * r; i++) {
            const float *p = pad + j + i * c;
            OPAQUE(p);
            const __m256 kb = r <= 3 ? weights[i] : _mm256_set1_ps(k[i]);
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
    __m256 weights[7];
    for (int i = 0; i <= 2 * r && i < 7; i++) weights[i] = _mm256_set1_ps(k[i]);
    for (; j + 64 <= n; j += 64) {
        __m256 s[8];
        for (int q = 0; q < 8; q++) s[q] = _mm256_setzero_ps();
#pragma clang loop unroll(full)
        for (int i = 0; i <= 2 * r; i++) {
            const __m256 kb = r <= 3 ? weights[i] : _mm256_set1_ps(k[i]);
            const float *p = pad + j, *cp = copy + j;
            OPAQUE(p);
            OPAQUE(cp);
#pragma clang loop unroll(full)
            for (int q = 0; q < 8; q++) {
                const int offset = 8 * q + 3 * i;
                s[q] = _mm256_fmadd_ps(_mm256_loadu_ps((offset * 4 % 64 > 32 ? cp : p) + offset), kb, s[q]);
            }
        }
        for (int q = 0; q < 8; q++) _mm256_storeu_ps(out + j + 8 * q, s[q]);
    }
    row_avx2_body(pad + j, out + j, n - j, 3, k, r);
}

/* Eight sums rounded to nearest even (the default rounding mode, as nearbyintf) and saturated as
   sat_round: the unsigned packs send every negative value (and INT_MIN, what the conversion gives
   for NaN and anything at or above 2^31) to 0 and everything above 255 to 255. With `clip`,
   min(255, s) first keeps the sums at or above 2^31 and a NaN (vminps returns its second operand
   then) from becoming INT_MIN; kernels whose sums stay below 2^31 (bounded_kernel) skip it. */
static inline __attribute__((always_inline, target("avx2,fma"))) __m256i round_sums(__m256 s, int clip) {
    return _mm256_cvtps_epi32(clip ? _mm256_min_ps(_mm256_set1_ps(255.0f), s) : s);
}

static inline __attribute__((always_inline, target("avx2,fma"))) void store8(uint8_t *out, __m256 s, int clip) {
    const __m256i v = round_sums(s, clip);
    const __m128i w16 = _mm_packus_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64((__m128i *)out, _mm_packus_epi16(w16, w16));
}

/* 16 sums as store8, packed into one 16-byte store. */
static inline __attribute__((always_inline, target("avx2,fma"))) void store16(uint8_t *out, __m256 a, __m256 b, int clip) {
    const __m256i words = _mm256_permute4x64_epi64(_mm256_packus_epi32(round_sums(a, clip), round_sums(b, clip)), 0xD8);   /* a0-7, b0-7 */
    _mm_storeu_si128((__m128i *)out, _mm_packus_epi16(_mm256_castsi256_si128(words), _mm256_extracti128_si256(words, 1)));
}

/* Output rows y (`out0`) and y + 1 (`out1`, or none) from the row passes `stride` floats apart, `c0`
   being row y's; `r` and `stride` are constants in the specialised copies below, so every load
   addresses c0 + j plus a constant. Two rows 24 elements a step: six independent sums (the fma
   latency would leave the units idle with four), and row y + 1's pair at[1 - t] + at[1 + t] reuses
   at[1 - t] = at[-(t - 1)] and row y's at[t] = at[1 + (t - 1)] from the step before, so each tap
   loads two rows for both outputs. Then 8 elements a step, then one. */
static inline __attribute__((always_inline, target("avx2,fma")))
void column_avx2_body(const float *c0, size_t stride, uint8_t *out0, uint8_t *out1, int n, const float *k, int r, int clip) {
#define AT(t) (c0 + (ptrdiff_t)(t) * (ptrdiff_t)stride)
    int j = 0;
    const __m256 kc = _mm256_set1_ps(k[r]);
    if (out1) {
        for (; j + 24 <= n; j += 24) {
            __m256 up[3], dn[3], a[3], b[3];
            for (int q = 0; q < 3; q++) {
                up[q] = _mm256_loadu_ps(AT(0) + j + 8 * q);   /* at[1 - t] */
                dn[q] = _mm256_loadu_ps(AT(1) + j + 8 * q);   /* at[t] */
                a[q] = _mm256_mul_ps(kc, up[q]);
                b[q] = _mm256_mul_ps(kc, dn[q]);
            }
            for (int t = 1; t <= r; t++) {
                const __m256 kt = _mm256_broadcast_ss(k + r + t);
                const float *u = AT(-t) + j, *d = AT(1 + t) + j;
                for (int q = 0; q < 3; q++) {
                    const __m256 U = _mm256_loadu_ps(u + 8 * q);
                    a[q] = _mm256_fmadd_ps(_mm256_add_ps(U, dn[q]), kt, a[q]);
                    const __m256 D = _mm256_loadu_ps(d + 8 * q);
                    b[q] = _mm256_fmadd_ps(_mm256_add_ps(up[q], D), kt, b[q]);
                    up[q] = U;
                    dn[q] = D;
                }
            }
            store16(out0 + j, a[0], a[1], clip);
            store8(out0 + j + 16, a[2], clip);
            store16(out1 + j, b[0], b[1], clip);
            store8(out1 + j + 16, b[2], clip);
        }
        for (; j + 8 <= n; j += 8) {
            __m256 a = _mm256_mul_ps(kc, _mm256_loadu_ps(AT(0) + j)), b = _mm256_mul_ps(kc, _mm256_loadu_ps(AT(1) + j));
            for (int t = 1; t <= r; t++) {
                const __m256 kt = _mm256_broadcast_ss(k + r + t);
                a = _mm256_fmadd_ps(_mm256_add_ps(_mm256_loadu_ps(AT(-t) + j), _mm256_loadu_ps(AT(t) + j)), kt, a);
                b = _mm256_fmadd_ps(_mm256_add_ps(_mm256_loadu_ps(AT(1 - t) + j), _mm256_loadu_ps(AT(1 + t) + j)), kt, b);
            }
            store8(out0 + j, a, clip);
            store8(out1 + j, b, clip);
        }
        for (int q = j; q < n; q++) out1[q] = column_element(AT(1), stride, q, k, r);
    } else {
        for (; j + 8 <= n; j += 8) {
            __m256 a = _mm256_mul_ps(kc, _mm256_loadu_ps(AT(0) + j));
            for (int t = 1; t <= r; t++)
                a = _mm256_fmadd_ps(_mm256_add_ps(_mm256_loadu_ps(AT(-t) + j), _mm256_loadu_ps(AT(t) + j)), _mm256_broadcast_ss(k + r + t), a);
            store8(out0 + j, a, clip);
        }
    }
    for (; j < n; j++) out0[j] = column_element(c0, stride, j, k, r);
#undef AT
}

/* Copies for radius 1..10 (kernel sizes 3..21: sigma up to 3 from kernel_size 0) and one for any
   radius; the row pass of 3 channels with the second copy of the padded row has its own. The
   copies for one radius leave out the clamp (bounded kernels only). */
#define SEP_AVX2(R)                                                                                        \
    __attribute__((target("avx2,fma"))) static void row_avx2_##R(const float *p, const float *cp, float *o, \
                                                                  int n, int c, const float *k, int r) {  \
        (void)r;                                                                                           \
        if (c == 3 && cp) row3_avx2_body(p, cp, o, n, k, R);                                               \
        else row_avx2_body(p, o, n, c, k, R);                                                              \
    }                                                                                                      \
    __attribute__((target("avx2,fma"))) static void column_avx2_##R(const float *c0, size_t stride, uint8_t *o0, \
                                                                     uint8_t *o1, int n, const float *k, int r) { \
        (void)r; (void)stride;                                                                             \
        column_avx2_body(c0, (size_t)strip_width(R), o0, o1, n, k, R, 0);                                  \
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
static void column_avx2_any(const float *c0, size_t stride, uint8_t *o0, uint8_t *o1, int n, const float *k, int r) {
    column_avx2_body(c0, stride, o0, o1, n, k, r, 1);
}

/* Whether every column sum stays below 2^15 in magnitude (and is a number), so the copies without
   the clamp may skip it: AVX2's second pack reads its 16-bit input as signed, so a sum from 32768 up
   would come out 0 instead of 255. Finite weights whose absolute values add up to at most 8 bound
   each row pass by 255 * 8 and each column sum by 255 * 64 = 16320, whatever the rounding; a
   normalised kernel (blur's) adds up to 1. */
static int bounded_kernel(const float *k, int r) {
    float sum = 0.0f;
    for (int i = 0; i <= 2 * r; i++) {
        if (!(fabsf(k[i]) <= 8.0f)) return 0;   /* also NaN */
        sum += fabsf(k[i]);
    }
    return sum <= 8.0f;
}

static const row_fn rows_avx2[11] = {row_avx2_any, row_avx2_1, row_avx2_2, row_avx2_3, row_avx2_4, row_avx2_5,
                                     row_avx2_6, row_avx2_7, row_avx2_8, row_avx2_9, row_avx2_10};
static const column_fn columns_avx2[11] = {column_avx2_any, column_avx2_1, column_avx2_2, column_avx2_3, column_avx2_4,
                                           column_avx2_5, column_avx2_6, column_avx2_7, column_avx2_8, column_avx2_9,
                                           column_avx2_10};

/* The column pass on the AVX-512 path: column_avx2_body's two-row step 16 elements a vector, 48
   elements a step. Six sums of 16 keep both multiply-add units busy (AVX2's six sums of 8 wait on
   the fma latency; eight would not fit its 16 registers), and the loads are aligned: the buffer's
   rows are whole lines apart, its first 64-byte aligned, and j steps by 16 from 0. The rest of the
   row as AVX2. Rounding as round_sums; max(0) then an unsigned saturating narrow is packus's
   saturation. */
static inline __attribute__((always_inline, target("avx2,fma,avx512f,avx512bw"))) __m128i round16(__m512 s, int clip) {
    const __m512i v = _mm512_cvtps_epi32(clip ? _mm512_min_ps(_mm512_set1_ps(255.0f), s) : s);
    return _mm512_cvtusepi32_epi8(_mm512_max_epi32(v, _mm512_setzero_si512()));
}

static inline __attribute__((always_inline, target("avx2,fma,avx512f,avx512bw")))
void column_avx512_body(const float *c0, size_t stride, uint8_t *out0, uint8_t *out1, int n, const float *k, int r, int clip) {
#define AT(t) (c0 + (ptrdiff_t)(t) * (ptrdiff_t)stride)
    int j = 0;
    const __m512 kc = _mm512_set1_ps(k[r]);
    if (out1)
        for (; j + 48 <= n; j += 48) {
            __m512 up[3], dn[3], a[3], b[3];
            for (int q = 0; q < 3; q++) {
                up[q] = _mm512_loadu_ps(AT(0) + j + 16 * q);   /* at[1 - t] */
                dn[q] = _mm512_loadu_ps(AT(1) + j + 16 * q);   /* at[t] */
                a[q] = _mm512_mul_ps(kc, up[q]);
                b[q] = _mm512_mul_ps(kc, dn[q]);
            }
            for (int t = 1; t <= r; t++) {
                const __m512 kt = _mm512_set1_ps(k[r + t]);
                const float *u = AT(-t) + j, *d = AT(1 + t) + j;
                for (int q = 0; q < 3; q++) {
                    const __m512 U = _mm512_loadu_ps(u + 16 * q);
                    a[q] = _mm512_fmadd_ps(_mm512_add_ps(U, dn[q]), kt, a[q]);
                    const __m512 D = _mm512_loadu_ps(d + 16 * q);
                    b[q] = _mm512_fmadd_ps(_mm512_add_ps(up[q], D), kt, b[q]);
                    up[q] = U;
                    dn[q] = D;
                }
            }
            for (int q = 0; q < 3; q++) {
                _mm_storeu_si128((__m128i *)(out0 + j + 16 * q), round16(a[q], clip));
                _mm_storeu_si128((__m128i *)(out1 + j + 16 * q), round16(b[q], clip));
            }
        }
#undef AT
    column_avx2_body(c0 + j, stride, out0 + j, out1 ? out1 + j : NULL, n - j, k, r, clip);
}

#define SEP_AVX512(R)                                                                                     \
    __attribute__((target("avx2,fma,avx512f,avx512bw"))) static void column_avx512_##R(                 \
        const float *c0, size_t stride, uint8_t *o0, uint8_t *o1, int n, const float *k, int r) {        \
        (void)r; (void)stride;                                                                            \
        column_avx512_body(c0, (size_t)strip_width(R), o0, o1, n, k, R, 0);                               \
    }
SEP_AVX512(1) SEP_AVX512(2) SEP_AVX512(3) SEP_AVX512(4) SEP_AVX512(5)
SEP_AVX512(6) SEP_AVX512(7) SEP_AVX512(8) SEP_AVX512(9) SEP_AVX512(10)
#undef SEP_AVX512

__attribute__((target("avx2,fma,avx512f,avx512bw")))
static void column_avx512_any(const float *c0, size_t stride, uint8_t *o0, uint8_t *o1, int n, const float *k, int r) {
    column_avx512_body(c0, stride, o0, o1, n, k, r, 1);
}

static const column_fn columns_avx512[11] = {column_avx512_any, column_avx512_1, column_avx512_2, column_avx512_3,
                                             column_avx512_4, column_avx512_5, column_avx512_6, column_avx512_7,
                                             column_avx512_8, column_avx512_9, column_avx512_10};
#endif

/* Rows of the row-pass buffer: the 2r + 2 rows one step reads and room to go on for 32 more before
   the 2r rows still needed move back to its start (a ring of 2r + 2 rows would not be contiguous,
   and the column pass would load a pointer per row). */
static int buffer_rows(int r) { return 2 * r + 2 + 32; }

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
    const int r = radius;
    /* alignment, the padded row and its copy (32 bytes off a line), the row-pass buffer */
    return 16 + 2 * padded_floats(width, channels, r) + 16 + (size_t)buffer_rows(r) * (size_t)strip_width(r);
}

/* The image in vertical strips of strip_width(r) elements: per strip, the row passes of virtual
   rows -r .. h + r - 1 (each the row pass of its reflected source row) go into consecutive rows of
   the buffer, strip_width(r) floats apart, just before the first output row that needs them, so
   the rows one step reads are contiguous and in the first-level cache; when the buffer is full, the
   2r rows still needed move back to its start. */
void sp_sep_filter_f32(const uint8_t *src, int width, int height, int channels, const float *kernel,
                       int radius, uint8_t *dst, float *scratch, int32_t *indices, int path) {
    const int w = width, h = height, c = channels, r = radius, n = w * c;
    if (w <= 0 || h <= 0 || c <= 0 || r < 0 || r > 1024) return;
    row_fn row = row_portable;
    column_fn column = column_portable;
    void (*fill)(const uint8_t *, int, int, int, const int *, float *, float *, int, int) = fill_pad;
    float *pad = (float *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    float *copy = NULL, *buffer = pad + 2 * padded_floats(w, c, r) + 16;
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX2) {
        const int fixed = r <= 10 && bounded_kernel(kernel, r);
        fill = fill_pad_avx2;
        row = rows_avx2[r <= 10 ? r : 0];
        column = (sp_simd_usable(path) >= SP_SIMD_AVX512 ? columns_avx512 : columns_avx2)[fixed ? r : 0];
        if (c == 3 && r >= 3 && r <= 10) copy = pad + padded_floats(w, c, r) + 8;   /* little to win below */
    }
#endif
    (void)path;
    int *cols = indices;
    const int strip = strip_width(r), rows = buffer_rows(r);
    const size_t stride = (size_t)strip;
    for (int x = 0; x < w + 2 * r; x++) cols[x] = reflect101(x - r, w);
    for (int j0 = 0; j0 < n; j0 += strip) {
        const int m = n - j0 < strip ? n - j0 : strip;
        int first = -r;   /* the virtual row in the buffer's first row */
        /* Row pass of elements j0 .. j0 + m - 1 of virtual row v (source row reflect101(v, h)) into its buffer row. */
#define ROW_PASS(v) do { prefetch_row(src + (size_t)source_row((v) + 4, h) * (size_t)n, j0, m, r * c, n); \
                         fill(src + (size_t)source_row((v), h) * (size_t)n, w, c, r, cols, pad, copy, j0, j0 + m + 2 * r * c); \
                         row(pad + j0, copy ? copy + j0 : NULL, buffer + (size_t)((v) - first) * stride, m, c, kernel, r); } while (0)
        for (int v = -r; v < r; v++) ROW_PASS(v);
        for (int y = 0; y < h; y += 2) {
            const int two = y + 1 < h;
            if (y + r + 1 - first >= rows) {   /* rows y - r .. y + r - 1 to the start */
                memmove(buffer, buffer + (size_t)(y - r - first) * stride, sizeof(float) * stride * (size_t)(2 * r));
                first = y - r;
            }
            ROW_PASS(y + r);
            if (two) ROW_PASS(y + r + 1);
            uint8_t *out = dst + (size_t)y * (size_t)n + (size_t)j0;
            column(buffer + (size_t)(y - first) * stride, stride, out, two ? out + n : NULL, m, kernel, r);
        }
#undef ROW_PASS
    }
}
