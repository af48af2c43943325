/*
 * dispatch.h: the kanban dispatcher (hermes-kanban dispatch): workers for
 * ready tasks, each a hermes-ask child in its own process group.
 *
 * One dispatcher per state directory: it holds flock(.kanban-dispatch.
 * lock) while it runs; a second one gets -HM_ECONFLICT (exit 4).  Each
 * pass: reap exited workers (a worker that ended without completing or
 * blocking its task is a failed attempt), stop and fail workers past
 * kanban.timeout (monotonic seconds since the worker started), renew the
 * leases of the workers alive once half their lease has gone, reclaim
 * expired leases of other holders (stopping the old worker first when it
 * is a process of ours, checked by its HERMES_KANBAN_TASK, so a task
 * never has two live workers), promote todo tasks whose parents are
 * done, then claim and start workers up to max (kanban.max_workers,
 * fewer when available memory would not hold them: 256 MiB each).  A
 * worker that cannot start is a failed attempt too, and ends the pass's
 * starts (the next pass tries again).
 *
 * A worker: `hermes-ask --json -q --source kanban PROMPT` with stdin
 * /dev/null, HERMES_PROFILE = the task's assignee, HERMES_KANBAN_TASK and
 * HERMES_KANBAN_WORKER set (the board tools, tool_kanban.c, work on that
 * task as that worker), its output appended to logs/kanban-ID.log, in
 * the task's workspace: a git worktree on branch kanban/ID under
 * $HERMES_HOME/worktrees/ID of the task's repository (--repo), else of
 * the repository the dispatcher runs in, else a scratch directory there.
 * The prompt (dispatch_prompt) carries the task, the results and branches
 * of the tasks it needs, and what to do when done.  The clock is tu_now(),
 * which the workers inherit with HERMES_NOW.
 *
 * once: one pass that starts workers, then wait for them and exit.
 * until_done: passes that start workers until none runs and nothing is
 * ready (claims held by others are not waited for; blocked tasks and the
 * todo tasks that wait on them stay).  Otherwise run until SIGINT or
 * SIGTERM, which stop the workers (their attempts fail) and end the
 * dispatcher.
 *
 * Report: with o->report, one line for each worker started and for each
 * attempt that ended ("hermes-kanban: t_x done: RESULT", "... t_x failed,
 * attempt 1 of 2, ready again: WHY", WHY ending with the worker's error:
 * the "error" of hermes-ask's --json object, else its last error line on
 * stderr, else its answer), for each lease reclaimed, and a last line
 * with the totals and the tasks left undone.  *st (may be NULL) gets the
 * totals; the caller decides what they mean for its exit status.
 */
#ifndef HM_DISPATCH_H
#define HM_DISPATCH_H

#include <stdint.h>
#include <stdio.h>

struct board;
struct buf;
struct config;
struct task;

/* Bytes of a parent's result in a worker's prompt, and of all of them. */
#define DISPATCH_RESULT_MAX	2000
#define DISPATCH_RESULTS_MAX	8000

struct dispatch_opts {
	int once;			/* one pass of starts */
	int until_done;			/* until nothing is ready or running */
	long max;			/* 0: kanban.max_workers */
	FILE *report;			/* the news (stderr); NULL: none */
};

/* How the attempts of a run ended: a worker done (it completed the task
 * or someone did), blocked, failed (ended without either, timed out,
 * killed, lost its claim, or could not start), or stopped because the
 * dispatcher was; leases of other holders reclaimed. */
struct dispatch_stats {
	long started, done, blocked, failed, stopped, reclaimed;
};

int dispatch_run(struct board *b, const struct config *cfg,
    const struct dispatch_opts *o, struct dispatch_stats *st,
    struct buf *err);
/* Append the prompt of the worker of t, which works in dir: its title and
 * body; for each task it needs, its id, title, status, branch and result
 * (each result cut at DISPATCH_RESULT_MAX bytes, all of them at
 * DISPATCH_RESULTS_MAX, on a character boundary with a note saying how
 * much was cut and that kanban_show has it all); then how to finish. */
void dispatch_prompt(struct board *b, const struct task *t, const char *dir,
    struct buf *out);
/* Stop the worker of task id with process (group) pid: SIGTERM, then
 * SIGKILL after 2 s; only when /proc says it is that task's worker.  A
 * board_reclaim callback (ctx unused). */
void dispatch_stop_worker(const char *id, int64_t pid, void *ctx);

#endif
