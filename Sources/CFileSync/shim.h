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

/* Direct I/O (Linux O_DIRECT, declared by glibc only under _GNU_SOURCE): turns it on or off for an
   open file. Returns 0, or -1 with errno set (EINVAL where the file system does not support it);
   elsewhere -1 with errno ENOTSUP. */
#include <errno.h>
#if defined(__linux__) && defined(__O_DIRECT)
static inline int sp_set_direct(int fd, int on) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) return -1;
    /* glibc's per-architecture value of O_DIRECT, defined without _GNU_SOURCE. */
    return fcntl(fd, F_SETFL, on ? (flags | __O_DIRECT) : (flags & ~__O_DIRECT));
}
#else
static inline int sp_set_direct(int fd, int on) { (void)fd; (void)on; errno = ENOTSUP; return -1; }
#endif

/* Reserves the blocks of a file's first `bytes` before they are written (Linux fallocate(2), mode
   0, which glibc declares only under _GNU_SOURCE: the size becomes `bytes`, unwritten blocks read
   as zeros), so the file system maps them in one call instead of page by page as buffered writes
   arrive. Returns 0, or -1 with errno set (EOPNOTSUPP where the file system cannot); elsewhere -1
   with errno ENOTSUP. */
#if defined(__linux__) && defined(__GLIBC__)
int fallocate(int fd, int mode, __off64_t offset, __off64_t len);

static inline int sp_preallocate(int fd, long long bytes) { return fallocate(fd, 0, 0, (__off64_t)bytes); }
#else
static inline int sp_preallocate(int fd, long long bytes) { (void)fd; (void)bytes; errno = ENOTSUP; return -1; }
#endif
