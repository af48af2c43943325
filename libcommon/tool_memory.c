/*
 * tool_memory.c: the agent's memory tool, the same code path as
 * hermes-memory (libcommon/memory.c): locked, atomic, capped.  Arguments
 * keep the original Hermes names: action, target, content, old_text.
 */
#include <cjson/cJSON.h>

#include "common.h"
#include "config.h"
#include "memory.h"
#include "toolreg.h"

static int
run(const struct tool *t, struct tool_env *env, cJSON *args, struct buf *out)
{
	const char *action = tool_arg_str(args, "action");
	const char *target = tool_arg_str(args, "target");
	const char *content = tool_arg_str(args, "content");
	const char *old = tool_arg_str(args, "old_text");
	struct memory m;
	long limit = 0;
	int user, rc;

	(void)t;
	if (!action)
		return hm_fail(out, HM_EINVAL, "'action' is required: add, "
		    "replace or remove");
	if (target && strcmp(target, "memory") && strcmp(target, "user"))
		return hm_fail(out, HM_EINVAL, "'target' is memory or user, "
		    "not '%s'", target);
	user = target && !strcmp(target, "user");
	if (config_get_long(env->cfg, user ? "memory.user_max_chars" :
	    "memory.max_chars", &limit, out) < 0)
		return -HM_EFAIL;
	memory_init(&m, user ? MEMORY_USER : MEMORY_NOTES, (size_t)limit);
	if (!strcmp(action, "add")) {
		rc = content ? memory_add(&m, content, out) :
		    hm_fail(out, HM_EINVAL, "'content' is required for add");
	} else if (!strcmp(action, "replace")) {
		rc = content && old ? memory_replace(&m, old, content, out) :
		    hm_fail(out, HM_EINVAL, "'old_text' and 'content' are "
		    "required for replace");
	} else if (!strcmp(action, "remove")) {
		rc = old ? memory_remove(&m, old, out) : hm_fail(out,
		    HM_EINVAL, "'old_text' is required for remove");
	} else {
		rc = hm_fail(out, HM_EINVAL, "unknown action '%s': use add, "
		    "replace or remove", action);
	}
	if (rc >= 0) {
		env->memory_writes++;
		buf_reset(out);
		buf_addf(out, "%s%s: %zu/%zu chars, %zu entries",
		    rc == MEMORY_DUP ? "already saved; " : "ok; ", m.name,
		    memory_used(&m), m.limit, m.n);
		rc = 0;
	}
	memory_release(&m);
	return rc;
}

const struct tool tool_memory = {
	"memory", "memory",
	"Save durable facts across sessions: target memory (environment, "
	"projects, tools) or user (the user's preferences). Entries are "
	"short; replace/remove pick the one entry containing old_text. When "
	"full, consolidate.",
	"{\"type\":\"object\",\"properties\":{"
	"\"action\":{\"type\":\"string\",\"enum\":[\"add\",\"replace\","
	"\"remove\"]},"
	"\"target\":{\"type\":\"string\",\"enum\":[\"memory\",\"user\"]},"
	"\"content\":{\"type\":\"string\"},"
	"\"old_text\":{\"type\":\"string\"}},"
	"\"required\":[\"action\",\"target\"]}",
	run, NULL
};
