/*
 * mcp_http.c: MCP's Streamable HTTP transport (mcp.h), protocol
 * 2025-11-25 (and the older ones it keeps).
 *
 * Every message is one POST; the server answers a request with
 * application/json or with an SSE stream carrying its own requests and
 * notifications before the reply.  Messages are dispatched as the events
 * arrive, so a server that asks us something mid-stream gets its answer
 * (a nested POST, see http.h) before it sends ours; once our reply is in,
 * the stream is dropped.  The session id from initialize goes back on
 * every request; a 404 on it means the server forgot us: one new
 * handshake (and a new GET stream), one resend.
 *
 * Resuming: a server may end a request's stream before the reply once
 * it has sent an event id (SEP-1699).  We then wait the stream's retry:
 * milliseconds (1 s when it gave none), GET the endpoint with
 * Last-Event-ID and read that stream the same way; again each time it
 * ends without the reply, until the reply, the request's deadline, or
 * three tries in a row that brought nothing.  A stream cut before any
 * event id cannot be resumed: the request fails as it did before.
 *
 * The standalone GET stream: once initialize is answered (before
 * notifications/initialized, so what the server says while it takes
 * that is heard), one GET with Accept: text/event-stream.  405 means the
 * server offers none; anything else but a 2xx event stream, the same
 * once it was asked again after notifications/initialized.  It is not
 * asked again in that session.
 * The server may send requests (elicitation/create, from the TypeScript
 * SDK's server.request) and notifications (tools/list_changed) there at
 * any time, and may hold a POST's reply until such a request is
 * answered, so the GET must be read while the POST waits: that wait is
 * inside libcurl.  So the stream is a background transfer of the http
 * module (http_stream_open: its own easy handle on the multi handle that
 * http.c runs every request on); libcurl stays in http.c.  It is read
 * whenever this process waits on the network: our own POSTs, a
 * provider's request in hermes-ask, the wait before resuming, and
 * mcp_http_poll (mcp_tools_changed).  Reading it only between our
 * requests would deadlock on such a server; a thread would need locks
 * around the whole client.  A request from it is answered at once by a
 * nested POST.  When it ends it is opened again before the next request
 * (after its retry:, with Last-Event-ID), unless it ended empty three
 * times in a row.
 */
#include "http.h"
#include "sse.h"
#include "mcp_int.h"
#include "common.h"

int mcp_http_reinit(struct mcp_client *c, struct buf *err);

#define RETRY_MS	1000	/* reconnection time when none was given */
#define GET_WAIT_MS	5000	/* at most, for the GET's headers */
#define EMPTY_TRIES	3	/* resumptions in a row without an event */

struct post {
	struct mcp_client *c;
	struct http_resp *resp;
	struct sse sse;
	int mode;			/* 0 unknown, 1 JSON, 2 SSE */
	struct buf body;		/* JSON mode */
	size_t bytes;
	int got;			/* our reply is in: stop reading */
	int request;			/* a reply is awaited */
	int events;			/* events in this transfer */
};

struct mcp_get {
	struct mcp_client *c;
	struct http_stream *s;		/* NULL: not open */
	struct http_resp resp;
	struct sse sse;
	int offered;			/* -1 no, 0 not (yet) known, 1 yes */
	int tries;			/* GETs refused in this session */
	int events;			/* in the current stream */
	int empty;			/* streams in a row without any */
	long long again;		/* reopen not before (monotonic ms) */
};

/* The headers of a POST, or of a GET (with last_id: a resumption). */
struct hdrs {
	const char *v[64];
	struct buf sid, ver, lid;
};

static void
hdrs_build(struct hdrs *h, const struct mcp_client *c, int get,
    const char *last_id)
{
	size_t n = 0;
	char **p;

	memset(h, 0, sizeof(*h));
	if (get) {
		h->v[n++] = "Accept: text/event-stream";
	} else {
		h->v[n++] = "Content-Type: application/json";
		h->v[n++] = "Accept: application/json, text/event-stream";
	}
	if (c->session) {
		buf_addf(&h->sid, "Mcp-Session-Id: %s", c->session);
		h->v[n++] = h->sid.s;
	}
	if (c->initialized) {
		buf_addf(&h->ver, "MCP-Protocol-Version: %s", c->protocol);
		h->v[n++] = h->ver.s;
	}
	if (last_id && *last_id) {
		buf_addf(&h->lid, "Last-Event-ID: %s", last_id);
		h->v[n++] = h->lid.s;
	}
	for (p = c->headers; p && *p && n + 1 < HM_ARRAY_SIZE(h->v); p++)
		h->v[n++] = *p;
	h->v[n] = NULL;
}

static void
hdrs_release(struct hdrs *h)
{
	buf_release(&h->sid);
	buf_release(&h->ver);
	buf_release(&h->lid);
}

static int
is_sse(const struct http_resp *r)
{
	return r->content_type && !strncasecmp(r->content_type,
	    "text/event-stream", 17);
}

/* A new stream for parser s: what it said of the last one stays. */
static void
sse_again(struct sse *s, int (*on_event)(const char *, const char *,
    void *), void *ctx)
{
	struct buf id = BUF_INIT;
	long retry = s->retry;

	buf_add(&id, buf_str(&s->last_id), s->last_id.len);
	sse_release(s);
	sse_init(s, on_event, ctx);
	s->retry = retry;
	buf_add(&s->id, buf_str(&id), id.len);
	buf_add(&s->last_id, buf_str(&id), id.len);
	buf_release(&id);
}

/* One message from an event's data; -1 when the connection is dead. */
static int
take(struct mcp_client *c, const char *data)
{
	cJSON *msg;

	if (!(msg = cJSON_Parse(data))) {
		mcp_set_dead(c, "server '%s' sent an event that is not JSON: "
		    "'%.60s'", c->s->name, data);
		return -1;
	}
	mcp_dispatch(c, msg);
	cJSON_Delete(msg);
	return c->dead ? -1 : 0;
}

static int
on_event(const char *event, const char *data, void *ctx)
{
	struct post *p = ctx;
	struct mcp_client *c = p->c;

	p->events++;
	if (!data || !*data || (event && strcmp(event, "message")))
		return 0;	/* a priming event, or not for us */
	if (take(c, data) < 0)
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

	p->bytes += n;
	if (p->bytes > (size_t)MCP_MAX_MESSAGE) {
		mcp_set_dead(p->c, "server '%s' sent an answer over %ld MiB",
		    p->c->s->name, MCP_MAX_MESSAGE >> 20);
		return 1;
	}
	if (!p->mode)
		p->mode = is_sse(p->resp) ? 2 : 1;
	if (p->mode == 2)
		return sse_feed(&p->sse, s, n);
	buf_add(&p->body, s, n);
	return 0;
}

/* Asked while a POST waits: the GET stream may have made it pointless. */
static int
on_stop(void *ctx)
{
	struct post *p = ctx;

	return p->c->dead || (p->request && p->c->waiting && p->c->reply);
}

/* ---- the standalone GET stream ---- */

static int
get_event(const char *event, const char *data, void *ctx)
{
	struct mcp_get *g = ctx;

	g->events++;
	if (!data || !*data || (event && strcmp(event, "message")))
		return 0;
	return take(g->c, data) < 0;
}

static int
get_data(const char *s, size_t n, void *ctx)
{
	struct mcp_get *g = ctx;

	if (!is_sse(&g->resp))
		return 1;	/* not an event stream: none offered */
	if (g->sse.data.len + g->sse.line.len + n > (size_t)MCP_MAX_MESSAGE) {
		mcp_set_dead(g->c, "server '%s' sent a message over %ld MiB",
		    g->c->s->name, MCP_MAX_MESSAGE >> 20);
		return 1;
	}
	return sse_feed(&g->sse, s, n);
}

static void
get_drop(struct mcp_get *g)
{
	http_stream_close(g->s);
	g->s = NULL;
	http_resp_release(&g->resp);
}

/* Open (or reopen) it; a server that offers none is not asked again. */
static void
get_open(struct mcp_client *c)
{
	struct mcp_get *g = c->get;
	struct buf err = BUF_INIT;
	struct http_req req;
	struct hdrs h;
	long wait = c->s->connect_timeout * 1000;
	int rc;

	if (!g) {
		g = c->get = xcalloc(1, sizeof(*g));
		g->c = c;
		sse_init(&g->sse, get_event, g);
	}
	if (g->offered < 0 || g->s)
		return;
	sse_again(&g->sse, get_event, g);
	hdrs_build(&h, c, 1, buf_str(&g->sse.last_id));
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = c->url;
	req.headers = h.v;
	req.connect_timeout = c->s->connect_timeout;
	req.idle_timeout = 7 * 86400L;	/* a quiet stream is not dead */
	req.on_data = get_data;
	req.ctx = g;
	g->events = 0;
	rc = http_stream_open(&g->s, &req, &g->resp, wait < GET_WAIT_MS ?
	    wait : GET_WAIT_MS, &err);
	hdrs_release(&h);
	buf_release(&err);
	if (rc == -HM_ECONFLICT)
		return;		/* inside a callback: before the next request */
	if (rc < 0) {
		g->offered = -1;
		return;
	}
	if (g->resp.status && (g->resp.status < 200 || g->resp.status >= 300 ||
	    !is_sse(&g->resp))) {
		/* 405: the server has none; another no may mean "not before
		 * notifications/initialized": asked once more after it */
		g->offered = g->resp.status == 405 || ++g->tries > 1 ? -1 : 0;
		get_drop(g);
		return;
	}
	g->offered = 1;
}

/* Before a request: notice a stream that ended, open it again if due. */
static void
get_check(struct mcp_client *c)
{
	struct mcp_get *g = c->get;
	int rc;

	if (!g || g->offered <= 0 || c->depth || c->dead)
		return;
	if (g->s) {
		if ((rc = http_stream_done(g->s, NULL)) == 0)
			return;		/* still there */
		if (g->resp.status && (g->resp.status < 200 ||
		    g->resp.status >= 300 || !is_sse(&g->resp))) {
			get_drop(g);
			g->offered = -1;
			return;
		}
		g->empty = g->events ? 0 : g->empty + 1;
		g->again = mcp_now_ms() + (g->sse.retry >= 0 ? g->sse.retry :
		    RETRY_MS);
		get_drop(g);
		if (g->empty >= EMPTY_TRIES) {
			g->offered = -1;
			return;
		}
	}
	if (mcp_now_ms() >= g->again)
		get_open(c);
}

/* A new session: its own GET stream, its own event ids. */
static void
get_reset(struct mcp_client *c)
{
	struct mcp_get *g = c->get;

	if (!g)
		return;
	get_drop(g);
	sse_release(&g->sse);
	sse_init(&g->sse, get_event, g);
	g->offered = g->empty = g->tries = 0;
	g->again = 0;
}

void
mcp_http_poll(struct mcp_client *c)
{
	int i;

	if (!c->get || !c->get->s)
		return;
	for (i = 0; i < 100 && http_stream_wait(0) == 1; i++)
		;
}

/* ---- requests ---- */

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

/* The first line of an error body, short. */
static void
first_line(const struct buf *body, struct buf *out)
{
	size_t n = strcspn(buf_str(body), "\r\n");

	if (n)
		buf_addf(out, ": %.*s", (int)(n > 200 ? 200 : n), body->s);
}

/* One transfer into p: the POST of json, or (json NULL) the GET that
 * resumes p's stream.  http_request's return. */
static int
transfer(struct mcp_client *c, struct post *p, const char *json,
    size_t len, long long deadline, struct buf *herr)
{
	struct http_req req;
	struct hdrs h;
	long long left = deadline - mcp_now_ms();
	int rc;

	hdrs_build(&h, c, !json, json ? NULL : buf_str(&p->sse.last_id));
	memset(&req, 0, sizeof(req));
	req.method = json ? "POST" : "GET";
	req.url = c->url;
	req.body = json;
	req.len = len;
	req.headers = h.v;
	req.timeout = left > 1000 ? (long)((left + 999) / 1000) : 1;
	req.connect_timeout = c->s->connect_timeout;
	req.header = json ? "Mcp-Session-Id" : NULL;
	req.on_data = on_data;
	req.ctx = p;
	req.stop = on_stop;
	c->depth++;
	rc = http_request(&req, p->resp, herr);
	c->depth--;
	hdrs_release(&h);
	return rc;
}

/* Wait ms for a resumption, reading the other streams: 1 when the
 * reply came meanwhile (or the connection died), -HM_EFAIL on SIGINT. */
static int
pause_ms(struct mcp_client *c, long ms)
{
	long long end = mcp_now_ms() + ms, left;

	while ((left = end - mcp_now_ms()) > 0) {
		if (c->reply || c->dead)
			return 1;
		if (http_stream_wait((long)left) < 0)
			return -HM_EFAIL;
	}
	return c->reply || c->dead;
}

/*
 * p's stream ended without our reply: resume it (see the top).  0 with
 * the reply in (or not: the caller says so), 1 when the deadline passed,
 * or -HM_E* with the reason.
 */
static int
resume(struct mcp_client *c, struct post *p, long long deadline,
    struct buf *err)
{
	struct buf herr = BUF_INIT, why = BUF_INIT;
	struct http_resp resp;
	long delay;
	int rc = 0, empty = 0;

	while (!p->got && !c->reply && !c->dead && p->sse.last_id.len) {
		delay = p->sse.retry >= 0 ? p->sse.retry : RETRY_MS;
		if (mcp_now_ms() + delay >= deadline)
			return 1;
		if ((rc = pause_ms(c, delay)) < 0)
			return hm_fail(err, HM_EFAIL, "server '%s': %s: "
			    "interrupted", c->s->name, c->url);
		if (rc)
			break;
		p->resp = &resp;
		p->mode = 0;
		p->events = 0;
		sse_again(&p->sse, on_event, p);
		buf_reset(&herr);
		rc = transfer(c, p, NULL, 0, deadline, &herr);
		if (p->got || c->dead) {
			rc = 0;
		} else if (rc < 0 && (resp.interrupted || !p->events)) {
			rc = hm_fail(err, HM_EFAIL, "server '%s': %s: "
			    "resuming the stream: %s", c->s->name, c->url,
			    resp.interrupted ? "interrupted" : buf_str(&herr));
		} else if (rc == 0 && resp.status >= 300) {
			first_line(&resp.body, &why);
			rc = hm_fail(err, HM_EFAIL, "server '%s' answered HTTP "
			    "%ld to the GET resuming its stream%s",
			    c->s->name, resp.status, buf_str(&why));
		} else if (p->mode == 1) {
			rc = hm_fail(err, HM_EFAIL, "server '%s' answered the "
			    "GET resuming its stream with %s, not an event "
			    "stream", c->s->name, resp.content_type ?
			    resp.content_type : "no content type");
		} else {
			rc = 0;
			empty = p->events ? 0 : empty + 1;
		}
		http_resp_release(&resp);
		if (rc < 0 || empty >= EMPTY_TRIES)
			break;
	}
	buf_release(&herr);
	buf_release(&why);
	if (rc == 0 && c->dead)
		rc = hm_fail(err, HM_EFAIL, "%s", c->dead);
	return rc < 0 ? rc : 0;
}

/* One POST and what came back.  0 (or 1: the deadline passed while
 * resuming), or -HM_E* with the reason. */
static int
post(struct mcp_client *c, const char *json, size_t len, int request,
    long long deadline, long *status, struct buf *err)
{
	struct buf herr = BUF_INIT, why = BUF_INIT;
	struct http_resp resp;
	struct post p;
	cJSON *msg;
	int rc, cut;

	memset(&p, 0, sizeof(p));
	p.c = c;
	p.resp = &resp;
	p.request = request;
	sse_init(&p.sse, on_event, &p);
	rc = transfer(c, &p, json, len, deadline, &herr);
	*status = resp.status;
	if (resp.header && !c->session)
		c->session = xstrdup(resp.header);
	/* a stream cut after an event id is resumed, as one ended */
	cut = rc < 0 && !resp.interrupted && p.mode == 2 && request &&
	    p.sse.last_id.len && !p.got && !c->dead;
	if (p.got || (request && c->reply) || (rc < 0 && c->dead)) {
		rc = c->dead ? hm_fail(err, HM_EFAIL, "%s", c->dead) : 0;
	} else if (rc < 0 && !cut) {
		rc = hm_fail(err, HM_EFAIL, "server '%s': %s: %s", c->s->name,
		    c->url, resp.interrupted ? "interrupted" :
		    buf_str(&herr));
	} else if (cut) {
		rc = resume(c, &p, deadline, err);
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
	} else if (p.mode == 2 && request) {
		rc = resume(c, &p, deadline, err);
	}
	sse_release(&p.sse);
	buf_release(&p.body);
	buf_release(&herr);
	buf_release(&why);
	http_resp_release(&resp);
	return rc;
}

int
mcp_http_send(struct mcp_client *c, const char *json, size_t len,
    int request, long long deadline, struct buf *err)
{
	long status = 0;
	int rc;

	/* open the GET stream as soon as the session is: before
	 * notifications/initialized, so what the server says while it
	 * takes that (server-everything: tools/list_changed) is heard */
	if (c->initialized && !c->depth && (!c->get || !c->get->offered))
		get_open(c);
	else
		get_check(c);
	rc = post(c, json, len, request, deadline, &status, err);
	if (rc == 0 && status == 404 && c->session) {
		free(c->session);	/* the server forgot the session */
		c->session = NULL;
		get_reset(c);
		if (!c->initialized)
			return hm_fail(err, HM_EFAIL, "server '%s' answered "
			    "HTTP 404", c->s->name);
		if ((rc = mcp_http_reinit(c, err)) < 0)
			return rc;
		rc = post(c, json, len, request, deadline, &status, err);
		if (rc == 0 && status == 404)
			rc = hm_fail(err, HM_EFAIL, "server '%s' answered "
			    "HTTP 404 on a new session", c->s->name);
	}
	if (rc == 0 && c->initialized && !c->depth && (!c->get ||
	    !c->get->offered))
		get_open(c);	/* refused before: once more, after it */
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

	if (c->get) {
		get_drop(c->get);
		sse_release(&c->get->sse);
		free(c->get);
		c->get = NULL;
	}
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
