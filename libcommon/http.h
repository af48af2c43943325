/*
 * http.h: HTTP requests through libcurl, the only file that includes it.
 *
 * http_request sends one request and waits for the whole response
 * (while the streams, below, go on).  One
 * easy handle is kept for the life of the process (reset between
 * requests), so calls to the same provider reuse the connection and TLS
 * session instead of a new handshake per agent step; http_cleanup
 * releases it (LeakSanitizer wants that at exit).  When
 * on_data is set and the status is 2xx, the body is handed to on_data as
 * it arrives (for SSE) instead of being kept; a non-2xx body is always
 * kept in resp->body so the caller can show the server's message.
 * on_data returns 0 to go on, non-zero to abort the transfer.
 *
 * Returns 0 when an HTTP status was received (whatever it is), or
 *   -HM_EIO   the transfer failed (refused, reset, timed out, cut);
 *             resp->status holds what was received before, maybe 0
 *   -HM_EFAIL aborted: by on_data, or by SIGINT (resp->interrupted)
 * The request's headers are never logged or copied into err: they may
 * hold an API key.
 *
 * Fetching pages (web tools): max_redirs > 0 follows at most that many
 * redirects (0: none, a 3xx is the answer); too many is -HM_EIO.
 * public_only refuses to connect to loopback, private, link-local, CGNAT
 * and unspecified addresses: checked on the address of every connection
 * (so a redirect or a DNS answer cannot reach inside the network either).
 * web_only limits the first URL and every redirect to http and https, so
 * a page cannot send libcurl to file:// or ftp://.  max_body > 0 keeps at
 * most that many bytes of the (decoded) body: past it the transfer stops,
 * resp->truncated is set and the call still returns 0 with the status.
 * timeout bounds the whole transfer, redirects included;
 * connect_timeout the connection (0: 30 s).  header names one response
 * header whose value (the last one seen, trimmed) lands malloc'd in
 * resp->header (MCP's Mcp-Session-Id).  method may be any verb
 * ("DELETE"); a body is sent only with POST.
 * Reentrant: a request made from inside on_data (an MCP client
 * answering a server's request in the middle of a stream) gets a
 * handle of its own for that one call.  stop, when set, is asked while
 * the transfer waits (after every round of reads, about once a second
 * at least): non-zero aborts it as on_data's non-zero does.
 * resp->final_url (after redirects) and resp->content_type (the last
 * response's header, as sent) are malloc'd or NULL, for every request;
 * http_resp_release frees them with the body.  content_type is already
 * set when on_data is first called, so a stream's reader can tell JSON
 * from SSE by looking at the resp it passed in ctx.
 *
 * Streams (an MCP server's GET event stream): http_stream_open starts a
 * request whose answer may never end and keeps it in the background.
 * Its body goes to req->on_data (as above: 2xx only) whenever this
 * process waits on the network: inside http_request, http_stream_open
 * and http_stream_wait, so a stream's callbacks run in the middle of
 * another request (and may make a nested request of their own).  It
 * returns once the response's headers are in (resp->status and
 * content_type are then set), the transfer ended, or wait_ms passed:
 * 0, the stream running or not.  req is copied (url, headers and body
 * need not outlive the call); resp and on_data's ctx must outlive the
 * stream.  Inside a callback it cannot be started: -HM_ECONFLICT.
 * SIGINT does not end a stream (the request or wait in progress ends).
 * http_stream_done: 0 while it runs; once it ended, 1 (resp holds the
 * status and any non-2xx body) or http_request's -HM_E* with the reason
 * added to err.  http_stream_wait runs the streams, and nothing else,
 * until one got bytes or ended, or ms passed: 1, 0 when the time
 * passed, -HM_EFAIL on SIGINT; inside a callback it can only sleep.
 * http_stream_close ends and frees one (from a callback it is cut off at
 * once, and freed when libcurl lets go of it); http_cleanup ends them
 * all.
 */
#ifndef HM_HTTP_H
#define HM_HTTP_H

#include <stddef.h>

#include "buf.h"

struct http_req {
	const char *method;		/* "POST" (default), "GET", ... */
	const char *url;
	const char *body;
	size_t len;
	const char *const *headers;	/* "Name: value", NULL-terminated */
	long timeout;			/* seconds for the whole transfer */
	long connect_timeout;		/* seconds to connect; 0: 30 */
	const char *header;		/* response header to keep */
	long idle_timeout;		/* seconds without a byte; 0: 300 */
	int (*on_data)(const char *p, size_t n, void *ctx);
	void *ctx;
	long max_redirs;		/* redirects followed; 0: none */
	int web_only;			/* http and https only, redirects too */
	int public_only;		/* refuse private addresses, see above */
	size_t max_body;		/* bytes kept, then stop; 0: no cap */
	int (*stop)(void *ctx);		/* asked while waiting; see above */
};

struct http_resp {
	long status;
	struct buf body;
	double retry_after;		/* seconds, -1 when absent */
	int interrupted;
	int truncated;			/* max_body reached, transfer stopped */
	char *final_url;		/* malloc'd or NULL */
	char *content_type;		/* malloc'd or NULL */
	char *header;			/* req->header's value or NULL */
};

struct http_stream;

int http_request(const struct http_req *req, struct http_resp *resp,
    struct buf *err);
int http_stream_open(struct http_stream **s, const struct http_req *req,
    struct http_resp *resp, long wait_ms, struct buf *err);
int http_stream_done(const struct http_stream *s, struct buf *err);
int http_stream_wait(long ms);
void http_stream_close(struct http_stream *s);
void http_resp_release(struct http_resp *resp);
void http_cleanup(void);

#endif
