/*
 * httpd_parse.c: the request parsing of httpd.h: the request line, the
 * header lines, Content-Length, the query's parameters and percent
 * decoding.  Strict where a mistake could smuggle a request (two
 * Content-Lengths that disagree, a folded or nameless header line, a
 * NUL), and it never reads past the bytes it is given.
 */
#include <strings.h>

#include "common.h"
#include "httpd.h"
#include "httpd_int.h"

#define MAX_LINES	100	/* header lines */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *
httpd_urldecode(const char *s, size_t n, int plus)
{
	struct buf b = BUF_INIT;
	size_t i;
	int hi, lo, c;

	buf_adds(&b, "");
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			c = hi * 16 + lo;
			i += 2;
		} else if (c == '+' && plus) {
			c = ' ';
		}
		if (c == 0) {
			buf_release(&b);
			return NULL;
		}
		buf_addc(&b, c);
	}
	return buf_detach(&b);
}

static int
is_tchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int
all_tchars(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_tchar((unsigned char)s[i]))
			return 0;
	return n > 0;
}

/* "METHOD /target HTTP/1.1"; 0 or the status to refuse with. */
static int
request_line(struct httpd_req *r, const char *line)
{
	const char *sp1 = strchr(line, ' '), *sp2, *t, *q;
	size_t i;

	if (!sp1 || !(sp2 = strchr(sp1 + 1, ' ')) || strchr(sp2 + 1, ' '))
		return 400;
	if (!all_tchars(line, (size_t)(sp1 - line)))
		return 400;
	if (strncmp(sp2 + 1, "HTTP/", 5))
		return 400;
	if (strcmp(sp2 + 1, "HTTP/1.1") && strcmp(sp2 + 1, "HTTP/1.0"))
		return 505;
	t = sp1 + 1;
	if (*t != '/')
		return 400;
	for (i = 0; t + i < sp2; i++)
		if ((unsigned char)t[i] <= ' ' || t[i] == 0x7f)
			return 400;
	q = memchr(t, '?', (size_t)(sp2 - t));
	r->method = xstrndup(line, (size_t)(sp1 - line));
	if (!(r->path = httpd_urldecode(t, (size_t)((q ? q : sp2) - t), 0)))
		return 400;
	if (q)
		r->query = xstrndup(q + 1, (size_t)(sp2 - q - 1));
	return 0;
}

static void
add_header(struct httpd_req *r, const char *name, size_t nn, const char *v)
{
	size_t vn;

	while (*v == ' ' || *v == '\t')
		v++;
	vn = strlen(v);
	while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
		vn--;
	r->hdr = xrealloc(r->hdr, (r->nhdr + 1) * sizeof(*r->hdr));
	r->hdr[r->nhdr].name = xstrndup(name, nn);
	r->hdr[r->nhdr].value = xstrndup(v, vn);
	r->nhdr++;
}

int
httpd_parse_head(const char *head, size_t n, size_t max_body,
    struct httpd_req *r, size_t *want)
{
	struct buf line = BUF_INIT;
	const char *p = head, *e, *colon, *cl = NULL;
	long long len = 0;
	char *end;
	int status = 0, first = 1;
	size_t i, ln;

	*want = 0;
	while (p < head + n && !status) {
		e = memchr(p, '\n', (size_t)(head + n - p));
		ln = e ? (size_t)(e - p) : (size_t)(head + n - p);
		if (ln && p[ln - 1] == '\r')
			ln--;
		buf_reset(&line);
		buf_add(&line, p, ln);
		buf_adds(&line, "");
		p = e ? e + 1 : head + n;
		if (memchr(line.s, '\0', ln) || memchr(line.s, '\r', ln)) {
			status = 400;
		} else if (first) {
			first = 0;
			status = request_line(r, line.s);
		} else if (r->nhdr >= MAX_LINES) {
			status = 431;
		} else if (!(colon = strchr(line.s, ':')) ||
		    !all_tchars(line.s, (size_t)(colon - line.s))) {
			status = 400;	/* no name, or folded, or "Name :" */
		} else {
			add_header(r, line.s, (size_t)(colon - line.s),
			    colon + 1);
		}
	}
	buf_release(&line);
	if (status)
		return status;
	if (first)
		return 400;
	if (httpd_header(r, "Transfer-Encoding"))
		return 411;
	for (i = 0; i < r->nhdr; i++) {
		if (strcasecmp(r->hdr[i].name, "Content-Length"))
			continue;
		if (cl && strcmp(cl, r->hdr[i].value))
			return 400;	/* two that disagree */
		cl = r->hdr[i].value;
	}
	if (cl) {
		errno = 0;
		len = strtoll(cl, &end, 10);
		if (!*cl || *end || errno || len < 0 || *cl == '+' ||
		    *cl == '-')
			return 400;
		if ((unsigned long long)len > max_body)
			return 413;
	}
	*want = (size_t)len;
	return 0;
}

size_t
httpd_head_end(const char *s, size_t len, size_t *head_len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (s[i] != '\n')
			continue;
		if (s[i + 1] == '\n') {
			*head_len = i;
			return i + 2;
		}
		if (i + 2 < len && s[i + 1] == '\r' && s[i + 2] == '\n') {
			*head_len = i;
			return i + 3;
		}
	}
	return 0;
}

const char *
httpd_header(const struct httpd_req *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nhdr; i++)
		if (!strcasecmp(r->hdr[i].name, name))
			return r->hdr[i].value;
	return NULL;
}

char *
httpd_param(const struct httpd_req *r, const char *name)
{
	const char *p = r->query, *amp, *eq;
	char *k, *v = NULL;
	size_t n;

	while (p && *p && !v) {
		amp = strchr(p, '&');
		n = amp ? (size_t)(amp - p) : strlen(p);
		eq = memchr(p, '=', n);
		k = httpd_urldecode(p, eq ? (size_t)(eq - p) : n, 1);
		if (k && !strcmp(k, name))
			v = eq ? httpd_urldecode(eq + 1, n - (size_t)(eq - p) -
			    1, 1) : xstrdup("");
		free(k);
		p = amp ? amp + 1 : NULL;
	}
	return v;
}
