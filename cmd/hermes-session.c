/*
 * hermes-session: list, show, search, export and delete past sessions.
 *
 * Everything is in $HERMES_HOME/state.db, owned by libcommon/session.c
 * (schema, FTS5 index, transactions); this file parses, calls and prints.
 * Reads take no lock (WAL); rm and prune are one transaction each.
 * Completion of ids opens the database read-only and never creates it.
 */
#include <time.h>

#include "common.h"
#include "cli.h"
#include "json.h"
#include "num.h"
#include "session.h"

enum { OPT_JSON = 0x100, OPT_SOURCE, OPT_FORMAT, OPT_OLDER };
enum { FMT_MD, FMT_JSONL };

#define COMPLETE_MAX 20

static int jflag, format = FMT_MD;
static long limit, older = -1;
static const char *source;

static const struct cli_opt global_opts[] = {
	{ "json", OPT_JSON, 0, NULL,
	    "list, show, search: JSON (one object a line for lists)" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt list_opts[] = {
	{ "limit", 'n', 1, "N", "at most N sessions, newest first" },
	{ "source", OPT_SOURCE, 1, "S", "only sessions from source S" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt search_opts[] = {
	{ "limit", 'n', 1, "N",
	    "at most N hits, best first (default all, up to 1000)" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt export_opts[] = {
	{ "format", OPT_FORMAT, 1, "md|jsonl", "Markdown (default) or JSONL" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt prune_opts[] = {
	{ "older-than", OPT_OLDER, 1, "DAYS",
	    "remove sessions idle for more than DAYS days" },
	{ NULL, 0, 0, NULL, NULL }
};

static int
on_opt(int c, const char *arg)
{
	switch (c) {
	case OPT_JSON:
		jflag = 1;
		break;
	case 'n':
		if (hm_parse_long(arg, 1, LONG_MAX, &limit) < 0)
			return cli_usage_error("invalid count '%s'", arg);
		break;
	case OPT_SOURCE:
		source = arg;
		break;
	case OPT_FORMAT:
		if (!strcmp(arg, "md"))
			format = FMT_MD;
		else if (!strcmp(arg, "jsonl"))
			format = FMT_JSONL;
		else
			return cli_usage_error("unknown format '%s' (md or "
			    "jsonl)", arg);
		break;
	case OPT_OLDER:
		if (hm_parse_long(arg, 0, 1000000, &older) < 0)
			return cli_usage_error("invalid number of days '%s'",
			    arg);
		break;
	}
	return 0;
}

/* Report err and release it; the exit code for rc. */
static int
done(int rc, struct buf *err)
{
	if (rc < 0)
		hm_report(err);
	buf_release(err);
	return hm_exit_code(rc);
}

static int
open_db(struct session_db **sdb)
{
	struct buf err = BUF_INIT;

	return done(session_db_open(sdb, &err), &err);
}

static void
iso(char *s, size_t size, double t)
{
	time_t secs = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&secs, &tm) || !strftime(s, size, "%Y-%m-%dT%H:%M:%SZ",
	    &tm))
		snprintf(s, size, "?");
}

/* A TSV field: tabs and line breaks as spaces, NULL as empty. */
static void
field(const char *s, int last)
{
	for (; s && *s; s++)
		putchar(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
	putchar(last ? '\n' : '\t');
}

static int
cmd_list(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct session_info *rows, *s;
	struct session_db *sdb;
	struct cli_state st;
	size_t i, n;
	char t[32];
	int rc;

	if ((rc = cli_parse(&st, argc, argv, 0, 0, on_opt)) != CLI_GO ||
	    (rc = open_db(&sdb)))
		return rc;
	rc = session_list(sdb, source, limit, &rows, &n, &err);
	for (i = 0; rc == 0 && i < n; i++) {
		s = &rows[i];
		if (jflag) {
			json_print_line(session_info_json(s));
			continue;
		}
		iso(t, sizeof(t), s->started);
		printf("%s\t%s\t", s->id, t);
		field(s->source, 0);
		field(s->model, 0);
		printf("%ld\t%ld\t%ld\t%ld\t", s->messages, s->usage.input,
		    s->usage.output, s->usage.cached);
		field(s->title, 1);
	}
	if (rc == 0)
		session_list_free(rows, n);
	session_db_close(sdb);
	return done(rc, &err);
}

static int
cmd_search(int argc, char **argv)
{
	struct buf err = BUF_INIT, q = BUF_INIT;
	struct session_hit *hits;
	struct session_db *sdb;
	struct cli_state st;
	size_t i, n;
	cJSON *o;
	int rc;

	if ((rc = cli_parse(&st, argc, argv, 1, -1, on_opt)) != CLI_GO ||
	    (rc = open_db(&sdb)))
		return rc;
	for (i = 0; i < (size_t)st.argc; i++)	/* words as one query */
		buf_addf(&q, "%s%s", i ? " " : "", st.argv[i]);
	rc = session_search(sdb, buf_str(&q), limit, &hits, &n, &err);
	buf_release(&q);
	for (i = 0; rc == 0 && i < n; i++) {
		if (!jflag) {
			printf("%s\t%ld\t", hits[i].session, hits[i].message);
			field(hits[i].snippet, 1);
			continue;
		}
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "session", hits[i].session);
		cJSON_AddNumberToObject(o, "message", (double)hits[i].message);
		cJSON_AddStringToObject(o, "role", hits[i].role);
		cJSON_AddStringToObject(o, "snippet", hits[i].snippet);
		cJSON_AddNumberToObject(o, "ts", hits[i].ts);
		json_print_line(o);
	}
	if (rc == 0)
		session_hits_free(hits, n);
	session_db_close(sdb);
	return done(rc, &err);
}

/* Load session ID: its info and its conversation. */
static int
load(const char *id, struct session_info *info, struct conv *c)
{
	struct buf err = BUF_INIT;
	struct session_db *sdb;
	int rc;

	if ((rc = open_db(&sdb)))
		return rc;
	rc = session_get(sdb, id, info, &err);
	if (rc == 0 && (rc = session_load(sdb, info->id, c, &err)) < 0)
		session_info_release(info);
	session_db_close(sdb);
	return done(rc, &err);
}

static void
show_text(const struct session_info *s, const struct conv *c)
{
	const char *const head[][2] = { { "session", s->id },
	    { "title", s->title }, { "source", s->source },
	    { "model", s->model }, { "cwd", s->cwd },
	    { "profile", s->profile }, { "parent", s->parent } };
	const struct message *m;
	size_t i, k;
	char t[32];

	for (i = 0; i < HM_ARRAY_SIZE(head); i++)
		if (head[i][1])
			printf("%-8s %s\n", head[i][0], head[i][1]);
	iso(t, sizeof(t), s->started);
	printf("started  %s\n", t);
	iso(t, sizeof(t), s->last);
	printf("last     %s\n", t);
	for (i = 0; i < c->n; i++) {
		m = &c->m[i];
		putchar('\n');
		if (m->role == MSG_TOOL)
			printf("tool %s: %s\n", m->tool_name ? m->tool_name :
			    "?", m->content ? m->content : "");
		else if (m->content && *m->content)
			printf("%s: %s\n", msg_role_name(m->role), m->content);
		for (k = 0; k < m->ncalls; k++)
			printf("assistant -> %s %s\n", m->calls[k].name,
			    m->calls[k].args);
	}
	printf("\nmessages %ld, tool calls %ld, tokens: input %ld, output %ld, "
	    "cached %ld\n", s->messages, s->tool_calls, s->usage.input,
	    s->usage.output, s->usage.cached);
}

static void
show_json(const struct session_info *s, const struct conv *c)
{
	cJSON *o = session_info_json(s), *a;
	size_t i;

	a = cJSON_AddArrayToObject(o, "conversation");
	for (i = 0; i < c->n; i++)
		cJSON_AddItemToArray(a, session_message_json(&c->m[i]));
	json_print_line(o);
}

static void
export_jsonl(const struct conv *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		json_print_line(session_message_json(&c->m[i]));
}

/* Markdown blocks are separated by one blank line, none at the end. */
static void
block(int *first)
{
	if (!*first)
		putchar('\n');
	*first = 0;
}

/* s as a code block, its fence longer than any run of backticks in s. */
static void
fenced(int *first, const char *info, const char *s)
{
	size_t run = 0, most = 2, i, n = strlen(s);

	for (i = 0; i < n; i++) {
		run = s[i] == '`' ? run + 1 : 0;
		if (run > most)
			most = run;
	}
	block(first);
	for (i = 0; i <= most; i++)
		putchar('`');
	printf("%s\n%s%s", info, s, n && s[n - 1] != '\n' ? "\n" : "");
	for (i = 0; i <= most; i++)
		putchar('`');
	putchar('\n');
}

static void
export_md(const struct session_info *s, const struct conv *c)
{
	static const char *const head[] = { "System", "User", "Assistant",
	    "Tool" };
	const struct message *m;
	int first = 1;
	size_t i, k;
	char t[32];

	block(&first);
	printf("# %s\n\n", s->title ? s->title : s->id);
	iso(t, sizeof(t), s->started);
	printf("- Session: `%s`\n- Started: %s\n- Source: %s\n", s->id, t,
	    s->source ? s->source : "");
	if (s->model)
		printf("- Model: %s\n", s->model);
	printf("- Usage: %ld input, %ld output, %ld cached tokens\n",
	    s->usage.input, s->usage.output, s->usage.cached);
	for (i = 0; i < c->n; i++) {
		m = &c->m[i];
		block(&first);
		if (m->role == MSG_TOOL) {
			printf("## Tool result: `%s`\n", m->tool_name ?
			    m->tool_name : "?");
			fenced(&first, "", m->content ? m->content : "");
			continue;
		}
		printf("## %s\n", head[m->role]);
		if (m->content && *m->content) {
			block(&first);
			printf("%s\n", m->content);
		}
		for (k = 0; k < m->ncalls; k++) {
			block(&first);
			printf("Tool call `%s`:\n", m->calls[k].name);
			fenced(&first, "json", m->calls[k].args);
		}
	}
}

/* show and export: load session ID and print it. */
static int
print_session(int argc, char **argv, int export)
{
	struct session_info info;
	struct conv c = CONV_INIT;
	struct cli_state st;
	int rc;

	if ((rc = cli_parse(&st, argc, argv, 1, 1, on_opt)) != CLI_GO ||
	    (rc = load(st.argv[0], &info, &c)))
		return rc;
	if (export && format == FMT_JSONL)
		export_jsonl(&c);
	else if (export)
		export_md(&info, &c);
	else if (jflag)
		show_json(&info, &c);
	else
		show_text(&info, &c);
	conv_release(&c);
	session_info_release(&info);
	return HM_EXIT_OK;
}

static int
cmd_show(int argc, char **argv)
{
	return print_session(argc, argv, 0);
}

static int
cmd_export(int argc, char **argv)
{
	return print_session(argc, argv, 1);
}

static int
cmd_rm(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct session_info info;
	struct session_db *sdb;
	struct cli_state st;
	int rc;

	if ((rc = cli_parse(&st, argc, argv, 1, 1, on_opt)) != CLI_GO ||
	    (rc = open_db(&sdb)))
		return rc;
	rc = session_get(sdb, st.argv[0], &info, &err);
	if (rc == 0) {
		if ((rc = session_rm(sdb, info.id, &err)) == 0)
			printf("%s\n", info.id);
		session_info_release(&info);
	}
	session_db_close(sdb);
	return done(rc, &err);
}

static int
cmd_prune(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct session_db *sdb;
	struct cli_state st;
	long n = 0;
	int rc;

	if ((rc = cli_parse(&st, argc, argv, 0, 0, on_opt)) != CLI_GO)
		return rc;
	if (older < 0)
		return cli_usage_error("prune: --older-than DAYS is required");
	if ((rc = open_db(&sdb)))
		return rc;
	rc = session_prune(sdb, (double)older, &n, &err);
	if (rc >= 0)
		printf("%ld\n", n);
	session_db_close(sdb);
	return done(rc, &err);
}

/* Recent ids for the shell; never creates state.db, never complains. */
static void
complete_ids(void)
{
	struct buf err = BUF_INIT;
	struct session_info *rows;
	struct session_db *sdb;
	size_t i, n;

	if (session_db_open_ro(&sdb, &err) == 0) {
		if (session_list(sdb, NULL, COMPLETE_MAX, &rows, &n,
		    &err) == 0) {
			for (i = 0; i < n; i++)
				printf("%s\n", rows[i].id);
			session_list_free(rows, n);
		}
		session_db_close(sdb);
	}
	buf_release(&err);
}

static const struct cli_verb verbs[] = {
	{ "list", cmd_list, "", "print one session a line, newest first",
	    list_opts, NULL },
	{ "show", cmd_show, "ID", "print a session and its conversation",
	    NULL, complete_ids },
	{ "search", cmd_search, "QUERY...",
	    "full-text search: session, message and snippet a line",
	    search_opts, NULL },
	{ "export", cmd_export, "ID", "print a session as Markdown or JSONL",
	    export_opts, complete_ids },
	{ "rm", cmd_rm, "ID", "delete a session and its messages", NULL,
	    complete_ids },
	{ "prune", cmd_prune, "", "delete sessions idle for DAYS days",
	    prune_opts, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	static const struct cli_cmd cmd = {
		.name = "hermes-session",
		.summary = "List, show, search, export and delete past "
		    "sessions.\nID may be a unique prefix of a session id.",
		.opts = global_opts,
		.verbs = verbs,
		.on_global = on_opt,
		.default_verb = "list",
	};

	hm_init(argc, argv, 0);
	return hm_finish(cli_run(&cmd, argc, argv));
}
