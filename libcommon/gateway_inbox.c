/*
 * gateway_inbox.c: messages in (gateway_int.h).  Each poll's messages
 * are checked against the allowlist and pairing, written to inbox/ and
 * flushed as one batch, and only then is the platform acked; a restart
 * answers what inbox/ holds.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <fcntl.h>

#include "common.h"
#include "gateway_int.h"
#include "pairing.h"
#include "path.h"
#include "platform.h"
#include "timeutil.h"

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

	tu_format_stamp(tu_now(), &stamp);
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
	it->key = gw_chat_key(&it->m);
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
void
gw_inbox_recover(struct gw *g)
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
					gw_log(g, "recovered %s", p.s);
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

/* ---- in ---- */

static void
incoming(struct gw *g, struct pf *f, struct gw_msg *m)
{
	struct buf err = BUF_INIT, r = BUF_INIT;
	char code[9], *inbox, *key;
	struct item tmp;
	int a;

	if (recovered(g, m)) {
		gw_log(g, "%s: message %s is in the inbox already", m->platform,
		    m->message_id);
		return;
	}
	a = pairing_allowed(g->cfg, m->platform, m->user, &err);
	if (a <= 0) {
		if (a < 0)
			gw_log(g, "%s", err.s);
		if (a == 0 && !m->is_group && f->p->quiet_strangers) {
			/* no answer (email: a spam reflector); the request
			 * shows in `pair list` for the owner to approve */
			buf_reset(&err);
			pairing_request(m->platform, m->user, m->user_name,
			    m->chat, tu_now(), code, &err);
			gw_log(g, "%s: no pairing answer to %s (quiet platform)",
			    m->platform, m->user);
		} else if (a == 0 && !m->is_group) {
			buf_reset(&err);
			if (pairing_request(m->platform, m->user, m->user_name,
			    m->chat, tu_now(), code, &err) == 0)
				buf_addf(&r, "This bot does not know you yet. "
				    "Your pairing code is %s; the owner can "
				    "let you in with: hermes-gateway pair "
				    "approve %s %s", code, m->platform, code);
			else
				buf_adds(&r, "This bot does not know you, and "
				    "no pairing code can be given now.");
			memset(&tmp, 0, sizeof(tmp));
			tmp.m = *m;
			tmp.key = gw_chat_key(m);
			gw_answer(g, &tmp, r.s);
			free(tmp.key);
		}
		gw_log(g, "%s: user %s is not allowed: %s", m->platform,
		    m->user, m->is_group ? "ignored (a group)" : a < 0 ?
		    "ignored" : f->p->quiet_strangers ? "not answered" :
		    "given a pairing code");
		buf_release(&err);
		buf_release(&r);
		return;
	}
	if (!(inbox = inbox_put(g, m, &err))) {
		gw_log(g, "cannot keep a message: %s", err.s);
		buf_release(&err);
		return;
	}
	key = gw_chat_key(m);
	gw_note(g, "message", m, key, m->text, 0);
	free(key);
	enqueue(g, m, inbox);
	buf_release(&err);
}

/* Poll every platform that is not backing off; how many were asked. */
size_t
gw_poll_all(struct gw *g, long timeout_ms)
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
			gw_failed(g, f, &f->in, &err);
			continue;
		}
		gw_ok(f, &f->in);
		for (k = 0; k < n; k++)
			incoming(g, f, &v[k]);
		gw_msgs_free(v, n);
		if (inbox_commit(g, &err) < 0) {
			gw_log(g, "%s: %s; not acked, so sent again", f->p->name,
			    err.s);
			continue;
		}
		/* also after a batch of nothing we keep (stickers): a
		 * restart must not fetch those again */
		if (f->p->ack(f->p, &err) < 0)
			gw_log(g, "%s: %s", f->p->name, err.s);
	}
	buf_release(&err);
	return asked;
}

/* Nothing was polled (every platform backing off, or asked a moment
 * ago): sleep until the first may be asked again, at most max_ms, so
 * the loop does not spin. */
void
gw_idle(struct gw *g, long max_ms)
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
