/*
 * provider_openai.c: the OpenAI chat-completions wire format, spoken by
 * OpenAI, OpenRouter, Nous and most local servers.  Streaming deltas:
 * choices[0].delta.content, delta.tool_calls[i] keyed by index (id and
 * name once, arguments in pieces), finish_reason, a usage chunk when
 * stream_options.include_usage, then "data: [DONE]".
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

int
openai_event(struct pstream *s, const char *event, const char *data)
{
	cJSON *j, *ch, *d, *tc, *t, *fn, *e;
	const char *v;
	struct tool_call *c;
	int idx;

	(void)event;
	if (!strcmp(data, "[DONE]")) {
		s->done = 1;
		return 0;
	}
	j = cJSON_Parse(data);
	if (!j) {
		s->bad = 1;
		return 1;
	}
	if ((e = cJSON_GetObjectItem(j, "error"))) {
		v = cJSON_IsString(e) ? e->valuestring :
		    cJSON_GetStringValue(cJSON_GetObjectItem(e, "message"));
		s->error = xstrdup(v ? v : "unknown error");
		cJSON_Delete(j);
		return 1;
	}
	usage_from(cJSON_GetObjectItem(j, "usage"), &s->out->usage);
	ch = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "choices"), 0);
	d = cJSON_GetObjectItem(ch, "delta");
	v = cJSON_GetStringValue(cJSON_GetObjectItem(d, "content"));
	if (v)
		pstream_text(s, v, strlen(v));
	cJSON_ArrayForEach(tc, cJSON_GetObjectItem(d, "tool_calls")) {
		t = cJSON_GetObjectItem(tc, "index");
		idx = cJSON_IsNumber(t) ? t->valueint : 0;
		c = pstream_call(s, (size_t)(idx < 0 ? 0 : idx));
		if ((v = cJSON_GetStringValue(cJSON_GetObjectItem(tc, "id")))
		    && *v) {
			free(c->id);
			c->id = xstrdup(v);
		}
		fn = cJSON_GetObjectItem(tc, "function");
		if ((v = cJSON_GetStringValue(cJSON_GetObjectItem(fn,
		    "name"))) && *v) {
			free(c->name);
			c->name = xstrdup(v);
		}
		if ((v = cJSON_GetStringValue(cJSON_GetObjectItem(fn,
		    "arguments"))))
			buf_adds(&s->args[idx < 0 ? 0 : idx > 256 ? 256 : idx],
			    v);
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
openai_parse(const char *json, struct message *out, struct buf *err)
{
	cJSON *j = cJSON_Parse(json), *m, *tc, *fn;
	const char *v;

	m = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j,
	    "choices"), 0), "message");
	if (!cJSON_IsObject(m)) {
		cJSON_Delete(j);
		return hm_fail(err, HM_EFAIL, "malformed response: no "
		    "choices[0].message");
	}
	if ((v = cJSON_GetStringValue(cJSON_GetObjectItem(m, "content"))))
		out->content = xstrdup(v);
	cJSON_ArrayForEach(tc, cJSON_GetObjectItem(m, "tool_calls")) {
		fn = cJSON_GetObjectItem(tc, "function");
		conv_add_call(out, cJSON_GetStringValue(cJSON_GetObjectItem(tc,
		    "id")), cJSON_GetStringValue(cJSON_GetObjectItem(fn,
		    "name")), cJSON_GetStringValue(cJSON_GetObjectItem(fn,
		    "arguments")));
	}
	set_finish(out, cJSON_GetStringValue(cJSON_GetObjectItem(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(j, "choices"), 0),
	    "finish_reason")));
	usage_from(cJSON_GetObjectItem(j, "usage"), &out->usage);
	cJSON_Delete(j);
	return 0;
}
