/*
 * httpd.h: a small HTTP/1.1 server for one process and no threads, the
 * listener of the gateway's HTTP platforms (webhook, WhatsApp).
 *
 * httpd_listen binds "HOST:PORT": an IPv4 literal, "[IPv6]" or
 * "localhost" (127.0.0.1), port 0 for any free one (httpd_addr says
 * which).  No names are looked up.  The sockets are non-blocking and
 * close-on-exec, so a child (an agent turn) never holds them.
 *
 * httpd_next waits at most timeout_ms for one whole request.  Every
 * connection is read as it becomes readable, side by side, so a slow or
 * silent client holds nobody up: each has deadline_ms (5000) from its
 * accept to send the whole request, then it gets 408 and is closed.  At
 * most HTTPD_MAX_CONN connections are read at once; more wait in the
 * kernel's backlog.  The server answers by itself, and closes, what it
 * cannot take: a malformed request line or header 400, a header past
 * 16 KiB or 100 lines 431, a Content-Length past max_body (1 MiB) 413,
 * a chunked (any Transfer-Encoding) body 411, an HTTP version other
 * than 1.0/1.1 505.  A request without a Content-Length has no body.
 * "Expect: 100-continue" gets its 100 before the body is read.
 *
 * A request handed out keeps its connection open, so its answer may be
 * sent later (the gateway answers a message only once it has stored it:
 * a crash in between leaves the sender without an answer, and it
 * retries).  httpd_respond sends one answer (always Connection: close)
 * and closes the connection; httpd_req_free frees the request, closing
 * a connection that was never answered.  Writes use MSG_NOSIGNAL and
 * give up after a second, so a client that does not read cannot hold
 * the caller either.
 *
 * Errors: -HM_EINVAL for a bad address, -HM_EIO when the socket cannot
 * be made or bound (err names the address and errno's text).  SIGINT
 * or SIGTERM during httpd_next is a return of 0 (the caller checks its
 * flag).
 */
#ifndef HM_HTTPD_H
#define HM_HTTPD_H

#include <stddef.h>

struct buf;
struct httpd;

#define HTTPD_MAX_CONN		32
#define HTTPD_DEADLINE_MS	5000
#define HTTPD_MAX_BODY		(1024 * 1024)

struct httpd_hdr {
	char *name;			/* as sent */
	char *value;			/* leading and trailing blanks cut */
};

struct httpd_req {
	char *method;			/* "POST" */
	char *path;			/* percent-decoded, without the query */
	char *query;			/* raw text after '?', or NULL */
	struct httpd_hdr *hdr;
	size_t nhdr;
	char *body;			/* len bytes and a NUL */
	size_t len;
	char peer[64];			/* "127.0.0.1:51234", for logs */
	int fd;				/* the connection; -1 once answered */
};

int httpd_listen(const char *hostport, struct httpd **out, struct buf *err);
/* 0 when hostport is an address httpd_listen takes, else -HM_EINVAL. */
int httpd_check_addr(const char *hostport, struct buf *err);
/* Per-connection deadline and the largest body taken (0: the default). */
void httpd_limits(struct httpd *h, long deadline_ms, size_t max_body);
/* The bound address, "127.0.0.1:8644" or "[::1]:8644"; its port. */
const char *httpd_addr(const struct httpd *h);
int httpd_port(const struct httpd *h);
/* 1 and *req (the caller's, httpd_req_free) when a request came, 0 when
 * timeout_ms passed (or a signal came) first, -HM_EIO when polling
 * failed. */
int httpd_next(struct httpd *h, long timeout_ms, struct httpd_req **req,
    struct buf *err);
void httpd_close(struct httpd *h);

/* The value of header name (any case), or NULL; the first of several. */
const char *httpd_header(const struct httpd_req *r, const char *name);
/* The percent- and '+'-decoded value of query parameter name (compared
 * decoded), malloc'd, "" for "?name" alone; NULL when absent. */
char *httpd_param(const struct httpd_req *r, const char *name);
/* Answer status with body (len bytes, may be 0) of type ctype (NULL:
 * none) and headers ("Name: value", NULL-terminated, may be NULL), then
 * close the connection.  0, or -HM_EIO when it could not all be sent
 * (the connection is closed all the same); -HM_EFAIL when r was
 * answered already. */
int httpd_respond(struct httpd_req *r, int status, const char *ctype,
    const char *body, size_t len, const char *const *headers);
void httpd_req_free(struct httpd_req *r);

/* Percent-decode n bytes of s (with plus, '+' is a space); malloc'd.
 * NULL when the result would hold a NUL. */
char *httpd_urldecode(const char *s, size_t n, int plus);

#endif
