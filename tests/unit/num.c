/*
 * num.c: unit tests for libcommon/num.c.  hm_parse_long accepts only a
 * whole decimal integer inside [min, max] and leaves *out alone on
 * failure: no empty strings, no white space, no trailing junk, no hex,
 * no overflow.  No files.
 */
#include "common.h"
#include "num.h"
#include "tap.h"

/* s with control characters escaped, so a TAP line stays one line. */
static const char *
shown(const char *s, char *out, size_t n)
{
	size_t i = 0;

	if (!s)
		return "(null)";
	for (; *s && i + 3 < n; s++) {
		if (*s == '\n' || *s == '\t') {
			out[i++] = '\\';
			out[i++] = *s == '\n' ? 'n' : 't';
		} else {
			out[i++] = *s;
		}
	}
	out[i] = '\0';
	return out;
}

static void
expect_ok(const char *s, long min, long max, long want)
{
	long out = -7777;
	int rc = hm_parse_long(s, min, max, &out);

	is_int(rc, 0, "'%s' in [%ld, %ld] parses", s, min, max);
	is_int(out, want, "'%s' gives %ld", s, want);
}

static void
expect_bad(const char *s, long min, long max)
{
	long out = -7777;
	int rc = hm_parse_long(s, min, max, &out);
	char b[64];

	is_int(rc, -HM_EINVAL, "'%s' in [%ld, %ld] is -HM_EINVAL",
	    shown(s, b, sizeof(b)), min, max);
	is_int(out, -7777, "'%s' leaves out alone", shown(s, b, sizeof(b)));
}

int
main(void)
{
	char s[64];

	expect_ok("0", LONG_MIN, LONG_MAX, 0);
	expect_ok("42", LONG_MIN, LONG_MAX, 42);
	expect_ok("-42", LONG_MIN, LONG_MAX, -42);
	expect_ok("-0", 0, 10, 0);
	expect_ok("007", 0, 10, 7);

	expect_bad(NULL, LONG_MIN, LONG_MAX);
	expect_bad("", LONG_MIN, LONG_MAX);
	expect_bad(" ", LONG_MIN, LONG_MAX);
	expect_bad(" 1", LONG_MIN, LONG_MAX);
	expect_bad("\t1", LONG_MIN, LONG_MAX);
	expect_bad("\n1", LONG_MIN, LONG_MAX);
	expect_bad("1 ", LONG_MIN, LONG_MAX);
	expect_bad("1\n", LONG_MIN, LONG_MAX);
	expect_bad("1x", LONG_MIN, LONG_MAX);
	expect_bad("12abc", LONG_MIN, LONG_MAX);
	expect_bad("x1", LONG_MIN, LONG_MAX);
	expect_bad("1.5", LONG_MIN, LONG_MAX);
	expect_bad("1e3", LONG_MIN, LONG_MAX);
	expect_bad("0x10", LONG_MIN, LONG_MAX);
	expect_bad("-", LONG_MIN, LONG_MAX);
	expect_bad("+", LONG_MIN, LONG_MAX);
	expect_bad("--1", LONG_MIN, LONG_MAX);
	expect_bad("- 1", LONG_MIN, LONG_MAX);

	/* The limits of long and one past them. */
	snprintf(s, sizeof(s), "%ld", LONG_MAX);
	expect_ok(s, LONG_MIN, LONG_MAX, LONG_MAX);
	snprintf(s, sizeof(s), "%ld", LONG_MIN);
	expect_ok(s, LONG_MIN, LONG_MAX, LONG_MIN);
	expect_bad("9223372036854775808", LONG_MIN, LONG_MAX);
	expect_bad("-9223372036854775809", LONG_MIN, LONG_MAX);
	expect_bad("99999999999999999999999999", LONG_MIN, LONG_MAX);
	expect_bad("-99999999999999999999999999", LONG_MIN, LONG_MAX);

	/* [min, max] bounds are inclusive. */
	expect_ok("5", 5, 10, 5);
	expect_ok("10", 5, 10, 10);
	expect_bad("4", 5, 10);
	expect_bad("11", 5, 10);
	expect_bad("-1", 0, 100);
	expect_ok("-5", -10, -5, -5);
	expect_bad("-4", -10, -5);
	expect_bad("-11", -10, -5);
	expect_ok("3", 3, 3, 3);
	expect_bad("2", 3, 3);
	expect_bad("1", 1, 0);
	return done_testing();
}
