#ifndef SEGPREP_CONV_KERNELS_H
#define SEGPREP_CONV_KERNELS_H
#include <stddef.h>
#include <stdint.h>

/* Direct 3x3 convolution kernels, stride 1, zero padding, float32, NCHW, one image at a time.

   Shapes: input x [cin][h][w]; weight [cout][cin][3][3] (PyTorch layout); output
   [cout][ho][wo] with ho = h + 2*pad - 2 and wo = w + 2*pad - 2; pad is 0, 1 or 2.
   Each call handles the output rows [y0, y1) and needs `scratch` of at least
   sp_conv3x3_scratch_floats(cin, y1 - y0, w, pad) floats for the zero-padded input rows.
   `path` is the SIMD path (CSimdDispatch.h: portable C, AVX2+FMA, AVX-512), capped at what the CPU
   runs. Paths differ only in float rounding. */

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
                             float *out, int y0, int y1, float *scratch, int path);

/* dweight[o][c][ki][kj] += sum over y in [y0, y1) and x of g[o][y][x] * x[c][y+ki-pad][x+kj-pad],
   with g the output gradient [cout][ho][wo]. */
void sp_conv3x3_weight_grad_rows(const float *x, int cin, int h, int w, int pad,
                                 const float *g, int cout, float *dweight,
                                 int y0, int y1, float *scratch, int path);

#endif
