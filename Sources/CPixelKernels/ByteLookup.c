#include "CPixelKernels.h"
#include "CSimdDispatch.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- byte lookup table ---- */

#if defined(__x86_64__)
#include <immintrin.h>
#include "ByteLookupAVX2.h"
/* 64 bytes a step: vpermi2b looks up the two 128-entry halves, the index's top bit picks one. */
__attribute__((target("avx512f,avx512bw,avx512vbmi")))
static void lut8_avx512(uint8_t *p, size_t n, const uint8_t *table) {
    const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
    const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        const __m512i x = _mm512_loadu_si512(p + i);
        const __m512i v = _mm512_mask_blend_epi8(_mm512_movepi8_mask(x), _mm512_permutex2var_epi8(t0, x, t1),
                                                 _mm512_permutex2var_epi8(t2, x, t3));
        _mm512_storeu_si512(p + i, v);
    }
    for (; i < n; i++) p[i] = table[p[i]];
}

/* Tables whose every aligned run of 8 entries spans at most 15 (gamma curves for gamma 0.8..1.25,
   smooth curves generally) as table[v] = base[v / 8] + d[v], base the run's least entry and d in
   0..15, two d to a byte: nibbles k (k = 0..7) holds d[32k + l] in the low and d[32k + 16 + l] in the
   high nibble of its byte l. */
typedef struct { __m256i d[8], base_lo, base_hi; } lut8_nibbles_t;

__attribute__((target("avx2")))
static int nibble_table(const uint8_t *table, lut8_nibbles_t *t) {
    uint8_t base[32], d[8][16];
    for (int j = 0; j < 32; j++) {
        uint8_t least = 255, most = 0;
        for (int i = 8 * j; i < 8 * j + 8; i++) {
            least = table[i] < least ? table[i] : least;
            most = table[i] > most ? table[i] : most;
        }
        if (most - least > 15) return 0;
        base[j] = least;
    }
    for (int k = 0; k < 8; k++)
        for (int l = 0; l < 16; l++) {
            const int a = 32 * k + l, b = a + 16;
            d[k][l] = (uint8_t)((table[a] - base[a >> 3]) | (table[b] - base[b >> 3]) << 4);
        }
    for (int k = 0; k < 8; k++) t->d[k] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)d[k]));
    t->base_lo = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)base));
    t->base_hi = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(base + 16)));
    return 1;
}

/* The packed byte by the low nibble (8 vpshufb) and a tree of blends on bits 5, 6 and 7 (vpblendvb
   reads a byte's top bit: x + x moves bit 6 there, twice bit 5, three times bit 4), its nibble by
   bit 4 (a blend with it shifted down by 4), the base by v / 8 (2 vpshufb, a blend on bit 7): about
   30 operations for 32 bytes where the general lookup takes 46 (16 vpshufb, 30 subtractions and
   XORs, a blend). */
__attribute__((target("avx2"), always_inline))
static inline __m256i nibble_lookup(const lut8_nibbles_t *t, __m256i x) {
    const __m256i m15 = _mm256_set1_epi8(15), lo = _mm256_and_si256(x, m15);
    const __m256i b6 = _mm256_add_epi8(x, x), b5 = _mm256_add_epi8(b6, b6), b4 = _mm256_add_epi8(b5, b5);
    __m256i q[4];
    for (int j = 0; j < 4; j++) q[j] = _mm256_blendv_epi8(_mm256_shuffle_epi8(t->d[2 * j], lo), _mm256_shuffle_epi8(t->d[2 * j + 1], lo), b5);
    const __m256i packed = _mm256_blendv_epi8(_mm256_blendv_epi8(q[0], q[1], b6), _mm256_blendv_epi8(q[2], q[3], b6), x);
    const __m256i d = _mm256_and_si256(_mm256_blendv_epi8(packed, _mm256_srli_epi16(packed, 4), b4), m15);
    const __m256i run = _mm256_and_si256(_mm256_srli_epi16(x, 3), m15);
    const __m256i base = _mm256_blendv_epi8(_mm256_shuffle_epi8(t->base_lo, run), _mm256_shuffle_epi8(t->base_hi, run), x);
    return _mm256_add_epi8(base, d);
}

__attribute__((target("avx2"), always_inline))
static inline __m256i lut8_avx2_step(const sp_lut8_avx2_t *tree, const lut8_nibbles_t *nibbles, int packed, __m256i x) {
    return packed ? nibble_lookup(nibbles, x) : sp_lut8_avx2(tree, x);
}

/* 32 bytes a step; `packed` a constant in each of the two copies lut8_avx2 inlines, so neither
   holds the other's tables in registers. */
__attribute__((target("avx2"), always_inline))
static inline void lut8_avx2_loop(uint8_t *p, size_t n, const uint8_t *table, const sp_lut8_avx2_t *tree,
                                  const lut8_nibbles_t *nibbles, int packed) {
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m256i x = _mm256_loadu_si256((const __m256i *)(p + i));
        _mm256_storeu_si256((__m256i *)(p + i), lut8_avx2_step(tree, nibbles, packed, x));
    }
    for (; i < n; i++) p[i] = table[p[i]];
}

/* The packed lookup above when the table allows it, else the sub-table lookup of ByteLookupAVX2.h. */
__attribute__((target("avx2")))
static void lut8_avx2(uint8_t *p, size_t n, const uint8_t *table) {
    lut8_nibbles_t nibbles;
    if (nibble_table(table, &nibbles)) {
        lut8_avx2_loop(p, n, table, NULL, &nibbles, 1);
        return;
    }
    sp_lut8_avx2_t tree;
    sp_lut8_avx2_prepare(&tree, table);
    lut8_avx2_loop(p, n, table, &tree, NULL, 0);
}

/* Tables that are a rising line cut to 0..255 (brightness and contrast, a gain, an offset) need no
   lookup: table[v] = clip(floor((v * A + B) / 2^16)) with an integer slope A >= 0 and offset B,
   computed in 16-bit lanes as clip(v * A_hi + B_hi + hi16(v * A_lo) + carry), where A = A_hi * 2^16 +
   A_lo, B = B_hi * 2^16 + B_lo and carry = (lo16(v * A_lo) + B_lo >= 2^16), that is lo16(v * A_lo)
   >= 2^16 - B_lo (B_lo is kept nonzero). The table stays the definition: affine_table finds A and B
   from it and accepts them only when this exact arithmetic, run on every v, gives the table. */
typedef struct { int16_t a_hi, b_hi; uint16_t a_lo, carry_from; } lut8_affine_t;

/* The entries strictly inside 0..255 of a candidate table as constraints on the offset B (units
   of 2^-16): floor((v * A + B) / 2^16) = t means t * 2^16 - v * A <= B <= that + 65535. `zero` and
   `full` are the entries next to them that must stay at most 0 and at least 255 (-1: none). */
typedef struct { int32_t level[256], v[256]; int count, zero, full; } affine_constraints_t;

/* The least and largest B that meet every constraint with slope a (all values below 2^31 in size:
   a < 2^22 and v < 256). */
__attribute__((target("avx2")))
static void affine_offsets(const affine_constraints_t *c, int32_t a, int64_t *least, int64_t *most) {
    int32_t lo = INT32_MIN, hi = INT32_MAX;
    for (int k = 0; k < c->count; k++) {
        const int32_t d = c->level[k] - c->v[k] * a;
        lo = d > lo ? d : lo;
        hi = d < hi ? d : hi;
    }
    *least = lo;
    *most = (int64_t)hi + 65535;
    if (c->zero >= 0 && 65535 - (int64_t)c->zero * a < *most) *most = 65535 - (int64_t)c->zero * a;
    if (c->full >= 0 && 255 * 65536 - (int64_t)c->full * a > *least) *least = 255 * 65536 - (int64_t)c->full * a;
}

/* table[v] as the 16-bit lanes of lut8_affine_avx2 compute it. */
static uint8_t affine_value(const lut8_affine_t *f, int v) {
    const uint32_t product = (uint32_t)v * f->a_lo;
    const uint16_t carry = (uint16_t)product >= f->carry_from;
    const int16_t r = (int16_t)(uint16_t)((uint16_t)(v * f->a_hi) + (uint16_t)f->b_hi + (uint16_t)(product >> 16) + carry);
    return (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
}

/* Whether `table` is such a line, and its A and B. A line's entries are 0 up to some v, rise in
   steps that differ by at most one, then stay at 255; other tables are turned down at once. The
   spread of the offsets that fit, least - most, is convex in A: a binary search on the sign of its
   change from A to A + 1 finds its minimum within the slopes the two farthest entries strictly
   inside 0..255 allow. */
static int affine_table(const uint8_t *table, lut8_affine_t *f) {
    affine_constraints_t c;
    int first = 0, last = 255;
    while (first < 256 && table[first] == 0) first++;
    while (last >= first && table[last] == 255) last--;
    if (last <= first) return 0;
    int step_min = 256, step_max = -1;
    for (int v = first; v <= last; v++) {
        if (v > first) {
            const int step = table[v] - table[v - 1];
            step_min = step < step_min ? step : step_min;
            step_max = step > step_max ? step : step_max;
        }
        c.level[v - first] = (int32_t)table[v] * 65536;
        c.v[v - first] = v;
    }
    if (step_min < 0 || step_max - step_min > 1) return 0;
    c.count = last - first + 1;
    c.zero = first - 1;
    c.full = last < 255 ? last + 1 : -1;
    /* slopes up to 64 (every sum of lut8_affine_avx2 then stays within int16) */
    const int64_t rise = table[last] - table[first], run = last - first, limit = (int64_t)64 << 16;
    int64_t a0 = (rise - 1) * 65536 / run, a1 = (rise + 1) * 65536 / run + 1;
    a0 = a0 < 0 ? 0 : a0;
    a1 = a1 > limit ? limit : a1;
    if (a0 > a1) return 0;
    while (a0 < a1) {
        const int64_t mid = a0 + (a1 - a0) / 2;
        int64_t l0, u0, l1, u1;
        affine_offsets(&c, (int32_t)mid, &l0, &u0);
        affine_offsets(&c, (int32_t)mid + 1, &l1, &u1);
        if ((l1 - u1) - (l0 - u0) >= 0) a1 = mid; else a0 = mid + 1;
    }
    int64_t least, most;
    affine_offsets(&c, (int32_t)a0, &least, &most);
    if (least > most) return 0;
    int64_t b = least;
    if ((b & 0xFFFF) == 0) b++;
    if (b > most || b < -((int64_t)4096 << 16) || b > ((int64_t)4096 << 16)) return 0;
    f->a_hi = (int16_t)(a0 >> 16);
    f->a_lo = (uint16_t)(a0 & 0xFFFF);
    f->b_hi = (int16_t)((b - (b & 0xFFFF)) / 65536);   /* b rounded down to a multiple of 2^16 */
    f->carry_from = (uint16_t)(65536 - (b & 0xFFFF));
    for (int v = 0; v < 256; v++)
        if (affine_value(f, v) != table[v]) return 0;
    return 1;
}

__attribute__((target("avx2"), always_inline))
static inline __m256i affine16_avx2(__m256i v, __m256i a_hi, __m256i a_lo, __m256i b_hi, __m256i carry_from) {
    const __m256i lo = _mm256_mullo_epi16(v, a_lo);
    const __m256i carry = _mm256_cmpeq_epi16(_mm256_max_epu16(lo, carry_from), lo);   /* -1 where lo >= carry_from */
    const __m256i r = _mm256_add_epi16(_mm256_add_epi16(_mm256_mullo_epi16(v, a_hi), b_hi), _mm256_mulhi_epu16(v, a_lo));
    return _mm256_sub_epi16(r, carry);
}

/* 32 bytes a step: widened to 16 bits within each 128-bit lane, so the saturating pack restores the order. */
__attribute__((target("avx2")))
static void lut8_affine_avx2(uint8_t *p, size_t n, const lut8_affine_t *f, const uint8_t *table) {
    const __m256i a_hi = _mm256_set1_epi16(f->a_hi), a_lo = _mm256_set1_epi16((int16_t)f->a_lo);
    const __m256i b_hi = _mm256_set1_epi16(f->b_hi), carry_from = _mm256_set1_epi16((int16_t)f->carry_from);
    const __m256i z = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m256i x = _mm256_loadu_si256((const __m256i *)(p + i));
        const __m256i l = affine16_avx2(_mm256_unpacklo_epi8(x, z), a_hi, a_lo, b_hi, carry_from);
        const __m256i h = affine16_avx2(_mm256_unpackhi_epi8(x, z), a_hi, a_lo, b_hi, carry_from);
        _mm256_storeu_si256((__m256i *)(p + i), _mm256_packus_epi16(l, h));
    }
    for (; i < n; i++) p[i] = table[p[i]];
}
#endif

/* Portable fast path: the table copied to the stack (so the compiler knows stores to p cannot
   change it) and eight bytes a step through one 64-bit load and store. */
static void lut8_unrolled(uint8_t *p, size_t n, const uint8_t *table) {
    uint8_t t[256];
    memcpy(t, table, 256);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        const uint64_t y = (uint64_t)t[x & 0xFF] | (uint64_t)t[(x >> 8) & 0xFF] << 8 |
                           (uint64_t)t[(x >> 16) & 0xFF] << 16 | (uint64_t)t[(x >> 24) & 0xFF] << 24 |
                           (uint64_t)t[(x >> 32) & 0xFF] << 32 | (uint64_t)t[(x >> 40) & 0xFF] << 40 |
                           (uint64_t)t[(x >> 48) & 0xFF] << 48 | (uint64_t)t[x >> 56] << 56;
        memcpy(p + i, &y, 8);
    }
    for (; i < n; i++) p[i] = t[p[i]];
}

/* Whether `table` keeps every value below some c and maps every value from c up to one value k
   (c = 256: the identity): remap_labels' tables, which send the values above the class count to the
   ignore index. Such a table needs no lookup: a compare and a select, which the compiler vectorises
   on every target (SSE2 on x86-64, NEON on aarch64; AVX2 on the AVX2 path). */
static int threshold_table(const uint8_t *table, int *c, uint8_t *k) {
    int i = 0;
    while (i < 256 && table[i] == i) i++;
    for (int j = i + 1; j < 256; j++)
        if (table[j] != table[i]) return 0;
    *c = i;
    *k = i < 256 ? table[i] : 0;
    return 1;
}

static inline __attribute__((always_inline)) void threshold_impl(uint8_t *p, size_t n, uint8_t below, uint8_t k) {
    for (size_t i = 0; i < n; i++) {
        const uint8_t v = p[i];
        p[i] = v < below ? v : k;
    }
}

static void threshold_portable(uint8_t *p, size_t n, uint8_t below, uint8_t k) { threshold_impl(p, n, below, k); }

#if defined(__x86_64__)
/* The same loop vectorised 32 bytes wide. */
__attribute__((target("avx2")))
static void threshold_avx2(uint8_t *p, size_t n, uint8_t below, uint8_t k) { threshold_impl(p, n, below, k); }
#endif

static void lut8_threshold(uint8_t *p, size_t n, int c, uint8_t k, int path) {
    if (c >= 256) return;
    if (c == 0) { memset(p, k, n); return; }
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX2) { threshold_avx2(p, n, (uint8_t)c, k); return; }
#endif
    (void)path;
    threshold_portable(p, n, (uint8_t)c, k);
}

/* Threshold tables on every path; otherwise AVX-512 VBMI or AVX2 (the line's arithmetic for tables
   that are one, sub-table shuffles for the others) on that path, the unrolled portable loop on the
   others. */
void sp_lut8(uint8_t *p, size_t n, const uint8_t *table, int path) {
    int c;
    uint8_t k;
    if (threshold_table(table, &c, &k)) {
        lut8_threshold(p, n, c, k, path);
        return;
    }
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX512) {
        lut8_avx512(p, n, table);
        return;
    }
    if (sp_simd_usable(path) >= SP_SIMD_AVX2) {
        lut8_affine_t f;
        if (n >= 4096 && affine_table(table, &f)) lut8_affine_avx2(p, n, &f, table);
        else lut8_avx2(p, n, table);
        return;
    }
#endif
    (void)path;
    lut8_unrolled(p, n, table);
}

void sp_lut8_naive(uint8_t *p, size_t n, const uint8_t *table) {
    for (size_t i = 0; i < n; i++) p[i] = table[p[i]];
}
