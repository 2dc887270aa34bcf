#ifndef SEGPREP_VIPS_SHIM_H
#define SEGPREP_VIPS_SHIM_H
#include <stddef.h>
#include <stdint.h>

/* Fixed-argument wrappers over libvips' variadic API and libpng's palette-preserving reader.
   Functions return 0 on success and -1 on failure; the vips error buffer (or `err`) says why. */

/* Process-wide settings (heap thresholds); call once before the first sample. libvips itself
   starts on first use (operation cache off). */
int sp_runtime_init(void);
/* Starts libvips now (once per process); -1 with the vips error buffer set when it cannot. */
int sp_vips_start(void);
/* Releases per-thread vips state; call when a worker thread ends. */
void sp_vips_thread_shutdown(void);
/* Copies and clears the vips error buffer; free the result with sp_free. */
char *sp_vips_error(void);
void sp_free(void *p);

/* Decodes an encoded image (JPEG, PNG, WebP, TIFF…) held in memory to packed 8-bit RGB.
   Grey is replicated to R=G=B and alpha dropped, as PIL's convert('RGB').
   shrink: 1 (full decode) or 2, 4, 8 for JPEG shrink-on-load (ignored for other formats).
   fail_on_truncated: non-zero makes a truncated or damaged file an error.
   On success *out holds w*h*3 bytes to free with sp_free. */
int sp_decode_rgb(const void *buf, size_t len, int shrink, int fail_on_truncated,
                  int *width, int *height, int *source_bands, uint8_t **out);

/* In-thread JPEG decoding with libjpeg (no vips thread pool). sp_jpeg_open reads the header and
   fixes the output size for `shrink` (1, 2, 4 or 8; the size rounded down, as vips' jpegload). It returns the decoder with *status 0; NULL
   with *status 1 when the layout needs vips (not grey, RGB/YCbCr, CMYK or YCCK), or with *status -1 and a reason in
   err when the data is not a readable JPEG. */
typedef struct sp_jpeg sp_jpeg;
sp_jpeg *sp_jpeg_open(const void *buf, size_t len, int shrink, int *width, int *height, int *bands,
                      int *status, char *err, size_t err_len);
/* Decodes to packed RGB, width*height*3 bytes at dst (grey replicated to R=G=B). With
   fail_on_truncated, a file that ends early is an error. Returns 0, or -1 with a reason in err. */
int sp_jpeg_read_rgb(sp_jpeg *j, uint8_t *dst, int fail_on_truncated, char *err, size_t err_len);
/* Frees a decoder from sp_jpeg_open (NULL is fine). */
void sp_jpeg_close(sp_jpeg *j);

/* Reads only the header of an encoded image: its width and height, and whether it is a JPEG. */
int sp_image_size(const void *buf, size_t len, int *width, int *height, int *is_jpeg);

/* Reads a PNG label map from memory keeping its indices: palette PNGs give palette indices,
   grey PNGs their grey values (1/2/4-bit unpacked to one byte per pixel, no scaling).
   Returns -1 with a reason in err (at least 256 bytes) for colour or 16-bit PNGs or bad data.
   *colour_type receives the PNG colour type. On success *out holds w*h bytes (free with sp_free). */
int sp_read_png_label(const void *buf, size_t len, int *width, int *height, int *colour_type,
                      uint8_t **out, char *err, size_t err_len, int fast);
/* The fast path sp_read_png_label tries first when `fast` is set: non-interlaced 8-bit palette or
   grey PNGs, CRCs and Adler-32 checked, inflated by libdeflate. Returns 0 with the same results, or
   1 (nothing allocated) for any other layout or any damage, which libpng then reads and reports. */
int sp_png_label_fast(const uint8_t *buf, size_t len, int *width, int *height, int *colour_type,
                      uint8_t **out);

/* Encodes width*height palette indices as an 8-bit palette PNG (libpng, default compression) with
   `colours` RGB entries of `rgb` (1..256; at least the largest index + 1). On success *out holds
   *out_len bytes to free with sp_free; -1 with a reason in err otherwise. */
int sp_png_encode_palette(const uint8_t *indices, int width, int height, const uint8_t *rgb, int colours,
                          uint8_t **out, size_t *out_len, char *err, size_t err_len);

/* Encodes packed 8-bit pixels (bands 1, 3 or 4) as PNG to a file. */
int sp_save_png(const uint8_t *pixels, int width, int height, int bands, const char *path);

/* Renders `text` (Pango markup allowed) in white on black at `dpi`, `width` pixels wide at most.
   On success *out holds w*h grey bytes (free with sp_free). */
int sp_render_text(const char *text, int width, int dpi, int *out_w, int *out_h, uint8_t **out);

/* Rasterises an SVG document held in memory to packed RGBA. */
int sp_render_svg(const char *svg, size_t len, int *out_w, int *out_h, uint8_t **out);

#endif

/* OpenCV 4.6-exact 8-bit HSV jitter of packed RGB in place: RGB2HSV (integer), the three
   256-entry LUTs (hue, sat, val), HSV2RGB in float32 with fused multiply-adds, truncating in
   32-pixel blocks and rounding the last width % 32 pixels of each row (OpenCV's scalar tail). */
void sp_hsv_jitter(uint8_t *rgb, int width, int height, const uint8_t *lut_h, const uint8_t *lut_s,
                   const uint8_t *lut_v);
/* p[i] = table[p[i]] for i < n (table: 256 entries). `isa` caps the instruction set: 0 portable C,
   1 AVX-512 (F, BW, VBMI) where the CPU has it (for tests). */
void sp_lut8_isa(uint8_t *p, size_t n, const uint8_t *table, int isa);

/* sp_hsv_jitter with the instruction set capped at `isa`: 0 portable C, 1 AVX2+FMA, 2 AVX-512
   (F, BW, VBMI) for the LUT half; a level the CPU lacks falls back to the one below (for tests). */
void sp_hsv_jitter_isa(uint8_t *rgb, int width, int height, const uint8_t *lut_h, const uint8_t *lut_s,
                       const uint8_t *lut_v, int isa);

/* One vertical pass of Pillow's 8-bit fixed-point resample: out[y][i] = clip((2^21 + sum_k
   in[bounds[2y]+k][i] * weights[y*taps+k]) >> 22) for rows y < out_rows, i < row_len. */
void sp_resample_vertical(const uint8_t *in, int row_len, uint8_t *out, int out_rows,
                          const int32_t *bounds, const int32_t *weights, int taps);

/* Per-sample statistics: counts[v] += number of label pixels equal to v (256 entries), and per
   channel of the packed RGB image the sum and the sum of squares of its values. */
void sp_sample_stats(const uint8_t *rgb, const uint8_t *label, size_t pixels, int64_t *counts,
                     int64_t *sums, int64_t *squares);

/* One horizontal pass of Pillow's 8-bit fixed-point resample over packed 3-channel rows:
   out[y][j] = clip((2^21 + sum_k in[y][bounds[2x]+k] * weights[x*taps+k]) >> 22) per channel, for
   output columns x = first + j, j < out_width, rows y < rows. */
void sp_resample_horizontal3(const uint8_t *in, int in_width, int rows, uint8_t *out, int out_width,
                             int first, const int32_t *bounds, const int32_t *weights, int taps);
/* sp_resample_horizontal3 with the instruction set capped at `isa`: 0 portable C, 1 SSE4.1,
   2 AVX2; a level the CPU lacks falls back to the one below (for tests). */
void sp_resample_horizontal3_isa(const uint8_t *in, int in_width, int rows, uint8_t *out, int out_width,
                                 int first, const int32_t *bounds, const int32_t *weights, int taps, int isa);
