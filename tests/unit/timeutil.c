/*
 * timeutil.c: unit tests for libcommon/timeutil.c.  ISO 8601 times with
 * and without zones (local time in Europe/Berlin and America/New_York,
 * set through TZ), their strictness and error text; the ISO and stamp
 * formats and their round trips; durations both ways; the wall-clock
 * helpers around daylight-saving changes.  No files.
 */
#include <time.h>

#include "common.h"
#include "timeutil.h"
#include "tap.h"

static void
set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static void
iso_ok(const char *s, long long want)
{
	struct buf err = BUF_INIT;
	time_t t = -1;

	is_int(tu_parse_iso(s, &t, &err), 0, "'%s' parses", s);
	is_int(t, want, "'%s' is %lld", s, want);
	buf_release(&err);
}

static void
iso_bad(const char *s)
{
	struct buf err = BUF_INIT, want = BUF_INIT;
	time_t t = 4242;

	buf_addf(&want, "'%s' is not an ISO 8601 time", s ? s : "(null)");
	is_int(tu_parse_iso(s, &t, &err), -HM_EINVAL, "'%s' is refused",
	    s ? s : "(null)");
	is_str(buf_str(&err), want.s, "and the message names it");
	is_int(t, 4242, "and the time is left alone");
	buf_release(&err);
	buf_release(&want);
}

static void
iso_fmt(long long t, const char *want)
{
	struct buf b = BUF_INIT, err = BUF_INIT;
	time_t back = 0;

	tu_format_iso((time_t)t, &b);
	is_str(b.s, want, "%lld in %s", t, getenv("TZ"));
	is_int(tu_parse_iso(b.s, &back, &err), 0, "'%s' parses back", b.s);
	is_int(back, t, "to the same instant");
	buf_release(&b);
	buf_release(&err);
}

static void
dur_ok(const char *s, long want)
{
	struct buf err = BUF_INIT;
	long v = -1;

	is_int(tu_parse_duration(s, &v, &err), 0, "duration '%s' parses", s);
	is_int(v, want, "'%s' is %ld s", s, want);
	buf_release(&err);
}

static void
dur_bad(const char *s, const char *why)
{
	struct buf err = BUF_INIT, quoted = BUF_INIT;
	long v = 4242;

	buf_addf(&quoted, "'%s'", s ? s : "(null)");
	is_int(tu_parse_duration(s, &v, &err), -HM_EINVAL,
	    "duration '%s' is refused", s ? s : "(null)");
	ok(strstr(buf_str(&err), quoted.s) && strstr(buf_str(&err), why),
	    "its message names it and says '%s'", why);
	if (!strstr(buf_str(&err), why))
		printf("#   got '%s'\n", buf_str(&err));
	is_int(v, 4242, "and the value is left alone");
	buf_release(&err);
	buf_release(&quoted);
}

static void
dur_fmt(long secs, const char *want)
{
	struct buf b = BUF_INIT;
	long back = 0;

	tu_format_duration(secs, &b);
	is_str(b.s, want, "%ld s is '%s'", secs, want);
	if (secs > 0) {
		is_int(tu_parse_duration(b.s, &back, NULL), 0,
		    "'%s' parses back", b.s);
		is_int(back, secs, "to %ld", secs);
	}
	buf_release(&b);
}

static void
test_iso_zones(void)
{
	set_tz("Europe/Berlin");
	iso_ok("2026-11-24T09:30:00Z", 1795512600);
	iso_ok("2026-11-24t09:30:00z", 1795512600);
	iso_ok("2026-11-24T09:30Z", 1795512600);
	iso_ok("2026-11-24T09:30:15Z", 1795512615);
	iso_ok("2026-11-24T09:30:15.999Z", 1795512615);
	iso_ok("2026-11-24T09:30:15,5Z", 1795512615);
	iso_ok("2026-11-24T10:30:00+01:00", 1795512600);
	iso_ok("2026-11-24T10:30+0100", 1795512600);
	iso_ok("2026-11-24T10:30+01", 1795512600);
	iso_ok("2026-11-24T04:30-05", 1795512600);
	iso_ok("2026-11-24T04:00:00-05:30", 1795512600);
	iso_ok("2026-11-24T09:30:00-00:00", 1795512600);
	iso_ok("2026-11-24 09:30:00Z", 1795512600);
	iso_ok("1970-01-01T00:00:00Z", 0);
	iso_ok("1969-12-31T23:59:59Z", -1);
	iso_ok("2028-02-29T00:00:00Z", 1835395200);
}

static void
test_iso_local(void)
{
	set_tz("Europe/Berlin");
	iso_ok("2026-11-24T09:30", 1795509000);
	iso_ok("2026-11-24T09:30:00", 1795509000);
	iso_ok("2026-11-24 09:30", 1795509000);
	iso_ok("2026-11-24", 1795474800);
	iso_ok("2026-07-01T12:00", 1782900000);
	/* spring forward: 02:30 does not exist, it is 03:30 CEST */
	iso_ok("2026-03-29T02:30", 1774747800);
	iso_ok("2026-03-29T03:30", 1774747800);
	/* fall back: 02:30 happens twice; the first (CEST) is meant */
	iso_ok("2026-10-25T02:30", 1792888200);
	iso_ok("2026-10-25T02:30+01:00", 1792891800);
	set_tz("America/New_York");
	iso_ok("2026-11-24T09:30", 1795530600);
	iso_ok("2026-11-24", 1795496400);
	set_tz("Europe/Berlin");
}

static void
test_iso_bad(void)
{
	static const char *const bad[] = {
		"", "2026-13-01", "2026-00-10", "2026-11-00", "2026-11-31",
		"2026-02-29", "1900-02-29", "2026-02-30", "2026-11-24T24:00",
		"2026-11-24T09:60", "2026-11-24T09:30:60", "2026-11-24T9:30",
		"2026-11-24T09", "2026-11-24T", "2026-11-24T09:30:15.",
		"2026-11-24T09:30Zjunk", "2026-11-24T09:30+25:00",
		"2026-11-24T09:30+01:60", "2026-11-24T09:30+1",
		"2026-11-24T09:30+01:0", "2026-11-24T09:30.5",
		"26-11-24", "2026/11/24", "20261124", " 2026-11-24",
		"2026-11-24 ", "2026-11-24  09:30", "2026-11-24Z",
		"tomorrow", "2026-1-24", "+2026-11-24", "2026-11-24T09:30:15Z ",
	};
	size_t i;

	for (i = 0; i < HM_ARRAY_SIZE(bad); i++)
		iso_bad(bad[i]);
	iso_bad(NULL);
	iso_ok("2000-02-29", 951778800);
}

static void
test_iso_format(void)
{
	struct buf b = BUF_INIT;

	set_tz("Europe/Berlin");
	iso_fmt(1795512600, "2026-11-24T10:30:00+01:00");
	iso_fmt(1782900000, "2026-07-01T12:00:00+02:00");
	iso_fmt(1774747800, "2026-03-29T03:30:00+02:00");
	iso_fmt(1792888200, "2026-10-25T02:30:00+02:00");
	iso_fmt(1792891800, "2026-10-25T02:30:00+01:00");
	set_tz("America/New_York");
	iso_fmt(1795512600, "2026-11-24T04:30:00-05:00");
	set_tz("Asia/Kolkata");
	iso_fmt(1795512600, "2026-11-24T15:00:00+05:30");
	set_tz("UTC");
	iso_fmt(0, "1970-01-01T00:00:00+00:00");
	set_tz("Europe/Berlin");

	tu_format_stamp(1795512600, &b);
	is_str(b.s, "20261124T093000Z", "the stamp is UTC, no separators");
	buf_reset(&b);
	tu_format_stamp(0, &b);
	is_str(b.s, "19700101T000000Z", "the stamp of 0");
	buf_reset(&b);
	buf_adds(&b, "x ");
	tu_format_iso(0, &b);
	is_str(b.s, "x 1970-01-01T01:00:00+01:00", "tu_format_iso appends");
	buf_release(&b);
}

static void
test_duration(void)
{
	dur_ok("30s", 30);
	dur_ok("30m", 1800);
	dur_ok("2h", 7200);
	dur_ok("1d", 86400);
	dur_ok("1w", 604800);
	dur_ok("1h30m", 5400);
	dur_ok("1h 30m", 5400);
	dur_ok("1d2h3m4s", 93784);
	dur_ok("30 minutes", 1800);
	dur_ok("1 minute", 60);
	dur_ok("5 min", 300);
	dur_ok("5 mins", 300);
	dur_ok("2 hours", 7200);
	dur_ok("1 hour", 3600);
	dur_ok("3 hrs", 10800);
	dur_ok("1 hr", 3600);
	dur_ok("1 day", 86400);
	dur_ok("3 days", 259200);
	dur_ok("1 week", 604800);
	dur_ok("2 weeks", 1209600);
	dur_ok("45 sec", 45);
	dur_ok("45 seconds", 45);
	dur_ok("1 second", 1);
	dur_ok("2H", 7200);
	dur_ok("2 Hours", 7200);
	dur_ok("  90m  ", 5400);
	dur_ok("1 hour and 30 minutes", 5400);
	dur_ok("1 hour, 30 minutes", 5400);
	dur_ok("90m", 5400);
	dur_ok("100w", 60480000);

	dur_bad("90", "needs a unit");
	dur_bad("1h30", "'30' needs a unit");
	dur_bad("", "is not a duration");
	dur_bad("   ", "is not a duration");
	dur_bad(NULL, "is not a duration");
	dur_bad("5 fortnights", "'fortnights' is not a unit");
	dur_bad("5x", "'x' is not a unit");
	dur_bad("1.5h", "whole numbers");
	dur_bad("0s", "more than 0");
	dur_bad("0h0m", "more than 0");
	dur_bad("-5m", "'-5m' is not a number");
	dur_bad("hour", "'hour' is not a number");
	dur_bad("and 5m", "'and' is not a number");
	dur_bad("5m!", "'!' is not a number");
	dur_bad("101 years", "'years' is not a unit");
	dur_bad("99999999999999999999999s", "longer than 100 years");
	dur_bad("5300w", "longer than 100 years");
	dur_bad("36500d 36500d", "longer than 100 years");
}

static void
test_duration_format(void)
{
	long v, back;
	int bad = 0;
	struct buf b = BUF_INIT;

	dur_fmt(45, "45s");
	dur_fmt(60, "1m");
	dur_fmt(5400, "1h30m");
	dur_fmt(7200, "2h");
	dur_fmt(86400, "1d");
	dur_fmt(604800, "7d");
	dur_fmt(93784, "1d2h3m4s");
	dur_fmt(3601, "1h1s");
	dur_fmt(0, "0s");
	dur_fmt(-90, "-1m30s");
	dur_fmt(LONG_MIN, "-106751991167300d15h30m8s");
	for (v = 1; v < 400000; v += 7) {
		buf_reset(&b);
		tu_format_duration(v, &b);
		if (tu_parse_duration(b.s, &back, NULL) < 0 || back != v)
			bad++;
	}
	is_int(bad, 0, "every format of 1 .. 400000 s parses back");
	buf_release(&b);
}

static void
test_wall(void)
{
	int64_t y, d, days, w;
	int m, dd, bad = 0;
	time_t t;

	is_int(tu_days_from_civil(1970, 1, 1), 0, "day 0 is 1970-01-01");
	is_int(tu_days_from_civil(2000, 3, 1), 11017, "2000-03-01");
	is_int(tu_days_from_civil(1969, 12, 31), -1, "1969-12-31 is -1");
	is_int(tu_weekday(0), 4, "1970-01-01 was a Thursday");
	is_int(tu_weekday(tu_days_from_civil(2026, 11, 24)), 2,
	    "2026-11-24 is a Tuesday");
	is_int(tu_weekday(-1), 3, "1969-12-31 was a Wednesday");
	for (days = -800000; days < 800000; days += 13) {
		tu_civil_from_days(days, &y, &m, &dd);
		if (tu_days_from_civil(y, m, dd) != days || m < 1 || m > 12 ||
		    dd < 1 || dd > tu_days_in_month(y, m))
			bad++;
	}
	is_int(bad, 0, "civil dates round trip over 4000 years");
	is_int(tu_days_in_month(2028, 2), 29, "2028 is a leap year");
	is_int(tu_days_in_month(2100, 2), 28, "2100 is not");
	is_int(tu_days_in_month(2000, 2), 29, "2000 is");
	is_int(tu_days_in_month(2026, 4), 30, "April has 30 days");
	is_int(tu_days_in_month(2026, 13), 0, "there is no month 13");

	set_tz("Europe/Berlin");
	d = tu_days_from_civil(2026, 3, 29) * 86400;
	is_int(tu_wall_to_time(d + 2 * 3600 + 1800, &t), 1,
	    "02:30 on 2026-03-29 is in the gap");
	is_int(t, 1774747800, "and is moved to 03:30 CEST");
	is_int(tu_wall_to_time(d + 3 * 3600 + 1800, &t), 0, "03:30 exists");
	is_int(t, 1774747800, "and is the same instant");
	d = tu_days_from_civil(2026, 10, 25) * 86400;
	is_int(tu_wall_to_time(d + 2 * 3600 + 1800, &t), 0,
	    "02:30 on 2026-10-25 exists");
	is_int(t, 1792888200, "its first occurrence is taken (CEST)");
	is_int(tu_time_to_wall(1792891800, &w), 0, "the second one has a "
	    "wall time");
	is_int(w, d + 2 * 3600 + 1800, "and it is 02:30 too");
	is_int(tu_wall_to_time(TU_TIME_LIMIT, &t), -1, "far future refused");
	is_int(tu_time_to_wall((time_t)TU_TIME_LIMIT * 2, &w), -1,
	    "far future refused");
}

int
main(void)
{
	test_iso_zones();
	test_iso_local();
	test_iso_bad();
	test_iso_format();
	test_duration();
	test_duration_format();
	test_wall();
	return done_testing();
}
