/*
 * tool_cron.h: the cronjob tool (create, list, remove, pause and resume
 * scheduled jobs in cron/jobs.json); see tool_cron.c.  It refuses to
 * work inside a scheduled run (HERMES_CRON_JOB in the environment).
 */
#ifndef HM_TOOL_CRON_H
#define HM_TOOL_CRON_H

#include "toolreg.h"

extern const struct tool tool_cronjob;

#endif
