/* The AVX2 256-entry byte lookup of ByteLookup.c as inline pieces, for kernels that look bytes up
   in the middle of other work (HSVJitter.c). Not part of the public header. */
#ifndef SP_BYTE_LOOKUP_AVX2_H
#define SP_BYTE_LOOKUP_AVX2_H
#if defined(__x86_64__)
#include <immintrin.h>
#include <stdint.h>

/* A 256-entry table as 16 vpshufb tables: t[k] is the 16-entry sub-table table[16k..16k+15],
   broadcast to both 128-bit lanes. */
typedef struct { __m256i t[16]; } sp_lut8_avx2_t;

__attribute__((target("avx2"), always_inline))
static inline void sp_lut8_avx2_prepare(sp_lut8_avx2_t *t, const uint8_t *table) {
    for (int k = 0; k < 16; k++) t->t[k] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(table + 16 * k)));
}

/* table[x] for each of the 32 bytes of x: every sub-table is looked up by the low nibble (16
   vpshufb), then a tree of byte blends picks one of the 16 results by the high nibble: bit 4 picks
   within pairs, bit 5 within fours, bit 6 within eights, bit 7 between the halves (vpblendvb reads a
   byte's top bit; adding x to itself moves bit 6 there, twice bit 5, three times bit 4). 16
   shuffles and 15 blends, against 16 shuffles, 30 subtractions and XORs of the sub-table
   differences before (Zen 3 runs blends and shuffles on two pipes each, only one shared).
   sp_lut8_avx2_n uses only the first 8 + `upper` (upper 1..8, a constant once inlined) sub-tables:
   right for every x below 128 + 16 * upper. */
__attribute__((target("avx2"), always_inline))
static inline __m256i sp_lut8_avx2_n(const sp_lut8_avx2_t *t, __m256i x, int upper) {
    const int used = 8 + upper;
    const __m256i lo = _mm256_and_si256(x, _mm256_set1_epi8(15));
    const __m256i b6 = _mm256_add_epi8(x, x), b5 = _mm256_add_epi8(b6, b6), b4 = _mm256_add_epi8(b5, b5);
    __m256i quad[4];
    for (int j = 0; j < 4; j++) {
        __m256i pair[2];
        for (int h = 0; h < 2; h++) {
            const int k = 4 * j + 2 * h;
            pair[h] = _mm256_shuffle_epi8(t->t[k < used ? k : 0], lo);
            if (k + 1 < used) pair[h] = _mm256_blendv_epi8(pair[h], _mm256_shuffle_epi8(t->t[k + 1], lo), b4);
        }
        quad[j] = 4 * j + 2 < used ? _mm256_blendv_epi8(pair[0], pair[1], b5) : pair[0];
    }
    const __m256i low = _mm256_blendv_epi8(quad[0], quad[1], b6);
    const __m256i high = used > 12 ? _mm256_blendv_epi8(quad[2], quad[3], b6) : quad[2];
    return _mm256_blendv_epi8(low, high, x);
}

__attribute__((target("avx2"), always_inline))
static inline __m256i sp_lut8_avx2(const sp_lut8_avx2_t *t, __m256i x) { return sp_lut8_avx2_n(t, x, 8); }
#endif
#endif
