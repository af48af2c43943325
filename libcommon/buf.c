/*
 * buf.c: growable strings.  Capacity doubles; the byte after len is kept
 * NUL so b->s is a C string whenever it is non-NULL.
 */
#include <fcntl.h>

#include "common.h"

void
buf_grow(struct buf *b, size_t extra)
{
	size_t want;

	if (extra > SIZE_MAX - b->len - 1)
		hm_oom();
	want = b->len + extra + 1;
	if (want <= b->cap)
		return;
	if (b->cap < 64)
		b->cap = 64;
	while (b->cap < want)
		b->cap = b->cap > SIZE_MAX / 2 ? want : b->cap * 2;
	b->s = xrealloc(b->s, b->cap);
}

void
buf_add(struct buf *b, const void *data, size_t n)
{
	buf_grow(b, n);
	if (n)
		memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, int c)
{
	buf_grow(b, 1);
	b->s[b->len++] = (char)c;
	b->s[b->len] = '\0';
}

void
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	buf_grow(b, 64);
	va_copy(cp, ap);
	n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		buf_grow(b, (size_t)n);
		vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void
buf_setlen(struct buf *b, size_t len)
{
	if (len > b->len)
		len = b->len;
	b->len = len;
	if (b->s)
		b->s[len] = '\0';
}

void
buf_reset(struct buf *b)
{
	buf_setlen(b, 0);
}

void
buf_rtrim(struct buf *b)
{
	while (b->len && b->s[b->len - 1] && strchr(" \t\r\n",
	    b->s[b->len - 1]))
		b->len--;
	if (b->s)
		b->s[b->len] = '\0';
}

void
buf_release(struct buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

char *
buf_detach(struct buf *b)
{
	char *s = b->s ? b->s : xstrdup("");

	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

const char *
buf_str(const struct buf *b)
{
	return b->s ? b->s : "";
}

int
buf_read_fd(struct buf *b, int fd)
{
	ssize_t n;

	for (;;) {
		buf_grow(b, 8192);
		n = read(fd, b->s + b->len, b->cap - b->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			b->s[b->len] = '\0';
			return -1;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
	}
	b->s[b->len] = '\0';
	return 0;
}

int
buf_read_file(struct buf *b, const char *path)
{
	int fd, rc, e;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = buf_read_fd(b, fd);
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

void
buf_neutralise(struct buf *b, size_t from)
{
	size_t i;

	for (i = from; b && i < b->len; i++)
		if ((unsigned char)b->s[i] < ' ' || b->s[i] == 0x7f)
			b->s[i] = '?';
}

void
buf_scrub(struct buf *b, const char *secret, const char *mask)
{
	struct buf o = BUF_INIT;
	const char *s, *hit;
	size_t n = secret ? strlen(secret) : 0;

	if (!b || !b->s || !n || !strstr(b->s, secret))
		return;
	for (s = b->s; (hit = strstr(s, secret)); s = hit + n) {
		buf_add(&o, s, (size_t)(hit - s));
		buf_adds(&o, mask);
	}
	buf_adds(&o, s);
	buf_reset(b);
	buf_add(b, o.s, o.len);
	buf_release(&o);
}
