/*
 * url.c: resolve a URL reference against a base (see url.h), by RFC 3986
 * section 5.2 on the strings alone: no parsing into a struct, no
 * percent-decoding, no normalisation beyond removing . and .. segments.
 * The base's scheme and authority are found by position ("scheme:" then
 * an optional "//authority" up to the first / ? or #); the reference is
 * copied first without tabs and newlines (as browsers do) and with
 * leading and trailing blanks trimmed.  The result is built in a scratch
 * buffer, so out is left unchanged on failure.
 */
#include "common.h"
#include "url.h"

static int
is_alpha(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int
is_alnum(int ch)
{
	return is_alpha(ch) || (ch >= '0' && ch <= '9');
}

static int
is_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
	    ch == '\f';
}

/* Length of "scheme:" at the start of s, or 0. */
static size_t
scheme_len(const char *s)
{
	size_t i = 0;

	if (!is_alpha(s[0]))
		return 0;
	while (is_alnum(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')
		i++;
	return s[i] == ':' ? i + 1 : 0;
}

/* Append path p[0..n) to out without its . and .. segments. */
static void
remove_dots(const char *p, size_t n, struct buf *out)
{
	size_t start = out->len, i = 0, e, seg;
	int dir = 0;

	if (n && p[0] == '/')
		i = 1;
	while (i <= n) {
		for (e = i; e < n && p[e] != '/'; e++)
			;
		seg = e - i;
		dir = (seg == 1 && p[i] == '.') ||
		    (seg == 2 && p[i] == '.' && p[i + 1] == '.');
		if (seg == 2 && dir) {
			while (out->len > start && out->s[out->len - 1] != '/')
				out->len--;
			if (out->len > start)
				out->len--;
			buf_setlen(out, out->len);
		} else if (!dir) {
			buf_addc(out, '/');
			buf_add(out, p + i, seg);
		}
		i = e + 1;
	}
	if (dir || out->len == start)
		buf_addc(out, '/');
}

int
url_resolve(const char *base, const char *ref, struct buf *out)
{
	struct buf r = BUF_INIT, t = BUF_INIT;
	size_t bs, auth, q, i;
	const char *s;

	for (s = ref; is_space(*s); s++)
		;
	for (; *s; s++)		/* URLs lose tabs and newlines */
		if (*s != '\t' && *s != '\n' && *s != '\r')
			buf_addc(&t, *s);
	buf_rtrim(&t);
	s = buf_str(&t);
	bs = scheme_len(base);
	auth = bs;
	if (bs && base[bs] == '/' && base[bs + 1] == '/')
		auth = bs + 2 + strcspn(base + bs + 2, "/?#");
	if (scheme_len(s)) {
		buf_adds(&r, s);
	} else if (!bs || auth == bs) {
		buf_release(&t);
		return -1;
	} else if (s[0] == '/' && s[1] == '/') {
		buf_add(&r, base, bs);
		buf_adds(&r, s);
	} else if (s[0] == '?' || s[0] == '#' || !s[0]) {
		buf_add(&r, base, strcspn(base, s[0] == '?' ? "?#" : "#"));
		buf_adds(&r, s);
	} else {
		buf_add(&r, base, auth);
		q = strcspn(s, "?#");
		if (s[0] == '/') {
			remove_dots(s, q, &r);
		} else {
			struct buf m = BUF_INIT;

			i = auth + strcspn(base + auth, "?#");
			while (i > auth && base[i - 1] != '/')
				i--;
			if (i == auth)
				buf_addc(&m, '/');
			else
				buf_add(&m, base + auth, i - auth);
			buf_add(&m, s, q);
			remove_dots(m.s, m.len, &r);
			buf_release(&m);
		}
		buf_adds(&r, s + q);
	}
	for (i = 0; i < r.len; i++) {
		if (r.s[i] == ' ' || r.s[i] == '(' || r.s[i] == ')')
			buf_addf(out, "%%%02X", (unsigned)r.s[i]);
		else
			buf_addc(out, r.s[i]);
	}
	buf_release(&r);
	buf_release(&t);
	return 0;
}
