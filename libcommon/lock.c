/* lock.c: flock on sidecars; see lock.h for the protocol. */
#include <sys/file.h>
#include <fcntl.h>

#include "common.h"
#include "lock.h"
#include "path.h"

int
lock_take(const char *lockpath, int how, struct buf *err)
{
	int fd;

	if (hm_mkparents(lockpath, err) < 0)
		return -HM_EIO;
	fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 && (errno == EACCES || errno == EROFS))
		fd = open(lockpath, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hm_fail(err, HM_EIO, "cannot open lock '%s': %s",
		    lockpath, strerror(errno));
	while (flock(fd, how) < 0) {
		int e = errno;

		if (e == EINTR)
			continue;
		close(fd);
		if (e == EWOULDBLOCK)
			return hm_fail(err, HM_ECONFLICT, "'%s' is locked by "
			    "another process", lockpath);
		return hm_fail(err, HM_EIO, "cannot lock '%s': %s", lockpath,
		    strerror(e));
	}
	return fd;
}

void
lock_release(int fd)
{
	if (fd < 0)
		return;
	flock(fd, LOCK_UN);
	close(fd);
}

int
lock_held(const char *lockpath)
{
	int fd = open(lockpath, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (flock(fd, LOCK_SH | LOCK_NB) < 0)
		rc = errno == EWOULDBLOCK ? 1 : -1;
	close(fd);
	return rc;
}

char *
lock_sidecar(const char *path)
{
	char *dir = hm_dirname(path);
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s/.%s.lock", dir, hm_basename(path));
	free(dir);
	return buf_detach(&b);
}
