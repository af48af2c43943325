/*
 * http.c: libcurl behind http.h.  SIGPIPE is ignored by the callers that
 * hold sockets (hm_init HM_SOCKETS), and CURLOPT_NOSIGNAL keeps libcurl's
 * resolver off signals.  SIGINT is noticed by the progress callback
 * through sig_interrupted.  Every option is set again for each request:
 * curl_easy_reset clears them all between requests, so nothing
 * (redirects, protocols, caps) leaks from one request to the next.
 *
 * One multi handle runs every transfer that is not nested: the request
 * being made (on the one kept easy handle) and the streams held open in
 * the background (http_stream_open), so a stream's bytes are read, and
 * its callbacks run, while a request waits for its answer.  libcurl
 * forbids driving a multi handle from inside one of its callbacks, so a
 * request made from a callback (nested: an MCP client answering a
 * server's request read from a stream) gets an easy handle of its own
 * and curl_easy_perform, and the streams wait until it is done; a stream
 * closed from a callback is only cut off (orphan), and freed once libcurl
 * has let go of it.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <curl/curl.h>
#include <ctype.h>
#include <time.h>

#include "common.h"
#include "http.h"
#include "sig.h"
#include "timeutil.h"

struct xfer {
	const struct http_req *req;
	struct http_resp *resp;
	CURL *curl;
	struct curl_slist *hdrs;
	struct http_stream *stream;	/* NULL: a request */
	int aborted;
	int refused;	/* public_only met a private address */
	int headers_done;	/* the final response's headers are in */
};

struct http_stream {
	struct xfer x;
	struct http_req req;	/* a copy: on_data, ctx, timeouts */
	int done;		/* the transfer ended, rc says how */
	int rc;
	int orphan;		/* closed inside a callback: free when done */
	struct buf err;
	struct http_stream *next;
};

static CURL *handle;	/* kept: reused connections, see http.h */
static CURLM *multi;	/* runs handle and the streams */
static int busy;	/* inside libcurl: callbacks may be running */
static struct http_stream *streams;
static unsigned long moves;	/* a stream got bytes, headers or ended */

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

static int
orphan(const struct xfer *x)
{
	return x->stream && x->stream->orphan;
}

static size_t
on_write(char *p, size_t size, size_t nmemb, void *vx)
{
	struct xfer *x = vx;
	size_t n = size * nmemb;
	long status = 0;

	if (orphan(x))
		return 0;	/* its owner is gone: cut it off */
	if (x->stream)
		moves++;
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

/* The blank line after a final (not 1xx) response's headers. */
static void
headers_end(struct xfer *x)
{
	long status = 0;

	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200)
		return;
	x->headers_done = 1;
	x->resp->status = status;
	free(x->resp->content_type);
	x->resp->content_type = info_str(x->curl, CURLINFO_CONTENT_TYPE);
	if (x->stream)
		moves++;
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *vx)
{
	struct xfer *x = vx;
	size_t n = size * nmemb, k;
	char *end, *v0, *e0;
	double v;

	if (orphan(x))
		return n;
	if ((n == 2 && p[0] == '\r' && p[1] == '\n') || (n == 1 &&
	    p[0] == '\n')) {
		headers_end(x);
		return n;
	}
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
	if (orphan(x))
		return 1;
	if (x->stream)	/* SIGINT is for the request, not the streams */
		return 0;
	if (sig_interrupted) {
		x->resp->interrupted = 1;
		return 1;
	}
	if (x->req->stop && x->req->stop(x->req->ctx)) {
		x->aborted = 1;
		return 1;
	}
	return 0;
}

/* Every option of one transfer on x->curl, from x->req. */
static void
setup(struct xfer *x)
{
	const struct http_req *req = x->req;
	const char *const *h;
	CURL *c = x->curl;

	for (h = req->headers; h && *h; h++)
		x->hdrs = curl_slist_append(x->hdrs, *h);
	x->hdrs = curl_slist_append(x->hdrs, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->hdrs);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_PRIVATE, x);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
	    req->connect_timeout > 0 ? req->connect_timeout : 30L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
	    req->idle_timeout > 0 ? req->idle_timeout : 300L);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "hermes/" HM_VERSION);
	if (req->timeout > 0)
		curl_easy_setopt(c, CURLOPT_TIMEOUT, req->timeout);
	set_web(c, req);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, on_open);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, x);
	if (!req->method || !strcmp(req->method, "POST")) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)req->len);
		/* a stream's request outlives the caller's body */
		curl_easy_setopt(c, x->stream ? CURLOPT_COPYPOSTFIELDS :
		    CURLOPT_POSTFIELDS, req->body ? req->body : "");
	} else if (!strcmp(req->method, "HEAD")) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (strcmp(req->method, "GET")) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	}
}

/* The end of a transfer: what came back and the return code. */
static int
finish(struct xfer *x, CURLcode cc, struct buf *err)
{
	struct http_resp *resp = x->resp;

	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &resp->status);
	free(resp->final_url);
	resp->final_url = info_str(x->curl, CURLINFO_EFFECTIVE_URL);
	free(resp->content_type);
	resp->content_type = info_str(x->curl, CURLINFO_CONTENT_TYPE);
	if (cc == CURLE_OK || (cc == CURLE_WRITE_ERROR && resp->truncated))
		return 0;
	if (resp->interrupted)
		return hm_fail(err, HM_EFAIL, "interrupted");
	if (x->aborted)
		return hm_fail(err, HM_EFAIL, "transfer aborted");
	if (x->refused)
		return hm_fail(err, HM_EIO, "refused to connect to a private "
		    "address (loopback, LAN, link-local)");
	return hm_fail(err, HM_EIO, "%s", curl_easy_strerror(cc));
}

static void
stream_free(struct http_stream *s)
{
	curl_easy_cleanup(s->x.curl);
	curl_slist_free_all(s->x.hdrs);
	buf_release(&s->err);
	free(s);
}

/* A stream's transfer ended: take it out of the multi handle. */
static void
stream_done(struct http_stream *s, CURLcode cc)
{
	struct http_stream **pp;

	curl_multi_remove_handle(multi, s->x.curl);
	for (pp = &streams; *pp && *pp != s; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = s->next;
	s->next = NULL;
	s->done = 1;
	moves++;
	if (s->orphan) {
		stream_free(s);
		return;
	}
	s->rc = finish(&s->x, cc, &s->err);
}

static int
multi_init(void)
{
	if (!handle) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		handle = curl_easy_init();
	}
	if (!multi)
		multi = curl_multi_init();
	return handle && multi ? 0 : -1;
}

/* The xfer libcurl was given for an easy handle. */
static struct xfer *
xfer_of(CURL *c)
{
	char *priv = NULL;

	curl_easy_getinfo(c, CURLINFO_PRIVATE, &priv);
	return (struct xfer *)priv;
}

/*
 * Run the multi handle until mine is done (*cc is then its result) or,
 * with mine NULL, until a stream moved, SIGINT, or ms passed.  mine's
 * req->stop is asked after every round: yes ends it as an abort.
 */
static void
drive(struct xfer *mine, CURLcode *cc, long ms)
{
	long long end = tu_mono_ms() + ms, left;
	unsigned long seen = moves;
	struct xfer *x;
	CURLMsg *m;
	int running, n, found = 0, was = busy;

	busy = 1;
	for (;;) {
		curl_multi_perform(multi, &running);
		while ((m = curl_multi_info_read(multi, &n))) {
			if (m->msg != CURLMSG_DONE)
				continue;
			if (mine && m->easy_handle == mine->curl) {
				*cc = m->data.result;
				found = 1;
			} else if ((x = xfer_of(m->easy_handle)) &&
			    x->stream) {
				stream_done(x->stream, m->data.result);
			}
		}
		if (!found && mine && mine->req->stop &&
		    mine->req->stop(mine->req->ctx)) {
			mine->aborted = 1;
			*cc = CURLE_ABORTED_BY_CALLBACK;
			found = 1;
		}
		if (found)
			break;
		left = end - tu_mono_ms();
		if (!mine && (moves != seen || left <= 0 || sig_interrupted))
			break;
		curl_multi_poll(multi, NULL, 0, mine || left > 1000 ? 1000 :
		    (int)left, NULL);
	}
	busy = was;
}

int
http_request(const struct http_req *req, struct http_resp *resp,
    struct buf *err)
{
	struct xfer x;
	CURLcode cc = CURLE_OK;
	int rc, nested = busy;

	memset(&x, 0, sizeof(x));
	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	x.req = req;
	x.resp = resp;
	if (multi_init() < 0)
		return hm_fail(err, HM_EIO, "cannot start libcurl");
	if (nested) {
		x.curl = curl_easy_init();	/* see http.h: reentrant */
		if (!x.curl)
			return hm_fail(err, HM_EIO, "cannot start libcurl");
	} else {
		curl_easy_reset(handle);	/* keeps the connection cache */
		x.curl = handle;
	}
	setup(&x);
	if (nested) {
		cc = curl_easy_perform(x.curl);
	} else if (curl_multi_add_handle(multi, x.curl) != CURLM_OK) {
		cc = CURLE_FAILED_INIT;
	} else {
		drive(&x, &cc, 0);
		curl_multi_remove_handle(multi, x.curl);
	}
	rc = finish(&x, cc, err);
	curl_slist_free_all(x.hdrs);
	if (x.curl != handle)
		curl_easy_cleanup(x.curl);
	return rc;
}

int
http_stream_open(struct http_stream **sp, const struct http_req *req,
    struct http_resp *resp, long wait_ms, struct buf *err)
{
	struct http_stream *s;
	long long end = tu_mono_ms() + wait_ms;

	*sp = NULL;
	if (busy)
		return hm_fail(err, HM_ECONFLICT, "a stream cannot be "
		    "opened from inside a transfer");
	if (multi_init() < 0)
		return hm_fail(err, HM_EIO, "cannot start libcurl");
	s = xcalloc(1, sizeof(*s));
	s->req = *req;
	s->x.req = &s->req;
	s->x.resp = resp;
	s->x.stream = s;
	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	if (!(s->x.curl = curl_easy_init())) {
		free(s);
		return hm_fail(err, HM_EIO, "cannot start libcurl");
	}
	setup(&s->x);
	s->req.url = NULL;	/* libcurl has copies now */
	s->req.body = NULL;
	s->req.headers = NULL;
	if (curl_multi_add_handle(multi, s->x.curl) != CURLM_OK) {
		stream_free(s);
		return hm_fail(err, HM_EIO, "cannot start libcurl");
	}
	s->next = streams;
	streams = s;
	*sp = s;
	while (!s->done && !s->x.headers_done && tu_mono_ms() < end &&
	    !sig_interrupted)
		drive(NULL, NULL, (long)(end - tu_mono_ms()));
	return 0;
}

int
http_stream_done(const struct http_stream *s, struct buf *err)
{
	if (!s->done)
		return 0;
	if (s->rc < 0 && err)
		buf_addf(err, "%s", buf_str(&s->err));
	return s->rc < 0 ? s->rc : 1;
}

int
http_stream_wait(long ms)
{
	long long end = tu_mono_ms() + ms;
	unsigned long seen = moves;
	struct timespec ts;
	long left;

	if (sig_interrupted)
		return -HM_EFAIL;
	if (busy || !streams) {		/* nothing we may run: sleep */
		while (!sig_interrupted && (left = (long)(end -
		    tu_mono_ms())) > 0) {
			left = left > 50 ? 50 : left;
			ts.tv_sec = 0;
			ts.tv_nsec = left * 1000000L;
			nanosleep(&ts, NULL);
		}
		return sig_interrupted ? -HM_EFAIL : 0;
	}
	drive(NULL, NULL, ms);
	if (moves != seen)
		return 1;
	return sig_interrupted ? -HM_EFAIL : 0;
}

void
http_stream_close(struct http_stream *s)
{
	struct http_stream **pp;

	if (!s)
		return;
	if (s->done) {
		stream_free(s);
		return;
	}
	if (busy) {	/* libcurl may be inside it: cut it off, free later */
		s->orphan = 1;
		return;
	}
	curl_multi_remove_handle(multi, s->x.curl);
	for (pp = &streams; *pp && *pp != s; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = s->next;
	stream_free(s);
}

void
http_cleanup(void)
{
	struct http_stream *s;

	while ((s = streams)) {
		streams = s->next;
		curl_multi_remove_handle(multi, s->x.curl);
		stream_free(s);
	}
	if (multi) {
		curl_multi_cleanup(multi);
		multi = NULL;
	}
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
