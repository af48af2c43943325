/*
 * lock.c: unit tests for libcommon/lock.c and libcommon/atomic.c.
 * A LOCK_EX held here makes a forked child's LOCK_EX|LOCK_NB fail with
 * -HM_ECONFLICT; lock_held sees the lock and its release; lock_sidecar
 * names ".NAME.lock".  atomic_write creates parents, sets the mode,
 * replaces content and leaves no temp file; under a regular file it
 * fails with -HM_EIO.
 * Files: everything lives in one mkdtemp directory, removed at the end.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>

#include "common.h"
#include "atomic.h"
#include "lock.h"
#include "tap.h"

static char tmpdir[] = "/tmp/hermes-unit-lock.XXXXXX";

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static char *
tpath(const char *rel)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s/%s", tmpdir, rel);
	return buf_detach(&b);
}

/* Fork a child that tries lock_take(path, how); return its result code
 * mapped to an exit status: 0 got it, 1 ECONFLICT, 2 anything else,
 * 3 ECONFLICT but err did not name the lock. */
static int
child_try(const char *path, int how)
{
	pid_t pid;
	int st, rc;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct buf err = BUF_INIT;

		rc = lock_take(path, how, &err);
		if (rc >= 0) {
			lock_release(rc);
			_exit(0);
		}
		if (rc == -HM_ECONFLICT)
			_exit(err.s && strstr(err.s, path) ? 1 : 3);
		_exit(2);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void
test_lock(void)
{
	struct buf err = BUF_INIT;
	char *lp = tpath("sub/dir/.x.lock");
	struct stat st;
	int fd, fd2;

	is_int(lock_held(lp), 0, "lock_held of a missing lock file is 0");
	fd = lock_take(lp, LOCK_EX, &err);
	ok(fd >= 0, "lock_take LOCK_EX creates the lock and its dirs");
	if (fd < 0) {
		printf("# %s\n", buf_str(&err));
		free(lp);
		buf_release(&err);
		return;
	}
	ok(stat(lp, &st) == 0 && (st.st_mode & 07777) == 0600,
	    "the lock file is mode 0600");
	ok(fcntl(fd, F_GETFD) & FD_CLOEXEC, "the lock fd is O_CLOEXEC");
	is_int(lock_held(lp), 1, "lock_held is 1 while held");
	is_int(child_try(lp, LOCK_EX | LOCK_NB), 1,
	    "child LOCK_EX|LOCK_NB gets -HM_ECONFLICT naming the lock");
	is_int(child_try(lp, LOCK_SH | LOCK_NB), 1,
	    "child LOCK_SH|LOCK_NB gets -HM_ECONFLICT too");
	lock_release(fd);
	is_int(lock_held(lp), 0, "lock_held is 0 after release");
	is_int(child_try(lp, LOCK_EX | LOCK_NB), 0,
	    "child LOCK_EX|LOCK_NB succeeds after release");

	fd = lock_take(lp, LOCK_SH, &err);
	ok(fd >= 0, "lock_take LOCK_SH");
	is_int(child_try(lp, LOCK_SH | LOCK_NB), 0,
	    "a second LOCK_SH in a child succeeds");
	is_int(child_try(lp, LOCK_EX | LOCK_NB), 1,
	    "LOCK_EX|LOCK_NB against a LOCK_SH conflicts");
	fd2 = lock_take(lp, LOCK_SH | LOCK_NB, &err);
	ok(fd2 >= 0, "two LOCK_SH in one process");
	lock_release(fd2);
	errno = 0;
	lock_release(-1);
	is_int(errno, 0, "lock_release(-1) is ignored (no call fails)");
	is_int(child_try(lp, LOCK_EX | LOCK_NB), 1,
	    "and the LOCK_SH still held is untouched");
	lock_release(fd);

	/* Same process, second open file description: flock conflicts. */
	fd = lock_take(lp, LOCK_EX, &err);
	fd2 = lock_take(lp, LOCK_EX | LOCK_NB, &err);
	is_int(fd2, -HM_ECONFLICT, "a second LOCK_EX|LOCK_NB here conflicts");
	lock_release(fd);

	is_int(lock_held(lp), 0, "lock_held is 0 after the last release");
	free(lp);

	/* A lock whose directory cannot exist: under a regular file. */
	lp = tpath("afile");
	fd = open(lp, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	close(fd);
	free(lp);
	lp = tpath("afile/.x.lock");
	buf_reset(&err);
	fd = lock_take(lp, LOCK_EX, &err);
	is_int(fd, -HM_EIO, "lock_take under a regular file is -HM_EIO");
	ok(err.len > 0, "... with a reason in err");
	free(lp);
	buf_release(&err);
}

static void
test_sidecar(void)
{
	char *s;

	s = lock_sidecar("/a/b/c.md");
	is_str(s, "/a/b/.c.md.lock", "lock_sidecar(/a/b/c.md)");
	free(s);
	s = lock_sidecar("c.md");
	is_str(s, "./.c.md.lock", "lock_sidecar(c.md) is in .");
	free(s);
	s = lock_sidecar("/h/.env");
	is_str(s, "/h/..env.lock", "lock_sidecar(/h/.env)");
	free(s);
}

/* Names in dir starting with prefix, or -1 when dir cannot be read. */
static int
count_prefix(const char *dir, const char *prefix)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, prefix, strlen(prefix)))
			n++;
	closedir(d);
	return n;
}

static void
test_atomic(void)
{
	struct buf err = BUF_INIT, got = BUF_INIT;
	char *p = tpath("new/deeper/file.txt"), *d = tpath("new/deeper");
	char *top = tpath("new"), *bad;
	struct stat st;
	int rc;

	rc = atomic_write(p, "one\n", 4, 0600, &err);
	is_int(rc, 0, "atomic_write creates missing parent directories");
	if (rc < 0)
		printf("# %s\n", buf_str(&err));
	ok(stat(top, &st) == 0 && S_ISDIR(st.st_mode) &&
	    (st.st_mode & 0777) == 0700, "parents are made mode 0700");
	ok(stat(p, &st) == 0 && (st.st_mode & 07777) == 0600,
	    "the file has mode 0600");
	ok(buf_read_file(&got, p) == 0 && !strcmp(buf_str(&got), "one\n"),
	    "the file has the content");
	buf_reset(&got);

	rc = atomic_write(p, "two, longer\n", 12, 0644, &err);
	is_int(rc, 0, "atomic_write over an existing file");
	ok(stat(p, &st) == 0 && (st.st_mode & 07777) == 0644,
	    "the mode is set again (0644), whatever the umask");
	ok(buf_read_file(&got, p) == 0 &&
	    !strcmp(buf_str(&got), "two, longer\n"), "the content replaced");
	buf_reset(&got);

	rc = atomic_write(p, "x", 1, 0640, &err);
	ok(rc == 0 && buf_read_file(&got, p) == 0 &&
	    !strcmp(buf_str(&got), "x"), "a shorter content leaves no tail");
	ok(stat(p, &st) == 0 && (st.st_mode & 07777) == 0640,
	    "mode 0640 as asked");
	buf_reset(&got);

	rc = atomic_write(p, "", 0, 0600, &err);
	ok(rc == 0 && stat(p, &st) == 0 && st.st_size == 0,
	    "atomic_write of 0 bytes gives an empty file");
	is_int(count_prefix(d, ".file.txt."), 0, "no temp file left behind");
	is_int(count_prefix(d, ""), 3, "the directory holds . .. file.txt");

	/* A parent that cannot be a directory. */
	bad = tpath("plain");
	rc = atomic_write(bad, "f", 1, 0600, &err);
	is_int(rc, 0, "make a regular file");
	free(bad);
	bad = tpath("plain/sub/file.txt");
	buf_reset(&err);
	rc = atomic_write(bad, "y", 1, 0600, &err);
	is_int(rc, -HM_EIO, "atomic_write under a regular file is -HM_EIO");
	free(bad);
	bad = tpath("plain/sub");
	ok(strstr(buf_str(&err), bad) != NULL,
	    "err names the path that failed: %s", buf_str(&err));
	ok(!strchr(buf_str(&err), '\n'), "err is one line");
	free(bad);
	bad = tpath("plain/file.txt");
	buf_reset(&err);
	rc = atomic_write(bad, "y", 1, 0600, &err);
	is_int(rc, -HM_EIO, "atomic_write directly under a regular file");
	free(bad);
	bad = tpath("plain");
	ok(strstr(buf_str(&err), bad) != NULL,
	    "err names the path: %s", buf_str(&err));
	free(bad);

	/* The target is a directory: rename fails, the temp file goes. */
	bad = tpath("new/deeper");
	buf_reset(&err);
	rc = atomic_write(bad, "z", 1, 0600, &err);
	is_int(rc, -HM_EIO, "atomic_write over a directory is -HM_EIO");
	ok(strstr(buf_str(&err), bad) != NULL,
	    "err names the target: %s", buf_str(&err));
	free(bad);
	is_int(count_prefix(top, ".deeper."), 0,
	    "a failed atomic_write leaves no temp file");

	/* atomic_sweep removes only ".NAME.XXXXXX" debris. */
	free(p);
	p = tpath("new/deeper/.file.txt.abcdef");
	close(open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	free(p);
	p = tpath("new/deeper/.file.txt.lock");
	close(open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	free(p);
	p = tpath("new/deeper/file.txt");
	is_int(atomic_sweep(p), 1, "atomic_sweep removes one temp file");
	is_int(count_prefix(d, ".file.txt.abcdef"), 0, "the debris is gone");
	is_int(count_prefix(d, ".file.txt.lock"), 1, "the lock stays");
	is_int(count_prefix(d, "file.txt"), 1, "the file stays");

	free(p);
	free(d);
	free(top);
	buf_release(&got);
	buf_release(&err);
}

int
main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_lock();
	test_sidecar();
	test_atomic();
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return done_testing();
}
