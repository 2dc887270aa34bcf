#ifndef SEGPREP_VIPS_SHIM_H
#define SEGPREP_VIPS_SHIM_H
#include <stddef.h>
#include <stdint.h>

/* Fixed-argument wrappers over libvips' variadic API.
   Functions return 0 on success and -1 on failure; the vips error buffer (or `err`) says why. */

/* Process-wide settings (heap thresholds); call once before the first sample. libvips itself
   starts on first use (operation cache off). */
int sp_runtime_init(void);
/* Starts libvips now (once per process); -1 with the vips error buffer set when it cannot. */
int sp_vips_start(void);
/* 1 when libvips was started by another process, of which this one is a fork (libvips cannot
   run here), else 0. */
int sp_vips_forked(void);
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

/* Opens an image file lazily for window reads (nothing is decoded yet): random access (tiled
   TIFF reads only the tiles a window needs; JPEG and PNG (opened this way) decode once, to a temporary file when
   larger than libvips' disc threshold, so memory stays bounded). Gives its size, bands and bits
   per sample (8 or 16); *handle is released with sp_window_close. */
int sp_window_open(const char *path, void **handle, int *width, int *height, int *bands, int *bits);
/* As sp_window_open with sequential access: windows must then be read top to bottom (JPEG and
   PNG decode as they are read, nothing kept behind). */
int sp_window_open_sequential(const char *path, void **handle, int *width, int *height, int *bands, int *bits);
/* Copies the window (x, y, w, h), inside the image, as 8-bit samples of every band into out
   (w*h*bands bytes). Safe to call from several threads on one handle. */
int sp_window_read(void *handle, int x, int y, int w, int h, uint8_t *out, size_t out_len);
void sp_window_close(void *handle);

/* Reads only the header of an encoded image: its width and height, and whether it is a JPEG. */
int sp_image_size(const void *buf, size_t len, int *width, int *height, int *is_jpeg);

/* Encodes packed 8-bit pixels (bands 1, 3 or 4) as PNG to a file. */
int sp_save_png(const uint8_t *pixels, int width, int height, int bands, const char *path);
/* Encodes a raster to memory in the format of `suffix` (".png", ".jpg[Q=95]", ...): 0 with *out
   (free with sp_free) and *out_len, -1 with the reason in the vips error buffer. */
int sp_encode(const uint8_t *pixels, int width, int height, int bands, const char *suffix,
              uint8_t **out, size_t *out_len);

/* Renders `text` (Pango markup allowed) in white on black at `dpi`, `width` pixels wide at most.
   On success *out holds w*h grey bytes (free with sp_free). */
int sp_render_text(const char *text, int width, int dpi, int *out_w, int *out_h, uint8_t **out);

/* Rasterises an SVG document held in memory to packed RGBA. */
int sp_render_svg(const char *svg, size_t len, int *out_w, int *out_h, uint8_t **out);

#endif
