/*
 * cron.h: running scheduled jobs: the tick, one run, the run state and
 * the log, in $HERMES_HOME/cron/.
 *
 * Files:
 *   cron.db       SQLite (WAL): state(job, next, last, last_status, done)
 *                 and runs(id, job, due, started, finished, status,
 *                 output, note, session).  status is running, ok, error,
 *                 delivery_failed or skipped; note says why.
 *   .lock         flock: one tick at a time.  A second tick does not wait:
 *                 cron_tick returns CRON_BUSY and hermes-cron exits 0.
 *   locks/.ID.lock  flock held while job ID runs ("alive" = held).
 *   output/ID/STAMP.md   what a run answered (or why it failed).
 *
 * A tick: take .lock; mark runs left "running" by a process that died
 * (their job lock is free) as errors; then, for each job whose next run
 * is due (next <= now): a paused job gets a "skipped" row saying so; a
 * job still running (its lock held, a `run ID` by hand) gets "skipped"
 * too; any other runs once.  Before a job runs, one transaction writes
 * its "running" row and moves next past now, so a tick killed at any
 * point neither loses the run (the row says it was killed) nor runs it
 * twice.
 *
 * Missed runs (no tick for a while: the machine was off): a job runs at
 * most once per tick.  The run is "late" when it starts after its due
 * time by more than a minute.  Within the grace window (half the
 * schedule's period, clamped to 2 min .. 2 h) it is a late run; beyond
 * it, or when more than one slot passed, it is one catch-up run, and the
 * note says how many slots it stands for and since when.  A one-shot job
 * always runs, however late.
 *
 * A run: the prompt (with the job's skills and its script's output
 * before it) goes on the stdin of `hermes-ask --json -q --source cron`,
 * with HERMES_CRON_JOB=ID in its environment (the cronjob tool refuses
 * to work inside a run) and no terminal, so dangerous commands are
 * denied.  Its one JSON line says ok or error (a provider failure is an
 * error, never ok).  The answer is written to output/ID/STAMP.md, then
 * delivered: "local" needs nothing more, PLATFORM:CHAT becomes a file in
 * gateway/outbox/ (outbox.h); an answer that is [SILENT] is not
 * delivered.  A delivery that fails makes the run delivery_failed.
 * Runs are bounded by cron.timeout seconds (script: cron.script_timeout);
 * the whole process group is killed past it.
 */
#ifndef HM_CRON_H
#define HM_CRON_H

#include <stdint.h>
#include <time.h>

struct buf;
struct config;
struct job;
struct jobs;
struct cron;

#define CRON_BUSY	1	/* cron_tick: another tick holds the lock */

struct cron_state {
	time_t next;			/* 0: none (a one-shot done) */
	time_t last;
	char last_status[24];		/* "" before the first run */
	int running;
};

struct cron_row {
	int64_t id;
	const char *job;
	time_t due, started, finished;
	const char *status;
	const char *output;		/* file, or NULL */
	const char *note;		/* why, or NULL */
	const char *session;
};

int cron_open(struct cron **c, const struct config *cfg, struct buf *err);
void cron_close(struct cron *c);

/* Run what is due at now.  *ran counts the runs started.  0, CRON_BUSY
 * or -HM_E*.  A failed run is not a failed tick: it is in the log. */
int cron_tick(struct cron *c, const struct jobs *j, time_t now, int *ran,
    struct buf *err);
/* Run job now, whatever its schedule (hermes-cron run).  The run's
 * status ("ok", ...) is copied to status (24 bytes).  -HM_ECONFLICT
 * when it is already running. */
int cron_run(struct cron *c, const struct job *job, time_t now,
    char *status, struct buf *err);
int cron_get_state(struct cron *c, const struct job *job, time_t now,
    struct cron_state *st, struct buf *err);
/* The earliest next run of all jobs, 0 when none (for the daemon). */
time_t cron_earliest(struct cron *c, const struct jobs *j, time_t now);
/* Tick whenever a run comes due or cron/ changes, until sig_interrupted
 * (the caller catches SIGINT and SIGTERM); see cron_daemon.c. */
int cron_daemon(struct cron *c, struct buf *err);
/* Forget a removed job's state (its log stays). */
int cron_forget(struct cron *c, const char *id, struct buf *err);
/* The log, newest last; job NULL for all; limit <= 0 for all. */
int cron_log(struct cron *c, const char *job, long limit,
    int (*fn)(const struct cron_row *r, void *ctx), void *ctx,
    struct buf *err);

#endif
