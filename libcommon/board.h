/*
 * board.h: the kanban board, $HERMES_HOME/kanban.db (SQLite through
 * db.h: WAL, busy timeout, one IMMEDIATE transaction per action).
 *
 * Tables:
 *   tasks(id TEXT PRIMARY KEY "t_" + 8 hex, title, body, assignee
 *     (profile name or NULL), priority INTEGER (higher first, default 0),
 *     status (todo ready claimed done failed blocked), result, reason
 *     (why blocked/failed), repo (path or NULL), workspace, branch,
 *     attempts INTEGER, created, updated (unix seconds),
 *     claim_worker TEXT, claim_pid INTEGER, lease INTEGER (expiry, unix
 *     seconds), heartbeat INTEGER)
 *   links(child, parent): "child needs parent"; no cycles
 *   comments(id, task, author, body, created)
 *   events(id INTEGER PRIMARY KEY, task, kind, actor, detail, at): every
 *     state change (add, link, demote, promote, claim, pid, heartbeat,
 *     complete, block, unblock, fail, reclaim, comment, workspace, rm)
 *     with who did it (actor: a worker name such as "pid:1234", "cli"
 *     for a NULL actor, "dispatch" for promote sweeps and workspaces)
 *     and when.  Events outlive board_rm; a comment's event carries its
 *     text.
 *
 * Status moves:
 *   add: todo when it has an unfinished parent (any status but done),
 *     else ready.
 *   link: refused for a self-link or a cycle (-HM_EINVAL naming the
 *     chain: "linking t_a to t_b would make a cycle: t_b needs t_a"); a
 *     link that exists is a no-op.  A ready child of an unfinished
 *     parent goes back to todo (a "demote" event); claimed, blocked and
 *     done children keep their status.
 *   promote (board_promote, also run by add, complete and rm for the
 *     tasks concerned): a todo task whose every parent is done becomes
 *     ready.
 *   claim: ready -> claimed, in one compare-and-swap UPDATE ... WHERE
 *     status = 'ready' (two claimers never both win: the loser gets
 *     -HM_ECONFLICT "task t_x is claimed, not ready"); sets
 *     claim_worker (worker, "cli" when NULL), claim_pid, lease = now +
 *     ttl, heartbeat = now, attempts + 1.  claim_next takes the ready
 *     task with the highest priority, then the oldest (created, then
 *     insertion order).
 *   heartbeat: claimed only; lease = now + ttl, heartbeat = now.
 *   complete: claimed -> done with result; the CLI may complete any
 *     task not done yet.  Children are promoted.
 *   block: todo, ready or claimed -> blocked with reason.
 *   unblock: blocked -> ready (todo when a parent is unfinished), reason
 *     cleared and attempts reset to 0 (a person said "try again").
 *   fail (board_fail, a worker that exited without completing) and
 *     reclaim (board_reclaim, every claimed task whose lease < now):
 *     claimed -> ready (todo when a parent has become unfinished), or
 *     -> blocked with reason "failed N attempts: WHY" once attempts >=
 *     max_attempts (max_attempts < 1: no limit).
 *   rm: the task, its links both ways and its comments go; children
 *     that waited only on it are promoted.
 * Leaving claimed (complete, block, fail, reclaim) clears claim_worker,
 * claim_pid, lease and heartbeat; the events keep who held it.  Status
 * "failed" is never set here; it is kept for the schema and for lists.
 * A worker may only complete, block, heartbeat or comment a task it
 * holds when it passes its worker name (-HM_ECONFLICT "task t_x is held
 * by W", or "task t_x is ready, not claimed"); the CLI (worker or author
 * NULL, recorded as "cli") may act on any task.
 *
 * Ids are "t_" + 8 hex digits from getrandom(2).  Every action is one
 * IMMEDIATE transaction, its events row included; reads take no write
 * lock.  Text (title, body, result, reason, comment) must be UTF-8;
 * an assignee must be a valid profile name (path.h hm_valid_name).
 */
#ifndef HM_BOARD_H
#define HM_BOARD_H

#include <stdint.h>
#include <time.h>

struct buf;
struct board;

enum task_status { TASK_TODO, TASK_READY, TASK_CLAIMED, TASK_DONE,
	TASK_FAILED, TASK_BLOCKED };

struct task {
	char *id, *title, *body, *assignee, *result, *reason, *repo;
	char *workspace, *branch, *claim_worker;
	enum task_status status;
	long priority, attempts;
	int64_t claim_pid;
	time_t created, updated, lease, heartbeat;
	char **parents;			/* NULL-terminated ids */
};

struct task_new {
	const char *title, *body, *assignee, *repo;
	long priority;
	const char *const *needs;	/* parent ids, NULL-terminated */
};

int board_open(struct board **b, struct buf *err);
void board_close(struct board *b);

const char *task_status_name(enum task_status s);
int task_status_parse(const char *s, enum task_status *out);
void task_release(struct task *t);

/* Every function returns 0 or -HM_E* with one line in err:
 * -HM_ENOTFOUND for an unknown id ("no task 't_x'", also an unknown
 * parent in needs: then nothing is added), -HM_ECONFLICT for a lost race
 * or a task in the wrong state, -HM_EINVAL for bad input (an empty
 * title, text that is not UTF-8, a link that makes a cycle, a bad
 * status).  On an error nothing changed.  *id and the task's strings
 * are malloc'd for the caller (task_release). */
int board_add(struct board *b, const struct task_new *n, const char *actor,
    char **id, struct buf *err);
int board_link(struct board *b, const char *child, const char *parent,
    const char *actor, struct buf *err);
int board_get(struct board *b, const char *id, struct task *t,
    struct buf *err);
/* status < 0: all.  Calls fn for each task (priority desc, created,
 * insertion) with parents filled in; fn returns 0 to go on, anything
 * else stops the walk and is returned.  The rows are read first, so fn
 * may change the board; t is valid only during the call. */
int board_list(struct board *b, int status,
    int (*fn)(const struct task *t, void *ctx), void *ctx,
    struct buf *err);
int board_claim(struct board *b, const char *id, const char *worker,
    int64_t pid, long ttl, time_t now, struct buf *err);
/* The next ready task of any assignee; *id NULL when none (then no
 * write lock is taken).  _for: only tasks of assignee (NULL: any). */
int board_claim_next(struct board *b, const char *worker, int64_t pid,
    long ttl, time_t now, char **id, struct buf *err);
int board_claim_next_for(struct board *b, const char *assignee,
    const char *worker, int64_t pid, long ttl, time_t now, char **id,
    struct buf *err);
int board_heartbeat(struct board *b, const char *id, const char *worker,
    long ttl, time_t now, struct buf *err);
int board_complete(struct board *b, const char *id, const char *worker,
    const char *result, struct buf *err);
int board_block(struct board *b, const char *id, const char *worker,
    const char *reason, struct buf *err);
int board_unblock(struct board *b, const char *id, const char *actor,
    struct buf *err);
/* text must not be blank; author as the worker above. */
int board_comment(struct board *b, const char *id, const char *author,
    const char *text, struct buf *err);
/* A claimed task whose worker is gone: back to ready, or blocked after
 * max_attempts.  why (NULL: "the worker exited") goes into the event
 * and the reason. */
int board_fail(struct board *b, const char *id, const char *why,
    long max_attempts, struct buf *err);
/* Expired leases: each goes through board_fail (event "reclaim", why
 * "lease expired"), one transaction each; *n how many.  fn (may be
 * NULL) is told each task and its old claim_pid first, so the caller
 * can stop that worker before the task is offered again; a task whose
 * worker completed or renewed in the meantime is left alone. */
int board_reclaim(struct board *b, time_t now, long max_attempts,
    void (*fn)(const char *id, int64_t pid, void *ctx), void *ctx,
    size_t *n, struct buf *err);
int board_promote(struct board *b, size_t *n, struct buf *err);
/* Any task; an event "workspace" (actor "dispatch"). */
int board_set_workspace(struct board *b, const char *id, const char *dir,
    const char *branch, struct buf *err);
/* Events stay, so board_history still answers for a removed task. */
int board_rm(struct board *b, const char *id, const char *actor,
    struct buf *err);
/* Record the process of the worker that holds the claim (the dispatcher
 * claims, then starts the worker); worker must match the claim. */
int board_set_pid(struct board *b, const char *id, const char *worker,
    int64_t pid, struct buf *err);
/* Comments and events of a task, oldest first, as "AT\tKIND\tACTOR\t
 * DETAIL" lines appended to out: AT in ISO 8601 local time
 * (tu_format_iso), tabs and line ends in fields turned into spaces.
 * Comments are the "comment" events. */
int board_history(struct board *b, const char *id, struct buf *out,
    struct buf *err);
/* How many tasks each status has: n[TASK_TODO] .. n[TASK_BLOCKED]. */
int board_count(struct board *b, long *n, struct buf *err);
/* Claims currently held (status claimed): for the dispatcher. */
int board_claimed(struct board *b,
    int (*fn)(const struct task *t, void *ctx), void *ctx,
    struct buf *err);

#endif
