/*
 * gateway.c: the gateway core (gateway.h).  One process, one loop:
 * poll each platform that is not backing off, write what came in to
 * inbox/ and only then ack it (gateway_inbox.c), start turns for queued
 * messages and reap finished ones (gateway_turn.c), send their answers,
 * deliver the outbox.  Every agent turn is a child process, so the loop
 * never waits for a model.
 */
#include <cjson/cJSON.h>
#include <stdarg.h>

#include "common.h"
#include "atomic.h"
#include "config.h"
#include "gateway.h"
#include "gateway_int.h"
#include "gwevents.h"
#include "lock.h"
#include "outbox.h"
#include "path.h"
#include "platform.h"
#include "proc.h"
#include "sig.h"
#include "timeutil.h"
#include "watch.h"

void
gw_log(struct gw *g, const char *fmt, ...)
{
	struct buf t = BUF_INIT;
	va_list ap;

	if (!g->log)
		return;
	tu_format_iso(tu_now(), &t);
	fprintf(g->log, "%s ", t.s);
	va_start(ap, fmt);
	vfprintf(g->log, fmt, ap);
	va_end(ap);
	fputc('\n', g->log);
	fflush(g->log);
	buf_release(&t);
}

/* platform_log's lines (platform.h) go to ours. */
static void
platform_line(void *ctx, const char *line)
{
	gw_log(ctx, "%s", line);
}

void
gw_item_release(struct item *it)
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

char *
gw_chat_key(const struct gw_msg *m)
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
void
gw_note(struct gw *g, const char *type, const struct gw_msg *m,
    const char *key, const char *text, int queued)
{
	struct buf err = BUF_INIT;

	if (gwevents_note(type, m, key, text, queued, &err) < 0)
		gw_log(g, "cannot log the event: %s", err.s);
	buf_release(&err);
}

/* ---- answers ---- */

struct pf *
gw_find_pf(struct gw *g, const char *name)
{
	size_t i;

	for (i = 0; i < g->npf; i++)
		if (!strcmp(g->pf[i].p->name, name))
			return &g->pf[i];
	return NULL;
}

/* A poll or a send (b: &f->in or &f->out) failed: wait 1 s, doubling
 * to BACKOFF_MAX, or the platform's retry_after. */
void
gw_failed(struct gw *g, struct pf *f, struct backoff *b, struct buf *err)
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
		gw_log(g, "%s; next %s in %.0f s", buf_str(err), b == &f->in ?
		    "poll" : "send", b->delay);
	else	/* platform errors name their platform, others may not */
		gw_log(g, "%s: %s; next %s in %.0f s", f->p->name,
		    buf_str(err), b == &f->in ? "poll" : "send", b->delay);
}

void
gw_ok(struct pf *f, struct backoff *b)
{
	b->delay = 0;
	b->next_try = 0;
	f->last_ok = tu_now();
	free(f->last_error);
	f->last_error = NULL;
}

/* An answer the platform refused for good (a chat that is gone, a text
 * it will never take): into outbox/failed/ with why, where the owner
 * finds it (and may move it back to outbox/ for another try).  Put,
 * claimed and failed at once: this gateway is the outbox's only
 * consumer, and a claim lost to another would leave the message with
 * that one.  *name: its file name, malloc'd. */
static int
park_failed(const char *target, const char *text, const char *why,
    char **name, struct buf *err)
{
	char *path = NULL;
	int rc;

	if ((rc = outbox_put(target, text, "gateway", name, err)) < 0)
		return rc;
	if ((rc = outbox_claim(*name, &path, err)) == -HM_ENOTFOUND) {
		buf_reset(err);
		rc = 0;
	} else if (rc == 0) {
		rc = outbox_fail(path, why, 0, err);
	}
	free(path);
	return rc;
}

/* Answer it: now, or through the outbox when the platform is down, or
 * into outbox/failed/ when the platform refuses it for good.  Its inbox
 * file goes only then: when none of these worked (the outbox cannot be
 * written), the message stays in inbox/ and is answered again after a
 * restart, as gateway.h promises. */
void
gw_answer(struct gw *g, struct item *it, const char *text)
{
	struct pf *f = gw_find_pf(g, it->m.platform);
	struct buf err = BUF_INIT, target = BUF_INIT, why = BUF_INIT;
	const char *t = *text ? text : "(empty answer)";
	char *name = NULL;
	int rc = -HM_EIO, queued = 0, parked = 0, kept = 0;

	if (!f) {
		hm_fail(&err, HM_EIO, "%s is not served now", it->m.platform);
	} else if (tu_mono() < f->out.next_try) {
		hm_fail(&err, HM_EIO, "%s: sends back off for %.0f s more",
		    f->p->name, f->out.next_try - tu_mono());
	} else {
		rc = deliver(f->p, it->m.chat, it->m.thread, it->m.message_id,
		    text, &err);
		if (rc == 0)
			gw_ok(f, &f->out);
		else if (rc == -HM_EIO)
			gw_failed(g, f, &f->out, &err);
	}
	if (rc < 0) {
		buf_addf(&target, "%s:%s%s%s", it->m.platform, it->m.chat,
		    it->m.thread ? ":" : "", it->m.thread ? it->m.thread : "");
		buf_adds(&why, buf_str(&err));
		buf_reset(&err);
	}
	if (rc == -HM_EIO) {		/* down or backing off: try later */
		if ((rc = outbox_put(target.s, t, "gateway", &name,
		    &err)) == 0) {
			queued = 1;
			gw_log(g, "%s: the answer waits in the outbox as %s "
			    "(%s)", it->key, name, buf_str(&why));
		}
	} else if (rc < 0) {		/* refused: a retry will not mend it */
		if ((rc = park_failed(target.s, t, buf_str(&why), &name,
		    &err)) == 0) {
			parked = 1;
			gw_log(g, "%s: the answer was refused (%s); it is kept "
			    "as outbox/failed/%s", it->key, buf_str(&why),
			    name);
		}
	}
	if (rc < 0) {
		kept = it->inbox != NULL;
		gw_log(g, "%s: the answer was not sent (%s) nor kept in the "
		    "outbox (%s); %s", it->key, buf_str(&why), buf_str(&err),
		    kept ? "its message stays in inbox/ to be answered after "
		    "a restart" : "it is lost");
	}
	if (rc == 0 && !parked && it->inbox)	/* not a stranger's code */
		gw_note(g, "reply", &it->m, it->key, t, queued);
	if (it->inbox && !kept)
		unlink(it->inbox);
	free(name);
	buf_release(&err);
	buf_release(&target);
	buf_release(&why);
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
	else if ((f = gw_find_pf(g, m.platform)) && tu_mono() < f->out.next_try)
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
			gw_log(g, "outbox %s: %s", names[i], err.s);
			outbox_fail(path, err.s, 0, &err);
		} else if (!(f = gw_find_pf(g, m.platform))) {
			outbox_fail(path, "not served", 1, &err);
		} else if ((rc = deliver(f->p, m.chat, m.thread, NULL, m.text,
		    &err)) == 0) {
			gw_ok(f, &f->out);
			outbox_done(path, &err);
		} else {
			if (rc == -HM_EIO)
				gw_failed(g, f, &f->out, &err);
			gw_log(g, "outbox %s: %s", names[i], err.s);
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
		} else {
			p->log = platform_line;
			p->log_ctx = g;
			if ((rc = p->open(p, g->cfg, err)) < 0) {
				free(p);
			} else {
				g->pf = xrealloc(g->pf, (g->npf + 1) *
				    sizeof(*g->pf));
				memset(&g->pf[g->npf], 0, sizeof(*g->pf));
				g->pf[g->npf++].p = p;
			}
		}
		if (rc < 0 && tolerant) {
			gw_log(g, "reload: %s", buf_str(err));
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
		gw_log(g, "SIGHUP: the config was not reloaded: %s", err.s);
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
		gw_log(g, "SIGHUP: %s; serving nothing until the next SIGHUP",
		    err.s);
	gw_log(g, "SIGHUP: config reloaded, %zu platform%s", g->npf,
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
		gw_item_release(&g->t[i].it);
	}
	for (i = 0; i < g->nq; i++)
		gw_item_release(&g->q[i]);
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
		gw_log(g, "outbox watch: %s", err.s);
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
		gw_inbox_recover(&g);
		dir = outbox_dir(NULL);
		if (watch_open(&w, (const char *const[]){ dir, NULL },
		    &werr) < 0)
			gw_log(&g, "outbox: no inotify watch (%s); scanning "
			    "every pass", werr.s);
		buf_release(&werr);
		sig_catch_hangup();
		gw_log(&g, "started, pid %d", (int)getpid());
	}
	while (rc == 0 && !sig_interrupted) {
		if (sig_hangup) {
			sig_hangup = 0;
			reload(&g);
		}
		if (!g.npf)
			usleep(200000);	/* a reload left nothing to poll */
		else if (!gw_poll_all(&g, g.nt || g.nq ? 200 : 1000))
			gw_idle(&g, g.nt || g.nq ? 50 : 1000);
		gw_schedule(&g);
		gw_reap(&g);
		gw_schedule(&g);
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
		gw_log(&g, "stopping");
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
