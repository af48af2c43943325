/*
 * hooks.c: run one hook; see hooks.h for the protocol.
 *
 * fork, then in the child only async-signal-safe calls: setpgid(0, 0),
 * SIGPIPE back to its default and every signal unblocked (ignored
 * signals and the mask survive exec), the pipes onto 0 and 2, /dev/null
 * onto 1, execv.  The parent also calls setpgid(pid, pid), so the group
 * exists before either side goes on.  One poll loop then feeds stdin,
 * reads stderr and waits for the exit, which a pidfd makes pollable
 * (without one, on old kernels, the loop wakes every 20 ms to look).  The
 * deadline is the monotonic clock (tu_mono_ms).  On timeout: SIGKILL to the group, reap.
 * Every fd is O_CLOEXEC and kept above 2, so the dup2s cannot collide.
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <time.h>

#include "common.h"
#include "hooks.h"
#include "path.h"
#include "timeutil.h"

static long
hooks_now(void)
{
	return (long)tu_mono_ms();
}

static int
hooks_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/* Move fd above 2 so that dup2 onto 0, 1 and 2 cannot clobber it. */
static int
hooks_high(int fd)
{
	int n;

	if (fd < 0 || fd > 2)
		return fd;
	n = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return n;
}

/* write(2) that cannot raise SIGPIPE, whatever its disposition. */
static ssize_t
hooks_write(int fd, const char *p, size_t n)
{
	static const struct timespec zero = { 0, 0 };
	sigset_t pipe, old, pend;
	ssize_t w;
	int saved, was;

	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, &old);
	sigpending(&pend);
	was = sigismember(&pend, SIGPIPE);
	w = write(fd, p, n);
	saved = errno;
	if (w < 0 && saved == EPIPE && !was)
		sigtimedwait(&pipe, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return w;
}

static void
hooks_child(const char *path, char *const argv[], int in, int out, int err)
{
	static const char msg[] = "cannot execute the hook\n";
	struct sigaction sa;
	sigset_t none;

	setpgid(0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(127);
	execv(path, argv);
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(127);
	_exit(127);
}

static void
hooks_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void
hooks_trim(struct buf *b)
{
	size_t k = 0;

	buf_rtrim(b);
	while (k < b->len && (b->s[k] == ' ' || b->s[k] == '\t' ||
	    b->s[k] == '\n' || b->s[k] == '\r'))
		k++;
	if (k) {
		memmove(b->s, b->s + k, b->len - k);
		buf_setlen(b, b->len - k);
	}
}

/* Read what stderr has now; keep the first HOOKS_ERR_MAX bytes. */
static void
hooks_drain(int *fd, struct buf *keep)
{
	char tmp[4096];
	ssize_t n;
	size_t room;

	while (*fd >= 0) {
		n = read(*fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			hooks_close(fd);
			return;
		}
		room = keep->len < HOOKS_ERR_MAX ? HOOKS_ERR_MAX - keep->len : 0;
		buf_add(keep, tmp, (size_t)n < room ? (size_t)n : room);
	}
}

/* Feed stdin, collect stderr, wait for the exit or the deadline.
 * Returns 0 with *st set, or 1 on timeout. */
static int
hooks_wait(pid_t pid, int pfd, int *in, int *errfd, const char *json,
    long timeout_ms, struct buf *ebuf, int *st)
{
	struct pollfd fds[3];
	size_t off = 0, len = strlen(json);
	long deadline = hooks_now() + timeout_ms, left;
	ssize_t w;
	nfds_t n;
	int wi, ei;

	if (!len)
		hooks_close(in);
	for (;;) {
		if (waitpid(pid, st, WNOHANG) == pid)
			return 0;
		if ((left = deadline - hooks_now()) <= 0)
			return 1;
		n = 0;
		wi = ei = -1;
		if (*in >= 0) {
			fds[n].fd = *in;
			fds[n].events = POLLOUT;
			wi = (int)n++;
		}
		if (*errfd >= 0) {
			fds[n].fd = *errfd;
			fds[n].events = POLLIN;
			ei = (int)n++;
		}
		if (pfd >= 0) {
			fds[n].fd = pfd;
			fds[n++].events = POLLIN;
		} else if (left > 20)
			left = 20;
		if (poll(fds, n, (int)(left > INT_MAX ? INT_MAX : left)) < 0) {
			if (errno == EINTR)
				continue;
			if (pfd >= 0)
				pfd = -1;	/* fall back to ticks */
			continue;
		}
		if (wi >= 0 && fds[wi].revents) {
			w = hooks_write(*in, json + off, len - off);
			if (w > 0)
				off += (size_t)w;
			if (off == len || (w < 0 && errno != EAGAIN &&
			    errno != EINTR))
				hooks_close(in);	/* done, or EPIPE */
		}
		if (ei >= 0 && fds[ei].revents)
			hooks_drain(errfd, ebuf);
	}
}

static int
hooks_verdict(const char *event, int st, struct buf *ebuf,
    struct buf *reason, struct buf *err)
{
	size_t nl;

	hooks_trim(ebuf);
	nl = strcspn(buf_str(ebuf), "\n");
	if (WIFSIGNALED(st))
		return hm_fail(err, HM_EFAIL, "hook '%s' was killed by "
		    "signal %d (%s)", event, WTERMSIG(st),
		    strsignal(WTERMSIG(st)));
	if (WEXITSTATUS(st) == 0)
		return 0;
	if (WEXITSTATUS(st) == 2) {
		if (ebuf->len)
			buf_add(reason, ebuf->s, ebuf->len);
		else
			buf_addf(reason, "blocked by the %s hook", event);
		return HOOKS_BLOCK;
	}
	return hm_fail(err, HM_EFAIL, "hook '%s' failed with exit status %d"
	    "%s%.*s", event, WEXITSTATUS(st), nl ? ": " : "", (int)nl,
	    buf_str(ebuf));
}

int
hooks_run(const char *event, const char *json, long timeout_ms,
    struct buf *reason, struct buf *err)
{
	static const char *const events[] = { "pre-tool", "post-tool",
		"turn-end" };
	struct buf rel = BUF_INIT, ebuf = BUF_INIT;
	struct stat sb;
	char *path, *argv[3];
	int in[2] = { -1, -1 }, ep[2] = { -1, -1 }, null, pfd, st, rc;
	size_t i;
	pid_t pid;

	for (i = 0; i < HM_ARRAY_SIZE(events); i++)
		if (!strcmp(event, events[i]))
			break;
	if (i == HM_ARRAY_SIZE(events))
		return hm_fail(err, HM_EINVAL, "unknown hook event '%s'",
		    event);
	buf_addf(&rel, "hooks/%s", event);
	path = hm_path(rel.s);
	buf_release(&rel);
	if (stat(path, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    access(path, X_OK) < 0) {
		free(path);
		return 0;
	}
	if (timeout_ms <= 0)
		timeout_ms = HOOKS_TIMEOUT_MS;
	null = hooks_high(open("/dev/null", O_WRONLY | O_CLOEXEC));
	if (pipe2(in, O_CLOEXEC) == 0 && pipe2(ep, O_CLOEXEC) == 0) {
		for (i = 0; i < 2; i++) {
			in[i] = hooks_high(in[i]);
			ep[i] = hooks_high(ep[i]);
		}
	}
	if (null < 0 || in[0] < 0 || in[1] < 0 || ep[0] < 0 || ep[1] < 0) {
		rc = hm_fail(err, HM_EIO, "cannot start hook '%s': %s", path,
		    strerror(errno));
		goto out;
	}
	argv[0] = path;
	argv[1] = (char *)event;
	argv[2] = NULL;
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0) {
		rc = hm_fail(err, HM_EIO, "cannot start hook '%s': %s", path,
		    strerror(errno));
		goto out;
	}
	if (pid == 0)
		hooks_child(path, argv, in[0], null, ep[1]);
	setpgid(pid, pid);
	hooks_close(&in[0]);
	hooks_close(&ep[1]);
	hooks_close(&null);
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	fcntl(ep[0], F_SETFL, O_NONBLOCK);
	pfd = hooks_pidfd(pid);
	if (hooks_wait(pid, pfd, &in[1], &ep[0], json ? json : "", timeout_ms,
	    &ebuf, &st)) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		rc = hm_fail(err, HM_EFAIL, "hook '%s' timed out after %ld "
		    "ms; killed", event, timeout_ms);
	} else {
		hooks_drain(&ep[0], &ebuf);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 127 &&
		    !strcmp(buf_str(&ebuf), "cannot execute the hook\n"))
			rc = hm_fail(err, HM_EIO, "cannot execute hook '%s'",
			    path);
		else
			rc = hooks_verdict(event, st, &ebuf, reason, err);
	}
	if (pfd >= 0)
		close(pfd);
out:
	hooks_close(&null);
	for (i = 0; i < 2; i++) {
		hooks_close(&in[i]);
		hooks_close(&ep[i]);
	}
	buf_release(&ebuf);
	free(path);
	return rc;
}
