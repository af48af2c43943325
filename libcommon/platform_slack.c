/*
 * platform_slack.c: Slack behind platform.h, Socket Mode in, the Web API
 * out.
 *
 * Web API calls are POST {gateway.slack.api}/METHOD with
 * "Authorization: Bearer TOKEN" and a JSON body; a refusal is an HTTP
 * 200 {"ok":false,"error":"channel_not_found"}, a rate limit a 429 with
 * Retry-After.  SLACK_BOT_TOKEN (xoxb-) makes auth.test (in open: the
 * bot's user id, to see mentions and skip our own messages) and
 * chat.postMessage; SLACK_APP_TOKEN (xapp-) only apps.connections.open,
 * which hands out a single-use wss:// URL, fetched anew for every
 * connection.  Both tokens and that URL (it holds a ticket) are secrets:
 * every error line is built through fail(), which scrubs them.
 *
 * Socket Mode: the server says {"type":"hello"}, then sends envelopes
 * {"envelope_id","type":"events_api","payload":{"event":{...}}} that
 * want {"envelope_id":...} back within 3 s, else Slack delivers them
 * again (with retry_attempt).  poll reads them; the envelopes that carry
 * a message for the gateway are acked in ack, after the gateway has
 * kept the message (a connection lost in between means a redelivery,
 * which the recent-message set below drops); all others are acked at
 * once.  {"type":"disconnect"} (any reason): poll stops reading, ack
 * answers what is pending and closes, the next poll connects anew.  A
 * connection that drops is closed and reopened by the next poll; one
 * that cannot be opened, or dies before its hello, is -HM_EIO, so the
 * gateway backs off.
 *
 * What becomes a gw_msg: "message" events without bot_id and without a
 * subtype (but file_share and thread_broadcast, which people write) and
 * not from our bot user, and "app_mention" events.  In a direct chat
 * (channel_type "im") everything; elsewhere only a message that
 * mentions the bot (<@BOTID>), with the leading mention cut.  Slack
 * sends a mention twice (message and app_mention, one ts): the channel
 * and ts of the last SLACK_SEEN messages taken are kept, and a message
 * seen before is skipped (this also drops redeliveries).  Thread: the
 * thread_ts; in a channel, a message outside a thread starts one (its
 * own ts), so the answer goes into that thread and the thread is one
 * session from its first message on.  Direct chats stay unthreaded
 * unless the user wrote in a thread.  Slack's &amp; &lt; &gt; are
 * undone on the way in and done on the way out.
 *
 * Errors: no answer, 5xx, a 429 (p->retry_after from Retry-After) and
 * Slack's internal_error-like codes are -HM_EIO; invalid_auth, an
 * unknown channel and the other refusals -HM_EFAIL naming the error.
 */
#include <time.h>

#include <cjson/cJSON.h>

#include "common.h"
#include "config.h"
#include "http.h"
#include "platform.h"
#include "platform_int.h"
#include "ws.h"
#include "timeutil.h"

#define SLACK_DEFAULT_API	"https://slack.com/api"
#define SLACK_TIMEOUT		30	/* seconds for a Web API call */
#define SLACK_SEEN		256	/* recent messages kept for de-dup */
#define SLACK_BATCH		64	/* messages a poll returns at most */

struct slack {
	char *api;			/* no trailing slash */
	char *app_token;
	char *bot_token;
	char *bot_user;			/* auth.test's user_id, NULL: not yet */
	char *url;			/* the Socket Mode URL (a secret) */
	struct ws *ws;
	int hello;			/* this connection said hello */
	int closing;			/* disconnect asked: close after ack */
	char **pending;			/* envelope ids to ack */
	size_t npending;
	char *seen[SLACK_SEEN];		/* "CHANNEL TS" of messages taken */
	size_t next_seen;
};

static void
scrub(const struct slack *s, struct buf *b)
{
	const char *q;

	buf_scrub(b, s->bot_token, "<token>");
	buf_scrub(b, s->app_token, "<token>");
	if (s->url) {
		buf_scrub(b, s->url, "<socket url>");
		if ((q = strchr(s->url, '?')))
			buf_scrub(b, q + 1, "<ticket>");
	}
}

/* hm_fail with the line scrubbed of every secret first. */
static int
fail(const struct slack *s, struct buf *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
fail(const struct slack *s, struct buf *err, int code, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	scrub(s, &b);
	code = hm_fail(err, code, "%s", buf_str(&b));
	buf_release(&b);
	return code;
}

/* Slack's error codes that a later try may mend. */
static int
transient(const char *e)
{
	static const char *const codes[] = { "internal_error", "fatal_error",
	    "service_unavailable", "request_timeout", "ratelimited", NULL };
	size_t i;

	for (i = 0; codes[i]; i++)
		if (!strcmp(e, codes[i]))
			return 1;
	return 0;
}

static int
bad_token(const char *e)
{
	return !strcmp(e, "invalid_auth") || !strcmp(e, "not_authed") ||
	    !strcmp(e, "account_inactive") || !strcmp(e, "token_revoked") ||
	    !strcmp(e, "token_expired") || !strcmp(e, "not_allowed_token_type");
}

/* POST method with body (NULL: none) under token; *res gets the whole
 * answer when it is ok (the caller's to cJSON_Delete). */
static int
call(struct platform *p, const char *method, const char *token,
    const cJSON *body, cJSON **res, struct buf *err)
{
	struct slack *s = p->state;
	struct buf url = BUF_INIT, auth = BUF_INIT, herr = BUF_INIT;
	const char *hdr[3], *e;
	struct http_resp resp;
	struct http_req req;
	cJSON *j = NULL;
	char *text = body ? cJSON_PrintUnformatted(body) : NULL;
	int rc = 0;

	*res = NULL;
	buf_addf(&url, "%s/%s", s->api, method);
	buf_addf(&auth, "Authorization: Bearer %s", token);
	hdr[0] = auth.s;
	hdr[1] = text ? "Content-Type: application/json; charset=utf-8" :
	    "Content-Type: application/x-www-form-urlencoded";
	hdr[2] = NULL;
	memset(&req, 0, sizeof(req));
	req.url = url.s;
	req.body = text ? text : "";
	req.len = strlen(req.body);
	req.headers = hdr;
	req.timeout = SLACK_TIMEOUT;
	req.connect_timeout = 10;
	if (http_request(&req, &resp, &herr) < 0) {
		rc = fail(s, err, HM_EIO, "slack: %s: %s", method,
		    resp.interrupted ? "interrupted" : buf_str(&herr));
		goto out;
	}
	j = cJSON_Parse(buf_str(&resp.body));
	e = cJSON_GetStringValue(cJSON_GetObjectItem(j, "error"));
	if (resp.status == 429) {
		p->retry_after = resp.retry_after > 0 ? resp.retry_after : 1;
		rc = fail(s, err, HM_EIO, "slack: %s: rate limited (429): "
		    "retry after %.0f s", method, p->retry_after);
	} else if (resp.status >= 500) {
		rc = fail(s, err, HM_EIO, "slack: %s: HTTP %ld", method,
		    resp.status);
	} else if (resp.status != 200) {
		rc = fail(s, err, HM_EFAIL, "slack: %s: HTTP %ld%s%s", method,
		    resp.status, e ? ": " : "", e ? e : "");
	} else if (cJSON_IsTrue(cJSON_GetObjectItem(j, "ok"))) {
		*res = j;
		j = NULL;
	} else if (!cJSON_IsFalse(cJSON_GetObjectItem(j, "ok"))) {
		rc = fail(s, err, HM_EIO, "slack: %s: the answer is not the "
		    "Web API's", method);
	} else if (!e) {
		rc = fail(s, err, HM_EFAIL, "slack: %s: refused", method);
	} else if (transient(e)) {
		rc = fail(s, err, HM_EIO, "slack: %s: %s", method, e);
	} else if (bad_token(e)) {
		rc = fail(s, err, HM_EFAIL, "slack: %s: the %s was refused "
		    "(%s): check %s", method, token == s->app_token ?
		    "app-level token (xapp-, with connections:write)" :
		    "bot token (xoxb-)", e, token == s->app_token ?
		    "SLACK_APP_TOKEN" : "SLACK_BOT_TOKEN");
	} else {
		rc = fail(s, err, HM_EFAIL, "slack: %s: %s", method, e);
	}
out:
	cJSON_Delete(j);
	cJSON_free(text);
	http_resp_release(&resp);
	buf_release(&url);
	buf_release(&auth);
	buf_release(&herr);
	return rc;
}

/* auth.test: learn the bot's user id. */
static int
whoami(struct platform *p, struct buf *err)
{
	struct slack *s = p->state;
	cJSON *res;
	const char *id;
	int rc;

	if ((rc = call(p, "auth.test", s->bot_token, NULL, &res, err)) < 0)
		return rc;
	id = cJSON_GetStringValue(cJSON_GetObjectItem(res, "user_id"));
	if (id && *id)
		s->bot_user = xstrdup(id);
	else
		rc = fail(s, err, HM_EFAIL, "slack: auth.test: no user_id: "
		    "SLACK_BOT_TOKEN must be a bot token (xoxb-)");
	cJSON_Delete(res);
	return rc;
}

static void
slack_free(struct slack *s)
{
	size_t i;

	free(s->api);
	free(s->app_token);
	free(s->bot_token);
	free(s->bot_user);
	free(s->url);
	for (i = 0; i < s->npending; i++)
		free(s->pending[i]);
	free(s->pending);
	for (i = 0; i < SLACK_SEEN; i++)
		free(s->seen[i]);
	free(s);
}

static int
slack_open(struct platform *p, const struct config *cfg, struct buf *err)
{
	const char *app = config_get(cfg, "SLACK_APP_TOKEN", NULL);
	const char *bot = config_get(cfg, "SLACK_BOT_TOKEN", NULL);
	const char *api = config_get(cfg, "gateway.slack.api", NULL);
	struct slack *s;
	size_t n;
	int rc;

	if (!bot || !*bot)
		return hm_fail(err, HM_EFAIL, "gateway.slack: no bot token: "
		    "set SLACK_BOT_TOKEN (xoxb-..., hermes-config set "
		    "SLACK_BOT_TOKEN ...)");
	if (!app || !*app)
		return hm_fail(err, HM_EFAIL, "gateway.slack: no app-level "
		    "token for Socket Mode: set SLACK_APP_TOKEN (xapp-..., "
		    "hermes-config set SLACK_APP_TOKEN ...)");
	if (!api || !*api)
		api = SLACK_DEFAULT_API;
	for (n = strlen(api); n > 0 && api[n - 1] == '/'; n--)
		;
	s = xcalloc(1, sizeof(*s));
	s->api = xstrndup(api, n);
	s->app_token = xstrdup(app);
	s->bot_token = xstrdup(bot);
	p->state = s;
	p->retry_after = 0;
	/* A refused token ends here; Slack out of reach is poll's to retry
	 * (the gateway must start without it, send queues). */
	if ((rc = whoami(p, err)) == -HM_EFAIL) {
		slack_free(s);
		p->state = NULL;
		return rc;
	}
	if (rc < 0 && err)
		buf_reset(err);
	p->retry_after = 0;
	return 0;
}

static void
pending_clear(struct slack *s)
{
	size_t i;

	for (i = 0; i < s->npending; i++)
		free(s->pending[i]);
	free(s->pending);
	s->pending = NULL;
	s->npending = 0;
}

/* Close the connection (a normal close) and forget what it owed. */
static void
hang_up(struct slack *s)
{
	ws_close(s->ws, 1000);
	s->ws = NULL;
	s->hello = 0;
	s->closing = 0;
	pending_clear(s);
	free(s->url);
	s->url = NULL;
}

static void
slack_close(struct platform *p)
{
	struct slack *s = p->state;

	if (!s)
		return;
	hang_up(s);
	slack_free(s);
	p->state = NULL;
}

/* apps.connections.open, then the WebSocket. */
static int
connect_socket(struct platform *p, struct buf *err)
{
	struct slack *s = p->state;
	struct buf werr = BUF_INIT;
	const char *url;
	cJSON *res;
	int rc;

	rc = call(p, "apps.connections.open", s->app_token, NULL, &res, err);
	if (rc < 0)
		return rc;
	url = cJSON_GetStringValue(cJSON_GetObjectItem(res, "url"));
	if (!url || !*url) {
		cJSON_Delete(res);
		return fail(s, err, HM_EIO, "slack: apps.connections.open: "
		    "no url in the answer");
	}
	s->url = xstrdup(url);
	cJSON_Delete(res);
	if (ws_open(s->url, NULL, SLACK_TIMEOUT, &s->ws, &werr) < 0) {
		rc = fail(s, err, HM_EIO, "slack: cannot open the Socket Mode "
		    "connection: %s", buf_str(&werr));
		s->ws = NULL;
		hang_up(s);
	}
	buf_release(&werr);
	return rc;
}

static int
send_ack(struct slack *s, const char *id, struct buf *err)
{
	cJSON *o = cJSON_CreateObject();
	char *text;
	int rc;

	cJSON_AddStringToObject(o, "envelope_id", id);
	text = cJSON_PrintUnformatted(o);
	rc = ws_send_text(s->ws, text, strlen(text), err);
	cJSON_free(text);
	cJSON_Delete(o);
	return rc;
}

/* Has the message channel+ts been taken already?  With add, remember
 * it. */
static int
seen(struct slack *s, const char *channel, const char *ts, int add)
{
	struct buf key = BUF_INIT;
	size_t i;

	buf_addf(&key, "%s %s", channel, ts);
	for (i = 0; i < SLACK_SEEN; i++)
		if (s->seen[i] && !strcmp(s->seen[i], key.s)) {
			buf_release(&key);
			return 1;
		}
	if (add) {
		free(s->seen[s->next_seen]);
		s->seen[s->next_seen] = buf_detach(&key);
		s->next_seen = (s->next_seen + 1) % SLACK_SEEN;
	}
	buf_release(&key);
	return 0;
}

/* Undo Slack's escaping of &, < and > into a new string. */
static char *
unescape(const char *t)
{
	static const char *const ent[][2] = { { "&amp;", "&" },
	    { "&lt;", "<" }, { "&gt;", ">" } };
	struct buf b = BUF_INIT;
	size_t i, n;

	buf_adds(&b, "");
	while (*t) {
		for (i = 0; i < HM_ARRAY_SIZE(ent); i++) {
			n = strlen(ent[i][0]);
			if (!strncmp(t, ent[i][0], n))
				break;
		}
		if (i < HM_ARRAY_SIZE(ent)) {
			buf_adds(&b, ent[i][1]);
			t += n;
		} else {
			buf_addc(&b, *t++);
		}
	}
	return buf_detach(&b);
}

/* Does text mention user (<@U1> or <@U1|name>)?  With cut, the offset
 * past a leading mention and the blanks after it, else 0. */
static size_t
mention(const char *text, const char *user, int *found)
{
	const char *at, *t;
	size_t n = strlen(user);

	*found = 0;
	for (at = strstr(text, "<@"); at; at = strstr(at + 2, "<@"))
		if (!strncmp(at + 2, user, n) && (at[2 + n] == '>' ||
		    at[2 + n] == '|')) {
			*found = 1;
			break;
		}
	for (t = text; *t == ' ' || *t == '\n' || *t == '\t'; t++)
		;
	if (!*found || t != at || !(t = strchr(at, '>')))
		return 0;
	for (t++; *t == ' ' || *t == '\n' || *t == '\t'; t++)
		;
	return (size_t)(t - text);
}

static char *
get_str(const cJSON *o, const char *key)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(o, key));

	return v && *v ? xstrdup(v) : NULL;
}

/* Fill m from one event; -1 when it is not one for us (or one taken
 * already). */
static int
take_event(struct platform *p, const cJSON *ev, struct gw_msg *m)
{
	struct slack *s = p->state;
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(ev,
	    "type"));
	const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(ev,
	    "text"));
	const char *chan = cJSON_GetStringValue(cJSON_GetObjectItem(ev,
	    "channel"));
	const char *ts = cJSON_GetStringValue(cJSON_GetObjectItem(ev, "ts"));
	const char *user = cJSON_GetStringValue(cJSON_GetObjectItem(ev,
	    "user"));
	const char *ctype = cJSON_GetStringValue(cJSON_GetObjectItem(ev,
	    "channel_type"));
	const char *sub = cJSON_GetStringValue(cJSON_GetObjectItem(ev,
	    "subtype"));
	const cJSON *prof = cJSON_GetObjectItem(ev, "user_profile");
	int dm, found, app_mention;
	size_t cut;

	memset(m, 0, sizeof(*m));
	if (!type || !text || !chan || !*chan || !ts || !*ts || !user ||
	    !*user)
		return -1;
	app_mention = !strcmp(type, "app_mention");
	/* edits, joins, bots' posts: not people writing to us */
	if (cJSON_GetObjectItem(ev, "subtype") && (!sub ||
	    (strcmp(sub, "file_share") && strcmp(sub, "thread_broadcast")))) {
		platform_log(p, "%s %s skipped: a %s event", chan, ts,
		    sub ? sub : "subtype");
		return -1;
	}
	if (!app_mention && strcmp(type, "message")) {
		platform_log(p, "%s %s skipped: a %s event", chan, ts, type);
		return -1;
	}
	if (cJSON_GetObjectItem(ev, "bot_id") ||
	    (s->bot_user && !strcmp(user, s->bot_user))) {
		platform_log(p, "%s %s skipped: %s", chan, ts, s->bot_user &&
		    !strcmp(user, s->bot_user) ? "our own" : "a bot's");
		return -1;
	}
	dm = ctype ? !strcmp(ctype, "im") : chan[0] == 'D';
	cut = s->bot_user ? mention(text, s->bot_user, &found) : 0;
	if (!s->bot_user)
		found = 0;
	if (!dm && !found && !app_mention) {	/* only when spoken to */
		platform_log(p, "%s %s skipped: not mentioned", chan, ts);
		return -1;
	}
	if (seen(s, chan, ts, 1)) {	/* the other half of a mention, or
					   a redelivery */
		platform_log(p, "%s %s skipped: taken already", chan, ts);
		return -1;
	}
	m->platform = xstrdup("slack");
	m->chat = xstrdup(chan);
	m->user = xstrdup(user);
	if (!(m->user_name = get_str(prof, "display_name")) &&
	    !(m->user_name = get_str(prof, "real_name")))
		m->user_name = get_str(prof, "name");
	m->text = unescape(text + cut);
	m->message_id = xstrdup(ts);
	if (!(m->thread = get_str(ev, "thread_ts")) && !dm)
		m->thread = xstrdup(ts);	/* the answer starts a thread */
	m->is_group = !dm;
	return 0;
}

/* One message from the socket: a gw_msg added to v, an ack owed, an ack
 * sent at once, or nothing.  Returns 1 when the connection is to be
 * left (disconnect), -1 when it broke. */
static int
envelope(struct platform *p, const char *text, struct gw_msg **v,
    size_t *n, struct buf *err)
{
	struct slack *s = p->state;
	cJSON *j = cJSON_Parse(text), *ev;
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(j,
	    "type"));
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(j,
	    "envelope_id"));
	struct gw_msg m;
	int rc = 0;

	if (type && !strcmp(type, "hello")) {
		s->hello = 1;
	} else if (type && !strcmp(type, "disconnect")) {
		rc = 1;
	} else if (id && *id) {
		ev = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "payload"),
		    "event");
		if (type && !strcmp(type, "events_api") &&
		    take_event(p, ev, &m) == 0) {
			*v = xrealloc(*v, (*n + 1) * sizeof(**v));
			(*v)[(*n)++] = m;
			s->pending = xrealloc(s->pending, (s->npending + 1) *
			    sizeof(*s->pending));
			s->pending[s->npending++] = xstrdup(id);
		} else if (send_ack(s, id, err) < 0) {
			rc = -1;	/* nothing for us: acked now */
		}
	}
	cJSON_Delete(j);
	return rc;
}

static int
slack_poll(struct platform *p, long timeout_ms, struct gw_msg **v,
    size_t *n, struct buf *err)
{
	struct slack *s = p->state;
	struct buf msg = BUF_INIT, werr = BUF_INIT;
	long long end = tu_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	long left;
	int rc = 0, r;

	*v = NULL;
	*n = 0;
	p->retry_after = 0;
	if (!s->bot_user && (rc = whoami(p, err)) < 0)
		return rc;
	if (s->ws && s->closing)
		hang_up(s);
	if (!s->ws && (rc = connect_socket(p, err)) < 0)
		return rc;
	while (*n < SLACK_BATCH) {
		left = *n ? 0 : (long)(end - tu_mono_ms());
		r = ws_recv(s->ws, left > 0 ? left : 0, &msg, &werr);
		if (r == 0)
			break;
		if (r > 0)
			r = envelope(p, buf_str(&msg), v, n, &werr);
		if (r > 0) {
			s->closing = 1;	/* ack answers, then closes */
			break;
		}
		if (r < 0) {
			if (!s->hello && !*n)
				rc = fail(s, err, HM_EIO, "slack: the Socket "
				    "Mode connection ended before its hello: "
				    "%s", buf_str(&werr));
			hang_up(s);	/* the next poll connects anew */
			break;
		}
	}
	buf_release(&msg);
	buf_release(&werr);
	return rc;
}

static int
slack_ack(struct platform *p, struct buf *err)
{
	struct slack *s = p->state;
	struct buf werr = BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; s->ws && i < s->npending; i++)
		if (send_ack(s, s->pending[i], &werr) < 0) {
			rc = fail(s, err, HM_EIO, "slack: cannot acknowledge "
			    "(Slack will deliver again): %s", buf_str(&werr));
			hang_up(s);
		}
	pending_clear(s);
	if (s->ws && s->closing)
		hang_up(s);
	buf_release(&werr);
	return rc;
}

/* text with &, < and > escaped, as Slack wants them. */
static char *
escape(const char *t)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "");
	for (; *t; t++)
		if (*t == '&')
			buf_adds(&b, "&amp;");
		else if (*t == '<')
			buf_adds(&b, "&lt;");
		else if (*t == '>')
			buf_adds(&b, "&gt;");
		else
			buf_addc(&b, *t);
	return buf_detach(&b);
}

static int
slack_send(struct platform *p, const char *chat, const char *thread,
    const char *reply_to, const char *text, struct buf *err)
{
	struct slack *s = p->state;
	cJSON *body = cJSON_CreateObject(), *res = NULL;
	char *esc = escape(text);
	int rc;

	p->retry_after = 0;
	cJSON_AddStringToObject(body, "channel", chat);
	cJSON_AddStringToObject(body, "text", esc);
	/* A reply in a channel goes into the message's thread; a direct
	 * chat stays flat. */
	if (thread && *thread)
		cJSON_AddStringToObject(body, "thread_ts", thread);
	else if (reply_to && *reply_to && chat[0] != 'D')
		cJSON_AddStringToObject(body, "thread_ts", reply_to);
	rc = call(p, "chat.postMessage", s->bot_token, body, &res, err);
	cJSON_Delete(res);
	cJSON_Delete(body);
	free(esc);
	return rc;
}

const struct platform platform_slack_proto = {
	.name = "slack",
	.max_len = 4000,
	.open = slack_open,
	.poll = slack_poll,
	.ack = slack_ack,
	.send = slack_send,
	.close = slack_close,
};
