/*
 * mime.c: reading one mail message (mime.h): its headers, the address
 * it came from, its ids, and the text part of its body (decoded by
 * mime_text.c).
 *
 * The raw message is first copied with CRLF turned into LF, so the
 * rest only knows LF.  Headers end at the first empty line; a line that
 * starts with a blank continues the header before it.  A multipart
 * body is cut at its delimiter lines, "--BOUNDARY" (the line break
 * before one belongs to it), up to "--BOUNDARY--"; each part is a
 * message of its own (headers, empty line, body) and is walked the
 * same way, depth first, to MIME_DEPTH_MAX.
 */
#include <ctype.h>

#include "common.h"
#include "html.h"
#include "mime.h"

/* Offset of the body: past the empty line ending the headers, or n. */
static size_t
header_len(const char *s, size_t n)
{
	const char *p;

	if (n && s[0] == '\n')
		return 1;
	p = memmem(s, n, "\n\n", 2);
	return p ? (size_t)(p - s) + 2 : n;
}

/* The value of header name in h[0..n), unfolded and trimmed, malloc'd;
 * NULL when it is absent.  The first one counts. */
static char *
hdr_get(const char *h, size_t n, const char *name)
{
	struct buf b = BUF_INIT;
	size_t nl = strlen(name), i = 0, e;

	while (i < n) {
		if (h[i] != ' ' && h[i] != '\t' && n - i > nl &&
		    !strncasecmp(h + i, name, nl) && h[i + nl] == ':') {
			for (i += nl + 1;; i = e + 1) {
				for (e = i; e < n && h[e] != '\n'; e++)
					;
				buf_add(&b, h + i, e - i);
				if (e + 1 >= n || (h[e + 1] != ' ' &&
				    h[e + 1] != '\t'))
					break;
			}
			buf_rtrim(&b);
			for (i = 0; i < b.len && isspace((unsigned char)b.s[i]);
			    i++)
				;
			memmove(b.s, b.s + i, b.len - i + 1);
			b.len -= i;
			return buf_detach(&b);
		}
		while (i < n && h[i] != '\n')
			i++;
		i++;
	}
	return NULL;
}

/* Turn every control character of s into a space, in place. */
static void
no_controls(char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

static void
lower(char *s)
{
	for (; s && *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* The media type of a Content-Type value, lowercased, malloc'd. */
static char *
media_type(const char *v)
{
	size_t n = strcspn(v, ";");
	char *t;

	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	t = xstrndup(v, n);
	lower(t);
	return t;
}

/* Parameter name of a Content-Type or Content-Disposition value,
 * unquoted, malloc'd; NULL when absent. */
static char *
param_get(const char *v, const char *name)
{
	struct buf val = BUF_INIT;
	size_t nl = strlen(name), an;
	const char *a;
	int q = 0;

	for (; *v && (q || *v != ';'); v++)	/* skip the type */
		if (*v == '"')
			q = !q;
	while (*v == ';') {
		for (v++; isspace((unsigned char)*v); v++)
			;
		a = v;
		while (*v && *v != '=' && *v != ';')
			v++;
		for (an = (size_t)(v - a); an && isspace((unsigned char)
		    a[an - 1]); an--)
			;
		if (*v != '=')
			continue;
		for (v++; isspace((unsigned char)*v); v++)
			;
		buf_reset(&val);
		if (*v == '"') {
			for (v++; *v && *v != '"'; v++) {
				if (*v == '\\' && v[1])
					v++;
				buf_addc(&val, *v);
			}
			if (*v == '"')
				v++;
			while (*v && *v != ';')
				v++;
		} else {
			while (*v && *v != ';' && !isspace((unsigned char)*v))
				buf_addc(&val, *v++);
			while (*v && *v != ';')
				v++;
		}
		if (an == nl && !strncasecmp(a, name, nl)) {
			buf_addc(&val, '\0');	/* "" is a value */
			val.len--;
			return buf_detach(&val);
		}
	}
	buf_release(&val);
	return NULL;
}

/* Append the body b[0..n) of a part decoded (transfer encoding, then
 * charset) to out as clean UTF-8; html parts become text. */
static void
decode_body(const char *h, size_t hn, const char *b, size_t n,
    const char *ct, int html, struct buf *out)
{
	char *cte = hdr_get(h, hn, "Content-Transfer-Encoding");
	char *cs = ct ? param_get(ct, "charset") : NULL;
	struct buf raw = BUF_INIT, utf = BUF_INIT;

	lower(cte);
	if (cte && !strncmp(cte, "base64", 6))
		mime_b64_decode(b, n, &raw);
	else if (cte && !strncmp(cte, "quoted-printable", 16))
		mime_qp_decode(b, n, 0, &raw);
	else
		buf_add(&raw, b, n);
	mime_to_utf8(buf_str(&raw), raw.len, cs, html ? &utf : out);
	if (html)
		html_to_text(buf_str(&utf), utf.len, NULL, out);
	buf_release(&raw);
	buf_release(&utf);
	free(cte);
	free(cs);
}

static int walk(const char *s, size_t n, const char *want, int depth,
    struct buf *out);

/* The parts of a multipart body b[0..n), in order, until one holds the
 * wanted text. */
static int
walk_multipart(const char *b, size_t n, const char *bd, const char *want,
    int depth, struct buf *out)
{
	size_t bl = strlen(bd), i = 0, e, k, start = 0, end;
	int in = 0, last;

	for (; i < n; i = e + 1) {
		for (e = i; e < n && b[e] != '\n'; e++)
			;
		if (e - i < bl + 2 || b[i] != '-' || b[i + 1] != '-' ||
		    memcmp(b + i + 2, bd, bl))
			continue;
		k = i + 2 + bl;
		last = e - k >= 2 && b[k] == '-' && b[k + 1] == '-';
		for (k += last ? 2 : 0; k < e && (b[k] == ' ' || b[k] == '\t');
		    k++)
			;
		if (k != e)
			continue;	/* "--BOUNDARYX": not a delimiter */
		/* the line break before a delimiter is part of it */
		end = i > start ? i - 1 : start;
		if (in && walk(b + start, end - start, want, depth, out))
			return 1;
		if (last)
			return 0;
		in = 1;
		start = e < n ? e + 1 : n;
	}
	/* no closing delimiter: the last part runs to the end */
	return in && start < n && walk(b + start, n - start, want, depth,
	    out);
}

static int
walk(const char *s, size_t n, const char *want, int depth, struct buf *out)
{
	size_t hn = header_len(s, n);
	char *ct = hdr_get(s, hn, "Content-Type");
	char *cd = hdr_get(s, hn, "Content-Disposition");
	char *type = ct ? media_type(ct) : xstrdup("text/plain"), *bd;
	int found = 0;

	lower(cd);
	if (!strncmp(type, "multipart/", 10)) {
		bd = ct ? param_get(ct, "boundary") : NULL;
		if (bd && *bd && depth < MIME_DEPTH_MAX)
			found = walk_multipart(s + hn, n - hn, bd, want,
			    depth + 1, out);
		free(bd);
	} else if (!strcmp(type, want) && !(cd && !strncmp(cd, "attachment",
	    10))) {
		decode_body(s, hn, s + hn, n - hn, ct, !strcmp(want,
		    "text/html"), out);
		found = 1;
	}
	free(type);
	free(ct);
	free(cd);
	return found;
}

/* A message id: printable ASCII without blanks or <>, at most
 * MIME_ID_MAX bytes. */
static int
id_ok(const char *s, size_t n)
{
	size_t i;

	if (!n || n > MIME_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f || s[i] == '<' || s[i] == '>')
			return 0;
	return 1;
}

/* The <ids> of a header value, without <>, space-separated, appended
 * to out; at most max of them (0: no limit).  The count. */
static size_t
ids(const char *v, size_t max, struct buf *out)
{
	const char *a, *e;
	size_t n = 0;

	while (v && (a = strchr(v, '<')) && (e = strchr(a, '>')) &&
	    (!max || n < max)) {
		if (id_ok(a + 1, (size_t)(e - a - 1))) {
			if (out->len)
				buf_addc(out, ' ');
			buf_add(out, a + 1, (size_t)(e - a - 1));
			n++;
		}
		v = e + 1;
	}
	return n;
}

static char *
ids_dup(const char *v, size_t max)
{
	struct buf b = BUF_INIT;

	ids(v, max, &b);
	return b.len ? buf_detach(&b) : NULL;
}

/* An addr-spec: one '@', no blanks, controls, quotes or brackets. */
static int
addr_ok(const char *s)
{
	const char *at = strchr(s, '@');
	size_t n = strlen(s);

	if (!at || at == s || !at[1] || strchr(at + 1, '@') || n > 254)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f || strchr("<>()[]"
		    "\",;:\\", *s))
			return 0;
	return 1;
}

/* Split the first address of a From value into *addr and *name. */
static void
parse_from(const char *v, char **addr, char **name)
{
	struct buf nb = BUF_INIT, raw = BUF_INIT;
	const char *lt = NULL, *gt, *p, *c0 = NULL, *c1 = NULL;
	int q = 0;

	*addr = *name = NULL;
	for (p = v; *p && (q || *p != ','); p++) {	/* the first mailbox */
		if (*p == '\\' && q && p[1])
			p++;
		else if (*p == '"')
			q = !q;
		else if (!q && *p == '<' && !lt)
			lt = p;
		else if (!q && *p == '(' && !c0)
			c0 = p;
		else if (!q && *p == ')' && c0 && !c1)
			c1 = p;
	}
	if (lt && (gt = strchr(lt, '>'))) {
		*addr = xstrndup(lt + 1, (size_t)(gt - lt - 1));
		buf_add(&raw, v, (size_t)(lt - v));
	} else {
		*addr = xstrndup(v, (size_t)((c0 ? c0 : p) - v));
		if (c0 && c1)
			buf_add(&raw, c0 + 1, (size_t)(c1 - c0 - 1));
	}
	buf_rtrim(&raw);
	/* drop the quotes and their escapes, keep the words */
	for (p = buf_str(&raw); *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '"')
			continue;
		buf_addc(&nb, *p);
	}
	buf_reset(&raw);
	mime_decode_words(buf_str(&nb), &raw);
	buf_rtrim(&raw);
	for (p = buf_str(&raw); *p == ' '; p++)
		;
	if (*p)
		*name = xstrdup(p);
	buf_release(&raw);
	buf_release(&nb);
	/* trim and check the address */
	for (p = *addr; *p == ' ' || *p == '\t'; p++)
		;
	memmove(*addr, p, strlen(p) + 1);
	for (q = (int)strlen(*addr); q > 0 && isspace((unsigned char)
	    (*addr)[q - 1]); q--)
		(*addr)[q - 1] = '\0';
	lower(*addr);
	if (!addr_ok(*addr)) {
		free(*addr);
		*addr = NULL;
	}
}

void
mime_parse(const char *raw, size_t len, struct mime_msg *m)
{
	struct buf s = BUF_INIT, t = BUF_INIT;
	size_t i, hn;
	char *v;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < len; i++)	/* CRLF -> LF */
		if (!(raw[i] == '\r' && i + 1 < len && raw[i + 1] == '\n'))
			buf_addc(&s, raw[i]);
	hn = header_len(buf_str(&s), s.len);
	if ((v = hdr_get(s.s, hn, "From"))) {
		parse_from(v, &m->from_addr, &m->from_name);
		free(v);
	}
	if ((v = hdr_get(s.s, hn, "Subject"))) {
		mime_decode_words(v, &t);
		m->subject = buf_detach(&t);
		free(v);
	}
	if ((v = hdr_get(s.s, hn, "Message-ID"))) {
		m->message_id = ids_dup(v, 1);
		free(v);
	}
	if ((v = hdr_get(s.s, hn, "In-Reply-To"))) {
		m->in_reply_to = ids_dup(v, 1);
		free(v);
	}
	if ((v = hdr_get(s.s, hn, "References"))) {
		m->references = ids_dup(v, 0);
		free(v);
	}
	m->auto_submitted = hdr_get(s.s, hn, "Auto-Submitted");
	m->precedence = hdr_get(s.s, hn, "Precedence");
	no_controls(m->auto_submitted);
	no_controls(m->precedence);
	if (walk(buf_str(&s), s.len, "text/plain", 0, &t) ||
	    walk(buf_str(&s), s.len, "text/html", 0, &t)) {
		buf_rtrim(&t);
		m->text = xstrdup(buf_str(&t));
	}
	buf_release(&t);
	buf_release(&s);
}

void
mime_msg_release(struct mime_msg *m)
{
	free(m->from_addr);
	free(m->from_name);
	free(m->subject);
	free(m->message_id);
	free(m->in_reply_to);
	free(m->references);
	free(m->auto_submitted);
	free(m->precedence);
	free(m->text);
	memset(m, 0, sizeof(*m));
}

int
mime_is_automatic(const struct mime_msg *m)
{
	const char *p = m->precedence, *a = m->from_addr;
	size_t n;

	if (m->auto_submitted && *m->auto_submitted &&
	    strncasecmp(m->auto_submitted, "no", 2))
		return 1;
	if (p && (!strncasecmp(p, "bulk", 4) || !strncasecmp(p, "list", 4) ||
	    !strncasecmp(p, "junk", 4)))
		return 1;
	if (!a)
		return 0;
	n = strcspn(a, "@");
	return (n == 13 && !strncmp(a, "mailer-daemon", 13)) ||
	    (n == 10 && !strncmp(a, "postmaster", 10));
}
