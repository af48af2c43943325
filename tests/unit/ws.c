/*
 * ws.c: unit tests for libcommon/ws.c (and http_conn.c under it) against
 * tests/fakes/ws.py, which this program starts itself (python3, a port
 * file, killed by pid at the end); the request path picks the fake's
 * mode.  Checked: the upgrade request (target with its query, Host with
 * the port, the caller's headers, the key, version 13); echo of short
 * and 200 kB messages, every client frame masked; a timeout returns 0
 * no earlier than asked, 0 ms returns at once, a caught signal cuts the
 * wait short; a message cut by a timeout inside a frame and between
 * fragments; pings without end, which must not keep ws_recv (or
 * ws_close) from returning; a server deaf to close; pings answered with
 * the same payload (alone and between fragments); 70,000-byte and
 * edge-sized messages; two frames in the 101 answer's read; a frame
 * trickling in a byte at a time; the server's close (4000 bye, and one
 * in the middle of a fragmented message) answered and reported; a
 * dropped connection; each protocol violation (-HM_EFAIL, then close
 * 1002); a message over WS_MAX_MESSAGE; ws_close's close 1000; a 403, a
 * wrong Sec-WebSocket-Accept, a server that never answers, nothing
 * listening; bad URLs and headers; the header values in no err.
 * Files: a mkdtemp directory for the port file and the log, removed.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "common.h"
#include "base64.h"
#include "path.h"
#include "ws.h"
#include "fake.h"
#include "tap.h"

#define SECRET	"Bearer SECRET-xapp-123"

static char dir[] = "/tmp/hermes-unit-ws.XXXXXX";
static char logpath[PATH_MAX];
static pid_t fake_pid = -1;
static int port;
static const char *const hdrs[] = { "Authorization: " SECRET,
    "X-Hermes-Test: yes", NULL };

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
fake_start(const char *py)
{
	char ppath[PATH_MAX], pid[32];
	char *const argv[] = { "python3", "-S", (char *)py, "--log", logpath,
	    "--port-file", ppath, "--timeout", "120", "--watch-pid", pid,
	    NULL };

	snprintf(ppath, sizeof(ppath), "%s/ws.port", dir);
	snprintf(logpath, sizeof(logpath), "%s/ws.log", dir);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	fake_pid = fake_spawn(argv, ppath, &port);
	return port > 0 ? 0 : -1;
}

static void
fake_stop(void)
{
	fake_kill(&fake_pid);
}

/* ws://127.0.0.1:PORT + path, in a static buffer. */
static const char *
url(const char *path)
{
	static char u[256];

	snprintf(u, sizeof(u), "ws://127.0.0.1:%d%s", port, path);
	return u;
}

/* The fake's events for the latest connection whose request target was
 * target (request first), as a JSON array the caller frees. */
static cJSON *
events(const char *target)
{
	struct buf b = BUF_INIT;
	cJSON *out = cJSON_CreateArray(), *e;
	char *line, *nl;
	int conn = -1;

	if (buf_read_file(&b, logpath) == 0 && b.s) {
		for (line = b.s; (nl = strchr(line, '\n')); line = nl + 1) {
			*nl = '\0';
			if (!(e = cJSON_Parse(line)))
				continue;
			if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(
			    e, "event")), "request") && !strcmp(
			    cJSON_GetStringValue(cJSON_GetObjectItem(e,
			    "target")), target)) {
				cJSON_Delete(out);
				out = cJSON_CreateArray();
				conn = cJSON_GetObjectItem(e, "conn")->valueint;
			}
			if (cJSON_GetObjectItem(e, "conn")->valueint == conn)
				cJSON_AddItemToArray(out, e);
			else
				cJSON_Delete(e);
		}
	}
	buf_release(&b);
	return out;
}

/* The first frame event of opcode op in ev, or NULL. */
static const cJSON *
frame_of(const cJSON *ev, int op)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, ev) {
		const cJSON *o = cJSON_GetObjectItem(e, "opcode");

		if (cJSON_IsNumber(o) && o->valueint == op)
			return e;
	}
	return NULL;
}

/* events(target) once it holds a frame of opcode op (the fake logs
 * what the client sent last a moment after the client returns), or
 * after 5 s without one. */
static cJSON *
events_op(const char *target, int op)
{
	struct timespec nap = { 0, 20000000 };
	cJSON *ev = events(target);
	int i;

	for (i = 0; i < 250 && !frame_of(ev, op); i++) {
		cJSON_Delete(ev);
		nanosleep(&nap, NULL);
		ev = events(target);
	}
	return ev;
}

static const char *
str(const cJSON *o, const char *k)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, k));

	return s ? s : "";
}

/* Did the fake see target's connection end (its "eof"), within 5 s? */
static int
conn_ended(const char *target)
{
	struct timespec nap = { 0, 20000000 };
	const cJSON *e;
	cJSON *ev;
	int i, seen = 0;

	for (i = 0; i < 250 && !seen; i++) {
		if (i)
			nanosleep(&nap, NULL);
		ev = events(target);
		cJSON_ArrayForEach(e, ev)
			if (!strcmp(str(e, "event"), "eof"))
				seen = 1;
		cJSON_Delete(ev);
	}
	return seen;
}

static int
num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);

	return cJSON_IsNumber(v) ? v->valueint : -1;
}

/* The length of what base64 s decodes to; 0 when it is not base64. */
static size_t
decoded_len(const char *s, struct buf *b)
{
	buf_reset(b);
	return base64_decode(b, s, strlen(s)) == 0 ? b->len : 0;
}

static struct ws *
open_ok(const char *path, struct buf *err)
{
	struct ws *w = NULL;

	buf_reset(err);
	ok(ws_open(url(path), hdrs, 5, &w, err) == 0 && w, "open %s%s%s",
	    path, err->len ? ": " : "", buf_str(err));
	return w;
}

static void
on_alarm(int sig)
{
	(void)sig;
}

/* A caught signal ends ws_recv's wait: 0, and the connection is fine. */
static void
test_signal(struct ws *w)
{
	struct itimerval it = { { 0, 0 }, { 0, 100000 } };
	struct buf err = BUF_INIT, msg = BUF_INIT;
	struct sigaction sa;
	long long t0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	t0 = now_ms();
	is_int(ws_recv(w, 10000, &msg, &err), 0, "a signal: ws_recv "
	    "returns 0");
	ok(now_ms() - t0 < 9000, "before its timeout");
	signal(SIGALRM, SIG_DFL);
	ok(ws_send_text(w, "still", 5, &err) == 0 && ws_recv(w, 5000, &msg,
	    &err) == 1 && !strcmp(msg.s, "still"), "and the connection "
	    "still works");
	buf_release(&msg);
	buf_release(&err);
}

static void
test_echo(void)
{
	const char *target = "/echo/sub?x=1&y=2";
	struct buf err = BUF_INIT, msg = BUF_INIT, hk = BUF_INIT;
	struct ws *w = open_ok(target, &err);
	const cJSON *e, *h;
	char *big, host[64];
	long long t0;
	cJSON *ev;
	int all;

	if (!w)
		return;
	ok(ws_fd(w) >= 0, "ws_fd is a descriptor");
	is_int(ws_send_text(w, "hello", 5, &err), 0, "send hello");
	is_int(ws_recv(w, 5000, &msg, &err), 1, "a message comes back");
	is_str(msg.s, "hello", "the echo");
	big = xmalloc(200001);
	memset(big, 'b', 200000);
	big[200000] = '\0';
	big[7] = 'X';
	is_int(ws_send_text(w, big, 200000, &err), 0, "send 200 kB");
	ok(ws_recv(w, 5000, &msg, &err) == 1 && msg.len == 200000 &&
	    !memcmp(msg.s, big, 200000), "200 kB come back intact");
	free(big);
	is_int(ws_send_text(w, "", 0, &err), 0, "send an empty message");
	ok(ws_recv(w, 5000, &msg, &err) == 1 && msg.s && msg.len == 0 &&
	    !*msg.s, "an empty message: 1 and an empty string");
	t0 = now_ms();
	is_int(ws_recv(w, 300, &msg, &err), 0, "nothing sent: 0 after the "
	    "timeout");
	ok(now_ms() - t0 >= 290, "and not before it");
	t0 = now_ms();
	is_int(ws_recv(w, 0, &msg, &err), 0, "timeout 0: 0");
	is_int(msg.len, 0, "msg is reset");
	test_signal(w);
	ws_close(w, 1000);
	ev = events_op(target, 8);
	e = cJSON_GetArrayItem(ev, 0);
	h = cJSON_GetObjectItem(e, "headers");
	is_str(str(e, "line"), "GET /echo/sub?x=1&y=2 HTTP/1.1",
	    "the request line: the URL's path and query");
	snprintf(host, sizeof(host), "127.0.0.1:%d", port);
	is_str(str(h, "host"), host, "Host has the port");
	is_str(str(h, "authorization"), SECRET, "the caller's header goes");
	is_str(str(h, "x-hermes-test"), "yes", "so does the second");
	is_str(str(h, "upgrade"), "websocket", "Upgrade: websocket");
	ok(!strcasecmp(str(h, "connection"), "upgrade"), "Connection: "
	    "Upgrade");
	is_str(str(h, "sec-websocket-version"), "13", "version 13");
	ok(decoded_len(str(h, "sec-websocket-key"), &hk) == 16,
	    "the key is 16 bytes in base64");
	all = 1;
	cJSON_ArrayForEach(e, ev)
		if (!strcmp(str(e, "event"), "frame") &&
		    !cJSON_IsTrue(cJSON_GetObjectItem(e, "masked")))
			all = 0;
	ok(all, "every client frame is masked");
	e = frame_of(ev, 8);
	is_int(num(e, "code"), 1000, "ws_close sent close 1000");
	cJSON_Delete(ev);
	buf_release(&hk);
	buf_release(&msg);
	buf_release(&err);
}

/* Open path, expect one message equal to want (n bytes). */
static void
expect_msgs(const char *path, const char *what, const char *const *want,
    const size_t *n, int count)
{
	struct buf err = BUF_INIT, msg = BUF_INIT;
	struct ws *w = open_ok(path, &err);
	int i, rc;

	for (i = 0; w && i < count; i++) {
		rc = ws_recv(w, 5000, &msg, &err);
		ok(rc == 1 && msg.s && msg.len == n[i] &&
		    !memcmp(msg.s, want[i], n[i]) && !msg.s[n[i]],
		    "%s: message %d of %zu bytes%s%s", what, i + 1, n[i],
		    rc < 0 ? ": " : "", rc < 0 ? err.s : "");
	}
	if (w) {
		is_int(ws_send_text(w, "after", 5, &err), 0, "%s: send", what);
		ok(ws_recv(w, 5000, &msg, &err) == 1 && !strcmp(msg.s,
		    "after"), "%s: and the echo still works", what);
	}
	ws_close(w, 1000);
	buf_release(&msg);
	buf_release(&err);
}

static void
test_messages(void)
{
	static const size_t sizes[] = { 0, 125, 126, 65535, 65536 };
	const char *ss[5], *one[2];
	size_t n[5];
	char *big, *s;
	cJSON *ev;
	int i;

	big = xmalloc(70000);
	for (i = 0; i < 70000; i++)
		big[i] = (char)('a' + i % 26);
	one[0] = big;
	n[0] = 70000;
	expect_msgs("/big", "70,000 bytes (64-bit length)", one, n, 1);
	free(big);
	s = xmalloc(65536);
	memset(s, 's', 65536);
	for (i = 0; i < 5; i++) {
		ss[i] = s;
		n[i] = sizes[i];
	}
	expect_msgs("/sizes", "edge sizes", ss, n, 5);
	free(s);
	one[0] = "hello world";
	n[0] = 11;
	expect_msgs("/frag", "fragmented, a ping inside", one, n, 1);
	ev = events("/frag");
	is_str(str(frame_of(ev, 10), "data"), "mid", "the ping between the "
	    "fragments got its pong");
	cJSON_Delete(ev);
	one[0] = "slow frame";
	n[0] = 10;
	expect_msgs("/slow", "a frame a byte at a time", one, n, 1);
	one[0] = "x";
	n[0] = 0;
	expect_msgs("/ping", "ping first", one, n, 0);
	ev = events("/ping");
	is_str(str(frame_of(ev, 10), "data"), "hb-1", "the ping got a pong "
	    "with its payload");
	ok(cJSON_IsTrue(cJSON_GetObjectItem(frame_of(ev, 10), "masked")),
	    "the pong is masked");
	cJSON_Delete(ev);
}

/* Two frames arrive with the 101 answer: both are kept. */
static void
test_leftover(void)
{
	struct buf err = BUF_INIT, msg = BUF_INIT;
	struct ws *w = open_ok("/two", &err);

	if (!w)
		return;
	ok(ws_recv(w, 5000, &msg, &err) == 1 && !strcmp(msg.s, "one"),
	    "the frame read with the 101 answer");
	ok(ws_recv(w, 0, &msg, &err) == 1 && !strcmp(msg.s, "two"),
	    "the next one is already buffered: timeout 0 returns it");
	is_int(ws_recv(w, 0, &msg, &err), 0, "then nothing");
	ws_close(w, 1000);
	buf_release(&msg);
	buf_release(&err);
}

/* A message cut by timeouts, between its fragments and inside a
 * frame, is whole once the rest comes. */
static void
test_pause(void)
{
	struct buf err = BUF_INIT, msg = BUF_INIT;
	struct ws *w = open_ok("/pause", &err);

	if (!w)
		return;
	is_int(ws_recv(w, 100, &msg, &err), 0, "half a message, half a "
	    "frame: 0 at the timeout");
	ok(ws_recv(w, 5000, &msg, &err) == 1 && !strcmp(msg.s, "abcd"),
	    "then the whole message (%s)", buf_str(&msg));
	ws_close(w, 1000);
	buf_release(&msg);
	buf_release(&err);
}

/* Pings without end do not keep ws_recv from returning. */
static void
test_flood(void)
{
	struct buf err = BUF_INIT, msg = BUF_INIT;
	struct ws *w = open_ok("/flood", &err);

	if (!w)
		return;
	is_int(ws_recv(w, 200, &msg, &err), 0, "pings without a pause: "
	    "ws_recv still returns 0 at its timeout");
	is_int(ws_recv(w, 0, &msg, &err), 0, "and timeout 0 returns too");
	ws_close(w, 1000);
	ok(conn_ended("/flood"), "so does ws_close, and the connection is "
	    "closed");
	buf_release(&msg);
	buf_release(&err);
}

/* A server that never answers the close: ws_close gives up. */
static void
test_deaf(void)
{
	struct buf err = BUF_INIT;
	struct ws *w = open_ok("/deaf", &err);
	long long t0 = now_ms();
	cJSON *ev;

	if (!w)
		return;
	ws_close(w, 1001);
	ok(now_ms() - t0 >= 900, "ws_close waits about 1 s for the "
	    "server's close");
	ok(now_ms() - t0 < 20000, "and not for ever");
	ev = events_op("/deaf", 8);
	is_int(num(frame_of(ev, 8), "code"), 1001, "the server got close "
	    "1001");
	cJSON_Delete(ev);
	buf_release(&err);
}

/* Open path; expect ws_recv to fail with rc and err holding want. */
static void
expect_fail(const char *path, int rc, const char *want)
{
	struct buf err = BUF_INIT, msg = BUF_INIT;
	struct ws *w = open_ok(path, &err);
	int got;

	if (!w)
		return;
	got = ws_recv(w, 5000, &msg, &err);
	is_int(got, rc, "%s: ws_recv fails", path);
	ok(err.s && strstr(err.s, want), "%s: err says '%s' (%s)", path,
	    want, buf_str(&err));
	is_int(ws_send_text(w, "x", 1, &err), -HM_EIO, "%s: then send "
	    "fails", path);
	is_int(ws_recv(w, 0, &msg, &err), -HM_EIO, "%s: and recv", path);
	ws_close(w, 1000);
	buf_release(&msg);
	buf_release(&err);
}

static void
test_server_errors(void)
{
	cJSON *ev;

	expect_fail("/close", -HM_EIO, "closed by the server: 4000 bye");
	ev = events_op("/close", 8);
	is_int(num(frame_of(ev, 8), "code"), 4000, "the close was answered "
	    "with its code");
	cJSON_Delete(ev);
	expect_fail("/closefrag", -HM_EIO, "closed by the server: 1001 "
	    "going away");
	expect_fail("/drop", -HM_EIO, "closed");
	expect_fail("/masked", -HM_EFAIL, "masked frame");
	ev = events_op("/masked", 8);
	is_int(num(frame_of(ev, 8), "code"), 1002, "after a violation "
	    "ws_close sends 1002");
	cJSON_Delete(ev);
	expect_fail("/rsv", -HM_EFAIL, "RSV");
	expect_fail("/opcode3", -HM_EFAIL, "reserved opcode 3");
	expect_fail("/bigping", -HM_EFAIL, "over 125 bytes");
	expect_fail("/fragping", -HM_EFAIL, "fragmented control");
	expect_fail("/toobig", -HM_EFAIL, "over the limit");
	expect_fail("/fragbig", -HM_EFAIL, "message over");
	expect_fail("/badcont", -HM_EFAIL, "continuation frame");
}

/* ws_open of path fails with rc and want in err, never the secret. */
static void
open_fails(const char *u, const char *const *h, long timeout, int rc,
    const char *want, const char *what)
{
	struct buf err = BUF_INIT;
	struct ws *w = (struct ws *)&err;	/* must be set to NULL */

	is_int(ws_open(u, h, timeout, &w, &err), rc, "%s: ws_open fails",
	    what);
	ok(!w, "%s: *out is NULL", what);
	ok(err.s && strstr(err.s, want), "%s: err says '%s' (%s)", what,
	    want, buf_str(&err));
	ok(!strstr(buf_str(&err), "SECRET") && !strstr(buf_str(&err),
	    "x=1"), "%s: no header value or query in err", what);
	buf_release(&err);
}

static void
test_open_errors(void)
{
	static const char *const crlf[] = { "Authorization: SECRET\r\n"
	    "Evil: 1", NULL }, *const nocolon[] = { "SECRET", NULL };
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	char u[128];
	long long t0;
	pid_t pid;
	int fd, st;

	open_fails(url("/reject?x=1"), hdrs, 5, -HM_EIO, "403 Forbidden",
	    "403");
	open_fails(url("/badaccept?x=1"), hdrs, 5, -HM_EIO,
	    "Sec-WebSocket-Accept", "a wrong accept");
	t0 = now_ms();
	open_fails(url("/mute?x=1"), hdrs, 1, -HM_EIO, "no answer",
	    "no answer to the upgrade");
	ok(now_ms() - t0 >= 990, "the open timeout is honoured");
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	close(fd);	/* a port nobody listens on */
	snprintf(u, sizeof(u), "ws://127.0.0.1:%d/?x=1", ntohs(sa.sin_port));
	open_fails(u, hdrs, 5, -HM_EIO, "cannot connect", "refused");
	open_fails("http://127.0.0.1/?x=1", hdrs, 5, -HM_EINVAL,
	    "not ws:// or wss://", "an http URL");
	open_fails("ws://", hdrs, 5, -HM_EINVAL, "no host", "no host");
	open_fails("ws://u:SECRET@127.0.0.1/", hdrs, 5, -HM_EINVAL,
	    "user info", "user info");
	open_fails("ws://127.0.0.1:99999/", hdrs, 5, -HM_EINVAL, "bad port",
	    "port 99999");
	open_fails("ws://127.0.0.1:/", hdrs, 5, -HM_EINVAL, "bad port",
	    "an empty port");
	open_fails("ws://[::1/", hdrs, 5, -HM_EINVAL, "']'", "no ]");
	open_fails("ws://127.0.0.1/a b", hdrs, 5, -HM_EINVAL, "bad "
	    "character", "a space in the path");
	open_fails(url("/echo"), crlf, 5, -HM_EINVAL, "header 1",
	    "a header with CRLF");
	open_fails(url("/echo"), nocolon, 5, -HM_EINVAL, "header 1",
	    "a header without a colon");
	if ((pid = fork()) == 0) {
		ws_close(NULL, 1000);
		_exit(0);
	}
	ok(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "ws_close(NULL) returns (in a child, "
	    "where a crash shows)");
}

/* A URL with only a query, and WSS-less defaults: target "/?q". */
static void
test_query_only(void)
{
	struct buf err = BUF_INIT, msg = BUF_INIT;
	struct ws *w = NULL;
	char u[128];
	cJSON *ev;

	snprintf(u, sizeof(u), "WS://127.0.0.1:%d?v=10&encoding=json#frag",
	    port);
	ok(ws_open(u, NULL, 5, &w, &err) == 0, "open a URL with no path, "
	    "an upper-case scheme and a fragment");
	if (w) {
		ws_send_text(w, "q", 1, &err);
		ok(ws_recv(w, 5000, &msg, &err) == 1 && !strcmp(msg.s, "q"),
		    "it echoes");
	}
	ws_close(w, 4001);
	ev = events_op("/?v=10&encoding=json", 8);
	ok(cJSON_GetArraySize(ev) > 0, "the target is / and the query, "
	    "without the fragment");
	is_int(num(frame_of(ev, 8), "code"), 4001, "ws_close sends the "
	    "caller's code");
	cJSON_Delete(ev);
	buf_release(&msg);
	buf_release(&err);
}

int
main(int argc, char **argv)
{
	struct buf py = BUF_INIT;
	char *d;

	(void)argc;
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	d = hm_dirname(argv[0]);
	buf_addf(&py, "%s/../fakes/ws.py", d);
	free(d);
	if (fake_start(py.s) < 0) {
		ok(0, "the fake WebSocket server starts");
	} else {
		test_echo();
		test_messages();
		test_leftover();
		test_pause();
		test_flood();
		test_deaf();
		test_server_errors();
		test_open_errors();
		test_query_only();
	}
	fake_stop();
	fake_rmtree(dir);
	buf_release(&py);
	return done_testing();
}
