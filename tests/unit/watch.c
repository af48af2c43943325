/*
 * watch.c: unit tests for libcommon/watch.c.  A missing directory is
 * -HM_ENOTFOUND and a second open -HM_EFAIL; a file put by atomic_write,
 * before the wait or (from a child) while it sleeps, wakes the waiter
 * once (its temp file's events are coalesced or ignored); a timeout returns 0 after about the time asked; dot-files
 * and dot-directories alone do not wake it; a new subdirectory, a
 * nested one, a directory renamed into place and a renamed subdirectory
 * are watched, so a file inside wakes it; a delete wakes it; SIGINT
 * (sig_catch_interrupt) ends the wait at once; removing the watched
 * directory is -HM_ENOTFOUND; the inotify descriptor is close-on-exec
 * and is closed by watch_close.  Times are asserted loosely.
 * Files: everything lives in one mkdtemp directory, removed at the end.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <time.h>

#include "common.h"
#include "atomic.h"
#include "path.h"
#include "sig.h"
#include "watch.h"
#include "tap.h"

static char home[] = "/tmp/hermes-unit-watch.XXXXXX";
static char *dir;		/* home/box: the watched directory */

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static char *
at(const char *rel)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s/%s", dir, rel);
	return buf_detach(&b);
}

static void
put(const char *rel)
{
	char *p = at(rel);

	if (atomic_write(p, "x\n", 2, 0600, NULL) < 0)
		printf("# cannot write %s\n", p);
	free(p);
}

static void
plain_write(const char *rel)
{
	char *p = at(rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, "x", 1) != 1)
		printf("# cannot write %s\n", p);
	if (fd >= 0)
		close(fd);
	free(p);
}

static void
mkdir_at(const char *rel)
{
	char *p = at(rel);

	if (mkdir(p, 0700) < 0)
		printf("# cannot mkdir %s\n", p);
	free(p);
}

static void
rename_at(const char *from, const char *to)
{
	char *a = at(from), *b = at(to);

	if (rename(a, b) < 0)
		printf("# cannot rename %s\n", a);
	free(a);
	free(b);
}

static long
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The inotify descriptors open: how many, and how many lack CLOEXEC. */
static int
inotify_fds(int *no_cloexec)
{
	char link[64];
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	ssize_t len;

	*no_cloexec = 0;
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		len = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (len < 0)
			continue;
		link[len] = '\0';
		if (strcmp(link, "anon_inode:inotify"))
			continue;
		n++;
		if (!(fcntl((int)strtol(de->d_name, NULL, 10), F_GETFD) &
		    FD_CLOEXEC))
			(*no_cloexec)++;
	}
	closedir(d);
	return n;
}

static void
test_open(void)
{
	struct buf err = BUF_INIT;
	const char *missing[] = { NULL, NULL };
	struct watch *w = NULL, *w2 = NULL;
	const char *dirs[] = { dir, NULL };
	int nocx;

	missing[0] = "/nonexistent/hermes-watch";
	is_int(watch_open(&w, missing, &err), -HM_ENOTFOUND,
	    "a missing directory is -HM_ENOTFOUND");
	ok(strstr(buf_str(&err), "/nonexistent/hermes-watch") != NULL,
	    "naming it: %s", buf_str(&err));
	ok(w == NULL, "no watch");
	is_int(watch_open(&w, dirs, &err), 0, "open");
	is_int(watch_open(&w2, dirs, &err), -HM_EFAIL,
	    "a second watch is refused");
	is_int(inotify_fds(&nocx), 1, "one inotify descriptor");
	is_int(nocx, 0, "it is close-on-exec");
	watch_close(w);
	is_int(inotify_fds(&nocx), 0, "watch_close closes it");
	is_int(watch_open(&w, dirs, &err), 0, "open again after close");
	watch_close(w);
	buf_release(&err);
}

static void
test_events(void)
{
	struct buf err = BUF_INIT;
	const char *dirs[] = { dir, NULL };
	struct watch *w = NULL;
	long t0, dt;
	pid_t pid;
	char *p;

	put("old");
	mkdir_at("pre");
	mkdir_at("pre/deep");
	is_int(watch_open(&w, dirs, &err), 0, "open");
	is_int(watch_wait(w, 0, &err), 0, "nothing yet (poll)");

	t0 = now_ms();
	is_int(watch_wait(w, 300, &err), 0, "timeout gives 0");
	dt = now_ms() - t0;
	ok(dt >= 250 && dt < 2000, "after about 300 ms: %ld", dt);

	pid = fork();
	if (pid == 0) {
		usleep(200000);
		put("late.json");
		_exit(0);
	}
	t0 = now_ms();
	is_int(watch_wait(w, 10000, &err), 1, "a file put while it sleeps "
	    "wakes it");
	dt = now_ms() - t0;
	ok(dt >= 100 && dt < 5000, "when it comes: %ld ms", dt);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	watch_wait(w, 100, &err);

	put("a.json");
	is_int(watch_wait(w, 5000, &err), 1, "atomic rename wakes it");
	is_int(watch_wait(w, 200, &err), 0, "its events were all drained");

	put(".hidden");
	plain_write(".tmp");
	rename_at(".tmp", ".tmp2");
	p = at(".tmp2");
	unlink(p);
	free(p);
	is_int(watch_wait(w, 300, &err), 0, "dot-files alone do not wake it");

	plain_write("pre/deep/f");
	is_int(watch_wait(w, 5000, &err), 1,
	    "a subdirectory present at open is watched");

	mkdir_at("sub");
	is_int(watch_wait(w, 5000, &err), 1, "a new subdirectory wakes it");
	put("sub/m.json");
	is_int(watch_wait(w, 5000, &err), 1, "a file inside it wakes it");

	mkdir_at("n1");
	mkdir_at("n1/n2");
	is_int(watch_wait(w, 5000, &err), 1, "nested directories wake it");
	put("n1/n2/x");
	is_int(watch_wait(w, 5000, &err), 1, "the inner one is watched");

	mkdir_at(".stage");
	put(".stage/file");
	is_int(watch_wait(w, 300, &err), 0, "a dot-directory is not watched");
	rename_at(".stage", "ready");
	is_int(watch_wait(w, 5000, &err), 1,
	    "renamed into place, it wakes it");
	put("ready/y");
	is_int(watch_wait(w, 5000, &err), 1, "and is watched");

	rename_at("sub", "sub2");
	is_int(watch_wait(w, 5000, &err), 1, "renaming a directory wakes it");
	put("sub2/z");
	is_int(watch_wait(w, 5000, &err), 1, "under its new name too");

	p = at("a.json");
	unlink(p);
	free(p);
	is_int(watch_wait(w, 5000, &err), 1, "a delete wakes it");

	rename_at("old", "new");
	is_int(watch_wait(w, 5000, &err), 1, "a rename of a file wakes it");
	is_int(watch_wait(w, 100, &err), 0, "quiet again");

	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	is_int(watch_wait(w, 5000, &err), -HM_ENOTFOUND,
	    "removing the watched directory is -HM_ENOTFOUND");
	ok(strstr(buf_str(&err), dir) != NULL, "naming it: %s",
	    buf_str(&err));
	watch_close(w);
	mkdir(dir, 0700);
	buf_release(&err);
}

static void
test_signal(void)
{
	struct buf err = BUF_INIT;
	const char *dirs[] = { dir, NULL };
	struct watch *w = NULL;
	long t0, dt;
	pid_t pid;

	sig_catch_interrupt();
	is_int(watch_open(&w, dirs, &err), 0, "open");
	pid = fork();
	if (pid == 0) {
		usleep(200000);
		kill(getppid(), SIGINT);
		_exit(0);
	}
	t0 = now_ms();
	is_int(watch_wait(w, 10000, &err), 0, "SIGINT ends the wait with 0");
	dt = now_ms() - t0;
	ok(dt < 5000, "promptly: %ld ms", dt);
	ok(sig_interrupted, "sig_interrupted is set");
	if (pid > 0)
		waitpid(pid, NULL, 0);
	t0 = now_ms();
	is_int(watch_wait(w, 10000, &err), 0,
	    "with the flag set, 0 at once");
	ok(now_ms() - t0 < 1000, "at once");
	sig_interrupted = 0;
	put("after");
	is_int(watch_wait(w, 5000, &err), 1, "waits again once cleared");
	watch_close(w);
	buf_release(&err);
}

int
main(void)
{
	struct buf err = BUF_INIT;

	if (!mkdtemp(home)) {
		perror("mkdtemp");
		return 1;
	}
	unsetenv("HERMES_PROFILE");
	setenv("HERMES_HOME", home, 1);
	is_int(hm_home_init(&err), 0, "hm_home_init");
	dir = hm_path("box");
	mkdir(dir, 0700);
	test_open();
	test_events();
	test_signal();
	free(dir);
	nftw(home, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	buf_release(&err);
	return done_testing();
}
