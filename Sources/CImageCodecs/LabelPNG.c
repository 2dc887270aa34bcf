#include "CImageCodecs.h"
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>

/* Fast path of the label reader for the common layout: non-interlaced 8-bit palette or grey PNGs.
   Chunk CRCs are checked (libdeflate_crc32) and the zlib stream with its Adler-32 is inflated by
   libdeflate in one call, then the scanline filters are undone in place. Anything else, and any
   damage, returns 1 so that libpng reads the file and words the error. */

static uint32_t be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline uint8_t paeth(uint8_t a, uint8_t b, uint8_t c) {
    int p = (int)a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
}

int sp_png_label_fast(const uint8_t *buf, size_t len, uint8_t *dst, size_t dst_len, int *width, int *height,
                      int *colour_type) {
    if (len < 8 + 25) return 1;
    size_t pos = 8;
    uint32_t w = 0, h = 0;
    int ctype = -1, palette_entries = 256;
    const uint8_t *idat = NULL;
    size_t idat_len = 0;
    uint8_t *joined = NULL;   /* IDAT data when split over several chunks */
    int seen_header = 0, seen_palette = 0, ended = 0;
    while (pos + 12 <= len) {
        uint32_t n = be32(buf + pos);
        const uint8_t *type = buf + pos + 4, *data = buf + pos + 8;
        if (n > len - pos - 12) break;   /* truncated */
        if (libdeflate_crc32(0, type, (size_t)n + 4) != be32(data + n)) break;
        if (!memcmp(type, "IHDR", 4)) {
            if (n != 13) break;
            w = be32(data); h = be32(data + 4);
            int depth = data[8];
            ctype = data[9];
            if (depth != 8 || (ctype != 0 && ctype != 3) || data[10] != 0 || data[11] != 0 || data[12] != 0) break;
            if (w == 0 || h == 0 || (size_t)w * h > ((size_t)1 << 31)) break;
            seen_header = 1;
        } else if (!memcmp(type, "PLTE", 4)) {
            if (idat) break;   /* after the image data: libpng decides */
            palette_entries = (int)(n / 3);
            seen_palette = 1;
        } else if (!memcmp(type, "IDAT", 4)) {
            if (!seen_header || (ctype == 3 && !seen_palette)) break;   /* a palette image needs its palette first */
            if (!idat) { idat = data; idat_len = n; }
            else {
                uint8_t *grown = realloc(joined, idat_len + n);
                if (!grown) break;
                if (!joined) memcpy(grown, idat, idat_len);
                joined = grown;
                memcpy(joined + idat_len, data, n);
                idat = joined;
                idat_len += n;
            }
        } else if (!memcmp(type, "IEND", 4)) {
            ended = 1;
            break;
        } else if (!(type[0] & 0x20)) {
            break;   /* an unknown critical chunk: libpng decides */
        }
        pos += (size_t)n + 12;
    }
    if (!ended || !idat) { free(joined); return 1; }
    const size_t stride = (size_t)w + 1, raw_len = stride * h;
    if (!dst || dst_len < raw_len) { free(joined); return 1; }
    uint8_t *raw = dst;
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    size_t got = 0;
    enum libdeflate_result r = d ? libdeflate_zlib_decompress(d, idat, idat_len, raw, raw_len, &got) : LIBDEFLATE_BAD_DATA;
    if (d) libdeflate_free_decompressor(d);
    free(joined);
    if (r != LIBDEFLATE_SUCCESS || got != raw_len) return 1;
    /* Undo the filters row by row, writing each unfiltered row over the start of its own filtered
       row shifted one byte left (row y's output lives at y * w, before row y's input at y * (w + 1)). */
    uint8_t max = 0;
    for (size_t y = 0; y < h; y++) {
        const uint8_t f = raw[y * stride];
        const uint8_t *src = raw + y * stride + 1;
        uint8_t *dst = raw + y * (size_t)w;
        const uint8_t *up = y ? raw + (y - 1) * (size_t)w : NULL;
        switch (f) {
        case 0: memmove(dst, src, w); break;
        case 1: dst[0] = src[0]; for (size_t x = 1; x < w; x++) dst[x] = (uint8_t)(src[x] + dst[x - 1]); break;
        case 2:
            if (up) for (size_t x = 0; x < w; x++) dst[x] = (uint8_t)(src[x] + up[x]);
            else memmove(dst, src, w);
            break;
        case 3:
            dst[0] = (uint8_t)(src[0] + (up ? up[0] >> 1 : 0));
            for (size_t x = 1; x < w; x++) dst[x] = (uint8_t)(src[x] + ((dst[x - 1] + (up ? up[x] : 0)) >> 1));
            break;
        case 4:
            dst[0] = (uint8_t)(src[0] + (up ? up[0] : 0));
            for (size_t x = 1; x < w; x++)
                dst[x] = (uint8_t)(src[x] + (up ? paeth(dst[x - 1], up[x], up[x - 1]) : dst[x - 1]));
            break;
        default: return 1;
        }
        for (size_t x = 0; x < w; x++) max = dst[x] > max ? dst[x] : max;
    }
    if (ctype == 3 && max >= palette_entries) return 1;   /* libpng's call */
    *width = (int)w;
    *height = (int)h;
    *colour_type = ctype;   /* w * h bytes of dst used */
    return 0;
}
