/*
 * platform_discord.c: Discord behind platform.h: the Gateway WebSocket
 * (ws.h) in, the REST API out.
 *
 * REST: {gateway.discord.api}/..., "Authorization: Bot DISCORD_BOT_TOKEN";
 * GET /gateway/bot names the Gateway's URL, POST /channels/ID/messages
 * sends.  The token is in a header only, and is scrubbed from any error
 * line all the same.
 *
 * The Gateway session lives in memory, opened lazily by poll (so send,
 * and `hermes-gateway send`, never touch the WebSocket):
 *   connect (URL + "/?v=10&encoding=json") -> HELLO (op 10,
 *   heartbeat_interval) -> IDENTIFY (op 2) -> READY (session_id,
 *   resume_gateway_url, our user id) -> dispatches (op 0, sequence s).
 * Heartbeats {"op":1,"d":s} go out every interval (the first after
 * interval * a random fraction), timed inside poll; a heartbeat due while
 * the last one was never acked (op 11) means a zombie connection: it is
 * dropped and resumed.  Op 1 from the server asks for one at once.
 * Resuming: a new connection to resume_gateway_url, RESUME (op 6,
 * session_id and the last s); the server replays what we missed, then
 * RESUMED.  Op 7 (reconnect), op 9 true and a dropped connection resume;
 * op 9 false, close 4007 and 4009 start a new session (op 9 false after
 * 1 to 5 s).  Close 4004 and 4010-4014 are fatal: poll fails with
 * -HM_EFAIL and one line saying what to mend, and the platform stays
 * down (the gateway backs off) until the gateway is restarted.
 *
 * poll never waits past its timeout, except to connect (GET
 * /gateway/bot and ws_open, 10 s each at most) and to hang up (ws_close
 * waits up to 1 s for the server's close frame).  A connection lost before READY or RESUMED is -HM_EIO
 * (the gateway backs off); one lost after is resumed in the same poll.
 * Nothing is persisted: Discord has no ack, so ack does nothing, and a
 * restarted gateway starts a new session (what came while it was down
 * is not replayed).
 *
 * Messages: MESSAGE_CREATE, skipping bots, ourselves and, in servers
 * (guild_id set), messages that do not mention us; our mention is cut
 * from the text.  chat = channel_id (threads are channels too).
 */
#include <sys/random.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <time.h>

#include "common.h"
#include "config.h"
#include "http.h"
#include "platform.h"
#include "platform_int.h"
#include "sig.h"
#include "ws.h"
#include "timeutil.h"

#define DC_DEFAULT_API	"https://discord.com/api/v10"
#define DC_QUERY	"/?v=10&encoding=json"
/* GUILDS | GUILD_MESSAGES | DIRECT_MESSAGES | MESSAGE_CONTENT */
#define DC_INTENTS	(1 | 512 | 4096 | 32768)
#define DC_CONNECT_TIMEOUT 10	/* seconds for ws_open */
#define DC_HELLO_WAIT	20.0	/* seconds for HELLO after a connect */
#define DC_SEND_TIMEOUT	30	/* seconds for a REST request */

struct dc {
	char *api;			/* no trailing '/' */
	char *token;
	char *auth;			/* "Authorization: Bot TOKEN" */
	struct ws *w;
	char *gw_url;			/* from GET /gateway/bot */
	char *resume_url;		/* READY's resume_gateway_url */
	char *session_id;		/* NULL: identify, else resume */
	char *bot_id;			/* our user id, from READY */
	long long seq;			/* last s, -1 for none */
	double interval;		/* heartbeat, seconds; 0 before HELLO */
	double hb_next;			/* when the next heartbeat is due */
	int hb_acked;			/* the last one was acked */
	int ready;			/* READY or RESUMED on this connection */
	double opened;			/* when w was opened */
	double connect_at;		/* not before (op 9 false) */
	char *fatal;			/* a close that a retry will not mend */
	struct platform *p;		/* ours, for platform_log */
};

/* A number in [0, 1). */
static double
fraction(void)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (uint32_t)(tu_mono() * 1e6);
	return r / 4294967296.0;
}

/* Replace every copy of the token in err by "<token>". */
static void
scrub(const struct dc *d, struct buf *err)
{
	buf_scrub(err, d->token, "<token>");
}

/* err = "discord: what: " + err, scrubbed; returns -code. */
static int
prefixed(const struct dc *d, struct buf *err, int code, const char *what)
{
	char *was = xstrdup(buf_str(err));

	hm_fail(err, code, "discord: %s: %s", what, was);
	free(was);
	scrub(d, err);
	return -code;
}

static int
dc_open(struct platform *p, const struct config *cfg, struct buf *err)
{
	const char *tok = config_get(cfg, "DISCORD_BOT_TOKEN", NULL);
	const char *api = config_get(cfg, "gateway.discord.api", NULL);
	struct buf b = BUF_INIT;
	struct dc *d;
	size_t n;

	if (!tok || !*tok)
		return hm_fail(err, HM_EFAIL, "gateway.discord: no bot token: "
		    "set DISCORD_BOT_TOKEN (hermes-config set "
		    "DISCORD_BOT_TOKEN ...)");
	if (!api || !*api)
		api = DC_DEFAULT_API;
	for (n = strlen(api); n > 0 && api[n - 1] == '/'; n--)
		;
	d = xcalloc(1, sizeof(*d));
	d->api = xstrndup(api, n);
	d->token = xstrdup(tok);
	buf_addf(&b, "Authorization: Bot %s", tok);
	d->auth = buf_detach(&b);
	d->seq = -1;
	d->p = p;
	p->state = d;
	p->retry_after = 0;
	return 0;
}

static void
session_forget(struct dc *d)
{
	free(d->session_id);
	free(d->resume_url);
	d->session_id = d->resume_url = NULL;
	d->seq = -1;
}

/* Close the connection (not 1000/1001: those end the session too). */
static void
hang_up(struct dc *d)
{
	ws_close(d->w, 4000);
	d->w = NULL;
	d->ready = 0;
	d->interval = 0;
}

static void
dc_close(struct platform *p)
{
	struct dc *d = p->state;

	if (!d)
		return;
	hang_up(d);
	session_forget(d);
	free(d->api);
	free(d->token);
	free(d->auth);
	free(d->gw_url);
	free(d->bot_id);
	free(d->fatal);
	free(d);
	p->state = NULL;
}

/* ---- REST ---- */

/* One request to {api}{path}; the answer's JSON in *res (maybe NULL),
 * its status in resp->status.  Only transport failures are errors
 * here; the caller releases resp either way. */
static int
rest(struct dc *d, const char *method, const char *path, const char *body,
    long timeout, struct http_resp *resp, cJSON **res, struct buf *err)
{
	const char *hdr[] = { d->auth, "Content-Type: application/json",
	    "User-Agent: DiscordBot (hermes-gateway, " HM_VERSION ")",
	    NULL };
	struct buf url = BUF_INIT, herr = BUF_INIT;
	struct http_req req;
	int rc;

	*res = NULL;
	buf_addf(&url, "%s%s", d->api, path);
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url.s;
	req.body = body;
	req.len = body ? strlen(body) : 0;
	req.headers = hdr;
	req.timeout = timeout;
	req.connect_timeout = 10;
	rc = http_request(&req, resp, &herr);
	if (rc < 0)
		rc = hm_fail(err, HM_EIO, "discord: %s %s: %s", method, path,
		    resp->interrupted ? "interrupted" : buf_str(&herr));
	else
		*res = cJSON_Parse(buf_str(&resp->body));
	scrub(d, err);
	buf_release(&url);
	buf_release(&herr);
	return rc;
}

/* A status that is not 2xx as -HM_E* and one line in err. */
static int
refusal(struct platform *p, const char *what, const struct http_resp *resp,
    const cJSON *j, struct buf *err)
{
	const cJSON *ra = cJSON_GetObjectItem(j, "retry_after");
	const char *msg = cJSON_GetStringValue(cJSON_GetObjectItem(j,
	    "message"));
	long st = resp->status;

	if (st == 429) {
		p->retry_after = cJSON_IsNumber(ra) && ra->valuedouble >= 0 ?
		    ra->valuedouble : resp->retry_after >= 0 ?
		    resp->retry_after : 1;
		return hm_fail(err, HM_EIO, "discord: %s: rate limited (429): "
		    "retry after %.1f s", what, p->retry_after);
	}
	if (st == 401)
		return hm_fail(err, HM_EFAIL, "discord: the bot token was "
		    "refused (401 Unauthorized): check DISCORD_BOT_TOKEN");
	if (st >= 500 || st < 200)
		return hm_fail(err, HM_EIO, "discord: %s: HTTP %ld%s%s", what,
		    st, msg ? ": " : "", msg ? msg : "");
	return hm_fail(err, HM_EFAIL, "discord: %s: %s (HTTP %ld)", what,
	    msg ? msg : st == 403 ? "missing access" : st == 404 ?
	    "unknown channel" : "refused", st);
}

/* The Gateway's URL, from GET /gateway/bot, in d->gw_url. */
static int
gateway_url(struct platform *p, struct buf *err)
{
	struct dc *d = p->state;
	struct http_resp resp;
	cJSON *j = NULL;
	const char *u;
	int rc;

	if ((rc = rest(d, "GET", "/gateway/bot", NULL, DC_CONNECT_TIMEOUT,
	    &resp, &j, err)) < 0)
		goto out;
	u = cJSON_GetStringValue(cJSON_GetObjectItem(j, "url"));
	if (resp.status / 100 != 2)
		rc = refusal(p, "GET /gateway/bot", &resp, j, err);
	else if (!u || (strncmp(u, "wss://", 6) && strncmp(u, "ws://", 5)))
		rc = hm_fail(err, HM_EIO, "discord: GET /gateway/bot: the "
		    "answer names no WebSocket URL");
	else
		d->gw_url = xstrdup(u);
out:
	scrub(d, err);
	cJSON_Delete(j);
	http_resp_release(&resp);
	return rc;
}

/* A channel id goes into a URL path: letters and digits only (real
 * ones are decimal snowflakes). */
static int
id_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s))
			return 0;
	return 1;
}

static int
dc_send(struct platform *p, const char *chat, const char *thread,
    const char *reply_to, const char *text, struct buf *err)
{
	struct dc *d = p->state;
	cJSON *body = cJSON_CreateObject(), *ref, *am, *j = NULL;
	struct buf path = BUF_INIT, what = BUF_INIT;
	struct http_resp resp;
	char *s;
	int rc;

	(void)thread;		/* a Discord thread is a channel of its own */
	p->retry_after = 0;
	if (!id_ok(chat)) {
		cJSON_Delete(body);
		return hm_fail(err, HM_EFAIL, "discord: '%s' is not a channel "
		    "id", chat);
	}
	cJSON_AddStringToObject(body, "content", text);
	if (reply_to && *reply_to) {
		ref = cJSON_AddObjectToObject(body, "message_reference");
		cJSON_AddStringToObject(ref, "message_id", reply_to);
		cJSON_AddFalseToObject(ref, "fail_if_not_exists");
	}
	am = cJSON_AddObjectToObject(body, "allowed_mentions");
	cJSON_AddItemToObject(am, "parse", cJSON_CreateArray());
	s = cJSON_PrintUnformatted(body);
	buf_addf(&path, "/channels/%s/messages", chat);
	buf_addf(&what, "send to channel %s", chat);
	rc = rest(d, "POST", path.s, s, DC_SEND_TIMEOUT, &resp, &j, err);
	if (rc == 0 && resp.status / 100 != 2)
		rc = refusal(p, what.s, &resp, j, err);
	http_resp_release(&resp);
	scrub(d, err);
	cJSON_Delete(j);
	cJSON_Delete(body);
	cJSON_free(s);
	buf_release(&path);
	buf_release(&what);
	return rc;
}

/* ---- the Gateway ---- */

static int
gw_send(struct dc *d, cJSON *o, struct buf *err)
{
	char *s = cJSON_PrintUnformatted(o);
	int rc = ws_send_text(d->w, s, strlen(s), err);

	cJSON_free(s);
	cJSON_Delete(o);
	return rc;
}

static int
heartbeat(struct dc *d, struct buf *err)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "op", 1);
	if (d->seq >= 0)
		cJSON_AddNumberToObject(o, "d", (double)d->seq);
	else
		cJSON_AddNullToObject(o, "d");
	return gw_send(d, o, err);
}

/* IDENTIFY, or RESUME when a session is known. */
static int
hello_back(struct dc *d, struct buf *err)
{
	cJSON *o = cJSON_CreateObject(), *x, *props;

	x = cJSON_AddObjectToObject(o, "d");
	cJSON_AddStringToObject(x, "token", d->token);
	if (d->session_id) {
		cJSON_AddNumberToObject(o, "op", 6);
		cJSON_AddStringToObject(x, "session_id", d->session_id);
		cJSON_AddNumberToObject(x, "seq", (double)d->seq);
	} else {
		cJSON_AddNumberToObject(o, "op", 2);
		cJSON_AddNumberToObject(x, "intents", DC_INTENTS);
		props = cJSON_AddObjectToObject(x, "properties");
		cJSON_AddStringToObject(props, "os", "linux");
		cJSON_AddStringToObject(props, "browser", "hermes");
		cJSON_AddStringToObject(props, "device", "hermes");
	}
	return gw_send(d, o, err);
}

static int
connect_gw(struct platform *p, struct buf *err)
{
	struct dc *d = p->state;
	struct buf url = BUF_INIT;
	const char *base;
	int rc;

	if (!d->session_id || !d->resume_url) {
		session_forget(d);
		if (!d->gw_url && (rc = gateway_url(p, err)) < 0)
			return rc;
	}
	base = d->session_id ? d->resume_url : d->gw_url;
	buf_adds(&url, base);
	if (url.len && url.s[url.len - 1] == '/')
		buf_setlen(&url, url.len - 1);
	buf_adds(&url, DC_QUERY);
	rc = ws_open(url.s, NULL, DC_CONNECT_TIMEOUT, &d->w, err);
	buf_release(&url);
	if (rc < 0) {
		d->w = NULL;
		return prefixed(d, err, rc == -HM_EINVAL ? HM_EFAIL : HM_EIO,
		    "cannot connect to the Gateway");
	}
	d->opened = tu_mono();
	d->ready = 0;
	d->interval = 0;
	return 0;
}

/* The close code a ws error line names, or 0. */
static int
close_code(const char *line)
{
	const char *s = line ? strstr(line, "close") : NULL;
	long v;

	for (; s && *s; s++) {
		if (!isdigit((unsigned char)*s))
			continue;
		v = strtol(s, NULL, 10);
		return v >= 1000 && v <= 4999 ? (int)v : 0;
	}
	return 0;
}

/* The connection failed with err: set what happens next.  Returns
 * -HM_EFAIL for a fatal close, else 0. */
static int
lost(struct dc *d, struct buf *err)
{
	int code = close_code(buf_str(err));
	const char *why = NULL;

	hang_up(d);
	switch (code) {
	case 4004:
		why = "authentication failed (close 4004): the Gateway "
		    "refused DISCORD_BOT_TOKEN";
		break;
	case 4010:
	case 4011:
		why = "the Gateway wants sharding (close 4010/4011): this bot "
		    "is in too many servers for one connection";
		break;
	case 4012:
		why = "invalid API version (close 4012)";
		break;
	case 4013:
		why = "invalid intents (close 4013)";
		break;
	case 4014:
		why = "disallowed intents (close 4014): enable the Message "
		    "Content intent in the Developer Portal (Bot, Privileged "
		    "Gateway Intents), then restart the gateway";
		break;
	case 4007:
	case 4009:
		session_forget(d);	/* bad seq, timed out: a new one */
		break;
	}
	if (!why)
		return 0;
	free(d->fatal);
	d->fatal = xstrdup(why);
	buf_reset(err);
	return hm_fail(err, HM_EFAIL, "discord: %s", why);
}

static char *
str_dup(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, key));

	return s && *s ? xstrdup(s) : NULL;
}

/* Does mentions[] name us? */
static int
mentioned(const struct dc *d, const cJSON *msg)
{
	const cJSON *u;
	const char *id;

	cJSON_ArrayForEach(u, cJSON_GetObjectItem(msg, "mentions")) {
		id = cJSON_GetStringValue(cJSON_GetObjectItem(u, "id"));
		if (id && d->bot_id && !strcmp(id, d->bot_id))
			return 1;
	}
	return 0;
}

/* text without our mentions (<@ID>, <@!ID>), trimmed; malloc'd. */
static char *
unmention(const struct dc *d, const char *text)
{
	struct buf b = BUF_INIT, m1 = BUF_INIT, m2 = BUF_INIT;
	const char *s = text, *e;
	char *r;

	if (d->bot_id) {
		buf_addf(&m1, "<@%s>", d->bot_id);
		buf_addf(&m2, "<@!%s>", d->bot_id);
	}
	while (*s) {
		if (m1.len && !strncmp(s, m1.s, m1.len))
			s += m1.len;
		else if (m2.len && !strncmp(s, m2.s, m2.len))
			s += m2.len;
		else
			buf_addc(&b, *s++);
	}
	buf_release(&m1);
	buf_release(&m2);
	for (s = buf_str(&b); isspace((unsigned char)*s); s++)
		;
	for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); e--)
		;
	r = xstrndup(s, (size_t)(e - s));
	buf_release(&b);
	return r;
}

/* msg's id for a log line. */
static const char *
id_of(const cJSON *msg)
{
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(msg, "id"));

	return id ? id : "(no id)";
}

/* Fill m from a MESSAGE_CREATE's d; -1 when it is not one we answer. */
static int
take_message(const struct dc *d, const cJSON *msg, struct gw_msg *m)
{
	const cJSON *author = cJSON_GetObjectItem(msg, "author");
	const cJSON *type = cJSON_GetObjectItem(msg, "type");
	const char *content = cJSON_GetStringValue(cJSON_GetObjectItem(msg,
	    "content"));
	const char *aid = cJSON_GetStringValue(cJSON_GetObjectItem(author,
	    "id"));
	int guild = cJSON_IsString(cJSON_GetObjectItem(msg, "guild_id"));

	memset(m, 0, sizeof(*m));
	if (!cJSON_IsObject(author) || !aid || !content)
		return -1;
	if (cJSON_IsTrue(cJSON_GetObjectItem(author, "bot")) ||
	    (d->bot_id && !strcmp(aid, d->bot_id))) {
		platform_log(d->p, "message %s skipped: %s", id_of(msg),
		    d->bot_id && !strcmp(aid, d->bot_id) ? "our own" :
		    "a bot's");
		return -1;
	}
	/* 0: a message, 19: a reply; not joins, pins, calls */
	if (cJSON_IsNumber(type) && type->valuedouble != 0 &&
	    type->valuedouble != 19) {
		platform_log(d->p, "message %s skipped: of type %.0f",
		    id_of(msg), type->valuedouble);
		return -1;
	}
	if (guild && !mentioned(d, msg)) {
		platform_log(d->p, "message %s skipped: not mentioned in a "
		    "server", id_of(msg));
		return -1;
	}
	m->text = unmention(d, content);
	m->chat = str_dup(msg, "channel_id");
	if (!*m->text || !m->chat) {
		platform_log(d->p, "message %s skipped: %s", id_of(msg),
		    m->chat ? "no text" : "no channel");
		gw_msg_release(m);
		return -1;
	}
	m->platform = xstrdup("discord");
	m->user = xstrdup(aid);
	if (!(m->user_name = str_dup(author, "global_name")))
		m->user_name = str_dup(author, "username");
	m->message_id = str_dup(msg, "id");
	m->is_group = guild;
	return 0;
}

static void
ready(struct dc *d, const cJSON *x)
{
	char *s;

	if ((s = str_dup(x, "session_id"))) {
		free(d->session_id);
		d->session_id = s;
	}
	if ((s = str_dup(x, "resume_gateway_url"))) {
		free(d->resume_url);
		d->resume_url = s;
	}
	if ((s = str_dup(cJSON_GetObjectItem(x, "user"), "id"))) {
		free(d->bot_id);
		d->bot_id = s;
	}
	if (!d->resume_url && d->gw_url)
		d->resume_url = xstrdup(d->gw_url);
	d->ready = 1;
}

/* A dispatch (op 0): READY, RESUMED, MESSAGE_CREATE; the rest skipped. */
static void
dispatch(struct dc *d, const cJSON *j, struct gw_msg **v, size_t *n)
{
	const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(j, "t"));
	const cJSON *s = cJSON_GetObjectItem(j, "s");
	const cJSON *x = cJSON_GetObjectItem(j, "d");
	struct gw_msg m;

	if (!t)
		return;
	if (!strcmp(t, "READY")) {
		d->seq = -1;		/* a new session counts anew */
		ready(d, x);
	} else if (!strcmp(t, "RESUMED")) {
		d->ready = 1;
	} else if (cJSON_IsNumber(s) && (long long)s->valuedouble <= d->seq) {
		platform_log(d->p, "event %.0f (%s) skipped: had it already",
		    s->valuedouble, t);
		return;
	}
	if (cJSON_IsNumber(s) && (long long)s->valuedouble > d->seq)
		d->seq = (long long)s->valuedouble;
	if (strcmp(t, "MESSAGE_CREATE") || take_message(d, x, &m) < 0)
		return;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = m;
}

/* Act on one Gateway message.  Returns 0, 1 when the connection was
 * closed on purpose (op 7, op 9) or an error. */
static int
handle(struct dc *d, const char *text, struct gw_msg **v, size_t *n,
    struct buf *err)
{
	cJSON *j = cJSON_Parse(text), *x;
	const cJSON *op = cJSON_GetObjectItem(j, "op");
	int rc = 0, resumable;

	if (!cJSON_IsNumber(op)) {
		cJSON_Delete(j);
		return 0;		/* not ours to judge: skip it */
	}
	x = cJSON_GetObjectItem(j, "d");
	switch ((int)op->valuedouble) {
	case 0:
		dispatch(d, j, v, n);
		break;
	case 1:
		rc = heartbeat(d, err);
		break;
	case 7:			/* reconnect and resume */
		hang_up(d);
		rc = 1;
		break;
	case 9:			/* invalid session */
		/* false, or a resume refused: a new session, later */
		resumable = cJSON_IsTrue(x) && d->ready;
		hang_up(d);
		if (!resumable) {
			session_forget(d);
			d->connect_at = tu_mono() + 1 + 4 * fraction();
		}
		rc = 1;
		break;
	case 10:
		x = cJSON_GetObjectItem(x, "heartbeat_interval");
		d->interval = cJSON_IsNumber(x) && x->valuedouble > 0 ?
		    x->valuedouble / 1000 : 41.25;
		d->hb_next = tu_mono() + d->interval * fraction();
		d->hb_acked = 1;
		rc = hello_back(d, err);
		break;
	case 11:
		d->hb_acked = 1;
		break;
	}
	cJSON_Delete(j);
	return rc;
}

/* The connection failed (err says how): hang up and decide what comes
 * next.  Returns -HM_EFAIL for a fatal close, -HM_EIO when it failed
 * before READY or RESUMED (the gateway backs off), 0 to resume now. */
static int
io_failed(struct dc *d, struct buf *err)
{
	int was_ready = d->ready, rc;

	scrub(d, err);
	if ((rc = lost(d, err)) < 0)
		return rc;
	if (!was_ready)
		return prefixed(d, err, HM_EIO, "the Gateway connection "
		    "failed");
	buf_reset(err);
	return 0;
}

/* Wait for what comes until end, sending heartbeats when due.  Returns
 * 0 when the time is up or messages came, 1 to (re)connect, or an
 * error. */
static int
serve(struct dc *d, double end, struct buf *msg, struct gw_msg **v,
    size_t *n, struct buf *err)
{
	double now, until;
	int rc, got;

	for (;;) {
		now = tu_mono();
		until = end;
		if (d->interval > 0 && d->hb_next < until)
			until = d->hb_next;
		/* with messages in hand, only what is there already */
		got = ws_recv(d->w, until > now && !*n ? (long)((until - now) *
		    1000 + 0.5) : 0, msg, err);
		rc = got == 1 ? handle(d, msg->s, v, n, err) : got;
		if (rc < 0)
			return (rc = io_failed(d, err)) < 0 ? rc : 1;
		if (!d->w)
			return 1;	/* op 7 or op 9 hung up */
		if (got == 1)
			continue;	/* read on before a heartbeat */
		now = tu_mono();
		if (d->interval > 0 && now >= d->hb_next) {
			if (!d->hb_acked) {	/* a zombie: resume */
				hang_up(d);
				return 1;
			}
			if (heartbeat(d, err) < 0)
				return (rc = io_failed(d, err)) < 0 ? rc : 1;
			d->hb_acked = 0;
			d->hb_next = now + d->interval;
			continue;
		}
		if (d->interval <= 0 && now - d->opened > DC_HELLO_WAIT) {
			hang_up(d);
			return hm_fail(err, HM_EIO, "discord: no HELLO from "
			    "the Gateway");
		}
		if (*n || now >= end || sig_interrupted)
			return 0;	/* a signal: the gateway stops */
	}
}

static int
dc_poll(struct platform *p, long timeout_ms, struct gw_msg **v, size_t *n,
    struct buf *err)
{
	struct dc *d = p->state;
	struct buf msg = BUF_INIT;
	double end = tu_mono() + (timeout_ms > 0 ? timeout_ms : 0) / 1000.0;
	int rc = 0, connects = 0;

	*v = NULL;
	*n = 0;
	p->retry_after = 0;
	if (d->fatal)
		return hm_fail(err, HM_EFAIL, "discord: %s", d->fatal);
	for (;;) {
		if (!d->w) {
			if (*n || connects >= 3 || tu_mono() >= end ||
			    sig_interrupted)
				break;	/* the rest in the next poll */
			if (tu_mono() < d->connect_at) {
				tu_nap((d->connect_at < end ? d->connect_at :
				    end) - tu_mono());
				continue;
			}
			connects++;
			if ((rc = connect_gw(p, err)) < 0)
				break;
		}
		if ((rc = serve(d, end, &msg, v, n, err)) <= 0)
			break;
	}
	buf_release(&msg);
	if (rc < 0 && *n) {
		buf_reset(err);	/* these first: the next poll goes on */
		rc = 0;
	}
	return rc < 0 ? rc : 0;
}

static int
dc_ack(struct platform *p, struct buf *err)
{
	(void)p;
	(void)err;
	return 0;	/* Discord is told nothing */
}

const struct platform platform_discord_proto = {
	.name = "discord",
	.max_len = 2000,
	.open = dc_open,
	.poll = dc_poll,
	.ack = dc_ack,
	.send = dc_send,
	.close = dc_close,
};
