/*
 * http.c: libcurl easy handles, one per request.  SIGPIPE is ignored by
 * the callers that hold sockets (hm_init HM_SOCKETS), and CURLOPT_NOSIGNAL
 * keeps libcurl's resolver off signals.  SIGINT is noticed by the
 * progress callback through sig_interrupted.  Every option is set again
 * for each request: curl_easy_reset clears them all between requests, so
 * nothing (redirects, protocols, caps) leaks from one request to the next.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <curl/curl.h>
#include <ctype.h>

#include "common.h"
#include "http.h"
#include "sig.h"

static CURL *handle;	/* kept: reused connections, see http.h */
static int busy;	/* handle is inside curl_easy_perform */

struct xfer {
	const struct http_req *req;
	struct http_resp *resp;
	CURL *curl;
	int aborted;
	int refused;	/* public_only met a private address */
};

/* Loopback, RFC 1918, link-local, CGNAT, unspecified, ULA, v4-mapped. */
static int
private_addr(const struct sockaddr *sa)
{
	const unsigned char *b;

	if (sa->sa_family == AF_INET) {
		b = (const unsigned char *)
		    &((const struct sockaddr_in *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		if (!memcmp(b, "\0\0\0\0\0\0\0\0\0\0\377\377", 12)) {
			b += 12;	/* ::ffff:a.b.c.d */
		} else {
			static const unsigned char any[16], one[16] = {
				0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

			return !memcmp(b, any, 16) || !memcmp(b, one, 16) ||
			    (b[0] & 0xfe) == 0xfc ||
			    (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
		}
	} else {
		return 1;
	}
	return b[0] == 0 || b[0] == 10 || b[0] == 127 ||
	    (b[0] == 169 && b[1] == 254) || (b[0] == 172 &&
	    (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168) ||
	    (b[0] == 100 && (b[1] & 0xc0) == 64);
}

static curl_socket_t
on_open(void *vx, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct xfer *x = vx;

	(void)purpose;
	if (x->req->public_only && private_addr(&a->addr)) {
		x->refused = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static char *
info_str(CURL *c, CURLINFO what)
{
	char *s = NULL;

	if (curl_easy_getinfo(c, what, &s) != CURLE_OK || !s)
		return NULL;
	return xstrdup(s);
}

static size_t
on_write(char *p, size_t size, size_t nmemb, void *vx)
{
	struct xfer *x = vx;
	size_t n = size * nmemb;
	long status = 0;

	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
	if (!x->resp->content_type)	/* on_data's caller may look */
		x->resp->content_type = info_str(x->curl,
		    CURLINFO_CONTENT_TYPE);
	if (x->req->on_data && status >= 200 && status < 300) {
		if (x->req->on_data(p, n, x->req->ctx)) {
			x->aborted = 1;
			return 0;
		}
		return n;
	}
	if (x->req->max_body && x->resp->body.len + n > x->req->max_body) {
		buf_add(&x->resp->body, p, x->req->max_body -
		    x->resp->body.len);
		x->resp->truncated = 1;
		return 0;
	}
	buf_add(&x->resp->body, p, n);
	return n;
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *vx)
{
	struct xfer *x = vx;
	size_t n = size * nmemb, k;
	char *end, *v0, *e0;
	double v;

	if (x->req->header && (k = strlen(x->req->header)) < n &&
	    !strncasecmp(p, x->req->header, k) && p[k] == ':') {
		for (v0 = p + k + 1; v0 < p + n && (*v0 == ' ' ||
		    *v0 == '\t'); v0++)
			;
		for (e0 = p + n; e0 > v0 && isspace((unsigned char)e0[-1]);
		    e0--)
			;
		free(x->resp->header);
		x->resp->header = xstrndup(v0, (size_t)(e0 - v0));
	}
	if (n > 12 && !strncasecmp(p, "retry-after:", 12)) {
		p += 12;
		while (*p == ' ')
			p++;
		v = strtod(p, &end);
		if (end != p && v >= 0)
			x->resp->retry_after = v;
	}
	return n;
}

/* Redirects, protocols: for page fetches, see http.h. */
static void
set_web(CURL *c, const struct http_req *req)
{
	if (req->max_redirs > 0) {
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(c, CURLOPT_MAXREDIRS, req->max_redirs);
		curl_easy_setopt(c, CURLOPT_AUTOREFERER, 1L);
	} else {
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	}
	if (!req->web_only)
		return;
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP |
	    CURLPROTO_HTTPS));
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP |
	    CURLPROTO_HTTPS));
#endif
}

static int
on_progress(void *vx, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	struct xfer *x = vx;

	(void)a, (void)b, (void)c, (void)d;
	if (sig_interrupted) {
		x->resp->interrupted = 1;
		return 1;
	}
	return 0;
}

int
http_request(const struct http_req *req, struct http_resp *resp,
    struct buf *err)
{
	struct curl_slist *hdrs = NULL;
	const char *const *h;
	struct xfer x;
	CURLcode cc;
	int rc = 0, nested = busy;

	memset(&x, 0, sizeof(x));
	if (!handle) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		handle = curl_easy_init();
		x.curl = handle;
	} else if (nested) {
		x.curl = curl_easy_init();	/* see http.h: reentrant */
	} else {
		curl_easy_reset(handle);	/* keeps the connection cache */
		x.curl = handle;
	}
	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	x.req = req;
	x.resp = resp;
	if (!x.curl)
		return hm_fail(err, HM_EIO, "cannot start libcurl");
	for (h = req->headers; h && *h; h++)
		hdrs = curl_slist_append(hdrs, *h);
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(x.curl, CURLOPT_URL, req->url);
	curl_easy_setopt(x.curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(x.curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x.curl, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(x.curl, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(x.curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(x.curl, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(x.curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(x.curl, CURLOPT_XFERINFODATA, &x);
	curl_easy_setopt(x.curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(x.curl, CURLOPT_CONNECTTIMEOUT,
	    req->connect_timeout > 0 ? req->connect_timeout : 30L);
	curl_easy_setopt(x.curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(x.curl, CURLOPT_LOW_SPEED_TIME,
	    req->idle_timeout > 0 ? req->idle_timeout : 300L);
	curl_easy_setopt(x.curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(x.curl, CURLOPT_USERAGENT, "hermes/" HM_VERSION);
	if (req->timeout > 0)
		curl_easy_setopt(x.curl, CURLOPT_TIMEOUT, req->timeout);
	set_web(x.curl, req);
	curl_easy_setopt(x.curl, CURLOPT_OPENSOCKETFUNCTION, on_open);
	curl_easy_setopt(x.curl, CURLOPT_OPENSOCKETDATA, &x);
	if (!req->method || !strcmp(req->method, "POST")) {
		curl_easy_setopt(x.curl, CURLOPT_POST, 1L);
		curl_easy_setopt(x.curl, CURLOPT_POSTFIELDS, req->body ?
		    req->body : "");
		curl_easy_setopt(x.curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)req->len);
	} else if (!strcmp(req->method, "HEAD")) {
		curl_easy_setopt(x.curl, CURLOPT_NOBODY, 1L);
	} else if (strcmp(req->method, "GET")) {
		curl_easy_setopt(x.curl, CURLOPT_CUSTOMREQUEST, req->method);
	}
	busy = 1;
	cc = curl_easy_perform(x.curl);
	busy = nested;
	curl_easy_getinfo(x.curl, CURLINFO_RESPONSE_CODE, &resp->status);
	resp->final_url = info_str(x.curl, CURLINFO_EFFECTIVE_URL);
	free(resp->content_type);
	resp->content_type = info_str(x.curl, CURLINFO_CONTENT_TYPE);
	if (cc == CURLE_OK || (cc == CURLE_WRITE_ERROR && resp->truncated))
		rc = 0;
	else if (resp->interrupted)
		rc = hm_fail(err, HM_EFAIL, "interrupted");
	else if (x.aborted)
		rc = hm_fail(err, HM_EFAIL, "transfer aborted");
	else if (x.refused)
		rc = hm_fail(err, HM_EIO, "refused to connect to a private "
		    "address (loopback, LAN, link-local)");
	else
		rc = hm_fail(err, HM_EIO, "%s", curl_easy_strerror(cc));
	curl_slist_free_all(hdrs);
	if (x.curl != handle)
		curl_easy_cleanup(x.curl);
	return rc;
}

void
http_cleanup(void)
{
	if (handle) {
		curl_easy_cleanup(handle);
		handle = NULL;
		curl_global_cleanup();
	}
}

void
http_resp_release(struct http_resp *resp)
{
	buf_release(&resp->body);
	free(resp->final_url);
	resp->final_url = NULL;
	free(resp->content_type);
	resp->content_type = NULL;
	free(resp->header);
	resp->header = NULL;
}
