#include "CConvKernels.h"
#include "CSimdDispatch.h"
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

/* Direct 3x3 convolutions. The input rows an output-row block reads are first copied, zero-padded,
   into scratch ([cin][rows + 2][w + 2*pad]), so the inner loops need no bounds checks. */

size_t sp_conv3x3_scratch_floats(int cin, int rows, int w, int pad) {
    return (size_t)cin * (size_t)(rows + 2) * (size_t)(w + 2 * pad);
}

size_t sp_conv3x3_packed_floats(int cout, int cin) {
    return (size_t)((cout + 3) / 4) * 4 * (size_t)cin * 9;
}

void sp_conv3x3_pack(const float *weight, int cout, int cin, float *packed) {
    int blocks = (cout + 3) / 4;
    for (int ob = 0; ob < blocks; ob++)
        for (int c = 0; c < cin; c++)
            for (int t = 0; t < 9; t++)
                for (int o = 0; o < 4; o++) {
                    int oo = ob * 4 + o;
                    packed[(((size_t)ob * cin + c) * 9 + t) * 4 + o] =
                        oo < cout ? weight[((size_t)oo * cin + c) * 9 + t] : 0.0f;
                }
}

/* Copies input rows [y0 - pad, y0 - pad + rows + 2) of every channel into scratch, zero outside. */
static void pad_rows(const float *x, int cin, int h, int w, int pad, int y0, int rows, float *scratch) {
    int wp = w + 2 * pad, rp = rows + 2;
    for (int c = 0; c < cin; c++) {
        const float *plane = x + (size_t)c * h * w;
        for (int r = 0; r < rp; r++) {
            float *dst = scratch + ((size_t)c * rp + r) * wp;
            int iy = y0 - pad + r;
            if (iy < 0 || iy >= h) { memset(dst, 0, sizeof(float) * (size_t)wp); continue; }
            for (int i = 0; i < pad; i++) { dst[i] = 0.0f; dst[pad + w + i] = 0.0f; }
            memcpy(dst + pad, plane + (size_t)iy * w, sizeof(float) * (size_t)w);
        }
    }
}

/* ---- forward ---- */

/* Output column x of channel o of the weight block wb (packed), from padded rows at base; scalar. */
static inline float forward_one(const float *base, size_t plane, int wp, int cin, const float *wb, int o, int x) {
    float s = 0.0f;
    for (int c = 0; c < cin; c++) {
        const float *row = base + c * plane + x;
        const float *wc = wb + (size_t)c * 36 + o;
        for (int ki = 0; ki < 3; ki++)
            for (int kj = 0; kj < 3; kj++) s += wc[(ki * 3 + kj) * 4] * row[ki * wp + kj];
    }
    return s;
}

/* Row pointers of output row y for the channels of block ob (past cout: channel ob*4, unused) and
   their biases; returns how many of the four channels are real. */
static inline int block_outputs(float *out, const float *bias, int cout, int ho, int wo, int ob, int y,
                                float *dst[4], float b[4]) {
    const int valid = cout - ob * 4 < 4 ? cout - ob * 4 : 4;
    for (int o = 0; o < 4; o++) {
        const int oo = ob * 4 + (o < valid ? o : 0);
        dst[o] = out + ((size_t)oo * ho + y) * wo;
        b[o] = bias ? bias[oo] : 0.0f;
    }
    return valid;
}

static void forward_generic(const float *xp, int cin, int rp, int wp, const float *packed, int cout,
                            const float *bias, float *out, int ho, int wo, int y0, int rows) {
    size_t plane = (size_t)rp * wp;
    for (int r = 0; r < rows; r++)
        for (int ob = 0; ob < (cout + 3) / 4; ob++) {
            float *dst[4], b[4];
            const int valid = block_outputs(out, bias, cout, ho, wo, ob, y0 + r, dst, b);
            const float *wb = packed + (size_t)ob * cin * 36;
            for (int o = 0; o < valid; o++)
                for (int x = 0; x < wo; x++) dst[o][x] = forward_one(xp + (size_t)r * wp, plane, wp, cin, wb, o, x) + b[o];
        }
}

/* One block of 4 output channels by `nv` vectors of 8 pixels (nv = 1 or 2), summed over cin and taps. */
#if defined(__x86_64__)
__attribute__((target("avx2,fma"), always_inline))
static inline void forward_tile_avx2(const float *xp, size_t plane, int wp, int cin, const float *wb,
                                     int nv, __m256 acc[4][2]) {
    for (int o = 0; o < 4; o++) { acc[o][0] = _mm256_setzero_ps(); acc[o][1] = _mm256_setzero_ps(); }
    for (int c = 0; c < cin; c++) {
        const float *row = xp + c * plane;
        const float *wc = wb + (size_t)c * 36;
        for (int ki = 0; ki < 3; ki++) {
            const float *rr = row + (size_t)ki * wp;
            for (int kj = 0; kj < 3; kj++) {
                const float *wk = wc + (ki * 3 + kj) * 4;
                __m256 v0 = _mm256_loadu_ps(rr + kj);
                __m256 v1 = nv > 1 ? _mm256_loadu_ps(rr + kj + 8) : v0;
                for (int o = 0; o < 4; o++) {
                    __m256 wv = _mm256_broadcast_ss(wk + o);
                    acc[o][0] = _mm256_fmadd_ps(wv, v0, acc[o][0]);
                    if (nv > 1) acc[o][1] = _mm256_fmadd_ps(wv, v1, acc[o][1]);
                }
            }
        }
    }
}

__attribute__((target("avx2,fma")))
static void forward_avx2(const float *xp, int cin, int rp, int wp, const float *packed, int cout,
                         const float *bias, float *out, int ho, int wo, int y0, int rows) {
    size_t plane = (size_t)rp * wp;
    int blocks = (cout + 3) / 4;
    __m256 acc[4][2];
    for (int r = 0; r < rows; r++)
        for (int ob = 0; ob < blocks; ob++) {
            const float *wb = packed + (size_t)ob * cin * 36;
            float *dst[4], bs[4];
            const int valid = block_outputs(out, bias, cout, ho, wo, ob, y0 + r, dst, bs);
            __m256 b[4];
            for (int o = 0; o < 4; o++) b[o] = _mm256_set1_ps(bs[o]);
            const float *base = xp + (size_t)r * wp;
            int x = 0;
            for (; x + 16 <= wo; x += 16) {
                forward_tile_avx2(base + x, plane, wp, cin, wb, 2, acc);
                for (int o = 0; o < valid; o++) {
                    _mm256_storeu_ps(dst[o] + x, _mm256_add_ps(acc[o][0], b[o]));
                    _mm256_storeu_ps(dst[o] + x + 8, _mm256_add_ps(acc[o][1], b[o]));
                }
            }
            for (; x + 8 <= wo; x += 8) {
                forward_tile_avx2(base + x, plane, wp, cin, wb, 1, acc);
                for (int o = 0; o < valid; o++) _mm256_storeu_ps(dst[o] + x, _mm256_add_ps(acc[o][0], b[o]));
            }
            for (; x < wo; x++)
                for (int o = 0; o < valid; o++) dst[o][x] = forward_one(base, plane, wp, cin, wb, o, x) + bs[o];
        }
}

/* One block of 4 output channels by `nv` vectors of 16 pixels (nv = 1…4), summed over cin and taps. */
__attribute__((target("avx512f"), always_inline))
static inline void forward_tile_avx512(const float *xp, size_t plane, int wp, int cin, const float *wb,
                                       int nv, __m512 acc[4][4]) {
    for (int o = 0; o < 4; o++)
        for (int v = 0; v < 4; v++) acc[o][v] = _mm512_setzero_ps();
    for (int c = 0; c < cin; c++) {
        const float *row = xp + c * plane;
        const float *wc = wb + (size_t)c * 36;
        for (int ki = 0; ki < 3; ki++) {
            const float *rr = row + (size_t)ki * wp;
            for (int kj = 0; kj < 3; kj++) {
                const float *wk = wc + (ki * 3 + kj) * 4;
                __m512 v[4];
                for (int i = 0; i < nv; i++) v[i] = _mm512_loadu_ps(rr + kj + 16 * i);
                for (int o = 0; o < 4; o++) {
                    __m512 wv = _mm512_set1_ps(wk[o]);
                    for (int i = 0; i < nv; i++) acc[o][i] = _mm512_fmadd_ps(wv, v[i], acc[o][i]);
                }
            }
        }
    }
}

__attribute__((target("avx512f")))
static void forward_avx512(const float *xp, int cin, int rp, int wp, const float *packed, int cout,
                           const float *bias, float *out, int ho, int wo, int y0, int rows) {
    size_t plane = (size_t)rp * wp;
    int blocks = (cout + 3) / 4;
    __m512 acc[4][4];
    for (int r = 0; r < rows; r++)
        for (int ob = 0; ob < blocks; ob++) {
            const float *wb = packed + (size_t)ob * cin * 36;
            float *dst[4], bs[4];
            const int valid = block_outputs(out, bias, cout, ho, wo, ob, y0 + r, dst, bs);
            __m512 b[4];
            for (int o = 0; o < 4; o++) b[o] = _mm512_set1_ps(bs[o]);
            const float *base = xp + (size_t)r * wp;
            int x = 0;
#define SP_FWD_STEP(NV)                                                                        \
            for (; x + 16 * (NV) <= wo; x += 16 * (NV)) {                                      \
                forward_tile_avx512(base + x, plane, wp, cin, wb, (NV), acc);                   \
                for (int o = 0; o < valid; o++)                                                \
                    for (int i = 0; i < (NV); i++)                                             \
                        _mm512_storeu_ps(dst[o] + x + 16 * i, _mm512_add_ps(acc[o][i], b[o])); \
            }
            SP_FWD_STEP(4)
            SP_FWD_STEP(2)
            SP_FWD_STEP(1)
#undef SP_FWD_STEP
            for (; x < wo; x++)
                for (int o = 0; o < valid; o++) dst[o][x] = forward_one(base, plane, wp, cin, wb, o, x) + bs[o];
        }
}
#endif

void sp_conv3x3_forward_rows(const float *x, int cin, int h, int w, int pad,
                             const float *packed, int cout, const float *bias,
                             float *out, int y0, int y1, float *scratch, int path) {
    int ho = h + 2 * pad - 2, wo = w + 2 * pad - 2, rows = y1 - y0, wp = w + 2 * pad;
    if (rows <= 0 || wo <= 0) return;
    pad_rows(x, cin, h, w, pad, y0, rows, scratch);
#if defined(__x86_64__)
    const int usable = sp_simd_usable(path);
    if (usable == SP_SIMD_AVX512) { forward_avx512(scratch, cin, rows + 2, wp, packed, cout, bias, out, ho, wo, y0, rows); return; }
    if (usable == SP_SIMD_AVX2) { forward_avx2(scratch, cin, rows + 2, wp, packed, cout, bias, out, ho, wo, y0, rows); return; }
#endif
    (void)path;
    forward_generic(scratch, cin, rows + 2, wp, packed, cout, bias, out, ho, wo, y0, rows);
}

/* ---- weight gradient ---- */

static void weight_grad_generic(const float *xp, int cin, int rp, int wp, const float *g, int cout,
                                int ho, int wo, int y0, int rows, float *dw) {
    size_t plane = (size_t)rp * wp;
    for (int o = 0; o < cout; o++)
        for (int c = 0; c < cin; c++)
            for (int ki = 0; ki < 3; ki++)
                for (int kj = 0; kj < 3; kj++) {
                    float s = 0.0f;
                    for (int r = 0; r < rows; r++) {
                        const float *gr = g + ((size_t)o * ho + y0 + r) * wo;
                        const float *xr = xp + c * plane + (size_t)(r + ki) * wp + kj;
                        for (int x = 0; x < wo; x++) s += gr[x] * xr[x];
                    }
                    dw[(((size_t)o * cin + c) * 3 + ki) * 3 + kj] += s;
                }
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static inline float hsum_avx2(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* Sums for `nb` (1 or 4) output channels starting at o, one input channel c and kernel row ki. */
__attribute__((target("avx2,fma"), always_inline))
static inline void weight_grad_tile_avx2(const float *xp, size_t plane, int wp, const float *g, int cin,
                                         int ho, int wo, int y0, int rows, int o, int nb, int c, int ki,
                                         float *dw) {
    __m256 acc[4][3];
    float tail[4][3] = {{0}};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++) acc[i][j] = _mm256_setzero_ps();
    for (int r = 0; r < rows; r++) {
        const float *xr = xp + c * plane + (size_t)(r + ki) * wp;
        const float *gr[4];
        for (int i = 0; i < nb; i++) gr[i] = g + ((size_t)(o + i) * ho + y0 + r) * wo;
        int x = 0;
        for (; x + 8 <= wo; x += 8) {
            __m256 v0 = _mm256_loadu_ps(xr + x), v1 = _mm256_loadu_ps(xr + x + 1), v2 = _mm256_loadu_ps(xr + x + 2);
            for (int i = 0; i < nb; i++) {
                __m256 gv = _mm256_loadu_ps(gr[i] + x);
                acc[i][0] = _mm256_fmadd_ps(gv, v0, acc[i][0]);
                acc[i][1] = _mm256_fmadd_ps(gv, v1, acc[i][1]);
                acc[i][2] = _mm256_fmadd_ps(gv, v2, acc[i][2]);
            }
        }
        for (; x < wo; x++)
            for (int i = 0; i < nb; i++)
                for (int j = 0; j < 3; j++) tail[i][j] += gr[i][x] * xr[x + j];
    }
    for (int i = 0; i < nb; i++)
        for (int j = 0; j < 3; j++)
            dw[(((size_t)(o + i) * cin + c) * 3 + ki) * 3 + j] += hsum_avx2(acc[i][j]) + tail[i][j];
}

__attribute__((target("avx2,fma")))
static void weight_grad_avx2(const float *xp, int cin, int rp, int wp, const float *g, int cout,
                             int ho, int wo, int y0, int rows, float *dw) {
    size_t plane = (size_t)rp * wp;
    int o = 0;
    for (; o + 4 <= cout; o += 4)
        for (int c = 0; c < cin; c++)
            for (int ki = 0; ki < 3; ki++)
                weight_grad_tile_avx2(xp, plane, wp, g, cin, ho, wo, y0, rows, o, 4, c, ki, dw);
    for (; o < cout; o++)
        for (int c = 0; c < cin; c++)
            for (int ki = 0; ki < 3; ki++)
                weight_grad_tile_avx2(xp, plane, wp, g, cin, ho, wo, y0, rows, o, 1, c, ki, dw);
}

/* Sums for `nb` (1, 4 or 8) output channels starting at o, one input channel c and kernel row ki;
   the last partial vector of a row is loaded under a mask (zeros past wo). */
__attribute__((target("avx512f"), always_inline))
static inline void weight_grad_tile_avx512(const float *xp, size_t plane, int wp, const float *g, int cin,
                                           int ho, int wo, int y0, int rows, int o, int nb, int c, int ki,
                                           float *dw) {
    __m512 acc[8][3];
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 3; j++) acc[i][j] = _mm512_setzero_ps();
    __mmask16 tail = (__mmask16)((1u << (wo % 16)) - 1u);
    for (int r = 0; r < rows; r++) {
        const float *xr = xp + c * plane + (size_t)(r + ki) * wp;
        const float *gr = g + ((size_t)o * ho + y0 + r) * wo;
        size_t gstride = (size_t)ho * wo;
        int x = 0;
        for (; x + 16 <= wo; x += 16) {
            __m512 v0 = _mm512_loadu_ps(xr + x), v1 = _mm512_loadu_ps(xr + x + 1), v2 = _mm512_loadu_ps(xr + x + 2);
            for (int i = 0; i < nb; i++) {
                __m512 gv = _mm512_loadu_ps(gr + i * gstride + x);
                acc[i][0] = _mm512_fmadd_ps(gv, v0, acc[i][0]);
                acc[i][1] = _mm512_fmadd_ps(gv, v1, acc[i][1]);
                acc[i][2] = _mm512_fmadd_ps(gv, v2, acc[i][2]);
            }
        }
        if (x < wo) {
            __m512 v0 = _mm512_maskz_loadu_ps(tail, xr + x), v1 = _mm512_maskz_loadu_ps(tail, xr + x + 1),
                   v2 = _mm512_maskz_loadu_ps(tail, xr + x + 2);
            for (int i = 0; i < nb; i++) {
                __m512 gv = _mm512_maskz_loadu_ps(tail, gr + i * gstride + x);
                acc[i][0] = _mm512_fmadd_ps(gv, v0, acc[i][0]);
                acc[i][1] = _mm512_fmadd_ps(gv, v1, acc[i][1]);
                acc[i][2] = _mm512_fmadd_ps(gv, v2, acc[i][2]);
            }
        }
    }
    for (int i = 0; i < nb; i++)
        for (int j = 0; j < 3; j++)
            dw[(((size_t)(o + i) * cin + c) * 3 + ki) * 3 + j] += _mm512_reduce_add_ps(acc[i][j]);
}

__attribute__((target("avx512f")))
static void weight_grad_avx512(const float *xp, int cin, int rp, int wp, const float *g, int cout,
                               int ho, int wo, int y0, int rows, float *dw) {
    size_t plane = (size_t)rp * wp;
    int o = 0;
    for (; o + 8 <= cout; o += 8)
        for (int c = 0; c < cin; c++)
            for (int ki = 0; ki < 3; ki++)
                weight_grad_tile_avx512(xp, plane, wp, g, cin, ho, wo, y0, rows, o, 8, c, ki, dw);
    for (; o + 4 <= cout; o += 4)
        for (int c = 0; c < cin; c++)
            for (int ki = 0; ki < 3; ki++)
                weight_grad_tile_avx512(xp, plane, wp, g, cin, ho, wo, y0, rows, o, 4, c, ki, dw);
    for (; o < cout; o++)
        for (int c = 0; c < cin; c++)
            for (int ki = 0; ki < 3; ki++)
                weight_grad_tile_avx512(xp, plane, wp, g, cin, ho, wo, y0, rows, o, 1, c, ki, dw);
}
#endif

void sp_conv3x3_weight_grad_rows(const float *x, int cin, int h, int w, int pad,
                                 const float *g, int cout, float *dweight,
                                 int y0, int y1, float *scratch, int path) {
    int ho = h + 2 * pad - 2, wo = w + 2 * pad - 2, rows = y1 - y0, wp = w + 2 * pad;
    if (rows <= 0 || wo <= 0) return;
    pad_rows(x, cin, h, w, pad, y0, rows, scratch);
#if defined(__x86_64__)
    const int usable = sp_simd_usable(path);
    if (usable == SP_SIMD_AVX512) { weight_grad_avx512(scratch, cin, rows + 2, wp, g, cout, ho, wo, y0, rows, dweight); return; }
    if (usable == SP_SIMD_AVX2) { weight_grad_avx2(scratch, cin, rows + 2, wp, g, cout, ho, wo, y0, rows, dweight); return; }
#endif
    (void)path;
    weight_grad_generic(scratch, cin, rows + 2, wp, g, cout, ho, wo, y0, rows, dweight);
}
