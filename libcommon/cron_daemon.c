/*
 * cron_daemon.c: hermes-cron daemon (cron.h): tick, then sleep until the
 * next run is due or cron/ changes, and tick again.  inotify (watch.h)
 * is only a wake-up: the files are read again each time, so a jobs.json
 * edited by hand, a job added by the agent or a crontab tick's work are
 * all seen.  Our own writes in cron/ (output files, the database) may
 * wake it once more; that tick finds nothing due.  A malformed jobs.json
 * is reported and waited out, never fatal.
 */
#include "common.h"
#include "cron.h"
#include "jobs.h"
#include "path.h"
#include "sig.h"
#include "watch.h"
#include "timeutil.h"

#define MAX_SLEEP_MS	3600000L	/* look again at least hourly */

int
cron_daemon(struct cron *c, struct buf *err)
{
	struct buf e = BUF_INIT;
	struct watch *w = NULL;
	const char *dirs[2];
	char *dir = hm_path("cron");
	time_t next;
	struct jobs j;
	long ms;
	int rc, ran;

	dirs[0] = dir;
	dirs[1] = NULL;
	if ((rc = hm_mkdir_p(dir, 0700, err)) == 0)
		rc = watch_open(&w, dirs, err);
	while (rc == 0 && !sig_interrupted) {
		next = 0;
		buf_reset(&e);
		if (jobs_load(&j, &e) == 0) {
			if (cron_tick(c, &j, tu_now(), &ran, &e) < 0)
				hm_report(&e);
			next = cron_earliest(c, &j, tu_now());
			jobs_release(&j);
		} else {
			hm_report(&e);	/* wait for the file to be fixed */
		}
		ms = next ? (long)(next - tu_now()) * 1000 : MAX_SLEEP_MS;
		if (ms < 1000)
			ms = 1000;	/* at most a tick a second */
		if (ms > MAX_SLEEP_MS)
			ms = MAX_SLEEP_MS;
		if ((rc = watch_wait(w, ms, err)) > 0)
			rc = 0;
	}
	watch_close(w);
	free(dir);
	buf_release(&e);
	return rc;
}
