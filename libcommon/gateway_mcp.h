/*
 * gateway_mcp.h: `hermes-gateway mcp`, the gateway's conversations as
 * an MCP server (mcp_server.h) on stdio, with the ten tools of Hermes
 * Agent's `hermes mcp serve` and OpenClaw's channel bridge, under the
 * same names and arguments, so clients made for either work:
 *
 *   conversations_list {platform?, limit?, search?}
 *   conversation_get {session_key}
 *   messages_read {session_key, limit?}
 *   attachments_fetch {session_key, message_id}   always a tool error:
 *       the gateway keeps the text of messages only
 *   events_poll {after_cursor?, session_key?, limit?}
 *   events_wait {after_cursor?, session_key?, timeout_ms?}
 *   messages_send {target | session_key, message}
 *   channels_list {platform?}
 *   permissions_list_open {}                      always empty
 *   permissions_respond {id, decision}            always a tool error:
 *       turns run non-interactively, where what would need approval is
 *       denied (approve.h), so no request is ever open
 *
 * What it reads, never writes: gateway/chats.json (chat key -> agent
 * session), the event log (gwevents.h), the config (gateway.platforms).
 * What it writes: messages_send drops the message into the outbox
 * (outbox.h), which the running gateway delivers, and appends a "reply"
 * event with "queued": true and "source": "mcp".  A conversation is a
 * chat key (gateway.h); its messages, both ways, are the events of that
 * key; an event's cursor is its place in the log.  A cursor of 0 (or
 * none) means "from when this server started", as in Hermes: history
 * from before is for messages_read.  Results are JSON objects (text and
 * structuredContent); errors are isError results {"error": "..."}.
 */
#ifndef HM_GATEWAY_MCP_H
#define HM_GATEWAY_MCP_H

struct buf;
struct config;

/* Serve on descriptors in and out until EOF: 0, or -HM_E*. */
int gateway_mcp_run(const struct config *cfg, int in, int out,
    struct buf *err);

#endif
