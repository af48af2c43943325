/*
 * gateway_turn.c: the agent turns (gateway_int.h).  Slash commands are
 * answered here; other messages become `hermes-ask --json -q` children,
 * one per chat at a time and gateway.max_turns at once, and a chat's
 * session id is kept in chats.json.
 */
#include <sys/wait.h>
#include <cjson/cJSON.h>
#include <fcntl.h>

#include "common.h"
#include "atomic.h"
#include "config.h"
#include "gateway_int.h"
#include "lock.h"
#include "path.h"
#include "proc.h"

/* The session of chat key, malloc'd, or NULL; with set, store sid (NULL:
 * forget the chat's session, /new). */
static char *
session_of(const char *key, int set, const char *sid)
{
	char *path = hm_path("gateway/chats.json"), *lp, *r = NULL, *t;
	struct buf text = BUF_INIT, err = BUF_INIT;
	cJSON *root = NULL;
	int lk = -1;

	if (set) {
		hm_mkparents(path, NULL);
		lp = lock_sidecar(path);
		lk = lock_take(lp, LOCK_EX, &err);
		free(lp);
	}
	if (buf_read_file(&text, path) == 0)
		root = cJSON_Parse(text.s);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		root = cJSON_CreateObject();
	}
	if (!set) {
		t = cJSON_GetStringValue(cJSON_GetObjectItem(root, key));
		r = t ? xstrdup(t) : NULL;
	} else if (lk >= 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(root, key);
		if (sid)
			cJSON_AddStringToObject(root, key, sid);
		t = cJSON_PrintUnformatted(root);
		buf_reset(&text);
		buf_addf(&text, "%s\n", t ? t : "{}");
		cJSON_free(t);
		atomic_write(path, text.s, text.len, 0600, &err);
	}
	lock_release(lk);
	cJSON_Delete(root);
	buf_release(&text);
	buf_release(&err);
	free(path);
	return r;
}

/* ---- slash commands ---- */

static int
command(struct gw *g, struct item *it)
{
	const char *t = it->m.text;
	struct buf r = BUF_INIT;
	char *sid;

	if (t[0] != '/')
		return 0;
	if (!strncmp(t, "/goal ", 6) && t[6]) {
		it->goal = xstrdup(t + 6);
		return 0;	/* a turn, with an objective */
	}
	if (!strcmp(t, "/help") || !strncmp(t, "/start", 6)) {
		buf_adds(&r, "Write to talk to the agent. Commands: /new (start "
		    "a new conversation), /usage, /model, /goal OBJECTIVE, "
		    "/whoami, /help.");
	} else if (!strcmp(t, "/whoami")) {
		buf_addf(&r, "%s user %s%s%s, chat %s", it->m.platform,
		    it->m.user, it->m.user_name ? " (" : "",
		    it->m.user_name ? it->m.user_name : "", it->m.chat);
		if (it->m.user_name)
			buf_adds(&r, ")");
	} else if (!strcmp(t, "/new")) {
		free(session_of(it->key, 1, NULL));
		buf_adds(&r, "Started a new conversation.");
	} else if (!strcmp(t, "/usage")) {
		sid = session_of(it->key, 0, NULL);
		buf_addf(&r, "Session %s; `hermes-session show %s` on the "
		    "server has the details.", sid ? sid : "(none yet)",
		    sid ? sid : "ID");
		free(sid);
	} else if (!strcmp(t, "/model")) {
		struct config_value v;
		const char *m = config_effective(g->cfg, "model", &v);

		/* the model a turn will use, as hermes-config get says */
		buf_addf(&r, "Model: %s", m ? m : "(none: set model)");
		config_value_release(&v);
	} else {
		return 0;	/* not ours: the agent may know it (a skill) */
	}
	gw_answer(g, it, r.s);
	buf_release(&r);
	return 1;
}

/* ---- turns ---- */

static int
start_turn(struct gw *g, struct item *it, struct buf *err)
{
	char *exe = proc_sibling("hermes-ask"), *sid = session_of(it->key, 0,
	    NULL), *argv[12];
	struct buf env1 = BUF_INIT;
	const char *env[2];
	struct proc_spec ps;
	int in, out, n = 0, pid;
	char tmpl[] = "/tmp/hermes-gw-XXXXXX";

	argv[n++] = exe;
	argv[n++] = "--json";
	argv[n++] = "-q";
	argv[n++] = "--source";
	argv[n++] = it->m.platform;
	if (sid) {
		argv[n++] = "-s";
		argv[n++] = sid;
	}
	if (it->goal) {
		argv[n++] = "--goal";
		argv[n++] = it->goal;
	}
	argv[n] = NULL;
	in = mkostemp(tmpl, O_CLOEXEC);
	if (in >= 0) {
		unlink(tmpl);
		if (write(in, it->goal ? "" : it->m.text, it->goal ? 0 :
		    strlen(it->m.text)) < 0 || lseek(in, 0, SEEK_SET) < 0) {
			close(in);
			in = -1;
		}
	}
	snprintf(tmpl, sizeof(tmpl), "/tmp/hermes-gw-XXXXXX");
	out = mkostemp(tmpl, O_CLOEXEC);
	if (out >= 0)
		unlink(tmpl);
	buf_addf(&env1, "HERMES_GATEWAY_CHAT=%s", it->key);
	env[0] = env1.s;
	env[1] = NULL;
	memset(&ps, 0, sizeof(ps));
	ps.argv = argv;
	ps.in = in;
	ps.out = out;
	ps.errfd = g->log ? fileno(g->log) : -1;
	ps.env = env;
	pid = in < 0 || out < 0 ? hm_fail(err, HM_EIO, "cannot make a "
	    "temporary file: %s", strerror(errno)) : proc_spawn(&ps, err);
	if (in >= 0)
		close(in);
	if (pid >= 0) {
		g->t = xrealloc(g->t, (g->nt + 1) * sizeof(*g->t));
		g->t[g->nt].pid = pid;
		g->t[g->nt].out = out;
		g->t[g->nt].it = *it;
		g->nt++;
	} else if (out >= 0) {
		close(out);
	}
	free(exe);
	free(sid);
	buf_release(&env1);
	return pid < 0 ? pid : 0;
}

static int
chat_busy(struct gw *g, const char *key)
{
	size_t i;

	for (i = 0; i < g->nt; i++)
		if (!strcmp(g->t[i].it.key, key))
			return 1;
	return 0;
}

/* Start what may start: one turn per chat, max_turns in all. */
void
gw_schedule(struct gw *g)
{
	struct buf err = BUF_INIT;
	struct item it;
	size_t i = 0;

	while (i < g->nq && (long)g->nt < g->max_turns) {
		if (chat_busy(g, g->q[i].key)) {
			i++;
			continue;
		}
		it = g->q[i];
		memmove(&g->q[i], &g->q[i + 1], (g->nq - i - 1) *
		    sizeof(*g->q));
		g->nq--;
		if (command(g, &it)) {
			gw_item_release(&it);
			continue;
		}
		buf_reset(&err);
		if (start_turn(g, &it, &err) < 0) {
			gw_log(g, "%s: cannot start a turn: %s", it.key, err.s);
			gw_answer(g, &it, "Sorry, the agent could not be started.");
			gw_item_release(&it);
		}
	}
	buf_release(&err);
}

static void
finish_turn(struct gw *g, struct turn *t, int st)
{
	struct buf out = BUF_INIT;
	const char *text, *e, *sid;
	cJSON *j = NULL;
	char *nl, *cur;

	lseek(t->out, 0, SEEK_SET);
	buf_read_fd(&out, t->out);
	close(t->out);
	buf_rtrim(&out);
	nl = out.len ? strrchr(out.s, '\n') : NULL;
	if (out.len)
		j = cJSON_Parse(nl ? nl + 1 : out.s);
	text = cJSON_GetStringValue(cJSON_GetObjectItem(j, "text"));
	e = cJSON_GetStringValue(cJSON_GetObjectItem(j, "error"));
	sid = cJSON_GetStringValue(cJSON_GetObjectItem(j, "session"));
	cur = sid ? session_of(t->it.key, 0, NULL) : NULL;
	if (sid && (!cur || strcmp(cur, sid)))	/* a new session: keep it */
		free(session_of(t->it.key, 1, sid));
	free(cur);
	if (e || !text || !*text)
		gw_log(g, "%s: turn ended %d: %s", t->it.key, WIFEXITED(st) ?
		    WEXITSTATUS(st) : 128 + WTERMSIG(st), e ? e : "no answer");
	gw_answer(g, &t->it, text && *text ? text : "Sorry, something went "
	    "wrong; the gateway log says what.");
	cJSON_Delete(j);
	buf_release(&out);
	gw_item_release(&t->it);
}

void
gw_reap(struct gw *g)
{
	size_t i = 0;
	int st;

	while (i < g->nt) {
		if (waitpid(g->t[i].pid, &st, WNOHANG) != g->t[i].pid) {
			i++;
			continue;
		}
		finish_turn(g, &g->t[i], st);
		g->t[i] = g->t[--g->nt];
	}
}
