/*
 * chat.c: the interactive loop and its slash commands; see chat.h.  The
 * agent does the work; this file reads lines, dispatches commands and
 * keeps the conversation in step with what the user asked to undo.
 */
#include <cjson/cJSON.h>
#include <signal.h>

#include "common.h"
#include "agent.h"
#include "chat.h"
#include "config.h"
#include "goal.h"
#include "lineedit.h"
#include "memory.h"
#include "path.h"
#include "session.h"
#include "sig.h"
#include "skill.h"

static void
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/* Index of the last user message, or -1. */
static long
last_user(const struct agent *a)
{
	size_t i = a->conv.n;

	while (i-- > 0)
		if (a->conv.m[i].role == MSG_USER)
			return (long)i;
	return -1;
}

static void
drop_from(struct agent *a, size_t from)
{
	while (a->conv.n > from)
		conv_drop_last(&a->conv);
}

static void
report(int rc, struct buf *err)
{
	if (rc == AGENT_INTERRUPTED) {
		say("\n[interrupted]\n");
		sig_interrupted = 0;
	} else if (rc == AGENT_BUDGET) {
		say("[stopped: --max-turns reached; say 'go on' to continue]\n");
	} else if (rc < 0) {
		hm_report(err);
	}
}

static void
ask(struct chat *c, const char *text)
{
	struct buf err = BUF_INIT;
	int rc = agent_ask(c->agent, text, &err);

	if (rc == 0 && !c->agent->stream && c->agent->text)
		say("%s\n", c->agent->text);	/* --no-stream */
	report(rc, &err);
	buf_release(&err);
}

static int
cmd_new(struct chat *c)
{
	struct session_info info;
	struct buf err = BUF_INIT;
	struct agent *a = c->agent;
	char *id = NULL;

	drop_from(a, a->conv.n && a->conv.m[0].role == MSG_SYSTEM ? 1 : 0);
	if (c->sdb) {
		memset(&info, 0, sizeof(info));
		info.source = (char *)c->source;
		info.model = a->prov->model;
		info.cwd = (char *)a->env.cwd;
		info.profile = (char *)hm_profile();
		if (session_new(c->sdb, &info, &id, &err) < 0) {
			hm_report(&err);
			buf_release(&err);
			return 0;
		}
		free(*c->session_id);
		*c->session_id = id;
		a->session_id = id;
		a->env.session_id = id;
		if (a->popts.personality)
			session_meta_set(c->sdb, id, "personality",
			    a->popts.personality, NULL);
	}
	a->usage.input = a->usage.output = a->usage.cached = 0;
	a->turns = a->tool_calls = 0;
	say("new session %s\n", id ? id : "(not recorded)");
	buf_release(&err);
	return 0;
}

static void
cmd_memory(struct chat *c)
{
	struct buf text = BUF_INIT, err = BUF_INIT;
	struct memory m;
	int t;

	for (t = 0; t < 2; t++) {
		memory_init(&m, t ? MEMORY_USER : MEMORY_NOTES, t ?
		    c->agent->popts.user_limit : c->agent->popts.memory_limit);
		if (memory_load(&m, &err) == 0) {
			buf_reset(&text);
			memory_render(&m, &text);
			say("== %s %zu/%zu chars\n%s", m.name, memory_used(&m),
			    m.limit, text.len ? text.s : "(empty)\n");
		} else {
			hm_report(&err);
		}
		memory_release(&m);
	}
	buf_release(&text);
	buf_release(&err);
}

static void
cmd_personality(struct chat *c, const char *arg)
{
	struct buf err = BUF_INIT;
	struct agent *a = c->agent;
	const char *was = a->popts.personality;
	static char *kept;
	char *next;

	if (!*arg) {
		say("personality: %s\n", was ? was : "(SOUL.md)");
		return;
	}
	next = strcmp(arg, "none") ? xstrdup(arg) : NULL;
	a->popts.personality = next;
	if (agent_system(a, &err) < 0) {
		hm_report(&err);
		a->popts.personality = was;	/* kept still holds it */
		free(next);
	} else {
		free(kept);
		kept = next;
		if (c->sdb && *c->session_id)
			session_meta_set(c->sdb, *c->session_id, "personality",
			    kept, NULL);
		say("personality: %s\n", kept ? kept : "(SOUL.md)");
	}
	buf_release(&err);
}

static void
help(void)
{
	say("/new            start a new session\n"
	    "/model [ID]     show or switch the model\n"
	    "/personality [NAME|none]  show or switch the personality\n"
	    "/skills         list skills; /NAME [args] uses one\n"
	    "/goal TEXT      work until a judge says TEXT is met\n"
	    "/memory         show MEMORY.md and USER.md\n"
	    "/usage          tokens used in this chat\n"
	    "/retry          ask the last question again\n"
	    "/undo           forget the last exchange\n"
	    "/quit           leave (or Ctrl-D)\n");
}

/* /skills: /name and description, one a line. */
static int
chat_skills(struct buf *out, struct buf *err)
{
	struct skill_set set = SKILL_SET_INIT;
	size_t i;
	int rc = skill_set_load(&set, err);

	for (i = 0; rc == 0 && i < set.n; i++)
		buf_addf(out, "/%-22s %.70s\n", set.v[i].name,
		    set.v[i].description);
	skill_set_release(&set);
	return rc;
}

/* /NAME: the skill's SKILL.md, or -HM_ENOTFOUND. */
static int
chat_skill_text(const char *name, struct buf *out, struct buf *err)
{
	struct skill_set set = SKILL_SET_INIT;
	const struct skill *sk;
	int rc = skill_set_load(&set, err);

	if (rc == 0 && !(sk = skill_set_find(&set, name)))
		rc = -HM_ENOTFOUND;
	else if (rc == 0)
		rc = skill_read(sk, NULL, out, err);
	skill_set_release(&set);
	return rc;
}

/* 1 to leave the chat. */
static int
slash(struct chat *c, char *line)
{
	struct buf out = BUF_INIT, err = BUF_INIT, p = BUF_INIT;
	struct agent *a = c->agent;
	char *arg = line + strcspn(line, " \t");
	long u;
	int rc;

	if (*arg)
		*arg++ = '\0';
	arg += strspn(arg, " \t");
	if (!strcmp(line, "/quit") || !strcmp(line, "/exit"))
		return 1;
	if (!strcmp(line, "/help")) {
		help();
	} else if (!strcmp(line, "/new")) {
		cmd_new(c);
	} else if (!strcmp(line, "/model")) {
		if (*arg) {
			free(a->prov->model);
			a->prov->model = xstrdup(arg);
		}
		say("model: %s\n", a->prov->model);
	} else if (!strcmp(line, "/personality")) {
		cmd_personality(c, arg);
	} else if (!strcmp(line, "/memory")) {
		cmd_memory(c);
	} else if (!strcmp(line, "/usage")) {
		say("%ld model calls, %ld tool calls; tokens: %ld in (%ld "
		    "cached), %ld out\n", a->turns, a->tool_calls,
		    a->usage.input, a->usage.cached, a->usage.output);
	} else if (!strcmp(line, "/undo") || !strcmp(line, "/retry")) {
		u = last_user(a);
		if (u < 0) {
			say("nothing to %s\n", line + 1);
		} else {
			buf_adds(&p, a->conv.m[u].content ?
			    a->conv.m[u].content : "");
			drop_from(a, (size_t)u);
			if (!strcmp(line, "/retry"))
				ask(c, p.s);
			else
				say("forgot: %.60s\n", p.s);
		}
	} else if (!strcmp(line, "/goal")) {
		if (!*arg) {
			say("usage: /goal OBJECTIVE\n");
		} else {
			rc = goal_run(a, arg, NULL, config_get(c->cfg,
			    "goals.judge_model", NULL), &err);
			report(rc, &err);
		}
	} else if (!strcmp(line, "/skills")) {
		if ((c->skills_list ? c->skills_list : chat_skills)(&out,
		    &err) < 0)
			hm_report(&err);
		else
			say("%s", out.len ? out.s : "no skills yet\n");
	} else if ((c->skill_text ? c->skill_text : chat_skill_text)(line + 1,
	    &out, &err) == 0) {
		buf_addf(&p, "Use the skill '%s' below for this request.\n\n"
		    "%s\n\nRequest: %s", line + 1, out.s, *arg ? arg :
		    "(none given)");
		ask(c, p.s);
	} else {
		say("unknown command %s; /help lists them\n", line);
	}
	buf_release(&out);
	buf_release(&err);
	buf_release(&p);
	return 0;
}

int
chat_run(struct chat *c)
{
	char *line, *s;
	size_t n;

	lineedit_open();
	if (isatty(0))
		say("hermes %s, model %s. /help for commands, Ctrl-D to "
		    "leave.\n", HM_VERSION, c->agent->prov->model);
	for (;;) {
		sig_interrupted = 0;
		line = lineedit_read("hermes> ");
		if (!line && sig_interrupted && !sig_terminated) {
			say("\n");	/* Ctrl-C at the prompt: a new line */
			continue;
		}
		if (!line || sig_terminated)
			break;
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		n = strlen(s);
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
		    s[n - 1] == '\r'))
			s[--n] = '\0';
		sig_interrupted = 0;
		if (*s == '/') {
			if (slash(c, s))
				break;
		} else if (*s) {
			ask(c, s);
		}
		free(line);
		line = NULL;
		if (c->agent->out_closed || sig_terminated)
			break;
	}
	free(line);
	lineedit_close();
	if (*c->session_id)
		fprintf(stderr, "session: %s\n", *c->session_id);
	return c->agent->out_closed ? HM_EXIT_PIPE : HM_EXIT_OK;
}
