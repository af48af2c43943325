/* conv.c: the neutral conversation; see conv.h. */
#include <cjson/cJSON.h>

#include "common.h"
#include "conv.h"
#include "timeutil.h"

static double
now(void)
{
	struct timespec ts;

	tu_now_ts(&ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct message *
conv_add(struct conv *c, enum msg_role role, const char *content)
{
	struct message *m;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->m = xrealloc(c->m, c->cap * sizeof(*c->m));
	}
	m = &c->m[c->n++];
	memset(m, 0, sizeof(*m));
	m->role = role;
	m->content = content ? xstrdup(content) : NULL;
	m->ts = now();
	return m;
}

struct tool_call *
conv_add_call(struct message *m, const char *id, const char *name,
    const char *args)
{
	struct tool_call *t;

	m->calls = xrealloc(m->calls, (m->ncalls + 1) * sizeof(*m->calls));
	t = &m->calls[m->ncalls++];
	t->id = xstrdup(id ? id : "");
	t->name = xstrdup(name ? name : "");
	t->args = xstrdup(args && *args ? args : "{}");
	return t;
}

struct message *
conv_add_tool(struct conv *c, const char *call_id, const char *name,
    const char *content)
{
	struct message *m = conv_add(c, MSG_TOOL, content);

	m->tool_call_id = xstrdup(call_id ? call_id : "");
	m->tool_name = xstrdup(name ? name : "");
	return m;
}

void
message_release(struct message *m)
{
	size_t i;

	for (i = 0; i < m->ncalls; i++) {
		free(m->calls[i].id);
		free(m->calls[i].name);
		free(m->calls[i].args);
	}
	free(m->calls);
	free(m->content);
	free(m->tool_call_id);
	free(m->tool_name);
	free(m->finish);
	free(m->wire);
	memset(m, 0, sizeof(*m));
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void
message_copy(struct message *dst, const struct message *src)
{
	size_t i;

	*dst = *src;
	dst->content = dup_or_null(src->content);
	dst->tool_call_id = dup_or_null(src->tool_call_id);
	dst->tool_name = dup_or_null(src->tool_name);
	dst->finish = dup_or_null(src->finish);
	dst->wire = NULL;
	dst->calls = NULL;
	dst->ncalls = 0;
	for (i = 0; i < src->ncalls; i++)
		conv_add_call(dst, src->calls[i].id, src->calls[i].name,
		    src->calls[i].args);
}

void
conv_drop_last(struct conv *c)
{
	if (c->n)
		message_release(&c->m[--c->n]);
}

void
conv_release(struct conv *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		message_release(&c->m[i]);
	free(c->m);
	c->m = NULL;
	c->n = c->cap = 0;
}

static const char *const roles[] = { "system", "user", "assistant", "tool" };

const char *
msg_role_name(enum msg_role r)
{
	return roles[r];
}

int
msg_role_parse(const char *s, enum msg_role *r)
{
	size_t i;

	for (i = 0; i < HM_ARRAY_SIZE(roles); i++) {
		if (!strcmp(s, roles[i])) {
			*r = (enum msg_role)i;
			return 0;
		}
	}
	return -HM_EINVAL;
}

char *
conv_calls_to_json(const struct message *m)
{
	cJSON *a = cJSON_CreateArray(), *o;
	char *s, *r;
	size_t i;

	for (i = 0; i < m->ncalls; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", m->calls[i].id);
		cJSON_AddStringToObject(o, "name", m->calls[i].name);
		cJSON_AddStringToObject(o, "arguments", m->calls[i].args);
		cJSON_AddItemToArray(a, o);
	}
	s = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	if (!s)
		hm_oom();
	r = xstrdup(s);
	cJSON_free(s);
	return r;
}

int
conv_calls_from_json(struct message *m, const char *json)
{
	cJSON *a = cJSON_Parse(json), *o;
	const char *id, *name, *args;

	if (!cJSON_IsArray(a)) {
		cJSON_Delete(a);
		return -HM_EINVAL;
	}
	cJSON_ArrayForEach(o, a) {
		id = cJSON_GetStringValue(cJSON_GetObjectItem(o, "id"));
		name = cJSON_GetStringValue(cJSON_GetObjectItem(o, "name"));
		args = cJSON_GetStringValue(cJSON_GetObjectItem(o,
		    "arguments"));
		conv_add_call(m, id, name, args);
	}
	cJSON_Delete(a);
	return 0;
}
