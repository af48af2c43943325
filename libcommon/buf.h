/*
 * buf.h: a growable byte string, always NUL-terminated once non-empty.
 *
 * struct buf b = BUF_INIT; buf_addf(&b, "%d", n); ... buf_release(&b);
 * b.s is NULL until the first add; buf_str() never returns NULL.
 * buf_detach() hands the malloc'd string to the caller and resets b.
 * Allocation failure aborts the process (xmalloc); nothing else exits.
 */
#ifndef HM_BUF_H
#define HM_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *s;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *data, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, int c);
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);
void buf_setlen(struct buf *b, size_t len);
void buf_reset(struct buf *b);
void buf_rtrim(struct buf *b);
void buf_release(struct buf *b);
char *buf_detach(struct buf *b);
/* Replace every copy of secret in b by mask (error lines that might
 * hold a token).  A NULL or empty secret changes nothing. */
void buf_scrub(struct buf *b, const char *secret, const char *mask);
/* Make b from byte from on one harmless line for a log or a terminal:
 * every control character (below 0x20, and DEL) becomes '?', so text a
 * model, a server or a chat wrote can neither break the line nor carry
 * escape sequences. */
void buf_neutralise(struct buf *b, size_t from);
const char *buf_str(const struct buf *b);

/* Append everything readable from fd / the file at path.  Return 0, or -1
 * with errno set (ENOENT tells a missing file). */
int buf_read_fd(struct buf *b, int fd);
int buf_read_file(struct buf *b, const char *path);

#endif
