/*
 * mcp_int.h: what the MCP client core (mcp_client.c) and its two
 * transports (mcp_stdio.c, mcp_http.c) share.  Not for other modules.
 *
 * The core owns ids, replies and the server's requests; a transport
 * moves whole messages.  send() delivers one message; for HTTP the
 * answer comes back inside that call (the POST's body, or the stream
 * that resumes it), so the transport hands every message it reads to
 * mcp_dispatch() as it arrives, from whichever stream (the standalone
 * GET stream too, whenever the process waits on the network).
 * wait() (stdio only) reads until the deadline or until c->reply is set
 * or the connection fails.
 */
#ifndef HM_MCP_INT_H
#define HM_MCP_INT_H

#include <sys/types.h>

#include "buf.h"
#include "mcp.h"

struct mcp_client {
	const struct mcp_server *s;
	const struct config *cfg;
	char *server;			/* "NAME VERSION" from initialize */
	char protocol[16];
	long next_id;			/* ids 1, 2, ... */
	long waiting;			/* the id we wait for, 0: none */
	cJSON *reply;			/* its response, once here */
	char *dead;			/* why the connection is unusable */
	int tools_changed;
	int initialized;
	int has_tools;			/* capabilities.tools was there */

	/* stdio */
	pid_t pid;			/* and its process group */
	int reaped;
	int in, out;			/* our ends: its stdin, its stdout */
	struct buf rbuf;		/* bytes read, not yet a whole line */
	char *log;			/* logs/mcp-NAME.log */

	/* Streamable HTTP */
	char *url;
	char **headers;			/* expanded, NULL-terminated */
	char *session;			/* Mcp-Session-Id */
	struct mcp_get *get;		/* mcp_http.c's standalone GET */
	int depth;			/* mcp_http.c: POSTs in progress */
};

/* Handle one incoming message (or a batch): replies are kept for
 * request(), the server's requests answered, notifications noted.  A
 * malformed message makes the connection dead.  0, or -1 once dead. */
int mcp_dispatch(struct mcp_client *c, cJSON *msg);
/* Mark the connection unusable with a reason (first reason wins). */
void mcp_set_dead(struct mcp_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Milliseconds on the monotonic clock. */
long long mcp_now_ms(void);

int mcp_stdio_open(struct mcp_client *c, struct buf *err);
int mcp_stdio_send(struct mcp_client *c, const char *json, size_t len,
    long long deadline, struct buf *err);
int mcp_stdio_wait(struct mcp_client *c, long long deadline,
    struct buf *err);
void mcp_stdio_close(struct mcp_client *c);

int mcp_http_open(struct mcp_client *c, struct buf *err);
/* request: json is a request, a reply is awaited (the stream that
 * carries it may be resumed); 1 when the deadline passed before it. */
int mcp_http_send(struct mcp_client *c, const char *json, size_t len,
    int request, long long deadline, struct buf *err);
/* Read what the standalone GET stream has waiting, without blocking. */
void mcp_http_poll(struct mcp_client *c);
void mcp_http_close(struct mcp_client *c);

#endif
