/*
 * session.h: past and present conversations in $HERMES_HOME/state.db.
 *
 * Owns the tables sessions and messages and the FTS5 index messages_fts
 * (kept in sync by triggers); nothing else touches them.  Messages are
 * stored and loaded as given, a user message with the context line
 * hermes-ask ends it with (prompt.h); the index and its snippets leave
 * that line out (the generated column messages.body, session.c).  The
 * database is opened through db.c: WAL, a busy timeout, bound
 * parameters, one transaction per action, schema version in PRAGMA
 * user_version with migrations applied in order on open.
 *
 * Session ids look like 20261124_141503_0b3b5d (UTC start time and 6 hex
 * digits); they sort by start time.  A session records its source (cli,
 * cron, kanban, gateway, subagent, ...), model, cwd, profile, parent,
 * title (the first user line, cut to 80 chars, unless set), counts and
 * token usage summed over its assistant messages.
 *
 * session_append stores one message and bumps the session's counters in
 * one transaction, so a process killed at any instant leaves whole
 * messages only.  Secrets never reach this module: callers store only
 * conversation text.
 * All functions return 0 (or a count) or -HM_E*, with the reason in err.
 */
#ifndef HM_SESSION_H
#define HM_SESSION_H

#include <stddef.h>

#include "conv.h"

struct buf;
struct cJSON;
struct session_db;

struct session_info {
	char *id;
	char *source;
	char *model;
	char *title;
	char *cwd;
	char *profile;
	char *parent;
	double started;		/* unix seconds */
	double last;		/* time of the newest message */
	long messages;
	long tool_calls;
	struct usage usage;
};

struct session_hit {
	char *session;
	long message;		/* messages.id */
	char *role;
	char *snippet;		/* matched terms marked with [ ] */
	double ts;
};

int session_db_open(struct session_db **sdb, struct buf *err);
/* Open an existing state.db read-only: nothing is created, migrated or
 * written (for shell completion).  -HM_ENOTFOUND when there is none, an
 * error when its schema is not the one this hermes writes. */
int session_db_open_ro(struct session_db **sdb, struct buf *err);
void session_db_close(struct session_db *sdb);

/* Create a session from info's source (default cli), model, cwd, profile,
 * parent and title (id, started and counters are ignored); *id is
 * malloc'd.  info may be NULL. */
int session_new(struct session_db *sdb, const struct session_info *info,
    char **id, struct buf *err);
/* The newest session (by last activity), of SOURCE when not NULL. */
int session_latest(struct session_db *sdb, const char *source, char **id,
    struct buf *err);
/* get, load and rm take an id or a unique prefix of one (like git's
 * short hashes): no match is -HM_ENOTFOUND, several -HM_EAMBIG, each
 * with a message naming the id.  append and set_title want a full id. */
int session_get(struct session_db *sdb, const char *id,
    struct session_info *info, struct buf *err);
void session_info_release(struct session_info *info);

int session_load(struct session_db *sdb, const char *id, struct conv *c,
    struct buf *err);
int session_append(struct session_db *sdb, const char *id,
    const struct message *m, struct buf *err);
int session_set_title(struct session_db *sdb, const char *id,
    const char *title, struct buf *err);
/* Per-session state kept with the session (sessions.meta, a JSON object
 * of strings): the personality, the goal.  get returns a malloc'd value
 * or NULL; set with value NULL removes the key.  Full ids only. */
char *session_meta_get(struct session_db *sdb, const char *id,
    const char *key);
int session_meta_set(struct session_db *sdb, const char *id, const char *key,
    const char *value, struct buf *err);

/* Newest (by last activity) first; limit <= 0 means all. */
int session_list(struct session_db *sdb, const char *source, long limit,
    struct session_info **rows, size_t *n, struct buf *err);
void session_list_free(struct session_info *rows, size_t n);

/* Full text of every message, a user message without its context line.
 * The query is words (all must match; a trailing * makes a prefix); FTS5
 * syntax characters in it are quoted, never an error.  A query with no
 * words is -HM_EINVAL.  Best match (bm25) first, equal
 * scores newest first; at most limit hits (limit <= 0: all ranked).
 * Only the newest SESSION_SEARCH_WINDOW matches (or limit, if larger)
 * are ranked: a query matching fewer is ranked over all its matches, a
 * more common one over its most recent, so the cost does not grow with
 * the history. */
#define SESSION_SEARCH_WINDOW 1000
int session_search(struct session_db *sdb, const char *query, long limit,
    struct session_hit **hits, size_t *n, struct buf *err);
void session_hits_free(struct session_hit *hits, size_t n);

int session_rm(struct session_db *sdb, const char *id, struct buf *err);
/* Remove sessions whose last activity is older than DAYS; returns the
 * number removed, which is also put in *removed. */
int session_prune(struct session_db *sdb, double days, long *removed,
    struct buf *err);

/* The JSON shapes shared by hermes-session --json, its JSONL export and
 * any other caller, so they agree.  A session: id, started and last (ISO
 * 8601 UTC), source, model, title, cwd, profile, parent (null when
 * unset), messages, tool_calls, usage {input, output, cached}.  A
 * message: role, content, tool_calls (the array of conv_calls_to_json,
 * arguments still JSON text), tool_call_id, tool_name, finish, usage, ts
 * (unix seconds).  The caller owns the object (cJSON_Delete). */
struct cJSON *session_info_json(const struct session_info *info);
struct cJSON *session_message_json(const struct message *m);

#endif
