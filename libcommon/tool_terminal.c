/*
 * tool_terminal.c: shell commands for the model; see tool_terminal.h.
 * Foreground: fork, own process group, one pipe for stdout+stderr read
 * with poll() against a deadline, head + tail ring kept.  Background: the
 * output goes to $HERMES_HOME/procs/PID-N.log and a table here tracks the
 * group until process kills or reaps it, or terminal_cleanup at exit.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <time.h>

#include "common.h"
#include "approve.h"
#include "config.h"
#include "path.h"
#include "sig.h"
#include "tool_terminal.h"
#include "timeutil.h"

#define MAX_BG 32

struct bg {
	char id[16];
	pid_t pid;
	char *cmd;
	char *log;
	off_t seen;		/* bytes of the log already returned */
	int done;
	int status;
};

static struct bg bgs[MAX_BG];
static int nbg, bg_serial;

/* ---- output capping: head + tail ring ---- */

struct cap {
	struct buf head;
	char *ring;
	size_t hmax, rcap, rlen, rpos, total;
};

static void
cap_init(struct cap *c, size_t max)
{
	memset(c, 0, sizeof(*c));
	if (max < 2048)
		max = 2048;
	c->hmax = max * 7 / 10;
	c->rcap = max - c->hmax;
	c->ring = xmalloc(c->rcap);
}

static void
cap_add(struct cap *c, const char *p, size_t n)
{
	size_t k;

	c->total += n;
	if (c->head.len < c->hmax) {
		k = c->hmax - c->head.len;
		if (k > n)
			k = n;
		buf_add(&c->head, p, k);
		p += k;
		n -= k;
	}
	for (; n; n--, p++) {
		c->ring[c->rpos] = *p;
		c->rpos = (c->rpos + 1) % c->rcap;
		if (c->rlen < c->rcap)
			c->rlen++;
	}
}

static void
cap_render(struct cap *c, struct buf *out)
{
	size_t start = (c->rpos + c->rcap - c->rlen) % c->rcap, i;

	buf_add(out, buf_str(&c->head), c->head.len);
	if (c->total > c->head.len + c->rlen)
		buf_addf(out, "\n[... %zu bytes cut ...]\n",
		    c->total - c->head.len - c->rlen);
	for (i = 0; i < c->rlen; i++)
		buf_addc(out, c->ring[(start + i) % c->rcap]);
}

static void
cap_release(struct cap *c)
{
	buf_release(&c->head);
	free(c->ring);
}

/* ---- process groups ---- */

/* SIGTERM the group, SIGKILL after grace seconds, reap the leader. */
static int
stop_group(pid_t pid, double grace)
{
	double end = tu_mono() + grace;
	int st = 0;

	kill(-pid, SIGTERM);
	while (tu_mono() < end) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			kill(-pid, SIGKILL);	/* stragglers in the group */
			return st;
		}
		usleep(20000);
	}
	kill(-pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

static pid_t
spawn(char *const argv[], const char *dir, int outfd, struct buf *err)
{
	int devnull;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return hm_fail(err, HM_EFAIL, "cannot fork: %s",
		    strerror(errno));
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(outfd, 1);
		dup2(outfd, 2);
		if (dir && chdir(dir) < 0) {
			dprintf(2, "cannot enter '%s': %s\n", dir,
			    strerror(errno));
			_exit(126);
		}
		execvp(argv[0], argv);
		dprintf(2, "cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	return pid;
}

static void
describe_status(struct buf *out, int st)
{
	if (WIFEXITED(st))
		buf_addf(out, "[exit %d]", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		buf_addf(out, "[killed by signal %d]", WTERMSIG(st));
}

/* ---- backends ---- */

struct cmdline {
	char *argv[16];
	struct buf a, b, c;	/* storage */
	const char *dir;	/* chdir for local */
};

static void
quote_sh(struct buf *b, const char *s)
{
	buf_addc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *s);
	}
	buf_addc(b, '\'');
}

static int
docker_ready(const struct tool_env *env, const char *name, struct buf *err)
{
	const char *img = config_get(env->cfg, "terminal.docker_image", NULL);
	const char *cpus = config_get(env->cfg, "terminal.docker_cpus", NULL);
	const char *mem = config_get(env->cfg, "terminal.docker_memory", NULL);
	char *check[] = { "docker", "exec", (char *)name, "true", NULL };
	char *run[] = { "docker", "run", "-d", "--name", (char *)name,
		"--cpus", (char *)cpus, "--memory", (char *)mem, (char *)img,
		"sleep", "infinity", NULL };
	int fd = open("/dev/null", O_WRONLY), st = 0;
	pid_t pid;

	pid = spawn(check, NULL, fd, err);
	if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0) {
		close(fd);
		return 0;
	}
	pid = spawn(run, NULL, fd, err);
	close(fd);
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		return hm_fail(err, HM_EFAIL, "docker backend: cannot start "
		    "a container from '%s' (is the Docker engine running?)",
		    img);
	return 0;
}

static int
build_cmd(const struct tool_env *env, const char *cmd, const char *dir,
    struct cmdline *cl, struct buf *err)
{
	const char *be = config_get(env->cfg, "terminal.backend", NULL);
	const char *host, *sshcfg;
	char *home;
	int n = 0;

	memset(cl, 0, sizeof(*cl));
	if (!be || !strcmp(be, "local")) {
		cl->argv[n++] = "/bin/sh";
		cl->argv[n++] = "-c";
		cl->argv[n++] = (char *)cmd;
		cl->dir = dir;
		return 0;
	}
	if (!strcmp(be, "docker")) {
		buf_addf(&cl->a, "hermes-%s", env->session_id ?
		    env->session_id : "nosession");
		if (docker_ready(env, cl->a.s, err) < 0)
			return -HM_EFAIL;
		cl->argv[n++] = "docker";
		cl->argv[n++] = "exec";
		if (dir) {
			cl->argv[n++] = "-w";
			cl->argv[n++] = (char *)dir;
		}
		cl->argv[n++] = cl->a.s;
		cl->argv[n++] = "sh";
		cl->argv[n++] = "-c";
		cl->argv[n++] = (char *)cmd;
		return 0;
	}
	host = config_get(env->cfg, "terminal.ssh.host", NULL);
	sshcfg = config_get(env->cfg, "terminal.ssh.config", NULL);
	if (!host || !*host)
		return hm_fail(err, HM_EFAIL, "ssh backend: set "
		    "terminal.ssh.host");
	home = hm_path("ssh");
	hm_mkdir_p(home, 0700, NULL);
	buf_addf(&cl->b, "ControlPath=%s/cm-%%C", home);
	free(home);
	if (dir) {
		buf_adds(&cl->c, "cd ");
		quote_sh(&cl->c, dir);
		buf_adds(&cl->c, " && ");
	}
	buf_adds(&cl->c, cmd);
	cl->argv[n++] = "ssh";
	if (sshcfg && *sshcfg) {
		cl->argv[n++] = "-F";
		cl->argv[n++] = (char *)sshcfg;
	}
	cl->argv[n++] = "-o";
	cl->argv[n++] = "BatchMode=yes";
	cl->argv[n++] = "-o";
	cl->argv[n++] = "ControlMaster=auto";
	cl->argv[n++] = "-o";
	cl->argv[n++] = cl->b.s;
	cl->argv[n++] = "-o";
	cl->argv[n++] = "ControlPersist=600";
	cl->argv[n++] = (char *)host;
	cl->argv[n++] = cl->c.s;
	return 0;
}

static void
cmdline_release(struct cmdline *cl)
{
	buf_release(&cl->a);
	buf_release(&cl->b);
	buf_release(&cl->c);
}

/* ---- safety ---- */

static int
allowed(struct tool_env *env, const char *cmd, struct buf *out)
{
	struct buf why = BUF_INIT;
	int v;

	if (!env->approve)
		return 1;
	v = approve_decide(env->approve, cmd, &why);
	if (v != APPROVE_ALLOW)
		hm_fail(out, HM_EINVAL, "blocked by the safety policy: %s",
		    buf_str(&why));
	buf_release(&why);
	return v == APPROVE_ALLOW;
}

/* ---- terminal ---- */

static int
run_fg(struct tool_env *env, struct cmdline *cl, long timeout,
    struct buf *out)
{
	struct cap cap;
	struct pollfd pfd;
	char chunk[65536];
	double deadline = tu_mono() + (double)timeout, quiet = 0;
	int fds[2], st = 0, exited = 0, why = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return hm_fail(out, HM_EFAIL, "cannot make a pipe: %s",
		    strerror(errno));
	pid = spawn(cl->argv, cl->dir, fds[1], out);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return -HM_EFAIL;
	}
	cap_init(&cap, env->output_max ? env->output_max : 50000);
	pfd.fd = fds[0];
	for (;;) {
		if (sig_interrupted) {
			why = 2;
			break;
		}
		if (tu_mono() > deadline) {
			why = 1;
			break;
		}
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 100) > 0) {
			n = read(fds[0], chunk, sizeof(chunk));
			if (n > 0) {
				cap_add(&cap, chunk, (size_t)n);
				quiet = 0;
				continue;
			}
			if (n == 0 || (n < 0 && errno != EINTR))
				break;
		}
		if (!exited && waitpid(pid, &st, WNOHANG) == pid) {
			exited = 1;	/* a child of it may hold the pipe */
			quiet = tu_mono() + 0.3;
		}
		if (exited && quiet && tu_mono() > quiet)
			break;
	}
	close(fds[0]);
	if (!exited || why) {
		int s2 = stop_group(pid, 2.0);

		if (!exited)
			st = s2;
	} else {
		kill(-pid, SIGKILL);	/* leftovers it put in the background */
	}
	buf_reset(out);
	cap_render(&cap, out);
	if (out->len && out->s[out->len - 1] != '\n')
		buf_addc(out, '\n');
	if (why == 1)
		buf_addf(out, "[killed after %ld s: timeout]", timeout);
	else if (why == 2)
		buf_adds(out, "[interrupted by the user]");
	else
		describe_status(out, st);
	cap_release(&cap);
	return 0;
}

static struct bg *
find_bg(const char *id)
{
	int i;

	for (i = 0; id && i < nbg; i++)
		if (!strcmp(bgs[i].id, id))
			return &bgs[i];
	return NULL;
}

static void
reap_bg(struct bg *b)
{
	int st;

	if (!b->done && waitpid(b->pid, &st, WNOHANG) == b->pid) {
		b->done = 1;
		b->status = st;
	}
}

static int
run_bg(struct cmdline *cl, const char *cmd, struct buf *out)
{
	struct buf path = BUF_INIT;
	struct bg *b;
	char *dir;
	int fd;
	pid_t pid;

	if (nbg == MAX_BG)
		return hm_fail(out, HM_EFAIL, "too many background processes "
		    "(%d): kill some with the process tool", MAX_BG);
	dir = hm_path("procs");
	if (hm_mkdir_p(dir, 0700, out) < 0) {
		free(dir);
		return -HM_EIO;
	}
	bg_serial++;
	buf_addf(&path, "%s/%ld-%d.log", dir, (long)getpid(), bg_serial);
	free(dir);
	fd = open(path.s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		hm_fail(out, HM_EIO, "cannot create '%s': %s", path.s,
		    strerror(errno));
		buf_release(&path);
		return -HM_EIO;
	}
	pid = spawn(cl->argv, cl->dir, fd, out);
	close(fd);
	if (pid < 0) {
		buf_release(&path);
		return -HM_EFAIL;
	}
	b = &bgs[nbg++];
	memset(b, 0, sizeof(*b));
	snprintf(b->id, sizeof(b->id), "bg_%d", bg_serial);
	b->pid = pid;
	b->cmd = xstrdup(cmd);
	b->log = buf_detach(&path);
	buf_reset(out);
	buf_addf(out, "started %s (pid %ld); use the process tool to poll, "
	    "read, wait for or kill it", b->id, (long)pid);
	return 0;
}

static int
terminal_run(const struct tool *t, struct tool_env *env, cJSON *args,
    struct buf *out)
{
	const char *cmd = tool_arg_str(args, "command");
	const char *wd = tool_arg_str(args, "workdir");
	cJSON *bgv = cJSON_GetObjectItem(args, "background");
	struct cmdline cl;
	struct stat st;
	long timeout, def = 180;
	int rc;

	(void)t;
	if (!cmd || !*cmd)
		return hm_fail(out, HM_EINVAL, "'command' is required");
	config_get_long(env->cfg, "terminal.timeout", &def, NULL);
	if (tool_arg_long(args, "timeout", def, &timeout) < 0)
		return hm_fail(out, HM_EINVAL, "'timeout' must be a number");
	if (timeout < 1)
		timeout = 1;
	if (timeout > 600)
		timeout = 600;
	if (!wd || !*wd)
		wd = env->cwd;
	if (wd && (!config_get(env->cfg, "terminal.backend", NULL) ||
	    !strcmp(config_get(env->cfg, "terminal.backend", NULL), "local"))
	    && (stat(wd, &st) < 0 || !S_ISDIR(st.st_mode)))
		return hm_fail(out, HM_EINVAL, "workdir '%s' is not a "
		    "directory", wd);
	if (!allowed(env, cmd, out))
		return -HM_EINVAL;
	if (build_cmd(env, cmd, wd, &cl, out) < 0) {
		cmdline_release(&cl);
		return -HM_EFAIL;
	}
	if (cJSON_IsTrue(bgv))
		rc = run_bg(&cl, cmd, out);
	else
		rc = run_fg(env, &cl, timeout, out);
	cmdline_release(&cl);
	return rc;
}

const struct tool tool_terminal = {
	"terminal", "terminal",
	"Run a shell command; returns output and exit status. timeout in s "
	"(default 180, max 600); background: true returns a handle for the "
	"process tool.",
	"{\"type\":\"object\",\"properties\":{"
	"\"command\":{\"type\":\"string\"},"
	"\"timeout\":{\"type\":\"integer\"},"
	"\"workdir\":{\"type\":\"string\"},"
	"\"background\":{\"type\":\"boolean\"}},"
	"\"required\":[\"command\"]}",
	terminal_run, NULL
};

/* ---- process ---- */

static void
new_output(struct tool_env *env, struct bg *b, struct buf *out)
{
	struct cap cap;
	char chunk[65536];
	ssize_t n;
	int fd = open(b->log, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	cap_init(&cap, env->output_max ? env->output_max : 50000);
	lseek(fd, b->seen, SEEK_SET);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		cap_add(&cap, chunk, (size_t)n);
		b->seen += n;
	}
	close(fd);
	cap_render(&cap, out);
	cap_release(&cap);
}

static void
state(struct bg *b, struct buf *out)
{
	buf_addf(out, "%s pid %ld: ", b->id, (long)b->pid);
	if (b->done)
		describe_status(out, b->status);
	else
		buf_adds(out, "running");
}

static int
process_run(const struct tool *t, struct tool_env *env, cJSON *args,
    struct buf *out)
{
	const char *action = tool_arg_str(args, "action");
	const char *id = tool_arg_str(args, "id");
	struct bg *b;
	long timeout;
	double end;
	int i;

	(void)t;
	if (!action)
		return hm_fail(out, HM_EINVAL, "'action' is required: list, "
		    "poll, read, wait or kill");
	if (!strcmp(action, "list")) {
		for (i = 0; i < nbg; i++) {
			reap_bg(&bgs[i]);
			state(&bgs[i], out);
			buf_addf(out, "  %s\n", bgs[i].cmd);
		}
		if (!nbg)
			buf_adds(out, "no background processes");
		return 0;
	}
	if (!(b = find_bg(id)))
		return hm_fail(out, HM_ENOTFOUND, "no background process "
		    "'%s'", id ? id : "");
	if (!strcmp(action, "kill")) {
		if (!b->done) {
			b->status = stop_group(b->pid, 2.0);
			b->done = 1;
		}
	} else if (!strcmp(action, "wait")) {
		if (tool_arg_long(args, "timeout", 30, &timeout) < 0)
			return hm_fail(out, HM_EINVAL, "'timeout' must be a "
			    "number");
		end = tu_mono() + (double)(timeout > 600 ? 600 : timeout);
		for (reap_bg(b); !b->done && tu_mono() < end && !sig_interrupted;
		    reap_bg(b))
			usleep(50000);
	} else if (!strcmp(action, "read")) {
		b->seen = 0;
	} else if (strcmp(action, "poll")) {
		return hm_fail(out, HM_EINVAL, "unknown action '%s'", action);
	}
	reap_bg(b);
	state(b, out);
	buf_addc(out, '\n');
	new_output(env, b, out);
	return 0;
}

const struct tool tool_process = {
	"process", "terminal",
	"Manage background commands: list, poll (status and new output), "
	"read (all output), wait (up to timeout s), kill.",
	"{\"type\":\"object\",\"properties\":{"
	"\"action\":{\"type\":\"string\",\"enum\":[\"list\",\"poll\","
	"\"read\",\"wait\",\"kill\"]},"
	"\"id\":{\"type\":\"string\"},"
	"\"timeout\":{\"type\":\"integer\"}},"
	"\"required\":[\"action\"]}",
	process_run, NULL
};

void
terminal_cleanup(void)
{
	int i;

	for (i = 0; i < nbg; i++) {
		reap_bg(&bgs[i]);
		if (!bgs[i].done)
			stop_group(bgs[i].pid, 1.0);
		free(bgs[i].cmd);
		free(bgs[i].log);
	}
	nbg = 0;
}
