/*
 * platform_webhook.c: the generic webhook behind platform.h: messages
 * come in as signed HTTP POSTs to a listener, answers go out as signed
 * POSTs to a URL.
 *
 * In: gateway.webhook.listen (127.0.0.1:8644) takes POST / or
 * /webhook with the header X-Hermes-Signature: sha256=HEX, HEX the
 * HMAC-SHA256 of the raw body under WEBHOOK_SECRET, and a JSON body
 * {"text", "user", "channel", "thread"?, "user_name"?, "message_id"?,
 * "group"?} (ids may be strings or numbers).  A bad or missing
 * signature is 401 at once, before the body is even parsed; bad JSON or
 * a missing field 400; other paths 404, other methods 405.  A good one
 * becomes a message (chat = channel) and its connection is held: the
 * 200 {"ok":true} goes out in ack, once the gateway has stored the
 * message, so a crash in between makes the sender retry (gwlisten.h).
 * The listener starts with the first poll, and its address is written
 * to gateway/webhook.addr.
 *
 * Out: POST {"text", "chat_id", "thread"?, "reply_to"?} to
 * gateway.webhook.url, signed the same way.  Neither the secret nor the
 * URL (which may hold a token of its own) goes into an error line.
 * Errors: no URL or a 4xx is -HM_EFAIL; no answer or a 5xx -HM_EIO;
 * 429 -HM_EIO with retry_after from its Retry-After (else 1 s).
 */
#include <cjson/cJSON.h>

#include "common.h"
#include "config.h"
#include "gwlisten.h"
#include "hmac.h"
#include "http.h"
#include "httpd.h"
#include "platform.h"
#include "platform_int.h"

#define WH_DEFAULT_LISTEN	"127.0.0.1:8644"
#define WH_SIGNATURE		"X-Hermes-Signature"
#define WH_SEND_TIMEOUT		30

struct wh {
	struct gwlisten l;
	char *secret;
	char *url;			/* where answers go, or NULL */
};

static int
wh_open(struct platform *p, const struct config *cfg, struct buf *err)
{
	const char *secret = config_get(cfg, "WEBHOOK_SECRET", NULL);
	const char *listen = config_get(cfg, "gateway.webhook.listen", NULL);
	const char *url = config_get(cfg, "gateway.webhook.url", NULL);
	struct wh *w;
	int rc;

	if (!secret || !*secret)
		return hm_fail(err, HM_EFAIL, "webhook: no secret: set "
		    "WEBHOOK_SECRET (hermes-config set WEBHOOK_SECRET ...); "
		    "an unsigned listener would let anyone reach the agent");
	w = xcalloc(1, sizeof(*w));
	rc = gwlisten_init(&w->l, "webhook", "gateway.webhook.listen",
	    listen && *listen ? listen : WH_DEFAULT_LISTEN, "POST", err);
	if (rc < 0) {
		free(w);
		return rc;
	}
	w->secret = xstrdup(secret);
	w->url = url && *url ? xstrdup(url) : NULL;
	p->state = w;
	p->retry_after = 0;
	return 0;
}

static void
wh_close(struct platform *p)
{
	struct wh *w = p->state;

	if (!w)
		return;
	gwlisten_release(&w->l);
	free(w->secret);
	free(w->url);
	free(w);
	p->state = NULL;
}

/* An id, a string or a number, as a string; NULL when it is neither
 * or empty. */
static char *
id_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);
	struct buf b = BUF_INIT;

	if (cJSON_IsString(v) && *v->valuestring)
		return xstrdup(v->valuestring);
	if (!cJSON_IsNumber(v))
		return NULL;
	if (v->valuedouble > -1e15 && v->valuedouble < 1e15 &&
	    v->valuedouble == (double)(long long)v->valuedouble)
		buf_addf(&b, "%lld", (long long)v->valuedouble);
	else
		buf_addf(&b, "%.17g", v->valuedouble);
	return buf_detach(&b);
}

/* An id that fits a target (PLATFORM:CHAT[:THREAD]) and a line of
 * `hermes-gateway pair list`: no control characters, and no ':' in
 * a chat. */
static int
good_id(const char *s, int colon_ok)
{
	for (; s && *s; s++)
		if ((*s == ':' && !colon_ok) || (unsigned char)*s < ' ' ||
		    *s == 0x7f)
			return 0;
	return 1;
}

/* A name for people on one line. */
static void
flatten(char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			*s = ' ';
}

/* Take one request (gwlisten_fn); 1 when it brought a message. */
static int
take(void *ctx, struct httpd_req *r)
{
	struct wh *w = ctx;
	const char *text;
	struct gw_msg m;
	cJSON *j;

	if (strcmp(r->path, "/") && strcmp(r->path, "/webhook")) {
		gwlisten_refuse(&w->l, r, 404, NULL);
		return 0;
	}
	if (strcmp(r->method, "POST")) {
		gwlisten_refuse(&w->l, r, 405, NULL);
		return 0;
	}
	if (!gwlisten_signed(r, WH_SIGNATURE, w->secret)) {
		gwlisten_refuse(&w->l, r, 401, "bad or missing "
		    WH_SIGNATURE);
		return 0;
	}
	j = cJSON_ParseWithLength(r->body, r->len);
	text = cJSON_GetStringValue(cJSON_GetObjectItem(j, "text"));
	memset(&m, 0, sizeof(m));
	if (!cJSON_IsObject(j) || !text || !*text ||
	    !(m.user = id_of(j, "user")) || !(m.chat = id_of(j, "channel"))) {
		gwlisten_refuse(&w->l, r, 400, cJSON_IsObject(j) ? "text, "
		    "user and channel are required" : "the body is not a "
		    "JSON object");
		gw_msg_release(&m);
		cJSON_Delete(j);
		return 0;
	}
	m.thread = id_of(j, "thread");
	if (!good_id(m.chat, 0) || !good_id(m.user, 1) ||
	    !good_id(m.thread, 1)) {
		gwlisten_refuse(&w->l, r, 400, "channel, user and thread may "
		    "not hold control characters, nor channel a ':'");
		gw_msg_release(&m);
		cJSON_Delete(j);
		return 0;
	}
	m.platform = xstrdup("webhook");
	m.text = xstrdup(text);
	m.user_name = id_of(j, "user_name");
	flatten(m.user_name);
	m.message_id = id_of(j, "message_id");
	m.is_group = cJSON_IsTrue(cJSON_GetObjectItem(j, "group"));
	cJSON_Delete(j);
	gwlisten_add(&w->l, &m);
	gwlisten_hold(&w->l, r);
	return 1;
}

static int
wh_poll(struct platform *p, long timeout_ms, struct gw_msg **v, size_t *n,
    struct buf *err)
{
	struct wh *w = p->state;
	int rc;

	rc = gwlisten_poll(&w->l, timeout_ms, take, w, v, n, err);
	gwlisten_scrub(err, w->secret);
	return rc;
}

static int
wh_ack(struct platform *p, struct buf *err)
{
	struct wh *w = p->state;

	(void)err;
	gwlisten_ack(&w->l);
	return 0;
}

static int
wh_send(struct platform *p, const char *chat, const char *thread,
    const char *reply_to, const char *text, struct buf *err)
{
	struct wh *w = p->state;
	struct buf sig = BUF_INIT, herr = BUF_INIT, ex = BUF_INIT;
	const char *hdr[3];
	struct http_resp resp;
	struct http_req req;
	cJSON *o;
	char hex[65], *s;
	int rc = 0;

	p->retry_after = 0;
	if (!w->url)
		return hm_fail(err, HM_EFAIL, "webhook: gateway.webhook.url "
		    "is not set: there is nowhere to send to");
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "text", text);
	cJSON_AddStringToObject(o, "chat_id", chat);
	if (thread && *thread)
		cJSON_AddStringToObject(o, "thread", thread);
	if (reply_to && *reply_to)
		cJSON_AddStringToObject(o, "reply_to", reply_to);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	hmac_sha256_hex(w->secret, strlen(w->secret), s, strlen(s), hex);
	buf_addf(&sig, WH_SIGNATURE ": sha256=%s", hex);
	hdr[0] = "Content-Type: application/json";
	hdr[1] = sig.s;
	hdr[2] = NULL;
	memset(&req, 0, sizeof(req));
	req.url = w->url;
	req.body = s;
	req.len = strlen(s);
	req.headers = hdr;
	req.timeout = WH_SEND_TIMEOUT;
	req.connect_timeout = 10;
	if (http_request(&req, &resp, &herr) < 0) {
		rc = hm_fail(err, HM_EIO, "webhook: the reply POST failed: %s",
		    resp.interrupted ? "interrupted" : buf_str(&herr));
	} else if (resp.status < 200 || resp.status >= 300) {
		gwlisten_excerpt(&ex, &resp.body, 120);
		if (resp.status == 429)
			p->retry_after = resp.retry_after > 0 ?
			    resp.retry_after : 1;
		rc = hm_fail(err, resp.status == 429 || resp.status >= 500 ?
		    HM_EIO : HM_EFAIL, "webhook: the reply URL answered "
		    "HTTP %ld%s%s", resp.status, ex.len ? ": " : "",
		    buf_str(&ex));
	}
	gwlisten_scrub(err, w->secret);
	gwlisten_scrub(err, w->url);
	http_resp_release(&resp);
	cJSON_free(s);
	buf_release(&sig);
	buf_release(&herr);
	buf_release(&ex);
	return rc;
}

const struct platform platform_webhook_proto = {
	.name = "webhook",
	.max_len = 32768,
	.open = wh_open,
	.poll = wh_poll,
	.ack = wh_ack,
	.send = wh_send,
	.close = wh_close,
};
