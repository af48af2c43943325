/*
 * tool_search.c: the search_files tool (contract in tool_file.h).
 *
 * search_files runs rg when it is on PATH (fork and execvp, argv, no
 * shell, in its own process group, killed and reaped by pid once 100
 * matches are in) and the built-in walk otherwise or when rg fails; both
 * feed one printer (put_match), so the format is the same.  The walk
 * visits entries in byte order, depth first, as rg --sort=path does; it
 * never follows symlinks, so it cannot leave the root it was given.  The
 * pattern is POSIX ERE; rg reads it with its own syntax, which agrees on
 * the common subset, and a pattern rg rejects falls back to the walk.
 * Results stop at 100; bytes that are not UTF-8 are shown as U+FFFD.
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
#include "path.h"
#include "sig.h"
#include "tool_file.h"
#include "tool_file_int.h"

#define FOUND_MAX	100		/* search results */
#define SEARCH_SIZE_MAX	(1L << 20)	/* bigger files are not searched */
#define TEXT_MAX	300		/* bytes of a matching line shown */
#define WALK_MAX	100000		/* files the walk visits */

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
	tool_file_add_clean(b, rel, n);
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
		tool_file_add_cut(s->out, text, n, TEXT_MAX);
	}
	return 0;
}

static int
grep_file(struct search *s, const char *abs, const char *rel)
{
	struct buf b = BUF_INIT;
	struct tool_file_line *l;
	struct stat st;
	size_t n, i;
	int stop = 0;

	if (stat(abs, &st) < 0 || st.st_size > SEARCH_SIZE_MAX ||
	    buf_read_file(&b, abs) < 0 || (b.len && memchr(b.s, 0, b.len))) {
		buf_release(&b);
		return 0;
	}
	tool_file_split(buf_str(&b), b.len, &l, &n);
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
	if ((rc = tool_file_arg_str(args, "pattern", &pattern, out)) < 0 ||
	    (rc = tool_file_arg_str(args, "target", &target, out)) < 0 ||
	    (rc = tool_file_arg_str(args, "path", &path, out)) < 0)
		return rc;
	if (!pattern || !*pattern)
		return hm_fail(out, HM_EINVAL, "'pattern' is required");
	if (target && strcmp(target, "content") && strcmp(target, "files"))
		return hm_fail(out, HM_EINVAL, "'target' is content or files, "
		    "not '%s'", target);
	files = target && !strcmp(target, "files");
	if ((rc = tool_file_path(env, path ? path : ".", 0, &real, out)) < 0)
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
