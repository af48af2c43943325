/*
 * ws_upgrade.c: the text of the WebSocket opening handshake (RFC 6455
 * section 4), for ws.c and its unit tests (contract in ws.h); ws.c does
 * the I/O.  The URL gives the connection (http:// or https:// with its
 * host and port: libcurl does TCP and TLS), the request target (path
 * and query, "/" when there is no path; the fragment is dropped), the
 * Host header (the port only when it is not the scheme's default, 80
 * or 443) and a name for error lines (ws://host:port: never the path or
 * query, which may hold a ticket).  The answer must be a 101 with
 * Upgrade: websocket, Connection: upgrade (a token in a list) and
 * Sec-WebSocket-Accept = base64(SHA-1(key + GUID)).
 */
#include <ctype.h>

#include "common.h"
#include "base64.h"
#include "sha1.h"
#include "ws.h"

#define WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* A byte that may appear in a URL we send on (no space, no control). */
static int
url_ok(int c)
{
	return c > 0x20 && c < 0x7f && !strchr("\"<>\\^`{|}", c);
}

void
ws_upgrade_url_release(struct ws_url *u)
{
	buf_release(&u->name);
	buf_release(&u->conn);
	buf_release(&u->host);
	buf_release(&u->target);
}

/* The port at p (up to e) when it is 1 to 65535 digits, else -1. */
static long
port_of(const char *p, const char *e)
{
	long v = 0;

	if (p == e || e - p > 5)
		return -1;
	for (; p < e; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v >= 1 && v <= 65535 ? v : -1;
}

int
ws_upgrade_url(const char *url, struct ws_url *u, struct buf *err)
{
	const char *a, *e, *h, *colon, *t;
	long port = 0;
	int tls;

	if (!strncasecmp(url, "ws://", 5))
		tls = 0;
	else if (!strncasecmp(url, "wss://", 6))
		tls = 1;
	else
		return hm_fail(err, HM_EINVAL, "the URL is not ws:// or "
		    "wss://");
	a = url + 5 + tls;
	e = a + strcspn(a, "/?#");
	if (e == a || memchr(a, '@', (size_t)(e - a)))
		return hm_fail(err, HM_EINVAL, "the WebSocket URL has no host "
		    "or has user info");
	for (t = a; t < e; t++)
		if (!url_ok((unsigned char)*t))
			return hm_fail(err, HM_EINVAL, "the WebSocket URL's "
			    "host has a bad character");
	if (!(h = *a == '[' ? memchr(a, ']', (size_t)(e - a)) : a))
		return hm_fail(err, HM_EINVAL, "the WebSocket URL's host "
		    "lacks a ']'");
	if ((colon = memchr(h, ':', (size_t)(e - h))) &&
	    (colon == a || (port = port_of(colon + 1, e)) < 0))
		return hm_fail(err, HM_EINVAL, "the WebSocket URL has a bad "
		    "port");
	t = e + strcspn(e, "#");
	for (h = e; h < t; h++)
		if (!url_ok((unsigned char)*h))
			return hm_fail(err, HM_EINVAL, "the WebSocket URL's "
			    "path has a bad character");
	buf_addf(&u->name, "%s://%.*s", tls ? "wss" : "ws", (int)(e - a), a);
	buf_addf(&u->conn, "%s://%.*s/", tls ? "https" : "http",
	    (int)(e - a), a);
	buf_add(&u->host, a, (size_t)((port == (tls ? 443 : 80) ? colon : e) -
	    a));
	if (*e != '/')
		buf_addc(&u->target, '/');
	buf_add(&u->target, e, (size_t)(t - e));
	return 0;
}

void
ws_upgrade_request(struct buf *out, const struct ws_url *u,
    const char *key, const char *const *headers)
{
	const char *const *h;

	buf_addf(out, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
	    "Sec-WebSocket-Version: 13\r\nUser-Agent: hermes/" HM_VERSION
	    "\r\n", u->target.s, u->host.s, key);
	for (h = headers; h && *h; h++)
		buf_addf(out, "%s\r\n", *h);
	buf_adds(out, "\r\n");
}

/* The value of header name in the head (lines ending CRLF), trimmed,
 * appended to v; 0 when present, -1 when not. */
static int
head_value(const char *head, const char *name, struct buf *v)
{
	size_t k = strlen(name);
	const char *l, *s, *e;

	for (l = strstr(head, "\r\n"); l && l[2] && l[2] != '\r';
	    l = strstr(l + 2, "\r\n")) {
		s = l + 2;
		if (strncasecmp(s, name, k) || s[k] != ':')
			continue;
		for (s += k + 1; *s == ' ' || *s == '\t'; s++)
			;
		if (!(e = strstr(s, "\r\n")))
			e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		buf_add(v, s, (size_t)(e - s));
		return 0;
	}
	return -1;
}

/* 1 when the comma-separated list s holds token t (any case). */
static int
has_token(const char *s, const char *t)
{
	size_t k = strlen(t), n;

	for (;;) {
		s += strspn(s, " \t,");
		n = strcspn(s, ",");
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (!*s)
			return 0;
		if (n == k && !strncasecmp(s, t, k))
			return 1;
		s += strcspn(s, ",");
	}
}

int
ws_upgrade_check(const char *head, const char *key, struct buf *err)
{
	struct buf want = BUF_INIT, v = BUF_INIT;
	unsigned char d[SHA1_LEN];
	struct sha1 c;
	int rc = 0, i;

	if (strncmp(head, "HTTP/1.", 7) || !head[7] ||
	    strncmp(head + 8, " 101", 4) || (head[12] != ' ' &&
	    head[12] != '\r')) {
		for (i = 0; i < 60 && head[i] && head[i] != '\r' &&
		    isprint((unsigned char)head[i]); i++)
			;
		return hm_fail(err, HM_EIO, "the upgrade was refused: %.*s",
		    i, head);
	}
	sha1_init(&c);
	sha1_update(&c, key, strlen(key));
	sha1_update(&c, WS_GUID, strlen(WS_GUID));
	sha1_final(&c, d);
	base64_encode(&want, d, sizeof(d));
	if (head_value(head, "Upgrade", &v) < 0 ||
	    strcasecmp(v.s, "websocket"))
		rc = hm_fail(err, HM_EIO, "the upgrade answer lacks "
		    "'Upgrade: websocket'");
	buf_reset(&v);
	if (!rc && (head_value(head, "Connection", &v) < 0 ||
	    !has_token(v.s, "upgrade")))
		rc = hm_fail(err, HM_EIO, "the upgrade answer lacks "
		    "'Connection: upgrade'");
	buf_reset(&v);
	if (!rc && (head_value(head, "Sec-WebSocket-Accept", &v) < 0 ||
	    strcmp(v.s, want.s)))
		rc = hm_fail(err, HM_EIO, "the upgrade answer has a wrong "
		    "Sec-WebSocket-Accept");
	buf_release(&v);
	buf_release(&want);
	return rc;
}
