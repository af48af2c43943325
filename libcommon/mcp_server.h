/*
 * mcp_server.h: a small Model Context Protocol server over stdio, the
 * other side of mcp.h: JSON-RPC 2.0, one message a line each way, on two
 * descriptors (stdin and stdout for `hermes-gateway mcp`).  It serves
 * tools only; a module describes its tools in a table and calls
 * mcp_server_run.
 *
 * Protocol.  initialize answers with the client's protocolVersion when
 * it is one we know (2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05),
 * else with the newest; capabilities {"tools": {"listChanged": false}};
 * serverInfo {name, version}; instructions when given.  ping answers
 * {}; tools/list lists every tool (one page); tools/call runs one.
 * Notifications (notifications/initialized, .../cancelled, anything
 * else) get no answer.  Errors: a line that is not JSON: -32700 with id
 * null; JSON that is not a request: -32600; an unknown method: -32601;
 * params of the wrong shape (no tool name, arguments not an object, an
 * unknown tool, no protocolVersion): -32602.  A batch (a JSON array,
 * protocol 2025-03-26) gets an array of the answers.  A message longer
 * than MCP_MAX_MESSAGE is refused (-32600) and skipped to its newline.
 * Responses from the client (we send no requests) are ignored.  EOF on
 * the input ends the server: 0.  A write error on the output (the
 * client went away) ends it too, also 0.  Nothing but protocol is ever
 * written to out; logs are the caller's business (stderr).
 *
 * Tools.  call(x, args, &res, err) gets the arguments object (never
 * NULL: {} when the client sent none).  It returns 0 with *res a JSON
 * object (taken over): the result is that object as JSON text, once as
 * text content and once as structuredContent.  It returns -HM_E* with
 * one line in err for a tool error: the result is isError with the text
 * {"error": "the line"}, so both a model and a program can read it.
 *
 * Waiting.  A tool that waits (a long poll) sleeps with
 * mcp_server_sleep(x, ms), never with sleep(3): while it sleeps the
 * input is read, pings are answered at once, a notifications/cancelled
 * for the running call is noted, and other requests are kept for after
 * the call.  It returns 1 when the call should end now (cancelled, or
 * the input closed), else 0 after ms or sooner (input arrived).  A
 * cancelled call gets no response, as the protocol says.
 */
#ifndef HM_MCP_SERVER_H
#define HM_MCP_SERVER_H

#include <stddef.h>
#include <cjson/cJSON.h>

struct buf;
struct mcp_server_ctx;

struct mcp_server_tool {
	const char *name;
	const char *description;
	/* inputSchema as JSON text, with ' for " (so it reads in C) */
	const char *schema;
	int (*call)(struct mcp_server_ctx *x, const cJSON *args, cJSON **res,
	    struct buf *err);
};

struct mcp_server_info {
	const char *name;		/* serverInfo */
	const char *version;
	const char *instructions;	/* or NULL */
	const struct mcp_server_tool *tools;
	size_t ntools;
	void *data;			/* for the tools: mcp_server_data */
};

/* Serve on descriptors in and out until EOF: 0, or -HM_EIO when the
 * input cannot be read. */
int mcp_server_run(const struct mcp_server_info *info, int in, int out,
    struct buf *err);
void *mcp_server_data(struct mcp_server_ctx *x);
int mcp_server_sleep(struct mcp_server_ctx *x, long ms);

#endif
