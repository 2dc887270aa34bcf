#include "CImageCodecs.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

/* libjpeg, called directly in the worker thread: the same library and settings vips' jpegload
   uses (ISLOW DCT, fancy upsampling, scale_denom for shrink-on-load), without vips' thread pool. */

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jmp;
    int truncated;
    char msg[JMSG_LENGTH_MAX];
} sp_jpeg_err;

struct sp_jpeg {
    struct jpeg_decompress_struct cinfo;
    sp_jpeg_err err;
    int bands;
    /* Output size: libjpeg's scaled size rounded down as vips does (it rounds up). */
    int width, height;
};

static void sp_jpeg_error_exit(j_common_ptr cinfo) {
    sp_jpeg_err *e = (sp_jpeg_err *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, e->msg);
    longjmp(e->jmp, 1);
}

static void sp_jpeg_emit(j_common_ptr cinfo, int level) {
    sp_jpeg_err *e = (sp_jpeg_err *)cinfo->err;
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        e->truncated = 1;
        (*cinfo->err->format_message)(cinfo, e->msg);
    }
}

static void sp_jpeg_output(j_common_ptr cinfo) { (void)cinfo; }

static void copy_err(char *err, size_t err_len, const char *msg) {
    if (err && err_len) snprintf(err, err_len, "%s", msg);
}

sp_jpeg *sp_jpeg_open(const void *buf, size_t len, int shrink, int *width, int *height, int *bands,
                      int *status, char *err, size_t err_len) {
    sp_jpeg *j = calloc(1, sizeof(sp_jpeg));
    if (!j) { *status = -1; copy_err(err, err_len, "out of memory"); return NULL; }
    j->cinfo.err = jpeg_std_error(&j->err.pub);
    j->err.pub.error_exit = sp_jpeg_error_exit;
    j->err.pub.emit_message = sp_jpeg_emit;
    j->err.pub.output_message = sp_jpeg_output;
    if (setjmp(j->err.jmp)) {
        copy_err(err, err_len, j->err.msg);
        jpeg_destroy_decompress(&j->cinfo);
        free(j);
        *status = -1;
        return NULL;
    }
    jpeg_create_decompress(&j->cinfo);
    jpeg_mem_src(&j->cinfo, (const unsigned char *)buf, (unsigned long)len);
    jpeg_read_header(&j->cinfo, TRUE);
    struct jpeg_decompress_struct *c = &j->cinfo;
    if (c->jpeg_color_space == JCS_GRAYSCALE && c->num_components == 1) {
        c->out_color_space = JCS_GRAYSCALE;
        j->bands = 1;
    } else if ((c->jpeg_color_space == JCS_YCbCr || c->jpeg_color_space == JCS_RGB) && c->num_components == 3) {
        c->out_color_space = JCS_RGB;
        j->bands = 3;
    } else if ((c->jpeg_color_space == JCS_CMYK || c->jpeg_color_space == JCS_YCCK) && c->num_components == 4) {
        c->out_color_space = JCS_CMYK;   /* libjpeg turns YCCK into CMYK */
        j->bands = 4;
    } else {
        jpeg_destroy_decompress(&j->cinfo);
        free(j);
        *status = 1;   /* other layouts: the caller uses vips */
        return NULL;
    }
    c->scale_num = 1;
    c->scale_denom = shrink > 1 ? (unsigned)shrink : 1;
    c->dct_method = JDCT_ISLOW;
    c->do_fancy_upsampling = TRUE;
    jpeg_calc_output_dimensions(c);
    int s = shrink > 1 ? shrink : 1;
    j->width = c->image_width / s > 0 ? (int)(c->image_width / s) : 1;
    j->height = c->image_height / s > 0 ? (int)(c->image_height / s) : 1;
    if (j->width > (int)c->output_width) j->width = (int)c->output_width;
    if (j->height > (int)c->output_height) j->height = (int)c->output_height;
    *width = j->width;
    *height = j->height;
    *bands = j->bands;
    *status = 0;
    return j;
}

/* Pillow's reading of 4-component JPEGs: the stored bytes as Adobe-inverted CMYK ("CMYK;I", with
   or without an APP14 marker), then convert("RGB"): R = 255 - K' - (C' * (255 - K') / 255) rounded,
   with C' = 255 - c and K' = 255 - k, which is round(c * k / 255) on libjpeg's bytes. */
static void cmyk_to_rgb(uint8_t *rgb, const uint8_t *cmyk, size_t w) {
    for (size_t x = 0; x < w; x++) {
        unsigned k = cmyk[4 * x + 3];
        for (int ch = 0; ch < 3; ch++) {
            unsigned t = cmyk[4 * x + ch] * k + 128;
            rgb[3 * x + ch] = (uint8_t)(((t >> 8) + t) >> 8);
        }
    }
}

/* One decoded row of `bands` samples a pixel (grey, RGB or CMYK) to w RGB pixels. */
static void to_rgb(uint8_t *row, const uint8_t *src, size_t w, int bands) {
    if (bands == 3) memcpy(row, src, w * 3);
    else if (bands == 4) cmyk_to_rgb(row, src, w);
    else for (size_t x = 0; x < w; x++) row[3 * x] = row[3 * x + 1] = row[3 * x + 2] = src[x];
}

int sp_jpeg_read_rgb(sp_jpeg *j, uint8_t *dst, int fail_on_truncated, char *err, size_t err_len) {
    struct jpeg_decompress_struct *c = &j->cinfo;
    uint8_t *volatile row_buf = NULL;   /* volatile: read after a longjmp */
    if (setjmp(j->err.jmp)) {
        copy_err(err, err_len, j->err.msg);
        free((void *)row_buf);
        return -1;
    }
    jpeg_start_decompress(c);
    size_t w = (size_t)j->width, full = c->output_width;
    int direct = j->bands == 3 && full == w;
    if (!direct) {
        row_buf = malloc(full * (size_t)j->bands);
        if (!row_buf) { copy_err(err, err_len, "out of memory"); return -1; }
    }
    while (c->output_scanline < (JDIMENSION)j->height) {
        uint8_t *row = dst + (size_t)c->output_scanline * w * 3;
        JSAMPROW rows[1] = {direct ? row : (uint8_t *)row_buf};
        jpeg_read_scanlines(c, rows, 1);
        if (!direct) to_rgb(row, (const uint8_t *)row_buf, w, j->bands);
    }
    if (c->output_scanline < c->output_height) jpeg_abort_decompress(c);
    else jpeg_finish_decompress(c);
    free((void *)row_buf);
    if (fail_on_truncated && j->err.truncated) {
        copy_err(err, err_len, j->err.msg);
        return -1;
    }
    return 0;
}

/* Whether a read that stops after the window refuses exactly what a whole read refuses: the data
   ends with the end-of-image marker (so no row is missing: a truncated file takes the whole path)
   and, for a single-scan file, nothing but restart markers lies between its scan and that end (a
   whole read parses what follows the scan in jpeg_finish_decompress; a file with more there takes
   the whole path). Multi-scan files are read to their end by jpeg_start_decompress either way. */
static int stops_early_safely(const struct jpeg_decompress_struct *c, const uint8_t *buf, size_t len) {
    if (len < 4 || buf[len - 2] != 0xFF || buf[len - 1] != 0xD9) return 0;
    if (jpeg_has_multiple_scans((j_decompress_ptr)c)) return 1;
    /* The scan's header: the first SOS marker (markers before it have lengths; skip over them). */
    size_t p = 2;
    int scan = 0;
    while (!scan && p + 4 <= len) {
        if (buf[p] != 0xFF) return 0;
        const uint8_t m = buf[p + 1];
        if (m == 0xFF) { p++; continue; }   /* fill byte */
        const size_t n = ((size_t)buf[p + 2] << 8) | buf[p + 3];
        if (n < 2 || n > len - p - 2) return 0;
        p += 2 + n;
        scan = m == 0xDA;
    }
    if (!scan) return 0;
    /* Entropy-coded data up to the final marker: 0xFF is followed by 0x00 (a stuffed byte), a
       restart marker, or more 0xFF (fill bytes, also before the final marker). */
    const uint8_t *const end = buf + len - 2;
    const uint8_t *q = buf + p;
    while (q < end) {
        const uint8_t *f = memchr(q, 0xFF, (size_t)(end - q));
        if (!f) break;
        const uint8_t *r = f + 1;
        while (r < end && *r == 0xFF) r++;
        if (r >= end) break;
        if (*r != 0x00 && (*r < 0xD0 || *r > 0xD7)) return 0;
        q = r + 1;
    }
    return 1;
}

/* Whether jpeg_crop_scanline gives a whole decode's columns for this layout: sampling factors of 1
   or 2 and, when the decode is scaled, every component scaled alike (libjpeg-turbo 2.1 sizes the
   colour components of a cropped, scaled decode wrongly otherwise, fixed upstream in 3.0). */
static int crop_is_exact(const struct jpeg_decompress_struct *c) {
    if (c->max_h_samp_factor > 2 || c->max_v_samp_factor > 2) return 0;
    for (int i = 0; i < c->num_components; i++) {
#if JPEG_LIB_VERSION >= 70
        if (c->comp_info[i].DCT_h_scaled_size != c->min_DCT_h_scaled_size) return 0;
        if (c->comp_info[i].DCT_v_scaled_size != c->min_DCT_v_scaled_size) return 0;
#else
        if (c->comp_info[i].DCT_scaled_size != c->min_DCT_scaled_size) return 0;
#endif
    }
    return 1;
}

int sp_jpeg_read_rgb_region(sp_jpeg *j, const void *buf, size_t len, uint8_t *dst, size_t dst_len, int x0, int y0,
                            int w, int h, int fail_on_truncated, int *whole_read, char *err, size_t err_len) {
    struct jpeg_decompress_struct *c = &j->cinfo;
    if (whole_read) *whole_read = 1;
    if (x0 < 0 || y0 < 0 || w < 1 || h < 1 || x0 > j->width - w || y0 > j->height - h) {
        copy_err(err, err_len, "region outside the image");
        return -1;
    }
    if (dst_len / 3 / (size_t)w < (size_t)h) {
        copy_err(err, err_len, "the buffer is smaller than the region");
        return -1;
    }
    if ((x0 == 0 && y0 == 0 && w == j->width && h == j->height) || !stops_early_safely(c, (const uint8_t *)buf, len)) {
        /* The whole image (or a file that may be truncated): decode it all, keep the region. */
        if (x0 == 0 && y0 == 0 && w == j->width && h == j->height)
            return sp_jpeg_read_rgb(j, dst, fail_on_truncated, err, err_len);
        uint8_t *whole = malloc((size_t)j->width * (size_t)j->height * 3);
        if (!whole) { copy_err(err, err_len, "out of memory"); return -1; }
        int rc = sp_jpeg_read_rgb(j, whole, fail_on_truncated, err, err_len);
        if (rc == 0)
            for (int y = 0; y < h; y++)
                memcpy(dst + (size_t)y * w * 3, whole + ((size_t)(y0 + y) * j->width + (size_t)x0) * 3, (size_t)w * 3);
        free(whole);
        return rc;
    }
    /* A row of the widest crop (libjpeg's output width, fixed by sp_jpeg_open). */
    uint8_t *const row_buf = malloc((size_t)c->output_width * (size_t)j->bands);
    if (!row_buf) { copy_err(err, err_len, "out of memory"); return -1; }
    if (setjmp(j->err.jmp)) {
        copy_err(err, err_len, j->err.msg);
        free(row_buf);
        return -1;
    }
    jpeg_start_decompress(c);
    /* One iMCU of output pixels: crops and skips are aligned to it. The region is widened by two of
       them on each side, so the columns and rows kept are never at an edge the crop or the skip
       made (fancy upsampling treats those as image edges); tests compare every kept pixel with a
       whole decode. */
#if JPEG_LIB_VERSION >= 70
    const int imcu_w = c->max_h_samp_factor * c->min_DCT_h_scaled_size;
    const int imcu_h = c->max_v_samp_factor * c->min_DCT_v_scaled_size;
#else
    const int imcu_w = c->max_h_samp_factor * c->min_DCT_scaled_size;
    const int imcu_h = c->max_v_samp_factor * c->min_DCT_scaled_size;
#endif
    JDIMENSION xoff = 0, cw = c->output_width;
    if (whole_read) *whole_read = 0;
    if (w < j->width && crop_is_exact(c)) {
        const int lo = x0 - 2 * imcu_w > 0 ? x0 - 2 * imcu_w : 0;
        const int hi = x0 + w + 2 * imcu_w < (int)c->output_width ? x0 + w + 2 * imcu_w : (int)c->output_width;
        xoff = (JDIMENSION)lo;
        cw = (JDIMENSION)(hi - lo);
        if (cw < c->output_width) jpeg_crop_scanline(c, &xoff, &cw);
    }
    const int skip_to = (y0 - 2 * imcu_h) / imcu_h * imcu_h;
    if (skip_to > 0) jpeg_skip_scanlines(c, (JDIMENSION)skip_to);
    JSAMPROW rows[1] = {row_buf};
    while (c->output_scanline < (JDIMENSION)y0) jpeg_read_scanlines(c, rows, 1);
    const size_t first = (size_t)x0 - xoff;
    /* Three bands: libjpeg writes a row straight into place, starting `first` pixels before it (the
       columns its crop adds on the left) and running on past its end by `tail` bytes, into rows not
       decoded yet or, after the last row, into the slack the caller leaves past the region. The
       bytes before the row that the left columns cover are set aside and put back. Rows with fewer
       than `first` pixels of the region before them, and layouts whose crop leaves more than the
       slack on the right, go through row_buf and a copy. */
    const size_t row_bytes = (size_t)w * 3, lead = first * 3, tail = ((size_t)cw - first - (size_t)w) * 3;
    uint8_t saved[256];
    const int direct = j->bands == 3 && lead <= sizeof saved && tail <= dst_len - row_bytes * (size_t)h;
    while (c->output_scanline < (JDIMENSION)(y0 + h)) {
        const size_t y = (size_t)(c->output_scanline - (JDIMENSION)y0);
        uint8_t *row = dst + y * row_bytes;
        if (direct && y * row_bytes >= lead) {
            memcpy(saved, row - lead, lead);
            JSAMPROW into[1] = {row - lead};
            jpeg_read_scanlines(c, into, 1);
            memcpy(row - lead, saved, lead);
        } else {
            jpeg_read_scanlines(c, rows, 1);
            to_rgb(row, row_buf + first * (size_t)j->bands, (size_t)w, j->bands);
        }
    }
    jpeg_abort_decompress(c);
    free(row_buf);
    if (fail_on_truncated && j->err.truncated) {
        copy_err(err, err_len, j->err.msg);
        return -1;
    }
    return 0;
}

void sp_jpeg_close(sp_jpeg *j) {
    if (!j) return;
    jpeg_destroy_decompress(&j->cinfo);
    free(j);
}
