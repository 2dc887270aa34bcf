/* The AVX2 256-entry byte lookup of ByteLookup.c as inline pieces, for kernels that look bytes up
   in the middle of other work (HSVJitter.c). Not part of the public header. */
#ifndef SP_BYTE_LOOKUP_AVX2_H
#define SP_BYTE_LOOKUP_AVX2_H
#if defined(__x86_64__)
#include <immintrin.h>
#include <stdint.h>

/* A 256-entry table as 16 vpshufb tables: for k = 0..7, lo[k] is D_k = T_k ^ T_(k-1) (T_-1 = 0) of
   the 16-entry sub-tables T_k = table[16k..16k+15], hi[k] the same of table[128..255]; each
   broadcast to both 128-bit lanes. */
typedef struct { __m256i lo[8], hi[8]; } sp_lut8_avx2_t;

__attribute__((target("avx2"), always_inline))
static inline void sp_lut8_avx2_prepare(sp_lut8_avx2_t *t, const uint8_t *table) {
    for (int k = 0; k < 8; k++) {
        __m128i a = _mm_loadu_si128((const __m128i *)(table + 16 * k));
        __m128i b = _mm_loadu_si128((const __m128i *)(table + 128 + 16 * k));
        if (k > 0) {
            a = _mm_xor_si128(a, _mm_loadu_si128((const __m128i *)(table + 16 * k - 16)));
            b = _mm_xor_si128(b, _mm_loadu_si128((const __m128i *)(table + 128 + 16 * k - 16)));
        }
        t->lo[k] = _mm256_broadcastsi128_si256(a);
        t->hi[k] = _mm256_broadcastsi128_si256(b);
    }
}

/* table[x] for each of the 32 bytes of x, without a byte permute: vpshufb looks up 16 entries by
   the low nibble and gives 0 where the index's top bit is set. For k = 0..7 the index x - 16k has
   its top bit clear exactly when 16k <= x <= 16k + 127, so for x < 128 the lookups of sub-tables
   0..hi(x) hit; XOR-ing the differences D_k telescopes to T_hi(x)[lo(x)]. The upper half does the
   same on x ^ 0x80 with the tables of entries 128..255, and x's top bit picks one of the two.
   sp_lut8_avx2_n uses only the first `upper` (1..8) sub-tables of the upper half: right for every
   x below 128 + 16 * upper. */
__attribute__((target("avx2"), always_inline))
static inline __m256i sp_lut8_avx2_n(const sp_lut8_avx2_t *t, __m256i x, int upper) {
    const __m256i c16 = _mm256_set1_epi8(16), c80 = _mm256_set1_epi8((char)0x80);
    __m256i ia = x, ib = _mm256_xor_si256(x, c80);
    __m256i ra = _mm256_shuffle_epi8(t->lo[0], ia), rb = _mm256_shuffle_epi8(t->hi[0], ib);
    for (int k = 1; k < 8; k++) {
        ia = _mm256_sub_epi8(ia, c16);
        ra = _mm256_xor_si256(ra, _mm256_shuffle_epi8(t->lo[k], ia));
        if (k < upper) {
            ib = _mm256_sub_epi8(ib, c16);
            rb = _mm256_xor_si256(rb, _mm256_shuffle_epi8(t->hi[k], ib));
        }
    }
    return _mm256_blendv_epi8(ra, rb, x);
}

__attribute__((target("avx2"), always_inline))
static inline __m256i sp_lut8_avx2(const sp_lut8_avx2_t *t, __m256i x) { return sp_lut8_avx2_n(t, x, 8); }
#endif
#endif
