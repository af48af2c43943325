/*
 * conv.h: a conversation in the provider-neutral shape the agent, the
 * providers and the session store share.
 *
 * Roles: system, user, assistant (text and/or tool calls), tool (the
 * result of one call, tied to it by tool_call_id).  Strings are owned by
 * the conversation (conv_add* copy their arguments); conv_release frees
 * all.  A tool call's args is the JSON text of its arguments object, kept
 * as text so a malformed one can be stored and answered as a tool error.
 * A message pointer from conv_add is valid until the next conv_add.
 */
#ifndef HM_CONV_H
#define HM_CONV_H

#include <stddef.h>

enum msg_role { MSG_SYSTEM, MSG_USER, MSG_ASSISTANT, MSG_TOOL };

struct tool_call {
	char *id;
	char *name;
	char *args;		/* JSON text, may be malformed */
};

struct usage {
	long input;		/* prompt tokens, including cached */
	long output;
	long cached;		/* prompt tokens read from the cache */
};

struct message {
	enum msg_role role;
	char *content;		/* may be NULL for a tool-calls-only reply */
	struct tool_call *calls;	/* assistant */
	size_t ncalls;
	char *tool_call_id;	/* tool */
	char *tool_name;	/* tool */
	char *finish;		/* assistant: stop, tool_calls, length, ... */
	struct usage usage;	/* assistant: what this call cost */
	double ts;		/* unix time, seconds */
	char *wire;		/* cache: this message as the provider
				 * encodes it; whoever changes the message
				 * frees it and sets it NULL */
};

struct conv {
	struct message *m;
	size_t n, cap;
};

#define CONV_INIT { NULL, 0, 0 }

struct message *conv_add(struct conv *c, enum msg_role role,
    const char *content);
struct tool_call *conv_add_call(struct message *m, const char *id,
    const char *name, const char *args);
struct message *conv_add_tool(struct conv *c, const char *call_id,
    const char *name, const char *content);
void conv_drop_last(struct conv *c);
void conv_release(struct conv *c);
void message_release(struct message *m);
void message_copy(struct message *dst, const struct message *src);

const char *msg_role_name(enum msg_role r);
int msg_role_parse(const char *s, enum msg_role *r);

/* Tool calls <-> the JSON array stored in state.db:
 * [{"id":..,"name":..,"arguments":"<json text>"}]. */
char *conv_calls_to_json(const struct message *m);
int conv_calls_from_json(struct message *m, const char *json);

#endif
