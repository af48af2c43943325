/*
 * platform_email.c: email behind platform.h: IMAP in, SMTP out
 * (http_mail.h), messages read and written by mime.h.
 *
 * In.  Every gateway.email.interval seconds (60) poll logs in to
 * gateway.email.imap as EMAIL_ADDRESS (or the URL's user) with
 * EMAIL_PASSWORD, selects INBOX, asks UID SEARCH UNSEEN and fetches each
 * new message with BODY.PEEK[], which leaves it unseen.  Between polls
 * it sleeps at most the gateway's timeout, so the loop never spins.
 * The UIDs it handed over, or skipped, wait in memory (pending); ack,
 * which the gateway calls once it has kept the messages, stores \Seen
 * on them.  A restart before ack finds them unseen and takes them
 * again; a pending UID is never handed over twice by one process, also
 * when ack failed.  Skipped, and marked seen like the rest: mail from
 * our own address, mail no person wrote (mime_is_automatic: bounces,
 * auto-replies, lists) and mail without a sender address.  Strangers
 * are the gateway's business (quiet_strangers: email gets no pairing
 * answer, which would make the bot a spam reflector).
 *
 * A message becomes: chat and user = the sender's address (lowercase),
 * user_name = its display name, message_id = its Message-ID, thread =
 * the first message of its conversation (the first id of References,
 * else the thread of the message it answers, else its own id), so each
 * email thread is one conversation; text = its text part without the
 * quoted tail (mime_strip_quote), after "Subject: ..." when it starts a
 * thread.
 *
 * Out.  A reply needs the subject and the References of the message it
 * answers, and the gateway only hands back a Message-ID (reply_to) or a
 * thread, maybe after a restart (the outbox).  So poll records, per
 * Message-ID, {"subject", "refs" (its References and its own id),
 * "root" (its thread), "t" (when)} in gateway/email.threads.json, and
 * send records each message it sent the same way; the file keeps the
 * newest EM_THREADS_MAX entries, written by atomic_write under
 * flock(gateway/.email.threads.json.lock), read without a lock.  send
 * answers reply_to, else the newest message of the thread, with
 * "Re: SUBJECT", In-Reply-To, References and Auto-Submitted:
 * auto-replied; with neither it sends a new mail, "Message from
 * Hermes".  Answers are never split (max_len is large).
 *
 * Errors never hold EMAIL_PASSWORD (http_mail.h scrubs it): a server
 * that cannot be reached or refuses for now (SMTP 4xx) is -HM_EIO, a
 * denied login or a permanent refusal (5xx) -HM_EFAIL.
 */
#include <sys/random.h>
#include <cjson/cJSON.h>
#include <poll.h>
#include <time.h>

#include "common.h"
#include "atomic.h"
#include "config.h"
#include "http_mail.h"
#include "lock.h"
#include "mime.h"
#include "path.h"
#include "platform.h"
#include "platform_int.h"
#include "timeutil.h"

#define EM_THREADS	"gateway/email.threads.json"
#define EM_THREADS_MAX	1000	/* entries kept in it */
#define EM_REFS_MAX	20	/* ids in a References header */
#define EM_FETCH_MAX	50	/* messages taken in one poll */
#define EM_MSG_MAX	(10 * 1024 * 1024)	/* bytes fetched of one */
#define EM_TEXT_MAX	(100 * 1024)	/* bytes of text handed on */
#define EM_TIMEOUT	30	/* seconds per wait for a server */
#define EM_NEW_SUBJECT	"Message from Hermes"

struct em {
	char *address;			/* ours, lowercase */
	char *password;
	char *imap, *smtp;		/* server URLs */
	long interval;
	double next_poll;		/* monotonic seconds */
	struct http_mail_imap *im;	/* open from poll to ack */
	unsigned long long validity;	/* UIDVALIDITY of pending */
	unsigned long *pending;		/* polled, not yet \Seen */
	size_t npending;
};

static void
lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* Is s a bare address we may put in a header and an envelope? */
static int
address_ok(const char *s)
{
	const char *at = strchr(s, '@');

	if (!at || at == s || !at[1] || strlen(s) > 254)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f ||
		    strchr("<>()[]\",;:\\", *s))
			return 0;
	return 1;
}

static int
em_open(struct platform *p, const struct config *cfg, struct buf *err)
{
	const char *addr = config_get(cfg, "EMAIL_ADDRESS", NULL);
	const char *pw = config_get(cfg, "EMAIL_PASSWORD", NULL);
	const char *imap = config_get(cfg, "gateway.email.imap", NULL);
	const char *smtp = config_get(cfg, "gateway.email.smtp", NULL);
	long interval = 60;
	struct em *e;
	int rc;

	if (!addr || !address_ok(addr))
		return hm_fail(err, HM_EFAIL, "gateway.email: %s: set "
		    "EMAIL_ADDRESS (hermes-config set EMAIL_ADDRESS "
		    "bot@example.com)", addr && *addr ? "not an address" :
		    "no address");
	if (!pw || !*pw)
		return hm_fail(err, HM_EFAIL, "gateway.email: no password: set "
		    "EMAIL_PASSWORD (hermes-config set EMAIL_PASSWORD ...)");
	if (!imap || !*imap || !smtp || !*smtp)
		return hm_fail(err, HM_EFAIL, "gateway.email: no %s server: "
		    "set gateway.email.%s (%s://host:port)", !imap || !*imap ?
		    "IMAP" : "SMTP", !imap || !*imap ? "imap" : "smtp",
		    !imap || !*imap ? "imap" : "smtp");
	rc = config_get_long(cfg, "gateway.email.interval", &interval, err);
	if (rc < 0 && rc != -HM_ENOTFOUND)
		return rc;
	e = xcalloc(1, sizeof(*e));
	e->address = xstrdup(addr);
	lower(e->address);
	e->password = xstrdup(pw);
	e->imap = xstrdup(imap);
	e->smtp = xstrdup(smtp);
	e->interval = interval > 0 ? interval : 60;
	p->state = e;
	p->retry_after = 0;
	return 0;
}

static void
em_close(struct platform *p)
{
	struct em *e = p->state;

	if (!e)
		return;
	http_mail_imap_close(e->im);
	free(e->address);
	free(e->password);
	free(e->imap);
	free(e->smtp);
	free(e->pending);
	free(e);
	p->state = NULL;
}

/* Put "gateway.email: " before the line in err. */
static int
prefixed(int rc, struct buf *err)
{
	struct buf b = BUF_INIT;

	if (rc >= 0 || !err)
		return rc;
	buf_addf(&b, "gateway.email: %s", buf_str(err));
	buf_reset(err);
	buf_add(err, b.s, b.len);
	buf_release(&b);
	return rc;
}

/* ---- the threads file ---- */

static cJSON *
threads_load(const char *path)
{
	struct buf text = BUF_INIT;
	cJSON *root = NULL;

	if (buf_read_file(&text, path) == 0)
		root = cJSON_Parse(buf_str(&text));
	buf_release(&text);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		root = cJSON_CreateObject();
	}
	return root;
}

static double
entry_t(const cJSON *o)
{
	const cJSON *t = cJSON_GetObjectItem(o, "t");

	return cJSON_IsNumber(t) ? t->valuedouble : 0;
}

static int
by_t(const void *a, const void *b)
{
	double x = entry_t(*(cJSON *const *)a), y = entry_t(*(cJSON *const *)b);

	return x < y ? -1 : x > y;
}

/* Drop the oldest entries past EM_THREADS_MAX. */
static void
threads_prune(cJSON *root)
{
	int n = cJSON_GetArraySize(root), i = 0;
	cJSON **v, *it;

	if (n <= EM_THREADS_MAX)
		return;
	v = xmalloc((size_t)n * sizeof(*v));
	cJSON_ArrayForEach(it, root)
		v[i++] = it;
	qsort(v, (size_t)n, sizeof(*v), by_t);
	for (i = 0; i < n - EM_THREADS_MAX; i++)
		cJSON_Delete(cJSON_DetachItemViaPointer(root, v[i]));
	free(v);
}

/* Add the entries of add (an object of id -> entry) to the file.  Best
 * effort: a thread not kept only costs a later answer its subject, so a
 * failure is not the caller's. */
static void
threads_add(cJSON *add)
{
	struct buf eb = BUF_INIT, *err = &eb;
	char *path = hm_path(EM_THREADS), *lp, *s;
	cJSON *root, *it, *next;
	int lk;

	if (!cJSON_GetArraySize(add) || hm_mkparents(path, err) < 0) {
		free(path);
		buf_release(&eb);
		return;
	}
	lp = lock_sidecar(path);
	lk = lock_take(lp, LOCK_EX, err);
	free(lp);
	if (lk < 0) {
		free(path);
		buf_release(&eb);
		return;
	}
	root = threads_load(path);
	for (it = add->child; it; it = next) {
		next = it->next;
		cJSON_DeleteItemFromObjectCaseSensitive(root, it->string);
		cJSON_AddItemToObject(root, it->string,
		    cJSON_Duplicate(it, 1));
	}
	threads_prune(root);
	s = cJSON_PrintUnformatted(root);
	atomic_write(path, s, strlen(s), 0600, err);
	cJSON_free(s);
	cJSON_Delete(root);
	lock_release(lk);
	free(path);
	buf_release(&eb);
}

static const char *
entry_str(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
}

/* The newest entry whose root is thread, or NULL. */
static const cJSON *
thread_last(const cJSON *root, const char *thread)
{
	const cJSON *it, *best = NULL;
	const char *r;

	cJSON_ArrayForEach(it, root) {
		r = entry_str(it, "root");
		if (r && !strcmp(r, thread) && (!best || entry_t(it) >=
		    entry_t(best)))
			best = it;
	}
	return best;
}

/* refs (space-separated ids) and then id, at most EM_REFS_MAX of them:
 * the first and the newest (RFC 5322 3.6.4 asks to keep the first). */
static char *
refs_with(const char *refs, const char *id)
{
	struct buf all = BUF_INIT, out = BUF_INIT;
	const char *p;
	size_t n = 0, i = 0, w;

	if (refs && *refs)
		buf_addf(&all, "%s ", refs);
	if (id)
		buf_adds(&all, id);
	for (p = buf_str(&all); *p; p += strspn(p, " "))
		if ((w = strcspn(p, " ")), p += w, w)
			n++;
	for (p = buf_str(&all); *p; i++) {
		p += strspn(p, " ");
		w = strcspn(p, " ");
		if (w && (i == 0 || i + EM_REFS_MAX - 1 >= n))
			buf_addf(&out, "%s%.*s", out.len ? " " : "", (int)w, p);
		p += w;
	}
	buf_release(&all);
	return out.len ? buf_detach(&out) : NULL;
}

static cJSON *
entry_new(const char *subject, const char *refs, const char *root,
    time_t t)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "subject", subject ? subject : "");
	if (refs)
		cJSON_AddStringToObject(o, "refs", refs);
	if (root)
		cJSON_AddStringToObject(o, "root", root);
	cJSON_AddNumberToObject(o, "t", (double)t);
	return o;
}

/* ---- in ---- */

/* Cut s to at most max bytes, at a character's start. */
static void
cut_text(struct buf *b, size_t max)
{
	size_t n = max;

	if (b->len <= max)
		return;
	while (n > 0 && ((unsigned char)b->s[n] & 0xc0) == 0x80)
		n--;
	buf_setlen(b, n);
	buf_adds(b, "\n[... the rest of this email was cut]");
}

/* Make m from one fetched message; -1 when it is one to skip.  The
 * thread entry for it is added to add. */
static int
take(struct platform *p, const char *raw, size_t len, const cJSON *known,
    cJSON *add, struct gw_msg *m)
{
	struct em *e = p->state;
	struct mime_msg mm;
	struct buf t = BUF_INIT;
	const cJSON *parent;
	const char *root = NULL;
	char *refs;
	int reply;

	memset(m, 0, sizeof(*m));
	mime_parse(raw, len, &mm);
	if (!mm.from_addr || !strcmp(mm.from_addr, e->address) ||
	    mime_is_automatic(&mm)) {
		platform_log(p, "mail %s from %s skipped: %s", mm.message_id ?
		    mm.message_id : "(no Message-ID)", mm.from_addr ?
		    mm.from_addr : "nobody", !mm.from_addr ? "no sender "
		    "address" : !strcmp(mm.from_addr, e->address) ? "our own" :
		    "sent by no person (automatic)");
		mime_msg_release(&mm);
		return -1;
	}
	reply = mm.in_reply_to || mm.references;
	if (mm.in_reply_to && (parent = cJSON_GetObjectItem(known,
	    mm.in_reply_to)))
		root = entry_str(parent, "root");
	if (root)
		m->thread = xstrdup(root);
	else if (mm.references)
		m->thread = xstrndup(mm.references, strcspn(mm.references,
		    " "));
	else if (mm.in_reply_to || mm.message_id)
		m->thread = xstrdup(mm.in_reply_to ? mm.in_reply_to :
		    mm.message_id);
	if (mm.message_id) {
		refs = refs_with(mm.references ? mm.references :
		    mm.in_reply_to, mm.message_id);
		cJSON_DeleteItemFromObjectCaseSensitive(add, mm.message_id);
		cJSON_AddItemToObject(add, mm.message_id, entry_new(mm.subject,
		    refs, m->thread, tu_now()));
		free(refs);
	}
	if (mm.text)
		mime_strip_quote(mm.text);
	if (!reply && mm.subject && *mm.subject)
		buf_addf(&t, "Subject: %s\n\n", mm.subject);
	buf_adds(&t, mm.text ? mm.text : "");
	buf_rtrim(&t);
	if (!t.len)
		buf_adds(&t, "(empty email)");
	cut_text(&t, EM_TEXT_MAX);
	m->platform = xstrdup("email");
	m->chat = xstrdup(mm.from_addr);
	m->user = xstrdup(mm.from_addr);
	m->user_name = mm.from_name ? xstrdup(mm.from_name) : NULL;
	m->message_id = mm.message_id ? xstrdup(mm.message_id) : NULL;
	m->text = buf_detach(&t);
	mime_msg_release(&mm);
	return 0;
}

static int
is_pending(const struct em *e, unsigned long uid)
{
	size_t i;

	for (i = 0; i < e->npending; i++)
		if (e->pending[i] == uid)
			return 1;
	return 0;
}

/* Log in and select INBOX, unless that is done; its UIDVALIDITY. */
static int
session(struct em *e, unsigned long long *validity, struct buf *err)
{
	struct http_mail_account a = { e->imap, e->address, e->password,
		EM_TIMEOUT };
	struct buf out = BUF_INIT;
	const char *v;
	int rc;

	if (e->im) {
		*validity = e->validity;
		return 0;
	}
	if ((rc = http_mail_imap_open(&e->im, &a, err)) < 0)
		return rc;
	if ((rc = http_mail_imap_cmd(e->im, "SELECT INBOX", &out, err)) < 0) {
		http_mail_imap_close(e->im);
		e->im = NULL;
	} else {
		v = strstr(buf_str(&out), "[UIDVALIDITY ");
		*validity = v ? strtoull(v + 13, NULL, 10) : 0;
	}
	buf_release(&out);
	return rc;
}

static void
session_end(struct em *e)
{
	http_mail_imap_close(e->im);
	e->im = NULL;
}

/* The UIDs of "* SEARCH 1 2 3" lines, ascending. */
static size_t
search_uids(const char *s, unsigned long **uids)
{
	const char *p = s;
	unsigned long v;
	size_t n = 0;
	char *end;

	*uids = NULL;
	while ((p = strstr(p, "* SEARCH"))) {
		p += 8;
		for (;;) {
			while (*p == ' ')
				p++;
			errno = 0;
			v = strtoul(p, &end, 10);
			if (end == p || errno)
				break;
			*uids = xrealloc(*uids, (n + 1) * sizeof(**uids));
			(*uids)[n++] = v;
			p = end;
		}
	}
	return n;
}

static int
fetch_new(struct platform *p, struct gw_msg **v, size_t *n, struct buf *err)
{
	struct em *e = p->state;
	struct buf out = BUF_INIT, raw = BUF_INIT;
	char *path = hm_path(EM_THREADS);
	cJSON *known = threads_load(path), *add = cJSON_CreateObject();
	unsigned long *uids = NULL, *took = NULL;
	unsigned long long validity;
	size_t nu, i, ntook = 0;
	struct gw_msg m;
	int rc;

	if ((rc = session(e, &validity, err)) < 0)
		goto out;
	if (validity != e->validity) {	/* old UIDs mean nothing now */
		e->npending = 0;
		e->validity = validity;
	}
	if ((rc = http_mail_imap_cmd(e->im, "UID SEARCH UNSEEN", &out,
	    err)) < 0)
		goto out;
	nu = search_uids(buf_str(&out), &uids);
	for (i = 0; i < nu && ntook < EM_FETCH_MAX; i++) {
		if (is_pending(e, uids[i]))
			continue;
		buf_reset(&raw);
		rc = http_mail_imap_fetch(e->im, uids[i], EM_MSG_MAX, &raw,
		    err);
		if (rc == -HM_ENOTFOUND) {	/* expunged meanwhile */
			buf_reset(err);
			rc = 0;
			continue;
		}
		if (rc < 0)
			goto out;
		took = xrealloc(took, (ntook + 1) * sizeof(*took));
		took[ntook++] = uids[i];
		if (take(p, buf_str(&raw), raw.len, known, add, &m) < 0)
			continue;	/* skipped: still marked seen */
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = m;
	}
	if (i < nu)
		e->next_poll = tu_mono();	/* more to take: soon */
	threads_add(add);
	e->pending = xrealloc(e->pending, (e->npending + ntook + 1) *
	    sizeof(*e->pending));
	if (ntook)	/* took is NULL when nothing was taken */
		memcpy(e->pending + e->npending, took, ntook *
		    sizeof(*took));
	e->npending += ntook;
out:
	if (rc < 0) {
		session_end(e);
		gw_msgs_free(*v, *n);
		*v = NULL;
		*n = 0;
	}
	cJSON_Delete(known);
	cJSON_Delete(add);
	buf_release(&out);
	buf_release(&raw);
	free(uids);
	free(took);
	free(path);
	return rc;
}

static int
em_poll(struct platform *p, long timeout_ms, struct gw_msg **v, size_t *n,
    struct buf *err)
{
	struct em *e = p->state;
	double left = e->next_poll - tu_mono();
	long ms;

	*v = NULL;
	*n = 0;
	if (left > 0) {
		ms = (long)(left * 1000) + 1;
		if (ms > timeout_ms)
			ms = timeout_ms;
		if (ms > 0)
			poll(NULL, 0, (int)ms);	/* a signal ends it early */
		if (tu_mono() < e->next_poll)
			return 0;
	}
	e->next_poll = tu_mono() + (double)e->interval;
	return prefixed(fetch_new(p, v, n, err), err);
}

static int
em_ack(struct platform *p, struct buf *err)
{
	struct em *e = p->state;
	struct buf cmd = BUF_INIT;
	unsigned long long validity;
	size_t i = 0, k;
	int rc = 0;

	if (!e->npending) {
		session_end(e);
		return 0;
	}
	if ((rc = session(e, &validity, err)) < 0)
		return prefixed(rc, err);
	if (validity != e->validity) {
		e->npending = 0;	/* renumbered: polled again */
		session_end(e);
		return 0;
	}
	while (rc == 0 && i < e->npending) {
		buf_reset(&cmd);
		buf_adds(&cmd, "UID STORE ");
		for (k = 0; i < e->npending && k < 200; i++, k++)
			buf_addf(&cmd, "%s%lu", k ? "," : "", e->pending[i]);
		buf_adds(&cmd, " +FLAGS.SILENT (\\Seen)");
		rc = http_mail_imap_cmd(e->im, cmd.s, NULL, err);
	}
	if (rc == 0)
		e->npending = 0;
	session_end(e);
	buf_release(&cmd);
	return prefixed(rc, err);
}

/* ---- out ---- */

/* "hermes.STAMP.RANDOM@DOMAIN" */
static char *
new_id(const char *address)
{
	struct buf b = BUF_INIT;
	unsigned char r[8] = { 0 };
	size_t i;

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		for (i = 0; i < sizeof(r); i++)	/* rare: mix what we have */
			r[i] ^= (unsigned char)(tu_mono() * 1e6) + (unsigned char)
			    (getpid() >> i);
	}
	buf_addf(&b, "hermes.%lld.", (long long)tu_now());
	for (i = 0; i < sizeof(r); i++)
		buf_addf(&b, "%02x", r[i]);
	buf_addf(&b, "@%s", strchr(address, '@') + 1);
	return buf_detach(&b);
}

/* An id given as "<id>" or "id": without the brackets, malloc'd. */
static char *
bare_id(const char *s)
{
	size_t n;

	if (!s || !*s)
		return NULL;
	if (*s == '<')
		s++;
	n = strlen(s);
	if (n && s[n - 1] == '>')
		n--;
	return n ? xstrndup(s, n) : NULL;
}

static int
em_send(struct platform *p, const char *chat, const char *thread,
    const char *reply_to, const char *text, struct buf *err)
{
	struct em *e = p->state;
	struct http_mail_account a = { e->smtp, e->address, e->password,
		EM_TIMEOUT };
	char *path = hm_path(EM_THREADS), *to = xstrdup(chat ? chat : "");
	char *parent = bare_id(reply_to), *root = bare_id(thread), *id, *refs;
	char *mine;
	cJSON *known = threads_load(path), *add;
	struct buf subj = BUF_INIT, msg = BUF_INIT;
	const char *rcpt[2] = { to, NULL };
	const cJSON *ent = NULL;
	struct mime_out o;
	int rc;

	lower(to);
	if (!address_ok(to)) {
		rc = hm_fail(err, HM_EFAIL, "gateway.email: '%s' is not an "
		    "email address", chat ? chat : "");
		goto out;
	}
	if (parent)
		ent = cJSON_GetObjectItem(known, parent);
	else if (root && (ent = thread_last(known, root)))
		parent = xstrdup(ent->string);
	else if (root)
		parent = xstrdup(root);	/* a thread we forgot: still one */
	memset(&o, 0, sizeof(o));
	if (ent) {
		mime_reply_subject(entry_str(ent, "subject"), &subj);
		refs = xstrdup(entry_str(ent, "refs") ? entry_str(ent, "refs") :
		    parent);
		if (!root && entry_str(ent, "root"))
			root = xstrdup(entry_str(ent, "root"));
	} else {
		buf_adds(&subj, EM_NEW_SUBJECT);
		refs = parent ? xstrdup(parent) : NULL;
	}
	id = new_id(e->address);
	o.from = e->address;
	o.to = to;
	o.subject = subj.s;
	o.message_id = id;
	o.in_reply_to = parent;
	o.references = refs;
	o.auto_submitted = parent ? "auto-replied" : NULL;
	o.date = tu_now();
	o.text = text;
	mime_compose(&o, &msg);
	rc = prefixed(http_mail_smtp_send(&a, e->address, rcpt, msg.s, msg.len,
	    err), err);
	if (rc == 0) {	/* so a reply to this one, or after it, threads */
		add = cJSON_CreateObject();
		mine = refs_with(refs, id);
		cJSON_AddItemToObject(add, id, entry_new(subj.s, mine, root ?
		    root : parent ? parent : id, o.date));
		threads_add(add);
		cJSON_Delete(add);
		free(mine);
	}
	free(refs);
	free(id);
out:
	cJSON_Delete(known);
	buf_release(&subj);
	buf_release(&msg);
	free(path);
	free(to);
	free(parent);
	free(root);
	return rc;
}

const struct platform platform_email_proto = {
	.name = "email",
	.max_len = 64 * 1024,		/* an email need not be split */
	.open = em_open,
	.poll = em_poll,
	.ack = em_ack,
	.send = em_send,
	.close = em_close,
	.quiet_strangers = 1,
};
