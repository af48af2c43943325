/*
 * board.c: unit tests for libcommon/board.c, the kanban board.
 * A fresh board makes kanban.db (mode 0600, schema version 1); tasks
 * round-trip through add/get/list; links make todo or ready, refuse
 * self-links and 2- and 3-cycles by naming the chain, and send a ready
 * child back to todo; complete and rm promote children; claims are a
 * compare-and-swap (16 forked processes drain 1,000 ready tasks and
 * every task is won exactly once, with exactly one claim event each);
 * heartbeats, reclaim of expired leases (the callback runs before the
 * row changes) and board_fail block a task at max_attempts; complete,
 * block and unblock refuse the wrong state or the wrong worker; comments
 * and history; rm; malformed input changes nothing; a list over 10,000
 * tasks; a worker's prompt (dispatch_prompt) carries what the tasks it
 * needs left (in the order of t.parents: by id), each result cut at
 * DISPATCH_RESULT_MAX bytes on a character boundary, all of them at
 * DISPATCH_RESULTS_MAX; board_count counts each status.  Sections
 * start from an empty board (reset()).
 * Files: HERMES_HOME is a mkdtemp directory, removed at the end.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <ftw.h>
#include <time.h>

#include "common.h"
#include "board.h"
#include "db.h"
#include "dispatch.h"
#include "path.h"
#include "timeutil.h"
#include "tap.h"

#define KIDS		16
#define CLAIM_TASKS	1000
#define BIG		10000

static char home[] = "/tmp/hermes-unit-board.XXXXXX";
static char *dbpath;
static struct board *b;
static struct buf err = BUF_INIT;
static char **kept;
static size_t nkept;

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Remember a malloc'd id until the end; return it. */
static char *
keep(char *id)
{
	kept = xrealloc(kept, (nkept + 1) * sizeof(*kept));
	kept[nkept++] = id;
	return id;
}

/* One integer from sql (?1 bound to arg when not NULL) on a raw
 * handle; -1 on error. */
static long
scalar(const char *sql, const char *arg)
{
	struct buf e = BUF_INIT;
	struct db_stmt *st;
	struct db *db;
	long v = -1;

	if ((db = db_open(dbpath, &e)) && (st = db_prepare(db, sql, &e))) {
		if (arg)
			db_bind_text(st, 1, arg);
		if (db_step(st, &e) == 1)
			v = (long)db_column_int64(st, 0);
		db_finalize(st);
	}
	if (e.len)
		printf("# %s\n", e.s);
	db_close(db);
	buf_release(&e);
	return v;
}

static int
raw_exec(const char *sql)
{
	struct buf e = BUF_INIT;
	struct db *db;
	int rc = -1;

	if ((db = db_open(dbpath, &e)))
		rc = db_exec(db, sql, &e);
	if (rc < 0)
		printf("# %s\n", buf_str(&e));
	db_close(db);
	buf_release(&e);
	return rc;
}

/* Everything on the board as one string, to show nothing changed. */
static char *
fingerprint(void)
{
	struct buf e = BUF_INIT;
	struct db_stmt *st;
	struct db *db;
	char *s = NULL;

	if ((db = db_open(dbpath, &e)) && (st = db_prepare(db, "SELECT"
	    " (SELECT count(*) FROM links) || '/' ||"
	    " (SELECT count(*) FROM comments) || '/' ||"
	    " (SELECT count(*) FROM events) || '/' ||"
	    " (SELECT group_concat(id || status || attempts ||"
	    " ifnull(reason, '') || ifnull(result, ''), ',') FROM"
	    " (SELECT * FROM tasks ORDER BY id))", &e))) {
		if (db_step(st, &e) == 1)
			s = db_column_dup(st, 0);
		db_finalize(st);
	}
	db_close(db);
	buf_release(&e);
	return s ? s : xstrdup("");
}

static void
reset(void)
{
	raw_exec("DELETE FROM links; DELETE FROM comments;"
	    " DELETE FROM tasks; DELETE FROM events;");
}

static char *
add_full(const char *title, long prio, const char *assignee,
    const char *const *needs)
{
	struct task_new n;
	char *id = NULL;

	memset(&n, 0, sizeof(n));
	n.title = title;
	n.priority = prio;
	n.assignee = assignee;
	n.needs = needs;
	buf_reset(&err);
	if (board_add(b, &n, "test", &id, &err) < 0)
		printf("# add '%s': %s\n", title, buf_str(&err));
	return id ? keep(id) : NULL;
}

static char *
add(const char *title, const char *const *needs)
{
	return add_full(title, 0, NULL, needs);
}

/* The status of id as its name, "(none)" when there is no such task. */
static const char *
st(const char *id)
{
	struct buf e = BUF_INIT;
	struct task t;
	const char *s = "(none)";

	if (board_get(b, id, &t, &e) == 0)
		s = task_status_name(t.status);
	task_release(&t);
	buf_release(&e);
	return s;
}

/* rc is -code and err says sub. */
static void
fails(int rc, int code, const char *sub, const char *what)
{
	if (!ok(rc == -code && strstr(buf_str(&err), sub), "%s: %s", what,
	    buf_str(&err)))
		printf("#   rc %d, want -%d and '%s'\n", rc, code, sub);
}

#define E(call) (buf_reset(&err), (call))

static long
events_of(const char *id, const char *kind)
{
	struct buf sql = BUF_INIT;
	long n;

	buf_addf(&sql, "SELECT count(*) FROM events WHERE task = ?1 AND"
	    " kind = '%s'", kind);
	n = scalar(sql.s, id);
	buf_release(&sql);
	return n;
}

static int
id_shape(const char *id)
{
	size_t i;

	if (!id || strlen(id) != 10 || strncmp(id, "t_", 2))
		return 0;
	for (i = 2; i < 10; i++)
		if (!strchr("0123456789abcdef", id[i]))
			return 0;
	return 1;
}

static void
test_fresh(void)
{
	enum task_status s;
	struct stat sb;
	int i, good = 0;

	ok(stat(dbpath, &sb) == 0, "board_open makes kanban.db");
	is_int(sb.st_mode & 0777, 0600, "kanban.db is mode 0600");
	is_int(scalar("PRAGMA user_version", NULL), 1, "schema version 1");
	is_int(scalar("SELECT count(*) FROM sqlite_master WHERE type ="
	    " 'index' AND name IN ('tasks_status', 'links_parent',"
	    " 'events_task', 'comments_task')", NULL), 4,
	    "the indexes exist");
	for (i = TASK_TODO; i <= TASK_BLOCKED; i++)
		if (task_status_parse(task_status_name((enum task_status)i),
		    &s) == 0 && (int)s == i)
			good++;
	is_int(good, 6, "every status name parses back");
	is_str(task_status_name(TASK_CLAIMED), "claimed", "status name");
	is_int(task_status_parse("bogus", &s), -HM_EINVAL,
	    "an unknown status is -HM_EINVAL");
	is_int(task_status_parse(NULL, &s), -HM_EINVAL, "NULL status");
}

static int
count_cb(const struct task *t, void *ctx)
{
	(void)t;
	(*(int *)ctx)++;
	return 0;
}

struct order {
	char titles[256];
	int stop_after;
	int n;
};

static int
order_cb(const struct task *t, void *ctx)
{
	struct order *o = ctx;
	size_t len = strlen(o->titles);

	snprintf(o->titles + len, sizeof(o->titles) - len, "%s%s",
	    len ? "," : "", t->title);
	if (++o->n == o->stop_after)
		return 7;
	return 0;
}

static void
test_add_get_list(void)
{
	struct task_new n;
	struct task t;
	struct order o;
	time_t before = tu_now();
	char *id = NULL, *p1, *p2, *c;
	const char *needs[4];
	int cnt, rc;

	reset();
	memset(&n, 0, sizeof(n));
	n.title = "write the parser";
	n.body = "a body\nwith lines, caf\xc3\xa9";
	n.assignee = "coder";
	n.repo = "/src/app";
	n.priority = -3;
	is_int(E(board_add(b, &n, "alice", &id, &err)), 0, "add a task");
	keep(id);
	ok(id_shape(id), "the id is t_ and 8 hex digits: %s", id);
	is_int(E(board_get(b, id, &t, &err)), 0, "get it back");
	is_str(t.id, id, "id");
	is_str(t.title, "write the parser", "title");
	is_str(t.body, n.body, "body with a newline and UTF-8");
	is_str(t.assignee, "coder", "assignee");
	is_str(t.repo, "/src/app", "repo");
	is_int(t.priority, -3, "a negative priority");
	is_int(t.status, TASK_READY, "no parents: ready");
	is_int(t.attempts, 0, "no attempts yet");
	ok(t.created >= before && t.created <= tu_now() &&
	    t.updated == t.created, "created and updated are now");
	ok(t.parents && !t.parents[0], "parents is an empty list");
	ok(!t.result && !t.reason && !t.claim_worker && !t.workspace,
	    "no result, reason, claim or workspace");
	task_release(&t);
	is_int(events_of(id, "add"), 1, "one add event");
	is_int(scalar("SELECT count(*) FROM events WHERE actor = 'alice'",
	    NULL), 1, "the event names the actor");

	p1 = add("parent one", NULL);
	p2 = add("parent two", NULL);
	needs[0] = p2;
	needs[1] = p1;
	needs[2] = p1;
	needs[3] = NULL;
	c = add("child", needs);
	ok(c != NULL, "add with needs (one named twice)");
	is_str(st(c), "todo", "unfinished parents: todo");
	is_int(E(board_get(b, c, &t, &err)), 0, "get the child");
	ok(t.parents[0] && t.parents[1] && !t.parents[2],
	    "two parents, the duplicate dropped");
	ok(t.parents[0] && t.parents[1] && strcmp(t.parents[0],
	    t.parents[1]) < 0, "parents sorted");
	ok(t.parents[0] && (!strcmp(t.parents[0], p1) ||
	    !strcmp(t.parents[0], p2)), "parents are the ids given");
	task_release(&t);
	is_int(events_of(c, "link"), 2, "a link event per parent");

	is_int(E(board_complete(b, p1, NULL, "ok", &err)), 0,
	    "the CLI completes parent one");
	is_int(E(board_complete(b, p2, NULL, "ok", &err)), 0,
	    "... and parent two");
	is_str(st(c), "ready", "all parents done: promoted");
	is_int(events_of(c, "promote"), 1, "a promote event");
	needs[0] = p1;
	needs[1] = NULL;
	is_str(st(add("needs a done task", needs)), "ready",
	    "a new task whose parents are done is ready");

	add_full("high", 5, NULL, NULL);
	add_full("higher", 9, NULL, NULL);
	cnt = 0;
	is_int(E(board_list(b, -1, count_cb, &cnt, &err)), 0, "list all");
	is_int(cnt, 7, "seven tasks");
	cnt = 0;
	board_list(b, TASK_DONE, count_cb, &cnt, &err);
	is_int(cnt, 2, "two done");
	memset(&o, 0, sizeof(o));
	board_list(b, TASK_READY, order_cb, &o, &err);
	is_str(o.titles, "higher,high,child,needs a done task,"
	    "write the parser", "ready: priority desc, then oldest");
	memset(&o, 0, sizeof(o));
	o.stop_after = 2;
	rc = E(board_list(b, -1, order_cb, &o, &err));
	is_int(rc, 7, "a callback's non-zero stops the walk and is returned");
	is_int(o.n, 2, "... after two tasks");
	fails(E(board_list(b, 6, count_cb, &cnt, &err)), HM_EINVAL,
	    "bad task status", "list with a bad status");
	fails(E(board_get(b, "t_00000000", &t, &err)), HM_ENOTFOUND,
	    "no task 't_00000000'", "get an unknown id");
	task_release(&t);
}

static void
test_links(void)
{
	char want[160], *before, *after;
	char *a, *b1, *c, *d, *x, *y, *k;
	struct buf h = BUF_INIT;

	reset();
	a = add("a", NULL);
	b1 = add("b", NULL);
	c = add("c", NULL);
	is_str(st(a), "ready", "a ready");
	is_int(E(board_link(b, b1, a, "bob", &err)), 0, "b needs a");
	is_str(st(b1), "todo", "a ready child of an unfinished parent: todo");
	is_int(events_of(b1, "demote"), 1, "a demote event");
	is_int(events_of(b1, "link"), 1, "a link event");
	is_int(E(board_link(b, b1, a, "bob", &err)), 0,
	    "the same link again is fine");
	is_int(events_of(b1, "link"), 1, "... and writes nothing");
	is_int(scalar("SELECT count(*) FROM links", NULL), 1, "one link row");

	fails(E(board_link(b, a, a, NULL, &err)), HM_EINVAL,
	    "cannot need itself", "a self-link");
	snprintf(want, sizeof(want), "linking %s to %s would make a cycle: "
	    "%s needs %s", a, b1, b1, a);
	fails(E(board_link(b, a, b1, NULL, &err)), HM_EINVAL, want,
	    "a 2-cycle is refused, naming it");
	is_int(E(board_link(b, c, b1, NULL, &err)), 0, "c needs b");
	snprintf(want, sizeof(want), "linking %s to %s would make a cycle: "
	    "%s needs %s needs %s", a, c, c, b1, a);
	before = fingerprint();
	fails(E(board_link(b, a, c, NULL, &err)), HM_EINVAL, want,
	    "a 3-cycle is refused with its chain");
	after = fingerprint();
	is_str(after, before, "a refused link changes nothing");
	free(before);
	free(after);
	is_str(st(a), "ready", "a is still ready");

	/* a diamond above: d needs b and c; linking a to d cycles */
	d = add("d", NULL);
	board_link(b, d, b1, NULL, &err);
	is_int(E(board_link(b, d, c, NULL, &err)), 0, "d needs b and c");
	buf_reset(&err);
	ok(board_link(b, a, d, NULL, &err) == -HM_EINVAL &&
	    strstr(buf_str(&err), "would make a cycle: ") &&
	    strstr(buf_str(&err), " needs ") &&
	    !strcmp(buf_str(&err) + err.len - strlen(a), a),
	    "a cycle through a diamond ends at the child: %s",
	    buf_str(&err));

	fails(E(board_link(b, "t_nothere", a, NULL, &err)), HM_ENOTFOUND,
	    "no task 't_nothere'", "an unknown child");
	fails(E(board_link(b, a, "t_nothere", NULL, &err)), HM_ENOTFOUND,
	    "no task 't_nothere'", "an unknown parent");

	/* a claimed child keeps its claim; a done parent does not demote */
	x = add("x", NULL);
	y = add("y", NULL);
	is_int(E(board_claim(b, x, "w1", 11, 60, tu_now(), &err)), 0,
	    "claim x");
	is_int(E(board_link(b, x, y, NULL, &err)), 0, "x (claimed) needs y");
	is_str(st(x), "claimed", "a claimed child stays claimed");
	board_complete(b, y, NULL, NULL, &err);
	k = add("k", NULL);
	is_int(E(board_link(b, k, y, NULL, &err)), 0, "k needs y (done)");
	is_str(st(k), "ready", "a done parent leaves the child ready");
	board_history(b, b1, &h, &err);
	ok(strstr(h.s ? h.s : "", "\tlink\tbob\t"), "the history names the "
	    "link and its actor");
	buf_release(&h);
}

static void
test_promotion(void)
{
	const char *needs[3];
	char *a, *b1, *c, *d, *e;
	size_t n = 99;

	reset();
	a = add("a", NULL);
	needs[0] = a;
	needs[1] = NULL;
	b1 = add("b", needs);
	needs[0] = b1;
	c = add("c", needs);
	e = add("e", NULL);
	needs[0] = a;
	needs[1] = e;
	needs[2] = NULL;
	d = add("d", needs);
	is_str(st(b1), "todo", "b waits for a");
	is_str(st(c), "todo", "c waits for b");
	is_int(E(board_claim(b, a, "w", 1, 60, tu_now(), &err)), 0,
	    "claim a");
	is_int(E(board_complete(b, a, "w", "done a", &err)), 0,
	    "the holder completes a");
	is_str(st(b1), "ready", "b promoted when a is done");
	is_str(st(c), "todo", "c still waits for b");
	is_str(st(d), "todo", "d still waits for e");
	board_complete(b, e, NULL, NULL, &err);
	is_str(st(d), "ready", "d promoted when its last parent is done");

	/* a todo task whose parents were finished behind our back */
	raw_exec("UPDATE tasks SET status = 'done' WHERE title = 'b'");
	is_str(st(c), "todo", "c is stale todo");
	is_int(E(board_promote(b, &n, &err)), 0, "board_promote");
	is_int(n, 1, "... promoted one");
	is_str(st(c), "ready", "... c");
	is_int(E(board_promote(b, &n, &err)), 0, "board_promote again");
	is_int(n, 0, "... finds nothing");
}

static void
test_claims(void)
{
	struct task t;
	time_t now = tu_now();
	char *lo, *hi, *mid, *mine, *td, *id = NULL;
	const char *needs[2];

	reset();
	lo = add_full("low", 1, NULL, NULL);
	hi = add_full("high", 8, NULL, NULL);
	mid = add_full("mid", 4, NULL, NULL);
	mine = add_full("assigned", 0, "reviewer", NULL);
	needs[0] = lo;
	needs[1] = NULL;
	td = add("todo", needs);

	is_int(E(board_claim(b, mid, "pid:100", 100, 300, now, &err)), 0,
	    "claim mid");
	is_int(E(board_get(b, mid, &t, &err)), 0, "get the claimed task");
	is_int(t.status, TASK_CLAIMED, "claimed");
	is_str(t.claim_worker, "pid:100", "claim_worker");
	is_int(t.claim_pid, 100, "claim_pid");
	is_int(t.lease, now + 300, "lease = now + ttl");
	is_int(t.heartbeat, now, "heartbeat = now");
	is_int(t.attempts, 1, "attempts counted at claim");
	task_release(&t);
	is_int(events_of(mid, "claim"), 1, "a claim event");
	{
		char want[64];

		snprintf(want, sizeof(want), "task %s is claimed, not ready",
		    mid);
		fails(E(board_claim(b, mid, "pid:200", 200, 300, now, &err)),
		    HM_ECONFLICT, want, "a second claim loses");
		snprintf(want, sizeof(want), "task %s is todo, not ready", td);
		fails(E(board_claim(b, td, "pid:200", 200, 300, now, &err)),
		    HM_ECONFLICT, want, "a todo task cannot be claimed");
	}
	fails(E(board_claim(b, "t_ffffffff", "w", 1, 1, now, &err)),
	    HM_ENOTFOUND, "no task", "claim an unknown task");
	is_int(events_of(mid, "claim"), 1, "losers write no claim event");

	is_int(E(board_claim_next_for(b, "reviewer", "pid:300", 300, 60, now,
	    &id, &err)), 0, "claim the next of assignee reviewer");
	is_str(id, mine, "... its task");
	free(id);
	is_int(E(board_claim_next(b, "pid:300", 300, 60, now, &id, &err)), 0,
	    "claim_next");
	is_str(id, hi, "the highest priority first");
	free(id);
	is_int(E(board_claim_next(b, "pid:300", 300, 60, now, &id, &err)), 0,
	    "claim_next again");
	is_str(id, lo, "then the next");
	free(id);
	id = (char *)"x";
	is_int(E(board_claim_next(b, "pid:300", 300, 60, now, &id, &err)), 0,
	    "claim_next with nothing ready");
	ok(id == NULL, "... gives NULL");
	id = (char *)"x";
	is_int(E(board_claim_next_for(b, "nobody", "w", 1, 60, now, &id,
	    &err)), 0, "claim_next_for an assignee with nothing");
	ok(id == NULL, "... gives NULL");

	/* heartbeat */
	is_int(E(board_heartbeat(b, mid, "pid:100", 600, now + 100, &err)),
	    0, "the holder's heartbeat");
	board_get(b, mid, &t, &err);
	is_int(t.lease, now + 700, "extends the lease");
	is_int(t.heartbeat, now + 100, "and records the beat");
	task_release(&t);
	fails(E(board_heartbeat(b, mid, "pid:999", 600, now, &err)),
	    HM_ECONFLICT, "is held by pid:100", "a wrong worker's heartbeat");
	board_get(b, mid, &t, &err);
	is_int(t.lease, now + 700, "... changes nothing");
	task_release(&t);
	is_int(E(board_heartbeat(b, mid, NULL, 10, now, &err)), 0,
	    "the CLI may renew any claim");
	fails(E(board_heartbeat(b, td, NULL, 10, now, &err)), HM_ECONFLICT,
	    "not claimed", "no heartbeat for an unclaimed task");
	is_int(E(board_set_pid(b, mid, "pid:100", 4242, &err)), 0,
	    "set_pid by the holder");
	board_get(b, mid, &t, &err);
	is_int(t.claim_pid, 4242, "... records the pid");
	task_release(&t);
	fails(E(board_set_pid(b, mid, "pid:1", 1, &err)), HM_ECONFLICT,
	    "held by", "set_pid by another worker");
}

struct seen {
	char id[16];
	int64_t pid;
	const char *status;	/* of the task while fn ran */
	int calls;
	int complete;		/* complete it from fn (a race) */
};

static void
reclaim_cb(const char *id, int64_t pid, void *ctx)
{
	struct seen *s = ctx;

	snprintf(s->id, sizeof(s->id), "%s", id);
	s->pid = pid;
	s->status = st(id);
	s->calls++;
	if (s->complete)
		board_complete(b, id, NULL, "finished after all", NULL);
}

static void
test_reclaim_fail(void)
{
	struct seen s;
	struct task t;
	time_t now = tu_now();
	char *x, *y, *z, reason[80];
	size_t n = 9;

	reset();
	x = add("x", NULL);
	board_claim(b, x, "pid:10", 10, 30, now, &err);
	memset(&s, 0, sizeof(s));
	is_int(E(board_reclaim(b, now + 10, 2, reclaim_cb, &s, &n, &err)), 0,
	    "reclaim before the lease ends");
	is_int(n, 0, "... reclaims nothing");
	is_int(s.calls, 0, "... and calls nobody");
	is_int(E(board_reclaim(b, now + 31, 2, reclaim_cb, &s, &n, &err)), 0,
	    "reclaim after the lease");
	is_int(n, 1, "... one task");
	is_int(s.calls, 1, "fn called once");
	is_str(s.id, x, "... with the task");
	is_int(s.pid, 10, "... and the old pid");
	is_str(s.status, "claimed", "... before the row changed");
	board_get(b, x, &t, &err);
	is_int(t.status, TASK_READY, "back to ready");
	ok(!t.claim_worker && !t.claim_pid && !t.lease && !t.heartbeat,
	    "claim fields cleared");
	is_int(t.attempts, 1, "one attempt so far");
	task_release(&t);
	is_int(events_of(x, "reclaim"), 1, "a reclaim event");

	board_claim(b, x, "pid:11", 11, 30, now + 40, &err);
	memset(&s, 0, sizeof(s));
	is_int(E(board_reclaim(b, now + 100, 2, reclaim_cb, &s, &n, &err)),
	    0, "the second lease expires");
	is_int(s.pid, 11, "fn gets the second worker's pid");
	board_get(b, x, &t, &err);
	is_int(t.status, TASK_BLOCKED, "blocked at max_attempts = 2");
	is_str(t.reason, "failed 2 attempts: lease expired", "the reason");
	task_release(&t);

	/* the worker finishes while the dispatcher stops it */
	y = add("y", NULL);
	board_claim(b, y, "pid:12", 12, 5, now, &err);
	memset(&s, 0, sizeof(s));
	s.complete = 1;
	is_int(E(board_reclaim(b, now + 10, 2, reclaim_cb, &s, &n, &err)), 0,
	    "reclaim racing a completion");
	is_int(s.calls, 1, "fn was called");
	is_int(n, 0, "... but nothing was reclaimed");
	is_str(st(y), "done", "the task stays done");

	/* board_fail */
	z = add("z", NULL);
	board_claim(b, z, "pid:20", 20, 60, now, &err);
	is_int(E(board_fail(b, z, "exit 1", 2, &err)), 0, "fail once");
	is_str(st(z), "ready", "back to ready");
	is_int(events_of(z, "fail"), 1, "a fail event");
	fails(E(board_fail(b, z, "exit 1", 2, &err)), HM_ECONFLICT,
	    "is ready, not claimed", "fail an unclaimed task");
	board_claim(b, z, "pid:21", 21, 60, now, &err);
	is_int(E(board_fail(b, z, "exit 3", 2, &err)), 0, "fail again");
	board_get(b, z, &t, &err);
	is_int(t.status, TASK_BLOCKED, "blocked after 2 attempts");
	snprintf(reason, sizeof(reason), "failed 2 attempts: exit 3");
	is_str(t.reason, reason, "reason names the count and why");
	task_release(&t);
	fails(E(board_fail(b, "t_12345678", NULL, 2, &err)), HM_ENOTFOUND,
	    "no task", "fail an unknown task");
	is_int(E(board_unblock(b, z, NULL, &err)), 0, "unblock");
	board_get(b, z, &t, &err);
	is_int(t.attempts, 0, "unblock resets attempts");
	ok(!t.reason, "and clears the reason");
	task_release(&t);
	board_claim(b, z, "pid:22", 22, 60, now, &err);
	board_fail(b, z, NULL, 0, &err);
	board_claim(b, z, "pid:23", 23, 60, now, &err);
	board_fail(b, z, NULL, 0, &err);
	board_claim(b, z, "pid:24", 24, 60, now, &err);
	is_int(E(board_fail(b, z, NULL, 0, &err)), 0,
	    "max_attempts 0: a third failure");
	is_str(st(z), "ready", "... still ready (no limit)");
}

static void
test_transitions(void)
{
	const char *needs[2];
	struct task t;
	time_t now = tu_now();
	char *a, *c, *d, *p, *q, want[80];

	reset();
	a = add("a", NULL);
	board_claim(b, a, "w1", 1, 60, now, &err);
	fails(E(board_complete(b, a, "w2", "x", &err)), HM_ECONFLICT,
	    "is held by w1", "complete by another worker");
	is_str(st(a), "claimed", "... still claimed");
	fails(E(board_complete(b, a, "w1", "bad \xff", &err)), HM_EINVAL,
	    "not valid UTF-8", "a result that is not UTF-8");
	is_int(E(board_complete(b, a, "w1", "all good", &err)), 0,
	    "the holder completes");
	board_get(b, a, &t, &err);
	is_int(t.status, TASK_DONE, "done");
	is_str(t.result, "all good", "with its result");
	ok(!t.claim_worker && !t.lease, "claim cleared");
	task_release(&t);
	snprintf(want, sizeof(want), "task %s is done already", a);
	fails(E(board_complete(b, a, NULL, "again", &err)), HM_ECONFLICT, want,
	    "complete a done task");
	fails(E(board_block(b, a, NULL, "why", &err)), HM_ECONFLICT,
	    "is done, not todo, ready or claimed", "block a done task");

	c = add("c", NULL);
	snprintf(want, sizeof(want), "task %s is ready, not claimed", c);
	fails(E(board_complete(b, c, "w1", "x", &err)), HM_ECONFLICT, want,
	    "a worker cannot complete an unclaimed task");
	fails(E(board_block(b, c, "w1", "x", &err)), HM_ECONFLICT,
	    "not claimed", "... nor block it");
	is_int(E(board_block(b, c, NULL, "waiting for keys", &err)), 0,
	    "the CLI blocks a ready task");
	board_get(b, c, &t, &err);
	is_int(t.status, TASK_BLOCKED, "blocked");
	is_str(t.reason, "waiting for keys", "with its reason");
	task_release(&t);
	fails(E(board_block(b, c, NULL, "again", &err)), HM_ECONFLICT,
	    "is blocked", "block a blocked task");
	is_int(E(board_unblock(b, c, "alice", &err)), 0, "unblock");
	is_str(st(c), "ready", "blocked -> ready");
	fails(E(board_unblock(b, c, NULL, &err)), HM_ECONFLICT,
	    "is ready, not blocked", "unblock a ready task");
	board_block(b, c, NULL, "again", &err);
	is_int(E(board_complete(b, c, NULL, "by hand", &err)), 0,
	    "the CLI completes a blocked task");
	is_str(st(c), "done", "blocked -> done");

	p = add("p", NULL);
	needs[0] = p;
	needs[1] = NULL;
	d = add("d", needs);
	is_int(E(board_block(b, d, NULL, "hold", &err)), 0, "block todo");
	is_int(E(board_unblock(b, d, NULL, &err)), 0, "unblock it");
	is_str(st(d), "todo", "an unfinished parent: back to todo");
	is_int(E(board_complete(b, d, NULL, NULL, &err)), 0,
	    "the CLI completes a todo task");
	is_str(st(d), "done", "todo -> done");

	q = add("q", NULL);
	board_claim(b, q, "w3", 3, 60, now, &err);
	fails(E(board_block(b, q, "w4", "x", &err)), HM_ECONFLICT,
	    "held by w3", "block by another worker");
	is_int(E(board_block(b, q, "w3", "need input", &err)), 0,
	    "the holder blocks");
	board_get(b, q, &t, &err);
	is_int(t.status, TASK_BLOCKED, "claimed -> blocked");
	ok(!t.claim_worker, "claim cleared");
	task_release(&t);
	fails(E(board_unblock(b, "t_00000001", NULL, &err)), HM_ENOTFOUND,
	    "no task", "unblock an unknown task");
	fails(E(board_complete(b, "t_00000001", NULL, NULL, &err)),
	    HM_ENOTFOUND, "no task", "complete an unknown task");
	fails(E(board_block(b, "t_00000001", NULL, NULL, &err)),
	    HM_ENOTFOUND, "no task", "block an unknown task");
}

/* Number of lines in s and whether each has 4 TAB-separated fields. */
static int
lines_ok(const char *s, int *lines)
{
	int tabs = 0, good = 1;

	*lines = 0;
	for (; s && *s; s++) {
		if (*s == '\t') {
			tabs++;
		} else if (*s == '\n') {
			(*lines)++;
			if (tabs != 3)
				good = 0;
			tabs = 0;
		}
	}
	return good;
}

static void
test_comments_history(void)
{
	struct buf h = BUF_INIT;
	time_t now = tu_now();
	char *a, *before, *after;
	int lines;

	reset();
	a = add("a", NULL);
	is_int(E(board_comment(b, a, NULL, "first\nline\ttwo", &err)), 0,
	    "the CLI comments");
	board_claim(b, a, "w1", 1, 60, now, &err);
	is_int(E(board_comment(b, a, "w1", "working on it", &err)), 0,
	    "the holder comments");
	fails(E(board_comment(b, a, "w2", "me too", &err)), HM_ECONFLICT,
	    "held by w1", "another worker may not");
	before = fingerprint();
	fails(E(board_comment(b, a, NULL, " \t\n", &err)), HM_EINVAL,
	    "a comment needs text", "a blank comment");
	fails(E(board_comment(b, a, NULL, NULL, &err)), HM_EINVAL,
	    "a comment needs text", "a NULL comment");
	fails(E(board_comment(b, a, NULL, "\xc3\x28", &err)), HM_EINVAL,
	    "not valid UTF-8", "a comment that is not UTF-8");
	fails(E(board_comment(b, "t_abcdef00", NULL, "hi", &err)),
	    HM_ENOTFOUND, "no task 't_abcdef00'", "comment an unknown task");
	after = fingerprint();
	is_str(after, before, "bad comments change nothing");
	free(before);
	free(after);
	is_int(scalar("SELECT count(*) FROM comments WHERE task = ?1", a), 2,
	    "two comments stored");
	is_int(scalar("SELECT count(*) FROM comments WHERE author = 'cli'",
	    NULL), 1, "the CLI's author is cli");
	board_complete(b, a, "w1", "done", &err);
	is_int(E(board_history(b, a, &h, &err)), 0, "history");
	ok(lines_ok(h.s, &lines), "every line has four fields");
	is_int(lines, 5, "add, comment, claim, comment, complete");
	ok(h.s && strstr(h.s, "\tcomment\tcli\tfirst line two\n"),
	    "a comment's line ends and tabs become spaces");
	ok(h.s && strstr(h.s, "\tclaim\tw1\tpid 1\n"), "the claim line");
	ok(h.s && strstr(h.s, "\tcomplete\tw1\tdone\n"), "the complete line");
	ok(h.s && strstr(h.s, "\tadd\t") < strstr(h.s, "\tclaim\t") &&
	    strstr(h.s, "\tclaim\t") < strstr(h.s, "\tcomplete\t"),
	    "oldest first");
	ok(h.s && h.s[4] == '-' && h.s[10] == 'T', "AT is ISO 8601: %.25s",
	    h.s ? h.s : "");
	buf_reset(&h);
	fails(E(board_history(b, "t_99999999", &h, &err)), HM_ENOTFOUND,
	    "no task", "history of an unknown task");
	is_int(h.len, 0, "... appends nothing");
	buf_release(&h);
}

static void
test_rm(void)
{
	const char *needs[3];
	struct buf h = BUF_INIT;
	char *p, *q, *c, *d, *g;

	reset();
	p = add("p", NULL);
	q = add("q", NULL);
	g = add("grandparent", NULL);
	board_link(b, p, g, NULL, &err);
	needs[0] = p;
	needs[1] = NULL;
	c = add("c only p", needs);
	needs[1] = q;
	needs[2] = NULL;
	d = add("d p and q", needs);
	board_comment(b, p, NULL, "note", &err);
	is_int(E(board_rm(b, p, "alice", &err)), 0, "rm p");
	is_str(st(p), "(none)", "p is gone");
	is_int(scalar("SELECT count(*) FROM links WHERE child = ?1 OR"
	    " parent = ?1", p), 0, "its links both ways are gone");
	is_int(scalar("SELECT count(*) FROM comments WHERE task = ?1", p), 0,
	    "its comments are gone");
	is_int(events_of(p, "rm"), 1, "an rm event");
	is_int(events_of(p, "add"), 1, "earlier events stay");
	is_str(st(c), "ready", "a child that waited only on p is promoted");
	is_str(st(d), "todo", "a child that also waits on q stays todo");
	is_str(st(g), "ready", "the grandparent is untouched");
	is_int(E(board_history(b, p, &h, &err)), 0,
	    "history of a removed task still answers");
	ok(h.s && strstr(h.s, "\trm\talice\tp\n"), "with its rm line");
	buf_release(&h);
	fails(E(board_rm(b, p, NULL, &err)), HM_ENOTFOUND, "no task",
	    "rm it again");

	is_int(E(board_set_workspace(b, d, "/tmp/wt/d", "kanban/d", &err)), 0,
	    "set a workspace");
	{
		struct task t;

		board_get(b, d, &t, &err);
		is_str(t.workspace, "/tmp/wt/d", "workspace");
		is_str(t.branch, "kanban/d", "branch");
		task_release(&t);
	}
	fails(E(board_set_workspace(b, p, "/x", NULL, &err)), HM_ENOTFOUND,
	    "no task", "a workspace for an unknown task");
}

static void
test_malformed(void)
{
	struct task_new n;
	const char *needs[3];
	char *a, *id, *before, *after;
	int rc;

	reset();
	a = add("a", NULL);
	before = fingerprint();
	memset(&n, 0, sizeof(n));
	id = (char *)"x";
	fails(E(board_add(b, NULL, NULL, &id, &err)), HM_EINVAL,
	    "a task needs a title", "no task_new");
	ok(id == NULL, "*id is NULL on error");
	fails(E(board_add(b, &n, NULL, &id, &err)), HM_EINVAL,
	    "a task needs a title", "no title");
	n.title = "";
	fails(E(board_add(b, &n, NULL, &id, &err)), HM_EINVAL,
	    "a task needs a title", "an empty title");
	n.title = " \t\n ";
	fails(E(board_add(b, &n, NULL, &id, &err)), HM_EINVAL,
	    "a task needs a title", "a blank title");
	n.title = "caf\xe9";
	fails(E(board_add(b, &n, NULL, &id, &err)), HM_EINVAL,
	    "the title is not valid UTF-8", "a Latin-1 title");
	n.title = "ok";
	n.body = "\xed\xa0\x80 surrogate";
	fails(E(board_add(b, &n, NULL, &id, &err)), HM_EINVAL,
	    "the body is not valid UTF-8", "a body with a surrogate");
	n.body = NULL;
	n.assignee = "../etc";
	fails(E(board_add(b, &n, NULL, &id, &err)), HM_EINVAL,
	    "invalid assignee", "an assignee that is no profile name");
	n.assignee = NULL;
	needs[0] = a;
	needs[1] = "t_deadbeef";
	needs[2] = NULL;
	n.needs = needs;
	fails(E(board_add(b, &n, NULL, &id, &err)), HM_ENOTFOUND,
	    "no task 't_deadbeef'", "an unknown parent is named");
	ok(id == NULL, "... and no id");
	after = fingerprint();
	is_str(after, before, "malformed adds change nothing");
	free(after);
	is_int(scalar("SELECT count(*) FROM tasks", NULL), 1,
	    "still one task");

	rc = E(board_claim(b, NULL, "w", 1, 1, tu_now(), &err));
	is_int(rc, -HM_ENOTFOUND, "claim NULL id");
	fails(E(board_link(b, NULL, a, NULL, &err)), HM_EINVAL, "two tasks",
	    "link a NULL id");
	fails(E(board_rm(b, "", NULL, &err)), HM_ENOTFOUND, "no task ''",
	    "rm an empty id");
	fails(E(board_block(b, a, NULL, "\xff", &err)), HM_EINVAL,
	    "not valid UTF-8", "a reason that is not UTF-8");
	fails(E(board_fail(b, a, "\xc0\x80", 2, &err)), HM_EINVAL,
	    "not valid UTF-8", "an overlong why");
	after = fingerprint();
	is_str(after, before, "bad operations change nothing");
	free(before);
	free(after);

	n.needs = NULL;
	n.title = "  padded  ";
	n.priority = LONG_MIN;
	is_int(E(board_add(b, &n, NULL, &id, &err)), 0,
	    "any long priority, a padded title");
	keep(id);
	{
		struct task t;

		board_get(b, id, &t, &err);
		is_int(t.priority, LONG_MIN, "LONG_MIN priority kept");
		task_release(&t);
	}
}

/* One claimer: claim until none is left, write "ID PID\n" for each. */
static void
claim_kid(int fd)
{
	struct board *kb;
	struct buf e = BUF_INIT;
	char line[64], worker[32], *id;
	int rc, n, busy = 0;

	snprintf(worker, sizeof(worker), "pid:%d", (int)getpid());
	if (board_open(&kb, &e) < 0)
		_exit(2);
	for (;;) {
		buf_reset(&e);
		rc = board_claim_next(kb, worker, getpid(), 600, tu_now(),
		    &id, &e);
		if (rc == -HM_ECONFLICT && ++busy < 1000)
			continue;
		if (rc < 0) {
			dprintf(2, "claim: %s\n", buf_str(&e));
			_exit(3);
		}
		if (!id)
			break;
		n = snprintf(line, sizeof(line), "%s %d\n", id, (int)getpid());
		if (write(fd, line, (size_t)n) != n)
			_exit(4);
		free(id);
	}
	board_close(kb);
	buf_release(&e);
	_exit(0);
}

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void
test_claim_race(void)
{
	struct buf out = BUF_INIT, sql = BUF_INIT;
	struct buf e = BUF_INIT;
	struct db_stmt *q;
	struct db *db;
	pid_t pids[KIDS];
	char *lines[CLAIM_TASKS + 1], *s, *nl;
	double t0, t1;
	int fds[2], i, stt, good = 0, nl_count = 0, dup = 0, match = 0;
	int winners = 0;

	reset();
	for (i = 0; i < CLAIM_TASKS; i++) {
		char title[32];
		struct task_new n;
		char *id;

		memset(&n, 0, sizeof(n));
		snprintf(title, sizeof(title), "race %d", i);
		n.title = title;
		n.priority = i % 3;
		if (board_add(b, &n, NULL, &id, &err) == 0)
			free(id);
	}
	is_int(scalar("SELECT count(*) FROM tasks WHERE status = 'ready'",
	    NULL), CLAIM_TASKS, "1,000 ready tasks");
	board_close(b);
	b = NULL;
	if (pipe(fds) < 0)
		return;
	fflush(stdout);
	t0 = now_s();
	for (i = 0; i < KIDS; i++) {
		if ((pids[i] = fork()) == 0) {
			close(fds[0]);
			claim_kid(fds[1]);
		}
	}
	close(fds[1]);
	buf_read_fd(&out, fds[0]);
	close(fds[0]);
	for (i = 0; i < KIDS; i++)
		if (pids[i] > 0 && waitpid(pids[i], &stt, 0) == pids[i] &&
		    WIFEXITED(stt) && WEXITSTATUS(stt) == 0)
			good++;
	t1 = now_s();
	printf("# %d processes claimed %d tasks in %.3f s\n", KIDS,
	    CLAIM_TASKS, t1 - t0);
	is_int(good, KIDS, "every claimer exited cleanly");

	/* the ids the claimers say they won */
	for (s = out.s; s && *s && nl_count <= CLAIM_TASKS; s = nl + 1) {
		if (!(nl = strchr(s, '\n')))
			break;
		*nl = '\0';
		lines[nl_count++] = s;
	}
	is_int(nl_count, CLAIM_TASKS, "1,000 wins reported");
	qsort(lines, (size_t)nl_count, sizeof(*lines), cmp_str);
	for (i = 1; i < nl_count; i++)
		if (!strncmp(lines[i - 1], lines[i], 10))
			dup++;
	is_int(dup, 0, "no task won twice");

	/* the board agrees, row by row, on who won */
	if ((db = db_open(dbpath, &e)) && (q = db_prepare(db, "SELECT id ||"
	    " ' ' || claim_pid FROM tasks ORDER BY id", &e))) {
		for (i = 0; db_step(q, &e) == 1; i++)
			if (i < nl_count && !strcmp(db_column_text(q, 0),
			    lines[i]))
				match++;
		db_finalize(q);
	}
	db_close(db);
	buf_release(&e);
	is_int(match, CLAIM_TASKS, "each row's claim_pid is its reporter");
	is_int(scalar("SELECT count(*) FROM tasks WHERE status = 'claimed'"
	    " AND attempts = 1", NULL), CLAIM_TASKS,
	    "every task claimed exactly once");
	is_int(scalar("SELECT count(*) FROM events WHERE kind = 'claim'",
	    NULL), CLAIM_TASKS, "exactly 1,000 claim events");
	is_int(scalar("SELECT count(DISTINCT task) FROM events WHERE"
	    " kind = 'claim'", NULL), CLAIM_TASKS, "... for distinct tasks");
	winners = (int)scalar("SELECT count(DISTINCT claim_pid) FROM tasks",
	    NULL);
	printf("# %d of %d claimers won something\n", winners, KIDS);
	buf_release(&out);
	buf_release(&sql);
	if (board_open(&b, &err) < 0)
		printf("# reopen: %s\n", buf_str(&err));
}

struct big {
	int n, with_parent, bad;
};

static int
big_cb(const struct task *t, void *ctx)
{
	struct big *g = ctx;

	g->n++;
	if (t->parents[0]) {
		g->with_parent++;
		if (t->parents[1] || strncmp(t->parents[0], "t_", 2))
			g->bad++;
	}
	return 0;
}

static void
test_big_list(void)
{
	struct big g;
	const char *needs[2];
	char *prev = NULL, *id;
	double t0, t1, t2;
	int i;

	reset();
	t0 = now_s();
	for (i = 0; i < BIG; i++) {
		struct task_new n;

		memset(&n, 0, sizeof(n));
		n.title = "bulk";
		n.priority = i % 7;
		needs[0] = prev;
		needs[1] = NULL;
		n.needs = i % 10 == 9 ? needs : NULL;
		if (board_add(b, &n, NULL, &id, &err) < 0)
			break;
		free(prev);
		prev = id;
	}
	free(prev);
	t1 = now_s();
	memset(&g, 0, sizeof(g));
	is_int(E(board_list(b, -1, big_cb, &g, &err)), 0, "list 10,000");
	t2 = now_s();
	printf("# 10,000 adds in %.3f s, one list in %.3f s\n", t1 - t0,
	    t2 - t1);
	is_int(g.n, BIG, "all 10,000 tasks");
	is_int(g.with_parent, BIG / 10, "a tenth with their parent attached");
	is_int(g.bad, 0, "... exactly one, an id");
	memset(&g, 0, sizeof(g));
	board_list(b, TASK_TODO, big_cb, &g, &err);
	ok(g.n > 0 && g.n <= BIG / 10, "todo lists only the waiting: %d",
	    g.n);
}

static int
by_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Complete id (by the CLI) with a result of n copies of unit. */
static void
complete_with(const char *id, const char *unit, size_t n)
{
	struct buf r = BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++)
		buf_adds(&r, unit);
	if (E(board_complete(b, id, NULL, r.s ? r.s : "", &err)) < 0)
		printf("# complete %s: %s\n", id, buf_str(&err));
	buf_release(&r);
}

/* The longest run of unit, back to back, in s. */
static size_t
run_of(const char *s, const char *unit)
{
	size_t n, most = 0, k = strlen(unit);

	while ((s = strstr(s, unit))) {
		for (n = 0; !strncmp(s, unit, k); s += k)
			n++;
		if (n > most)
			most = n;
	}
	return most;
}

static void
test_prompt(void)
{
	const char *needs[8], *tmp;
	long n[TASK_BLOCKED + 1];
	char *p[7], *c, *lone;
	struct buf out = BUF_INIT, want = BUF_INIT;
	struct task t;
	int i;

	reset();
	lone = add("alone", NULL);
	for (i = 0; i < 7; i++) {
		buf_reset(&want);
		buf_addf(&want, "parent %d", i);
		p[i] = add(want.s, NULL);
	}
	/* the prompt shows them in the order of t.parents, by id */
	for (i = 0; i < 7; i++)
		needs[i] = p[i];
	needs[7] = NULL;
	qsort(needs, 7, sizeof(*needs), by_id);
	c = add("the child", needs);
	complete_with(needs[0], "s", 10);	/* short */
	complete_with(needs[1], "\xe2\x82\xac", 1000);	/* 3000 bytes */
	complete_with(needs[2], "x", 2500);
	complete_with(needs[3], "y", 2000);	/* just fits */
	complete_with(needs[4], "z", 3000);	/* 1992 bytes of room left */
	complete_with(needs[5], "w", 10);	/* none */
	if (E(board_complete(b, needs[6], NULL, NULL, &err)) < 0)
		printf("# complete: %s\n", buf_str(&err));

	memset(&t, 0, sizeof(t));
	is_int(E(board_get(b, c, &t, &err)), 0, "prompt: the child");
	for (i = 0; t.parents && t.parents[i]; i++)
		;
	ok(i == 7 && !strcmp(t.parents[0], needs[0]) &&
	    !strcmp(t.parents[6], needs[6]), "seven parents, by id");
	dispatch_prompt(b, &t, "/w", &out);
	ok(strstr(out.s, "Your task is ") && strstr(out.s, "the child"),
	    "prompt: the task");
	ok(strstr(out.s, "It comes after these tasks"), "prompt: its parents");
	tmp = strstr(out.s, needs[0]);
	for (i = 1; i < 7 && tmp; i++)
		tmp = tmp < strstr(out.s, needs[i]) ? strstr(out.s, needs[i]) :
		    NULL;
	ok(tmp, "prompt: every parent, by id");
	is_int(run_of(out.s, "s"), 10, "a short result whole");
	is_int(run_of(out.s, "\xe2\x82\xac"), 666,
	    "3000 bytes of 3-byte characters cut at 1998");
	buf_reset(&want);
	buf_addf(&want, "1002 more bytes cut: kanban_show %s has the whole "
	    "result", needs[1]);
	ok(strstr(out.s, want.s), "... with a note: %s", want.s);
	is_int(run_of(out.s, "x"), DISPATCH_RESULT_MAX, "2500 bytes cut at "
	    "DISPATCH_RESULT_MAX");
	is_int(run_of(out.s, "y"), 2000, "2000 bytes whole");
	is_int(run_of(out.s, "z"), DISPATCH_RESULTS_MAX - 6008, "the next "
	    "cut to what is left of DISPATCH_RESULTS_MAX");
	buf_reset(&want);
	buf_addf(&want, "1008 more bytes cut: kanban_show %s", needs[4]);
	ok(strstr(out.s, want.s), "... with a note: %s", want.s);
	ok(!strstr(out.s, "ww"), "then no more results");
	buf_reset(&want);
	buf_addf(&want, "took the room (kanban_show %s has it)", needs[5]);
	ok(strstr(out.s, want.s), "... but a note: %s", want.s);
	ok(strstr(out.s, "Result: none given"), "a parent done without a "
	    "result says so");
	ok(strstr(out.s, "You work in /w."), "prompt: where it works");
	ok(out.len < DISPATCH_RESULTS_MAX + 2000, "prompt bounded: %zu bytes",
	    out.len);
	task_release(&t);

	is_int(E(board_count(b, n, &err)), 0, "board_count");
	ok(n[TASK_READY] == 2 && n[TASK_DONE] == 7 && n[TASK_TODO] == 0 &&
	    n[TASK_CLAIMED] == 0 && n[TASK_BLOCKED] == 0, "... 2 ready, 7 "
	    "done: %ld %ld", n[TASK_READY], n[TASK_DONE]);

	buf_reset(&out);
	is_int(E(board_get(b, lone, &t, &err)), 0, "prompt: a lone task");
	dispatch_prompt(b, &t, "/w", &out);
	ok(!strstr(out.s, "It comes after"), "no parents, no parents' part");
	task_release(&t);
	buf_release(&out);
	buf_release(&want);
}

int
main(void)
{
	size_t i;

	if (!mkdtemp(home))
		return 1;
	setenv("HERMES_HOME", home, 1);
	unsetenv("HERMES_PROFILE");
	if (board_open(&b, &err) < 0) {
		printf("# board_open: %s\n", buf_str(&err));
		return 1;
	}
	dbpath = hm_path("kanban.db");
	test_fresh();
	test_add_get_list();
	test_links();
	test_promotion();
	test_claims();
	test_reclaim_fail();
	test_transitions();
	test_comments_history();
	test_rm();
	test_malformed();
	test_claim_race();
	test_big_list();
	test_prompt();
	board_close(b);
	for (i = 0; i < nkept; i++)
		free(kept[i]);
	free(kept);
	free(dbpath);
	buf_release(&err);
	nftw(home, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return done_testing();
}
