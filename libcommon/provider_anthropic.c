/*
 * provider_anthropic.c: the Anthropic Messages wire format.  The system
 * prompt travels apart (marked for the prompt cache); tool results are
 * user turns of tool_result blocks; adjacent turns of one role are merged,
 * as the API wants strict alternation.  Streaming events: message_start
 * (input usage), content_block_start/_delta/_stop (text_delta,
 * input_json_delta; thinking and signature deltas are skipped),
 * message_delta (stop_reason, usage: output tokens, and input and cache
 * counts when given there, which replace message_start's), message_stop,
 * error, ping.  A tool_use block is found by its content block index,
 * whatever number the first block has; one with no input_json_delta at
 * all takes the input of its content_block_start ({} for no arguments).
 */
#include <cjson/cJSON.h>

#include "common.h"
#include "provider.h"

/* Append a block to the last turn if it has ROLE, else start a turn. */
static void
add_block(cJSON *msgs, const char *role, cJSON *block)
{
	cJSON *last = cJSON_GetArrayItem(msgs, cJSON_GetArraySize(msgs) - 1);
	cJSON *content;

	if (!last || strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(last,
	    "role")), role)) {
		last = cJSON_CreateObject();
		cJSON_AddStringToObject(last, "role", role);
		cJSON_AddArrayToObject(last, "content");
		cJSON_AddItemToArray(msgs, last);
	}
	content = cJSON_GetObjectItem(last, "content");
	cJSON_AddItemToArray(content, block);
}

static cJSON *
text_block(const char *prefix, const char *text)
{
	cJSON *b = cJSON_CreateObject();
	struct buf t = BUF_INIT;

	buf_adds(&t, prefix);
	buf_adds(&t, text);
	cJSON_AddStringToObject(b, "type", "text");
	cJSON_AddStringToObject(b, "text", t.len ? t.s : " ");
	buf_release(&t);
	return b;
}

void
anthropic_request(const struct provider *p, const char *model,
    const struct provider_call *call, struct buf *body)
{
	cJSON *o = cJSON_CreateObject(), *msgs, *sys, *b, *tools, *t, *fn;
	const struct conv *c = call->conv;
	struct buf system = BUF_INIT;
	char *s, *sch;
	size_t i, k;

	cJSON_AddStringToObject(o, "model", model);
	cJSON_AddNumberToObject(o, "max_tokens", (double)p->max_tokens);
	for (i = 0; i < c->n && c->m[i].role == MSG_SYSTEM; i++) {
		if (system.len)
			buf_adds(&system, "\n\n");
		buf_adds(&system, c->m[i].content ? c->m[i].content : "");
	}
	if (call->schema) {
		sch = cJSON_PrintUnformatted(call->schema);
		buf_addf(&system, "\n\nReply with only a JSON value that "
		    "validates against this JSON Schema, nothing else:\n%s",
		    sch ? sch : "{}");
		cJSON_free(sch);
	}
	if (system.len) {
		sys = cJSON_AddArrayToObject(o, "system");
		b = text_block("", system.s);
		cJSON_AddItemToObject(cJSON_AddObjectToObject(b,
		    "cache_control"), "type", cJSON_CreateString("ephemeral"));
		cJSON_AddItemToArray(sys, b);
	}
	msgs = cJSON_AddArrayToObject(o, "messages");
	for (; i < c->n; i++) {
		const struct message *m = &c->m[i];

		switch (m->role) {
		case MSG_SYSTEM:
			add_block(msgs, "user", text_block("[system note] ",
			    m->content ? m->content : ""));
			break;
		case MSG_USER:
			add_block(msgs, "user", text_block("", m->content ?
			    m->content : ""));
			break;
		case MSG_TOOL:
			b = cJSON_CreateObject();
			cJSON_AddStringToObject(b, "type", "tool_result");
			cJSON_AddStringToObject(b, "tool_use_id",
			    m->tool_call_id ? m->tool_call_id : "");
			cJSON_AddStringToObject(b, "content", m->content ?
			    m->content : "");
			add_block(msgs, "user", b);
			break;
		case MSG_ASSISTANT:
			if (m->content && *m->content)
				add_block(msgs, "assistant", text_block("",
				    m->content));
			for (k = 0; k < m->ncalls; k++) {
				b = cJSON_CreateObject();
				cJSON_AddStringToObject(b, "type", "tool_use");
				cJSON_AddStringToObject(b, "id",
				    m->calls[k].id);
				cJSON_AddStringToObject(b, "name",
				    m->calls[k].name);
				json_add_raw_or_object(b, "input",
				    m->calls[k].args);
				add_block(msgs, "assistant", b);
			}
			break;
		}
	}
	if (call->tools && cJSON_GetArraySize(call->tools) > 0) {
		tools = cJSON_AddArrayToObject(o, "tools");
		cJSON_ArrayForEach(t, call->tools) {
			fn = cJSON_GetObjectItem(t, "function");
			b = cJSON_CreateObject();
			cJSON_AddItemToObject(b, "name", cJSON_Duplicate(
			    cJSON_GetObjectItem(fn, "name"), 1));
			cJSON_AddItemToObject(b, "description", cJSON_Duplicate(
			    cJSON_GetObjectItem(fn, "description"), 1));
			cJSON_AddItemToObject(b, "input_schema",
			    cJSON_Duplicate(cJSON_GetObjectItem(fn,
			    "parameters"), 1));
			cJSON_AddItemToArray(tools, b);
		}
	}
	if (p->stream)
		cJSON_AddTrueToObject(o, "stream");
	s = cJSON_PrintUnformatted(o);
	if (!s)
		hm_oom();
	buf_adds(body, s);
	cJSON_free(s);
	cJSON_Delete(o);
	buf_release(&system);
}

static long
num(cJSON *o, const char *k)
{
	double v = cJSON_GetNumberValue(cJSON_GetObjectItem(o, k));

	return v == v && v > 0 ? (long)v : 0;	/* NaN when absent */
}

/* The counts u gives replace those in ausage; out gets their sum. */
static void
take_usage(cJSON *u, long ausage[3], struct usage *out)
{
	static const char *const in[3] = { "input_tokens",
		"cache_read_input_tokens", "cache_creation_input_tokens" };
	size_t i;

	if (!cJSON_IsObject(u))
		return;
	for (i = 0; i < 3; i++)
		if (cJSON_IsNumber(cJSON_GetObjectItem(u, in[i])))
			ausage[i] = num(u, in[i]);
	out->input = ausage[0] + ausage[1] + ausage[2];
	out->cached = ausage[1];
	if (num(u, "output_tokens"))
		out->output = num(u, "output_tokens");
}

static void
set_stop(struct message *m, const char *r)
{
	if (!r)
		return;
	free(m->finish);
	m->finish = xstrdup(!strcmp(r, "tool_use") ? "tool_calls" :
	    !strcmp(r, "end_turn") ? "stop" : !strcmp(r, "max_tokens") ?
	    "length" : r);
}

/* A block's index, or -1 when the event gave none. */
static long
block_index(cJSON *j)
{
	const cJSON *t = cJSON_GetObjectItem(j, "index");

	if (!cJSON_IsNumber(t) || t->valuedouble < 0 ||
	    t->valuedouble > 1e9)
		return -1;
	return (long)t->valuedouble;
}

/* A tool_use block starts: its input there is kept until a delta comes. */
static int
tool_start(struct pstream *s, long idx, cJSON *cb)
{
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(cb, "id"));
	cJSON *in = cJSON_GetObjectItem(cb, "input");
	struct pcall *c = pstream_call(s, idx, id);
	char *t;

	if (!c) {
		pstream_bad(s, "over 1024 tool calls");
		return 1;
	}
	pstream_id(c, id);
	pstream_name(c, cJSON_GetStringValue(cJSON_GetObjectItem(cb,
	    "name")));
	if (cJSON_IsObject(in) && in->child && !c->has_args) {
		if (!(t = cJSON_PrintUnformatted(in)))
			hm_oom();
		buf_reset(&c->args);
		buf_adds(&c->args, t);
		cJSON_free(t);
	}
	return 0;
}

int
anthropic_event(struct pstream *s, const char *event, const char *data)
{
	cJSON *j = cJSON_Parse(data), *cb, *d, *e;
	const char *type, *v;
	struct pcall *c;
	long idx;
	int rc = 0;

	if (!j) {
		pstream_bad(s, data);
		return 1;
	}
	type = cJSON_GetStringValue(cJSON_GetObjectItem(j, "type"));
	if (!type)
		type = event ? event : "";
	idx = block_index(j);
	if (!strcmp(type, "error")) {
		e = cJSON_GetObjectItem(j, "error");
		v = cJSON_GetStringValue(cJSON_GetObjectItem(e, "message"));
		s->error = xstrdup(v ? v : "unknown error");
		rc = 1;
	} else if (!strcmp(type, "message_start")) {
		take_usage(cJSON_GetObjectItem(cJSON_GetObjectItem(j,
		    "message"), "usage"), s->ausage, &s->out->usage);
	} else if (!strcmp(type, "content_block_start")) {
		cb = cJSON_GetObjectItem(j, "content_block");
		v = cJSON_GetStringValue(cJSON_GetObjectItem(cb, "type"));
		if (v && !strcmp(v, "tool_use")) {
			rc = tool_start(s, idx, cb);
		} else if (v && !strcmp(v, "text")) {
			v = cJSON_GetStringValue(cJSON_GetObjectItem(cb,
			    "text"));
			if (v)
				pstream_text(s, v, strlen(v));
		}
	} else if (!strcmp(type, "content_block_delta")) {
		d = cJSON_GetObjectItem(j, "delta");
		v = cJSON_GetStringValue(cJSON_GetObjectItem(d, "type"));
		if (v && !strcmp(v, "text_delta")) {
			v = cJSON_GetStringValue(cJSON_GetObjectItem(d,
			    "text"));
			if (v)
				pstream_text(s, v, strlen(v));
		} else if (v && !strcmp(v, "input_json_delta")) {
			v = cJSON_GetStringValue(cJSON_GetObjectItem(d,
			    "partial_json"));
			if (!(c = pstream_find(s, idx))) {
				pstream_bad(s, data);	/* no such block */
				rc = 1;
			} else if (v) {
				if (!c->has_args)
					buf_reset(&c->args);
				buf_adds(&c->args, v);
				c->has_args = 1;
			}
		}
	} else if (!strcmp(type, "message_delta")) {
		set_stop(s->out, cJSON_GetStringValue(cJSON_GetObjectItem(
		    cJSON_GetObjectItem(j, "delta"), "stop_reason")));
		take_usage(cJSON_GetObjectItem(j, "usage"), s->ausage,
		    &s->out->usage);
	} else if (!strcmp(type, "message_stop")) {
		s->done = 1;
	}
	cJSON_Delete(j);
	return rc;
}

int
anthropic_parse(const cJSON *j, struct message *out, struct buf *err)
{
	struct buf text = BUF_INIT;
	long ausage[3] = { 0, 0, 0 };
	const char *type, *v, *name;
	cJSON *b;
	char *args;

	if (!cJSON_IsArray(cJSON_GetObjectItem(j, "content")))
		return hm_fail(err, HM_EFAIL, "malformed response: no content");
	cJSON_ArrayForEach(b, cJSON_GetObjectItem(j, "content")) {
		type = cJSON_GetStringValue(cJSON_GetObjectItem(b, "type"));
		if (type && !strcmp(type, "text") && (v = cJSON_GetStringValue(
		    cJSON_GetObjectItem(b, "text"))))
			buf_adds(&text, v);
		if (!type || strcmp(type, "tool_use"))
			continue;
		name = cJSON_GetStringValue(cJSON_GetObjectItem(b, "name"));
		args = cJSON_PrintUnformatted(cJSON_GetObjectItem(b, "input"));
		if (name && *name) {
			conv_add_call(out, cJSON_GetStringValue(
			    cJSON_GetObjectItem(b, "id")), name, args);
		} else if (!pstream_empty_args(args)) {
			cJSON_free(args);
			buf_release(&text);
			return hm_fail(err, HM_EFAIL, "malformed response: a "
			    "tool_use block with input but no name");
		}
		cJSON_free(args);
	}
	if (text.len)
		out->content = buf_detach(&text);
	buf_release(&text);
	set_stop(out, cJSON_GetStringValue(cJSON_GetObjectItem(j,
	    "stop_reason")));
	take_usage(cJSON_GetObjectItem(j, "usage"), ausage, &out->usage);
	return 0;
}
