#include <cblas.h>

/* Exported by OpenBLAS (used around fork): stops its server threads, which otherwise spin for a
   while after the library loads; they are started again by the next threaded BLAS call. */
int blas_thread_shutdown_(void);
