/*
 * http_conn.h: a raw byte stream to an HTTP server through libcurl
 * (CURLOPT_CONNECT_ONLY): curl resolves, connects and, for https://,
 * does the TLS handshake and the encryption; the caller speaks the
 * protocol (ws.c: the WebSocket upgrade and frames).  libcurl stays in
 * http*.c; this file is the only way to it for a raw stream.
 *
 * http_conn_open: url is http://host[:port]/ or https://...; only the
 * host and port are used.  timeout bounds the connect and the TLS
 * handshake, in seconds (0: 30).  Proxies: the standard environment
 * (https_proxy, http_proxy, all_proxy, no_proxy) is honoured, through
 * a CONNECT tunnel; loopback hosts (localhost, 127.x, ::1) never go
 * through a proxy.  Returns 0 with *out set, or -HM_EIO (refused, DNS,
 * TLS, timed out) with err saying why (curl's message: host and port,
 * never the path or query).
 *
 * http_conn_send writes all n bytes within timeout_ms, or fails
 * (-HM_EIO).  http_conn_recv waits up to timeout_ms (0: only what is
 * ready now) for some bytes, at most cap, and sets *got: 0 when the
 * time ran out or a signal came (EINTR: the caller may have a flag to
 * check); a connection closed or reset by the peer is -HM_EIO.
 * Both try curl first and only then poll(2) the socket, since with TLS
 * curl may hold decrypted bytes the socket no longer shows.  Times are
 * CLOCK_MONOTONIC.
 *
 * http_conn_fd is the socket, for a caller's poll(2).
 * http_conn_close closes the connection and frees c (NULL is fine).
 */
#ifndef HM_HTTP_CONN_H
#define HM_HTTP_CONN_H

#include <stddef.h>

struct buf;
struct http_conn;

int http_conn_open(const char *url, long timeout, struct http_conn **out,
    struct buf *err);
int http_conn_send(struct http_conn *c, const void *p, size_t n,
    long timeout_ms, struct buf *err);
int http_conn_recv(struct http_conn *c, void *p, size_t cap,
    long timeout_ms, size_t *got, struct buf *err);
int http_conn_fd(const struct http_conn *c);
void http_conn_close(struct http_conn *c);

#endif
