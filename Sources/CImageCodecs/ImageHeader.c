#include "CImageCodecs.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <stdarg.h>
#include <jpeglib.h>
#include <png.h>
#include <tiffio.h>

/* Image sizes from file headers with libjpeg, libpng and libtiff: plain libraries with no threads
   of their own, so a process that only listed sizes can still fork workers (libvips, once started,
   cannot run in a forked child). Each reads as little of the file as its format needs. */

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jmp;
    char msg[JMSG_LENGTH_MAX];
} header_jpeg_err;

static void jpeg_fail(j_common_ptr cinfo) {
    header_jpeg_err *e = (header_jpeg_err *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, e->msg);
    longjmp(e->jmp, 1);
}

static void jpeg_quiet(j_common_ptr cinfo, int level) { (void)cinfo; (void)level; }

static int jpeg_header(FILE *f, int *width, int *height, char *err, size_t err_len) {
    struct jpeg_decompress_struct cinfo;
    header_jpeg_err e;
    cinfo.err = jpeg_std_error(&e.pub);
    e.pub.error_exit = jpeg_fail;
    e.pub.emit_message = jpeg_quiet;
    if (setjmp(e.jmp)) {
        snprintf(err, err_len, "%s", e.msg);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_stdio_src(&cinfo, f);
    jpeg_read_header(&cinfo, TRUE);
    *width = (int)cinfo.image_width;
    *height = (int)cinfo.image_height;
    jpeg_destroy_decompress(&cinfo);
    return 0;
}

typedef struct { jmp_buf jmp; char *err; size_t err_len; } header_png_ctx;

static void png_fail(png_structp png, png_const_charp msg) {
    header_png_ctx *ctx = (header_png_ctx *)png_get_error_ptr(png);
    snprintf(ctx->err, ctx->err_len, "%s", msg);
    longjmp(ctx->jmp, 1);
}

static void png_quiet(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

static int png_header(FILE *f, int *width, int *height, char *err, size_t err_len) {
    header_png_ctx ctx = {.err = err, .err_len = err_len};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, png_fail, png_quiet);
    if (!png) { snprintf(err, err_len, "out of memory"); return -1; }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        snprintf(err, err_len, "out of memory");
        png_destroy_read_struct(&png, NULL, NULL);
        return -1;
    }
    if (setjmp(ctx.jmp)) {
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    /* libpng refuses sides above 1,000,000 by default; libvips reads them, and tile pipelines
       are for such images (their own max_pixels bounds what is read). */
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_init_io(png, f);
    png_read_info(png, info);   /* the chunks before the image data */
    *width = (int)png_get_image_width(png, info);
    *height = (int)png_get_image_height(png, info);
    png_destroy_read_struct(&png, &info, NULL);
    return 0;
}

typedef struct { char *err; size_t err_len; } header_tiff_ctx;

static int tiff_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)module;
    header_tiff_ctx *ctx = user;
    if (ctx->err_len && !ctx->err[0]) vsnprintf(ctx->err, ctx->err_len, fmt, ap);
    return 1;
}

static int tiff_quiet(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)user; (void)module; (void)fmt; (void)ap;
    return 1;
}

/* The first directory's size: the page libvips' tiffload reads unless told otherwise. */
static int tiff_header(const char *path, int *width, int *height, char *err, size_t err_len) {
    header_tiff_ctx ctx = {err, err_len};
    if (err_len) err[0] = 0;
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts) { snprintf(err, err_len, "out of memory"); return -1; }
    TIFFOpenOptionsSetErrorHandlerExtR(opts, tiff_error, &ctx);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, tiff_quiet, NULL);
    TIFF *t = TIFFOpenExt(path, "r", opts);
    TIFFOpenOptionsFree(opts);
    if (!t) {
        if (err_len && !err[0]) snprintf(err, err_len, "not a readable TIFF file");
        return -1;
    }
    uint32_t w = 0, h = 0;
    const int ok = TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w) && TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
    TIFFClose(t);
    if (!ok || w == 0 || h == 0 || w > 0x7fffffffu || h > 0x7fffffffu) {
        snprintf(err, err_len, "TIFF header has no valid image size");
        return -1;
    }
    *width = (int)w;
    *height = (int)h;
    return 0;
}

int sp_image_header(const char *path, int *width, int *height, char *err, size_t err_len) {
    FILE *f = fopen(path, "rb");
    if (!f) { snprintf(err, err_len, "cannot be opened"); return -1; }
    unsigned char magic[8] = {0};
    const size_t got = fread(magic, 1, sizeof magic, f);
    int rc = 1;
    if (got >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF) {
        rewind(f);
        rc = jpeg_header(f, width, height, err, err_len);
    } else if (got == 8 && !png_sig_cmp(magic, 0, 8)) {
        rewind(f);
        rc = png_header(f, width, height, err, err_len);
    } else if (got >= 4 && ((magic[0] == 'I' && magic[1] == 'I' && (magic[2] == 42 || magic[2] == 43) && magic[3] == 0) ||
                            (magic[0] == 'M' && magic[1] == 'M' && magic[2] == 0 && (magic[3] == 42 || magic[3] == 43)))) {
        fclose(f);
        return tiff_header(path, width, height, err, err_len);
    }
    fclose(f);
    if (rc == 0 && (*width <= 0 || *height <= 0)) {
        snprintf(err, err_len, "header declares an empty image");
        return -1;
    }
    return rc;
}
