/*
 * http_mail.c: IMAP and SMTP through libcurl (http_mail.h).
 *
 * IMAP: libcurl connects, does TLS or STARTTLS and logs in
 * (CURLOPT_CONNECT_ONLY runs the protocol's connect phase: greeting,
 * CAPABILITY, STARTTLS, AUTHENTICATE or LOGIN); then the socket is ours
 * through curl_easy_send/curl_easy_recv (TLS stays libcurl's), waited
 * on with poll(2) in slices of 200 ms so that a signal is noticed.
 * Received bytes collect in im->in; a response is read a line at a
 * time, and a line ending in {N} (or {N+}) is followed by N bytes of
 * literal and then the rest of the response.  libcurl does not say
 * LOGOUT on cleanup of a connect-only handle, so close does.
 *
 * SMTP: one easy handle per message (MAIL_FROM, MAIL_RCPT, an upload
 * from memory); the last SMTP reply code (CURLINFO_RESPONSE_CODE)
 * tells a temporary refusal (4xx) from a permanent one (5xx).
 */
#include <curl/curl.h>
#include <poll.h>
#include <time.h>

#include "common.h"
#include "http_mail.h"
#include "sig.h"
#include "timeutil.h"

#define MAIL_TIMEOUT	30		/* seconds per wait, by default */
#define LINE_CAP	(64 * 1024)	/* bytes of one response line */
#define RESP_CAP	(16 * 1024 * 1024)	/* bytes of one response */
#define LOGOUT_WAIT	5		/* seconds for LOGOUT's answer */

struct http_mail_imap {
	CURL *curl;
	curl_socket_t sock;
	char *server;		/* scheme://host:port, for error lines */
	char *password;		/* scrubbed from error lines */
	long timeout;
	unsigned tag;
	int dead;
	struct buf in;		/* received bytes, from off on unread */
	size_t off;
};

static void
global_init(void)
{
	static int done;

	if (!done)
		curl_global_init(CURL_GLOBAL_DEFAULT);
	done = 1;
}

/* Replace every copy of secret in err by "<password>". */
static void
scrub(const char *secret, struct buf *err)
{
	struct buf b = BUF_INIT;
	const char *s, *hit;
	size_t n = secret ? strlen(secret) : 0;

	if (!err || !err->s || !n || !strstr(err->s, secret))
		return;
	for (s = err->s; (hit = strstr(s, secret)); s = hit + n) {
		buf_add(&b, s, (size_t)(hit - s));
		buf_adds(&b, "<password>");
	}
	buf_adds(&b, s);
	buf_reset(err);
	buf_add(err, b.s, b.len);
	buf_release(&b);
}

/* Check that url is KIND:// or KINDs://; *server gets scheme://host:port
 * (malloc'd), *has_user whether the URL names a login. */
static int
check_url(const char *url, const char *kind, char **server, int *has_user,
    struct buf *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL;
	struct buf b = BUF_INIT;
	size_t k = strlen(kind);
	int rc = 0;

	*server = NULL;
	*has_user = 0;
	if (!u || !url || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    strncmp(scheme, kind, k) || (scheme[k] && strcmp(scheme + k,
	    "s"))) {
		rc = hm_fail(err, HM_EFAIL, "the %s server is not a %s:// or "
		    "%ss:// URL", kind, kind, kind);
		goto out;
	}
	buf_addf(&b, "%s://%s", scheme, host);
	if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ==
	    CURLUE_OK)
		buf_addf(&b, ":%s", port);
	*server = buf_detach(&b);
	*has_user = curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK &&
	    user && *user;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(user);
	curl_url_cleanup(u);
	return rc;
}

static int
on_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c,
    curl_off_t d)
{
	(void)ctx, (void)a, (void)b, (void)c, (void)d;
	return sig_interrupted ? 1 : 0;
}

/* The options IMAP and SMTP share. */
static void
common_opts(CURL *c, const struct http_mail_account *a, int has_user,
    long timeout, char *ebuf)
{
	curl_easy_setopt(c, CURLOPT_URL, a->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	ebuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	if (a->user && *a->user && !has_user)
		curl_easy_setopt(c, CURLOPT_USERNAME, a->user);
	if (a->password && *a->password)
		curl_easy_setopt(c, CURLOPT_PASSWORD, a->password);
}

/* One line for a failed curl_easy_perform; code: the last SMTP reply. */
static int
curl_fail(CURLcode cc, long code, const char *server, const char *ebuf,
    struct buf *err)
{
	const char *why = *ebuf ? ebuf : curl_easy_strerror(cc);

	switch (cc) {
	case CURLE_LOGIN_DENIED:
		return hm_fail(err, HM_EFAIL, "%s: the login was denied (%s)",
		    server, why);
	case CURLE_ABORTED_BY_CALLBACK:
		return hm_fail(err, HM_EIO, "%s: interrupted", server);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_USE_SSL_FAILED:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return hm_fail(err, HM_EFAIL, "%s: %s", server, why);
	default:
		if (code >= 500)
			return hm_fail(err, HM_EFAIL, "%s: refused (%ld): %s",
			    server, code, why);
		if (code >= 400)
			return hm_fail(err, HM_EIO, "%s: refused for now "
			    "(%ld): %s", server, code, why);
		return hm_fail(err, HM_EIO, "%s: %s", server, why);
	}
}

/* ---- IMAP: the wire ---- */

static int
dead(struct http_mail_imap *im, struct buf *err, const char *why)
{
	im->dead = 1;
	return hm_fail(err, HM_EIO, "%s: %s", im->server, why);
}

/* Wait until the socket is ready for ev, at most until deadline. */
static int
wait_sock(struct http_mail_imap *im, short ev, double deadline,
    struct buf *err)
{
	struct pollfd p;
	double left;
	int r;

	for (;;) {
		if (sig_interrupted)
			return dead(im, err, "interrupted");
		if ((left = deadline - tu_mono()) <= 0)
			return dead(im, err, "no answer in time");
		p.fd = im->sock;
		p.events = ev;
		p.revents = 0;
		r = poll(&p, 1, left > 0.2 ? 200 : (int)(left * 1000) + 1);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return dead(im, err, strerror(errno));
	}
}

static int
send_all(struct http_mail_imap *im, const char *s, size_t n, long timeout,
    struct buf *err)
{
	double deadline = tu_mono() + timeout;
	CURLcode cc;
	size_t sent;

	while (n > 0) {
		sent = 0;
		cc = curl_easy_send(im->curl, s, n, &sent);
		if (cc == CURLE_AGAIN) {
			if (wait_sock(im, POLLOUT, deadline, err) < 0)
				return -HM_EIO;
			continue;
		}
		if (cc != CURLE_OK)
			return dead(im, err, curl_easy_strerror(cc));
		s += sent;
		n -= sent;
	}
	return 0;
}

/* Read what the server has sent next into im->in. */
static int
fill(struct http_mail_imap *im, long timeout, struct buf *err)
{
	double deadline = tu_mono() + timeout;
	char b[16384];
	CURLcode cc;
	size_t got;

	if (im->off && im->off == im->in.len) {
		buf_reset(&im->in);
		im->off = 0;
	} else if (im->off > 65536) {
		memmove(im->in.s, im->in.s + im->off, im->in.len - im->off);
		buf_setlen(&im->in, im->in.len - im->off);
		im->off = 0;
	}
	for (;;) {
		got = 0;
		cc = curl_easy_recv(im->curl, b, sizeof(b), &got);
		if (cc == CURLE_OK && got == 0)
			return dead(im, err, "the server closed the "
			    "connection");
		if (cc == CURLE_OK) {
			buf_add(&im->in, b, got);
			return 0;
		}
		if (cc != CURLE_AGAIN)
			return dead(im, err, curl_easy_strerror(cc));
		if (wait_sock(im, POLLIN, deadline, err) < 0)
			return -HM_EIO;
	}
}

/* Append the next line, without its line break, to out. */
static int
read_line(struct http_mail_imap *im, long timeout, struct buf *out,
    struct buf *err)
{
	const char *p, *nl;
	size_t n;
	int rc;

	for (;;) {
		p = im->in.s + im->off;
		if (im->in.len > im->off && (nl = memchr(p, '\n',
		    im->in.len - im->off))) {
			n = (size_t)(nl - p);
			buf_add(out, p, n > 0 && nl[-1] == '\r' ? n - 1 : n);
			im->off += n + 1;
			return 0;
		}
		if (im->in.len - im->off > LINE_CAP)
			return dead(im, err, "a response line is too long");
		if ((rc = fill(im, timeout, err)) < 0)
			return rc;
	}
}

/* Take n bytes of literal; append those that fit under cap to out. */
static int
read_literal(struct http_mail_imap *im, unsigned long long n, size_t cap,
    struct buf *out, struct buf *err)
{
	size_t have, take;
	int rc;

	while (n > 0) {
		if (im->in.len == im->off && (rc = fill(im, im->timeout,
		    err)) < 0)
			return rc;
		have = im->in.len - im->off;
		take = n < have ? (size_t)n : have;
		if (out->len < cap)
			buf_add(out, im->in.s + im->off, take < cap - out->len ?
			    take : cap - out->len);
		im->off += take;
		n -= take;
	}
	return 0;
}

/* N when line s[0..n) ends in {N} or {N+}, else -1. */
static long long
literal_len(const char *s, size_t n)
{
	size_t i;
	long long v = 0;

	if (n < 3 || s[n - 1] != '}')
		return -1;
	i = n - 1;
	if (s[i - 1] == '+')
		i--;
	if (i == 0 || s[i - 1] < '0' || s[i - 1] > '9')
		return -1;
	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	if (i == 0 || s[i - 1] != '{')
		return -1;
	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (s[i] - '0');
		if (v > (1LL << 40))
			return -1;
	}
	return v;
}

/* Does s[0..n) (a line up to a literal's "{") end in "BODY[] " or
 * "BODY[]<0> "? */
static int
body_item(const char *s, size_t n)
{
	const char *b;
	size_t k;

	if (n < 8)
		return 0;
	for (k = n; k > 0 && s[k - 1] != '{'; k--)
		;
	if (!k || k < 8)
		return 0;
	b = s + k - 1;	/* the '{' */
	if (k >= 8 && !strncasecmp(b - 7, "BODY[] ", 7))
		return 1;
	return k >= 11 && !strncasecmp(b - 10, "BODY[]<0> ", 10);
}

/* One whole response (literals inline, CRLF at the end) into text;
 * the literal of a BODY[] item lands in body too (at most cap bytes),
 * and *got is set. */
static int
read_resp(struct http_mail_imap *im, struct buf *text, struct buf *body,
    size_t cap, int *got, struct buf *err)
{
	struct buf lit = BUF_INIT;
	size_t from = 0;
	long long n;
	int rc;

	for (;;) {
		if ((rc = read_line(im, im->timeout, text, err)) < 0)
			break;
		if ((n = literal_len(text->s + from, text->len - from)) < 0)
			break;
		buf_reset(&lit);
		if ((rc = read_literal(im, (unsigned long long)n, body ? cap :
		    RESP_CAP, &lit, err)) < 0)
			break;
		if (body && !*got && body_item(text->s + from, text->len -
		    from)) {
			buf_add(body, lit.s, lit.len);
			*got = 1;
		}
		buf_adds(text, "\r\n");
		if (text->len < RESP_CAP)
			buf_add(text, lit.s, lit.len);
		from = text->len;
	}
	if (rc == 0)
		buf_adds(text, "\r\n");
	buf_release(&lit);
	return rc;
}

/* The tagged status line s ("OK ...", "NO ...", "BAD ..."). */
static int
status(struct http_mail_imap *im, const char *cmd, const char *s,
    struct buf *err)
{
	static const char *const temp[] = { "[UNAVAILABLE]", "[INUSE]",
		"[LIMIT]", "[SERVERBUG]", NULL };
	const char *const *t;
	size_t verb = strcspn(cmd, " ");
	int rc;

	if (!strncasecmp(s, "OK", 2))
		return 0;
	if (!strncasecmp(cmd, "UID ", 4))
		verb += 1 + strcspn(cmd + 4, " ");
	rc = -HM_EFAIL;
	for (t = temp; *t; t++)
		if (strstr(s, *t))
			rc = -HM_EIO;
	hm_fail(err, -rc, "%s: %.*s: %.200s", im->server, (int)verb, cmd, s);
	scrub(im->password, err);
	return rc;
}

/* Send one command; read to its tagged line. */
static int
run(struct http_mail_imap *im, const char *cmd, struct buf *out,
    struct buf *body, size_t cap, int *got, struct buf *err)
{
	struct buf tag = BUF_INIT, line = BUF_INIT;
	char *p;
	int rc;

	if (im->dead)
		return hm_fail(err, HM_EIO, "%s: the connection is gone",
		    im->server);
	buf_addf(&tag, "h%u ", ++im->tag);
	buf_addf(&line, "%s%s\r\n", tag.s, cmd);
	rc = send_all(im, line.s, line.len, im->timeout, err);
	while (rc == 0) {
		buf_reset(&line);
		if ((rc = read_resp(im, &line, body, cap, got, err)) < 0)
			break;
		if (!strncmp(line.s, tag.s, tag.len)) {
			for (p = line.s; *p; p++)
				if ((unsigned char)*p < 0x20)
					*p = ' ';
			rc = status(im, cmd, line.s + tag.len, err);
			break;
		}
		if (!strncasecmp(line.s, "* BYE", 5)) {
			rc = dead(im, err, "the server said goodbye");
			break;
		}
		if (out)
			buf_add(out, line.s, line.len);
	}
	buf_release(&tag);
	buf_release(&line);
	return rc;
}

/* ---- IMAP: the calls ---- */

int
http_mail_imap_open(struct http_mail_imap **out,
    const struct http_mail_account *a, struct buf *err)
{
	char ebuf[CURL_ERROR_SIZE], *server;
	struct http_mail_imap *im;
	CURLcode cc;
	int has_user, rc;

	*out = NULL;
	if ((rc = check_url(a->url, "imap", &server, &has_user, err)) < 0)
		return rc;
	global_init();
	im = xcalloc(1, sizeof(*im));
	im->server = server;
	im->password = xstrdup(a->password ? a->password : "");
	im->timeout = a->timeout > 0 ? a->timeout : MAIL_TIMEOUT;
	im->sock = CURL_SOCKET_BAD;
	im->dead = 1;
	if (!(im->curl = curl_easy_init())) {
		rc = hm_fail(err, HM_EIO, "%s: cannot start libcurl", server);
		goto fail;
	}
	common_opts(im->curl, a, has_user, im->timeout, ebuf);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(im->curl, CURLOPT_PROTOCOLS_STR, "imap,imaps");
#else
	curl_easy_setopt(im->curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_IMAP |
	    CURLPROTO_IMAPS));
#endif
	curl_easy_setopt(im->curl, CURLOPT_TIMEOUT, im->timeout);
	curl_easy_setopt(im->curl, CURLOPT_CONNECT_ONLY, 1L);
	if ((cc = curl_easy_perform(im->curl)) != CURLE_OK) {
		rc = curl_fail(cc, 0, server, ebuf, err);
		goto fail;
	}
	if (curl_easy_getinfo(im->curl, CURLINFO_ACTIVESOCKET, &im->sock) !=
	    CURLE_OK || im->sock == CURL_SOCKET_BAD) {
		rc = hm_fail(err, HM_EIO, "%s: no connection", server);
		goto fail;
	}
	im->dead = 0;
	*out = im;
	return 0;
fail:
	scrub(im->password, err);
	http_mail_imap_close(im);
	return rc;
}

int
http_mail_imap_cmd(struct http_mail_imap *im, const char *cmd,
    struct buf *out, struct buf *err)
{
	return run(im, cmd, out, NULL, 0, NULL, err);
}

int
http_mail_imap_fetch(struct http_mail_imap *im, unsigned long uid,
    size_t max, struct buf *msg, struct buf *err)
{
	struct buf cmd = BUF_INIT;
	int rc, got = 0;

	buf_addf(&cmd, "UID FETCH %lu BODY.PEEK[]<0.%zu>", uid, max ? max :
	    (size_t)RESP_CAP);
	rc = run(im, cmd.s, NULL, msg, max ? max : RESP_CAP, &got, err);
	if (rc == 0 && !got)
		rc = hm_fail(err, HM_ENOTFOUND, "%s: no message with UID %lu",
		    im->server, uid);
	buf_release(&cmd);
	return rc;
}

void
http_mail_imap_close(struct http_mail_imap *im)
{
	struct buf line = BUF_INIT, err = BUF_INIT;
	char tag[32];
	int rc;

	if (!im)
		return;
	if (!im->dead) {	/* say goodbye; its answer is not needed */
		snprintf(tag, sizeof(tag), "h%u ", ++im->tag);
		buf_addf(&line, "%sLOGOUT\r\n", tag);
		rc = send_all(im, line.s, line.len, LOGOUT_WAIT, &err);
		while (rc == 0) {
			buf_reset(&line);
			rc = read_line(im, LOGOUT_WAIT, &line, &err);
			if (rc == 0 && !strncmp(line.s, tag, strlen(tag)))
				break;
		}
	}
	if (im->curl)
		curl_easy_cleanup(im->curl);
	buf_release(&line);
	buf_release(&err);
	buf_release(&im->in);
	free(im->server);
	free(im->password);
	free(im);
}

/* ---- SMTP ---- */

struct upload {
	const char *p;
	size_t left;
};

static size_t
on_read(char *dst, size_t size, size_t nmemb, void *vu)
{
	struct upload *u = vu;
	size_t n = size * nmemb;

	if (n > u->left)
		n = u->left;
	memcpy(dst, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

int
http_mail_smtp_send(const struct http_mail_account *a, const char *from,
    const char *const *rcpt, const char *data, size_t len, struct buf *err)
{
	char ebuf[CURL_ERROR_SIZE], *server;
	struct curl_slist *to = NULL;
	struct buf b = BUF_INIT;
	struct upload up = { data, len };
	long timeout = a->timeout > 0 ? a->timeout : MAIL_TIMEOUT, code = 0;
	CURLcode cc;
	CURL *c;
	int has_user, rc;

	if ((rc = check_url(a->url, "smtp", &server, &has_user, err)) < 0)
		return rc;
	global_init();
	if (!(c = curl_easy_init())) {
		rc = hm_fail(err, HM_EIO, "%s: cannot start libcurl", server);
		free(server);
		return rc;
	}
	common_opts(c, a, has_user, timeout, ebuf);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_SMTP |
	    CURLPROTO_SMTPS));
#endif
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout * 4);
	buf_addf(&b, "<%s>", from);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, b.s);
	for (; *rcpt; rcpt++) {
		buf_reset(&b);
		buf_addf(&b, "<%s>", *rcpt);
		to = curl_slist_append(to, b.s);
	}
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, to);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	if ((cc = curl_easy_perform(c)) != CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		rc = curl_fail(cc, code, server, ebuf, err);
		scrub(a->password, err);
	}
	curl_slist_free_all(to);
	curl_easy_cleanup(c);
	buf_release(&b);
	free(server);
	return rc;
}
