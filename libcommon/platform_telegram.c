/*
 * platform_telegram.c: the Telegram Bot API behind platform.h.
 *
 * Requests are POST {gateway.telegram.api}/bot{TELEGRAM_BOT_TOKEN}/METHOD
 * with a JSON body; answers are {"ok":true,"result":...} or
 * {"ok":false,"error_code":N,"description":"...","parameters":{...}}.
 * The URL holds the token, so neither it nor the token ever goes into
 * an error line (any answer from the server is scrubbed of it too).
 *
 * Incoming messages come by long polling getUpdates.  Telegram forgets
 * every update below the offset a request names, so the offset asked
 * for moves in memory (seen: the highest update_id polled + 1) and the
 * one that survives a restart, gateway/telegram.offset (one decimal
 * line, mode 0600, atomic_write), moves only in ack, after the gateway
 * has kept the messages: a restart between poll and ack polls from the
 * persisted offset and sees them again, a restart after it never does.
 * Updates that are not text messages are skipped but counted in seen,
 * so they are not asked for again.
 *
 * Errors: no answer, 5xx or a torn body is -HM_EIO (retry later); 429
 * is -HM_EIO with p->retry_after from parameters.retry_after; 401 (bad
 * token), 409 (a webhook is set, or another poller runs) and the other
 * refusals are -HM_EFAIL.
 */
#include <cjson/cJSON.h>

#include "common.h"
#include "atomic.h"
#include "config.h"
#include "http.h"
#include "path.h"
#include "platform.h"
#include "platform_int.h"

#define TG_DEFAULT_API	"https://api.telegram.org"
#define TG_OFFSET_FILE	"gateway/telegram.offset"
#define TG_SEND_TIMEOUT	30	/* seconds for sendMessage */
#define TG_POLL_SLACK	10	/* seconds past the long poll's timeout */

struct tg {
	char *base;			/* api URL + "/bot" + token */
	char *token;			/* to scrub from error lines */
	long long offset;		/* persisted: next update to ask for */
	long long seen;			/* highest update_id polled + 1 */
};

/* Replace every copy of the token in err by "<token>". */
static void
scrub(const struct tg *t, struct buf *err)
{
	buf_scrub(err, t->token, "<token>");
}

static int
read_offset(long long *out, struct buf *err)
{
	struct buf text = BUF_INIT;
	char *path = hm_path(TG_OFFSET_FILE), *end;
	long long v;
	int rc = 0;

	*out = 0;
	if (buf_read_file(&text, path) < 0) {
		if (errno != ENOENT)
			rc = hm_fail(err, HM_EIO, "gateway.telegram: cannot "
			    "read '%s': %s", path, strerror(errno));
		goto out;
	}
	buf_rtrim(&text);
	errno = 0;
	v = strtoll(buf_str(&text), &end, 10);
	if (!text.len || *end || errno || v < 0)
		rc = hm_fail(err, HM_EFAIL, "gateway.telegram: '%s' does not "
		    "hold an update offset", path);
	else
		*out = v;
out:
	buf_release(&text);
	free(path);
	return rc;
}

static int
tg_open(struct platform *p, const struct config *cfg, struct buf *err)
{
	const char *tok = config_get(cfg, "TELEGRAM_BOT_TOKEN", NULL);
	const char *api = config_get(cfg, "gateway.telegram.api", NULL);
	struct buf b = BUF_INIT;
	long long off;
	struct tg *t;
	size_t n;
	int rc;

	if (!tok || !*tok)
		return hm_fail(err, HM_EFAIL, "gateway.telegram: no bot token: "
		    "set TELEGRAM_BOT_TOKEN (hermes-config set "
		    "TELEGRAM_BOT_TOKEN ...)");
	if ((rc = read_offset(&off, err)) < 0)
		return rc;
	if (!api || !*api)
		api = TG_DEFAULT_API;
	for (n = strlen(api); n > 0 && api[n - 1] == '/'; n--)
		;
	t = xcalloc(1, sizeof(*t));
	buf_add(&b, api, n);
	buf_addf(&b, "/bot%s", tok);
	t->base = buf_detach(&b);
	t->token = xstrdup(tok);
	t->offset = t->seen = off;
	p->state = t;
	p->retry_after = 0;
	return 0;
}

static void
tg_close(struct platform *p)
{
	struct tg *t = p->state;

	if (!t)
		return;
	free(t->base);
	free(t->token);
	free(t);
	p->state = NULL;
}

/* Turn an answer that is not ok into -HM_E* and one line in err. */
static int
refusal(struct platform *p, const char *method, const struct http_resp *resp,
    const cJSON *j, struct buf *err)
{
	const cJSON *ra, *ec = cJSON_GetObjectItem(j, "error_code");
	const char *desc = cJSON_GetStringValue(cJSON_GetObjectItem(j,
	    "description"));
	long code = cJSON_IsNumber(ec) ? (long)ec->valuedouble : resp->status;

	if (code == 429) {
		ra = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "parameters"),
		    "retry_after");
		p->retry_after = cJSON_IsNumber(ra) && ra->valuedouble >= 0 ?
		    ra->valuedouble : resp->retry_after > 0 ?
		    resp->retry_after : 1;
		return hm_fail(err, HM_EIO, "telegram: %s: too many requests "
		    "(429): retry after %.0f s", method, p->retry_after);
	}
	if (code == 401)
		return hm_fail(err, HM_EFAIL, "telegram: the bot token was "
		    "refused (401 Unauthorized)");
	if (code == 409)
		return hm_fail(err, HM_EFAIL, "telegram: getUpdates conflicts "
		    "with a webhook set for this bot (409): delete it with "
		    "deleteWebhook, or stop the other poller");
	if (resp->status >= 500 || code >= 500 || !cJSON_IsObject(j))
		return hm_fail(err, HM_EIO, "telegram: %s: HTTP %ld%s%s",
		    method, resp->status, desc ? ": " : "", desc ? desc : "");
	return hm_fail(err, HM_EFAIL, "telegram: %s: %s (%ld)", method,
	    desc ? desc : "refused", code);
}

/* POST method with body and hand back the answer's "result" in *res
 * (the caller's to cJSON_Delete).  The error line names the method and
 * never the URL. */
static int
call(struct platform *p, const char *method, cJSON *body, long timeout,
    cJSON **res, struct buf *err)
{
	static const char *const hdr[] = { "Content-Type: application/json",
	    NULL };
	struct tg *t = p->state;
	struct buf url = BUF_INIT, herr = BUF_INIT;
	struct http_resp resp;
	struct http_req req;
	cJSON *j = NULL;
	char *s = cJSON_PrintUnformatted(body);
	int rc;

	*res = NULL;
	p->retry_after = 0;
	buf_addf(&url, "%s/%s", t->base, method);
	memset(&req, 0, sizeof(req));
	req.url = url.s;
	req.body = s;
	req.len = strlen(s);
	req.headers = hdr;
	req.timeout = timeout;
	req.connect_timeout = 10;
	rc = http_request(&req, &resp, &herr);
	if (rc < 0) {
		rc = hm_fail(err, HM_EIO, "telegram: %s: %s", method,
		    resp.interrupted ? "interrupted" : buf_str(&herr));
		goto out;
	}
	j = cJSON_Parse(buf_str(&resp.body));
	if (resp.status == 200 && cJSON_IsTrue(cJSON_GetObjectItem(j, "ok")) &&
	    cJSON_GetObjectItem(j, "result"))
		*res = cJSON_DetachItemFromObject(j, "result");
	else if (resp.status == 200 && !cJSON_IsFalse(cJSON_GetObjectItem(j,
	    "ok")))
		rc = hm_fail(err, HM_EIO, "telegram: %s: the answer is not "
		    "the Bot API's", method);
	else
		rc = refusal(p, method, &resp, j, err);
out:
	scrub(t, err);
	cJSON_Delete(j);
	cJSON_free(s);
	http_resp_release(&resp);
	buf_release(&url);
	buf_release(&herr);
	return rc;
}

/* An id as a decimal string (ids are integers, maybe past 2^31), or
 * NULL when v is not one. */
static char *
id_str(const cJSON *v)
{
	struct buf b = BUF_INIT;

	if (cJSON_IsString(v) && *v->valuestring)
		return xstrdup(v->valuestring);
	if (!cJSON_IsNumber(v))
		return NULL;
	buf_addf(&b, "%.0f", v->valuedouble);
	return buf_detach(&b);
}

static char *
str_dup(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, key));

	return s ? xstrdup(s) : NULL;
}

/* Fill m from one message; -1 when it is not a text message we take. */
static int
take_message(const cJSON *msg, struct gw_msg *m)
{
	const cJSON *chat = cJSON_GetObjectItem(msg, "chat");
	const cJSON *from = cJSON_GetObjectItem(msg, "from");
	const char *type;

	memset(m, 0, sizeof(*m));
	if (!cJSON_IsString(cJSON_GetObjectItem(msg, "text")) ||
	    !cJSON_IsObject(chat) || !cJSON_IsObject(from))
		return -1;
	m->chat = id_str(cJSON_GetObjectItem(chat, "id"));
	m->user = id_str(cJSON_GetObjectItem(from, "id"));
	if (!m->chat || !m->user) {
		gw_msg_release(m);
		return -1;
	}
	m->platform = xstrdup("telegram");
	/* A reply in a plain group carries a thread id too; only a forum
	 * topic's is one to send back to. */
	if (cJSON_IsTrue(cJSON_GetObjectItem(msg, "is_topic_message")) ||
	    cJSON_IsTrue(cJSON_GetObjectItem(chat, "is_forum")))
		m->thread = id_str(cJSON_GetObjectItem(msg,
		    "message_thread_id"));
	if (!(m->user_name = str_dup(from, "username")))
		m->user_name = str_dup(from, "first_name");
	m->text = str_dup(msg, "text");
	m->message_id = id_str(cJSON_GetObjectItem(msg, "message_id"));
	type = cJSON_GetStringValue(cJSON_GetObjectItem(chat, "type"));
	m->is_group = !type || strcmp(type, "private") != 0;
	return 0;
}

static int
tg_poll(struct platform *p, long timeout_ms, struct gw_msg **v, size_t *n,
    struct buf *err)
{
	struct tg *t = p->state;
	cJSON *body = cJSON_CreateObject(), *res = NULL, *u, *id;
	const char *allowed[] = { "message" };
	long secs = timeout_ms > 0 ? timeout_ms / 1000 : 0;
	struct gw_msg m;
	int rc;

	*v = NULL;
	*n = 0;
	cJSON_AddNumberToObject(body, "offset", (double)t->seen);
	cJSON_AddNumberToObject(body, "timeout", (double)secs);
	cJSON_AddNumberToObject(body, "limit", 100);
	cJSON_AddItemToObject(body, "allowed_updates",
	    cJSON_CreateStringArray(allowed, 1));
	rc = call(p, "getUpdates", body, secs + TG_POLL_SLACK, &res, err);
	cJSON_Delete(body);
	if (rc == 0 && !cJSON_IsArray(res))
		rc = hm_fail(err, HM_EIO, "telegram: getUpdates: the result "
		    "is not a list");
	if (rc < 0) {
		cJSON_Delete(res);
		return rc;
	}
	cJSON_ArrayForEach(u, res) {
		id = cJSON_GetObjectItem(u, "update_id");
		if (!cJSON_IsNumber(id))
			continue;
		if (id->valuedouble < (double)t->seen) {
			platform_log(p, "update %.0f skipped: had it already",
			    id->valuedouble);
			continue;
		}
		t->seen = (long long)id->valuedouble + 1;
		if (take_message(cJSON_GetObjectItem(u, "message"), &m) < 0) {
			platform_log(p, "update %.0f skipped: not a text "
			    "message", id->valuedouble);
			continue;
		}
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = m;
	}
	cJSON_Delete(res);
	return 0;
}

static int
tg_ack(struct platform *p, struct buf *err)
{
	struct tg *t = p->state;
	struct buf b = BUF_INIT;
	char *path;
	int rc;

	if (t->seen == t->offset)
		return 0;
	path = hm_path(TG_OFFSET_FILE);
	buf_addf(&b, "%lld\n", t->seen);
	rc = atomic_write(path, b.s, b.len, 0600, err);
	if (rc == 0)
		t->offset = t->seen;
	else
		scrub(t, err);
	free(path);
	buf_release(&b);
	return rc;
}

/* Add an id as a JSON number when it is an integer, else as a string
 * ("@channelname"). */
static void
add_id(cJSON *o, const char *key, const char *v)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (*v && !*end && !errno)
		cJSON_AddNumberToObject(o, key, (double)n);
	else
		cJSON_AddStringToObject(o, key, v);
}

static int
tg_send(struct platform *p, const char *chat, const char *thread,
    const char *reply_to, const char *text, struct buf *err)
{
	cJSON *body = cJSON_CreateObject(), *res = NULL;
	int rc;

	add_id(body, "chat_id", chat);
	cJSON_AddStringToObject(body, "text", text);
	if (thread && *thread)
		add_id(body, "message_thread_id", thread);
	if (reply_to && *reply_to) {
		add_id(body, "reply_to_message_id", reply_to);
		cJSON_AddTrueToObject(body, "allow_sending_without_reply");
	}
	rc = call(p, "sendMessage", body, TG_SEND_TIMEOUT, &res, err);
	cJSON_Delete(body);
	cJSON_Delete(res);
	return rc;
}

const struct platform platform_telegram_proto = {
	.name = "telegram",
	.max_len = 4096,
	.open = tg_open,
	.poll = tg_poll,
	.ack = tg_ack,
	.send = tg_send,
	.close = tg_close,
};
