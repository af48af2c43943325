/*
 * gateway_mcp_int.h: what the tools of `hermes-gateway mcp`
 * (gateway_mcp.c) and its view of the conversations (gateway_mcp_conv.c)
 * share.  Not for other modules.
 *
 * gateway_mcp_index(ix, err): every conversation, from one pass over the
 *   event log and from chats.json, newest activity first (those with no
 *   event last, by key).  Release with gateway_mcp_index_release.
 * gateway_mcp_find(ix, key, add): the conversation of key, or NULL; with
 *   add, a new empty one when there is none.
 * gateway_mcp_target(c): "PLATFORM:CHAT[:THREAD]", malloc'd.
 * gateway_mcp_conv_json(c, full): the conversation as the tools show it
 *   (full: conversation_get's extra keys).
 * gateway_mcp_pick: a gwevents_scan callback; ctx is a struct
 *   gateway_mcp_pick: the events of key (all when NULL) as the tools show
 *   them, into v; stops after limit of them, or with keep, keeps the
 *   last keep as messages (messages_read); total counts them all.
 * gateway_mcp_not_found(key, err): the error for an unknown session_key.
 */
#ifndef HM_GATEWAY_MCP_INT_H
#define HM_GATEWAY_MCP_INT_H

#include <stddef.h>
#include <cjson/cJSON.h>

struct buf;

struct gateway_mcp_conv {
	char *key, *platform, *chat, *thread, *user, *user_name, *sid;
	char *first, *last;	/* times of its first and last event */
	long long cursor;	/* of its last event; 0: none */
	long count;
	int group;
};

struct gateway_mcp_index {
	struct gateway_mcp_conv *v;
	size_t n;
};

struct gateway_mcp_pick {
	const char *key;	/* only this conversation, or NULL */
	long limit;		/* stop at this many (0: never) */
	long keep;		/* > 0: keep only the last keep, as messages */
	long total;		/* events of key seen */
	cJSON *v;		/* the array they go to (the caller's) */
};

int gateway_mcp_index(struct gateway_mcp_index *ix, struct buf *err);
void gateway_mcp_index_release(struct gateway_mcp_index *ix);
struct gateway_mcp_conv *gateway_mcp_find(struct gateway_mcp_index *ix,
    const char *key, int add);
char *gateway_mcp_target(const struct gateway_mcp_conv *c);
cJSON *gateway_mcp_conv_json(const struct gateway_mcp_conv *c, int full);
int gateway_mcp_pick(const cJSON *ev, long long cursor, void *ctx);
int gateway_mcp_not_found(const char *key, struct buf *err);

#endif
