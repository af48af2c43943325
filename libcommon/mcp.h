/*
 * mcp.h: the Model Context Protocol client: mcp.json, one connection to
 * one server, and what a tool call gives back.
 *
 * mcp.json ($HERMES_HOME/mcp.json) is the file Claude Desktop and Claude
 * Code use: {"mcpServers": {"NAME": {"command", "args", "env"} or {"url",
 * "headers"}, plus "allowedTools", "disabled", "timeout" and
 * "connectTimeout" (seconds) and "roots" (directories answered to
 * roots/list; none by default, so a server keeps its own)}}.  Strings in
 * args, env, url and headers may say ${VAR}: the environment, then
 * $HERMES_HOME/.env, fills it in when the server starts (never when the
 * file is read back or listed, so secrets stay out of listings).  Keys we
 * do not know are kept when hermes-mcp edits the file.  Edits hold
 * flock(.mcp.json.lock) across read-modify-write and replace the file
 * with atomic_write.  A malformed file is an error naming the file and
 * the key ("mcp.json: mcpServers.x.args: not an array of strings").
 *
 * A connection (struct mcp_client) is JSON-RPC 2.0 over one of:
 *   stdio: the command runs in its own process group with a baseline
 *     environment (PATH, HOME, USER, LANG, TERM, TMPDIR, ...) plus its
 *     "env", never ours (API keys stay home); one JSON object a line each
 *     way; its stderr is appended to logs/mcp-NAME.log.  Closing shuts
 *     stdin, waits a moment, then SIGTERM, then SIGKILL to the group.
 *   Streamable HTTP: each message is a POST with Accept: application/json,
 *     text/event-stream; the answer is JSON or an SSE stream; a stream
 *     the server ends before the reply (after an event id) is resumed
 *     with GET and Last-Event-ID, after its retry: time; the standalone
 *     GET stream is opened when the server offers one and read whenever
 *     the process waits on the network; the Mcp-Session-Id the server
 *     gives is sent back, with MCP-Protocol-Version; a 404 on a session
 *     starts a new one once; closing sends DELETE.
 * mcp_open starts the server and runs initialize (protocol 2025-11-25,
 * taking an older version the server answers with) and
 * notifications/initialized, all within connectTimeout.  Requests are
 * one at a time; each waits at most timeout for its reply, matched by
 * id, while notifications and the server's own requests arrive in
 * between, on whichever stream: ping and roots/list are answered,
 * elicitation/create is declined (with elicit_defaults set by the caller,
 * the elicitation capability is declared and a form whose defaults fill
 * every required field is accepted with them), any other request
 * (sampling/createMessage too) gets error -32601;
 * notifications/tools/list_changed sets tools_changed.
 * A line that is not JSON-RPC, a reply to an id never asked, a message
 * over MCP_MAX_MESSAGE bytes, a dead server or a timeout fails the
 * request with the reason; the connection is then unusable (mcp_alive
 * says so) and the caller may close it and open a new one.
 * SIGINT (sig_interrupted) ends a wait with -HM_EFAIL "interrupted".
 */
#ifndef HM_MCP_H
#define HM_MCP_H

#include <stddef.h>
#include <cjson/cJSON.h>

struct buf;
struct config;

#define MCP_PROTOCOL		"2025-11-25"
#define MCP_MAX_MESSAGE		(16L << 20)
#define MCP_TIMEOUT		120	/* seconds, per request */
#define MCP_CONNECT_TIMEOUT	60	/* seconds, start + initialize */

/* ---- mcp.json ---- */

struct mcp_server {
	char *name;
	char *command;			/* stdio; NULL for http */
	char **args;			/* NULL-terminated, unexpanded */
	char **env;			/* "KEY=VALUE", NULL-terminated */
	char *url;			/* http; NULL for stdio */
	char **headers;			/* "Name: value", NULL-terminated */
	char **allowed;			/* allowedTools; NULL: all */
	char **roots;			/* NULL-terminated, maybe empty */
	int disabled;
	int elicit_defaults;		/* not in mcp.json: the caller's */
	long timeout;			/* seconds */
	long connect_timeout;		/* seconds */
};

struct mcp_conf {
	char *path;			/* the file read */
	struct mcp_server *v;
	size_t n;
};

/* Read mcp.json; a missing file is an empty set.  0 or -HM_E*. */
int mcp_conf_load(struct mcp_conf *c, struct buf *err);
const struct mcp_server *mcp_conf_find(const struct mcp_conf *c,
    const char *name);
void mcp_conf_release(struct mcp_conf *c);
/* Is the original tool name allowed by the server's allowedTools? */
int mcp_tool_allowed(const struct mcp_server *s, const char *tool);

/* Add (or with force replace) server NAME with entry, an object in the
 * mcp.json format (taken over: the caller must not free it); remove one.
 * -HM_ECONFLICT when NAME exists and !force, -HM_ENOTFOUND on rm of a
 * name not there, -HM_EINVAL for a bad name or entry. */
int mcp_conf_add(const char *name, cJSON *entry, int force,
    struct buf *err);
int mcp_conf_rm(const char *name, struct buf *err);

/* Expand ${VAR} in s from the environment, then .env (cfg may be NULL:
 * environment only).  An unset variable is -HM_EINVAL naming it. */
int mcp_expand(const char *s, const struct config *cfg, struct buf *out,
    struct buf *err);

/* ---- one connection ---- */

struct mcp_client;

struct mcp_tool_info {
	char *name;
	char *description;		/* "" when none */
	char *schema;			/* inputSchema as compact JSON */
};

int mcp_open(struct mcp_client **c, const struct mcp_server *s,
    const struct config *cfg, struct buf *err);
/* What the server said about itself: "NAME VERSION", the protocol. */
const char *mcp_server_name(const struct mcp_client *c);
const char *mcp_protocol(const struct mcp_client *c);
int mcp_alive(const struct mcp_client *c);
/* Has the server sent notifications/tools/list_changed since the last
 * mcp_list_tools?  Reads what is already waiting, without blocking. */
int mcp_tools_changed(struct mcp_client *c);
/* tools/list, every page, filtered by allowedTools.  0 or -HM_E*. */
int mcp_list_tools(struct mcp_client *c, struct mcp_tool_info **v,
    size_t *n, struct buf *err);
void mcp_tools_free(struct mcp_tool_info *v, size_t n);
/* tools/call; *result is the result object (caller frees).  A result
 * with isError is still 0: see mcp_render. */
int mcp_call(struct mcp_client *c, const char *tool, const cJSON *args,
    cJSON **result, struct buf *err);
/* Any request; params is taken over (may be NULL). */
int mcp_request(struct mcp_client *c, const char *method, cJSON *params,
    long timeout_ms, cJSON **result, struct buf *err);
void mcp_close(struct mcp_client *c);

/* A tools/call result as text for a person or a model: text content as
 * is, an image or audio as a one-line note, resource links and embedded
 * resources by URI (with their text), structuredContent as compact JSON
 * when there is no text.  Returns 1 when the result says isError. */
int mcp_render(const cJSON *result, struct buf *out);

#endif
