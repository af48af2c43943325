/*
 * memory.c: unit tests for libcommon/memory.c.  Parsing of "entry\n§\n
 * entry" files (spaces and CR around the separator, trailing newline),
 * add with its duplicate and cap checks, the character count, replace
 * and remove by unique substring (ambiguity, exact match, not found),
 * entry checks, caps on replace, the sweep of temp debris and the file
 * mode.
 * Files: HERMES_HOME is a mkdtemp directory; memories/MEMORY.md,
 * memories/USER.md and their locks live there.  Removed at the end.
 */
#include <sys/stat.h>
#include <fcntl.h>
#include <ftw.h>

#include "common.h"
#include "atomic.h"
#include "memory.h"
#include "path.h"
#include "tap.h"

#define SECT "\302\247"	/* the separator character */

static char home[] = "/tmp/hermes-unit-memory.XXXXXX";

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Replace m's file with len bytes of data, behind the library's back. */
static void
put(const struct memory *m, const char *data, size_t len)
{
	if (atomic_write(m->path, data, len, 0600, NULL) < 0)
		printf("# cannot write %s\n", m->path);
}

/* m's file as a string (caller frees); "" when it is missing. */
static char *
get(const struct memory *m)
{
	struct buf b = BUF_INIT;

	buf_read_file(&b, m->path);
	return buf_detach(&b);
}

static int
mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : (int)(st.st_mode & 07777);
}

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static int
has(const struct buf *b, const char *s)
{
	return strstr(buf_str(b), s) != NULL;
}

/* The entries joined with '|', for compact comparisons. */
static char *
joined(const struct memory *m)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < m->n; i++) {
		if (i)
			buf_addc(&b, '|');
		buf_adds(&b, m->entries[i]);
	}
	return buf_detach(&b);
}

static void
expect_entries(const struct memory *m, const char *want, const char *what)
{
	char *s = joined(m);

	is_str(s, want, "%s", what);
	free(s);
}

static void
parse_is(struct memory *m, const char *text, const char *want,
    const char *what)
{
	struct buf err = BUF_INIT;
	int rc = memory_parse(m, text, &err);

	is_int(rc, 0, "memory_parse: %s", what);
	expect_entries(m, want, what);
	buf_release(&err);
}

static void
test_parse(void)
{
	struct memory m;
	struct buf err = BUF_INIT, out = BUF_INIT;
	int rc;

	memory_init(&m, MEMORY_NOTES, 1000);
	ok(strstr(m.path, "/memories/MEMORY.md") != NULL,
	    "the path is memories/MEMORY.md");
	ok(strstr(m.lockpath, "/memories/.MEMORY.md.lock") != NULL,
	    "the lock is memories/.MEMORY.md.lock");
	is_str(m.name, "MEMORY.md", "name");

	parse_is(&m, "a\n" SECT "\nb", "a|b", "a \\n \xc2\xa7 \\n b");
	parse_is(&m, "a\n" SECT "\nb\n", "a|b", "trailing newline");
	parse_is(&m, "  a  \n  " SECT "  \r\n b \r\n", "a|b",
	    "spaces and CR around the separator and entries");
	parse_is(&m, "a\r\n" SECT "\r\nb\r\n", "a|b", "CRLF file");
	parse_is(&m, "a\n\t" SECT "\t\nb", "a|b", "tabs around the separator");
	parse_is(&m, "a\n" SECT "\n" SECT "\nb", "a|b",
	    "an empty entry between separators is dropped");
	parse_is(&m, SECT "\na\n" SECT "\n", "a",
	    "leading and trailing separators");
	parse_is(&m, "line1\nline2\n\n" SECT "\nx", "line1\nline2|x",
	    "multi-line entries");
	parse_is(&m, "a " SECT " b\n" SECT SECT "\nc", "a " SECT " b\n"
	    SECT SECT "\nc", "an inline \xc2\xa7 or \xc2\xa7\xc2\xa7 does not "
	    "separate");
	parse_is(&m, "", "", "an empty file has no entries");
	is_int(m.n, 0, "... n is 0");
	parse_is(&m, "\n \n\r\n", "", "white space only has no entries");
	parse_is(&m, "one", "one", "a single entry");

	rc = memory_parse(&m, "a\n" SECT "\n\xff", &err);
	is_int(rc, -HM_EINVAL, "memory_parse of invalid UTF-8");
	ok(has(&err, "UTF-8"), "err says UTF-8: %s", err.s);

	parse_is(&m, "\xc3\xa9\n" SECT "\nab", "\xc3\xa9|ab", "two entries");
	is_int(memory_used(&m), 6, "memory_used: \xc3\xa9 is 1, ab 2, "
	    "separator 3");
	memory_render(&m, &out);
	is_str(out.s, "\xc3\xa9\n" SECT "\nab\n", "memory_render joins with "
	    "\\n\xc2\xa7\\n and ends with a newline");
	parse_is(&m, "", "", "empty again");
	is_int(memory_used(&m), 0, "memory_used of nothing is 0");
	buf_reset(&out);
	memory_render(&m, &out);
	is_int(out.len, 0, "memory_render of nothing is empty");
	parse_is(&m, "\xf0\x9f\x98\x80" SECT, "\xf0\x9f\x98\x80" SECT,
	    "one entry");
	is_int(memory_used(&m), 2, "memory_used counts code points, not bytes");

	memory_release(&m);
	buf_release(&out);
	buf_release(&err);
}

static void
test_check_entry(void)
{
	struct buf err = BUF_INIT;

	is_int(memory_check_entry("fine", &err), 0, "a plain entry");
	is_int(memory_check_entry("a " SECT " b", &err), 0,
	    "an inline \xc2\xa7 is fine");
	is_int(memory_check_entry("", &err), -HM_EINVAL, "empty rejected");
	ok(has(&err, "empty"), "err says empty: %s", err.s);
	is_int(memory_check_entry(" \t\r\n ", &err), -HM_EINVAL,
	    "white space only rejected");
	is_int(memory_check_entry("a\n" SECT "\nb", &err), -HM_EINVAL,
	    "an entry with a \xc2\xa7 line rejected");
	ok(has(&err, SECT), "err names the separator: %s", err.s);
	is_int(memory_check_entry("a\n  " SECT " \r\nb", &err), -HM_EINVAL,
	    "an entry with a padded \xc2\xa7 line rejected");
	is_int(memory_check_entry(SECT, &err), -HM_EINVAL,
	    "an entry that is only \xc2\xa7 rejected");
	is_int(memory_check_entry("a\n" SECT, &err), -HM_EINVAL,
	    "an entry ending in a \xc2\xa7 line rejected");
	is_int(memory_check_entry("\xff", &err), -HM_EINVAL,
	    "invalid UTF-8 rejected");
	is_int(memory_check_entry("x\xed\xa0\x80", &err), -HM_EINVAL,
	    "a surrogate rejected");
	ok(has(&err, "byte 1"), "err gives the byte offset: %s", err.s);
	buf_release(&err);
}

static void
test_add(void)
{
	struct memory m, u, stale;
	struct buf err = BUF_INIT, p = BUF_INIT;
	char *s, *debris, *lock, *dir;
	int rc;

	memory_init(&m, MEMORY_NOTES, 1000);
	rc = memory_load(&m, &err);
	ok(rc == 0 && m.n == 0, "memory_load of a missing file: no entries");

	rc = memory_add(&m, "first fact", &err);
	is_int(rc, 0, "memory_add");
	s = get(&m);
	is_str(s, "first fact\n", "the file holds the entry");
	free(s);
	is_int(mode_of(m.path), 0600, "MEMORY.md is mode 0600");
	ok(m.lockfd < 0, "the lock is released after the add");

	rc = memory_add(&m, "  first fact \n", &err);
	is_int(rc, MEMORY_DUP, "adding the same text (trimmed) is MEMORY_DUP");
	is_int(m.n, 1, "... and nothing is added");

	rc = memory_add(&m, "  caf\xc3\xa9  \n", &err);
	is_int(rc, 0, "memory_add trims the entry");
	s = get(&m);
	is_str(s, "first fact\n" SECT "\ncaf\xc3\xa9\n", "the file");
	free(s);
	is_int(memory_used(&m), 10 + 3 + 4, "memory_used counts \xc3\xa9 as 1");

	rc = memory_add(&m, "", &err);
	is_int(rc, -HM_EINVAL, "memory_add of \"\"");
	rc = memory_add(&m, "x\n" SECT "\ny", &err);
	is_int(rc, -HM_EINVAL, "memory_add of an entry with a \xc2\xa7 line");
	rc = memory_add(&m, "bad \xc0\x80", &err);
	is_int(rc, -HM_EINVAL, "memory_add of invalid UTF-8");
	s = get(&m);
	is_str(s, "first fact\n" SECT "\ncaf\xc3\xa9\n",
	    "rejected entries change nothing");
	free(s);

	/* A writer with an old view still keeps the other's entries. */
	memory_init(&stale, MEMORY_NOTES, 1000);
	rc = memory_load(&stale, &err);
	rc = memory_add(&m, "from m", &err);
	rc = memory_add(&stale, "from stale", &err);
	is_int(rc, 0, "a second writer adds");
	expect_entries(&stale, "first fact|caf\xc3\xa9|from m|from stale",
	    "it reloaded under the lock: no entry lost");
	memory_release(&stale);

	/* Cap: the joined text may reach the limit but not pass it. */
	memory_init(&u, MEMORY_USER, 10);
	ok(strstr(u.path, "/memories/USER.md") != NULL, "USER.md path");
	rc = memory_add(&u, "abcd", &err);
	is_int(rc, 0, "add 4 of 10");
	rc = memory_add(&u, "xyz", &err);
	is_int(rc, 0, "add 3 + 3 for the separator: exactly 10 of 10");
	is_int(memory_used(&u), 10, "memory_used is 10");
	buf_reset(&err);
	rc = memory_add(&u, "q", &err);
	is_int(rc, -HM_EFULL, "one more character is -HM_EFULL");
	ok(has(&err, "consolidate"), "err says consolidate: %s", err.s);
	ok(has(&err, "USER.md"), "err names the file");
	expect_entries(&u, "abcd|xyz", "a full file is unchanged in memory");
	s = get(&u);
	is_str(s, "abcd\n" SECT "\nxyz\n", "... and on disk");
	free(s);
	rc = memory_add(&u, "xyz", &err);
	is_int(rc, MEMORY_DUP, "a duplicate of a full file is MEMORY_DUP");
	memory_release(&u);

	memory_init(&u, MEMORY_USER, 3);
	put(&u, "", 0);
	rc = memory_add(&u, "\xc3\xa9\xc3\xa9\xc3\xa9", &err);
	is_int(rc, 0, "three 2-byte characters fit a cap of 3");
	memory_release(&u);

	/* Debris of a killed writer goes; the lock and the file stay. */
	dir = hm_dirname(m.path);
	buf_addf(&p, "%s/.MEMORY.md.abcdef", dir);
	debris = buf_detach(&p);
	free(dir);
	lock = xstrdup(m.lockpath);
	close(open(debris, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	ok(exists(debris) && exists(lock) && exists(m.path),
	    "debris, lock and file exist");
	is_int(atomic_sweep(m.path), 1, "atomic_sweep removes one file");
	ok(!exists(debris), ".MEMORY.md.abcdef is gone");
	ok(exists(m.path), "MEMORY.md stays");
	ok(exists(lock), ".MEMORY.md.lock stays");
	close(open(debris, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	rc = memory_add(&m, "after debris", &err);
	is_int(rc, 0, "memory_add with debris present");
	ok(!exists(debris), "memory_add swept the debris under its lock");
	ok(exists(lock), "... and kept the lock");
	free(debris);
	free(lock);

	memory_release(&m);
	buf_release(&err);
}

static void
test_replace_remove(void)
{
	static const char text[] = "alpha one\n" SECT "\nbeta two\n" SECT
	    "\ncat\n" SECT "\ncat food\n" SECT "\nfoo bar\n" SECT
	    "\nfoo baz\n";
	struct memory m;
	struct buf err = BUF_INIT;
	char *s;
	int rc;

	memory_init(&m, MEMORY_NOTES, 1000);
	put(&m, text, strlen(text));

	rc = memory_replace(&m, "alpha", "gamma one", &err);
	is_int(rc, 0, "replace by a unique substring");
	expect_entries(&m, "gamma one|beta two|cat|cat food|foo bar|foo baz",
	    "the entry is replaced in place");

	buf_reset(&err);
	rc = memory_replace(&m, "foo", "x", &err);
	is_int(rc, -HM_EAMBIG, "an ambiguous substring is -HM_EAMBIG");
	ok(has(&err, "foo bar") && has(&err, "foo baz"),
	    "err names both entries: %s", err.s);
	rc = memory_remove(&m, "foo", &err);
	is_int(rc, -HM_EAMBIG, "remove of an ambiguous substring");

	rc = memory_remove(&m, "cat", &err);
	is_int(rc, 0, "remove 'cat' with 'cat food' present");
	expect_entries(&m, "gamma one|beta two|cat food|foo bar|foo baz",
	    "the exact entry wins over the longer one");
	rc = memory_remove(&m, "cat", &err);
	is_int(rc, 0, "now 'cat' names only 'cat food'");
	expect_entries(&m, "gamma one|beta two|foo bar|foo baz", "removed");

	buf_reset(&err);
	rc = memory_replace(&m, "nothing like it", "x", &err);
	is_int(rc, -HM_ENOTFOUND, "replace of a missing text");
	ok(has(&err, "nothing like it"), "err names the text: %s", err.s);
	rc = memory_remove(&m, "nothing like it", &err);
	is_int(rc, -HM_ENOTFOUND, "remove of a missing text");
	rc = memory_remove(&m, "", &err);
	is_int(rc, -HM_EINVAL, "remove of \"\" is -HM_EINVAL");
	rc = memory_replace(&m, "beta", "", &err);
	is_int(rc, -HM_EINVAL, "replace with \"\" is -HM_EINVAL");
	rc = memory_replace(&m, "beta", "a\n" SECT "\nb", &err);
	is_int(rc, -HM_EINVAL, "replace with a \xc2\xa7 line");
	rc = memory_replace(&m, "beta", "\xf4\x90\x80\x80", &err);
	is_int(rc, -HM_EINVAL, "replace with invalid UTF-8");
	expect_entries(&m, "gamma one|beta two|foo bar|foo baz",
	    "failed calls change nothing");

	rc = memory_replace(&m, "foo bar", "  foo qux\n", &err);
	is_int(rc, 0, "replace trims the new text");
	rc = memory_replace(&m, "gamma", "beta two", &err);
	is_int(rc, 0, "replace with the text of another entry");
	expect_entries(&m, "beta two|foo qux|foo baz", "... drops the old one");
	rc = memory_remove(&m, "foo baz", &err);
	is_int(rc, 0, "remove by the whole text");
	s = get(&m);
	is_str(s, "beta two\n" SECT "\nfoo qux\n", "the file on disk");
	free(s);
	is_int(mode_of(m.path), 0600, "still mode 0600");
	rc = memory_remove(&m, "beta", &err);
	rc = memory_remove(&m, "qux", &err);
	is_int(rc, 0, "remove the last entry");
	ok(m.n == 0, "no entries left");
	s = get(&m);
	is_str(s, "", "the file is empty");
	free(s);

	memory_release(&m);
	buf_release(&err);
}

static void
test_cap_replace(void)
{
	static const char over[] = "aaaaaaaaaa\n" SECT "\nbbbbbbbbbb\n";
	struct memory u;
	struct buf err = BUF_INIT;
	char *s;
	int rc;

	memory_init(&u, MEMORY_USER, 10);
	put(&u, "abcd\n" SECT "\nxyz\n", strlen("abcd\n" SECT "\nxyz\n"));
	buf_reset(&err);
	rc = memory_replace(&u, "xyz", "wxyz", &err);
	is_int(rc, -HM_EFULL, "a replace that passes the cap fails");
	ok(has(&err, "consolidate"), "err says consolidate: %s", err.s);
	s = get(&u);
	is_str(s, "abcd\n" SECT "\nxyz\n", "the file is unchanged");
	free(s);
	rc = memory_replace(&u, "xyz", "uvw", &err);
	is_int(rc, 0, "a same-size replace at the cap succeeds");

	/* A file over its cap (the cap was lowered) can shrink. */
	put(&u, over, strlen(over));
	rc = memory_load(&u, &err);
	is_int(memory_used(&u), 23, "an over-cap file loads: 23 of 10");
	rc = memory_replace(&u, "aaaa", "ccc", &err);
	is_int(rc, 0, "a replace that shrinks an over-cap file succeeds");
	expect_entries(&u, "ccc|bbbbbbbbbb", "... and is written");
	buf_reset(&err);
	rc = memory_replace(&u, "ccc", "cccc", &err);
	is_int(rc, -HM_EFULL, "a replace that grows an over-cap file fails");
	rc = memory_replace(&u, "ccc", "ddd", &err);
	is_int(rc, 0, "a same-size replace in an over-cap file succeeds");
	rc = memory_add(&u, "e", &err);
	is_int(rc, -HM_EFULL, "an add to an over-cap file fails");
	rc = memory_remove(&u, "bbbb", &err);
	is_int(rc, 0, "remove from an over-cap file");
	is_int(memory_used(&u), 3, "now 3 of 10");
	memory_release(&u);
	buf_release(&err);
}

static void
test_nul(void)
{
	static const char text[] = "a\n" SECT "\nb\0c\n" SECT "\nd\n";
	struct memory m;
	struct buf err = BUF_INIT, raw = BUF_INIT;
	int rc;

	memory_init(&m, MEMORY_NOTES, 1000);
	put(&m, text, sizeof(text) - 1);
	rc = memory_load(&m, &err);
	is_int(rc, -HM_EFAIL, "memory_load of a file holding NUL is "
	    "-HM_EFAIL, like any invalid stored file");
	rc = memory_add(&m, "new", &err);
	buf_read_file(&raw, m.path);
	ok(rc < 0 || memmem(raw.s, raw.len, "\nd\n", 3),
	    "memory_add to a file holding NUL fails or keeps what follows "
	    "the NUL (rc %d)", rc);
	buf_release(&raw);
	memory_release(&m);
	buf_release(&err);
}

int
main(void)
{
	struct buf err = BUF_INIT;

	if (!mkdtemp(home)) {
		perror("mkdtemp");
		return 1;
	}
	unsetenv("HERMES_PROFILE");
	setenv("HERMES_HOME", home, 1);
	is_int(hm_home_init(&err), 0, "hm_home_init");
	test_parse();
	test_check_entry();
	test_add();
	test_replace_remove();
	test_cap_replace();
	test_nul();
	nftw(home, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	buf_release(&err);
	return done_testing();
}
