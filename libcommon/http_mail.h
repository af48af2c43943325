/*
 * http_mail.h: mail servers through libcurl: an IMAP session to read a
 * mailbox and flag messages, and SMTP to send one message.  Part of the
 * http module (libcurl is included only in http*.c).
 *
 * Servers are URLs: imap://host:port and smtp://host:port use STARTTLS
 * when the server offers it and go on in the clear when it does not
 * (CURLUSESSL_TRY); imaps:// and smtps:// are TLS from the first byte.
 * Certificates are verified.  A user name in the URL
 * (imap://login@host) is the login; else acct->user is.  No other
 * scheme is accepted.
 *
 * IMAP.  libcurl's own IMAP requests cannot fetch a message without
 * setting \Seen: its URL fetch (;UID=N) sends BODY[], and a
 * CURLOPT_CUSTOMREQUEST hands back the untagged lines but drops the
 * literal that carries the message.  So http_mail_imap_open lets
 * libcurl connect, do TLS or STARTTLS and log in (CURLOPT_CONNECT_ONLY),
 * and the commands then go over that connection as plain IMAP4rev1:
 * tagged "hN", the response read up to its tagged line, literals
 * ({N}) read by their length.  One session, one login, any number of
 * commands; http_mail_imap_close says LOGOUT and frees it.
 *   http_mail_imap_cmd(im, "UID SEARCH UNSEEN", out, err): runs one
 *     command; its untagged responses, literals inline, each ending in
 *     CRLF, are appended to out (may be NULL).
 *   http_mail_imap_fetch(im, uid, max, msg, err): the message of that
 *     UID by UID FETCH uid BODY.PEEK[]<0.max>, which leaves its flags
 *     alone, appended to msg (at most max bytes); -HM_ENOTFOUND when the
 *     mailbox has no such message (expunged meanwhile).
 * Each wait for the server (connecting and logging in, then every read
 * and write) is bounded by acct->timeout seconds (0: 30); SIGINT and
 * SIGTERM (sig_interrupted) end a wait at once.  A session that failed
 * on the wire is dead: every later command is -HM_EIO at once.
 *
 * SMTP.  http_mail_smtp_send(acct, from, rcpt, data, len, err): one
 * message (data: CRLF lines, headers, empty line, body) from the
 * envelope sender to the NULL-terminated recipients (bare addresses),
 * logging in with acct when the server offers AUTH.  The whole
 * transfer is bounded by 4 times acct->timeout.
 *
 * Errors: 0, or -HM_E* with one line in err that names the server as
 * scheme://host:port (never a user name or password from the URL, and
 * never acct->password, which is scrubbed from anything the server
 * or libcurl said):
 *   -HM_EIO    not reachable, cut, timed out, interrupted, or a
 *              temporary refusal (SMTP 4xx; IMAP NO [UNAVAILABLE],
 *              [INUSE], [LIMIT], [SERVERBUG])
 *   -HM_EFAIL  the login was denied, a certificate refused, or a
 *              permanent refusal (SMTP 5xx, any other IMAP NO or BAD)
 */
#ifndef HM_HTTP_MAIL_H
#define HM_HTTP_MAIL_H

#include <stddef.h>

struct buf;

struct http_mail_account {
	const char *url;		/* imap:// imaps:// smtp:// smtps:// */
	const char *user;		/* login, unless the URL names one */
	const char *password;		/* NULL or "": no login */
	long timeout;			/* seconds per wait; 0: 30 */
};

struct http_mail_imap;

int http_mail_imap_open(struct http_mail_imap **im,
    const struct http_mail_account *acct, struct buf *err);
int http_mail_imap_cmd(struct http_mail_imap *im, const char *cmd,
    struct buf *out, struct buf *err);
int http_mail_imap_fetch(struct http_mail_imap *im, unsigned long uid,
    size_t max, struct buf *msg, struct buf *err);
void http_mail_imap_close(struct http_mail_imap *im);

int http_mail_smtp_send(const struct http_mail_account *acct,
    const char *from, const char *const *rcpt, const char *data, size_t len,
    struct buf *err);

#endif
