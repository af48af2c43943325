/*
 * err.h: errors, the program name, allocation, and the start and end of
 * every command.
 *
 * Library functions never exit.  They return 0 (or a count) on success and
 * a negative -HM_E* on failure, after putting one line into the caller's
 * struct buf *err with hm_fail(); when err is NULL the line goes straight
 * to stderr as "PROG: message".  Commands turn -HM_E* into an exit code
 * with hm_exit_code().  Only xmalloc and friends abort, when memory is out.
 *
 * Message style: lowercase, subject in quotes, errno text last, no full
 * stop, one line: cannot write '/h/memories/MEMORY.md': No space left on device
 */
#ifndef HM_ERR_H
#define HM_ERR_H

#include <stddef.h>

struct buf;

enum hm_errcode {
	HM_EFAIL = 1,	/* generic failure of the work */
	HM_EIO,		/* the file system said no */
	HM_ENOTFOUND,	/* no such thing */
	HM_EAMBIG,	/* more than one thing matched */
	HM_EFULL,	/* a cap would be passed */
	HM_EINVAL,	/* bad operand or input value (exit 2) */
	HM_ECONFLICT,	/* held by someone else; retry may clear (exit 4) */
};

/* Flags for hm_init. */
#define HM_SOCKETS	1	/* ignore SIGPIPE: we hold pipes/sockets */

extern const char *hm_prog;

void hm_init(int argc, char **argv, int flags);
int hm_finish(int rc);

int hm_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hm_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void hm_die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
int hm_fail(struct buf *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void hm_report(const struct buf *err);
int hm_exit_code(int rc);
/* The end of a step in a command: report err when rc < 0, release err,
 * and return the exit code of rc. */
int hm_exit_status(int rc, struct buf *err);

_Noreturn void hm_oom(void);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
