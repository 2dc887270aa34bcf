#include "VipsShim.h"
#include <vips/vips.h>
#include <string.h>
#include <stdlib.h>
#include <stdio.h>
#include <malloc.h>
#include <unistd.h>

/* 0 before libvips is started, 1 once it is, -1 when starting it failed (then `vips_failure`
   says why, for every later caller). */
static int vips_state = 0;
static GMutex vips_lock;
static char *vips_failure = NULL;
/* The process that started libvips: its worker threads do not exist in a forked child, where
   libvips then waits for them for ever. */
static pid_t vips_pid = 0;

int sp_runtime_init(void);

/* Starts libvips on first use, with the operation cache off: starting it loads its modules
   (~40 ms), which runs over JPEG files never need. */
static int ensure_vips(void) {
    if (__atomic_load_n(&vips_state, __ATOMIC_ACQUIRE) == 1) return 0;
    g_mutex_lock(&vips_lock);
    if (vips_state == 0) {
        sp_runtime_init();   /* (the environment is set there, before any worker thread exists) */
        int ok = VIPS_INIT("seg-prep") == 0;
        if (!ok) {
            char *why = vips_error_buffer_copy();
            vips_failure = g_strdup_printf("libvips could not start: %s", why && *why ? why : "unknown reason");
            g_free(why);
        } else {
            vips_cache_set_max(0);
            vips_cache_set_max_mem(0);
            vips_cache_set_max_files(0);
            vips_concurrency_set(1);
            vips_pid = getpid();
        }
        __atomic_store_n(&vips_state, ok ? 1 : -1, __ATOMIC_RELEASE);
    }
    int rc = vips_state == 1 ? 0 : -1;
    g_mutex_unlock(&vips_lock);
    return rc;
}

int sp_runtime_init(void) {
    static int done = 0;
    static GMutex lock;
    g_mutex_lock(&lock);
    if (!done) {
        /* Files opened for window reads (tile) decode to a temporary file above this size
           instead of into memory; a user's own setting wins. Set here, on the thread that starts
           a command or opens a pipeline, before its workers exist: setenv while another thread
           calls getenv (libjpeg does on each new thread) is undefined, and crashed runs whose
           first non-libjpeg file started libvips on a worker. */
        setenv("VIPS_DISC_THRESHOLD", "64m", 0);
        /* vips_init sets VIPSHOME to the prefix it guesses unless it is set: guessed here, the
           same way (vips_guess_prefix stores it), so a libvips started lazily on a worker finds
           it and sets nothing. */
        (void)vips_guess_prefix("seg-prep", "VIPSHOME");
        /* Per-sample rasters (0.2-8 MB) stay on the heap instead of fresh mmaps, whose page faults
           serialise threads on the address-space lock. */
        mallopt(M_MMAP_THRESHOLD, 12 << 20);
        mallopt(M_TRIM_THRESHOLD, 32 << 20);
        done = 1;
    }
    g_mutex_unlock(&lock);
    return 0;
}

int sp_vips_start(void) { return ensure_vips(); }

int sp_vips_forked(void) {
    return __atomic_load_n(&vips_state, __ATOMIC_ACQUIRE) == 1 && vips_pid != getpid();
}

void sp_vips_thread_shutdown(void) {
    if (__atomic_load_n(&vips_state, __ATOMIC_ACQUIRE) == 1) vips_thread_shutdown();
}

char *sp_vips_error(void) {
    const int state = __atomic_load_n(&vips_state, __ATOMIC_ACQUIRE);
    if (state == 0) return g_strdup("");
    if (state < 0) return g_strdup(vips_failure);
    return vips_error_buffer_copy();
}

void sp_free(void *p) { g_free(p); }

/* Pillow's CMYK -> RGB (libImaging's cmyk2rgb): r = nk - c*nk/255 with nk = 255 - k, the
   division rounded as its MULDIV255. Applied in place on w*h pixels of 4 bytes, packing 3. */
static void cmyk_to_rgb(uint8_t *px, size_t pixels) {
    for (size_t i = 0; i < pixels; i++) {
        const uint8_t *in = px + 4 * i;
        int nk = 255 - in[3], tmp, r[3];
        for (int c = 0; c < 3; c++) {
            tmp = in[c] * nk + 128;
            r[c] = nk - (((tmp >> 8) + tmp) >> 8);
            if (r[c] < 0) r[c] = 0;
        }
        uint8_t *o = px + 3 * i;
        o[0] = (uint8_t)r[0]; o[1] = (uint8_t)r[1]; o[2] = (uint8_t)r[2];
    }
}

/* 8-bit RGB as Pillow's Image.open(...).convert("RGB") gives it, or an error naming what cannot
   be converted that way: 8-bit grey (+alpha) replicated, RGB(A) with alpha dropped, 16-bit
   RGB(A) by its high byte (Pillow's RGB;16B raw mode), CMYK through Pillow's formula (marked in
   *cmyk for the caller to apply after decoding). 16-bit grey, float and 32-bit images have no
   single 8-bit reading (Pillow keeps them as I/F modes) and are refused by name. */
static int to_rgb(VipsImage *in, VipsImage **out, int *cmyk) {
    VipsImage *t = NULL;
    int bands = in->Bands;
    *cmyk = 0;
    if (in->BandFmt == VIPS_FORMAT_USHORT && bands >= 3) {
        if (vips_rshift_const1(in, &t, 8, NULL)) return -1;
        VipsImage *c = NULL;
        int rc = vips_cast_uchar(t, &c, NULL);
        g_object_unref(t);
        if (rc) return -1;
        t = c;
    } else if (in->BandFmt == VIPS_FORMAT_UCHAR) {
        t = in; g_object_ref(t);
    } else {
        const char *what = in->BandFmt == VIPS_FORMAT_USHORT ? "16-bit greyscale" : in->BandFmt == VIPS_FORMAT_FLOAT || in->BandFmt == VIPS_FORMAT_DOUBLE ? "floating-point" : "32-bit or signed";
        vips_error("seg-prep", "it is a %s image, which has no single 8-bit reading; convert it to 8-bit grey or RGB first", what);
        return -1;
    }
    VipsImage *r = NULL;
    if (in->Type == VIPS_INTERPRETATION_CMYK && bands >= 4) {
        int rc = vips_extract_band(t, &r, 0, "n", 4, NULL);
        g_object_unref(t);
        if (rc) return -1;
        *cmyk = 1;
    } else if (bands == 1 || bands == 2) {
        VipsImage *g = NULL;
        if (vips_extract_band(t, &g, 0, "n", 1, NULL)) { g_object_unref(t); return -1; }
        VipsImage *arr[3] = {g, g, g};
        int rc = vips_bandjoin(arr, &r, 3, NULL);
        g_object_unref(g);
        g_object_unref(t);
        if (rc) return -1;
    } else if (bands >= 3) {
        int rc = vips_extract_band(t, &r, 0, "n", 3, NULL);
        g_object_unref(t);
        if (rc) return -1;
    } else {
        g_object_unref(t);
        vips_error("seg-prep", "image has %d bands", bands);
        return -1;
    }
    *out = r;
    return 0;
}

int sp_decode_rgb(const void *buf, size_t len, int shrink, int fail_on_truncated,
                  int *width, int *height, int *source_bands, uint8_t **out) {
    if (ensure_vips()) return -1;
    const char *loader = vips_foreign_find_load_buffer(buf, len);
    if (!loader) return -1;
    VipsImage *im = NULL;
    VipsFailOn fail = fail_on_truncated ? VIPS_FAIL_ON_TRUNCATED : VIPS_FAIL_ON_NONE;
    if (shrink > 1 && strcmp(loader, "VipsForeignLoadJpegBuffer") == 0) {
        if (vips_jpegload_buffer((void *)buf, len, &im, "shrink", shrink, "fail_on", fail,
                                 "access", VIPS_ACCESS_SEQUENTIAL, NULL)) return -1;
    } else {
        im = vips_image_new_from_buffer(buf, len, "", "fail_on", fail,
                                        "access", VIPS_ACCESS_SEQUENTIAL, NULL);
        if (!im) return -1;
    }
    *source_bands = im->Bands;
    VipsImage *rgb = NULL;
    int cmyk = 0;
    if (to_rgb(im, &rgb, &cmyk)) { g_object_unref(im); return -1; }
    g_object_unref(im);
    size_t size = 0;
    void *mem = vips_image_write_to_memory(rgb, &size);
    *width = rgb->Xsize;
    *height = rgb->Ysize;
    g_object_unref(rgb);
    if (!mem) return -1;
    if (cmyk) cmyk_to_rgb(mem, (size_t)*width * (size_t)*height);
    *out = mem;
    return 0;
}

int sp_image_size(const void *buf, size_t len, int *width, int *height, int *is_jpeg) {
    if (ensure_vips()) return -1;
    const char *loader = vips_foreign_find_load_buffer(buf, len);
    if (!loader) return -1;
    VipsImage *im = vips_image_new_from_buffer(buf, len, "", "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    if (!im) return -1;
    *width = im->Xsize;
    *height = im->Ysize;
    *is_jpeg = strcmp(loader, "VipsForeignLoadJpegBuffer") == 0;
    g_object_unref(im);
    return 0;
}

int sp_save_png(const uint8_t *pixels, int width, int height, int bands, const char *path) {
    if (ensure_vips()) return -1;
    VipsImage *im = vips_image_new_from_memory(pixels, (size_t)width * height * bands, width, height,
                                               bands, VIPS_FORMAT_UCHAR);
    if (!im) return -1;
    int rc = vips_pngsave(im, path, NULL);
    g_object_unref(im);
    return rc;
}

static int window_open(const char *path, VipsAccess access, void **handle, int *width, int *height, int *bands, int *bits) {
    if (ensure_vips()) return -1;
    VipsImage *im = vips_image_new_from_file(path, "access", access, "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL);
    if (!im) return -1;
    *width = im->Xsize;
    *height = im->Ysize;
    *bands = im->Bands;
    *bits = vips_format_sizeof(im->BandFmt) * 8;
    if (im->BandFmt != VIPS_FORMAT_UCHAR && im->BandFmt != VIPS_FORMAT_USHORT) *bits = -*bits;
    *handle = im;
    return 0;
}

int sp_window_read(void *handle, int x, int y, int w, int h, uint8_t *out, size_t out_len) {
    VipsImage *im = (VipsImage *)handle;
    if (im->BandFmt != VIPS_FORMAT_UCHAR && im->BandFmt != VIPS_FORMAT_USHORT) {
        vips_error("seg-prep", "window reads take 8- or 16-bit images");
        return -1;
    }
    VipsRegion *region = vips_region_new(im);
    if (!region) return -1;
    VipsRect r = {x, y, w, h};
    int rc = vips_region_prepare(region, &r);
    if (rc == 0) {
        /* 16-bit samples in the host's byte order (little-endian on the targets). */
        size_t row = (size_t)w * VIPS_IMAGE_SIZEOF_PEL(im);
        if (row * h > out_len) { vips_error("seg-prep", "window buffer too small"); rc = -1; }
        for (int j = 0; rc == 0 && j < h; j++) memcpy(out + row * j, VIPS_REGION_ADDR(region, x, y + j), row);
    }
    g_object_unref(region);
    return rc;
}

int sp_window_open(const char *path, void **handle, int *width, int *height, int *bands, int *bits) {
    return window_open(path, VIPS_ACCESS_RANDOM, handle, width, height, bands, bits);
}

int sp_window_open_sequential(const char *path, void **handle, int *width, int *height, int *bands, int *bits) {
    return window_open(path, VIPS_ACCESS_SEQUENTIAL, handle, width, height, bands, bits);
}

void sp_window_close(void *handle) { if (handle) g_object_unref((VipsImage *)handle); }

int sp_encode(const uint8_t *pixels, int width, int height, int bands, const char *suffix,
              uint8_t **out, size_t *out_len) {
    if (ensure_vips()) return -1;
    VipsImage *im = vips_image_new_from_memory(pixels, (size_t)width * height * bands, width, height,
                                               bands, VIPS_FORMAT_UCHAR);
    if (!im) return -1;
    void *buf = NULL;
    size_t len = 0;
    int rc = vips_image_write_to_buffer(im, suffix, &buf, &len, NULL);
    g_object_unref(im);
    if (rc) return -1;
    *out = buf;
    *out_len = len;
    return 0;
}

static int write_out(VipsImage *im, int *w, int *h, uint8_t **out) {
    VipsImage *u = NULL;
    if (vips_cast_uchar(im, &u, NULL)) return -1;
    size_t size = 0;
    void *mem = vips_image_write_to_memory(u, &size);
    *w = u->Xsize;
    *h = u->Ysize;
    g_object_unref(u);
    if (!mem) return -1;
    *out = mem;
    return 0;
}

int sp_render_text(const char *text, int width, int dpi, int *out_w, int *out_h, uint8_t **out) {
    if (ensure_vips()) return -1;
    VipsImage *im = NULL;
    if (vips_text(&im, text, "width", width, "dpi", dpi, "font", "DejaVu Sans", NULL)) return -1;
    int rc = write_out(im, out_w, out_h, out);
    g_object_unref(im);
    return rc;
}

int sp_render_svg(const char *svg, size_t len, int *out_w, int *out_h, uint8_t **out) {
    if (ensure_vips()) return -1;
    VipsImage *im = NULL;
    if (vips_svgload_buffer((void *)svg, len, &im, NULL)) return -1;
    VipsImage *rgba = NULL;
    int rc;
    if (im->Bands == 4) { rgba = im; g_object_ref(rgba); rc = 0; }
    else rc = vips_bandjoin_const1(im, &rgba, 255, NULL);
    g_object_unref(im);
    if (rc) return -1;
    rc = write_out(rgba, out_w, out_h, out);
    g_object_unref(rgba);
    return rc;
}
