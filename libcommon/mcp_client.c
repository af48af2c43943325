/*
 * mcp_client.c: the JSON-RPC 2.0 side of an MCP connection (mcp.h):
 * ids, waiting for a reply, answering the server's requests, the
 * initialize handshake, tools/list and tools/call.  Requests go one at a
 * time, numbered 1, 2, ...; a reply to an earlier id (a request that
 * timed out) is dropped, a reply to an id never sent is a broken server.
 */
#include <stdarg.h>
#include <time.h>

#include "config.h"
#include "sig.h"
#include "mcp_int.h"
#include "common.h"
#include "timeutil.h"

static const char *const versions[] = {
	MCP_PROTOCOL, "2025-06-18", "2025-03-26", "2024-11-05", NULL
};

long long
mcp_now_ms(void)
{
	return tu_mono_ms();
}

void
mcp_set_dead(struct mcp_client *c, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (c->dead)
		return;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	c->dead = buf_detach(&b);
}

static int
send_json(struct mcp_client *c, cJSON *msg, long long deadline,
    struct buf *err)
{
	char *s = cJSON_PrintUnformatted(msg);
	int rc;

	if (!s)
		hm_oom();
	if (c->s->url)
		rc = mcp_http_send(c, s, strlen(s), cJSON_GetObjectItem(msg,
		    "method") && cJSON_GetObjectItem(msg, "id"), deadline,
		    err);
	else
		rc = mcp_stdio_send(c, s, strlen(s), deadline, err);
	cJSON_free(s);
	return rc;
}

static cJSON *
message(void)
{
	cJSON *m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "jsonrpc", "2.0");
	return m;
}

/* roots/list: the server's "roots" in mcp.json as file:// URIs. */
static cJSON *
roots_result(const struct mcp_client *c)
{
	cJSON *r = cJSON_CreateObject(), *v = cJSON_AddArrayToObject(r,
	    "roots"), *root;
	struct buf uri = BUF_INIT;
	char **p;

	for (p = c->s->roots; p && *p; p++) {
		buf_reset(&uri);
		buf_addf(&uri, "file://%s", *p);
		root = cJSON_CreateObject();
		cJSON_AddStringToObject(root, "uri", uri.s);
		cJSON_AddStringToObject(root, "name", strrchr(*p, '/') &&
		    strrchr(*p, '/')[1] ? strrchr(*p, '/') + 1 : *p);
		cJSON_AddItemToArray(v, root);
	}
	buf_release(&uri);
	return r;
}

/*
 * elicitation/create: declined, unless the caller set elicit_defaults
 * (hermes-mcp call --elicit-defaults) and the form proposes a default
 * for every required field and at least one: then accepted with those
 * defaults (SEP-1034), as a person who submits the form untouched
 * would.  A URL-mode request, or a form with nothing proposed, is always
 * declined.
 */
static cJSON *
elicit_result(const struct mcp_client *c, const cJSON *params)
{
	const cJSON *schema = cJSON_GetObjectItem(params, "requestedSchema");
	const cJSON *props = cJSON_GetObjectItem(schema, "properties");
	const cJSON *req = cJSON_GetObjectItem(schema, "required"), *it, *d;
	const char *mode = cJSON_GetStringValue(cJSON_GetObjectItem(params,
	    "mode"));
	cJSON *r = cJSON_CreateObject(), *content = cJSON_CreateObject();

	if (c->s->elicit_defaults && (!mode || !strcmp(mode, "form")) &&
	    cJSON_IsObject(props)) {
		cJSON_ArrayForEach(it, props)
			if ((d = cJSON_GetObjectItem(it, "default")))
				cJSON_AddItemToObject(content, it->string,
				    cJSON_Duplicate(d, 1));
		cJSON_ArrayForEach(it, req)
			if (!cJSON_IsString(it) || !cJSON_GetObjectItem(
			    content, it->valuestring))
				break;
		if (!it && cJSON_GetArraySize(content) > 0) {
			cJSON_AddStringToObject(r, "action", "accept");
			cJSON_AddItemToObject(r, "content", content);
			return r;
		}
	}
	cJSON_Delete(content);
	cJSON_AddStringToObject(r, "action", "decline");
	return r;
}

/* The server asked us something: ping and roots/list get an answer,
 * elicitation/create a decline (see above), anything else (sampling
 * too) "method not found". */
static void
answer(struct mcp_client *c, const char *method, const cJSON *id,
    const cJSON *params)
{
	struct buf err = BUF_INIT;
	cJSON *m = message(), *e;

	cJSON_AddItemToObject(m, "id", cJSON_Duplicate(id, 1));
	if (!strcmp(method, "ping")) {
		cJSON_AddObjectToObject(m, "result");
	} else if (!strcmp(method, "roots/list")) {
		cJSON_AddItemToObject(m, "result", roots_result(c));
	} else if (!strcmp(method, "elicitation/create")) {
		cJSON_AddItemToObject(m, "result", elicit_result(c, params));
	} else {
		e = cJSON_AddObjectToObject(m, "error");
		cJSON_AddNumberToObject(e, "code", -32601);
		cJSON_AddStringToObject(e, "message", "Method not found");
	}
	if (send_json(c, m, mcp_now_ms() + c->s->timeout * 1000, &err) < 0)
		mcp_set_dead(c, "%s", buf_str(&err));
	buf_release(&err);
	cJSON_Delete(m);
}

static int
dispatch_one(struct mcp_client *c, cJSON *msg)
{
	cJSON *id = cJSON_GetObjectItem(msg, "id");
	const char *method = cJSON_GetStringValue(cJSON_GetObjectItem(msg,
	    "method"));
	double n;

	if (!cJSON_IsObject(msg)) {
		mcp_set_dead(c, "server '%s' sent JSON that is not a JSON-RPC "
		    "message", c->s->name);
		return -1;
	}
	if (method) {
		if (id && !cJSON_IsNull(id))
			answer(c, method, id, cJSON_GetObjectItem(msg,
			    "params"));
		else if (!strcmp(method, "notifications/tools/list_changed"))
			c->tools_changed = 1;
		return c->dead ? -1 : 0;
	}
	if (!cJSON_GetObjectItem(msg, "result") &&
	    !cJSON_GetObjectItem(msg, "error")) {
		mcp_set_dead(c, "server '%s' sent a message with neither "
		    "method, result nor error", c->s->name);
		return -1;
	}
	n = cJSON_IsNumber(id) ? id->valuedouble : -1;
	if (c->waiting && !c->reply && (n == (double)c->waiting ||
	    ((!id || cJSON_IsNull(id)) && cJSON_GetObjectItem(msg,
	    "error")))) {	/* an error the server could not place */
		c->reply = cJSON_Duplicate(msg, 1);
		return 0;
	}
	if (n >= 1 && n < (double)c->next_id && n == (long)n)
		return 0;	/* the late reply to a request given up on */
	if (!id || cJSON_IsNull(id))
		return 0;	/* an error about a notification of ours */
	mcp_set_dead(c, "server '%s' answered id %s, which was never asked",
	    c->s->name, cJSON_IsString(id) ? id->valuestring :
	    cJSON_IsNumber(id) ? "(a number)" : "(none)");
	return -1;
}

int
mcp_dispatch(struct mcp_client *c, cJSON *msg)
{
	cJSON *it;

	if (!cJSON_IsArray(msg))
		return dispatch_one(c, msg);
	cJSON_ArrayForEach(it, msg)
		if (dispatch_one(c, it) < 0)
			return -1;
	return 0;
}

static int
notify(struct mcp_client *c, const char *method, cJSON *params,
    struct buf *err)
{
	cJSON *m = message();
	int rc;

	cJSON_AddStringToObject(m, "method", method);
	if (params)
		cJSON_AddItemToObject(m, "params", params);
	rc = send_json(c, m, mcp_now_ms() + c->s->timeout * 1000, err);
	cJSON_Delete(m);
	return rc;
}

/* A JSON-RPC error object as one line. */
static int
rpc_error(struct mcp_client *c, const char *method, const cJSON *e,
    struct buf *err)
{
	const cJSON *code = cJSON_GetObjectItem(e, "code");
	const char *msg = cJSON_GetStringValue(cJSON_GetObjectItem(e,
	    "message"));

	return hm_fail(err, HM_EFAIL, "server '%s': %s: %s (error %ld)",
	    c->s->name, method, msg ? msg : "no message",
	    cJSON_IsNumber(code) ? (long)code->valuedouble : 0L);
}

int
mcp_request(struct mcp_client *c, const char *method, cJSON *params,
    long timeout_ms, cJSON **result, struct buf *err)
{
	long long deadline = mcp_now_ms() + timeout_ms;
	struct buf junk = BUF_INIT;
	cJSON *m, *r, *p;
	long id;
	int rc;

	*result = NULL;
	if (c->dead) {
		cJSON_Delete(params);
		return hm_fail(err, HM_EFAIL, "%s", c->dead);
	}
	id = c->next_id++;
	m = message();
	cJSON_AddNumberToObject(m, "id", (double)id);
	cJSON_AddStringToObject(m, "method", method);
	if (params)
		cJSON_AddItemToObject(m, "params", params);
	c->waiting = id;
	cJSON_Delete(c->reply);
	c->reply = NULL;
	rc = send_json(c, m, deadline, err);
	cJSON_Delete(m);
	while (rc == 0 && !c->reply && !c->dead) {
		if (c->s->url) {
			mcp_set_dead(c, "server '%s' ended its answer to %s "
			    "without a reply", c->s->name, method);
			break;
		}
		rc = mcp_stdio_wait(c, deadline, err);
	}
	c->waiting = 0;
	if (rc == 1) {	/* timed out: cancel, and do not trust it again */
		p = cJSON_CreateObject();
		cJSON_AddNumberToObject(p, "requestId", (double)id);
		cJSON_AddStringToObject(p, "reason", "timeout");
		notify(c, "notifications/cancelled", p, &junk);
		buf_release(&junk);
		mcp_set_dead(c, "server '%s' did not answer %s within %ld s",
		    c->s->name, method, (timeout_ms + 999) / 1000);
		return hm_fail(err, HM_EFAIL, "%s", c->dead);
	}
	if (rc < 0)
		return rc;
	if (!c->reply)
		return hm_fail(err, HM_EFAIL, "%s", c->dead);
	r = c->reply;
	c->reply = NULL;
	if (cJSON_GetObjectItem(r, "error")) {
		rc = rpc_error(c, method, cJSON_GetObjectItem(r, "error"),
		    err);
		cJSON_Delete(r);
		return rc;
	}
	*result = cJSON_DetachItemFromObject(r, "result");
	cJSON_Delete(r);
	return 0;
}

static int
handshake(struct mcp_client *c, struct buf *err)
{
	cJSON *p = cJSON_CreateObject(), *caps, *info, *res = NULL;
	struct buf b = BUF_INIT;
	const char *v, *name, *ver;
	size_t i;
	int rc;

	cJSON_AddStringToObject(p, "protocolVersion", MCP_PROTOCOL);
	caps = cJSON_AddObjectToObject(p, "capabilities");
	cJSON_AddBoolToObject(cJSON_AddObjectToObject(caps, "roots"),
	    "listChanged", 0);
	if (c->s->elicit_defaults)	/* {}: forms only, in every version */
		cJSON_AddObjectToObject(caps, "elicitation");
	info = cJSON_AddObjectToObject(p, "clientInfo");
	cJSON_AddStringToObject(info, "name", "hermes");
	cJSON_AddStringToObject(info, "version", HM_VERSION);
	rc = mcp_request(c, "initialize", p, c->s->connect_timeout * 1000,
	    &res, err);
	if (rc < 0)
		return rc;
	v = cJSON_GetStringValue(cJSON_GetObjectItem(res, "protocolVersion"));
	for (i = 0; v && versions[i]; i++)
		if (!strcmp(v, versions[i]))
			break;
	if (!v || !versions[i]) {
		rc = hm_fail(err, HM_EFAIL, "server '%s' speaks MCP protocol "
		    "'%s', which hermes does not (it knows %s to %s)",
		    c->s->name, v ? v : "(none)", versions[3], versions[0]);
		cJSON_Delete(res);
		return rc;
	}
	snprintf(c->protocol, sizeof(c->protocol), "%s", v);
	info = cJSON_GetObjectItem(res, "serverInfo");
	name = cJSON_GetStringValue(cJSON_GetObjectItem(info, "name"));
	ver = cJSON_GetStringValue(cJSON_GetObjectItem(info, "version"));
	buf_addf(&b, "%s%s%s", name ? name : c->s->name, ver ? " " : "",
	    ver ? ver : "");
	free(c->server);
	c->server = buf_detach(&b);
	c->has_tools = cJSON_IsObject(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    res, "capabilities"), "tools"));
	cJSON_Delete(res);
	c->initialized = 1;
	return notify(c, "notifications/initialized", NULL, err);
}

int
mcp_open(struct mcp_client **cp, const struct mcp_server *s,
    const struct config *cfg, struct buf *err)
{
	struct mcp_client *c = xcalloc(1, sizeof(*c));
	struct buf why = BUF_INIT;
	int rc;

	c->s = s;
	c->cfg = cfg;
	c->next_id = 1;
	c->in = c->out = -1;
	*cp = c;
	rc = s->url ? mcp_http_open(c, &why) : mcp_stdio_open(c, &why);
	if (rc < 0)	/* a ${VAR} not set, a bad URL, no such command */
		rc = hm_fail(err, HM_EFAIL, "%s%s%s%s", strncmp(why.s,
		    "server '", 8) ? "server '" : "", strncmp(why.s,
		    "server '", 8) ? s->name : "", strncmp(why.s, "server '",
		    8) ? "': " : "", why.s);
	buf_release(&why);
	if (rc == 0)
		rc = handshake(c, err);
	if (rc < 0) {
		mcp_close(c);
		*cp = NULL;
	}
	return rc;
}

/* Re-run the handshake on a new HTTP session (the old one is gone). */
int mcp_http_reinit(struct mcp_client *c, struct buf *err);
int
mcp_http_reinit(struct mcp_client *c, struct buf *err)
{
	long waiting = c->waiting;
	int rc;

	c->initialized = 0;
	rc = handshake(c, err);
	c->waiting = waiting;
	return rc;
}

const char *
mcp_server_name(const struct mcp_client *c)
{
	return c->server ? c->server : c->s->name;
}

const char *
mcp_protocol(const struct mcp_client *c)
{
	return c->protocol;
}

int
mcp_alive(const struct mcp_client *c)
{
	return !c->dead;
}

int
mcp_tools_changed(struct mcp_client *c)
{
	struct buf err = BUF_INIT;

	if (c->dead)
		;
	else if (c->s->url)
		mcp_http_poll(c);		/* read what is waiting */
	else
		mcp_stdio_wait(c, 0, &err);
	buf_release(&err);
	return c->tools_changed;
}

void
mcp_tools_free(struct mcp_tool_info *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].description);
		free(v[i].schema);
	}
	free(v);
}

static int
add_tools(struct mcp_client *c, const cJSON *tools, struct mcp_tool_info **v,
    size_t *n, struct buf *err)
{
	const cJSON *t, *schema;
	const char *name, *desc;
	char *s;

	if (!cJSON_IsArray(tools))
		return hm_fail(err, HM_EFAIL, "server '%s': tools/list: no "
		    "tools array", c->s->name);
	cJSON_ArrayForEach(t, tools) {
		name = cJSON_GetStringValue(cJSON_GetObjectItem(t, "name"));
		if (!name || !*name)
			return hm_fail(err, HM_EFAIL, "server '%s': tools/list:"
			    " a tool without a name", c->s->name);
		if (!mcp_tool_allowed(c->s, name))
			continue;
		desc = cJSON_GetStringValue(cJSON_GetObjectItem(t,
		    "description"));
		schema = cJSON_GetObjectItem(t, "inputSchema");
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[*n].name = xstrdup(name);
		(*v)[*n].description = xstrdup(desc ? desc : "");
		s = cJSON_IsObject(schema) ? cJSON_PrintUnformatted(schema) :
		    NULL;
		(*v)[*n].schema = xstrdup(s ? s : "{\"type\":\"object\"}");
		cJSON_free(s);
		(*n)++;
	}
	return 0;
}

int
mcp_list_tools(struct mcp_client *c, struct mcp_tool_info **v, size_t *n,
    struct buf *err)
{
	cJSON *p = NULL, *res;
	const char *cursor;
	int rc, pages = 0;

	*v = NULL;
	*n = 0;
	c->tools_changed = 0;
	if (!c->has_tools)
		return 0;	/* it said it has none: do not ask */
	for (;;) {
		rc = mcp_request(c, "tools/list", p, c->s->timeout * 1000,
		    &res, err);
		if (rc == 0)
			rc = add_tools(c, cJSON_GetObjectItem(res, "tools"), v,
			    n, err);
		cursor = rc == 0 ? cJSON_GetStringValue(cJSON_GetObjectItem(
		    res, "nextCursor")) : NULL;
		p = NULL;
		if (cursor && *cursor) {
			p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "cursor", cursor);
		}
		cJSON_Delete(res);
		if (rc < 0 || !p)
			break;
		if (++pages == 1000) {
			cJSON_Delete(p);
			rc = hm_fail(err, HM_EFAIL, "server '%s': tools/list "
			    "gave 1000 pages; giving up", c->s->name);
			break;
		}
	}
	if (rc < 0) {
		mcp_tools_free(*v, *n);
		*v = NULL;
		*n = 0;
	}
	return rc;
}

int
mcp_call(struct mcp_client *c, const char *tool, const cJSON *args,
    cJSON **result, struct buf *err)
{
	cJSON *p = cJSON_CreateObject();
	int rc;

	cJSON_AddStringToObject(p, "name", tool);
	cJSON_AddItemToObject(p, "arguments", args ? cJSON_Duplicate(args, 1) :
	    cJSON_CreateObject());
	rc = mcp_request(c, "tools/call", p, c->s->timeout * 1000, result,
	    err);
	if (rc == 0 && !cJSON_IsObject(*result)) {
		cJSON_Delete(*result);
		*result = NULL;
		rc = hm_fail(err, HM_EFAIL, "server '%s': tools/call %s: the "
		    "result is not an object", c->s->name, tool);
	}
	return rc;
}

void
mcp_close(struct mcp_client *c)
{
	if (!c)
		return;
	if (c->s->url)
		mcp_http_close(c);
	else
		mcp_stdio_close(c);
	cJSON_Delete(c->reply);
	free(c->server);
	free(c->dead);
	free(c);
}

/* ---- results ---- */

static size_t
b64_bytes(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n / 4 * 3;
}

static void
render_item(const cJSON *it, struct buf *out)
{
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(it,
	    "type"));
	const char *mime = cJSON_GetStringValue(cJSON_GetObjectItem(it,
	    "mimeType"));
	const cJSON *r;
	const char *s;

	if (out->len)
		buf_addc(out, '\n');
	if (!type) {
		buf_adds(out, "[content without a type]");
	} else if (!strcmp(type, "text")) {
		s = cJSON_GetStringValue(cJSON_GetObjectItem(it, "text"));
		buf_adds(out, s ? s : "");
	} else if (!strcmp(type, "image") || !strcmp(type, "audio")) {
		buf_addf(out, "[%s: %s, %zu bytes, not shown]", type,
		    mime ? mime : "unknown type", b64_bytes(cJSON_GetStringValue(
		    cJSON_GetObjectItem(it, "data"))));
	} else if (!strcmp(type, "resource_link")) {
		s = cJSON_GetStringValue(cJSON_GetObjectItem(it, "uri"));
		buf_addf(out, "[resource link: %s", s ? s : "(no uri)");
		s = cJSON_GetStringValue(cJSON_GetObjectItem(it, "name"));
		if (s)
			buf_addf(out, " (%s)", s);
		s = cJSON_GetStringValue(cJSON_GetObjectItem(it,
		    "description"));
		if (s)
			buf_addf(out, ": %s", s);
		buf_addc(out, ']');
	} else if (!strcmp(type, "resource")) {
		r = cJSON_GetObjectItem(it, "resource");
		s = cJSON_GetStringValue(cJSON_GetObjectItem(r, "uri"));
		mime = cJSON_GetStringValue(cJSON_GetObjectItem(r, "mimeType"));
		if (cJSON_GetStringValue(cJSON_GetObjectItem(r, "text")))
			buf_addf(out, "[resource %s]\n%s", s ? s : "(no uri)",
			    cJSON_GetObjectItem(r, "text")->valuestring);
		else
			buf_addf(out, "[resource %s: %s, %zu bytes, not shown]",
			    s ? s : "(no uri)", mime ? mime : "unknown type",
			    b64_bytes(cJSON_GetStringValue(cJSON_GetObjectItem(
			    r, "blob"))));
	} else {
		buf_addf(out, "[%s content]", type);
	}
}

int
mcp_render(const cJSON *result, struct buf *out)
{
	const cJSON *content = cJSON_GetObjectItem(result, "content"), *it;
	const cJSON *sc = cJSON_GetObjectItem(result, "structuredContent");
	int text = 0;
	char *s;

	cJSON_ArrayForEach(it, content) {
		render_item(it, out);
		if (cJSON_GetStringValue(cJSON_GetObjectItem(it, "type")) &&
		    !strcmp(cJSON_GetObjectItem(it, "type")->valuestring,
		    "text"))
			text = 1;
	}
	if (sc && !text) {
		s = cJSON_PrintUnformatted(sc);
		if (out->len)
			buf_addc(out, '\n');
		buf_adds(out, s ? s : "");
		cJSON_free(s);
	}
	return cJSON_IsTrue(cJSON_GetObjectItem(result, "isError"));
}
