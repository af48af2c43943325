/*
 * mcp_stdio.c: an MCP server as a child process speaking one JSON
 * object a line on its stdin and stdout (mcp.h).
 *
 * The child runs in its own process group (a terminal's ^C reaches us,
 * not it; we decide when it stops) with a baseline environment plus its
 * mcp.json "env", so the API keys in ours never reach it.  Its stderr is
 * appended to logs/mcp-NAME.log, whose last line explains a death.  An
 * exec failure comes back through a close-on-exec pipe, so "no such
 * command" is an error at once instead of a silent exit.  Both pipe ends
 * we keep are non-blocking: every wait is poll() against the request's
 * deadline, and a SIGINT (handler without SA_RESTART) ends it.
 */
#include <sys/wait.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>

#include "config.h"
#include "path.h"
#include "sig.h"
#include "mcp_int.h"
#include "common.h"

extern char **environ;

static const char *const baseline[] = {
	"PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM", "LANG",
	"LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TMPDIR", "TZ", NULL
};

static void
strv_push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(**v));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

static void
strv_free(char **v)
{
	char **p;

	for (p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* argv and envp for the child, ${VAR}s expanded. */
static int
child_vectors(struct mcp_client *c, char ***argv, char ***envp,
    struct buf *err)
{
	struct buf b = BUF_INIT;
	size_t na = 0, ne = 0, i;
	const char *v;
	char **p;
	int rc = 0;

	*argv = *envp = NULL;
	if ((rc = mcp_expand(c->s->command, c->cfg, &b, err)) < 0)
		goto out;
	strv_push(argv, &na, buf_detach(&b));
	for (p = c->s->args; p && *p; p++) {
		if ((rc = mcp_expand(*p, c->cfg, &b, err)) < 0)
			goto out;
		strv_push(argv, &na, buf_detach(&b));
	}
	for (i = 0; baseline[i]; i++) {
		if (!(v = getenv(baseline[i])))
			continue;
		buf_addf(&b, "%s=%s", baseline[i], v);
		strv_push(envp, &ne, buf_detach(&b));
	}
	for (p = c->s->env; p && *p; p++) {
		if ((rc = mcp_expand(*p, c->cfg, &b, err)) < 0)
			goto out;
		strv_push(envp, &ne, buf_detach(&b));
	}
	if (!*envp)
		strv_push(envp, &ne, xstrdup("PATH=/usr/bin:/bin"));
out:
	buf_release(&b);
	if (rc < 0) {
		strv_free(*argv);
		strv_free(*envp);
		*argv = *envp = NULL;
	}
	return rc;
}

static int
open_log(struct mcp_client *c)
{
	struct buf name = BUF_INIT;
	int fd;

	buf_addf(&name, "mcp-%s.log", c->s->name);
	fd = hm_open_log(name.s, &c->log);
	buf_release(&name);
	return fd >= 0 ? fd : open("/dev/null", O_WRONLY | O_CLOEXEC);
}

static void
child(char **argv, char **envp, int in, int out, int log, int report)
{
	int e;

	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(log, 2) < 0)
		_exit(127);
	environ = envp;
	execvp(argv[0], argv);
	e = errno;
	if (write(report, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

int
mcp_stdio_open(struct mcp_client *c, struct buf *err)
{
	int to[2] = { -1, -1 }, from[2] = { -1, -1 }, rep[2] = { -1, -1 };
	char **argv, **envp;
	int log, e = 0, rc;
	ssize_t n;

	if ((rc = child_vectors(c, &argv, &envp, err)) < 0)
		return rc;
	log = open_log(c);
	if (pipe2(to, O_CLOEXEC) < 0 || pipe2(from, O_CLOEXEC) < 0 ||
	    pipe2(rep, O_CLOEXEC) < 0) {
		rc = hm_fail(err, HM_EFAIL, "cannot make a pipe: %s",
		    strerror(errno));
		goto out;
	}
	fflush(stdout);
	fflush(stderr);
	c->pid = fork();
	if (c->pid < 0) {
		rc = hm_fail(err, HM_EFAIL, "cannot fork: %s", strerror(errno));
		c->pid = 0;
		goto out;
	}
	if (c->pid == 0)
		child(argv, envp, to[0], from[1], log, rep[1]);
	setpgid(c->pid, c->pid);
	close(rep[1]);
	rep[1] = -1;
	while ((n = read(rep[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(e)) {
		rc = hm_fail(err, HM_EFAIL, "server '%s': cannot run '%s': %s",
		    c->s->name, argv[0], strerror(e));
		goto out;
	}
	c->in = to[1];
	c->out = from[0];
	to[1] = from[0] = -1;
	fcntl(c->in, F_SETFL, fcntl(c->in, F_GETFL) | O_NONBLOCK);
	fcntl(c->out, F_SETFL, fcntl(c->out, F_GETFL) | O_NONBLOCK);
out:
	if (to[0] >= 0)
		close(to[0]);
	if (to[1] >= 0)
		close(to[1]);
	if (from[0] >= 0)
		close(from[0]);
	if (from[1] >= 0)
		close(from[1]);
	if (rep[0] >= 0)
		close(rep[0]);
	if (rep[1] >= 0)
		close(rep[1]);
	close(log);
	strv_free(argv);
	strv_free(envp);
	return rc;
}

/* The last non-empty line of the server's log, to say why it died. */
static void
last_log_line(const struct mcp_client *c, struct buf *out)
{
	struct buf b = BUF_INIT;
	char tail[512];
	ssize_t n;
	char *p, *e;
	int fd;

	if (!c->log || (fd = open(c->log, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	if (lseek(fd, -(off_t)sizeof(tail) + 1, SEEK_END) < 0)
		lseek(fd, 0, SEEK_SET);
	n = read(fd, tail, sizeof(tail) - 1);
	close(fd);
	if (n <= 0)
		return;
	tail[n] = '\0';
	e = tail + n;
	while (e > tail && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' '))
		*--e = '\0';
	p = strrchr(tail, '\n');
	p = p ? p + 1 : tail;
	if (*p)
		buf_addf(out, ": %s", p);
	buf_release(&b);
}

/* The child is gone (EOF or EPIPE): reap it and say how it ended. */
static void
died(struct mcp_client *c)
{
	struct buf why = BUF_INIT;
	int st = 0, i;
	pid_t r = 0;

	for (i = 0; i < 50 && c->pid > 0 && !c->reaped; i++) {
		if ((r = waitpid(c->pid, &st, WNOHANG)) != 0)
			break;
		usleep(10000);
	}
	if (r == c->pid) {
		c->reaped = 1;
		if (WIFEXITED(st))
			buf_addf(&why, "exited with status %d",
			    WEXITSTATUS(st));
		else if (WIFSIGNALED(st))
			buf_addf(&why, "was killed by signal %d",
			    WTERMSIG(st));
	} else {
		buf_adds(&why, "closed its output");
	}
	last_log_line(c, &why);
	mcp_set_dead(c, "server '%s' %s", c->s->name, why.s);
	buf_release(&why);
}

int
mcp_stdio_send(struct mcp_client *c, const char *json, size_t len,
    long long deadline, struct buf *err)
{
	struct buf line = BUF_INIT;
	struct pollfd pfd[2];
	char chunk[4096];
	size_t off = 0;
	ssize_t n;
	long long left;

	if (c->in < 0)
		return hm_fail(err, HM_EFAIL, "%s", c->dead ? c->dead :
		    "not connected");
	buf_add(&line, json, len);
	buf_addc(&line, '\n');
	while (off < line.len) {
		n = write(c->in, line.s + off, line.len - off);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EPIPE) {
			died(c);
			break;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			mcp_set_dead(c, "server '%s': cannot write: %s",
			    c->s->name, strerror(errno));
			break;
		}
		if (sig_interrupted)
			break;
		left = deadline - mcp_now_ms();
		if (left <= 0) {
			mcp_set_dead(c, "server '%s' did not read its input "
			    "within %ld s", c->s->name, c->s->timeout);
			break;
		}
		/* it may be stuck writing to us: read while we wait, so
		 * neither side blocks on a full pipe */
		pfd[0].fd = c->in;
		pfd[0].events = POLLOUT;
		pfd[1].fd = c->out;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, left > 1000 ? 1000 : (int)left) > 0 &&
		    (pfd[1].revents & POLLIN) &&
		    (n = read(c->out, chunk, sizeof(chunk))) > 0)
			buf_add(&c->rbuf, chunk, (size_t)n);
		if (c->rbuf.len > (size_t)MCP_MAX_MESSAGE) {
			mcp_set_dead(c, "server '%s' sent over %ld MiB while "
			    "we wrote", c->s->name, MCP_MAX_MESSAGE >> 20);
			break;
		}
	}
	buf_release(&line);
	if (sig_interrupted && off < len + 1)
		return hm_fail(err, HM_EFAIL, "interrupted");
	if (c->dead)
		return hm_fail(err, HM_EFAIL, "%s", c->dead);
	return 0;
}

/* Dispatch every whole line in rbuf.  The lines are taken out first:
 * dispatching may answer the server, and a send may read more into
 * rbuf (see mcp_stdio_send). */
static int
lines(struct mcp_client *c)
{
	struct buf todo = BUF_INIT;
	char *nl, *p, *end;
	cJSON *msg;
	size_t k;

	if (!(end = memrchr(buf_str(&c->rbuf), '\n', c->rbuf.len)))
		goto check;
	k = (size_t)(++end - c->rbuf.s);
	buf_add(&todo, c->rbuf.s, k);
	memmove(c->rbuf.s, end, c->rbuf.len - k);
	buf_setlen(&c->rbuf, c->rbuf.len - k);
	for (p = todo.s; !c->dead && (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (!*p)
			continue;
		if (!(msg = cJSON_Parse(p))) {
			mcp_set_dead(c, "server '%s' printed something that is "
			    "not JSON-RPC: '%.60s'", c->s->name, p);
			break;
		}
		mcp_dispatch(c, msg);
		cJSON_Delete(msg);
	}
	buf_release(&todo);
check:
	if (!c->dead && c->rbuf.len > (size_t)MCP_MAX_MESSAGE)
		mcp_set_dead(c, "server '%s' sent a message over %ld MiB",
		    c->s->name, MCP_MAX_MESSAGE >> 20);
	return c->dead ? -1 : 0;
}

int
mcp_stdio_wait(struct mcp_client *c, long long deadline, struct buf *err)
{
	struct pollfd pfd;
	char chunk[65536];
	long long left;
	ssize_t n;
	int r;

	lines(c);	/* what a send read ahead */
	while (!c->dead && !(c->waiting && c->reply)) {
		n = read(c->out, chunk, sizeof(chunk));
		if (n > 0) {
			buf_add(&c->rbuf, chunk, (size_t)n);
			lines(c);
			continue;
		}
		if (n == 0) {
			died(c);
			break;
		}
		if (errno != EAGAIN && errno != EINTR) {
			mcp_set_dead(c, "server '%s': cannot read: %s",
			    c->s->name, strerror(errno));
			break;
		}
		if (sig_interrupted)
			return hm_fail(err, HM_EFAIL, "interrupted");
		left = deadline - mcp_now_ms();
		if (left <= 0)
			return deadline ? 1 : 0;	/* 0: a drain */
		pfd.fd = c->out;
		pfd.events = POLLIN;
		r = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
		(void)r;
	}
	if (c->dead)
		return hm_fail(err, HM_EFAIL, "%s", c->dead);
	return 0;
}

/* Wait up to ms for the child to exit; 1 when reaped. */
static int
reap(struct mcp_client *c, int ms)
{
	long long end = mcp_now_ms() + ms;
	int st;

	while (c->pid > 0 && !c->reaped) {
		if (waitpid(c->pid, &st, WNOHANG) == c->pid)
			return c->reaped = 1;
		if (mcp_now_ms() >= end)
			return 0;
		usleep(5000);
	}
	return 1;
}

void
mcp_stdio_close(struct mcp_client *c)
{
	if (c->in >= 0)
		close(c->in);	/* EOF: a well-behaved server leaves now */
	c->in = -1;
	if (c->pid > 0 && !reap(c, 250)) {
		kill(-c->pid, SIGTERM);
		if (!reap(c, 1000)) {
			kill(-c->pid, SIGKILL);
			while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
	}
	if (c->pid > 0)
		kill(-c->pid, SIGTERM);	/* what it left behind in its group */
	c->pid = 0;
	if (c->out >= 0)
		close(c->out);
	c->out = -1;
	buf_release(&c->rbuf);
	free(c->log);
	c->log = NULL;
}
