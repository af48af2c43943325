/*
 * schedule.c: schedules as people write them, and their next run; see
 * schedule.h for the forms and the rules.
 *
 * Parsing: the text is trimmed and its white space runs made single
 * spaces (control characters become '?', which nothing accepts).  Then
 * the first character decides: '@' a shortcut, "NNNN-" an ISO time, a
 * digit or '*' a cron expression, a letter the words.  Every cron form
 * ends as bit sets; the canonical text is drawn from the bits
 * (schedule_cron_text), never copied from the input, so names, spaces
 * and case do not survive into it.
 *
 * Next run of a cron schedule: cron_wall_next() walks the local calendar
 * in wall-clock seconds (timeutil.h), month by month and day by day,
 * then hours and minutes inside a matching day, so a run a year away
 * costs a few hundred steps, not half a million minutes.  Each wall time
 * it yields becomes an instant with tu_wall_to_time: the first
 * occurrence of a repeated time, a gap time moved forward by the gap.
 * Instants are increasing in wall-clock order except just after a gap,
 * where a moved time can land after a real one; so after a gap time we
 * keep looking until the wall clock passes where it landed, and we
 * start looking a little before `after` when the offset grew in the
 * last day (a gap time from before `after` may land after it).
 */
#include <ctype.h>
#include <strings.h>

#include "common.h"
#include "schedule.h"
#include "timeutil.h"

#define DAY		86400
#define HORIZON		((int64_t)8 * 366 * DAY)
#define MAXTOK		32
#define ALLDAYS		0x7fu
#define ALLDOM		0xfffffffeu
#define ALLMONTH	0x1ffeu

enum { NAMES_NONE, NAMES_MONTH, NAMES_DAY };

static const struct field {
	const char *name;
	int min, max;		/* the values accepted */
	int lo, hi;		/* what '*' covers */
	int names;
} fields[5] = {
	{ "minute", 0, 59, 0, 59, NAMES_NONE },
	{ "hour", 0, 23, 0, 23, NAMES_NONE },
	{ "day of month", 1, 31, 1, 31, NAMES_NONE },
	{ "month", 1, 12, 1, 12, NAMES_MONTH },
	{ "day of week", 0, 7, 0, 6, NAMES_DAY },
};

static const char *const month_names[] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december",
};

static const char *const day_names[] = {
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
	"saturday",
};

static const struct {
	const char *name;
	const char *cron;
} shortcuts[] = {
	{ "hourly", "0 * * * *" },
	{ "daily", "0 0 * * *" },
	{ "midnight", "0 0 * * *" },
	{ "weekly", "0 0 * * 0" },
	{ "monthly", "0 0 1 * *" },
	{ "yearly", "0 0 1 1 *" },
	{ "annually", "0 0 1 1 *" },
};

/* A word of the text: not NUL-terminated. */
struct tok {
	const char *p;
	int n;
};

/* How a word is shown in a message: at most 40 bytes of it. */
#define TOK(t)	((t).n > 40 ? 40 : (t).n), (t).p

struct ctx {
	char text[88];		/* the schedule, as messages show it */
	struct buf *err;
};

static int __attribute__((format(printf, 2, 3)))
fail(struct ctx *c, const char *fmt, ...)
{
	struct buf d = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&d, fmt, ap);
	va_end(ap);
	hm_fail(c->err, HM_EINVAL, "schedule '%s': %s", c->text, buf_str(&d));
	buf_release(&d);
	return -HM_EINVAL;
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

static int
is(struct tok t, const char *word)
{
	return (size_t)t.n == strlen(word) && !strncasecmp(t.p, word, t.n);
}

/*
 * The index of the name w (n bytes) in names: the whole name, or at
 * least its first 3 letters ("sep", "sept", "tues"), or with plural the
 * whole name and an 's' ("mondays").  -1 when none.
 */
static int
name_index(const char *const *names, int count, const char *w, int n,
    int plural)
{
	int i, len;

	for (i = 0; i < count; i++) {
		len = (int)strlen(names[i]);
		if (n >= 3 && n <= len && !strncasecmp(names[i], w, n))
			return i;
		if (plural && n == len + 1 && !strncasecmp(names[i], w, len) &&
		    tolower((unsigned char)w[len]) == 's')
			return i;
	}
	return -1;
}

/* ---- cron expressions ---- */

/* A number or a name at *q (before e) in field fi; item for messages. */
static int
cron_value(struct ctx *c, int fi, const char **q, const char *e,
    struct tok item, int *out)
{
	const struct field *f = &fields[fi];
	const char *p = *q;
	long v = 0;
	int n;

	if (p < e && isdigit((unsigned char)*p)) {
		for (; p < e && isdigit((unsigned char)*p); p++)
			if ((v = v * 10 + (*p - '0')) > 1000)
				v = 1000;
		if (v < f->min || v > f->max) {
			if (p - *q == item.n)
				return fail(c, "cron field %d (%s) '%.*s': out "
				    "of range %d-%d", fi + 1, f->name,
				    TOK(item), f->min, f->max);
			return fail(c, "cron field %d (%s) '%.*s': %.*s is "
			    "out of range %d-%d", fi + 1, f->name, TOK(item),
			    (int)(p - *q), *q, f->min, f->max);
		}
		*out = (int)v;
		*q = p;
		return 0;
	}
	for (; p < e && isalpha((unsigned char)*p); p++)
		;
	n = (int)(p - *q);
	if (!n)
		return fail(c, "cron field %d (%s) '%.*s': not a number, a "
		    "range or a step", fi + 1, f->name, TOK(item));
	if (f->names == NAMES_MONTH &&
	    (v = name_index(month_names, 12, *q, n, 0)) >= 0)
		v++;
	else if (f->names == NAMES_DAY)
		v = name_index(day_names, 7, *q, n, 0);
	else
		v = -1;
	if (v < 0)
		return fail(c, "cron field %d (%s) '%.*s': '%.*s' is not a "
		    "number%s", fi + 1, f->name, TOK(item), n > 40 ? 40 : n,
		    *q, f->names == NAMES_MONTH ? " or a month name" :
		    f->names == NAMES_DAY ? " or a day name" : "");
	*out = (int)v;
	*q = p;
	return 0;
}

/* One item of a field: *, a, a-b, each with an optional /step. */
static int
cron_item(struct ctx *c, int fi, struct tok item, unsigned long long *bits)
{
	const struct field *f = &fields[fi];
	const char *q = item.p, *e = item.p + item.n;
	int lo, hi, step = 1, v;

	if (*q == '*') {
		lo = f->lo;
		hi = f->hi;
		q++;
	} else {
		if (cron_value(c, fi, &q, e, item, &lo) < 0)
			return -HM_EINVAL;
		hi = lo;
		if (q < e && *q == '-') {
			q++;
			if (cron_value(c, fi, &q, e, item, &hi) < 0)
				return -HM_EINVAL;
			if (fi == 4 && hi == 0 && lo > 0)
				hi = 7;		/* sat-sun */
			if (hi < lo)
				return fail(c, "cron field %d (%s) '%.*s': the "
				    "range goes backwards", fi + 1, f->name,
				    TOK(item));
		} else if (q < e && *q == '/') {
			hi = lo > f->hi ? lo : f->hi;
		}
	}
	if (q < e && *q == '/') {
		for (q++, step = 0; q < e && isdigit((unsigned char)*q); q++)
			if ((step = step * 10 + (*q - '0')) > 1000)
				step = 1000;
		if (q < e || step < 1 || step > f->hi - f->lo + 1)
			return fail(c, "cron field %d (%s) '%.*s': the step "
			    "must be a number 1-%d", fi + 1, f->name,
			    TOK(item), f->hi - f->lo + 1);
	}
	if (q < e)
		return fail(c, "cron field %d (%s) '%.*s': not a number, a "
		    "range or a step", fi + 1, f->name, TOK(item));
	for (v = lo; v <= hi; v += step)
		*bits |= 1ULL << (fi == 4 && v == 7 ? 0 : v);
	return 0;
}

static int
cron_field(struct ctx *c, int fi, struct tok t, unsigned long long *bits,
    int *star)
{
	const char *it = t.p, *e = t.p + t.n, *ie;
	struct tok item;

	*bits = 0;
	*star = *t.p == '*';
	for (;;) {
		if (!(ie = memchr(it, ',', (size_t)(e - it))))
			ie = e;
		if (ie == it)
			return fail(c, "cron field %d (%s) '%.*s': an empty "
			    "list item", fi + 1, fields[fi].name, TOK(t));
		item.p = it;
		item.n = (int)(ie - it);
		if (cron_item(c, fi, item, bits) < 0)
			return -HM_EINVAL;
		if (ie == e)
			return 0;
		it = ie + 1;
	}
}

static int parse_time(struct tok *t, int n, int *i, int *h, int *m);

/*
 * The words of text, split at any of seps (empty words are skipped):
 * the first max of them in t; returns how many there are in all.
 */
static int
tokenize(const char *text, const char *seps, struct tok *t, int max)
{
	const char *p = text;
	int n = 0, len;

	for (;;) {
		p += strspn(p, seps);
		if (!*p)
			return n;
		len = (int)strcspn(p, seps);
		if (n < max) {
			t[n].p = p;
			t[n].n = len;
		}
		n++;
		p += len;
	}
}

/* text is normalised: single spaces, no space at either end. */
static int
cron_parse(struct ctx *c, const char *text, struct schedule *s)
{
	struct tok f[5];
	struct buf scratch = BUF_INIT;
	unsigned long long bits[5];
	long secs;
	int n, star[5], i, h, m, dur;

	n = tokenize(text, " ", f, 5);
	if (n != 5) {
		dur = tu_parse_duration(text, &secs, &scratch) == 0;
		buf_release(&scratch);
		if (dur)
			return fail(c, "a duration alone is not a schedule: "
			    "say 'every %.40s' or 'in %.40s'", text, text);
		i = 0;
		if (n <= 2 && parse_time(f, n, &i, &h, &m) == 0 && i == n)
			return fail(c, "a time alone is not a schedule: say "
			    "'every day at %.40s'", text);
		return fail(c, "cron expression needs 5 fields, got %d", n);
	}
	for (i = 0; i < 5; i++)
		if (cron_field(c, i, f[i], &bits[i], &star[i]) < 0)
			return -HM_EINVAL;
	memset(s, 0, sizeof(*s));
	s->kind = SCHED_CRON;
	s->minute = bits[0];
	s->hour = (unsigned int)bits[1];
	s->dom = (unsigned int)bits[2];
	s->month = (unsigned int)bits[3];
	s->dow = (unsigned int)bits[4];
	s->dom_star = star[2];
	s->dow_star = star[4];
	return 0;
}

/*
 * One cron field from its bits lo..hi: "*" when full; a star and "/n"
 * for a progression from lo to the end; "a-b/n" for a longer one; else
 * a list with ranges.  A day field keeps whether it began with a star
 * (the day rule): full but starless is "1-31"; a starred field that is
 * not a progression is written as a star, "/31" and the other days.
 */
static void
render(struct buf *out, unsigned long long bits, int lo, int hi, int star,
    int dayfield)
{
	int v, a, first = -1, second = -1, last = -1, count = 0, step, prog;
	const char *sep = "";

	for (v = lo; v <= hi; v++) {
		if (!(bits >> v & 1))
			continue;
		if (first < 0)
			first = v;
		else if (second < 0)
			second = v;
		last = v;
		count++;
	}
	if (!count) {
		buf_addc(out, '?');	/* a hand-made empty field */
		return;
	}
	if (count == hi - lo + 1 && (star || !dayfield)) {
		buf_addc(out, '*');
		return;
	}
	step = count > 1 ? second - first : hi - lo + 1;
	for (prog = 1, v = lo; v <= hi; v++)
		if ((int)(bits >> v & 1) != (v >= first && v <= last &&
		    (v - first) % step == 0))
			prog = 0;
	if (prog && first == lo && last + step > hi && (star ||
	    (!dayfield && count > 2))) {
		buf_addf(out, "*/%d", step);
		return;
	}
	if (prog && !star && step > 1 && count >= 5) {
		buf_addf(out, "%d-%d/%d", first, last, step);
		return;
	}
	if (star && (bits & 1ULL << lo)) {
		buf_addf(out, "*/%d", hi - lo + 1);
		bits &= ~(1ULL << lo);
		sep = ",";
	}
	for (v = lo; v <= hi; v++) {
		if (!(bits >> v & 1))
			continue;
		for (a = v; v < hi && (bits >> (v + 1) & 1); v++)
			;
		if (v - a >= 2)
			buf_addf(out, "%s%d-%d", sep, a, v);
		else if (v - a == 1)
			buf_addf(out, "%s%d,%d", sep, a, v);
		else
			buf_addf(out, "%s%d", sep, a);
		sep = ",";
	}
}

void
schedule_cron_text(const struct schedule *s, struct buf *out)
{
	render(out, s->minute, 0, 59, 0, 0);
	buf_addc(out, ' ');
	render(out, s->hour, 0, 23, 0, 0);
	buf_addc(out, ' ');
	render(out, s->dom, 1, 31, s->dom_star, 1);
	buf_addc(out, ' ');
	render(out, s->month, 1, 12, 0, 0);
	buf_addc(out, ' ');
	render(out, s->dow, 0, 6, s->dow_star, 1);
}

/* ---- words ---- */

/*
 * A time of day at t[*i]: 9, 9am, 9 am, 9:30, 9:30pm, 21:15, noon,
 * midnight.  *i moves past it.
 */
static int
parse_time(struct tok *t, int n, int *i, int *h, int *m)
{
	const char *p, *e, *ap = NULL;
	int hh = 0, mm = 0, nd, used = 1;

	if (*i >= n)
		return -1;
	if (is(t[*i], "noon") || is(t[*i], "midnight")) {
		*h = is(t[*i], "noon") ? 12 : 0;
		*m = 0;
		(*i)++;
		return 0;
	}
	p = t[*i].p;
	e = p + t[*i].n;
	for (nd = 0; p < e && isdigit((unsigned char)*p) && nd < 3; p++, nd++)
		hh = hh * 10 + (*p - '0');
	if (nd < 1 || nd > 2)
		return -1;
	if (p < e && *p == ':') {
		if (e - p < 3 || !isdigit((unsigned char)p[1]) ||
		    !isdigit((unsigned char)p[2]))
			return -1;
		mm = (p[1] - '0') * 10 + (p[2] - '0');
		p += 3;
	}
	if (p < e) {
		ap = p;
		if (e - p != 2)
			return -1;
	} else if (*i + 1 < n && t[*i + 1].n == 2) {
		ap = t[*i + 1].p;
		used = 2;
	}
	if (ap && strncasecmp(ap, "am", 2) && strncasecmp(ap, "pm", 2)) {
		if (used == 1)
			return -1;
		ap = NULL;
		used = 1;
	}
	if (mm > 59 || (ap && (hh < 1 || hh > 12)) || hh > 23)
		return -1;
	if (ap)
		hh = hh % 12 + (tolower((unsigned char)*ap) == 'p' ? 12 : 0);
	*h = hh;
	*m = mm;
	*i += used;
	return 0;
}

/* A set of days at t: a day name, mon-fri, weekday(s), weekend(s). */
static unsigned int
day_set(struct tok t)
{
	const char *dash = memchr(t.p, '-', (size_t)t.n);
	unsigned int bits = 0;
	int a, b;

	if (is(t, "weekday") || is(t, "weekdays"))
		return 0x3e;
	if (is(t, "weekend") || is(t, "weekends"))
		return 0x41;
	if (!dash)
		return (a = name_index(day_names, 7, t.p, t.n, 1)) < 0 ? 0 :
		    1u << a;
	a = name_index(day_names, 7, t.p, (int)(dash - t.p), 1);
	b = name_index(day_names, 7, dash + 1, (int)(t.p + t.n - dash - 1),
	    1);
	if (a < 0 || b < 0)
		return 0;
	for (;; a = (a + 1) % 7) {
		bits |= 1u << a;
		if (a == b)
			return bits;
	}
}

static void
cron_daily(struct schedule *s, int h, int m, unsigned int dow)
{
	memset(s, 0, sizeof(*s));
	s->kind = SCHED_CRON;
	s->minute = 1ULL << m;
	s->hour = 1u << h;
	s->dom = ALLDOM;
	s->month = ALLMONTH;
	s->dow = dow;
	s->dom_star = 1;
	s->dow_star = dow == ALLDAYS;
}

/*
 * [at] TIME, or nothing (midnight), from t[i] to the end, on the days
 * dow.  what: what else the word at t[i] could have been.
 */
static int
nl_at(struct ctx *c, struct tok *t, int n, int i, unsigned int dow,
    const char *what, struct schedule *s)
{
	int h = 0, m = 0;

	if (i < n && is(t[i], "at")) {
		if (++i == n)
			return fail(c, "'at' needs a time after it");
		what = "";
	}
	if (i < n && parse_time(t, n, &i, &h, &m) < 0)
		return fail(c, "'%.*s' is not a %stime (9, 9am, 9:30pm, "
		    "21:15, noon)", TOK(t[i]), what);
	if (i < n)
		return fail(c, "'%.*s' is not understood after the time",
		    TOK(t[i]));
	cron_daily(s, h, m, dow);
	return 0;
}

static int
nl_duration(struct ctx *c, const char *rest, long *secs)
{
	struct buf why = BUF_INIT;
	int rc;

	if ((rc = tu_parse_duration(rest, secs, &why)) < 0)
		fail(c, "%s", buf_str(&why));
	buf_release(&why);
	return rc;
}

static int
nl_every(struct ctx *c, struct tok *t, int n, struct schedule *s)
{
	static const char *const units[] = {
		"second", "minute", "hour", "day", "week"
	};
	static const long secs[] = { 1, 60, 3600, DAY, 7 * DAY };
	unsigned int dow = 0, d;
	size_t u;
	int i;

	if (n == 1)
		return fail(c, "'every' needs a number, a unit or a day "
		    "after it");
	memset(s, 0, sizeof(*s));
	if (isdigit((unsigned char)*t[1].p)) {
		for (i = 2; i < n; i++)
			if (is(t[i], "at"))
				return fail(c, "'at' cannot follow an interval;"
				    " for times of day use a cron expression "
				    "such as '0 9 */2 * *'");
		s->kind = SCHED_INTERVAL;
		return nl_duration(c, t[1].p, &s->interval);
	}
	for (u = 0; u < HM_ARRAY_SIZE(units); u++) {
		if (!is(t[1], units[u]) || (n > 2 && secs[u] == DAY))
			continue;
		if (n > 2)
			return fail(c, "'%.*s' is not understood after "
			    "'every %s'", TOK(t[2]), units[u]);
		s->kind = SCHED_INTERVAL;
		s->interval = secs[u];
		return 0;
	}
	if (is(t[1], "day"))
		return nl_at(c, t, n, 2, ALLDAYS, "", s);
	if (is(t[1], "month") || is(t[1], "year")) {
		if (n > 2)
			return fail(c, "'%.*s' is not understood after "
			    "'every %.*s'", TOK(t[2]), TOK(t[1]));
		return cron_parse(c, is(t[1], "month") ? "0 0 1 * *" :
		    "0 0 1 1 *", s);
	}
	for (i = 1; i < n; i++) {
		if (dow && is(t[i], "and"))
			continue;
		if (!(d = day_set(t[i])))
			break;
		dow |= d;
	}
	if (!dow)
		return fail(c, "'%.*s' is not a day, a number or a unit",
		    TOK(t[1]));
	return nl_at(c, t, n, i, dow, "day or a ", s);
}

static int
nl_parse(struct ctx *c, const char *text, time_t now, struct schedule *s)
{
	struct tok t[MAXTOK];
	size_t k;
	long secs;
	int n;

	if ((n = tokenize(text, " ,", t, MAXTOK)) > MAXTOK)
		return fail(c, "too many words (%d)", n);
	if (!n)
		return fail(c, "not a schedule");
	if (is(t[0], "every"))
		return nl_every(c, t, n, s);
	if (is(t[0], "in")) {
		if (n == 1)
			return fail(c, "'in' needs a duration after it "
			    "('in 2h')");
		if (nl_duration(c, t[1].p, &secs) < 0)
			return -HM_EINVAL;
		if (now > TU_TIME_LIMIT - secs)
			return fail(c, "'%s' is too far ahead", t[1].p);
		memset(s, 0, sizeof(*s));
		s->kind = SCHED_ONCE;
		s->at = now + secs;
		return 0;
	}
	if (n > 1 && is(t[0], "daily"))
		return nl_at(c, t, n, 1, ALLDAYS, "", s);
	if (is(t[0], "weekdays") || is(t[0], "weekends"))
		return nl_at(c, t, n, 1, day_set(t[0]), "", s);
	for (k = 0; k < HM_ARRAY_SIZE(shortcuts); k++) {
		if (!is(t[0], shortcuts[k].name))
			continue;
		if (n > 1)
			return fail(c, "'%.*s' is not understood after "
			    "'%s'", TOK(t[1]), shortcuts[k].name);
		return cron_parse(c, shortcuts[k].cron, s);
	}
	return fail(c, "'%.*s' is not a schedule (try 'every 30m', 'every "
	    "day at 9am', 'in 2h' or '0 9 * * *')", TOK(t[0]));
}

static int
shortcut_parse(struct ctx *c, const char *text, struct schedule *s)
{
	struct tok t[2];
	size_t k;
	int n = tokenize(text, " ", t, 2);

	for (k = 0; k < HM_ARRAY_SIZE(shortcuts); k++) {
		if (!is((struct tok){ t[0].p + 1, t[0].n - 1 },
		    shortcuts[k].name))
			continue;
		if (n > 1)
			return fail(c, "'%.*s' is not understood after "
			    "'@%s'", TOK(t[1]), shortcuts[k].name);
		return cron_parse(c, shortcuts[k].cron, s);
	}
	return fail(c, "'%.*s' is not a shortcut (@hourly, @daily, "
	    "@weekly, @monthly, @yearly)", TOK(t[0]));
}

/* text trimmed, white space runs as one space, controls as '?'. */
static char *
normalise(const char *text)
{
	struct buf b = BUF_INIT;
	const char *p;

	for (p = text; *p; p++) {
		if (isspace((unsigned char)*p)) {
			if (b.len && !isspace((unsigned char)p[1]) && p[1])
				buf_addc(&b, ' ');
		} else {
			buf_addc(&b, iscntrl((unsigned char)*p) ? '?' : *p);
		}
	}
	return buf_detach(&b);
}

int
schedule_parse(const char *text, time_t now, struct schedule *s,
    struct buf *canon, struct buf *err)
{
	struct schedule r;
	struct buf why = BUF_INIT;
	struct ctx c;
	char *norm;
	int rc;

	c.err = err;
	norm = normalise(text ? text : "");
	snprintf(c.text, sizeof(c.text), "%.80s%s", norm,
	    strlen(norm) > 80 ? "..." : "");
	if (!*norm)
		rc = hm_fail(err, HM_EINVAL, "schedule is empty");
	else if (*norm == '@')
		rc = shortcut_parse(&c, norm, &r);
	else if (strlen(norm) > 4 && norm[4] == '-' &&
	    strspn(norm, "0123456789") == 4) {
		memset(&r, 0, sizeof(r));
		r.kind = SCHED_ONCE;
		if ((rc = tu_parse_iso(norm, &r.at, &why)) < 0)
			fail(&c, "%s", buf_str(&why));
	} else if (isdigit((unsigned char)*norm) || *norm == '*') {
		rc = cron_parse(&c, norm, &r);
	} else {
		rc = nl_parse(&c, norm, now, &r);
	}
	free(norm);
	buf_release(&why);
	if (rc < 0)
		return rc;
	*s = r;
	if (!canon)
		return 0;
	buf_reset(canon);
	if (r.kind == SCHED_CRON) {
		schedule_cron_text(&r, canon);
	} else if (r.kind == SCHED_INTERVAL) {
		buf_adds(canon, "every ");
		tu_format_duration(r.interval, canon);
	} else {
		tu_format_iso(r.at, canon);
	}
	return 0;
}

/* ---- the next run ---- */

static int
day_ok(const struct schedule *s, int64_t day, int mday)
{
	int dom = s->dom >> mday & 1, dow = s->dow >> tu_weekday(day) & 1;

	if (s->dom_star || s->dow_star)
		return dom && dow;
	return dom || dow;
}

/* The first wall minute at or after from that s names, up to limit. */
static int
cron_wall_next(const struct schedule *s, int64_t from, int64_t limit,
    int64_t *out)
{
	int64_t day, y, rem;
	int mon, mday, h, m, h0, m0;

	from = floor_div(from + 59, 60) * 60;
	day = floor_div(from, DAY);
	rem = from - day * DAY;
	h0 = (int)(rem / 3600);
	m0 = (int)(rem % 3600 / 60);
	for (; day * DAY <= limit; day++, h0 = m0 = 0) {
		tu_civil_from_days(day, &y, &mon, &mday);
		if (!(s->month >> mon & 1)) {
			/* on to the last of the month; the loop adds one */
			day += tu_days_in_month(y, mon) - mday;
			continue;
		}
		if (!day_ok(s, day, mday))
			continue;
		for (h = h0; h < 24; h++) {
			if (!(s->hour >> h & 1))
				continue;
			for (m = h == h0 ? m0 : 0; m < 60; m++) {
				if (!(s->minute >> m & 1))
					continue;
				*out = day * DAY + h * 3600 + m * 60;
				return *out <= limit ? 0 : -1;
			}
		}
	}
	return -1;
}

static int
cron_next(const struct schedule *s, time_t after, time_t *next)
{
	int64_t la, lb, from, w, bound = 0;
	time_t t, best = 0;
	int have = 0, r;

	if (after < -TU_TIME_LIMIT / 2 || after > TU_TIME_LIMIT / 2 ||
	    tu_time_to_wall(after, &la) < 0 ||
	    tu_time_to_wall(after - 90000, &lb) < 0)
		return -1;
	/* the offset grew by (la - after) - (lb - (after - 90000)) */
	if (la - lb > 90000)
		from = la - (la - lb - 90000);
	else
		from = floor_div(la, 60) * 60 + 60;
	while (cron_wall_next(s, from, la + HORIZON, &w) == 0) {
		if (have && w >= bound)
			break;
		if ((r = tu_wall_to_time(w, &t)) < 0)
			return -1;
		if (t > after && (!have || t < best)) {
			best = t;
			have = 1;
			if (r == 0 || tu_time_to_wall(t, &bound) < 0)
				break;
		}
		from = w + 60;
	}
	if (!have)
		return -1;
	*next = best;
	return 0;
}

static int
interval_next(const struct schedule *s, time_t after, time_t anchor,
    time_t *next)
{
	int64_t k;

	if (s->interval <= 0 || after < -TU_TIME_LIMIT ||
	    after > TU_TIME_LIMIT || anchor > TU_TIME_LIMIT)
		return -1;
	if (anchor <= 0) {
		*next = after + s->interval;
		return 0;
	}
	k = after < anchor ? 1 : (after - anchor) / s->interval + 1;
	*next = (time_t)(anchor + k * s->interval);
	return 0;
}

int
schedule_next(const struct schedule *s, time_t after, time_t anchor,
    time_t *next)
{
	switch (s->kind) {
	case SCHED_CRON:
		return cron_next(s, after, next);
	case SCHED_INTERVAL:
		return interval_next(s, after, anchor, next);
	case SCHED_ONCE:
		if (s->at <= after)
			return -1;
		*next = s->at;
		return 0;
	}
	return -1;
}

long
schedule_period(const struct schedule *s)
{
	int64_t start = tu_days_from_civil(2001, 1, 1) * DAY, w, prev;
	int64_t best = 0;
	int i;

	if (s->kind == SCHED_INTERVAL)
		return s->interval;
	if (s->kind != SCHED_CRON ||
	    cron_wall_next(s, start, start + HORIZON, &prev) < 0)
		return 0;
	for (i = 0; i < 500 && best != 60 &&
	    cron_wall_next(s, prev + 60, start + HORIZON, &w) == 0; i++) {
		if (!best || w - prev < best)
			best = w - prev;
		prev = w;
	}
	return (long)best;
}
