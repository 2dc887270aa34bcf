#ifndef SEGPREP_SIMD_DISPATCH_H
#define SEGPREP_SIMD_DISPATCH_H

/* The SIMD paths of the C kernels (CPixelKernels, CLoaderKernels, CConvKernels), lowest first.
   Every kernel entry point takes the path to run as an int and caps it with sp_simd_usable, so the
   CPU is asked in one place (SIMDDispatch.c) and a caller can force any lower path. Which path a
   process uses is decided once on the Swift side (SegFormat's SIMDPath: SEGPREP_SIMD, else the
   best this CPU runs). Every path gives the same bytes, except the convolution kernels of
   training, whose paths differ in float rounding. */
enum {
    SP_SIMD_PORTABLE = 0, /* plain C: what every CPU (and aarch64) runs */
    SP_SIMD_AVX2 = 1,     /* x86-64 AVX2 + FMA (with SSE4.1 and POPCNT) */
    SP_SIMD_AVX512 = 2    /* x86-64 AVX-512 F, BW and VBMI, on top of AVX2 + FMA */
};

/* The highest path this CPU (and OS) runs; SP_SIMD_PORTABLE on anything but x86-64. */
int sp_simd_cpu_path(void);

/* `path` capped at sp_simd_cpu_path() (negative values read as portable). */
int sp_simd_usable(int path);

#endif
