/*
 * sse.h: an incremental Server-Sent Events parser.  Feed it bytes as they
 * arrive, in any pieces; it calls on_event(event, data, ctx) for each
 * complete event (a blank line ends one).  Lines end with LF, CRLF or a
 * lone CR (a CRLF split between two feeds is still one end); a UTF-8 BOM
 * before the first line is skipped.  "data:" lines are joined with "\n";
 * an event whose data is empty is not delivered; "event:" names it (NULL
 * when absent); ":" lines are comments (": keep-alive"); an id holding
 * NUL is ignored, and unknown fields are ignored.  An
 * event not ended by a blank line when the stream stops is never
 * delivered: a cut stream loses it, and the caller notices the missing
 * terminator.
 * sse_feed returns 0, or the first non-zero value on_event returned
 * (then the parser stops delivering).
 * For a client that resumes a stream: last_id is the stream's last event
 * ID ("id:" lines, taken when their event ends, with or without data)
 * and retry the reconnection time an all-digits "retry:" line gave, in
 * ms (-1 when none came).
 */
#ifndef HM_SSE_H
#define HM_SSE_H

#include <stddef.h>

#include "buf.h"

struct sse {
	struct buf line, data, event;
	struct buf id, last_id;		/* id: buffer; the last event ID */
	long retry;			/* ms, -1: none given */
	int has_data;
	int cr;			/* the last line ended with CR */
	int started;		/* past the first line (and its BOM) */
	int stopped;
	int (*on_event)(const char *event, const char *data, void *ctx);
	void *ctx;
};

void sse_init(struct sse *s, int (*on_event)(const char *, const char *,
    void *), void *ctx);
int sse_feed(struct sse *s, const char *p, size_t n);
void sse_release(struct sse *s);

#endif
