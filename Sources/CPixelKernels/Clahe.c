#include "CPixelKernels.h"
#include "PixelMath.h"
#include "CSimdDispatch.h"
#include <math.h>
#include <string.h>

/* ---- OpenCV's CLAHE (createCLAHE(clip, (tilesX, tilesY)).apply) on every channel of a raster ----

   Tables (CLAHE_CalcLut_Body): the image, padded at the bottom and right by reflection when the
   tiles do not divide it, is cut into tilesX x tilesY tiles of tw x th; each tile's 256-bin
   histogram is clipped at `limit` with the excess spread over the bins (excess / 256 to each, the
   remainder one each to bins 0, step, 2 step, ...), and entry i of its table is
   sat(rne(f32(cumsum[i]) * f32(255 / area))). The histograms are plain counting, the same on every
   path; each channel counts into four copies taken in turn by pixel, so runs of equal values do not
   wait on the previous increment's store.

   Interpolation (CLAHE_Interpolation_Body): pixel x of row y with value s blends the tables of
   the four nearest tile centres in float32, every product and sum rounded on its own (no fma):
     ((L[ty1][tx1][s] * xa1 + L[ty1][tx2][s] * xa) * ya1) + ((L[ty2][tx1][s] * xa1 + L[ty2][tx2][s] * xa) * ya)
   rounded to nearest even, where for x: f = f32(f32(x * f32(1 / tw)) - 0.5), tx1 = floor(f),
   xa = f - tx1, xa1 = 1 - xa, then tx2 = min(tx1 + 1, tilesX - 1), tx1 = max(tx1, 0) (y alike).
   The portable version does that per element. The AVX2 version does the same float operations
   8 elements a step; its four table bytes come from one 32-bit gather: for each band of rows
   sharing (ty1, ty2) it packs, per column region sharing (tx1, tx2), channel and value, the four
   bytes into one word. */
#pragma clang fp contract(off)

/* The padded tile size OpenCV cuts the image into. */
static void tile_size(int w, int h, int tiles_x, int tiles_y, int *tw, int *th) {
    if (w % tiles_x == 0 && h % tiles_y == 0) {
        *tw = w / tiles_x;
        *th = h / tiles_y;
    } else {
        *tw = (w + tiles_x - w % tiles_x) / tiles_x;
        *th = (h + tiles_y - h % tiles_y) / tiles_y;
    }
}

static int valid(int w, int h, int c, int tiles_x, int tiles_y) {
    if (w <= 0 || h <= 0 || c <= 0 || c > 4 || tiles_x <= 0 || tiles_y <= 0 || tiles_x > 256 || tiles_y > 256) return 0;
    int tw, th;
    tile_size(w, h, tiles_x, tiles_y, &tw, &th);
    /* every count fits 31 bits, every padded index an int */
    return (int64_t)tw * th < (1 << 30) && (int64_t)tw * tiles_x < (1 << 30) && (int64_t)th * tiles_y < (1 << 30);
}

#define HIST_COPIES 4

/* A float in 0 .. 2^23 rounded to nearest even (adding and removing 2^23, exact in that range)
   and saturated to a byte. */
static inline uint8_t round_byte(float v) {
    v = (v + 0x1p23f) - 0x1p23f;
    return (uint8_t)(v > 255.0f ? 255.0f : v);
}

/* Scratch layout (bytes, each part 64-byte aligned): histograms, padded column offsets, then for the
   AVX2 interpolation the per-element table offsets and weights and one band of packed tables. */
static size_t align64(size_t n) { return (n + 63) & ~(size_t)63; }

size_t sp_clahe_scratch(int width, int height, int channels, int tiles_x, int tiles_y) {
    if (!valid(width, height, channels, tiles_x, tiles_y)) return 0;
    int tw, th;
    tile_size(width, height, tiles_x, tiles_y, &tw, &th);
    const size_t n = (size_t)width * (size_t)channels;
    return 64 + align64(sizeof(uint32_t) * HIST_COPIES * 256 * (size_t)channels) + align64(sizeof(int32_t) * (size_t)tw * (size_t)tiles_x) +
           align64(sizeof(int32_t) * n) + 2 * align64(sizeof(float) * n) +
           align64(sizeof(uint32_t) * 256 * (size_t)channels * (size_t)(tiles_x + 1));
}

static uint8_t *scratch_base(void *scratch) { return (uint8_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63); }

/* Counts the `count` pixels from p (c channels each) into the copies: channel ch of pixel i into
   hist[((i % HIST_COPIES) * c + ch) * 256 + value]. */
static void count_run(const uint8_t *p, int count, int c, uint32_t *hist) {
    const size_t copy = (size_t)c * 256;
    int i = 0;
    if (c == 3) {
        uint32_t *a = hist, *b = hist + copy, *d = hist + 2 * copy, *e = hist + 3 * copy;
        for (; i + 4 <= count; i += 4, p += 12) {
            a[p[0]]++; a[256 + p[1]]++; a[512 + p[2]]++;
            b[p[3]]++; b[256 + p[4]]++; b[512 + p[5]]++;
            d[p[6]]++; d[256 + p[7]]++; d[512 + p[8]]++;
            e[p[9]]++; e[256 + p[10]]++; e[512 + p[11]]++;
        }
    } else {
        for (; i + HIST_COPIES <= count; i += HIST_COPIES)
            for (int k = 0; k < HIST_COPIES; k++, p += c)
                for (int ch = 0; ch < c; ch++) hist[k * copy + (size_t)ch * 256 + p[ch]]++;
    }
    for (; i < count; i++, p += c)
        for (int ch = 0; ch < c; ch++) hist[(size_t)ch * 256 + p[ch]]++;
}

int sp_clahe_tables(const uint8_t *src, int width, int height, int channels, int tiles_x, int tiles_y,
                    double clip_limit, uint8_t *luts, void *scratch) {
    const int w = width, h = height, c = channels;
    if (!valid(w, h, c, tiles_x, tiles_y)) return -1;
    int tw, th;
    tile_size(w, h, tiles_x, tiles_y, &tw, &th);
    const int area = tw * th;
    const float lut_scale = 255.0f / (float)area;
    int64_t limit64 = clip_limit > 0 ? (int64_t)(clip_limit * (double)area / 256) : 0;
    if (clip_limit > 0 && limit64 < 1) limit64 = 1;
    const int limit = limit64 > area ? area : (int)limit64;   /* a limit above the area clips nothing */
    const size_t per_channel = (size_t)tiles_x * (size_t)tiles_y * 256;
    uint8_t *base = scratch_base(scratch);
    uint32_t *hist = (uint32_t *)base;
    int32_t *cols = (int32_t *)(base + align64(sizeof(uint32_t) * HIST_COPIES * 256 * (size_t)c));
    for (int x = 0; x < tw * tiles_x; x++) cols[x] = reflect101(x, w) * c;
    for (int ty = 0; ty < tiles_y; ty++)
        for (int tx = 0; tx < tiles_x; tx++) {
            memset(hist, 0, sizeof(uint32_t) * HIST_COPIES * 256 * (size_t)c);
            const int x0 = tx * tw, x1 = x0 + tw, inside = (x1 < w ? x1 : w) - x0;
            for (int yy = ty * th; yy < (ty + 1) * th; yy++) {
                const uint8_t *row = src + (size_t)reflect101(yy, h) * (size_t)w * (size_t)c;
                if (inside > 0) count_run(row + (size_t)x0 * (size_t)c, inside, c, hist);
                for (int xx = x0 + (inside > 0 ? inside : 0); xx < x1; xx++)
                    for (int ch = 0; ch < c; ch++) hist[ch * 256 + row[cols[xx] + ch]]++;
            }
            for (int ch = 0; ch < c; ch++) {
                uint32_t bins[256];
                for (int i = 0; i < 256; i++) {
                    uint32_t v = 0;
                    for (int k = 0; k < HIST_COPIES; k++) v += hist[((size_t)k * (size_t)c + (size_t)ch) * 256 + (size_t)i];
                    bins[i] = v;
                }
                if (limit > 0) {
                    uint32_t excess = 0;
                    for (int i = 0; i < 256; i++)
                        if (bins[i] > (uint32_t)limit) { excess += bins[i] - (uint32_t)limit; bins[i] = (uint32_t)limit; }
                    const uint32_t add = excess / 256, rest = excess % 256;
                    for (int i = 0; i < 256; i++) bins[i] += add;
                    if (rest > 0) {
                        const uint32_t step = 256 / rest > 1 ? 256 / rest : 1;
                        for (uint32_t i = 0, done = 0; i < 256 && done < rest; i += step, done++) bins[i]++;
                    }
                }
                uint8_t *table = luts + (size_t)ch * per_channel + ((size_t)ty * (size_t)tiles_x + (size_t)tx) * 256;
                uint32_t sum = 0;
                for (int i = 0; i < 256; i++) {
                    sum += bins[i];
                    table[i] = round_byte((float)sum * lut_scale);
                }
            }
        }
    return 0;
}

/* One axis of the interpolation: position i's region t1 + 1 (0 .. tiles) and its float weights. */
static void axis_weight(int i, float inv, int *region, float *a, float *a1) {
    const float f = (float)i * inv - 0.5f;
    const float t1 = floorf(f);
    *a = f - t1;
    *a1 = 1.0f - *a;
    *region = (int)t1 + 1;
}

/* The region's two tiles: (max(region - 1, 0), min(region, tiles - 1)). */
static int region_lo(int region) { return region - 1 > 0 ? region - 1 : 0; }
static int region_hi(int region, int tiles) { return region < tiles - 1 ? region : tiles - 1; }

static void interpolate_portable(uint8_t *p, int w, int h, int c, int tiles_x, int tiles_y, int tw, int th, const uint8_t *luts) {
    const size_t per_channel = (size_t)tiles_x * (size_t)tiles_y * 256;
    const float inv_x = 1.0f / (float)tw, inv_y = 1.0f / (float)th;
    for (int y = 0; y < h; y++) {
        int ry;
        float ya, ya1;
        axis_weight(y, inv_y, &ry, &ya, &ya1);
        const size_t top = (size_t)region_lo(ry) * (size_t)tiles_x * 256, bottom = (size_t)region_hi(ry, tiles_y) * (size_t)tiles_x * 256;
        uint8_t *row = p + (size_t)y * (size_t)w * (size_t)c;
        for (int x = 0; x < w; x++) {
            int rx;
            float xa, xa1;
            axis_weight(x, inv_x, &rx, &xa, &xa1);
            const size_t c1 = (size_t)region_lo(rx) * 256, c2 = (size_t)region_hi(rx, tiles_x) * 256;
            for (int ch = 0; ch < c; ch++) {
                const uint8_t *L = luts + (size_t)ch * per_channel;
                const int s = row[x * c + ch];
                const float t = ((float)L[top + c1 + s] * xa1 + (float)L[top + c2 + s] * xa) * ya1;
                const float b = ((float)L[bottom + c1 + s] * xa1 + (float)L[bottom + c2 + s] * xa) * ya;
                row[x * c + ch] = round_byte(t + b);
            }
        }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

/* Eight results rounded to nearest even (the default rounding mode) and saturated by the packs. */
__attribute__((target("avx2,fma")))
static inline __m256i blend8(__m256i g, __m256 xa1, __m256 xa, __m256 ya1, __m256 ya) {
    const __m256i byte = _mm256_set1_epi32(0xFF);
    const __m256 l11 = _mm256_cvtepi32_ps(_mm256_and_si256(g, byte));
    const __m256 l12 = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32(g, 8), byte));
    const __m256 l21 = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32(g, 16), byte));
    const __m256 l22 = _mm256_cvtepi32_ps(_mm256_srli_epi32(g, 24));
    const __m256 t = _mm256_mul_ps(_mm256_add_ps(_mm256_mul_ps(l11, xa1), _mm256_mul_ps(l12, xa)), ya1);
    const __m256 b = _mm256_mul_ps(_mm256_add_ps(_mm256_mul_ps(l21, xa1), _mm256_mul_ps(l22, xa)), ya);
    return _mm256_cvtps_epi32(_mm256_add_ps(t, b));
}

__attribute__((target("avx2,fma")))
static void interpolate_avx2(uint8_t *p, int w, int h, int c, int tiles_x, int tiles_y, int tw, int th, const uint8_t *luts,
                             void *scratch) {
    const int n = w * c;
    const size_t per_channel = (size_t)tiles_x * (size_t)tiles_y * 256;
    uint8_t *base = scratch_base(scratch) + align64(sizeof(uint32_t) * HIST_COPIES * 256 * (size_t)c) + align64(sizeof(int32_t) * (size_t)tw * (size_t)tiles_x);
    int32_t *offset = (int32_t *)base;
    float *wa = (float *)(base + align64(sizeof(int32_t) * (size_t)n));
    float *wa1 = (float *)((uint8_t *)wa + align64(sizeof(float) * (size_t)n));
    uint32_t *band = (uint32_t *)((uint8_t *)wa1 + align64(sizeof(float) * (size_t)n));
    const float inv_x = 1.0f / (float)tw, inv_y = 1.0f / (float)th;
    for (int x = 0; x < w; x++) {
        int rx;
        float xa, xa1;
        axis_weight(x, inv_x, &rx, &xa, &xa1);
        for (int ch = 0; ch < c; ch++) {
            offset[x * c + ch] = (rx * c + ch) * 256;
            wa[x * c + ch] = xa;
            wa1[x * c + ch] = xa1;
        }
    }
    int band_region = -1;
    for (int y = 0; y < h; y++) {
        int ry;
        float ya, ya1;
        axis_weight(y, inv_y, &ry, &ya, &ya1);
        if (ry != band_region) {
            /* band[(region * c + ch) * 256 + s]: the four table bytes of that column region. */
            band_region = ry;
            const size_t top = (size_t)region_lo(ry) * (size_t)tiles_x * 256, bottom = (size_t)region_hi(ry, tiles_y) * (size_t)tiles_x * 256;
            for (int rx = 0; rx <= tiles_x; rx++) {
                const size_t c1 = (size_t)region_lo(rx) * 256, c2 = (size_t)region_hi(rx, tiles_x) * 256;
                for (int ch = 0; ch < c; ch++) {
                    const uint8_t *L = luts + (size_t)ch * per_channel;
                    const uint8_t *l11 = L + top + c1, *l12 = L + top + c2, *l21 = L + bottom + c1, *l22 = L + bottom + c2;
                    uint32_t *out = band + ((size_t)rx * (size_t)c + (size_t)ch) * 256;
                    for (int s = 0; s < 256; s += 16) {
                        const __m128i a = _mm_loadu_si128((const __m128i *)(l11 + s)), b = _mm_loadu_si128((const __m128i *)(l12 + s));
                        const __m128i d = _mm_loadu_si128((const __m128i *)(l21 + s)), e = _mm_loadu_si128((const __m128i *)(l22 + s));
                        const __m128i ab_lo = _mm_unpacklo_epi8(a, b), ab_hi = _mm_unpackhi_epi8(a, b);
                        const __m128i de_lo = _mm_unpacklo_epi8(d, e), de_hi = _mm_unpackhi_epi8(d, e);
                        _mm_storeu_si128((__m128i *)(out + s), _mm_unpacklo_epi16(ab_lo, de_lo));
                        _mm_storeu_si128((__m128i *)(out + s + 4), _mm_unpackhi_epi16(ab_lo, de_lo));
                        _mm_storeu_si128((__m128i *)(out + s + 8), _mm_unpacklo_epi16(ab_hi, de_hi));
                        _mm_storeu_si128((__m128i *)(out + s + 12), _mm_unpackhi_epi16(ab_hi, de_hi));
                    }
                }
            }
        }
        const __m256 vya = _mm256_set1_ps(ya), vya1 = _mm256_set1_ps(ya1);
        uint8_t *row = p + (size_t)y * (size_t)n;
        int j = 0;
        for (; j + 16 <= n; j += 16) {
            const __m128i px = _mm_loadu_si128((const __m128i *)(row + j));
            const __m256i i0 = _mm256_add_epi32(_mm256_cvtepu8_epi32(px), _mm256_loadu_si256((const __m256i *)(offset + j)));
            const __m256i i1 = _mm256_add_epi32(_mm256_cvtepu8_epi32(_mm_srli_si128(px, 8)), _mm256_loadu_si256((const __m256i *)(offset + j + 8)));
            const __m256i g0 = _mm256_i32gather_epi32((const int *)band, i0, 4);
            const __m256i g1 = _mm256_i32gather_epi32((const int *)band, i1, 4);
            const __m256i v0 = blend8(g0, _mm256_loadu_ps(wa1 + j), _mm256_loadu_ps(wa + j), vya1, vya);
            const __m256i v1 = blend8(g1, _mm256_loadu_ps(wa1 + j + 8), _mm256_loadu_ps(wa + j + 8), vya1, vya);
            const __m256i words = _mm256_permute4x64_epi64(_mm256_packus_epi32(v0, v1), 0xD8);
            _mm_storeu_si128((__m128i *)(row + j), _mm_packus_epi16(_mm256_castsi256_si128(words), _mm256_extracti128_si256(words, 1)));
        }
        for (; j < n; j++) {
            const uint32_t g = band[offset[j] + row[j]];
            const float t = ((float)(g & 0xFF) * wa1[j] + (float)((g >> 8) & 0xFF) * wa[j]) * ya1;
            const float b = ((float)((g >> 16) & 0xFF) * wa1[j] + (float)(g >> 24) * wa[j]) * ya;
            row[j] = round_byte(t + b);
        }
    }
}
#endif

int sp_clahe_interpolate(uint8_t *pixels, int width, int height, int channels, int tiles_x, int tiles_y,
                         const uint8_t *luts, void *scratch, int path) {
    if (!valid(width, height, channels, tiles_x, tiles_y)) return -1;
    int tw, th;
    tile_size(width, height, tiles_x, tiles_y, &tw, &th);
#if defined(__x86_64__)
    if (sp_simd_usable(path) >= SP_SIMD_AVX2) {
        interpolate_avx2(pixels, width, height, channels, tiles_x, tiles_y, tw, th, luts, scratch);
        return 0;
    }
#endif
    (void)path;
    (void)scratch;
    interpolate_portable(pixels, width, height, channels, tiles_x, tiles_y, tw, th, luts);
    return 0;
}
