/*
 * gwlisten.h: what the gateway's platforms that receive by HTTP
 * (platform_webhook.c, platform_whatsapp.c) share.
 *
 * The listener (httpd.h) is started by the first poll, not by open:
 * `hermes-gateway send` opens a platform only to send, and must not
 * take, or fail on, the port of a gateway that runs.  Once listening,
 * the bound address goes to $HERMES_HOME/gateway/NAME.addr ("HOST:PORT"
 * and a newline, atomic_write, mode 0600), so a listener on port 0 can
 * be found; it is removed when the platform closes.
 *
 * A request that brought messages is held, its connection open, until
 * gwlisten_ack answers it 200 {"ok":true}: the gateway acks only after
 * it stored the messages, so a crash in between leaves the sender
 * without an answer, and it sends again.  Closing the platform closes
 * held connections unanswered for the same reason.
 */
#ifndef HM_GWLISTEN_H
#define HM_GWLISTEN_H

#include <stddef.h>

struct buf;
struct gw_msg;
struct httpd;
struct httpd_req;

struct gwlisten {
	char *name;			/* the platform: "webhook" */
	char *spec;			/* HOST:PORT to listen on */
	const char *allow;		/* methods taken: "POST" */
	struct httpd *srv;		/* NULL until the first poll */
	struct httpd_req **held;	/* waiting for ack */
	size_t nheld;
	struct gw_msg *v;		/* what the poll in progress found */
	size_t n;
};

/* What a platform does with one request: take it over (answer and free
 * it, or hold it) and return how many messages it added. */
typedef int (*gwlisten_fn)(void *ctx, struct httpd_req *r);

/* -HM_EINVAL (err names the key) when spec is not an address; allow
 * (static) is what a 405 names. */
int gwlisten_init(struct gwlisten *l, const char *name, const char *key,
    const char *spec, const char *allow, struct buf *err);
/* Listen if not yet; hand requests to fn until one adds messages or
 * timeout_ms passes.  0 with the messages fn added in *v and *n (the
 * caller's, as platform.h's poll wants them), or -HM_EIO when the port
 * cannot be had (nothing handed over). */
int gwlisten_poll(struct gwlisten *l, long timeout_ms, gwlisten_fn fn,
    void *ctx, struct gw_msg **v, size_t *n, struct buf *err);
/* fn's way to add a message: *m is moved in and left empty. */
void gwlisten_add(struct gwlisten *l, struct gw_msg *m);
void gwlisten_hold(struct gwlisten *l, struct httpd_req *r);
/* 200 {"ok":true} to every held request. */
void gwlisten_ack(struct gwlisten *l);
/* Answer status with {"ok":false,"error":msg} (msg NULL: the
 * status's own line) and free r. */
void gwlisten_refuse(const struct gwlisten *l, struct httpd_req *r,
    int status, const char *msg);
/* Does header hold "sha256=" + the hex HMAC-SHA256 of the body under
 * secret?  (Hex in any case; compared in constant time.) */
int gwlisten_signed(const struct httpd_req *r, const char *header,
    const char *secret);
void gwlisten_release(struct gwlisten *l);

/* Replace every copy of secret in err by "<secret>" (error lines of
 * the platforms never hold a token, even one a server echoed). */
void gwlisten_scrub(struct buf *err, const char *secret);
/* Up to max bytes of an answer's body as one line of printable text,
 * appended to out ("" for none). */
void gwlisten_excerpt(struct buf *out, const struct buf *body, size_t max);

#endif
