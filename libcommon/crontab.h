/*
 * crontab.h: the one line in the user's crontab that runs hermes-cron
 * tick every minute.
 *
 * The line is
 *   * * * * * HERMES_HOME='H' 'BIN' tick >>'H/logs/cron.log' 2>&1 # hermes-cron
 * for the state directory H and the hermes-cron binary BIN.  It is
 * read and written with the crontab(1) found on PATH (`crontab -l`,
 * `crontab -`), so every other line, comment and variable is kept as it
 * was.  install adds the line unless a line for the same H is there
 * (then *changed is 0); uninstall removes the lines for H.  "no crontab
 * for USER" counts as an empty one.
 */
#ifndef HM_CRONTAB_H
#define HM_CRONTAB_H

struct buf;

int crontab_install(const char *bin, int *changed, struct buf *err);
int crontab_uninstall(int *changed, struct buf *err);
/* The line for bin, as install writes it (malloc'd). */
char *crontab_line(const char *bin);

#endif
