/*
 * timeutil.c: ISO 8601 times, durations and wall-clock arithmetic; see
 * timeutil.h for the formats.
 *
 * Dates go through our own proleptic Gregorian day count (Howard
 * Hinnant's days_from_civil), so nothing depends on timegm or on the
 * range of struct tm.  Local time is asked of localtime_r only, one
 * instant at a time: the offset in effect at an instant (tm_gmtoff) is
 * the one thing the zone database knows that we do not.  A wall time is
 * turned into an instant by trying the offsets in effect a day before,
 * at and a day after it: an offset o fits when the instant w - o really
 * has offset o.  Two fits are the two passes of a fall-back hour (we
 * take the first); none is a spring-forward gap, where the offset from
 * before the gap moves the time forward by the gap, as mktime does.
 *
 * Nothing here reads or writes files; nothing prints.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>

#include "common.h"
#include "timeutil.h"

#define DAY	86400
#define PROBE	(26 * 3600)	/* further than any UTC offset */

/* s for an error message: control characters as '?', cut at 60 bytes. */
static const char *
shown(const char *s, char *out, size_t n)
{
	size_t i = 0;

	if (!s)
		return "(null)";
	for (; *s && i + 4 < n; s++)
		out[i++] = iscntrl((unsigned char)*s) ? '?' : *s;
	if (*s && n > 4) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
	return out;
}

int64_t
tu_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
tu_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int
tu_days_in_month(int64_t y, int m)
{
	static const int mdays[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m < 1 || m > 12)
		return 0;
	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return mdays[m - 1];
}

int
tu_weekday(int64_t days)
{
	return (int)(((days % 7) + 7 + 4) % 7);
}

/* The UTC offset in effect at instant t. */
static int
offset_at(int64_t t, long *off)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t < -TU_TIME_LIMIT || t > TU_TIME_LIMIT || !localtime_r(&tt, &tm))
		return -1;
	*off = tm.tm_gmtoff;
	return 0;
}

int
tu_time_to_wall(time_t t, int64_t *wall)
{
	long off;

	tzset();
	if (offset_at(t, &off) < 0)
		return -1;
	*wall = (int64_t)t + off;
	return 0;
}

int
tu_wall_to_time(int64_t w, time_t *out)
{
	long o[3], got;
	int64_t t, best = 0;
	int i, found = 0;

	tzset();
	if (w < -TU_TIME_LIMIT + 2 * PROBE || w > TU_TIME_LIMIT - 2 * PROBE)
		return -1;
	if (offset_at(w - PROBE, &o[0]) < 0 || offset_at(w, &o[1]) < 0 ||
	    offset_at(w + PROBE, &o[2]) < 0)
		return -1;
	for (i = 0; i < 3; i++) {
		t = w - o[i];
		if (offset_at(t, &got) == 0 && got == o[i] &&
		    (!found || t < best)) {
			best = t;
			found = 1;
		}
	}
	if (found) {
		*out = (time_t)best;
		return 0;
	}
	*out = (time_t)(w - o[0]);
	return 1;
}

/* ---- ISO 8601 ---- */

/* Exactly n decimal digits at *p. */
static int
digits(const char **p, int n, int *out)
{
	int v = 0;

	for (; n > 0; n--, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return 0;
}

static int
lit(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

/* A zone after the time: Z, or +HH, +HHMM, +HH:MM (or -). */
static int
zone(const char **p, int *has, long *off)
{
	int sign, h, m = 0;

	if (**p == 'Z' || **p == 'z') {
		(*p)++;
		*has = 1;
		*off = 0;
		return 0;
	}
	if (**p != '+' && **p != '-')
		return 0;
	sign = **p == '-' ? -1 : 1;
	(*p)++;
	if (digits(p, 2, &h) < 0)
		return -1;
	if (**p == ':') {
		(*p)++;
		if (digits(p, 2, &m) < 0)
			return -1;
	} else if (isdigit((unsigned char)**p) && digits(p, 2, &m) < 0) {
		return -1;
	}
	if (h > 23 || m > 59)
		return -1;
	*has = 1;
	*off = sign * (h * 3600L + m * 60L);
	return 0;
}

int
tu_parse_iso(const char *s, time_t *out, struct buf *err)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, has_zone = 0;
	long off = 0;
	int64_t wall;
	time_t t;
	char b[72];

	if (!s || digits(&p, 4, &y) < 0 || lit(&p, '-') < 0 ||
	    digits(&p, 2, &mo) < 0 || lit(&p, '-') < 0 ||
	    digits(&p, 2, &d) < 0)
		goto bad;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) < 0 || lit(&p, ':') < 0 ||
		    digits(&p, 2, &mi) < 0)
			goto bad;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec) < 0)
				goto bad;
			if (*p == '.' || *p == ',') {
				p++;
				if (!isdigit((unsigned char)*p))
					goto bad;
				while (isdigit((unsigned char)*p))
					p++;
			}
		}
		if (zone(&p, &has_zone, &off) < 0)
			goto bad;
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || d > tu_days_in_month(y, mo) ||
	    h > 23 || mi > 59 || sec > 59)
		goto bad;
	wall = tu_days_from_civil(y, mo, d) * DAY + h * 3600 + mi * 60 + sec;
	if (has_zone)
		t = (time_t)(wall - off);
	else if (tu_wall_to_time(wall, &t) < 0)
		goto bad;
	*out = t;
	return 0;
bad:
	return hm_fail(err, HM_EINVAL, "'%s' is not an ISO 8601 time",
	    shown(s, b, sizeof(b)));
}

void
tu_format_iso(time_t t, struct buf *out)
{
	struct tm tm;
	long off, a;
	int local;

	tzset();
	local = localtime_r(&t, &tm) != NULL;
	off = local ? tm.tm_gmtoff : 0;
	if (local && off % 60) {
		/* a pre-1900 mean solar offset: say it in UTC, exactly */
		local = 0;
		off = 0;
	}
	if (!local && !gmtime_r(&t, &tm))
		goto raw;
	if (tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
		goto raw;
	a = off < 0 ? -off : off;
	buf_addf(out, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+', a / 3600,
	    a % 3600 / 60);
	return;
raw:
	buf_addf(out, "@%lld", (long long)t);
}

void
tu_format_stamp(time_t t, struct buf *out)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900) {
		buf_addf(out, "@%lld", (long long)t);
		return;
	}
	buf_addf(out, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ---- durations ---- */

static const struct {
	const char *name;
	long secs;
} units[] = {
	{ "s", 1 }, { "sec", 1 }, { "secs", 1 }, { "second", 1 },
	{ "seconds", 1 },
	{ "m", 60 }, { "min", 60 }, { "mins", 60 }, { "minute", 60 },
	{ "minutes", 60 },
	{ "h", 3600 }, { "hr", 3600 }, { "hrs", 3600 }, { "hour", 3600 },
	{ "hours", 3600 },
	{ "d", DAY }, { "day", DAY }, { "days", DAY },
	{ "w", 7 * DAY }, { "wk", 7 * DAY }, { "wks", 7 * DAY },
	{ "week", 7 * DAY }, { "weeks", 7 * DAY },
};

static long
unit_secs(const char *w, size_t n)
{
	size_t i;

	for (i = 0; i < HM_ARRAY_SIZE(units); i++)
		if (strlen(units[i].name) == n &&
		    !strncasecmp(units[i].name, w, n))
			return units[i].secs;
	return 0;
}

static const char *
skip_space(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

/* The length of the word at p: up to a space or a comma. */
static size_t
word_len(const char *p)
{
	size_t n = 0;

	while (p[n] && !isspace((unsigned char)p[n]) && p[n] != ',')
		n++;
	return n;
}

int
tu_parse_duration(const char *s, long *secs, struct buf *err)
{
	const char *p, *num, *w;
	char b[72], b2[72];
	long total = 0, n, mult;
	int parts = 0, big = 0;
	size_t wl;

	if (!s)
		return hm_fail(err, HM_EINVAL, "'(null)' is not a duration");
	shown(s, b, sizeof(b));
	for (p = skip_space(s); *p; p = skip_space(p)) {
		if (parts && *p == ',') {
			p++;
			continue;
		}
		if (parts && !strncasecmp(p, "and", 3) && (!p[3] ||
		    isspace((unsigned char)p[3]))) {
			p += 3;
			continue;
		}
		num = p;
		if (!isdigit((unsigned char)*p)) {
			wl = word_len(p);
			snprintf(b2, sizeof(b2), "%.*s", (int)(wl ? wl : 1), p);
			return hm_fail(err, HM_EINVAL, "'%s' is not a "
			    "duration: '%s' is not a number", b,
			    shown(b2, b2, sizeof(b2)));
		}
		for (n = 0; isdigit((unsigned char)*p); p++) {
			if (n > TU_DURATION_MAX)
				big = 1;
			else
				n = n * 10 + (*p - '0');
		}
		if (*p == '.' || (*p == ',' && isdigit((unsigned char)p[1])))
			return hm_fail(err, HM_EINVAL, "'%s' is not a "
			    "duration: use whole numbers (1h30m, not 1.5h)",
			    b);
		w = skip_space(p);
		for (wl = 0; isalpha((unsigned char)w[wl]); wl++)
			;
		if (!wl) {
			snprintf(b2, sizeof(b2), "%.*s", (int)(p - num), num);
			return hm_fail(err, HM_EINVAL, "'%s' is not a "
			    "duration: '%s' needs a unit (s, m, h, d or w)",
			    b, b2);
		}
		if (!(mult = unit_secs(w, wl))) {
			wl = word_len(w);
			snprintf(b2, sizeof(b2), "%.*s", (int)wl, w);
			return hm_fail(err, HM_EINVAL, "'%s' is not a "
			    "duration: '%s' is not a unit", b,
			    shown(b2, b2, sizeof(b2)));
		}
		if (big || n > (TU_DURATION_MAX - total) / mult)
			return hm_fail(err, HM_EINVAL, "'%s' is not a "
			    "duration: longer than 100 years", b);
		total += n * mult;
		parts++;
		p = w + wl;
	}
	if (!parts)
		return hm_fail(err, HM_EINVAL, "'%s' is not a duration", b);
	if (!total)
		return hm_fail(err, HM_EINVAL, "'%s' is not a duration: it "
		    "must be more than 0", b);
	*secs = total;
	return 0;
}

void
tu_format_duration(long secs, struct buf *out)
{
	unsigned long v;

	if (secs < 0) {
		buf_addc(out, '-');
		v = (unsigned long)-(secs + 1) + 1;
	} else {
		v = (unsigned long)secs;
	}
	if (!v) {
		buf_adds(out, "0s");
		return;
	}
	if (v >= DAY)
		buf_addf(out, "%lud", v / DAY);
	if (v % DAY / 3600)
		buf_addf(out, "%luh", v % DAY / 3600);
	if (v % 3600 / 60)
		buf_addf(out, "%lum", v % 3600 / 60);
	if (v % 60)
		buf_addf(out, "%lus", v % 60);
}

/*
 * HERMES_NOW, parsed once: mode 0 real time, 1 fixed at now_at, 2 real
 * time plus now_shift seconds.
 */
static int now_mode = -1;
static time_t now_at;
static long now_shift;

static void
now_init(void)
{
	const char *v = getenv("HERMES_NOW");
	struct buf err = BUF_INIT;
	long long at;
	char *end;
	long d;

	now_mode = 0;
	if (!v || !*v)
		return;
	if (*v == '+' || *v == '-') {
		if (tu_parse_duration(v + 1, &d, &err) == 0) {
			now_shift = *v == '-' ? -d : d;
			now_mode = 2;
		}
	} else if (*v == '@') {
		errno = 0;
		at = strtoll(v + 1, &end, 10);
		if (errno == 0 && end != v + 1 && !*end &&
		    at > -TU_TIME_LIMIT && at < TU_TIME_LIMIT) {
			now_at = (time_t)at;
			now_mode = 1;
		} else
			buf_addf(&err, "'%s' is not @SECONDS", v);
	} else if (tu_parse_iso(v, &now_at, &err) == 0)
		now_mode = 1;
	if (now_mode == 0)
		fprintf(stderr, "HERMES_NOW: %s; using the real clock\n",
		    err.len ? err.s : "not a time");
	buf_release(&err);
}

time_t
tu_now(void)
{
	struct timespec ts;

	tu_now_ts(&ts);
	return ts.tv_sec;
}

void
tu_now_ts(struct timespec *ts)
{
	if (now_mode < 0)
		now_init();
	if (now_mode == 1) {
		ts->tv_sec = now_at;
		ts->tv_nsec = 0;
		return;
	}
	clock_gettime(CLOCK_REALTIME, ts);
	if (now_mode == 2)
		ts->tv_sec += now_shift;
}

double
tu_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long long
tu_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
tu_nap(double secs)
{
	struct timespec ts;

	if (secs <= 0)
		return;
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}
