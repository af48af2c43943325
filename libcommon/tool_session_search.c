/*
 * tool_session_search.c: full-text search over past sessions (state.db,
 * FTS5 through session.c), so the agent can recall earlier work.
 */
#include <cjson/cJSON.h>

#include "common.h"
#include "session.h"
#include "toolreg.h"

static int
run(const struct tool *t, struct tool_env *env, cJSON *args, struct buf *out)
{
	const char *q = tool_arg_str(args, "query");
	struct session_hit *hits = NULL;
	size_t i, n = 0;
	long limit;
	int rc;

	(void)t;
	if (!q || !*q)
		return hm_fail(out, HM_EINVAL, "'query' is required");
	if (tool_arg_long(args, "limit", 5, &limit) < 0)
		return hm_fail(out, HM_EINVAL, "'limit' must be a number");
	if (limit < 1)
		limit = 1;
	if (limit > 20)
		limit = 20;
	if (!env->sdb)
		return hm_fail(out, HM_EFAIL, "sessions are not being recorded "
		    "(--no-log)");
	rc = session_search(env->sdb, q, limit, &hits, &n, out);
	if (rc < 0)
		return rc;
	buf_reset(out);
	if (!n)
		buf_addf(out, "no past messages match '%s'", q);
	for (i = 0; i < n; i++)
		buf_addf(out, "%s[%s %s] %s", i ? "\n" : "", hits[i].session,
		    hits[i].role ? hits[i].role : "", hits[i].snippet ?
		    hits[i].snippet : "");
	session_hits_free(hits, n);
	return 0;
}

const struct tool tool_session_search = {
	"session_search", "session",
	"Full-text search of past conversations; words must all match, "
	"word* is a prefix. Returns [session role] snippet lines.",
	"{\"type\":\"object\",\"properties\":{"
	"\"query\":{\"type\":\"string\"},"
	"\"limit\":{\"type\":\"integer\"}},"
	"\"required\":[\"query\"]}",
	run, NULL
};
