/*
 * tool_patch.c: the patch tool (contract in tool_file.h): an exact
 * old_string -> new_string replacement, or a unified diff.
 *
 * The file is read whole (at most PATCH_MAX bytes), the new text built
 * in memory, and written with atomic_write keeping the file's mode: a
 * reader or a crash sees the old file or the new one, never a half
 * applied patch.  A diff is parsed into hunks first (diff_parse); each
 * hunk must match exactly, at its header's line or, failing that, at the
 * nearest place after the previous hunk (so line numbers an editor got
 * wrong do no harm); one hunk that matches nowhere fails the whole
 * patch.  A diff whose hunks hold no old lines for a missing file
 * creates it (parents made 0755, mode 0644); "+++ /dev/null" (deleting)
 * and diffs of more than one file are refused.
 */
#include <sys/stat.h>
#include <cjson/cJSON.h>

#include "common.h"
#include "atomic.h"
#include "tool_file.h"
#include "tool_file_int.h"

#define PATCH_MAX	(32L << 20)	/* biggest file patch loads */

/* The whole of a regular file of at most PATCH_MAX bytes into b. */
static int
slurp(const char *real, const char *shown, struct buf *b, struct buf *out)
{
	struct stat st;
	int fd = tool_file_open(real, shown, &st, out), rc = 0;

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
	struct tool_file_line *o, *n;
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
side_add(struct tool_file_line **v, size_t *n, const char *s, size_t len)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].s = s;
	(*v)[(*n)++].n = len;
}

static int
starts(const struct tool_file_line *l, const char *p)
{
	size_t n = strlen(p);

	return l->n >= n && !memcmp(l->s, p, n);
}

/* Parse "@@ -a[,b] +c[,d] @@"; numbers that are missing mean "search". */
static void
hunk_header(const struct tool_file_line *l, struct hunk *h)
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
	struct tool_file_line *l;
	struct hunk *h = NULL, *c = NULL;
	size_t n, i, k, files = 0;
	int rc = 0, last = ' ';

	tool_file_split(d, strlen(d), &l, &n);
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
block_at(const struct tool_file_line *f, size_t nf, const struct hunk *h,
    size_t at)
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
hunk_find(const struct tool_file_line *f, size_t nf, const struct hunk *h,
    size_t pos)
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
mismatch(const struct tool_file_line *f, size_t nf, const struct hunk *h,
    size_t k, struct buf *out)
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
add_lines(struct buf *b, const struct tool_file_line *v, size_t n)
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
	struct tool_file_line *f = NULL;
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
	if ((rc = tool_file_path(env, path, 1, &real, out)) < 0)
		goto out;
	if (stat(real, &st) < 0 && errno == ENOENT) {
		for (i = 0; i < hn && !h[i].no; i++)
			;
		create = i == hn;
	}
	if (!create && (rc = slurp(real, path, &text, out)) < 0)
		goto out;
	if (create && (rc = tool_file_prepare(real, path, &mode, out)) < 0)
		goto out;
	if (!create)
		mode = st.st_mode & 07777;
	tool_file_split(buf_str(&text), text.len, &f, &nf);
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
	if ((rc = tool_file_arg_str(args, "path", &path, out)) < 0 ||
	    (rc = tool_file_arg_str(args, "old_string", &old, out)) < 0 ||
	    (rc = tool_file_arg_str(args, "new_string", &new, out)) < 0 ||
	    (rc = tool_file_arg_str(args, "patch", &diff, out)) < 0)
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
	if ((rc = tool_file_path(env, path, 0, &real, out)) < 0)
		return rc;
	rc = replace(real, path, old, new,
	    cJSON_IsTrue(cJSON_GetObjectItem(args, "replace_all")), out);
	free(real);
	return rc;
}

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
