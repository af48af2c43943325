/*
 * schedule.c: unit tests for libcommon/schedule.c.  Every form of
 * schedule: its kind, its canonical text (which must parse back to the
 * same schedule) and its next runs from a fixed `now`, printed in local
 * time; cron names, ranges, steps and lists; the Vixie day rule; month
 * ends and leap days; impossible expressions; intervals and anchors;
 * one-shots; errors naming the bad word; daylight saving in
 * Europe/Berlin and America/New_York (set through TZ); the period; and
 * a small fuzz.  No files.
 */
#include <stdarg.h>
#include <time.h>

#include "common.h"
#include "schedule.h"
#include "timeutil.h"
#include "tap.h"

static void
set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static time_t
at(const char *iso)
{
	struct buf err = BUF_INIT;
	time_t t = 0;

	if (tu_parse_iso(iso, &t, &err) < 0)
		printf("# bad time in the test: %s\n", err.s);
	buf_release(&err);
	return t;
}

static const char *
iso(time_t t, struct buf *b)
{
	buf_reset(b);
	tu_format_iso(t, b);
	return b->s;
}

/*
 * text parsed at now is of kind and has canonical text canon, which
 * parses back (at another now) to the same schedule; then its runs, each
 * after the one before (anchor now), are the ISO times given, then NULL;
 * "none" says there is no next run.
 */
static void
check(const char *text, const char *now, enum sched_kind kind,
    const char *canon, ...)
{
	struct schedule s, s2;
	struct buf c = BUF_INIT, c2 = BUF_INIT, err = BUF_INIT, b = BUF_INIT;
	time_t t0 = at(now), t = t0, n;
	const char *want;
	va_list ap;
	int rc;

	memset(&s, 0, sizeof(s));
	rc = schedule_parse(text, t0, &s, &c, &err);
	is_int(rc, 0, "'%s' parses", text);
	if (rc < 0) {
		printf("#   %s\n", err.s);
		goto out;
	}
	is_int(s.kind, kind, "'%s' has kind %d", text, kind);
	is_str(c.s, canon, "'%s' is '%s'", text, canon);
	memset(&s2, 0x55, sizeof(s2));
	rc = schedule_parse(c.s, t0 + 86400 * 3 + 17, &s2, &c2, &err);
	ok(rc == 0 && !memcmp(&s, &s2, sizeof(s)) && !strcmp(c.s, c2.s),
	    "'%s' parses back to the same schedule", c.s);
	va_start(ap, canon);
	while ((want = va_arg(ap, const char *))) {
		if (!strcmp(want, "none")) {
			is_int(schedule_next(&s, t, t0, &n), -1,
			    "'%s' has no run after %s", text, iso(t, &b));
			continue;
		}
		rc = schedule_next(&s, t, t0, &n);
		if (rc < 0) {
			ok(0, "'%s' runs at %s", text, want);
			printf("#   got none\n");
			continue;
		}
		is_str(iso(n, &b), want, "'%s' runs at %s", text, want);
		ok(n > t, "strictly after the last");
		t = n;
	}
	va_end(ap);
out:
	buf_release(&c);
	buf_release(&c2);
	buf_release(&err);
	buf_release(&b);
}

/* text is refused with a one-line message containing want. */
static void
bad(const char *text, const char *want)
{
	struct schedule s, s0;
	struct buf c = BUF_INIT, err = BUF_INIT;

	memset(&s, 0x5a, sizeof(s));
	memcpy(&s0, &s, sizeof(s));
	buf_adds(&c, "untouched");
	is_int(schedule_parse(text, 1795509000, &s, &c, &err), -HM_EINVAL,
	    "'%s' is refused", text ? text : "(null)");
	ok(strstr(buf_str(&err), want) && !strchr(buf_str(&err), '\n'),
	    "with one line saying \"%s\"", want);
	if (!strstr(buf_str(&err), want))
		printf("#   got '%s'\n", buf_str(&err));
	ok(!memcmp(&s, &s0, sizeof(s)) && !strcmp(c.s, "untouched"),
	    "and the schedule and canon are untouched");
	buf_release(&c);
	buf_release(&err);
}

/* The exact error message of text. */
static void
bad_exact(const char *text, const char *want)
{
	struct schedule s;
	struct buf err = BUF_INIT;

	is_int(schedule_parse(text, 1795509000, &s, NULL, &err), -HM_EINVAL,
	    "'%s' is refused", text);
	is_str(buf_str(&err), want, "with the message");
	buf_release(&err);
}

static void
period(const char *text, long want)
{
	struct schedule s;
	struct buf err = BUF_INIT;

	if (schedule_parse(text, 1795509000, &s, NULL, &err) < 0) {
		ok(0, "'%s' parses: %s", text, err.s);
	} else {
		is_int(schedule_period(&s), want, "the period of '%s' is %ld",
		    text, want);
	}
	buf_release(&err);
}

#define NOW	"2026-11-24T08:00:00+01:00"	/* a Tuesday */

static void
test_words(void)
{
	check("every day at 9am", NOW, SCHED_CRON, "0 9 * * *",
	    "2026-11-24T09:00:00+01:00", "2026-11-25T09:00:00+01:00",
	    "2026-11-26T09:00:00+01:00", NULL);
	check("every day at 21:15", NOW, SCHED_CRON, "15 21 * * *",
	    "2026-11-24T21:15:00+01:00", "2026-11-25T21:15:00+01:00", NULL);
	check("daily at 9", NOW, SCHED_CRON, "0 9 * * *",
	    "2026-11-24T09:00:00+01:00", NULL);
	check("every monday 9:30", NOW, SCHED_CRON, "30 9 * * 1",
	    "2026-11-30T09:30:00+01:00", "2026-12-07T09:30:00+01:00", NULL);
	check("every monday at 9:30am", NOW, SCHED_CRON, "30 9 * * 1",
	    "2026-11-30T09:30:00+01:00", NULL);
	check("  EVERY   Monday   AT  9:30PM ", NOW, SCHED_CRON,
	    "30 21 * * 1", "2026-11-30T21:30:00+01:00", NULL);
	check("every mon,wed,fri at 18:00", NOW, SCHED_CRON, "0 18 * * 1,3,5",
	    "2026-11-25T18:00:00+01:00", "2026-11-27T18:00:00+01:00",
	    "2026-11-30T18:00:00+01:00", NULL);
	check("every mon, wed and fri at 6pm", NOW, SCHED_CRON,
	    "0 18 * * 1,3,5", "2026-11-25T18:00:00+01:00", NULL);
	check("every tuesdays and thursdays at noon", NOW, SCHED_CRON,
	    "0 12 * * 2,4", "2026-11-24T12:00:00+01:00",
	    "2026-11-26T12:00:00+01:00", NULL);
	check("every fri-mon at 7", NOW, SCHED_CRON, "0 7 * * 0,1,5,6",
	    "2026-11-27T07:00:00+01:00", "2026-11-28T07:00:00+01:00",
	    "2026-11-29T07:00:00+01:00", "2026-11-30T07:00:00+01:00",
	    "2026-12-04T07:00:00+01:00", NULL);
	check("weekdays at 8:30", NOW, SCHED_CRON, "30 8 * * 1-5",
	    "2026-11-24T08:30:00+01:00", "2026-11-25T08:30:00+01:00",
	    "2026-11-26T08:30:00+01:00", "2026-11-27T08:30:00+01:00",
	    "2026-11-30T08:30:00+01:00", NULL);
	check("every weekday at 8:30", NOW, SCHED_CRON, "30 8 * * 1-5",
	    "2026-11-24T08:30:00+01:00", NULL);
	check("weekends at 10am", NOW, SCHED_CRON, "0 10 * * 0,6",
	    "2026-11-28T10:00:00+01:00", "2026-11-29T10:00:00+01:00",
	    "2026-12-05T10:00:00+01:00", NULL);
	check("every weekend at 10", NOW, SCHED_CRON, "0 10 * * 0,6", NULL);
	check("every monday", NOW, SCHED_CRON, "0 0 * * 1",
	    "2026-11-30T00:00:00+01:00", NULL);
	check("weekdays", NOW, SCHED_CRON, "0 0 * * 1-5",
	    "2026-11-25T00:00:00+01:00", NULL);
	check("every day at 12am", NOW, SCHED_CRON, "0 0 * * *",
	    "2026-11-25T00:00:00+01:00", NULL);
	check("every day at 12pm", NOW, SCHED_CRON, "0 12 * * *", NULL);
	check("every day at 12:45 am", NOW, SCHED_CRON, "45 0 * * *", NULL);
	check("every day at noon", NOW, SCHED_CRON, "0 12 * * *", NULL);
	check("every day at midnight", NOW, SCHED_CRON, "0 0 * * *", NULL);
	check("every day at 9 pm", NOW, SCHED_CRON, "0 21 * * *", NULL);
	check("every day at 09:05", NOW, SCHED_CRON, "5 9 * * *", NULL);
	check("every day 7", NOW, SCHED_CRON, "0 7 * * *", NULL);
	check("hourly", NOW, SCHED_CRON, "0 * * * *",
	    "2026-11-24T09:00:00+01:00", "2026-11-24T10:00:00+01:00", NULL);
	check("daily", NOW, SCHED_CRON, "0 0 * * *",
	    "2026-11-25T00:00:00+01:00", NULL);
	check("Weekly", NOW, SCHED_CRON, "0 0 * * 0",
	    "2026-11-29T00:00:00+01:00", NULL);
	check("monthly", NOW, SCHED_CRON, "0 0 1 * *",
	    "2026-12-01T00:00:00+01:00", "2027-01-01T00:00:00+01:00", NULL);
	check("yearly", NOW, SCHED_CRON, "0 0 1 1 *",
	    "2027-01-01T00:00:00+01:00", "2028-01-01T00:00:00+01:00", NULL);
	check("every month", NOW, SCHED_CRON, "0 0 1 * *", NULL);
	check("every year", NOW, SCHED_CRON, "0 0 1 1 *", NULL);
}

static void
test_shortcuts(void)
{
	check("@hourly", NOW, SCHED_CRON, "0 * * * *",
	    "2026-11-24T09:00:00+01:00", NULL);
	check("@daily", NOW, SCHED_CRON, "0 0 * * *", NULL);
	check("@midnight", NOW, SCHED_CRON, "0 0 * * *", NULL);
	check("@weekly", NOW, SCHED_CRON, "0 0 * * 0",
	    "2026-11-29T00:00:00+01:00", NULL);
	check("@monthly", NOW, SCHED_CRON, "0 0 1 * *", NULL);
	check("@YEARLY", NOW, SCHED_CRON, "0 0 1 1 *", NULL);
	check("@annually", NOW, SCHED_CRON, "0 0 1 1 *",
	    "2027-01-01T00:00:00+01:00", NULL);
}

static void
test_intervals_and_once(void)
{
	check("every 30m", NOW, SCHED_INTERVAL, "every 30m",
	    "2026-11-24T08:30:00+01:00", "2026-11-24T09:00:00+01:00", NULL);
	check("every 30 minutes", NOW, SCHED_INTERVAL, "every 30m", NULL);
	check("every 2 hours", NOW, SCHED_INTERVAL, "every 2h",
	    "2026-11-24T10:00:00+01:00", NULL);
	check("every 90 minutes", NOW, SCHED_INTERVAL, "every 1h30m",
	    "2026-11-24T09:30:00+01:00", "2026-11-24T11:00:00+01:00", NULL);
	check("every 1h30m", NOW, SCHED_INTERVAL, "every 1h30m", NULL);
	check("every 1 hour and 15 minutes", NOW, SCHED_INTERVAL,
	    "every 1h15m", NULL);
	check("every 3 days", NOW, SCHED_INTERVAL, "every 3d", NULL);
	check("every 1w", NOW, SCHED_INTERVAL, "every 7d", NULL);
	check("every 45s", NOW, SCHED_INTERVAL, "every 45s", NULL);
	check("every hour", NOW, SCHED_INTERVAL, "every 1h",
	    "2026-11-24T09:00:00+01:00", NULL);
	check("every minute", NOW, SCHED_INTERVAL, "every 1m", NULL);
	check("every day", NOW, SCHED_INTERVAL, "every 1d",
	    "2026-11-25T08:00:00+01:00", NULL);
	check("every week", NOW, SCHED_INTERVAL, "every 7d",
	    "2026-12-01T08:00:00+01:00", NULL);

	check("in 2h", NOW, SCHED_ONCE, "2026-11-24T10:00:00+01:00",
	    "2026-11-24T10:00:00+01:00", "none", NULL);
	check("in 30 minutes", NOW, SCHED_ONCE, "2026-11-24T08:30:00+01:00",
	    NULL);
	check("in 1 day", "2026-03-28T12:00:00+01:00", SCHED_ONCE,
	    "2026-03-29T13:00:00+02:00", NULL);
	check("2026-12-01T09:00:00Z", NOW, SCHED_ONCE,
	    "2026-12-01T10:00:00+01:00", "2026-12-01T10:00:00+01:00",
	    "none", NULL);
	check("2026-12-01 09:00", NOW, SCHED_ONCE,
	    "2026-12-01T09:00:00+01:00", NULL);
	check("2026-12-01", NOW, SCHED_ONCE, "2026-12-01T00:00:00+01:00",
	    NULL);
	check("2026-12-01T09:00:00.5+01:00", NOW, SCHED_ONCE,
	    "2026-12-01T09:00:00+01:00", NULL);
	/* in the past: parses; the caller decides */
	check("2026-01-01T00:00", NOW, SCHED_ONCE,
	    "2026-01-01T00:00:00+01:00", "none", NULL);
}

static void
test_cron(void)
{
	check("30 9 * * 1", NOW, SCHED_CRON, "30 9 * * 1",
	    "2026-11-30T09:30:00+01:00", "2026-12-07T09:30:00+01:00", NULL);
	check("0 9 * * MON-FRI", NOW, SCHED_CRON, "0 9 * * 1-5",
	    "2026-11-24T09:00:00+01:00", NULL);
	check("0 9 * * monday-friday", NOW, SCHED_CRON, "0 9 * * 1-5", NULL);
	check("0 0 1 jan,Jul *", NOW, SCHED_CRON, "0 0 1 1,7 *",
	    "2027-01-01T00:00:00+01:00", "2027-07-01T00:00:00+02:00", NULL);
	check("0 12 * feb-apr mon", NOW, SCHED_CRON, "0 12 * 2-4 1",
	    "2027-02-01T12:00:00+01:00", NULL);
	check("*/15 * * * *", NOW, SCHED_CRON, "*/15 * * * *",
	    "2026-11-24T08:15:00+01:00", "2026-11-24T08:30:00+01:00",
	    "2026-11-24T08:45:00+01:00", "2026-11-24T09:00:00+01:00", NULL);
	check("0-30/10 * * * *", NOW, SCHED_CRON, "0,10,20,30 * * * *",
	    "2026-11-24T08:10:00+01:00", NULL);
	check("5/20 * * * *", NOW, SCHED_CRON, "5,25,45 * * * *",
	    "2026-11-24T08:05:00+01:00", NULL);
	check("0 */6 * * *", NOW, SCHED_CRON, "0 */6 * * *",
	    "2026-11-24T12:00:00+01:00", "2026-11-24T18:00:00+01:00",
	    "2026-11-25T00:00:00+01:00", NULL);
	check("23 0-20/2 * * *", NOW, SCHED_CRON, "23 0-20/2 * * *",
	    "2026-11-24T08:23:00+01:00", "2026-11-24T10:23:00+01:00", NULL);
	check("0 0 * * sat-sun", NOW, SCHED_CRON, "0 0 * * 0,6",
	    "2026-11-28T00:00:00+01:00", "2026-11-29T00:00:00+01:00", NULL);
	check("0 0 * * 7", NOW, SCHED_CRON, "0 0 * * 0",
	    "2026-11-29T00:00:00+01:00", NULL);
	check("0 0 * * 1-7", NOW, SCHED_CRON, "0 0 * * 0-6", NULL);
	check("0,30 9-17 1,15 * *", NOW, SCHED_CRON, "0,30 9-17 1,15 * *",
	    "2026-12-01T09:00:00+01:00", "2026-12-01T09:30:00+01:00",
	    NULL);
	check("59 23 31 12 *", NOW, SCHED_CRON, "59 23 31 12 *",
	    "2026-12-31T23:59:00+01:00", "2027-12-31T23:59:00+01:00", NULL);
	check("* * * * *", NOW, SCHED_CRON, "* * * * *",
	    "2026-11-24T08:01:00+01:00", "2026-11-24T08:02:00+01:00", NULL);
	check("0 0 */2 * *", NOW, SCHED_CRON, "0 0 */2 * *",
	    "2026-11-25T00:00:00+01:00", "2026-11-27T00:00:00+01:00", NULL);
	check("0 0 * * */7", NOW, SCHED_CRON, "0 0 * * */7",
	    "2026-11-29T00:00:00+01:00", NULL);
}

static void
test_day_rule(void)
{
	/* both restricted: the 13th OR a Friday */
	check("0 0 13 * 5", NOW, SCHED_CRON, "0 0 13 * 5",
	    "2026-11-27T00:00:00+01:00", "2026-12-04T00:00:00+01:00",
	    "2026-12-11T00:00:00+01:00", "2026-12-13T00:00:00+01:00",
	    "2026-12-18T00:00:00+01:00", NULL);
	check("0 0 13 * *", NOW, SCHED_CRON, "0 0 13 * *",
	    "2026-12-13T00:00:00+01:00", NULL);
	check("0 0 * * 5", NOW, SCHED_CRON, "0 0 * * 5",
	    "2026-11-27T00:00:00+01:00", NULL);
	/* a day field with a star and a step counts as '*': both must */
	check("0 0 */2 * 1", NOW, SCHED_CRON, "0 0 */2 * 1",
	    "2026-12-07T00:00:00+01:00", "2026-12-21T00:00:00+01:00", NULL);
	/* 1-31 is not '*': a Monday or any day, so every day */
	check("0 0 1-31 * 1", NOW, SCHED_CRON, "0 0 1-31 * 1",
	    "2026-11-25T00:00:00+01:00", "2026-11-26T00:00:00+01:00", NULL);
}

static void
test_month_ends(void)
{
	check("0 0 31 * *", NOW, SCHED_CRON, "0 0 31 * *",
	    "2026-12-31T00:00:00+01:00", "2027-01-31T00:00:00+01:00",
	    "2027-03-31T00:00:00+02:00", "2027-05-31T00:00:00+02:00", NULL);
	check("0 0 29 2 *", NOW, SCHED_CRON, "0 0 29 2 *",
	    "2028-02-29T00:00:00+01:00", "2032-02-29T00:00:00+01:00", NULL);
	check("0 0 29 2 *", "2096-03-01T00:00:00Z", SCHED_CRON,
	    "0 0 29 2 *", "2104-02-29T00:00:00+01:00", NULL);
	check("0 0 28-31 2 *", NOW, SCHED_CRON, "0 0 28-31 2 *",
	    "2027-02-28T00:00:00+01:00", "2028-02-28T00:00:00+01:00",
	    "2028-02-29T00:00:00+01:00", NULL);
	check("0 0 30 2 *", NOW, SCHED_CRON, "0 0 30 2 *", "none", NULL);
	check("0 0 31 4,6,9,11 *", NOW, SCHED_CRON, "0 0 31 4,6,9,11 *",
	    "none", NULL);
	check("0 0 1 1 *", "2026-01-01T00:00:00+01:00", SCHED_CRON,
	    "0 0 1 1 *", "2027-01-01T00:00:00+01:00", NULL);
}

static void
test_dst_berlin(void)
{
	set_tz("Europe/Berlin");
	/* spring forward 2026-03-29 02:00 CET -> 03:00 CEST */
	check("30 2 * * *", "2026-03-28T12:00:00+01:00", SCHED_CRON,
	    "30 2 * * *", "2026-03-29T03:30:00+02:00",
	    "2026-03-30T02:30:00+02:00", "2026-03-31T02:30:00+02:00", NULL);
	check("30 2 * * *", "2026-03-29T03:10:00+02:00", SCHED_CRON,
	    "30 2 * * *", "2026-03-29T03:30:00+02:00",
	    "2026-03-30T02:30:00+02:00", NULL);
	check("30 * * * *", "2026-03-29T00:00:00+01:00", SCHED_CRON,
	    "30 * * * *", "2026-03-29T00:30:00+01:00",
	    "2026-03-29T01:30:00+01:00", "2026-03-29T03:30:00+02:00",
	    "2026-03-29T04:30:00+02:00", NULL);
	check("* * * * *", "2026-03-29T01:58:00+01:00", SCHED_CRON,
	    "* * * * *", "2026-03-29T01:59:00+01:00",
	    "2026-03-29T03:00:00+02:00", "2026-03-29T03:01:00+02:00", NULL);
	check("0,59 2,3 * * *", "2026-03-29T00:00:00+01:00", SCHED_CRON,
	    "0,59 2,3 * * *", "2026-03-29T03:00:00+02:00",
	    "2026-03-29T03:59:00+02:00", "2026-03-30T02:00:00+02:00", NULL);
	/* fall back 2026-10-25 03:00 CEST -> 02:00 CET: 02:30 twice */
	check("30 2 * * *", "2026-10-24T12:00:00+02:00", SCHED_CRON,
	    "30 2 * * *", "2026-10-25T02:30:00+02:00",
	    "2026-10-26T02:30:00+01:00", NULL);
	check("30 2 * * *", "2026-10-25T02:10:00+01:00", SCHED_CRON,
	    "30 2 * * *", "2026-10-26T02:30:00+01:00", NULL);
	check("30 * * * *", "2026-10-25T00:00:00+02:00", SCHED_CRON,
	    "30 * * * *", "2026-10-25T00:30:00+02:00",
	    "2026-10-25T01:30:00+02:00", "2026-10-25T02:30:00+02:00",
	    "2026-10-25T03:30:00+01:00", NULL);
	check("every day at 9", "2026-03-28T12:00:00+01:00", SCHED_CRON,
	    "0 9 * * *", "2026-03-29T09:00:00+02:00", NULL);
	/* intervals are instants: no DST */
	check("every 1h", "2026-03-29T01:30:00+01:00", SCHED_INTERVAL,
	    "every 1h", "2026-03-29T03:30:00+02:00", NULL);
}

/* The runs of text from now: n gaps, each checked against gaps[]. */
static void
gaps(const char *text, const char *now, int n, const long *want)
{
	struct schedule s;
	time_t t = at(now), next;
	int i;

	if (schedule_parse(text, t, &s, NULL, NULL) < 0)
		return;
	for (i = 0; i < n; i++) {
		if (schedule_next(&s, t, 0, &next) < 0)
			break;
		if (i > 0)
			is_int(next - t, want[i - 1], "'%s' from %s: gap %d",
			    text, now, i);
		t = next;
	}
}

static void
test_dst_gaps(void)
{
	static const long spring[] = { 3600, 3600, 3600, 3600, 3600 };
	static const long fall[] = { 3600, 3600, 7200, 3600, 3600 };
	static const long ny_fall[] = { 7200, 3600, 3600 };

	set_tz("Europe/Berlin");
	gaps("30 * * * *", "2026-03-29T00:00:00+01:00", 6, spring);
	gaps("30 * * * *", "2026-10-25T00:00:00+02:00", 6, fall);
	set_tz("America/New_York");
	gaps("0 * * * *", "2026-11-01T00:00:00-04:00", 4, ny_fall);
}

static void
test_dst_new_york(void)
{
	set_tz("America/New_York");
	/* fall back 2026-11-01 02:00 EDT -> 01:00 EST: 01:30 twice */
	check("30 1 * * *", "2026-10-31T12:00:00-04:00", SCHED_CRON,
	    "30 1 * * *", "2026-11-01T01:30:00-04:00",
	    "2026-11-02T01:30:00-05:00", NULL);
	check("30 1 * * *", "2026-11-01T01:10:00-05:00", SCHED_CRON,
	    "30 1 * * *", "2026-11-02T01:30:00-05:00", NULL);
	check("0 * * * *", "2026-11-01T00:00:00-04:00", SCHED_CRON,
	    "0 * * * *", "2026-11-01T01:00:00-04:00",
	    "2026-11-01T02:00:00-05:00", NULL);
	/* spring forward 2026-03-08 02:00 EST -> 03:00 EDT */
	check("30 2 * * *", "2026-03-07T12:00:00-05:00", SCHED_CRON,
	    "30 2 * * *", "2026-03-08T03:30:00-04:00",
	    "2026-03-09T02:30:00-04:00", NULL);
	check("every day at 9am", "2026-11-24T08:00:00-05:00", SCHED_CRON,
	    "0 9 * * *", "2026-11-24T09:00:00-05:00", NULL);
	set_tz("Europe/Berlin");
}

static void
test_next_direct(void)
{
	struct schedule s;
	time_t n = 0;

	memset(&s, 0, sizeof(s));
	s.kind = SCHED_INTERVAL;
	s.interval = 3600;
	is_int(schedule_next(&s, 1000, 1000, &n), 0, "interval from anchor");
	is_int(n, 4600, "anchor + 1 interval, not the anchor itself");
	is_int(schedule_next(&s, 999, 1000, &n), 0, "after before anchor");
	is_int(n, 4600, "still anchor + 1 interval");
	is_int(schedule_next(&s, 4600, 1000, &n), 0, "after on a slot");
	is_int(n, 8200, "the slot after it");
	is_int(schedule_next(&s, 5000, 1000, &n), 0, "after between slots");
	is_int(n, 8200, "the next slot of the anchor's grid");
	is_int(schedule_next(&s, 1000 + 3600 * 1000 + 1, 1000, &n), 0,
	    "far after");
	is_int(n, 1000 + 3600 * 1001, "1001 slots on");
	is_int(schedule_next(&s, 5000, 0, &n), 0, "no anchor");
	is_int(n, 8600, "after + interval");
	is_int(schedule_next(&s, 5000, -7, &n), 0, "negative anchor");
	is_int(n, 8600, "after + interval");
	s.interval = 0;
	is_int(schedule_next(&s, 5000, 1000, &n), -1, "a zero interval: none");

	memset(&s, 0, sizeof(s));
	s.kind = SCHED_ONCE;
	s.at = 1000;
	is_int(schedule_next(&s, 999, 0, &n), 0, "once: before at");
	is_int(n, 1000, "runs at at");
	is_int(schedule_next(&s, 1000, 0, &n), -1, "once: at itself: none");
	is_int(schedule_next(&s, 2000, 0, &n), -1, "once: past: none");

	memset(&s, 0, sizeof(s));
	s.kind = SCHED_CRON;
	is_int(schedule_next(&s, 1000, 0, &n), -1, "an empty cron: none");
	s.minute = 1;
	s.hour = 1;
	s.dom = 0xfffffffeu;
	s.month = 0x1ffe;
	s.dow = 0x7f;
	s.dom_star = s.dow_star = 1;
	is_int(schedule_next(&s, (time_t)1 << 45, 0, &n), -1,
	    "a time far out of range: none");
	is_int(schedule_next(&s, at(NOW), 0, &n), 0, "a hand-made cron");
	is_int(n, at("2026-11-25T00:00:00+01:00"), "runs at midnight");
}

static void
test_period(void)
{
	period("* * * * *", 60);
	period("*/15 * * * *", 900);
	period("0,30 9 * * *", 1800);
	period("0 * * * *", 3600);
	period("hourly", 3600);
	period("0 9,17 * * *", 28800);
	period("every day at 9am", 86400);
	period("weekdays at 8:30", 86400);
	period("every mon,wed,fri at 18:00", 172800);
	period("every monday at 9", 604800);
	period("@monthly", 2419200);
	period("0 0 29 2 *", 4 * 365 * 86400 + 86400);
	period("0 0 30 2 *", 0);
	period("every 90 minutes", 5400);
	period("every 1w", 604800);
	period("in 2h", 0);
	period("2026-12-01", 0);
}

static void
test_errors(void)
{
	bad_exact("every funday at 9", "schedule 'every funday at 9': "
	    "'funday' is not a day, a number or a unit");
	bad_exact("0 0 * * 8", "schedule '0 0 * * 8': cron field 5 (day of "
	    "week) '8': out of range 0-7");
	bad_exact("0 0 * * * *", "schedule '0 0 * * * *': cron expression "
	    "needs 5 fields, got 6");
	bad_exact("2026-13-01", "schedule '2026-13-01': '2026-13-01' is not "
	    "an ISO 8601 time");
	bad("", "schedule is empty");
	bad("   ", "schedule is empty");
	bad(NULL, "schedule is empty");
	bad(",,,", "not a schedule");
	bad("0 0 * *", "needs 5 fields, got 4");
	bad("60 * * * *", "cron field 1 (minute) '60': out of range 0-59");
	bad("* 24 * * *", "cron field 2 (hour) '24': out of range 0-23");
	bad("0 0 0 * *", "cron field 3 (day of month) '0': out of range 1-31");
	bad("0 0 * 13 *", "cron field 4 (month) '13': out of range 1-12");
	bad("1-70 * * * *", "'1-70': 70 is out of range 0-59");
	bad("99999999999 * * * *", "out of range 0-59");
	bad("0 0 * foo *", "(month) 'foo': 'foo' is not a number or a month "
	    "name");
	bad("0 0 * * funday", "'funday' is not a number or a day name");
	bad("0 mon * * *", "cron field 2 (hour) 'mon': 'mon' is not a number");
	bad("*/0 * * * *", "the step must be a number 1-60");
	bad("*/ * * * *", "the step must be a number 1-60");
	bad("*/5x * * * *", "the step must be a number 1-60");
	bad("5-1 * * * *", "'5-1': the range goes backwards");
	bad("1,,2 * * * *", "'1,,2': an empty list item");
	bad("1, * * * *", "an empty list item");
	bad("*x * * * *", "not a number, a range or a step");
	bad("1-2-3 * * * *", "not a number, a range or a step");
	bad("every", "'every' needs a number, a unit or a day");
	bad("every 5 fortnights", "'fortnights' is not a unit");
	bad("every 5", "'5' needs a unit");
	bad("every 0m", "more than 0");
	bad("every day at 25:00", "'25:00' is not a time");
	bad("every day at 13pm", "'13pm' is not a time");
	bad("every day at 9:7", "'9:7' is not a time");
	bad("every day at", "'at' needs a time after it");
	bad("every day at 9 sharp", "'sharp' is not understood after the "
	    "time");
	bad("every monday funday", "'funday' is not a day or a time");
	bad("every 2 days at 9", "'at' cannot follow an interval");
	bad("every hour at 15", "'at' is not understood after 'every hour'");
	bad("every month on 3", "'on' is not understood after 'every month'");
	bad("in", "'in' needs a duration");
	bad("in 2 fortnights", "'fortnights' is not a unit");
	bad("in 0m", "more than 0");
	bad("tomorrow at 9", "'tomorrow' is not a schedule");
	bad("@reboot", "'@reboot' is not a shortcut");
	bad("@", "'@' is not a shortcut");
	bad("@daily now", "'now' is not understood after '@daily'");
	bad("hourly at 5", "'at' is not understood after 'hourly'");
	bad("30 minutes", "say 'every 30 minutes' or 'in 30 minutes'");
	bad("9am", "a time alone is not a schedule");
	bad("2026-11-24T09:30 tomorrow", "is not an ISO 8601 time");
	bad("every\001day", "'every?day' is not a schedule");
}

/*
 * Random texts: never a crash; either a canon that parses back, or one
 * line of error.
 */
static void
test_fuzz(void)
{
	static const char *const words[] = {
		"every", "at", "in", "day", "monday", "mon-fri", "weekday",
		"9", "9am", "12pm", "21:15", "noon", "*", "*/5", "1-5",
		"1,2", "30m", "1h30m", "and", ",", "@daily", "2026-11-24",
		"hour", "week", "-", "/", "7", "0", "60", "jan", "sun-sat",
		"pm", "xx", "\t", "99999999999999999999", "daily", "weekdays",
	};
	struct schedule s, s2;
	struct buf c = BUF_INIT, c2 = BUF_INIT, err = BUF_INIT;
	char text[256];
	unsigned int seed = 1;
	int i, k, n, parsed = 0, badround = 0, badmsg = 0;
	size_t len;
	time_t next;

	for (i = 0; i < 20000; i++) {
		len = 0;
		if (i % 4 == 0) {
			n = rand_r(&seed) % 24;
			for (k = 0; k < n; k++)
				text[k] = (char)(rand_r(&seed) % 255 + 1);
			text[n] = '\0';
		} else {
			n = 1 + rand_r(&seed) % 6;
			text[0] = '\0';
			for (k = 0; k < n && len < sizeof(text) - 40; k++)
				len += (size_t)snprintf(text + len,
				    sizeof(text) - len, "%s%s", k ? " " : "",
				    words[rand_r(&seed) %
				    HM_ARRAY_SIZE(words)]);
		}
		if (schedule_parse(text, 1795509000, &s, &c, &err) == 0) {
			parsed++;
			if (schedule_parse(c.s, 1, &s2, &c2, &err) < 0 ||
			    memcmp(&s, &s2, sizeof(s)) || strcmp(c.s, c2.s))
				badround++;
			schedule_next(&s, 1795509000, 1795509000, &next);
			schedule_period(&s);
		} else if (strncmp(buf_str(&err), "schedule ", 9) ||
		    strchr(buf_str(&err), '\n')) {
			badmsg++;
		}
	}
	ok(parsed > 100, "the fuzz parsed some (%d)", parsed);
	is_int(badround, 0, "every canon parsed back the same");
	is_int(badmsg, 0, "every error was one line about the schedule");
	buf_release(&c);
	buf_release(&c2);
	buf_release(&err);
}

/* One cron list item of the given shape. */
static void
item(struct buf *t, int shape, int a, int b, int step)
{
	switch (shape) {
	case 0:
		buf_adds(t, "*");
		break;
	case 1:
		buf_addf(t, "*/%d", step);
		break;
	case 2:
		buf_addf(t, "%d", a);
		break;
	case 3:
		buf_addf(t, "%d-%d", a, b);
		break;
	case 4:
		buf_addf(t, "%d-%d/%d", a, b, step);
		break;
	default:
		buf_addf(t, "%d/%d", a, step);
		break;
	}
}

/*
 * Random well-formed cron expressions: each canon parses back to the
 * same bits and the same day-rule stars.
 */
static void
test_cron_fuzz(void)
{
	static const int lo[] = { 0, 0, 1, 1, 0 }, hi[] = { 59, 23, 31, 12, 7 };
	struct schedule s, s2;
	struct buf t = BUF_INIT, c = BUF_INIT, c2 = BUF_INIT, err = BUF_INIT;
	unsigned int seed = 5;
	int i, f, k, items, r, a, b, st, parsed = 0, badround = 0;

	for (i = 0; i < 20000; i++) {
		buf_reset(&t);
		for (f = 0; f < 5; f++) {
			items = 1 + rand_r(&seed) % 3;
			r = hi[f] - lo[f] + 1;
			if (f)
				buf_addc(&t, ' ');
			for (k = 0; k < items; k++) {
				a = lo[f] + rand_r(&seed) % r;
				b = a + rand_r(&seed) % (hi[f] - a + 1);
				st = 1 + rand_r(&seed) % (f == 4 ? 7 : r);
				if (k)
					buf_addc(&t, ',');
				item(&t, rand_r(&seed) % 6, a, b, st);
			}
		}
		if (schedule_parse(t.s, 0, &s, &c, &err) < 0)
			continue;
		parsed++;
		if (schedule_parse(c.s, 1, &s2, &c2, &err) < 0 ||
		    memcmp(&s, &s2, sizeof(s)) || strcmp(c.s, c2.s)) {
			if (!badround++)
				printf("# '%s' -> '%s'\n", t.s, c.s);
		}
	}
	is_int(parsed, 20000, "every generated cron expression parsed");
	is_int(badround, 0, "and its canon parsed back the same");
	buf_release(&t);
	buf_release(&c);
	buf_release(&c2);
	buf_release(&err);
}

int
main(void)
{
	set_tz("Europe/Berlin");
	test_words();
	test_shortcuts();
	test_intervals_and_once();
	test_cron();
	test_day_rule();
	test_month_ends();
	test_dst_berlin();
	test_dst_gaps();
	test_dst_new_york();
	test_next_direct();
	test_period();
	test_errors();
	test_fuzz();
	test_cron_fuzz();
	return done_testing();
}
