/*
 * roots.h: the directories the file tools may touch.
 *
 * roots_init reads config tools.roots: absolute paths separated by ':'
 * ("~" is not expanded; a relative entry is an error).  Unset or empty,
 * the roots are cwd and $HERMES_HOME/worktrees.  Every root is stored
 * resolved (symlinks and ".." gone; a root that does not exist yet is
 * resolved as far as it exists), so a comparison is a plain prefix test.
 *
 * roots_resolve makes path absolute against cwd (NULL: the process's),
 * resolves it with realpath(3) and accepts it only when it lies inside a
 * root, component by component (/a/bc is not inside /a/b).  With
 * for_write, the path may not exist yet: the deepest existing ancestor is
 * resolved and the rest appended, which may not hold ".." and may not
 * start at a dangling symlink.  Without for_write a missing path is an
 * error.  Whatever the roots, $HERMES_HOME/.env (and where it points) and
 * everything under $HERMES_HOME except worktrees/ are refused: secrets
 * and state change only through the agent's own tools.
 * *out is the resolved path, the caller's to free.  Errors are -HM_EINVAL
 * ("path 'P' is outside the allowed roots (R1, R2)") or -HM_ENOTFOUND /
 * -HM_EIO with the reason in err.
 *
 * A tool_env whose roots pointer is NULL means no limit; the callers
 * check.  Nothing here touches the disk but stat and realpath.
 */
#ifndef HM_ROOTS_H
#define HM_ROOTS_H

#include <stddef.h>

struct buf;
struct config;

struct roots {
	char **dir;		/* resolved, no trailing '/' (but "/") */
	size_t n;
	char *home;		/* $HERMES_HOME, resolved */
	char *keep;		/* $HERMES_HOME/worktrees, resolved */
	char *dotenv;		/* $HERMES_HOME/.env, resolved */
};

#define ROOTS_INIT { NULL, 0, NULL, NULL, NULL }

int roots_init(struct roots *r, const struct config *cfg, const char *cwd,
    struct buf *err);
int roots_resolve(const struct roots *r, const char *cwd, const char *path,
    int for_write, char **out, struct buf *err);
void roots_release(struct roots *r);

/* 1 when path lies inside dir, component-wise; both absolute, resolved. */
int roots_inside(const char *path, const char *dir);

#endif
