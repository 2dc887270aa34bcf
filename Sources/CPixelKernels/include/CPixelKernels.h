#ifndef SEGPREP_PIXEL_KERNELS_H
#define SEGPREP_PIXEL_KERNELS_H
#include <stddef.h>
#include <stdint.h>

/* Pixel kernels for the pipeline, one operation per file, each with a portable C version (the
   oracle the tests compare against) and SIMD versions. Every kernel with SIMD versions takes the
   path to run, `path` (SP_SIMD_PORTABLE, SP_SIMD_AVX2 or SP_SIMD_AVX512 of CSimdDispatch.h), capped
   at what the CPU runs; every path gives the same bytes (tests run each). */

/* OpenCV 4.6-exact 8-bit HSV jitter of packed RGB in place: RGB2HSV (integer), the three
   256-entry LUTs (hue, sat, val), HSV2RGB in float32 with fused multiply-adds, truncating in
   32-pixel blocks and rounding the last width % 32 pixels of each row (OpenCV's scalar tail).
   Portable C; AVX2+FMA on the AVX2 and AVX-512 paths. */
void sp_hsv_jitter(uint8_t *rgb, int width, int height, const uint8_t *lut_h, const uint8_t *lut_s,
                   const uint8_t *lut_v, int path);
/* p[i] = table[p[i]] for i < n (table: 256 entries): a compare and select for tables that keep the
   values below some c and send the rest to one value (label remapping; 32 bytes a step on the AVX2
   and AVX-512 paths), else an unrolled portable loop, AVX-512 VBMI or AVX2 (16-entry vpshufb sub-tables) on those paths. sp_lut8_naive is the one-byte-a-step loop the tests compare with. */
void sp_lut8(uint8_t *p, size_t n, const uint8_t *table, int path);
void sp_lut8_naive(uint8_t *p, size_t n, const uint8_t *table);
/* mmseg's RGB2Gray in place on `pixels` pixels of `channels` (at least 3) bytes: every channel becomes
   (b·w_b + g·w_g) + r·w_r in float64 (weights = {w_r, w_g, w_b}), rounded to nearest even, clipped
   to 255; eight RGB pixels a step in float64 lanes on the AVX2 and AVX-512 paths, one a step
   otherwise. sp_grayscale_naive is the one-pixel-a-step loop the tests compare with. */
void sp_grayscale(uint8_t *p, size_t pixels, int channels, const double *weights, int path);
void sp_grayscale_naive(uint8_t *p, size_t pixels, int channels, const double *weights);

/* One vertical pass of Pillow's 8-bit fixed-point resample: out[y][i] = clip((2^21 + sum_k
   in[bounds[2y]+k][i] * weights[y*taps+k]) >> 22) for rows y < out_rows, i < row_len. */
void sp_resample_vertical(const uint8_t *in, int row_len, uint8_t *out, int out_rows,
                          const int32_t *bounds, const int32_t *weights, int taps, int path);

/* OpenCV's 8-bit cv2.resize INTER_LINEAR on the output window of ww x wh pixels of c channels:
   output column j reads source columns xi[j] and min(xi[j] + 1, sw - 1) with weights xw[2j],
   xw[2j + 1]; output row i reads the horizontal sums of rows clamp(yi[i]) and clamp(yi[i] + 1)
   with weights yw[2i], yw[2i + 1]: out = (((h0 >> 4) * yw0 >> 16) + ((h1 >> 4) * yw1 >> 16) + 2) >> 2,
   clipped to 0..255. Two horizontal sums are kept and reused while rows repeat. Returns 0, or -1
   without writing when weights are too large for the 16-bit intermediate values (|xw0| + |xw1| >
   2056, a yw outside int16, or |yw0| + |yw1| > 65528), a row of sw * c or ww * c bytes passes 2^31 - 1, or memory runs
   out; the caller then computes it itself. AVX2 on that path (three channels two pixels a step in
   the horizontal pass, 32 values a step in the vertical). */
int sp_resize_linear_u8(const uint8_t *src, int sw, int sh, int c, const int32_t *xi, const int32_t *xw, int ww,
                        const int32_t *yi, const int32_t *yw, int wh, uint8_t *dst, int path);

/* Per-sample statistics: counts[v] += number of label pixels equal to v (256 entries), and per
   channel of the packed RGB image the sum and the sum of squares of its values. */
void sp_sample_stats(const uint8_t *rgb, const uint8_t *label, size_t pixels, int64_t *counts,
                     int64_t *sums, int64_t *squares, int path);
/* Adds to sums[3] and squares[3] the channel values and squared values of the pixels whose 8-bit
   label is `value` (the ignored pixels, which labelled-pixel statistics leave out). */
void sp_value_sums(const uint8_t *rgb, const uint8_t *label, size_t pixels, uint8_t value,
                   int64_t *sums, int64_t *squares);
/* The two above in one pass: sp_sample_stats into counts, sums and squares, and sp_value_sums of
   `value` into vsums and vsquares (the run's per-sample statistics). */
void sp_sample_stats_split(const uint8_t *rgb, const uint8_t *label, size_t pixels, uint8_t value, int64_t *counts,
                           int64_t *sums, int64_t *squares, int64_t *vsums, int64_t *vsquares, int path);
/* counts[v] += number of the 8-bit labels equal to v (256 entries). */
void sp_label_histogram(const uint8_t *label, size_t pixels, int64_t *counts, int path);

/* One horizontal pass of Pillow's 8-bit fixed-point resample over packed 3-channel rows:
   out[y][j] = clip((2^21 + sum_k in[y][bounds[2x]+k] * weights[x*taps+k]) >> 22) per channel, for
   output columns x = first + j, j < out_width, rows y < rows. Portable C; AVX2 (two rows at once,
   SSE4.1 for an odd last row) on the AVX2 and AVX-512 paths. */
void sp_resample_horizontal3(const uint8_t *in, int in_width, int rows, uint8_t *out, int out_width,
                             int first, const int32_t *bounds, const int32_t *weights, int taps, int path);

/* Maps n packed RGB pixels to values (out_bytes 1 or 2 each; 16-bit values little-endian as the
   host stores them) through the open-addressing table keys/values of 2^bits slots (empty slots
   0xFFFFFFFF; slot of key k: (k * 0x9E3779B1) >> (32 - bits), then linear probing). Returns n, or
   the index of the first pixel whose colour the table does not hold. */
long sp_colour_map(const uint8_t *rgb, size_t n, const uint32_t *keys, const uint16_t *values, unsigned bits,
                   void *out, int out_bytes);

/* OpenCV's sepFilter2D(src, -1, k, k) on uint8 with a symmetric float32 kernel of 2 * radius + 1
   taps (radius <= 1024), float path (BORDER_REFLECT_101): a row pass of fmas left to right from 0,
   a column pass adding symmetric rows first, rounded to nearest even and saturated. src and dst are
   packed rows of width * channels bytes and must not overlap.
   `scratch` holds sp_sep_filter_scratch(width, height, channels, radius) floats, `indices`
   width + 2 radius ints. Portable C (fmaf); AVX2+FMA on the AVX2 and AVX-512 paths (specialised
   for radius 1..10, two output rows a step). */
void sp_sep_filter_f32(const uint8_t *src, int width, int height, int channels, const float *kernel,
                       int radius, uint8_t *dst, float *scratch, int32_t *indices, int path);

/* The floats of scratch sp_sep_filter_f32 needs (0 for sizes it refuses). */
size_t sp_sep_filter_scratch(int width, int height, int channels, int radius);

/* OpenCV's CLAHE (cv2.createCLAHE(clip_limit, (tiles_x, tiles_y)).apply) on each of the `channels`
   (1..4) interleaved channels of a packed raster, in two steps. sp_clahe_tables writes the tile
   tables of every channel in turn (channel, tile row, tile column, 256 entries) from `src`: tiles
   padded by reflection when they do not divide the image, histograms clipped at
   max(int(clip_limit * area / 256), 1) (clip_limit 0: no clipping), the excess spread as OpenCV
   does, cumulative sums scaled by 255 / area and rounded. sp_clahe_interpolate blends the four
   nearest tiles' tables for every element of `pixels` in place, in OpenCV's float32 order (portable
   C; 8 elements a step with one gather of the four table bytes on the AVX2 and AVX-512 paths).
   `scratch` holds sp_clahe_scratch(...) bytes (0: sizes refused); both return 0, or -1 for sizes
   they refuse (no tiles, more than 256 a side, channels outside 1..4, tiles of 2^30 pixels). */
size_t sp_clahe_scratch(int width, int height, int channels, int tiles_x, int tiles_y);
int sp_clahe_tables(const uint8_t *src, int width, int height, int channels, int tiles_x, int tiles_y,
                    double clip_limit, uint8_t *luts, void *scratch);
int sp_clahe_interpolate(uint8_t *pixels, int width, int height, int channels, int tiles_x, int tiles_y,
                         const uint8_t *luts, void *scratch, int path);

/* The inverse of the 2x3 affine matrix m (row-major) as cv2.warpAffine computes it in double. */
void sp_invert_affine(const double m[6], double inv[6]);

/* cv2.warpAffine(src, M, (dw, dh), INTER_LINEAR or INTER_NEAREST, BORDER_CONSTANT, border) on
   uint8 rasters of `channels` interleaved bytes, as pip OpenCV's IPP path computes it (the golden
   README's IPP-on model): `inv` is sp_invert_affine(M), destination pixel (x, y) reads source
   (inv0 x + (inv1 y + inv2), inv3 x + (inv4 y + inv5)) in double; bilinear rounds that to
   float32, weights the column pass first with fmas, rounds to nearest even; nearest takes
   floor(s + 0.5). `border` holds one byte per channel. Portable C (fmaf), the oracle; on the AVX2
   and AVX-512 paths eight pixels a step with AVX2 + FMA for 1 to 4 channels (gathered taps, the
   same operations in the same order, the pixels near the source's edge by the oracle's code: the
   same bytes), the oracle for wider pixels. */
void sp_warp_affine_u8(const uint8_t *src, int sw, int sh, int channels, uint8_t *dst, int dw, int dh,
                       const double inv[6], int nearest, const uint8_t *border, int path);

/* sp_warp_affine_u8 of an image (bilinear, `channels` bytes a pixel, `border`) and of its label
   (nearest, `label_bytes` 1 or 2, `label_border`), both sw x sh, onto dw x dh by the same
   matrix, in one pass that computes each pixel's source coordinates once; the same bytes as the
   two calls. */
void sp_warp_affine_pair_u8(const uint8_t *src, const uint8_t *label, int sw, int sh, int channels, int label_bytes,
                            uint8_t *dst, uint8_t *label_dst, int dw, int dh, const double inv[6], const uint8_t *border,
                            const uint8_t *label_border, int path);

/* cv2.remap(src, (map_x, map_y) as CV_32FC2, None, INTER_LINEAR or INTER_NEAREST, border) on
   uint8: maps are dw x dh floats; bilinear ix = floor(mx), fx = mx - ix, row pass first with fmas;
   nearest rounds ties to even. `reflect`: BORDER_REFLECT_101, else BORDER_CONSTANT with `border`
   (one byte per channel). Paths as sp_warp_affine_u8 (pixels whose taps are not all inside the
   source by the oracle's code when reflecting). */
void sp_remap_u8(const uint8_t *src, int sw, int sh, int channels, uint8_t *dst, int dw, int dh,
                 const float *map_x, const float *map_y, int nearest, int reflect, const uint8_t *border, int path);

/* A separable float blur of a w x h field with the 2r + 1 taps k and replicated borders: row pass
   then column pass, each a sum from 0 in tap order of float32 products (no fma), the result times
   `scale` (elastic's displacement fields). `scratch` holds sp_gauss_blur_scratch(w, h, r, path)
   floats (8-byte aligned: a few kilobytes on the AVX2 path, w * h on the portable one); src and dst
   must not overlap. Portable C; AVX2 (8 outputs a vector, the same
   sums) on the AVX2 and AVX-512 paths. */
void sp_gauss_blur_f32(const float *src, float *dst, int w, int h, const float *k, int r, float scale, float *scratch, int path);
size_t sp_gauss_blur_scratch(int w, int h, int r, int path);

/* The counter-based generator of Normals.h: out[j] = normal (key, first + j), a standard normal
   (Box–Muller of two rounds of a keyed 32-bit hash, with float32 log, sqrt, sin and cos written
   as IEEE operations and fmas), for j < count. sp_uniforms_f32 likewise with uniforms in [-1, 1).
   Portable C (the oracle); AVX2+FMA (16 normals, 8 uniforms a step, the same bits) on the AVX2 and
   AVX-512 paths. */
void sp_normals_f32(float *out, size_t count, uint64_t first, uint64_t key, int path);
void sp_uniforms_f32(float *out, size_t count, uint64_t first, uint64_t key, int path);
/* The generator's Box–Muller step on given hash words h1[i], h2[i]: the cosine half into zc[i],
   the sine half into zs[i] (tests reach the extremes of the words through it). */
void sp_box_muller_f32(const uint32_t *h1, const uint32_t *h2, size_t n, float *zc, float *zs, int path);

/* albumentations' GaussNoise on `pixels` pixels of `channels` interleaved bytes, in place: element
   i (byte i when per_channel, else pixel i for all its channels) takes z = normal (key, i) of
   sp_normals_f32, v = float32(fma(sigma, z, mean)) * 255 in float32, and becomes
   clip(in + trunc(v), 0, 255). Paths as sp_normals_f32. */
void sp_gauss_noise_u8(uint8_t *p, size_t pixels, int channels, int per_channel, float mean, float sigma, uint64_t key, int path);

/* Elastic's field steps (every path gives the same bits): the largest |p[i]| (finite values);
   p[i] = p[i] / d; the bilinear upsampling of a cw x ch coarse field c (grid points every `step`
   pixels) to w x h: per row c[ix] + (c[ix + 1] - c[ix]) * tx, then top + (bottom - top) * ty with
   ix = x / step, tx = float(x % step) * (1 / step) (likewise y), which needs (w - 1) / step + 1 < cw
   and (h - 1) / step + 1 < ch (else nothing is written; `scratch` holds 2 w floats); and the remap
   maps in place of the fields: dx becomes map_x = float32(double(x) + dx), dy map_y =
   float32(double(y) + dy), as numpy builds them (dx and dy distinct arrays of w * h). */
float sp_max_abs_f32(const float *p, size_t n, int path);
void sp_divide_f32(float *p, size_t n, float d, int path);
void sp_upsample_f32(const float *c, int cw, int ch, int step, float *out, int w, int h, float *scratch, int path);
void sp_elastic_maps(float *dx, float *dy, int w, int h, int path);

#endif
