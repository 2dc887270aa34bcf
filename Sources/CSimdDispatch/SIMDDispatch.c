#include "CSimdDispatch.h"

/* The only place the C kernels ask the CPU what it runs. */
static int detect(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("popcnt")))
        return SP_SIMD_PORTABLE;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vbmi"))
        return SP_SIMD_AVX512;
    return SP_SIMD_AVX2;
#else
    return SP_SIMD_PORTABLE;
#endif
}

int sp_simd_cpu_path(void) {
    /* -1 until detected; racing first calls detect the same answer. */
    static int cached = -1;
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v < 0) {
        v = detect();
        __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    }
    return v;
}

int sp_simd_usable(int path) {
    const int best = sp_simd_cpu_path();
    if (path < SP_SIMD_PORTABLE) return SP_SIMD_PORTABLE;
    return path < best ? path : best;
}
