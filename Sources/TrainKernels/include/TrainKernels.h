#ifndef SEGPREP_TRAIN_KERNELS_H
#define SEGPREP_TRAIN_KERNELS_H
#include <stddef.h>
#include <stdint.h>

/* Direct 3x3 convolution kernels, stride 1, zero padding, float32, NCHW, one image at a time.

   Shapes: input x [cin][h][w]; weight [cout][cin][3][3] (PyTorch layout); output
   [cout][ho][wo] with ho = h + 2*pad - 2 and wo = w + 2*pad - 2; pad is 0, 1 or 2.
   Each call handles the output rows [y0, y1) and needs `scratch` of at least
   sp_conv3x3_scratch_floats(cin, y1 - y0, w, pad) floats for the zero-padded input rows.
   `isa` picks the instruction set: 0 portable C, 1 AVX2+FMA, 2 AVX-512F; a level the CPU lacks
   falls back to the best it has. Levels differ only in float rounding. */

/* The best level this CPU runs (0, 1 or 2). */
int sp_conv3x3_best_isa(void);

/* Floats of scratch for `rows` output rows. */
size_t sp_conv3x3_scratch_floats(int cin, int rows, int w, int pad);

/* Floats of packed weights: cout rounded up to a multiple of 4, times cin * 9. */
size_t sp_conv3x3_packed_floats(int cout, int cin);

/* Repacks weight [cout][cin][3][3] as [cout/4][cin][9][4] (zero-filled past cout). */
void sp_conv3x3_pack(const float *weight, int cout, int cin, float *packed);

/* out[o][y][x] = bias[o] + sum over c, ki, kj of weight[o][c][ki][kj] * x[c][y+ki-pad][x+kj-pad]
   for y in [y0, y1); bias may be NULL (zero). `packed` comes from sp_conv3x3_pack. */
void sp_conv3x3_forward_rows(const float *x, int cin, int h, int w, int pad,
                             const float *packed, int cout, const float *bias,
                             float *out, int y0, int y1, float *scratch, int isa);

/* dweight[o][c][ki][kj] += sum over y in [y0, y1) and x of g[o][y][x] * x[c][y+ki-pad][x+kj-pad],
   with g the output gradient [cout][ho][wo]. */
void sp_conv3x3_weight_grad_rows(const float *x, int cin, int h, int w, int pad,
                                 const float *g, int cout, float *dweight,
                                 int y0, int y1, float *scratch, int isa);

/* One-hot rows: dst[i * channels + c] = (labels[i] == c) for i < count, written with non-temporal
   stores (AVX2 machines). Labels must be below `channels`. Returns 0, or -1 without writing when it
   does not apply (no AVX2, dst not 16-byte aligned, channels outside 1...256). */
int sp_one_hot_i32(const int32_t *labels, size_t count, int channels, float *dst);
int sp_one_hot_u8(const uint8_t *labels, size_t count, int channels, float *dst);

/* n interleaved RGB pixels at src -> planes r, g, b (n floats each): r[i] = table[src[3i]],
   g[i] = table[256 + src[3i+1]], b[i] = table[512 + src[3i+2]]. Returns 0, or -1 without writing
   when the CPU lacks AVX-512 (F, BW, VBMI) and the caller should convert itself. */
int sp_rgb_to_planes(const uint8_t *src, size_t n, const float *table, float *r, float *g, float *b);

/* n byte labels -> Int32, each clamped to `limit`. Returns 0, or -1 without writing when the CPU
   lacks AVX-512 (F, BW) and the caller should convert itself. */
int sp_labels_to_i32(const uint8_t *src, size_t n, int32_t limit, int32_t *dst);

#endif
