/*
 * outbox.c: the gateway's Maildir drop box; outbox.h holds the format
 * and the life of a message.
 *
 * The one invariant: a message lives in exactly one non-dot name at a
 * time, and it moves only by rename(2) within one file system.  So a
 * writer makes ".NAME.XXXXXX" in outbox/ (atomic_write: write, fsync,
 * rename, fsync the directory); a consumer claims by renaming NAME into
 * cur/, and only the one whose rename succeeds acts; a rewrite (the
 * error and attempts of a failure) happens in cur/ with atomic_write
 * before the message is renamed on, to outbox/ (retry) or failed/.
 * Rewriting in outbox/ and then unlinking cur/NAME instead would open
 * a window in which another consumer claims the new outbox/NAME into
 * cur/NAME and our unlink removes its claim.  After each move the
 * directories involved are fsync'd, so a crash does not bring a
 * delivered message back.  Nothing is locked.
 */
#include <sys/random.h>
#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "common.h"
#include "atomic.h"
#include "outbox.h"
#include "path.h"
#include "timeutil.h"
#include "utf8.h"

#define TARGET_MAX	512
#define PLATFORM_MAX	32

char *
outbox_dir(const char *sub)
{
	struct buf b = BUF_INIT;
	char *p;

	buf_adds(&b, "gateway/outbox");
	if (sub)
		buf_addf(&b, "/%s", sub);
	p = hm_path(b.s);
	buf_release(&b);
	return p;
}

/* s for an error message: control characters shown as '?'. */
static const char *
shown(struct buf *b, const char *s)
{
	buf_reset(b);
	for (; *s && b->len < 80; s++)
		buf_addc(b, (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
	return buf_str(b);
}

static int
bad_target(const char *target, const char *why, struct buf *err)
{
	struct buf b = BUF_INIT;

	hm_fail(err, HM_EINVAL, "invalid target '%s': %s", shown(&b, target),
	    why);
	buf_release(&b);
	return -HM_EINVAL;
}

int
outbox_parse_target(const char *target, struct outbox_msg *m,
    struct buf *err)
{
	const char *p, *chat, *thread;
	size_t n;

	memset(m, 0, sizeof(*m));
	if (!target || !*target)
		return hm_fail(err, HM_EINVAL, "empty target: expected "
		    "PLATFORM:CHAT[:THREAD]");
	if (strlen(target) > TARGET_MAX)
		return bad_target(target, "too long", err);
	for (p = target; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return bad_target(target, "control character", err);
	for (p = target; *p >= 'a' && *p <= 'z'; p++)
		;
	n = (size_t)(p - target);
	if (*p != ':' || n == 0 || n > PLATFORM_MAX)
		return bad_target(target, "expected PLATFORM:CHAT[:THREAD], "
		    "PLATFORM in lowercase letters", err);
	chat = p + 1;
	thread = strchr(chat, ':');
	if (thread == chat || !*chat)
		return bad_target(target, "empty CHAT", err);
	if (thread && !thread[1])
		return bad_target(target, "empty THREAD", err);
	m->target = xstrdup(target);
	m->platform = xstrndup(target, n);
	m->chat = thread ? xstrndup(chat, (size_t)(thread - chat)) :
	    xstrdup(chat);
	m->thread = thread ? xstrdup(thread + 1) : NULL;
	return 0;
}

void
outbox_msg_release(struct outbox_msg *m)
{
	free(m->target);
	free(m->platform);
	free(m->chat);
	free(m->thread);
	free(m->text);
	free(m->source);
	free(m->created);
	free(m->error);
	memset(m, 0, sizeof(*m));
}

/*
 * "YYYYMMDDTHHMMSS_NNNNNNNNN.PID.RANDOM.json" into b, and the ISO time
 * into created.  The stamp never repeats nor goes back in one process.
 */
static void
new_name(struct buf *b, char *created, size_t len)
{
	static struct timespec last;
	struct timespec now;
	struct tm tm;
	char day[32];
	uint32_t r;

	tu_now_ts(&now);
	if (now.tv_sec < last.tv_sec || (now.tv_sec == last.tv_sec &&
	    now.tv_nsec <= last.tv_nsec)) {
		now = last;
		if (++now.tv_nsec == 1000000000) {
			now.tv_nsec = 0;
			now.tv_sec++;
		}
	}
	last = now;
	gmtime_r(&now.tv_sec, &tm);
	strftime(day, sizeof(day), "%Y%m%dT%H%M%S", &tm);
	strftime(created, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (uint32_t)now.tv_nsec ^ (uint32_t)getpid() * 2654435761u;
	buf_addf(b, "%s_%09ld.%ld.%08x.json", day, (long)now.tv_nsec,
	    (long)getpid(), (unsigned)r);
}

static char *
print_json(cJSON *o, size_t *len)
{
	char *s = cJSON_PrintUnformatted(o);
	struct buf b = BUF_INIT;

	if (!s)
		hm_oom();
	buf_adds(&b, s);
	buf_addc(&b, '\n');
	cJSON_free(s);
	*len = b.len;
	return buf_detach(&b);
}

static void
add_string(cJSON *o, const char *key, const char *val)
{
	if (!cJSON_AddStringToObject(o, key, val))
		hm_oom();
}

int
outbox_put(const char *target, const char *text, const char *source,
    char **name, struct buf *err)
{
	struct outbox_msg t;
	struct buf nm = BUF_INIT, path = BUF_INIT;
	char created[32], *dir, *s;
	size_t len;
	cJSON *o;
	int rc;

	if (name)
		*name = NULL;
	rc = outbox_parse_target(target, &t, err);
	outbox_msg_release(&t);
	if (rc < 0)
		return rc;
	if (!text || !*text)
		return hm_fail(err, HM_EINVAL, "empty message for '%s'",
		    target);
	if (!utf8_valid(text, strlen(text), NULL))
		return hm_fail(err, HM_EINVAL, "message for '%s' is not valid "
		    "UTF-8", target);
	new_name(&nm, created, sizeof(created));
	o = cJSON_CreateObject();
	if (!o)
		hm_oom();
	add_string(o, "target", target);
	add_string(o, "text", text);
	if (source)
		add_string(o, "source", source);
	add_string(o, "created", created);
	s = print_json(o, &len);
	cJSON_Delete(o);
	dir = outbox_dir(NULL);
	buf_addf(&path, "%s/%s", dir, nm.s);
	if (len > OUTBOX_MAX_BYTES)
		rc = hm_fail(err, HM_EINVAL, "message for '%s' is too long "
		    "(%zu bytes, at most %d)", target, len, OUTBOX_MAX_BYTES);
	else if ((rc = hm_mkdir_p(dir, 0700, err)) == 0)
		rc = atomic_write(path.s, s, len, 0600, err);
	if (rc == 0 && name)
		*name = buf_detach(&nm);
	free(s);
	free(dir);
	buf_release(&nm);
	buf_release(&path);
	return rc;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
outbox_names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* A message: not a dot-name, a regular file (no symlinks, no dirs). */
static int
is_message(const char *dir, const struct dirent *de)
{
	struct buf p = BUF_INIT;
	struct stat st;
	int rc;

	if (de->d_name[0] == '.')
		return 0;
	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_REG;
	buf_addf(&p, "%s/%s", dir, de->d_name);
	rc = lstat(p.s, &st) == 0 && S_ISREG(st.st_mode);
	buf_release(&p);
	return rc;
}

/* The messages in dir, sorted; a missing dir has none. */
static int
list_dir(const char *dir, char ***names, size_t *n, struct buf *err)
{
	struct dirent *de;
	size_t cap = 0;
	DIR *d;

	*names = NULL;
	*n = 0;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : hm_fail(err, HM_EIO, "cannot "
		    "read '%s': %s", dir, strerror(errno));
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (!is_message(dir, de))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*names = xrealloc(*names, cap * sizeof(**names));
		}
		(*names)[(*n)++] = xstrdup(de->d_name);
	}
	if (errno) {
		int e = errno;

		closedir(d);
		outbox_names_free(*names, *n);
		*names = NULL;
		*n = 0;
		return hm_fail(err, HM_EIO, "cannot read '%s': %s", dir,
		    strerror(e));
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(**names), cmp_names);
	return 0;
}

int
outbox_scan(char ***names, size_t *n, struct buf *err)
{
	char *dir = outbox_dir(NULL);
	int rc = list_dir(dir, names, n, err);

	free(dir);
	return rc;
}

static int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	if (rc < 0 && (errno == EINVAL || errno == EROFS))
		rc = 0;	/* some file systems cannot sync directories */
	close(fd);
	return rc;
}

static int
ensure_dir(const char *dir, struct buf *err)
{
	struct stat st;

	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return hm_mkdir_p(dir, 0700, err);
}

/*
 * rename from to outbox/SUB/NAME (outbox/NAME when sub is NULL); with
 * sync, fsync both directories after.  *to (if to) is the new path.
 */
static int
move(const char *from, const char *sub, const char *name, int sync,
    char **to, struct buf *err)
{
	char *dir = outbox_dir(sub), *fromdir = hm_dirname(from);
	struct buf dst = BUF_INIT;
	int rc = 0;

	buf_addf(&dst, "%s/%s", dir, name);
	if (ensure_dir(dir, err) < 0)
		rc = -HM_EIO;
	else if (rename(from, dst.s) < 0)
		rc = errno == ENOENT ? hm_fail(err, HM_ENOTFOUND, "'%s' is "
		    "gone (taken by another consumer)", from) :
		    hm_fail(err, HM_EIO, "cannot move '%s' to '%s': %s", from,
		    dst.s, strerror(errno));
	else if (sync && (fsync_dir(dir) < 0 || fsync_dir(fromdir) < 0))
		rc = hm_fail(err, HM_EIO, "cannot sync the directory of '%s': "
		    "%s", dst.s, strerror(errno));
	if (rc == 0 && to)
		*to = buf_detach(&dst);
	buf_release(&dst);
	free(dir);
	free(fromdir);
	return rc;
}

int
outbox_mkdirs(struct buf *err)
{
	static const char *const subs[] = { NULL, "cur", "sent", "failed" };
	size_t i;
	int rc = 0;

	for (i = 0; i < HM_ARRAY_SIZE(subs) && rc == 0; i++) {
		char *dir = outbox_dir(subs[i]);

		rc = ensure_dir(dir, err);
		free(dir);
	}
	return rc < 0 ? -HM_EIO : 0;
}

static int
valid_name(const char *name)
{
	return name && *name && *name != '.' && !strchr(name, '/') &&
	    strcmp(name, "cur") && strcmp(name, "sent") &&
	    strcmp(name, "failed");
}

int
outbox_claim(const char *name, char **path, struct buf *err)
{
	struct buf src = BUF_INIT;
	char *dir;
	int rc;

	*path = NULL;
	if (!valid_name(name))
		return hm_fail(err, HM_EINVAL, "invalid outbox name '%s'",
		    name ? name : "");
	dir = outbox_dir(NULL);
	buf_addf(&src, "%s/%s", dir, name);
	rc = move(src.s, "cur", name, 1, path, err);
	if (rc == -HM_ENOTFOUND)
		hm_fail(err, HM_ENOTFOUND, "'%s' is gone (claimed by another "
		    "consumer)", name);
	buf_release(&src);
	free(dir);
	return rc;
}

/* The NAME of a path outbox_claim returned, or NULL (err filled). */
static const char *
claimed_name(const char *path, struct buf *err)
{
	char *cur = outbox_dir("cur"), *dir = hm_dirname(path);
	const char *name = hm_basename(path);
	int ok = !strcmp(cur, dir) && valid_name(name);

	free(cur);
	free(dir);
	if (ok)
		return name;
	hm_fail(err, HM_EINVAL, "'%s' is not a claimed outbox message", path);
	return NULL;
}

/* The bytes of a claimed file; not regular or too large: -HM_EINVAL. */
static int
read_raw(const char *path, struct buf *raw, struct buf *err)
{
	struct stat st;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return hm_fail(err, HM_ENOTFOUND, "'%s' is gone", path);
	if (fd < 0 && errno == ELOOP)
		return hm_fail(err, HM_EINVAL, "malformed outbox file '%s': "
		    "a symbolic link", path);
	if (fd < 0)
		return hm_fail(err, HM_EIO, "cannot open '%s': %s", path,
		    strerror(errno));
	if (fstat(fd, &st) < 0)
		rc = hm_fail(err, HM_EIO, "cannot read '%s': %s", path,
		    strerror(errno));
	else if (!S_ISREG(st.st_mode))
		rc = hm_fail(err, HM_EINVAL, "malformed outbox file '%s': not "
		    "a regular file", path);
	else if (st.st_size > OUTBOX_MAX_BYTES)
		rc = hm_fail(err, HM_EINVAL, "malformed outbox file '%s': "
		    "larger than %d bytes", path, OUTBOX_MAX_BYTES);
	else if (buf_read_fd(raw, fd) < 0)
		rc = hm_fail(err, HM_EIO, "cannot read '%s': %s", path,
		    strerror(errno));
	close(fd);
	return rc;
}

static cJSON *
parse_object(const struct buf *raw)
{
	cJSON *o = cJSON_ParseWithLength(raw->s ? raw->s : "", raw->len);

	if (cJSON_IsObject(o))
		return o;
	cJSON_Delete(o);
	return NULL;
}

/* Copy the optional string key of o into *out: 0, or -1 (wrong type). */
static int
opt_string(const cJSON *o, const char *key, char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v))
		return -1;
	*out = xstrdup(v->valuestring);
	return 0;
}

/* attempts in o: 0 when absent, -1 when not a count. */
static long
get_attempts(const cJSON *o)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "attempts");
	double d;

	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	if (d < 0 || d > 1e9 || d != (double)(long)d)
		return -1;
	return (long)d;
}

static int
from_json(const cJSON *o, const char *path, struct outbox_msg *m,
    struct buf *err)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "target");
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, "text");
	struct buf why = BUF_INIT;
	const char *bad = NULL;
	int rc = 0;

	if (!cJSON_IsString(t))
		bad = "no \"target\" string";
	else if (outbox_parse_target(t->valuestring, m, &why) < 0)
		bad = buf_str(&why);
	else if (!cJSON_IsString(x) || !*x->valuestring)
		bad = "no \"text\" string";
	else if (opt_string(o, "source", &m->source) < 0)
		bad = "\"source\" is not a string";
	else if (opt_string(o, "created", &m->created) < 0)
		bad = "\"created\" is not a string";
	else if (opt_string(o, "error", &m->error) < 0)
		bad = "\"error\" is not a string";
	else if ((m->attempts = get_attempts(o)) < 0)
		bad = "\"attempts\" is not a count";
	else
		m->text = xstrdup(x->valuestring);
	if (bad)
		rc = hm_fail(err, HM_EINVAL, "malformed outbox file '%s': %s",
		    path, bad);
	buf_release(&why);
	return rc;
}

int
outbox_read(const char *path, struct outbox_msg *m, struct buf *err)
{
	struct buf raw = BUF_INIT;
	cJSON *o = NULL;
	int rc;

	memset(m, 0, sizeof(*m));
	rc = read_raw(path, &raw, err);
	if (rc == 0 && !(o = parse_object(&raw)))
		rc = hm_fail(err, HM_EINVAL, "malformed outbox file '%s': "
		    "not a JSON object", path);
	if (rc == 0)
		rc = from_json(o, path, m, err);
	if (rc < 0)
		outbox_msg_release(m);
	cJSON_Delete(o);
	buf_release(&raw);
	return rc;
}

int
outbox_done(const char *path, struct buf *err)
{
	const char *name = claimed_name(path, err);

	if (!name)
		return -HM_EINVAL;
	return move(path, "sent", name, 1, NULL, err);
}

/*
 * The object to write back: o with attempts + 1 and error, or raw
 * wrapped when it was no object.  What outbox_read refuses is never
 * retried: it would fail the same way for ever.
 */
static cJSON *
failed_object(const struct buf *raw, const char *error, int *retry)
{
	cJSON *o = parse_object(raw);
	struct outbox_msg m;
	struct buf scratch = BUF_INIT;
	long n = 0;

	if (o) {
		memset(&m, 0, sizeof(m));
		if (from_json(o, "", &m, &scratch) < 0)
			*retry = 0;
		outbox_msg_release(&m);
		buf_release(&scratch);
		n = get_attempts(o);
		if (n < 0)
			n = 0;
		cJSON_DeleteItemFromObjectCaseSensitive(o, "attempts");
		cJSON_DeleteItemFromObjectCaseSensitive(o, "error");
	} else {
		*retry = 0;
		o = cJSON_CreateObject();
		if (!o)
			hm_oom();
		add_string(o, "raw", raw->s ? raw->s : "");
	}
	if (!cJSON_AddNumberToObject(o, "attempts", (double)(n + 1)))
		hm_oom();
	add_string(o, "error", error);
	return o;
}

int
outbox_fail(const char *path, const char *error, int retry,
    struct buf *err)
{
	const char *name = claimed_name(path, err);
	struct buf raw = BUF_INIT;
	char *s;
	size_t len;
	cJSON *o;
	int rc;

	if (!name)
		return -HM_EINVAL;
	if (!error || !*error)
		error = "unknown error";
	rc = read_raw(path, &raw, err);
	if (rc == 0) {
		o = failed_object(&raw, error, &retry);
		s = print_json(o, &len);
		cJSON_Delete(o);
		rc = atomic_write(path, s, len, 0600, err);
		free(s);
	} else if (rc == -HM_EINVAL) {
		retry = 0;	/* not a file we can rewrite: as it is */
		rc = 0;
	}
	if (rc == 0)
		rc = move(path, retry ? NULL : "failed", name, 1, NULL, err);
	buf_release(&raw);
	return rc;
}

int
outbox_recover(size_t *n, struct buf *err)
{
	char *cur = outbox_dir("cur"), **names;
	struct buf src = BUF_INIT;
	size_t i, cnt = 0, k;
	int rc;

	if (n)
		*n = 0;
	rc = list_dir(cur, &names, &k, err);
	for (i = 0; rc == 0 && i < k; i++) {
		buf_reset(&src);
		buf_addf(&src, "%s/%s", cur, names[i]);
		rc = move(src.s, NULL, names[i], 1, NULL, err);
		if (rc == -HM_ENOTFOUND)
			rc = 0;
		else if (rc == 0)
			cnt++;
	}
	if (n)
		*n = cnt;
	outbox_names_free(names, k);
	buf_release(&src);
	free(cur);
	return rc;
}
