/*
 * mcp_server.c: unit tests for libcommon/mcp_server.c, the stdio MCP
 * server, fed from a file and answering into one.  initialize: the
 * client's version when known, else the newest, -32602 without one;
 * -32700 for a line that is not JSON (id null), -32601 for an unknown
 * method, -32600 for a wrong jsonrpc, an empty batch and an over-long
 * line (then the next line is answered); notifications and responses
 * get nothing; tools/call: -32602 for no name, arguments not an object
 * or an unknown tool; a result is text + structuredContent, a tool error
 * isError with {"error"}; a batch gets an array; a last line without a
 * newline counts; EOF ends the server with 0, and so does a closed
 * output.  A waiting tool: a ping during the wait is answered at once,
 * a cancelled call gets no answer, the next request does.  And the
 * gateway's ten tools list with real input schemas.
 * Files: temporary files only (HERMES_HOME a mkdtemp directory).
 */
#include <sys/stat.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>

#include "common.h"
#include "gateway_mcp.h"
#include "mcp.h"
#include "mcp_server.h"
#include "path.h"
#include "tap.h"

static char home[] = "/tmp/hermes-unit-mcp-server.XXXXXX";
static int sleeps_ended;	/* the wait tool saw mcp_server_sleep say 1 */

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
t_echo(struct mcp_server_ctx *x, const cJSON *args, cJSON **res,
    struct buf *err)
{
	(void)x;
	(void)err;
	*res = cJSON_Duplicate(args, 1);
	return 0;
}

static int
t_fail(struct mcp_server_ctx *x, const cJSON *args, cJSON **res,
    struct buf *err)
{
	(void)x;
	(void)args;
	(void)res;
	return hm_fail(err, HM_EFAIL, "it failed, as asked");
}

static int
t_wait(struct mcp_server_ctx *x, const cJSON *args, cJSON **res,
    struct buf *err)
{
	int i;

	(void)args;
	(void)err;
	for (i = 0; i < 20; i++)
		if (mcp_server_sleep(x, 100)) {
			sleeps_ended++;
			break;
		}
	*res = cJSON_CreateObject();
	cJSON_AddStringToObject(*res, "waited", "yes");
	return 0;
}

static const struct mcp_server_tool tools[] = {
	{ "echo", "Echo the arguments", "{'type':'object','properties':{}}",
	    t_echo },
	{ "fail", "Fail", "{'type':'object','properties':{}}", t_fail },
	{ "wait", "Wait until cancelled", "{'type':'object'}", t_wait },
};

static const struct mcp_server_info info = {
	"test-server", "9.9", NULL, tools, HM_ARRAY_SIZE(tools), NULL
};

static int
tmpfd(void)
{
	char t[] = "/tmp/hermes-unit-mcp-XXXXXX";
	int fd = mkstemp(t);

	if (fd >= 0)
		unlink(t);
	return fd;
}

/* Run the server (or the gateway's, gw) on input; its answers, one
 * JSON value each, into an array; *rc what it returned. */
static cJSON *
run(const char *input, size_t len, int gw, int *rc)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	int in = tmpfd(), o = tmpfd();
	cJSON *v = cJSON_CreateArray(), *m;
	char *l, *nl;

	if (write(in, input, len) != (ssize_t)len)
		printf("# short write\n");
	lseek(in, 0, SEEK_SET);
	*rc = gw ? gateway_mcp_run(NULL, in, o, &err) : mcp_server_run(&info,
	    in, o, &err);
	lseek(o, 0, SEEK_SET);
	buf_read_fd(&out, o);
	for (l = out.s; l && *l; l = nl + 1) {
		if (!(nl = strchr(l, '\n')))
			break;
		*nl = '\0';
		m = cJSON_Parse(l);
		cJSON_AddItemToArray(v, m ? m : cJSON_CreateString(l));
	}
	close(in);
	close(o);
	buf_release(&out);
	buf_release(&err);
	return v;
}

static cJSON *
run_s(const char *input, int *rc)
{
	return run(input, strlen(input), 0, rc);
}

static long
code_of(const cJSON *m)
{
	const cJSON *c = cJSON_GetObjectItem(cJSON_GetObjectItem(m, "error"),
	    "code");

	return cJSON_IsNumber(c) ? (long)c->valuedouble : 0;
}

static const char *
str_at(const cJSON *m, const char *a, const char *b)
{
	const cJSON *o = cJSON_GetObjectItem(m, a);

	return cJSON_GetStringValue(b ? cJSON_GetObjectItem(o, b) : o);
}

static void
test_handshake(void)
{
	cJSON *v, *m;
	int rc;

	v = run_s("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
	    "\"params\":{\"protocolVersion\":\"2025-06-18\"}}\n"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":\"b\",\"method\":\"initialize\","
	    "\"params\":{\"protocolVersion\":\"1999-01-01\"}}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"initialize\","
	    "\"params\":{}}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\"}", &rc);
	is_int(rc, 0, "EOF: 0");
	is_int(cJSON_GetArraySize(v), 4, "4 answers (none to the "
	    "notification)");
	m = cJSON_GetArrayItem(v, 0);
	is_str(str_at(cJSON_GetObjectItem(m, "result"), "protocolVersion",
	    NULL), "2025-06-18", "a known version is echoed");
	is_str(str_at(cJSON_GetObjectItem(m, "result"), "serverInfo", "name"),
	    "test-server", "serverInfo.name");
	ok(cJSON_IsObject(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(m, "result"), "capabilities"), "tools")),
	    "capabilities.tools");
	m = cJSON_GetArrayItem(v, 1);
	is_str(str_at(m, "id", NULL), "b", "a string id comes back");
	is_str(str_at(cJSON_GetObjectItem(m, "result"), "protocolVersion",
	    NULL), "2025-11-25", "an unknown version: our newest");
	is_int(code_of(cJSON_GetArrayItem(v, 2)), -32602, "no "
	    "protocolVersion: -32602");
	ok(cJSON_IsObject(cJSON_GetObjectItem(cJSON_GetArrayItem(v, 3),
	    "result")), "ping (a last line without a newline): {}");
	cJSON_Delete(v);
}

static void
test_errors(void)
{
	cJSON *v, *m;
	int rc;

	v = run_s("not json\n"
	    "\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/list\"}\n"
	    "{\"jsonrpc\":\"1.0\",\"id\":3,\"method\":\"ping\"}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{}}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\","
	    "\"params\":{}}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"echo\",\"arguments\":[1]}}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"nope\"}}\n"
	    "[]\n"
	    "[{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"ping\"},"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"}]\n", &rc);
	is_int(cJSON_GetArraySize(v), 8, "8 answers (none for the empty "
	    "line, the response, the notification)");
	m = cJSON_GetArrayItem(v, 0);
	ok(code_of(m) == -32700 && cJSON_IsNull(cJSON_GetObjectItem(m, "id")),
	    "not JSON: -32700, id null");
	is_int(code_of(cJSON_GetArrayItem(v, 1)), -32601, "unknown method");
	is_int(code_of(cJSON_GetArrayItem(v, 2)), -32600, "jsonrpc 1.0");
	is_int(code_of(cJSON_GetArrayItem(v, 3)), -32602, "no tool name");
	is_int(code_of(cJSON_GetArrayItem(v, 4)), -32602, "arguments not an "
	    "object");
	is_int(code_of(cJSON_GetArrayItem(v, 5)), -32602, "unknown tool");
	is_int(code_of(cJSON_GetArrayItem(v, 6)), -32600, "an empty batch");
	m = cJSON_GetArrayItem(v, 7);
	ok(cJSON_IsArray(m) && cJSON_GetArraySize(m) == 1 &&
	    cJSON_IsObject(cJSON_GetObjectItem(cJSON_GetArrayItem(m, 0),
	    "result")), "a batch: an array of the answers");
	cJSON_Delete(v);
}

static void
test_calls(void)
{
	cJSON *v, *r, *t;
	int rc;

	v = run_s("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"echo\",\"arguments\":{\"a\":[1,\"x\"]}}}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"echo\"}}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"fail\",\"arguments\":{}}}\n", &rc);
	r = cJSON_GetObjectItem(cJSON_GetArrayItem(v, 0), "result");
	t = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "tools"), 0);
	ok(str_at(t, "name", NULL) && str_at(t, "description", NULL) &&
	    !strcmp(str_at(t, "inputSchema", "type"), "object"),
	    "tools/list: name, description, inputSchema (' made \")");
	r = cJSON_GetObjectItem(cJSON_GetArrayItem(v, 1), "result");
	t = cJSON_Parse(str_at(cJSON_GetArrayItem(cJSON_GetObjectItem(r,
	    "content"), 0), "text", NULL));
	ok(t && cJSON_Compare(t, cJSON_GetObjectItem(r, "structuredContent"),
	    1) && cJSON_GetArraySize(cJSON_GetObjectItem(t, "a")) == 2 &&
	    !cJSON_GetObjectItem(r, "isError"),
	    "a result: the same JSON as text and structuredContent");
	cJSON_Delete(t);
	r = cJSON_GetObjectItem(cJSON_GetArrayItem(v, 2), "result");
	ok(cJSON_IsObject(cJSON_GetObjectItem(r, "structuredContent")) &&
	    !cJSON_GetObjectItem(r, "isError"), "no arguments: {}");
	r = cJSON_GetObjectItem(cJSON_GetArrayItem(v, 3), "result");
	t = cJSON_Parse(str_at(cJSON_GetArrayItem(cJSON_GetObjectItem(r,
	    "content"), 0), "text", NULL));
	ok(cJSON_IsTrue(cJSON_GetObjectItem(r, "isError")) &&
	    !strcmp(str_at(t, "error", NULL), "it failed, as asked"),
	    "a tool error: isError, {\"error\": the line}");
	cJSON_Delete(t);
	cJSON_Delete(v);
}

static double
id_at(const cJSON *v, int i)
{
	const cJSON *id = cJSON_GetObjectItem(cJSON_GetArrayItem(v, i), "id");

	return cJSON_IsNumber(id) ? id->valuedouble : -1;
}

static void
test_wait(void)
{
	cJSON *v;
	int rc;

	sleeps_ended = 0;
	v = run_s("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"wait\"}}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}\n"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
	    "\"params\":{\"requestId\":1,\"reason\":\"enough\"}}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\"}\n", &rc);
	is_int(sleeps_ended, 1, "the wait ended early");
	is_int(cJSON_GetArraySize(v), 3, "3 answers: none for the cancelled "
	    "call");
	ok(cJSON_GetArraySize(v) == 3 && id_at(v, 0) == 3 && id_at(v, 1) ==
	    4 && id_at(v, 2) == 2, "pings answered during the call, then the "
	    "kept request");
	cJSON_Delete(v);

	sleeps_ended = 0;
	v = run_s("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"wait\"}}\n", &rc);
	ok(sleeps_ended == 1 && cJSON_GetArraySize(v) == 1 &&
	    cJSON_GetObjectItem(cJSON_GetArrayItem(v, 0), "result"),
	    "EOF during a wait ends it; the answer still goes out");
	cJSON_Delete(v);
}

static void
test_big_and_closed(void)
{
	const char *two = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"ping\"}\n{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}\n";
	size_t n = (size_t)MCP_MAX_MESSAGE + 10;
	struct buf in = BUF_INIT, err = BUF_INIT;
	cJSON *v;
	int rc, p[2], f;

	buf_grow(&in, n + 100);
	memset(in.s, 'x', n);
	in.len = n;
	buf_adds(&in, "\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n");
	v = run(in.s, in.len, 0, &rc);
	ok(cJSON_GetArraySize(v) == 2 && code_of(cJSON_GetArrayItem(v, 0)) ==
	    -32600 && cJSON_GetObjectItem(cJSON_GetArrayItem(v, 1), "result"),
	    "an over-long line: -32600, then the next line is answered");
	cJSON_Delete(v);
	buf_release(&in);

	f = tmpfd();
	if (write(f, two, strlen(two)) != (ssize_t)strlen(two))
		printf("# short write\n");
	lseek(f, 0, SEEK_SET);
	if (pipe(p) == 0) {
		close(p[0]);
		is_int(mcp_server_run(&info, f, p[1], &err), 0, "the client "
		    "gone (EPIPE): 0");
		close(p[1]);
	}
	close(f);
	buf_release(&err);
}

static void
test_gateway_tools(void)
{
	static const char *const names[] = { "conversations_list",
		"conversation_get", "messages_read", "attachments_fetch",
		"events_poll", "events_wait", "messages_send", "channels_list",
		"permissions_list_open", "permissions_respond" };
	const char *in = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/list\"}\n";
	cJSON *v, *tl, *t;
	size_t i, good = 0;
	int rc;

	v = run(in, strlen(in), 1, &rc);
	tl = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(v, 0),
	    "result"), "tools");
	is_int(cJSON_GetArraySize(tl), 10, "the gateway lists 10 tools");
	for (i = 0; i < HM_ARRAY_SIZE(names); i++) {
		t = cJSON_GetArrayItem(tl, (int)i);
		good += t && !strcmp(str_at(t, "name", NULL), names[i]) &&
		    cJSON_IsObject(cJSON_GetObjectItem(cJSON_GetObjectItem(t,
		    "inputSchema"), "properties"));
	}
	is_int(good, 10, "named as in Hermes, each schema well-formed");
	cJSON_Delete(v);
}

int
main(void)
{
	struct buf err = BUF_INIT;

	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(home)) {
		perror("mkdtemp");
		return 1;
	}
	unsetenv("HERMES_PROFILE");
	setenv("HERMES_HOME", home, 1);
	is_int(hm_home_init(&err), 0, "hm_home_init");
	test_handshake();
	test_errors();
	test_calls();
	test_wait();
	test_big_and_closed();
	test_gateway_tools();
	nftw(home, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	buf_release(&err);
	return done_testing();
}
