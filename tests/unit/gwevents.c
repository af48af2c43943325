/*
 * gwevents.c: unit tests for libcommon/gwevents.c.  Appends get a
 * header first and a "ts"; cursors grow and a scan after a cursor gives
 * exactly what came after; a scan stopped by its callback resumes where
 * it stopped; a torn last line is not read, is ended by the next append
 * and skipped; rotation keeps cursors continuous across two files, a
 * cursor older than both reads from the oldest event, a cursor past the
 * end (the history removed) reads from the start; gwevents_end follows;
 * gwevents_note's keys; writers in four processes (with and without
 * rotation) never interleave.
 * Files: HERMES_HOME is a mkdtemp directory, removed at the end.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <ftw.h>

#include "common.h"
#include "gwevents.h"
#include "path.h"
#include "platform.h"
#include "tap.h"

static char home[] = "/tmp/hermes-unit-gwevents.XXXXXX";

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
wipe(void)
{
	char *p = gwevents_path();
	struct buf b = BUF_INIT;

	unlink(p);
	buf_addf(&b, "%s.1", p);
	unlink(b.s);
	buf_release(&b);
	free(p);
}

static int
add(long n, long max)
{
	cJSON *o = cJSON_CreateObject();
	struct buf err = BUF_INIT;
	int rc;

	cJSON_AddStringToObject(o, "type", "message");
	cJSON_AddNumberToObject(o, "n", (double)n);
	cJSON_AddStringToObject(o, "session_key", n % 2 ? "odd" : "even");
	rc = max ? gwevents_append_max(o, max, &err) : gwevents_append(o,
	    &err);
	if (rc < 0)
		printf("# %s\n", err.s);
	cJSON_Delete(o);
	buf_release(&err);
	return rc;
}

struct seen {
	long n[512];
	long long cur[512];
	size_t k;
	size_t stop_at;		/* stop after this many; 0: never */
	int ts;			/* every event had a ts */
};

static int
collect(const cJSON *ev, long long cursor, void *ctx)
{
	struct seen *s = ctx;
	const cJSON *n = cJSON_GetObjectItem(ev, "n");

	if (s->k < HM_ARRAY_SIZE(s->n)) {
		s->n[s->k] = cJSON_IsNumber(n) ? (long)n->valuedouble : -1;
		s->cur[s->k] = cursor;
	}
	s->k++;
	if (!cJSON_GetStringValue(cJSON_GetObjectItem(ev, "ts")))
		s->ts = 0;
	return s->stop_at && s->k >= s->stop_at;
}

static long long
scan(long long after, struct seen *s, size_t stop_at)
{
	struct buf err = BUF_INIT;
	long long next = -1;

	memset(s, 0, sizeof(*s));
	s->ts = 1;
	s->stop_at = stop_at;
	if (gwevents_scan(after, collect, s, &next, &err) < 0)
		printf("# %s\n", err.s);
	buf_release(&err);
	return next;
}

static int
increasing(const struct seen *s)
{
	size_t i;

	for (i = 1; i < s->k && i < HM_ARRAY_SIZE(s->n); i++)
		if (s->cur[i] <= s->cur[i - 1] || s->n[i] != s->n[i - 1] + 1)
			return 0;
	return 1;
}

static void
test_basic(void)
{
	struct seen s;
	long long next, end, mid;
	char *p;
	int fd;

	wipe();
	is_int(scan(0, &s, 0), 0, "no log: next is 0");
	is_int(s.k, 0, "no log: no events");
	ok(add(0, 0) == 0 && add(1, 0) == 0 && add(2, 0) == 0, "3 appends");
	next = scan(0, &s, 0);
	is_int(s.k, 3, "all 3 read");
	ok(increasing(&s) && s.n[0] == 0, "in order, cursors grow");
	ok(s.ts, "each got a ts");
	gwevents_end(&end);
	ok(next == end && end == s.cur[2], "next = end = the last cursor");
	mid = s.cur[0];
	scan(mid, &s, 0);
	ok(s.k == 2 && s.n[0] == 1, "after the first cursor: the other 2");
	next = scan(0, &s, 2);
	ok(s.k == 2 && next == s.cur[1], "a stopped scan: next is the stop");
	scan(next, &s, 0);
	ok(s.k == 1 && s.n[0] == 2, "... and it resumes there");
	next = scan(end, &s, 0);
	ok(s.k == 0 && next == end, "after the end: nothing, next stays");

	p = gwevents_path();
	fd = open(p, O_WRONLY | O_APPEND);
	ok(fd >= 0 && write(fd, "{\"type\":\"message\",\"n\":", 22) == 22,
	    "a torn line");
	if (fd >= 0)
		close(fd);
	next = scan(end, &s, 0);
	ok(s.k == 0 && next == end, "a torn line is not read");
	ok(add(3, 0) == 0, "the next append");
	next = scan(end, &s, 0);
	ok(s.k == 1 && s.n[0] == 3, "the torn line skipped, the event read");
	gwevents_end(&end);
	is_int(next, end, "next is the end");
	free(p);
}

static void
test_rotation(void)
{
	struct seen s;
	long long end, first, c10, next;
	struct stat st;
	char *p = gwevents_path();
	struct buf old = BUF_INIT;
	long i;

	buf_addf(&old, "%s.1", p);
	wipe();
	for (i = 0; i < 40; i++)
		add(i, 1000);
	ok(stat(old.s, &st) == 0, "rotated into events.jsonl.1");
	ok(stat(p, &st) == 0 && st.st_size <= 1000, "the log stays small");
	scan(0, &s, 0);
	ok(s.k > 0 && s.k < 40 && increasing(&s), "what is kept is in order "
	    "(%zu events)", s.k);
	is_int(s.n[s.k - 1], 39, "up to the last");
	first = s.n[0];
	c10 = 0;
	for (i = 0; i < (long)s.k; i++)
		if (s.n[i] == first + 2)
			c10 = s.cur[i];
	next = scan(c10, &s, 0);
	ok(s.k > 0 && s.n[0] == first + 3 && s.n[s.k - 1] == 39 &&
	    increasing(&s), "after a cursor in the older file: on into the "
	    "new one");
	gwevents_end(&end);
	is_int(next, end, "next is the end");
	for (i = 40; i < 80; i++)
		add(i, 1000);
	scan(c10, &s, 0);
	ok(s.k > 0 && s.n[0] > first + 3 && s.n[s.k - 1] == 79 &&
	    increasing(&s), "a cursor older than both files: from the oldest");
	c10 = s.k > 1 ? s.cur[s.k - 2] : 0;
	scan(c10, &s, 0);
	ok(s.k == 1 && s.n[0] == 79, "after the last cursor but one: the "
	    "last event");
	gwevents_end(&end);
	wipe();
	add(100, 0);
	scan(end, &s, 0);
	ok(s.k == 1 && s.n[0] == 100, "history removed: a cursor past the end "
	    "reads from the start");
	buf_release(&old);
	free(p);
}

static void
test_note(void)
{
	struct gw_msg m = { "telegram", "111", "7", "222", "ann", "hi", "42",
		1 };
	struct buf err = BUF_INIT, text = BUF_INIT;
	char *p = gwevents_path();
	cJSON *o;
	char *nl;

	wipe();
	ok(gwevents_note("message", &m, "telegram:111:7:222", m.text, 0,
	    &err) == 0, "note a message");
	ok(gwevents_note("reply", &m, "telegram:111:7:222", "hello", 1,
	    &err) == 0, "note a reply");
	buf_read_file(&text, p);
	nl = strchr(text.s, '\n');
	o = cJSON_Parse(nl + 1);
	ok(o && !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o, "thread")),
	    "7") && !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o,
	    "message_id")), "42") && cJSON_IsTrue(cJSON_GetObjectItem(o,
	    "group")) && !cJSON_GetObjectItem(o, "queued"),
	    "the message: thread, message_id, group");
	cJSON_Delete(o);
	nl = strchr(nl + 1, '\n');
	o = cJSON_Parse(nl + 1);
	ok(o && !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o, "type")),
	    "reply") && !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o,
	    "reply_to")), "42") && cJSON_IsTrue(cJSON_GetObjectItem(o,
	    "queued")) && !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o,
	    "session_key")), "telegram:111:7:222"),
	    "the reply: reply_to, queued, session_key");
	cJSON_Delete(o);
	buf_release(&text);
	buf_release(&err);
	free(p);
}

static void
writers(long max)
{
	struct buf text = BUF_INIT;
	char *p = gwevents_path();
	size_t lines = 0, bad = 0;
	struct seen s;
	char *l, *nl;
	int i, st, fine = 1;
	pid_t pid;

	wipe();
	for (i = 0; i < 4; i++) {
		if ((pid = fork()) == 0) {
			long k;

			for (k = 0; k < 50; k++)
				if (add(1000 * i + k, max) < 0)
					_exit(1);
			_exit(0);
		}
	}
	while ((pid = wait(&st)) > 0)
		fine &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
	ok(fine, "4 writers x 50 events (max %ld)", max);
	buf_read_file(&text, p);
	for (l = text.s; l && *l; l = nl + 1) {
		cJSON *o;

		if (!(nl = strchr(l, '\n')))
			break;
		*nl = '\0';
		o = cJSON_Parse(l);
		bad += !cJSON_IsObject(o);
		lines++;
		cJSON_Delete(o);
	}
	ok(lines > 0 && bad == 0, "every line whole (%zu lines)", lines);
	scan(0, &s, 0);
	if (!max)
		is_int(s.k, 200, "all 200 read back");
	else
		ok(s.k > 0 && s.k <= 200, "what is kept reads back (%zu)",
		    s.k);
	for (i = 1; i < (int)s.k && i < 512; i++)
		if (s.cur[i] <= s.cur[i - 1])
			fine = 0;
	ok(fine, "cursors grow");
	buf_release(&text);
	free(p);
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
	test_basic();
	test_rotation();
	test_note();
	writers(0);
	writers(4000);
	nftw(home, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	buf_release(&err);
	return done_testing();
}
