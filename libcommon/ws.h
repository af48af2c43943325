/*
 * ws.h: a WebSocket client (RFC 6455) for the gateway's Slack and
 * Discord platforms.  Debian 12's libcurl has no WebSocket support, so
 * the connection is a raw libcurl CONNECT_ONLY one (http_conn.h: curl
 * does TCP and, for wss://, TLS) and the upgrade and framing are ours:
 * masked client frames, 7/16/64-bit lengths, fragmented messages
 * reassembled, pings answered with pongs inside ws_recv, the close
 * handshake answered and reported.
 *
 *   struct ws *w;
 *   if (ws_open("wss://host/path?x=1", headers, 30, &w, err) < 0) ...
 *   ws_send_text(w, json, strlen(json), err);
 *   rc = ws_recv(w, 1000, &msg, err);   1: a message, 0: timeout
 *   ws_close(w, 1000);                  and w is freed
 *
 * Errors: -HM_EIO for a connection that failed or ended (refused, not
 * 101, a bad Sec-WebSocket-Accept, a reset, a close frame from the
 * server: err names the close code and reason), -HM_EINVAL for a URL
 * that is not ws:// or wss://, -HM_EFAIL for a protocol violation by
 * the server (a masked frame, a bad opcode, a control frame over 125
 * bytes, a fragmented control frame).  After any error the only call
 * left is ws_close.  Messages over WS_MAX_MESSAGE are a protocol error.
 * Reconnecting is the caller's (the gateway backs a failed platform off
 * and polls again, and the platform opens a new connection then).
 */
#ifndef HM_WS_H
#define HM_WS_H

#include <stddef.h>

#include "buf.h"

struct ws;

#define WS_MAX_MESSAGE	(16u << 20)

/* Connect and upgrade.  headers ("Name: value", NULL-terminated, may
 * be NULL) go with the upgrade request (Authorization).  timeout bounds
 * the connect and the upgrade, in seconds. */
int ws_open(const char *url, const char *const *headers, long timeout,
    struct ws **out, struct buf *err);
/* Send one text message (one frame, masked). */
int ws_send_text(struct ws *w, const char *p, size_t n, struct buf *err);
/* Wait up to timeout_ms (0: only what is buffered or ready now) for one
 * whole data message, its payload (text or binary) left in msg (reset
 * first, NUL-terminated).  Pings met on the way are answered.  Returns
 * 1 with a message, 0 when the time ran out (or a caught signal cut the
 * wait short), or an error as above. */
int ws_recv(struct ws *w, long timeout_ms, struct buf *msg,
    struct buf *err);
/* The socket, for poll(2) by a caller that waits on several things.
 * Messages already read (several may come in one read, and with TLS
 * libcurl may hold decrypted bytes) do not wake poll: call ws_recv(w,
 * 0, ...) until it returns 0 before polling again. */
int ws_fd(const struct ws *w);
/* Send a close frame with code (1000 normal), wait a moment for the
 * server's, close the connection, free w.  NULL is fine. */
void ws_close(struct ws *w, int code);

/* Frame level (ws_frame.c), for ws.c and its unit tests. */
struct ws_frame {
	int fin;
	int opcode;		/* 0 continuation, 1 text, 2 binary, 8 close,
				   9 ping, 10 pong */
	int masked;
	unsigned char key[4];
	const unsigned char *payload;	/* inside the parsed bytes, unmasked
					   in place when masked */
	size_t len;
};

/* Append one frame to out: masked with key when key is not NULL (a
 * client's frames always are). */
void ws_frame_encode(struct buf *out, int fin, int opcode,
    const unsigned char *key, const void *payload, size_t len);
/* Parse one frame at p (n bytes; masked payloads are unmasked in
 * place).  Returns the bytes it took, 0 when more bytes are needed,
 * -HM_EFAIL for a malformed frame (err says why). */
long ws_frame_parse(unsigned char *p, size_t n, struct ws_frame *f,
    struct buf *err);

/* Upgrade level (ws_upgrade.c), for ws.c and its unit tests.
 * ws_upgrade_url splits a ws:// or wss:// URL (-HM_EINVAL for anything
 * else, a bad port, user info, a space or control byte; err never
 * quotes the URL).  ws_upgrade_request appends the GET with key (its
 * base64) and headers.  ws_upgrade_check checks the answer's head (NUL-
 * terminated, through the CRLF of its last header): 0, or -HM_EIO. */
struct ws_url {
	struct buf name;	/* ws://host:port, for error lines */
	struct buf conn;	/* http://host:port/ or https://... */
	struct buf host;	/* the Host header: no default port */
	struct buf target;	/* path and query; "/" at least */
};

#define WS_URL_INIT { BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT }

int ws_upgrade_url(const char *url, struct ws_url *u, struct buf *err);
void ws_upgrade_url_release(struct ws_url *u);
void ws_upgrade_request(struct buf *out, const struct ws_url *u,
    const char *key, const char *const *headers);
int ws_upgrade_check(const char *head, const char *key, struct buf *err);

#endif
