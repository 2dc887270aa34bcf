/*
 * segprep.h — the C interface of libsegprep: a seg-prep pipeline file as a source of samples.
 *
 * Sample (index, epoch) is, byte for byte, what `seg-prep run` writes into its shards for source
 * sample `index`, repeat `epoch`: a run with `repeats: R` holds epochs 0..R-1, and every later epoch
 * is a fresh, reproducible draw. Nothing is written to disk.
 *
 * Errors: every function returning `int` returns SEGPREP_OK (0) or one of the codes below; the
 * message of the last failure on the calling thread (the one `seg-prep` would print, e.g.
 * "pipelines/x.yaml:12:5: unknown stage 'flp'; did you mean 'flip'?") is `segprep_last_error()`.
 *
 * Threads: one handle may be used by any number of threads at once (`segprep_render` calls run in
 * parallel; each call uses the calling thread only). `segprep_close` must not race other calls on
 * the same handle.
 *
 * fork: a child should open its own handle (open lazily, in each worker) rather than use its
 * parent's. libvips (which decodes every image that is not a JPEG) starts on the first such sample
 * and cannot run in a child forked after that: there segprep_render fails with SEGPREP_ERR_OTHER
 * and says so, instead of hanging. Make no sample in a parent before forking workers, or spawn them.
 *
 * Strings returned through `char **` are allocated by the library: release them with
 * `segprep_free`. Sizes and indices are int64_t.
 */
#ifndef SEGPREP_H
#define SEGPREP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum segprep_status {
    SEGPREP_OK = 0,
    SEGPREP_ERR_ARGUMENT = 1, /* a NULL handle, path or buffer, or a seed below -1 */
    SEGPREP_ERR_PIPELINE = 2, /* the pipeline file is missing or wrong (message: file:line:column) */
    SEGPREP_ERR_INPUT = 3,    /* the dataset cannot be listed (missing root, split file, …) */
    SEGPREP_ERR_RANGE = 4,    /* index or epoch out of range */
    SEGPREP_ERR_SAMPLE = 5,   /* a source file of the sample is damaged or missing (message names it) */
    SEGPREP_ERR_BUFFER = 6,   /* a caller's buffer has the wrong size */
    SEGPREP_ERR_OTHER = 7     /* anything else (libvips cannot start or, in a process forked after it started, cannot run) */
};

typedef struct segprep_pipeline segprep_pipeline;

/* Opens, parses and checks the pipeline file `path` and lists its dataset.
 * `input_root`: replaces the file's input.root, or NULL. `seed`: replaces the file's seed when
 * >= 0; -1 keeps it. On success `*out` is a handle for segprep_close. */
int segprep_open(const char *path, const char *input_root, int64_t seed, segprep_pipeline **out);

/* Number of source samples (ids, or windows of a `tile` stage), or -1 for a NULL handle. */
int64_t segprep_count(const segprep_pipeline *p);

/* The id of source sample `index` (NUL-terminated, free with segprep_free). */
int segprep_id(const segprep_pipeline *p, int64_t index, char **id);

/* Output shape: image `height x width x 3` bytes; label `height x width` values of `label_bytes`
 * bytes each (1: uint8, 2: native-endian uint16). */
int segprep_shape(const segprep_pipeline *p, int64_t *height, int64_t *width, int64_t *label_bytes);

/* The pipeline as JSON (free with segprep_free): {"file", "height", "width", "label_bytes",
 * "classes": [names], "ignore_index", "seed", "repeats", "one_hot", "ids": [...]}. */
int segprep_info(const segprep_pipeline *p, char **json);

/* Makes sample (`index`, `epoch`): its image into `image` (exactly height*width*3 bytes, packed
 * RGB), its label into `label` (exactly height*width*label_bytes bytes), and, when `params_json`
 * is not NULL, the parameters it drew as a JSON object (free with segprep_free). */
int segprep_render(const segprep_pipeline *p, int64_t index, int64_t epoch,
                   uint8_t *image, size_t image_size, void *label, size_t label_size, char **params_json);

/* Makes sample (`index`, `epoch`) as training tensors, without a byte copy in between: the image
 * as three float32 planes [3, height, width] (`image_size` = 12*height*width bytes), byte v of
 * channel c becoming table[256*c + v] (768 floats, e.g. (v/255 - mean[c]) / std[c]); the label as
 * int64 [height, width] (`label_size` = 8*height*width bytes), each value below `classes` kept and
 * every other value replaced by `fill` (the ignore index). `params_json` as for segprep_render. */
int segprep_render_tensors(const segprep_pipeline *p, int64_t index, int64_t epoch, const float *table,
                           float *image, size_t image_size, int64_t *label, size_t label_size,
                           int64_t classes, int64_t fill, char **params_json);

/* The message of the last failed call on this thread ("" if none). Valid until the thread's next
 * failing call; do not free it. */
const char *segprep_last_error(void);

/* Releases a string the library returned (NULL is ignored). */
void segprep_free(char *s);

/* Releases a handle (NULL is ignored). */
void segprep_close(segprep_pipeline *p);

#ifdef __cplusplus
}
#endif

#endif /* SEGPREP_H */
