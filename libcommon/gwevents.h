/*
 * gwevents.h: the gateway's event log, $HERMES_HOME/gateway/events.jsonl:
 * what came in from the chats and what went out, one JSON object a line,
 * for readers that follow the conversations (hermes-gateway mcp).
 *
 * Events.  Written by the gateway (gwevents_note) and by whoever queues
 * a message for a chat (the MCP server's messages_send):
 *   {"type": "message", "platform": "telegram", "chat": "111",
 *    "thread": "7", "user": "222", "user_name": "ann", "group": true,
 *    "text": "hello", "message_id": "42", "session_key": "telegram:111",
 *    "ts": "2026-11-24T08:00:00Z"}
 *   type          "message": a message in from an allowed user (stored,
 *                 about to be answered); "reply": text out to that
 *                 chat, sent or queued
 *   thread, user_name, message_id, group   only when there is one
 *   session_key   the gateway's chat key (gateway.h: PLATFORM:CHAT
 *                 [:THREAD], plus :USER in groups)
 *   ts            UTC, ISO 8601, seconds
 *   a reply also: "reply_to" (the message id it answers, if any),
 *   "queued": true when it went to the outbox rather than out at once,
 *   "source" (who sent it when not the gateway: "mcp") and "outbox"
 *   (the outbox file name) when queued by someone else.
 * Readers ignore keys they do not know and lines that are not JSON.
 *
 * Cursors.  An event's cursor is the position just past its line in
 * the whole history of the log: the byte offset of the line's end in
 * its file, plus that file's base.  Cursors only grow; 0 is before
 * everything.  Reading after a cursor seeks there, never scans from the
 * start.
 *
 * Files and rotation.  Every file starts with a header line
 * {"type": "log", "base": N, "created": TS}, not an event: N is the
 * cursor where the file begins (the end of the one before).  When an
 * append would take events.jsonl past its maximum (GWEVENTS_MAX_BYTES),
 * the writer renames it to events.jsonl.1 (replacing the older one) and
 * starts a new file whose base is the old end; so at most two files,
 * about 2 x 8 MiB, are kept, and a reader can still continue across one
 * rotation.  Events older than events.jsonl.1 are gone: a cursor before
 * it reads from the oldest event there is.  To drop the history, remove
 * both files (with no gateway running, or accept that a writer may
 * re-create the file at once); cursors then start again from 0, and a
 * cursor past the end of the log is treated as 0.
 *
 * Writers: flock(.events.jsonl.lock) around each append (and rotation);
 * the file is opened O_APPEND, the line goes out in one write(2) and is
 * fsync'd, so concurrent writers never interleave.  A torn line left by
 * a crash is ended with a newline before the next event.  Readers take
 * no lock: they only use lines that end in a newline.
 *
 * gwevents_append(ev, err): append object ev (adds "ts" when it has
 *   none; ev is not changed otherwise; the copy written is ours) and
 *   rotate at GWEVENTS_MAX_BYTES.  gwevents_append_max is the same with
 *   another maximum (tests).
 * gwevents_note(type, m, key, text, queued, err): the event for gateway
 *   message m of chat key: type "message" (text: m's) or "reply" (text:
 *   the answer, queued: 1 when it went to the outbox).
 * gwevents_scan(after, fn, ctx, &next, err): call fn(ev, cursor, ctx)
 *   for each event after cursor after, oldest first; ev is borrowed for
 *   the call.  fn returns 0 to go on, non-zero to stop after this event.
 *   *next is the cursor to read after next time: that of the last event
 *   given to fn when it stopped the scan, else the end of the log (past
 *   the header lines and any unreadable line seen).  A missing log is
 *   empty: *next is 0.
 * gwevents_end(&end): the cursor at the end of the log now (0 when there
 *   is none); it grows with every append and rotation, so a poll of it
 *   says when to scan again.  Two opens and a stat: cheap.
 * gwevents_path(): the log's path, malloc'd.
 *
 * Every int function returns 0 or a negative -HM_E* with one line in
 * err.
 */
#ifndef HM_GWEVENTS_H
#define HM_GWEVENTS_H

#include <cjson/cJSON.h>

#define GWEVENTS_MAX_BYTES	(8L << 20)

struct buf;
struct gw_msg;

int gwevents_append(const cJSON *ev, struct buf *err);
int gwevents_append_max(const cJSON *ev, long max, struct buf *err);
int gwevents_note(const char *type, const struct gw_msg *m, const char *key,
    const char *text, int queued, struct buf *err);
int gwevents_scan(long long after,
    int (*fn)(const cJSON *ev, long long cursor, void *ctx), void *ctx,
    long long *next, struct buf *err);
int gwevents_end(long long *end);
char *gwevents_path(void);

#endif
