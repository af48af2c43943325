/*
 * memory.c: MEMORY.md / USER.md entries; see memory.h for the protocol.
 */
#include <sys/file.h>

#include "common.h"
#include "atomic.h"
#include "lock.h"
#include "memory.h"
#include "path.h"
#include "utf8.h"

#define SEP "\n\302\247\n"	/* "\n§\n", 3 characters */

void
memory_init(struct memory *m, enum memory_target t, size_t limit)
{
	memset(m, 0, sizeof(*m));
	m->target = t;
	m->name = t == MEMORY_USER ? "USER.md" : "MEMORY.md";
	m->path = hm_path(t == MEMORY_USER ? "memories/USER.md" :
	    "memories/MEMORY.md");
	m->lockpath = lock_sidecar(m->path);
	m->limit = limit;
	m->lockfd = -1;
}

static void
clear_entries(struct memory *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->entries[i]);
	free(m->entries);
	m->entries = NULL;
	m->n = 0;
}

void
memory_release(struct memory *m)
{
	memory_unlock(m);
	clear_entries(m);
	free(m->path);
	free(m->lockpath);
	m->path = m->lockpath = NULL;
}

static int
is_sep_line(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return n == 2 && s[0] == '\302' && s[1] == '\247';
}

static char *
trimmed(const char *s, size_t n)
{
	while (n && *s && strchr(" \t\r\n", *s)) {
		s++;
		n--;
	}
	while (n && s[n - 1] && strchr(" \t\r\n", s[n - 1]))
		n--;
	return xstrndup(s, n);
}

static void
push(struct memory *m, char *e)
{
	if (!*e) {
		free(e);
		return;
	}
	m->entries = xrealloc(m->entries, (m->n + 1) * sizeof(*m->entries));
	m->entries[m->n++] = e;
}

int
memory_parse(struct memory *m, const char *text, struct buf *err)
{
	const char *p = text, *start = text, *nl;
	size_t bad, len = strlen(text);

	if (!utf8_valid(text, len, &bad))
		return hm_fail(err, HM_EINVAL, "'%s' is not valid UTF-8 "
		    "(byte %zu)", m->path, bad);
	clear_entries(m);
	for (;;) {
		nl = strchr(p, '\n');
		if (is_sep_line(p, nl ? (size_t)(nl - p) : strlen(p))) {
			push(m, trimmed(start, (size_t)(p - start)));
			start = nl ? nl + 1 : p + strlen(p);
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	push(m, trimmed(start, strlen(start)));
	return 0;
}

int
memory_load(struct memory *m, struct buf *err)
{
	struct buf text = BUF_INIT;
	int rc;

	if (buf_read_file(&text, m->path) < 0) {
		if (errno != ENOENT) {
			rc = hm_fail(err, HM_EIO, "cannot read '%s': %s",
			    m->path, strerror(errno));
			buf_release(&text);
			return rc;
		}
	}
	if (strlen(buf_str(&text)) != text.len)
		rc = hm_fail(err, HM_EINVAL, "'%s' holds a NUL byte (byte %zu)",
		    m->path, strlen(buf_str(&text)));
	else
		rc = memory_parse(m, buf_str(&text), err);
	if (rc == -HM_EINVAL)
		rc = -HM_EFAIL;	/* a bad stored file is not a usage error */
	buf_release(&text);
	return rc;
}

size_t
memory_used(const struct memory *m)
{
	size_t i, used = 0;

	for (i = 0; i < m->n; i++)
		used += utf8_count(m->entries[i], strlen(m->entries[i]));
	return used + (m->n ? 3 * (m->n - 1) : 0);
}

void
memory_render(const struct memory *m, struct buf *out)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		if (i)
			buf_adds(out, SEP);
		buf_adds(out, m->entries[i]);
	}
	if (m->n)
		buf_addc(out, '\n');
}

int
memory_check_entry(const char *text, struct buf *err)
{
	const char *p, *nl;
	size_t bad, len = strlen(text);

	if (!utf8_valid(text, len, &bad))
		return hm_fail(err, HM_EINVAL, "entry is not valid UTF-8 "
		    "(byte %zu)", bad);
	for (p = text; *p && strchr(" \t\r\n", *p); p++)
		;
	if (!*p)
		return hm_fail(err, HM_EINVAL, "entry is empty");
	for (p = text;; p = nl + 1) {
		nl = strchr(p, '\n');
		if (is_sep_line(p, nl ? (size_t)(nl - p) : strlen(p)))
			return hm_fail(err, HM_EINVAL, "entry holds a line "
			    "that is only '\302\247', the entry separator");
		if (!nl)
			break;
	}
	return 0;
}

int
memory_lock(struct memory *m, struct buf *err)
{
	int fd;

	if (m->lockfd >= 0)
		return 0;
	fd = lock_take(m->lockpath, LOCK_EX, err);
	if (fd < 0)
		return fd;
	m->lockfd = fd;
	atomic_sweep(m->path);
	return 0;
}

void
memory_unlock(struct memory *m)
{
	lock_release(m->lockfd);
	m->lockfd = -1;
}

int
memory_save(struct memory *m, struct buf *err)
{
	struct buf text = BUF_INIT;
	int rc;

	memory_render(m, &text);
	rc = atomic_write(m->path, buf_str(&text), text.len, 0600, err);
	buf_release(&text);
	return rc;
}

static int
full(struct memory *m, size_t used, size_t need, struct buf *err)
{
	size_t avail = used < m->limit ? m->limit - used : 0;

	return hm_fail(err, HM_EFULL, "%s is full: %zu/%zu chars used, this "
	    "change needs %zu and %zu are free; consolidate first: merge "
	    "related entries with 'replace', drop stale ones with 'remove', "
	    "then try again", m->name, used, m->limit, need, avail);
}

/* Lock and reload: the start of every change.  On failure, unlocked. */
static int
begin(struct memory *m, struct buf *err)
{
	int rc = memory_lock(m, err);

	if (rc < 0)
		return rc;
	rc = memory_load(m, err);
	if (rc < 0)
		memory_unlock(m);
	return rc;
}

static int
commit(struct memory *m, struct buf *err)
{
	int rc = memory_save(m, err);

	memory_unlock(m);
	return rc;
}

int
memory_add(struct memory *m, const char *text, struct buf *err)
{
	size_t i, used, need;
	char *e;
	int rc;

	if ((rc = memory_check_entry(text, err)) < 0)
		return rc;
	if ((rc = begin(m, err)) < 0)
		return rc;
	e = trimmed(text, strlen(text));
	for (i = 0; i < m->n; i++) {
		if (!strcmp(m->entries[i], e)) {
			free(e);
			memory_unlock(m);
			return MEMORY_DUP;
		}
	}
	used = memory_used(m);
	need = utf8_count(e, strlen(e)) + (m->n ? 3 : 0);
	if (used + need > m->limit) {
		free(e);
		memory_unlock(m);
		return full(m, used, need, err);
	}
	push(m, e);
	return commit(m, err);
}

static void
quote_short(struct buf *b, const char *s)
{
	size_t n = strlen(s), k;

	for (k = 0; k < n && k < 60; k++)
		buf_addc(b, s[k] == '\n' ? ' ' : s[k]);
	while (k < n && ((unsigned char)s[k] & 0xC0) == 0x80)
		buf_addc(b, s[k++]);
	if (k < n)
		buf_adds(b, "...");
}

/* Index of the one entry OLD names, or a negative error. */
static int
find_one(struct memory *m, const char *old, struct buf *err)
{
	struct buf names = BUF_INIT;
	size_t i, hits = 0, exact = 0;
	int at = -1, ex = -1, rc;

	if (!*old)
		return hm_fail(err, HM_EINVAL, "the text to match is empty");
	for (i = 0; i < m->n; i++) {
		if (!strcmp(m->entries[i], old)) {
			exact++;
			ex = (int)i;
		}
		if (!strstr(m->entries[i], old))
			continue;
		if (hits++)
			buf_adds(&names, ", ");
		buf_addc(&names, '\'');
		quote_short(&names, m->entries[i]);
		buf_addc(&names, '\'');
		at = (int)i;
	}
	if (exact == 1)
		at = ex;
	if (hits == 0)
		rc = hm_fail(err, HM_ENOTFOUND, "no entry in %s contains '%s'",
		    m->name, old);
	else if (hits > 1 && exact != 1)
		rc = hm_fail(err, HM_EAMBIG, "'%s' matches %zu entries in %s: "
		    "%s; use a longer text", old, hits, m->name, names.s);
	else
		rc = at;
	buf_release(&names);
	return rc;
}

int
memory_replace(struct memory *m, const char *old, const char *text,
    struct buf *err)
{
	size_t i, used, after, olen;
	char *e;
	int at, rc;

	if ((rc = memory_check_entry(text, err)) < 0)
		return rc;
	if ((rc = begin(m, err)) < 0)
		return rc;
	at = find_one(m, old, err);
	if (at < 0) {
		memory_unlock(m);
		return at;
	}
	e = trimmed(text, strlen(text));
	for (i = 0; i < m->n; i++) {
		if ((int)i != at && !strcmp(m->entries[i], e)) {
			/* the new text is already an entry: drop the old */
			free(e);
			free(m->entries[at]);
			memmove(m->entries + at, m->entries + at + 1,
			    (m->n - (size_t)at - 1) * sizeof(*m->entries));
			m->n--;
			return commit(m, err);
		}
	}
	used = memory_used(m);
	olen = utf8_count(m->entries[at], strlen(m->entries[at]));
	after = used - olen + utf8_count(e, strlen(e));
	if (after > m->limit && after > used) {
		free(e);
		memory_unlock(m);
		return full(m, used, after - used, err);
	}
	free(m->entries[at]);
	m->entries[at] = e;
	return commit(m, err);
}

int
memory_remove(struct memory *m, const char *old, struct buf *err)
{
	int at, rc;

	if ((rc = begin(m, err)) < 0)
		return rc;
	at = find_one(m, old, err);
	if (at < 0) {
		memory_unlock(m);
		return at;
	}
	free(m->entries[at]);
	memmove(m->entries + at, m->entries + at + 1,
	    (m->n - (size_t)at - 1) * sizeof(*m->entries));
	m->n--;
	return commit(m, err);
}
