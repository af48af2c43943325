/*
 * tool_file.c: unit tests for libcommon/tool_file.c, calling each tool's
 * run() with a tool_env filled here (cwd B/work, the default roots).
 * read_file: numbering, offset/limit and the note, the default of 500,
 * the output cap, binary and empty files, long lines, bad UTF-8, bad
 * arguments.  write_file: parents, modes (new, kept), links, refusals.
 * patch: unique, none, twice, replace_all, unified diffs (two hunks,
 * moved lines, a failing hunk, a new file, no newline at the end).
 * search_files: content and files, .git, binary, big files, links not
 * followed, the 100-result cap, and rg against the built-in walk.
 * Files: a mkdtemp tree B, removed at the end.
 */
#include <sys/stat.h>
#include <ftw.h>
#include <cjson/cJSON.h>

#include "common.h"
#include "roots.h"
#include "tap.h"
#include "tool_file.h"

static char base[] = "/tmp/hermes-unit-tool-file.XXXXXX";
static char *B;
static struct tool_env env;
static struct buf out = BUF_INIT;

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static char *
at(const char *rel)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s/work/%s", B, rel);
	return buf_detach(&b);
}

static void
put(const char *rel, const char *data, size_t len, int mode)
{
	char *p = at(rel), *s;
	FILE *f;

	for (s = p + strlen(B) + 1; (s = strchr(s + 1, '/'));) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	if ((f = fopen(p, "w"))) {
		fwrite(data, 1, len, f);
		fclose(f);
	}
	if (mode)
		chmod(p, (mode_t)mode);
	free(p);
}

static void
puts_file(const char *rel, const char *text)
{
	put(rel, text, strlen(text), 0);
}

static char *
get(const char *rel)
{
	struct buf b = BUF_INIT;
	char *p = at(rel);

	if (buf_read_file(&b, p) < 0)
		buf_adds(&b, "(missing)");
	free(p);
	if (!b.s)
		buf_adds(&b, "");
	return buf_detach(&b);
}

static int
mode_of(const char *rel)
{
	char *p = at(rel);
	struct stat st;
	int m = stat(p, &st) < 0 ? -1 : (int)(st.st_mode & 07777);

	free(p);
	return m;
}

/* Run t with args (JSON text); out holds the result. */
static int
call(const struct tool *t, const char *args)
{
	cJSON *a = cJSON_Parse(args);
	int rc;

	buf_reset(&out);
	if (!a) {
		printf("# bad JSON in the test: %s\n", args);
		return -999;
	}
	rc = t->run(t, &env, a, &out);
	cJSON_Delete(a);
	return rc;
}

static int
has(const char *s)
{
	int r = strstr(buf_str(&out), s) != NULL;

	if (!r)
		printf("#   '%s' not in '%s'\n", s, buf_str(&out));
	return r;
}

static void
file_is(const char *rel, const char *want, const char *msg)
{
	char *s = get(rel);

	is_str(s, want, "%s", msg);
	free(s);
}

static void
test_read(void)
{
	struct buf b = BUF_INIT;
	int i;

	for (i = 1; i <= 10; i++)
		buf_addf(&b, "line %d\n", i);
	puts_file("ten.txt", b.s);
	is_int(call(&tool_read_file, "{\"path\":\"ten.txt\",\"offset\":3,"
	    "\"limit\":2}"), 0, "read offset 3 limit 2");
	is_str(buf_str(&out), "    3\tline 3\n    4\tline 4\n"
	    "[6 more lines: read on with offset=5]", "numbered, with a note");
	is_int(call(&tool_read_file, "{\"path\":\"ten.txt\",\"offset\":9}"),
	    0, "read the end");
	is_str(buf_str(&out), "    9\tline 9\n   10\tline 10", "no note at "
	    "the end");
	is_int(call(&tool_read_file, "{\"path\":\"ten.txt\",\"offset\":0,"
	    "\"limit\":1}"), 0, "offset 0 is 1");
	ok(has("    1\tline 1\n[9 more lines: read on with offset=2]"),
	    "from the first line");
	is_int(call(&tool_read_file, "{\"path\":\"ten.txt\",\"offset\":11}"),
	    -HM_EINVAL, "offset past the end");
	ok(has("has 10 lines"), "says how many lines");
	is_int(call(&tool_read_file, "{\"path\":\"ten.txt\",\"limit\":\"x\"}"),
	    -HM_EINVAL, "limit not a number");
	is_int(call(&tool_read_file, "{\"path\":\"ten.txt\",\"limit\":0}"),
	    -HM_EINVAL, "limit 0");
	is_int(call(&tool_read_file, "{}"), -HM_EINVAL, "no path");
	ok(has("'path' is required"), "says path is required");
	is_int(call(&tool_read_file, "{\"path\":7}"), -HM_EINVAL,
	    "a path that is a number");
	ok(has("'path' must be a string"), "says it must be a string");

	buf_reset(&b);
	for (i = 1; i <= 600; i++)
		buf_addf(&b, "%d\n", i);
	buf_adds(&b, "no newline");
	puts_file("long.txt", b.s);
	is_int(call(&tool_read_file, "{\"path\":\"long.txt\"}"), 0,
	    "read 601 lines");
	ok(has("  500\t500\n[101 more lines: read on with offset=501]"),
	    "500 lines by default");
	ok(!strstr(buf_str(&out), "  501\t"), "and no more");
	is_int(call(&tool_read_file, "{\"path\":\"long.txt\",\"offset\":"
	    "600}"), 0, "read the last lines");
	is_str(buf_str(&out), "  600\t600\n  601\tno newline",
	    "a last line without newline");
	env.output_max = 300;
	is_int(call(&tool_read_file, "{\"path\":\"long.txt\"}"), 0,
	    "read under a 300-byte cap");
	ok(out.len <= 300, "within the cap (%zu bytes)", out.len);
	ok(has("[output cap reached; ") && has("read on with offset="),
	    "the cap says where to go on");
	env.output_max = 50000;

	puts_file("empty.txt", "");
	is_int(call(&tool_read_file, "{\"path\":\"empty.txt\"}"), 0,
	    "an empty file");
	is_str(buf_str(&out), "'empty.txt' is empty", "says it is empty");
	put("bin.dat", "ab\0cd\n", 6, 0);
	is_int(call(&tool_read_file, "{\"path\":\"bin.dat\"}"), -HM_EINVAL,
	    "a binary file");
	ok(has("binary file"), "refused as binary");
	is_int(call(&tool_read_file, "{\"path\":\"sub\"}"), -HM_EINVAL,
	    "a directory");
	ok(has("is a directory"), "says directory");
	is_int(call(&tool_read_file, "{\"path\":\"nope\"}"), -HM_ENOTFOUND,
	    "a missing file");
	ok(has("cannot open 'nope'"), "says cannot open");
	is_int(call(&tool_read_file, "{\"path\":\"../outside/secret\"}"),
	    -HM_EINVAL, "outside the roots");
	ok(has("outside the allowed roots"), "says outside");

	buf_reset(&b);
	for (i = 0; i < 3000; i++)
		buf_addc(&b, 'x');
	buf_adds(&b, "\nbad \377 byte\n");
	puts_file("wide.txt", b.s);
	is_int(call(&tool_read_file, "{\"path\":\"wide.txt\"}"), 0,
	    "a 3000-byte line");
	ok(has("x [... 1000 bytes cut]\n"), "long lines are cut");
	ok(has("    2\tbad \357\277\275 byte"), "bad UTF-8 shown as U+FFFD");
	buf_release(&b);
}

static void
test_write(void)
{
	char *p, *q;

	umask(022);
	is_int(call(&tool_write_file, "{\"path\":\"new/dir/f.txt\","
	    "\"content\":\"a\\nb\\n\"}"), 0, "write a new file");
	is_str(buf_str(&out), "wrote 4 bytes, 2 lines to 'new/dir/f.txt'",
	    "says bytes and lines");
	file_is("new/dir/f.txt", "a\nb\n", "content on disk");
	is_int(mode_of("new/dir/f.txt"), 0644, "a new file is 0644");
	is_int(mode_of("new/dir"), 0755, "new parents are 0755");
	is_int(call(&tool_read_file, "{\"path\":\"new/dir/f.txt\"}"), 0,
	    "read it back");
	is_str(buf_str(&out), "    1\ta\n    2\tb", "as written");

	put("secret.txt", "old", 3, 0600);
	is_int(call(&tool_write_file, "{\"path\":\"secret.txt\","
	    "\"content\":\"new\"}"), 0, "overwrite a 0600 file");
	is_str(buf_str(&out), "wrote 3 bytes, 1 line to 'secret.txt'",
	    "an unterminated line counts");
	is_int(mode_of("secret.txt"), 0600, "the mode is kept");
	put("run.sh", "#!/bin/sh\n", 10, 0755);
	is_int(call(&tool_write_file, "{\"path\":\"run.sh\","
	    "\"content\":\"#!/bin/sh\\necho hi\\n\"}"), 0,
	    "overwrite a script");
	is_int(mode_of("run.sh"), 0755, "still executable");
	is_int(call(&tool_write_file, "{\"path\":\"zero\",\"content\":\"\"}"),
	    0, "empty content");
	is_str(buf_str(&out), "wrote 0 bytes, 0 lines to 'zero'", "0 and 0");

	p = at("run.sh");
	q = at("link.sh");
	if (symlink(p, q) < 0)
		printf("# cannot link\n");
	is_int(call(&tool_write_file, "{\"path\":\"link.sh\","
	    "\"content\":\"via link\\n\"}"), 0, "write through a link");
	file_is("run.sh", "via link\n", "the target changed");
	{
		struct stat st;

		ok(lstat(q, &st) == 0 && S_ISLNK(st.st_mode),
		    "the link is kept");
	}
	free(p);
	free(q);

	is_int(call(&tool_write_file, "{\"path\":\"x\"}"), -HM_EINVAL,
	    "no content");
	ok(has("'content' is required"), "says content is required");
	is_int(call(&tool_write_file, "{\"path\":\"sub\",\"content\":\"x\"}"),
	    -HM_EINVAL, "onto a directory");
	is_int(call(&tool_write_file, "{\"path\":\"../outside/new\","
	    "\"content\":\"x\"}"), -HM_EINVAL, "outside the roots");
	{
		struct buf b = BUF_INIT;
		struct stat st;

		buf_addf(&b, "%s/outside/new", B);
		ok(stat(b.s, &st) < 0, "nothing written outside");
		buf_release(&b);
	}
	is_int(call(&tool_write_file, "{\"path\":\"esc/new\","
	    "\"content\":\"x\"}"), -HM_EINVAL, "through an escaping link");
	is_int(call(&tool_write_file, "{\"path\":\"../home/.env\","
	    "\"content\":\"X=1\"}"), -HM_EINVAL, "onto .env");
}

static void
test_patch(void)
{
	put("p.txt", "one\ntwo\nthree two\n", 18, 0640);
	is_int(call(&tool_patch, "{\"path\":\"p.txt\",\"old_string\":\"one\","
	    "\"new_string\":\"1\"}"), 0, "a unique match");
	is_str(buf_str(&out), "replaced 1 occurrence in 'p.txt' (first at "
	    "line 1)", "says what it did");
	file_is("p.txt", "1\ntwo\nthree two\n", "replaced on disk");
	is_int(mode_of("p.txt"), 0640, "mode kept");
	is_int(call(&tool_patch, "{\"path\":\"p.txt\",\"old_string\":\"four\","
	    "\"new_string\":\"4\"}"), -HM_ENOTFOUND, "no match");
	ok(has("not found"), "says not found");
	is_int(call(&tool_patch, "{\"path\":\"p.txt\",\"old_string\":\"two\","
	    "\"new_string\":\"2\"}"), -HM_EAMBIG, "two matches");
	ok(has("found 2 times in 'p.txt': add context or set replace_all"),
	    "says found 2 times");
	file_is("p.txt", "1\ntwo\nthree two\n", "unchanged");
	is_int(call(&tool_patch, "{\"path\":\"p.txt\",\"old_string\":\"two\","
	    "\"new_string\":\"2\",\"replace_all\":true}"), 0, "replace_all");
	is_str(buf_str(&out), "replaced 2 occurrences in 'p.txt' (first at "
	    "line 2)", "says 2");
	file_is("p.txt", "1\n2\nthree 2\n", "both replaced");
	is_int(call(&tool_patch, "{\"path\":\"p.txt\","
	    "\"old_string\":\"1\\n2\\n\",\"new_string\":\"1\\n\"}"), 0,
	    "delete a line");
	file_is("p.txt", "1\nthree 2\n", "deleted");
	is_int(call(&tool_patch, "{\"path\":\"p.txt\",\"old_string\":\"1\","
	    "\"new_string\":\"1\"}"), -HM_EINVAL, "the same strings");
	is_int(call(&tool_patch, "{\"path\":\"p.txt\",\"old_string\":\"\","
	    "\"new_string\":\"x\"}"), -HM_EINVAL, "empty old_string");
	is_int(call(&tool_patch, "{\"path\":\"p.txt\",\"old_string\":\"1\"}"),
	    -HM_EINVAL, "no new_string");
	is_int(call(&tool_patch, "{\"path\":\"p.txt\"}"), -HM_EINVAL,
	    "neither strings nor a patch");
	is_int(call(&tool_patch, "{\"path\":\"nope\",\"old_string\":\"a\","
	    "\"new_string\":\"b\"}"), -HM_ENOTFOUND, "a missing file");
	is_int(call(&tool_patch, "{\"path\":\"../outside/secret\","
	    "\"old_string\":\"a\",\"new_string\":\"b\"}"), -HM_EINVAL,
	    "outside the roots");
}

static void
test_diff(void)
{
	puts_file("d.txt", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n");
	is_int(call(&tool_patch, "{\"path\":\"d.txt\",\"patch\":"
	    "\"--- a/d.txt\\n+++ b/d.txt\\n"
	    "@@ -1,3 +1,3 @@\\n a\\n-b\\n+B\\n c\\n"
	    "@@ -8,3 +8,4 @@\\n h\\n i\\n+i2\\n j\\n\"}"), 0,
	    "a diff of two hunks");
	is_str(buf_str(&out), "patched 'd.txt': 2 hunks, +2 -1 lines",
	    "says what it did");
	file_is("d.txt", "a\nB\nc\nd\ne\nf\ng\nh\ni\ni2\nj\n", "applied");

	is_int(call(&tool_patch, "{\"path\":\"d.txt\",\"patch\":"
	    "\"@@ -5,2 +5,2 @@\\n c\\n-d\\n+D\\n\"}"), 0,
	    "wrong line numbers, unique context");
	file_is("d.txt", "a\nB\nc\nD\ne\nf\ng\nh\ni\ni2\nj\n",
	    "applied where the context is");

	is_int(call(&tool_patch, "{\"path\":\"d.txt\",\"patch\":"
	    "\"@@ -1,2 +1,2 @@\\n a\\n-B\\n+b\\n"
	    "@@ -6,2 +6,2 @@\\n f\\n-x\\n+y\\n\"}"), -HM_ENOTFOUND,
	    "a failing second hunk");
	ok(has("hunk 2 does not apply: line 7 is 'g', the patch expects 'x'"),
	    "names the hunk, the line and both texts");
	file_is("d.txt", "a\nB\nc\nD\ne\nf\ng\nh\ni\ni2\nj\n",
	    "nothing applied");

	is_int(call(&tool_patch, "{\"patch\":\"--- /dev/null\\n"
	    "+++ b/made/new.txt\\n@@ -0,0 +1,2 @@\\n+x\\n+y\\n\"}"), 0,
	    "a diff that creates a file, path from +++");
	file_is("made/new.txt", "x\ny\n", "created");
	is_int(mode_of("made/new.txt"), 0644, "created 0644");

	puts_file("e.txt", "a\nb");
	is_int(call(&tool_patch, "{\"path\":\"e.txt\",\"patch\":"
	    "\"@@ -1,2 +1,2 @@\\n a\\n-b\\n\\\\ No newline at end of file\\n"
	    "+c\\n\\\\ No newline at end of file\\n\"}"), 0,
	    "no newline at the end, kept");
	file_is("e.txt", "a\nc", "still no newline");
	is_int(call(&tool_patch, "{\"path\":\"e.txt\",\"patch\":"
	    "\"@@ -2 +2 @@\\n-c\\n\\\\ No newline at end of file\\n+c\\n\"}"),
	    0, "add the newline");
	file_is("e.txt", "a\nc\n", "now with a newline");

	is_int(call(&tool_patch, "{\"path\":\"e.txt\",\"patch\":\"hello\"}"),
	    -HM_EINVAL, "no hunk");
	ok(has("no hunk"), "says no hunk");
	is_int(call(&tool_patch, "{\"path\":\"e.txt\",\"patch\":"
	    "\"--- a/x\\n+++ b/x\\n@@ -1 +1 @@\\n-a\\n+b\\n"
	    "--- a/y\\n+++ b/y\\n@@ -1 +1 @@\\n-a\\n+b\\n\"}"), -HM_EINVAL,
	    "two files");
	ok(has("more than one file"), "says one file a patch");
	is_int(call(&tool_patch, "{\"path\":\"e.txt\",\"patch\":"
	    "\"@@ -1 +1 @@\\n?a\\n\"}"), -HM_EINVAL, "a bad body line");
	is_int(call(&tool_patch, "{\"path\":\"gone.txt\",\"patch\":"
	    "\"@@ -1 +1 @@\\n-a\\n+b\\n\"}"), -HM_ENOTFOUND,
	    "a missing file with context");
	is_int(call(&tool_patch, "{\"path\":\"../outside/secret\",\"patch\":"
	    "\"@@ -1 +1 @@\\n-a\\n+b\\n\"}"), -HM_EINVAL, "outside the roots");
}

/* A fake rg, B/fakebin/rg, running the shell code body. */
static void
fake_rg(const char *body)
{
	struct buf b = BUF_INIT;
	FILE *f;

	buf_addf(&b, "%s/fakebin", B);
	mkdir(b.s, 0755);
	buf_adds(&b, "/rg");
	if ((f = fopen(b.s, "w"))) {
		fprintf(f, "#!/bin/sh\n%s\n", body);
		fclose(f);
	}
	chmod(b.s, 0755);
	buf_release(&b);
}

/* Search with rg on PATH (1), with PATH empty (0), or the fake rg (2). */
static char *
search(const char *args, int rg)
{
	const char *path = getenv("PATH");
	char *keep = xstrdup(path ? path : "");
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s/fakebin", B);
	if (rg != 1)
		setenv("PATH", rg ? b.s : "", 1);
	buf_release(&b);
	call(&tool_search_files, args);
	setenv("PATH", keep, 1);
	free(keep);
	return xstrdup(buf_str(&out));
}

static int
have_rg(void)
{
	return access("/usr/bin/rg", X_OK) == 0 ||
	    access("/usr/local/bin/rg", X_OK) == 0 ||
	    access("/bin/rg", X_OK) == 0;
}

static void
test_search(void)
{
	static const char *const same[] = {
		"{\"pattern\":\"foo\",\"path\":\"s\"}",
		"{\"pattern\":\"^f[aeiou]+\",\"path\":\"s/\"}",
		"{\"pattern\":\"nomatch\",\"path\":\"s\"}",
		"{\"pattern\":\"hit\",\"path\":\"s\"}",
	};
	struct buf b = BUF_INIT;
	const char *keep;
	char *x, *y, *p;
	size_t i;
	int r;

	puts_file("s/src/a.c", "int main\nfoo bar\n");
	puts_file("s/src/b/c.h", "foo\n");
	puts_file("s/.git/config", "foo\n");
	puts_file("s/.hidden", "foo\n");
	puts_file("s/z.txt", "zfoo\n");
	put("s/bin.dat", "foo\0bar\n", 8, 0);
	for (i = 0; i < 140000; i++)
		buf_adds(&b, "foo bar\n");
	puts_file("s/big.txt", b.s);
	buf_reset(&b);
	for (i = 0; i < 150; i++)
		buf_adds(&b, "hit\n");
	puts_file("s/many/m.txt", b.s);
	buf_release(&b);
	p = at("s/esc");
	if (symlink("../../outside", p) < 0)
		printf("# cannot link\n");
	free(p);

	x = search("{\"pattern\":\"foo\",\"path\":\"s\"}", 0);
	is_str(x, "s/.hidden:1:foo\ns/src/a.c:2:foo bar\ns/src/b/c.h:1:foo\n"
	    "s/z.txt:1:zfoo", "content, built-in walk: no .git, no binary, "
	    "no big file, no link followed");
	free(x);
	x = search("{\"pattern\":\"hit\",\"path\":\"s\"}", 0);
	r = 0;
	for (p = x; (p = strstr(p, "s/many/m.txt:")); p++)
		r++;
	is_int(r, 100, "at most 100 matches");
	ok(strstr(x, "\n[stopped at 100 results: narrow the pattern or the "
	    "path]"), "with a note");
	free(x);
	x = search("{\"pattern\":\"foo\",\"path\":\"s/src/a.c\"}", 0);
	is_str(x, "s/src/a.c:2:foo bar", "one file");
	free(x);
	keep = env.cwd;
	env.cwd = p = at("s/src");
	x = search("{\"pattern\":\"foo\"}", 0);
	is_str(x, "a.c:2:foo bar\nb/c.h:1:foo", "from the cwd: no prefix");
	free(x);
	env.cwd = keep;
	free(p);

	x = search("{\"pattern\":\"*.[ch]\",\"target\":\"files\","
	    "\"path\":\"s\"}", 0);
	is_str(x, "s/src/a.c\ns/src/b/c.h", "files by glob");
	free(x);
	x = search("{\"pattern\":\"src/*.c\",\"target\":\"files\","
	    "\"path\":\"s\"}", 0);
	is_str(x, "s/src/a.c", "a glob with a slash matches the path");
	free(x);
	x = search("{\"pattern\":\"config\",\"target\":\"files\","
	    "\"path\":\"s\"}", 0);
	is_str(x, "no file names match 'config'", ".git is skipped");
	free(x);

	is_int(call(&tool_search_files, "{\"pattern\":\"(\"}"), -HM_EINVAL,
	    "a bad regex");
	ok(has("bad regex '('"), "says bad regex");
	is_int(call(&tool_search_files, "{\"pattern\":\"x\",\"target\":"
	    "\"dirs\"}"), -HM_EINVAL, "a bad target");
	is_int(call(&tool_search_files, "{\"pattern\":\"x\",\"path\":"
	    "\"../outside\"}"), -HM_EINVAL, "outside the roots");
	ok(has("outside the allowed roots"), "says outside");
	is_int(call(&tool_search_files, "{\"path\":\"s\"}"), -HM_EINVAL,
	    "no pattern");

	fake_rg("printf './x.c\\0007:from rg\\n'; exit 0");
	x = search("{\"pattern\":\"foo\",\"path\":\"s\"}", 2);
	is_str(x, "s/x.c:7:from rg", "rg on PATH is used, its output parsed");
	free(x);
	fake_rg("echo 'regex parse error' >&2; exit 2");
	x = search("{\"pattern\":\"zfo+\",\"path\":\"s\"}", 2);
	is_str(x, "s/z.txt:1:zfoo", "rg failing: the walk takes over");
	free(x);

	if (!have_rg()) {
		printf("ok %d # SKIP rg is not installed\n", ++tap_n);
		return;
	}
	for (i = 0; i < HM_ARRAY_SIZE(same); i++) {
		x = search(same[i], 0);
		y = search(same[i], 1);
		is_str(y, x, "rg and the walk agree on %s", same[i]);
		free(x);
		free(y);
	}
}

int
main(void)
{
	struct roots roots = ROOTS_INIT;
	struct buf b = BUF_INIT;
	char *cwd;

	if (!mkdtemp(base)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	B = realpath(base, NULL);
	buf_addf(&b, "%s/home", B);
	setenv("HERMES_HOME", b.s, 1);
	unsetenv("HERMES_TOOLS_ROOTS");
	buf_reset(&b);
	buf_addf(&b, "%s/work", B);
	mkdir(b.s, 0755);
	cwd = buf_detach(&b);
	puts_file("sub/.keep", "");
	puts_file("../outside/secret", "a\n");
	puts_file("../home/.env", "X=1\n");
	buf_addf(&b, "%s/work/esc", B);
	if (symlink("../outside", b.s) < 0)
		printf("# cannot link\n");
	buf_reset(&b);
	if (roots_init(&roots, NULL, cwd, &b) < 0) {
		printf("Bail out! %s\n", buf_str(&b));
		return 1;
	}
	env.cwd = cwd;
	env.roots = &roots;
	env.output_max = 50000;

	test_read();
	test_write();
	test_patch();
	test_diff();
	test_search();

	env.roots = NULL;
	is_int(call(&tool_read_file, "{\"path\":\"../outside/secret\"}"), 0,
	    "no roots: no limit");
	is_str(buf_str(&out), "    1\ta", "read outside");
	is_int(call(&tool_write_file, "{\"path\":\"link.sh\","
	    "\"content\":\"again\\n\"}"), 0, "no roots: write via a link");
	file_is("run.sh", "again\n", "the target changed");
	{
		struct stat st;
		char *q = at("link.sh");

		ok(lstat(q, &st) == 0 && S_ISLNK(st.st_mode),
		    "the link is kept");
		free(q);
	}

	roots_release(&roots);
	buf_release(&out);
	buf_release(&b);
	free(cwd);
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(B);
	return done_testing();
}
