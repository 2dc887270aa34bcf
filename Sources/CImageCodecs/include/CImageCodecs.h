#ifndef SEGPREP_IMAGE_CODECS_H
#define SEGPREP_IMAGE_CODECS_H
#include <stddef.h>
#include <stdint.h>

/* Image codecs called directly: libjpeg (decoding in the calling thread), libpng (label maps that
   keep their palette indices; palette PNG encoding) and libdeflate (the label fast path).
   Functions return 0 on success and -1 on failure with a reason in `err`. */

/* The width and height in a JPEG, PNG or TIFF file's header (a TIFF's first directory), read with
   libjpeg, libpng or libtiff alone (no libvips: a process that used only this can fork workers that
   start libvips). Returns 0; 1 for a file of another format (nothing set); -1 with a reason in err
   for a file that cannot be opened or whose header cannot be read. */
int sp_image_header(const char *path, int *width, int *height, char *err, size_t err_len);

/* Frees a buffer these functions returned. */
void sp_codec_free(void *p);

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
/* Decodes the window [x0, x0 + w) x [y0, y0 + h) of the (shrunk) image to packed RGB, w*h*3 bytes
   at dst (dst_len bytes; bytes past the window's may be overwritten), with the same bytes a whole
   decode gives there. Columns outside the window are cropped in the decoder (jpeg_crop_scanline),
   rows above it skipped (jpeg_skip_scanlines) and rows below it never decoded; `buf`/`len` must be
   the data given to sp_jpeg_open. A file a whole decode could refuse after the window (one that
   does not end with the end-of-image marker, or holds more than restart markers after its single
   scan) is decoded whole, so it is refused alike; *whole_read (when not NULL) is then 1, and 0 when
   rows or columns were left out. Columns are cropped only where libjpeg crops exactly (sampling
   factors 1 or 2, components scaled alike). Returns 0, or -1 with a reason in err (a window outside
   the image or larger than dst_len, bad data). */
int sp_jpeg_read_rgb_region(sp_jpeg *j, const void *buf, size_t len, uint8_t *dst, size_t dst_len, int x0, int y0,
                            int w, int h, int fail_on_truncated, int *whole_read, char *err, size_t err_len);
/* Bytes past the window's w*h*3 that let sp_jpeg_read_rgb_region decode every row of three bands
   straight into place (with less, rows are decoded into a buffer and copied). */
#define SP_JPEG_REGION_SLACK 512
/* Frees a decoder from sp_jpeg_open (NULL is fine). */
void sp_jpeg_close(sp_jpeg *j);

/* Bytes sp_read_png_label_into needs at dst for the PNG label in buf, from its IHDR chunk: 0 when
   buf does not start with a PNG signature and an IHDR of at most 2^31 pixels, or is too short to
   hold that many (deflate's 1032:1 at best), so nothing that large is allocated (the reader then
   says why). */
size_t sp_png_label_capacity(const void *buf, size_t len);
/* Reads a PNG label map from memory keeping its indices, into dst (dst_len bytes, at least
   sp_png_label_capacity): palette PNGs give palette indices, grey PNGs their grey values (1/2/4-bit
   unpacked to one byte per pixel, no scaling; 16-bit as two little-endian bytes per pixel).
   Returns -1 with a reason in err (at least 256 bytes) for colour PNGs, bad data or a dst too
   small. *colour_type receives the PNG colour type (-1 before the header is read), *sample_bytes 1
   or 2. On success the first w*h*sample_bytes bytes of dst hold the values. */
int sp_read_png_label_into(const void *buf, size_t len, uint8_t *dst, size_t dst_len, int *width, int *height,
                           int *colour_type, int *sample_bytes, char *err, size_t err_len, int fast);
/* Reads a PNG's header chunks up to its image data (buf may hold only the file's start): its colour
   type, bit depth and palette (rgb: 768 bytes; *colours entries, 0 without PLTE). */
int sp_png_palette(const void *buf, size_t len, int *colour_type, int *bit_depth, uint8_t *rgb, int *colours,
                   char *err, size_t err_len);
/* The fast path sp_read_png_label_into tries first when `fast` is set: non-interlaced 8-bit palette
   or grey PNGs, CRCs and Adler-32 checked, inflated by libdeflate into dst (which needs (w + 1) * h
   bytes: the rows with their filter bytes, unfiltered in place). Returns 0 with the same results,
   or 1 for any other layout, any damage or a dst too small, which libpng then reads and reports. */
int sp_png_label_fast(const uint8_t *buf, size_t len, uint8_t *dst, size_t dst_len, int *width, int *height,
                      int *colour_type);

/* Encodes width*height palette indices as an 8-bit palette PNG (libpng, default compression) with
   `colours` RGB entries of `rgb` (1..256; at least the largest index + 1). On success *out holds
   *out_len bytes to free with sp_codec_free; -1 with a reason in err otherwise. */
int sp_png_encode_palette(const uint8_t *indices, int width, int height, const uint8_t *rgb, int colours,
                          uint8_t **out, size_t *out_len, char *err, size_t err_len);
/* Encodes width*height 16-bit values (two little-endian bytes each) as a 16-bit greyscale PNG
   (libpng). Returns 0 with *out (free with sp_codec_free), or -1 with a reason in err. */
int sp_png_encode_grey16(const uint8_t *values_le, int width, int height,
                         uint8_t **out, size_t *out_len, char *err, size_t err_len);
/* Encodes width*height 8-bit values as an 8-bit greyscale PNG (libpng); as sp_png_encode_grey16. */
int sp_png_encode_grey8(const uint8_t *values, int width, int height,
                        uint8_t **out, size_t *out_len, char *err, size_t err_len);

/* Reads a TIFF's GeoTIFF georeferencing with libtiff: ModelPixelScaleTag (3 doubles into scale),
   ModelTiepointTag (its first 6 doubles: I, J, K, X, Y, Z into tiepoint) and
   ModelTransformationTag (16 doubles into matrix). Returns a bit set of what was found (1 scale,
   2 tiepoint, 4 transformation), 0 for a plain TIFF, -1 when the file cannot be opened as TIFF;
   tags not stored as DOUBLE are left out. *pixel_is_point is 1 when the GeoKeyDirectory's
   GTRasterTypeGeoKey says RasterPixelIsPoint. Messages are not printed. */
int sp_geotiff_read(const char *path, double *scale, double *tiepoint, double *matrix, int *pixel_is_point);

#endif
