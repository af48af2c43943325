/*
 * mcp_server.c: the MCP server side over stdio (mcp_server.h).  One
 * thread, one loop: read bytes, cut them into lines, answer each line
 * in order.  A tool that waits calls mcp_server_sleep, which goes on
 * reading: pings and the cancellation of the running call are handled
 * there and cut out of the buffer; every other line stays, marked as
 * seen, for the loop to answer after the call.
 */
#include <fcntl.h>
#include <poll.h>
#include <time.h>

#include "common.h"
#include "mcp.h"
#include "mcp_server.h"
#include "timeutil.h"

#define CHUNK	65536

static const char *const versions[] = {
	MCP_PROTOCOL, "2025-06-18", "2025-03-26", "2024-11-05", NULL
};

struct mcp_server_ctx {
	const struct mcp_server_info *info;
	int in, out;
	struct buf rbuf;	/* read, not yet answered */
	size_t seen;		/* rbuf up to here was looked at by a sleep */
	int eof;		/* the input ended (or failed) */
	int dead;		/* the output failed: the client is gone */
	int skipping;		/* inside an over-long line */
	cJSON *running;		/* the id of the call running, or NULL */
	int cancelled;		/* ... which the client cancelled */
};

void *
mcp_server_data(struct mcp_server_ctx *x)
{
	return x->info->data;
}

static void
send_msg(struct mcp_server_ctx *x, const cJSON *m)
{
	char *s;
	size_t n, off = 0;
	ssize_t w;

	if (x->dead || !m)
		return;
	if (!(s = cJSON_PrintUnformatted(m)))
		hm_oom();
	n = strlen(s);
	s[n] = '\n';	/* over the NUL: we write n + 1 bytes, no string */
	while (off < n + 1) {
		w = write(x->out, s + off, n + 1 - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			x->dead = 1;	/* EPIPE: the client went away */
			break;
		}
		off += (size_t)w;
	}
	cJSON_free(s);
}

static cJSON *
reply(const cJSON *id)
{
	cJSON *m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "jsonrpc", "2.0");
	cJSON_AddItemToObject(m, "id", id ? cJSON_Duplicate(id, 1) :
	    cJSON_CreateNull());
	return m;
}

static cJSON *
error_reply(const cJSON *id, int code, const char *msg)
{
	cJSON *m = reply(id), *e = cJSON_AddObjectToObject(m, "error");

	cJSON_AddNumberToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", msg);
	return m;
}

/* ---- methods ---- */

static cJSON *
initialize(struct mcp_server_ctx *x, const cJSON *id, const cJSON *params)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(params,
	    "protocolVersion"));
	cJSON *m, *r, *caps, *info;
	size_t i;

	if (!v)
		return error_reply(id, -32602, "initialize: params."
		    "protocolVersion is missing");
	for (i = 0; versions[i] && strcmp(versions[i], v); i++)
		;
	m = reply(id);
	r = cJSON_AddObjectToObject(m, "result");
	cJSON_AddStringToObject(r, "protocolVersion", versions[i] ?
	    versions[i] : versions[0]);
	caps = cJSON_AddObjectToObject(r, "capabilities");
	cJSON_AddBoolToObject(cJSON_AddObjectToObject(caps, "tools"),
	    "listChanged", 0);
	info = cJSON_AddObjectToObject(r, "serverInfo");
	cJSON_AddStringToObject(info, "name", x->info->name);
	cJSON_AddStringToObject(info, "version", x->info->version);
	if (x->info->instructions)
		cJSON_AddStringToObject(r, "instructions",
		    x->info->instructions);
	return m;
}

static cJSON *
schema_of(const char *s)
{
	char *t = xstrdup(s), *p;
	cJSON *o;

	for (p = t; *p; p++)
		if (*p == '\'')
			*p = '"';
	o = cJSON_Parse(t);
	free(t);
	if (!cJSON_IsObject(o)) {	/* a bad table: still a valid schema */
		cJSON_Delete(o);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "object");
	}
	return o;
}

static cJSON *
tools_list(struct mcp_server_ctx *x, const cJSON *id)
{
	cJSON *m = reply(id), *v, *t;
	size_t i;

	v = cJSON_AddArrayToObject(cJSON_AddObjectToObject(m, "result"),
	    "tools");
	for (i = 0; i < x->info->ntools; i++) {
		t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "name", x->info->tools[i].name);
		cJSON_AddStringToObject(t, "description",
		    x->info->tools[i].description);
		cJSON_AddItemToObject(t, "inputSchema",
		    schema_of(x->info->tools[i].schema));
		cJSON_AddItemToArray(v, t);
	}
	return m;
}

static cJSON *
text_result(const char *text)
{
	cJSON *r = cJSON_CreateObject(), *c = cJSON_CreateObject();

	cJSON_AddStringToObject(c, "type", "text");
	cJSON_AddStringToObject(c, "text", text);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "content"), c);
	return r;
}

static cJSON *
tools_call(struct mcp_server_ctx *x, const cJSON *id, const cJSON *params)
{
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(params,
	    "name"));
	const cJSON *args = cJSON_GetObjectItem(params, "arguments");
	const struct mcp_server_tool *t = NULL;
	struct buf err = BUF_INIT, msg = BUF_INIT;
	cJSON *res = NULL, *m, *r, *e;
	char *s;
	size_t i;
	int rc;

	if (!name)
		return error_reply(id, -32602, "tools/call: params.name is "
		    "missing");
	if (args && !cJSON_IsNull(args) && !cJSON_IsObject(args))
		return error_reply(id, -32602, "tools/call: params.arguments "
		    "is not an object");
	for (i = 0; i < x->info->ntools && !t; i++)
		if (!strcmp(x->info->tools[i].name, name))
			t = &x->info->tools[i];
	if (!t) {
		buf_addf(&msg, "Unknown tool: %s", name);
		m = error_reply(id, -32602, msg.s);
		buf_release(&msg);
		return m;
	}
	e = args && cJSON_IsObject(args) ? NULL : cJSON_CreateObject();
	x->running = cJSON_Duplicate(id, 1);
	x->cancelled = 0;
	rc = t->call(x, e ? e : args, &res, &err);
	cJSON_Delete(e);
	cJSON_Delete(x->running);
	x->running = NULL;
	if (x->cancelled) {	/* no answer to a cancelled request */
		cJSON_Delete(res);
		buf_release(&err);
		return NULL;
	}
	if (rc < 0) {
		cJSON_Delete(res);
		res = cJSON_CreateObject();
		cJSON_AddStringToObject(res, "error", err.len ? err.s :
		    "the tool failed");
	} else if (!cJSON_IsObject(res)) {
		cJSON_Delete(res);
		res = cJSON_CreateObject();
	}
	if (!(s = cJSON_PrintUnformatted(res)))
		hm_oom();
	r = text_result(s);
	cJSON_free(s);
	if (rc < 0) {
		cJSON_AddBoolToObject(r, "isError", 1);
		cJSON_Delete(res);
	} else {
		cJSON_AddItemToObject(r, "structuredContent", res);
	}
	m = reply(id);
	cJSON_AddItemToObject(m, "result", r);
	buf_release(&err);
	return m;
}

/* One message (not a batch): its response, or NULL for none. */
static cJSON *
handle_one(struct mcp_server_ctx *x, const cJSON *msg)
{
	const cJSON *id = cJSON_GetObjectItem(msg, "id");
	const cJSON *params = cJSON_GetObjectItem(msg, "params");
	const char *method, *v;

	if (!cJSON_IsObject(msg))
		return error_reply(NULL, -32600, "Invalid Request: not a "
		    "JSON-RPC message");
	v = cJSON_GetStringValue(cJSON_GetObjectItem(msg, "jsonrpc"));
	method = cJSON_GetStringValue(cJSON_GetObjectItem(msg, "method"));
	if (id && !cJSON_IsNull(id) && !cJSON_IsString(id) &&
	    !cJSON_IsNumber(id))
		return error_reply(NULL, -32600, "Invalid Request: id must be "
		    "a string or a number");
	if (!method && (cJSON_GetObjectItem(msg, "result") ||
	    cJSON_GetObjectItem(msg, "error")))
		return NULL;	/* a response: we ask nothing, so ignore */
	if (!v || strcmp(v, "2.0") || !method)
		return error_reply(id, -32600, "Invalid Request: jsonrpc "
		    "2.0 and a method are required");
	if (!id || cJSON_IsNull(id))
		return NULL;	/* a notification: initialized, cancelled */
	if (params && !cJSON_IsObject(params) && !cJSON_IsArray(params))
		return error_reply(id, -32602, "Invalid params: not an "
		    "object");
	if (!strcmp(method, "initialize"))
		return initialize(x, id, params);
	if (!strcmp(method, "ping")) {
		cJSON *m = reply(id);

		cJSON_AddObjectToObject(m, "result");
		return m;
	}
	if (!strcmp(method, "tools/list"))
		return tools_list(x, id);
	if (!strcmp(method, "tools/call"))
		return tools_call(x, id, params);
	return error_reply(id, -32601, "Method not found");
}

static void
handle_line(struct mcp_server_ctx *x, const char *line)
{
	cJSON *msg, *out, *r;
	const cJSON *it;

	while (*line == ' ' || *line == '\t' || *line == '\r')
		line++;
	if (!*line)
		return;		/* an empty line is nothing */
	if (!(msg = cJSON_Parse(line))) {
		out = error_reply(NULL, -32700, "Parse error");
	} else if (cJSON_IsArray(msg)) {
		out = cJSON_CreateArray();
		cJSON_ArrayForEach(it, msg)
			if ((r = handle_one(x, it)))
				cJSON_AddItemToArray(out, r);
		if (!cJSON_GetArraySize(out)) {
			cJSON_Delete(out);
			out = cJSON_GetArraySize(msg) ? NULL : error_reply(NULL,
			    -32600, "Invalid Request: an empty batch");
		}
	} else {
		out = handle_one(x, msg);
	}
	send_msg(x, out);
	cJSON_Delete(out);
	cJSON_Delete(msg);
}

/* ---- input ---- */

/* Read what is there (after poll said so, or blocking when idle). */
static int
read_more(struct mcp_server_ctx *x, struct buf *err)
{
	ssize_t n;

	buf_grow(&x->rbuf, CHUNK);
	do
		n = read(x->in, x->rbuf.s + x->rbuf.len, CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		x->eof = 1;
		return hm_fail(err, HM_EIO, "cannot read the client's "
		    "messages: %s", strerror(errno));
	}
	if (n == 0)
		x->eof = 1;
	x->rbuf.len += (size_t)n;	/* buf_grow made the room */
	x->rbuf.s[x->rbuf.len] = '\0';
	if (x->skipping || x->rbuf.len > (size_t)MCP_MAX_MESSAGE) {
		char *nl = memchr(x->rbuf.s, '\n', x->rbuf.len);
		size_t k = nl ? (size_t)(nl - x->rbuf.s) + 1 : x->rbuf.len;

		if (!x->skipping && k > (size_t)MCP_MAX_MESSAGE) {
			cJSON *m = error_reply(NULL, -32600, "Invalid Request: "
			    "a message over the size limit");

			send_msg(x, m);
			cJSON_Delete(m);
			x->skipping = 1;
		}
		if (x->skipping) {	/* drop it, up to its newline */
			memmove(x->rbuf.s, x->rbuf.s + k, x->rbuf.len - k);
			buf_setlen(&x->rbuf, x->rbuf.len - k);
			x->seen = 0;
			x->skipping = !nl;
		}
	}
	return 0;
}

/* The next whole line, malloc'd, or NULL; at EOF the rest counts. */
static char *
next_line(struct mcp_server_ctx *x)
{
	char *nl, *s;
	size_t k;

	if (!x->rbuf.len)
		return NULL;
	nl = memchr(x->rbuf.s, '\n', x->rbuf.len);
	if (!nl && !x->eof)
		return NULL;
	k = nl ? (size_t)(nl - x->rbuf.s) : x->rbuf.len;
	s = xstrndup(x->rbuf.s, k);
	k += nl ? 1 : 0;
	memmove(x->rbuf.s, x->rbuf.s + k, x->rbuf.len - k);
	buf_setlen(&x->rbuf, x->rbuf.len - k);
	x->seen = x->seen > k ? x->seen - k : 0;
	return s;
}

/* During a call: answer pings, note the call's cancellation, keep the
 * rest for later. */
static void
peek(struct mcp_server_ctx *x)
{
	const char *method;
	cJSON *msg, *m, *rid;
	char *nl;
	size_t k, start;
	int cut;

	while (x->seen < x->rbuf.len && (nl = memchr(x->rbuf.s + x->seen,
	    '\n', x->rbuf.len - x->seen))) {
		start = x->seen;
		k = (size_t)(nl - x->rbuf.s) + 1;
		*nl = '\0';
		msg = cJSON_Parse(x->rbuf.s + start);
		*nl = '\n';
		method = cJSON_GetStringValue(cJSON_GetObjectItem(msg,
		    "method"));
		rid = cJSON_GetObjectItem(cJSON_GetObjectItem(msg, "params"),
		    "requestId");
		cut = 0;
		if (method && !strcmp(method, "ping") &&
		    cJSON_GetObjectItem(msg, "id") &&
		    !cJSON_IsNull(cJSON_GetObjectItem(msg, "id"))) {
			m = reply(cJSON_GetObjectItem(msg, "id"));
			cJSON_AddObjectToObject(m, "result");
			send_msg(x, m);
			cJSON_Delete(m);
			cut = 1;
		} else if (method && !strcmp(method,
		    "notifications/cancelled") && x->running && rid &&
		    cJSON_Compare(rid, x->running, 1)) {
			x->cancelled = 1;
			cut = 1;
		}
		cJSON_Delete(msg);
		if (cut) {
			memmove(x->rbuf.s + start, x->rbuf.s + k,
			    x->rbuf.len - k);
			buf_setlen(&x->rbuf, x->rbuf.len - (k - start));
		} else {
			x->seen = k;
		}
	}
}

int
mcp_server_sleep(struct mcp_server_ctx *x, long ms)
{
	long long end = tu_mono_ms() + (ms > 0 ? ms : 0);
	struct buf junk = BUF_INIT;
	struct pollfd p;
	long long left;
	int n;

	peek(x);	/* what came before the call */
	while (!x->eof && !x->cancelled && !x->dead) {
		left = end - tu_mono_ms();
		p.fd = x->in;
		p.events = POLLIN;
		p.revents = 0;
		n = poll(&p, 1, left > 0 ? (int)left : 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			x->eof = 1;	/* the input is unusable: end */
		if (n <= 0)
			break;	/* the time is up */
		read_more(x, &junk);
		buf_reset(&junk);
		peek(x);
		break;		/* let the caller look again */
	}
	buf_release(&junk);
	return x->eof || x->cancelled || x->dead;
}

int
mcp_server_run(const struct mcp_server_info *info, int in, int out,
    struct buf *err)
{
	struct mcp_server_ctx x;
	char *line;
	int rc = 0;

	memset(&x, 0, sizeof(x));
	x.info = info;
	x.in = in;
	x.out = out;
	while (!x.dead) {
		while (!x.dead && (line = next_line(&x))) {
			handle_line(&x, line);
			free(line);
		}
		if (x.eof || x.dead)
			break;
		if ((rc = read_more(&x, err)) < 0)
			break;
	}
	buf_release(&x.rbuf);
	return rc;
}
