/*
 * mcp_http.c: MCP's Streamable HTTP transport (mcp.h).  Every message is
 * one POST; the server answers a request with application/json or with
 * an SSE stream carrying its own requests and notifications before the
 * reply.  Messages are dispatched as the events arrive, so a server that
 * asks us something mid-stream gets its answer (a nested POST, see
 * http.h) before it sends ours; once our reply is in, the stream is
 * dropped.  The session id from initialize goes back on every request;
 * a 404 on it means the server forgot us: one new handshake, one resend.
 */
#include "http.h"
#include "sse.h"
#include "mcp_int.h"
#include "common.h"

int mcp_http_reinit(struct mcp_client *c, struct buf *err);

struct post {
	struct mcp_client *c;
	struct http_resp *resp;
	struct sse sse;
	int mode;			/* 0 unknown, 1 JSON, 2 SSE */
	struct buf body;		/* JSON mode */
	size_t bytes;
	int got;			/* our reply is in: stop reading */
};

static int
on_event(const char *event, const char *data, void *ctx)
{
	struct post *p = ctx;
	struct mcp_client *c = p->c;
	cJSON *msg;

	if (!data || !*data || (event && strcmp(event, "message")))
		return 0;	/* a priming event, or not for us */
	if (!(msg = cJSON_Parse(data))) {
		mcp_set_dead(c, "server '%s' sent an event that is not JSON: "
		    "'%.60s'", c->s->name, data);
		return 1;
	}
	mcp_dispatch(c, msg);
	cJSON_Delete(msg);
	if (c->dead)
		return 1;
	if (c->waiting && c->reply) {
		p->got = 1;
		return 1;
	}
	return 0;
}

static int
on_data(const char *s, size_t n, void *ctx)
{
	struct post *p = ctx;
	const char *ct = p->resp->content_type;

	p->bytes += n;
	if (p->bytes > (size_t)MCP_MAX_MESSAGE) {
		mcp_set_dead(p->c, "server '%s' sent an answer over %ld MiB",
		    p->c->s->name, MCP_MAX_MESSAGE >> 20);
		return 1;
	}
	if (!p->mode)
		p->mode = ct && !strncasecmp(ct, "text/event-stream", 17) ?
		    2 : 1;
	if (p->mode == 2)
		return sse_feed(&p->sse, s, n);
	buf_add(&p->body, s, n);
	return 0;
}

int
mcp_http_open(struct mcp_client *c, struct buf *err)
{
	struct buf b = BUF_INIT;
	size_t n = 0;
	char **h;
	int rc;

	if ((rc = mcp_expand(c->s->url, c->cfg, &b, err)) < 0)
		return rc;
	c->url = buf_detach(&b);
	if (strncmp(c->url, "http://", 7) && strncmp(c->url, "https://", 8)) {
		buf_release(&b);
		return hm_fail(err, HM_EINVAL, "server '%s': '%s' is not an "
		    "http:// or https:// URL", c->s->name, c->url);
	}
	for (h = c->s->headers; h && *h; h++) {
		if ((rc = mcp_expand(*h, c->cfg, &b, err)) < 0)
			break;
		c->headers = xrealloc(c->headers, (n + 2) * sizeof(char *));
		c->headers[n++] = buf_detach(&b);
		c->headers[n] = NULL;
	}
	buf_release(&b);
	return rc;
}

static void
build_headers(const struct mcp_client *c, const char **v, size_t max,
    struct buf *sid, struct buf *ver)
{
	size_t n = 0;
	char **h;

	v[n++] = "Content-Type: application/json";
	v[n++] = "Accept: application/json, text/event-stream";
	if (c->session) {
		buf_addf(sid, "Mcp-Session-Id: %s", c->session);
		v[n++] = sid->s;
	}
	if (c->initialized) {
		buf_addf(ver, "MCP-Protocol-Version: %s", c->protocol);
		v[n++] = ver->s;
	}
	for (h = c->headers; h && *h && n + 1 < max; h++)
		v[n++] = *h;
	v[n] = NULL;
}

/* The first line of an error body, short. */
static void
first_line(const struct buf *body, struct buf *out)
{
	size_t n = strcspn(buf_str(body), "\r\n");

	if (n)
		buf_addf(out, ": %.*s", (int)(n > 200 ? 200 : n), body->s);
}

/* One POST and what came back.  0, or -HM_E* with the reason. */
static int
post(struct mcp_client *c, const char *json, size_t len, long long deadline,
    long *status, struct buf *err)
{
	const char *hv[64];
	struct buf sid = BUF_INIT, ver = BUF_INIT, herr = BUF_INIT;
	struct buf why = BUF_INIT;
	struct http_resp resp;
	struct http_req req;
	struct post p;
	long long left = deadline - mcp_now_ms();
	cJSON *msg;
	int rc;

	memset(&p, 0, sizeof(p));
	p.c = c;
	p.resp = &resp;
	sse_init(&p.sse, on_event, &p);
	build_headers(c, hv, HM_ARRAY_SIZE(hv), &sid, &ver);
	memset(&req, 0, sizeof(req));
	req.url = c->url;
	req.body = json;
	req.len = len;
	req.headers = hv;
	req.timeout = left > 1000 ? (long)((left + 999) / 1000) : 1;
	req.connect_timeout = c->s->connect_timeout;
	req.header = "Mcp-Session-Id";
	req.on_data = on_data;
	req.ctx = &p;
	rc = http_request(&req, &resp, &herr);
	*status = resp.status;
	if (resp.header && !c->session)
		c->session = xstrdup(resp.header);
	if (p.got || (rc < 0 && c->dead)) {
		rc = c->dead ? hm_fail(err, HM_EFAIL, "%s", c->dead) : 0;
	} else if (rc < 0) {
		rc = hm_fail(err, HM_EFAIL, "server '%s': %s: %s", c->s->name,
		    c->url, resp.interrupted ? "interrupted" :
		    buf_str(&herr));
	} else if (c->session && (resp.status == 404 || (resp.status == 400 &&
	    strcasestr(buf_str(&resp.body), "session")))) {
		*status = 404;	/* the caller starts a new session; the
				 * TypeScript SDK says 400 "No valid
				 * session ID", the spec 404 */
		rc = 0;
	} else if (resp.status >= 300) {
		first_line(&resp.body, &why);
		rc = hm_fail(err, HM_EFAIL, "server '%s' answered HTTP %ld%s",
		    c->s->name, resp.status, buf_str(&why));
	} else if (p.mode == 1 && p.body.len) {
		if (!(msg = cJSON_Parse(p.body.s))) {
			mcp_set_dead(c, "server '%s' answered with something "
			    "that is not JSON: '%.60s'", c->s->name, p.body.s);
			rc = hm_fail(err, HM_EFAIL, "%s", c->dead);
		} else {
			mcp_dispatch(c, msg);
			cJSON_Delete(msg);
			if (c->dead)
				rc = hm_fail(err, HM_EFAIL, "%s", c->dead);
		}
	}
	sse_release(&p.sse);
	buf_release(&p.body);
	buf_release(&sid);
	buf_release(&ver);
	buf_release(&herr);
	buf_release(&why);
	http_resp_release(&resp);
	return rc;
}

int
mcp_http_send(struct mcp_client *c, const char *json, size_t len,
    long long deadline, struct buf *err)
{
	long status = 0;
	int rc;

	rc = post(c, json, len, deadline, &status, err);
	if (rc == 0 && status == 404 && c->session) {
		free(c->session);	/* the server forgot the session */
		c->session = NULL;
		if (!c->initialized)
			return hm_fail(err, HM_EFAIL, "server '%s' answered "
			    "HTTP 404", c->s->name);
		if ((rc = mcp_http_reinit(c, err)) < 0)
			return rc;
		rc = post(c, json, len, deadline, &status, err);
		if (rc == 0 && status == 404)
			rc = hm_fail(err, HM_EFAIL, "server '%s' answered "
			    "HTTP 404 on a new session", c->s->name);
	}
	return rc;
}

void
mcp_http_close(struct mcp_client *c)
{
	struct buf sid = BUF_INIT, err = BUF_INIT;
	size_t n;
	const char *hv[64];
	struct http_resp resp;
	struct http_req req;

	if (c->session && c->url) {
		buf_addf(&sid, "Mcp-Session-Id: %s", c->session);
		hv[0] = sid.s;
		for (n = 0; c->headers && c->headers[n] && n + 2 <
		    HM_ARRAY_SIZE(hv); n++)
			hv[n + 1] = c->headers[n];
		hv[n + 1] = NULL;
		memset(&req, 0, sizeof(req));
		req.method = "DELETE";
		req.url = c->url;
		req.headers = hv;
		req.timeout = 5;
		req.connect_timeout = 5;
		http_request(&req, &resp, &err);
		http_resp_release(&resp);
	}
	buf_release(&sid);
	buf_release(&err);
	free(c->session);
	c->session = NULL;
	free(c->url);
	c->url = NULL;
	if (c->headers) {
		char **h;

		for (h = c->headers; *h; h++)
			free(*h);
		free(c->headers);
		c->headers = NULL;
	}
}
