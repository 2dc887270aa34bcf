#include "CImageCodecs.h"
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- libpng label reader ---- */

typedef struct { const uint8_t *data; size_t len, pos; } sp_png_src;

typedef struct { jmp_buf jmp; char *err; size_t err_len; } sp_png_ctx;

static void sp_png_read(png_structp png, png_bytep dst, png_size_t n) {
    sp_png_src *src = (sp_png_src *)png_get_io_ptr(png);
    if (src->pos + n > src->len) png_error(png, "file is truncated");
    memcpy(dst, src->data + src->pos, n);
    src->pos += n;
}

static void sp_png_error(png_structp png, png_const_charp msg) {
    sp_png_ctx *ctx = (sp_png_ctx *)png_get_error_ptr(png);
    snprintf(ctx->err, ctx->err_len, "%s", msg);
    longjmp(ctx->jmp, 1);
}

static void sp_png_warning(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

/* The largest label the readers take: 2^31 values. */
static int size_accepted(size_t w, size_t h) { return w > 0 && h > 0 && w * h <= ((size_t)1 << 31); }

size_t sp_png_label_capacity(const void *buf, size_t len) {
    const uint8_t *b = (const uint8_t *)buf;
    if (len < 8 + 8 + 13 || png_sig_cmp((png_const_bytep)buf, 0, 8)) return 0;
    const uint8_t *ihdr = b + 8;
    if (memcmp(ihdr + 4, "IHDR", 4) != 0 || ihdr[0] || ihdr[1] || ihdr[2] || ihdr[3] != 13) return 0;
    const size_t w = ((size_t)ihdr[8] << 24) | ((size_t)ihdr[9] << 16) | ((size_t)ihdr[10] << 8) | ihdr[11];
    const size_t h = ((size_t)ihdr[12] << 24) | ((size_t)ihdr[13] << 16) | ((size_t)ihdr[14] << 8) | ihdr[15];
    if (!size_accepted(w, h)) return 0;
    const size_t depth = ihdr[16], bytes = depth == 16 ? 2 : 1;
    /* the fast path inflates w + 1 bytes a row into the buffer before undoing the filters */
    const size_t need = (w + 1) * h > w * h * bytes ? (w + 1) * h : w * h * bytes;
    /* Deflate packs at most 1032 bytes into one: a file too short to hold the rows it declares
       (depth bits per sample, 1 to 4 samples a pixel by colour type, at least) is refused before
       anything that large is allocated. */
    static const size_t samples[7] = {1, 0, 3, 1, 2, 0, 4};
    const size_t spp = ihdr[17] < 7 && samples[ihdr[17]] ? samples[ihdr[17]] : 1;
    const size_t stored = h * ((w * spp * (depth ? depth : 1) + 7) / 8);
    return stored / 1032 > len ? 0 : need;
}

int sp_read_png_label_into(const void *buf, size_t len, uint8_t *dst, size_t dst_len, int *width, int *height,
                           int *colour_type, int *sample_bytes, char *err, size_t err_len, int fast) {
    *sample_bytes = 1;
    *colour_type = -1;
    if (len < 8 || png_sig_cmp((png_const_bytep)buf, 0, 8)) {
        snprintf(err, err_len, "is not a PNG file");
        return -1;
    }
    if (fast && sp_png_label_fast((const uint8_t *)buf, len, dst, dst_len, width, height, colour_type) == 0) return 0;
    sp_png_ctx ctx;
    ctx.err = err; ctx.err_len = err_len;
    sp_png_src src = {(const uint8_t *)buf, len, 0};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, sp_png_error, sp_png_warning);
    if (!png) { snprintf(err, err_len, "out of memory"); return -1; }
    png_infop info = png_create_info_struct(png);
    png_bytep *volatile rows = NULL;
    if (setjmp(ctx.jmp)) {
        png_destroy_read_struct(&png, &info, NULL);
        free(rows);
        return -1;
    }
    png_set_read_fn(png, &src, sp_png_read);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    int depth = png_get_bit_depth(png, info);
    int ctype = png_get_color_type(png, info);
    *colour_type = ctype;
    if (ctype != PNG_COLOR_TYPE_PALETTE && ctype != PNG_COLOR_TYPE_GRAY) {
        if (ctype == PNG_COLOR_TYPE_GRAY_ALPHA)
            snprintf(err, err_len, "is a greyscale PNG with an alpha channel; labels must be palette or greyscale PNGs of class indices without alpha");
        else
            snprintf(err, err_len, "is a colour PNG (colour type %d); labels must be palette or greyscale PNGs of class indices", ctype);
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    /* 16-bit grey values come out as two little-endian bytes each. */
    size_t bytes = depth == 16 ? 2 : 1;
    if (!size_accepted(w, h)) {
        snprintf(err, err_len, "is too large (%ux%u)", w, h);
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    if (!dst || (size_t)w * h * bytes > dst_len) {
        snprintf(err, err_len, "declares %ux%u pixels, more than its %zu bytes can hold: the file is damaged or truncated", w, h, len);
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    if (depth < 8) png_set_packing(png);
    if (depth == 16) png_set_swap(png);
    png_read_update_info(png, info);
    rows = malloc(sizeof(png_bytep) * h);
    if (!rows) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < h; y++) rows[y] = dst + (size_t)y * w * bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    *width = (int)w;
    *height = (int)h;
    *sample_bytes = (int)bytes;
    return 0;
}


void sp_codec_free(void *p) { free(p); }

int sp_png_palette(const void *buf, size_t len, int *colour_type, int *bit_depth, uint8_t *rgb, int *colours,
                   char *err, size_t err_len) {
    if (len < 8 || png_sig_cmp((png_const_bytep)buf, 0, 8)) {
        snprintf(err, err_len, "is not a PNG file");
        return -1;
    }
    sp_png_ctx ctx;
    ctx.err = err; ctx.err_len = err_len;
    sp_png_src src = {(const uint8_t *)buf, len, 0};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, sp_png_error, sp_png_warning);
    if (!png) { snprintf(err, err_len, "out of memory"); return -1; }
    png_infop info = png_create_info_struct(png);
    if (setjmp(ctx.jmp)) {
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    png_set_read_fn(png, &src, sp_png_read);
    png_read_info(png, info);
    *colour_type = png_get_color_type(png, info);
    *bit_depth = png_get_bit_depth(png, info);
    *colours = 0;
    png_colorp palette = NULL;
    int n = 0;
    if (png_get_PLTE(png, info, &palette, &n) == PNG_INFO_PLTE) {
        for (int i = 0; i < n && i < 256; i++) {
            rgb[3 * i] = palette[i].red; rgb[3 * i + 1] = palette[i].green; rgb[3 * i + 2] = palette[i].blue;
        }
        *colours = n > 256 ? 256 : n;
    }
    png_destroy_read_struct(&png, &info, NULL);
    return 0;
}
