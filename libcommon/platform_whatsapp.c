/*
 * platform_whatsapp.c: the WhatsApp Business Cloud API behind
 * platform.h.  Meta delivers messages to a webhook (our listener) and
 * takes answers through the Graph API.
 *
 * In: gateway.whatsapp.listen (127.0.0.1:8090; put it behind the HTTPS
 * reverse proxy Meta's callback URL names), path / or /webhook.
 *   GET ?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C is the
 *   subscription check: 200 with C as the body when T is
 *   WHATSAPP_VERIFY_TOKEN, else 403.
 *   POST carries X-Hub-Signature-256: sha256=HEX, HEX the HMAC-SHA256
 *   of the raw body under WHATSAPP_APP_SECRET, checked on every POST
 *   (bad or missing: 401, nothing parsed).  The body is
 *   {"object":"whatsapp_business_account","entry":[{"changes":[{
 *   "field":"messages","value":{"metadata":{"phone_number_id"},
 *   "contacts":[{"profile":{"name"},"wa_id"}],"messages":[{"from","id",
 *   "timestamp","type":"text","text":{"body"}}]}}]}]}.  Each text
 *   message is a gw_msg (chat = user = from, user_name from contacts,
 *   message_id = id); statuses, other types, other fields and messages
 *   to another phone number of the same app are skipped.  A POST that
 *   brought messages gets its 200 in ack (gwlisten.h); one that brought
 *   none gets it at once, so Meta does not send it again.  Unsigned
 *   JSON is never parsed; signed bad JSON is 400.
 *
 * Out: POST {gateway.whatsapp.api}/{WHATSAPP_PHONE_NUMBER_ID}/messages,
 * Authorization: Bearer WHATSAPP_TOKEN, {"messaging_product":
 * "whatsapp","recipient_type":"individual","to","type":"text",
 * "text":{"body"},"context":{"message_id"}?}.  Errors are
 * {"error":{"message","type","code","is_transient"?,...}}: 429, 5xx, a
 * transient error and the throttling codes (4, 80007, 130429, 131056,
 * which Meta may send with 400) are -HM_EIO with retry_after from the
 * Retry-After header when there is one; 401 and other refusals
 * -HM_EFAIL.  The token never reaches an error line.
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

#define WA_DEFAULT_API		"https://graph.facebook.com/v21.0"
#define WA_DEFAULT_LISTEN	"127.0.0.1:8090"
#define WA_SIGNATURE		"X-Hub-Signature-256"
#define WA_SEND_TIMEOUT		30

struct wa {
	struct gwlisten l;
	char *app_secret;
	char *verify_token;
	char *token;
	char *phone_id;
	char *url;			/* .../PHONE_ID/messages */
};

static const char *const wa_needs[] = { "WHATSAPP_TOKEN",
	"WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_APP_SECRET",
	"WHATSAPP_VERIFY_TOKEN" };

static int
wa_open(struct platform *p, const struct config *cfg, struct buf *err)
{
	const char *v[HM_ARRAY_SIZE(wa_needs)], *api, *listen;
	struct buf url = BUF_INIT;
	struct wa *w;
	size_t i, n;
	int rc;

	for (i = 0; i < HM_ARRAY_SIZE(wa_needs); i++) {
		v[i] = config_get(cfg, wa_needs[i], NULL);
		if (!v[i] || !*v[i])
			return hm_fail(err, HM_EFAIL, "whatsapp: %s is not set "
			    "(hermes-config set %s ...)", wa_needs[i],
			    wa_needs[i]);
	}
	api = config_get(cfg, "gateway.whatsapp.api", NULL);
	listen = config_get(cfg, "gateway.whatsapp.listen", NULL);
	w = xcalloc(1, sizeof(*w));
	rc = gwlisten_init(&w->l, "whatsapp", "gateway.whatsapp.listen",
	    listen && *listen ? listen : WA_DEFAULT_LISTEN, "GET, POST", err);
	if (rc < 0) {
		free(w);
		return rc;
	}
	if (!api || !*api)
		api = WA_DEFAULT_API;
	for (n = strlen(api); n > 0 && api[n - 1] == '/'; n--)
		;
	buf_add(&url, api, n);
	buf_addf(&url, "/%s/messages", v[1]);
	w->token = xstrdup(v[0]);
	w->phone_id = xstrdup(v[1]);
	w->app_secret = xstrdup(v[2]);
	w->verify_token = xstrdup(v[3]);
	w->url = buf_detach(&url);
	p->state = w;
	p->retry_after = 0;
	return 0;
}

static void
wa_close(struct platform *p)
{
	struct wa *w = p->state;

	if (!w)
		return;
	gwlisten_release(&w->l);
	free(w->app_secret);
	free(w->verify_token);
	free(w->token);
	free(w->phone_id);
	free(w->url);
	free(w);
	p->state = NULL;
}

/* The subscription check. */
static void
verify(struct wa *w, struct httpd_req *r)
{
	char *mode = httpd_param(r, "hub.mode");
	char *tok = httpd_param(r, "hub.verify_token");
	char *chal = httpd_param(r, "hub.challenge");

	if (mode && !strcmp(mode, "subscribe") && chal &&
	    hmac_equal(tok, w->verify_token)) {
		httpd_respond(r, 200, "text/plain", chal, strlen(chal), NULL);
		httpd_req_free(r);
	} else {
		gwlisten_refuse(&w->l, r, 403, "wrong verify token or mode");
	}
	free(mode);
	free(tok);
	free(chal);
}

static char *
str_dup(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, key));

	return s && *s ? xstrdup(s) : NULL;
}

/* The profile name of wa_id among value's contacts, on one line, or
 * NULL. */
static char *
contact_name(const cJSON *value, const char *wa_id)
{
	const cJSON *c;
	const char *id;
	char *name = NULL, *p;

	cJSON_ArrayForEach(c, cJSON_GetObjectItem(value, "contacts")) {
		id = cJSON_GetStringValue(cJSON_GetObjectItem(c, "wa_id"));
		if (id && !strcmp(id, wa_id)) {
			name = str_dup(cJSON_GetObjectItem(c, "profile"),
			    "name");
			break;
		}
	}
	for (p = name; p && *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = ' ';
	return name;
}

/* The text messages of one change's value, added to the poll's. */
static void
take_value(struct platform *p, const cJSON *value)
{
	struct wa *w = p->state;
	const cJSON *msg, *md = cJSON_GetObjectItem(value, "metadata");
	const char *pid = cJSON_GetStringValue(cJSON_GetObjectItem(md,
	    "phone_number_id"));
	const char *from, *body, *type, *id;
	struct gw_msg m;
	int n;

	if (pid && strcmp(pid, w->phone_id)) {	/* another number's */
		platform_log(p, "a change for phone number %s skipped: not "
		    "ours", pid);
		return;
	}
	if ((n = cJSON_GetArraySize(cJSON_GetObjectItem(value, "statuses"))))
		platform_log(p, "%d status update%s skipped", n, n == 1 ? "" :
		    "s");
	cJSON_ArrayForEach(msg, cJSON_GetObjectItem(value, "messages")) {
		from = cJSON_GetStringValue(cJSON_GetObjectItem(msg, "from"));
		body = cJSON_GetStringValue(cJSON_GetObjectItem(
		    cJSON_GetObjectItem(msg, "text"), "body"));
		type = cJSON_GetStringValue(cJSON_GetObjectItem(msg, "type"));
		id = cJSON_GetStringValue(cJSON_GetObjectItem(msg, "id"));
		if (!type || strcmp(type, "text") || !body || !*body ||
		    !from || !*from || from[strcspn(from, ":\t\n\r")]) {
			platform_log(p, "message %s skipped: %s", id ? id :
			    "(no id)", type && strcmp(type, "text") ? type :
			    "no text or no sender");
			continue;
		}
		memset(&m, 0, sizeof(m));
		m.platform = xstrdup("whatsapp");
		m.chat = xstrdup(from);
		m.user = xstrdup(from);
		m.user_name = contact_name(value, from);
		m.text = xstrdup(body);
		m.message_id = str_dup(msg, "id");
		gwlisten_add(&w->l, &m);
	}
}

/* Take one request (gwlisten_fn); how many messages it brought. */
static int
take(void *ctx, struct httpd_req *r)
{
	static const char ok[] = "{\"ok\":true}";
	struct platform *p = ctx;
	struct wa *w = p->state;
	const cJSON *e, *c, *f;
	size_t before = w->l.n;
	cJSON *j;

	if (strcmp(r->path, "/") && strcmp(r->path, "/webhook")) {
		gwlisten_refuse(&w->l, r, 404, NULL);
		return 0;
	}
	if (!strcmp(r->method, "GET")) {
		verify(w, r);
		return 0;
	}
	if (strcmp(r->method, "POST")) {
		gwlisten_refuse(&w->l, r, 405, NULL);
		return 0;
	}
	if (!gwlisten_signed(r, WA_SIGNATURE, w->app_secret)) {
		gwlisten_refuse(&w->l, r, 401, "bad or missing "
		    WA_SIGNATURE);
		return 0;
	}
	if (!cJSON_IsObject(j = cJSON_ParseWithLength(r->body, r->len))) {
		gwlisten_refuse(&w->l, r, 400, "the body is not a JSON "
		    "object");
		cJSON_Delete(j);
		return 0;
	}
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(j, "entry")) {
		cJSON_ArrayForEach(c, cJSON_GetObjectItem(e, "changes")) {
			f = cJSON_GetObjectItem(c, "field");
			if (!f || (cJSON_IsString(f) &&
			    !strcmp(f->valuestring, "messages")))
				take_value(p, cJSON_GetObjectItem(c, "value"));
		}
	}
	cJSON_Delete(j);
	if (w->l.n > before) {
		gwlisten_hold(&w->l, r);
		return (int)(w->l.n - before);
	}
	httpd_respond(r, 200, "application/json", ok, sizeof(ok) - 1, NULL);
	httpd_req_free(r);
	return 0;
}

static int
wa_poll(struct platform *p, long timeout_ms, struct gw_msg **v, size_t *n,
    struct buf *err)
{
	struct wa *w = p->state;
	int rc;

	rc = gwlisten_poll(&w->l, timeout_ms, take, p, v, n, err);
	return rc;
}

static int
wa_ack(struct platform *p, struct buf *err)
{
	struct wa *w = p->state;

	(void)err;
	gwlisten_ack(&w->l);
	return 0;
}

/* An answer that is not 2xx as -HM_E* and one line in err. */
static int
refusal(struct platform *p, const struct http_resp *resp, struct buf *err)
{
	cJSON *j = cJSON_Parse(buf_str(&resp->body));
	const cJSON *e = cJSON_GetObjectItem(j, "error");
	const char *msg = cJSON_GetStringValue(cJSON_GetObjectItem(e,
	    "message"));
	const cJSON *code = cJSON_GetObjectItem(e, "code");
	long c = cJSON_IsNumber(code) ? (long)code->valuedouble : 0;
	struct buf why = BUF_INIT;
	int transient, rc;

	transient = resp->status == 429 || resp->status >= 500 || c == 4 ||
	    c == 80007 || c == 130429 || c == 131056 ||
	    cJSON_IsTrue(cJSON_GetObjectItem(e, "is_transient"));
	if (msg)
		buf_adds(&why, msg);
	else
		gwlisten_excerpt(&why, &resp->body, 120);
	if (c)
		buf_addf(&why, "%s(code %ld)", why.len ? " " : "", c);
	if (transient)
		p->retry_after = resp->retry_after > 0 ? resp->retry_after :
		    c == 131056 ? 6 : resp->status == 429 ? 1 : 0;
	if (resp->status == 401)
		rc = hm_fail(err, HM_EFAIL, "whatsapp: the access token was "
		    "refused (401): %s", buf_str(&why));
	else
		rc = hm_fail(err, transient ? HM_EIO : HM_EFAIL, "whatsapp: "
		    "send: HTTP %ld%s%s", resp->status, why.len ? ": " : "",
		    buf_str(&why));
	buf_release(&why);
	cJSON_Delete(j);
	return rc;
}

static int
wa_send(struct platform *p, const char *chat, const char *thread,
    const char *reply_to, const char *text, struct buf *err)
{
	struct wa *w = p->state;
	struct buf auth = BUF_INIT, herr = BUF_INIT;
	cJSON *o = cJSON_CreateObject(), *t;
	const char *hdr[3];
	struct http_resp resp;
	struct http_req req;
	char *s;
	int rc = 0;

	(void)thread;		/* WhatsApp chats have no threads */
	p->retry_after = 0;
	cJSON_AddStringToObject(o, "messaging_product", "whatsapp");
	cJSON_AddStringToObject(o, "recipient_type", "individual");
	cJSON_AddStringToObject(o, "to", chat);
	cJSON_AddStringToObject(o, "type", "text");
	t = cJSON_AddObjectToObject(o, "text");
	cJSON_AddStringToObject(t, "body", text);
	if (reply_to && *reply_to)
		cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "context"),
		    "message_id", reply_to);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	buf_addf(&auth, "Authorization: Bearer %s", w->token);
	hdr[0] = "Content-Type: application/json";
	hdr[1] = auth.s;
	hdr[2] = NULL;
	memset(&req, 0, sizeof(req));
	req.url = w->url;
	req.body = s;
	req.len = strlen(s);
	req.headers = hdr;
	req.timeout = WA_SEND_TIMEOUT;
	req.connect_timeout = 10;
	if (http_request(&req, &resp, &herr) < 0)
		rc = hm_fail(err, HM_EIO, "whatsapp: send: %s",
		    resp.interrupted ? "interrupted" : buf_str(&herr));
	else if (resp.status < 200 || resp.status >= 300)
		rc = refusal(p, &resp, err);
	gwlisten_scrub(err, w->token);
	gwlisten_scrub(err, w->app_secret);
	http_resp_release(&resp);
	cJSON_free(s);
	buf_release(&auth);
	buf_release(&herr);
	return rc;
}

const struct platform platform_whatsapp_proto = {
	.name = "whatsapp",
	.max_len = 4096,
	.open = wa_open,
	.poll = wa_poll,
	.ack = wa_ack,
	.send = wa_send,
	.close = wa_close,
};
