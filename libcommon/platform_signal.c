/*
 * platform_signal.c: Signal through the signal-cli REST API
 * (bbernhard/signal-cli-rest-api) behind platform.h.
 *
 * The API runs beside signal-cli, which holds the bot's account
 * (SIGNAL_ACCOUNT, its number, +15550001) and talks to Signal; hermes
 * talks to the API at gateway.signal.url.  It must run in MODE=normal
 * or MODE=native: in MODE=json-rpc receive is a WebSocket, which it
 * refuses over plain GET with a 400 that the error line explains.
 *
 * In: GET {url}/v1/receive/{account, %-encoded}?timeout=T answers a
 * JSON array of {"envelope":{"source","sourceNumber","sourceUuid",
 * "sourceName","timestamp","dataMessage":{"message","timestamp",
 * "groupInfo":{"groupId"}}},"account"}.  signal-cli waits up to T
 * seconds for messages, so a receive is a short long poll: T is the
 * gateway's timeout in whole seconds, at least 1 (the API's smallest
 * useful value).  After a receive that brought nothing, the next one
 * waits gateway.signal.interval seconds (2); until it is due poll sleeps
 * (at most its timeout) and returns nothing, so the loop never spins.
 * Only text messages become gw_msgs: receipts, typing, sync messages
 * (ours from other devices), edits, reactions, stories and empty
 * messages are skipped, and so is anything from the account itself.
 *   user       sourceNumber, or sourceUuid when the number is hidden
 *   chat       the user in a direct chat; "group." + base64(groupId) in
 *              a group, which is the API's own name for the group as a
 *              recipient of /v2/send, so a chat is always a recipient
 *              (hermes-gateway send signal:group.XXXX works too)
 *   message_id "TIMESTAMP:AUTHOR": Signal names a message by its
 *              author and its sent timestamp, and a quote needs both
 *
 * Receive deletes the messages from signal-cli as it hands them over:
 * nothing on the server side waits for an ack, so ack does nothing and
 * a message is lost only if the gateway dies between the HTTP answer
 * and its write to gateway/inbox/ (right after poll returns), or if the
 * answer is cut on the way.  No file is kept under gateway/.
 *
 * Out: POST {url}/v2/send {"message","number":account,"recipients":
 * [chat]}, plus "quote_timestamp" and "quote_author" for a reply (the
 * author is the chat in a direct chat when message_id has none) → 201
 * (older APIs answer {"timestamp"}, newer ones a list; either is fine).
 * max_len is 2000 bytes: Signal's clients send longer texts as an
 * attachment, and the gateway splits at 2000 to stay a plain message.
 *
 * Errors: no answer, 408 or 5xx is -HM_EIO (retry later); 429 is -HM_EIO
 * with p->retry_after from a Retry-After header, else 30 s (the API's
 * 429 carries rate-limit challenge tokens, not a time, and quick retries
 * only prolong a rate limit); other refusals (400: a bad recipient, an
 * unregistered account) are -HM_EFAIL with the API's {"error"} text.
 * No error line holds the URL (it may carry a proxy's credentials).
 */
#include <cjson/cJSON.h>
#include <time.h>

#include "common.h"
#include "config.h"
#include "http.h"
#include "platform.h"
#include "platform_int.h"
#include "timeutil.h"

#define SG_MAX_LEN	2000	/* bytes a message, see above */
#define SG_POLL_SLACK	30	/* seconds past receive's timeout: JVM start */
#define SG_SEND_TIMEOUT	60	/* seconds for /v2/send */
#define SG_RETRY_429	30	/* seconds after a 429 without Retry-After */
#define SG_ERR_MAX	300	/* bytes of the API's text in an error line */

struct sg {
	char *base;		/* gateway.signal.url, no trailing '/' */
	char *account;		/* SIGNAL_ACCOUNT */
	char *receive;		/* base + /v1/receive/ + encoded account */
	long interval;		/* seconds after an empty receive */
	double next;		/* monotonic: when receive is due; 0: now */
};

/* s %-encoded for a URL path segment (RFC 3986 unreserved kept). */
static void
pct_encode(struct buf *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c))
			buf_addc(out, c);
		else
			buf_addf(out, "%%%02X", c);
	}
}

static void
b64_encode(struct buf *out, const char *s)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
	    "opqrstuvwxyz0123456789+/";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i;
	unsigned long v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8 |
		    p[i + 2];
		buf_addc(out, tab[v >> 18 & 63]);
		buf_addc(out, tab[v >> 12 & 63]);
		buf_addc(out, tab[v >> 6 & 63]);
		buf_addc(out, tab[v & 63]);
	}
	if (i < n) {
		v = (unsigned long)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned long)p[i + 1] << 8;
		buf_addc(out, tab[v >> 18 & 63]);
		buf_addc(out, tab[v >> 12 & 63]);
		buf_addc(out, i + 1 < n ? tab[v >> 6 & 63] : '=');
		buf_addc(out, '=');
	}
}

static int
sg_open(struct platform *p, const struct config *cfg, struct buf *err)
{
	const char *url = config_get(cfg, "gateway.signal.url", NULL);
	const char *acct = config_get(cfg, "SIGNAL_ACCOUNT", NULL);
	struct buf b = BUF_INIT;
	struct sg *s;
	long iv = 2;
	size_t n;
	int rc;

	if (!url || !*url)
		return hm_fail(err, HM_EFAIL, "gateway.signal: no REST API: "
		    "set gateway.signal.url to the signal-cli REST API's URL "
		    "(hermes-config set gateway.signal.url "
		    "http://127.0.0.1:8080)");
	if (!acct || !*acct)
		return hm_fail(err, HM_EFAIL, "gateway.signal: no account: "
		    "set SIGNAL_ACCOUNT to the bot's number (hermes-config "
		    "set SIGNAL_ACCOUNT +15550001)");
	if ((rc = config_get_long(cfg, "gateway.signal.interval", &iv,
	    err)) < 0 && rc != -HM_ENOTFOUND)
		return rc;
	s = xcalloc(1, sizeof(*s));
	for (n = strlen(url); n > 0 && url[n - 1] == '/'; n--)
		;
	s->base = xstrndup(url, n);
	s->account = xstrdup(acct);
	buf_addf(&b, "%s/v1/receive/", s->base);
	pct_encode(&b, acct);
	s->receive = buf_detach(&b);
	s->interval = iv < 1 ? 1 : iv;
	p->state = s;
	p->retry_after = 0;
	return 0;
}

static void
sg_close(struct platform *p)
{
	struct sg *s = p->state;

	if (!s)
		return;
	free(s->base);
	free(s->account);
	free(s->receive);
	free(s);
	p->state = NULL;
}

/* The API's word on a refusal, one line, at most SG_ERR_MAX bytes. */
static void
api_text(const struct http_resp *resp, struct buf *out)
{
	cJSON *j = cJSON_Parse(buf_str(&resp->body));
	const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(j, "error"));
	size_t i, n;

	if (!t)
		t = buf_str(&resp->body);
	for (i = n = 0; t[i] && n < SG_ERR_MAX; i++, n++)
		buf_addc(out, (unsigned char)t[i] < 0x20 ? ' ' : t[i]);
	if (t[i])
		buf_adds(out, "...");
	buf_rtrim(out);
	cJSON_Delete(j);
}

/* Turn a status that is not 2xx into -HM_E* and one line in err. */
static int
refusal(struct platform *p, const char *what, const struct http_resp *resp,
    struct buf *err)
{
	struct buf t = BUF_INIT;
	long st = resp->status;
	int rc;

	api_text(resp, &t);
	if (st == 429) {
		p->retry_after = resp->retry_after > 0 ? resp->retry_after :
		    SG_RETRY_429;
		rc = hm_fail(err, HM_EIO, "signal: %s: too many requests "
		    "(429): retry after %.0f s%s%s", what, p->retry_after,
		    t.len ? ": " : "", buf_str(&t));
	} else if (st >= 500 || st == 408) {
		rc = hm_fail(err, HM_EIO, "signal: %s: HTTP %ld%s%s", what, st,
		    t.len ? ": " : "", buf_str(&t));
	} else if (st == 400 && strstr(buf_str(&t), "websocket")) {
		rc = hm_fail(err, HM_EFAIL, "signal: %s: the REST API runs in "
		    "json-rpc mode, where receive is a WebSocket: run it "
		    "with MODE=normal or MODE=native", what);
	} else {
		rc = hm_fail(err, HM_EFAIL, "signal: %s: %s (HTTP %ld)", what,
		    t.len ? buf_str(&t) : "refused", st);
	}
	buf_release(&t);
	return rc;
}

/* One request; 0 with the 2xx answer in resp (the caller releases it
 * in every case). */
static int
call(struct platform *p, const char *what, const char *method,
    const char *url, const char *body, long timeout, struct http_resp *resp,
    struct buf *err)
{
	static const char *const hdr[] = { "Content-Type: application/json",
	    NULL };
	struct buf herr = BUF_INIT;
	struct http_req req;
	int rc;

	p->retry_after = 0;
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	req.body = body;
	req.len = body ? strlen(body) : 0;
	req.headers = body ? hdr : NULL;
	req.timeout = timeout;
	req.connect_timeout = 10;
	rc = http_request(&req, resp, &herr);
	if (rc < 0)
		rc = hm_fail(err, HM_EIO, "signal: %s: %s", what,
		    resp->interrupted ? "interrupted" : buf_str(&herr));
	else if (resp->status < 200 || resp->status > 299)
		rc = refusal(p, what, resp, err);
	buf_release(&herr);
	return rc;
}

static char *
str_dup(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, key));

	return s && *s ? xstrdup(s) : NULL;
}

/* A timestamp (ms) as a decimal string, or NULL. */
static char *
stamp(const cJSON *v)
{
	struct buf b = BUF_INIT;

	if (!cJSON_IsNumber(v) || v->valuedouble <= 0)
		return NULL;
	buf_addf(&b, "%.0f", v->valuedouble);
	return buf_detach(&b);
}

/* Fill m from one item of receive's list; -1 when it is not a text
 * message for us. */
static int
take(const struct sg *s, const cJSON *item, struct gw_msg *m)
{
	const cJSON *env = cJSON_GetObjectItem(item, "envelope");
	const cJSON *dm = cJSON_GetObjectItem(env, "dataMessage");
	const cJSON *gi = cJSON_GetObjectItem(dm, "groupInfo");
	const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(dm,
	    "message"));
	const char *gid = cJSON_GetStringValue(cJSON_GetObjectItem(gi,
	    "groupId"));
	struct buf b = BUF_INIT;
	char *ts;

	memset(m, 0, sizeof(*m));
	if (!cJSON_IsObject(dm) || !text || !*text)
		return -1;	/* receipt, typing, sync, edit, empty, ... */
	if (!(m->user = str_dup(env, "sourceNumber")) &&
	    !(m->user = str_dup(env, "sourceUuid")) &&
	    !(m->user = str_dup(env, "source")))
		return -1;
	if (!strcmp(m->user, s->account)) {
		gw_msg_release(m);
		return -1;	/* our own, never an echo loop */
	}
	if (!(ts = stamp(cJSON_GetObjectItem(dm, "timestamp"))))
		ts = stamp(cJSON_GetObjectItem(env, "timestamp"));
	m->platform = xstrdup("signal");
	m->user_name = str_dup(env, "sourceName");
	m->text = xstrdup(text);
	if (gid && *gid) {
		buf_adds(&b, "group.");
		b64_encode(&b, gid);
		m->chat = buf_detach(&b);
		m->is_group = 1;
	} else {
		m->chat = xstrdup(m->user);
	}
	if (ts) {
		buf_addf(&b, "%s:%s", ts, m->user);
		m->message_id = buf_detach(&b);
		free(ts);
	}
	return 0;
}

static int
sg_poll(struct platform *p, long timeout_ms, struct gw_msg **v, size_t *n,
    struct buf *err)
{
	struct sg *s = p->state;
	struct http_resp resp;
	struct buf url = BUF_INIT;
	const cJSON *it;
	cJSON *list = NULL;
	struct gw_msg m;
	double now = tu_mono(), wait;
	long secs = timeout_ms / 1000 < 1 ? 1 : timeout_ms / 1000;
	int rc;

	*v = NULL;
	*n = 0;
	if (now < s->next) {	/* nothing due: sleep, never spin */
		wait = s->next - now;
		if (wait > timeout_ms / 1e3)
			wait = timeout_ms / 1e3;
		tu_nap(wait);
		return 0;
	}
	buf_addf(&url, "%s?timeout=%ld", s->receive, secs);
	rc = call(p, "receive", "GET", url.s, NULL, secs + SG_POLL_SLACK,
	    &resp, err);
	if (rc == 0 && !cJSON_IsArray(list = cJSON_Parse(buf_str(&resp.body))))
		rc = hm_fail(err, HM_EIO, "signal: receive: the answer is "
		    "not a list of envelopes");
	if (rc == 0) {
		cJSON_ArrayForEach(it, list) {
			if (take(s, it, &m) < 0)
				continue;
			*v = xrealloc(*v, (*n + 1) * sizeof(**v));
			(*v)[(*n)++] = m;
		}
		/* more may be waiting after a batch; after none, rest */
		s->next = cJSON_GetArraySize(list) ? 0 : tu_mono() +
		    (double)s->interval;
	}
	cJSON_Delete(list);
	http_resp_release(&resp);
	buf_release(&url);
	return rc;
}

static int
sg_ack(struct platform *p, struct buf *err)
{
	(void)p;	/* receive deleted them already: see the top */
	(void)err;
	return 0;
}

/* The quote of reply_to ("TIMESTAMP[:AUTHOR]") into body, when it has
 * a timestamp and an author (the chat itself in a direct chat). */
static void
add_quote(cJSON *body, const char *chat, const char *reply_to)
{
	const char *author = strchr(reply_to, ':');
	size_t n = author ? (size_t)(author - reply_to) : strlen(reply_to);
	char *ts;

	if (!n || n > 19 || strspn(reply_to, "0123456789") != n)
		return;
	if (author && author[1])
		author++;
	else if (!strncmp(chat, "group.", 6))
		return;		/* a group's message without its author */
	else
		author = chat;
	ts = xstrndup(reply_to, n);
	cJSON_AddRawToObject(body, "quote_timestamp", ts);
	cJSON_AddStringToObject(body, "quote_author", author);
	free(ts);
}

static int
sg_send(struct platform *p, const char *chat, const char *thread,
    const char *reply_to, const char *text, struct buf *err)
{
	struct sg *s = p->state;
	cJSON *body = cJSON_CreateObject();
	struct buf url = BUF_INIT;
	struct http_resp resp;
	char *js;
	int rc;

	(void)thread;		/* Signal has no threads */
	cJSON_AddStringToObject(body, "message", text);
	cJSON_AddStringToObject(body, "number", s->account);
	cJSON_AddItemToObject(body, "recipients",
	    cJSON_CreateStringArray(&chat, 1));
	if (reply_to && *reply_to)
		add_quote(body, chat, reply_to);
	js = cJSON_PrintUnformatted(body);
	buf_addf(&url, "%s/v2/send", s->base);
	rc = call(p, "send", "POST", url.s, js, SG_SEND_TIMEOUT, &resp, err);
	http_resp_release(&resp);
	buf_release(&url);
	cJSON_free(js);
	cJSON_Delete(body);
	return rc;
}

const struct platform platform_signal_proto = {
	.name = "signal",
	.max_len = SG_MAX_LEN,
	.open = sg_open,
	.poll = sg_poll,
	.ack = sg_ack,
	.send = sg_send,
	.close = sg_close,
};
