/*
 * gwevents.c: the gateway's event log (gwevents.h).  Two files at most,
 * events.jsonl and events.jsonl.1, each opening with a header line that
 * gives its base, so cursor = base + offset past the line and a reader
 * seeks straight to a cursor.  Appends hold flock(.events.jsonl.lock);
 * readers hold nothing and trust only newline-terminated lines, so a
 * line being written is simply not there yet.
 *
 * A reader opens events.jsonl, then events.jsonl.1; a rotation in
 * between shows as a chain that does not join (the old file's end is
 * not the new file's base), and the reader opens both again.
 */
#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>

#include "common.h"
#include "gwevents.h"
#include "lock.h"
#include "path.h"
#include "platform.h"
#include "timeutil.h"

#define HEADER_MAX	512	/* a header line is far shorter */
#define CHUNK		65536

struct lf {			/* one log file as a reader sees it */
	int fd;			/* -1: missing */
	long long base;		/* cursor at its start */
	long long hdr;		/* bytes of its header line (0: none) */
	long long size;		/* at open; 0: empty, no header yet */
};

char *
gwevents_path(void)
{
	return hm_path("gateway/events.jsonl");
}

static char *
old_path(const char *path)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s.1", path);
	return buf_detach(&b);
}

static void
stamp(struct buf *b)
{
	char s[32];
	struct tm tm;
	time_t t = tu_now();

	if (gmtime_r(&t, &tm) && strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ",
	    &tm))
		buf_adds(b, s);
	else
		buf_addf(b, "@%lld", (long long)t);
}

/* Read the header of the file open on fd of size bytes: 1 when there
 * is one, 0 when the first line is something else (a file made by hand:
 * base 0), -1 when the first line is not complete. */
static int
header(int fd, long long size, long long *base, long long *hdr)
{
	char s[HEADER_MAX + 1], *nl;
	const char *type;
	cJSON *o, *b;
	ssize_t n;
	int rc = 0;

	*base = 0;
	*hdr = 0;
	n = pread(fd, s, size < HEADER_MAX ? (size_t)size : HEADER_MAX, 0);
	if (n <= 0)
		return -1;
	s[n] = '\0';
	if (!(nl = strchr(s, '\n')))
		return n < HEADER_MAX ? -1 : 0;
	*nl = '\0';
	o = cJSON_Parse(s);
	b = cJSON_GetObjectItem(o, "base");
	type = cJSON_GetStringValue(cJSON_GetObjectItem(o, "type"));
	if (cJSON_IsNumber(b) && b->valuedouble >= 0 && type &&
	    !strcmp(type, "log")) {
		*base = (long long)b->valuedouble;
		*hdr = (long long)(nl - s) + 1;
		rc = 1;
	}
	cJSON_Delete(o);
	return rc;
}

static void
lf_open(struct lf *f, const char *path)
{
	struct stat st;

	memset(f, 0, sizeof(*f));
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return;
	if (fstat(f->fd, &st) < 0) {
		close(f->fd);
		f->fd = -1;
		return;
	}
	f->size = (long long)st.st_size;
	if (f->size > 0 && header(f->fd, f->size, &f->base, &f->hdr) < 0)
		f->size = 0;	/* its header is being written */
}

static void
lf_close(struct lf *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

static long long
lf_end(const struct lf *f)
{
	return f->base + f->size;
}

/* Open the current file and the one before; cur->fd < 0 when there is
 * no log, old->fd < 0 when the old file is missing or not in the chain
 * that leads to the current one. */
static void
open_both(struct lf *cur, struct lf *old)
{
	char *path = gwevents_path(), *op = old_path(path);
	int tries;

	for (tries = 0;; tries++) {
		lf_open(cur, path);
		lf_open(old, op);
		if (cur->fd < 0 && old->fd >= 0) {
			/* between the rename and the new file: the old one
			 * is all there is, for now */
			*cur = *old;
			old->fd = -1;
		}
		if (old->fd < 0 || cur->size == 0 || lf_end(old) == cur->base ||
		    tries == 4)
			break;
		lf_close(cur);	/* rotated while we opened them: again */
		lf_close(old);
	}
	if (old->fd >= 0 && cur->size > 0 && lf_end(old) != cur->base)
		lf_close(old);	/* not the one before: history was reset */
	if (old->fd >= 0 && cur->size == 0)
		cur->base = lf_end(old);	/* the new file, empty yet */
	free(op);
	free(path);
}

int
gwevents_end(long long *end)
{
	struct lf cur, old;

	open_both(&cur, &old);
	*end = cur.fd >= 0 ? lf_end(&cur) : 0;
	lf_close(&cur);
	lf_close(&old);
	return 0;
}

/* Scan file f from its offset off; *next advances past every complete
 * line.  1 when fn stopped the scan. */
static int
scan_file(struct lf *f, long long off,
    int (*fn)(const cJSON *ev, long long cursor, void *ctx), void *ctx,
    long long *next, struct buf *err)
{
	struct buf b = BUF_INIT;
	const char *type;
	long long pos = off;
	size_t start, i;
	ssize_t n;
	cJSON *o;
	int stop = 0;

	if (lseek(f->fd, (off_t)off, SEEK_SET) < 0) {
		buf_release(&b);
		return hm_fail(err, HM_EIO, "cannot read the event log: %s",
		    strerror(errno));
	}
	for (;;) {
		buf_grow(&b, CHUNK);
		n = read(f->fd, b.s + b.len, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_release(&b);
			return hm_fail(err, HM_EIO, "cannot read the event "
			    "log: %s", strerror(errno));
		}
		if (n == 0)
			break;
		b.len += (size_t)n;	/* buf_grow made the room */
		for (start = 0, i = 0; i < b.len && !stop; i++) {
			if (b.s[i] != '\n')
				continue;
			b.s[i] = '\0';
			pos += (long long)(i + 1 - start);
			o = cJSON_Parse(b.s + start);
			type = cJSON_GetStringValue(cJSON_GetObjectItem(o,
			    "type"));
			if (cJSON_IsObject(o) && type && strcmp(type, "log"))
				stop = fn(o, f->base + pos, ctx);
			cJSON_Delete(o);
			*next = f->base + pos;
			start = i + 1;
		}
		memmove(b.s, b.s + start, b.len - start);
		buf_setlen(&b, b.len - start);
		if (stop)
			break;
	}
	buf_release(&b);
	return stop;
}

int
gwevents_scan(long long after,
    int (*fn)(const cJSON *ev, long long cursor, void *ctx), void *ctx,
    long long *next, struct buf *err)
{
	struct lf cur, old, *v[2];
	size_t nv = 0, i;
	long long first, from;
	int rc = 0;

	open_both(&cur, &old);
	*next = 0;
	if (old.fd >= 0)
		v[nv++] = &old;
	if (cur.fd >= 0 && cur.size > 0)
		v[nv++] = &cur;
	if (!nv) {
		*next = cur.fd >= 0 ? cur.base : 0;
		goto out;
	}
	first = v[0]->base + v[0]->hdr;
	if (after > lf_end(v[nv - 1]))	/* the log was reset */
		after = 0;
	if (after < first)
		after = first;
	*next = after;
	for (i = 0; i < nv && rc == 0; i++) {
		if (after >= lf_end(v[i]))
			continue;
		from = after > v[i]->base + v[i]->hdr ? after : v[i]->base +
		    v[i]->hdr;
		rc = scan_file(v[i], from - v[i]->base, fn, ctx, next, err);
		if (rc == 0 && i + 1 < nv)
			*next = v[i + 1]->base + v[i + 1]->hdr;
	}
	if (rc > 0)
		rc = 0;
out:
	lf_close(&cur);
	lf_close(&old);
	return rc;
}

/* ---- writing ---- */

static int
write_all(int fd, const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
write_header(int fd, long long base)
{
	struct buf b = BUF_INIT;
	int rc;

	buf_addf(&b, "{\"type\":\"log\",\"base\":%lld,\"created\":\"", base);
	stamp(&b);
	buf_adds(&b, "\"}\n");
	rc = write_all(fd, b.s, b.len);
	buf_release(&b);
	return rc;
}

static void
sync_dir(const char *path)
{
	char *d = hm_dirname(path);
	int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(d);
}

/* Under the lock: the file to append to, ready (header written, a torn
 * last line ended, rotated when line would take it past max). */
static int
ready(const char *path, size_t line, long max, struct buf *err)
{
	char *op = old_path(path), c;
	long long base, hdr, size;
	struct stat st;
	struct lf o;
	int fd;

	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || fstat(fd, &st) < 0)
		goto fail;
	size = (long long)st.st_size;
	if (size > 0 && pread(fd, &c, 1, size - 1) == 1 && c != '\n') {
		if (write_all(fd, "\n", 1) < 0)
			goto fail;
		size++;
	}
	header(fd, size, &base, &hdr);
	if (size > hdr && max > 0 && size + (long long)line > max) {
		if (rename(path, op) < 0)
			goto fail;
		sync_dir(path);
		close(fd);
		fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0600);
		if (fd < 0 || write_header(fd, base + size) < 0)
			goto fail;
	} else if (size == 0) {
		lf_open(&o, op);
		base = o.fd >= 0 ? lf_end(&o) : 0;
		lf_close(&o);
		if (write_header(fd, base) < 0)
			goto fail;
	}
	free(op);
	return fd;
fail:
	hm_fail(err, HM_EIO, "cannot write '%s': %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(op);
	return -HM_EIO;
}

int
gwevents_append_max(const cJSON *ev, long max, struct buf *err)
{
	char *path = gwevents_path(), *lp = lock_sidecar(path), *s;
	struct buf line = BUF_INIT, ts = BUF_INIT;
	cJSON *o = cJSON_Duplicate(ev, 1);
	int lk, fd, rc = 0;

	if (!cJSON_IsObject(o)) {
		rc = hm_fail(err, HM_EINVAL, "an event must be a JSON object");
		goto out;
	}
	if (!cJSON_GetObjectItem(o, "ts")) {
		stamp(&ts);
		cJSON_AddStringToObject(o, "ts", ts.s);
	}
	if (!(s = cJSON_PrintUnformatted(o)))
		hm_oom();
	buf_addf(&line, "%s\n", s);
	cJSON_free(s);
	if ((rc = hm_mkparents(path, err)) < 0)
		goto out;
	if ((lk = rc = lock_take(lp, LOCK_EX, err)) < 0)
		goto out;
	fd = rc = ready(path, line.len, max, err);
	if (fd >= 0) {
		rc = 0;
		if (write_all(fd, line.s, line.len) < 0 || fsync(fd) < 0)
			rc = hm_fail(err, HM_EIO, "cannot write '%s': %s",
			    path, strerror(errno));
		close(fd);
	}
	lock_release(lk);
out:
	cJSON_Delete(o);
	buf_release(&line);
	buf_release(&ts);
	free(lp);
	free(path);
	return rc;
}

int
gwevents_append(const cJSON *ev, struct buf *err)
{
	return gwevents_append_max(ev, GWEVENTS_MAX_BYTES, err);
}

int
gwevents_note(const char *type, const struct gw_msg *m, const char *key,
    const char *text, int queued, struct buf *err)
{
	cJSON *o = cJSON_CreateObject();
	int reply = !strcmp(type, "reply"), rc;

	cJSON_AddStringToObject(o, "type", type);
	cJSON_AddStringToObject(o, "platform", m->platform);
	cJSON_AddStringToObject(o, "chat", m->chat);
	if (m->thread)
		cJSON_AddStringToObject(o, "thread", m->thread);
	cJSON_AddStringToObject(o, "user", m->user ? m->user : "");
	if (m->user_name)
		cJSON_AddStringToObject(o, "user_name", m->user_name);
	if (m->is_group)
		cJSON_AddBoolToObject(o, "group", 1);
	cJSON_AddStringToObject(o, "text", text ? text : "");
	if (m->message_id)
		cJSON_AddStringToObject(o, reply ? "reply_to" : "message_id",
		    m->message_id);
	cJSON_AddStringToObject(o, "session_key", key);
	if (reply && queued)
		cJSON_AddBoolToObject(o, "queued", 1);
	rc = gwevents_append(o, err);
	cJSON_Delete(o);
	return rc;
}
