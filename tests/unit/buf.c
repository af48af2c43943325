/*
 * buf.c: unit tests for libcommon/buf.c.  Growth keeps the string
 * NUL-terminated, buf_addf takes both the fits-at-once and the
 * grow-and-format-again paths, detach hands over ownership and resets,
 * rtrim and setlen, and buf_read_file reports a missing file as ENOENT.
 * Files: one temporary file from mkstemp, removed at the end.
 */
#include <fcntl.h>
#include <stdlib.h>

#include "common.h"
#include "tap.h"

static void
test_growth(void)
{
	struct buf b = BUF_INIT;
	size_t i;
	int good = 1;

	ok(b.s == NULL && b.len == 0 && b.cap == 0, "BUF_INIT is empty");
	is_str(buf_str(&b), "", "buf_str of an empty buf is \"\"");
	for (i = 0; i < 10000; i++) {
		buf_addc(&b, 'a' + (int)(i % 26));
		if (b.len != i + 1 || b.cap < b.len + 1 || b.s[b.len] != '\0')
			good = 0;
	}
	ok(good, "buf_addc: len grows by one, cap > len, NUL kept");
	for (i = 0; i < 10000; i++)
		if (b.s[i] != 'a' + (int)(i % 26))
			good = 0;
	ok(good, "10000 buf_addc: content intact across reallocations");
	is_int(strlen(b.s), 10000, "strlen equals len");
	buf_release(&b);
	ok(b.s == NULL && b.len == 0 && b.cap == 0, "buf_release resets");

	buf_add(&b, "ab\0cd", 5);
	is_int(b.len, 5, "buf_add keeps embedded NUL bytes");
	ok(!memcmp(b.s, "ab\0cd", 6), "buf_add copies bytes and terminates");
	buf_add(&b, NULL, 0);
	is_int(b.len, 5, "buf_add of 0 bytes changes nothing");
	buf_adds(&b, "ef");
	ok(b.len == 7 && !memcmp(b.s, "ab\0cdef", 8), "buf_adds appends");
	buf_reset(&b);
	ok(b.len == 0 && b.s && b.s[0] == '\0', "buf_reset empties");
	buf_release(&b);

	buf_grow(&b, 1000);
	ok(b.cap >= 1001 && b.len == 0, "buf_grow reserves len + extra + 1");
	buf_release(&b);
}

static void
test_addf(void)
{
	struct buf b = BUF_INIT, want = BUF_INIT;
	char *big = xmalloc(5001);
	size_t n;
	int good = 1;

	memset(big, 'x', 5000);
	big[5000] = '\0';
	buf_addf(&b, "%s-%d", big, 42);
	is_int(b.len, 5003, "buf_addf of a 5000-char string on an empty buf");
	ok(b.len == 5003 && !strncmp(b.s, big, 5000) &&
	    !strcmp(b.s + 5000, "-42"), "long buf_addf: content");
	buf_addf(&b, "[%s]", big);
	is_int(b.len, 10005, "long buf_addf onto a non-empty buf");
	ok(b.len == 10005 && b.s[5003] == '[' && b.s[10004] == ']' &&
	    b.s[10005] == '\0', "long buf_addf appends and terminates");
	buf_release(&b);

	/* Every length around the initial and doubled capacities. */
	for (n = 0; n < 600 && good; n++) {
		buf_reset(&b);
		buf_reset(&want);
		buf_adds(&b, "pre:");
		buf_addf(&b, "%.*s|%zu", (int)n, big, n);
		buf_adds(&want, "pre:");
		buf_add(&want, big, n);
		buf_addc(&want, '|');
		buf_addf(&want, "%zu", n);
		if (b.len != want.len || strcmp(b.s, want.s) ||
		    strlen(b.s) != b.len)
			good = 0;
	}
	ok(good, "buf_addf matches byte-wise appends for lengths 0..599");
	buf_reset(&b);
	buf_addf(&b, "%s", "");
	ok(b.len == 0 && b.s && b.s[0] == '\0', "buf_addf of \"\"");
	buf_release(&b);
	buf_release(&want);
	free(big);
}

static void
test_detach(void)
{
	struct buf b = BUF_INIT;
	char *s;

	s = buf_detach(&b);
	ok(s != NULL, "buf_detach of an empty buf returns a string");
	is_str(s, "", "... which is \"\"");
	free(s);

	buf_adds(&b, "hello");
	s = buf_detach(&b);
	is_str(s, "hello", "buf_detach returns the contents");
	ok(b.s == NULL && b.len == 0 && b.cap == 0, "buf_detach resets");
	buf_adds(&b, "again");
	is_str(b.s, "again", "the buf is usable after detach");
	free(s);
	buf_release(&b);
}

static void
test_rtrim(void)
{
	struct buf b = BUF_INIT;

	buf_rtrim(&b);
	ok(b.s == NULL && b.len == 0, "buf_rtrim of an empty buf");
	buf_adds(&b, "  abc \t\r\n \n");
	buf_rtrim(&b);
	is_str(b.s, "  abc", "buf_rtrim strips trailing white space only");
	is_int(b.len, 5, "buf_rtrim updates len");
	buf_reset(&b);
	buf_adds(&b, " \t\r\n");
	buf_rtrim(&b);
	ok(b.len == 0 && b.s[0] == '\0', "buf_rtrim of all white space");
	buf_reset(&b);
	buf_adds(&b, "x\fy\v");
	buf_rtrim(&b);
	is_int(b.len, 4, "buf_rtrim leaves other bytes (\\v) alone");
	buf_reset(&b);
	buf_add(&b, "ab\0", 3);
	buf_rtrim(&b);
	is_int(b.len, 3, "buf_rtrim does not strip a trailing NUL byte");
	buf_release(&b);
}

static void
test_setlen(void)
{
	struct buf b = BUF_INIT;

	buf_setlen(&b, 0);
	ok(b.s == NULL && b.len == 0, "buf_setlen(0) on an empty buf");
	buf_setlen(&b, 10);
	ok(b.s == NULL && b.len == 0, "buf_setlen cannot grow an empty buf");
	buf_adds(&b, "abcdef");
	buf_setlen(&b, 3);
	ok(b.len == 3 && !strcmp(b.s, "abc"), "buf_setlen shortens");
	buf_setlen(&b, 100);
	ok(b.len == 3 && !strcmp(b.s, "abc"), "buf_setlen past len clamps");
	buf_setlen(&b, 0);
	ok(b.len == 0 && !strcmp(b.s, ""), "buf_setlen(0)");
	buf_release(&b);
}

static void
test_read(void)
{
	struct buf b = BUF_INIT;
	char path[] = "/tmp/hermes-unit-buf.XXXXXX";
	char *big = xmalloc(20000);
	size_t i;
	int fd, rc;

	errno = 0;
	rc = buf_read_file(&b, "/nonexistent-hermes-dir/missing");
	is_int(rc, -1, "buf_read_file of a missing file fails");
	is_int(errno, ENOENT, "... with errno ENOENT");
	ok(b.len == 0, "... and adds nothing");

	for (i = 0; i < 20000; i++)
		big[i] = (char)('0' + i % 10);
	fd = mkstemp(path);
	ok(fd >= 0, "mkstemp");
	if (fd < 0) {
		free(big);
		return;
	}
	ok(write(fd, big, 20000) == 20000, "write 20000 bytes");
	close(fd);
	buf_adds(&b, "head");
	rc = buf_read_file(&b, path);
	is_int(rc, 0, "buf_read_file of an existing file");
	is_int(b.len, 20004, "buf_read_file appends the whole file");
	ok(b.len == 20004 && !memcmp(b.s, "head", 4) &&
	    !memcmp(b.s + 4, big, 20000) && b.s[b.len] == '\0',
	    "buf_read_file content, NUL-terminated");
	buf_release(&b);

	fd = open(path, O_RDONLY | O_CLOEXEC);
	rc = buf_read_fd(&b, fd);
	close(fd);
	ok(rc == 0 && b.len == 20000, "buf_read_fd reads to EOF");
	buf_release(&b);
	unlink(path);

	errno = 0;
	rc = buf_read_fd(&b, -1);
	ok(rc == -1 && errno == EBADF, "buf_read_fd on a bad fd: -1, EBADF");
	ok(b.len == 0 && b.s && b.s[0] == '\0', "... buf stays empty");
	buf_release(&b);
	free(big);
}

static void
test_neutralise(void)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "keep\tthis: ");
	buf_adds(&b, "red \033[31mtext\r\nnext\x7f line \xc3\xa9");
	buf_neutralise(&b, 11);
	is_str(b.s, "keep\tthis: red ?[31mtext??next? line \xc3\xa9",
	    "control characters from byte 11 on are '?', UTF-8 kept");
	buf_neutralise(NULL, 0);
	is_int((int)b.len, 39, "NULL is harmless; the length is unchanged");
	buf_release(&b);
}

int
main(void)
{
	test_growth();
	test_addf();
	test_detach();
	test_rtrim();
	test_setlen();
	test_read();
	test_neutralise();
	return done_testing();
}
