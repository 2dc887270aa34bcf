#include <xxhash.h>
#if defined(__x86_64__)
/* libxxhash's x86 build also exports XXH3 with run-time dispatch to the widest vector unit the CPU
   has (xxh_x86dispatch.h; that header also renames the plain functions, so only this is declared).
   Same digests as the plain functions. */
XXH_PUBLIC_API XXH_errorcode XXH3_128bits_update_dispatch(XXH3_state_t *state, const void *input, size_t len);
#endif
