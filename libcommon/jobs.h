/*
 * jobs.h: the definitions of scheduled jobs, $HERMES_HOME/cron/jobs.json.
 *
 *   {"jobs": [{"id": "c_1a2b3c4d", "name": "morning",
 *     "schedule": "every day at 9am", "canon": "0 9 * * *",
 *     "prompt": "...", "deliver": "local" | "PLATFORM:CHAT[:THREAD]",
 *     "skills": ["name", ...], "script": "shell command", "model": "...",
 *     "paused": false, "created": "2026-11-24T08:00:00+01:00"}]}
 *
 * "schedule" is what the user typed, "canon" what it means (schedule.h):
 * a one-shot "in 2h" is frozen as an ISO time when the job is added.  A
 * person may edit the file; keys we do not know are kept by our edits.
 * Edits hold flock(cron/.jobs.json.lock) across read-modify-write and
 * replace the file with atomic_write; readers take no lock.  The file
 * holds definitions only: when a job last ran and when it runs next is
 * run state, kept in cron/cron.db (cron.h), so a tick never rewrites
 * this file and a crash cannot tear it.
 *
 * A malformed file is an error naming the file and the key
 * ("cron/jobs.json: jobs[2].schedule: ..."), and nothing is written.
 * Ids are "c_" and 8 hex digits; a job is found by id or by name.
 */
#ifndef HM_JOBS_H
#define HM_JOBS_H

#include <stddef.h>
#include <time.h>

#include "schedule.h"

struct buf;

struct job {
	char *id;
	char *name;			/* "" when none */
	char *schedule;			/* as typed */
	char *canon;			/* canonical form */
	char *prompt;
	char *deliver;			/* "local" or a gateway target */
	char **skills;			/* NULL-terminated, maybe empty */
	char *script;			/* NULL when none */
	char *model;			/* NULL: the configured one */
	int paused;
	time_t created;
	struct schedule sched;
};

struct jobs {
	char *path;
	struct job *v;
	size_t n;
};

/* On failure j is empty: nothing to release. */
int jobs_load(struct jobs *j, struct buf *err);
void jobs_release(struct jobs *j);
/* By id, else by name; NULL when neither. */
const struct job *jobs_find(const struct jobs *j, const char *key);

/* Add def (its id, canon and created are filled in here; schedule is
 * parsed against now).  *id is the new id (malloc'd).  A name already
 * used is -HM_ECONFLICT. */
int jobs_add(const struct job *def, time_t now, char **id, struct buf *err);
/* Remove, pause or resume the job with this id or name; -HM_ENOTFOUND
 * when there is none.  *id (may be NULL) gets the job's id. */
int jobs_rm(const char *key, char **id, struct buf *err);
int jobs_set_paused(const char *key, int paused, char **id,
    struct buf *err);
/* A delivery target: "local", or PLATFORM:CHAT[:THREAD]. */
int jobs_valid_target(const char *t, struct buf *err);

#endif
