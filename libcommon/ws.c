/*
 * ws.c: the WebSocket client of ws.h over a raw http_conn (libcurl does
 * TCP and TLS; the upgrade's text is ws_upgrade.c's, the frames are
 * ws_frame.c's).  Sec-WebSocket-Key and every masking key come from
 * getrandom(2) (/dev/urandom without it).  The upgrade answer is read
 * up to its blank line; bytes after it are the first frames and stay in
 * the input.  Timeouts are CLOCK_MONOTONIC deadlines.
 *
 * Input: in[off..len) holds received bytes not yet parsed; a parsed
 * frame's payload points into it and is used (copied, or answered with a
 * pong) before the next read, which is the only thing that moves or
 * overwrites bytes.  A fragmented message grows in frag across calls,
 * so a timeout in the middle of one loses nothing.
 *
 * States: open; dead (the connection failed, or the server's close was
 * answered): ws_close only closes; broken (the server broke the
 * protocol): ws_close sends close 1002 without waiting.  Error lines
 * name the URL as ws://host:port only: the path and query may hold a
 * ticket (Slack's), and the caller's headers are never copied anywhere.
 */
#include <sys/random.h>
#include <fcntl.h>
#include <time.h>

#include "common.h"
#include "base64.h"
#include "http_conn.h"
#include "ws.h"
#include "timeutil.h"

#define WS_HEAD_MAX	16384	/* bytes of the upgrade answer's head */
#define WS_CHUNK	16384	/* room made for each read */
#define WS_CLOSE_MS	1000	/* ws_close's wait for the server's close */

enum { WS_OPEN, WS_DEAD, WS_BROKEN };

struct ws {
	struct http_conn *conn;
	char *name;		/* "ws://host:port", for error lines */
	long timeout_ms;	/* for each send */
	int state;
	unsigned char *in;
	size_t off, len, cap;
	struct buf frag;	/* a fragmented message so far */
	int frag_op;		/* its opcode; 0: none under way */
	int late;		/* read past the deadline in this call */
};

static long
left_ms(long long deadline)
{
	long long d = deadline - tu_mono_ms();

	return d < 0 ? 0 : d > LONG_MAX ? LONG_MAX : (long)d;
}

static int
rand_bytes(void *p, size_t n, struct buf *err)
{
	ssize_t k;
	int fd;

	if (getrandom(p, n, 0) == (ssize_t)n)
		return 0;
	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) >= 0) {
		k = read(fd, p, n);
		close(fd);
		if (k == (ssize_t)n)
			return 0;
	}
	return hm_fail(err, HM_EIO, "no random bytes for WebSocket keys");
}

/* Prefix the line in err with what, ": ". */
static int
fail_pre(struct buf *err, int rc, const char *what, const char *name)
{
	struct buf b = BUF_INIT;

	if (err) {
		buf_addf(&b, "%s%s: %s", what, name, buf_str(err));
		buf_reset(err);
		buf_add(err, b.s, b.len);
		buf_release(&b);
	}
	return rc;
}

/* Read more bytes into in, waiting until deadline: 1 read, 0 none. */
static int
fill(struct ws *w, long long deadline, struct buf *err)
{
	size_t got;
	int rc;

	if (w->off) {
		memmove(w->in, w->in + w->off, w->len - w->off);
		w->len -= w->off;
		w->off = 0;
	}
	if (w->cap - w->len < WS_CHUNK) {
		w->cap = w->len + WS_CHUNK;
		w->in = xrealloc(w->in, w->cap);
	}
	rc = http_conn_recv(w->conn, w->in + w->len, w->cap - w->len,
	    left_ms(deadline), &got, err);
	if (rc < 0) {
		w->state = WS_DEAD;
		return rc;
	}
	w->len += got;
	return got > 0;
}

/* Send the upgrade request and read its answer before deadline. */
static int
upgrade(struct ws *w, const struct ws_url *u, const char *const *headers,
    long long deadline, struct buf *err)
{
	struct buf req = BUF_INIT, key = BUF_INIT;
	unsigned char raw[16];
	unsigned char *end;
	size_t from = 0;
	int rc;

	if ((rc = rand_bytes(raw, sizeof(raw), err)) < 0)
		return rc;
	base64_encode(&key, raw, sizeof(raw));
	ws_upgrade_request(&req, u, key.s, headers);
	rc = http_conn_send(w->conn, req.s, req.len, left_ms(deadline), err);
	buf_release(&req);
	while (rc == 0) {
		if (w->len >= 4 && (end = memmem(w->in + from, w->len - from,
		    "\r\n\r\n", 4))) {
			w->off = (size_t)(end - w->in) + 4;
			end[2] = '\0';	/* the head, with its last CRLF */
			rc = ws_upgrade_check((char *)w->in, key.s, err);
			break;
		}
		from = w->len > 3 ? w->len - 3 : 0;
		if (w->len >= WS_HEAD_MAX)
			rc = hm_fail(err, HM_EIO, "the upgrade answer's head "
			    "is over %d bytes", WS_HEAD_MAX);
		else if ((rc = fill(w, deadline, err)) == 0 &&
		    tu_mono_ms() >= deadline)
			rc = hm_fail(err, HM_EIO, "no answer to the upgrade "
			    "in time");
		else if (rc >= 0)
			rc = 0;	/* bytes, or a signal before the deadline */
	}
	buf_release(&key);
	return rc;
}

static void
ws_free(struct ws *w)
{
	http_conn_close(w->conn);
	free(w->name);
	free(w->in);
	buf_release(&w->frag);
	free(w);
}

int
ws_open(const char *url, const char *const *headers, long timeout,
    struct ws **out, struct buf *err)
{
	struct ws_url u = WS_URL_INIT;
	const char *const *h;
	long long deadline;
	struct ws *w;
	int rc;

	*out = NULL;
	if (timeout <= 0)
		timeout = 30;
	deadline = tu_mono_ms() + timeout * 1000;
	for (h = headers; h && *h; h++)
		if (!strchr(*h, ':') || strpbrk(*h, "\r\n"))
			return hm_fail(err, HM_EINVAL, "WebSocket header %d "
			    "is not one 'Name: value' line",
			    (int)(h - headers) + 1);
	if ((rc = ws_upgrade_url(url, &u, err)) < 0) {
		ws_upgrade_url_release(&u);
		return rc;
	}
	w = xcalloc(1, sizeof(*w));
	w->name = buf_detach(&u.name);
	w->timeout_ms = timeout * 1000;
	if ((rc = http_conn_open(u.conn.s, timeout, &w->conn, err)) < 0)
		rc = fail_pre(err, rc, "cannot connect to ", w->name);
	else if ((rc = upgrade(w, &u, headers, deadline, err)) < 0)
		rc = fail_pre(err, rc, "", w->name);
	ws_upgrade_url_release(&u);
	if (rc < 0) {
		ws_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

/* Send one frame, masked with a fresh key. */
static int
send_frame(struct ws *w, int opcode, const void *p, size_t n,
    long timeout_ms, struct buf *err)
{
	struct buf f = BUF_INIT;
	unsigned char key[4];
	int rc;

	if ((rc = rand_bytes(key, sizeof(key), err)) < 0)
		return rc;
	ws_frame_encode(&f, 1, opcode, key, p, n);
	rc = http_conn_send(w->conn, f.s, f.len, timeout_ms, err);
	buf_release(&f);
	if (rc < 0)
		w->state = WS_DEAD;
	return rc;
}

int
ws_send_text(struct ws *w, const char *p, size_t n, struct buf *err)
{
	if (w->state != WS_OPEN)
		return hm_fail(err, HM_EIO, "the WebSocket is closed");
	return send_frame(w, 1, p, n, w->timeout_ms, err);
}

/* The next frame, read until deadline: 1 with f set, 0 on timeout.
 * Once the deadline has passed, one more read is made (timeout 0: the
 * one read), no more: a server that never stops sending pings cannot
 * keep ws_recv from returning. */
static int
next_frame(struct ws *w, long long deadline, struct ws_frame *f,
    struct buf *err)
{
	long n;
	int rc;

	for (;;) {
		n = ws_frame_parse(w->in + w->off, w->len - w->off, f, err);
		if (n < 0) {
			w->state = WS_BROKEN;
			return (int)n;
		}
		if (n > 0) {
			w->off += (size_t)n;
			if (f->masked) {
				w->state = WS_BROKEN;
				return hm_fail(err, HM_EFAIL, "masked frame "
				    "from the server");
			}
			return 1;
		}
		if (tu_mono_ms() >= deadline) {
			if (w->late)
				return 0;
			w->late = 1;
		}
		if ((rc = fill(w, deadline, err)) <= 0)
			return rc;
	}
}

/* The server's close frame f: answer it, report it. */
static int
closed(struct ws *w, const struct ws_frame *f, struct buf *err)
{
	struct buf why = BUF_INIT;
	size_t i;
	int code;

	if (f->len == 1) {
		w->state = WS_BROKEN;
		return hm_fail(err, HM_EFAIL, "close frame of 1 byte");
	}
	send_frame(w, 8, f->payload, f->len < 2 ? 0 : 2, WS_CLOSE_MS, &why);
	buf_reset(&why);
	w->state = WS_DEAD;
	if (f->len < 2)
		return hm_fail(err, HM_EIO, "closed by the server: 1005 "
		    "(no code)");
	code = f->payload[0] << 8 | f->payload[1];
	for (i = 2; i < f->len; i++)
		buf_addc(&why, f->payload[i] < 0x20 || f->payload[i] == 0x7f ?
		    '?' : f->payload[i]);
	hm_fail(err, HM_EIO, "closed by the server: %d%s%s", code,
	    why.len ? " " : "", buf_str(&why));
	buf_release(&why);
	return -HM_EIO;
}

int
ws_recv(struct ws *w, long timeout_ms, struct buf *msg, struct buf *err)
{
	long long deadline = tu_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	struct ws_frame f;
	struct buf t;
	int rc;

	buf_reset(msg);
	w->late = 0;
	if (w->state != WS_OPEN)
		return hm_fail(err, HM_EIO, "the WebSocket is closed");
	for (;;) {
		if ((rc = next_frame(w, deadline, &f, err)) <= 0)
			return rc;
		if (f.opcode == 9) {
			if ((rc = send_frame(w, 10, f.payload, f.len,
			    w->timeout_ms, err)) < 0)
				return rc;
			continue;
		}
		if (f.opcode == 10)
			continue;
		if (f.opcode == 8)
			return closed(w, &f, err);
		if ((f.opcode == 0) != (w->frag_op != 0)) {
			w->state = WS_BROKEN;
			return hm_fail(err, HM_EFAIL, f.opcode ? "a new "
			    "message inside a fragmented one" :
			    "continuation frame outside a message");
		}
		if (f.len > WS_MAX_MESSAGE - w->frag.len) {
			w->state = WS_BROKEN;
			return hm_fail(err, HM_EFAIL, "message over %u bytes",
			    WS_MAX_MESSAGE);
		}
		if (f.fin && !w->frag_op) {
			buf_add(msg, f.payload, f.len);
			return 1;
		}
		if (!w->frag_op)
			w->frag_op = f.opcode;
		buf_add(&w->frag, f.payload, f.len);
		if (f.fin) {
			t = *msg;
			*msg = w->frag;
			w->frag = t;
			w->frag_op = 0;
			return 1;
		}
	}
}

int
ws_fd(const struct ws *w)
{
	return w ? http_conn_fd(w->conn) : -1;
}

void
ws_close(struct ws *w, int code)
{
	long long deadline = tu_mono_ms() + WS_CLOSE_MS;
	struct buf err = BUF_INIT;	/* nobody to tell */
	unsigned char p[2];
	struct ws_frame f;

	if (!w)
		return;
	if (w->state == WS_BROKEN)
		code = 1002;
	else if (code < 1000 || code > 4999)
		code = 1000;
	w->late = 0;
	p[0] = (unsigned char)(code >> 8);
	p[1] = (unsigned char)code;
	if (w->state != WS_DEAD && send_frame(w, 8, p, 2, WS_CLOSE_MS,
	    &err) == 0 && w->state == WS_OPEN)
		while (next_frame(w, deadline, &f, &err) > 0 &&
		    f.opcode != 8)
			;
	buf_release(&err);
	ws_free(w);
}
