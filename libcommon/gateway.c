/*
 * gateway.c: the gateway core (gateway.h).  One process, one loop:
 * poll each platform that is not backing off, write what came in to
 * inbox/ and only then ack it, start turns for queued messages, reap
 * finished turns and send their answers, deliver the outbox.  Every
 * agent turn is a child process, so the loop never waits for a model.
 */
#include <sys/wait.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <time.h>

#include "common.h"
#include "atomic.h"
#include "config.h"
#include "gateway.h"
#include "lock.h"
#include "outbox.h"
#include "pairing.h"
#include "path.h"
#include "platform.h"
#include "proc.h"
#include "sig.h"
#include "timeutil.h"

#define BACKOFF_MAX	300.0	/* seconds between tries of a dead platform */

struct item {			/* a message waiting for, or in, a turn */
	struct gw_msg m;
	char *key;		/* the chat's session key */
	char *inbox;		/* its file in inbox/ */
	char *goal;		/* /goal: the objective */
};

struct turn {
	int pid;
	int out;		/* its stdout, an unlinked temp file */
	struct item it;
};

struct pf {
	struct platform *p;
	double next_try;	/* monotonic seconds; 0: now */
	double backoff;
	double polled;		/* when it was last asked */
	time_t last_ok;
	char *last_error;
};

struct gw {
	const struct config *cfg;
	struct pf *pf;
	size_t npf;
	struct item *q;		/* waiting, in arrival order */
	size_t nq;
	struct turn *t;
	size_t nt;
	long max_turns;
	FILE *log;
	unsigned seq;
	char **recovered;	/* "PLATFORM CHAT ID" of inbox_recover's */
	size_t nrecovered;
};

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
glog(struct gw *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
glog(struct gw *g, const char *fmt, ...)
{
	struct buf t = BUF_INIT;
	va_list ap;

	if (!g->log)
		return;
	tu_format_iso(time(NULL), &t);
	fprintf(g->log, "%s ", t.s);
	va_start(ap, fmt);
	vfprintf(g->log, fmt, ap);
	va_end(ap);
	fputc('\n', g->log);
	fflush(g->log);
	buf_release(&t);
}

static void
item_release(struct item *it)
{
	gw_msg_release(&it->m);
	free(it->key);
	free(it->inbox);
	free(it->goal);
	memset(it, 0, sizeof(*it));
}

/* ---- splitting ---- */

void
gateway_split(const char *text, size_t max,
    void (*fn)(const char *p, size_t n, void *ctx), void *ctx)
{
	size_t len = strlen(text), n, k;

	while (len > 0) {
		n = len;
		if (n > max) {
			n = max;
			for (k = n; k > max / 2; k--)
				if (text[k] == '\n' || text[k] == ' ')
					break;
			if (k > max / 2)
				n = k;
			while (n && ((unsigned char)text[n] & 0xC0) == 0x80)
				n--;
			if (!n)
				n = max;
		}
		fn(text, n, ctx);
		text += n;
		len -= n;
		while (len && (*text == '\n' || *text == ' ') && n < len) {
			text++;
			len--;
		}
	}
}

struct sendctx {
	struct platform *p;
	const char *chat, *thread, *reply_to;
	struct buf *err;
	int rc;
};

static void
send_piece(const char *s, size_t n, void *vctx)
{
	struct sendctx *c = vctx;
	char *piece;

	if (c->rc < 0)
		return;
	piece = xstrndup(s, n);
	c->rc = c->p->send(c->p, c->chat, c->thread, c->reply_to, piece,
	    c->err);
	c->reply_to = NULL;	/* only the first piece is a reply */
	free(piece);
}

static int
deliver(struct platform *p, const char *chat, const char *thread,
    const char *reply_to, const char *text, struct buf *err)
{
	struct sendctx c = { p, chat, thread, reply_to, err, 0 };

	gateway_split(*text ? text : "(empty answer)", p->max_len ?
	    p->max_len : 4096, send_piece, &c);
	return c.rc;
}

/* ---- chats and sessions ---- */

static char *
chat_key(const struct gw_msg *m)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s:%s", m->platform, m->chat);
	if (m->thread)
		buf_addf(&b, ":%s", m->thread);
	if (m->is_group)
		buf_addf(&b, ":%s", m->user);
	return buf_detach(&b);
}

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

/* ---- the inbox ---- */

static cJSON *
msg_json(const struct gw_msg *m)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "platform", m->platform);
	cJSON_AddStringToObject(o, "chat", m->chat);
	if (m->thread)
		cJSON_AddStringToObject(o, "thread", m->thread);
	cJSON_AddStringToObject(o, "user", m->user ? m->user : "");
	if (m->user_name)
		cJSON_AddStringToObject(o, "user_name", m->user_name);
	cJSON_AddStringToObject(o, "text", m->text ? m->text : "");
	if (m->message_id)
		cJSON_AddStringToObject(o, "message_id", m->message_id);
	cJSON_AddBoolToObject(o, "group", m->is_group);
	return o;
}

static char *
dupstr(const cJSON *o, const char *k)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, k));

	return s ? xstrdup(s) : NULL;
}

static void
msg_from(const cJSON *o, struct gw_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->platform = dupstr(o, "platform");
	m->chat = dupstr(o, "chat");
	m->thread = dupstr(o, "thread");
	m->user = dupstr(o, "user");
	m->user_name = dupstr(o, "user_name");
	m->text = dupstr(o, "text");
	m->message_id = dupstr(o, "message_id");
	m->is_group = cJSON_IsTrue(cJSON_GetObjectItem(o, "group"));
}

/* Keep m in inbox/ (before the platform is acked); the file's path. */
static char *
inbox_put(struct gw *g, const struct gw_msg *m, struct buf *err)
{
	struct buf rel = BUF_INIT, stamp = BUF_INIT;
	cJSON *o = msg_json(m);
	char *path, *t = cJSON_PrintUnformatted(o);

	tu_format_stamp(time(NULL), &stamp);
	buf_addf(&rel, "gateway/inbox/%s.%d.%u.json", stamp.s, (int)getpid(),
	    g->seq++);
	path = hm_path(rel.s);
	if (hm_mkparents(path, err) < 0 ||
	    atomic_write(path, t, strlen(t), 0600, err) < 0) {
		free(path);
		path = NULL;
	}
	cJSON_free(t);
	cJSON_Delete(o);
	buf_release(&rel);
	buf_release(&stamp);
	return path;
}

static void
enqueue(struct gw *g, struct gw_msg *m, char *inbox)
{
	struct item *it;

	g->q = xrealloc(g->q, (g->nq + 1) * sizeof(*g->q));
	it = &g->q[g->nq++];
	memset(it, 0, sizeof(*it));
	it->m = *m;
	memset(m, 0, sizeof(*m));
	it->key = chat_key(&it->m);
	it->inbox = inbox;
}

/* "PLATFORM CHAT MESSAGE_ID", malloc'd, or NULL without an id. */
static char *
msg_key(const struct gw_msg *m)
{
	struct buf b = BUF_INIT;

	if (!m->message_id || !m->chat)
		return NULL;
	buf_addf(&b, "%s %s %s", m->platform, m->chat, m->message_id);
	return buf_detach(&b);
}

/* Was m recovered from inbox/?  A platform acked after the inbox was
 * written (a crash between the two) hands it over again. */
static int
recovered(struct gw *g, const struct gw_msg *m)
{
	char *k = msg_key(m);
	size_t i;
	int hit = 0;

	for (i = 0; k && i < g->nrecovered && !hit; i++)
		hit = !strcmp(g->recovered[i], k);
	free(k);
	return hit;
}

/* Messages a previous run accepted and did not answer. */
static void
inbox_recover(struct gw *g)
{
	char *dir = hm_path("gateway/inbox");
	struct buf p = BUF_INIT, text = BUF_INIT;
	struct dirent **names = NULL;
	struct gw_msg m;
	cJSON *o;
	int n, i;

	n = scandir(dir, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			buf_reset(&p);
			buf_addf(&p, "%s/%s", dir, names[i]->d_name);
			buf_reset(&text);
			if (buf_read_file(&text, p.s) == 0 &&
			    (o = cJSON_Parse(text.s))) {
				msg_from(o, &m);
				cJSON_Delete(o);
				if (m.platform && m.chat && m.text) {
					glog(g, "recovered %s", p.s);
					g->recovered = xrealloc(g->recovered,
					    (g->nrecovered + 1) *
					    sizeof(*g->recovered));
					if ((g->recovered[g->nrecovered] =
					    msg_key(&m)))
						g->nrecovered++;
					enqueue(g, &m, xstrdup(p.s));
				}
				gw_msg_release(&m);
			}
		}
		free(names[i]);
	}
	free(names);
	free(dir);
	buf_release(&p);
	buf_release(&text);
}

/* ---- answers ---- */

static struct pf *
find_pf(struct gw *g, const char *name)
{
	size_t i;

	for (i = 0; i < g->npf; i++)
		if (!strcmp(g->pf[i].p->name, name))
			return &g->pf[i];
	return NULL;
}

static void
failed(struct gw *g, struct pf *f, struct buf *err)
{
	f->backoff = f->backoff ? f->backoff * 2 : 1;
	if (f->backoff > BACKOFF_MAX)
		f->backoff = BACKOFF_MAX;
	if (f->p->retry_after > f->backoff)
		f->backoff = f->p->retry_after;
	f->p->retry_after = 0;
	f->next_try = mono() + f->backoff;
	free(f->last_error);
	f->last_error = xstrdup(buf_str(err));
	glog(g, "%s: %s; next try in %.0f s", f->p->name, buf_str(err),
	    f->backoff);
}

static void
ok(struct pf *f)
{
	f->backoff = 0;
	f->next_try = 0;
	f->last_ok = time(NULL);
	free(f->last_error);
	f->last_error = NULL;
}

/* Answer it: now, or through the outbox when the platform is down. */
static void
answer(struct gw *g, struct item *it, const char *text)
{
	struct pf *f = find_pf(g, it->m.platform);
	struct buf err = BUF_INIT, target = BUF_INIT;
	int rc = -HM_EIO;

	if (f && mono() >= f->next_try) {
		rc = deliver(f->p, it->m.chat, it->m.thread, it->m.message_id,
		    text, &err);
		if (rc == 0)
			ok(f);
		else if (rc == -HM_EIO)
			failed(g, f, &err);
	}
	if (rc == -HM_EIO) {
		buf_addf(&target, "%s:%s%s%s", it->m.platform, it->m.chat,
		    it->m.thread ? ":" : "", it->m.thread ? it->m.thread : "");
		buf_reset(&err);
		if (outbox_put(target.s, *text ? text : "(empty answer)",
		    "gateway", NULL, &err) == 0)
			rc = 0;
	}
	if (rc < 0)
		glog(g, "%s: the answer is lost: %s", it->key, buf_str(&err));
	if (it->inbox)
		unlink(it->inbox);
	buf_release(&err);
	buf_release(&target);
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
		buf_addf(&r, "Model: %s", config_get(g->cfg, "model", NULL) ?
		    config_get(g->cfg, "model", NULL) : "(the provider's "
		    "default)");
	} else {
		return 0;	/* not ours: the agent may know it (a skill) */
	}
	answer(g, it, r.s);
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
static void
schedule(struct gw *g)
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
			item_release(&it);
			continue;
		}
		buf_reset(&err);
		if (start_turn(g, &it, &err) < 0) {
			glog(g, "%s: cannot start a turn: %s", it.key, err.s);
			answer(g, &it, "Sorry, the agent could not be started.");
			item_release(&it);
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
	char *nl;

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
	if (sid)
		free(session_of(t->it.key, 1, sid));
	if (e || !text || !*text)
		glog(g, "%s: turn ended %d: %s", t->it.key, WIFEXITED(st) ?
		    WEXITSTATUS(st) : 128 + WTERMSIG(st), e ? e : "no answer");
	answer(g, &t->it, text && *text ? text : "Sorry, something went "
	    "wrong; the gateway log says what.");
	cJSON_Delete(j);
	buf_release(&out);
	item_release(&t->it);
}

static void
reap(struct gw *g)
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

/* ---- in ---- */

static void
incoming(struct gw *g, struct pf *f, struct gw_msg *m)
{
	struct buf err = BUF_INIT, r = BUF_INIT;
	char code[9], *inbox;
	struct item tmp;
	int a;

	if (recovered(g, m)) {
		glog(g, "%s: message %s is in the inbox already", m->platform,
		    m->message_id);
		return;
	}
	a = pairing_allowed(g->cfg, m->platform, m->user, &err);
	if (a <= 0) {
		if (a < 0)
			glog(g, "%s", err.s);
		if (a == 0 && !m->is_group && f->p->quiet_strangers) {
			/* no answer (email: a spam reflector); the request
			 * shows in `pair list` for the owner to approve */
			buf_reset(&err);
			pairing_request(m->platform, m->user, m->user_name,
			    m->chat, time(NULL), code, &err);
			glog(g, "%s: no pairing answer to %s (quiet platform)",
			    m->platform, m->user);
		} else if (a == 0 && !m->is_group) {
			buf_reset(&err);
			if (pairing_request(m->platform, m->user, m->user_name,
			    m->chat, time(NULL), code, &err) == 0)
				buf_addf(&r, "This bot does not know you yet. "
				    "Your pairing code is %s; the owner can "
				    "let you in with: hermes-gateway pair "
				    "approve %s %s", code, m->platform, code);
			else
				buf_adds(&r, "This bot does not know you, and "
				    "no pairing code can be given now.");
			memset(&tmp, 0, sizeof(tmp));
			tmp.m = *m;
			tmp.key = chat_key(m);
			answer(g, &tmp, r.s);
			free(tmp.key);
		}
		glog(g, "%s: user %s is not allowed", m->platform, m->user);
		buf_release(&err);
		buf_release(&r);
		return;
	}
	if (!(inbox = inbox_put(g, m, &err))) {
		glog(g, "cannot keep a message: %s", err.s);
		buf_release(&err);
		return;
	}
	enqueue(g, m, inbox);
	buf_release(&err);
}

static void
poll_all(struct gw *g, long timeout_ms)
{
	struct buf err = BUF_INIT;
	struct gw_msg *v;
	size_t i, k, n, asked = 0;
	double wake = mono() + timeout_ms / 1000.0;
	int rc;

	for (i = 0; i < g->npf; i++) {
		struct pf *f = &g->pf[i];

		if (mono() < f->next_try || (timeout_ms < 1000 &&
		    mono() - f->polled < 0.5)) {
			if (f->next_try > 0 && f->next_try < wake)
				wake = f->next_try;
			continue;	/* down, or asked a moment ago */
		}
		asked++;
		f->polled = mono();
		v = NULL;
		n = 0;
		buf_reset(&err);
		rc = f->p->poll(f->p, timeout_ms / (long)g->npf, &v, &n, &err);
		if (rc < 0) {
			failed(g, f, &err);
			continue;
		}
		ok(f);
		for (k = 0; k < n; k++)
			incoming(g, f, &v[k]);
		gw_msgs_free(v, n);
		/* also after a batch of nothing we keep (stickers): a
		 * restart must not fetch those again */
		if (f->p->ack(f->p, &err) < 0)
			glog(g, "%s: %s", f->p->name, err.s);
	}
	/* every platform backs off: wait as a poll would have, not spin */
	if (!asked && wake > mono())
		poll(NULL, 0, (int)((wake - mono()) * 1000) + 1);
	buf_release(&err);
}

/* ---- the outbox ---- */

/* Is the message file name for a platform we serve and can reach now?
 * Read before the claim, so a message for a platform that is down or
 * not served here stays where it is, untouched, for later or for
 * another gateway. */
static struct pf *
deliverable(struct gw *g, const char *name)
{
	char *dir = outbox_dir(NULL);
	struct buf p = BUF_INIT, err = BUF_INIT;
	struct outbox_msg m;
	struct pf *f = NULL;

	buf_addf(&p, "%s/%s", dir, name);
	memset(&m, 0, sizeof(m));
	if (outbox_read(p.s, &m, &err) < 0)
		f = g->npf ? &g->pf[0] : NULL;	/* claim it: fail moves it */
	else if ((f = find_pf(g, m.platform)) && mono() < f->next_try)
		f = NULL;
	outbox_msg_release(&m);
	buf_release(&p);
	buf_release(&err);
	free(dir);
	return f;
}

static void
outbox_pass(struct gw *g)
{
	struct buf err = BUF_INIT;
	struct outbox_msg m;
	struct pf *f;
	char **names = NULL, *path;
	size_t n = 0, i;
	int rc;

	if (outbox_scan(&names, &n, &err) < 0)
		n = 0;
	for (i = 0; i < n; i++) {
		buf_reset(&err);
		if (!deliverable(g, names[i]) ||
		    outbox_claim(names[i], &path, &err) < 0)
			continue;
		memset(&m, 0, sizeof(m));
		if (outbox_read(path, &m, &err) < 0) {
			glog(g, "outbox %s: %s", names[i], err.s);
			outbox_fail(path, err.s, 0, &err);
		} else if (!(f = find_pf(g, m.platform))) {
			outbox_fail(path, "not served", 1, &err);
		} else if ((rc = deliver(f->p, m.chat, m.thread, NULL, m.text,
		    &err)) == 0) {
			ok(f);
			outbox_done(path, &err);
		} else {
			if (rc == -HM_EIO)
				failed(g, f, &err);
			glog(g, "outbox %s: %s", names[i], err.s);
			outbox_fail(path, err.s, rc == -HM_EIO, &err);
		}
		outbox_msg_release(&m);
		free(path);
	}
	outbox_names_free(names, n);
	buf_release(&err);
}

static void
write_status(struct gw *g)
{
	cJSON *o = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(o,
	    "platforms"), *p;
	struct buf t = BUF_INIT, err = BUF_INIT;
	char *path = hm_path("gateway/status.json"), *s;
	size_t i;

	cJSON_AddNumberToObject(o, "pid", (double)getpid());
	for (i = 0; i < g->npf; i++) {
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "name", g->pf[i].p->name);
		buf_reset(&t);
		if (g->pf[i].last_ok)
			tu_format_iso(g->pf[i].last_ok, &t);
		cJSON_AddStringToObject(p, "last_contact", t.len ? t.s : "-");
		if (g->pf[i].last_error)
			cJSON_AddStringToObject(p, "error",
			    g->pf[i].last_error);
		cJSON_AddItemToArray(a, p);
	}
	cJSON_AddNumberToObject(o, "turns", (double)g->nt);
	cJSON_AddNumberToObject(o, "waiting", (double)g->nq);
	s = cJSON_PrintUnformatted(o);
	buf_reset(&t);
	buf_addf(&t, "%s\n", s ? s : "{}");
	atomic_write(path, t.s, t.len, 0600, &err);
	cJSON_free(s);
	cJSON_Delete(o);
	free(path);
	buf_release(&t);
	buf_release(&err);
}

static int
open_platforms(struct gw *g, const char *const *names, struct buf *err)
{
	struct platform *p;
	size_t i;
	int rc;

	for (i = 0; names[i]; i++) {
		if (!(p = platform_new(names[i]))) {
			struct buf known = BUF_INIT;

			platform_names(&known);
			rc = hm_fail(err, HM_EINVAL, "unknown platform '%s' "
			    "(known: %s)", names[i], known.s);
			buf_release(&known);
			return rc;
		}
		if ((rc = p->open(p, g->cfg, err)) < 0) {
			free(p);
			return rc;
		}
		g->pf = xrealloc(g->pf, (g->npf + 1) * sizeof(*g->pf));
		memset(&g->pf[g->npf], 0, sizeof(*g->pf));
		g->pf[g->npf++].p = p;
	}
	if (!g->npf)
		return hm_fail(err, HM_EINVAL, "no platform to serve: set "
		    "gateway.platforms or give --platform");
	return 0;
}

static void
shut(struct gw *g)
{
	size_t i;
	int st;

	for (i = 0; i < g->nt; i++) {	/* their messages stay in inbox/ */
		proc_stop(g->t[i].pid, 5000, &st);
		close(g->t[i].out);
		item_release(&g->t[i].it);
	}
	for (i = 0; i < g->nq; i++)
		item_release(&g->q[i]);
	for (i = 0; i < g->npf; i++) {
		g->pf[i].p->close(g->pf[i].p);
		free(g->pf[i].p);
		free(g->pf[i].last_error);
	}
	for (i = 0; i < g->nrecovered; i++)
		free(g->recovered[i]);
	free(g->recovered);
	free(g->t);
	free(g->q);
	free(g->pf);
	if (g->log)
		fclose(g->log);
}

int
gateway_run(const struct config *cfg, const char *const *names,
    struct buf *err)
{
	char *lp = hm_path("gateway/.run.lock");
	double last_status = 0;
	struct gw g;
	int lk, rc, logfd;

	if (hm_mkparents(lp, err) < 0) {
		free(lp);
		return -HM_EIO;
	}
	lk = lock_take(lp, LOCK_EX | LOCK_NB, err);
	free(lp);
	if (lk == -HM_ECONFLICT) {
		buf_reset(err);
		return hm_fail(err, HM_ECONFLICT, "a gateway is running "
		    "already");
	}
	if (lk < 0)
		return lk;
	memset(&g, 0, sizeof(g));
	g.cfg = cfg;
	g.max_turns = 4;
	config_get_long(cfg, "gateway.max_turns", &g.max_turns, NULL);
	if ((logfd = hm_open_log("gateway.log", NULL)) >= 0 &&
	    !(g.log = fdopen(logfd, "a")))
		close(logfd);
	rc = open_platforms(&g, names, err);
	if (rc == 0)
		rc = outbox_mkdirs(err);
	if (rc == 0) {
		size_t n = 0;

		outbox_recover(&n, err);
		inbox_recover(&g);
		glog(&g, "started, pid %d", (int)getpid());
	}
	while (rc == 0 && !sig_interrupted) {
		poll_all(&g, g.nt || g.nq ? 200 : 1000);
		schedule(&g);
		reap(&g);
		schedule(&g);
		outbox_pass(&g);
		if (mono() - last_status >= 2) {
			write_status(&g);
			last_status = mono();
		}
		if (g.nt || g.nq)
			usleep(50000);	/* short polls return at once */
	}
	if (rc == 0)
		glog(&g, "stopping");
	shut(&g);
	lock_release(lk);
	return rc;
}

int
gateway_send(const struct config *cfg, const char *target, const char *text,
    int *queued, struct buf *err)
{
	struct outbox_msg m;
	struct platform *p;
	int rc;

	*queued = 0;
	if ((rc = outbox_parse_target(target, &m, err)) < 0)
		return rc;
	p = platform_new(m.platform);
	if (!p) {
		outbox_msg_release(&m);
		return hm_fail(err, HM_EINVAL, "unknown platform '%s'",
		    m.platform);
	}
	rc = p->open(p, cfg, err);
	if (rc == 0) {
		rc = deliver(p, m.chat, m.thread, NULL, text, err);
		p->close(p);
	}
	free(p);
	if (rc == -HM_EIO) {	/* unreachable now: the gateway will try */
		buf_reset(err);
		rc = outbox_put(target, text, "send", NULL, err);
		*queued = rc == 0;
	}
	outbox_msg_release(&m);
	return rc;
}
