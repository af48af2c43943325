/*
 * provider_openai.c: the OpenAI chat-completions wire format, spoken by
 * OpenAI, OpenRouter, Nous, Anthropic's compatibility endpoint and most
 * local servers.  Streaming deltas: choices[0].delta.content,
 * delta.tool_calls[] (id and name once, arguments in pieces),
 * finish_reason, a usage chunk when stream_options.include_usage, then
 * "data: [DONE]".  What servers really send differs, and all of it is
 * taken: tool_calls[].index may start past 0 (text took index 0), skip
 * numbers or be missing (then the id, else the call being streamed,
 * tells which call a piece belongs to); the id may come only in the first
 * piece; the name may be repeated in later pieces; arguments may be null;
 * usage may ride in the finish chunk or in its own with "choices": [];
 * finish_reason may come with an empty delta and content may be "" or
 * null.  See pstream_call in provider.h for how pieces find their call.
 */
#include <cjson/cJSON.h>

#include "common.h"
#include "json.h"
#include "provider.h"

static cJSON *
message_json(const struct message *m)
{
	cJSON *o = cJSON_CreateObject(), *calls, *c, *fn;
	size_t i;

	cJSON_AddStringToObject(o, "role", msg_role_name(m->role));
	if (m->role == MSG_TOOL) {
		cJSON_AddStringToObject(o, "tool_call_id", m->tool_call_id ?
		    m->tool_call_id : "");
		cJSON_AddStringToObject(o, "content", m->content ?
		    m->content : "");
		return o;
	}
	if (m->content || m->role != MSG_ASSISTANT)
		cJSON_AddStringToObject(o, "content", m->content ?
		    m->content : "");
	else
		cJSON_AddNullToObject(o, "content");
	if (m->ncalls) {
		calls = cJSON_AddArrayToObject(o, "tool_calls");
		for (i = 0; i < m->ncalls; i++) {
			c = cJSON_CreateObject();
			cJSON_AddStringToObject(c, "id", m->calls[i].id);
			cJSON_AddStringToObject(c, "type", "function");
			fn = cJSON_AddObjectToObject(c, "function");
			cJSON_AddStringToObject(fn, "name", m->calls[i].name);
			cJSON_AddStringToObject(fn, "arguments",
			    m->calls[i].args);
			cJSON_AddItemToArray(calls, c);
		}
	}
	return o;
}

static char *
print(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o), *r;

	if (!s)
		hm_oom();
	r = xstrdup(s);
	cJSON_free(s);
	return r;
}

/*
 * The body is assembled as text: each message is encoded once and kept
 * in m->wire, so a long tool loop costs a memcpy per message per call,
 * not a cJSON tree of the whole conversation.
 */
void
openai_request(const struct provider *p, const char *model,
    const struct provider_call *call, struct buf *body)
{
	struct message *m;
	cJSON *o;
	char *s;
	size_t i;

	buf_adds(body, "{\"model\":");
	json_add_string(body, model);
	buf_adds(body, ",\"messages\":[");
	for (i = 0; i < call->conv->n; i++) {
		m = (struct message *)&call->conv->m[i];
		if (!m->wire) {
			o = message_json(m);
			m->wire = print(o);
			cJSON_Delete(o);
		}
		if (i)
			buf_addc(body, ',');
		buf_adds(body, m->wire);
	}
	buf_addc(body, ']');
	if (call->tools_json && strcmp(call->tools_json, "[]")) {
		buf_adds(body, ",\"tools\":");
		buf_adds(body, call->tools_json);
	} else if (!call->tools_json && call->tools &&
	    cJSON_GetArraySize(call->tools) > 0) {
		s = print((cJSON *)call->tools);
		buf_addf(body, ",\"tools\":%s", s);
		free(s);
	}
	if (call->schema) {
		s = print((cJSON *)call->schema);
		buf_addf(body, ",\"response_format\":{\"type\":\"json_schema\","
		    "\"json_schema\":{\"name\":\"answer\",\"schema\":%s}}", s);
		free(s);
	}
	if (p->stream)
		buf_adds(body, ",\"stream\":true,\"stream_options\":"
		    "{\"include_usage\":true}");
	buf_addc(body, '}');
}

static void
usage_from(cJSON *u, struct usage *out)
{
	cJSON *d;

	if (!cJSON_IsObject(u))
		return;
	out->input = (long)cJSON_GetNumberValue(cJSON_GetObjectItem(u,
	    "prompt_tokens"));
	out->output = (long)cJSON_GetNumberValue(cJSON_GetObjectItem(u,
	    "completion_tokens"));
	d = cJSON_GetObjectItem(u, "prompt_tokens_details");
	if (cJSON_IsObject(d))
		out->cached = (long)cJSON_GetNumberValue(cJSON_GetObjectItem(d,
		    "cached_tokens"));
	if (out->input < 0)
		out->input = 0;
	if (out->output < 0)
		out->output = 0;
	if (out->cached < 0)
		out->cached = 0;
}

static void
set_finish(struct message *m, const char *f)
{
	if (!f)
		return;
	free(m->finish);
	m->finish = xstrdup(f);
}

/* The stream's index of a tool-call piece, or -1 when it gave none. */
static long
piece_index(const cJSON *tc)
{
	const cJSON *t = cJSON_GetObjectItem(tc, "index");

	if (!cJSON_IsNumber(t) || t->valuedouble < 0 ||
	    t->valuedouble > 1e9)
		return -1;
	return (long)t->valuedouble;
}

/* Arguments as JSON text (some servers send the object itself), or
 * NULL when there are none (null, absent). */
static char *
args_text(const cJSON *a)
{
	char *s, *r;

	if (cJSON_IsString(a))
		return xstrdup(a->valuestring);
	if (!cJSON_IsObject(a))
		return NULL;
	if (!(s = cJSON_PrintUnformatted(a)))
		hm_oom();
	r = xstrdup(s);
	cJSON_free(s);
	return r;
}

static void
add_args(struct pcall *c, const cJSON *a)
{
	char *t = args_text(a);

	if (!t)
		return;
	if (cJSON_IsObject(a))
		buf_reset(&c->args);	/* whole, not a piece */
	buf_adds(&c->args, t);
	c->has_args = 1;
	free(t);
}

int
openai_event(struct pstream *s, const char *event, const char *data)
{
	cJSON *j, *ch, *d, *tcs, *tc, *fn, *e;
	const char *v, *id;
	struct pcall *c;

	if (!strcmp(data, "[DONE]")) {
		s->done = 1;
		return 0;
	}
	j = cJSON_Parse(data);
	if (!j) {
		pstream_bad(s, data);
		return 1;
	}
	if ((e = cJSON_GetObjectItem(j, "error")) || (event &&
	    !strcmp(event, "error"))) {
		v = cJSON_IsString(e) ? e->valuestring :
		    cJSON_GetStringValue(cJSON_GetObjectItem(e ? e : j,
		    "message"));
		s->error = xstrdup(v ? v : data);
		cJSON_Delete(j);
		return 1;
	}
	usage_from(cJSON_GetObjectItem(j, "usage"), &s->out->usage);
	ch = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "choices"), 0);
	d = cJSON_GetObjectItem(ch, "delta");
	v = cJSON_GetStringValue(cJSON_GetObjectItem(d, "content"));
	if (v)
		pstream_text(s, v, strlen(v));
	tcs = cJSON_GetObjectItem(d, "tool_calls");
	if (!cJSON_IsArray(tcs))
		tcs = NULL;
	cJSON_ArrayForEach(tc, tcs) {
		id = cJSON_GetStringValue(cJSON_GetObjectItem(tc, "id"));
		if (!(c = pstream_call(s, piece_index(tc), id))) {
			pstream_bad(s, "over 1024 tool calls");
			cJSON_Delete(j);
			return 1;
		}
		pstream_id(c, id);
		fn = cJSON_GetObjectItem(tc, "function");
		pstream_name(c, cJSON_GetStringValue(cJSON_GetObjectItem(fn,
		    "name")));
		add_args(c, cJSON_GetObjectItem(fn, "arguments"));
	}
	v = cJSON_GetStringValue(cJSON_GetObjectItem(ch, "finish_reason"));
	if (v) {
		set_finish(s->out, v);
		s->done = 1;
	}
	cJSON_Delete(j);
	return 0;
}

int
openai_parse(const cJSON *j, struct message *out, struct buf *err)
{
	cJSON *ch, *m, *tc, *fn;
	const char *v, *name;
	char *args;

	ch = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "choices"), 0);
	m = cJSON_GetObjectItem(ch, "message");
	if (!cJSON_IsObject(m))
		return hm_fail(err, HM_EFAIL, "malformed response: no "
		    "choices[0].message");
	if ((v = cJSON_GetStringValue(cJSON_GetObjectItem(m, "content"))))
		out->content = xstrdup(v);
	cJSON_ArrayForEach(tc, cJSON_GetObjectItem(m, "tool_calls")) {
		fn = cJSON_GetObjectItem(tc, "function");
		name = cJSON_GetStringValue(cJSON_GetObjectItem(fn, "name"));
		args = args_text(cJSON_GetObjectItem(fn, "arguments"));
		if (name && *name) {
			conv_add_call(out, cJSON_GetStringValue(
			    cJSON_GetObjectItem(tc, "id")), name, args);
		} else if (!pstream_empty_args(args)) {
			free(args);
			return hm_fail(err, HM_EFAIL, "malformed response: a "
			    "tool call with arguments but no name");
		}
		free(args);
	}
	set_finish(out, cJSON_GetStringValue(cJSON_GetObjectItem(ch,
	    "finish_reason")));
	usage_from(cJSON_GetObjectItem(j, "usage"), &out->usage);
	return 0;
}
