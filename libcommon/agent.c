/*
 * agent.c: the loop; see agent.h.  The per-step work outside the model
 * call is a few file reads (the prompt), one SQLite transaction per
 * message and the tool itself: microseconds next to the network.
 */
#include <cjson/cJSON.h>

#include "common.h"
#include "agent.h"
#include "config.h"
#include "hooks.h"
#include "json.h"
#include "session.h"
#include "sig.h"
#include "timeutil.h"

void
agent_init(struct agent *a)
{
	memset(a, 0, sizeof(*a));
	a->max_turns = 20;
	a->nudge_after = 5;
	a->memory_interval = 10;
	a->threshold = 0.5;
	a->line_start = 1;
}

int
agent_configure(struct agent *a, const struct config *cfg, struct buf *err)
{
	static const struct {
		const char *key;
		size_t off;
		int size_t_field;
	} longs[] = {
		{ "agent.max_turns", offsetof(struct agent, max_turns), 0 },
		{ "skills.nudge_after", offsetof(struct agent, nudge_after), 0 },
		{ "memory.nudge_interval", offsetof(struct agent,
		    memory_interval), 0 },
		{ "memory.max_chars", offsetof(struct agent,
		    popts.memory_limit), 1 },
		{ "memory.user_max_chars", offsetof(struct agent,
		    popts.user_limit), 1 },
		{ "agent.tool_output_max", offsetof(struct agent,
		    env.output_max), 1 },
	};
	const char *s;
	size_t i;
	double t;
	long v;
	int rc;

	for (i = 0; i < HM_ARRAY_SIZE(longs); i++) {
		if ((rc = config_get_long(cfg, longs[i].key, &v, err)) < 0)
			return rc;
		if (longs[i].size_t_field)
			*(size_t *)((char *)a + longs[i].off) = (size_t)v;
		else
			*(long *)((char *)a + longs[i].off) = v;
	}
	if ((s = config_get(cfg, "compression.threshold", NULL))) {
		t = strtod(s, NULL);
		if (t <= 0 || t > 1)
			return hm_fail(err, HM_EFAIL, "invalid value '%s' for "
			    "'compression.threshold': expected a number in "
			    "(0, 1]", s);
		a->threshold = t;
	}
	a->env.cfg = cfg;
	return 0;
}

cJSON *
agent_json(const struct agent *a, const char *id, const char *error)
{
	cJSON *j = cJSON_CreateObject(), *u;

	if (id)
		cJSON_AddStringToObject(j, "session", id);
	else
		cJSON_AddNullToObject(j, "session");
	cJSON_AddStringToObject(j, "model", a->prov->model);
	cJSON_AddStringToObject(j, "text", a->text ? a->text : "");
	cJSON_AddNumberToObject(j, "turns", (double)a->turns);
	cJSON_AddNumberToObject(j, "tool_calls", (double)a->tool_calls);
	u = cJSON_AddObjectToObject(j, "usage");
	cJSON_AddNumberToObject(u, "input", (double)a->usage.input);
	cJSON_AddNumberToObject(u, "output", (double)a->usage.output);
	cJSON_AddNumberToObject(u, "cached", (double)a->usage.cached);
	if (error)
		cJSON_AddStringToObject(j, "error", error);
	return j;
}

void
agent_release(struct agent *a)
{
	conv_release(&a->conv);
	free(a->text);
	a->text = NULL;
}

int
agent_store(struct agent *a, const struct message *m)
{
	struct buf err = BUF_INIT;
	int rc = 0;

	if (!a->sdb || !a->session_id)
		return 0;
	rc = session_append(a->sdb, a->session_id, m, &err);
	if (rc < 0 && !a->store_failed) {
		hm_warn("cannot store the session: %s", buf_str(&err));
		a->store_failed = 1;
	}
	buf_release(&err);
	return rc;
}

int
agent_system(struct agent *a, struct buf *err)
{
	struct buf p = BUF_INIT;
	struct message *m;
	int rc;

	rc = prompt_build(&a->popts, &p, err);
	if (rc < 0) {
		buf_release(&p);
		return rc;
	}
	if (a->conv.n == 0 || a->conv.m[0].role != MSG_SYSTEM) {
		/* append an empty slot, then shift everything up by one */
		m = conv_add(&a->conv, MSG_SYSTEM, NULL);
		memmove(a->conv.m + 1, a->conv.m,
		    (a->conv.n - 1) * sizeof(*a->conv.m));
		memset(&a->conv.m[0], 0, sizeof(*m));
		a->conv.m[0].role = MSG_SYSTEM;
	}
	if (a->conv.m[0].content && !strcmp(a->conv.m[0].content, p.s ?
	    p.s : "")) {
		buf_release(&p);	/* unchanged: keep the cached encoding */
		return 0;
	}
	free(a->conv.m[0].content);
	free(a->conv.m[0].wire);
	a->conv.m[0].wire = NULL;
	a->conv.m[0].content = buf_detach(&p);
	return 0;
}

static void
on_text(const char *s, size_t n, void *ctx)
{
	struct agent *a = ctx;

	if (a->out_closed)
		return;
	if (fwrite(s, 1, n, stdout) != n || fflush(stdout) != 0) {
		a->out_closed = 1;	/* "| head" went away: stop working */
		return;
	}
	a->line_start = s[n - 1] == '\n';
}

/* Move msg into the conversation; msg is empty afterwards. */
static struct message *
take(struct agent *a, struct message *msg)
{
	struct message *m = conv_add(&a->conv, msg->role, NULL);

	*m = *msg;
	memset(msg, 0, sizeof(*msg));
	return m;
}

static void
add_usage(struct usage *to, const struct usage *u)
{
	to->input += u->input;
	to->output += u->output;
	to->cached += u->cached;
}

static int
call_model(struct agent *a, struct toolreg *tools, int stream,
    struct message *out, struct buf *err)
{
	struct provider_call call;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = agent_system(a, err)) < 0)
		return rc;
	memset(&call, 0, sizeof(call));
	call.conv = &a->conv;
	toolreg_sync(tools);
	call.tools = tools && tools->n ? toolreg_schemas(tools) : NULL;
	call.tools_json = tools && tools->n ? toolreg_schemas_json(tools) :
	    NULL;
	call.schema = a->schema;
	if (stream) {
		call.on_text = on_text;
		call.ctx = a;
	}
	rc = provider_chat(a->prov, &call, out, err);
	if (rc == 0) {
		a->turns++;
		add_usage(&a->usage, &out->usage);
		a->last_input = out->usage.input;
	}
	return rc;
}

static void
show_call(const struct tool_call *c)
{
	size_t n = strlen(c->args), k = n > 100 ? 100 : n;

	while (k < n && k && ((unsigned char)c->args[k] & 0xC0) == 0x80)
		k--;	/* do not split a UTF-8 sequence */
	fprintf(stderr, "-> %s %.*s%s\n", c->name, (int)k, c->args,
	    k < n ? "..." : "");
}

/* Run the tool calls of the last message; 1 when interrupted. */
static int
run_calls(struct agent *a, struct toolreg *tools, long *count)
{
	struct buf out = BUF_INIT;
	size_t i, idx = a->conv.n - 1, ncalls = a->conv.m[idx].ncalls;
	struct message *m;
	int stopped = 0;

	for (i = 0; i < ncalls; i++) {
		const struct tool_call *c = &a->conv.m[idx].calls[i];
		char *id = xstrdup(c->id), *name = xstrdup(c->name);

		if (sig_interrupted)
			stopped = 1;
		if (stopped) {
			buf_reset(&out);
			buf_adds(&out, "error: interrupted by the user");
		} else {
			if (!a->quiet)
				show_call(c);
			toolreg_call(tools, &a->env, c->name, c->args, &out);
			(*count)++;
			a->tool_calls++;
		}
		m = conv_add_tool(&a->conv, id, name, buf_str(&out));
		agent_store(a, m);
		free(id);
		free(name);
	}
	buf_release(&out);
	return stopped || sig_interrupted;
}

/* ---- compression ---- */

static void
transcript(const struct conv *c, size_t from, size_t to, struct buf *t)
{
	const struct message *m;
	size_t i, k;

	for (i = from; i < to; i++) {
		m = &c->m[i];
		buf_addf(t, "\n[%s%s%s] ", msg_role_name(m->role),
		    m->tool_name ? " " : "", m->tool_name ? m->tool_name : "");
		if (m->content)
			buf_addf(t, "%.2000s", m->content);
		for (k = 0; k < m->ncalls; k++)
			buf_addf(t, "\n  call %s %.1000s", m->calls[k].name,
			    m->calls[k].args);
	}
}

static int
summarise(struct agent *a, size_t from, size_t to, struct buf *sum,
    struct buf *err)
{
	struct conv c = CONV_INIT;
	struct provider_call call;
	struct buf t = BUF_INIT;
	struct message out;
	int rc;

	conv_add(&c, MSG_SYSTEM, "You compress conversations. Summarise the "
	    "messages below for the assistant that will continue the work: "
	    "the goal, decisions, facts learned, files and commands "
	    "involved, what is done and what remains. Be brief and "
	    "concrete; no preamble.");
	buf_adds(&t, "Messages to summarise:");
	transcript(&a->conv, from, to, &t);
	conv_add(&c, MSG_USER, t.s);
	memset(&call, 0, sizeof(call));
	call.conv = &c;
	memset(&out, 0, sizeof(out));
	rc = provider_chat(a->prov, &call, &out, err);
	if (rc == 0 && (!out.content || !*out.content))
		rc = hm_fail(err, HM_EFAIL, "empty summary");
	if (rc == 0) {
		buf_adds(sum, out.content);
		add_usage(&a->usage, &out.usage);
	}
	message_release(&out);
	conv_release(&c);
	buf_release(&t);
	return rc;
}

/* Tokens of a conversation no call has measured yet (a resumed session),
 * at about four bytes a token. */
static long
estimate(const struct conv *c)
{
	size_t i, k, bytes = 0;

	for (i = 0; i < c->n; i++) {
		bytes += c->m[i].content ? strlen(c->m[i].content) : 0;
		for (k = 0; k < c->m[i].ncalls; k++)
			bytes += strlen(c->m[i].calls[k].args);
	}
	return (long)(bytes / 4);
}

static void
compress(struct agent *a)
{
	static const char note[] = "The context is nearly full: older "
	    "messages are about to be replaced by a summary. If anything in "
	    "them must outlive this session, save it now with the memory "
	    "tool; otherwise reply 'nothing to save'.";
	struct toolreg mem = TOOLREG_INIT;
	struct buf err = BUF_INIT, sum = BUF_INIT, text = BUF_INIT;
	struct message out, *m;
	size_t head = 2, tail, i, cut, keep = 10;
	long dummy = 0;

	if (a->last_input == 0)
		a->last_input = estimate(&a->conv);
	if (a->prov->context <= 0 || a->last_input <
	    (long)(a->threshold * (double)a->prov->context) ||
	    a->conv.n < head + keep + 4)
		return;
	a->last_input = 0;
	/* 1. one turn to save what matters, done by the code */
	if (a->tools && toolreg_find(a->tools, "memory")) {
		toolreg_add(&mem, &tool_memory);
		m = conv_add(&a->conv, MSG_SYSTEM, note);
		agent_store(a, m);
		if (call_model(a, &mem, 0, &out, &err) == 0) {
			m = take(a, &out);
			agent_store(a, m);
			if (m->ncalls)
				run_calls(a, &mem, &dummy);
		}
		message_release(&out);
		toolreg_release(&mem);
	}
	/* 2. the tail starts at a message that is not a tool result */
	tail = a->conv.n > keep ? a->conv.n - keep : head;
	while (tail > head && a->conv.m[tail].role == MSG_TOOL)
		tail--;
	if (tail <= head + 3)
		goto out;
	buf_reset(&err);
	if (summarise(a, head, tail, &sum, &err) < 0) {
		hm_warn("context compression failed, conversation kept "
		    "whole: %s", buf_str(&err));
		goto out;
	}
	/* 3. head + summary + tail */
	cut = tail - head;
	for (i = head; i < tail; i++)
		message_release(&a->conv.m[i]);
	buf_addf(&text, "[CONTEXT COMPACTION] Summary of %zu earlier "
	    "messages:\n%s", cut, sum.s);
	memset(&a->conv.m[head], 0, sizeof(a->conv.m[head]));
	a->conv.m[head].role = MSG_USER;
	a->conv.m[head].content = buf_detach(&text);
	memmove(a->conv.m + head + 1, a->conv.m + tail,
	    (a->conv.n - tail) * sizeof(*a->conv.m));
	a->conv.n -= cut - 1;
	if (!a->quiet)
		hm_warn("context compressed: %zu messages summarised", cut);
out:
	buf_release(&err);
	buf_release(&sum);
	buf_release(&text);
}

/* The turn-end hook: {session, text, turns, tool_calls}; it cannot
 * block anything, a broken one is reported. */
static void
turn_end(struct agent *a)
{
	struct buf reason = BUF_INIT, err = BUF_INIT;
	cJSON *p;
	char *json;
	long secs = 10;

	if (!a->env.hooks)
		return;
	p = cJSON_CreateObject();
	if (a->session_id)
		cJSON_AddStringToObject(p, "session", a->session_id);
	cJSON_AddStringToObject(p, "text", a->text);
	cJSON_AddNumberToObject(p, "turns", (double)a->turns);
	cJSON_AddNumberToObject(p, "tool_calls", (double)a->tool_calls);
	json = cJSON_PrintUnformatted(p);
	cJSON_Delete(p);
	if (a->env.cfg)
		config_get_long(a->env.cfg, "hooks.timeout", &secs, NULL);
	if (hooks_run("turn-end", json ? json : "{}", secs * 1000, &reason,
	    &err) < 0)
		hm_warn("turn-end hook: %s", buf_str(&err));
	cJSON_free(json);
	buf_release(&reason);
	buf_release(&err);
}

/* Did message m call one of the tools that save learning? */
static int
saves(const struct message *m, const char *tool)
{
	size_t k;

	for (k = 0; k < m->ncalls; k++)
		if (!strcmp(m->calls[k].name, tool))
			return 1;
	return 0;
}

#define MEMORY_NOTE "user turns have passed without a memory write"

/* User turns since the memory tool was last called or the agent last
 * reminded of it (the stored conversation counts, so the interval spans
 * runs of -c). */
static long
turns_without_memory(const struct conv *c)
{
	long n = 0;
	size_t i = c->n;

	while (i-- > 0) {
		if (c->m[i].role == MSG_ASSISTANT && saves(&c->m[i], "memory"))
			break;
		if (c->m[i].role == MSG_SYSTEM && c->m[i].content &&
		    strstr(c->m[i].content, MEMORY_NOTE))
			break;
		if (c->m[i].role == MSG_USER)
			n++;
	}
	return n;
}

static void
note(struct agent *a, const char *text)
{
	struct message *m = conv_add(&a->conv, MSG_SYSTEM, text);

	agent_store(a, m);
}

/* The learning nudge after many tool calls, naming what is offered. */
static void
nudge_learn(struct agent *a)
{
	int mem = toolreg_find(a->tools, "memory") != NULL;
	int sk = toolreg_find(a->tools, "skill_manage") != NULL;

	if (!mem && !sk)
		return;
	note(a, sk && mem ? "You have made many tool calls for this request. "
	    "Before you finish, save what you learned that will matter "
	    "later: a reusable procedure as a skill (skill_manage), facts as "
	    "short memory entries." : sk ? "You have made many tool calls "
	    "for this request. If the procedure is worth repeating, save it "
	    "as a skill with skill_manage before you finish." : "You have "
	    "made many tool calls for this request. Before you finish, save "
	    "what you learned that will matter later as short entries with "
	    "the memory tool.");
}

int
agent_ask(struct agent *a, const char *prompt, struct buf *err)
{
	struct message out, *m;
	long turns = 0, calls = 0, since;
	int nudged = 0, rc;
	char *text;

	free(a->text);
	a->text = NULL;
	text = prompt_with_context(prompt, a->source, tu_now());
	m = conv_add(&a->conv, MSG_USER, text);
	free(text);
	agent_store(a, m);
	since = turns_without_memory(&a->conv);
	if (since >= a->memory_interval && toolreg_find(a->tools, "memory")) {
		struct buf t = BUF_INIT;

		buf_addf(&t, "%ld " MEMORY_NOTE ". If the user has shown "
		    "preferences or facts worth keeping, save them with the "
		    "memory tool.", since);
		note(a, t.s);
		buf_release(&t);
	}
	for (;;) {
		if (sig_interrupted)
			return AGENT_INTERRUPTED;
		if (turns >= a->max_turns)
			return AGENT_BUDGET;
		compress(a);
		rc = call_model(a, a->tools, a->stream, &out, err);
		if (a->prov->interrupted || sig_interrupted) {
			message_release(&out);
			return AGENT_INTERRUPTED;
		}
		if (rc < 0) {
			message_release(&out);
			return rc;
		}
		turns++;
		m = take(a, &out);
		agent_store(a, m);
		if (a->out_closed)
			return AGENT_PIPE;
		if (!m->ncalls) {
			a->text = xstrdup(m->content ? m->content : "");
			turn_end(a);
			if (a->stream && !a->line_start) {
				putchar('\n');
				a->line_start = 1;
			}
			return 0;
		}
		if (a->stream && !a->line_start) {
			putchar('\n');
			fflush(stdout);
			a->line_start = 1;
		}
		if (saves(m, "memory") || saves(m, "skill_manage"))
			nudged = 1;	/* it is saving already: no nudge */
		if (run_calls(a, a->tools, &calls))
			return AGENT_INTERRUPTED;
		if (!nudged && calls >= a->nudge_after) {
			nudge_learn(a);
			nudged = 1;
		}
	}
}
