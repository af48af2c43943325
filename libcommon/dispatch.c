/*
 * dispatch.c: the kanban dispatcher (dispatch.h).  The board is the
 * truth; this process only adds the facts a database cannot know: which
 * children are alive.  Its table of workers maps a pid to a task and a
 * worker name; everything else is read from kanban.db each pass, so a
 * dispatcher that dies and restarts finds the work where it was, and the
 * leases of its dead workers run out and are reclaimed.
 */
#include <sys/wait.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>

#include "common.h"
#include "board.h"
#include "config.h"
#include "dispatch.h"
#include "lock.h"
#include "path.h"
#include "proc.h"
#include "sig.h"
#include "worktree.h"
#include "timeutil.h"

#define WORKER_MEM	(256L << 20)	/* bytes we budget a worker */
#define PASS_MS		500		/* between passes */

struct worker {
	int pid;
	char *id, *name;
	time_t started;
};

struct disp {
	struct board *b;
	const struct config *cfg;
	struct worker *w;
	size_t n;
	long max, max_attempts, ttl, timeout;
	char cwd[PATH_MAX];
	int seq;
};

/* Is pid the worker of task id?  Its environment says so. */
static int
is_worker_of(int64_t pid, const char *id)
{
	struct buf path = BUF_INIT, env = BUF_INIT, want = BUF_INIT;
	size_t i;
	int r = 0;

	buf_addf(&path, "/proc/%lld/environ", (long long)pid);
	buf_addf(&want, "HERMES_KANBAN_TASK=%s", id);
	if (buf_read_file(&env, path.s) == 0)
		for (i = 0; i < env.len && !r; i += strlen(env.s + i) + 1)
			r = !strcmp(env.s + i, want.s);
	buf_release(&path);
	buf_release(&env);
	buf_release(&want);
	return r;
}

void
dispatch_stop_worker(const char *id, int64_t pid, void *ctx)
{
	int i;

	(void)ctx;
	if (pid <= 0 || pid > INT_MAX || !is_worker_of(pid, id))
		return;
	kill(-(pid_t)pid, SIGTERM);
	kill((pid_t)pid, SIGTERM);
	for (i = 0; i < 200 && kill((pid_t)pid, 0) == 0; i++) {
		waitpid((pid_t)pid, NULL, WNOHANG);	/* ours: reap it */
		usleep(10000);
	}
	if (kill((pid_t)pid, 0) == 0) {
		kill(-(pid_t)pid, SIGKILL);
		kill((pid_t)pid, SIGKILL);
		waitpid((pid_t)pid, NULL, 0);
	}
}

static long
mem_workers(void)
{
	struct buf b = BUF_INIT;
	const char *p;
	long kb = 0;

	if (buf_read_file(&b, "/proc/meminfo") == 0 &&
	    (p = strstr(b.s, "MemAvailable:")))
		kb = strtol(p + 13, NULL, 10);
	buf_release(&b);
	return kb > 0 ? (long)((kb * 1024L) / WORKER_MEM) : 256;
}

static void
drop(struct disp *d, size_t i)
{
	free(d->w[i].id);
	free(d->w[i].name);
	d->w[i] = d->w[--d->n];
}

/* A worker ended: if it still holds its task, the attempt failed. */
static void
ended(struct disp *d, size_t i, int st)
{
	struct buf err = BUF_INIT, why = BUF_INIT;
	struct task t;

	memset(&t, 0, sizeof(t));
	if (board_get(d->b, d->w[i].id, &t, &err) == 0 &&
	    t.status == TASK_CLAIMED && t.claim_worker &&
	    !strcmp(t.claim_worker, d->w[i].name)) {
		if (WIFEXITED(st))
			buf_addf(&why, "the worker exited with status %d "
			    "without completing or blocking the task",
			    WEXITSTATUS(st));
		else
			buf_addf(&why, "the worker was killed by signal %d",
			    WTERMSIG(st));
		if (board_fail(d->b, d->w[i].id, why.s, d->max_attempts,
		    &err) < 0)
			hm_report(&err);
	}
	task_release(&t);
	buf_release(&err);
	buf_release(&why);
	drop(d, i);
}

static void
reap(struct disp *d, time_t now)
{
	struct buf err = BUF_INIT;
	size_t i;
	int st;

	for (i = 0; i < d->n;) {
		if (waitpid(d->w[i].pid, &st, WNOHANG) == d->w[i].pid) {
			ended(d, i, st);
			continue;
		}
		if (now - d->w[i].started > d->timeout) {
			proc_stop(d->w[i].pid, 2000, &st);
			ended(d, i, st);
			continue;
		}
		/* alive: its lease holds while it lives */
		buf_reset(&err);
		board_heartbeat(d->b, d->w[i].id, d->w[i].name, d->ttl, now,
		    &err);
		i++;
	}
	buf_release(&err);
}

/* The directory the worker of t works in; 0 or -HM_E*. */
static int
workspace(struct disp *d, const struct task *t, char **dir, struct buf *err)
{
	struct buf rel = BUF_INIT;
	char *repo = NULL, *branch = NULL;
	int rc;

	buf_addf(&rel, "worktrees/%s", t->id);
	*dir = hm_path(rel.s);
	buf_release(&rel);
	if (t->repo)
		rc = worktree_find_repo(t->repo, &repo, err);
	else if (worktree_find_repo(d->cwd, &repo, err) < 0)
		rc = 1;		/* no repository: a scratch directory */
	else
		rc = 0;
	buf_reset(err);
	if (rc < 0 && t->repo)
		rc = hm_fail(err, HM_EFAIL, "task %s: '%s' is not in a git "
		    "repository", t->id, t->repo);
	else if (rc == 0)
		rc = worktree_for_task(repo, t->id, *dir, &branch, err);
	else
		rc = hm_mkdir_p(*dir, 0700, err);
	if (rc == 0)
		rc = board_set_workspace(d->b, t->id, *dir, branch, err);
	free(repo);
	free(branch);
	return rc;
}

static void
prompt(const struct task *t, const char *dir, struct buf *p)
{
	buf_addf(p, "You are a worker on the kanban board. Your task is %s: "
	    "%s\n\n", t->id, t->title);
	if (t->body && *t->body)
		buf_addf(p, "%s\n\n", t->body);
	buf_addf(p, "You work in %s%s%s%s. When the task is done, call "
	    "kanban_complete with a short result. If you cannot do it, call "
	    "kanban_block with the reason. Ending without either counts as "
	    "a failed attempt.\n", dir, t->branch ? " (a git worktree on "
	    "branch " : "", t->branch ? t->branch : "", t->branch ?
	    "; commit your work there" : "");
}

static int
spawn(struct disp *d, const char *id, const char *name, struct buf *err)
{
	struct buf p = BUF_INIT, e1 = BUF_INIT, e2 = BUF_INIT, e3 = BUF_INIT;
	struct buf e4 = BUF_INIT, rel = BUF_INIT;
	struct proc_spec ps;
	struct task t;
	char *dir = NULL, *exe = proc_sibling("hermes-ask");
	char *argv[8];
	const char *env[5];
	int fd = -1, pid = -1, rc, k = 0;

	memset(&t, 0, sizeof(t));
	if ((rc = board_get(d->b, id, &t, err)) < 0 ||
	    (rc = workspace(d, &t, &dir, err)) < 0)
		goto out;
	task_release(&t);
	if ((rc = board_get(d->b, id, &t, err)) < 0)	/* with its branch */
		goto out;
	prompt(&t, dir, &p);
	buf_addf(&rel, "kanban-%s.log", id);
	fd = hm_open_log(rel.s, NULL);
	argv[0] = exe;
	argv[1] = "--json";
	argv[2] = "-q";
	argv[3] = "--source";
	argv[4] = "kanban";
	argv[5] = p.s;
	argv[6] = NULL;
	buf_addf(&e1, "HERMES_KANBAN_TASK=%s", id);
	buf_addf(&e2, "HERMES_KANBAN_WORKER=%s", name);
	buf_addf(&e3, "HERMES_HOME=%s", hm_home());
	env[k++] = e1.s;
	env[k++] = e2.s;
	env[k++] = e3.s;
	if (t.assignee && *t.assignee) {
		buf_addf(&e4, "HERMES_PROFILE=%s", t.assignee);
		env[k++] = e4.s;
	}
	env[k] = NULL;
	memset(&ps, 0, sizeof(ps));
	ps.argv = argv;
	ps.in = -1;
	ps.out = fd;
	ps.errfd = fd;
	ps.env = env;
	ps.dir = dir;
	if ((pid = proc_spawn(&ps, err)) < 0) {
		rc = pid;
		goto out;
	}
	board_set_pid(d->b, id, name, pid, err);
	buf_reset(err);
	d->w = xrealloc(d->w, (d->n + 1) * sizeof(*d->w));
	d->w[d->n].pid = pid;
	d->w[d->n].id = xstrdup(id);
	d->w[d->n].name = xstrdup(name);
	d->w[d->n].started = tu_now();
	d->n++;
out:
	if (fd >= 0)
		close(fd);
	task_release(&t);
	free(dir);
	free(exe);
	buf_release(&p);
	buf_release(&e1);
	buf_release(&e2);
	buf_release(&e3);
	buf_release(&e4);
	buf_release(&rel);
	return rc;
}

/* Claim and start workers while there is room. */
static int
fill(struct disp *d, struct buf *err)
{
	struct buf name = BUF_INIT, why = BUF_INIT;
	char *id;
	int rc = 0;

	while (rc == 0 && (long)d->n < d->max && !sig_interrupted) {
		buf_reset(&name);
		buf_addf(&name, "dispatch:%d:%d", (int)getpid(), ++d->seq);
		rc = board_claim_next(d->b, name.s, 0, d->ttl, tu_now(), &id,
		    err);
		if (rc < 0 || !id)
			break;
		if (spawn(d, id, name.s, err) < 0) {
			/* the task cannot start: a failed attempt, said */
			buf_reset(&why);
			buf_addf(&why, "the worker could not start: %s",
			    buf_str(err));
			buf_reset(err);
			rc = board_fail(d->b, id, why.s, d->max_attempts, err);
		}
		free(id);
	}
	buf_release(&name);
	buf_release(&why);
	return rc;
}

static int
pass(struct disp *d, int start, struct buf *err)
{
	size_t n;
	int rc;

	reap(d, tu_now());
	rc = board_reclaim(d->b, tu_now(), d->max_attempts,
	    dispatch_stop_worker, NULL, &n, err);
	if (rc == 0)
		rc = board_promote(d->b, &n, err);
	if (rc == 0 && start)
		rc = fill(d, err);
	return rc;
}

static void
settings(struct disp *d, const struct config *cfg,
    const struct dispatch_opts *o)
{
	long mem = mem_workers();

	d->max = 4;
	d->max_attempts = 2;
	d->ttl = 900;
	d->timeout = 3600;
	config_get_long(cfg, "kanban.max_workers", &d->max, NULL);
	config_get_long(cfg, "kanban.max_attempts", &d->max_attempts, NULL);
	config_get_long(cfg, "kanban.ttl", &d->ttl, NULL);
	config_get_long(cfg, "kanban.timeout", &d->timeout, NULL);
	if (o->max > 0)
		d->max = o->max;
	if (d->max > mem)
		d->max = mem > 0 ? mem : 1;
	if (!getcwd(d->cwd, sizeof(d->cwd)))
		d->cwd[0] = '\0';
}

int
dispatch_run(struct board *b, const struct config *cfg,
    const struct dispatch_opts *o, struct buf *err)
{
	char *lp = hm_path(".kanban-dispatch.lock");
	struct disp d;
	int lk, rc, first = 1;
	size_t i;

	lk = lock_take(lp, LOCK_EX | LOCK_NB, err);
	free(lp);
	if (lk == -HM_ECONFLICT) {
		buf_reset(err);
		return hm_fail(err, HM_ECONFLICT, "another dispatcher is "
		    "running on this board");
	}
	if (lk < 0)
		return lk;
	memset(&d, 0, sizeof(d));
	d.b = b;
	d.cfg = cfg;
	settings(&d, cfg, o);
	for (rc = 0; rc == 0 && !sig_interrupted;) {
		rc = pass(&d, !o->once || first, err);
		first = 0;
		if (o->once && d.n == 0)
			break;
		for (i = 0; i < PASS_MS / 50 && !sig_interrupted; i++)
			usleep(50000);
	}
	for (i = d.n; i > 0; i--) {	/* stopped: so are the workers */
		int st = 0;

		proc_stop(d.w[i - 1].pid, 2000, &st);
		ended(&d, i - 1, st);
	}
	free(d.w);
	lock_release(lk);
	return rc;
}
