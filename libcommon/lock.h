/*
 * lock.h: flock(2) on stable sidecar files.
 *
 * A read-modify-write of NAME holds LOCK_EX on ".NAME.lock" beside it:
 * never the file being renamed over (a rename swaps the inode) and never
 * an O_EXCL lock file (SIGKILL would leave it stale).  The kernel drops a
 * flock when the holder dies, so a held lock also means "alive".
 *
 * lock_take(lockpath, how, err): how is LOCK_EX or LOCK_SH, optionally
 *   | LOCK_NB.  Creates the lock file (0600) and its directory.  Returns the
 *   fd (O_CLOEXEC, so children do not inherit the lock), -HM_ECONFLICT when
 *   LOCK_NB and someone holds it, or -HM_EIO.
 * lock_release(fd): unlocks and closes; fd < 0 is ignored.
 * lock_held(lockpath): 1 when some process holds it exclusively (a
 *   shared lock cannot be taken), 0 when not (or the file does not exist),
 *   -1 on error.
 * lock_sidecar(path): "DIR/.NAME.lock", malloc'd.
 */
#ifndef HM_LOCK_H
#define HM_LOCK_H

#include <sys/file.h>

struct buf;

int lock_take(const char *lockpath, int how, struct buf *err);
void lock_release(int fd);
int lock_held(const char *lockpath);
char *lock_sidecar(const char *path);

#endif
