/*
 * gateway_mcp_conv.c: the conversations and their events as the tools
 * of `hermes-gateway mcp` show them (gateway_mcp_int.h).  A
 * conversation is a chat key; what is known of it comes from its events
 * in the log (the latest platform, chat and thread, the name of the
 * person who last wrote, the count and times) and from chats.json (the
 * agent session it continues).  Names follow Hermes' tool results
 * (session_key, session_id, chat_type, display_name, updated_at,
 * role, content, timestamp) so its clients read them unchanged.
 */
#include "common.h"
#include "gateway_mcp_int.h"
#include "gwevents.h"
#include "path.h"

static void
set(char **dst, const char *s)
{
	if (!s)
		return;
	free(*dst);
	*dst = xstrdup(s);
}

struct gateway_mcp_conv *
gateway_mcp_find(struct gateway_mcp_index *ix, const char *key, int add)
{
	size_t i;

	for (i = ix->n; i > 0; i--)	/* the newest are most likely */
		if (!strcmp(ix->v[i - 1].key, key))
			return &ix->v[i - 1];
	if (!add)
		return NULL;
	ix->v = xrealloc(ix->v, (ix->n + 1) * sizeof(*ix->v));
	memset(&ix->v[ix->n], 0, sizeof(*ix->v));
	ix->v[ix->n].key = xstrdup(key);
	return &ix->v[ix->n++];
}

void
gateway_mcp_index_release(struct gateway_mcp_index *ix)
{
	size_t i;

	for (i = 0; i < ix->n; i++) {
		free(ix->v[i].key);
		free(ix->v[i].platform);
		free(ix->v[i].chat);
		free(ix->v[i].thread);
		free(ix->v[i].user);
		free(ix->v[i].user_name);
		free(ix->v[i].sid);
		free(ix->v[i].first);
		free(ix->v[i].last);
	}
	free(ix->v);
	memset(ix, 0, sizeof(*ix));
}

static const char *
ev_str(const cJSON *ev, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(ev, k));
}

static int
index_event(const cJSON *ev, long long cursor, void *ctx)
{
	const char *key = ev_str(ev, "session_key");
	struct gateway_mcp_conv *c;

	if (!key || !ev_str(ev, "platform") || !ev_str(ev, "chat"))
		return 0;
	c = gateway_mcp_find(ctx, key, 1);
	set(&c->platform, ev_str(ev, "platform"));
	set(&c->chat, ev_str(ev, "chat"));
	set(&c->thread, ev_str(ev, "thread"));
	if (!strcmp(ev_str(ev, "type") ? ev_str(ev, "type") : "", "message")) {
		set(&c->user, ev_str(ev, "user"));
		set(&c->user_name, ev_str(ev, "user_name"));
	}
	c->group |= cJSON_IsTrue(cJSON_GetObjectItem(ev, "group"));
	if (!c->first)
		set(&c->first, ev_str(ev, "ts"));
	set(&c->last, ev_str(ev, "ts"));
	c->cursor = cursor;
	c->count++;
	return 0;
}

/* A chat of chats.json that the log does not know: its key says
 * PLATFORM:CHAT[:THREAD] (a group's :USER cannot be told apart). */
static void
from_key(struct gateway_mcp_conv *c)
{
	const char *p = c->key, *q = strchr(p, ':'), *r;

	if (!q || c->platform)
		return;
	c->platform = xstrndup(p, (size_t)(q - p));
	r = strchr(q + 1, ':');
	c->chat = r ? xstrndup(q + 1, (size_t)(r - q - 1)) : xstrdup(q + 1);
	if (r && r[1])
		c->thread = xstrdup(r + 1);
}

static int
by_activity(const void *a, const void *b)
{
	const struct gateway_mcp_conv *x = a, *y = b;

	if (x->cursor != y->cursor)
		return x->cursor < y->cursor ? 1 : -1;
	return strcmp(x->key, y->key);
}

int
gateway_mcp_index(struct gateway_mcp_index *ix, struct buf *err)
{
	char *path = hm_path("gateway/chats.json");
	struct buf text = BUF_INIT;
	long long next;
	cJSON *o = NULL, *it;
	struct gateway_mcp_conv *c;
	int rc;

	memset(ix, 0, sizeof(*ix));
	rc = gwevents_scan(0, index_event, ix, &next, err);
	if (rc == 0 && buf_read_file(&text, path) == 0)
		o = cJSON_Parse(text.s);
	cJSON_ArrayForEach(it, o) {	/* keys of an object only */
		if (!cJSON_IsString(it) || !it->string)
			continue;
		c = gateway_mcp_find(ix, it->string, 1);
		set(&c->sid, it->valuestring);
		from_key(c);
	}
	if (ix->n)
		qsort(ix->v, ix->n, sizeof(*ix->v), by_activity);
	cJSON_Delete(o);
	buf_release(&text);
	free(path);
	return rc;
}

char *
gateway_mcp_target(const struct gateway_mcp_conv *c)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s:%s%s%s", c->platform, c->chat, c->thread ? ":" : "",
	    c->thread ? c->thread : "");
	return buf_detach(&b);
}

cJSON *
gateway_mcp_conv_json(const struct gateway_mcp_conv *c, int full)
{
	cJSON *o = cJSON_CreateObject();
	struct buf name = BUF_INIT;
	char *t;

	if (c->group && c->user_name)
		buf_addf(&name, "%s in %s", c->user_name, c->chat);
	else
		buf_adds(&name, c->user_name ? c->user_name : c->chat ?
		    c->chat : c->key);
	cJSON_AddStringToObject(o, "session_key", c->key);
	cJSON_AddStringToObject(o, "session_id", c->sid ? c->sid : "");
	cJSON_AddStringToObject(o, "platform", c->platform ? c->platform :
	    "");
	cJSON_AddStringToObject(o, "chat_type", c->group ? "group" : "dm");
	cJSON_AddStringToObject(o, "display_name", name.s);
	cJSON_AddStringToObject(o, "chat_name", "");
	cJSON_AddStringToObject(o, "user_name", c->user_name ? c->user_name :
	    "");
	cJSON_AddStringToObject(o, "chat_id", c->chat ? c->chat : "");
	if (c->thread)
		cJSON_AddStringToObject(o, "thread_id", c->thread);
	else
		cJSON_AddNullToObject(o, "thread_id");
	cJSON_AddStringToObject(o, "updated_at", c->last ? c->last : "");
	cJSON_AddNumberToObject(o, "message_count", (double)c->count);
	if (full) {
		cJSON_AddStringToObject(o, "created_at", c->first ? c->first :
		    "");
		cJSON_AddStringToObject(o, "user_id", c->user ? c->user : "");
		cJSON_AddNumberToObject(o, "last_cursor", (double)c->cursor);
		if (c->platform && c->chat) {
			t = gateway_mcp_target(c);
			cJSON_AddStringToObject(o, "target", t);
			free(t);
		}
	}
	buf_release(&name);
	return o;
}

int
gateway_mcp_not_found(const char *key, struct buf *err)
{
	return hm_fail(err, HM_ENOTFOUND, "Conversation not found: %s", key);
}

/* ---- events as the tools show them ---- */

static cJSON *
event_json(const cJSON *ev, long long cursor)
{
	static const char *const extra[] = { "platform", "chat", "thread",
		"user", "user_name", "reply_to", "source", NULL };
	const char *type = ev_str(ev, "type"), *const *k;
	cJSON *o = cJSON_CreateObject(), *q;

	cJSON_AddNumberToObject(o, "cursor", (double)cursor);
	cJSON_AddStringToObject(o, "type", "message");
	cJSON_AddStringToObject(o, "session_key", ev_str(ev, "session_key") ?
	    ev_str(ev, "session_key") : "");
	cJSON_AddStringToObject(o, "role", type && !strcmp(type, "reply") ?
	    "assistant" : "user");
	cJSON_AddStringToObject(o, "content", ev_str(ev, "text") ?
	    ev_str(ev, "text") : "");
	cJSON_AddStringToObject(o, "timestamp", ev_str(ev, "ts") ?
	    ev_str(ev, "ts") : "");
	cJSON_AddStringToObject(o, "message_id", ev_str(ev, "message_id") ?
	    ev_str(ev, "message_id") : "");
	for (k = extra; *k; k++)
		if (ev_str(ev, *k))
			cJSON_AddStringToObject(o, *k, ev_str(ev, *k));
	if (cJSON_IsTrue((q = cJSON_GetObjectItem(ev, "queued"))))
		cJSON_AddBoolToObject(o, "queued", 1);
	return o;
}

int
gateway_mcp_pick(const cJSON *ev, long long cursor, void *ctx)
{
	struct gateway_mcp_pick *p = ctx;
	const char *key = ev_str(ev, "session_key");
	cJSON *o;

	if (p->key && (!key || strcmp(key, p->key)))
		return 0;
	o = event_json(ev, cursor);
	if (p->keep) {		/* a message, as messages_read shows it */
		struct buf id = BUF_INIT;

		cJSON_DeleteItemFromObject(o, "type");
		if (ev_str(ev, "message_id"))
			buf_adds(&id, ev_str(ev, "message_id"));
		else
			buf_addf(&id, "%lld", cursor);
		cJSON_AddStringToObject(o, "id", id.s);
		buf_release(&id);
	}
	cJSON_AddItemToArray(p->v, o);
	p->total++;
	if (p->keep && p->total > p->keep)	/* the array holds keep + 1 */
		cJSON_DeleteItemFromArray(p->v, 0);
	return p->limit && p->total >= p->limit;
}

