/*
 * gateway_int.h: what the gateway core's files share: gateway.c (the
 * loop, platforms, answers, the outbox), gateway_inbox.c (messages in,
 * kept in inbox/ before the ack) and gateway_turn.c (slash commands and
 * the hermes-ask turns).  Not for other modules: they use gateway.h.
 */
#ifndef HM_GATEWAY_INT_H
#define HM_GATEWAY_INT_H

#include <stdio.h>
#include <time.h>

#include "config.h"
#include "platform.h"

#define BACKOFF_MAX	300.0	/* seconds between tries of a dead platform */
#define RESCAN_EVERY	5.0	/* seconds between outbox scans without an
				   inotify event (retries, lost events) */

struct item {			/* a message waiting for, or in, a turn */
	struct gw_msg m;
	char *key;		/* the chat's session key */
	char *inbox;		/* its file in inbox/ */
	char *goal;		/* /goal: the objective */
};

struct turn {
	int pid;
	int out;		/* its stdout, an unlinked temp file */
	struct item it;
};

struct backoff {
	double next_try;	/* monotonic seconds; 0: now */
	double delay;
};

struct pend {
	int fd;
	char *tmp;		/* inbox/.NAME, written, not yet flushed */
	char *path;		/* inbox/NAME, once it is */
};

struct pf {
	struct platform *p;
	struct backoff in;	/* polls */
	struct backoff out;	/* sends: a reply URL that is down must
				   not stop a platform from receiving */
	double polled;		/* when it was last asked */
	time_t last_ok;
	char *last_error;
};

struct gw {
	const struct config *cfg;
	struct config own;	/* after a SIGHUP: the config read then */
	int have_own;
	const char *const *given;	/* --platform names, or NULL */
	struct pf *pf;
	size_t npf;
	struct item *q;		/* waiting, in arrival order */
	size_t nq;
	struct turn *t;
	size_t nt;
	long max_turns;
	FILE *log;
	unsigned seq;
	struct pend *pend;	/* inbox files of this poll, not yet flushed */
	size_t npend;
	char **recovered;	/* "PLATFORM CHAT ID" of inbox_recover's */
	size_t nrecovered;
};

/* gateway.c */
void gw_log(struct gw *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void gw_item_release(struct item *it);
/* PLATFORM:CHAT[:THREAD], plus :USER in groups; malloc'd. */
char *gw_chat_key(const struct gw_msg *m);
void gw_note(struct gw *g, const char *type, const struct gw_msg *m,
    const char *key, const char *text, int queued);
struct pf *gw_find_pf(struct gw *g, const char *name);
void gw_failed(struct gw *g, struct pf *f, struct backoff *b,
    struct buf *err);
void gw_ok(struct pf *f, struct backoff *b);
void gw_answer(struct gw *g, struct item *it, const char *text);

/* gateway_inbox.c */
void gw_inbox_recover(struct gw *g);
size_t gw_poll_all(struct gw *g, long timeout_ms);
void gw_idle(struct gw *g, long max_ms);

/* gateway_turn.c */
void gw_schedule(struct gw *g);
void gw_reap(struct gw *g);

#endif
