/*
 * tool_kanban.c: the board tools of a kanban worker (tool_kanban.h).
 * They exist only in a hermes-ask started by the dispatcher, which sets
 * HERMES_KANBAN_TASK (the task) and HERMES_KANBAN_WORKER (the claim's
 * holder); every write passes that worker name, so the board refuses a
 * worker that lost its claim.  Each call opens kanban.db and closes it:
 * a worker makes a handful of calls, and holds nothing between them.
 */
#include <cjson/cJSON.h>

#include "common.h"
#include "board.h"
#include "config.h"
#include "tool_kanban.h"
#include "timeutil.h"

static const char *
task_id(void)
{
	return getenv("HERMES_KANBAN_TASK");
}

static const char *
worker(void)
{
	const char *w = getenv("HERMES_KANBAN_WORKER");

	return w && *w ? w : "worker";
}

int
tool_kanban_active(void)
{
	const char *t = task_id();

	return t && *t;
}

/* Open the board, run fn, close; the reason in out on failure. */
static int
with_board(int (*fn)(struct board *b, cJSON *args, struct buf *out,
    struct buf *err), cJSON *args, struct buf *out)
{
	struct buf err = BUF_INIT;
	struct board *b = NULL;
	int rc;

	rc = board_open(&b, &err);
	if (rc == 0)
		rc = fn(b, args, out, &err);
	if (rc < 0) {
		buf_reset(out);
		buf_adds(out, buf_str(&err));
	}
	board_close(b);
	buf_release(&err);
	return rc;
}

static const char *
arg(cJSON *args, const char *name)
{
	const char *s = tool_arg_str(args, name);

	return s && *s ? s : NULL;
}

static int
do_show(struct board *b, cJSON *args, struct buf *out, struct buf *err)
{
	const char *id = arg(args, "task_id") ? arg(args, "task_id") :
	    task_id();
	struct task t;
	char **p;
	int rc;

	memset(&t, 0, sizeof(t));
	if ((rc = board_get(b, id, &t, err)) < 0)
		return rc;
	buf_addf(out, "%s [%s] %s\n", t.id, task_status_name(t.status),
	    t.title);
	for (p = t.parents; p && *p; p++)
		buf_addf(out, "needs %s\n", *p);
	if (t.body)
		buf_addf(out, "\n%s\n", t.body);
	if (t.result)
		buf_addf(out, "\nresult: %s\n", t.result);
	if (t.reason)
		buf_addf(out, "\nreason: %s\n", t.reason);
	buf_adds(out, "\n");
	rc = board_history(b, t.id, out, err);
	task_release(&t);
	return rc;
}

static long
ttl(void)
{
	struct config cfg = CONFIG_INIT;
	struct buf err = BUF_INIT;
	long v = 900;

	if (config_load(&cfg, &err) == 0)
		config_get_long(&cfg, "kanban.ttl", &v, NULL);
	config_release(&cfg);
	buf_release(&err);
	return v;
}

static int
do_complete(struct board *b, cJSON *args, struct buf *out, struct buf *err)
{
	int rc = board_complete(b, task_id(), worker(), arg(args, "result"),
	    err);

	if (rc == 0)
		buf_addf(out, "%s is done", task_id());
	return rc;
}

static int
do_block(struct board *b, cJSON *args, struct buf *out, struct buf *err)
{
	const char *why = arg(args, "reason");
	int rc;

	if (!why)
		return hm_fail(err, HM_EINVAL, "kanban_block needs a reason");
	if ((rc = board_block(b, task_id(), worker(), why, err)) == 0)
		buf_addf(out, "%s is blocked", task_id());
	return rc;
}

static int
do_heartbeat(struct board *b, cJSON *args, struct buf *out, struct buf *err)
{
	long t = ttl();
	int rc;

	(void)args;
	rc = board_heartbeat(b, task_id(), worker(), t, tu_now(), err);
	if (rc == 0)
		buf_addf(out, "lease extended by %ld s", t);
	return rc;
}

static int
do_comment(struct board *b, cJSON *args, struct buf *out, struct buf *err)
{
	const char *text = arg(args, "text");
	const char *id = arg(args, "task_id") ? arg(args, "task_id") :
	    task_id();
	int rc;

	if (!text)
		return hm_fail(err, HM_EINVAL, "kanban_comment needs text");
	if ((rc = board_comment(b, id, worker(), text, err)) == 0)
		buf_addf(out, "comment added to %s", id);
	return rc;
}

static int
do_create(struct board *b, cJSON *args, struct buf *out, struct buf *err)
{
	const cJSON *nd = cJSON_GetObjectItem(args, "needs"), *it;
	const char **needs;
	struct task_new n;
	char *id = NULL;
	size_t k = 0;
	int rc;

	needs = xcalloc((size_t)cJSON_GetArraySize(nd) + 1, sizeof(*needs));
	cJSON_ArrayForEach(it, nd)
		if (cJSON_IsString(it))
			needs[k++] = it->valuestring;
	memset(&n, 0, sizeof(n));
	n.title = arg(args, "title");
	n.body = arg(args, "body");
	n.assignee = arg(args, "assignee");
	n.needs = needs;
	if (!n.title)
		rc = hm_fail(err, HM_EINVAL, "kanban_create needs a title");
	else
		rc = board_add(b, &n, worker(), &id, err);
	if (rc == 0)
		buf_addf(out, "created %s", id);
	free(id);
	free(needs);
	return rc;
}

static int
do_link(struct board *b, cJSON *args, struct buf *out, struct buf *err)
{
	const char *child = arg(args, "child"), *parent = arg(args, "parent");
	int rc;

	if (!child || !parent)
		return hm_fail(err, HM_EINVAL, "kanban_link needs child and "
		    "parent");
	if ((rc = board_link(b, child, parent, worker(), err)) == 0)
		buf_addf(out, "%s now needs %s", child, parent);
	return rc;
}

#define RUN(fn)								\
	static int							\
	run_##fn(const struct tool *t, struct tool_env *env, cJSON *args, \
	    struct buf *out)						\
	{								\
		(void)t;						\
		(void)env;						\
		return with_board(do_##fn, args, out);			\
	}

RUN(show)
RUN(complete)
RUN(block)
RUN(heartbeat)
RUN(comment)
RUN(create)
RUN(link)

const struct tool tool_kanban_show = {
	"kanban_show", "kanban",
	"Show a board task (default: yours) with its comments and events.",
	"{\"type\":\"object\",\"properties\":{\"task_id\":{\"type\":"
	"\"string\"}}}",
	run_show, NULL
};

const struct tool tool_kanban_complete = {
	"kanban_complete", "kanban",
	"Mark your task done, with a short result.",
	"{\"type\":\"object\",\"properties\":{\"result\":{\"type\":"
	"\"string\"}},\"required\":[\"result\"]}",
	run_complete, NULL
};

const struct tool tool_kanban_block = {
	"kanban_block", "kanban",
	"Give up on your task for now, saying why (a person or another task "
	"must act first).",
	"{\"type\":\"object\",\"properties\":{\"reason\":{\"type\":"
	"\"string\"}},\"required\":[\"reason\"]}",
	run_block, NULL
};

const struct tool tool_kanban_heartbeat = {
	"kanban_heartbeat", "kanban",
	"Extend the lease of your task during long work.",
	"{\"type\":\"object\",\"properties\":{}}",
	run_heartbeat, NULL
};

const struct tool tool_kanban_comment = {
	"kanban_comment", "kanban",
	"Add a comment to a task (default: yours).",
	"{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"},"
	"\"task_id\":{\"type\":\"string\"}},\"required\":[\"text\"]}",
	run_comment, NULL
};

const struct tool tool_kanban_create = {
	"kanban_create", "kanban",
	"Add a task to the board; needs lists ids it must wait for.",
	"{\"type\":\"object\",\"properties\":{\"title\":{\"type\":\"string\"},"
	"\"body\":{\"type\":\"string\"},\"assignee\":{\"type\":\"string\"},"
	"\"needs\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},"
	"\"required\":[\"title\"]}",
	run_create, NULL
};

const struct tool tool_kanban_link = {
	"kanban_link", "kanban",
	"Make task child wait for task parent.",
	"{\"type\":\"object\",\"properties\":{\"child\":{\"type\":\"string\"},"
	"\"parent\":{\"type\":\"string\"}},\"required\":[\"child\","
	"\"parent\"]}",
	run_link, NULL
};
