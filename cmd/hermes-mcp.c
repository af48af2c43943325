/*
 * hermes-mcp: the MCP servers the agent uses ($HERMES_HOME/mcp.json):
 * list them, add and remove them, test one (start it, list its tools)
 * and call one of its tools from the shell.
 *
 * mcp.json and its locking are libcommon/mcp_conf.c; the protocol is
 * mcp_client.c with its stdio and HTTP transports; the cache of tool
 * lists the agent starts from is tool_mcp.c, which `test` refreshes.
 * This file parses, calls and prints.
 */
#include <cjson/cJSON.h>

#include "common.h"
#include "cli.h"
#include "config.h"
#include "http.h"
#include "json.h"
#include "mcp.h"
#include "path.h"
#include "tool_mcp.h"

enum {
	OPT_JSON = 0x100, OPT_URL, OPT_ALLOW, OPT_TIMEOUT, OPT_CONNECT,
	OPT_DISABLED, OPT_ELICIT
};

static int jflag, eflag;

static const struct cli_opt global_opts[] = {
	{ "json", OPT_JSON, 0, NULL, "list, test, call: JSON, one object a "
	    "line" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt add_opts[] = {
	{ "url", OPT_URL, 1, "URL", "a Streamable HTTP server at URL" },
	{ "env", 'e', 1, "KEY=VALUE", "set a variable for a stdio server "
	    "(repeat; ${VAR} is expanded at start)" },
	{ "header", 'H', 1, "'NAME: VALUE'", "send a header to an HTTP "
	    "server (repeat)" },
	{ "allow", OPT_ALLOW, 1, "TOOL", "register only this tool (repeat; "
	    "globs work)" },
	{ "timeout", OPT_TIMEOUT, 1, "SECONDS", "wait this long for an "
	    "answer (default 120)" },
	{ "connect-timeout", OPT_CONNECT, 1, "SECONDS", "wait this long for "
	    "the server to start (default 60)" },
	{ "disabled", OPT_DISABLED, 0, NULL, "add it switched off" },
	{ "force", 'f', 0, NULL, "replace a server of the same name" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt call_opts[] = {
	{ "elicit-defaults", OPT_ELICIT, 0, NULL, "answer the server's "
	    "questions (elicitation) with the defaults it proposes; else "
	    "they are declined" },
	{ NULL, 0, 0, NULL, NULL }
};

static int
on_call(int c, const char *arg)
{
	(void)arg;
	if (c == OPT_ELICIT)
		eflag = 1;
	return 0;
}

static int
on_global(int c, const char *arg)
{
	(void)arg;
	if (c == OPT_JSON)
		jflag = 1;
	return 0;
}

/* Home, config and mcp.json; 0 or an exit code. */
static int
open_conf(struct config *cfg, struct mcp_conf *conf)
{
	struct buf err = BUF_INIT;
	int rc;

	memset(conf, 0, sizeof(*conf));
	rc = hm_home_init(&err);
	if (rc == 0)
		rc = config_load(cfg, &err);
	if (rc == 0)
		rc = mcp_conf_load(conf, &err);
	return hm_exit_status(rc < 0 ? -HM_EFAIL : rc, &err);
}

static void
join(struct buf *b, char **v)
{
	for (; v && *v; v++)
		buf_addf(b, " %s", *v);
}

static int
cmd_list(int argc, char **argv)
{
	struct config cfg = CONFIG_INIT;
	struct mcp_conf conf;
	struct buf line = BUF_INIT;
	const struct mcp_server *s;
	struct cli_state st;
	cJSON *o;
	size_t i;
	int rc;

	if ((rc = cli_parse(&st, argc, argv, 0, 0, NULL)) != CLI_GO)
		return rc;
	if ((rc = open_conf(&cfg, &conf)))
		goto out;
	for (i = 0; i < conf.n; i++) {
		s = &conf.v[i];
		buf_reset(&line);
		if (s->command) {
			buf_adds(&line, s->command);
			join(&line, s->args);
		} else {
			buf_adds(&line, s->url);
		}
		if (jflag) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "name", s->name);
			cJSON_AddStringToObject(o, "transport", s->command ?
			    "stdio" : "http");
			cJSON_AddStringToObject(o, s->command ? "command" :
			    "url", line.s);
			cJSON_AddBoolToObject(o, "disabled", s->disabled);
			json_print_line(o);
		} else {
			printf("%s\t%s\t%s%s\n", s->name, s->command ? "stdio" :
			    "http", line.s, s->disabled ? "\tdisabled" : "");
		}
	}
out:
	buf_release(&line);
	mcp_conf_release(&conf);
	config_release(&cfg);
	return rc;
}

static cJSON *
strv_array(char **v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

/* "KEY=VALUE" or "Name: value" into obj; 0 or an exit code. */
static int
add_pair(cJSON *obj, const char *arg, int sep, const char *what)
{
	const char *p = strchr(arg, sep);
	char *k;

	if (!p || p == arg)
		return cli_usage_error("%s '%s' is not %s", what, arg,
		    sep == '=' ? "KEY=VALUE" : "'NAME: VALUE'");
	k = xstrndup(arg, (size_t)(p - arg));
	p++;
	while (sep == ':' && *p == ' ')
		p++;
	cJSON_DeleteItemFromObjectCaseSensitive(obj, k);
	cJSON_AddStringToObject(obj, k, p);
	free(k);
	return 0;
}

static int
seconds(cJSON *entry, const char *key, const char *arg)
{
	char *end;
	double v = strtod(arg, &end);

	if (end == arg || *end || v <= 0 || v > 1e7)
		return cli_usage_error("--%s: '%s' is not a number of seconds",
		    strcmp(key, "timeout") ? "connect-timeout" : "timeout",
		    arg);
	cJSON_DeleteItemFromObjectCaseSensitive(entry, key);
	cJSON_AddNumberToObject(entry, key, v);
	return 0;
}

static int
cmd_add(int argc, char **argv)
{
	cJSON *entry = cJSON_CreateObject(), *env = cJSON_CreateObject();
	cJSON *hdr = cJSON_CreateObject(), *allow = cJSON_CreateArray();
	struct buf err = BUF_INIT;
	const char *url = NULL;
	struct cli_state st;
	int c, rc = 0, force = 0, disabled = 0, stop = 0;

	cli_begin(&st, argc, argv);
	while (!stop && rc == 0 && (c = cli_next(&st)) != -1) {
		switch (c) {
		case OPT_URL: url = st.arg; break;
		case 'e': rc = add_pair(env, st.arg, '=', "-e"); break;
		case 'H': rc = add_pair(hdr, st.arg, ':', "-H"); break;
		case OPT_ALLOW:
			cJSON_AddItemToArray(allow, cJSON_CreateString(st.arg));
			break;
		case OPT_TIMEOUT: rc = seconds(entry, "timeout", st.arg); break;
		case OPT_CONNECT:
			rc = seconds(entry, "connectTimeout", st.arg);
			break;
		case OPT_DISABLED: disabled = 1; break;
		case 'f': force = 1; break;
		default: rc = cli_bad(&st, c); stop = 1;
		}
	}
	if (rc == 0 && !stop && cli_operands(&st, url ? 1 : 2, url ? 1 : -1))
		rc = HM_EXIT_USAGE;
	if (rc == 0 && url && cJSON_GetArraySize(env))
		rc = cli_usage_error("-e is for stdio servers; an HTTP server "
		    "takes -H");
	if (rc == 0 && !url && cJSON_GetArraySize(hdr))
		rc = cli_usage_error("-H is for HTTP servers (--url)");
	if (rc || stop) {
		cJSON_Delete(entry);
		cJSON_Delete(env);
		cJSON_Delete(hdr);
		cJSON_Delete(allow);
		return rc;
	}
	if (url) {
		cJSON_AddStringToObject(entry, "url", url);
		cJSON_AddItemToObject(entry, "headers", hdr);
		hdr = NULL;
	} else {
		cJSON_AddStringToObject(entry, "command", st.argv[1]);
		cJSON_AddItemToObject(entry, "args", strv_array(st.argv + 2,
		    (size_t)st.argc - 2));
		cJSON_AddItemToObject(entry, "env", env);
		env = NULL;
	}
	if (cJSON_GetArraySize(allow)) {
		cJSON_AddItemToObject(entry, "allowedTools", allow);
		allow = NULL;
	}
	if (disabled)
		cJSON_AddTrueToObject(entry, "disabled");
	cJSON_Delete(env);
	cJSON_Delete(hdr);
	cJSON_Delete(allow);
	rc = hm_home_init(&err);
	if (rc == 0)
		rc = mcp_conf_add(st.argv[0], entry, force, &err);
	else
		cJSON_Delete(entry);
	if (rc == 0) {
		mcp_cache_remove(st.argv[0]);
		printf("%s\n", st.argv[0]);
	}
	return hm_exit_status(rc == -HM_ECONFLICT ? -HM_EFAIL : rc, &err);
}

static int
cmd_rm(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct cli_state st;
	int rc;

	if ((rc = cli_parse(&st, argc, argv, 1, 1, NULL)) != CLI_GO)
		return rc;
	rc = hm_home_init(&err);
	if (rc == 0)
		rc = mcp_conf_rm(st.argv[0], &err);
	if (rc == 0)
		mcp_cache_remove(st.argv[0]);
	return hm_exit_status(rc == -HM_ENOTFOUND ? -HM_EFAIL : rc, &err);
}

/* Open server NAME of mcp.json, its entry copied to *s (which must
 * outlive the connection) with the command line's choices; 0 or an exit
 * code. */
static int
connect_named(const char *name, struct mcp_server *s, struct config *cfg,
    struct mcp_conf *conf, struct mcp_client **c)
{
	const struct mcp_server *found;
	struct buf err = BUF_INIT;
	int rc;

	*c = NULL;
	if ((rc = open_conf(cfg, conf)))
		return rc;
	if (!(found = mcp_conf_find(conf, name))) {
		hm_error("no server '%s' in %s", name, conf->path);
		return HM_EXIT_FAIL;
	}
	*s = *found;
	s->elicit_defaults = eflag;
	rc = mcp_open(c, s, cfg, &err);
	return hm_exit_status(rc, &err);
}

static void
print_tool(const struct mcp_tool_info *t)
{
	cJSON *o;

	if (jflag) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", t->name);
		cJSON_AddStringToObject(o, "description", t->description);
		cJSON_AddItemToObject(o, "inputSchema", cJSON_Parse(t->schema));
		json_print_line(o);
	} else {
		printf("%s\t%.*s\n", t->name, (int)strcspn(t->description,
		    "\n"), t->description);
	}
}

static int
cmd_test(int argc, char **argv)
{
	struct config cfg = CONFIG_INIT;
	struct mcp_conf conf;
	struct mcp_client *c = NULL;
	struct mcp_tool_info *v = NULL;
	struct mcp_server srv;
	struct buf err = BUF_INIT;
	struct cli_state st;
	size_t i, n = 0;
	int rc;

	if ((rc = cli_parse(&st, argc, argv, 1, 1, NULL)) != CLI_GO)
		return rc;
	if ((rc = connect_named(st.argv[0], &srv, &cfg, &conf, &c)))
		goto out;
	rc = mcp_list_tools(c, &v, &n, &err);
	if (rc == 0) {
		for (i = 0; i < n; i++)
			print_tool(&v[i]);
		fprintf(stderr, "%s: %s: %s, protocol %s, %zu tool%s\n",
		    hm_prog, st.argv[0], mcp_server_name(c), mcp_protocol(c),
		    n, n == 1 ? "" : "s");
		if (mcp_cache_write(mcp_conf_find(&conf, st.argv[0]),
		    mcp_server_name(c), v, n, &err) < 0) {
			hm_report(&err);
			buf_reset(&err);
		}
	}
	rc = hm_exit_status(rc, &err);
out:
	mcp_tools_free(v, n);
	mcp_close(c);
	mcp_conf_release(&conf);
	config_release(&cfg);
	return rc;
}

/* The tool's arguments: the operand, or stdin for "-"; an object. */
static int
call_args(struct cli_state *st, cJSON **args)
{
	char *text;

	*args = NULL;
	if (st->argc < 3) {
		*args = cJSON_CreateObject();
		return 0;
	}
	if (!(text = cli_operand_text(st->argv[2])))
		return HM_EXIT_FAIL;
	*args = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsObject(*args)) {
		cJSON_Delete(*args);
		*args = NULL;
		return cli_usage_error("the arguments are not a JSON object: "
		    "'%.60s'", st->argv[2]);
	}
	return 0;
}

static int
cmd_call(int argc, char **argv)
{
	struct config cfg = CONFIG_INIT;
	struct mcp_conf conf;
	struct mcp_client *c = NULL;
	struct mcp_tool_info *v = NULL;
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct mcp_server srv;
	struct cli_state st;
	cJSON *args = NULL, *res = NULL;
	size_t i, n = 0;
	int rc, bad;

	memset(&conf, 0, sizeof(conf));
	if ((rc = cli_parse(&st, argc, argv, 2, 3, on_call)) != CLI_GO)
		return rc;
	if ((rc = call_args(&st, &args)) ||
	    (rc = connect_named(st.argv[0], &srv, &cfg, &conf, &c)))
		goto out;
	/* the list first: allowedTools holds here too, and a wrong name
	 * gets the names that exist */
	if ((rc = mcp_list_tools(c, &v, &n, &err)) == 0) {
		for (i = 0; i < n && strcmp(v[i].name, st.argv[1]); i++)
			;
		if (i == n) {
			buf_addf(&err, "server '%s' has no tool '%s'%s",
			    st.argv[0], st.argv[1], n ? "; it has:" : "");
			for (i = 0; i < n; i++)
				buf_addf(&err, " %s", v[i].name);
			rc = -HM_ENOTFOUND;
		}
	}
	if (rc == 0)
		rc = mcp_call(c, st.argv[1], args, &res, &err);
	if (rc < 0) {
		rc = hm_exit_status(-HM_EFAIL, &err);
		goto out;
	}
	bad = mcp_render(res, &out);
	if (jflag)
		json_print_line(cJSON_Duplicate(res, 1));
	else if (bad)
		fprintf(stderr, "%s: %s %s: %s\n", hm_prog, st.argv[0],
		    st.argv[1], out.len ? out.s : "failed");
	else if (out.len)
		printf("%s%s", out.s, out.s[out.len - 1] == '\n' ? "" : "\n");
	rc = bad ? HM_EXIT_FAIL : HM_EXIT_OK;
out:
	buf_release(&out);
	buf_release(&err);
	cJSON_Delete(args);
	cJSON_Delete(res);
	mcp_tools_free(v, n);
	mcp_close(c);
	mcp_conf_release(&conf);
	config_release(&cfg);
	return rc;
}

/* Server names for the shell; never complains. */
static void
complete_names(void)
{
	struct buf err = BUF_INIT;
	struct mcp_conf conf;
	size_t i;

	memset(&conf, 0, sizeof(conf));
	if (hm_home_init(&err) == 0 && mcp_conf_load(&conf, &err) == 0)
		for (i = 0; i < conf.n; i++)
			printf("%s\n", conf.v[i].name);
	mcp_conf_release(&conf);
	buf_release(&err);
}

static const struct cli_verb verbs[] = {
	{ "list", cmd_list, "", "print NAME, transport and command or URL, "
	    "one server a line", NULL, NULL },
	{ "add", cmd_add, "NAME [-- COMMAND [ARG...]]",
	    "add a stdio or Streamable HTTP server to mcp.json", add_opts,
	    NULL },
	{ "rm", cmd_rm, "NAME", "remove a server from mcp.json", NULL,
	    complete_names },
	{ "test", cmd_test, "NAME", "start the server and print its tools, "
	    "one a line", NULL, complete_names },
	{ "call", cmd_call, "NAME TOOL [JSON|-]", "call a tool and print its "
	    "text; a tool error exits 1", call_opts, complete_names },
	{ NULL, NULL, NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	static const struct cli_cmd cmd = {
		"hermes-mcp",
		"The MCP servers the agent uses: list, add, rm, test, call.",
		global_opts, verbs, on_global, NULL, NULL, NULL
	};
	int rc;

	hm_init(argc, argv, HM_SOCKETS);
	rc = cli_run(&cmd, argc, argv);
	http_cleanup();
	return hm_finish(rc);
}
