/*
 * ws_upgrade.c: unit tests for libcommon/ws_upgrade.c: how a ws:// or
 * wss:// URL becomes the connection URL, the Host header (the default
 * port left out, any other kept), the request target (the query kept,
 * the fragment dropped, "/" when there is no path) and the name in
 * error lines (no path, no query); the URLs refused; the request text;
 * and the 101 answers accepted (RFC 6455 1.3's example, header names in
 * any case, Connection as a list) or refused (not 101, a missing or
 * wrong header), the refusal quoting the status line only.
 */
#include "common.h"
#include "ws.h"
#include "tap.h"

#define KEY	"dGhlIHNhbXBsZSBub25jZQ=="
#define ACCEPT	"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

static void
url_is(const char *url, const char *conn, const char *host,
    const char *target, const char *name)
{
	struct ws_url u = WS_URL_INIT;
	struct buf err = BUF_INIT;

	if (!ok(ws_upgrade_url(url, &u, &err) == 0, "%s parses", url))
		printf("#   %s\n", buf_str(&err));
	is_str(u.conn.s, conn, "%s: connect to %s", url, conn);
	is_str(u.host.s, host, "%s: Host: %s", url, host);
	is_str(u.target.s, target, "%s: GET %s", url, target);
	is_str(u.name.s, name, "%s: named %s", url, name);
	ws_upgrade_url_release(&u);
	buf_release(&err);
}

static void
url_bad(const char *url, const char *why)
{
	struct ws_url u = WS_URL_INIT;
	struct buf err = BUF_INIT;

	is_int(ws_upgrade_url(url, &u, &err), -HM_EINVAL, "refused: %s",
	    url);
	ok(err.s && strstr(err.s, why) && !strstr(err.s, "SECRET"),
	    "  err says '%s', quotes nothing (%s)", why, buf_str(&err));
	ws_upgrade_url_release(&u);
	buf_release(&err);
}

static void
answer(const char *head, int rc, const char *why, const char *what)
{
	struct buf err = BUF_INIT;

	is_int(ws_upgrade_check(head, KEY, &err), rc, "%s", what);
	if (why)
		ok(err.s && strstr(err.s, why), "  err says '%s' (%s)", why,
		    buf_str(&err));
	buf_release(&err);
}

int
main(void)
{
	static const char *const hdrs[] = { "Authorization: Bot t", NULL };
	struct ws_url u = WS_URL_INIT;
	struct buf b = BUF_INIT, err = BUF_INIT;

	url_is("ws://example.com/chat", "http://example.com/",
	    "example.com", "/chat", "ws://example.com");
	url_is("wss://gateway.discord.gg/?v=10&encoding=json",
	    "https://gateway.discord.gg/", "gateway.discord.gg",
	    "/?v=10&encoding=json", "wss://gateway.discord.gg");
	url_is("wss://wss.slack.com/link/?ticket=SECRET&app_id=A1",
	    "https://wss.slack.com/", "wss.slack.com",
	    "/link/?ticket=SECRET&app_id=A1", "wss://wss.slack.com");
	url_is("ws://h:80/x", "http://h:80/", "h", "/x", "ws://h:80");
	url_is("wss://h:443/x", "https://h:443/", "h", "/x", "wss://h:443");
	url_is("ws://h:443/x", "http://h:443/", "h:443", "/x", "ws://h:443");
	url_is("wss://h:80", "https://h:80/", "h:80", "/", "wss://h:80");
	url_is("WSS://127.0.0.1:8443?q=1#frag", "https://127.0.0.1:8443/",
	    "127.0.0.1:8443", "/?q=1", "wss://127.0.0.1:8443");
	url_is("ws://[::1]:9000/a/b#f", "http://[::1]:9000/", "[::1]:9000",
	    "/a/b", "ws://[::1]:9000");
	url_is("ws://[::1]/", "http://[::1]/", "[::1]", "/", "ws://[::1]");
	url_bad("http://h/", "not ws:// or wss://");
	url_bad("wss:/h/", "not ws:// or wss://");
	url_bad("ws://", "no host");
	url_bad("ws:///path", "no host");
	url_bad("ws://user:SECRET@h/", "user info");
	url_bad("ws://h:0/", "bad port");
	url_bad("ws://h:65536/", "bad port");
	url_bad("ws://h:123456/", "bad port");
	url_bad("ws://h:8x/", "bad port");
	url_bad("ws://h:/", "bad port");
	url_bad("ws://:80/", "bad port");
	url_bad("ws://[::1/", "']'");
	url_bad("ws://h\r\nX: 1/", "bad character");
	url_bad("ws://h/a b?SECRET", "bad character");
	url_bad("ws://h/?a=\x7f", "bad character");
	ws_upgrade_url("wss://h.example:8443/p?t=1", &u, &err);
	ws_upgrade_request(&b, &u, KEY, hdrs);
	is_str(b.s, "GET /p?t=1 HTTP/1.1\r\nHost: h.example:8443\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: " KEY "\r\nSec-WebSocket-Version: 13\r\n"
	    "User-Agent: hermes/" HM_VERSION "\r\nAuthorization: Bot t\r\n"
	    "\r\n", "the request");
	ws_upgrade_url_release(&u);
	answer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Accept: " ACCEPT "\r\n", 0,
	    NULL, "RFC 6455 1.3's answer is accepted");
	answer("HTTP/1.1 101\r\nupgrade:WebSocket\r\nCONNECTION: keep-alive, "
	    "upgrade\r\nsec-websocket-accept:  " ACCEPT " \r\nX: y\r\n", 0,
	    NULL, "names in any case, no reason, a Connection list, spaces");
	answer("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n", -HM_EIO,
	    "refused: HTTP/1.1 403 Forbidden", "a 403 is refused");
	answer("HTTP/1.1 200 OK\r\n", -HM_EIO, "refused: HTTP/1.1 200 OK",
	    "a 200 is refused");
	answer("HTTP/1.1 1010 x\r\n", -HM_EIO, "refused", "1010 is not 101");
	answer("SSH-2.0-OpenSSH\r\n", -HM_EIO, "refused: SSH-2.0",
	    "not HTTP");
	answer("HTTP/1.1 101 S\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: " ACCEPT "\r\n", -HM_EIO,
	    "'Upgrade: websocket'", "no Upgrade header");
	answer("HTTP/1.1 101 S\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: " ACCEPT "\r\n", -HM_EIO,
	    "'Upgrade: websocket'", "Upgrade: h2c");
	answer("HTTP/1.1 101 S\r\nUpgrade: websocket\r\nConnection: "
	    "upgraded\r\nSec-WebSocket-Accept: " ACCEPT "\r\n", -HM_EIO,
	    "'Connection: upgrade'", "Connection: upgraded (not the token)");
	answer("HTTP/1.1 101 S\r\nUpgrade: websocket\r\nConnection: "
	    "Upgrade\r\n", -HM_EIO, "Sec-WebSocket-Accept",
	    "no Sec-WebSocket-Accept");
	answer("HTTP/1.1 101 S\r\nUpgrade: websocket\r\nConnection: "
	    "Upgrade\r\nSec-WebSocket-Accept: x" ACCEPT "\r\n", -HM_EIO,
	    "Sec-WebSocket-Accept", "a wrong Sec-WebSocket-Accept");
	answer("HTTP/1.1 101 S\r\nUpgrade: websocket\r\nConnection: "
	    "Upgrade\r\nSec-WebSocket-Accept-X: " ACCEPT "\r\n", -HM_EIO,
	    "Sec-WebSocket-Accept", "a header that only starts like it");
	buf_release(&b);
	buf_release(&err);
	return done_testing();
}
