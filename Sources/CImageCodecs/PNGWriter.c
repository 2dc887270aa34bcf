#include "CImageCodecs.h"
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Label PNG encoding (palette, or 16-bit grey) with libpng into a growing memory buffer. */

typedef struct { uint8_t *data; size_t len, cap; int failed; } sp_png_sink;
typedef struct { jmp_buf jmp; char *err; size_t err_len; } sp_png_write_ctx;

static void sink_write(png_structp png, png_bytep src, png_size_t n) {
    sp_png_sink *s = (sp_png_sink *)png_get_io_ptr(png);
    if (s->len + n > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + n) cap *= 2;
        uint8_t *grown = realloc(s->data, cap);
        if (!grown) png_error(png, "out of memory");
        s->data = grown;
        s->cap = cap;
    }
    memcpy(s->data + s->len, src, n);
    s->len += n;
}

static void sink_flush(png_structp png) { (void)png; }

static void write_error(png_structp png, png_const_charp msg) {
    sp_png_write_ctx *ctx = (sp_png_write_ctx *)png_get_error_ptr(png);
    if (ctx->err && ctx->err_len) snprintf(ctx->err, ctx->err_len, "%s", msg);
    longjmp(ctx->jmp, 1);
}

static void write_warning(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

/* One encoder for every layout: 8-bit palette rows (rgb/colours), 8-bit grey rows (rgb NULL) or
   16-bit grey rows (little-endian). */
static int encode(const uint8_t *pixels, int width, int height, int depth, const uint8_t *rgb, int colours,
                  uint8_t **out, size_t *out_len, char *err, size_t err_len) {
    sp_png_write_ctx ctx = {.err = err, .err_len = err_len};
    sp_png_sink sink = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, write_error, write_warning);
    if (!png) { snprintf(err, err_len, "out of memory"); return -1; }
    png_infop info = png_create_info_struct(png);
    if (!info || setjmp(ctx.jmp)) {
        png_destroy_write_struct(&png, info ? &info : NULL);
        free(sink.data);
        return -1;
    }
    png_set_write_fn(png, &sink, sink_write, sink_flush);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, depth, (depth == 16 || !rgb) ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_PALETTE,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (depth == 8 && rgb) {
        png_color palette[256];
        int n = colours < 1 ? 1 : colours > 256 ? 256 : colours;
        for (int i = 0; i < n; i++) {
            palette[i].red = rgb[3 * i]; palette[i].green = rgb[3 * i + 1]; palette[i].blue = rgb[3 * i + 2];
        }
        png_set_PLTE(png, info, palette, n);
    }
    png_write_info(png, info);
    /* PNG stores 16-bit samples big-endian; libpng swaps the little-endian rows. */
    if (depth == 16) png_set_swap(png);
    size_t row = (size_t)width * (depth / 8);
    for (int y = 0; y < height; y++) png_write_row(png, (png_const_bytep)(pixels + (size_t)y * row));
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    *out = sink.data;
    *out_len = sink.len;
    return 0;
}

int sp_png_encode_palette(const uint8_t *indices, int width, int height, const uint8_t *rgb, int colours,
                          uint8_t **out, size_t *out_len, char *err, size_t err_len) {
    return encode(indices, width, height, 8, rgb, colours, out, out_len, err, err_len);
}

int sp_png_encode_grey16(const uint8_t *values_le, int width, int height,
                         uint8_t **out, size_t *out_len, char *err, size_t err_len) {
    return encode(values_le, width, height, 16, NULL, 0, out, out_len, err, err_len);
}

int sp_png_encode_grey8(const uint8_t *values, int width, int height,
                        uint8_t **out, size_t *out_len, char *err, size_t err_len) {
    return encode(values, width, height, 8, NULL, 0, out, out_len, err, err_len);
}
