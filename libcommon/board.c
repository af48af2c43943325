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
#include "board_int.h"
#include "db.h"
#include "path.h"
#include "timeutil.h"
#include "utf8.h"

#define ID_TRIES	16	/* fresh ids tried before giving up */
#define ASSIGNEE_MAX	64	/* as HERMES_PROFILE */


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


/* A growable list of tasks or ids. */
struct tasks {
	struct task *v;
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
struct db_stmt *
bd_prep(struct board *b, const char *sql, int *rc, struct buf *err)
{
	struct db_stmt *st = db_prepare(b->db, sql, err);

	*rc = st ? 0 : -HM_EFAIL;
	return st;
}

/* Step a statement that returns no rows, and finalize it. */
int
bd_run(struct db_stmt *st, struct buf *err)
{
	int rc = db_step(st, err);

	db_finalize(st);
	return rc < 0 ? rc : 0;
}

/* End the transaction an action began: commit when rc >= 0. */
int
bd_finish(struct board *b, int rc, struct buf *err)
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

void
bd_ids_add(struct ids *l, const char *s)
{
	ids_addn(l, s ? s : "", s ? strlen(s) : 0);
}

void
bd_ids_release(struct ids *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void
bd_peek_release(struct peek *p)
{
	free(p->worker);
	free(p->title);
	memset(p, 0, sizeof(*p));
}

/* The state of task id, or -HM_ENOTFOUND. */
int
bd_peek(struct board *b, const char *id, struct peek *p, struct buf *err)
{
	struct db_stmt *st;
	int rc;

	memset(p, 0, sizeof(*p));
	st = bd_prep(b, "SELECT status, claim_worker, title, claim_pid, attempts,"
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
int
bd_held_by(const char *id, const struct peek *p, const char *worker,
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

int
bd_event(struct board *b, const char *task, const char *kind,
    const char *actor, const char *detail, time_t at, struct buf *err)
{
	struct db_stmt *st;
	int rc;

	st = bd_prep(b, "INSERT INTO events (task, kind, actor, detail, at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)", &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, task);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, actor ? actor : "cli");
	db_bind_text(st, 4, detail);
	db_bind_int64(st, 5, at);
	return bd_run(st, err);
}

/* *yes = 1 when task id has a parent that is not done. */
static int
unfinished(struct board *b, const char *id, int *yes, struct buf *err)
{
	struct db_stmt *st;
	int rc;

	*yes = 0;
	st = bd_prep(b, "SELECT EXISTS (SELECT 1 FROM links l JOIN tasks p ON"
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
int
bd_promote_one(struct board *b, const char *id, const char *actor,
    time_t now, size_t *n, struct buf *err)
{
	struct db_stmt *st;
	int rc;

	st = bd_prep(b, "UPDATE tasks SET status = 'ready', updated = ?2"
	    " WHERE id = ?1 AND status = 'todo' AND NOT EXISTS (SELECT 1"
	    " FROM links l JOIN tasks p ON p.id = l.parent WHERE l.child = ?1"
	    " AND p.status != 'done')", &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, id);
	db_bind_int64(st, 2, now);
	if ((rc = bd_run(st, err)) < 0 || db_changes(b->db) != 1)
		return rc;
	if (n)
		(*n)++;
	return bd_event(b, id, "promote", actor, "ready", now, err);
}

/* Promote the todo children of parent (NULL: every todo task). */
int
bd_promote_children(struct board *b, const char *parent, const char *actor,
    time_t now, size_t *n, struct buf *err)
{
	struct ids l = { 0 };
	struct db_stmt *st;
	size_t i;
	int rc;

	if (parent)
		st = bd_prep(b, "SELECT t.id FROM links k JOIN tasks t ON"
		    " t.id = k.child WHERE k.parent = ?1 AND t.status = 'todo'"
		    " ORDER BY t.rowid", &rc, err);
	else
		st = bd_prep(b, "SELECT id FROM tasks WHERE status = 'todo'"
		    TASK_ORDER, &rc, err);
	if (!st)
		return rc;
	if (parent)
		db_bind_text(st, 1, parent);
	while ((rc = db_step(st, err)) == 1)
		bd_ids_add(&l, db_column_text(st, 0));
	db_finalize(st);
	for (i = 0; rc == 0 && i < l.n; i++)
		rc = bd_promote_one(b, l.v[i], actor, now, n, err);
	bd_ids_release(&l);
	return rc;
}

/* The status a task opens to: todo while a parent is unfinished. */
int
bd_open_status(struct board *b, const char *id, enum task_status *s,
    struct buf *err)
{
	int rc, yes;

	if ((rc = unfinished(b, id, &yes, err)) < 0)
		return rc;
	*s = yes ? TASK_TODO : TASK_READY;
	return 0;
}

/* Leave "claimed" (or any state) for s with reason; claim cleared. */
int
bd_set_status(struct board *b, const char *id, enum task_status s,
    const char *reason, time_t now, struct buf *err)
{
	struct db_stmt *st;
	int rc;

	st = bd_prep(b, "UPDATE tasks SET status = ?2, reason = ?3, updated = ?4,"
	    " claim_worker = NULL, claim_pid = NULL, lease = NULL,"
	    " heartbeat = NULL WHERE id = ?1", &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, task_status_name(s));
	db_bind_text(st, 3, reason);
	db_bind_int64(st, 4, now);
	return bd_run(st, err);
}

int
bd_is_blank(const char *s)
{
	for (; s && *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

/* Text that is stored must be UTF-8 (NULL is fine). */
int
bd_check_text(const char *what, const char *s, struct buf *err)
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
		x = ((uint32_t)tu_now() * 2654435761u) ^
		    ((uint32_t)getpid() << 12) ^ (++counter * 40503u);
		memcpy(r, &x, sizeof(r));
	}
	snprintf(id, size, "t_%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
}

static int
check_new(const struct task_new *n, struct buf *err)
{
	int rc;

	if (!n || !n->title || bd_is_blank(n->title))
		return hm_fail(err, HM_EINVAL, "a task needs a title");
	if ((rc = bd_check_text("the title", n->title, err)) < 0 ||
	    (rc = bd_check_text("the body", n->body, err)) < 0 ||
	    (rc = bd_check_text("the repo", n->repo, err)) < 0)
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
	st = bd_prep(b, "INSERT OR IGNORE INTO links (child, parent)"
	    " VALUES (?1, ?2)", &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, child);
	db_bind_text(st, 2, parent);
	if ((rc = bd_run(st, err)) == 0)
		*added = db_changes(b->db) == 1;
	return rc;
}

static int
insert_task(struct board *b, const struct task_new *n, enum task_status s,
    time_t now, char *id, size_t size, struct buf *err)
{
	struct db_stmt *st;
	int rc, tries;

	st = bd_prep(b, "INSERT OR IGNORE INTO tasks (id, title, body, assignee,"
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
		if ((rc = bd_peek(b, *p, &pk, err)) < 0)
			return rc;
		if (pk.status != TASK_DONE)
			s = TASK_TODO;
		bd_peek_release(&pk);
	}
	if ((rc = insert_task(b, n, s, now, id, size, err)) < 0 ||
	    (rc = bd_event(b, id, "add", actor, n->title, now, err)) < 0)
		return rc;
	for (p = n->needs; p && *p; p++) {
		if ((rc = insert_link(b, id, *p, &added, err)) < 0)
			return rc;
		if (added && (rc = bd_event(b, id, "link", actor, *p, now,
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
	rc = add_tx(b, n, actor, tu_now(), buf, sizeof(buf), err);
	if ((rc = bd_finish(b, rc, err)) < 0)
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

	st = bd_prep(b, "WITH RECURSIVE up(id) AS (SELECT ?1 UNION SELECT"
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
	st = bd_prep(b, "WITH RECURSIVE up(id, via) AS (SELECT ?1, NULL UNION"
	    " SELECT l.parent, l.child FROM links l JOIN up ON"
	    " l.child = up.id) SELECT id, via FROM up WHERE via IS NOT NULL",
	    &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, parent);
	while ((rc = db_step(st, err)) == 1) {
		bd_ids_add(&id, db_column_text(st, 0));
		bd_ids_add(&via, db_column_text(st, 1));
	}
	db_finalize(st);
	/* the graph is acyclic, so stepping back along via ends at parent */
	cur = child;
	bd_ids_add(&chain, cur);
	for (k = 0; rc == 0 && strcmp(cur, parent) && k <= id.n; k++) {
		for (i = 0, found = 0; i < id.n && !found; i++)
			if (!strcmp(id.v[i], cur))
				found = 1;
		if (!found)
			break;
		cur = via.v[i - 1];
		bd_ids_add(&chain, cur);
	}
	for (i = chain.n; i > 0; i--)
		buf_addf(&path, "%s%s", i < chain.n ? " needs " : "",
		    chain.v[i - 1]);
	if (rc == 0)
		rc = hm_fail(err, HM_EINVAL, "linking %s to %s would make a "
		    "cycle: %s", child, parent, path.s);
	buf_release(&path);
	bd_ids_release(&id);
	bd_ids_release(&via);
	bd_ids_release(&chain);
	return rc;
}

static int
link_tx(struct board *b, const char *child, const char *parent,
    const char *actor, struct buf *err)
{
	struct peek c, p;
	struct db_stmt *st;
	time_t now = tu_now();
	int rc, added, demote;

	if ((rc = bd_peek(b, child, &c, err)) < 0)
		return rc;
	if ((rc = bd_peek(b, parent, &p, err)) < 0)
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
		st = bd_prep(b, "UPDATE tasks SET status = 'todo', updated = ?2"
		    " WHERE id = ?1 AND status = 'ready'", &rc, err);
		if (!st)
			goto out;
		db_bind_text(st, 1, child);
		db_bind_int64(st, 2, now);
		if ((rc = bd_run(st, err)) < 0)
			goto out;
	}
	rc = bd_event(b, child, "link", actor, parent, now, err);
	if (rc == 0 && demote)
		rc = bd_event(b, child, "demote", actor, "todo", now, err);
out:
	bd_peek_release(&p);
out_c:
	bd_peek_release(&c);
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
	return bd_finish(b, link_tx(b, child, parent, actor, err), err);
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
	st = bd_prep(b, "SELECT " TASK_COLS " FROM tasks WHERE id = ?1", &rc,
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
		st = bd_prep(b, "SELECT " TASK_COLS " FROM tasks" TASK_ORDER, &rc,
		    err);
	else
		st = bd_prep(b, "SELECT " TASK_COLS " FROM tasks WHERE"
		    " status = ?1" TASK_ORDER, &rc, err);
	if (!st)
		return rc;
	if (status >= 0)
		db_bind_text(st, 1, status_names[status]);
	return walk(st, fn, ctx, err);
}

int
board_count(struct board *b, long *n, struct buf *err)
{
	enum task_status s;
	struct db_stmt *st;
	int rc;

	memset(n, 0, (TASK_BLOCKED + 1) * sizeof(*n));
	st = bd_prep(b, "SELECT status, count(*) FROM tasks GROUP BY status",
	    &rc, err);
	if (!st)
		return rc;
	while ((rc = db_step(st, err)) == 1)
		if (task_status_parse(db_column_text(st, 0), &s) == 0)
			n[s] = (long)db_column_int64(st, 1);
	db_finalize(st);
	return rc < 0 ? rc : 0;
}

int
board_claimed(struct board *b,
    int (*fn)(const struct task *t, void *ctx), void *ctx,
    struct buf *err)
{
	struct db_stmt *st;
	int rc;

	st = bd_prep(b, "SELECT " TASK_COLS " FROM tasks WHERE status ="
	    " 'claimed' ORDER BY lease, rowid", &rc, err);
	if (!st)
		return rc;
	return walk(st, fn, ctx, err);
}

