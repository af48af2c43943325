/*
 * atomic.c: temp + fsync + rename + fsync(dir), after nq and Maildir.
 * The temp name is ".NAME.XXXXXX" beside the target; atomic_sweep knows
 * that shape and nothing else.
 */
#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>

#include "common.h"
#include "atomic.h"
#include "path.h"
#include "sig.h"

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	if (rc < 0 && (errno == EINVAL || errno == EROFS))
		rc = 0;	/* some file systems cannot sync directories */
	close(fd);
	return rc;
}

int
atomic_write(const char *path, const void *data, size_t len, mode_t mode,
    struct buf *err)
{
	char *dir = hm_dirname(path);
	struct buf tmp = BUF_INIT;
	const char *what = "create a temporary file for";
	int fd = -1, rc = 0, e, live = 0;

	if (hm_mkparents(path, err) < 0) {
		free(dir);
		return -HM_EIO;
	}
	buf_addf(&tmp, "%s/.%s.XXXXXX", dir, hm_basename(path));
	fd = mkostemp(tmp.s, O_CLOEXEC);
	if (fd < 0)
		goto fail;
	live = 1;
	sig_tempfile(tmp.s);
	what = "write";
	if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 ||
	    fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp.s, path) < 0)
		goto fail;
	live = 0;
	sig_tempfile(NULL);
	if (fsync_dir(dir) < 0) {
		what = "sync the directory of";
		goto fail;
	}
	goto out;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	if (live) {
		unlink(tmp.s);
		sig_tempfile(NULL);
	}
	rc = hm_fail(err, HM_EIO, "cannot %s '%s': %s", what, path,
	    strerror(e));
out:
	buf_release(&tmp);
	free(dir);
	return rc;
}

static int
is_temp_of(const char *name, const char *base)
{
	size_t n = strlen(base), i;

	if (name[0] != '.' || strncmp(name + 1, base, n) || name[n + 1] != '.')
		return 0;
	name += n + 2;
	for (i = 0; name[i]; i++)
		;
	return i == 6;
}

int
atomic_sweep(const char *path)
{
	char *dir = hm_dirname(path);
	const char *base = hm_basename(path);
	struct buf p = BUF_INIT;
	struct dirent *de;
	DIR *d;
	int n = 0;

	d = opendir(dir);
	if (!d) {
		free(dir);
		return 0;
	}
	while ((de = readdir(d))) {
		if (!is_temp_of(de->d_name, base))
			continue;
		buf_reset(&p);
		buf_addf(&p, "%s/%s", dir, de->d_name);
		if (unlink(p.s) == 0)
			n++;
	}
	closedir(d);
	buf_release(&p);
	free(dir);
	return n;
}
