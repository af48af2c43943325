/*
 * mime.c: unit tests for libcommon/mime.c, mime_text.c and
 * mime_compose.c: headers (folding, RFC 2047 words, From forms, ids),
 * bodies (multipart nesting, boundaries, quoted-printable, base64,
 * charsets, attachments, HTML only), the quoted tail of replies, the
 * Re: subject, and composing (headers, encodings, no header injection),
 * with a composed message read back.
 */
#include "common.h"
#include "mime.h"
#include "tap.h"

static void
parse(const char *raw, struct mime_msg *m)
{
	mime_parse(raw, strlen(raw), m);
}

static char *
words(const char *s)
{
	struct buf b = BUF_INIT;

	mime_decode_words(s, &b);
	return buf_detach(&b);
}

static void
test_headers(void)
{
	struct mime_msg m;
	char *s;

	parse("From: \"Ann Example\" <Ann@Example.COM>\r\n"
	    "Subject: hello\r\n  world\r\n"
	    "Message-ID: <m1@example.com>\r\n"
	    "In-Reply-To: <p1@x> (a comment) <p2@x>\r\n"
	    "References: <r0@x>\r\n\t<p1@x>\r\n"
	    "\r\n"
	    "Hi\r\n", &m);
	is_str(m.from_addr, "ann@example.com", "From address, lowercased");
	is_str(m.from_name, "Ann Example", "From name, unquoted");
	is_str(m.subject, "hello world", "folded Subject unfolded");
	is_str(m.message_id, "m1@example.com", "Message-ID without <>");
	is_str(m.in_reply_to, "p1@x", "first In-Reply-To id");
	is_str(m.references, "r0@x p1@x", "References, folded");
	is_str(m.text, "Hi", "a plain body");
	ok(!mime_is_automatic(&m), "a person's mail");
	mime_msg_release(&m);

	parse("From: ann@example.com (Ann E)\nSubject: x\n\nbody\n", &m);
	is_str(m.from_addr, "ann@example.com", "addr (comment) form");
	is_str(m.from_name, "Ann E", "the comment is the name");
	is_str(m.text, "body", "LF-only message");
	mime_msg_release(&m);

	parse("From: bob@example.com\n\n", &m);
	is_str(m.from_addr, "bob@example.com", "a bare address");
	ok(m.from_name == NULL, "no name");
	ok(m.text == NULL || !*m.text, "an empty body");
	mime_msg_release(&m);

	parse("From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.de>, "
	    "other@x.org\nSubject: =?iso-8859-1?q?Gr=FC=DFe?= =?utf-8?b?"
	    "IGF1cw==?= Berlin\n\nx\n", &m);
	is_str(m.from_addr, "jm@example.de", "first of two addresses");
	is_str(m.from_name, "J\xc3\xbcrgen M\xc3\xbcller",
	    "RFC 2047 Q name, UTF-8");
	is_str(m.subject, "Gr\xc3\xbc\xc3\x9f" "e aus Berlin",
	    "Latin-1 Q word, then a B word (blank between words dropped)");
	mime_msg_release(&m);

	parse("From: <not an address>\nMessage-ID: <bad id@x>\n\nx\n", &m);
	ok(m.from_addr == NULL, "a From that is no address");
	ok(m.message_id == NULL, "an id with a blank is dropped");
	mime_msg_release(&m);

	parse("From: x@y\nSubject: a\r\n\r\n", &m);
	is_str(m.subject, "a", "CRLF headers, nothing after");
	mime_msg_release(&m);

	s = words("plain =?utf-8?B?w6k=?=x and =?bogus");
	is_str(s, "plain \xc3\xa9x and =?bogus",
	    "encoded word inside text; a torn word stays");
	free(s);
	s = words("=?utf-8?q?a?=\r\n =?utf-8?q?b?=");
	is_str(s, "ab", "folded words join");
	free(s);
	s = words("caf\xe9 bar");
	is_str(s, "caf\xc3\xa9 bar", "raw 8 bit header read as Latin-1");
	free(s);
	s = words("=?utf-8?q?evil=0D=0ABcc:_x?=");
	is_str(s, "evil Bcc: x", "CR LF from a word become a space");
	free(s);
}

static void
test_automatic(void)
{
	static const char *const autos[] = {
		"From: a@x\nAuto-Submitted: auto-replied\n\nx",
		"From: a@x\nAuto-Submitted: auto-generated\n\nx",
		"From: a@x\nPrecedence: bulk\n\nx",
		"From: a@x\nPrecedence: list\n\nx",
		"From: a@x\nPrecedence: junk\n\nx",
		"From: MAILER-DAEMON@mx.example.com\n\nx",
		"From: postmaster@example.com\n\nx",
	};
	struct mime_msg m;
	size_t i;

	for (i = 0; i < HM_ARRAY_SIZE(autos); i++) {
		parse(autos[i], &m);
		ok(mime_is_automatic(&m), "automatic mail %zu", i);
		mime_msg_release(&m);
	}
	parse("From: a@x\nAuto-Submitted: no\nPrecedence: first-class\n\nx",
	    &m);
	ok(!mime_is_automatic(&m), "Auto-Submitted: no is a person");
	mime_msg_release(&m);
}

static void
test_bodies(void)
{
	struct mime_msg m;

	parse("From: a@x\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"outer b\"\n\n"
	    "preamble\n"
	    "--outer b\n"
	    "Content-Type: multipart/alternative; boundary=inner\n\n"
	    "--inner\n"
	    "Content-Type: text/html; charset=utf-8\n\n"
	    "<p>html version</p>\n"
	    "--inner\n"
	    "Content-Type: text/plain; charset=\"ISO-8859-1\"\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n"
	    "Gr=FC=DFe, a long line that goes=\n on, and =3D sign\n"
	    "--inner--\n"
	    "--outer b\n"
	    "Content-Type: text/plain\n"
	    "Content-Disposition: attachment; filename=a.txt\n\n"
	    "not this\n"
	    "--outer b--\n"
	    "epilogue\n", &m);
	is_str(m.text, "Gr\xc3\xbc\xc3\x9f" "e, a long line that goes on, "
	    "and = sign", "nested multipart: the plain part, QP, Latin-1");
	mime_msg_release(&m);

	parse("From: a@x\nContent-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    "aMOpbGxv\nIHdvcmxk\n"
	    "--b\nContent-Type: text/plain\n\nsecond\n--b--\n", &m);
	is_str(m.text, "h\xc3\xa9llo world", "base64 over lines; first part");
	mime_msg_release(&m);

	parse("From: a@x\nContent-Type: multipart/mixed; boundary=b\n\n"
	    "--bx\nnot a delimiter\n--b\n\nno headers: text/plain\n--b--\n",
	    &m);
	is_str(m.text, "no headers: text/plain",
	    "a longer boundary-like line is no delimiter; default type");
	mime_msg_release(&m);

	parse("From: a@x\nContent-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: text/plain\n\ncut off", &m);
	is_str(m.text, "cut off", "no closing delimiter");
	mime_msg_release(&m);

	parse("From: a@x\nContent-Type: text/html\n\n<html><body><p>Hello"
	    " <b>there</b></p><script>x()</script></body></html>", &m);
	ok(m.text && strstr(m.text, "Hello there") && !strstr(m.text, "x()"),
	    "HTML only: as text");
	mime_msg_release(&m);

	parse("From: a@x\nContent-Type: image/png\n"
	    "Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n", &m);
	ok(m.text == NULL, "no text part");
	mime_msg_release(&m);

	parse("From: a@x\nContent-Type: multipart/mixed\n\n--b\n\nx\n", &m);
	ok(m.text == NULL, "multipart without a boundary");
	mime_msg_release(&m);

	parse("From: a@x\nContent-Type: text/plain; charset=windows-1252\n\n"
	    "\x93quoted\x94 \x80", &m);
	is_str(m.text, "\xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x82\xac",
	    "windows-1252 through iconv");
	mime_msg_release(&m);

	parse("From: a@x\nContent-Type: text/plain; charset=x-unknown\n\n"
	    "ok \xff\x01\n", &m);
	is_str(m.text, "ok \xc3\xbf", "unknown charset: bad bytes as Latin-1,"
	    " controls dropped");
	mime_msg_release(&m);

	parse("From: a@x\nContent-Type: text/plain; charset=utf-8\n\n"
	    "caf\xc3\xa9 \xe9\r\nline\r\n", &m);
	is_str(m.text, "caf\xc3\xa9 \xc3\xa9\nline", "stray byte in UTF-8");
	mime_msg_release(&m);
}

static void
check_strip(const char *in, const char *want, const char *what)
{
	char *s = xstrdup(in);

	mime_strip_quote(s);
	is_str(s, want, "%s", what);
	free(s);
}

static void
test_strip(void)
{
	check_strip("Sounds good.\n\nOn Mon, 24 Nov 2026 at 10:00, Bot <bot@x>"
	    " wrote:\n> Shall we?\n>\n> -- \n> bot\n", "Sounds good.",
	    "Gmail style");
	check_strip("Yes.\n\nOn Mon, 24 Nov 2026 at 10:00, Bot Example <\n"
	    "bot@example.com> wrote:\n\n> Shall we?\n", "Yes.",
	    "attribution wrapped over two lines");
	check_strip("> what time?\nnine\n\n> and where?\nhere\n",
	    "> what time?\nnine\n\n> and where?\nhere",
	    "inline answers stay");
	check_strip("Fine\n-----Original Message-----\nFrom: x\n\nold\n",
	    "Fine", "Outlook separator");
	check_strip("> only a quote\n", "> only a quote",
	    "nothing but a quote: kept");
	check_strip("no quote at all\n\n\n", "no quote at all",
	    "trailing blank lines");
	check_strip("Ja.\n\nAm 24.11.2026 um 10:00 schrieb Bot:\n> Frage\n",
	    "Ja.", "German attribution");
	check_strip("I wrote:\n> x\n", "I wrote:",
	    "a 'wrote:' line not opened by On stays");
	check_strip("", "", "empty text");
}

static void
test_subject(void)
{
	static const char *const cases[][2] = {
		{ "hello", "Re: hello" },
		{ "Re: hello", "Re: hello" },
		{ "RE: Re: re : hello", "Re: hello" },
		{ "Aw: Re[2]: hello", "Re: hello" },
		{ "Re:", "Re: (no subject)" },
		{ "", "Re: (no subject)" },
		{ "Reply needed", "Re: Reply needed" },
		{ "a\r\nBcc: x", "Re: a  Bcc: x" },
	};
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < HM_ARRAY_SIZE(cases); i++) {
		buf_reset(&b);
		mime_reply_subject(cases[i][0], &b);
		is_str(b.s, cases[i][1], "reply subject %zu", i);
	}
	buf_reset(&b);
	mime_reply_subject(NULL, &b);
	is_str(b.s, "Re: (no subject)", "no subject");
	buf_release(&b);
}

static int
has_line(const char *msg, const char *line)
{
	const char *p = msg;
	size_t n = strlen(line);

	while ((p = strstr(p, line))) {
		if ((p == msg || p[-1] == '\n') && !strncmp(p + n, "\r\n", 2))
			return 1;
		p += n;
	}
	return 0;
}

static void
test_compose(void)
{
	struct mime_out o;
	struct mime_msg m;
	struct buf b = BUF_INIT, big = BUF_INIT, t = BUF_INIT;
	const char *p;
	size_t i, longest = 0, col = 0;
	int bare_lf = 0;

	memset(&o, 0, sizeof(o));
	o.from = "bot@example.com";
	o.to = "ann@example.com";
	o.subject = "Re: hello";
	o.message_id = "hermes.1.ab@example.com";
	o.in_reply_to = "m1@example.com";
	o.references = "r0@x m1@example.com";
	o.auto_submitted = "auto-replied";
	o.date = 0;
	o.text = "Hi Ann,\nplain ASCII.\n.\n";
	mime_compose(&o, &b);
	ok(has_line(b.s, "From: bot@example.com"), "From");
	ok(has_line(b.s, "To: ann@example.com"), "To");
	ok(has_line(b.s, "Subject: Re: hello"), "Subject");
	ok(has_line(b.s, "Date: Thu, 01 Jan 1970 00:00:00 +0000"), "Date");
	ok(has_line(b.s, "Message-ID: <hermes.1.ab@example.com>"),
	    "Message-ID");
	ok(has_line(b.s, "In-Reply-To: <m1@example.com>"), "In-Reply-To");
	ok(has_line(b.s, "References: <r0@x> <m1@example.com>"), "References");
	ok(has_line(b.s, "Auto-Submitted: auto-replied"), "Auto-Submitted");
	ok(has_line(b.s, "MIME-Version: 1.0"), "MIME-Version");
	ok(has_line(b.s, "Content-Type: text/plain; charset=utf-8"),
	    "Content-Type");
	ok(has_line(b.s, "Content-Transfer-Encoding: 7bit"), "7bit for ASCII");
	ok(strstr(b.s, "\r\n\r\nHi Ann,\r\nplain ASCII.\r\n.\r\n") != NULL,
	    "body in CRLF lines");
	for (p = b.s; *p; p++)
		if (*p == '\n' && (p == b.s || p[-1] != '\r'))
			bare_lf = 1;
	ok(!bare_lf, "no bare LF anywhere");

	/* a hostile subject and a long, non-ASCII one; 8bit */
	buf_reset(&b);
	o.subject = "x\r\nBcc: victim@example.com";
	o.in_reply_to = o.references = o.auto_submitted = NULL;
	o.text = "gr\xc3\xbc\xc3\x9f" "e";
	mime_compose(&o, &b);
	ok(!strstr(b.s, "\r\nBcc:"), "no header injection through Subject");
	ok(!strstr(b.s, "In-Reply-To"), "no In-Reply-To when not a reply");
	ok(has_line(b.s, "Content-Transfer-Encoding: 8bit"), "8bit for UTF-8");
	buf_reset(&b);
	o.subject = "\xc3\x9c" "berraschung! Eine sehr lange Betreffzeile "
	    "mit Umlauten \xc3\xa4\xc3\xb6\xc3\xbc, die gefaltet werden muss";
	mime_compose(&o, &b);
	mime_parse(b.s, b.len, &m);
	is_str(m.subject, o.subject, "encoded, folded subject reads back");
	is_str(m.text, o.text, "8bit body reads back");
	mime_msg_release(&m);
	p = strstr(b.s, "Subject:");
	ok(p && !strncmp(p, "Subject: =?UTF-8?B?", 19), "B-encoded subject");

	/* a line past 998 bytes: quoted-printable, lines <= 76 */
	for (i = 0; i < 1500; i++)
		buf_addc(&big, i % 100 == 99 ? ' ' : i % 7 == 0 ? '=' : 'a');
	buf_adds(&big, "\n\xc3\xa9nd  \n");
	buf_reset(&b);
	o.subject = "long";
	o.text = big.s;
	mime_compose(&o, &b);
	ok(has_line(b.s, "Content-Transfer-Encoding: quoted-printable"),
	    "quoted-printable for a long line");
	for (p = strstr(b.s, "\r\n\r\n") + 4; *p; p++) {
		if (*p == '\r' || *p == '\n') {
			if (col > longest)
				longest = col;
			col = 0;
		} else {
			col++;
		}
	}
	ok(longest <= 76, "QP lines of at most 76 (%zu)", longest);
	mime_parse(b.s, b.len, &m);
	buf_add(&t, big.s, big.len);
	buf_rtrim(&t);
	is_str(m.text, t.s, "the QP body reads back");
	mime_msg_release(&m);
	buf_release(&b);
	buf_release(&big);
	buf_release(&t);
}

static void
test_codecs(void)
{
	struct buf b = BUF_INIT;
	const char *s = "any carnal pleasure.\x01\xff";
	size_t n;

	for (n = 0; n <= strlen(s); n++) {
		buf_reset(&b);
		mime_b64_encode(s, n, &b);
		{
			struct buf d = BUF_INIT;

			mime_b64_decode(b.s ? b.s : "", b.len, &d);
			if (!ok(d.len == n && (!n || !memcmp(d.s, s, n)),
			    "base64 round trip, %zu bytes", n))
				printf("#   got '%s'\n", b.s);
			buf_release(&d);
		}
	}
	buf_reset(&b);
	mime_qp_decode("a=3Db=\r\nc=ZZ=", 13, 0, &b);
	is_str(b.s, "a=bc=ZZ", "QP: soft break, a bad escape kept");
	buf_reset(&b);
	mime_qp_decode("a_b=5F", 6, 1, &b);
	is_str(b.s, "a b_", "QP in a header: _ is a space");
	buf_release(&b);
}

int
main(void)
{
	test_headers();
	test_automatic();
	test_bodies();
	test_strip();
	test_subject();
	test_compose();
	test_codecs();
	return done_testing();
}
