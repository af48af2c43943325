/*
 * provider_anthropic.c: the Anthropic Messages wire format.  The system
 * prompt travels apart (marked for the prompt cache); tool results are
 * user turns of tool_result blocks; adjacent turns of one role are merged,
 * as the API wants strict alternation.  Streaming events: message_start
 * (input usage), content_block_start/_delta/_stop (text_delta,
 * input_json_delta), message_delta (stop_reason, output usage),
 * message_stop, error, ping.
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

static void
input_usage(cJSON *u, struct usage *out)
{
	if (!cJSON_IsObject(u))
		return;
	out->cached = num(u, "cache_read_input_tokens");
	out->input = num(u, "input_tokens") + out->cached +
	    num(u, "cache_creation_input_tokens");
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

/* Blocks are indexed by the API; tool_use blocks map to call slots in
 * the order they start. */
int
anthropic_event(struct pstream *s, const char *event, const char *data)
{
	cJSON *j = cJSON_Parse(data), *cb, *d, *e;
	const char *type, *v;
	struct tool_call *c;
	int idx;

	(void)event;
	if (!j) {
		s->bad = 1;
		return 1;
	}
	type = cJSON_GetStringValue(cJSON_GetObjectItem(j, "type"));
	if (!type)
		type = "";
	idx = (int)num(j, "index");
	if (!strcmp(type, "error")) {
		e = cJSON_GetObjectItem(j, "error");
		v = cJSON_GetStringValue(cJSON_GetObjectItem(e, "message"));
		s->error = xstrdup(v ? v : "unknown error");
		cJSON_Delete(j);
		return 1;
	} else if (!strcmp(type, "message_start")) {
		input_usage(cJSON_GetObjectItem(cJSON_GetObjectItem(j,
		    "message"), "usage"), &s->out->usage);
	} else if (!strcmp(type, "content_block_start")) {
		cb = cJSON_GetObjectItem(j, "content_block");
		v = cJSON_GetStringValue(cJSON_GetObjectItem(cb, "type"));
		if (v && !strcmp(v, "tool_use")) {
			c = pstream_call(s, s->out->ncalls);
			free(c->id);
			free(c->name);
			v = cJSON_GetStringValue(cJSON_GetObjectItem(cb, "id"));
			c->id = xstrdup(v ? v : "");
			v = cJSON_GetStringValue(cJSON_GetObjectItem(cb,
			    "name"));
			c->name = xstrdup(v ? v : "");
			s->blocks[s->out->ncalls - 1] = idx;
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
			size_t i;

			v = cJSON_GetStringValue(cJSON_GetObjectItem(d,
			    "partial_json"));
			for (i = 0; v && i < s->nargs; i++)
				if (s->blocks[i] == idx)
					buf_adds(&s->args[i], v);
		}
	} else if (!strcmp(type, "message_delta")) {
		set_stop(s->out, cJSON_GetStringValue(cJSON_GetObjectItem(
		    cJSON_GetObjectItem(j, "delta"), "stop_reason")));
		d = cJSON_GetObjectItem(j, "usage");
		if (num(d, "output_tokens"))
			s->out->usage.output = num(d, "output_tokens");
	} else if (!strcmp(type, "message_stop")) {
		s->done = 1;
	}
	cJSON_Delete(j);
	return 0;
}

int
anthropic_parse(const char *json, struct message *out, struct buf *err)
{
	cJSON *j = cJSON_Parse(json), *b;
	struct buf text = BUF_INIT;
	const char *type, *v;
	char *args;

	if (!cJSON_IsArray(cJSON_GetObjectItem(j, "content"))) {
		cJSON_Delete(j);
		return hm_fail(err, HM_EFAIL, "malformed response: no content");
	}
	cJSON_ArrayForEach(b, cJSON_GetObjectItem(j, "content")) {
		type = cJSON_GetStringValue(cJSON_GetObjectItem(b, "type"));
		if (type && !strcmp(type, "text") && (v = cJSON_GetStringValue(
		    cJSON_GetObjectItem(b, "text"))))
			buf_adds(&text, v);
		if (type && !strcmp(type, "tool_use")) {
			args = cJSON_PrintUnformatted(cJSON_GetObjectItem(b,
			    "input"));
			conv_add_call(out, cJSON_GetStringValue(
			    cJSON_GetObjectItem(b, "id")), cJSON_GetStringValue(
			    cJSON_GetObjectItem(b, "name")), args);
			cJSON_free(args);
		}
	}
	if (text.len)
		out->content = buf_detach(&text);
	buf_release(&text);
	set_stop(out, cJSON_GetStringValue(cJSON_GetObjectItem(j,
	    "stop_reason")));
	input_usage(cJSON_GetObjectItem(j, "usage"), &out->usage);
	cJSON_Delete(j);
	return 0;
}
