#include "CImageCodecs.h"
#include <stdarg.h>
#include <tiffio.h>

/* GeoTIFF's georeferencing tags (GeoTIFF 1.1, section 7.1): libtiff reads them as anonymous
   DOUBLE fields, passed with their count. */
enum { MODEL_PIXEL_SCALE = 33550, MODEL_TIEPOINT = 33922, MODEL_TRANSFORMATION = 34264, GEO_KEY_DIRECTORY = 34735,
       GT_RASTER_TYPE = 1025 };

/* Messages stay with this handle: libvips' global libtiff handlers are not called. */
static int quiet(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)user; (void)module; (void)fmt; (void)ap;
    return 1;
}

/* The tag's values when it holds at least `want` of `type` (libtiff takes an unknown tag's type
   from the file). */
static const void *field(TIFF *t, uint32_t tag, TIFFDataType type, uint32_t want) {
    const TIFFField *f = TIFFFieldWithTag(t, tag);
    uint32_t count = 0;
    const void *v = NULL;
    if (!f || TIFFFieldDataType(f) != type || !TIFFGetField(t, tag, &count, &v) || !v || count < want) return NULL;
    return v;
}

static int doubles(TIFF *t, uint32_t tag, double *out, uint32_t want) {
    const double *v = field(t, tag, TIFF_DOUBLE, want);
    if (!v) return 0;
    for (uint32_t i = 0; i < want; i++) out[i] = v[i];
    return 1;
}

/* GTRasterTypeGeoKey from the GeoKeyDirectoryTag (SHORTs: a 4-value header whose last is the key
   count, then (key, location, count, value) per key; location 0 holds the value inline), or 0. */
static int raster_type(TIFF *t) {
    const uint16_t *d = field(t, GEO_KEY_DIRECTORY, TIFF_SHORT, 4);
    if (!d) return 0;
    uint32_t count = 0;
    const void *v = NULL;
    TIFFGetField(t, GEO_KEY_DIRECTORY, &count, &v);
    for (uint32_t k = 0; k < d[3] && 4 + 4 * k + 3 < count; k++) {
        const uint16_t *e = d + 4 + 4 * k;
        if (e[0] == GT_RASTER_TYPE && e[1] == 0) return e[3];
    }
    return 0;
}

int sp_geotiff_read(const char *path, double *scale, double *tiepoint, double *matrix, int *pixel_is_point) {
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
    *pixel_is_point = raster_type(t) == 2;
    TIFFClose(t);
    return found;
}
