/*
 * err.c: the one message format, exit-code mapping, allocation, and
 * hm_init/hm_finish, which every main() starts and ends with.
 *
 * hm_finish flushes stdout and checks it: a full disk is exit 1, a closed
 * pipe a quiet 141, so "hermes-memory list | head" and ">/dev/full" both
 * tell the truth.
 */
#include <poll.h>
#include <signal.h>

#include "common.h"
#include "sig.h"

const char *hm_prog = "hermes";

void
hm_init(int argc, char **argv, int flags)
{
	const char *p;

	if (argc > 0 && argv[0] && *argv[0]) {
		p = strrchr(argv[0], '/');
		hm_prog = p ? p + 1 : argv[0];
	}
	signal(SIGPIPE, (flags & HM_SOCKETS) ? SIG_IGN : SIG_DFL);
	sig_cleanup_on_exit();
}

/* Is stdout a pipe whose reader went away?  Asked after the fact, when
 * errno from the failed write is long gone. */
static int
stdout_broken(void)
{
	struct pollfd p = { 1, 0, 0 };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLERR);
}

int
hm_finish(int rc)
{
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE || stdout_broken())
			return HM_EXIT_PIPE;
		hm_error("cannot write to standard output: %s",
		    strerror(errno ? errno : EIO));
		return rc ? rc : HM_EXIT_FAIL;
	}
	return rc;
}

static void
vmsg(const char *prefix, const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s: %s", hm_prog, prefix);
	buf_vaddf(&b, fmt, ap);
	buf_addc(&b, '\n');
	fflush(stdout);
	fwrite(b.s, 1, b.len, stderr);
	buf_release(&b);
}

int
hm_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	return -1;
}

void
hm_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void
hm_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	exit(HM_EXIT_FAIL);
}

int
hm_fail(struct buf *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (err) {
		buf_reset(err);
		buf_vaddf(err, fmt, ap);
	} else {
		vmsg("", fmt, ap);
	}
	va_end(ap);
	return -code;
}

void
hm_report(const struct buf *err)
{
	hm_error("%s", err->len ? err->s : "unknown error");
}

int
hm_exit_code(int rc)
{
	if (rc >= 0)
		return HM_EXIT_OK;
	switch (-rc) {
	case HM_EINVAL:
		return HM_EXIT_USAGE;
	case HM_ECONFLICT:
		return HM_EXIT_CONFLICT;
	default:
		return HM_EXIT_FAIL;
	}
}

int
hm_exit_status(int rc, struct buf *err)
{
	if (rc < 0)
		hm_report(err);
	buf_release(err);
	return hm_exit_code(rc);
}

void
hm_oom(void)
{
	static const char msg[] = "hermes: out of memory\n";

	(void)!write(2, msg, sizeof(msg) - 1);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		hm_oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		hm_oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		hm_oom();
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;

	n = strnlen(s, n);
	p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
