/*
 * httpd.c: unit tests for libcommon/httpd.c.  The clients are plain
 * sockets of this same process on loopback: a request is written whole
 * (the kernel's buffers hold it) before httpd_next reads it, and the
 * answer is read after httpd_respond wrote it, so no thread is needed.
 * Checked: addresses (port 0, IPv6, bad specs); a good POST, its
 * header looked up in any case, its body, a late answer; query
 * decoding; the server's own refusals (400, 431, 413, 411, 505); a
 * slow client timed out with 408 while a good one is served; Expect:
 * 100-continue; a client gone before its answer.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>

#include "common.h"
#include "httpd.h"
#include "tap.h"

static int
client(const struct httpd *h)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)httpd_port(h));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void
put(int fd, const char *s)
{
	size_t n = strlen(s);
	ssize_t w;

	while (n > 0 && (w = send(fd, s, n, MSG_NOSIGNAL)) > 0) {
		s += w;
		n -= (size_t)w;
	}
}

/* Everything the server wrote until it closed (2 s at most). */
static char *
slurp(int fd)
{
	struct buf b = BUF_INIT;
	struct pollfd p = { fd, POLLIN, 0 };
	char chunk[4096];
	ssize_t n;

	buf_adds(&b, "");
	while (poll(&p, 1, 2000) > 0 && (n = read(fd, chunk,
	    sizeof(chunk))) > 0)
		buf_add(&b, chunk, (size_t)n);
	close(fd);
	return buf_detach(&b);
}

/* Send raw, let the server take it, and give back what it answered by
 * itself (the server must not hand a request out). */
static char *
refused(struct httpd *h, const char *raw)
{
	struct httpd_req *r = NULL;
	struct buf err = BUF_INIT;
	int fd = client(h), rc;

	put(fd, raw);
	rc = httpd_next(h, 300, &r, &err);
	if (rc != 0)
		printf("# httpd_next gave %d for a bad request\n", rc);
	httpd_req_free(r);
	buf_release(&err);
	return slurp(fd);
}

static int
starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static void
test_addresses(void)
{
	struct buf err = BUF_INIT;
	struct httpd *h = NULL;
	static const char *const bad[] = { "127.0.0.1", "nohost:80",
	    "127.0.0.1:99999", "::1:80", "127.0.0.1:-1", ":80",
	    "127.0.0.1:8x", "[zz]:1" };
	size_t i;
	int rc;

	ok(httpd_listen("127.0.0.1:0", &h, &err) == 0, "listen on port 0");
	ok(h && httpd_port(h) > 0, "the bound port is reported");
	ok(h && starts(httpd_addr(h), "127.0.0.1:") &&
	    strtol(httpd_addr(h) + 10, NULL, 10) == httpd_port(h),
	    "addr is HOST:PORT: %s", h ? httpd_addr(h) : "");
	httpd_close(h);
	h = NULL;
	ok(httpd_listen("localhost:0", &h, &err) == 0 && h &&
	    starts(httpd_addr(h), "127.0.0.1:"), "localhost is 127.0.0.1");
	httpd_close(h);
	h = NULL;
	buf_reset(&err);
	rc = httpd_listen("[::1]:0", &h, &err);
	if (rc == 0)
		ok(starts(httpd_addr(h), "[::1]:"), "an IPv6 literal: %s",
		    httpd_addr(h));
	else
		printf("ok %d # skip no IPv6 loopback (%s)\n", ++tap_n,
		    buf_str(&err));
	httpd_close(h);
	for (i = 0; i < HM_ARRAY_SIZE(bad); i++) {
		buf_reset(&err);
		h = NULL;
		rc = httpd_listen(bad[i], &h, &err);
		ok(rc == -HM_EINVAL && !h && strstr(buf_str(&err), "HOST:PORT"),
		    "'%s' is refused: %s", bad[i], buf_str(&err));
		httpd_close(h);
		ok(httpd_check_addr(bad[i], &err) == -HM_EINVAL,
		    "httpd_check_addr agrees");
	}
	buf_release(&err);
}

static void
test_good(struct httpd *h)
{
	struct httpd_req *r = NULL;
	struct buf err = BUF_INIT;
	char *ans, *v;
	int fd = client(h), rc;

	put(fd, "POST /hook?a=1 HTTP/1.1\r\nHost: x\r\n"
	    "X-Hermes-Signature:   sha256=abc  \r\n"
	    "content-type: application/json\r\nContent-Length: 11\r\n\r\n"
	    "{\"t\":\"h\\u0\"}");
	rc = httpd_next(h, 2000, &r, &err);
	is_int(rc, 1, "a good POST is handed out");
	if (rc != 1) {
		close(fd);
		return;
	}
	is_str(r->method, "POST", "its method");
	is_str(r->path, "/hook", "its path, without the query");
	is_str(r->query, "a=1", "its raw query");
	is_int(r->len, 11, "its body's length (Content-Length, not more)");
	ok(r->body && !memcmp(r->body, "{\"t\":\"h\\u0\"", 11) &&
	    r->body[11] == '\0', "its body, NUL-terminated");
	is_str(httpd_header(r, "x-hermes-signature"), "sha256=abc",
	    "a header in another case, blanks cut");
	is_str(httpd_header(r, "CONTENT-TYPE"), "application/json",
	    "and in capitals");
	ok(!httpd_header(r, "X-Nothing"), "a missing header is NULL");
	ok(starts(r->peer, "127.0.0.1:"), "the peer: %s", r->peer);
	ok(r->fd >= 0, "the connection is still open");
	v = httpd_param(r, "a");
	is_str(v, "1", "a parameter");
	free(v);
	/* nothing was answered yet: the client waits */
	{
		struct pollfd p = { fd, POLLIN, 0 };

		ok(poll(&p, 1, 50) == 0, "no answer before httpd_respond");
	}
	is_int(httpd_respond(r, 200, "application/json", "{\"ok\":true}", 11,
	    (const char *const[]){ "X-Test: 1", NULL }), 0, "respond");
	is_int(httpd_respond(r, 200, NULL, "", 0, NULL), -HM_EFAIL,
	    "a second answer is refused");
	httpd_req_free(r);
	ans = slurp(fd);
	ok(starts(ans, "HTTP/1.1 200 OK\r\n"), "the client reads 200");
	ok(strstr(ans, "\r\nContent-Length: 11\r\n") &&
	    strstr(ans, "\r\nConnection: close\r\n") &&
	    strstr(ans, "\r\nX-Test: 1\r\n") &&
	    strstr(ans, "\r\nContent-Type: application/json\r\n"),
	    "with its headers");
	ok(strstr(ans, "\r\n\r\n{\"ok\":true}") != NULL, "and the body");
	free(ans);
	buf_release(&err);
}

static void
test_query(struct httpd *h)
{
	struct httpd_req *r = NULL;
	struct buf err = BUF_INIT;
	char *v;
	int fd = client(h);

	put(fd, "GET /p%20q?hub.mode=subscribe&hub.verify_token=a%2Bb+c"
	    "&hub.challenge=12%3D3&flag&empty=&n%61me=x&bad=%zz%4 HTTP/1.0\r\n"
	    "\r\n");
	if (httpd_next(h, 2000, &r, &err) != 1) {
		ok(0, "a GET with a query");
		close(fd);
		return;
	}
	is_str(r->method, "GET", "a GET");
	is_int(r->len, 0, "without a body");
	is_str(r->path, "/p q", "the path is decoded");
	v = httpd_param(r, "hub.mode");
	is_str(v, "subscribe", "hub.mode");
	free(v);
	v = httpd_param(r, "hub.verify_token");
	is_str(v, "a+b c", "%%2B is a plus, + a space");
	free(v);
	v = httpd_param(r, "hub.challenge");
	is_str(v, "12=3", "an encoded =");
	free(v);
	v = httpd_param(r, "flag");
	is_str(v, "", "a name alone is empty");
	free(v);
	v = httpd_param(r, "empty");
	is_str(v, "", "name= is empty");
	free(v);
	v = httpd_param(r, "name");
	is_str(v, "x", "names are compared decoded");
	free(v);
	v = httpd_param(r, "bad");
	is_str(v, "%zz%4", "a broken escape stays as it is");
	free(v);
	ok(!httpd_param(r, "missing"), "a missing parameter is NULL");
	httpd_respond(r, 200, "text/plain", "x", 1, NULL);
	httpd_req_free(r);
	free(slurp(fd));
	buf_release(&err);
}

static void
test_refusals(struct httpd *h)
{
	static const struct { const char *raw, *want, *what; } t[] = {
		{ "NONSENSE\r\n\r\n", "HTTP/1.1 400 ", "no target" },
		{ "GET /x HTTP/1.1 extra\r\n\r\n", "HTTP/1.1 400 ",
		    "four words" },
		{ "GET x HTTP/1.1\r\n\r\n", "HTTP/1.1 400 ",
		    "a target not starting with /" },
		{ "GET /x HTTP/2.0\r\n\r\n", "HTTP/1.1 505 ",
		    "another HTTP version" },
		{ "G(T /x HTTP/1.1\r\n\r\n", "HTTP/1.1 400 ", "a bad method" },
		{ "GET /x HTTP/1.1\r\nNo colon here\r\n\r\n", "HTTP/1.1 400 ",
		    "a header without a colon" },
		{ "GET /x HTTP/1.1\r\nHost : x\r\n\r\n", "HTTP/1.1 400 ",
		    "a blank before the colon" },
		{ "GET /x HTTP/1.1\r\nA: b\r\n c\r\n\r\n", "HTTP/1.1 400 ",
		    "a folded header" },
		{ "POST /x HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
		    "HTTP/1.1 400 ", "a bad Content-Length" },
		{ "POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		    "HTTP/1.1 400 ", "a negative Content-Length" },
		{ "POST /x HTTP/1.1\r\nContent-Length: 1\r\n"
		    "Content-Length: 2\r\n\r\nab", "HTTP/1.1 400 ",
		    "two Content-Lengths that disagree" },
		{ "GET /%00 HTTP/1.1\r\n\r\n", "HTTP/1.1 400 ",
		    "a NUL in the path" },
		{ "POST /x HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n",
		    "HTTP/1.1 413 ", "a body past the cap" },
		{ "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "5\r\nhello\r\n0\r\n\r\n", "HTTP/1.1 411 ",
		    "a chunked body" },
		{ "POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc",
		    "HTTP/1.1 400 ", "a body cut short (half close)" },
	};
	struct buf big = BUF_INIT;
	size_t i;
	char *ans;
	int fd;

	for (i = 0; i < HM_ARRAY_SIZE(t); i++) {
		if (strstr(t[i].what, "half close")) {
			struct httpd_req *r = NULL;
			struct buf err = BUF_INIT;

			fd = client(h);
			put(fd, t[i].raw);
			shutdown(fd, SHUT_WR);
			httpd_next(h, 300, &r, &err);
			httpd_req_free(r);
			buf_release(&err);
			ans = slurp(fd);
		} else {
			ans = refused(h, t[i].raw);
		}
		ok(starts(ans, t[i].want), "%s: %.12s", t[i].what, ans);
		free(ans);
	}
	buf_adds(&big, "GET /x HTTP/1.1\r\n");
	for (i = 0; i < 101; i++)
		buf_addf(&big, "X-H%zu: v\r\n", i);
	buf_adds(&big, "\r\n");
	ans = refused(h, big.s);
	ok(starts(ans, "HTTP/1.1 431 "), "101 header lines: %.12s", ans);
	free(ans);
	buf_reset(&big);
	buf_adds(&big, "GET /x HTTP/1.1\r\nX-Big: ");
	for (i = 0; i < 17 * 1024; i++)
		buf_addc(&big, 'a');
	ans = refused(h, big.s);
	ok(starts(ans, "HTTP/1.1 431 "), "a header past 16 KiB: %.12s", ans);
	free(ans);
	buf_release(&big);
}

static void
test_slow(struct httpd *h)
{
	struct httpd_req *r = NULL;
	struct buf err = BUF_INIT;
	char *ans;
	int slow, silent, good, rc;

	httpd_limits(h, 300, 0);
	slow = client(h);
	silent = client(h);
	put(slow, "POST /x HTTP/1.1\r\nContent-Le");
	good = client(h);
	put(good, "GET /good HTTP/1.1\r\n\r\n");
	rc = httpd_next(h, 2000, &r, &err);
	ok(rc == 1 && r && !strcmp(r->path, "/good"),
	    "a slow and a silent client hold up no one");
	if (r)
		httpd_respond(r, 204, NULL, NULL, 0, NULL);
	httpd_req_free(r);
	free(slurp(good));
	r = NULL;
	rc = httpd_next(h, 600, &r, &err);
	is_int(rc, 0, "the slow ones never make a request");
	httpd_req_free(r);
	ans = slurp(slow);
	ok(starts(ans, "HTTP/1.1 408 "), "the slow client gets 408: %.12s",
	    ans);
	free(ans);
	ans = slurp(silent);
	ok(starts(ans, "HTTP/1.1 408 ") || !*ans, "the silent one is closed");
	free(ans);
	httpd_limits(h, 0, 0);
	buf_release(&err);
}

static void
test_continue(struct httpd *h)
{
	struct httpd_req *r = NULL;
	struct buf err = BUF_INIT;
	struct pollfd p;
	char line[64];
	ssize_t n;
	int fd = client(h), rc;

	put(fd, "POST /x HTTP/1.1\r\nExpect: 100-continue\r\n"
	    "Content-Length: 5\r\n\r\n");
	rc = httpd_next(h, 200, &r, &err);
	is_int(rc, 0, "a request waiting for its body is not handed out");
	p.fd = fd;
	p.events = POLLIN;
	n = poll(&p, 1, 1000) > 0 ? read(fd, line, sizeof(line) - 1) : -1;
	line[n > 0 ? n : 0] = '\0';
	is_str(line, "HTTP/1.1 100 Continue\r\n\r\n", "100 Continue first");
	put(fd, "hello");
	rc = httpd_next(h, 2000, &r, &err);
	ok(rc == 1 && r && r->len == 5 && !strcmp(r->body, "hello"),
	    "then the body");
	httpd_req_free(r);	/* never answered: just closed */
	free(slurp(fd));
	buf_release(&err);
}

/* The client resets the connection (SO_LINGER 0) before its answer,
 * and the reset is taken off the server's socket (a recv reports it),
 * so the answer's send is an EPIPE: with SIGPIPE blocked meanwhile, a
 * send without MSG_NOSIGNAL shows as a pending SIGPIPE instead of
 * killing the test. */
static void
test_gone(struct httpd *h)
{
	struct linger lg = { 1, 0 };
	struct timespec zero = { 0, 0 };
	struct httpd_req *r = NULL;
	struct buf err = BUF_INIT;
	struct pollfd pfd;
	sigset_t pipe, old, pend;
	int fd = client(h), rc;
	char c;

	put(fd, "GET /x HTTP/1.1\r\n\r\n");
	if (httpd_next(h, 2000, &r, &err) != 1) {
		ok(0, "a request from a client that leaves");
		close(fd);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
	pfd.fd = r->fd;
	pfd.events = POLLIN;
	poll(&pfd, 1, 2000);
	ok(recv(r->fd, &c, 1, MSG_DONTWAIT) < 0 && errno == ECONNRESET,
	    "the client reset the connection");
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe, &old);
	rc = httpd_respond(r, 200, "text/plain", "late", 4, NULL);
	sigpending(&pend);
	ok(!sigismember(&pend, SIGPIPE), "answering a client that left "
	    "raises no SIGPIPE");
	if (sigismember(&pend, SIGPIPE))
		sigtimedwait(&pipe, NULL, &zero);
	sigprocmask(SIG_SETMASK, &old, NULL);
	is_int(rc, -HM_EIO, "and says the send failed");
	is_int(httpd_respond(r, 200, "text/plain", "again", 5, NULL),
	    -HM_EFAIL, "a second answer to it is refused");
	httpd_req_free(r);
	buf_release(&err);
}

int
main(void)
{
	struct buf err = BUF_INIT;
	struct httpd *h = NULL;
	char *d;

	signal(SIGPIPE, SIG_DFL);	/* MSG_NOSIGNAL must spare us */
	test_addresses();
	d = httpd_urldecode("a%41+b", 6, 1);
	is_str(d, "aA b", "httpd_urldecode");
	free(d);
	ok(!httpd_urldecode("a%00", 4, 0), "a NUL is refused");
	if (httpd_listen("127.0.0.1:0", &h, &err) < 0) {
		ok(0, "listen: %s", err.s);
		return done_testing();
	}
	ok(httpd_next(h, 50, &(struct httpd_req *){ NULL }, &err) == 0,
	    "nothing comes: 0 after the timeout");
	test_good(h);
	test_query(h);
	test_refusals(h);
	test_slow(h);
	test_continue(h);
	test_gone(h);
	httpd_close(h);
	buf_release(&err);
	return done_testing();
}
