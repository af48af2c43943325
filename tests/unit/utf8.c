/*
 * utf8.c: unit tests for libcommon/utf8.c.  utf8_valid accepts the
 * well-formed sequences of RFC 3629 and rejects overlongs, surrogates,
 * code points past U+10FFFF, truncated sequences, stray continuation
 * bytes and NUL, reporting the offset of the first bad byte; utf8_count
 * counts code points.  No files.
 */
#include "common.h"
#include "utf8.h"
#include "tap.h"

/* utf8_valid over exactly n bytes of s (which may hold NUL). */
#define VALID(s, n) utf8_valid((s), (n), NULL)

static void
expect_bad(const char *s, size_t n, size_t want, const char *what)
{
	size_t bad = (size_t)-1;
	int v = utf8_valid(s, n, &bad);

	is_int(v, 0, "invalid: %s", what);
	is_int(bad, want, "bad offset of %s", what);
}

static void
test_valid(void)
{
	size_t bad = 12345;

	ok(VALID("", 0), "empty input is valid");
	ok(VALID("hello, world", 12), "ASCII");
	ok(VALID("\x01\x7f", 2), "ASCII controls and DEL");
	ok(VALID("\xc3\xa9", 2), "2-byte U+00E9");
	ok(VALID("\xc2\x80", 2), "2-byte lowest U+0080");
	ok(VALID("\xdf\xbf", 2), "2-byte highest U+07FF");
	ok(VALID("\xe2\x82\xac", 3), "3-byte U+20AC");
	ok(VALID("\xe0\xa0\x80", 3), "3-byte lowest U+0800");
	ok(VALID("\xed\x9f\xbf", 3), "U+D7FF, just below the surrogates");
	ok(VALID("\xee\x80\x80", 3), "U+E000, just above the surrogates");
	ok(VALID("\xef\xbf\xbf", 3), "3-byte highest U+FFFF");
	ok(VALID("\xf0\x9f\x98\x80", 4), "4-byte U+1F600");
	ok(VALID("\xf0\x90\x80\x80", 4), "4-byte lowest U+10000");
	ok(VALID("\xf4\x8f\xbf\xbf", 4), "4-byte highest U+10FFFF");
	ok(VALID("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z", 11),
	    "mixed 1/2/3/4-byte sequence");
	ok(utf8_valid("abc", 3, &bad) == 1, "valid with a bad pointer");
	ok(utf8_valid("ab\xc3", 2, NULL) == 1,
	    "only n bytes are looked at");
}

static void
test_invalid(void)
{
	expect_bad("\xc0\x80", 2, 0, "overlong C0 80 (NUL)");
	expect_bad("\xc1\xbf", 2, 0, "overlong C1 BF");
	expect_bad("\xe0\x80\x80", 3, 0, "overlong E0 80 80");
	expect_bad("\xe0\x9f\xbf", 3, 0, "overlong E0 9F BF");
	expect_bad("\xf0\x80\x80\x80", 4, 0, "overlong F0 80 80 80");
	expect_bad("\xf0\x8f\xbf\xbf", 4, 0, "overlong F0 8F BF BF");
	expect_bad("\xed\xa0\x80", 3, 0, "surrogate ED A0 80 (U+D800)");
	expect_bad("\xed\xbf\xbf", 3, 0, "surrogate ED BF BF (U+DFFF)");
	expect_bad("\xf4\x90\x80\x80", 4, 0, "F4 90 80 80 (U+110000)");
	expect_bad("\xf5\x80\x80\x80", 4, 0, "lead byte F5");
	expect_bad("\xff", 1, 0, "byte FF");
	expect_bad("\xfe", 1, 0, "byte FE");
	expect_bad("\x80", 1, 0, "lone continuation byte");
	expect_bad("ab\xbf", 3, 2, "continuation byte after ASCII");

	/* Truncated at the end of the buffer. */
	expect_bad("\xc3", 1, 0, "truncated 2-byte at end");
	expect_bad("ab\xe2\x82", 4, 2, "truncated 3-byte at end");
	expect_bad("abc\xf0\x9f\x98", 6, 3, "truncated 4-byte at end");
	expect_bad("abc\xf0", 4, 3, "4-byte lead alone at end");
	expect_bad("\xe2\x82\xac\xe2", 4, 3, "truncated after a valid one");
	/* Truncated by the next character. */
	expect_bad("\xe2\x82" "a", 3, 0, "3-byte cut by ASCII");
	expect_bad("x\xc3\x28", 3, 1, "2-byte with a bad continuation");
	expect_bad("\xf0\x9f\x98\xc3\xa9", 5, 0,
	    "4-byte cut by a new lead byte");

	/* NUL. */
	expect_bad("\0", 1, 0, "a lone NUL");
	expect_bad("ab\0cd", 5, 2, "NUL inside ASCII");
	expect_bad("\xc3\xa9\0", 3, 2, "NUL after a 2-byte sequence");
	expect_bad("\xc3\0", 2, 0, "NUL as a continuation byte");

	/* The offset is that of the first bad byte, after valid ones. */
	expect_bad("h\xc3\xa9llo\xed\xa0\x80", 9, 6,
	    "offset counts bytes, not characters");
}

static void
test_count(void)
{
	is_int(utf8_count("", 0), 0, "count of nothing");
	is_int(utf8_count("abc", 3), 3, "count ASCII");
	is_int(utf8_count("\xc3\xa9", 2), 1, "count \"\xc3\xa9\" is 1");
	is_int(utf8_count("h\xc3\xa9llo", 6), 5, "count h\xc3\xa9llo is 5");
	is_int(utf8_count("\xe2\x82\xac", 3), 1, "count a 3-byte char");
	is_int(utf8_count("\xf0\x9f\x98\x80", 4), 1, "count a 4-byte char");
	is_int(utf8_count("\xc2\xa7\n\xc2\xa7", 5), 3, "count \"\xc2\xa7\\n"
	    "\xc2\xa7\" is 3");
	is_int(utf8_count("a\xc3\xa9z", 2), 2, "count only n bytes");
}

int
main(void)
{
	test_valid();
	test_invalid();
	test_count();
	return done_testing();
}
