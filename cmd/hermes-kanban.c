/*
 * hermes-kanban: the multi-agent board, $HERMES_HOME/kanban.db.  The
 * board's rules (states, claims, leases, links) are libcommon/board.c,
 * the dispatcher and its workers dispatch.c, planning a goal into tasks
 * plan.c.  This file parses, calls and prints.
 *
 * --now TIME (claim, heartbeat, reclaim, dispatch) sets HERMES_NOW to
 * that instant before anything reads the clock: tu_now() reads the
 * variable once, on its first call, so every time this command takes
 * and every worker it starts (they inherit it) stands at TIME.
 */
#include <cjson/cJSON.h>

#include "common.h"
#include "board.h"
#include "cli.h"
#include "config.h"
#include "dispatch.h"
#include "plan.h"
#include "json.h"
#include "path.h"
#include "sig.h"
#include "timeutil.h"

enum {
	OPT_JSON = 0x100, OPT_NEEDS, OPT_PRIORITY, OPT_REPO, OPT_NEXT,
	OPT_TTL, OPT_ONCE, OPT_MAX, OPT_NOW, OPT_UNTIL_DONE
};

static int jflag;

static const struct cli_opt global_opts[] = {
	{ "json", OPT_JSON, 0, NULL, "list, show: JSON, one object a line" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt add_opts[] = {
	{ "body", 'b', 1, "BODY", "what to do, in detail (- reads stdin)" },
	{ "assignee", 'a', 1, "PROFILE", "the profile that works on it" },
	{ "needs", OPT_NEEDS, 1, "ID", "a task that must be done first "
	    "(repeat)" },
	{ "priority", OPT_PRIORITY, 1, "N", "higher runs first (default 0)" },
	{ "repo", OPT_REPO, 1, "PATH", "the git repository its worker gets a "
	    "worktree of" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt list_opts[] = {
	{ "status", 's', 1, "STATUS", "only tasks in this state" },
	{ NULL, 0, 0, NULL, NULL }
};

#define NOW_OPT	{ "now", OPT_NOW, 1, "TIME", "act as if it were TIME " \
	"(ISO 8601)" }

static const struct cli_opt claim_opts[] = {
	{ "next", OPT_NEXT, 0, NULL, "the ready task with the highest "
	    "priority" },
	{ "ttl", OPT_TTL, 1, "SECONDS", "lease length (default 900)" },
	NOW_OPT,
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt heartbeat_opts[] = {
	{ "ttl", OPT_TTL, 1, "SECONDS", "lease length (default 900)" },
	NOW_OPT,
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt reclaim_opts[] = {
	NOW_OPT,
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt result_opts[] = {
	{ "result", 'r', 1, "TEXT", "the outcome (- reads stdin)" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt reason_opts[] = {
	{ "reason", 'r', 1, "TEXT", "why it cannot go on" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt plan_opts[] = {
	{ "assignee", 'a', 1, "PROFILE", "the profile for every task" },
	{ "repo", OPT_REPO, 1, "PATH", "the git repository of every task" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt dispatch_opts[] = {
	{ "once", OPT_ONCE, 0, NULL, "one pass, wait for its workers, exit" },
	{ "until-done", OPT_UNTIL_DONE, 0, NULL, "passes until nothing is "
	    "ready or running" },
	{ "max", OPT_MAX, 1, "N", "workers at once (default kanban."
	    "max_workers)" },
	NOW_OPT,
	{ NULL, 0, 0, NULL, NULL }
};

/* What the verb options said. */
static struct {
	const char *body, *assignee, *repo, *status, *text, *now;
	const char **needs;
	size_t nneeds;
	long priority, ttl, max;
	int next, once, until_done;
} o;

static int
on_global(int c, const char *arg)
{
	(void)arg;
	if (c == OPT_JSON)
		jflag = 1;
	return 0;
}

static int
number(const char *what, const char *arg, long min, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(arg, &end, 10);
	if (errno || end == arg || *end || *out < min)
		return cli_usage_error("%s: '%s' is not a number%s", what, arg,
		    min > 0 ? " above 0" : "");
	return 0;
}

static int
on_opt(int c, const char *arg)
{
	switch (c) {
	case 'b': o.body = arg; break;
	case 'a': o.assignee = arg; break;
	case 's': o.status = arg; break;
	case 'r': o.text = arg; break;
	case OPT_REPO: o.repo = arg; break;
	case OPT_NEXT: o.next = 1; break;
	case OPT_ONCE: o.once = 1; break;
	case OPT_UNTIL_DONE: o.until_done = 1; break;
	case OPT_NOW: o.now = arg; break;
	case OPT_NEEDS:
		o.needs = xrealloc(o.needs, (o.nneeds + 2) * sizeof(*o.needs));
		o.needs[o.nneeds++] = arg;
		o.needs[o.nneeds] = NULL;
		break;
	case OPT_PRIORITY: return number("--priority", arg, LONG_MIN,
	    &o.priority);
	case OPT_TTL: return number("--ttl", arg, 1, &o.ttl);
	case OPT_MAX: return number("--max", arg, 1, &o.max);
	default: return on_global(c, arg);
	}
	return 0;
}

/* --now TIME: the clock of this process and its children (see the top). */
static int
set_now(const char *arg)
{
	struct buf err = BUF_INIT, v = BUF_INIT;
	time_t t;
	int rc = 0;

	if (tu_parse_iso(arg, &t, &err) < 0)
		rc = cli_usage_error("--now: %s", err.s);
	else {
		buf_addf(&v, "@%lld", (long long)t);
		setenv("HERMES_NOW", v.s, 1);
	}
	buf_release(&err);
	buf_release(&v);
	return rc;
}

/* Parse, open the board: 0 with *b set to go on; else an exit code, or
 * 0 with *b NULL when the verb is done (it printed --help). */
static int
begin(int argc, char **argv, int min, int max, struct cli_state *st,
    struct board **b)
{
	struct buf err = BUF_INIT;
	int rc;

	*b = NULL;
	if ((rc = cli_parse(st, argc, argv, min, max, on_opt)) != CLI_GO)
		return rc;
	if (o.now && (rc = set_now(o.now)) != 0)
		return rc;
	rc = hm_home_init(&err);
	if (rc == 0)
		rc = board_open(b, &err);
	return hm_exit_status(rc, &err);
}

/* The exit code of rc: an unknown task is 1, a lost race or a task in
 * the wrong state 4 (a retry may clear it), bad input 2. */
static int
done(struct board *b, int rc, struct buf *err)
{
	board_close(b);
	if (rc == -HM_ENOTFOUND)
		rc = -HM_EFAIL;
	return hm_exit_status(rc, err);
}

/* A TEXT operand or option value: itself, or stdin for "-". */
static char *
text_of(const char *arg)
{
	return arg ? cli_operand_text(arg) : NULL;
}

static int
cmd_add(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct task_new n;
	struct cli_state st;
	struct board *b;
	char *id = NULL, *body = NULL, *title;
	int rc;

	if ((rc = begin(argc, argv, 1, 1, &st, &b)) || !b)
		return rc;
	title = text_of(st.argv[0]);
	if (o.body && !(body = text_of(o.body)))
		rc = -HM_EFAIL;
	memset(&n, 0, sizeof(n));
	n.title = title;
	n.body = body;
	n.assignee = o.assignee;
	n.repo = o.repo;
	n.priority = o.priority;
	n.needs = o.needs;
	if (!title)
		rc = -HM_EFAIL;
	if (rc == 0)
		rc = board_add(b, &n, "cli", &id, &err);
	if (rc == 0)
		printf("%s\n", id);
	free(id);
	free(body);
	free(title);
	return done(b, rc, &err);
}

static int
cmd_link(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct cli_state st;
	struct board *b;
	int rc;

	if ((rc = begin(argc, argv, 2, 2, &st, &b)) || !b)
		return rc;
	rc = board_link(b, st.argv[0], st.argv[1], "cli", &err);
	if (rc == -HM_EINVAL)	/* a cycle: the operands were fine */
		rc = -HM_EFAIL;
	return done(b, rc, &err);
}

static void
iso(time_t t, struct buf *b)
{
	buf_reset(b);
	if (t)
		tu_format_iso(t, b);
	else
		buf_adds(b, "-");
}

static cJSON *
task_json(const struct task *t)
{
	cJSON *o = cJSON_CreateObject(), *p;
	struct buf b = BUF_INIT;
	char **s;

	cJSON_AddStringToObject(o, "id", t->id);
	cJSON_AddStringToObject(o, "title", t->title);
	cJSON_AddStringToObject(o, "status", task_status_name(t->status));
	cJSON_AddNumberToObject(o, "priority", (double)t->priority);
	cJSON_AddStringToObject(o, "assignee", t->assignee ? t->assignee :
	    "");
	if (t->body)
		cJSON_AddStringToObject(o, "body", t->body);
	if (t->result)
		cJSON_AddStringToObject(o, "result", t->result);
	if (t->reason)
		cJSON_AddStringToObject(o, "reason", t->reason);
	if (t->repo)
		cJSON_AddStringToObject(o, "repo", t->repo);
	if (t->workspace)
		cJSON_AddStringToObject(o, "workspace", t->workspace);
	if (t->branch)
		cJSON_AddStringToObject(o, "branch", t->branch);
	cJSON_AddNumberToObject(o, "attempts", (double)t->attempts);
	if (t->claim_worker) {
		cJSON_AddStringToObject(o, "worker", t->claim_worker);
		iso(t->lease, &b);
		cJSON_AddStringToObject(o, "lease", b.s);
	}
	p = cJSON_AddArrayToObject(o, "needs");
	for (s = t->parents; s && *s; s++)
		cJSON_AddItemToArray(p, cJSON_CreateString(*s));
	iso(t->created, &b);
	cJSON_AddStringToObject(o, "created", b.s);
	iso(t->updated, &b);
	cJSON_AddStringToObject(o, "updated", b.s);
	buf_release(&b);
	return o;
}

static int
print_task(const struct task *t, void *ctx)
{
	(void)ctx;
	if (jflag)
		json_print_line(task_json(t));
	else
		printf("%s\t%s\t%ld\t%s\t%s\n", t->id,
		    task_status_name(t->status), t->priority,
		    t->assignee && *t->assignee ? t->assignee : "-", t->title);
	return 0;
}

static int
cmd_list(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	enum task_status s;
	struct cli_state st;
	struct board *b;
	int rc;

	if ((rc = begin(argc, argv, 0, 0, &st, &b)) || !b)
		return rc;
	if (o.status && task_status_parse(o.status, &s) < 0) {
		board_close(b);
		return cli_usage_error("-s: '%s' is not a status (todo, ready, "
		    "claimed, done, failed, blocked)", o.status);
	}
	rc = board_list(b, o.status ? (int)s : -1, print_task, NULL, &err);
	return done(b, rc, &err);
}

static int
cmd_show(int argc, char **argv)
{
	struct buf err = BUF_INIT, hist = BUF_INIT, t = BUF_INIT;
	struct cli_state st;
	struct board *b;
	struct task k;
	char **p;
	int rc;

	if ((rc = begin(argc, argv, 1, 1, &st, &b)) || !b)
		return rc;
	memset(&k, 0, sizeof(k));
	rc = board_get(b, st.argv[0], &k, &err);
	if (rc == 0)
		rc = board_history(b, k.id, &hist, &err);
	if (rc == 0 && jflag) {
		cJSON *o = task_json(&k);

		cJSON_AddStringToObject(o, "history", hist.s ? hist.s : "");
		json_print_line(o);
	} else if (rc == 0) {
		printf("id: %s\ntitle: %s\nstatus: %s\npriority: %ld\n", k.id,
		    k.title, task_status_name(k.status), k.priority);
		if (k.assignee)
			printf("assignee: %s\n", k.assignee);
		for (p = k.parents; p && *p; p++)
			printf("needs: %s\n", *p);
		if (k.claim_worker) {
			iso(k.lease, &t);
			printf("worker: %s\nlease: %s\n", k.claim_worker, t.s);
		}
		printf("attempts: %ld\n", k.attempts);
		if (k.workspace)
			printf("workspace: %s\n", k.workspace);
		if (k.branch)
			printf("branch: %s\n", k.branch);
		if (k.reason)
			printf("reason: %s\n", k.reason);
		if (k.result)
			printf("result: %s\n", k.result);
		if (k.body)
			printf("\n%s\n", k.body);
		if (hist.len)
			printf("\n%s", hist.s);
	}
	task_release(&k);
	buf_release(&hist);
	buf_release(&t);
	return done(b, rc, &err);
}

/* The board for a person: one column a state, in colour on a terminal
 * unless NO_COLOR is set. */
static int
collect(const struct task *t, void *ctx)
{
	struct buf *cols = ctx;
	struct buf *c = &cols[t->status];

	buf_addf(c, "  %s %.60s%s\n", t->id, t->title, strlen(t->title) > 60 ?
	    "..." : "");
	return 0;
}

static int
cmd_board(int argc, char **argv)
{
	static const char *const colour[] = { "\033[2m", "\033[36m",
		"\033[33m", "\033[32m", "\033[31m", "\033[35m" };
	struct buf err = BUF_INIT, cols[6];
	struct cli_state st;
	struct board *b;
	int rc, i, tty = isatty(1) && !getenv("NO_COLOR");

	if ((rc = begin(argc, argv, 0, 0, &st, &b)) || !b)
		return rc;
	for (i = 0; i < 6; i++)
		memset(&cols[i], 0, sizeof(cols[i]));
	rc = board_list(b, -1, collect, cols, &err);
	for (i = 0; rc == 0 && i < 6; i++) {
		printf("%s%s%s\n%s", tty ? colour[i] : "",
		    task_status_name((enum task_status)i), tty ? "\033[0m" : "",
		    cols[i].len ? cols[i].s : "  -\n");
	}
	for (i = 0; i < 6; i++)
		buf_release(&cols[i]);
	return done(b, rc, &err);
}

/* A claim from the command line: the worker is $HERMES_KANBAN_WORKER
 * or "cli", and no pid (reclaim must never kill a person's shell). */
static const char *
worker(void)
{
	const char *w = getenv("HERMES_KANBAN_WORKER");

	return w && *w ? w : "cli";
}

static int
cmd_claim(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct cli_state st;
	struct board *b;
	char *id = NULL;
	int rc;

	if ((rc = begin(argc, argv, 0, 1, &st, &b)) || !b)
		return rc;
	if (o.next == (st.argc == 1)) {
		board_close(b);
		return cli_usage_error("give a task id or --next");
	}
	if (o.next) {
		rc = board_claim_next(b, worker(), 0, o.ttl ? o.ttl : 900,
		    tu_now(), &id, &err);
		if (rc == 0 && !id)
			rc = hm_fail(&err, HM_ECONFLICT, "no task is ready");
	} else {
		rc = board_claim(b, st.argv[0], worker(), 0, o.ttl ? o.ttl :
		    900, tu_now(), &err);
	}
	if (rc == 0)
		printf("%s\n", id ? id : st.argv[0]);
	free(id);
	return done(b, rc, &err);
}

/* heartbeat, complete, block, unblock, rm: one task, one change; the
 * verb is argv[0].  A worker's own name, from HERMES_KANBAN_WORKER,
 * makes the board check that it holds the claim. */
static int
change(int argc, char **argv)
{
	const char *w = getenv("HERMES_KANBAN_WORKER"), *id;
	struct buf err = BUF_INIT;
	struct cli_state st;
	struct board *b;
	char *r = NULL;
	int rc;

	if ((rc = begin(argc, argv, 1, 1, &st, &b)) || !b)
		return rc;
	id = st.argv[0];
	if (!strcmp(argv[0], "heartbeat")) {
		rc = board_heartbeat(b, id, w, o.ttl ? o.ttl : 900, tu_now(),
		    &err);
	} else if (!strcmp(argv[0], "complete")) {
		if (o.text && !(r = text_of(o.text)))
			rc = -HM_EFAIL;
		else
			rc = board_complete(b, id, w, r, &err);
	} else if (!strcmp(argv[0], "block")) {
		if (!o.text || !*o.text) {
			board_close(b);
			return cli_usage_error("block needs -r REASON");
		}
		rc = board_block(b, id, w, o.text, &err);
	} else if (!strcmp(argv[0], "unblock")) {
		rc = board_unblock(b, id, "cli", &err);
	} else if ((rc = board_rm(b, id, "cli", &err)) == 0) {
		printf("%s\n", id);
	}
	free(r);
	return done(b, rc, &err);
}

static int
cmd_comment(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct cli_state st;
	struct board *b;
	char *text;
	int rc;

	if ((rc = begin(argc, argv, 2, 2, &st, &b)) || !b)
		return rc;
	if (!(text = text_of(st.argv[1]))) {
		board_close(b);
		return HM_EXIT_FAIL;
	}
	rc = board_comment(b, st.argv[0], worker(), text, &err);
	free(text);
	return done(b, rc, &err);
}

static int
cmd_reclaim(int argc, char **argv)
{
	struct config cfg = CONFIG_INIT;
	struct buf err = BUF_INIT;
	struct cli_state st;
	struct board *b;
	long max = 2;
	size_t n = 0;
	int rc;

	if ((rc = begin(argc, argv, 0, 0, &st, &b)) || !b)
		return rc;
	rc = config_load(&cfg, &err);
	if (rc == 0)
		rc = config_get_long(&cfg, "kanban.max_attempts", &max, &err);
	if (rc == 0)
		rc = board_reclaim(b, tu_now(), max, dispatch_stop_worker,
		    NULL, &n, &err);
	if (rc == 0)
		fprintf(stderr, "%s: %zu lease%s expired\n", hm_prog, n,
		    n == 1 ? "" : "s");
	config_release(&cfg);
	return done(b, rc, &err);
}

/* Its news go to stderr; a run whose workers all failed (at least one,
 * and none done) is a failure of the work. */
static int
cmd_dispatch(int argc, char **argv)
{
	struct config cfg = CONFIG_INIT;
	struct dispatch_stats ds;
	struct dispatch_opts d;
	struct buf err = BUF_INIT;
	struct cli_state st;
	struct board *b;
	int rc;

	if ((rc = begin(argc, argv, 0, 0, &st, &b)) || !b)
		return rc;
	if (o.once && o.until_done) {
		board_close(b);
		return cli_usage_error("--once or --until-done, not both");
	}
	memset(&d, 0, sizeof(d));
	d.once = o.once;
	d.until_done = o.until_done;
	d.max = o.max;
	d.report = stderr;
	rc = config_load(&cfg, &err);
	if (rc == 0) {
		sig_catch_interrupt();
		rc = dispatch_run(b, &cfg, &d, &ds, &err);
	}
	if (rc == 0 && ds.failed > 0 && ds.done == 0)
		rc = hm_fail(&err, HM_EFAIL, "no worker finished its task: "
		    "%ld failed", ds.failed);
	config_release(&cfg);
	return done(b, rc, &err);
}

static int
cmd_plan(int argc, char **argv)
{
	struct config cfg = CONFIG_INIT;
	struct buf err = BUF_INIT, ids = BUF_INIT;
	struct cli_state st;
	struct board *b;
	char *goal;
	int rc;

	if ((rc = begin(argc, argv, 1, 1, &st, &b)) || !b)
		return rc;
	if (!(goal = text_of(st.argv[0]))) {
		board_close(b);
		return HM_EXIT_FAIL;
	}
	rc = config_load(&cfg, &err);
	if (rc == 0)
		rc = plan_goal(b, &cfg, goal, o.assignee, o.repo, &ids, &err);
	if (rc == -HM_EINVAL)	/* the model's plan was bad, not the goal */
		rc = -HM_EFAIL;
	if (rc == 0)
		fputs(ids.s ? ids.s : "", stdout);
	free(goal);
	buf_release(&ids);
	config_release(&cfg);
	return done(b, rc, &err);
}

/* Task ids for the shell; never complains. */
static int
complete_one(const struct task *t, void *ctx)
{
	(void)ctx;
	printf("%s\n", t->id);
	return 0;
}

static void
complete_ids(void)
{
	struct buf err = BUF_INIT;
	struct board *b;

	if (hm_home_init(&err) == 0 && board_open(&b, &err) == 0) {
		board_list(b, -1, complete_one, NULL, &err);
		board_close(b);
	}
	buf_release(&err);
}

static const struct cli_verb verbs[] = {
	{ "add", cmd_add, "TITLE|-", "add a task; prints its id", add_opts,
	    NULL },
	{ "link", cmd_link, "CHILD PARENT", "CHILD needs PARENT done first",
	    NULL, complete_ids },
	{ "list", cmd_list, "", "print id, status, priority, assignee and "
	    "title, one task a line", list_opts, NULL },
	{ "show", cmd_show, "ID", "print a task, its comments and events",
	    NULL, complete_ids },
	{ "board", cmd_board, "", "print the board, one column a state",
	    NULL, NULL },
	{ "claim", cmd_claim, "[ID]", "claim a ready task; prints its id, "
	    "exits 4 when it is taken", claim_opts, complete_ids },
	{ "heartbeat", change, "ID", "extend the lease of a claim",
	    heartbeat_opts, complete_ids },
	{ "complete", change, "ID", "mark a task done", result_opts,
	    complete_ids },
	{ "block", change, "ID", "mark a task blocked, with a reason",
	    reason_opts, complete_ids },
	{ "unblock", change, "ID", "make a blocked task ready again",
	    NULL, complete_ids },
	{ "comment", cmd_comment, "ID TEXT|-", "add a comment", NULL,
	    complete_ids },
	{ "reclaim", cmd_reclaim, "", "return tasks whose lease expired",
	    reclaim_opts, NULL },
	{ "dispatch", cmd_dispatch, "", "run workers for ready tasks",
	    dispatch_opts, NULL },
	{ "plan", cmd_plan, "GOAL|-", "have the model break a goal into "
	    "linked tasks; prints their ids", plan_opts, NULL },
	{ "rm", change, "ID", "remove a task", NULL, complete_ids },
	{ NULL, NULL, NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	static const struct cli_cmd cmd = {
		"hermes-kanban",
		"The multi-agent board: tasks, links, claims, and a dispatcher "
		    "that runs workers.",
		global_opts, verbs, on_global, NULL, NULL, NULL
	};

	hm_init(argc, argv, HM_SOCKETS);
	return hm_finish(cli_run(&cmd, argc, argv));
}
