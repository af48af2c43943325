/*
 * schedule.h: when a job runs: parsing what people write, and the next
 * run after a given instant.  Uses timeutil.h; no files, no state.
 *
 * schedule_parse(text, now, s, canon, err) understands, with words in
 * any case and spaces free:
 *   cron (5 fields)  minute hour day-of-month month day-of-week: "30 9 *
 *                    * 1-5".  Numbers, a star, ranges a-b, lists a,b,c,
 *                    steps: a star or a range then /n, and a/n (a to
 *                    the end of the field).  Names jan..dec, sun..sat
 *                    (full names too) in their fields and ranges
 *                    ("mon-fri"; "sat-sun" reaches Sunday).  Day of week
 *                    7 is Sunday.  A range must not go backwards.
 *   @hourly @daily @midnight @weekly @monthly @yearly @annually, and the
 *                    bare words hourly daily weekly monthly yearly
 *                    annually: minute 0, midnight, Sunday, the 1st, Jan 1.
 *   every DURATION   "every 30m", "every 2 hours", "every 1h30m" (see
 *                    tu_parse_duration): SCHED_INTERVAL, as are "every
 *                    second|minute|hour|day|week" alone.
 *   days at a time   "every day at 9am", "daily at 9", "every monday
 *                    9:30", "every monday at 9:30am", "every mon,wed,fri
 *                    at 18:00", "every tue and thu at noon", "every
 *                    weekday at 8:30", "weekdays at 8:30", "weekends at
 *                    10am", "every fri-mon at 7"; "at" is optional and no
 *                    time means midnight ("every monday", "weekdays").
 *                    Times: 9, 9am, 9 am, 9:30, 9:30pm, 21:15, 12am
 *                    (0:00), 12pm (12:00), noon, midnight.  "every month"
 *                    and "every year" are @monthly and @yearly.  All of
 *                    these are SCHED_CRON.
 *   in DURATION      "in 2h", "in 30 minutes": SCHED_ONCE at now + it.
 *   an ISO time      tu_parse_iso: SCHED_ONCE; a past time is no error.
 * On success *s is set and canon, unless NULL, is reset to a text that
 * schedule_parse reads back to the same schedule whatever now is: the 5
 * cron fields for every cron form, drawn from the bits ("30 9 * * 1":
 * names become numbers, 7 becomes 0); "every " and tu_format_duration
 * for an interval ("every 1h30m"); tu_format_iso for a one-shot, so "in
 * 2h" is frozen.  On error: -HM_EINVAL and one line in err that names
 * the text and the word not understood; *s and canon are untouched.
 *   schedule 'every funday at 9': 'funday' is not a day, a number or a unit
 *   schedule '0 0 * * 8': cron field 5 (day of week) '8': out of range 0-7
 *   schedule '0 0 * * * *': cron expression needs 5 fields, got 6
 *
 * The day rule (Vixie cron): dom_star and dow_star say that the field
 * began with a star (a star alone, or a star and a step).  When neither
 * did, a day matches if EITHER field matches ("0 0 1 * 1": the 1st and
 * every Monday); otherwise both must.
 *
 * schedule_next(s, after, anchor, next): the first run strictly after
 * `after`: 0 with *next set, or -1 when there is none.
 *   CRON: local wall-clock time (TZ), minute resolution, searched field
 *     by field (month, day, hour, minute), at most 8 years ahead: "0 0
 *     30 2 *" gives -1, "0 0 29 2 *" the next leap day.  About 2 us.
 *     Daylight saving: each wall-clock time is considered once.
 *     - A time that does not exist (02:30 when the clocks jump from
 *       02:00 to 03:00) runs once, moved forward by the length of the
 *       gap, as mktime moves it: 03:30 new time.  When that instant is
 *       also a time the schedule names, the two are one run: "30 * * *
 *       *" runs at 01:30, 03:30, 04:30 that night, none twice, none
 *       missed, and "30 2 * * *" runs at 03:30.
 *     - A time that occurs twice (01:30 in America/New_York on
 *       2026-11-01, when the clocks go back from 02:00 to 01:00) runs
 *       once, at its first occurrence (01:30 EDT); so "30 * * * *" skips
 *       the repeated hour, and that night has a two-hour gap.
 *   INTERVAL: anchor + k * interval for the smallest k >= 1 with a
 *     result after `after`.  anchor is when the job was made or last
 *     ran: it never runs at the anchor itself.  anchor <= 0: after +
 *     interval.
 *   ONCE: at, when at > after; else -1.
 *
 * schedule_period: the seconds between runs, for the catch-up grace
 * window (cron.c: half of it, clamped to 2 min .. 2 h).  INTERVAL: the
 * interval; ONCE: 0.  CRON: the SMALLEST gap between two consecutive
 * runs in wall-clock time (daylight saving ignored) over 8 years from
 * 2001-01-01: "* * * * *" 60, "0 * * * *" 3600, "0,30 9 * * *" 1800,
 * "0 9,17 * * *" 28800, "0 9 * * *" 86400, "0 9 * * 1-5" 86400, "0 9 *
 * * 1" 604800, "0 0 1 * *" 2419200 (Feb to Mar), "0 0 29 2 *" four
 * years; a cron that never runs gives 0.
 *
 * schedule_cron_text appends the 5 fields of a SCHED_CRON schedule (the
 * canonical text above).
 */
#ifndef HM_SCHEDULE_H
#define HM_SCHEDULE_H

#include <time.h>

struct buf;

enum sched_kind { SCHED_CRON, SCHED_INTERVAL, SCHED_ONCE };

struct schedule {
	enum sched_kind kind;
	/* cron: bit sets */
	unsigned long long minute;	/* bits 0-59 */
	unsigned int hour;		/* bits 0-23 */
	unsigned int dom;		/* bits 1-31 */
	unsigned int month;		/* bits 1-12 */
	unsigned int dow;	/* bits 0-6, Sunday 0 (7 accepted as 0) */
	int dom_star, dow_star;	/* the field was '*' (Vixie day rule) */
	long interval;		/* SCHED_INTERVAL: seconds */
	time_t at;		/* SCHED_ONCE */
};

int schedule_parse(const char *text, time_t now, struct schedule *s,
    struct buf *canon, struct buf *err);
int schedule_next(const struct schedule *s, time_t after, time_t anchor,
    time_t *next);
long schedule_period(const struct schedule *s);
void schedule_cron_text(const struct schedule *s, struct buf *out);

#endif
