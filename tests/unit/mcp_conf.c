/*
 * mcp_conf.c: unit tests for libcommon/mcp_conf.c, the mcp.json half of
 * mcp.h.  Loading a missing, empty and full file (stdio and http
 * servers, defaults, env as "K=V", headers as "Name: value",
 * allowedTools absent vs empty, type), the errors for bad JSON (with
 * its line), wrong types (with the key path), bad names and the 'sse'
 * transport; add (new file, duplicate, force, bad name and entry), rm,
 * unknown keys kept, a malformed file left alone, the file mode; ${VAR}
 * expansion from the environment and .env; allowedTools with globs.
 * Files: HERMES_HOME is a mkdtemp directory (mcp.json, its lock and
 * .env), removed at the end.
 */
#include <sys/stat.h>
#include <ftw.h>

#include "common.h"
#include "atomic.h"
#include "config.h"
#include "mcp.h"
#include "path.h"
#include "tap.h"

static char home[] = "/tmp/hermes-unit-mcp_conf.XXXXXX";
static char *conf_path;

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
has(const char *hay, const char *s)
{
	return hay && strstr(hay, s) != NULL;
}

static void
put(const char *text)
{
	if (atomic_write(conf_path, text, strlen(text), 0600, NULL) < 0)
		printf("# cannot write %s\n", conf_path);
}

/* mcp.json as a string (caller frees); "" when it is missing. */
static char *
get(void)
{
	struct buf b = BUF_INIT;

	buf_read_file(&b, conf_path);
	return buf_detach(&b);
}

static int
mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : (int)(st.st_mode & 07777);
}

static size_t
count(char **v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

/* Load text as mcp.json and expect failure with want in the message. */
static void
load_fails(const char *text, const char *want, const char *what)
{
	struct mcp_conf c;
	struct buf err = BUF_INIT;
	int rc;

	put(text);
	rc = mcp_conf_load(&c, &err);
	is_int(rc, -HM_EFAIL, "load fails: %s", what);
	ok(has(err.s, want), "... err says '%s': %s", want, buf_str(&err));
	ok(c.n == 0 && c.v == NULL && c.path == NULL, "... conf left zeroed");
	mcp_conf_release(&c);
	buf_release(&err);
}

static void
test_load(void)
{
	struct mcp_conf c, z;
	const struct mcp_server *s;
	struct buf err = BUF_INIT;
	int rc;

	rc = mcp_conf_load(&c, &err);
	is_int(rc, 0, "load of a missing mcp.json");
	is_int(c.n, 0, "... no servers");
	ok(has(c.path, "/mcp.json"), "... path is mcp.json: %s", c.path);
	ok(mcp_conf_find(&c, "x") == NULL, "... find gives NULL");
	mcp_conf_release(&c);
	ok(c.path == NULL && c.v == NULL && c.n == 0, "release zeroes");
	memset(&z, 0, sizeof(z));
	mcp_conf_release(&z);
	ok(z.path == NULL && z.v == NULL && z.n == 0, "release of a zeroed "
	    "conf leaves it zeroed");

	put(" \n\t\n");
	is_int(mcp_conf_load(&c, &err), 0, "load of a blank file");
	is_int(c.n, 0, "... no servers");
	mcp_conf_release(&c);

	put("{\"other\": 1}\n");
	is_int(mcp_conf_load(&c, &err), 0, "load without mcpServers");
	is_int(c.n, 0, "... no servers");
	mcp_conf_release(&c);

	put("{\n"
	    "  \"mcpServers\": {\n"
	    "    \"fs\": {\n"
	    "      \"command\": \"npx\",\n"
	    "      \"args\": [\"-y\", \"server-fs\", \"${HOME}\"],\n"
	    "      \"env\": {\"API_KEY\": \"${KEY}\", \"MODE\": \"a=b\"},\n"
	    "      \"roots\": [\"/tmp\", \"/srv/data\"],\n"
	    "      \"someday\": {\"x\": 1}\n"
	    "    },\n"
	    "    \"web\": {\n"
	    "      \"type\": \"http\",\n"
	    "      \"url\": \"https://example.com/mcp\",\n"
	    "      \"headers\": {\"Authorization\": \"Bearer ${TOK}\"},\n"
	    "      \"allowedTools\": [\"search\", \"list_*\"],\n"
	    "      \"disabled\": true,\n"
	    "      \"timeout\": 30,\n"
	    "      \"connectTimeout\": 2.5\n"
	    "    },\n"
	    "    \"none.allowed\": {\"type\": \"stdio\", \"command\": \"x\",\n"
	    "      \"allowedTools\": []}\n"
	    "  },\n"
	    "  \"unknown\": true\n"
	    "}\n");
	rc = mcp_conf_load(&c, &err);
	is_int(rc, 0, "load of a full file: %s", buf_str(&err));
	is_int(c.n, 3, "... three servers");

	s = mcp_conf_find(&c, "fs");
	ok(s != NULL, "find fs");
	if (s) {
		is_str(s->name, "fs", "fs: name");
		is_str(s->command, "npx", "fs: command");
		ok(s->url == NULL, "fs: no url");
		is_int(count(s->args), 3, "fs: 3 args");
		is_str(s->args[2], "${HOME}", "fs: args are not expanded");
		is_int(count(s->env), 2, "fs: 2 env");
		is_str(s->env[0], "API_KEY=${KEY}", "fs: env as K=V");
		is_str(s->env[1], "MODE=a=b", "fs: '=' in a value");
		ok(s->headers && !*s->headers, "fs: headers empty, not NULL");
		ok(s->allowed == NULL, "fs: allowedTools absent: NULL");
		is_int(count(s->roots), 2, "fs: 2 roots");
		is_str(s->roots[1], "/srv/data", "fs: root as given");
		is_int(s->disabled, 0, "fs: enabled by default");
		is_int(s->timeout, MCP_TIMEOUT, "fs: default timeout");
		is_int(s->connect_timeout, MCP_CONNECT_TIMEOUT,
		    "fs: default connectTimeout");
	}
	s = mcp_conf_find(&c, "web");
	ok(s != NULL, "find web");
	if (s) {
		ok(s->command == NULL, "web: no command");
		is_str(s->url, "https://example.com/mcp", "web: url");
		ok(s->args && !*s->args, "web: args empty, not NULL");
		ok(s->env && !*s->env, "web: env empty, not NULL");
		ok(s->roots && !*s->roots, "web: roots empty, not NULL");
		is_int(count(s->headers), 1, "web: 1 header");
		is_str(s->headers[0], "Authorization: Bearer ${TOK}",
		    "web: header as 'Name: value'");
		is_int(count(s->allowed), 2, "web: 2 allowed tools");
		is_int(s->disabled, 1, "web: disabled");
		is_int(s->timeout, 30, "web: timeout");
		is_int(s->connect_timeout, 3, "web: 2.5 s rounds up to 3");
		ok(mcp_tool_allowed(s, "search"), "allowed: exact name");
		ok(mcp_tool_allowed(s, "list_files"), "allowed: list_* glob");
		ok(mcp_tool_allowed(s, "list_"), "allowed: list_* takes list_");
		ok(!mcp_tool_allowed(s, "search2"), "not allowed: search2");
		ok(!mcp_tool_allowed(s, "delete"), "not allowed: delete");
		ok(!mcp_tool_allowed(s, "xlist_a"), "not allowed: xlist_a");
	}
	s = mcp_conf_find(&c, "none.allowed");
	ok(s != NULL, "find none.allowed");
	if (s) {
		ok(s->allowed != NULL && !*s->allowed,
		    "none.allowed: empty allowedTools is an empty array");
		ok(!mcp_tool_allowed(s, "anything"), "... allows nothing");
	}
	s = mcp_conf_find(&c, "fs");
	if (s)
		ok(mcp_tool_allowed(s, "anything"), "fs: NULL allows all");
	ok(mcp_conf_find(&c, "FS") == NULL, "find is case-sensitive");
	is_str(c.v[0].name, "fs", "servers in file order: first");
	is_str(c.v[2].name, "none.allowed", "servers in file order: last");
	mcp_conf_release(&c);
	buf_release(&err);
}

static void
test_load_errors(void)
{
	load_fails("{\n  \"mcpServers\": {\n    \"x\": {,}\n  }\n}\n",
	    "mcp.json: not valid JSON at line 3", "a syntax error");
	load_fails("{\"mcpServers\": {}} junk", "not valid JSON",
	    "trailing junk");
	load_fails("{\"a\": \"\xff\"}", "mcp.json: not valid UTF-8",
	    "invalid UTF-8");
	load_fails("[1, 2]", "mcp.json: not a JSON object", "an array");
	load_fails("{\"mcpServers\": []}", "mcp.json: mcpServers: not an "
	    "object", "mcpServers an array");
	load_fails("{\"mcpServers\": {\"x\": 3}}", "mcp.json: mcpServers.x: "
	    "not an object", "a server that is a number");
	load_fails("{\"mcpServers\": {\"x\": {\"command\": \"a\", "
	    "\"args\": [\"a\", 1]}}}", "mcp.json: mcpServers.x.args: not an "
	    "array of strings", "args with a number");
	load_fails("{\"mcpServers\": {\"x\": {\"command\": \"a\", "
	    "\"args\": \"a b\"}}}", "mcpServers.x.args: not an array",
	    "args a string");
	load_fails("{\"mcpServers\": {\"x\": {\"command\": 1}}}",
	    "mcpServers.x.command: not a string", "command a number");
	load_fails("{\"mcpServers\": {\"x\": {\"command\": \"\"}}}",
	    "mcpServers.x.command: empty", "command empty");
	load_fails("{\"mcpServers\": {\"x\": {\"url\": \"\"}}}",
	    "mcpServers.x.url: empty", "url empty");
	load_fails("{\"mcpServers\": {\"x\": {\"url\": \"ftp://h/\"}}}",
	    "mcpServers.x.url: 'ftp://h/' is not an http", "url not http");
	load_fails("{\"mcpServers\": {\"x\": {\"command\": \"a\", "
	    "\"url\": \"http://h/\"}}}", "mcpServers.x: both command and url",
	    "both command and url");
	load_fails("{\"mcpServers\": {\"x\": {\"args\": []}}}",
	    "mcpServers.x: neither command nor url", "no command nor url");
	load_fails("{\"mcpServers\": {\"x\": {\"command\": \"a\", "
	    "\"env\": {\"A\": 1}}}}", "mcpServers.x.env: 'A' is not a string",
	    "env value a number");
	load_fails("{\"mcpServers\": {\"x\": {\"command\": \"a\", "
	    "\"env\": [\"A=1\"]}}}", "mcpServers.x.env: not an object",
	    "env an array");
	load_fails("{\"mcpServers\": {\"x\": {\"url\": \"http://h/\", "
	    "\"headers\": {\"A\": \"1\\r\\nB: 2\"}}}}",
	    "mcpServers.x.headers: 'A' holds a line break",
	    "header value with CRLF");
	load_fails("{\"mcpServers\": {\"x\": {\"url\": \"http://h/\", "
	    "\"headers\": {\"A B\": \"1\"}}}}",
	    "mcpServers.x.headers: invalid header name 'A B'",
	    "header name with a space");
	load_fails("{\"mcpServers\": {\"x\": {\"command\": \"a\", "
	    "\"allowedTools\": {}}}}", "mcpServers.x.allowedTools: not an "
	    "array of strings", "allowedTools an object");
	load_fails("{\"mcpServers\": {\"x\": {\"command\": \"a\", "
	    "\"roots\": [\"rel/dir\"]}}}", "mcpServers.x.roots: 'rel/dir' is "
	    "not an absolute path", "a relative root");
	load_fails("{\"mcpServers\": {\"x\": {\"command\": \"a\", "
	    "\"disabled\": \"yes\"}}}", "mcpServers.x.disabled: not true or "
	    "false", "disabled a string");
	load_fails("{\"mcpServers\": {\"x\": {\"command\": \"a\", "
	    "\"timeout\": 0}}}", "mcpServers.x.timeout: not a positive "
	    "number", "timeout 0");
	load_fails("{\"mcpServers\": {\"x\": {\"command\": \"a\", "
	    "\"connectTimeout\": \"9\"}}}", "mcpServers.x.connectTimeout: "
	    "not a positive number", "connectTimeout a string");
	load_fails("{\"mcpServers\": {\"x\": {\"type\": \"sse\", "
	    "\"url\": \"http://h/sse\"}}}", "mcp.json: mcpServers.x.type: "
	    "'sse' (the old HTTP+SSE transport) is not supported; use "
	    "Streamable HTTP", "type sse");
	load_fails("{\"mcpServers\": {\"x\": {\"type\": \"ws\", "
	    "\"url\": \"http://h/\"}}}", "mcpServers.x.type: unknown "
	    "transport 'ws'", "type ws");
	load_fails("{\"mcpServers\": {\"x\": {\"type\": \"http\", "
	    "\"command\": \"a\"}}}", "mcpServers.x.type: 'http' needs url",
	    "type http with a command");
	load_fails("{\"mcpServers\": {\"bad name\": {\"command\": \"a\"}}}",
	    "mcp.json: invalid server name 'bad name'", "a name with a space");
	load_fails("{\"mcpServers\": {\"x\": {\"command\": \"a\"}, "
	    "\"x\": {\"command\": \"b\"}}}", "mcpServers.x: given twice",
	    "a name given twice");
}

static cJSON *
parse(const char *json)
{
	cJSON *j = cJSON_Parse(json);

	if (!j)
		printf("# test JSON does not parse: %s\n", json);
	return j;
}

static void
test_edit(void)
{
	struct mcp_conf c;
	const struct mcp_server *s;
	struct buf err = BUF_INIT;
	char *text, *lockpath;
	int rc;

	unlink(conf_path);
	rc = mcp_conf_add("fs", parse("{\"command\": \"npx\", "
	    "\"args\": [\"-y\"]}"), 0, &err);
	is_int(rc, 0, "add to a missing file: %s", buf_str(&err));
	is_int(mode_of(conf_path), 0600, "mcp.json is mode 0600");
	lockpath = hm_path(".mcp.json.lock");
	ok(mode_of(lockpath) >= 0, "the lock is .mcp.json.lock");
	free(lockpath);
	text = get();
	ok(has(text, "\"mcpServers\""), "the file has mcpServers");
	ok(text[0] && text[strlen(text) - 1] == '\n', "... ends in a newline");
	ok(has(text, "\n\t"), "... is pretty-printed");
	free(text);
	rc = mcp_conf_load(&c, &err);
	is_int(rc, 0, "load after add");
	is_int(c.n, 1, "... one server");
	s = mcp_conf_find(&c, "fs");
	ok(s && !strcmp(s->command, "npx") && count(s->args) == 1,
	    "... it is the one added");
	mcp_conf_release(&c);

	buf_reset(&err);
	rc = mcp_conf_add("fs", parse("{\"command\": \"other\"}"), 0, &err);
	is_int(rc, -HM_ECONFLICT, "add of an existing name");
	is_str(buf_str(&err), "server 'fs' already exists in mcp.json",
	    "... err");
	text = get();
	ok(has(text, "npx") && !has(text, "other"), "... file unchanged");
	free(text);

	rc = mcp_conf_add("web", parse("{\"url\": \"http://h/mcp\"}"), 0,
	    &err);
	is_int(rc, 0, "add a second server");
	rc = mcp_conf_add("fs", parse("{\"command\": \"other\"}"), 1, &err);
	is_int(rc, 0, "add with force replaces");
	rc = mcp_conf_load(&c, &err);
	is_int(c.n, 2, "... still two servers");
	if (c.n == 2) {
		is_str(c.v[0].name, "fs", "... fs keeps its place");
		is_str(c.v[0].command, "other", "... with the new entry");
		ok(c.v[0].args && !*c.v[0].args, "... and no old args");
	}
	mcp_conf_release(&c);

	buf_reset(&err);
	rc = mcp_conf_add("bad name", parse("{\"command\": \"a\"}"), 0, &err);
	is_int(rc, -HM_EINVAL, "add with a bad name");
	is_str(buf_str(&err), "invalid server name 'bad name'", "... err");
	buf_reset(&err);
	rc = mcp_conf_add("", parse("{\"command\": \"a\"}"), 0, &err);
	is_int(rc, -HM_EINVAL, "add with an empty name");
	buf_reset(&err);
	rc = mcp_conf_add("y", parse("{\"args\": []}"), 0, &err);
	is_int(rc, -HM_EINVAL, "add of an entry without command or url");
	ok(has(err.s, "mcpServers.y: neither command nor url"), "... err: %s",
	    buf_str(&err));
	buf_reset(&err);
	rc = mcp_conf_add("y", parse("[1]"), 0, &err);
	is_int(rc, -HM_EINVAL, "add of an array");
	ok(has(err.s, "not an object"), "... err: %s", buf_str(&err));
	buf_reset(&err);
	rc = mcp_conf_add("y", parse("{\"command\": \"a\", \"env\": "
	    "{\"K\": 2}}"), 0, &err);
	is_int(rc, -HM_EINVAL, "add of an entry with a bad env");
	ok(has(err.s, "mcpServers.y.env"), "... err: %s", buf_str(&err));
	rc = mcp_conf_add("y", NULL, 0, &err);
	is_int(rc, -HM_EINVAL, "add of NULL");
	text = get();
	ok(!has(text, "\"y\""), "bad entries are not written");
	free(text);

	buf_reset(&err);
	rc = mcp_conf_rm("web", &err);
	is_int(rc, 0, "rm web");
	rc = mcp_conf_load(&c, &err);
	ok(c.n == 1 && mcp_conf_find(&c, "web") == NULL, "... it is gone");
	mcp_conf_release(&c);
	buf_reset(&err);
	rc = mcp_conf_rm("web", &err);
	is_int(rc, -HM_ENOTFOUND, "rm of a missing name");
	is_str(buf_str(&err), "no server 'web' in mcp.json", "... err");
	buf_reset(&err);
	unlink(conf_path);
	rc = mcp_conf_rm("web", &err);
	is_int(rc, -HM_ENOTFOUND, "rm with no mcp.json");

	/* Unknown keys, at the top and in entries, survive edits. */
	put("{\"theme\": \"dark\", \"mcpServers\": {\"a\": {\"command\": "
	    "\"x\", \"future\": [1, 2], \"bad\": {\"n\": null}}}, "
	    "\"zz\": {\"k\": false}}\n");
	rc = mcp_conf_add("b", parse("{\"url\": \"https://h/\", "
	    "\"custom\": \"kept\"}"), 0, &err);
	is_int(rc, 0, "add beside unknown keys");
	text = get();
	ok(has(text, "\"theme\":\t\"dark\""), "top-level key kept");
	ok(has(text, "\"zz\":"), "a trailing top-level key kept");
	ok(has(text, "\"future\":\t[1, 2]"), "an unknown server key kept");
	ok(has(text, "\"n\":\tnull"), "a nested null kept");
	ok(has(text, "\"custom\":\t\"kept\""), "unknown key of the new entry");
	ok(strstr(text, "\"theme\"") < strstr(text, "\"mcpServers\"") &&
	    strstr(text, "\"mcpServers\"") < strstr(text, "\"zz\""),
	    "top-level order kept");
	free(text);
	rc = mcp_conf_rm("a", &err);
	is_int(rc, 0, "rm beside unknown keys");
	text = get();
	ok(has(text, "\"theme\"") && has(text, "\"custom\"") &&
	    !has(text, "\"future\""), "rm takes only its entry");
	free(text);

	/* A broken entry can be removed; a broken file is left alone. */
	put("{\"mcpServers\": {\"a\": {\"command\": 5}, \"b\": "
	    "{\"command\": \"x\"}}}");
	rc = mcp_conf_rm("a", &err);
	is_int(rc, 0, "rm of a malformed entry");
	rc = mcp_conf_load(&c, &err);
	is_int(rc, 0, "... then the file loads");
	mcp_conf_release(&c);
	put("{\"mcpServers\": {\"a\": {\"command\": \"x\"},}");
	buf_reset(&err);
	rc = mcp_conf_add("c", parse("{\"command\": \"y\"}"), 0, &err);
	is_int(rc, -HM_EFAIL, "add to a malformed file fails");
	ok(has(err.s, "mcp.json: not valid JSON at line 1"), "... err: %s",
	    buf_str(&err));
	rc = mcp_conf_rm("a", &err);
	is_int(rc, -HM_EFAIL, "rm from a malformed file fails");
	text = get();
	is_str(text, "{\"mcpServers\": {\"a\": {\"command\": \"x\"},}",
	    "... the file is untouched");
	free(text);
	put("{\"mcpServers\": \"no\"}");
	rc = mcp_conf_add("c", parse("{\"command\": \"y\"}"), 0, &err);
	is_int(rc, -HM_EFAIL, "add when mcpServers is a string fails");
	text = get();
	is_str(text, "{\"mcpServers\": \"no\"}", "... the file is untouched");
	free(text);
	unlink(conf_path);
	buf_release(&err);
}

static void
expand_is(const char *in, const struct config *cfg, const char *want,
    const char *what)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	int rc = mcp_expand(in, cfg, &out, &err);

	is_int(rc, 0, "mcp_expand: %s: %s", what, buf_str(&err));
	is_str(buf_str(&out), want, "... gives '%s'", want);
	buf_release(&out);
	buf_release(&err);
}

static void
test_expand(void)
{
	struct config cfg = CONFIG_INIT;
	struct buf out = BUF_INIT, err = BUF_INIT;
	const char *dotenv = "FROM_DOTENV=dv\nBOTH_PLACES=dotenv\n"
	    "export EMPTY_ENV=filled\n";
	char *p;
	int rc;

	setenv("MCP_T_TOKEN", "s3cret", 1);
	setenv("BOTH_PLACES", "env", 1);
	setenv("EMPTY_ENV", "", 1);
	setenv("MCP_T_EMPTY", "", 1);
	unsetenv("MCP_T_UNSET");
	unsetenv("FROM_DOTENV");

	expand_is("plain", NULL, "plain", "no variables");
	expand_is("", NULL, "", "empty string");
	expand_is("Bearer ${MCP_T_TOKEN}", NULL, "Bearer s3cret",
	    "one variable");
	expand_is("${MCP_T_TOKEN}${MCP_T_TOKEN}/x", NULL, "s3crets3cret/x",
	    "two in a row");
	expand_is("a ${MCP_T_EMPTY} b", NULL, "a  b", "set but empty");
	expand_is("$MCP_T_TOKEN $$ $", NULL, "$MCP_T_TOKEN $$ $",
	    "$VAR and $$ are not special");
	expand_is("x${MCP_T_TOKEN", NULL, "x${MCP_T_TOKEN",
	    "an unclosed ${ is literal");
	expand_is("${", NULL, "${", "a lone ${ is literal");
	expand_is("${1X} ${a-b}", NULL, "${1X} ${a-b}",
	    "not a name: literal");
	expand_is("${MCP_T_UNSET:-dflt}", NULL, "dflt",
	    "${VAR:-default} when unset");
	expand_is("${MCP_T_TOKEN:-dflt}", NULL, "s3cret",
	    "${VAR:-default} when set");

	rc = mcp_expand("k=${MCP_T_UNSET}", NULL, &out, &err);
	is_int(rc, -HM_EINVAL, "an unset variable");
	is_str(buf_str(&err), "${MCP_T_UNSET} is not set (environment or "
	    ".env)", "... err names it");
	is_int(out.len, 0, "... nothing appended");

	buf_adds(&out, "pre:");
	rc = mcp_expand("${MCP_T_TOKEN}", NULL, &out, &err);
	is_str(buf_str(&out), "pre:s3cret", "mcp_expand appends to out");
	buf_release(&out);

	p = hm_path(".env");
	if (atomic_write(p, dotenv, strlen(dotenv), 0600, NULL) < 0)
		printf("# cannot write %s\n", p);
	free(p);
	buf_reset(&err);
	rc = config_load(&cfg, &err);
	is_int(rc, 0, "config_load with a .env: %s", buf_str(&err));
	expand_is("${FROM_DOTENV}", &cfg, "dv", "a variable from .env");
	expand_is("${BOTH_PLACES}", &cfg, "env", "the environment wins");
	expand_is("${EMPTY_ENV}", &cfg, "filled",
	    ".env wins over an empty environment variable");
	buf_reset(&err);
	rc = mcp_expand("${FROM_DOTENV}", NULL, &out, &err);
	is_int(rc, -HM_EINVAL, "without cfg, .env is not read");
	buf_reset(&err);
	rc = mcp_expand("${MCP_T_UNSET}", &cfg, &out, &err);
	is_int(rc, -HM_EINVAL, "unset in both");
	config_release(&cfg);
	buf_release(&out);
	buf_release(&err);
}

int
main(void)
{
	struct buf err = BUF_INIT;

	if (!mkdtemp(home)) {
		perror("mkdtemp");
		return 1;
	}
	unsetenv("HERMES_PROFILE");
	setenv("HERMES_HOME", home, 1);
	is_int(hm_home_init(&err), 0, "hm_home_init");
	conf_path = hm_path("mcp.json");

	test_load();
	test_load_errors();
	test_edit();
	test_expand();

	free(conf_path);
	buf_release(&err);
	nftw(home, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return done_testing();
}
