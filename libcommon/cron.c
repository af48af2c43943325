/*
 * cron.c: the tick, and the state and log in cron/cron.db (cron.h); one
 * run is cron_run.c.  The order of a run is what makes a kill harmless: the job
 * lock first (a run by hand and a tick cannot overlap), then one
 * transaction that writes the "running" row and moves next on, then the
 * child, then one transaction with the outcome.  A tick that dies leaves
 * a "running" row whose job lock is free, and the next tick says so.
 */
#include "common.h"
#include "cron.h"
#include "cron_int.h"
#include "db.h"
#include "jobs.h"
#include "lock.h"
#include "path.h"
#include "timeutil.h"
#define MAX_MISSED	100000		/* slots counted for a catch-up */

static void drop_map(struct cron *c);


static const char *const schema[] = {
	"CREATE TABLE state (job TEXT PRIMARY KEY, next INTEGER,"
	" last INTEGER, last_status TEXT, done INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE runs (id INTEGER PRIMARY KEY, job TEXT NOT NULL,"
	" due INTEGER, started INTEGER, finished INTEGER,"
	" status TEXT NOT NULL, output TEXT, note TEXT, session TEXT);"
	"CREATE INDEX runs_job ON runs(job, id);"
};

int
cron_open(struct cron **cp, const struct config *cfg, struct buf *err)
{
	struct cron *c;
	char *path = hm_path("cron/cron.db");
	int rc;

	*cp = NULL;
	if ((rc = hm_mkparents(path, err)) < 0) {
		free(path);
		return rc;
	}
	c = xcalloc(1, sizeof(*c));
	c->cfg = cfg;
	c->db = db_open(path, err);
	free(path);
	rc = c->db ? db_migrate(c->db, schema, (int)HM_ARRAY_SIZE(schema),
	    err) : -HM_EIO;
	if (rc < 0) {
		cron_close(c);
		return rc;
	}
	*cp = c;
	return 0;
}

void
cron_close(struct cron *c)
{
	if (!c)
		return;
	drop_map(c);
	db_close(c->db);
	free(c);
}

static char *
job_lock(const char *id)
{
	struct buf rel = BUF_INIT;
	char *p;

	buf_addf(&rel, "cron/locks/.%s.lock", id);	/* dot: the daemon's
							 * watch skips it */
	p = hm_path(rel.s);
	buf_release(&rel);
	return p;
}

/* ---- state ---- */

/* One row of state, as read. */
struct srow {
	char *job;
	struct cron_state st;
	int found;
};

static void
fill(struct db_stmt *q, int col, struct cron_state *st, int *found)
{
	const char *s;

	/* a row made by a run by hand has no next yet */
	*found = !db_column_is_null(q, col) || db_column_int64(q, col + 3);
	st->next = db_column_int64(q, col + 3) ? 0 :
	    (time_t)db_column_int64(q, col);
	st->last = (time_t)db_column_int64(q, col + 1);
	s = db_column_text(q, col + 2);
	snprintf(st->last_status, sizeof(st->last_status), "%s", s ? s : "");
}

static int
by_job(const void *a, const void *b)
{
	return strcmp(((const struct srow *)a)->job,
	    ((const struct srow *)b)->job);
}

/* Every job's state in one query (one read transaction, not one per
 * job: a thousand jobs cost a thousand lock round trips otherwise),
 * for a tick to look up. */
static int
load_map(struct cron *c, struct buf *err)
{
	struct db_stmt *q;
	size_t cap = 0;
	int rc;

	q = db_prepare(c->db, "SELECT job, next, last, last_status, done FROM"
	    " state", err);
	if (!q)
		return -HM_EFAIL;
	while ((rc = db_step(q, err)) == 1) {
		if (c->nmap == cap) {
			cap = cap ? 2 * cap : 64;
			c->map = xrealloc(c->map, cap * sizeof(*c->map));
		}
		memset(&c->map[c->nmap], 0, sizeof(*c->map));
		c->map[c->nmap].job = db_column_dup(q, 0);
		fill(q, 1, &c->map[c->nmap].st, &c->map[c->nmap].found);
		c->nmap++;
	}
	db_finalize(q);
	if (c->nmap)
		qsort(c->map, c->nmap, sizeof(*c->map), by_job);
	c->mapped = rc == 0;
	return rc < 0 ? rc : 0;
}

static void
drop_map(struct cron *c)
{
	size_t i;

	for (i = 0; i < c->nmap; i++)
		free(c->map[i].job);
	free(c->map);
	c->map = NULL;
	c->nmap = 0;
	c->mapped = 0;
}

static int
read_state(struct cron *c, const char *id, struct cron_state *st, int *found,
    struct buf *err)
{
	struct srow key, *hit;
	struct db_stmt *q;
	int rc;

	memset(st, 0, sizeof(*st));
	*found = 0;
	if (c->mapped) {
		key.job = (char *)id;
		hit = c->nmap ? bsearch(&key, c->map, c->nmap,
		    sizeof(*c->map), by_job) : NULL;
		if (hit) {
			*st = hit->st;
			*found = hit->found;
		}
		return 0;
	}
	q = db_prepare(c->db, "SELECT next, last, last_status, done FROM state"
	    " WHERE job = ?1", err);
	if (!q)
		return -HM_EFAIL;
	db_bind_text(q, 1, id);
	rc = db_step(q, err);
	if (rc == 1) {
		fill(q, 0, st, found);
		rc = 0;
	}
	db_finalize(q);
	return rc;
}

static int
write_next(struct cron *c, const char *id, time_t next, struct buf *err)
{
	struct db_stmt *q = db_prepare(c->db, "INSERT INTO state (job, next,"
	    " done) VALUES (?1, ?2, ?3) ON CONFLICT(job) DO UPDATE SET"
	    " next = ?2, done = ?3", err);
	int rc;

	if (!q)
		return -HM_EFAIL;
	db_bind_text(q, 1, id);
	db_bind_int64(q, 2, next);
	db_bind_int64(q, 3, next ? 0 : 1);
	rc = db_step(q, err);
	db_finalize(q);
	return rc < 0 ? rc : 0;
}

/* The slot after t (strictly), or 0 when there is none. */
static time_t
slot_after(const struct job *j, time_t t, time_t anchor)
{
	time_t n;

	return schedule_next(&j->sched, t, anchor, &n) == 0 ? n : 0;
}

/* Is job id running (its lock held)? */
static int
held(const char *id)
{
	char *p = job_lock(id);
	int r = lock_held(p);

	free(p);
	return r == 1;
}

/* The state without asking whether the job runs (a tick does not need
 * to: it takes the job's lock itself). */
static int
get_state(struct cron *c, const struct job *job, time_t now,
    struct cron_state *st, struct buf *err)
{
	int found, rc;
	time_t from;

	if ((rc = read_state(c, job->id, st, &found, err)) < 0)
		return rc;
	if (!found) {
		/* first sight: the first slot after the job was made */
		from = job->created ? job->created - 1 : now;
		st->next = slot_after(job, from, job->created ? job->created :
		    now);
		if ((rc = write_next(c, job->id, st->next, err)) < 0)
			return rc;
	}
	return 0;
}

int
cron_get_state(struct cron *c, const struct job *job, time_t now,
    struct cron_state *st, struct buf *err)
{
	int rc = get_state(c, job, now, st, err);

	if (rc == 0)
		st->running = held(job->id);
	return rc;
}

/* ---- the log ---- */

static int64_t
add_row(struct cron *c, const char *job, time_t due, time_t started,
    const char *status, const char *note, struct buf *err)
{
	struct db_stmt *q = db_prepare(c->db, "INSERT INTO runs (job, due,"
	    " started, finished, status, note) VALUES (?1, ?2, ?3, ?4, ?5,"
	    " ?6)", err);
	int rc;

	if (!q)
		return -HM_EFAIL;
	db_bind_text(q, 1, job);
	db_bind_int64(q, 2, due);
	db_bind_int64(q, 3, started);
	if (strcmp(status, "running"))
		db_bind_int64(q, 4, started);
	else
		db_bind_null(q, 4);
	db_bind_text(q, 5, status);
	if (note)
		db_bind_text(q, 6, note);
	else
		db_bind_null(q, 6);
	rc = db_step(q, err);
	db_finalize(q);
	return rc < 0 ? rc : db_last_id(c->db);
}

/* A row and the new next run, in one transaction. */
static int64_t
record(struct cron *c, const struct job *job, time_t due, time_t now,
    time_t next, const char *status, const char *note, struct buf *err)
{
	int64_t id;
	int rc;

	if ((rc = db_begin(c->db, err)) < 0)
		return rc;
	id = add_row(c, job->id, due, now, status, note, err);
	if (id > 0 && next >= 0)
		id = (rc = write_next(c, job->id, next, err)) < 0 ? rc : id;
	if (id > 0 && (rc = db_commit(c->db, err)) < 0)
		id = rc;
	if (id < 0)
		db_rollback(c->db);
	return id;
}

int
cron_finish_row(struct cron *c, const char *job, int64_t row, time_t started,
    time_t finished, const char *status, const char *output,
    const char *note, const char *session, struct buf *err)
{
	struct db_stmt *q;
	int rc;

	if ((rc = db_begin(c->db, err)) < 0)
		return rc;
	q = db_prepare(c->db, "UPDATE runs SET finished = ?2, status = ?3,"
	    " output = ?4, note = ?5, session = ?6 WHERE id = ?1", err);
	if (!q) {
		db_rollback(c->db);
		return -HM_EFAIL;
	}
	db_bind_int64(q, 1, row);
	db_bind_int64(q, 2, finished);
	db_bind_text(q, 3, status);
	if (output)
		db_bind_text(q, 4, output);
	else
		db_bind_null(q, 4);
	if (note)
		db_bind_text(q, 5, note);
	else
		db_bind_null(q, 5);
	if (session)
		db_bind_text(q, 6, session);
	else
		db_bind_null(q, 6);
	rc = db_step(q, err);
	db_finalize(q);
	if (rc >= 0) {
		q = db_prepare(c->db, "INSERT INTO state (job, last,"
		    " last_status) VALUES (?1, ?2, ?3) ON CONFLICT(job) DO"
		    " UPDATE SET last = ?2, last_status = ?3", err);
		if (!q) {
			rc = -HM_EFAIL;
		} else {
			db_bind_text(q, 1, job);
			db_bind_int64(q, 2, started);
			db_bind_text(q, 3, status);
			rc = db_step(q, err);
			db_finalize(q);
		}
	}
	if (rc >= 0)
		rc = db_commit(c->db, err);
	if (rc < 0)
		db_rollback(c->db);
	return rc < 0 ? rc : 0;
}

int
cron_log(struct cron *c, const char *job, long limit,
    int (*fn)(const struct cron_row *r, void *ctx), void *ctx,
    struct buf *err)
{
	struct db_stmt *q;
	struct cron_row r;
	int rc;

	q = db_prepare(c->db, "SELECT id, job, due, started, finished, status,"
	    " output, note, session FROM (SELECT * FROM runs WHERE ?1 IS NULL"
	    " OR job = ?1 ORDER BY id DESC LIMIT ?2) ORDER BY id", err);
	if (!q)
		return -HM_EFAIL;
	if (job)
		db_bind_text(q, 1, job);
	else
		db_bind_null(q, 1);
	db_bind_int64(q, 2, limit > 0 ? limit : -1);
	while ((rc = db_step(q, err)) == 1) {
		r.id = db_column_int64(q, 0);
		r.job = db_column_text(q, 1);
		r.due = (time_t)db_column_int64(q, 2);
		r.started = (time_t)db_column_int64(q, 3);
		r.finished = (time_t)db_column_int64(q, 4);
		r.status = db_column_text(q, 5);
		r.output = db_column_text(q, 6);
		r.note = db_column_text(q, 7);
		r.session = db_column_text(q, 8);
		if ((rc = fn(&r, ctx)) != 0)
			break;
	}
	db_finalize(q);
	return rc < 0 ? rc : 0;
}

int
cron_forget(struct cron *c, const char *id, struct buf *err)
{
	struct db_stmt *q = db_prepare(c->db, "DELETE FROM state WHERE job ="
	    " ?1", err);
	int rc;

	if (!q)
		return -HM_EFAIL;
	db_bind_text(q, 1, id);
	rc = db_step(q, err);
	db_finalize(q);
	return rc < 0 ? rc : 0;
}

/* Runs left "running" by a process that is gone. */
static int
sweep(struct cron *c, time_t now, struct buf *err)
{
	struct db_stmt *q;
	int64_t ids[64];
	char *jobs[64];
	size_t n = 0, i;
	int rc = 0;

	q = db_prepare(c->db, "SELECT id, job FROM runs WHERE status ="
	    " 'running' LIMIT 64", err);
	if (!q)
		return -HM_EFAIL;
	while (n < 64 && (rc = db_step(q, err)) == 1) {
		if (held(db_column_text(q, 1)))
			continue;
		ids[n] = db_column_int64(q, 0);
		jobs[n++] = db_column_dup(q, 1);
	}
	db_finalize(q);
	for (i = 0; i < n; i++) {
		if (rc >= 0)
			rc = cron_finish_row(c, jobs[i], ids[i], now, now, "error",
			    NULL, "the run was killed before it finished "
			    "(its process is gone)", NULL, err);
		free(jobs[i]);
	}
	return rc < 0 ? rc : 0;
}

/* Why a due run is late, or NULL when it is not. */
static void
lateness(const struct job *job, time_t due, time_t now, long missed,
    struct buf *why)
{
	long period = schedule_period(&job->sched), grace = period / 2;
	struct buf d = BUF_INIT, t = BUF_INIT;

	if (grace < 120)
		grace = 120;
	if (grace > 7200)
		grace = 7200;
	if (now - due <= 60 && missed <= 1)
		return;
	tu_format_duration((long)(now - due), &d);
	tu_format_iso(due, &t);
	if (missed <= 1 && (now - due <= grace || job->sched.kind ==
	    SCHED_ONCE))
		buf_addf(why, "late by %s (due %s)", d.s, t.s);
	else if (missed <= 1)
		buf_addf(why, "catch-up run: due %s, %s ago, past the %lds "
		    "grace window", t.s, d.s, grace);
	else
		buf_addf(why, "catch-up run: %s%ld runs were due since %s; "
		    "this one stands for them all", missed >= MAX_MISSED ?
		    "over " : "", missed, t.s);
	buf_release(&d);
	buf_release(&t);
}

static int
tick_job(struct cron *c, const struct job *job, time_t now, int *ran,
    struct buf *err)
{
	struct cron_state st;
	struct buf why = BUF_INIT;
	time_t due, next, t;
	char *lp;
	long missed = 1;
	int64_t row;
	int lk, rc;

	if ((rc = get_state(c, job, now, &st, err)) < 0)
		return rc;
	if (!st.next || st.next > now)
		return 0;
	due = st.next;
	for (t = due; missed < MAX_MISSED && (t = slot_after(job, t, due)) &&
	    t <= now; missed++)
		;
	next = job->sched.kind == SCHED_ONCE ? 0 : slot_after(job, now, due);
	if (job->paused) {
		buf_addf(&why, "paused: %ld due run%s not made", missed,
		    missed == 1 ? "" : "s");
		row = record(c, job, due, now, next, "skipped", why.s, err);
		buf_release(&why);
		return row < 0 ? (int)row : 0;
	}
	lp = job_lock(job->id);
	lk = lock_take(lp, LOCK_EX | LOCK_NB, err);
	free(lp);
	if (lk == -HM_ECONFLICT) {
		buf_reset(err);
		row = record(c, job, due, now, next, "skipped", "locked: the "
		    "job was still running (its lock is held)", err);
		return row < 0 ? (int)row : 0;
	}
	if (lk < 0)
		return lk;
	lateness(job, due, now, missed, &why);
	row = record(c, job, due, now, next, "running", why.len ? why.s :
	    NULL, err);
	if (row > 0) {
		(*ran)++;
		rc = cron_execute(c, job, row, due, now, why.len ? why.s : NULL,
		    NULL, err);
	} else {
		rc = (int)row;
	}
	lock_release(lk);
	buf_release(&why);
	return rc;
}

int
cron_tick(struct cron *c, const struct jobs *j, time_t now, int *ran,
    struct buf *err)
{
	char *lp = hm_path("cron/.lock");
	size_t i;
	int lk, rc = 0;

	*ran = 0;
	lk = lock_take(lp, LOCK_EX | LOCK_NB, err);
	free(lp);
	if (lk == -HM_ECONFLICT) {
		buf_reset(err);
		return CRON_BUSY;
	}
	if (lk < 0)
		return lk;
	rc = sweep(c, now, err);
	if (rc == 0)
		rc = load_map(c, err);	/* a job's row is read before it is
					 * written, never after */
	for (i = 0; rc == 0 && i < j->n; i++)
		rc = tick_job(c, &j->v[i], now, ran, err);
	drop_map(c);
	lock_release(lk);
	return rc;
}

int
cron_run(struct cron *c, const struct job *job, time_t now, char *status,
    struct buf *err)
{
	char *lp = job_lock(job->id);
	int64_t row;
	int lk, rc;

	lk = lock_take(lp, LOCK_EX | LOCK_NB, err);
	free(lp);
	if (lk == -HM_ECONFLICT) {
		buf_reset(err);
		return hm_fail(err, HM_ECONFLICT, "job %s is running", job->id);
	}
	if (lk < 0)
		return lk;
	row = record(c, job, now, now, -1, "running", "run by hand", err);
	rc = row > 0 ? cron_execute(c, job, row, now, now, "run by hand", status,
	    err) : (int)row;
	lock_release(lk);
	return rc;
}

time_t
cron_earliest(struct cron *c, const struct jobs *j, time_t now)
{
	struct cron_state st;
	struct buf err = BUF_INIT;
	time_t best = 0;
	size_t i;

	load_map(c, &err);
	for (i = 0; i < j->n; i++) {
		buf_reset(&err);
		if (get_state(c, &j->v[i], now, &st, &err) < 0 ||
		    !st.next)
			continue;
		if (!best || st.next < best)
			best = st.next;
	}
	drop_map(c);
	buf_release(&err);
	return best;
}
