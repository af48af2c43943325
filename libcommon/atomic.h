/*
 * atomic.h: replace a file so that a reader, or a crash at any instant,
 * sees the old contents or the new, never a mix.
 *
 * atomic_write(path, data, len, mode, err):
 *   1. mkostemp "DIR/.NAME.XXXXXX" in the same directory (same file
 *      system, so rename is atomic; the dot hides it from readers),
 *   2. fchmod to mode, write all, fsync,
 *   3. rename over path, fsync the directory.
 * The temp file is registered with sig.h while it exists, so SIGINT or
 * SIGTERM removes it.  Only SIGKILL can leave one behind; atomic_sweep()
 * removes such debris and must be called under the file's lock (then no
 * other writer of that file can be between steps 1 and 3).
 * Parent directories are created mode 0700 when missing.
 * Returns 0, or -HM_EIO with the one-line reason in err.
 */
#ifndef HM_ATOMIC_H
#define HM_ATOMIC_H

#include <sys/types.h>

struct buf;

int atomic_write(const char *path, const void *data, size_t len, mode_t mode,
    struct buf *err);
int atomic_sweep(const char *path);

#endif
