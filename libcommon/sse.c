/*
 * sse.c: line splitting and event assembly per the WHATWG SSE rules
 * (HTML Living Standard, "Interpreting an event stream").
 */
#include "common.h"
#include "sse.h"

void
sse_init(struct sse *s, int (*on_event)(const char *, const char *, void *),
    void *ctx)
{
	memset(s, 0, sizeof(*s));
	s->on_event = on_event;
	s->ctx = ctx;
	s->retry = -1;
}

static int
dispatch(struct sse *s)
{
	int rc = 0;

	buf_reset(&s->last_id);
	buf_add(&s->last_id, buf_str(&s->id), s->id.len);
	if (s->has_data && s->data.len)
		rc = s->on_event(s->event.len ? s->event.s : NULL,
		    buf_str(&s->data), s->ctx);
	buf_reset(&s->data);
	buf_reset(&s->event);
	s->has_data = 0;
	return rc;
}

static int
line(struct sse *s, const char *l, size_t n)
{
	const char *colon, *v, *q;
	size_t fn;
	long r;

	if (!s->started) {
		s->started = 1;
		if (n >= 3 && !memcmp(l, "\xef\xbb\xbf", 3)) {
			l += 3;
			n -= 3;
		}
	}
	if (n == 0)
		return dispatch(s);
	if (l[0] == ':')
		return 0;
	colon = memchr(l, ':', n);
	fn = colon ? (size_t)(colon - l) : n;
	v = colon ? colon + 1 : l + n;
	if (v < l + n && *v == ' ')
		v++;
	if (fn == 4 && !strncmp(l, "data", 4)) {
		if (s->has_data)
			buf_addc(&s->data, '\n');
		buf_add(&s->data, v, (size_t)(l + n - v));
		s->has_data = 1;
	} else if (fn == 5 && !strncmp(l, "event", 5)) {
		buf_reset(&s->event);
		buf_add(&s->event, v, (size_t)(l + n - v));
	} else if (fn == 2 && !strncmp(l, "id", 2) &&
	    !memchr(v, '\0', (size_t)(l + n - v))) {
		buf_reset(&s->id);
		buf_add(&s->id, v, (size_t)(l + n - v));
	} else if (fn == 5 && !strncmp(l, "retry", 5)) {
		for (q = v, r = 0; q < l + n && *q >= '0' && *q <= '9'; q++)
			if (r < 86400000)	/* a day is plenty */
				r = r * 10 + (*q - '0');
		if (q == l + n && q > v)
			s->retry = r;
	}
	return 0;
}

int
sse_feed(struct sse *s, const char *p, size_t n)
{
	const char *e = p + n, *q;
	int rc;

	if (s->stopped)
		return s->stopped;
	while (p < e) {
		if (s->cr) {
			s->cr = 0;
			if (*p == '\n') {	/* the LF of a CRLF */
				p++;
				continue;
			}
		}
		for (q = p; q < e && *q != '\n' && *q != '\r'; q++)
			;
		if (q == e) {
			buf_add(&s->line, p, (size_t)(e - p));
			break;
		}
		s->cr = *q == '\r';
		if (s->line.len) {
			buf_add(&s->line, p, (size_t)(q - p));
			rc = line(s, s->line.s, s->line.len);
			buf_reset(&s->line);
		} else {
			rc = line(s, p, (size_t)(q - p));
		}
		p = q + 1;
		if (rc) {
			s->stopped = rc;
			return rc;
		}
	}
	return 0;
}

void
sse_release(struct sse *s)
{
	buf_release(&s->line);
	buf_release(&s->data);
	buf_release(&s->event);
	buf_release(&s->id);
	buf_release(&s->last_id);
}
