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

#endif
