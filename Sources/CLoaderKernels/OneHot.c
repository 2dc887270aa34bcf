#include "CLoaderKernels.h"
#include "CSimdDispatch.h"

#if defined(__x86_64__)
#include <immintrin.h>

/* One-hot rows written with 16-byte non-temporal stores, so the batch buffer is not read into the
   cache before being overwritten. Pixels go in groups of g (g * channels a multiple of 4 floats);
   for each 4-float vector of a group, the lane's pixel (0..g-1) and channel are precomputed, so a
   vector is one permute of the group's labels, one compare and one masked 1.0. */

static int gcd(int a, int b) { while (b) { int t = a % b; a = b; b = t; } return a; }

#define ONE_HOT_BODY(LOAD)                                                                         \
    const int g = 4 / gcd(channels, 4), nvec = g * channels / 4;                                   \
    __m128i pix[256], chan[256];                                                                   \
    for (int v = 0; v < nvec; v++) {                                                               \
        int p[4], c[4];                                                                            \
        for (int l = 0; l < 4; l++) { p[l] = (4 * v + l) / channels; c[l] = (4 * v + l) % channels; } \
        pix[v] = _mm_setr_epi32(p[0], p[1], p[2], p[3]);                                           \
        chan[v] = _mm_setr_epi32(c[0], c[1], c[2], c[3]);                                          \
    }                                                                                              \
    const __m128 one = _mm_set1_ps(1.0f);                                                          \
    const size_t groups = count / (size_t)g;                                                       \
    float *o = dst;                                                                                \
    for (size_t k = 0; k < groups; k++) {                                                          \
        int32_t l[4] = {0, 0, 0, 0};                                                               \
        for (int i = 0; i < g; i++) l[i] = (int32_t)LOAD(k * g + i);                               \
        const __m128 labs = _mm_castsi128_ps(_mm_loadu_si128((const __m128i *)l));                 \
        for (int v = 0; v < nvec; v++) {                                                           \
            const __m128i lab = _mm_castps_si128(_mm_permutevar_ps(labs, pix[v]));                 \
            const __m128 hit = _mm_castsi128_ps(_mm_cmpeq_epi32(lab, chan[v]));                    \
            _mm_stream_ps(o, _mm_and_ps(hit, one));                                                \
            o += 4;                                                                                \
        }                                                                                          \
    }                                                                                              \
    _mm_sfence();                                                                                  \
    for (size_t i = groups * (size_t)g; i < count; i++) {                                          \
        for (int c = 0; c < channels; c++) o[c] = 0.0f;                                            \
        o[(int)LOAD(i)] = 1.0f;                                                                    \
        o += channels;                                                                             \
    }                                                                                              \
    return 0;

static int applicable(const float *dst, int channels, int path) {
    return channels >= 1 && channels <= 256 && ((size_t)dst & 15) == 0 && sp_simd_usable(path) >= SP_SIMD_AVX2;
}

__attribute__((target("avx2")))
static int one_hot_i32(const int32_t *labels, size_t count, int channels, float *dst) {
#define LOAD_I32(i) labels[(i)]
    ONE_HOT_BODY(LOAD_I32)
#undef LOAD_I32
}

__attribute__((target("avx2")))
static int one_hot_u8(const uint8_t *labels, size_t count, int channels, float *dst) {
#define LOAD_U8(i) labels[(i)]
    ONE_HOT_BODY(LOAD_U8)
#undef LOAD_U8
}

int sp_one_hot_i32(const int32_t *labels, size_t count, int channels, float *dst, int path) {
    return applicable(dst, channels, path) ? one_hot_i32(labels, count, channels, dst) : -1;
}

int sp_one_hot_u8(const uint8_t *labels, size_t count, int channels, float *dst, int path) {
    return applicable(dst, channels, path) ? one_hot_u8(labels, count, channels, dst) : -1;
}
#else
int sp_one_hot_i32(const int32_t *labels, size_t count, int channels, float *dst, int path) {
    (void)labels; (void)count; (void)channels; (void)dst; (void)path;
    return -1;
}

int sp_one_hot_u8(const uint8_t *labels, size_t count, int channels, float *dst, int path) {
    (void)labels; (void)count; (void)channels; (void)dst; (void)path;
    return -1;
}
#endif
