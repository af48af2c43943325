/*
 * proc.h: running other programs.  Never system(3): arguments are passed
 * as a vector, and every fd we open is O_CLOEXEC, so children inherit only
 * stdin, stdout and stderr.
 *
 * proc_editor(path): runs $VISUAL, else $EDITOR, else vi, on path, through
 *   "sh -c '$EDITOR \"$@\"'" as git does (so EDITOR may hold flags), in the
 *   foreground, and waits.  Returns 0, or -HM_EFAIL when it could not run
 *   or exited non-zero.
 * proc_run(argv, status): fork/exec/wait; returns -1 when it could not
 *   start, else 0 with the wait status in *status.
 */
#ifndef HM_PROC_H
#define HM_PROC_H

struct buf;

int proc_run(char *const argv[], int *status);
int proc_editor(const char *path, struct buf *err);

/* proc_edit_text: put text in a private copy $TMPDIR/PREFIX-XXXXXX.md
 * (mode 0600), run the editor on it, and read the result into out.  On
 * success *path is the copy's path (malloc'd): the caller unlinks it
 * once the result is saved, or keeps it and says so when saving fails,
 * so no edit is lost.  On failure the copy is gone and *path is NULL. */
int proc_edit_text(const char *text, size_t len, const char *prefix,
    struct buf *out, char **path, struct buf *err);

/*
 * Children that run on their own (cron runs, kanban workers, gateway
 * turns): proc_spawn starts argv in a new process group with in, out and
 * errfd as its stdin, stdout and stderr (-1: /dev/null), the "KEY=VALUE"
 * strings of env added to our environment (NULL-terminated, may be
 * NULL), in dir (NULL: ours), signals back to their defaults.  An exec
 * failure comes back through a close-on-exec pipe, so "no such command"
 * is an error here (-HM_EFAIL naming it), not a child exiting 127.
 * Returns the pid (also the process group), or -HM_E*.
 * proc_wait waits up to timeout_ms (< 0: forever) for it to exit: 0 with
 * the wait status, 1 when the time ran out, 2 when sig_interrupted was
 * set (the child is left running: the caller decides).
 * proc_stop sends SIGTERM to the group, waits up to grace_ms, then
 * SIGKILL, and reaps; the status is returned in *status (may be NULL).
 */
/* The path of command name beside our own binary (bin/hermes-ask next
 * to bin/hermes-cron), so a build tree and an install both find their
 * own; else name itself, for a PATH search.  malloc'd. */
char *proc_sibling(const char *name);

struct proc_spec {
	char *const *argv;
	int in, out, errfd;
	const char *const *env;
	const char *dir;
};

int proc_spawn(const struct proc_spec *ps, struct buf *err);
/* Run argv (as proc_spawn, env added) with in_text (may be NULL) on its
 * stdin and its stdout into out, through unlinked temporary files (no
 * pipe to drain, no size limit), within secs: past them the group is
 * stopped and the result is -HM_EFAIL "timed out after N s; stopped".
 * Its stderr is appended to the file log (may be NULL) and its last
 * line kept in last (may be NULL): what it said before it failed.  0
 * with the wait status in *status, or -HM_E*. */
int proc_capture(char *const *argv, const char *const *env,
    const char *in_text, long secs, const char *log, struct buf *out,
    struct buf *last, int *status, struct buf *err);
int proc_wait(int pid, long timeout_ms, int *status);
void proc_stop(int pid, long grace_ms, int *status);

#endif
