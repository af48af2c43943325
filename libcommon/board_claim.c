/*
 * board_claim.c: claims, leases, heartbeats and the other state changes
 * of a task (board.h); each one IMMEDIATE transaction with its event.
 */
#include <ctype.h>
#include <time.h>

#include "common.h"
#include "board.h"
#include "board_int.h"
#include "db.h"
#include "path.h"
#include "timeutil.h"
#include "utf8.h"

/* ---- claims ---- */

static int
claim_tx(struct board *b, const char *id, const char *worker, int64_t pid,
    long ttl, time_t now, struct buf *err)
{
	struct buf detail = BUF_INIT;
	struct db_stmt *st;
	struct peek p;
	int rc;

	st = bd_prep(b, "UPDATE tasks SET status = 'claimed', claim_worker = ?2,"
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
	if ((rc = bd_run(st, err)) < 0)
		return rc;
	if (db_changes(b->db) == 1) {
		buf_addf(&detail, "pid %lld", (long long)pid);
		rc = bd_event(b, id, "claim", worker, detail.s, now, err);
		buf_release(&detail);
		return rc;
	}
	/* lost: say why */
	if ((rc = bd_peek(b, id, &p, err)) < 0)
		return rc;
	rc = hm_fail(err, HM_ECONFLICT, "task %s is %s, not ready", id,
	    task_status_name(p.status));
	bd_peek_release(&p);
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
	return bd_finish(b, claim_tx(b, id, worker ? worker : "cli", pid, ttl,
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
		st = bd_prep(b, "SELECT id FROM tasks WHERE status = 'ready' AND"
		    " assignee = ?1" TASK_ORDER " LIMIT 1", &rc, err);
	else
		st = bd_prep(b, "SELECT id FROM tasks WHERE status = 'ready'"
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
	if ((rc = bd_finish(b, rc, err)) < 0) {
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

	if ((rc = bd_peek(b, id, &p, err)) < 0)
		return rc;
	if (p.status != TASK_CLAIMED)
		rc = hm_fail(err, HM_ECONFLICT, "task %s is %s, not claimed",
		    id, task_status_name(p.status));
	else
		rc = bd_held_by(id, &p, worker, err);
	if (rc < 0)
		goto out;
	st = bd_prep(b, "UPDATE tasks SET lease = ?2 + ?3, heartbeat = ?2"
	    " WHERE id = ?1", &rc, err);
	if (!st)
		goto out;
	db_bind_text(st, 1, id);
	db_bind_int64(st, 2, now);
	db_bind_int64(st, 3, ttl);
	if ((rc = bd_run(st, err)) < 0)
		goto out;
	buf_addf(&detail, "lease %lds", ttl);
	rc = bd_event(b, id, "heartbeat", worker ? worker : p.worker, detail.s,
	    now, err);
	buf_release(&detail);
out:
	bd_peek_release(&p);
	return rc;
}

int
board_heartbeat(struct board *b, const char *id, const char *worker,
    long ttl, time_t now, struct buf *err)
{
	int rc;

	if ((rc = db_begin(b->db, err)) < 0)
		return rc;
	return bd_finish(b, heartbeat_tx(b, id, worker, ttl, now, err), err);
}

static int
set_pid_tx(struct board *b, const char *id, const char *worker,
    int64_t pid, struct buf *err)
{
	struct buf detail = BUF_INIT;
	struct db_stmt *st;
	time_t now = tu_now();
	struct peek p;
	int rc;

	if ((rc = bd_peek(b, id, &p, err)) < 0)
		return rc;
	if (p.status != TASK_CLAIMED)
		rc = hm_fail(err, HM_ECONFLICT, "task %s is %s, not claimed",
		    id, task_status_name(p.status));
	else
		rc = bd_held_by(id, &p, worker, err);
	if (rc < 0)
		goto out;
	st = bd_prep(b, "UPDATE tasks SET claim_pid = ?2 WHERE id = ?1", &rc,
	    err);
	if (!st)
		goto out;
	db_bind_text(st, 1, id);
	db_bind_int64(st, 2, pid);
	if ((rc = bd_run(st, err)) < 0)
		goto out;
	buf_addf(&detail, "pid %lld", (long long)pid);
	rc = bd_event(b, id, "pid", worker ? worker : p.worker, detail.s, now,
	    err);
	buf_release(&detail);
out:
	bd_peek_release(&p);
	return rc;
}

int
board_set_pid(struct board *b, const char *id, const char *worker,
    int64_t pid, struct buf *err)
{
	int rc;

	if ((rc = db_begin(b->db, err)) < 0)
		return rc;
	return bd_finish(b, set_pid_tx(b, id, worker, pid, err), err);
}

/* ---- state changes ---- */

static int
complete_tx(struct board *b, const char *id, const char *worker,
    const char *result, struct buf *err)
{
	struct db_stmt *st;
	time_t now = tu_now();
	struct peek p;
	int rc;

	if ((rc = bd_peek(b, id, &p, err)) < 0)
		return rc;
	if (p.status == TASK_DONE)
		rc = hm_fail(err, HM_ECONFLICT, "task %s is done already", id);
	else
		rc = bd_held_by(id, &p, worker, err);
	if (rc < 0)
		goto out;
	if ((rc = bd_set_status(b, id, TASK_DONE, NULL, now, err)) < 0)
		goto out;
	st = bd_prep(b, "UPDATE tasks SET result = ?2 WHERE id = ?1", &rc, err);
	if (!st)
		goto out;
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, result);
	if ((rc = bd_run(st, err)) < 0 ||
	    (rc = bd_event(b, id, "complete", worker, result, now, err)) < 0)
		goto out;
	rc = bd_promote_children(b, id, worker, now, NULL, err);
out:
	bd_peek_release(&p);
	return rc;
}

int
board_complete(struct board *b, const char *id, const char *worker,
    const char *result, struct buf *err)
{
	int rc;

	if ((rc = bd_check_text("the result", result, err)) < 0)
		return rc;
	if ((rc = db_begin(b->db, err)) < 0)
		return rc;
	return bd_finish(b, complete_tx(b, id, worker, result, err), err);
}

static int
block_tx(struct board *b, const char *id, const char *worker,
    const char *reason, struct buf *err)
{
	time_t now = tu_now();
	struct peek p;
	int rc;

	if ((rc = bd_peek(b, id, &p, err)) < 0)
		return rc;
	if (p.status != TASK_TODO && p.status != TASK_READY &&
	    p.status != TASK_CLAIMED)
		rc = hm_fail(err, HM_ECONFLICT, "task %s is %s, not todo, "
		    "ready or claimed", id, task_status_name(p.status));
	else
		rc = bd_held_by(id, &p, worker, err);
	if (rc == 0 && (rc = bd_set_status(b, id, TASK_BLOCKED, reason, now,
	    err)) == 0)
		rc = bd_event(b, id, "block", worker, reason, now, err);
	bd_peek_release(&p);
	return rc;
}

int
board_block(struct board *b, const char *id, const char *worker,
    const char *reason, struct buf *err)
{
	int rc;

	if ((rc = bd_check_text("the reason", reason, err)) < 0)
		return rc;
	if ((rc = db_begin(b->db, err)) < 0)
		return rc;
	return bd_finish(b, block_tx(b, id, worker, reason, err), err);
}

static int
unblock_tx(struct board *b, const char *id, const char *actor,
    struct buf *err)
{
	enum task_status s;
	struct db_stmt *st;
	time_t now = tu_now();
	struct peek p;
	int rc;

	if ((rc = bd_peek(b, id, &p, err)) < 0)
		return rc;
	if (p.status != TASK_BLOCKED)
		rc = hm_fail(err, HM_ECONFLICT, "task %s is %s, not blocked",
		    id, task_status_name(p.status));
	bd_peek_release(&p);
	if (rc < 0 || (rc = bd_open_status(b, id, &s, err)) < 0 ||
	    (rc = bd_set_status(b, id, s, NULL, now, err)) < 0)
		return rc;
	/* a person unblocking means "try again": a fresh count */
	st = bd_prep(b, "UPDATE tasks SET attempts = 0 WHERE id = ?1", &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, id);
	if ((rc = bd_run(st, err)) < 0)
		return rc;
	return bd_event(b, id, "unblock", actor, task_status_name(s), now, err);
}

int
board_unblock(struct board *b, const char *id, const char *actor,
    struct buf *err)
{
	int rc;

	if ((rc = db_begin(b->db, err)) < 0)
		return rc;
	return bd_finish(b, unblock_tx(b, id, actor, err), err);
}

static int
comment_tx(struct board *b, const char *id, const char *author,
    const char *text, struct buf *err)
{
	struct db_stmt *st;
	time_t now = tu_now();
	struct peek p;
	int rc;

	if ((rc = bd_peek(b, id, &p, err)) < 0)
		return rc;
	rc = bd_held_by(id, &p, author, err);
	bd_peek_release(&p);
	if (rc < 0)
		return rc;
	st = bd_prep(b, "INSERT INTO comments (task, author, body, created)"
	    " VALUES (?1, ?2, ?3, ?4)", &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, author ? author : "cli");
	db_bind_text(st, 3, text);
	db_bind_int64(st, 4, now);
	if ((rc = bd_run(st, err)) < 0)
		return rc;
	return bd_event(b, id, "comment", author, text, now, err);
}

int
board_comment(struct board *b, const char *id, const char *author,
    const char *text, struct buf *err)
{
	int rc;

	if (!text || bd_is_blank(text))
		return hm_fail(err, HM_EINVAL, "a comment needs text");
	if ((rc = bd_check_text("the comment", text, err)) < 0)
		return rc;
	if ((rc = db_begin(b->db, err)) < 0)
		return rc;
	return bd_finish(b, comment_tx(b, id, author, text, err), err);
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
	time_t now = tu_now();
	struct peek p;
	int rc;

	*changed = 0;
	if ((rc = bd_peek(b, id, &p, err)) < 0)
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
		if ((rc = bd_open_status(b, id, &s, err)) < 0)
			goto out;
		buf_addf(&reason, "%s (attempt %ld)", why, p.attempts);
	}
	if ((rc = bd_set_status(b, id, s, s == TASK_BLOCKED ? reason.s : NULL,
	    now, err)) < 0)
		goto out;
	buf_addf(&reason, "; %s", task_status_name(s));
	if ((rc = bd_event(b, id, kind, p.worker, reason.s, now, err)) == 0)
		*changed = 1;
out:
	buf_release(&reason);
	bd_peek_release(&p);
	return rc;
}

int
board_fail(struct board *b, const char *id, const char *why,
    long max_attempts, struct buf *err)
{
	int rc, changed;

	if (!why || !*why)
		why = "the worker exited";
	if ((rc = bd_check_text("the reason", why, err)) < 0)
		return rc;
	if ((rc = db_begin(b->db, err)) < 0)
		return rc;
	return bd_finish(b, fail_tx(b, id, "fail", NULL, why, max_attempts,
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
	st = bd_prep(b, "SELECT id, claim_pid FROM tasks WHERE status ="
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
		bd_ids_add(&l, db_column_text(st, 0));
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
		rc = bd_finish(b, fail_tx(b, l.v[i], "reclaim", &seen,
		    "lease expired", max_attempts, &changed, err), err);
		if (rc == 0 && changed && n)
			(*n)++;
	}
	free(pids);
	bd_ids_release(&l);
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
	rc = bd_finish(b, bd_promote_children(b, NULL, "dispatch", tu_now(), &k,
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
	time_t now = tu_now();
	struct peek p;
	int rc;

	if ((rc = bd_peek(b, id, &p, err)) < 0)
		return rc;
	bd_peek_release(&p);
	st = bd_prep(b, "UPDATE tasks SET workspace = ?2, branch = ?3,"
	    " updated = ?4 WHERE id = ?1", &rc, err);
	if (!st)
		return rc;
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, dir);
	db_bind_text(st, 3, branch);
	db_bind_int64(st, 4, now);
	if ((rc = bd_run(st, err)) < 0)
		return rc;
	buf_addf(&detail, "%s%s%s", dir ? dir : "-", branch ? " " : "",
	    branch ? branch : "");
	rc = bd_event(b, id, "workspace", "dispatch", detail.s, now, err);
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
	return bd_finish(b, workspace_tx(b, id, dir, branch, err), err);
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
	time_t now = tu_now();
	struct peek p;
	size_t i;
	int rc;

	if ((rc = bd_peek(b, id, &p, err)) < 0)
		return rc;
	st = bd_prep(b, "SELECT child FROM links WHERE parent = ?1", &rc, err);
	if (!st)
		goto out;
	db_bind_text(st, 1, id);
	while ((rc = db_step(st, err)) == 1)
		bd_ids_add(&kids, db_column_text(st, 0));
	db_finalize(st);
	for (i = 0; rc == 0 && i < HM_ARRAY_SIZE(del); i++) {
		if (!(st = bd_prep(b, del[i], &rc, err)))
			break;
		db_bind_text(st, 1, id);
		rc = bd_run(st, err);
	}
	if (rc == 0)
		rc = bd_event(b, id, "rm", actor, p.title, now, err);
	for (i = 0; rc == 0 && i < kids.n; i++)
		rc = bd_promote_one(b, kids.v[i], actor, now, NULL, err);
out:
	bd_ids_release(&kids);
	bd_peek_release(&p);
	return rc;
}

int
board_rm(struct board *b, const char *id, const char *actor,
    struct buf *err)
{
	int rc;

	if ((rc = db_begin(b->db, err)) < 0)
		return rc;
	return bd_finish(b, rm_tx(b, id, actor, err), err);
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

	st = bd_prep(b, "SELECT at, kind, actor, detail FROM events WHERE"
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
	if ((rc = bd_peek(b, id, &p, err)) < 0)
		return rc;
	bd_peek_release(&p);
	return 0;
}
