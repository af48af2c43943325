/*
 * tool_cron.c: the cronjob tool, so the agent can schedule work when
 * asked ("every morning at 9 summarise ...").  It edits cron/jobs.json
 * through jobs.c, like hermes-cron does; the runs themselves need a
 * tick (crontab line or daemon), which the result says when none is
 * installed.  Inside a scheduled run (HERMES_CRON_JOB set) it refuses:
 * a job must not breed jobs.
 */
#include <cjson/cJSON.h>

#include "common.h"
#include "jobs.h"
#include "timeutil.h"
#include "tool_cron.h"

static void
list(struct buf *out)
{
	struct buf err = BUF_INIT;
	struct jobs j;
	size_t i;

	if (jobs_load(&j, &err) < 0) {
		buf_adds(out, err.s);
		buf_release(&err);
		return;
	}
	for (i = 0; i < j.n; i++)
		buf_addf(out, "%s%s%s\t%s\t%s%s\t%s\n", j.v[i].id,
		    *j.v[i].name ? " " : "", j.v[i].name, j.v[i].schedule,
		    j.v[i].deliver, j.v[i].paused ? " (paused)" : "",
		    j.v[i].prompt);
	if (!j.n)
		buf_adds(out, "no scheduled jobs");
	jobs_release(&j);
}

static int
create(cJSON *args, struct buf *out)
{
	struct buf err = BUF_INIT, when = BUF_INIT;
	const cJSON *sk = cJSON_GetObjectItem(args, "skills"), *it;
	struct schedule s;
	struct job def;
	char *id = NULL, **skills;
	time_t now = tu_now(), next;
	size_t n = 0;
	int rc;

	memset(&def, 0, sizeof(def));
	def.schedule = (char *)cJSON_GetStringValue(cJSON_GetObjectItem(args,
	    "schedule"));
	def.prompt = (char *)cJSON_GetStringValue(cJSON_GetObjectItem(args,
	    "prompt"));
	def.name = (char *)cJSON_GetStringValue(cJSON_GetObjectItem(args,
	    "name"));
	def.deliver = (char *)cJSON_GetStringValue(cJSON_GetObjectItem(args,
	    "deliver"));
	if (!def.schedule || !def.prompt) {
		buf_adds(out, "create needs schedule and prompt");
		return -HM_EINVAL;
	}
	skills = xcalloc((size_t)cJSON_GetArraySize(sk) + 1, sizeof(char *));
	cJSON_ArrayForEach(it, sk)
		if (cJSON_IsString(it))
			skills[n++] = it->valuestring;
	def.skills = skills;
	rc = jobs_add(&def, now, &id, &err);
	if (rc < 0) {
		buf_adds(out, err.s);
	} else {
		buf_addf(out, "scheduled %s", id);
		if (schedule_parse(def.schedule, now, &s, NULL, &err) == 0 &&
		    schedule_next(&s, now - 1, now, &next) == 0) {
			tu_format_iso(next, &when);
			buf_addf(out, "; first run %s", when.s);
		}
		buf_adds(out, "; runs need `hermes-cron install` (crontab) or "
		    "`hermes-cron daemon` on this machine");
	}
	free(skills);
	free(id);
	buf_release(&err);
	buf_release(&when);
	return rc;
}

static int
run(const struct tool *t, struct tool_env *env, cJSON *args, struct buf *out)
{
	const char *action = tool_arg_str(args, "action");
	const char *key = tool_arg_str(args, "job_id");
	struct buf err = BUF_INIT;
	char *id = NULL;
	int rc = 0;

	(void)t;
	(void)env;
	if (getenv("HERMES_CRON_JOB")) {
		buf_adds(out, "a scheduled run cannot manage scheduled jobs");
		return -HM_EINVAL;
	}
	if (!action) {
		buf_adds(out, "action is required: create, list, remove, pause "
		    "or resume");
		return -HM_EINVAL;
	}
	if (!strcmp(action, "list")) {
		list(out);
		return 0;
	}
	if (!strcmp(action, "create"))
		return create(args, out);
	if (strcmp(action, "remove") && strcmp(action, "pause") &&
	    strcmp(action, "resume")) {
		buf_addf(out, "unknown action '%s' (create, list, remove, pause,"
		    " resume)", action);
		return -HM_EINVAL;
	}
	if (!key) {
		buf_addf(out, "%s needs job_id", action);
		return -HM_EINVAL;
	}
	if (!strcmp(action, "remove"))
		rc = jobs_rm(key, &id, &err);
	else
		rc = jobs_set_paused(key, !strcmp(action, "pause"), &id, &err);
	if (rc < 0)
		buf_adds(out, err.s);
	else
		buf_addf(out, "%s: %sd", id, action);
	free(id);
	buf_release(&err);
	return rc;
}

const struct tool tool_cronjob = {
	"cronjob", "cronjob",
	"Schedule prompts to run unattended later or repeatedly, each as a "
	"fresh session; list, remove, pause or resume them. schedule: a cron "
	"line, 'every 30m', 'every day at 9am', 'weekdays at 8:30', "
	"'in 2h' or an ISO time. deliver: local (default) or "
	"PLATFORM:CHAT.",
	"{\"type\":\"object\",\"properties\":{\"action\":{\"type\":\"string\","
	"\"enum\":[\"create\",\"list\",\"remove\",\"pause\",\"resume\"]},"
	"\"schedule\":{\"type\":\"string\"},\"prompt\":{\"type\":\"string\"},"
	"\"name\":{\"type\":\"string\"},\"deliver\":{\"type\":\"string\"},"
	"\"skills\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
	"\"job_id\":{\"type\":\"string\"}},\"required\":[\"action\"]}",
	run, NULL
};
