/*
 * provider_openai.c: the OpenAI chat-completions wire format, spoken by
 * OpenAI, OpenRouter, Nous and most local servers.  Streaming deltas:
 * choices[0].delta.content, delta.tool_calls[i] keyed by index (id and
 * name once, arguments in pieces), finish_reason, a usage chunk when
 * stream_options.include_usage, then "data: [DONE]".
 */
#include <cjson/cJSON.h>

#include "common.h"
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

void
openai_request(const struct provider *p, const char *model,
    const struct provider_call *call, struct buf *body)
{
	cJSON *o = cJSON_CreateObject(), *msgs, *rf, *js, *so;
	size_t i;
	char *s;

	(void)p;
	cJSON_AddStringToObject(o, "model", model);
	msgs = cJSON_AddArrayToObject(o, "messages");
	for (i = 0; i < call->conv->n; i++)
		cJSON_AddItemToArray(msgs, message_json(&call->conv->m[i]));
	if (call->tools && cJSON_GetArraySize(call->tools) > 0)
		cJSON_AddItemToObject(o, "tools",
		    cJSON_Duplicate(call->tools, 1));
	if (call->schema) {
		rf = cJSON_AddObjectToObject(o, "response_format");
		cJSON_AddStringToObject(rf, "type", "json_schema");
		js = cJSON_AddObjectToObject(rf, "json_schema");
		cJSON_AddStringToObject(js, "name", "answer");
		cJSON_AddItemToObject(js, "schema",
		    cJSON_Duplicate(call->schema, 1));
	}
	if (p->stream) {
		cJSON_AddTrueToObject(o, "stream");
		so = cJSON_AddObjectToObject(o, "stream_options");
		cJSON_AddTrueToObject(so, "include_usage");
	}
	s = cJSON_PrintUnformatted(o);
	if (!s)
		hm_oom();
	buf_adds(body, s);
	cJSON_free(s);
	cJSON_Delete(o);
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
