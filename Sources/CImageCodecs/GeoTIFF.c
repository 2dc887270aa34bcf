#include "CImageCodecs.h"
#include <stdarg.h>
#include <tiffio.h>

/* GeoTIFF's georeferencing tags (GeoTIFF 1.1, section 7.1): libtiff reads them as anonymous
   DOUBLE fields, passed with their count. */
enum { MODEL_PIXEL_SCALE = 33550, MODEL_TIEPOINT = 33922, MODEL_TRANSFORMATION = 34264 };

/* Messages stay with this handle: libvips' global libtiff handlers are not called. */
static int quiet(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)user; (void)module; (void)fmt; (void)ap;
    return 1;
}

static int doubles(TIFF *t, uint32_t tag, double *out, uint32_t want) {
    uint32_t count = 0;
    double *v = NULL;
    if (!TIFFGetField(t, tag, &count, &v) || !v || count < want) return 0;
    for (uint32_t i = 0; i < want; i++) out[i] = v[i];
    return 1;
}

int sp_geotiff_read(const char *path, double *scale, double *tiepoint, double *matrix) {
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts) return -1;
    TIFFOpenOptionsSetErrorHandlerExtR(opts, quiet, NULL);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, quiet, NULL);
    TIFF *t = TIFFOpenExt(path, "r", opts);
    TIFFOpenOptionsFree(opts);
    if (!t) return -1;
    int found = 0;
    if (doubles(t, MODEL_PIXEL_SCALE, scale, 3)) found |= 1;
    if (doubles(t, MODEL_TIEPOINT, tiepoint, 6)) found |= 2;
    if (doubles(t, MODEL_TRANSFORMATION, matrix, 16)) found |= 4;
    TIFFClose(t);
    return found;
}
