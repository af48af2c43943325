/*
 * tool_file_int.h: private to the file tools (tool_file.c, tool_patch.c,
 * tool_search.c); nothing else includes it.  The helpers live in
 * tool_file.c.
 *
 * tool_file_arg_str: *v is the string argument name of args, NULL when
 * absent or null; not a string is -HM_EINVAL in out.  *v is borrowed
 * from args.
 * tool_file_path: path made absolute against env->cwd and, with
 * env->roots set, checked by roots_resolve (for_write: it may not exist
 * yet); links resolved so a write keeps them.  *real is the caller's.
 * tool_file_add_clean: append s[0..n), each byte that is not UTF-8 (or
 * NUL) as U+FFFD.  tool_file_add_cut: the same, at most max bytes, cut
 * on a character boundary with a " [... N bytes cut]" note.
 * tool_file_split: s[0..len) as lines without their '\n', pointing into
 * s; *v is the caller's to free (the lines are not copied).
 * tool_file_open: a regular file opened read-only, O_CLOEXEC; the fd, or
 * -HM_E* with the reason (shown names it) in out.
 * tool_file_prepare: *mode is the existing file's, or 0644 for a new one
 * whose parents are made 0755; a path that is not a regular file is
 * -HM_EINVAL.
 */
#ifndef HM_TOOL_FILE_INT_H
#define HM_TOOL_FILE_INT_H

#include <sys/types.h>
#include <stddef.h>
#include <cjson/cJSON.h>

struct buf;
struct stat;
struct tool_env;

struct tool_file_line {
	const char *s;
	size_t n;			/* without the '\n' */
};

int tool_file_arg_str(cJSON *args, const char *name, const char **v,
    struct buf *out);
int tool_file_path(struct tool_env *env, const char *path, int for_write,
    char **real, struct buf *out);
void tool_file_add_clean(struct buf *b, const char *s, size_t n);
void tool_file_add_cut(struct buf *b, const char *s, size_t n, size_t max);
void tool_file_split(const char *s, size_t len, struct tool_file_line **v,
    size_t *n);
int tool_file_open(const char *real, const char *shown, struct stat *st,
    struct buf *out);
int tool_file_prepare(const char *real, const char *shown, mode_t *mode,
    struct buf *out);

#endif
