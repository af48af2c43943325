/*
 * mime_compose.c: writing one plain-text mail (mime.h).  Lines end in
 * CRLF; header lines are folded before 78 columns where there is a
 * blank to fold at; the body goes as 7bit, 8bit, or quoted-printable
 * when a line would pass the 998 bytes SMTP allows.  SMTP's dot
 * stuffing is libcurl's job, not ours.
 */
#include <ctype.h>

#include "common.h"
#include "mime.h"

#define LINE_MAX_SMTP	998	/* bytes of a line, CRLF not counted */
#define FOLD_AT		76

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
mime_b64_encode(const void *vs, size_t n, struct buf *out)
{
	const unsigned char *s = vs;
	unsigned long v;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned long)s[i] << 16 | (unsigned long)s[i + 1] << 8 |
		    s[i + 2];
		buf_addc(out, b64[v >> 18 & 63]);
		buf_addc(out, b64[v >> 12 & 63]);
		buf_addc(out, b64[v >> 6 & 63]);
		buf_addc(out, b64[v & 63]);
	}
	if (i < n) {
		v = (unsigned long)s[i] << 16 | (i + 1 < n ?
		    (unsigned long)s[i + 1] << 8 : 0);
		buf_addc(out, b64[v >> 18 & 63]);
		buf_addc(out, b64[v >> 12 & 63]);
		buf_addc(out, i + 1 < n ? b64[v >> 6 & 63] : '=');
		buf_addc(out, '=');
	}
}

/* s as one header line's worth: controls (CR, LF, ...) become spaces. */
static char *
one_line(const char *s)
{
	char *t = xstrdup(s ? s : ""), *p;

	for (p = t; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return t;
}

void
mime_reply_subject(const char *subject, struct buf *out)
{
	static const char *const pre[] = { "re", "aw", "sv", "antw", NULL };
	char *s = one_line(subject), *p = s, *q;
	const char *const *w;
	size_t k;
	int again = 1;

	while (again) {
		again = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		for (w = pre; *w; w++) {
			k = strlen(*w);
			if (strncasecmp(p, *w, k))
				continue;
			q = p + k;
			if (*q == '[') {	/* "Re[2]:" */
				while (isdigit((unsigned char)*++q))
					;
				if (*q++ != ']')
					continue;
			}
			while (*q == ' ')
				q++;
			if (*q == ':') {
				p = q + 1;
				again = 1;
				break;
			}
		}
	}
	for (k = strlen(p); k && (p[k - 1] == ' ' || p[k - 1] == '\t'); k--)
		p[k - 1] = '\0';
	buf_addf(out, "Re: %s", *p ? p : "(no subject)");
	free(s);
}

/* Append "Name: value" folded at blanks before FOLD_AT columns. */
static void
header(struct buf *out, const char *name, const char *value)
{
	char *v = one_line(value);
	const char *p = v, *sp;
	size_t col, w;

	buf_addf(out, "%s:", name);
	col = strlen(name) + 1;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		sp = strchr(p, ' ');
		w = sp ? (size_t)(sp - p) : strlen(p);
		if (col > strlen(name) + 1 && col + 1 + w > FOLD_AT) {
			buf_adds(out, "\r\n");
			col = 0;
		}
		buf_addc(out, ' ');
		buf_add(out, p, w);
		col += 1 + w;
		p += w;
	}
	buf_adds(out, "\r\n");
	free(v);
}

/* Subject: as it is when printable ASCII, else RFC 2047 B words of at
 * most 45 bytes of text each (60 encoded), never split inside a UTF-8
 * sequence, one per folded line. */
static void
subject_header(struct buf *out, const char *subject)
{
	char *s = one_line(subject);
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), k;
	int plain = 1;

	for (k = 0; k < n; k++)
		if (p[k] >= 0x7f)
			plain = 0;
	if (plain && n + 9 <= LINE_MAX_SMTP) {
		header(out, "Subject", s);
		free(s);
		return;
	}
	buf_adds(out, "Subject:");
	while (n > 0) {
		k = n < 45 ? n : 45;
		while (k < n && k > 0 && (p[k] & 0xc0) == 0x80)
			k--;
		if (!k)
			k = n < 45 ? n : 45;
		buf_adds(out, " =?UTF-8?B?");
		mime_b64_encode(p, k, out);
		buf_adds(out, "?=");
		p += k;
		n -= k;
		if (n)
			buf_adds(out, "\r\n");
	}
	buf_adds(out, "\r\n");
	free(s);
}

/* Date: in RFC 5322 form, in UTC. */
static void
date_header(struct buf *out, time_t t)
{
	static const char *const day[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
		"Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	buf_addf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
	    day[tm.tm_wday % 7], tm.tm_mday, mon[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* "<a> <b>" from "a b", folded. */
static void
ids_header(struct buf *out, const char *name, const char *ids)
{
	struct buf v = BUF_INIT;
	const char *p = ids;
	size_t w;

	while (*p) {
		while (*p == ' ')
			p++;
		w = strcspn(p, " ");
		if (w)
			buf_addf(&v, "%s<%.*s>", v.len ? " " : "", (int)w, p);
		p += w;
	}
	if (v.len)
		header(out, name, v.s);
	buf_release(&v);
}

/* Quoted-printable lines of at most 76 characters, soft breaks "=". */
static void
qp_encode(const char *s, size_t n, struct buf *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, col = 0, need;
	int enc;

	for (i = 0; i < n; i++) {
		if (u[i] == '\r' && i + 1 < n && u[i + 1] == '\n')
			continue;
		if (u[i] == '\n') {
			buf_adds(out, "\r\n");
			col = 0;
			continue;
		}
		/* blanks before a line end, '=', controls and 8 bit */
		enc = u[i] == '=' || u[i] >= 0x7f || (u[i] < 0x20 &&
		    u[i] != '\t') || ((u[i] == ' ' || u[i] == '\t') &&
		    (i + 1 == n || u[i + 1] == '\n' || u[i + 1] == '\r'));
		need = enc ? 3 : 1;
		if (col + need > 75) {
			buf_adds(out, "=\r\n");
			col = 0;
		}
		if (enc)
			buf_addf(out, "=%02X", u[i]);
		else
			buf_addc(out, (char)u[i]);
		col += need;
	}
}

void
mime_compose(const struct mime_out *o, struct buf *out)
{
	const char *t = o->text ? o->text : "", *p, *e;
	size_t longest = 0, n = strlen(t);
	int eight = 0;

	header(out, "From", o->from);
	header(out, "To", o->to);
	subject_header(out, o->subject);
	date_header(out, o->date);
	ids_header(out, "Message-ID", o->message_id);
	if (o->in_reply_to && *o->in_reply_to)
		ids_header(out, "In-Reply-To", o->in_reply_to);
	if (o->references && *o->references)
		ids_header(out, "References", o->references);
	if (o->auto_submitted && *o->auto_submitted)
		header(out, "Auto-Submitted", o->auto_submitted);
	buf_adds(out, "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n");
	for (p = t; *p; p = *e ? e + 1 : e) {
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		if ((size_t)(e - p) > longest)
			longest = (size_t)(e - p);
	}
	for (p = t; *p; p++)
		if ((unsigned char)*p >= 0x80)
			eight = 1;
	if (longest > LINE_MAX_SMTP) {
		buf_adds(out, "Content-Transfer-Encoding: quoted-printable\r\n"
		    "\r\n");
		qp_encode(t, n, out);
	} else {
		buf_addf(out, "Content-Transfer-Encoding: %s\r\n\r\n", eight ?
		    "8bit" : "7bit");
		for (p = t; *p; p++) {
			if (*p == '\n' && (p == t || p[-1] != '\r'))
				buf_addc(out, '\r');
			if (*p == '\r' && p[1] != '\n')
				continue;	/* a lone CR */
			buf_addc(out, *p);
		}
	}
	if (out->len < 2 || memcmp(out->s + out->len - 2, "\r\n", 2))
		buf_adds(out, "\r\n");
}
