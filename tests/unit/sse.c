/*
 * sse.c: unit tests for libcommon/sse.c: one stream fed whole, a byte at
 * a time and in every two-piece split gives the same events; LF, CRLF
 * and lone CR line ends (a CRLF split between feeds is one end); comments,
 * event names, data lines joined, "data" without a colon, empty data not
 * delivered, a last event without its blank line lost; a BOM skipped;
 * id: and retry: kept; a non-zero on_event stops the parser.
 */
#include "common.h"
#include "sse.h"
#include "tap.h"

struct got {
	struct buf log;		/* "name|data;" per event */
	int stop_at;		/* stop at this event (from 1), 0: never */
	int n;
};

static int
on_event(const char *event, const char *data, void *ctx)
{
	struct got *g = ctx;

	buf_addf(&g->log, "%s|%s;", event ? event : "-", data);
	return ++g->n == g->stop_at;
}

/* Events of s fed in pieces of at most step bytes (0: whole). */
static char *
run(const char *s, size_t step, struct sse *keep)
{
	struct got g = { BUF_INIT, 0, 0 };
	struct sse p;
	size_t n = strlen(s), i, k;

	sse_init(&p, on_event, &g);
	for (i = 0; i < n; i += k) {
		k = step && n - i > step ? step : n - i;
		sse_feed(&p, s + i, k);
	}
	if (keep)
		*keep = p;
	else
		sse_release(&p);
	return buf_detach(&g.log);
}

/* Every way of cutting s in two gives want. */
static int
all_splits(const char *s, const char *want)
{
	struct got g;
	struct sse p;
	size_t n = strlen(s), i;
	int good = 1;

	for (i = 0; i <= n && good; i++) {
		memset(&g, 0, sizeof(g));
		sse_init(&p, on_event, &g);
		sse_feed(&p, s, i);
		sse_feed(&p, s + i, n - i);
		good = !strcmp(buf_str(&g.log), want);
		if (!good)
			printf("# split at %zu: '%s'\n", i, buf_str(&g.log));
		buf_release(&g.log);
		sse_release(&p);
	}
	return good;
}

int
main(void)
{
	static const char *const ends[] = { "\n", "\r\n", "\r" };
	const char *basic = "event: a\ndata: one\n\ndata: two\ndata: lines\n\n"
	    ": comment\ndata:{\"x\":1}\n\n";
	const char *want = "a|one;-|two\nlines;-|{\"x\":1};";
	struct buf b = BUF_INIT;
	struct got g = { BUF_INIT, 2, 0 };
	struct sse p;
	char *r;
	size_t i, j;
	int rc;

	r = run(basic, 0, NULL);
	is_str(r, want, "fed whole");
	free(r);
	r = run(basic, 1, NULL);
	is_str(r, want, "fed a byte at a time");
	free(r);
	ok(all_splits(basic, want), "fed in two pieces, cut anywhere");

	for (i = 0; i < HM_ARRAY_SIZE(ends); i++) {
		buf_reset(&b);
		for (j = 0; basic[j]; j++)
			if (basic[j] == '\n')
				buf_adds(&b, ends[i]);
			else
				buf_addc(&b, basic[j]);
		r = run(b.s, 0, NULL);
		is_str(r, want, "line ends %s", i == 0 ? "LF" : i == 1 ?
		    "CRLF" : "CR");
		free(r);
		ok(all_splits(b.s, want), "line ends %s, cut anywhere",
		    i == 0 ? "LF" : i == 1 ? "CRLF" : "CR");
	}
	r = run("data: a\r\n\r\ndata: b\n\rdata: c\r\r", 0, NULL);
	is_str(r, "-|a;-|b;-|c;", "mixed line ends");
	free(r);

	r = run("\xef\xbb\xbf" "data: bom\n\n", 0, NULL);
	is_str(r, "-|bom;", "a BOM before the first line is skipped");
	free(r);
	r = run("data: x\n\n\xef\xbb\xbf" "data: y\n\n", 0, NULL);
	is_str(r, "-|x;", "a BOM later is no BOM (the line is no field)");
	free(r);

	r = run("data\n\ndata:\n\nevent: e\n\ndata:\ndata:\n\n", 0, NULL);
	is_str(r, "-|\n;", "empty data is not delivered; two empty lines "
	    "are a newline");
	free(r);
	r = run("data: no space\ndata:  two spaces\n\n", 0, NULL);
	is_str(r, "-|no space\n two spaces;", "only one space after the "
	    "colon is dropped");
	free(r);
	r = run("data: done\n\ndata: never ended\n", 0, NULL);
	is_str(r, "-|done;", "an event without its blank line is lost");
	free(r);
	r = run(": keep-alive\n\n: keep-alive\ndata: after\n\n", 1, NULL);
	is_str(r, "-|after;", "comments alone deliver nothing");
	free(r);
	r = run("event: one\n\ndata: x\n\n", 0, NULL);
	is_str(r, "-|x;", "an event name does not outlive its event");
	free(r);

	r = run("id: 7\nretry: 2500\ndata: a\n\nid: 8\ndata: b\n\n"
	    "retry: 1x\n\n", 0, &p);
	is_str(r, "-|a;-|b;", "id: and retry: are not data");
	is_str(buf_str(&p.last_id), "8", "the last id is kept");
	is_int(p.retry, 2500, "retry: in ms; a bad one is ignored");
	free(r);
	sse_release(&p);
	r = run("data: a\n\n", 0, &p);
	is_int(p.retry, -1, "no retry: is -1");
	free(r);
	sse_release(&p);

	sse_init(&p, on_event, &g);
	rc = sse_feed(&p, "data: 1\n\ndata: 2\n\ndata: 3\n\n", 27);
	is_int(rc, 1, "on_event's non-zero comes back");
	rc = sse_feed(&p, "data: 4\n\n", 9);
	is_int(rc, 1, "and the parser stays stopped");
	is_str(buf_str(&g.log), "-|1;-|2;", "nothing after the stop");
	buf_release(&g.log);
	sse_release(&p);
	buf_release(&b);
	return done_testing();
}
