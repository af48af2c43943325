/*
 * httpd.c: the small HTTP/1.1 server of httpd.h.  One listening socket
 * and up to HTTPD_MAX_CONN connections being read, all non-blocking,
 * multiplexed with poll(2) inside httpd_next.  A connection is read
 * into its buffer until the header ends (a blank line), the header is
 * parsed and checked, then the body is read to its Content-Length; the
 * request then leaves the server's hands with its socket.  Nothing but
 * the request handed out outlives the connection's deadline.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <time.h>

#include "common.h"
#include "httpd.h"
#include "httpd_int.h"
#include "num.h"
#include "timeutil.h"

#define MAX_HEADER	(16 * 1024)
#define SEND_MS		1000	/* to write one answer */

struct conn {
	int fd;
	double deadline;		/* monotonic seconds */
	struct buf in;
	struct httpd_req *req;		/* once the header is parsed */
	size_t body_at;			/* where the body starts in in */
	size_t want;			/* its length */
	char peer[64];
};

struct httpd {
	int fd;
	char addr[80];
	int port;
	long deadline_ms;
	size_t max_body;
	struct conn c[HTTPD_MAX_CONN];
	size_t nc;
};

static void
name_addr(const struct sockaddr_storage *ss, char *out, size_t n, int *port)
{
	char host[INET6_ADDRSTRLEN] = "?";
	int p = 0;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		p = ntohs(s6->sin6_port);
		snprintf(out, n, "[%s]:%d", host, p);
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		p = ntohs(s4->sin_port);
		snprintf(out, n, "%s:%d", host, p);
	}
	if (port)
		*port = p;
}

/* "HOST:PORT" into a socket address. */
static int
parse_addr(const char *spec, struct sockaddr_storage *ss, socklen_t *len,
    struct buf *err)
{
	struct sockaddr_in6 *s6 = (void *)ss;
	struct sockaddr_in *s4 = (void *)ss;
	const char *colon = strrchr(spec, ':');
	char host[INET6_ADDRSTRLEN + 2];
	size_t hn;
	long port;

	memset(ss, 0, sizeof(*ss));
	if (!colon || hm_parse_long(colon + 1, 0, 65535, &port) < 0 ||
	    (hn = (size_t)(colon - spec)) == 0 || hn >= sizeof(host))
		goto bad;
	memcpy(host, spec, hn);
	host[hn] = '\0';
	if (host[0] == '[' && host[hn - 1] == ']') {
		host[hn - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			goto bad;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)port);
		*len = sizeof(*s6);
		return 0;
	}
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");
	if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
		goto bad;
	s4->sin_family = AF_INET;
	s4->sin_port = htons((unsigned short)port);
	*len = sizeof(*s4);
	return 0;
bad:
	return hm_fail(err, HM_EINVAL, "'%s' is not an address to listen "
	    "on: use HOST:PORT, HOST an IPv4 address, [IPv6] or localhost",
	    spec);
}

int
httpd_listen(const char *hostport, struct httpd **out, struct buf *err)
{
	struct sockaddr_storage ss, got;
	socklen_t len = 0, glen = sizeof(got);
	struct httpd *h;
	int fd, one = 1, rc;

	*out = NULL;
	if ((rc = parse_addr(hostport, &ss, &len, err)) < 0)
		return rc;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0)
		return hm_fail(err, HM_EIO, "cannot listen on '%s': %s",
		    hostport, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&got, &glen) < 0) {
		rc = hm_fail(err, HM_EIO, "cannot listen on '%s': %s",
		    hostport, strerror(errno));
		close(fd);
		return rc;
	}
	h = xcalloc(1, sizeof(*h));
	h->fd = fd;
	h->deadline_ms = HTTPD_DEADLINE_MS;
	h->max_body = HTTPD_MAX_BODY;
	name_addr(&got, h->addr, sizeof(h->addr), &h->port);
	*out = h;
	return 0;
}

int
httpd_check_addr(const char *hostport, struct buf *err)
{
	struct sockaddr_storage ss;
	socklen_t len;

	return parse_addr(hostport, &ss, &len, err);
}

void
httpd_limits(struct httpd *h, long deadline_ms, size_t max_body)
{
	h->deadline_ms = deadline_ms > 0 ? deadline_ms : HTTPD_DEADLINE_MS;
	h->max_body = max_body ? max_body : HTTPD_MAX_BODY;
}

const char *
httpd_addr(const struct httpd *h)
{
	return h->addr;
}

int
httpd_port(const struct httpd *h)
{
	return h->port;
}

/* ---- answers ---- */

static const char *
reason(int status)
{
	static const struct { int code; const char *text; } t[] = {
		{ 100, "Continue" }, { 200, "OK" }, { 204, "No Content" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 408, "Request Timeout" },
		{ 411, "Length Required" }, { 413, "Content Too Large" },
		{ 415, "Unsupported Media Type" },
		{ 431, "Request Header Fields Too Large" },
		{ 500, "Internal Server Error" },
		{ 503, "Service Unavailable" },
		{ 505, "HTTP Version Not Supported" },
	};
	size_t i;

	for (i = 0; i < HM_ARRAY_SIZE(t); i++)
		if (t[i].code == status)
			return t[i].text;
	return status < 300 ? "OK" : status < 500 ? "Client Error" :
	    "Server Error";
}

/* Write all of p within ms; 0 or -1. */
static int
send_all(int fd, const char *p, size_t n, long ms)
{
	double end = tu_mono() + ms / 1000.0;
	struct pollfd pfd;
	ssize_t w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (tu_mono() >= end)
			return -1;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		poll(&pfd, 1, (int)((end - tu_mono()) * 1000) + 1);
	}
	return 0;
}

/* Send the answer and close fd: read what the client already sent
 * first, so the kernel closes with FIN, not RST (which could destroy
 * the answer before the client reads it). */
static int
answer(int fd, int status, const char *ctype, const char *body, size_t len,
    const char *const *headers)
{
	struct buf b = BUF_INIT;
	char sink[4096];
	size_t i;
	int rc;

	buf_addf(&b, "HTTP/1.1 %d %s\r\n", status, reason(status));
	if (ctype)
		buf_addf(&b, "Content-Type: %s\r\n", ctype);
	buf_addf(&b, "Content-Length: %zu\r\nConnection: close\r\n", len);
	for (i = 0; headers && headers[i]; i++)
		buf_addf(&b, "%s\r\n", headers[i]);
	buf_adds(&b, "\r\n");
	if (len)
		buf_add(&b, body, len);
	rc = send_all(fd, b.s, b.len, SEND_MS);
	shutdown(fd, SHUT_WR);
	for (i = 0; i < 16 && read(fd, sink, sizeof(sink)) > 0; i++)
		;
	close(fd);
	buf_release(&b);
	return rc;
}

/* The server's own answers: a line of text. */
static void
refuse(struct conn *c, int status)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s\n", reason(status));
	answer(c->fd, status, "text/plain; charset=utf-8", b.s, b.len, NULL);
	c->fd = -1;
	buf_release(&b);
}

int
httpd_respond(struct httpd_req *r, int status, const char *ctype,
    const char *body, size_t len, const char *const *headers)
{
	int rc;

	if (r->fd < 0)
		return -HM_EFAIL;
	rc = answer(r->fd, status, ctype, body, len, headers);
	r->fd = -1;
	return rc < 0 ? -HM_EIO : 0;
}

void
httpd_req_free(struct httpd_req *r)
{
	size_t i;

	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	for (i = 0; i < r->nhdr; i++) {
		free(r->hdr[i].name);
		free(r->hdr[i].value);
	}
	free(r->hdr);
	free(r->method);
	free(r->path);
	free(r->query);
	free(r->body);
	free(r);
}

/* ---- connections ---- */

static void
conn_drop(struct httpd *h, size_t i)
{
	struct conn *c = &h->c[i];

	if (c->fd >= 0)
		close(c->fd);
	buf_release(&c->in);
	httpd_req_free(c->req);
	h->c[i] = h->c[--h->nc];
	memset(&h->c[h->nc], 0, sizeof(h->c[h->nc]));
}

static void
accept_all(struct httpd *h)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct conn *c;
	int fd;

	while (h->nc < HTTPD_MAX_CONN) {
		len = sizeof(ss);
		fd = accept4(h->fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;	/* EAGAIN, or the client is gone already */
		c = &h->c[h->nc++];
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		c->deadline = tu_mono() + h->deadline_ms / 1000.0;
		name_addr(&ss, c->peer, sizeof(c->peer), NULL);
	}
}

/* Read what c has; 1 when its request is whole, 0 to wait for more, -1
 * when the connection is done with (answered or gone). */
static int
conn_read(struct httpd *h, struct conn *c)
{
	char chunk[16384];
	size_t hl = 0, room;
	const char *expect;
	ssize_t n;
	int status;

	for (;;) {
		room = sizeof(chunk);
		if (c->req && c->in.len >= c->body_at + c->want)
			return 1;
		if (c->req && c->body_at + c->want - c->in.len < room)
			room = c->body_at + c->want - c->in.len;
		n = read(c->fd, chunk, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0) {	/* gone, or a half-closed request cut short */
			if (n == 0 && c->in.len)
				refuse(c, 400);
			return -1;
		}
		buf_add(&c->in, chunk, (size_t)n);
		if (c->req)
			continue;
		if (!(c->body_at = httpd_head_end(c->in.s, c->in.len, &hl))) {
			if (c->in.len > MAX_HEADER) {
				refuse(c, 431);
				return -1;
			}
			continue;
		}
		c->req = xcalloc(1, sizeof(*c->req));
		c->req->fd = -1;
		if ((status = httpd_parse_head(c->in.s, hl, h->max_body, c->req,
		    &c->want))) {
			refuse(c, status);
			return -1;
		}
		expect = httpd_header(c->req, "Expect");
		if (c->in.len < c->body_at + c->want && expect &&
		    !strcasecmp(expect, "100-continue"))
			send_all(c->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25,
			    SEND_MS);
	}
}

/* Hand c's request out and forget the connection. */
static struct httpd_req *
conn_take(struct httpd *h, size_t i)
{
	struct conn *c = &h->c[i];
	struct httpd_req *r = c->req;

	r->body = xmalloc(c->want + 1);
	memcpy(r->body, c->in.s + c->body_at, c->want);
	r->body[c->want] = '\0';
	r->len = c->want;
	r->fd = c->fd;
	snprintf(r->peer, sizeof(r->peer), "%s", c->peer);
	c->req = NULL;
	c->fd = -1;
	conn_drop(h, i);
	return r;
}

int
httpd_next(struct httpd *h, long timeout_ms, struct httpd_req **req,
    struct buf *err)
{
	struct pollfd pfd[HTTPD_MAX_CONN + 1];
	double end = tu_mono() + (timeout_ms > 0 ? timeout_ms : 0) / 1000.0, t,
	    wake;
	size_t i, n;
	int rc;

	*req = NULL;
	for (;;) {
		t = tu_mono();
		wake = end;
		for (i = 0; i < h->nc; ) {
			if (t >= h->c[i].deadline) {
				refuse(&h->c[i], 408);
				conn_drop(h, i);
				continue;
			}
			if (h->c[i].deadline < wake)
				wake = h->c[i].deadline;
			i++;
		}
		n = 0;
		for (i = 0; i < h->nc; i++) {
			pfd[n].fd = h->c[i].fd;
			pfd[n++].events = POLLIN;
		}
		if (h->nc < HTTPD_MAX_CONN) {
			pfd[n].fd = h->fd;
			pfd[n++].events = POLLIN;
		}
		if (wake - t > 3600)
			wake = t + 3600;
		rc = poll(pfd, n, wake > t ? (int)((wake - t) * 1000) + 1 : 0);
		if (rc < 0 && errno == EINTR)
			return 0;
		if (rc < 0)
			return hm_fail(err, HM_EIO, "cannot poll '%s': %s",
			    h->addr, strerror(errno));
		for (i = h->nc; rc > 0 && i-- > 0; ) {
			if (!pfd[i].revents)
				continue;
			switch (conn_read(h, &h->c[i])) {
			case 1:
				*req = conn_take(h, i);
				return 1;
			case -1:
				conn_drop(h, i);
				break;
			}
		}
		if (rc > 0 && n > 0 && pfd[n - 1].fd == h->fd &&
		    pfd[n - 1].revents)
			accept_all(h);
		if (tu_mono() >= end)
			return 0;
	}
}

void
httpd_close(struct httpd *h)
{
	if (!h)
		return;
	while (h->nc)
		conn_drop(h, h->nc - 1);
	close(h->fd);
	free(h);
}
