/*
 * hooks.h: user hooks, the Unix way.  An executable
 * $HERMES_HOME/hooks/EVENT (EVENT: pre-tool, post-tool, turn-end) runs
 * with EVENT as its one argument, one JSON object on stdin, stdout to
 * /dev/null and stderr captured (the first HOOKS_ERR_MAX bytes), in its
 * own process group, in the caller's directory.
 *
 * hooks_run(event, json, timeout_ms, reason, err):
 *   0            no hook (missing, or not an executable file), or it
 *                exited 0;
 *   HOOKS_BLOCK  it exited 2: reason gets its stderr, trimmed (or a
 *                default line), for the model to see as the tool error;
 *   -HM_EFAIL    it exited otherwise, was killed by a signal, or ran past
 *                timeout_ms (<= 0: HOOKS_TIMEOUT_MS), when its whole
 *                process group gets SIGKILL; err says which.  A broken
 *                hook is reported, not fatal: the caller warns, goes on;
 *   -HM_EINVAL   an unknown event; -HM_EIO  it could not be started.
 * A hook that does not read its stdin costs nothing: SIGPIPE is blocked
 * around our writes and EPIPE ends them, whatever the caller's SIGPIPE
 * disposition.  The hook itself starts with SIGPIPE at its default.
 * What the hook leaves running after it exits is its own business (a
 * hook that starts a notifier in the background is fine).
 */
#ifndef HM_HOOKS_H
#define HM_HOOKS_H

struct buf;

#define HOOKS_BLOCK		1
#define HOOKS_TIMEOUT_MS	10000L
#define HOOKS_ERR_MAX		4096

int hooks_run(const char *event, const char *json, long timeout_ms,
    struct buf *reason, struct buf *err);

#endif
