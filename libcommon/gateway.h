/*
 * gateway.h: the gateway core: messages in from the platforms, agent
 * turns out of hermes-ask children, replies and the outbox back out.
 *
 * Files under $HERMES_HOME/gateway/:
 *   .run.lock     held by the running gateway (one per state directory)
 *   inbox/NAME    a message accepted from a platform and not yet answered
 *                 (JSON, written before the platform is told to move on,
 *                 removed once the reply is sent, queued in the outbox,
 *                 or, refused by the platform for good, kept in
 *                 outbox/failed/; when not even the outbox takes it, it
 *                 stays): a gateway that dies between poll and reply, or
 *                 could not keep the reply, answers it after the
 *                 restart, so nothing is lost (at least once); when the
 *                 platform hands it over again (it died before the ack),
 *                 the copy is skipped by platform, chat and message id
 *   chats.json    chat key -> session id, so a chat continues one
 *                 session across messages and restarts; the key is
 *                 PLATFORM:CHAT[:THREAD], plus :USER in groups
 *   status.json   the platforms, their last contact and last error
 *   outbox/       see outbox.h; consumed here
 * Log: logs/gateway.log (no tokens: platform errors never hold them).
 *
 * A turn: `hermes-ask --json -q --source PLATFORM [-s SESSION]` with the
 * message on stdin, in its own process group; at most gateway.max_turns
 * at once and one per chat (later messages of that chat wait in order),
 * so a slow turn never blocks another chat.  Unknown users never reach
 * the agent: in a direct chat they get a pairing code (pairing.h), in a
 * group nothing; on a quiet_strangers platform (email) nothing either,
 * but their pairing request is recorded for `pair list`.  Slash
 * commands (/help /whoami /new /usage /model /goal) are answered here.
 * A platform that fails is retried with backoff (1 s doubling to 5 min,
 * or its retry_after) while the others go on; its polls and its sends
 * back off apart, so a reply URL that is down does not stop a webhook
 * from taking messages, and while every platform backs off the loop
 * sleeps until the first may be asked: it never spins.  The outbox is
 * watched with inotify and scanned on an event, and every few seconds
 * for retries.  SIGINT or SIGTERM: stop polling, stop the turns (their
 * messages stay in inbox/ and are answered after a restart), exit 0.
 */
#ifndef HM_GATEWAY_H
#define HM_GATEWAY_H

struct buf;
struct config;

/* Serve the platforms named in names (NULL-terminated; NULL or empty:
 * those of gateway.platforms) until SIGINT or SIGTERM.  SIGHUP re-reads
 * the config and reopens the platforms with it.  -HM_ECONFLICT when
 * another gateway runs. */
int gateway_run(const struct config *cfg, const char *const *names,
    struct buf *err);
/* Deliver text to TARGET (PLATFORM:CHAT[:THREAD]) now, or, when the
 * platform cannot be reached, drop it into the outbox; *queued says
 * which. */
int gateway_send(const struct config *cfg, const char *target,
    const char *text, int *queued, struct buf *err);
/* Split text into pieces of at most max bytes, at a line break or a
 * space when there is one, never inside a UTF-8 sequence; fn gets each. */
void gateway_split(const char *text, size_t max,
    void (*fn)(const char *p, size_t n, void *ctx), void *ctx);

#endif
