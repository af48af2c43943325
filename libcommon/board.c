/*
 * board.c: the kanban board in $HERMES_HOME/kanban.db; board.h is the
 * contract.
 *
 * Schema (version 1, PRAGMA user_version; later versions are new entries
 * in steps[], never edits of old ones): tasks, links, comments and
 * events as board.h lists them.  links and comments reference tasks ON
 * DELETE CASCADE; events reference nothing, so a removed task keeps its
 * history.  Indexes: tasks(status, priority DESC, created) serves
 * claim_next and the per-status lists (rowid, its last key, breaks a tie
 * in insertion order); the primary key of links is (child, parent), and
 * links(parent) finds children; comments(task) and events(task) serve
 * history and rm.
 *
 * Every action is one BEGIN IMMEDIATE transaction: it reads the row,
 * checks the state, changes it and writes its events row, or rolls all
 * of it back.  A claim is also a compare-and-swap, UPDATE ... WHERE id =
 * ?1 AND status = 'ready', and wins only when it changed one row.  Two
 * processes claiming at once queue on SQLite's write lock (busy timeout
 * 5 s in db.c); the second sees the first's claim and gets
 * -HM_ECONFLICT.  Reads (get, list, claimed, history) take no write
 * lock; list and claimed read all rows first and call back afterwards,
 * so a callback may write to the board.
 *
 * Promotion (todo -> ready when no parent is unfinished) runs inside
 * the transactions that can cause it: add, complete and rm promote the
 * children concerned; board_promote sweeps the whole board.  A task
 * that leaves "claimed" (complete, block, fail, reclaim) has its claim
 * fields cleared; events keep who held it.
 */
#include <sys/random.h>
#include <ctype.h>
#include <time.h>

#include "common.h"
#include "board.h"
#include "db.h"
#include "path.h"
#include "timeutil.h"
#include "utf8.h"

#define ID_TRIES	16	/* fresh ids tried before giving up */
#define ASSIGNEE_MAX	64	/* as HERMES_PROFILE */

struct board {
	struct db *db;
};

static const char *const steps[] = {
	/* 0 -> 1: tasks, links, comments, events */
	"CREATE TABLE tasks ("
	"  id TEXT PRIMARY KEY,"
	"  title TEXT NOT NULL,"
	"  body TEXT,"
	"  assignee TEXT,"
	"  priority INTEGER NOT NULL DEFAULT 0,"
	"  status TEXT NOT NULL DEFAULT 'todo' CHECK (status IN ('todo',"
	"    'ready', 'claimed', 'done', 'failed', 'blocked')),"
	"  result TEXT,"
	"  reason TEXT,"
	"  repo TEXT,"
	"  workspace TEXT,"
	"  branch TEXT,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL,"
	"  claim_worker TEXT,"
	"  claim_pid INTEGER,"
	"  lease INTEGER,"
	"  heartbeat INTEGER);"
	"CREATE INDEX tasks_status ON tasks(status, priority DESC, created);"
	"CREATE TABLE links ("
	"  child TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,"
	"  parent TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (child, parent));"
	"CREATE INDEX links_parent ON links(parent);"
	"CREATE TABLE comments ("
	"  id INTEGER PRIMARY KEY,"
	"  task TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,"
	"  author TEXT,"
	"  body TEXT NOT NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE INDEX comments_task ON comments(task, id);"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  task TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  actor TEXT,"
	"  detail TEXT,"
	"  at INTEGER NOT NULL);"
	"CREATE INDEX events_task ON events(task, id);"
};

static const char *const status_names[] = {
	"todo", "ready", "claimed", "done", "failed", "blocked"
};

/* The columns read_task() expects, parents last as "ID ID ...". */
#define TASK_COLS "id, title, body, assignee, result, reason, repo, " \
	"workspace, branch, claim_worker, status, priority, attempts, " \
	"claim_pid, created, updated, lease, heartbeat, " \
	"(SELECT group_concat(parent, ' ') FROM links WHERE child = tasks.id)"
#define TASK_ORDER " ORDER BY priority DESC, created, rowid"

/* What an action needs to know of a task before it changes it. */
struct peek {
	enum task_status status;
	char *worker;		/* claim_worker, NULL when not claimed */
	char *title;
	int64_t pid;
	long attempts;
	time_t lease;
};

/* A growable list of tasks or ids. */
struct tasks {
	struct task *v;
	size_t n, cap;
};

struct ids {
	char **v;
	size_t n, cap;
};

const char *
task_status_name(enum task_status s)
{
	if ((int)s < 0 || (size_t)s >= HM_ARRAY_SIZE(status_names))
		return "unknown";
	return status_names[s];
}

int
task_status_parse(const char *s, enum task_status *out)
{
	size_t i;

	for (i = 0; s && i < HM_ARRAY_SIZE(status_names); i++) {
		if (!strcmp(s, status_names[i])) {
			*out = (enum task_status)i;
			return 0;
		}
	}
	return -HM_EINVAL;
}

void
task_release(struct task *t)
{
	char **p;

	if (!t)
		return;
	free(t->id);
	free(t->title);
	free(t->body);
	free(t->assignee);
	free(t->result);
	free(t->reason);
	free(t->repo);
	free(t->workspace);
	free(t->branch);
	free(t->claim_worker);
	for (p = t->parents; p && *p; p++)
		free(*p);
	free(t->parents);
	memset(t, 0, sizeof(*t));
}

int
board_open(struct board **b, struct buf *err)
{
	struct db *db;
	char *path;
	int rc;

	*b = NULL;
	if ((rc = hm_home_init(err)) < 0)
		return rc;
	path = hm_path("kanban.db");
	db = db_open(path, err);
	free(path);
	if (!db)
		return -HM_EIO;
	rc = db_migrate(db, steps, (int)HM_ARRAY_SIZE(steps), err);
	if (rc < 0) {
		db_close(db);
		return rc;
	}
	*b = xcalloc(1, sizeof(**b));
	(*b)->db = db;
	return 0;
}

void
board_close(struct board *b)
{
	if (!b)
		return;
	db_close(b->db);
	free(b);
}

/* ---- helpers ---- */

/* A failed prepare has filled err; give its code. */
static struct db_stmt *
prep(struct board *b, const char *sql, int *rc, struct buf *err)
{
	struct db_stmt *st = db_prepare(b->db, sql, err);

	*rc = st ? 0 : -HM_EFAIL;
	return st;
}

/* Step a statement that returns no rows, and finalize it. */
static int
run(struct db_stmt *st, struct buf *err)
{
	int rc = db_step(st, err);

	db_finalize(st);
	return rc < 0 ? rc : 0;
}

/* End the transaction an action began: commit when rc >= 0. */
static int
finish(struct board *b, int rc, struct buf *err)
{
	int c;

	if (rc < 0) {
		db_rollback(b->db);
		return rc;
	}
	if ((c = db_commit(b->db, err)) < 0)
		return c;
	return rc;
}

/* Append the n bytes at s; the list stays NULL-terminated. */
static void
ids_addn(struct ids *l, const char *s, size_t n)
{
	if (l->n + 1 >= l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = xstrndup(s, n);
	l->v[l->n] = NULL;
}

static void
ids_add(struct ids *l, const char *s)
{
	ids_addn(l, s ? s : "", s ? strlen(s) : 0);
}

static void
ids_release(struct ids *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void
peek_release(struct peek *p)
{
	free(p->worker);
	free(p->title);
	memset(p, 0, sizeof(*p));
}

/* The state of task id, or -HM_ENOTFOUND. */
static int
peek(struct board *b, const char *id, struct peek *p, struct buf *err)
{
	struct db_stmt *st;
	int rc;

	memset(p, 0, sizeof(*p));
	st = prep(b, "SELECT status, claim_worker, title, claim_pid, attempts,"
	    " lease FROM tasks WHERE id = ?1", &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, id);
	rc = db_step(st, err);
	if (rc == 1) {
		if (task_status_parse(db_column_text(st, 0), &p->status) < 0)
			p->status = TASK_FAILED;
		p->worker = db_column_dup(st, 1);
		p->title = db_column_dup(st, 2);
		p->pid = db_column_int64(st, 3);
		p->attempts = (long)db_column_int64(st, 4);
		p->lease = (time_t)db_column_int64(st, 5);
		rc = 0;
	} else if (rc == 0) {
		rc = hm_fail(err, HM_ENOTFOUND, "no task '%s'", id);
	}
	db_finalize(st);
	return rc;
}

/* worker NULL (the CLI) may act on any task; a worker only on a task
 * it holds. */
static int
held_by(const char *id, const struct peek *p, const char *worker,
    struct buf *err)
{
	if (!worker)
		return 0;
	if (p->status != TASK_CLAIMED)
		return hm_fail(err, HM_ECONFLICT, "task %s is %s, not claimed",
		    id, task_status_name(p->status));
	if (!p->worker || strcmp(p->worker, worker))
		return hm_fail(err, HM_ECONFLICT, "task %s is held by %s", id,
		    p->worker ? p->worker : "nobody");
	return 0;
}

static int
event(struct board *b, const char *task, const char *kind,
    const char *actor, const char *detail, time_t at, struct buf *err)
{
	struct db_stmt *st;
	int rc;

	st = prep(b, "INSERT INTO events (task, kind, actor, detail, at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)", &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, task);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, actor ? actor : "cli");
	db_bind_text(st, 4, detail);
	db_bind_int64(st, 5, at);
	return run(st, err);
}

/* *yes = 1 when task id has a parent that is not done. */
static int
unfinished(struct board *b, const char *id, int *yes, struct buf *err)
{
	struct db_stmt *st;
	int rc;

	*yes = 0;
	st = prep(b, "SELECT EXISTS (SELECT 1 FROM links l JOIN tasks p ON"
	    " p.id = l.parent WHERE l.child = ?1 AND p.status != 'done')",
	    &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, id);
	rc = db_step(st, err);
	if (rc == 1)
		*yes = db_column_int64(st, 0) != 0;
	db_finalize(st);
	return rc < 0 ? rc : 0;
}

/* todo -> ready for task id when every parent is done; *n counts. */
static int
promote_one(struct board *b, const char *id, const char *actor,
    time_t now, size_t *n, struct buf *err)
{
	struct db_stmt *st;
	int rc;

	st = prep(b, "UPDATE tasks SET status = 'ready', updated = ?2"
	    " WHERE id = ?1 AND status = 'todo' AND NOT EXISTS (SELECT 1"
	    " FROM links l JOIN tasks p ON p.id = l.parent WHERE l.child = ?1"
	    " AND p.status != 'done')", &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, id);
	db_bind_int64(st, 2, now);
	if ((rc = run(st, err)) < 0 || db_changes(b->db) != 1)
		return rc;
	if (n)
		(*n)++;
	return event(b, id, "promote", actor, "ready", now, err);
}

/* Promote the todo children of parent (NULL: every todo task). */
static int
promote_children(struct board *b, const char *parent, const char *actor,
    time_t now, size_t *n, struct buf *err)
{
	struct ids l = { 0 };
	struct db_stmt *st;
	size_t i;
	int rc;

	if (parent)
		st = prep(b, "SELECT t.id FROM links k JOIN tasks t ON"
		    " t.id = k.child WHERE k.parent = ?1 AND t.status = 'todo'"
		    " ORDER BY t.rowid", &rc, err);
	else
		st = prep(b, "SELECT id FROM tasks WHERE status = 'todo'"
		    TASK_ORDER, &rc, err);
	if (!st)
		return rc;
	if (parent)
		db_bind_text(st, 1, parent);
	while ((rc = db_step(st, err)) == 1)
		ids_add(&l, db_column_text(st, 0));
	db_finalize(st);
	for (i = 0; rc == 0 && i < l.n; i++)
		rc = promote_one(b, l.v[i], actor, now, n, err);
	ids_release(&l);
	return rc;
}

/* The status a task opens to: todo while a parent is unfinished. */
static int
open_status(struct board *b, const char *id, enum task_status *s,
    struct buf *err)
{
	int rc, yes;

	if ((rc = unfinished(b, id, &yes, err)) < 0)
		return rc;
	*s = yes ? TASK_TODO : TASK_READY;
	return 0;
}

/* Leave "claimed" (or any state) for s with reason; claim cleared. */
static int
set_status(struct board *b, const char *id, enum task_status s,
    const char *reason, time_t now, struct buf *err)
{
	struct db_stmt *st;
	int rc;

	st = prep(b, "UPDATE tasks SET status = ?2, reason = ?3, updated = ?4,"
	    " claim_worker = NULL, claim_pid = NULL, lease = NULL,"
	    " heartbeat = NULL WHERE id = ?1", &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, task_status_name(s));
	db_bind_text(st, 3, reason);
	db_bind_int64(st, 4, now);
	return run(st, err);
}

static int
is_blank(const char *s)
{
	for (; s && *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

/* Text that is stored must be UTF-8 (NULL is fine). */
static int
check_text(const char *what, const char *s, struct buf *err)
{
	size_t bad;

	if (s && !utf8_valid(s, strlen(s), &bad))
		return hm_fail(err, HM_EINVAL, "%s is not valid UTF-8 "
		    "(byte %zu)", what, bad);
	return 0;
}

/* ---- add, link ---- */

static void
new_id(char *id, size_t size)
{
	static unsigned counter;
	unsigned char r[4];
	uint32_t x;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		/* not secret, only needs to differ; a clash is retried */
		x = ((uint32_t)time(NULL) * 2654435761u) ^
		    ((uint32_t)getpid() << 12) ^ (++counter * 40503u);
		memcpy(r, &x, sizeof(r));
	}
	snprintf(id, size, "t_%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
}

static int
check_new(const struct task_new *n, struct buf *err)
{
	int rc;

	if (!n || !n->title || is_blank(n->title))
		return hm_fail(err, HM_EINVAL, "a task needs a title");
	if ((rc = check_text("the title", n->title, err)) < 0 ||
	    (rc = check_text("the body", n->body, err)) < 0 ||
	    (rc = check_text("the repo", n->repo, err)) < 0)
		return rc;
	if (n->assignee && *n->assignee &&
	    !hm_valid_name(n->assignee, ASSIGNEE_MAX))
		return hm_fail(err, HM_EINVAL, "invalid assignee '%s': use "
		    "letters, digits, '-', '_' and '.'", n->assignee);
	return 0;
}

/* Insert link child -> parent; *added = 0 when it was there. */
static int
insert_link(struct board *b, const char *child, const char *parent,
    int *added, struct buf *err)
{
	struct db_stmt *st;
	int rc;

	*added = 0;
	st = prep(b, "INSERT OR IGNORE INTO links (child, parent)"
	    " VALUES (?1, ?2)", &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, child);
	db_bind_text(st, 2, parent);
	if ((rc = run(st, err)) == 0)
		*added = db_changes(b->db) == 1;
	return rc;
}

static int
insert_task(struct board *b, const struct task_new *n, enum task_status s,
    time_t now, char *id, size_t size, struct buf *err)
{
	struct db_stmt *st;
	int rc, tries;

	st = prep(b, "INSERT OR IGNORE INTO tasks (id, title, body, assignee,"
	    " priority, status, repo, created, updated) VALUES (?1, ?2, ?3,"
	    " ?4, ?5, ?6, ?7, ?8, ?8)", &rc, err);
	if (!st)
		return rc;
	for (tries = 0; tries < ID_TRIES; tries++) {
		new_id(id, size);
		db_reset(st);
		db_bind_text(st, 1, id);
		db_bind_text(st, 2, n->title);
		db_bind_text(st, 3, n->body);
		db_bind_text(st, 4, n->assignee && *n->assignee ?
		    n->assignee : NULL);
		db_bind_int64(st, 5, n->priority);
		db_bind_text(st, 6, task_status_name(s));
		db_bind_text(st, 7, n->repo);
		db_bind_int64(st, 8, now);
		if ((rc = db_step(st, err)) < 0)
			break;
		if (db_changes(b->db) == 1)
			break;
	}
	db_finalize(st);
	if (rc == 0 && tries == ID_TRIES)
		rc = hm_fail(err, HM_EFAIL, "database '%s': cannot make a "
		    "unique task id", db_path(b->db));
	return rc < 0 ? rc : 0;
}

static int
add_tx(struct board *b, const struct task_new *n, const char *actor,
    time_t now, char *id, size_t size, struct buf *err)
{
	const char *const *p;
	enum task_status s = TASK_READY;
	struct peek pk;
	int rc, added;

	for (p = n->needs; p && *p; p++) {
		if ((rc = peek(b, *p, &pk, err)) < 0)
			return rc;
		if (pk.status != TASK_DONE)
			s = TASK_TODO;
		peek_release(&pk);
	}
	if ((rc = insert_task(b, n, s, now, id, size, err)) < 0 ||
	    (rc = event(b, id, "add", actor, n->title, now, err)) < 0)
		return rc;
	for (p = n->needs; p && *p; p++) {
		if ((rc = insert_link(b, id, *p, &added, err)) < 0)
			return rc;
		if (added && (rc = event(b, id, "link", actor, *p, now,
		    err)) < 0)
			return rc;
	}
	return 0;
}

int
board_add(struct board *b, const struct task_new *n, const char *actor,
    char **id, struct buf *err)
{
	char buf[16];
	int rc;

	*id = NULL;
	if ((rc = check_new(n, err)) < 0)
		return rc;
	if ((rc = db_begin(b->db, err)) < 0)
		return rc;
	rc = add_tx(b, n, actor, time(NULL), buf, sizeof(buf), err);
	if ((rc = finish(b, rc, err)) < 0)
		return rc;
	*id = xstrdup(buf);
	return 0;
}

/*
 * Would child -> parent close a cycle, i.e. does parent already need
 * child, directly or not?  The first query only answers yes or no; when
 * yes, the second lists every edge above parent as (task, the task that
 * needs it) and the chain is walked back from child to parent in C.
 */
static int
cycle(struct board *b, const char *child, const char *parent,
    struct buf *err)
{
	struct ids id = { 0 }, via = { 0 }, chain = { 0 };
	struct buf path = BUF_INIT;
	struct db_stmt *st;
	const char *cur;
	size_t i, k;
	int rc, found = 0;

	st = prep(b, "WITH RECURSIVE up(id) AS (SELECT ?1 UNION SELECT"
	    " l.parent FROM links l JOIN up ON l.child = up.id)"
	    " SELECT 1 FROM up WHERE id = ?2 LIMIT 1", &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, parent);
	db_bind_text(st, 2, child);
	rc = db_step(st, err);
	db_finalize(st);
	if (rc <= 0)
		return rc;
	st = prep(b, "WITH RECURSIVE up(id, via) AS (SELECT ?1, NULL UNION"
	    " SELECT l.parent, l.child FROM links l JOIN up ON"
	    " l.child = up.id) SELECT id, via FROM up WHERE via IS NOT NULL",
	    &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, parent);
	while ((rc = db_step(st, err)) == 1) {
		ids_add(&id, db_column_text(st, 0));
		ids_add(&via, db_column_text(st, 1));
	}
	db_finalize(st);
	/* the graph is acyclic, so stepping back along via ends at parent */
	cur = child;
	ids_add(&chain, cur);
	for (k = 0; rc == 0 && strcmp(cur, parent) && k <= id.n; k++) {
		for (i = 0, found = 0; i < id.n && !found; i++)
			if (!strcmp(id.v[i], cur))
				found = 1;
		if (!found)
			break;
		cur = via.v[i - 1];
		ids_add(&chain, cur);
	}
	for (i = chain.n; i > 0; i--)
		buf_addf(&path, "%s%s", i < chain.n ? " needs " : "",
		    chain.v[i - 1]);
	if (rc == 0)
		rc = hm_fail(err, HM_EINVAL, "linking %s to %s would make a "
		    "cycle: %s", child, parent, path.s);
	buf_release(&path);
	ids_release(&id);
	ids_release(&via);
	ids_release(&chain);
	return rc;
}

static int
link_tx(struct board *b, const char *child, const char *parent,
    const char *actor, struct buf *err)
{
	struct peek c, p;
	struct db_stmt *st;
	time_t now = time(NULL);
	int rc, added, demote;

	if ((rc = peek(b, child, &c, err)) < 0)
		return rc;
	if ((rc = peek(b, parent, &p, err)) < 0)
		goto out_c;
	if (!strcmp(child, parent)) {
		rc = hm_fail(err, HM_EINVAL, "task %s cannot need itself",
		    child);
		goto out;
	}
	if ((rc = cycle(b, child, parent, err)) < 0 ||
	    (rc = insert_link(b, child, parent, &added, err)) < 0 || !added)
		goto out;
	demote = c.status == TASK_READY && p.status != TASK_DONE;
	if (demote) {
		st = prep(b, "UPDATE tasks SET status = 'todo', updated = ?2"
		    " WHERE id = ?1 AND status = 'ready'", &rc, err);
		if (!st)
			goto out;
		db_bind_text(st, 1, child);
		db_bind_int64(st, 2, now);
		if ((rc = run(st, err)) < 0)
			goto out;
	}
	rc = event(b, child, "link", actor, parent, now, err);
	if (rc == 0 && demote)
		rc = event(b, child, "demote", actor, "todo", now, err);
out:
	peek_release(&p);
out_c:
	peek_release(&c);
	return rc;
}

int
board_link(struct board *b, const char *child, const char *parent,
    const char *actor, struct buf *err)
{
	int rc;

	if (!child || !parent)
		return hm_fail(err, HM_EINVAL, "a link needs two tasks");
	if ((rc = db_begin(b->db, err)) < 0)
		return rc;
	return finish(b, link_tx(b, child, parent, actor, err), err);
}

/* ---- reading ---- */

static int
by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Split "ID ID ..." into a sorted NULL-terminated array. */
static char **
split_parents(const char *s)
{
	struct ids l = { 0 };
	const char *e;

	while (s && *s) {
		e = strchr(s, ' ');
		if (!e)
			e = s + strlen(s);
		if (e > s)
			ids_addn(&l, s, (size_t)(e - s));
		s = *e ? e + 1 : e;
	}
	if (!l.v)
		return xcalloc(1, sizeof(char *));
	qsort(l.v, l.n, sizeof(*l.v), by_str);
	return l.v;
}

static void
read_task(struct db_stmt *st, struct task *t)
{
	memset(t, 0, sizeof(*t));
	t->id = db_column_dup(st, 0);
	t->title = db_column_dup(st, 1);
	t->body = db_column_dup(st, 2);
	t->assignee = db_column_dup(st, 3);
	t->result = db_column_dup(st, 4);
	t->reason = db_column_dup(st, 5);
	t->repo = db_column_dup(st, 6);
	t->workspace = db_column_dup(st, 7);
	t->branch = db_column_dup(st, 8);
	t->claim_worker = db_column_dup(st, 9);
	if (task_status_parse(db_column_text(st, 10), &t->status) < 0)
		t->status = TASK_FAILED;
	t->priority = (long)db_column_int64(st, 11);
	t->attempts = (long)db_column_int64(st, 12);
	t->claim_pid = db_column_int64(st, 13);
	t->created = (time_t)db_column_int64(st, 14);
	t->updated = (time_t)db_column_int64(st, 15);
	t->lease = (time_t)db_column_int64(st, 16);
	t->heartbeat = (time_t)db_column_int64(st, 17);
	t->parents = split_parents(db_column_text(st, 18));
}

int
board_get(struct board *b, const char *id, struct task *t,
    struct buf *err)
{
	struct db_stmt *st;
	int rc;

	memset(t, 0, sizeof(*t));
	st = prep(b, "SELECT " TASK_COLS " FROM tasks WHERE id = ?1", &rc,
	    err);
	if (!st)
		return rc;
	db_bind_text(st, 1, id);
	rc = db_step(st, err);
	if (rc == 1)
		read_task(st, t);
	else if (rc == 0)
		rc = hm_fail(err, HM_ENOTFOUND, "no task '%s'", id ? id : "");
	db_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Read every row of st (bound already), then call fn on each: the
 * statement is done before fn runs, so fn may write to the board. */
static int
walk(struct db_stmt *st, int (*fn)(const struct task *t, void *ctx),
    void *ctx, struct buf *err)
{
	struct tasks l = { 0 };
	size_t i;
	int rc;

	while ((rc = db_step(st, err)) == 1) {
		if (l.n == l.cap) {
			l.cap = l.cap ? 2 * l.cap : 64;
			l.v = xrealloc(l.v, l.cap * sizeof(*l.v));
		}
		read_task(st, &l.v[l.n++]);
	}
	db_finalize(st);
	for (i = 0; rc == 0 && i < l.n; i++)
		rc = fn(&l.v[i], ctx);
	for (i = 0; i < l.n; i++)
		task_release(&l.v[i]);
	free(l.v);
	return rc;
}

int
board_list(struct board *b, int status,
    int (*fn)(const struct task *t, void *ctx), void *ctx,
    struct buf *err)
{
	struct db_stmt *st;
	int rc;

	if (status >= (int)HM_ARRAY_SIZE(status_names))
		return hm_fail(err, HM_EINVAL, "bad task status %d", status);
	if (status < 0)
		st = prep(b, "SELECT " TASK_COLS " FROM tasks" TASK_ORDER, &rc,
		    err);
	else
		st = prep(b, "SELECT " TASK_COLS " FROM tasks WHERE"
		    " status = ?1" TASK_ORDER, &rc, err);
	if (!st)
		return rc;
	if (status >= 0)
		db_bind_text(st, 1, status_names[status]);
	return walk(st, fn, ctx, err);
}

int
board_claimed(struct board *b,
    int (*fn)(const struct task *t, void *ctx), void *ctx,
    struct buf *err)
{
	struct db_stmt *st;
	int rc;

	st = prep(b, "SELECT " TASK_COLS " FROM tasks WHERE status ="
	    " 'claimed' ORDER BY lease, rowid", &rc, err);
	if (!st)
		return rc;
	return walk(st, fn, ctx, err);
}

/* ---- claims ---- */

static int
claim_tx(struct board *b, const char *id, const char *worker, int64_t pid,
    long ttl, time_t now, struct buf *err)
{
	struct buf detail = BUF_INIT;
	struct db_stmt *st;
	struct peek p;
	int rc;

	st = prep(b, "UPDATE tasks SET status = 'claimed', claim_worker = ?2,"
	    " claim_pid = ?3, lease = ?4 + ?5, heartbeat = ?4,"
	    " attempts = attempts + 1, updated = ?4"
	    " WHERE id = ?1 AND status = 'ready'", &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, worker);
	db_bind_int64(st, 3, pid);
	db_bind_int64(st, 4, now);
	db_bind_int64(st, 5, ttl);
	if ((rc = run(st, err)) < 0)
		return rc;
	if (db_changes(b->db) == 1) {
		buf_addf(&detail, "pid %lld", (long long)pid);
		rc = event(b, id, "claim", worker, detail.s, now, err);
		buf_release(&detail);
		return rc;
	}
	/* lost: say why */
	if ((rc = peek(b, id, &p, err)) < 0)
		return rc;
	rc = hm_fail(err, HM_ECONFLICT, "task %s is %s, not ready", id,
	    task_status_name(p.status));
	peek_release(&p);
	return rc;
}

int
board_claim(struct board *b, const char *id, const char *worker,
    int64_t pid, long ttl, time_t now, struct buf *err)
{
	int rc;

	if (!id)
		return hm_fail(err, HM_ENOTFOUND, "no task ''");
	if ((rc = db_begin(b->db, err)) < 0)
		return rc;
	return finish(b, claim_tx(b, id, worker ? worker : "cli", pid, ttl,
	    now, err), err);
}

/* The first ready task (of assignee, when not NULL) into *id, or NULL. */
static int
next_ready(struct board *b, const char *assignee, char **id,
    struct buf *err)
{
	struct db_stmt *st;
	int rc;

	*id = NULL;
	if (assignee)
		st = prep(b, "SELECT id FROM tasks WHERE status = 'ready' AND"
		    " assignee = ?1" TASK_ORDER " LIMIT 1", &rc, err);
	else
		st = prep(b, "SELECT id FROM tasks WHERE status = 'ready'"
		    TASK_ORDER " LIMIT 1", &rc, err);
	if (!st)
		return rc;
	if (assignee)
		db_bind_text(st, 1, assignee);
	if ((rc = db_step(st, err)) == 1)
		*id = db_column_dup(st, 0);
	db_finalize(st);
	return rc < 0 ? rc : 0;
}

int
board_claim_next_for(struct board *b, const char *assignee,
    const char *worker, int64_t pid, long ttl, time_t now, char **id,
    struct buf *err)
{
	char *got;
	int rc;

	*id = NULL;
	/* nothing ready: answer without taking the write lock */
	if ((rc = next_ready(b, assignee, &got, err)) < 0 || !got)
		return rc;
	free(got);
	if ((rc = db_begin(b->db, err)) < 0)
		return rc;
	if ((rc = next_ready(b, assignee, &got, err)) == 0 && got)
		rc = claim_tx(b, got, worker ? worker : "cli", pid, ttl, now,
		    err);
	if ((rc = finish(b, rc, err)) < 0) {
		free(got);
		return rc;
	}
	*id = got;
	return 0;
}

int
board_claim_next(struct board *b, const char *worker, int64_t pid,
    long ttl, time_t now, char **id, struct buf *err)
{
	return board_claim_next_for(b, NULL, worker, pid, ttl, now, id, err);
}

static int
heartbeat_tx(struct board *b, const char *id, const char *worker, long ttl,
    time_t now, struct buf *err)
{
	struct buf detail = BUF_INIT;
	struct db_stmt *st;
	struct peek p;
	int rc;

	if ((rc = peek(b, id, &p, err)) < 0)
		return rc;
	if (p.status != TASK_CLAIMED)
		rc = hm_fail(err, HM_ECONFLICT, "task %s is %s, not claimed",
		    id, task_status_name(p.status));
	else
		rc = held_by(id, &p, worker, err);
	if (rc < 0)
		goto out;
	st = prep(b, "UPDATE tasks SET lease = ?2 + ?3, heartbeat = ?2"
	    " WHERE id = ?1", &rc, err);
	if (!st)
		goto out;
	db_bind_text(st, 1, id);
	db_bind_int64(st, 2, now);
	db_bind_int64(st, 3, ttl);
	if ((rc = run(st, err)) < 0)
		goto out;
	buf_addf(&detail, "lease %lds", ttl);
	rc = event(b, id, "heartbeat", worker ? worker : p.worker, detail.s,
	    now, err);
	buf_release(&detail);
out:
	peek_release(&p);
	return rc;
}

int
board_heartbeat(struct board *b, const char *id, const char *worker,
    long ttl, time_t now, struct buf *err)
{
	int rc;

	if ((rc = db_begin(b->db, err)) < 0)
		return rc;
	return finish(b, heartbeat_tx(b, id, worker, ttl, now, err), err);
}

static int
set_pid_tx(struct board *b, const char *id, const char *worker,
    int64_t pid, struct buf *err)
{
	struct buf detail = BUF_INIT;
	struct db_stmt *st;
	time_t now = time(NULL);
	struct peek p;
	int rc;

	if ((rc = peek(b, id, &p, err)) < 0)
		return rc;
	if (p.status != TASK_CLAIMED)
		rc = hm_fail(err, HM_ECONFLICT, "task %s is %s, not claimed",
		    id, task_status_name(p.status));
	else
		rc = held_by(id, &p, worker, err);
	if (rc < 0)
		goto out;
	st = prep(b, "UPDATE tasks SET claim_pid = ?2 WHERE id = ?1", &rc,
	    err);
	if (!st)
		goto out;
	db_bind_text(st, 1, id);
	db_bind_int64(st, 2, pid);
	if ((rc = run(st, err)) < 0)
		goto out;
	buf_addf(&detail, "pid %lld", (long long)pid);
	rc = event(b, id, "pid", worker ? worker : p.worker, detail.s, now,
	    err);
	buf_release(&detail);
out:
	peek_release(&p);
	return rc;
}

int
board_set_pid(struct board *b, const char *id, const char *worker,
    int64_t pid, struct buf *err)
{
	int rc;

	if ((rc = db_begin(b->db, err)) < 0)
		return rc;
	return finish(b, set_pid_tx(b, id, worker, pid, err), err);
}

/* ---- state changes ---- */

static int
complete_tx(struct board *b, const char *id, const char *worker,
    const char *result, struct buf *err)
{
	struct db_stmt *st;
	time_t now = time(NULL);
	struct peek p;
	int rc;

	if ((rc = peek(b, id, &p, err)) < 0)
		return rc;
	if (p.status == TASK_DONE)
		rc = hm_fail(err, HM_ECONFLICT, "task %s is done already", id);
	else
		rc = held_by(id, &p, worker, err);
	if (rc < 0)
		goto out;
	if ((rc = set_status(b, id, TASK_DONE, NULL, now, err)) < 0)
		goto out;
	st = prep(b, "UPDATE tasks SET result = ?2 WHERE id = ?1", &rc, err);
	if (!st)
		goto out;
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, result);
	if ((rc = run(st, err)) < 0 ||
	    (rc = event(b, id, "complete", worker, result, now, err)) < 0)
		goto out;
	rc = promote_children(b, id, worker, now, NULL, err);
out:
	peek_release(&p);
	return rc;
}

int
board_complete(struct board *b, const char *id, const char *worker,
    const char *result, struct buf *err)
{
	int rc;

	if ((rc = check_text("the result", result, err)) < 0)
		return rc;
	if ((rc = db_begin(b->db, err)) < 0)
		return rc;
	return finish(b, complete_tx(b, id, worker, result, err), err);
}

static int
block_tx(struct board *b, const char *id, const char *worker,
    const char *reason, struct buf *err)
{
	time_t now = time(NULL);
	struct peek p;
	int rc;

	if ((rc = peek(b, id, &p, err)) < 0)
		return rc;
	if (p.status != TASK_TODO && p.status != TASK_READY &&
	    p.status != TASK_CLAIMED)
		rc = hm_fail(err, HM_ECONFLICT, "task %s is %s, not todo, "
		    "ready or claimed", id, task_status_name(p.status));
	else
		rc = held_by(id, &p, worker, err);
	if (rc == 0 && (rc = set_status(b, id, TASK_BLOCKED, reason, now,
	    err)) == 0)
		rc = event(b, id, "block", worker, reason, now, err);
	peek_release(&p);
	return rc;
}

int
board_block(struct board *b, const char *id, const char *worker,
    const char *reason, struct buf *err)
{
	int rc;

	if ((rc = check_text("the reason", reason, err)) < 0)
		return rc;
	if ((rc = db_begin(b->db, err)) < 0)
		return rc;
	return finish(b, block_tx(b, id, worker, reason, err), err);
}

static int
unblock_tx(struct board *b, const char *id, const char *actor,
    struct buf *err)
{
	enum task_status s;
	struct db_stmt *st;
	time_t now = time(NULL);
	struct peek p;
	int rc;

	if ((rc = peek(b, id, &p, err)) < 0)
		return rc;
	if (p.status != TASK_BLOCKED)
		rc = hm_fail(err, HM_ECONFLICT, "task %s is %s, not blocked",
		    id, task_status_name(p.status));
	peek_release(&p);
	if (rc < 0 || (rc = open_status(b, id, &s, err)) < 0 ||
	    (rc = set_status(b, id, s, NULL, now, err)) < 0)
		return rc;
	/* a person unblocking means "try again": a fresh count */
	st = prep(b, "UPDATE tasks SET attempts = 0 WHERE id = ?1", &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, id);
	if ((rc = run(st, err)) < 0)
		return rc;
	return event(b, id, "unblock", actor, task_status_name(s), now, err);
}

int
board_unblock(struct board *b, const char *id, const char *actor,
    struct buf *err)
{
	int rc;

	if ((rc = db_begin(b->db, err)) < 0)
		return rc;
	return finish(b, unblock_tx(b, id, actor, err), err);
}

static int
comment_tx(struct board *b, const char *id, const char *author,
    const char *text, struct buf *err)
{
	struct db_stmt *st;
	time_t now = time(NULL);
	struct peek p;
	int rc;

	if ((rc = peek(b, id, &p, err)) < 0)
		return rc;
	rc = held_by(id, &p, author, err);
	peek_release(&p);
	if (rc < 0)
		return rc;
	st = prep(b, "INSERT INTO comments (task, author, body, created)"
	    " VALUES (?1, ?2, ?3, ?4)", &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, author ? author : "cli");
	db_bind_text(st, 3, text);
	db_bind_int64(st, 4, now);
	if ((rc = run(st, err)) < 0)
		return rc;
	return event(b, id, "comment", author, text, now, err);
}

int
board_comment(struct board *b, const char *id, const char *author,
    const char *text, struct buf *err)
{
	int rc;

	if (!text || is_blank(text))
		return hm_fail(err, HM_EINVAL, "a comment needs text");
	if ((rc = check_text("the comment", text, err)) < 0)
		return rc;
	if ((rc = db_begin(b->db, err)) < 0)
		return rc;
	return finish(b, comment_tx(b, id, author, text, err), err);
}

/*
 * A claim ends without a result (kind "fail" or "reclaim"): back to
 * ready (todo when a parent is unfinished), or blocked once attempts
 * reach max_attempts (no limit when < 1).  With seen (a reclaim), the
 * claim must still be the expired one seen, by pid and a lease before
 * seen->lease; else nothing changes and *changed = 0 (the worker
 * finished or renewed in between).
 */
static int
fail_tx(struct board *b, const char *id, const char *kind,
    const struct peek *seen, const char *why, long max_attempts,
    int *changed, struct buf *err)
{
	struct buf reason = BUF_INIT;
	enum task_status s;
	time_t now = time(NULL);
	struct peek p;
	int rc;

	*changed = 0;
	if ((rc = peek(b, id, &p, err)) < 0)
		return rc;
	if (seen && (p.status != TASK_CLAIMED || p.pid != seen->pid ||
	    p.lease >= seen->lease))
		goto out;
	if (p.status != TASK_CLAIMED) {
		rc = hm_fail(err, HM_ECONFLICT, "task %s is %s, not claimed",
		    id, task_status_name(p.status));
		goto out;
	}
	if (max_attempts > 0 && p.attempts >= max_attempts) {
		s = TASK_BLOCKED;
		buf_addf(&reason, "failed %ld attempts: %s", p.attempts, why);
	} else {
		if ((rc = open_status(b, id, &s, err)) < 0)
			goto out;
		buf_addf(&reason, "%s (attempt %ld)", why, p.attempts);
	}
	if ((rc = set_status(b, id, s, s == TASK_BLOCKED ? reason.s : NULL,
	    now, err)) < 0)
		goto out;
	buf_addf(&reason, "; %s", task_status_name(s));
	if ((rc = event(b, id, kind, p.worker, reason.s, now, err)) == 0)
		*changed = 1;
out:
	buf_release(&reason);
	peek_release(&p);
	return rc;
}

int
board_fail(struct board *b, const char *id, const char *why,
    long max_attempts, struct buf *err)
{
	int rc, changed;

	if (!why || !*why)
		why = "the worker exited";
	if ((rc = check_text("the reason", why, err)) < 0)
		return rc;
	if ((rc = db_begin(b->db, err)) < 0)
		return rc;
	return finish(b, fail_tx(b, id, "fail", NULL, why, max_attempts,
	    &changed, err), err);
}

int
board_reclaim(struct board *b, time_t now, long max_attempts,
    void (*fn)(const char *id, int64_t pid, void *ctx), void *ctx,
    size_t *n, struct buf *err)
{
	struct ids l = { 0 };
	struct db_stmt *st;
	struct peek seen = { 0 };
	int64_t *pids = NULL;
	size_t i, cap = 0;
	int rc, changed;

	if (n)
		*n = 0;
	st = prep(b, "SELECT id, claim_pid FROM tasks WHERE status ="
	    " 'claimed' AND lease < ?1 ORDER BY lease, rowid", &rc, err);
	if (!st)
		return rc;
	db_bind_int64(st, 1, now);
	while ((rc = db_step(st, err)) == 1) {
		if (l.n == cap) {
			cap = cap ? 2 * cap : 8;
			pids = xrealloc(pids, cap * sizeof(*pids));
		}
		pids[l.n] = db_column_int64(st, 1);
		ids_add(&l, db_column_text(st, 0));
	}
	db_finalize(st);
	for (i = 0; rc == 0 && i < l.n; i++) {
		/* the old worker is stopped before the task is offered */
		if (fn)
			fn(l.v[i], pids[i], ctx);
		if ((rc = db_begin(b->db, err)) < 0)
			break;
		seen.pid = pids[i];
		seen.lease = now;
		rc = finish(b, fail_tx(b, l.v[i], "reclaim", &seen,
		    "lease expired", max_attempts, &changed, err), err);
		if (rc == 0 && changed && n)
			(*n)++;
	}
	free(pids);
	ids_release(&l);
	return rc;
}

int
board_promote(struct board *b, size_t *n, struct buf *err)
{
	size_t k = 0;
	int rc;

	if (n)
		*n = 0;
	if ((rc = db_begin(b->db, err)) < 0)
		return rc;
	rc = finish(b, promote_children(b, NULL, "dispatch", time(NULL), &k,
	    err), err);
	if (rc == 0 && n)
		*n = k;
	return rc;
}

static int
workspace_tx(struct board *b, const char *id, const char *dir,
    const char *branch, struct buf *err)
{
	struct buf detail = BUF_INIT;
	struct db_stmt *st;
	time_t now = time(NULL);
	struct peek p;
	int rc;

	if ((rc = peek(b, id, &p, err)) < 0)
		return rc;
	peek_release(&p);
	st = prep(b, "UPDATE tasks SET workspace = ?2, branch = ?3,"
	    " updated = ?4 WHERE id = ?1", &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, dir);
	db_bind_text(st, 3, branch);
	db_bind_int64(st, 4, now);
	if ((rc = run(st, err)) < 0)
		return rc;
	buf_addf(&detail, "%s%s%s", dir ? dir : "-", branch ? " " : "",
	    branch ? branch : "");
	rc = event(b, id, "workspace", "dispatch", detail.s, now, err);
	buf_release(&detail);
	return rc;
}

int
board_set_workspace(struct board *b, const char *id, const char *dir,
    const char *branch, struct buf *err)
{
	int rc;

	if ((rc = db_begin(b->db, err)) < 0)
		return rc;
	return finish(b, workspace_tx(b, id, dir, branch, err), err);
}

static int
rm_tx(struct board *b, const char *id, const char *actor, struct buf *err)
{
	static const char *const del[] = {
		"DELETE FROM links WHERE child = ?1 OR parent = ?1",
		"DELETE FROM comments WHERE task = ?1",
		"DELETE FROM tasks WHERE id = ?1",
	};
	struct ids kids = { 0 };
	struct db_stmt *st;
	time_t now = time(NULL);
	struct peek p;
	size_t i;
	int rc;

	if ((rc = peek(b, id, &p, err)) < 0)
		return rc;
	st = prep(b, "SELECT child FROM links WHERE parent = ?1", &rc, err);
	if (!st)
		goto out;
	db_bind_text(st, 1, id);
	while ((rc = db_step(st, err)) == 1)
		ids_add(&kids, db_column_text(st, 0));
	db_finalize(st);
	for (i = 0; rc == 0 && i < HM_ARRAY_SIZE(del); i++) {
		if (!(st = prep(b, del[i], &rc, err)))
			break;
		db_bind_text(st, 1, id);
		rc = run(st, err);
	}
	if (rc == 0)
		rc = event(b, id, "rm", actor, p.title, now, err);
	for (i = 0; rc == 0 && i < kids.n; i++)
		rc = promote_one(b, kids.v[i], actor, now, NULL, err);
out:
	ids_release(&kids);
	peek_release(&p);
	return rc;
}

int
board_rm(struct board *b, const char *id, const char *actor,
    struct buf *err)
{
	int rc;

	if ((rc = db_begin(b->db, err)) < 0)
		return rc;
	return finish(b, rm_tx(b, id, actor, err), err);
}

/* Append s with tabs and line ends as spaces: one record a line. */
static void
add_field(struct buf *out, const char *s)
{
	for (; s && *s; s++)
		buf_addc(out, *s == '\t' || *s == '\n' || *s == '\r' ? ' ' :
		    *s);
}

int
board_history(struct board *b, const char *id, struct buf *out,
    struct buf *err)
{
	struct db_stmt *st;
	struct peek p;
	int rc, rows = 0;

	st = prep(b, "SELECT at, kind, actor, detail FROM events WHERE"
	    " task = ?1 ORDER BY id", &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, id);
	while ((rc = db_step(st, err)) == 1) {
		rows++;
		tu_format_iso((time_t)db_column_int64(st, 0), out);
		buf_addc(out, '\t');
		add_field(out, db_column_text(st, 1));
		buf_addc(out, '\t');
		add_field(out, db_column_text(st, 2));
		buf_addc(out, '\t');
		add_field(out, db_column_text(st, 3));
		buf_addc(out, '\n');
	}
	db_finalize(st);
	if (rc < 0 || rows)
		return rc < 0 ? rc : 0;
	/* no events: a task made by hand in the database, or none at all */
	if ((rc = peek(b, id, &p, err)) < 0)
		return rc;
	peek_release(&p);
	return 0;
}
