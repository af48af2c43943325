/*
 * board_int.h: what board.c (schema, adding, linking, reading) and
 * board_claim.c (claims, leases and the other state changes) share.
 * Not for other modules.
 */
#ifndef HM_BOARD_INT_H
#define HM_BOARD_INT_H

#include <stdint.h>
#include <time.h>

#include "board.h"

struct buf;
struct db_stmt;

/* Claim order: highest priority, then oldest, then first added. */
#define TASK_ORDER " ORDER BY priority DESC, created, rowid"

struct board {
	struct db *db;
};

/* What an action needs to know of a task before it changes it. */
struct peek {
	enum task_status status;
	char *worker;		/* claim_worker, NULL when not claimed */
	char *title;
	int64_t pid;
	long attempts;
	time_t lease;
};

struct ids {
	char **v;
	size_t n, cap;
};

struct db_stmt *bd_prep(struct board *b, const char *sql, int *rc,
    struct buf *err);
int bd_run(struct db_stmt *st, struct buf *err);
int bd_finish(struct board *b, int rc, struct buf *err);
void bd_ids_add(struct ids *l, const char *s);
void bd_ids_release(struct ids *l);
void bd_peek_release(struct peek *p);
int bd_peek(struct board *b, const char *id, struct peek *p, struct buf *err);
int bd_held_by(const char *id, const struct peek *p, const char *worker,
    struct buf *err);
int bd_event(struct board *b, const char *task, const char *kind,
    const char *actor, const char *detail, time_t at, struct buf *err);
int bd_promote_one(struct board *b, const char *id, const char *actor,
    time_t now, size_t *n, struct buf *err);
int bd_promote_children(struct board *b, const char *parent,
    const char *actor, time_t now, size_t *n, struct buf *err);
int bd_open_status(struct board *b, const char *id, enum task_status *s,
    struct buf *err);
int bd_set_status(struct board *b, const char *id, enum task_status s,
    const char *reason, time_t now, struct buf *err);
int bd_is_blank(const char *s);
int bd_check_text(const char *what, const char *s, struct buf *err);

#endif
