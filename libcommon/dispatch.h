/*
 * dispatch.h: the kanban dispatcher (hermes-kanban dispatch): workers for
 * ready tasks, each a hermes-ask child in its own process group.
 *
 * One dispatcher per state directory: it holds flock(.kanban-dispatch.
 * lock) while it runs; a second one gets -HM_ECONFLICT (exit 4).  Each
 * pass: reap exited workers (a worker that ended without completing or
 * blocking its task is a failed attempt), stop and fail workers past
 * kanban.timeout, renew the leases of the workers alive, reclaim expired
 * leases of other holders (stopping the old worker first when it is a
 * process of ours, checked by its HERMES_KANBAN_TASK, so a task never has
 * two live workers), promote todo tasks whose parents are done, then
 * claim and start workers up to max (kanban.max_workers, fewer when
 * available memory would not hold them: 256 MiB each).
 *
 * A worker: `hermes-ask --json -q --source kanban PROMPT` with stdin
 * /dev/null, HERMES_PROFILE = the task's assignee, HERMES_KANBAN_TASK and
 * HERMES_KANBAN_WORKER set (the board tools, tool_kanban.c, work on that
 * task as that worker), its output appended to logs/kanban-ID.log, in
 * the task's workspace: a git worktree on branch kanban/ID under
 * $HERMES_HOME/worktrees/ID of the task's repository (--repo), else of
 * the repository the dispatcher runs in, else a scratch directory there.
 *
 * once: one pass that starts workers, then wait for them and exit.
 * Otherwise run until SIGINT or SIGTERM, which stop the workers (their
 * attempts fail) and end the dispatcher.
 */
#ifndef HM_DISPATCH_H
#define HM_DISPATCH_H

#include <stdint.h>

struct board;
struct buf;
struct config;

struct dispatch_opts {
	int once;
	long max;			/* 0: kanban.max_workers */
};

int dispatch_run(struct board *b, const struct config *cfg,
    const struct dispatch_opts *o, struct buf *err);
/* Stop the worker of task id with process (group) pid: SIGTERM, then
 * SIGKILL after 2 s; only when /proc says it is that task's worker.  A
 * board_reclaim callback (ctx unused). */
void dispatch_stop_worker(const char *id, int64_t pid, void *ctx);

#endif
