/*
 * timeutil.h: times and durations as people write them.  Layer 0: libc,
 * buf and err only; no files, no state.  Local time means the zone of
 * TZ: every function that needs it calls tzset() first, so a changed TZ
 * is honoured.
 *
 * tu_parse_iso: an ISO 8601 / RFC 3339 date-time, strictly:
 *   2026-11-24                 local midnight
 *   2026-11-24T09:30           local (T, t or one space between)
 *   2026-11-24T09:30:15.250    seconds optional; a fraction is ignored
 *                              (it needs seconds before it)
 *   ...Z  ...+01:00  ...+0100  ...-05    a zone: UTC or a numeric offset
 * Without a zone the time is local wall-clock time (tu_wall_to_time): in
 * a spring-forward gap it moves forward by the gap (02:30 -> 03:30, as
 * mktime does), and in a fall-back hour it is the first occurrence.
 * Anything else (trailing text, month 13, Feb 30, hour 24, second 60,
 * a year not of 4 digits) is -HM_EINVAL with
 * "'2026-13-01' is not an ISO 8601 time" in err; *out is left alone.
 *
 * tu_format_iso appends local time with its numeric offset,
 * "2026-11-24T09:30:00+01:00" (tu_parse_iso reads it back exactly);
 * tu_format_stamp appends a UTC stamp safe in a file name,
 * "20261124T083000Z".  A time localtime/gmtime cannot show is appended
 * as "@SECONDS".
 *
 * tu_parse_duration: one or more NUMBER UNIT parts, spaces optional
 * between and inside them, "and" or "," allowed between them:
 * "30s", "90m", "1h30m", "2 hours", "1 hour and 30 minutes", "3 days".
 * Units (any case): s sec secs second seconds, m min mins minute
 * minutes, h hr hrs hour hours, d day days, w wk wks week weeks.  A
 * bare number is an error (there is no default unit), so is a fraction,
 * zero, or more than TU_DURATION_MAX (100 years).  Errors are
 * -HM_EINVAL: "'5 fortnights' is not a duration: 'fortnights' is not a
 * unit"; *secs is left alone.
 *
 * tu_format_duration appends the compact form tu_parse_duration reads
 * back: days, hours, minutes, seconds, the zero parts left out: 45 ->
 * "45s", 5400 -> "1h30m", 86400 -> "1d", 604800 -> "7d", 0 -> "0s", a
 * negative value gets a leading "-".
 *
 * Wall-clock arithmetic (also used by schedule.c).  A "wall" value is a
 * local date and time counted as seconds since 1970-01-01T00:00 of the
 * same calendar, as if the zone were UTC: it has no gaps and no repeats.
 * tu_days_from_civil/tu_civil_from_days convert proleptic Gregorian
 * dates to and from days since 1970-01-01 (month 1-12); day 0 was a
 * Thursday, so the weekday of day n (Sunday 0) is tu_weekday(n).
 * tu_time_to_wall: the wall value of instant t in local time; 0, or -1
 * when t is out of range.  tu_wall_to_time: the instant of wall value w
 * in local time; 0 when the wall time exists (its first occurrence when
 * it happens twice, in the hour a fall-back repeats), 1 when it falls in
 * a gap and was moved forward by the gap's length (02:30 on a
 * spring-forward day in Europe/Berlin is 03:30 CEST), -1 when out of
 * range.  Both work for |t| below TU_TIME_LIMIT (about 34000 years).
 */
#ifndef HM_TIMEUTIL_H
#define HM_TIMEUTIL_H

#include <stdint.h>
#include <time.h>

struct buf;

#define TU_DURATION_MAX	(100L * 365 * 86400)
#define TU_TIME_LIMIT	((int64_t)1 << 40)

/*
 * The one clock.  Every path that asks what time it is calls tu_now()
 * (seconds) or tu_now_ts() (with nanoseconds); nothing else calls
 * time(2) or clock_gettime(CLOCK_REALTIME).  HERMES_NOW moves it, for
 * tests and for debugging, the way faketime does:
 *   HERMES_NOW=2026-11-24T09:00:00+01:00   a fixed instant (tu_parse_iso)
 *   HERMES_NOW=@1795000000                 the same, in epoch seconds
 *   HERMES_NOW=+365d  HERMES_NOW=-2h       the real clock moved by a
 *                                          duration (tu_parse_duration);
 *                                          it keeps running
 * A fixed instant stands still.  The variable is read once, on the first
 * call; a value that does not parse is reported once on stderr
 * ("HERMES_NOW: ...") and the real clock is used.  Children inherit the
 * variable, so a spawned hermes-ask sees the same time.  Durations and
 * deadlines use the monotonic clock below, which HERMES_NOW leaves alone:
 * a moved clock never makes anything wait longer or shorter.
 */
time_t tu_now(void);
void tu_now_ts(struct timespec *ts);

/* The monotonic clock, in seconds and in milliseconds, for deadlines and
 * backoffs; tu_nap sleeps secs (<= 0: not at all; a signal may end it
 * early). */
double tu_mono(void);
long long tu_mono_ms(void);
void tu_nap(double secs);

int tu_parse_iso(const char *s, time_t *out, struct buf *err);
void tu_format_iso(time_t t, struct buf *out);
void tu_format_stamp(time_t t, struct buf *out);

int tu_parse_duration(const char *s, long *secs, struct buf *err);
void tu_format_duration(long secs, struct buf *out);

int64_t tu_days_from_civil(int64_t y, int m, int d);
void tu_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
int tu_days_in_month(int64_t y, int m);
int tu_weekday(int64_t days);
int tu_time_to_wall(time_t t, int64_t *wall);
int tu_wall_to_time(int64_t wall, time_t *out);

#endif
