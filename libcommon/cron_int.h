/*
 * cron_int.h: what cron.c (tick, state, log) and cron_run.c (one run)
 * share.  Not for other modules.
 */
#ifndef HM_CRON_INT_H
#define HM_CRON_INT_H

#include <stdint.h>
#include <time.h>

struct buf;
struct config;
struct db;
struct job;
struct srow;

struct cron {
	struct db *db;
	const struct config *cfg;
	struct srow *map;		/* states read at once (load_map) */
	size_t nmap;
	int mapped;
};

/* The outcome of run row: status, output file, note, session; the
 * job's last run and status follow.  One transaction. */
int cron_finish_row(struct cron *c, const char *job, int64_t row,
    time_t started, time_t finished, const char *status,
    const char *output, const char *note, const char *session,
    struct buf *err);
/* Run job for row (its lock held, its "running" row written), record
 * the outcome; why (may be NULL) starts the note.  status (24 bytes, may
 * be NULL) gets the outcome. */
int cron_execute(struct cron *c, const struct job *job, int64_t row,
    time_t due, time_t started, const char *why, char *status,
    struct buf *err);

#endif
