/*
 * tool_mcp.h: the tools of the MCP servers in mcp.json, as agent tools
 * named mcp_SERVER_TOOL (characters other than letters, digits and '_'
 * become '_'; at most 64), in toolset "mcp-SERVER".
 *
 * Servers start lazily.  The tool list of each server is cached in
 * $HERMES_HOME/cache/mcp-NAME.json, keyed by a hash of its mcp.json
 * entry; with a valid cache the agent starts without starting the
 * server, which then starts on the first call of one of its tools.
 * Without one (a new or changed entry) the server starts at load to
 * list its tools.  Every start lists the tools again; a list that
 * changed (then, or by notifications/tools/list_changed) replaces the
 * server's tools before the next model call (toolreg sync) and rewrites
 * the cache.  A server that cannot start, dies or hangs is a tool error
 * naming the reason; the next call starts it again.  A server that fails
 * at load is a warning on stderr and no tools, never a failed run.
 * mcp_tools_release closes every server (mcp_close).
 */
#ifndef HM_TOOL_MCP_H
#define HM_TOOL_MCP_H

#include <stddef.h>

struct buf;
struct config;
struct toolreg;
struct mcp_server;
struct mcp_tool_info;
struct mcp_tools;

/* Read mcp.json and register the tools of the enabled servers that
 * toolsets selects (toolreg_wants).  A malformed mcp.json is a warning
 * and no MCP tools.  *mt is NULL when there is nothing to hold. */
void mcp_tools_load(struct mcp_tools **mt, struct toolreg *r,
    const struct config *cfg, const char *toolsets);
void mcp_tools_release(struct mcp_tools *mt);

/* The model's name for a server's tool (malloc'd). */
char *mcp_tool_name(const char *server, const char *tool);
/* Write / remove the tool-list cache of server s. */
int mcp_cache_write(const struct mcp_server *s, const char *info,
    const struct mcp_tool_info *v, size_t n, struct buf *err);
void mcp_cache_remove(const char *name);

#endif
