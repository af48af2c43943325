/*
 * mime_text.c: the text of a mail as people read it (mime.h): transfer
 * encodings (quoted-printable, base64) and RFC 2047 encoded words
 * undone, bytes in a declared charset made clean UTF-8, and the quoted
 * previous message cut from the end of a reply.  UTF-8, US-ASCII and
 * Latin-1 are converted here; other charsets go through iconv(3), and
 * bytes that are still not UTF-8 are read as Latin-1 (html_utf8_clean),
 * so the text handed on is always valid.
 */
#include <ctype.h>
#include <iconv.h>

#include "common.h"
#include "html.h"
#include "mime.h"

static int
is_charset(const char *cs, const char *const *names)
{
	for (; *names; names++)
		if (!strcasecmp(cs, *names))
			return 1;
	return 0;
}

/* Append s[0..n) in charset cs converted by iconv to raw; -1 when iconv
 * does not know cs. */
static int
by_iconv(const char *s, size_t n, const char *cs, struct buf *raw)
{
	iconv_t cd = iconv_open("UTF-8", cs);
	char *in = (char *)s, *o;
	size_t left = n, room, used, r;

	if (cd == (iconv_t)-1)
		return -1;
	while (left > 0) {
		buf_grow(raw, left * 4 + 16);
		o = raw->s + raw->len;
		room = raw->cap - raw->len - 1;
		used = room;
		r = iconv(cd, &in, &left, &o, &room);
		raw->len += used - room;	/* buf_setlen only shrinks */
		raw->s[raw->len] = '\0';
		if (r != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		if (errno != EILSEQ)
			break;		/* EINVAL: cut inside a character */
		buf_adds(raw, "\xef\xbf\xbd");	/* U+FFFD for a bad byte */
		in++;
		left--;
	}
	iconv_close(cd);
	return 0;
}

void
mime_to_utf8(const char *s, size_t n, const char *charset, struct buf *out)
{
	static const char *const utf8[] = { "utf-8", "utf8", "us-ascii",
		"ascii", "ansi_x3.4-1968", "us", NULL };
	static const char *const latin1[] = { "iso-8859-1", "iso8859-1",
		"iso_8859-1", "latin1", "latin-1", "l1", "cp819", NULL };
	struct buf raw = BUF_INIT;
	size_t i;

	if (!charset || !*charset || is_charset(charset, utf8)) {
		html_utf8_clean(s, n, out);
		return;
	}
	if (is_charset(charset, latin1)) {
		for (i = 0; i < n; i++) {
			if ((unsigned char)s[i] < 0x80) {
				buf_addc(&raw, s[i]);
			} else {
				buf_addc(&raw, 0xc0 |
				    ((unsigned char)s[i] >> 6));
				buf_addc(&raw, 0x80 | (s[i] & 0x3f));
			}
		}
	} else if (by_iconv(s, n, charset, &raw) < 0) {
		buf_add(&raw, s, n);	/* unknown: taken as UTF-8 */
	}
	html_utf8_clean(buf_str(&raw), raw.len, out);
	buf_release(&raw);
}

/* ---- transfer encodings, encoded words ---- */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
mime_qp_decode(const char *s, size_t n, int header, struct buf *out)
{
	size_t i, k;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (header && s[i] == '_') {
			buf_addc(out, ' ');
		} else if (s[i] != '=') {
			buf_addc(out, s[i]);
		} else if (i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			buf_addc(out, hi * 16 + lo);
			i += 2;
		} else {
			/* a soft line break: '=', blanks, end of line */
			for (k = i + 1; k < n && (s[k] == ' ' || s[k] == '\t' ||
			    s[k] == '\r'); k++)
				;
			if (k < n && s[k] == '\n')
				i = k;
			else if (k >= n)
				i = k - 1;
			else
				buf_addc(out, '=');
		}
	}
}

void
mime_b64_decode(const char *s, size_t n, struct buf *out)
{
	unsigned long acc = 0;
	size_t i;
	int bits = 0, v;
	char c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == '+' || c == '-')
			v = 62;
		else if (c == '/' || c == '_')
			v = 63;
		else if (c == '=')
			break;
		else
			continue;	/* line breaks, junk */
		acc = (acc << 6 | (unsigned long)v) & 0xffffff;
		if ((bits += 6) >= 8) {
			bits -= 8;
			buf_addc(out, (int)((acc >> bits) & 0xff));
		}
	}
}

/* Append one encoded word's text (charset cs, encoding enc, text t of
 * n bytes) decoded as UTF-8; 0, or -1 when it is not one. */
static int
decode_word(const char *cs, size_t csn, char enc, const char *t, size_t n,
    struct buf *out)
{
	struct buf raw = BUF_INIT;
	char *charset;
	size_t star;

	if (enc == 'B' || enc == 'b')
		mime_b64_decode(t, n, &raw);
	else if (enc == 'Q' || enc == 'q')
		mime_qp_decode(t, n, 1, &raw);
	else
		return -1;
	star = strcspn(cs, "*?");	/* RFC 2231 language */
	charset = xstrndup(cs, star < csn ? star : csn);
	mime_to_utf8(buf_str(&raw), raw.len, charset, out);
	free(charset);
	buf_release(&raw);
	return 0;
}

void
mime_decode_words(const char *s, struct buf *out)
{
	const char *p = s, *cs, *q1, *q2, *end, *w;
	size_t start = out->len, gap = 0, i;
	int prev = 0;

	while (*p) {
		if (p[0] == '=' && p[1] == '?' && (q1 = strchr(p + 2, '?')) &&
		    q1[1] && q1[2] == '?' && (end = strstr(q1 + 3, "?=")) &&
		    !memchr(p, ' ', (size_t)(end - p))) {
			cs = p + 2;
			if (prev && gap)	/* blanks between two words */
				buf_setlen(out, out->len - gap);
			q2 = q1 + 3;
			if (decode_word(cs, (size_t)(q1 - cs), q1[1], q2,
			    (size_t)(end - q2), out) == 0) {
				p = end + 2;
				prev = 1;
				gap = 0;
				continue;
			}
		}
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			while (*p == ' ' || *p == '\t' || *p == '\r' ||
			    *p == '\n')
				p++;
			if (out->len > start || prev) {
				buf_addc(out, ' ');
				gap = 1;
			}
			continue;
		}
		/* plain text: up to the next blank or encoded word */
		for (w = p; *p && *p != ' ' && *p != '\t' && *p != '\r' &&
		    *p != '\n' && !(p > w && p[0] == '=' && p[1] == '?'); p++)
			;
		mime_to_utf8(w, (size_t)(p - w), NULL, out);
		prev = 0;
		gap = 0;
	}
	while (out->len > start && out->s[out->len - 1] == ' ')
		buf_setlen(out, out->len - 1);
	for (i = start; i < out->len; i++)	/* one line, always */
		if ((unsigned char)out->s[i] < 0x20 || out->s[i] == 0x7f)
			out->s[i] = ' ';
}

/* ---- the quoted tail of a reply ---- */

/* Is line s[0..n) blank? */
static int
blank(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	return n == 0;
}

/* Does s[0..n) end in ':' and hold an attribution's verb ("wrote")? */
static int
ends_wrote(const char *s, size_t n)
{
	static const char *const verbs[] = { "wrote", "writes", "schrieb",
		"\xc3\xa9" "crit", "escribi\xc3\xb3", "scrisse", "schreef",
		NULL };
	const char *const *v;
	char *line;
	int hit = 0;

	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (!n || s[n - 1] != ':')
		return 0;
	line = xstrndup(s, n);
	for (v = verbs; *v && !hit; v++)
		hit = strcasestr(line, *v) != NULL;
	free(line);
	return hit;
}

/* Does line s[0..n) open an attribution ("On Mon, ... ")? */
static int
starts_on(const char *s, size_t n)
{
	static const char *const heads[] = { "On ", "Am ", "Le ", "El ",
		"Il ", "Op ", NULL };
	const char *const *h;
	size_t k;

	for (h = heads; *h; h++) {
		k = strlen(*h);
		if (n >= k && !strncmp(s, *h, k))
			return 1;
	}
	return 0;
}

/* Start of the line before offset ls (ls > 0 and text[ls - 1] is '\n'). */
static size_t
prev_line(const char *text, size_t ls)
{
	size_t i = ls - 1;

	while (i > 0 && text[i - 1] != '\n')
		i--;
	return i;
}

/* Offset of the first line equal to (or starting with) a separator an
 * Outlook reply puts above the quoted message, or len. */
static size_t
outlook_cut(const char *text, size_t len)
{
	const char *p = text, *e, *nx;

	while (p < text + len) {
		e = memchr(p, '\n', (size_t)(text + len - p));
		if (!e)
			e = text + len;
		if (!strncasecmp(p, "-----Original Message-----", 26))
			return (size_t)(p - text);
		nx = e < text + len ? e + 1 : e;
		if (e - p >= 20 && strspn(p, "_") >= 20 &&
		    !strncmp(nx, "From: ", 6))
			return (size_t)(p - text);
		p = nx;
	}
	return len;
}

void
mime_strip_quote(char *text)
{
	size_t n = strlen(text), end, ls, le, cut, pl;
	int quoted = 0;

	end = outlook_cut(text, n);
	while (end && isspace((unsigned char)text[end - 1]))
		end--;
	cut = end;
	/* the trailing run of "> " lines and blank lines */
	for (le = end; le > 0; le = ls ? ls - 1 : 0) {
		for (ls = le; ls > 0 && text[ls - 1] != '\n'; ls--)
			;
		if (text[ls] == '>')
			quoted = 1;
		else if (!blank(text + ls, le - ls))
			break;
		cut = ls;
		if (!ls)
			break;
	}
	if (!quoted)
		cut = end;
	while (cut && isspace((unsigned char)text[cut - 1]))
		cut--;
	/* the attribution line above it, maybe wrapped over two */
	if (quoted && cut) {
		for (ls = cut; ls > 0 && text[ls - 1] != '\n'; ls--)
			;
		if (ends_wrote(text + ls, cut - ls)) {
			if (starts_on(text + ls, cut - ls)) {
				cut = ls;
			} else if (ls > 0) {
				pl = prev_line(text, ls);
				if (starts_on(text + pl, ls - 1 - pl))
					cut = pl;
			}
		}
		while (cut && isspace((unsigned char)text[cut - 1]))
			cut--;
	}
	if (cut == 0) {		/* all of it is a quote: keep it */
		for (cut = n; cut && isspace((unsigned char)text[cut - 1]);
		    cut--)
			;
	}
	text[cut] = '\0';
}
