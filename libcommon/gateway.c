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
#include "gwevents.h"
#include "lock.h"
#include "outbox.h"
#include "pairing.h"
#include "path.h"
#include "platform.h"
#include "proc.h"
#include "sig.h"
#include "timeutil.h"
#include "watch.h"

#define BACKOFF_MAX	300.0	/* seconds between tries of a dead platform */
#define RESCAN_EVERY	5.0	/* seconds between outbox scans without an
				   inotify event (retries, lost events) */

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

struct backoff {
	double next_try;	/* monotonic seconds; 0: now */
	double delay;
};

struct pend {
	int fd;
	char *tmp;		/* inbox/.NAME, written, not yet flushed */
	char *path;		/* inbox/NAME, once it is */
};

struct pf {
	struct platform *p;
	struct backoff in;	/* polls */
	struct backoff out;	/* sends: a reply URL that is down must
				   not stop a platform from receiving */
	double polled;		/* when it was last asked */
	time_t last_ok;
	char *last_error;
};

struct gw {
	const struct config *cfg;
	struct config own;	/* after a SIGHUP: the config read then */
	int have_own;
	const char *const *given;	/* --platform names, or NULL */
	struct pf *pf;
	size_t npf;
	struct item *q;		/* waiting, in arrival order */
	size_t nq;
	struct turn *t;
	size_t nt;
	long max_turns;
	FILE *log;
	unsigned seq;
	struct pend *pend;	/* inbox files of this poll, not yet flushed */
	size_t npend;
	char **recovered;	/* "PLATFORM CHAT ID" of inbox_recover's */
	size_t nrecovered;
};

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

/* Log an event for `hermes-gateway mcp` (gwevents.h); a failure is
 * logged, never more. */
static void
note(struct gw *g, const char *type, const struct gw_msg *m, const char *key,
    const char *text, int queued)
{
	struct buf err = BUF_INIT;

	if (gwevents_note(type, m, key, text, queued, &err) < 0)
		glog(g, "cannot log the event: %s", err.s);
	buf_release(&err);
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

/* Keep m in inbox/ before the platform is acked: written as inbox/.NAME
 * now, flushed and renamed to inbox/NAME by inbox_commit with the rest
 * of its poll's batch (one journal commit for a batch of 100 instead of
 * one per message).  The path it will have. */
static char *
inbox_put(struct gw *g, const struct gw_msg *m, struct buf *err)
{
	struct buf rel = BUF_INIT, stamp = BUF_INIT, tmp = BUF_INIT;
	cJSON *o = msg_json(m);
	char *path, *t = cJSON_PrintUnformatted(o), *dir;
	size_t len = strlen(t);
	int fd = -1;

	tu_format_stamp(time(NULL), &stamp);
	buf_addf(&rel, "gateway/inbox/%s.%d.%u.json", stamp.s, (int)getpid(),
	    g->seq++);
	path = hm_path(rel.s);
	dir = hm_dirname(path);
	buf_addf(&tmp, "%s/.%s", dir, hm_basename(path));
	if (hm_mkparents(path, err) == 0 && ((fd = open(tmp.s, O_WRONLY |
	    O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 || write(fd, t, len) !=
	    (ssize_t)len))
		hm_fail(err, HM_EIO, "cannot write '%s': %s", tmp.s,
		    strerror(errno));
	if (err->len) {
		if (fd >= 0) {
			close(fd);
			unlink(tmp.s);
		}
		free(path);
		path = NULL;
	} else {
		g->pend = xrealloc(g->pend, (g->npend + 1) *
		    sizeof(*g->pend));
		g->pend[g->npend].fd = fd;
		g->pend[g->npend].tmp = buf_detach(&tmp);
		g->pend[g->npend++].path = xstrdup(path);
	}
	cJSON_free(t);
	cJSON_Delete(o);
	free(dir);
	buf_release(&rel);
	buf_release(&stamp);
	buf_release(&tmp);
	return path;
}

/* Make the batch durable: fdatasync each file (after the first the
 * journal has little left to do), rename each into place, fsync the
 * directory once.  -HM_EIO when any step failed: the caller does not
 * ack, so the platform sends the batch again. */
static int
inbox_commit(struct gw *g, struct buf *err)
{
	char *dir = hm_path("gateway/inbox");
	size_t i;
	int rc = 0, dfd;

	for (i = 0; i < g->npend; i++) {
		if ((fdatasync(g->pend[i].fd) < 0 ||
		    rename(g->pend[i].tmp, g->pend[i].path) < 0) && rc == 0)
			rc = hm_fail(err, HM_EIO, "cannot keep '%s': %s",
			    g->pend[i].path, strerror(errno));
		close(g->pend[i].fd);
		free(g->pend[i].tmp);
		free(g->pend[i].path);
	}
	if (g->npend && (dfd = open(dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) >= 0) {
		if (fsync(dfd) < 0 && rc == 0)
			rc = hm_fail(err, HM_EIO, "cannot flush '%s': %s", dir,
			    strerror(errno));
		close(dfd);
	}
	free(g->pend);
	g->pend = NULL;
	g->npend = 0;
	free(dir);
	return rc;
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
		if (names[i]->d_name[0] == '.' && strcmp(names[i]->d_name,
		    ".") && strcmp(names[i]->d_name, "..")) {
			buf_reset(&p);	/* never flushed: never acked */
			buf_addf(&p, "%s/%s", dir, names[i]->d_name);
			unlink(p.s);
		} else if (names[i]->d_name[0] != '.') {
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

/* A poll or a send (b: &f->in or &f->out) failed: wait 1 s, doubling
 * to BACKOFF_MAX, or the platform's retry_after. */
static void
failed(struct gw *g, struct pf *f, struct backoff *b, struct buf *err)
{
	b->delay = b->delay ? b->delay * 2 : 1;
	if (b->delay > BACKOFF_MAX)
		b->delay = BACKOFF_MAX;
	if (f->p->retry_after > b->delay)
		b->delay = f->p->retry_after;
	f->p->retry_after = 0;
	b->next_try = tu_mono() + b->delay;
	free(f->last_error);
	f->last_error = xstrdup(buf_str(err));
	if (!strncmp(buf_str(err), f->p->name, strlen(f->p->name)))
		glog(g, "%s; next %s in %.0f s", buf_str(err), b == &f->in ?
		    "poll" : "send", b->delay);
	else	/* platform errors name their platform, others may not */
		glog(g, "%s: %s; next %s in %.0f s", f->p->name,
		    buf_str(err), b == &f->in ? "poll" : "send", b->delay);
}

static void
ok(struct pf *f, struct backoff *b)
{
	b->delay = 0;
	b->next_try = 0;
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
	int rc = -HM_EIO, queued = 0;

	if (f && tu_mono() >= f->out.next_try) {
		rc = deliver(f->p, it->m.chat, it->m.thread, it->m.message_id,
		    text, &err);
		if (rc == 0)
			ok(f, &f->out);
		else if (rc == -HM_EIO)
			failed(g, f, &f->out, &err);
	}
	if (rc == -HM_EIO) {
		buf_addf(&target, "%s:%s%s%s", it->m.platform, it->m.chat,
		    it->m.thread ? ":" : "", it->m.thread ? it->m.thread : "");
		buf_reset(&err);
		if (outbox_put(target.s, *text ? text : "(empty answer)",
		    "gateway", NULL, &err) == 0) {
			rc = 0;
			queued = 1;
		}
	}
	if (rc < 0)
		glog(g, "%s: the answer is lost: %s", it->key, buf_str(&err));
	else if (it->inbox)	/* a stored message's, not a stranger's code */
		note(g, "reply", &it->m, it->key, *text ? text :
		    "(empty answer)", queued);
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
	char code[9], *inbox, *key;
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
	key = chat_key(m);
	note(g, "message", m, key, m->text, 0);
	free(key);
	enqueue(g, m, inbox);
	buf_release(&err);
}

/* Poll every platform that is not backing off; how many were asked. */
static size_t
poll_all(struct gw *g, long timeout_ms)
{
	struct buf err = BUF_INIT;
	struct gw_msg *v;
	size_t i, k, n, asked = 0;
	int rc;

	for (i = 0; i < g->npf; i++) {
		struct pf *f = &g->pf[i];

		if (tu_mono() < f->in.next_try || (timeout_ms < 1000 &&
		    tu_mono() - f->polled < 0.5))
			continue;	/* down, or asked a moment ago */
		f->polled = tu_mono();
		asked++;
		v = NULL;
		n = 0;
		buf_reset(&err);
		rc = f->p->poll(f->p, timeout_ms / (long)g->npf, &v, &n, &err);
		if (rc < 0) {
			failed(g, f, &f->in, &err);
			continue;
		}
		ok(f, &f->in);
		for (k = 0; k < n; k++)
			incoming(g, f, &v[k]);
		gw_msgs_free(v, n);
		if (inbox_commit(g, &err) < 0) {
			glog(g, "%s: %s; not acked, so sent again", f->p->name,
			    err.s);
			continue;
		}
		/* also after a batch of nothing we keep (stickers): a
		 * restart must not fetch those again */
		if (f->p->ack(f->p, &err) < 0)
			glog(g, "%s: %s", f->p->name, err.s);
	}
	buf_release(&err);
	return asked;
}

/* Nothing was polled (every platform backing off, or asked a moment
 * ago): sleep until the first may be asked again, at most max_ms, so
 * the loop does not spin. */
static void
idle(struct gw *g, long max_ms)
{
	double wake = tu_mono() + max_ms / 1000.0, t;
	size_t i;

	for (i = 0; i < g->npf; i++) {
		t = g->pf[i].in.next_try > g->pf[i].polled + 0.5 ?
		    g->pf[i].in.next_try : g->pf[i].polled + 0.5;
		if (t < wake)
			wake = t;
	}
	if (wake > tu_mono())
		usleep((useconds_t)((wake - tu_mono()) * 1e6));
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
	else if ((f = find_pf(g, m.platform)) && tu_mono() < f->out.next_try)
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
			ok(f, &f->out);
			outbox_done(path, &err);
		} else {
			if (rc == -HM_EIO)
				failed(g, f, &f->out, &err);
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

/* The platforms to serve: those given, else gateway.platforms split at
 * commas and spaces.  A NULL-terminated malloc'd array of malloc'd
 * names. */
static char **
platform_list(const struct config *cfg, const char *const *given)
{
	const char *list = config_get(cfg, "gateway.platforms", NULL), *e;
	char **v = xcalloc(1, sizeof(*v));
	size_t n = 0;

	for (; given && *given; given++) {
		v = xrealloc(v, (n + 2) * sizeof(*v));
		v[n++] = xstrdup(*given);
		v[n] = NULL;
	}
	for (; !n && list && *list; list = e) {
		while (*list == ',' || *list == ' ')
			list++;
		for (e = list; *e && *e != ',' && *e != ' '; e++)
			;
		if (e == list)
			break;
		v = xrealloc(v, (n + 2) * sizeof(*v));
		v[n++] = xstrndup(list, (size_t)(e - list));
		v[n] = NULL;
	}
	return v;
}

static void
names_free(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* Open every platform of the list.  At start any failure is the
 * gateway's (a typo must not pass as a running gateway); on a reload
 * (tolerant) a platform that cannot open is logged and left out. */
static int
open_platforms(struct gw *g, int tolerant, struct buf *err)
{
	char **names = platform_list(g->cfg, g->given);
	struct platform *p;
	size_t i;
	int rc = 0;

	for (i = 0; names[i] && rc == 0; i++) {
		if (!(p = platform_new(names[i]))) {
			struct buf known = BUF_INIT;

			platform_names(&known);
			rc = hm_fail(err, HM_EINVAL, "unknown platform '%s' "
			    "(known: %s)", names[i], known.s);
			buf_release(&known);
		} else if ((rc = p->open(p, g->cfg, err)) < 0) {
			free(p);
		} else {
			g->pf = xrealloc(g->pf, (g->npf + 1) * sizeof(*g->pf));
			memset(&g->pf[g->npf], 0, sizeof(*g->pf));
			g->pf[g->npf++].p = p;
		}
		if (rc < 0 && tolerant) {
			glog(g, "reload: %s", buf_str(err));
			buf_reset(err);
			rc = 0;
		}
	}
	names_free(names);
	if (rc == 0 && !g->npf)
		rc = hm_fail(err, HM_EINVAL, "no platform to serve: set "
		    "gateway.platforms or give --platform");
	return rc;
}

static void
close_platforms(struct gw *g)
{
	size_t i;

	for (i = 0; i < g->npf; i++) {
		g->pf[i].p->close(g->pf[i].p);
		free(g->pf[i].p);
		free(g->pf[i].last_error);
	}
	free(g->pf);
	g->pf = NULL;
	g->npf = 0;
}

/* SIGHUP: read the config again and reopen the platforms with it (new
 * tokens, URLs, allowlists, gateway.platforms).  Turns in flight go on;
 * their answers find their platform by name.  A config that does not
 * load leaves everything as it was. */
static void
reload(struct gw *g)
{
	struct config nc = CONFIG_INIT;
	struct buf err = BUF_INIT;

	if (config_load(&nc, &err) < 0) {
		glog(g, "SIGHUP: the config was not reloaded: %s", err.s);
		config_release(&nc);
		buf_release(&err);
		return;
	}
	close_platforms(g);
	if (g->have_own)
		config_release(&g->own);
	g->own = nc;
	g->have_own = 1;
	g->cfg = &g->own;
	g->max_turns = 4;
	config_get_long(g->cfg, "gateway.max_turns", &g->max_turns, NULL);
	if (open_platforms(g, 1, &err) < 0)
		glog(g, "SIGHUP: %s; serving nothing until the next SIGHUP",
		    err.s);
	glog(g, "SIGHUP: config reloaded, %zu platform%s", g->npf,
	    g->npf == 1 ? "" : "s");
	buf_release(&err);
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
	close_platforms(g);
	for (i = 0; i < g->nrecovered; i++)
		free(g->recovered[i]);
	free(g->recovered);
	free(g->t);
	free(g->q);
	if (g->have_own)
		config_release(&g->own);
	if (g->log)
		fclose(g->log);
}

/* Is there news in the outbox?  An inotify event, or RESCAN_EVERY
 * seconds (messages put back for a retry, platforms back from a
 * backoff, events lost); without a watch, always. */
static int
outbox_due(struct gw *g, struct watch *w, double *last)
{
	struct buf err = BUF_INIT;
	int rc = w ? watch_wait(w, 0, &err) : 1;

	if (rc < 0)
		glog(g, "outbox watch: %s", err.s);
	buf_release(&err);
	if (rc != 0 || tu_mono() - *last >= RESCAN_EVERY) {
		*last = tu_mono();
		return 1;
	}
	return 0;
}

int
gateway_run(const struct config *cfg, const char *const *names,
    struct buf *err)
{
	char *lp = hm_path("gateway/.run.lock"), *dir = NULL;
	double last_status = 0, last_scan = 0;
	struct watch *w = NULL;
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
	g.given = names && *names ? names : NULL;
	g.max_turns = 4;
	config_get_long(cfg, "gateway.max_turns", &g.max_turns, NULL);
	if ((logfd = hm_open_log("gateway.log", NULL)) >= 0 &&
	    !(g.log = fdopen(logfd, "a")))
		close(logfd);
	rc = open_platforms(&g, 0, err);
	if (rc == 0)
		rc = outbox_mkdirs(err);
	if (rc == 0) {
		struct buf werr = BUF_INIT;
		size_t n = 0;

		outbox_recover(&n, err);
		inbox_recover(&g);
		dir = outbox_dir(NULL);
		if (watch_open(&w, (const char *const[]){ dir, NULL },
		    &werr) < 0)
			glog(&g, "outbox: no inotify watch (%s); scanning "
			    "every pass", werr.s);
		buf_release(&werr);
		sig_catch_hangup();
		glog(&g, "started, pid %d", (int)getpid());
	}
	while (rc == 0 && !sig_interrupted) {
		if (sig_hangup) {
			sig_hangup = 0;
			reload(&g);
		}
		if (!g.npf)
			usleep(200000);	/* a reload left nothing to poll */
		else if (!poll_all(&g, g.nt || g.nq ? 200 : 1000))
			idle(&g, g.nt || g.nq ? 50 : 1000);
		schedule(&g);
		reap(&g);
		schedule(&g);
		if (outbox_due(&g, w, &last_scan))
			outbox_pass(&g);
		if (tu_mono() - last_status >= 2) {
			write_status(&g);
			last_status = tu_mono();
		}
		if (g.nt || g.nq)
			usleep(50000);	/* short polls return at once */
	}
	if (rc == 0)
		glog(&g, "stopping");
	watch_close(w);
	free(dir);
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
