/*
 * tool_file.c: read_file and write_file, the agent's hands on the work
 * tree (contract in tool_file.h), and the helpers the file tools share
 * (tool_file_int.h): patch lives in tool_patch.c, search_files in
 * tool_search.c.
 *
 * Paths: relative to env->cwd; with env->roots set, resolved and checked
 * by roots_resolve before any open, and the resolved path is what is
 * opened, so a symlink swapped in afterwards can only point where the
 * check already looked.  Writes go through atomic_write: a reader or a
 * crash sees the old file or the new one.  A write follows links (the
 * resolved target is replaced, the link kept).
 *
 * Results are text for the model and stay small: read_file stops at
 * env->output_max with the offset to go on from.  Bytes that are not
 * UTF-8 are shown as U+FFFD.
 */
#include <sys/stat.h>
#include <fcntl.h>
#include <cjson/cJSON.h>

#include "common.h"
#include "atomic.h"
#include "path.h"
#include "roots.h"
#include "tool_file.h"
#include "tool_file_int.h"
#include "utf8.h"

#define READ_LIMIT	500		/* lines read_file shows by default */
#define LINE_MAX_SHOWN	2000		/* bytes of one line read_file shows */
#define SNIFF		8192		/* bytes looked at for a NUL */
#define COUNT_MAX	(64L << 20)	/* bytes counted for "N more lines" */

/* A string argument: *v is NULL when absent; not a string is an error. */
int
tool_file_arg_str(cJSON *args, const char *name, const char **v,
    struct buf *out)
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

int
tool_file_path(struct tool_env *env, const char *path, int for_write,
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
void
tool_file_add_clean(struct buf *b, const char *s, size_t n)
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
void
tool_file_add_cut(struct buf *b, const char *s, size_t n, size_t max)
{
	size_t k = n;

	if (n > max) {
		k = max;
		while (k && ((unsigned char)s[k] & 0xC0) == 0x80)
			k--;
	}
	tool_file_add_clean(b, s, k);
	if (k < n)
		buf_addf(b, " [... %zu bytes cut]", n - k);
}

void
tool_file_split(const char *s, size_t len, struct tool_file_line **v,
    size_t *n)
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
int
tool_file_open(const char *real, const char *shown, struct stat *st,
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
	if ((rc = tool_file_arg_str(args, "path", &path, out)) < 0)
		return rc;
	if (tool_arg_long(args, "offset", 1, &offset) < 0 ||
	    tool_arg_long(args, "limit", READ_LIMIT, &limit) < 0)
		return hm_fail(out, HM_EINVAL, "'offset' and 'limit' must be "
		    "numbers");
	if (offset < 1)
		offset = 1;
	if (limit < 1)
		return hm_fail(out, HM_EINVAL, "'limit' must be at least 1");
	if ((rc = tool_file_path(env, path, 0, &real, out)) < 0)
		return rc;
	fd = tool_file_open(real, path, &st, out);
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
		tool_file_add_cut(&row, line, n, LINE_MAX_SHOWN);
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
int
tool_file_prepare(const char *real, const char *shown, mode_t *mode,
    struct buf *out)
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
	if ((rc = tool_file_arg_str(args, "path", &path, out)) < 0 ||
	    (rc = tool_file_arg_str(args, "content", &content, out)) < 0)
		return rc;
	if (!content)
		return hm_fail(out, HM_EINVAL, "'content' is required");
	if ((rc = tool_file_path(env, path, 1, &real, out)) < 0)
		return rc;
	len = strlen(content);
	for (i = 0; i < len; i++)
		lines += content[i] == '\n';
	lines += len && content[len - 1] != '\n';
	if ((rc = tool_file_prepare(real, path, &mode, out)) == 0 &&
	    (rc = atomic_write(real, content, len, mode, out)) == 0)
		buf_addf(out, "wrote %zu byte%s, %zu line%s to '%s'", len,
		    len == 1 ? "" : "s", lines, lines == 1 ? "" : "s", path);
	free(real);
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
