/*
 * gateway_mcp.c: the ten tools of `hermes-gateway mcp` (gateway_mcp.h)
 * over the files the gateway keeps.  Every call reads afresh: the
 * conversations are the chat keys of the event log (gwevents.h) and of
 * chats.json, gathered in one pass over the log; nothing is cached, so
 * a running gateway's changes show at once.  Only messages_send writes:
 * a file in the outbox and an event.
 */
#include <time.h>

#include "common.h"
#include "config.h"
#include "gateway_mcp.h"
#include "gateway_mcp_int.h"
#include "gwevents.h"
#include "lock.h"
#include "mcp_server.h"
#include "outbox.h"
#include "path.h"
#include "timeutil.h"

#define WAIT_DEFAULT	30000	/* ms */
#define WAIT_MAX	300000
#define WAIT_TICK	200	/* ms between looks at the log */

struct srv {
	const struct config *cfg;
	long long start;	/* the log's end at start: cursor 0 */
};

/* ---- arguments ---- */

static const char *
ev_str(const cJSON *ev, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(ev, k));
}

static const char *
arg_str(const cJSON *args, const char *k)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(args, k));

	return s && *s ? s : NULL;
}

/* A number argument, from a number or a numeric string, clamped; def
 * when absent or not a number. */
static long long
arg_num(const cJSON *args, const char *k, long long def, long long min,
    long long max)
{
	const cJSON *v = cJSON_GetObjectItem(args, k);
	long long n = def;
	char *end;

	if (cJSON_IsNumber(v))
		n = v->valuedouble >= 9e18 ? max : v->valuedouble <= -9e18 ?
		    min : (long long)v->valuedouble;
	else if (cJSON_IsString(v) && *v->valuestring) {
		errno = 0;
		n = strtoll(v->valuestring, &end, 10);
		if (*end || errno)
			n = def;
	}
	return n < min ? min : n > max ? max : n;
}

/* ---- the tools ---- */

static int
t_conversations_list(struct mcp_server_ctx *x, const cJSON *args,
    cJSON **res, struct buf *err)
{
	const char *pf = arg_str(args, "platform"), *q = arg_str(args,
	    "search");
	long long limit = arg_num(args, "limit", 50, 1, 200);
	cJSON *v, *o;
	struct gateway_mcp_index ix;
	size_t i;
	int rc;

	(void)x;
	if ((rc = gateway_mcp_index(&ix, err)) < 0)
		return rc;
	*res = cJSON_CreateObject();
	v = cJSON_CreateArray();
	for (i = 0; i < ix.n && cJSON_GetArraySize(v) < limit; i++) {
		if (pf && (!ix.v[i].platform || strcasecmp(pf,
		    ix.v[i].platform)))
			continue;
		o = gateway_mcp_conv_json(&ix.v[i], 0);
		if (q && !strcasestr(ev_str(o, "display_name"), q) &&
		    !strcasestr(ix.v[i].key, q)) {
			cJSON_Delete(o);
			continue;
		}
		cJSON_AddItemToArray(v, o);
	}
	cJSON_AddNumberToObject(*res, "count", cJSON_GetArraySize(v));
	cJSON_AddItemToObject(*res, "conversations", v);
	gateway_mcp_index_release(&ix);
	return 0;
}

static int
t_conversation_get(struct mcp_server_ctx *x, const cJSON *args, cJSON **res,
    struct buf *err)
{
	const char *key = arg_str(args, "session_key");
	struct gateway_mcp_conv *c;
	struct gateway_mcp_index ix;
	int rc;

	(void)x;
	if (!key)
		return hm_fail(err, HM_EINVAL, "session_key is required");
	if ((rc = gateway_mcp_index(&ix, err)) < 0)
		return rc;
	if ((c = gateway_mcp_find(&ix, key, 0)))
		*res = gateway_mcp_conv_json(c, 1);
	else
		rc = gateway_mcp_not_found(key, err);
	gateway_mcp_index_release(&ix);
	return rc;
}

static int
t_messages_read(struct mcp_server_ctx *x, const cJSON *args, cJSON **res,
    struct buf *err)
{
	struct gateway_mcp_pick p = { arg_str(args, "session_key"),
	    0, 50, 0, NULL };
	long long next;
	struct gateway_mcp_index ix;
	int rc, known;

	(void)x;
	if (!p.key)
		return hm_fail(err, HM_EINVAL, "session_key is required");
	p.keep = (long)arg_num(args, "limit", 50, 1, 200);
	if ((rc = gateway_mcp_index(&ix, err)) < 0)
		return rc;
	known = gateway_mcp_find(&ix, p.key, 0) != NULL;
	gateway_mcp_index_release(&ix);
	if (!known)
		return gateway_mcp_not_found(p.key, err);
	p.v = cJSON_CreateArray();
	if ((rc = gwevents_scan(0, gateway_mcp_pick, &p, &next, err)) < 0) {
		cJSON_Delete(p.v);
		return rc;
	}
	*res = cJSON_CreateObject();
	cJSON_AddStringToObject(*res, "session_key", p.key);
	cJSON_AddNumberToObject(*res, "count", cJSON_GetArraySize(p.v));
	cJSON_AddNumberToObject(*res, "total_in_session", (double)p.total);
	cJSON_AddItemToObject(*res, "messages", p.v);
	return 0;
}

static int
t_attachments_fetch(struct mcp_server_ctx *x, const cJSON *args,
    cJSON **res, struct buf *err)
{
	(void)x;
	(void)res;
	return hm_fail(err, HM_EFAIL, "no attachments: the gateway keeps "
	    "only the text of messages (message '%s' of '%s')",
	    arg_str(args, "message_id") ? arg_str(args, "message_id") : "",
	    arg_str(args, "session_key") ? arg_str(args, "session_key") : "");
}

static long long
after_of(struct mcp_server_ctx *x, const cJSON *args)
{
	const struct srv *s = mcp_server_data(x);
	long long a = arg_num(args, "after_cursor", 0, 0, (long long)1 << 53);

	return a ? a : s->start;
}

static int
t_events_poll(struct mcp_server_ctx *x, const cJSON *args, cJSON **res,
    struct buf *err)
{
	struct gateway_mcp_pick p = { arg_str(args, "session_key"),
	    20, 0, 0, NULL };
	long long next;
	int rc;

	p.limit = (long)arg_num(args, "limit", 20, 1, 200);
	p.v = cJSON_CreateArray();
	if ((rc = gwevents_scan(after_of(x, args), gateway_mcp_pick, &p, &next,
	    err)) < 0) {
		cJSON_Delete(p.v);
		return rc;
	}
	*res = cJSON_CreateObject();
	cJSON_AddItemToObject(*res, "events", p.v);
	cJSON_AddNumberToObject(*res, "next_cursor", (double)next);
	return 0;
}

static int
t_events_wait(struct mcp_server_ctx *x, const cJSON *args, cJSON **res,
    struct buf *err)
{
	struct gateway_mcp_pick p = { arg_str(args, "session_key"),
	    1, 0, 0, NULL };
	long long after = after_of(x, args), end, seen = -1, next, left;
	long long timeout = arg_num(args, "timeout_ms", WAIT_DEFAULT, 0,
	    WAIT_MAX);
	long long deadline;
	int rc;

	deadline = tu_mono_ms() + timeout;
	p.v = cJSON_CreateArray();
	for (;;) {
		gwevents_end(&end);
		if (end != seen) {
			seen = end;
			rc = gwevents_scan(after, gateway_mcp_pick, &p, &next,
			    err);
			if (rc < 0) {
				cJSON_Delete(p.v);
				return rc;
			}
			after = next;
			if (p.total)
				break;
		}
		left = deadline - tu_mono_ms();
		if (left <= 0 || mcp_server_sleep(x, left < WAIT_TICK ?
		    (long)left : WAIT_TICK))
			break;
	}
	*res = cJSON_CreateObject();
	if (p.total) {
		cJSON_AddItemToObject(*res, "event", cJSON_DetachItemFromArray(
		    p.v, 0));
	} else {
		cJSON_AddNullToObject(*res, "event");
		cJSON_AddStringToObject(*res, "reason", "timeout");
	}
	cJSON_AddNumberToObject(*res, "next_cursor", (double)after);
	cJSON_Delete(p.v);
	return 0;
}

/* The event of a message queued here, so readers see it too. */
static void
note_sent(const char *target, const char *key, const char *text,
    const char *name)
{
	struct buf err = BUF_INIT;
	struct outbox_msg m;
	cJSON *o;

	if (outbox_parse_target(target, &m, &err) < 0) {
		buf_release(&err);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "reply");
	cJSON_AddStringToObject(o, "platform", m.platform);
	cJSON_AddStringToObject(o, "chat", m.chat);
	if (m.thread)
		cJSON_AddStringToObject(o, "thread", m.thread);
	cJSON_AddStringToObject(o, "text", text);
	cJSON_AddStringToObject(o, "session_key", key ? key : target);
	cJSON_AddBoolToObject(o, "queued", 1);
	cJSON_AddStringToObject(o, "source", "mcp");
	cJSON_AddStringToObject(o, "outbox", name);
	if (gwevents_append(o, &err) < 0)
		hm_warn("%s", err.s);
	cJSON_Delete(o);
	outbox_msg_release(&m);
	buf_release(&err);
}

static int
t_messages_send(struct mcp_server_ctx *x, const cJSON *args, cJSON **res,
    struct buf *err)
{
	const char *target = arg_str(args, "target"), *key = arg_str(args,
	    "session_key"), *text = arg_str(args, "message");
	char *t = NULL, *name = NULL, *lp;
	struct gateway_mcp_conv *c;
	struct gateway_mcp_index ix;
	int rc = 0, up;

	(void)x;
	if (!text)
		return hm_fail(err, HM_EINVAL, "message is required");
	if (!target && !key)
		return hm_fail(err, HM_EINVAL, "target (platform:chat_id) or "
		    "session_key is required");
	if (!target) {
		if ((rc = gateway_mcp_index(&ix, err)) == 0) {
			c = gateway_mcp_find(&ix, key, 0);
			if (c && c->platform && c->chat)
				t = gateway_mcp_target(c);
			else
				rc = gateway_mcp_not_found(key, err);
		}
		gateway_mcp_index_release(&ix);
		if (rc < 0)
			return rc;
		target = t;
	}
	if ((rc = outbox_put(target, text, "mcp", &name, err)) == 0) {
		note_sent(target, key, text, name);
		lp = hm_path("gateway/.run.lock");
		up = lock_held(lp) == 1;
		free(lp);
		*res = cJSON_CreateObject();
		cJSON_AddBoolToObject(*res, "success", 1);
		cJSON_AddBoolToObject(*res, "queued", 1);
		cJSON_AddStringToObject(*res, "target", target);
		cJSON_AddStringToObject(*res, "outbox", name);
		cJSON_AddBoolToObject(*res, "gateway_running", up);
		cJSON_AddStringToObject(*res, "note", up ? "queued in the "
		    "outbox; the running gateway delivers it" : "queued in the "
		    "outbox; no gateway runs now, so it goes out when one "
		    "starts");
	}
	free(name);
	free(t);
	return rc;
}

static int
t_channels_list(struct mcp_server_ctx *x, const cJSON *args, cJSON **res,
    struct buf *err)
{
	const struct srv *s = mcp_server_data(x);
	const char *pf = arg_str(args, "platform"), *list;
	cJSON *v, *o, *it, *plats;
	struct gateway_mcp_index ix;
	char *t, *p, *e;
	size_t i;
	int rc, dup;

	if ((rc = gateway_mcp_index(&ix, err)) < 0)
		return rc;
	v = cJSON_CreateArray();
	for (i = 0; i < ix.n; i++) {
		if (!ix.v[i].platform || !ix.v[i].chat || (pf &&
		    strcasecmp(pf, ix.v[i].platform)))
			continue;
		t = gateway_mcp_target(&ix.v[i]);
		dup = 0;
		cJSON_ArrayForEach(it, v)
			dup |= !strcmp(ev_str(it, "target"), t);
		if (!dup) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "target", t);
			cJSON_AddStringToObject(o, "platform",
			    ix.v[i].platform);
			cJSON_AddStringToObject(o, "name", ix.v[i].group ?
			    ix.v[i].chat : ix.v[i].user_name ?
			    ix.v[i].user_name : ix.v[i].chat);
			cJSON_AddStringToObject(o, "chat_type", ix.v[i].group ?
			    "group" : "dm");
			cJSON_AddItemToArray(v, o);
		}
		free(t);
	}
	gateway_mcp_index_release(&ix);
	*res = cJSON_CreateObject();
	cJSON_AddNumberToObject(*res, "count", cJSON_GetArraySize(v));
	cJSON_AddItemToObject(*res, "channels", v);
	plats = cJSON_AddArrayToObject(*res, "platforms");
	list = s->cfg ? config_get(s->cfg, "gateway.platforms", NULL) : NULL;
	t = xstrdup(list ? list : "");
	for (p = t; *p; p = e) {
		p += strspn(p, ", ");
		e = p + strcspn(p, ", ");
		dup = *e != '\0';
		*e = '\0';
		if (*p && (!pf || !strcasecmp(pf, p)))
			cJSON_AddItemToArray(plats, cJSON_CreateString(p));
		e += dup;
	}
	free(t);
	return 0;
}

static int
t_permissions_list_open(struct mcp_server_ctx *x, const cJSON *args,
    cJSON **res, struct buf *err)
{
	(void)x;
	(void)args;
	(void)err;
	*res = cJSON_CreateObject();
	cJSON_AddNumberToObject(*res, "count", 0);
	cJSON_AddArrayToObject(*res, "approvals");
	cJSON_AddStringToObject(*res, "note", "the gateway runs agent turns "
	    "non-interactively, where a command that would need approval is "
	    "denied, so no approval request is ever open");
	return 0;
}

static int
t_permissions_respond(struct mcp_server_ctx *x, const cJSON *args,
    cJSON **res, struct buf *err)
{
	const char *id = arg_str(args, "id"), *d = arg_str(args, "decision");

	(void)x;
	(void)res;
	if (!d || (strcmp(d, "allow-once") && strcmp(d, "allow-always") &&
	    strcmp(d, "deny")))
		return hm_fail(err, HM_EINVAL, "Invalid decision: %s. Must be "
		    "allow-once, allow-always, or deny", d ? d : "(none)");
	return hm_fail(err, HM_ENOTFOUND, "no open permission request %s: "
	    "the gateway's turns never wait for approval", id ? id : "(none)");
}

/* inputSchema texts: ' stands for " (mcp_server.h) */
#define OBJ(props, req)	"{'type':'object','properties':{" props "}" req "}"
#define S_KEY		"'session_key':{'type':'string','description':" \
			"'The conversation: a session_key from " \
			"conversations_list'}"
#define S_PLATFORM	"'platform':{'type':'string','description':" \
			"'Only this platform (telegram, slack, discord, ...)'}"
#define S_LIMIT(d, m)	"'limit':{'type':'integer','minimum':1,'maximum':200," \
			"'default':" #d ",'description':'" m "'}"
#define S_AFTER		"'after_cursor':{'type':'integer','minimum':0," \
			"'default':0,'description':'Only events after this " \
			"cursor (a next_cursor or an event cursor); 0: from " \
			"when this server started'}"

static const struct mcp_server_tool tools[] = {
	{ "conversations_list", "List the conversations the gateway has "
	    "had (one per chat, and per person in a group), newest activity "
	    "first, with the session_key the other tools take.",
	    OBJ(S_PLATFORM "," S_LIMIT(50, "At most this many") ","
	    "'search':{'type':'string','description':'Only names or keys "
	    "holding this text'}", ""), t_conversations_list },
	{ "conversation_get", "One conversation by its session_key: "
	    "platform, chat, thread, names, times, message count, the agent "
	    "session, and the target to send to.",
	    OBJ(S_KEY, ",'required':['session_key']"), t_conversation_get },
	{ "messages_read", "The messages of a conversation, both ways, "
	    "oldest first: the last `limit` of them.",
	    OBJ(S_KEY "," S_LIMIT(50, "The last this many"),
	    ",'required':['session_key']"), t_messages_read },
	{ "attachments_fetch", "Attachments of a message.  The gateway "
	    "keeps the text of messages only, so this always fails saying "
	    "so.", OBJ(S_KEY ",'message_id':{'type':'string'}",
	    ",'required':['session_key','message_id']"),
	    t_attachments_fetch },
	{ "events_poll", "Messages in and out since a cursor, oldest first, "
	    "and the next_cursor to poll from next.",
	    OBJ(S_AFTER "," S_KEY "," S_LIMIT(20, "At most this many"), ""),
	    t_events_poll },
	{ "events_wait", "Wait for the next message in or out after a "
	    "cursor (a long poll): the event, or null when timeout_ms "
	    "passes first.",
	    OBJ(S_AFTER "," S_KEY ",'timeout_ms':{'type':'integer',"
	    "'minimum':0,'maximum':300000,'default':30000}", ""),
	    t_events_wait },
	{ "messages_send", "Send a message to a chat: it goes to the "
	    "gateway outbox, and the running gateway delivers it.  target is "
	    "platform:chat_id[:thread_id] (see channels_list), or give a "
	    "session_key.",
	    OBJ("'target':{'type':'string','description':'platform:chat_id"
	    "[:thread_id], e.g. telegram:123456'}," S_KEY ",'message':{'type'"
	    ":'string','description':'The text to send'}",
	    ",'required':['message']"), t_messages_send },
	{ "channels_list", "The chats messages can be sent to, as targets "
	    "for messages_send, and the platforms the gateway is set up for.",
	    OBJ(S_PLATFORM, ""), t_channels_list },
	{ "permissions_list_open", "Approval requests waiting for an "
	    "answer.  The gateway runs turns non-interactively (what would "
	    "need approval is denied), so there are never any.",
	    OBJ("", ""), t_permissions_list_open },
	{ "permissions_respond", "Answer an approval request: allow-once, "
	    "allow-always or deny.  There are never open requests here, so "
	    "this always fails.",
	    OBJ("'id':{'type':'string'},'decision':{'type':'string','enum':"
	    "['allow-once','allow-always','deny']}",
	    ",'required':['id','decision']"), t_permissions_respond },
};

int
gateway_mcp_run(const struct config *cfg, int in, int out, struct buf *err)
{
	struct srv s = { cfg, 0 };
	struct mcp_server_info info = {
		"hermes-gateway", HM_VERSION, "The hermes gateway's "
		"conversations (Telegram and the other platforms it serves): "
		"list and read them, follow new messages with events_poll or "
		"events_wait, and send with messages_send.",
		tools, HM_ARRAY_SIZE(tools), &s
	};

	gwevents_end(&s.start);
	return mcp_server_run(&info, in, out, err);
}
