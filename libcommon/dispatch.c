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
#include <stdarg.h>

#include <cjson/cJSON.h>

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
#define LOG_TAIL	16384		/* bytes of a log read for its error */
#define NOTE_MAX	300		/* bytes of a result or why in a note */

enum how { ENDED, TIMED_OUT, STOPPED };

struct worker {
	int pid;
	char *id, *name, *log;
	double started;			/* tu_mono() */
	time_t lease;			/* as we last set it */
	off_t log_at;			/* where this attempt's output begins */
};

struct disp {
	struct board *b;
	const struct config *cfg;
	const struct dispatch_opts *o;
	struct dispatch_stats st;
	struct worker *w;
	size_t n;
	long max, max_attempts, ttl, timeout;
	char cwd[PATH_MAX];
	int seq;
	int idle;			/* the last fill found none ready */
};

/* One line of news on o->report: "hermes-kanban: ..." */
static void
note(struct disp *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
note(struct disp *d, const char *fmt, ...)
{
	va_list ap;

	if (!d->o->report)
		return;
	fprintf(d->o->report, "%s: ", hm_prog);
	va_start(ap, fmt);
	vfprintf(d->o->report, fmt, ap);
	va_end(ap);
	fputc('\n', d->o->report);
	fflush(d->o->report);
}

/* Append the first line of s, at most max bytes on a character
 * boundary, "..." when cut; its control characters as '?' (a worker's
 * answer is the model's text, which untrusted input may steer, and it
 * reaches a terminal and the board). */
static void
add_line(struct buf *out, const char *s, size_t max)
{
	size_t n = strcspn(s, "\r\n"), at = out->len;

	if (n > max) {
		while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
			max--;
		n = max;
	}
	buf_add(out, s, n);
	buf_neutralise(out, at);
	if (s[n])
		buf_adds(out, "...");
}

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
	free(d->w[i].log);
	d->w[i] = d->w[--d->n];
}

/*
 * What the attempt of w said of its end, from its part of its log (the
 * last LOG_TAIL bytes at most): the "error" of hermes-ask's --json
 * object, else its last error line on stderr (not a warning, not "session
 * saved"), else "its answer: TEXT"; nothing when it said none.
 */
static void
worker_said(const struct worker *w, struct buf *out)
{
	struct buf log = BUF_INIT, err = BUF_INIT, text = BUF_INIT;
	char *line, *next;
	off_t from = w->log_at, size;
	int fd;

	if (!w->log || (fd = open(w->log, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	if (size - from > LOG_TAIL)
		from = size - LOG_TAIL;
	if (lseek(fd, from, SEEK_SET) == from)
		buf_read_fd(&log, fd);
	close(fd);
	line = log.s;
	if (line && from > w->log_at && (next = strchr(line, '\n')))
		line = next + 1;	/* a part of a line: not ours to read */
	for (; line && *line; line = next) {
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		if (*line == '{') {
			cJSON *j = cJSON_Parse(line), *e;

			e = cJSON_GetObjectItem(j, "error");
			if (cJSON_IsString(e) && *e->valuestring) {
				buf_reset(&err);
				buf_adds(&err, e->valuestring);
			}
			e = cJSON_GetObjectItem(j, "text");
			if (cJSON_IsString(e) && *e->valuestring) {
				buf_reset(&text);
				buf_adds(&text, e->valuestring);
			}
			cJSON_Delete(j);
		} else if (!strncmp(line, "hermes-", 7) && !err.len &&
		    !strstr(line, ": warning: ") &&
		    !strstr(line, ": session saved")) {
			buf_reset(out);
			buf_adds(out, line);
		}
	}
	if (err.len) {
		buf_reset(out);
		buf_adds(out, err.s);
	} else if (!out->len && text.len) {
		buf_adds(out, "its answer: ");
		buf_adds(out, text.s);
	}
	buf_release(&log);
	buf_release(&err);
	buf_release(&text);
}

/* Fail the attempt at task id (why) and say so with verb ("failed"). */
static int
fail_attempt(struct disp *d, const char *id, const char *verb,
    const char *why, struct buf *err)
{
	struct buf of = BUF_INIT;
	struct task t;
	int rc;

	if ((rc = board_fail(d->b, id, why, d->max_attempts, err)) < 0)
		return rc;
	if (d->max_attempts > 0)
		buf_addf(&of, " of %ld", d->max_attempts);
	if (board_get(d->b, id, &t, err) == 0)
		note(d, "%s %s (attempt %ld%s, now %s): %s", id, verb,
		    t.attempts, buf_str(&of), task_status_name(t.status), why);
	buf_reset(err);
	task_release(&t);
	buf_release(&of);
	return 0;
}

/* A worker ended: done, blocked, or (it still holds its task) failed. */
static void
ended(struct disp *d, size_t i, int st, enum how how)
{
	struct worker *w = &d->w[i];
	struct buf err = BUF_INIT, why = BUF_INIT, said = BUF_INIT;
	struct task t;

	if (board_get(d->b, w->id, &t, &err) < 0) {
		note(d, "%s ended: %s", w->id, err.s);	/* removed meanwhile */
	} else if (t.status == TASK_DONE) {
		d->st.done++;
		add_line(&why, t.result ? t.result : "(no result)", NOTE_MAX);
		note(d, "%s done: %s", w->id, why.s);
	} else if (t.status == TASK_BLOCKED) {
		d->st.blocked++;
		add_line(&why, t.reason ? t.reason : "-", NOTE_MAX);
		note(d, "%s blocked: %s", w->id, why.s);
	} else if (t.status != TASK_CLAIMED || !t.claim_worker ||
	    strcmp(t.claim_worker, w->name)) {
		d->st.failed++;
		note(d, "%s failed: its worker lost the claim (the task is %s)",
		    w->id, task_status_name(t.status));
	} else {
		if (how == TIMED_OUT)
			buf_addf(&why, "the worker ran past kanban.timeout "
			    "(%ld s)", d->timeout);
		else if (how == STOPPED)
			buf_adds(&why, "the dispatcher stopped");
		else if (WIFEXITED(st))
			buf_addf(&why, "the worker exited with status %d "
			    "without completing or blocking the task",
			    WEXITSTATUS(st));
		else
			buf_addf(&why, "the worker was killed by signal %d",
			    WTERMSIG(st));
		worker_said(w, &said);
		if (said.len) {
			buf_adds(&why, ": ");
			add_line(&why, said.s, NOTE_MAX);
		}
		if (how == STOPPED)
			d->st.stopped++;
		else
			d->st.failed++;
		if (fail_attempt(d, w->id, how == STOPPED ? "stopped" :
		    "failed", why.s, &err) < 0)
			hm_report(&err);
	}
	task_release(&t);
	buf_release(&err);
	buf_release(&why);
	buf_release(&said);
	drop(d, i);
}

static void
reap(struct disp *d)
{
	struct buf err = BUF_INIT;
	time_t now = tu_now();
	size_t i;
	int st;

	for (i = 0; i < d->n;) {
		struct worker *w = &d->w[i];

		if (waitpid(w->pid, &st, WNOHANG) == w->pid) {
			ended(d, i, st, ENDED);
			continue;
		}
		if (tu_mono() - w->started > (double)d->timeout) {
			proc_stop(w->pid, 2000, &st);
			ended(d, i, st, TIMED_OUT);
			continue;
		}
		/* alive: its lease holds while it lives */
		buf_reset(&err);
		if (now >= w->lease - d->ttl / 2 &&
		    board_heartbeat(d->b, w->id, w->name, d->ttl, now,
		    &err) == 0)
			w->lease = now + d->ttl;
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

/* Append s whole, or its first max bytes (on a character boundary) and
 * a note of the cut; the bytes of s appended. */
static size_t
add_cut(struct buf *out, const char *s, size_t max, const char *id)
{
	size_t n = strlen(s), k = n;

	if (n > max) {
		k = max;
		while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
			k--;
	}
	buf_add(out, s, k);
	if (k < n)
		buf_addf(out, "\n[... %zu more bytes cut: kanban_show %s has "
		    "the whole result]", n - k, id);
	buf_addc(out, '\n');
	return k;
}

/* The tasks t needs: what each one left for it. */
static void
add_parents(struct board *b, const struct task *t, struct buf *out)
{
	struct buf err = BUF_INIT;
	size_t room = DISPATCH_RESULTS_MAX;
	struct task k;
	char **p;

	if (!t->parents || !*t->parents)
		return;
	buf_adds(out, "It comes after these tasks; what they left for it:\n\n");
	for (p = t->parents; *p; p++) {
		buf_reset(&err);
		if (board_get(b, *p, &k, &err) < 0) {
			buf_addf(out, "## %s\n(%s)\n\n", *p, err.s);
			continue;
		}
		buf_addf(out, "## %s: %s\nStatus: %s\n", k.id, k.title,
		    task_status_name(k.status));
		if (k.branch)
			buf_addf(out, "Branch: %s (its commits are there)\n",
			    k.branch);
		if (k.workspace)
			buf_addf(out, "Workspace: %s\n", k.workspace);
		if (!k.result || !*k.result)
			buf_adds(out, "Result: none given\n");
		else if (room == 0)
			buf_addf(out, "Result: not shown, the results above "
			    "took the room (kanban_show %s has it)\n", k.id);
		else {
			buf_adds(out, "Result:\n");
			room -= add_cut(out, k.result, room <
			    DISPATCH_RESULT_MAX ? room : DISPATCH_RESULT_MAX,
			    k.id);
		}
		buf_addc(out, '\n');
		task_release(&k);
	}
	buf_release(&err);
}

void
dispatch_prompt(struct board *b, const struct task *t, const char *dir,
    struct buf *p)
{
	buf_addf(p, "You are a worker on the kanban board. Your task is %s: "
	    "%s\n\n", t->id, t->title);
	if (t->body && *t->body)
		buf_addf(p, "%s\n\n", t->body);
	add_parents(b, t, p);
	buf_addf(p, "You work in %s%s%s%s. When the task is done, call "
	    "kanban_complete with a short result. If you cannot do it, call "
	    "kanban_block with the reason. Ending without either counts as "
	    "a failed attempt.\n", dir, t->branch ? " (a git worktree on "
	    "branch " : "", t->branch ? t->branch : "", t->branch ?
	    "; commit your work there" : "");
}

/* Start the worker of task id, claimed at now by name. */
static int
spawn(struct disp *d, const char *id, const char *name, time_t now,
    struct buf *err)
{
	struct buf p = BUF_INIT, e1 = BUF_INIT, e2 = BUF_INIT, e3 = BUF_INIT;
	struct buf e4 = BUF_INIT, rel = BUF_INIT;
	struct proc_spec ps;
	struct worker *w;
	struct task t;
	char *dir = NULL, *exe = proc_sibling("hermes-ask"), *log = NULL;
	char *argv[8];
	const char *env[5];
	int fd = -1, pid = -1, rc, k = 0;
	off_t at = 0;

	memset(&t, 0, sizeof(t));
	if ((rc = board_get(d->b, id, &t, err)) < 0 ||
	    (rc = workspace(d, &t, &dir, err)) < 0)
		goto out;
	task_release(&t);
	if ((rc = board_get(d->b, id, &t, err)) < 0)	/* with its branch */
		goto out;
	dispatch_prompt(d->b, &t, dir, &p);
	buf_addf(&rel, "kanban-%s.log", id);
	if ((fd = hm_open_log(rel.s, &log)) >= 0 &&
	    (at = lseek(fd, 0, SEEK_END)) < 0)
		at = 0;
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
	w = &d->w[d->n++];
	w->pid = pid;
	w->id = xstrdup(id);
	w->name = xstrdup(name);
	w->log = log;
	log = NULL;
	w->log_at = at;
	w->started = tu_mono();
	w->lease = now + d->ttl;
	d->st.started++;
	note(d, "%s started (pid %d): %s", id, pid, t.title);
out:
	if (fd >= 0)
		close(fd);
	task_release(&t);
	free(dir);
	free(exe);
	free(log);
	buf_release(&p);
	buf_release(&e1);
	buf_release(&e2);
	buf_release(&e3);
	buf_release(&e4);
	buf_release(&rel);
	return rc;
}

/* Claim and start workers while there is room; d->idle when nothing was
 * ready.  A worker that cannot start ends the starts of this pass. */
static int
fill(struct disp *d, struct buf *err)
{
	struct buf name = BUF_INIT, why = BUF_INIT;
	time_t now;
	char *id;
	int rc = 0;

	d->idle = 0;
	while (rc == 0 && (long)d->n < d->max && !sig_interrupted) {
		buf_reset(&name);
		buf_addf(&name, "dispatch:%d:%d", (int)getpid(), ++d->seq);
		now = tu_now();
		rc = board_claim_next(d->b, name.s, 0, d->ttl, now, &id, err);
		if (rc < 0)
			break;
		if (!id) {
			d->idle = 1;
			break;
		}
		if (spawn(d, id, name.s, now, err) < 0) {
			buf_reset(&why);
			buf_addf(&why, "the worker could not start: %s",
			    buf_str(err));
			buf_reset(err);
			d->st.failed++;
			rc = fail_attempt(d, id, "failed", why.s, err);
			free(id);
			break;	/* the next pass tries again */
		}
		free(id);
	}
	buf_release(&name);
	buf_release(&why);
	return rc;
}

/* board_reclaim's callback: say it, and stop the old worker. */
static void
reclaimed(const char *id, int64_t pid, void *ctx)
{
	note(ctx, "%s reclaimed: the lease of its worker expired", id);
	dispatch_stop_worker(id, pid, NULL);
}

static int
pass(struct disp *d, int start, struct buf *err)
{
	size_t n = 0;
	int rc;

	reap(d);
	rc = board_reclaim(d->b, tu_now(), d->max_attempts, reclaimed, d, &n,
	    err);
	d->st.reclaimed += (long)n;
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
	if (d->max < 1)
		d->max = 1;
	if (!getcwd(d->cwd, sizeof(d->cwd)))
		d->cwd[0] = '\0';
}

/* The last line: what the run did, and what is left undone. */
static void
summary(struct disp *d)
{
	static const enum task_status left[] = { TASK_CLAIMED, TASK_READY,
		TASK_TODO, TASK_BLOCKED, TASK_FAILED };
	struct buf s = BUF_INIT, err = BUF_INIT;
	long c[TASK_BLOCKED + 1] = { 0 };
	size_t i;
	int first = 1;

	if (!d->o->report)
		return;
	if (!d->st.started && !d->st.reclaimed)
		buf_adds(&s, "nothing was ready");
	else
		buf_addf(&s, "%ld started, %ld done, %ld blocked, %ld failed",
		    d->st.started, d->st.done, d->st.blocked, d->st.failed);
	if (d->st.stopped)
		buf_addf(&s, ", %ld stopped", d->st.stopped);
	if (d->st.reclaimed)
		buf_addf(&s, ", %ld reclaimed", d->st.reclaimed);
	if (board_count(d->b, c, &err) == 0)
		for (i = 0; i < HM_ARRAY_SIZE(left); i++) {
			if (!c[left[i]])
				continue;
			buf_addf(&s, "%s%ld %s", first ? "; left: " : ", ",
			    c[left[i]], task_status_name(left[i]));
			first = 0;
		}
	note(d, "%s", s.s);
	buf_release(&s);
	buf_release(&err);
}

int
dispatch_run(struct board *b, const struct config *cfg,
    const struct dispatch_opts *o, struct dispatch_stats *st,
    struct buf *err)
{
	char *lp = hm_path(".kanban-dispatch.lock");
	struct disp d;
	int lk, rc, first = 1;
	size_t i;

	if (st)
		memset(st, 0, sizeof(*st));
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
	d.o = o;
	settings(&d, cfg, o);
	for (rc = 0; rc == 0 && !sig_interrupted;) {
		rc = pass(&d, !o->once || first, err);
		first = 0;
		if (rc < 0 || (d.n == 0 && (o->once || (o->until_done &&
		    d.idle))))
			break;
		for (i = 0; i < PASS_MS / 50 && !sig_interrupted; i++)
			usleep(50000);
	}
	for (i = d.n; i > 0; i--) {	/* stopped: so are the workers */
		int ws = 0;

		proc_stop(d.w[i - 1].pid, 2000, &ws);
		ended(&d, i - 1, ws, STOPPED);
	}
	summary(&d);
	if (st)
		*st = d.st;
	free(d.w);
	lock_release(lk);
	return rc;
}
