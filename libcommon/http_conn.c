/*
 * http_conn.c: a raw connection through libcurl's CONNECT_ONLY mode
 * (contract in http_conn.h).  curl_easy_perform only connects (and does
 * TLS); after it every byte goes through curl_easy_send/curl_easy_recv,
 * which return CURLE_AGAIN instead of blocking; then we poll(2) the
 * socket curl reports (CURLINFO_ACTIVESOCKET) until the deadline, a
 * CLOCK_MONOTONIC time.  curl_global_init is reference counted, so each
 * connection holds one reference next to http.c's.
 */
#include <sys/socket.h>
#include <curl/curl.h>
#include <poll.h>
#include <time.h>

#include "common.h"
#include "http_conn.h"
#include "timeutil.h"

/* Hosts that never go through a proxy, before the environment's list. */
#define LOOPBACK	"localhost,127.0.0.0/8,::1"

struct http_conn {
	CURL *curl;
	curl_socket_t fd;
};

/* Milliseconds left before deadline, at least 0, at most INT_MAX. */
static int
left_ms(long long deadline)
{
	long long d = deadline - tu_mono_ms();

	return d < 0 ? 0 : d > INT_MAX ? INT_MAX : (int)d;
}

static curl_socket_t
on_open(void *ctx, curlsocktype purpose, struct curl_sockaddr *a)
{
	(void)ctx;
	(void)purpose;
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

int
http_conn_open(const char *url, long timeout, struct http_conn **out,
    struct buf *err)
{
	char ebuf[CURL_ERROR_SIZE];
	struct buf noproxy = BUF_INIT;
	struct http_conn *c;
	const char *env;
	curl_socket_t fd = CURL_SOCKET_BAD;
	CURLcode cc;

	*out = NULL;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c = xcalloc(1, sizeof(*c));
	if (!(c->curl = curl_easy_init())) {
		free(c);
		curl_global_cleanup();
		return hm_fail(err, HM_EIO, "cannot start libcurl");
	}
	ebuf[0] = '\0';
	if (!(env = getenv("no_proxy")) || !*env)
		env = getenv("NO_PROXY");
	if (env && !strcmp(env, "*"))
		buf_adds(&noproxy, "*");
	else
		buf_addf(&noproxy, "%s%s%s", LOOPBACK, env && *env ? "," : "",
		    env ? env : "");
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT,
	    timeout > 0 ? timeout : 30L);
	curl_easy_setopt(c->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c->curl, CURLOPT_HTTPPROXYTUNNEL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_NOPROXY, noproxy.s);
	curl_easy_setopt(c->curl, CURLOPT_OPENSOCKETFUNCTION, on_open);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP |
	    CURLPROTO_HTTPS));
#endif
	cc = curl_easy_perform(c->curl);
	buf_release(&noproxy);
	if (cc == CURLE_OK)
		cc = curl_easy_getinfo(c->curl, CURLINFO_ACTIVESOCKET, &fd);
	if (cc != CURLE_OK || fd == CURL_SOCKET_BAD) {
		curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, NULL);
		http_conn_close(c);
		return hm_fail(err, HM_EIO, "%s", ebuf[0] ? ebuf :
		    cc != CURLE_OK ? curl_easy_strerror(cc) : "no socket");
	}
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, NULL);
	c->fd = fd;
	*out = c;
	return 0;
}

/* Wait until deadline for events on c's socket; 0 when the time ran
 * out.  A signal ends a wait to read (0, as if the time ran out: the
 * caller may have a flag to look at), not one to write, which must
 * finish the bytes it began. */
static int
wait_fd(struct http_conn *c, short events, long long deadline,
    struct buf *err)
{
	struct pollfd pfd = { c->fd, events, 0 };
	int n;

	while ((n = poll(&pfd, 1, left_ms(deadline))) < 0 && errno == EINTR)
		if (events == POLLIN)
			return 0;
	if (n < 0)
		return hm_fail(err, HM_EIO, "poll: %s", strerror(errno));
	return n;
}

int
http_conn_send(struct http_conn *c, const void *p, size_t n,
    long timeout_ms, struct buf *err)
{
	long long deadline = tu_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	const char *s = p;
	size_t sent;
	CURLcode cc;
	int rc;

	while (n) {
		sent = 0;
		cc = curl_easy_send(c->curl, s, n, &sent);
		if (cc == CURLE_OK) {
			s += sent;
			n -= sent;
			continue;
		}
		if (cc != CURLE_AGAIN)
			return hm_fail(err, HM_EIO, "cannot send: %s",
			    curl_easy_strerror(cc));
		if ((rc = wait_fd(c, POLLOUT, deadline, err)) < 0)
			return rc;
		if (rc == 0)
			return hm_fail(err, HM_EIO, "cannot send: timed out "
			    "after %ld ms", timeout_ms);
	}
	return 0;
}

int
http_conn_recv(struct http_conn *c, void *p, size_t cap, long timeout_ms,
    size_t *got, struct buf *err)
{
	long long deadline = tu_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	CURLcode cc;
	size_t n;
	int rc;

	*got = 0;
	for (;;) {
		n = 0;
		cc = curl_easy_recv(c->curl, p, cap, &n);
		if (cc == CURLE_OK && n == 0)
			return hm_fail(err, HM_EIO, "connection closed by the "
			    "peer");
		if (cc == CURLE_OK) {
			*got = n;
			return 0;
		}
		if (cc != CURLE_AGAIN)
			return hm_fail(err, HM_EIO, "cannot receive: %s",
			    curl_easy_strerror(cc));
		if ((rc = wait_fd(c, POLLIN, deadline, err)) < 0)
			return rc;
		if (rc == 0)
			return 0;
	}
}

int
http_conn_fd(const struct http_conn *c)
{
	return c ? (int)c->fd : -1;
}

void
http_conn_close(struct http_conn *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c);
	curl_global_cleanup();
}
