/* Starts writing a file range back to disk without waiting (Linux sync_file_range(2) with
   SYNC_FILE_RANGE_WRITE, which glibc's <fcntl.h> declares only under _GNU_SOURCE); elsewhere a
   no-op.
   Returns 0, or -1 with errno set. */
#include <fcntl.h>

#if defined(__linux__) && defined(__GLIBC__)
int sync_file_range(int fd, __off64_t offset, __off64_t nbytes, unsigned int flags);

static inline int sp_start_writeback(int fd, long long offset, long long nbytes) {
    return sync_file_range(fd, (__off64_t)offset, (__off64_t)nbytes, 2u /* SYNC_FILE_RANGE_WRITE */);
}
#else
static inline int sp_start_writeback(int fd, long long offset, long long nbytes) {
    (void)fd; (void)offset; (void)nbytes;
    return 0;
}
#endif
