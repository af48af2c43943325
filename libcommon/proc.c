/* proc.c: fork/exec/wait without a shell of our own making. */
#include <sys/wait.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <time.h>

#include "common.h"
#include "proc.h"
#include "sig.h"
#include "timeutil.h"

int
proc_run(char *const argv[], int *status)
{
	pid_t pid, w;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	while ((w = waitpid(pid, status, 0)) < 0 && errno == EINTR)
		;
	return w < 0 ? -1 : 0;
}

int
proc_editor(const char *path, struct buf *err)
{
	const char *ed = getenv("VISUAL");
	struct buf cmd = BUF_INIT;
	char *argv[6];
	int st, rc;

	if (!ed || !*ed)
		ed = getenv("EDITOR");
	if (!ed || !*ed)
		ed = "vi";
	buf_addf(&cmd, "%s \"$@\"", ed);
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = cmd.s;
	argv[3] = "sh";
	argv[4] = (char *)path;
	argv[5] = NULL;
	rc = proc_run(argv, &st);
	if (rc < 0)
		rc = hm_fail(err, HM_EFAIL, "cannot run editor '%s': %s", ed,
		    strerror(errno));
	else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		rc = hm_fail(err, HM_EFAIL, "editor '%s' failed; nothing "
		    "changed", ed);
	buf_release(&cmd);
	return rc;
}

int
proc_edit_text(const char *text, size_t len, const char *prefix,
    struct buf *out, char **path, struct buf *err)
{
	const char *td = getenv("TMPDIR");
	struct buf tmp = BUF_INIT;
	int fd, rc = 0;

	*path = NULL;
	buf_addf(&tmp, "%s/%s-XXXXXX.md", td && *td ? td : "/tmp", prefix);
	fd = mkostemps(tmp.s, 3, O_CLOEXEC);
	if (fd < 0) {
		rc = hm_fail(err, HM_EIO, "cannot create '%s': %s", tmp.s,
		    strerror(errno));
		buf_release(&tmp);
		return rc;
	}
	if (write(fd, text, len) != (ssize_t)len || close(fd) < 0)
		rc = hm_fail(err, HM_EIO, "cannot write '%s': %s", tmp.s,
		    strerror(errno));
	if (rc == 0)
		rc = proc_editor(tmp.s, err);
	if (rc == 0 && buf_read_file(out, tmp.s) < 0)
		rc = hm_fail(err, HM_EIO, "cannot read '%s': %s", tmp.s,
		    strerror(errno));
	if (rc < 0) {
		unlink(tmp.s);
		buf_release(&tmp);
		return rc;
	}
	*path = buf_detach(&tmp);
	return 0;
}

static void
child(const struct proc_spec *ps, int report)
{
	const char *const *e;
	int fd, e2;

	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	fd = open("/dev/null", O_RDWR);
	if (dup2(ps->in >= 0 ? ps->in : fd, 0) < 0 ||
	    dup2(ps->out >= 0 ? ps->out : fd, 1) < 0 ||
	    dup2(ps->errfd >= 0 ? ps->errfd : fd, 2) < 0)
		_exit(127);
	for (e = ps->env; e && *e; e++)
		putenv((char *)*e);
	if (ps->dir && chdir(ps->dir) < 0) {
		e2 = errno;
		if (write(report, &e2, sizeof(e2)) < 0)
			_exit(126);
		_exit(126);
	}
	execvp(ps->argv[0], ps->argv);
	e2 = errno;
	if (write(report, &e2, sizeof(e2)) < 0)
		_exit(127);
	_exit(127);
}

int
proc_spawn(const struct proc_spec *ps, struct buf *err)
{
	int rep[2], e = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(rep, O_CLOEXEC) < 0)
		return hm_fail(err, HM_EFAIL, "cannot make a pipe: %s",
		    strerror(errno));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		close(rep[0]);
		close(rep[1]);
		return hm_fail(err, HM_EFAIL, "cannot fork: %s",
		    strerror(errno));
	}
	if (pid == 0)
		child(ps, rep[1]);
	setpgid(pid, pid);
	close(rep[1]);
	while ((n = read(rep[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	close(rep[0]);
	if (n == (ssize_t)sizeof(e)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return hm_fail(err, HM_EFAIL, "cannot run '%s': %s",
		    ps->argv[0], strerror(e));
	}
	return (int)pid;
}

int
proc_wait(int pid, long timeout_ms, int *status)
{
	long long end = tu_mono_ms() + timeout_ms;
	int st = 0, nap = 1;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid || (r < 0 && errno == ECHILD)) {
			if (status)
				*status = st;
			return 0;
		}
		if (sig_interrupted)
			return 2;
		if (timeout_ms >= 0 && tu_mono_ms() >= end)
			return 1;
		usleep((useconds_t)nap * 1000);
		if (nap < 50)
			nap *= 2;
	}
}

void
proc_stop(int pid, long grace_ms, int *status)
{
	int st = 0;

	kill(-pid, SIGTERM);
	if (proc_wait(pid, grace_ms, &st) != 0) {
		kill(-pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	if (status)
		*status = st;
}

/* An unlinked temporary file holding text (may be NULL), at offset 0. */
static int
tmp_fd(const char *text, struct buf *err)
{
	const char *td = getenv("TMPDIR");
	struct buf p = BUF_INIT;
	size_t len = text ? strlen(text) : 0;
	int fd;

	buf_addf(&p, "%s/hermes-proc-XXXXXX", td && *td ? td : "/tmp");
	fd = mkostemp(p.s, O_CLOEXEC);
	if (fd < 0) {
		hm_fail(err, HM_EIO, "cannot create '%s': %s", p.s,
		    strerror(errno));
		buf_release(&p);
		return -HM_EIO;
	}
	unlink(p.s);
	buf_release(&p);
	if (len && (write(fd, text, len) != (ssize_t)len ||
	    lseek(fd, 0, SEEK_SET) < 0)) {
		close(fd);
		return hm_fail(err, HM_EIO, "cannot write a temporary file: "
		    "%s", strerror(errno));
	}
	return fd;
}

/* The child's stderr, in fd: appended to log, its last line in last. */
static void
keep_stderr(int fd, const char *log, struct buf *last)
{
	struct buf b = BUF_INIT;
	const char *p;
	int lfd;

	lseek(fd, 0, SEEK_SET);
	if (buf_read_fd(&b, fd) < 0 || !b.len) {
		buf_release(&b);
		return;
	}
	if (log && (lfd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0600)) >= 0) {
		/* a log that cannot be written is no failure of the run */
		(void)!write(lfd, b.s, b.len);
		close(lfd);
	}
	buf_rtrim(&b);
	if (last) {
		p = strrchr(b.s, '\n');
		buf_reset(last);
		buf_adds(last, p ? p + 1 : b.s);
	}
	buf_release(&b);
}

int
proc_capture(char *const *argv, const char *const *env, const char *in_text,
    long secs, const char *log, struct buf *out, struct buf *last,
    int *status, struct buf *err)
{
	struct proc_spec ps;
	int in, outfd, efd, pid, w, rc = 0;

	if ((in = tmp_fd(in_text, err)) < 0)
		return in;
	if ((outfd = tmp_fd(NULL, err)) < 0) {
		close(in);
		return outfd;
	}
	if ((efd = tmp_fd(NULL, err)) < 0) {
		close(in);
		close(outfd);
		return efd;
	}
	memset(&ps, 0, sizeof(ps));
	ps.argv = argv;
	ps.in = in;
	ps.out = outfd;
	ps.errfd = efd;
	ps.env = env;
	if ((pid = proc_spawn(&ps, err)) < 0) {
		rc = pid;
		goto out;
	}
	w = proc_wait(pid, secs * 1000, status);
	if (w != 0) {
		proc_stop(pid, 2000, status);
		if (w == 1)
			rc = hm_fail(err, HM_EFAIL, "timed out after %ld s; "
			    "stopped", secs);
		else
			rc = hm_fail(err, HM_EFAIL, "interrupted; stopped");
	}
	lseek(outfd, 0, SEEK_SET);
	buf_read_fd(out, outfd);
	keep_stderr(efd, log, last);
out:
	close(in);
	close(outfd);
	close(efd);
	return rc;
}

char *
proc_sibling(const char *name)
{
	char self[PATH_MAX], *slash;
	struct buf b = BUF_INIT;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/'))) {
			buf_add(&b, self, (size_t)(slash - self + 1));
			buf_adds(&b, name);
			if (access(b.s, X_OK) == 0)
				return buf_detach(&b);
		}
	}
	buf_release(&b);
	return xstrdup(name);
}
