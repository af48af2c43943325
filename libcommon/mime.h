/*
 * mime.h: Internet mail (RFC 5322, MIME) read and written as text, for
 * the email platform (platform_email.c).  Pure functions: no files, no
 * network, no state; mime.c reads a message, mime_text.c decodes
 * (transfer encodings, encoded words, charsets) and cuts quotes,
 * mime_compose.c writes.
 *
 * Reading.  mime_parse takes one raw message (CRLF or LF line ends, as
 * IMAP or a Maildir file hold it) and fills a struct mime_msg whose
 * strings are malloc'd UTF-8 (or NULL when absent), released by
 * mime_msg_release:
 *   from_addr   the first From address, lowercased ("ann@example.com");
 *               NULL when there is none or it is not one (no '@', spaces
 *               or control characters, longer than 254)
 *   from_name   its display name, RFC 2047 decoded, unquoted; or NULL
 *   subject     RFC 2047 decoded, one line (controls become spaces)
 *   message_id  the Message-ID without its <>, or NULL; an id is at
 *               most MIME_ID_MAX bytes of printable ASCII without
 *               spaces and <> (anything else is dropped)
 *   in_reply_to the first id of In-Reply-To, without <>
 *   references  the ids of References without <>, space-separated
 *   auto_submitted, precedence   the raw values, for mime_is_automatic
 *   text        the body people read: the first text/plain part that is
 *               not an attachment, found depth first through the multipart
 *               (nested, boundaries as declared; message/rfc822 parts
 *               are not entered), else the first such text/html part
 *               as text (html.h); quoted-printable and base64 decoded;
 *               charset utf-8, us-ascii, latin-1 (iso-8859-1) converted
 *               here, any other through iconv(3), and whatever remains
 *               invalid read as Latin-1, so text is always valid UTF-8
 *               with LF line ends and no control characters but tab and
 *               newline.  NULL when the message has no text part.
 * A torn or hostile message never fails: what cannot be read is left
 * out.  Nesting deeper than MIME_DEPTH_MAX is not entered.
 *
 * mime_is_automatic: 1 for mail no person wrote that must not be
 * answered (RFC 3834): Auto-Submitted other than "no", Precedence bulk,
 * list or junk, or a sender whose local part is mailer-daemon or
 * postmaster (bounces).
 *
 * mime_strip_quote: cut, in place, what a reply quotes of the previous
 * message at its end: the trailing run of "> " lines with the blank
 * lines among them, then an attribution line before it ("On ... wrote:",
 * also when a client wrapped it over two lines), and everything from an
 * Outlook "-----Original Message-----" line on.  Inline quotes followed
 * by new text stay.  Trailing blank lines go too.  When nothing would
 * be left, the text stays as it was.
 *
 * mime_decode_words: a header value, unfolded, with RFC 2047 encoded
 * words (=?charset?B|Q?...?=) decoded to UTF-8 (the blanks between two
 * encoded words dropped, as the RFC says), appended to out as one line.
 * mime_qp_decode / mime_b64_decode append the decoded bytes (a torn or
 * invalid sequence is kept as it is, or skipped in base64).
 * mime_to_utf8 appends s in charset (NULL: UTF-8) as clean UTF-8.
 *
 * Writing.  mime_reply_subject appends "Re: " and the subject without
 * the reply prefixes it already has (Re:, RE:, Aw:, Sv:, "Re[2]:"), so
 * a thread never grows "Re: Re:"; an empty subject gives
 * "Re: (no subject)".  mime_compose appends a whole message in CRLF
 * lines, ready for SMTP: From, To, Subject (RFC 2047 B-encoded when it
 * is not printable ASCII, folded), Date (RFC 5322, UTC), Message-ID,
 * In-Reply-To and References when given (folded; ids without <>),
 * MIME-Version, Content-Type text/plain; charset=utf-8, and
 * Content-Transfer-Encoding 7bit (ASCII), 8bit (UTF-8), or
 * quoted-printable when a line would pass 998 bytes; auto_submitted,
 * when set, becomes an Auto-Submitted header (RFC 3834).  Every header
 * value has its CR, LF and other controls replaced by spaces, so
 * nothing from a message read can add a header to one written.
 */
#ifndef HM_MIME_H
#define HM_MIME_H

#include <stddef.h>
#include <time.h>

struct buf;

#define MIME_ID_MAX	250	/* bytes of one message id */
#define MIME_DEPTH_MAX	8	/* nested multiparts entered */

struct mime_msg {
	char *from_addr;
	char *from_name;
	char *subject;
	char *message_id;
	char *in_reply_to;
	char *references;
	char *auto_submitted;
	char *precedence;
	char *text;
};

void mime_parse(const char *raw, size_t len, struct mime_msg *m);
void mime_msg_release(struct mime_msg *m);
int mime_is_automatic(const struct mime_msg *m);

void mime_strip_quote(char *text);
void mime_decode_words(const char *s, struct buf *out);
void mime_qp_decode(const char *s, size_t n, int header, struct buf *out);
void mime_b64_decode(const char *s, size_t n, struct buf *out);
void mime_b64_encode(const void *s, size_t n, struct buf *out);
void mime_to_utf8(const char *s, size_t n, const char *charset,
    struct buf *out);

struct mime_out {
	const char *from;		/* addresses, bare */
	const char *to;
	const char *subject;		/* UTF-8 */
	const char *message_id;		/* without <> */
	const char *in_reply_to;	/* or NULL */
	const char *references;		/* space-separated ids, or NULL */
	const char *auto_submitted;	/* "auto-replied", or NULL */
	time_t date;
	const char *text;		/* UTF-8, LF or CRLF line ends */
};

void mime_reply_subject(const char *subject, struct buf *out);
void mime_compose(const struct mime_out *o, struct buf *out);

#endif
