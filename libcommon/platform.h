/*
 * platform.h: one messaging platform behind a small table of functions,
 * so the gateway core (gateway.c) never knows which one it talks to.
 * One file per platform: platform_telegram.c, and later _email,
 * _webhook, _slack, _discord, _signal.
 *
 * The gateway's loop calls poll with a short timeout (it also watches
 * the outbox and its agent turns), gets the new messages, records them
 * durably, and only then calls ack, which lets the platform move past
 * them (Telegram's update offset, persisted under gateway/): a restart
 * between poll and ack sees the same messages again, a restart after it
 * never does.  send delivers one text, already cut to max_len by the
 * caller, as a reply to reply_to when not NULL.
 *
 * Errors: poll and send return 0 or -HM_E* with one line in err that
 * names the platform and never holds a token.  -HM_EIO means the
 * platform is unreachable or failed (the caller backs off and retries,
 * the other platforms go on); -HM_EFAIL a refusal that a retry will not
 * mend (401 bad token, 409 a webhook is set, 400 chat not found).
 * retry_after (seconds, may be 0) says when to try again after a 429.
 *
 * log: set by the gateway (NULL elsewhere, e.g. hermes-gateway send);
 * platform_log says through it, in one line that names the platform,
 * what the platform decided not to hand over (a bot's message, one
 * that does not mention us, a duplicate), where it decides it, so a
 * log shows why a message got no answer.  Never a token in it.
 *
 * quiet_strangers: the gateway answers nobody it does not know, not
 * even with a pairing code (email: an answer to any sender would make
 * the bot a spam reflector); their pairing request is still recorded,
 * so `hermes-gateway pair list` shows it and the owner may approve it.
 */
#ifndef HM_PLATFORM_H
#define HM_PLATFORM_H

#include <stddef.h>

struct buf;
struct config;

struct gw_msg {
	char *platform;			/* "telegram" */
	char *chat;			/* the platform's chat id */
	char *thread;			/* topic/thread id, or NULL */
	char *user;			/* the sender's id */
	char *user_name;		/* a name for people, or NULL */
	char *text;
	char *message_id;		/* for replies, or NULL */
	int is_group;			/* not a direct chat */
};

struct platform {
	const char *name;
	size_t max_len;			/* longest message it takes */
	int (*open)(struct platform *p, const struct config *cfg,
	    struct buf *err);
	int (*poll)(struct platform *p, long timeout_ms, struct gw_msg **v,
	    size_t *n, struct buf *err);
	int (*ack)(struct platform *p, struct buf *err);
	int (*send)(struct platform *p, const char *chat, const char *thread,
	    const char *reply_to, const char *text, struct buf *err);
	void (*close)(struct platform *p);
	double retry_after;		/* set by poll/send on a 429 */
	void *state;
	int quiet_strangers;		/* no pairing answer to strangers */
	void (*log)(void *ctx, const char *line);	/* or NULL */
	void *log_ctx;
};

/* "NAME: " and the formatted line to p->log, if set. */
void platform_log(struct platform *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void gw_msg_release(struct gw_msg *m);
void gw_msgs_free(struct gw_msg *v, size_t n);

/* A fresh platform by name ("telegram"), or NULL when there is none of
 * that name.  The caller opens, uses and closes it, then frees it. */
struct platform *platform_new(const char *name);
/* The names known, ", "-separated, appended to out. */
void platform_names(struct buf *out);

#endif
