/*
 * watch.c: inotify through libinotifytools, the one file that includes
 * it.  An event only says "rescan"; see watch.h for the contract.
 *
 * libinotifytools owns the inotify instance and reads the events
 * (inotifytools_next_events buffers them in static storage), but it
 * offers no way to wait with a timeout finer than a second, nor to wait
 * for either an event or a signal without a race.  So we find its
 * descriptor: inotify_init() returns the lowest free descriptor, which
 * we learn just before inotifytools_initialize(), and we prove it by
 * watching the first directory through the library and then asking
 * that descriptor for a new watch on it with IN_MASK_CREATE, which only
 * the instance that already watches it refuses with EEXIST (kernels
 * before 4.18 ignore the flag: there the watch descriptor must match
 * the library's).  We then sleep in ppoll(2), with SIGINT and SIGTERM
 * blocked everywhere else, so a signal that arrives after we checked
 * sig_interrupted still ends the sleep; and we read the events through
 * the library with a zero timeout, which never blocks.
 *
 * Which directories are watched we keep ourselves (watch descriptor ->
 * path): the library's own table goes stale when a directory is removed
 * or renamed, and re-adding a known directory leaks there.  A directory
 * that arrives (IN_CREATE or IN_MOVED_TO with IN_ISDIR) is walked and
 * every directory in it watched; one that leaves by rename loses its
 * watches; one that is deleted loses them by IN_IGNORED.  After
 * IN_Q_OVERFLOW we walk the whole tree again, since creations may have
 * been lost.  Dot-names are neither watched nor reported.
 */
#include <sys/inotify.h>
#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <time.h>

#include <inotifytools/inotifytools.h>

#include "common.h"
#include "sig.h"
#include "watch.h"
#include "timeutil.h"

#define WATCH_EVENTS	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | \
	IN_DELETE | IN_MOVED_FROM)
#define WATCH_DRAIN	4096	/* events read in one go at most */

struct watch_dir {
	int wd;
	int root;		/* given to watch_open: losing it is an error */
	char *path;		/* absolute, no trailing slash */
};

struct watch {
	int fd;			/* the library's inotify descriptor */
	struct watch_dir *v;
	size_t n, cap;
};

static int watch_busy;		/* the library holds one instance only */

static struct watch_dir *
find_wd(struct watch *w, int wd)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->v[i].wd == wd)
			return &w->v[i];
	return NULL;
}

static void
forget(struct watch *w, size_t i)
{
	free(w->v[i].path);
	w->v[i] = w->v[--w->n];
}

/* Remember wd for path (a renamed directory keeps its wd: new path). */
static void
remember(struct watch *w, int wd, const char *path, int root)
{
	struct watch_dir *d = find_wd(w, wd);

	if (d) {
		d->root |= root;
		if (strcmp(d->path, path)) {
			free(d->path);
			d->path = xstrdup(path);
		}
		return;
	}
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 16;
		w->v = xrealloc(w->v, w->cap * sizeof(*w->v));
	}
	w->v[w->n].wd = wd;
	w->v[w->n].root = root;
	w->v[w->n].path = xstrdup(path);
	w->n++;
}

/* Stop watching path and everything below it (it left the tree). */
static void
drop_tree(struct watch *w, const char *path)
{
	size_t i = 0, n = strlen(path);

	while (i < w->n) {
		const char *p = w->v[i].path;

		if (!w->v[i].root && !strncmp(p, path, n) &&
		    (p[n] == '\0' || p[n] == '/')) {
			inotify_rm_watch(w->fd, w->v[i].wd);
			forget(w, i);
		} else {
			i++;
		}
	}
}

static int
is_dir_entry(const char *dir, const struct dirent *de)
{
	struct buf p = BUF_INIT;
	struct stat st;
	int rc;

	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	buf_addf(&p, "%s/%s", dir, de->d_name);
	rc = lstat(p.s, &st) == 0 && S_ISDIR(st.st_mode);
	buf_release(&p);
	return rc;
}

/*
 * Watch dir and every directory below it, skipping dot-names.  A
 * directory that vanished meanwhile is skipped; a refused watch (the
 * limit, no memory) is -HM_EIO.
 */
static int
add_tree(struct watch *w, const char *dir, int root, struct buf *err)
{
	struct buf sub = BUF_INIT;
	struct dirent *de;
	DIR *d;
	int wd, rc = 0;
	uint32_t mask = WATCH_EVENTS | IN_ONLYDIR |
	    (root ? 0 : IN_DONT_FOLLOW);

	wd = inotify_add_watch(w->fd, dir, mask);
	if (wd < 0) {
		if (!root && (errno == ENOENT || errno == ENOTDIR ||
		    errno == EACCES))
			return 0;
		if (errno == ENOENT)
			return hm_fail(err, HM_ENOTFOUND, "no directory '%s'",
			    dir);
		return hm_fail(err, HM_EIO, "cannot watch '%s': %s", dir,
		    strerror(errno));
	}
	remember(w, wd, dir, root);
	d = opendir(dir);
	if (!d)
		return 0;	/* gone again, or unreadable: no subdirs */
	while (rc == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !is_dir_entry(dir, de))
			continue;
		buf_reset(&sub);
		buf_addf(&sub, "%s/%s", dir, de->d_name);
		rc = add_tree(w, sub.s, 0, err);
	}
	closedir(d);
	buf_release(&sub);
	return rc;
}

/* The lowest free descriptor: the one inotify_init() will return. */
static int
lowest_free_fd(void)
{
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

/*
 * Start the library, expected on descriptor fd, and prove it: fd must
 * be the instance that already watches dir0 (see the top).
 */
static int
start(struct watch *w, int fd, const char *dir0, struct buf *err)
{
	struct buf slash = BUF_INIT;
	int wd, lib;

	if (!inotifytools_initialize())
		return hm_fail(err, HM_EIO, "cannot start inotify: %s",
		    strerror(inotifytools_error()));
	w->fd = fd;
	if (!inotifytools_watch_file(dir0, WATCH_EVENTS | IN_ONLYDIR))
		return hm_fail(err, HM_EIO, "cannot watch '%s': %s", dir0,
		    strerror(inotifytools_error()));
	buf_addf(&slash, "%s/", dir0);
	lib = inotifytools_wd_from_filename(slash.s);
	buf_release(&slash);
	wd = fd < 0 ? -1 : inotify_add_watch(fd, dir0,
	    WATCH_EVENTS | IN_ONLYDIR | IN_MASK_CREATE);
	if (wd < 0 && errno == EEXIST)
		wd = lib;
	if (wd < 0 || wd != lib)
		return hm_fail(err, HM_EIO, "cannot find the inotify "
		    "descriptor of libinotifytools");
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return hm_fail(err, HM_EIO, "cannot set close-on-exec on the "
		    "inotify descriptor: %s", strerror(errno));
	return 0;
}

int
watch_open(struct watch **wp, const char *const *dirs, struct buf *err)
{
	struct watch *w;
	char **real;
	size_t i, n;
	int rc = 0;

	*wp = NULL;
	if (watch_busy)
		return hm_fail(err, HM_EFAIL, "only one watch may be open at a "
		    "time");
	for (n = 0; dirs && dirs[n]; n++)
		;
	if (!n)
		return hm_fail(err, HM_EINVAL, "no directory to watch");
	real = xcalloc(n, sizeof(*real));
	for (i = 0; i < n && !rc; i++) {
		struct stat st;

		real[i] = realpath(dirs[i], NULL);
		if (!real[i] && errno == ENOMEM)
			hm_oom();
		if (!real[i] && (errno == ENOENT || errno == ENOTDIR))
			rc = hm_fail(err, HM_ENOTFOUND, "no directory '%s'",
			    dirs[i]);
		else if (!real[i])
			rc = hm_fail(err, HM_EIO, "cannot watch '%s': %s",
			    dirs[i], strerror(errno));
		else if (stat(real[i], &st) < 0 || !S_ISDIR(st.st_mode))
			rc = hm_fail(err, HM_EINVAL, "'%s' is not a directory",
			    dirs[i]);
	}
	w = xcalloc(1, sizeof(*w));
	w->fd = -1;
	if (!rc) {
		watch_busy = 1;
		rc = start(w, lowest_free_fd(), real[0], err);
	}
	for (i = 0; i < n && !rc; i++)
		rc = add_tree(w, real[i], 1, err);
	for (i = 0; i < n; i++)
		free(real[i]);
	free(real);
	if (rc < 0) {
		watch_close(w);
		return rc;
	}
	*wp = w;
	return 0;
}

void
watch_close(struct watch *w)
{
	size_t i;

	if (!w)
		return;
	if (watch_busy)
		inotifytools_cleanup();	/* closes the descriptor */
	watch_busy = 0;
	for (i = 0; i < w->n; i++)
		free(w->v[i].path);
	free(w->v);
	free(w);
}

/*
 * One event: 1 when it is a change, 0 when not, or -HM_E*.  New
 * directories get watches here, before the caller rescans, so a file
 * written into one after that is seen.
 */
static int
handle(struct watch *w, const struct inotify_event *ev, struct buf *err)
{
	struct watch_dir *d;
	struct buf path = BUF_INIT;
	const char *name = ev->len ? ev->name : "";
	size_t i;
	int rc = 1;

	if (ev->mask & IN_Q_OVERFLOW) {
		for (i = 0; i < w->n && rc >= 0; i++) {
			if (!w->v[i].root)
				continue;
			buf_reset(&path);
			buf_adds(&path, w->v[i].path);	/* w->v may move */
			rc = add_tree(w, path.s, 1, err);
		}
		buf_release(&path);
		return rc < 0 ? rc : 1;
	}
	d = find_wd(w, ev->wd);
	if (ev->mask & IN_IGNORED) {
		if (!d)
			return 0;
		if (d->root)
			return hm_fail(err, HM_ENOTFOUND, "watched directory "
			    "'%s' was removed", d->path);
		forget(w, (size_t)(d - w->v));
		return 0;
	}
	if (name[0] == '.')
		return 0;
	if (!d || !*name || !(ev->mask & IN_ISDIR))
		return 1;
	buf_addf(&path, "%s/%s", d->path, name);
	if (ev->mask & IN_MOVED_FROM)
		drop_tree(w, path.s);
	else if (ev->mask & (IN_CREATE | IN_MOVED_TO))
		rc = add_tree(w, path.s, 0, err);
	buf_release(&path);
	return rc < 0 ? rc : 1;
}

/* Read every queued event, never blocking: 1 if one was a change. */
static int
drain(struct watch *w, struct buf *err)
{
	struct inotify_event *ev = NULL;
	int changed = 0, rc, i;

	for (i = 0; i < WATCH_DRAIN; i++) {
		ev = inotifytools_next_events(0, 1);
		if (!ev)
			break;
		rc = handle(w, ev, err);
		if (rc < 0)
			return rc;
		changed |= rc;
	}
	if (i < WATCH_DRAIN && !ev && inotifytools_error() &&
	    inotifytools_error() != EINTR)
		return hm_fail(err, HM_EIO, "cannot read inotify events: %s",
		    strerror(inotifytools_error()));
	return changed;
}

static long
ms_since(long long t0)
{
	return (long)(tu_mono_ms() - t0);
}

/*
 * Sleep until the descriptor is readable, left_ms passed (< 0: no
 * limit), or a signal came; the signals blocked by the caller are open
 * only inside ppoll.  -HM_EIO on failure, else 0.
 */
static int
sleep_on(struct watch *w, long left_ms, const sigset_t *open_mask,
    struct buf *err)
{
	struct pollfd p = { .fd = w->fd, .events = POLLIN };
	struct timespec ts;

	ts.tv_sec = left_ms / 1000;
	ts.tv_nsec = (left_ms % 1000) * 1000000;
	if (ppoll(&p, 1, left_ms < 0 ? NULL : &ts, open_mask) < 0 &&
	    errno != EINTR)
		return hm_fail(err, HM_EIO, "cannot wait for inotify events: "
		    "%s", strerror(errno));
	return 0;
}

int
watch_wait(struct watch *w, long timeout_ms, struct buf *err)
{
	long long t0;
	sigset_t block, old;
	long left = timeout_ms;
	int rc;

	if (sig_interrupted)
		return 0;
	t0 = tu_mono_ms();
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	for (;;) {
		rc = drain(w, err);
		if (rc != 0 || sig_interrupted)
			break;
		if (timeout_ms >= 0) {
			left = timeout_ms - ms_since(t0);
			if (left <= 0)
				break;
		}
		rc = sleep_on(w, left, &old, err);
		if (rc < 0 || sig_interrupted)
			break;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
