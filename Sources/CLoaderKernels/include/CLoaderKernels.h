#ifndef SEGPREP_LOADER_KERNELS_H
#define SEGPREP_LOADER_KERNELS_H
#include <stddef.h>
#include <stdint.h>

/* Batch conversion kernels of the shard loader. Each takes the SIMD path to run (`path`, see
   CSimdDispatch.h) and returns -1 without writing when that path (capped at what the CPU runs) has
   no kernel for it; the caller then converts in Swift, to the same values. */

/* One-hot rows: dst[i * channels + c] = (labels[i] == c) for i < count, written with non-temporal
   stores (AVX2 and AVX-512 paths). Labels must be below `channels`. Returns 0, or -1 without writing
   when it does not apply (portable path, dst not 16-byte aligned, channels outside 1...256). */
int sp_one_hot_i32(const int32_t *labels, size_t count, int channels, float *dst, int path);
int sp_one_hot_u8(const uint8_t *labels, size_t count, int channels, float *dst, int path);

/* n interleaved RGB pixels at src -> planes r, g, b (n floats each): r[i] = table[src[3i]],
   g[i] = table[256 + src[3i+1]], b[i] = table[512 + src[3i+2]]. Returns 0, or -1 without writing
   below the AVX-512 path. */
int sp_rgb_to_planes(const uint8_t *src, size_t n, const float *table, float *r, float *g, float *b, int path);

/* n byte labels -> Int32, each clamped to `limit`. Returns 0, or -1 without writing below the
   AVX-512 path. */
int sp_labels_to_i32(const uint8_t *src, size_t n, int32_t limit, int32_t *dst, int path);

#endif
