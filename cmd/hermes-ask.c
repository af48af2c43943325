/*
 * hermes-ask: the agent, one prompt from the command line or a pipe.
 *
 * The prompt is the operands; piped stdin is added after them, so
 * "git diff | hermes-ask review this" works.  The answer streams to
 * stdout, one line per tool call goes to stderr.  Everything else lives
 * in libcommon: provider.c (the API), agent.c (the loop), prompt.c (the
 * system prompt), toolreg.c (tools), session.c (state.db).  Cron, the
 * gateway and the board run this command as a child and read --json.
 */
#include <cjson/cJSON.h>

#include "common.h"
#include "agent.h"
#include "answer.h"
#include "approve.h"
#include "chat.h"
#include "cli.h"
#include "config.h"
#include "goal.h"
#include "http.h"
#include "json.h"
#include "path.h"
#include "roots.h"
#include "session.h"
#include "sig.h"
#include "timeutil.h"
#include "tool_mcp.h"
#include "tool_terminal.h"

enum {
	OPT_JSON = 0x100, OPT_NO_STREAM, OPT_NO_TOOLS, OPT_MAX_TURNS,
	OPT_SCHEMA, OPT_DRY_RUN, OPT_SOURCE, OPT_GOAL
};

static const struct cli_opt opts[] = {
	{ "model", 'm', 1, "MODEL", "use this model" },
	{ "continue", 'c', 0, NULL, "continue the latest session" },
	{ "session", 's', 1, "ID", "continue session ID" },
	{ "personality", 'p', 1, "NAME", "use personalities/NAME.md as SOUL" },
	{ "toolsets", 't', 1, "SET,...", "only these toolsets" },
	{ "no-tools", OPT_NO_TOOLS, 0, NULL, "offer the model no tools" },
	{ "max-turns", OPT_MAX_TURNS, 1, "N", "at most N model calls (exit 3)" },
	{ "json", OPT_JSON, 0, NULL, "print one JSON object at the end" },
	{ "no-stream", OPT_NO_STREAM, 0, NULL, "ask for the answer in one piece" },
	{ "quiet", 'q', 0, NULL, "no tool-call lines on stderr" },
	{ "extract", 'x', 0, NULL, "print only the first fenced code block" },
	{ "schema", OPT_SCHEMA, 1, "JSON|@FILE", "answer as JSON valid here" },
	{ "no-log", 'n', 0, NULL, "store nothing in state.db" },
	{ "dry-run", OPT_DRY_RUN, 0, NULL, "print the request, send nothing" },
	{ "source", OPT_SOURCE, 1, "NAME", "session source (default cli)" },
	{ "goal", OPT_GOAL, 1, "OBJECTIVE", "work in turns until a judge says "
	    "it is met" },
	{ NULL, 0, 0, NULL, NULL }
};

static struct {
	const char *model, *session, *personality, *toolsets, *schema;
	const char *source, *max_turns, *goal;
	int cont, no_tools, json, no_stream, quiet, extract, no_log, dry_run;
} o;

static struct mcp_tools *mcp;	/* MCP servers' tools, tool_mcp.h */

static int
on_opt(int c, const char *arg)
{
	switch (c) {
	case 'm': o.model = arg; break;
	case 'c': o.cont = 1; break;
	case 's': o.session = arg; break;
	case 'p': o.personality = arg; break;
	case 't': o.toolsets = arg; break;
	case OPT_NO_TOOLS: o.no_tools = 1; break;
	case OPT_MAX_TURNS: o.max_turns = arg; break;
	case OPT_JSON: o.json = 1; break;
	case OPT_NO_STREAM: o.no_stream = 1; break;
	case 'q': o.quiet = 1; break;
	case 'x': o.extract = 1; break;
	case OPT_SCHEMA: o.schema = arg; break;
	case 'n': o.no_log = 1; break;
	case OPT_DRY_RUN: o.dry_run = 1; break;
	case OPT_SOURCE: o.source = arg; break;
	case OPT_GOAL: o.goal = arg; break;
	}
	return 0;
}

/* The operands, then piped stdin. */
static int
read_prompt(int argc, char **argv, struct buf *p)
{
	struct buf in = BUF_INIT;
	int i;

	for (i = 0; i < argc; i++) {
		if (i)
			buf_addc(p, ' ');
		buf_adds(p, argv[i]);
	}
	if (!isatty(0)) {
		if (buf_read_fd(&in, 0) < 0) {
			hm_error("cannot read standard input: %s",
			    strerror(errno));
			buf_release(&in);
			return -1;
		}
		buf_rtrim(&in);
		if (in.len) {
			if (p->len)
				buf_adds(p, "\n\n");
			buf_add(p, in.s, in.len);
		}
		buf_release(&in);
	}
	return 0;
}

static cJSON *
load_schema(const char *arg)
{
	struct buf b = BUF_INIT;
	cJSON *s;

	if (arg[0] == '@') {
		if (buf_read_file(&b, arg + 1) < 0) {
			hm_error("cannot read schema '%s': %s", arg + 1,
			    strerror(errno));
			return NULL;
		}
		arg = b.s;
	}
	s = cJSON_Parse(arg);
	if (!cJSON_IsObject(s)) {
		hm_error("--schema: not a JSON object");
		cJSON_Delete(s);
		s = NULL;
	}
	buf_release(&b);
	return s;
}

static void
print_json(const struct agent *a, const char *id, const char *error)
{
	json_print_line(agent_json(a, id, error));
}

static int
dry_run(struct agent *a, const char *prompt)
{
	struct buf body = BUF_INIT, err = BUF_INIT, fixed = BUF_INIT;
	struct provider_call call;
	struct conv one = CONV_INIT;
	char *url, *text;
	int rc;

	if ((rc = agent_system(a, &err)) < 0) {
		hm_report(&err);
		buf_release(&err);
		return hm_exit_code(rc);
	}
	memset(&call, 0, sizeof(call));
	toolreg_sync(a->tools);
	call.tools = a->tools->n ? toolreg_schemas(a->tools) : NULL;
	call.tools_json = a->tools->n ? toolreg_schemas_json(a->tools) : NULL;
	call.schema = a->schema;
	conv_add(&one, MSG_SYSTEM, a->conv.m[0].content);
	call.conv = &one;
	provider_request(a->prov, a->prov->model, &call, &fixed);
	text = prompt_with_context(prompt, a->source, tu_now());
	conv_add(&a->conv, MSG_USER, text);
	free(text);
	call.conv = &a->conv;
	provider_request(a->prov, a->prov->model, &call, &body);
	url = provider_url(a->prov);
	printf("%s\n", body.s);
	fprintf(stderr, "%s: POST %s: %zu bytes, ~%zu tokens; fixed part "
	    "(system prompt and tools): %zu bytes, ~%zu tokens\n", hm_prog,
	    url, body.len, (body.len + 3) / 4, fixed.len,
	    (fixed.len + 3) / 4);
	free(url);
	conv_release(&one);
	buf_release(&fixed);
	buf_release(&body);
	buf_release(&err);
	return HM_EXIT_OK;
}

/*
 * The per-session choices kept with the session: a -p is remembered, and
 * a continued session gets its personality back and carries on with an
 * unmet goal.  0 or an exit code.
 */
static int
session_state(struct agent *a, char **personality, char **goal)
{
	struct buf err = BUF_INIT;
	int rc = 0;

	if (!a->sdb || !a->session_id)
		return 0;
	if (o.personality) {
		rc = session_meta_set(a->sdb, a->session_id, "personality",
		    o.personality, &err);
	} else if (o.cont || o.session) {
		*personality = session_meta_get(a->sdb, a->session_id,
		    "personality");
		if (*personality) {
			a->popts.personality = *personality;
			rc = agent_system(a, &err);
		}
	}
	if (rc == 0 && !o.goal && (o.cont || o.session))
		*goal = session_meta_get(a->sdb, a->session_id, "goal");
	return hm_exit_status(rc, &err);
}

/* Build the system prompt once before anything is stored, so a missing
 * personality fails before a session is created. */
static int
check_prompt(struct agent *a)
{
	struct buf err = BUF_INIT;
	int rc = agent_system(a, &err);

	return hm_exit_status(rc, &err);
}

/* Open state.db and pick or create the session; 0 or an exit code. */
static int
open_session(struct agent *a, struct session_db **sdb, char **id,
    const struct config *cfg)
{
	struct session_info info;
	struct buf err = BUF_INIT;
	char cwd[PATH_MAX];
	int rc;

	(void)cfg;
	rc = session_db_open(sdb, &err);
	if (rc == 0 && o.cont)
		rc = session_latest(*sdb, o.source ? o.source : "cli", id, &err);
	if (rc == 0 && o.session) {
		memset(&info, 0, sizeof(info));
		rc = session_get(*sdb, o.session, &info, &err);
		if (rc == 0)
			*id = xstrdup(info.id);
		session_info_release(&info);
	}
	if (rc == 0 && *id)
		rc = session_load(*sdb, *id, &a->conv, &err);
	if (rc == 0 && !*id && !o.dry_run) {
		memset(&info, 0, sizeof(info));
		info.source = (char *)(o.source ? o.source : "cli");
		info.model = a->prov->model;
		info.cwd = getcwd(cwd, sizeof(cwd)) ? cwd : NULL;
		info.profile = (char *)hm_profile();
		rc = session_new(*sdb, &info, id, &err);
	}
	return hm_exit_status(rc, &err);
}

static int
finish(struct agent *a, const char *id, int rc, struct buf *err)
{
	struct buf out = BUF_INIT;

	if (rc == AGENT_INTERRUPTED) {
		if (o.json)
			print_json(a, id, "interrupted");
		hm_error("interrupted%s%s", id ? "; session saved: " : "",
		    id ? id : "");
		return HM_EXIT_INTERRUPTED;
	}
	if (rc == AGENT_PIPE)
		return HM_EXIT_PIPE;
	if (rc == AGENT_BUDGET) {
		if (o.json)
			print_json(a, id, "max turns reached");
		hm_error("stopped after %ld model calls (--max-turns)%s%s",
		    a->turns, id ? "; continue with -s " : "", id ? id : "");
		return HM_EXIT_BUDGET;
	}
	if (rc < 0) {
		if (o.json)
			print_json(a, id, buf_str(err));
		hm_report(err);
		if (id)
			hm_error("session saved: %s", id);
		return HM_EXIT_FAIL;
	}
	if (o.json) {
		print_json(a, id, NULL);
	} else if (o.extract) {
		if (answer_fence(a->text, &out) < 0) {
			hm_error("no fenced code block in the answer");
			return HM_EXIT_FAIL;
		}
		fwrite(out.s, 1, out.len, stdout);
	} else if (a->schema) {
		cJSON *j = answer_json(a->text);
		char *txt = j ? cJSON_PrintUnformatted(j) : NULL;

		printf("%s\n", txt ? txt : a->text);
		cJSON_free(txt);
		cJSON_Delete(j);
	} else if (!a->stream) {
		fputs(a->text, stdout);
		if (!*a->text || a->text[strlen(a->text) - 1] != '\n')
			putchar('\n');
	}
	buf_release(&out);
	return HM_EXIT_OK;
}

static int
ask(struct agent *a, const char *prompt, const char *id,
    const char *objective, const struct config *cfg)
{
	struct buf err = BUF_INIT, why = BUF_INIT;
	int rc;

	if (objective)
		rc = goal_run(a, objective, prompt, config_get(cfg,
		    "goals.judge_model", NULL), &err);
	else
		rc = agent_ask(a, prompt, &err);
	if (rc == 0 && a->schema && answer_check(a->schema, a->text, &why) < 0) {
		{
			struct buf again = BUF_INIT;

			buf_addf(&again, "Your answer does not validate against "
			    "the schema: %s. Reply with only the corrected "
			    "JSON.", why.s);
			rc = agent_ask(a, again.s, &err);
			buf_release(&again);
			buf_reset(&why);
			if (rc == 0 && answer_check(a->schema, a->text, &why) < 0)
				rc = hm_fail(&err, HM_EFAIL, "the answer does "
				    "not validate against the schema: %s",
				    why.s);
		}
	}
	rc = finish(a, id, rc, &err);
	buf_release(&why);
	buf_release(&err);
	return rc;
}

/* The tools' environment (toolreg.h): a person can answer approval
 * prompts only on a terminal and not under --json, whose callers are
 * unattended.  0 or an exit code. */
static int
tool_setup(struct agent *a, struct config *cfg, struct approve *appr,
    struct roots *roots, char *cwd)
{
	struct buf err = BUF_INIT;
	int rc = tool_env_init(&a->env, cfg, o.json, roots, appr, cwd, &err);

	return hm_exit_status(rc, &err);
}

static int
setup(struct agent *a, struct config *cfg, struct provider *prov,
    struct toolreg *tools, int *rc)
{
	struct buf err = BUF_INIT;

	*rc = hm_home_init(&err);
	if (*rc == 0)
		*rc = config_load(cfg, &err);
	if (*rc == 0 && o.model)
		config_set_flag(cfg, "model", o.model);
	if (*rc == 0 && o.max_turns)
		config_set_flag(cfg, "agent.max_turns", o.max_turns);
	if (*rc == 0 && o.dry_run && !config_get(cfg, "HERMES_API_KEY", NULL))
		config_set_flag(cfg, "HERMES_API_KEY", "dry-run");
	if (*rc == 0)
		*rc = provider_from_config(prov, cfg, &err);
	if (*rc == 0)
		*rc = toolreg_init(tools, o.no_tools ? "" : o.toolsets, &err);
	if (*rc == 0)
		mcp_tools_load(&mcp, tools, cfg, o.no_tools ? "" : o.toolsets);
	if (*rc == 0)
		*rc = agent_configure(a, cfg, &err);
	if (*rc < 0) {
		hm_report(&err);
		*rc = hm_exit_code(*rc);
		buf_release(&err);
		return -1;
	}
	buf_release(&err);
	return 0;
}

static int
run(int argc, char **argv)
{
	struct config cfg = CONFIG_INIT;
	struct session_db *sdb = NULL;
	struct toolreg tools = TOOLREG_INIT;
	struct provider prov;
	struct buf prompt = BUF_INIT;
	struct cli_state st;
	struct agent a;
	struct approve appr;
	struct roots roots;
	cJSON *schema = NULL;
	char *id = NULL, cwd[PATH_MAX];
	char *meta_personality = NULL, *meta_goal = NULL;
	int rc, chat;

	memset(&prov, 0, sizeof(prov));
	memset(&appr, 0, sizeof(appr));
	memset(&roots, 0, sizeof(roots));
	agent_init(&a);
	if ((rc = cli_parse(&st, argc, argv, 0, -1, on_opt)) != CLI_GO)
		return rc;
	if (o.cont && o.session)
		return cli_usage_error("-c and -s cannot be used together");
	if (o.no_log && (o.cont || o.session))
		return cli_usage_error("-n stores nothing, so it cannot continue "
		    "a session (-c, -s)");
	if (o.schema && !(schema = load_schema(o.schema)))
		return HM_EXIT_USAGE;
	if (read_prompt(st.argc, st.argv, &prompt) < 0) {
		rc = HM_EXIT_FAIL;
		goto out;
	}
	chat = !prompt.len && isatty(0) && !o.goal && !o.json &&
	    !o.dry_run && !o.extract && !schema;
	if (!prompt.len && !chat && !o.goal && !o.cont && !o.session) {
		rc = cli_usage_error("no prompt given");
		goto out;
	}
	if (setup(&a, &cfg, &prov, &tools, &rc) < 0)
		goto out;
	prov.quiet = 0;	/* retry notes are diagnostics, not tool lines */
	if (o.no_stream)
		prov.stream = 0;
	a.prov = &prov;
	a.tools = &tools;
	a.source = o.source ? o.source : "cli";
	a.env.cfg = &cfg;
	a.schema = schema;
	a.quiet = o.quiet;
	a.stream = prov.stream && !o.json && !o.extract && !schema;
	a.popts.personality = o.personality;
	a.popts.memory_tool = toolreg_find(&tools, "memory") != NULL;
	if ((rc = tool_setup(&a, &cfg, &appr, &roots, cwd)))
		goto out;
	if (o.dry_run) {
		if ((o.cont || o.session) &&
		    (rc = open_session(&a, &sdb, &id, &cfg)))
			goto out;
		rc = dry_run(&a, prompt.s);
		goto out;
	}
	if ((rc = check_prompt(&a)))
		goto out;
	if (!o.no_log && (rc = open_session(&a, &sdb, &id, &cfg)))
		goto out;
	a.sdb = sdb;
	a.session_id = id;
	a.env.sdb = sdb;
	a.env.session_id = id;
	if ((rc = session_state(&a, &meta_personality, &meta_goal)))
		goto out;
	sig_catch_interrupt();
	if (chat) {
		struct chat c;

		memset(&c, 0, sizeof(c));
		c.agent = &a;
		c.sdb = sdb;
		c.session_id = &id;
		c.cfg = &cfg;
		c.source = o.source ? o.source : "cli";
		rc = chat_run(&c);
		goto out;
	}
	if (!prompt.len && !o.goal && !meta_goal) {
		rc = cli_usage_error("no prompt given");
		goto out;
	}
	rc = ask(&a, prompt.s, id, o.goal ? o.goal : meta_goal, &cfg);
out:
	terminal_cleanup();
	approve_release(&appr);
	roots_release(&roots);
	session_db_close(sdb);
	agent_release(&a);
	mcp_tools_release(mcp);
	toolreg_release(&tools);
	provider_release(&prov);
	config_release(&cfg);
	cJSON_Delete(schema);
	buf_release(&prompt);
	free(id);
	free(meta_personality);
	free(meta_goal);
	http_cleanup();
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct cli_cmd cmd = {
		"hermes-ask",
		"Ask the agent: the prompt is the arguments, then piped stdin.",
		opts, NULL, NULL, NULL, run, "[PROMPT...]"
	};

	hm_init(argc, argv, HM_SOCKETS);
	return hm_finish(cli_run(&cmd, argc, argv));
}
