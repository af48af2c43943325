/*
 * tool_file.c: read_file, write_file, patch and search_files, the agent's
 * hands on the work tree (contract in tool_file.h).
 *
 * Paths: relative to env->cwd; with env->roots set, resolved and checked
 * by roots_resolve before any open, and the resolved path is what is
 * opened, so a symlink swapped in afterwards can only point where the
 * check already looked.  Writes go through atomic_write: a reader or a
 * crash sees the old file or the new one.  A write follows links (the
 * resolved target is replaced, the link kept).
 *
 * Results are text for the model and stay small: read_file stops at
 * env->output_max with the offset to go on from; search_files stops at
 * 100 results.  Bytes that are not UTF-8 are shown as U+FFFD.
 *
 * search_files runs rg when it is on PATH (fork and execvp, argv, no
 * shell, in its own process group, killed and reaped by pid once 100
 * matches are in) and the built-in walk otherwise or when rg fails; both
 * feed one printer, so the format is the same.  The walk visits entries
 * in byte order, depth first, as rg --sort=path does; it never follows
 * symlinks, so it cannot leave the root it was given.  The pattern is
 * POSIX ERE; rg reads it with its own syntax, which agrees on the common
 * subset, and a pattern rg rejects falls back to the walk.  This file is
 * past the 500 lines of STYLE rule 2: the diff parser and the searcher
 * are private to these tools and read best beside them.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <regex.h>
#include <signal.h>
#include <cjson/cJSON.h>

#include "common.h"
#include "atomic.h"
#include "path.h"
#include "roots.h"
#include "sig.h"
#include "tool_file.h"
#include "utf8.h"

#define READ_LIMIT	500		/* lines read_file shows by default */
#define LINE_MAX_SHOWN	2000		/* bytes of one line read_file shows */
#define SNIFF		8192		/* bytes looked at for a NUL */
#define COUNT_MAX	(64L << 20)	/* bytes counted for "N more lines" */
#define PATCH_MAX	(32L << 20)	/* biggest file patch loads */
#define FOUND_MAX	100		/* search results */
#define SEARCH_SIZE_MAX	(1L << 20)	/* bigger files are not searched */
#define TEXT_MAX	300		/* bytes of a matching line shown */
#define WALK_MAX	100000		/* files the walk visits */

struct line {
	const char *s;
	size_t n;			/* without the '\n' */
};

/* A string argument: *v is NULL when absent; not a string is an error. */
static int
arg_str(cJSON *args, const char *name, const char **v, struct buf *out)
{
	cJSON *a = cJSON_GetObjectItem(args, name);

	*v = NULL;
	if (!a || cJSON_IsNull(a))
		return 0;
	if (!cJSON_IsString(a))
		return hm_fail(out, HM_EINVAL, "'%s' must be a string", name);
	*v = a->valuestring;
	return 0;
}

static int
file_path(struct tool_env *env, const char *path, int for_write,
    char **real, struct buf *out)
{
	struct buf b = BUF_INIT;

	*real = NULL;
	if (!path || !*path)
		return hm_fail(out, HM_EINVAL, "'path' is required");
	if (env->roots)
		return roots_resolve(env->roots, env->cwd, path, for_write,
		    real, out);
	if (path[0] != '/')
		buf_addf(&b, "%s/", env->cwd ? env->cwd : ".");
	buf_adds(&b, path);
	*real = realpath(b.s, NULL);	/* so writes keep links */
	if (!*real)
		*real = buf_detach(&b);
	buf_release(&b);
	return 0;
}

/* Append s[0..n), each byte that is not UTF-8 (or NUL) as U+FFFD. */
static void
add_clean(struct buf *b, const char *s, size_t n)
{
	size_t bad;

	while (!utf8_valid(s, n, &bad)) {
		buf_add(b, s, bad);
		buf_adds(b, "\357\277\275");
		s += bad + 1;
		n -= bad + 1;
	}
	buf_add(b, s, n);
}

/* Append at most max bytes of s[0..n), cut on a character boundary. */
static void
add_cut(struct buf *b, const char *s, size_t n, size_t max)
{
	size_t k = n;

	if (n > max) {
		k = max;
		while (k && ((unsigned char)s[k] & 0xC0) == 0x80)
			k--;
	}
	add_clean(b, s, k);
	if (k < n)
		buf_addf(b, " [... %zu bytes cut]", n - k);
}

static void
split(const char *s, size_t len, struct line **v, size_t *n)
{
	const char *e, *end = s + len;

	*v = NULL;
	*n = 0;
	while (s < end) {
		e = memchr(s, '\n', (size_t)(end - s));
		if (!e)
			e = end;
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[*n].s = s;
		(*v)[(*n)++].n = (size_t)(e - s);
		s = e + 1;
	}
}

/* Open a regular file for reading; fd or -HM_E* with the reason. */
static int
open_regular(const char *real, const char *shown, struct stat *st,
    struct buf *out)
{
	int fd = open(real, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return hm_fail(out, errno == ENOENT ? HM_ENOTFOUND : HM_EIO,
		    "cannot open '%s': %s", shown, strerror(errno));
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return hm_fail(out, HM_EINVAL, "'%s' is %s", shown,
		    S_ISDIR(st->st_mode) ? "a directory: use search_files "
		    "with target files to list it" : "not a regular file");
	}
	return fd;
}

static int
binary(int fd)
{
	char b[SNIFF];
	ssize_t n = pread(fd, b, sizeof(b), 0);

	return n > 0 && memchr(b, '\0', (size_t)n) != NULL;
}

/* Lines from f's position on, counting at most COUNT_MAX bytes; -1 past. */
static long
count_rest(FILE *f)
{
	char b[65536];
	size_t n, seen = 0;
	long lines = 0;
	int last = '\n';

	while ((n = fread(b, 1, sizeof(b), f)) > 0) {
		const char *p = b, *e = b + n;

		while ((p = memchr(p, '\n', (size_t)(e - p)))) {
			lines++;
			p++;
		}
		last = b[n - 1];
		if ((seen += n) > COUNT_MAX)
			return -1;
	}
	return lines + (last != '\n');
}

static int
read_run(const struct tool *t, struct tool_env *env, cJSON *args,
    struct buf *out)
{
	const char *path;
	struct buf row = BUF_INIT;
	long offset, limit, no = 0, shown = 0, rest = 0;
	char *real, *line = NULL;
	size_t cap = 0, n;
	struct stat st;
	ssize_t len;
	FILE *f;
	int fd, rc, capped = 0;

	(void)t;
	if ((rc = arg_str(args, "path", &path, out)) < 0)
		return rc;
	if (tool_arg_long(args, "offset", 1, &offset) < 0 ||
	    tool_arg_long(args, "limit", READ_LIMIT, &limit) < 0)
		return hm_fail(out, HM_EINVAL, "'offset' and 'limit' must be "
		    "numbers");
	if (offset < 1)
		offset = 1;
	if (limit < 1)
		return hm_fail(out, HM_EINVAL, "'limit' must be at least 1");
	if ((rc = file_path(env, path, 0, &real, out)) < 0)
		return rc;
	fd = open_regular(real, path, &st, out);
	free(real);
	if (fd < 0)
		return fd;
	if (binary(fd)) {
		close(fd);
		return hm_fail(out, HM_EINVAL, "'%s' is a binary file (a NUL "
		    "byte in its first 8 KB): not shown", path);
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return hm_fail(out, HM_EIO, "cannot read '%s': %s", path,
		    strerror(errno));
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		if (++no < offset)
			continue;
		if (shown == limit)
			break;
		n = (size_t)len;
		if (n && line[n - 1] == '\n')
			n--;
		buf_reset(&row);
		buf_addf(&row, "%5ld\t", no);
		add_cut(&row, line, n, LINE_MAX_SHOWN);
		buf_addc(&row, '\n');
		if (shown && env->output_max &&
		    out->len + row.len + 80 > env->output_max) {
			capped = 1;
			break;
		}
		buf_add(out, row.s, row.len);
		shown++;
	}
	if (len >= 0 && (rest = count_rest(f)) >= 0)
		rest++;
	buf_reset(&row);
	if (rest > 0)
		buf_addf(&row, "%ld", rest);
	else
		buf_adds(&row, "many");
	if (ferror(f))
		rc = hm_fail(out, HM_EIO, "cannot read '%s': %s", path,
		    strerror(errno));
	else if (!no)
		buf_addf(out, "'%s' is empty", path);
	else if (!shown)
		rc = hm_fail(out, HM_EINVAL, "'%s' has %ld lines: offset %ld "
		    "is past the end", path, no, offset);
	else if (len >= 0)
		buf_addf(out, "[%s%s more line%s: read on with offset=%ld]",
		    capped ? "output cap reached; " : "", row.s,
		    rest == 1 ? "" : "s", offset + shown);
	else if (out->len && out->s[out->len - 1] == '\n')
		buf_setlen(out, out->len - 1);
	free(line);
	buf_release(&row);
	fclose(f);
	return rc;
}

/* Keep an existing file's mode; make a new file's parents.  0 or -HM_E*. */
static int
prepare(const char *real, const char *shown, mode_t *mode, struct buf *out)
{
	struct stat st;
	char *dir;
	int rc = 0;

	*mode = 0644;
	if (stat(real, &st) == 0) {
		if (!S_ISREG(st.st_mode))
			return hm_fail(out, HM_EINVAL, "'%s' is not a regular "
			    "file", shown);
		*mode = st.st_mode & 07777;
		return 0;
	}
	dir = hm_dirname(real);
	rc = hm_mkdir_p(dir, 0755, out);
	free(dir);
	return rc;
}

static int
write_run(const struct tool *t, struct tool_env *env, cJSON *args,
    struct buf *out)
{
	const char *path, *content;
	size_t len, lines = 0, i;
	mode_t mode;
	char *real;
	int rc;

	(void)t;
	if ((rc = arg_str(args, "path", &path, out)) < 0 ||
	    (rc = arg_str(args, "content", &content, out)) < 0)
		return rc;
	if (!content)
		return hm_fail(out, HM_EINVAL, "'content' is required");
	if ((rc = file_path(env, path, 1, &real, out)) < 0)
		return rc;
	len = strlen(content);
	for (i = 0; i < len; i++)
		lines += content[i] == '\n';
	lines += len && content[len - 1] != '\n';
	if ((rc = prepare(real, path, &mode, out)) == 0 &&
	    (rc = atomic_write(real, content, len, mode, out)) == 0)
		buf_addf(out, "wrote %zu byte%s, %zu line%s to '%s'", len,
		    len == 1 ? "" : "s", lines, lines == 1 ? "" : "s", path);
	free(real);
	return rc;
}

/* The whole of a regular file of at most PATCH_MAX bytes into b. */
static int
slurp(const char *real, const char *shown, struct buf *b, struct buf *out)
{
	struct stat st;
	int fd = open_regular(real, shown, &st, out), rc = 0;

	if (fd < 0)
		return fd;
	if (st.st_size > PATCH_MAX)
		rc = hm_fail(out, HM_EFULL, "'%s' is over %ld MB: too big to "
		    "patch", shown, PATCH_MAX >> 20);
	else if (buf_read_fd(b, fd) < 0)
		rc = hm_fail(out, HM_EIO, "cannot read '%s': %s", shown,
		    strerror(errno));
	close(fd);
	return rc;
}

static int
replace(const char *real, const char *path, const char *old, const char *new,
    int all, struct buf *out)
{
	struct buf text = BUF_INIT, res = BUF_INIT;
	size_t on = strlen(old), count = 0, i;
	const char *p, *q, *end, *first = NULL;
	long line = 1;
	struct stat st;
	int rc;

	if ((rc = slurp(real, path, &text, out)) < 0)
		goto out;
	end = text.s ? text.s + text.len : NULL;
	for (p = text.s; p && (q = memmem(p, (size_t)(end - p), old, on));
	    p = q + on) {
		if (!count++)
			first = q;
		buf_add(&res, p, (size_t)(q - p));
		buf_adds(&res, new);
	}
	if (!count) {
		rc = hm_fail(out, HM_ENOTFOUND, "old_string not found in '%s'",
		    path);
		goto out;
	}
	if (count > 1 && !all) {
		rc = hm_fail(out, HM_EAMBIG, "old_string found %zu times in "
		    "'%s': add context or set replace_all", count, path);
		goto out;
	}
	buf_add(&res, p, (size_t)(end - p));
	for (i = 0; text.s + i < first; i++)
		line += text.s[i] == '\n';
	if (stat(real, &st) < 0)
		st.st_mode = 0644;
	rc = atomic_write(real, buf_str(&res), res.len, st.st_mode & 07777,
	    out);
	if (rc == 0)
		buf_addf(out, "replaced %zu occurrence%s in '%s' (first at "
		    "line %ld)", count, count > 1 ? "s" : "", path, line);
out:
	buf_release(&text);
	buf_release(&res);
	return rc;
}

/* One hunk of a unified diff: old side (context and -) and new side. */
struct hunk {
	long start;			/* old start line, -1 when not given */
	long oldn, newn;		/* counts from the header */
	struct line *o, *n;
	size_t no, nn;
	size_t ctx;			/* context lines, on both sides */
	int old_noeol, new_noeol;
};

static void
hunks_free(struct hunk *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(h[i].o);
		free(h[i].n);
	}
	free(h);
}

static void
side_add(struct line **v, size_t *n, const char *s, size_t len)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].s = s;
	(*v)[(*n)++].n = len;
}

static int
starts(const struct line *l, const char *p)
{
	size_t n = strlen(p);

	return l->n >= n && !memcmp(l->s, p, n);
}

/* Parse "@@ -a[,b] +c[,d] @@"; numbers that are missing mean "search". */
static void
hunk_header(const struct line *l, struct hunk *h)
{
	char b[128];
	long a, c, bn = 1, dn = 1;
	size_t n = l->n < sizeof(b) - 1 ? l->n : sizeof(b) - 1;

	memcpy(b, l->s, n);
	b[n] = '\0';
	memset(h, 0, sizeof(*h));
	h->start = -1;
	h->oldn = h->newn = -1;
	if (sscanf(b, "@@ -%ld,%ld +%ld,%ld", &a, &bn, &c, &dn) == 4 ||
	    sscanf(b, "@@ -%ld +%ld,%ld", &a, &c, &dn) == 3 ||
	    (bn = 1, sscanf(b, "@@ -%ld,%ld +%ld", &a, &bn, &c) == 3) ||
	    (bn = 1, dn = 1, sscanf(b, "@@ -%ld +%ld", &a, &c) == 2)) {
		h->start = a;
		h->oldn = bn;
		h->newn = dn;
	}
}

/*
 * Parse diff d into hunks.  The body of a hunk runs to the next "@@", a
 * "--- "/"+++ " pair or the end; the header's counts only decide whether
 * trailing empty lines (an editor's) belong to it.  *target gets the
 * "+++" name without b/, when there is one (the caller frees it).
 */
static int
diff_parse(const char *d, struct hunk **hv, size_t *hn, char **target,
    struct buf *out)
{
	struct line *l;
	struct hunk *h = NULL, *c = NULL;
	size_t n, i, k, files = 0;
	int rc = 0, last = ' ';

	split(d, strlen(d), &l, &n);
	*hv = NULL;
	*hn = 0;
	*target = NULL;
	for (i = 0; i < n && rc == 0; i++) {
		if (i + 1 < n && starts(&l[i], "--- ") &&
		    starts(&l[i + 1], "+++ ")) {
			if (++files > 1) {
				rc = hm_fail(out, HM_EINVAL, "the patch "
				    "changes more than one file: send one "
				    "patch per file");
				break;
			}
			k = 4 + (starts(&l[i + 1], "+++ b/") ? 2 : 0);
			free(*target);
			*target = xstrndup(l[i + 1].s + k, strcspn(l[i + 1].s +
			    k, "\t\n"));
			c = NULL;
			i++;
		} else if (starts(&l[i], "@@")) {
			h = xrealloc(h, (*hn + 1) * sizeof(*h));
			c = &h[(*hn)++];
			hunk_header(&l[i], c);
		} else if (!c || starts(&l[i], "diff ") ||
		    starts(&l[i], "index ")) {
			c = NULL;	/* between files or hunks: not ours */
		} else if (l[i].n == 0 || l[i].s[0] == ' ') {
			k = l[i].n ? 1 : 0;
			side_add(&c->o, &c->no, l[i].s + k, l[i].n - k);
			side_add(&c->n, &c->nn, l[i].s + k, l[i].n - k);
			c->ctx++;
			last = ' ';
		} else if (l[i].s[0] == '-') {
			side_add(&c->o, &c->no, l[i].s + 1, l[i].n - 1);
			last = '-';
		} else if (l[i].s[0] == '+') {
			side_add(&c->n, &c->nn, l[i].s + 1, l[i].n - 1);
			last = '+';
		} else if (l[i].s[0] == '\\') {
			c->old_noeol |= last != '+';
			c->new_noeol |= last != '-';
		} else {
			rc = hm_fail(out, HM_EINVAL, "hunk %zu: line %zu of "
			    "the patch starts with neither ' ', '-' nor '+'",
			    *hn, i + 1);
		}
	}
	for (i = 0; i < *hn; i++)
		while (h[i].no && h[i].nn && h[i].o[h[i].no - 1].n == 0 &&
		    h[i].n[h[i].nn - 1].n == 0 && h[i].oldn >= 0 &&
		    (long)h[i].no > h[i].oldn && (long)h[i].nn > h[i].newn) {
			h[i].no--;
			h[i].nn--;
			h[i].ctx--;
		}
	if (rc == 0 && !*hn)
		rc = hm_fail(out, HM_EINVAL, "'patch' holds no hunk (no '@@' "
		    "line)");
	if (rc == 0 && *target && !strcmp(*target, "/dev/null"))
		rc = hm_fail(out, HM_EINVAL, "deleting files is not supported: "
		    "use the terminal");
	free(l);
	*hv = h;
	return rc;
}

static int
block_at(const struct line *f, size_t nf, const struct hunk *h, size_t at)
{
	size_t i;

	if (at + h->no > nf)
		return 0;
	for (i = 0; i < h->no; i++)
		if (f[at + i].n != h->o[i].n ||
		    memcmp(f[at + i].s, h->o[i].s, h->o[i].n))
			return 0;
	return 1;
}

/* Where hunk h applies, at or after pos: its line if it matches there,
 * else the nearest place that matches.  -1 when nowhere. */
static long
hunk_find(const struct line *f, size_t nf, const struct hunk *h, size_t pos)
{
	long want = h->start - (h->no ? 1 : 0), best = -1, d, bd = 0;
	size_t at;

	if (!h->no)
		return want < (long)pos ? (long)pos : want > (long)nf ?
		    (long)nf : want;
	for (at = pos; at + h->no <= nf; at++) {
		if (!block_at(f, nf, h, at))
			continue;
		if (want < 0)
			return (long)at;
		d = labs((long)at - want);
		if (best < 0 || d < bd) {
			best = (long)at;
			bd = d;
		}
	}
	return best;
}

static int
mismatch(const struct line *f, size_t nf, const struct hunk *h, size_t k,
    struct buf *out)
{
	size_t at = h->start > 0 ? (size_t)h->start - 1 : 0, i;

	for (i = 0; i < h->no && at + i < nf; i++)
		if (f[at + i].n != h->o[i].n ||
		    memcmp(f[at + i].s, h->o[i].s, h->o[i].n))
			break;
	if (h->start < 0 || i == h->no)
		return hm_fail(out, HM_ENOTFOUND, "hunk %zu does not apply: "
		    "its lines are not in the file", k);
	if (at + i >= nf)
		return hm_fail(out, HM_ENOTFOUND, "hunk %zu does not apply: "
		    "the file ends at line %zu", k, nf);
	return hm_fail(out, HM_ENOTFOUND, "hunk %zu does not apply: line "
	    "%zu is '%.*s', the patch expects '%.*s'", k, at + i + 1,
	    (int)(f[at + i].n > 80 ? 80 : f[at + i].n), f[at + i].s,
	    (int)(h->o[i].n > 80 ? 80 : h->o[i].n), h->o[i].s);
}

static void
add_lines(struct buf *b, const struct line *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		buf_add(b, v[i].s, v[i].n);
		buf_addc(b, '\n');
	}
}

static int
diff_apply(struct tool_env *env, const char *path, const char *d,
    struct buf *out)
{
	struct buf text = BUF_INIT, res = BUF_INIT;
	struct hunk *h = NULL;
	struct line *f = NULL;
	size_t hn = 0, nf = 0, pos = 0, i, plus = 0, minus = 0;
	char *target = NULL, *real = NULL;
	struct stat st;
	mode_t mode = 0644;
	long at;
	int rc, eol, create = 0;

	if ((rc = diff_parse(d, &h, &hn, &target, out)) < 0)
		goto out;
	if (!path)
		path = target;
	if ((rc = file_path(env, path, 1, &real, out)) < 0)
		goto out;
	if (stat(real, &st) < 0 && errno == ENOENT) {
		for (i = 0; i < hn && !h[i].no; i++)
			;
		create = i == hn;
	}
	if (!create && (rc = slurp(real, path, &text, out)) < 0)
		goto out;
	if (create && (rc = prepare(real, path, &mode, out)) < 0)
		goto out;
	if (!create)
		mode = st.st_mode & 07777;
	split(buf_str(&text), text.len, &f, &nf);
	eol = !text.len || text.s[text.len - 1] == '\n';
	for (i = 0; i < hn; i++) {
		if ((at = hunk_find(f, nf, &h[i], pos)) < 0) {
			rc = mismatch(f, nf, &h[i], i + 1, out);
			goto out;
		}
		add_lines(&res, f + pos, (size_t)at - pos);
		add_lines(&res, h[i].n, h[i].nn);
		pos = (size_t)at + h[i].no;
		plus += h[i].nn - h[i].ctx;
		minus += h[i].no - h[i].ctx;
		if (pos == nf && (h[i].new_noeol || h[i].old_noeol))
			eol = !h[i].new_noeol;
	}
	add_lines(&res, f + pos, nf - pos);
	if (!eol && res.len)
		buf_setlen(&res, res.len - 1);
	rc = atomic_write(real, buf_str(&res), res.len, mode, out);
	if (rc == 0)
		buf_addf(out, "%s '%s': %zu hunk%s, +%zu -%zu lines",
		    create ? "created" : "patched", path, hn, hn > 1 ? "s" : "",
		    plus, minus);
out:
	hunks_free(h, hn);
	free(f);
	free(real);
	free(target);
	buf_release(&text);
	buf_release(&res);
	return rc;
}

static int
patch_run(const struct tool *t, struct tool_env *env, cJSON *args,
    struct buf *out)
{
	const char *path, *old, *new, *diff;
	char *real;
	int rc;

	(void)t;
	if ((rc = arg_str(args, "path", &path, out)) < 0 ||
	    (rc = arg_str(args, "old_string", &old, out)) < 0 ||
	    (rc = arg_str(args, "new_string", &new, out)) < 0 ||
	    (rc = arg_str(args, "patch", &diff, out)) < 0)
		return rc;
	if (!old && diff)
		return diff_apply(env, path, diff, out);
	if (!old)
		return hm_fail(out, HM_EINVAL, "'old_string' and 'new_string' "
		    "are required, or 'patch' with a unified diff");
	if (!*old)
		return hm_fail(out, HM_EINVAL, "'old_string' is empty");
	if (!new)
		return hm_fail(out, HM_EINVAL, "'new_string' is required");
	if (!strcmp(old, new))
		return hm_fail(out, HM_EINVAL, "old_string and new_string are "
		    "the same");
	if ((rc = file_path(env, path, 0, &real, out)) < 0)
		return rc;
	rc = replace(real, path, old, new,
	    cJSON_IsTrue(cJSON_GetObjectItem(args, "replace_all")), out);
	free(real);
	return rc;
}

struct search {
	struct buf *out;
	const char *prefix;		/* shown before relative names */
	const char *file;		/* the one file searched, as given */
	const char *pattern;
	regex_t re;
	size_t found, visited;
	int more;			/* stopped at FOUND_MAX */
	int full;			/* stopped at WALK_MAX */
};

static void
put_name(struct search *s, const char *rel, size_t n)
{
	struct buf *b = s->out;

	if (b->len)
		buf_addc(b, '\n');
	if (s->file) {
		buf_adds(b, s->file);
		return;
	}
	if (*s->prefix)
		buf_addf(b, "%s/", s->prefix);
	add_clean(b, rel, n);
}

/* One result; 1 when the search must stop. */
static int
put_match(struct search *s, const char *rel, size_t rn, long no,
    const char *text, size_t n)
{
	if (s->found == FOUND_MAX) {
		s->more = 1;
		return 1;
	}
	s->found++;
	put_name(s, rel, rn);
	if (no > 0) {
		buf_addf(s->out, ":%ld:", no);
		add_cut(s->out, text, n, TEXT_MAX);
	}
	return 0;
}

static int
grep_file(struct search *s, const char *abs, const char *rel)
{
	struct buf b = BUF_INIT;
	struct line *l;
	struct stat st;
	size_t n, i;
	int stop = 0;

	if (stat(abs, &st) < 0 || st.st_size > SEARCH_SIZE_MAX ||
	    buf_read_file(&b, abs) < 0 || (b.len && memchr(b.s, 0, b.len))) {
		buf_release(&b);
		return 0;
	}
	split(buf_str(&b), b.len, &l, &n);
	for (i = 0; i < n && !stop; i++) {
		((char *)l[i].s)[l[i].n] = '\0';
		if (regexec(&s->re, l[i].s, 0, NULL, 0) == 0)
			stop = put_match(s, rel, strlen(rel), (long)i + 1,
			    l[i].s, l[i].n);
	}
	free(l);
	buf_release(&b);
	return stop;
}

static int
name_file(struct search *s, const char *abs, const char *rel)
{
	const char *name = strchr(s->pattern, '/') ? rel : hm_basename(rel);

	(void)abs;
	if (fnmatch(s->pattern, name, name == rel ? FNM_PATHNAME : 0))
		return 0;
	return put_match(s, rel, strlen(rel), 0, NULL, 0);
}

static int
byname(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Depth first in byte order, as rg --sort=path; 1 when stopped. */
static int
walk(struct search *s, struct buf *p, size_t root,
    int (*fn)(struct search *, const char *, const char *))
{
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i, len = p->len;
	struct stat st;
	DIR *d = opendir(p->s);
	int stop = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, ".git"))
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), byname);
	for (i = 0; i < n; i++) {
		if (!stop) {
			buf_setlen(p, len);
			buf_addf(p, "%s%s", len > 1 ? "/" : "", names[i]);
			if (lstat(p->s, &st) < 0)
				;
			else if (sig_interrupted)
				stop = 1;
			else if (S_ISDIR(st.st_mode))
				stop = walk(s, p, root, fn);
			else if (S_ISREG(st.st_mode) &&
			    (stop = ++s->visited > WALK_MAX))
				s->full = 1;
			else if (S_ISREG(st.st_mode))
				stop = fn(s, p->s, p->s + root);
		}
		free(names[i]);
	}
	free(names);
	buf_setlen(p, len);
	return stop;
}

static int
rg_found(void)
{
	const char *path = getenv("PATH"), *e;
	struct buf b = BUF_INIT;
	int ok = 0;

	for (; path && *path && !ok; path = *e ? e + 1 : e) {
		e = strchr(path, ':');
		if (!e)
			e = path + strlen(path);
		buf_reset(&b);
		buf_addf(&b, "%.*s/rg", (int)(e - path), path);
		ok = e > path && access(b.s, X_OK) == 0;
	}
	buf_release(&b);
	return ok;
}

/* Lines "NAME\0LINE:TEXT" from rg in buf; the consumed length. */
static size_t
rg_lines(struct search *s, const char *b, size_t n, int *stop)
{
	const char *p = b, *nl, *z, *colon;
	long no;

	while (!*stop && (nl = memchr(p, '\n', n - (size_t)(p - b)))) {
		z = memchr(p, '\0', (size_t)(nl - p));
		colon = z ? memchr(z, ':', (size_t)(nl - z)) : NULL;
		if (colon) {
			if (z - p >= 2 && p[0] == '.' && p[1] == '/')
				p += 2;
			no = strtol(z + 1, NULL, 10);
			*stop = put_match(s, p, (size_t)(z - p), no, colon + 1,
			    (size_t)(nl - colon - 1));
		}
		p = nl + 1;
	}
	return (size_t)(p - b);
}

/* Search dir with rg; 0, or -1 when rg could not do it (use the walk). */
static int
rg_search(struct search *s, const char *dir)
{
	char *argv[] = { "rg", "--no-config", "--null", "--line-number",
		"--with-filename", "--no-heading", "--color=never",
		"--no-messages", "--hidden", "--no-ignore", "--sort=path",
		"--max-filesize=1M", "--glob=!.git", "--regexp",
		(char *)s->pattern, "--", ".", NULL };
	struct buf b = BUF_INIT;
	size_t mark = s->out->len, used;
	int fd[2], null, status, stop = 0;
	ssize_t r;
	pid_t pid;

	if (pipe2(fd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		null = open("/dev/null", O_RDWR);
		setpgid(0, 0);
		if (null < 0 || dup2(null, 0) < 0 || dup2(fd[1], 1) < 0 ||
		    dup2(null, 2) < 0 || chdir(dir) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	if (pid < 0) {
		close(fd[0]);
		return -1;
	}
	while (!stop) {
		buf_grow(&b, 65536);
		r = read(fd[0], b.s + b.len, 65536);
		if (sig_interrupted) {
			stop = 1;
			break;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		b.len += (size_t)r;
		b.s[b.len] = '\0';
		used = rg_lines(s, b.s, b.len, &stop);
		memmove(b.s, b.s + used, b.len - used);
		buf_setlen(&b, b.len - used);
	}
	if (stop)
		kill(pid, SIGKILL);
	close(fd[0]);
	buf_release(&b);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (stop || (WIFEXITED(status) && WEXITSTATUS(status) <= 1))
		return 0;
	if (s->found)
		return 0;	/* exit 2 after matches: unreadable files */
	buf_setlen(s->out, mark);
	return -1;
}

static int
search_run(const struct tool *t, struct tool_env *env, cJSON *args,
    struct buf *out)
{
	const char *pattern, *target, *path;
	struct search s;
	struct buf p = BUF_INIT, prefix = BUF_INIT;
	struct stat st;
	char *real, msg[256];
	int rc, files, e;

	(void)t;
	if ((rc = arg_str(args, "pattern", &pattern, out)) < 0 ||
	    (rc = arg_str(args, "target", &target, out)) < 0 ||
	    (rc = arg_str(args, "path", &path, out)) < 0)
		return rc;
	if (!pattern || !*pattern)
		return hm_fail(out, HM_EINVAL, "'pattern' is required");
	if (target && strcmp(target, "content") && strcmp(target, "files"))
		return hm_fail(out, HM_EINVAL, "'target' is content or files, "
		    "not '%s'", target);
	files = target && !strcmp(target, "files");
	if ((rc = file_path(env, path ? path : ".", 0, &real, out)) < 0)
		return rc;
	memset(&s, 0, sizeof(s));
	s.out = out;
	s.pattern = pattern;
	if (path && strcmp(path, ".") && strcmp(path, "./")) {
		buf_adds(&prefix, path);
		while (prefix.len > 1 && prefix.s[prefix.len - 1] == '/')
			buf_setlen(&prefix, prefix.len - 1);
	}
	s.prefix = buf_str(&prefix);
	if (!files && (e = regcomp(&s.re, pattern, REG_EXTENDED | REG_NOSUB))) {
		regerror(e, &s.re, msg, sizeof(msg));
		rc = hm_fail(out, HM_EINVAL, "bad regex '%s': %s", pattern,
		    msg);
		goto out;
	}
	if (stat(real, &st) < 0) {
		rc = hm_fail(out, HM_EIO, "cannot open '%s': %s",
		    path ? path : ".", strerror(errno));
	} else if (!S_ISDIR(st.st_mode)) {
		s.file = path;
		if (files)
			name_file(&s, real, hm_basename(real));
		else
			grep_file(&s, real, hm_basename(real));
	} else if (files || !rg_found() || rg_search(&s, real) < 0) {
		buf_adds(&p, real);
		walk(&s, &p, strcmp(real, "/") ? p.len + 1 : 1,
		    files ? name_file : grep_file);
	}
	if (rc == 0 && !s.found)
		buf_addf(out, "no %s match '%s'", files ? "file names" :
		    "lines", pattern);
	else if (s.more)
		buf_addf(out, "\n[stopped at %d results: narrow the pattern "
		    "or the path]", FOUND_MAX);
	else if (s.full)
		buf_addf(out, "\n[stopped after %d files: narrow the path]",
		    WALK_MAX);
	if (!files)
		regfree(&s.re);
out:
	free(real);
	buf_release(&p);
	buf_release(&prefix);
	return rc;
}

const struct tool tool_read_file = {
	"read_file", "file",
	"Read a text file as numbered lines. offset: first line (1-based); "
	"limit: lines (500).",
	"{\"type\":\"object\",\"properties\":{"
	"\"path\":{\"type\":\"string\"},"
	"\"offset\":{\"type\":\"integer\"},"
	"\"limit\":{\"type\":\"integer\"}},"
	"\"required\":[\"path\"]}",
	read_run, NULL
};

const struct tool tool_write_file = {
	"write_file", "file",
	"Create or overwrite a file with content (atomic; makes parent "
	"directories).",
	"{\"type\":\"object\",\"properties\":{"
	"\"path\":{\"type\":\"string\"},"
	"\"content\":{\"type\":\"string\"}},"
	"\"required\":[\"path\",\"content\"]}",
	write_run, NULL
};

const struct tool tool_patch = {
	"patch", "file",
	"Edit a file: replace old_string (exact, must be unique unless "
	"replace_all) with new_string; or apply 'patch', a unified diff.",
	"{\"type\":\"object\",\"properties\":{"
	"\"path\":{\"type\":\"string\"},"
	"\"old_string\":{\"type\":\"string\"},"
	"\"new_string\":{\"type\":\"string\"},"
	"\"replace_all\":{\"type\":\"boolean\"},"
	"\"patch\":{\"type\":\"string\"}},"
	"\"required\":[\"path\"]}",
	patch_run, NULL
};

const struct tool tool_search_files = {
	"search_files", "file",
	"Search below path (default .): target content (default) greps an "
	"extended regex, giving file:line:text; target files matches names "
	"against a glob. 100 results at most.",
	"{\"type\":\"object\",\"properties\":{"
	"\"pattern\":{\"type\":\"string\"},"
	"\"target\":{\"type\":\"string\",\"enum\":[\"content\",\"files\"]},"
	"\"path\":{\"type\":\"string\"}},"
	"\"required\":[\"pattern\"]}",
	search_run, NULL
};
