/* The C kernels on one SIMD path, built without Swift (scripts/arm64-kernel-test cross-compiles it
   for aarch64 and runs it under qemu-user).

   `kernel-oracle PATH` (portable, avx2 or avx512; capped at the CPU) runs every kernel of
   CPixelKernels, CLoaderKernels and CConvKernels on seeded pseudo-random inputs. Kernels with a
   plain reference here (byte lookup, both resample passes, statistics, colour map, the loader's
   conversions, the convolutions within float tolerance) are checked against it; a failure is
   printed to stderr and the exit status is 1. Every byte-exact kernel's output is also hashed to
   stdout, one line per kernel: the script compares those lines across paths and machines, so
   the kernels without a reference here (HSV, sepFilter, warpAffine, remap, the float blur, the normal
   generator and the noise and elastic field kernels) must
   give the same bytes on aarch64 as on every x86-64 path. `kernel-oracle --cpu` prints the highest
   path this CPU runs. */
#include "CConvKernels.h"
#include "CLoaderKernels.h"
#include "CPixelKernels.h"
#include "CSimdDispatch.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;
static uint64_t next_random(void) {   /* SplitMix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static void fill_random(uint8_t *p, size_t n) { for (size_t i = 0; i < n; i++) p[i] = (uint8_t)next_random(); }
static int32_t random_in(int32_t lo, int32_t hi) { return lo + (int32_t)(next_random() % (uint64_t)(hi - lo + 1)); }

static int failures = 0;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; fprintf(stderr, "FAIL: " __VA_ARGS__); fputc('\n', stderr); } } while (0)

static uint64_t fnv(const void *data, size_t n) {
    const uint8_t *p = data;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}
static void report(const char *what, const void *data, size_t n) { printf("%s %016llx\n", what, (unsigned long long)fnv(data, n)); }

static uint8_t clip22(int32_t v) { v >>= 22; return (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v)); }

/* Random resample coefficients: `out` windows of up to `taps` source indices below `in`, weights
   whose absolute sum stays under 1.5 * 2^22 (as Pillow's do, so the 32-bit sums cannot overflow). */
static void coefficients(int in, int out, int taps, int32_t *bounds, int32_t *weights) {
    for (int x = 0; x < out; x++) {
        const int n = random_in(1, taps < in ? taps : in);
        bounds[2 * x] = random_in(0, in - n);
        bounds[2 * x + 1] = n;
        const int32_t limit = (3 << 21) / n;
        for (int t = 0; t < taps; t++) weights[x * taps + t] = t < n ? random_in(-limit / 4, limit) : 0;
    }
}

static void lookup(int path) {
    /* tables that keep the values below c and send the rest to k (label remapping), the identity, a constant */
    const int thresholds[][2] = {{0, 255}, {21, 21}, {21, 255}, {1, 0}, {255, 3}, {256, 0}};
    for (size_t t = 0; t < sizeof thresholds / sizeof *thresholds; t++) {
        const size_t n = 100003;
        uint8_t table[256], *a = malloc(n), *b = malloc(n);
        for (int i = 0; i < 256; i++) table[i] = (uint8_t)(i < thresholds[t][0] ? i : thresholds[t][1]);
        fill_random(a, n);
        memcpy(b, a, n);
        sp_lut8(a, n, table, path);
        sp_lut8_naive(b, n, table);
        CHECK(memcmp(a, b, n) == 0, "threshold lookup (%d, %d) differs from the naive loop", thresholds[t][0], thresholds[t][1]);
        free(a); free(b);
    }
    /* rising lines cut to 0..255 as brightness_contrast builds them (float32, truncated; the AVX2
       path computes them in 16-bit lanes once it has checked all 256 values), one with an entry off,
       gamma curves and a noisy table whose runs of 8 entries span at most 15 (the first replaced by
       it; the AVX2 path's packed lookup when they allow it, the general one else), on lengths from 4096 (where the arithmetic starts) through
       every tail of the 32-byte steps */
    const double lines[][2] = {{1.2, 51}, {0.8, -51}, {1.0, 0.5}, {1.13, -12.7}, {11, -255}, {3.7, -300}, {0.01, 3}, {1.2, 51}};
    const double curves[] = {0.8, 1.25, 2.2, 0.45};
    const size_t line_sizes[] = {4095, 4096, 4097, 4096 + 31, 4096 + 33, 4096 + 63, 100003};
    for (size_t t = 0; t < sizeof lines / sizeof *lines + sizeof curves / sizeof *curves; t++) {
        uint8_t table[256];
        for (int v = 0; v < 256; v++) {
            if (t < sizeof lines / sizeof *lines) {
                const float x = (float)v * (float)lines[t][0] + (float)lines[t][1];
                table[v] = (uint8_t)(x < 0 ? 0 : x > 255 ? 255 : x);
            } else {
                const double x = pow(v / 255.0, 1 / curves[t - sizeof lines / sizeof *lines]) * 255;
                table[v] = (uint8_t)(x > 255 ? 255 : x);
            }
        }
        if (t == sizeof lines / sizeof *lines - 1) table[128]++;
        if (t == sizeof lines / sizeof *lines) {   /* runs of 8 within 15 of their least, not monotone (packed lookup) */
            for (int v = 0; v < 256; v++) table[v] = (uint8_t)((v & ~7) * 15 / 16 + next_random() % 16);
        }
        for (size_t s = 0; s < sizeof line_sizes / sizeof *line_sizes; s++) {
            const size_t n = line_sizes[s];
            uint8_t *a = malloc(n), *b = malloc(n);
            fill_random(a, n);
            for (int v = 0; v < 256; v++) a[v] = (uint8_t)v;
            memcpy(b, a, n);
            sp_lut8(a, n, table, path);
            sp_lut8_naive(b, n, table);
            CHECK(memcmp(a, b, n) == 0, "line or curve lookup %zu of %zu bytes differs from the naive loop", t, n);
            char name[64];
            snprintf(name, sizeof name, "lookup-line-%zu-%zu", t, n);
            report(name, a, n);
            free(a); free(b);
        }
    }
    const size_t sizes[] = {0, 1, 63, 64, 65, 1000, 100003};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        const size_t n = sizes[s];
        uint8_t table[256], *a = malloc(n + 1), *b = malloc(n + 1);
        fill_random(table, 256);
        fill_random(a, n);
        memcpy(b, a, n);
        sp_lut8(a, n, table, path);
        sp_lut8_naive(b, n, table);
        CHECK(memcmp(a, b, n) == 0, "lookup of %zu bytes differs from the naive loop", n);
        char name[64];
        snprintf(name, sizeof name, "lookup-%zu", n);
        report(name, a, n);
        free(a); free(b);
    }
}

/* RGB2Gray: weights that tie at halves often (quarters), mmseg's, thirds, and a sum above 8 (the
   float64 lanes instead of fixed point); 3 and 4 channels, sizes reaching every tail. */
static void grayscale(int path) {
    const double weights[][3] = {{0.299, 0.587, 0.114}, {0.114, 0.587, 0.299}, {0.5, 0.25, 0.25},
                                 {1.0 / 3, 1.0 / 3, 1.0 / 3}, {3, 2.5, 2.4}};
    const size_t sizes[] = {1, 9, 10, 17, 21, 22, 23, 37, 38, 100003};
    for (size_t k = 0; k < sizeof weights / sizeof *weights; k++)
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
            for (int c = 3; c <= 4; c++) {
                const size_t n = sizes[s] * (size_t)c;
                uint8_t *a = malloc(n), *b = malloc(n);
                fill_random(a, n);
                memcpy(b, a, n);
                sp_grayscale(a, sizes[s], c, weights[k], path);
                sp_grayscale_naive(b, sizes[s], c, weights[k]);
                CHECK(memcmp(a, b, n) == 0, "grayscale of %zu pixels, %d channels, weights %zu differs from the naive loop", sizes[s], c, k);
                char name[64];
                snprintf(name, sizeof name, "grayscale-%zu-%zu-%d", k, sizes[s], c);
                report(name, a, n);
                free(a); free(b);
            }
}

/* INTER_LINEAR straight from its definition (int32 sums, one value a step): the reference. */
static void linear_reference(const uint8_t *src, int sw, int sh, int c, const int32_t *xi, const int32_t *xw, int ww,
                             const int32_t *yi, const int32_t *yw, int wh, uint8_t *dst) {
    for (int i = 0; i < wh; i++) {
        const int r0 = yi[i] < 0 ? 0 : yi[i] >= sh ? sh - 1 : yi[i];
        const int r1 = yi[i] + 1 < 0 ? 0 : yi[i] + 1 >= sh ? sh - 1 : yi[i] + 1;
        for (int j = 0; j < ww; j++) {
            const int x0 = xi[j], x1 = x0 + 1 < sw ? x0 + 1 : sw - 1;
            for (int k = 0; k < c; k++) {
                const int32_t a = src[(r0 * sw + x0) * c + k] * xw[2 * j] + src[(r0 * sw + x1) * c + k] * xw[2 * j + 1];
                const int32_t b = src[(r1 * sw + x0) * c + k] * xw[2 * j] + src[(r1 * sw + x1) * c + k] * xw[2 * j + 1];
                const int32_t v = ((((a >> 4) * yw[2 * i]) >> 16) + (((b >> 4) * yw[2 * i + 1]) >> 16) + 2) >> 2;
                dst[(i * ww + j) * c + k] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        }
    }
}

/* INTER_LINEAR against its definition: source columns rising to the right edge (clamped there),
   the same columns mirrored, and random ones; weight pairs summing to 2048, and pairs at the limits
   the kernel accepts (|xw0| + |xw1| = 2056 with negative weights, int16 y weights with |yw0| + |yw1| =
   65528); rows
   running past both ends (clamped); 1, 3 and 4 channels; widths ending inside the AVX2 steps. Then
   weights past the limits, which the kernel declines without writing. */
static void linear_resize(int path) {
    const int shapes[][4] = {{1, 1, 3, 2}, {2, 3, 5, 4}, {3, 4, 7, 3}, {9, 5, 17, 11}, {64, 40, 37, 29}, {300, 120, 513, 77}};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
        for (int c = 1; c <= 4; c += (c == 1 ? 2 : 1))
            for (int order = 0; order < 3; order++)
                for (int limits = 0; limits < 2; limits++) {
                    const int sw = shapes[s][0], sh = shapes[s][1], ww = shapes[s][2], wh = shapes[s][3];
                    const size_t n = (size_t)ww * wh * c;
                    uint8_t *src = malloc((size_t)sw * sh * c), *a = malloc(n), *b = malloc(n);
                    int32_t *xi = malloc(sizeof(int32_t) * ww), *xw = malloc(sizeof(int32_t) * 2 * ww);
                    int32_t *yi = malloc(sizeof(int32_t) * wh), *yw = malloc(sizeof(int32_t) * 2 * wh);
                    fill_random(src, (size_t)sw * sh * c);
                    for (int j = 0; j < ww; j++) {
                        const int col = order == 1 ? ww - 1 - j : j;
                        xi[j] = order == 2 ? random_in(0, sw - 1) : (int32_t)((int64_t)col * sw / ww + (col == ww - 1 ? sw : 0));
                        if (xi[j] > sw - 1) xi[j] = sw - 1;
                        xw[2 * j + 1] = limits ? random_in(-2056, 2056) : random_in(0, 2048);
                        xw[2 * j] = limits ? (2056 - abs(xw[2 * j + 1])) * (random_in(0, 1) ? 1 : -1) : 2048 - xw[2 * j + 1];
                    }
                    for (int i = 0; i < wh; i++) {
                        yi[i] = random_in(-1, sh);
                        const int32_t big = random_in(32761, 32764);   /* int16 weights whose sizes add up to 65528 */
                        yw[2 * i + 1] = limits ? big * (random_in(0, 1) ? 1 : -1) : random_in(0, 2048);
                        yw[2 * i] = limits ? (65528 - big) * (random_in(0, 1) ? 1 : -1) : 2048 - yw[2 * i + 1];
                    }
                    linear_reference(src, sw, sh, c, xi, xw, ww, yi, yw, wh, b);
                    CHECK(sp_resize_linear_u8(src, sw, sh, c, xi, xw, ww, yi, yw, wh, a, path) == 0, "linear resize refused weights within its limits");
                    CHECK(memcmp(a, b, n) == 0, "linear resize %dx%d -> %dx%d, %d channels, order %d, limits %d differs from the definition",
                          sw, sh, ww, wh, c, order, limits);
                    char name[64];
                    snprintf(name, sizeof name, "linear-%zu-%d-%d-%d", s, c, order, limits);
                    report(name, a, n);
                    /* Past the limits: declined, nothing written. */
                    memset(a, 7, n);
                    xw[0] = 2057 - abs(xw[1]) + 1;
                    CHECK(sp_resize_linear_u8(src, sw, sh, c, xi, xw, ww, yi, yw, wh, a, path) == -1, "linear resize took |xw0| + |xw1| > 2056");
                    xw[0] = 0; xw[1] = 2048;
                    yw[0] = 65529 - abs(yw[1]);
                    CHECK(sp_resize_linear_u8(src, sw, sh, c, xi, xw, ww, yi, yw, wh, a, path) == -1, "linear resize took |yw0| + |yw1| > 65528");
                    for (size_t q = 0; q < n; q++) CHECK(a[q] == 7, "a declined linear resize wrote its output");
                    free(src); free(a); free(b); free(xi); free(xw); free(yi); free(yw);
                }
}

static void resample(int path) {
    const int cases[][4] = {{37, 7, 57, 6}, {640, 3, 75, 20}, {5, 9, 9, 4}, {500, 4, 1024, 5}, {64, 31, 33, 8},
                            {480, 5, 804, 5}, {11, 3, 2, 9}, {3, 40, 50, 3}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const int w = cases[c][0], h = cases[c][1], out = cases[c][2], taps = cases[c][3];
        uint8_t *src = malloc((size_t)w * h * 3);
        fill_random(src, (size_t)w * h * 3);
        /* horizontal: every output column, then a window of columns */
        int32_t *bounds = malloc(sizeof(int32_t) * 2 * out), *weights = malloc(sizeof(int32_t) * out * taps);
        coefficients(w, out, taps, bounds, weights);
        uint8_t *fast = malloc((size_t)out * h * 3), *ref = malloc((size_t)out * h * 3);
        const int first = out / 3, cols = out - out / 3 - out / 4;
        for (int window = 0; window < 2; window++) {
            const int f = window ? first : 0, m = window ? cols : out;
            sp_resample_horizontal3(src, w, h, fast, m, f, bounds, weights, taps, path);
            for (int y = 0; y < h; y++)
                for (int j = 0; j < m; j++)
                    for (int ch = 0; ch < 3; ch++) {
                        int32_t acc = 1 << 21;
                        const int x = f + j;
                        for (int t = 0; t < bounds[2 * x + 1]; t++)
                            acc += src[((size_t)y * w + bounds[2 * x] + t) * 3 + ch] * weights[x * taps + t];
                        ref[((size_t)y * m + j) * 3 + ch] = clip22(acc);
                    }
            CHECK(memcmp(fast, ref, (size_t)m * h * 3) == 0, "horizontal pass %dx%d -> %d (window %d) differs from the formula", w, h, out, window);
            char name[64];
            snprintf(name, sizeof name, "horizontal-%d-%d-%d-%d", w, h, out, window);
            report(name, fast, (size_t)m * h * 3);
        }
        free(bounds); free(weights); free(fast); free(ref);
        /* vertical: `out` rows from the h source rows */
        bounds = malloc(sizeof(int32_t) * 2 * out);
        weights = malloc(sizeof(int32_t) * out * taps);
        coefficients(h, out, taps, bounds, weights);
        const int row = w * 3;
        fast = malloc((size_t)out * row);
        ref = malloc((size_t)out * row);
        sp_resample_vertical(src, row, fast, out, bounds, weights, taps, path);
        for (int y = 0; y < out; y++)
            for (int i = 0; i < row; i++) {
                int32_t acc = 1 << 21;
                for (int t = 0; t < bounds[2 * y + 1]; t++) acc += src[(size_t)(bounds[2 * y] + t) * row + i] * weights[y * taps + t];
                ref[(size_t)y * row + i] = clip22(acc);
            }
        CHECK(memcmp(fast, ref, (size_t)out * row) == 0, "vertical pass %dx%d -> %d rows differs from the formula", w, h, out);
        char name[64];
        snprintf(name, sizeof name, "vertical-%d-%d-%d", w, h, out);
        report(name, fast, (size_t)out * row);
        free(bounds); free(weights); free(fast); free(ref); free(src);
    }
}

static void statistics(int path) {
    const size_t sizes[] = {1, 35, 32, 131841, 700000};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        const size_t n = sizes[s];
        uint8_t *rgb = malloc(3 * n), *label = malloc(n);
        for (size_t i = 0; i < 3 * n; i++) rgb[i] = i < n ? 255 : (uint8_t)next_random();
        for (size_t i = 0; i < n; i++) label[i] = (uint8_t)(next_random() % 23);
        int64_t counts[256] = {0}, sums[3] = {0}, squares[3] = {0}, rc[256] = {0}, rs[3] = {0}, rq[3] = {0};
        sp_sample_stats(rgb, label, n, counts, sums, squares, path);
        for (size_t i = 0; i < n; i++) rc[label[i]]++;
        for (size_t i = 0; i < 3 * n; i++) { rs[i % 3] += rgb[i]; rq[i % 3] += (int64_t)rgb[i] * rgb[i]; }
        CHECK(memcmp(counts, rc, sizeof rc) == 0 && memcmp(sums, rs, sizeof rs) == 0 && memcmp(squares, rq, sizeof rq) == 0,
              "statistics of %zu pixels differ from the loops", n);
        /* one pass with the sums of label 21 (runs of it, then random labels), and the histogram */
        for (int layout = 0; layout < 2; layout++) {
            if (layout == 1)
                for (size_t i = 0; i < n; i++) label[i] = (uint8_t)((i / 40) % 3 == 0 ? 21 : (i / 40) % 7);
            int64_t c2[256] = {0}, s2[3] = {0}, q2[3] = {0}, vs[3] = {0}, vq[3] = {0}, rvs[3] = {0}, rvq[3] = {0}, hist[256] = {0};
            memset(rc, 0, sizeof rc);
            for (size_t i = 0; i < n; i++) rc[label[i]]++;
            for (size_t i = 0; i < 3 * n; i++)
                if (label[i / 3] == 21) { rvs[i % 3] += rgb[i]; rvq[i % 3] += (int64_t)rgb[i] * rgb[i]; }
            sp_sample_stats_split(rgb, label, n, 21, c2, s2, q2, vs, vq, path);
            sp_label_histogram(label, n, hist, path);
            CHECK(memcmp(c2, rc, sizeof rc) == 0 && memcmp(s2, rs, sizeof rs) == 0 && memcmp(q2, rq, sizeof rq) == 0
                  && memcmp(vs, rvs, sizeof rvs) == 0 && memcmp(vq, rvq, sizeof rvq) == 0,
                  "one-pass statistics of %zu pixels (layout %d) differ from the loops", n, layout);
            CHECK(memcmp(hist, rc, sizeof rc) == 0, "label histogram of %zu pixels (layout %d) differs from the loop", n, layout);
        }
        free(rgb); free(label);
    }
}

static void hsv(int path) {
    const int sizes[][2] = {{64, 48}, {37, 5}, {512, 3}, {1, 1}, {300, 2}, {33, 4}, {257, 3}};
    uint8_t lh[256], ls[256], lv[256];
    /* hue tables below 180 (as the reference builds them), then any bytes (sectors past 5) */
    for (int table = 0; table < 2; table++) {
        for (int i = 0; i < 256; i++) lh[i] = (uint8_t)((i * 7 + 13) % 180);
        if (table == 1) fill_random(lh, 256);
        fill_random(ls, 256);
        fill_random(lv, 256);
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
            const int w = sizes[s][0], h = sizes[s][1];
            uint8_t *p = malloc((size_t)w * h * 3);
            fill_random(p, (size_t)w * h * 3);
            if (s == 4) memset(p, 128, (size_t)w * 3);   /* a uniform row: the kernel's shortcut */
            sp_hsv_jitter(p, w, h, lh, ls, lv, path);
            char name[64];
            snprintf(name, sizeof name, "hsv-%d-%d-%d", table, w, h);
            report(name, p, (size_t)w * h * 3);
            free(p);
        }
    }
}

static void float_kernels(int path) {
    const int sizes[][3] = {{37, 23, 3}, {64, 48, 1}, {5, 3, 2}, {1, 9, 3}, {19, 11, 4}};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        const int w = sizes[s][0], h = sizes[s][1], c = sizes[s][2];
        const size_t n = (size_t)w * h * c;
        uint8_t *src = malloc(n), *dst = malloc(n);
        fill_random(src, n);
        char name[64];
        /* sepFilter with a normalised Gaussian of radius 3 */
        const int r = 3;
        float k[7], sum = 0;
        for (int i = 0; i <= 2 * r; i++) { k[i] = expf(-(float)((i - r) * (i - r)) / (2 * 1.3f * 1.3f)); sum += k[i]; }
        for (int i = 0; i <= 2 * r; i++) k[i] /= sum;
        float *scratch = malloc(sizeof(float) * sp_sep_filter_scratch(w, h, c, r));
        int32_t *indices = malloc(sizeof(int32_t) * (size_t)(w + 2 * r));
        sp_sep_filter_f32(src, w, h, c, k, r, dst, scratch, indices, path);
        snprintf(name, sizeof name, "sepfilter-%d-%d-%d", w, h, c);
        report(name, dst, n);
        free(scratch); free(indices);
        /* warpAffine: a rotation about the centre with a shift, bilinear and nearest */
        const uint8_t border[4] = {7, 8, 9, 10};
        const double a = 0.37, m[6] = {cos(a), -sin(a), w * 0.2, sin(a), cos(a), -h * 0.1};
        double inv[6];
        sp_invert_affine(m, inv);
        for (int nearest = 0; nearest < 2; nearest++) {
            sp_warp_affine_u8(src, w, h, c, dst, w, h, inv, nearest, border, path);
            snprintf(name, sizeof name, "warp-%d-%d-%d-%d", w, h, c, nearest);
            report(name, dst, n);
        }
        /* the image + label pair (a 1-byte label: the source's first plane bytes) */
        uint8_t *pair = malloc(n), *label_dst = malloc((size_t)w * h);
        sp_warp_affine_pair_u8(src, src, w, h, c, 1, pair, label_dst, w, h, inv, border, border + 3, path);
        snprintf(name, sizeof name, "warp-pair-%d-%d-%d", w, h, c);
        report(name, pair, n);
        report(name, label_dst, (size_t)w * h);
        free(pair); free(label_dst);
        /* remap: the identity plus up to 3 pixels of displacement, every border and interpolation */
        float *mx = malloc(sizeof(float) * (size_t)w * h), *my = malloc(sizeof(float) * (size_t)w * h);
        for (int i = 0; i < w * h; i++) {
            mx[i] = (float)(i % w) + (float)((int)(next_random() % 6001) - 3000) / 1000.0f;
            my[i] = (float)(i / w) + (float)((int)(next_random() % 6001) - 3000) / 1000.0f;
        }
        for (int mode = 0; mode < 4; mode++) {
            sp_remap_u8(src, w, h, c, dst, w, h, mx, my, mode & 1, mode >> 1, border, path);
            snprintf(name, sizeof name, "remap-%d-%d-%d-%d", w, h, c, mode);
            report(name, dst, n);
        }
        /* the float field blur */
        float *field = malloc(sizeof(float) * (size_t)w * h), *blurred = malloc(sizeof(float) * (size_t)w * h);
        float *tmp = malloc(sizeof(float) * sp_gauss_blur_scratch(w, h, r, path));
        for (int i = 0; i < w * h; i++) field[i] = (float)((int)(next_random() % 2001) - 1000) / 250.0f;
        sp_gauss_blur_f32(field, blurred, w, h, k, r, 1.5f, tmp, path);
        snprintf(name, sizeof name, "gaussblur-%d-%d", w, h);
        report(name, blurred, sizeof(float) * (size_t)w * h);
        free(mx); free(my); free(field); free(blurred); free(tmp); free(src); free(dst);
    }
}

/* The keyed normal generator and what uses it (noise, elastic's fields): no reference here (the
   Swift tests check the definition and the distribution), so every path and aarch64 must give the
   same bytes. Starts and lengths around the 16-value blocks, counters crossing 2^32, the extremes
   of the Box–Muller words. */
static void fields(int path) {
    char name[96];
    const uint64_t firsts[] = {0, 5, 16, (1ull << 31) - 21, (1ull << 32) - 7};
    const size_t counts[] = {1, 17, 100, 4099};
    float *z = malloc(sizeof(float) * 4099);
    for (size_t f = 0; f < sizeof firsts / sizeof *firsts; f++)
        for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
            const uint64_t key = next_random() >> 11;
            sp_normals_f32(z, counts[c], firsts[f], key, path);
            snprintf(name, sizeof name, "normals-%llu-%zu", (unsigned long long)firsts[f], counts[c]);
            report(name, z, sizeof(float) * counts[c]);
            sp_uniforms_f32(z, counts[c], firsts[f], key, path);
            snprintf(name, sizeof name, "uniforms-%llu-%zu", (unsigned long long)firsts[f], counts[c]);
            report(name, z, sizeof(float) * counts[c]);
        }
    const uint32_t words[] = {0, 1, 0x3F, 0x40, 0x3FFFFFFFu, 0x40000000u, 0x7FFFFFFFu, 0x80000000u, 0xC0000000u, 0xFFFFFFC0u, 0xFFFFFFFFu};
    enum { nw = sizeof words / sizeof *words, nb = nw * nw + 37 };
    uint32_t h1[nb], h2[nb];
    float zc[nb], zs[nb];
    for (int i = 0; i < nb; i++) {
        h1[i] = i < nw * nw ? words[i % nw] : (uint32_t)next_random();
        h2[i] = i < nw * nw ? words[i / nw] : (uint32_t)next_random();
    }
    sp_box_muller_f32(h1, h2, nb, zc, zs, path);
    report("box-muller-cos", zc, sizeof zc);
    report("box-muller-sin", zs, sizeof zs);
    for (int i = 0; i < nw; i++) CHECK(isfinite(zc[i]) && fabsf(zc[i]) < 6.67f, "box-muller of words %u, %u: %g", h1[i], h2[i], zc[i]);
    const int sizes[][3] = {{37, 23, 3}, {16, 1, 3}, {61, 19, 4}, {5, 3, 1}};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
        for (int per_channel = 0; per_channel < 2; per_channel++) {
            const int w = sizes[s][0], h = sizes[s][1], c = sizes[s][2];
            const size_t n = (size_t)w * h * c;
            uint8_t *p = malloc(n);
            fill_random(p, n);
            sp_gauss_noise_u8(p, (size_t)w * h, c, per_channel, 0.05f, 0.3f, next_random() >> 11, path);
            snprintf(name, sizeof name, "noise-%d-%d-%d-%d", w, h, c, per_channel);
            report(name, p, n);
            free(p);
        }
    /* the field steps after the blur: largest magnitude, division, upsampling, maps */
    const int cw = 23, ch = 11, step = 5, w = (cw - 2) * step + 1, h = (ch - 2) * step + 1;
    float *coarse = malloc(sizeof(float) * cw * ch), *fine = malloc(sizeof(float) * w * h), *scratch = malloc(sizeof(float) * 2 * w);
    float *mx = malloc(sizeof(float) * w * h), *my = malloc(sizeof(float) * w * h);
    sp_normals_f32(coarse, (size_t)cw * ch, 0, 7, path);
    const float m = sp_max_abs_f32(coarse, (size_t)cw * ch, path);
    sp_divide_f32(coarse, (size_t)cw * ch, m, path);
    sp_upsample_f32(coarse, cw, ch, step, fine, w, h, scratch, path);
    report("upsample", fine, sizeof(float) * w * h);
    for (int i = 0; i < w * h; i++) fine[i] *= 37.0f;
    memcpy(mx, fine, sizeof(float) * w * (h - 1));
    memcpy(my, fine + w, sizeof(float) * w * (h - 1));           /* dy: the field one row down */
    sp_elastic_maps(mx, my, w, h - 1, path);
    report("elastic-maps-x", mx, sizeof(float) * w * (h - 1));
    report("elastic-maps-y", my, sizeof(float) * w * (h - 1));
    CHECK(m > 0 && sp_max_abs_f32(coarse, (size_t)cw * ch, path) == 1.0f, "the field divided by its largest magnitude does not reach 1");
    free(z); free(coarse); free(fine); free(scratch); free(mx); free(my);
}

static void colour_map(void) {
    enum { bits = 4, colours = 5 };
    uint32_t keys[1 << bits];
    uint16_t values[1 << bits];
    uint8_t palette[colours][3];
    for (int i = 0; i < (1 << bits); i++) keys[i] = 0xFFFFFFFFu;
    for (int c = 0; c < colours; c++) {
        fill_random(palette[c], 3);
        const uint32_t key = (uint32_t)palette[c][0] << 16 | (uint32_t)palette[c][1] << 8 | palette[c][2];
        size_t slot = (size_t)((key * 0x9E3779B1u) >> (32 - bits));
        while (keys[slot] != 0xFFFFFFFFu && keys[slot] != key) slot = (slot + 1) & ((1u << bits) - 1);
        keys[slot] = key;
        values[slot] = (uint16_t)(300 + c);
    }
    const size_t n = 5000;
    uint8_t *rgb = malloc(3 * n);
    uint16_t *out = malloc(2 * n), *expected = malloc(2 * n);
    int colour = 0;
    for (size_t i = 0; i < n; i++) {
        if (next_random() % 40 == 0) colour = (int)(next_random() % colours);   /* runs, as label maps have */
        memcpy(rgb + 3 * i, palette[colour], 3);
        expected[i] = (uint16_t)(300 + colour);
    }
    long done = sp_colour_map(rgb, n, keys, values, bits, out, 2);
    CHECK(done == (long)n && memcmp(out, expected, 2 * n) == 0, "colour map: %ld of %zu pixels, values differ", done, n);
    rgb[3 * 4321] ^= 0x55;   /* a colour the table lacks */
    done = sp_colour_map(rgb, n, keys, values, bits, out, 2);
    CHECK(done == 4321, "colour map stopped at %ld, not at the unknown colour 4321", done);
    free(rgb); free(out); free(expected);
}

static void loader(int path) {
    const size_t n = 4099;
    uint8_t *src = malloc(3 * n);
    fill_random(src, 3 * n);
    float table[768];
    for (int i = 0; i < 768; i++) table[i] = (float)(i % 256) / 255.0f - 0.5f * (float)(i / 256);
    float *planes = aligned_alloc(64, sizeof(float) * 3 * (n + 16));
    if (sp_rgb_to_planes(src, n, table, planes, planes + n, planes + 2 * n, path) == 0) {
        int ok = 1;
        for (size_t i = 0; i < n; i++)
            for (int c = 0; c < 3; c++) ok &= planes[c * n + i] == table[256 * c + src[3 * i + c]];
        CHECK(ok, "planes differ from the table lookups");
    } else {
        CHECK(sp_simd_usable(path) < SP_SIMD_AVX512, "the planes kernel refused the AVX-512 path");
    }
    int32_t *labels = aligned_alloc(64, sizeof(int32_t) * (n + 16));
    if (sp_labels_to_i32(src, n, 11, labels, path) == 0) {
        int ok = 1;
        for (size_t i = 0; i < n; i++) ok &= labels[i] == (src[i] < 11 ? src[i] : 11);
        CHECK(ok, "labels differ from the clamped bytes");
    }
    const int channels = 7;
    uint8_t *classes = malloc(n);
    for (size_t i = 0; i < n; i++) classes[i] = (uint8_t)(next_random() % channels);
    float *hot = aligned_alloc(64, sizeof(float) * n * channels + 64);
    if (sp_one_hot_u8(classes, n, channels, hot, path) == 0) {
        int ok = 1;
        for (size_t i = 0; i < n; i++)
            for (int c = 0; c < channels; c++) ok &= hot[i * channels + c] == (classes[i] == c ? 1.0f : 0.0f);
        CHECK(ok, "one-hot rows differ from the labels");
    } else {
        CHECK(sp_simd_usable(path) < SP_SIMD_AVX2, "the one-hot kernel refused the AVX2 path");
    }
    free(src); free(planes); free(labels); free(classes); free(hot);
}

static void convolution(int path) {
    const int cin = 5, h = 8, w = 37, cout = 13;
    for (int pad = 0; pad <= 2; pad++) {
        const int ho = h + 2 * pad - 2, wo = w + 2 * pad - 2;
        float *x = malloc(sizeof(float) * cin * h * w), *wt = malloc(sizeof(float) * cout * cin * 9), *bias = malloc(sizeof(float) * cout);
        for (int i = 0; i < cin * h * w; i++) x[i] = (float)((int)(next_random() % 2001) - 1000) / 1000.0f;
        for (int i = 0; i < cout * cin * 9; i++) wt[i] = (float)((int)(next_random() % 2001) - 1000) / 1000.0f;
        for (int i = 0; i < cout; i++) bias[i] = (float)i / 7.0f;
        float *packed = malloc(sizeof(float) * sp_conv3x3_packed_floats(cout, cin));
        sp_conv3x3_pack(wt, cout, cin, packed);
        float *scratch = malloc(sizeof(float) * sp_conv3x3_scratch_floats(cin, ho, w, pad));
        float *out = malloc(sizeof(float) * cout * ho * wo), *g = malloc(sizeof(float) * cout * ho * wo);
        float *dw = calloc((size_t)cout * cin * 9, sizeof(float));
        sp_conv3x3_forward_rows(x, cin, h, w, pad, packed, cout, bias, out, 0, ho, scratch, path);
        for (int i = 0; i < cout * ho * wo; i++) g[i] = (float)((int)(next_random() % 2001) - 1000) / 1000.0f;
        sp_conv3x3_weight_grad_rows(x, cin, h, w, pad, g, cout, dw, 0, ho, scratch, path);
        double worst = 0;
        for (int o = 0; o < cout; o++)
            for (int y = 0; y < ho; y++)
                for (int xx = 0; xx < wo; xx++) {
                    double s = bias[o];
                    for (int c = 0; c < cin; c++)
                        for (int ki = 0; ki < 3; ki++)
                            for (int kj = 0; kj < 3; kj++) {
                                const int iy = y + ki - pad, ix = xx + kj - pad;
                                if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                    s += (double)wt[((o * cin + c) * 3 + ki) * 3 + kj] * x[(c * h + iy) * w + ix];
                            }
                    const double e = fabs(s - out[(o * ho + y) * wo + xx]);
                    worst = e > worst ? e : worst;
                }
        CHECK(worst < 1e-4, "3x3 forward (padding %d) is %g from the double sum", pad, worst);
        worst = 0;
        for (int o = 0; o < cout; o++)
            for (int c = 0; c < cin; c++)
                for (int ki = 0; ki < 3; ki++)
                    for (int kj = 0; kj < 3; kj++) {
                        double s = 0;
                        for (int y = 0; y < ho; y++)
                            for (int xx = 0; xx < wo; xx++) {
                                const int iy = y + ki - pad, ix = xx + kj - pad;
                                if (iy >= 0 && iy < h && ix >= 0 && ix < w) s += (double)g[(o * ho + y) * wo + xx] * x[(c * h + iy) * w + ix];
                            }
                        const double e = fabs(s - dw[((o * cin + c) * 3 + ki) * 3 + kj]);
                        worst = e > worst ? e : worst;
                    }
        CHECK(worst < 1e-3, "3x3 weight gradient (padding %d) is %g from the double sum", pad, worst);
        free(x); free(wt); free(bias); free(packed); free(scratch); free(out); free(g); free(dw);
    }
}

/* CLAHE: tables and interpolation on sizes with padded tiles and every tail, 1 to 4 channels; the
   sepFilter on every radius the AVX2 path specialises and one past it, rows cut into strips, images
   tall enough for the row-pass buffer to move its rows back, and weights whose sums pass 2^31. */
static void filters(int path) {
    const int sizes[][5] = {{37, 23, 3, 8, 8}, {64, 48, 1, 8, 8}, {65, 49, 4, 8, 3}, {17, 9, 2, 4, 4}, {3, 2, 3, 8, 8}, {700, 5, 3, 3, 2},
                            {130, 83, 3, 8, 8}};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        const int w = sizes[s][0], h = sizes[s][1], c = sizes[s][2], tx = sizes[s][3], ty = sizes[s][4];
        const size_t n = (size_t)w * h * c;
        uint8_t *src = malloc(n), *dst = malloc(n), *luts = malloc((size_t)c * tx * ty * 256);
        fill_random(src, n);
        for (size_t i = 0; i < n; i++) if (i % 5) src[i] = (uint8_t)((i / c) % w + i / ((size_t)c * w) * 3 + src[i] % 8);
        void *scratch = malloc(sp_clahe_scratch(w, h, c, tx, ty));
        char name[64];
        for (int clip = 0; clip < 3; clip++) {
            CHECK(sp_clahe_tables(src, w, h, c, tx, ty, clip * 20.0, luts, scratch) == 0, "clahe tables of %dx%dx%d refused", w, h, c);
            memcpy(dst, src, n);
            CHECK(sp_clahe_interpolate(dst, w, h, c, tx, ty, luts, scratch, path) == 0, "clahe of %dx%dx%d refused", w, h, c);
            snprintf(name, sizeof name, "clahe-%d-%d-%d-%d", w, h, c, clip);
            report(name, dst, n);
        }
        free(scratch);
        for (int r = 1; r <= 11; r++) {
            float k[23], sum = 0;
            for (int i = 0; i <= 2 * r; i++) { k[i] = expf(-(float)((i - r) * (i - r)) / (2.0f * (r / 3.0f) * (r / 3.0f))); sum += k[i]; }
            for (int i = 0; i <= 2 * r; i++) k[i] /= sum;
            float *ring = malloc(sizeof(float) * sp_sep_filter_scratch(w, h, c, r));
            int32_t *indices = malloc(sizeof(int32_t) * (size_t)(w + 2 * r));
            sp_sep_filter_f32(src, w, h, c, k, r, dst, ring, indices, path);
            snprintf(name, sizeof name, "sepfilter-%d-%d-%d-r%d", w, h, c, r);
            report(name, dst, n);
            /* a sharpening kernel scaled past the bound of the copies that skip the clamp: sums
               beyond 2^31, saturated to 255 */
            for (int i = 0; i <= 2 * r; i++) k[i] = (i == r ? 2.0f : -1.0f / (float)(2 * r)) * 65536.0f;
            sp_sep_filter_f32(src, w, h, c, k, r, dst, ring, indices, path);
            snprintf(name, sizeof name, "sepfilter-huge-%d-%d-%d-r%d", w, h, c, r);
            report(name, dst, n);
            free(ring); free(indices);
        }
        free(src); free(dst); free(luts);
    }
}

int main(int argc, char **argv) {
    static const char *names[] = {"portable", "avx2", "avx512"};
    if (argc == 2 && strcmp(argv[1], "--cpu") == 0) { puts(names[sp_simd_cpu_path()]); return 0; }
    int path = -1;
    for (int i = 0; argc == 2 && i < 3; i++) if (strcmp(argv[1], names[i]) == 0) path = i;
    if (path < 0) { fprintf(stderr, "usage: kernel-oracle portable|avx2|avx512|--cpu\n"); return 2; }
    if (sp_simd_usable(path) != path) { fprintf(stderr, "this CPU runs up to %s, not %s\n", names[sp_simd_cpu_path()], names[path]); return 2; }
    rng_state = 42;
    lookup(path);
    grayscale(path);
    resample(path);
    linear_resize(path);
    statistics(path);
    hsv(path);
    float_kernels(path);
    filters(path);
    fields(path);
    colour_map();
    loader(path);
    convolution(path);
    if (failures) fprintf(stderr, "%d kernel check(s) failed on the %s path\n", failures, names[path]);
    return failures ? 1 : 0;
}
