/*
 * hermes-cron: scheduled agent runs.  Definitions are cron/jobs.json
 * (jobs.c), schedules schedule.c, runs and their record cron.c, the
 * crontab line crontab.c, the daemon's wake-ups watch.c.  This file
 * parses, calls and prints.
 */
#include <cjson/cJSON.h>

#include "common.h"
#include "cli.h"
#include "config.h"
#include "cron.h"
#include "crontab.h"
#include "jobs.h"
#include "json.h"
#include "path.h"
#include "proc.h"
#include "sig.h"
#include "timeutil.h"

enum {
	OPT_JSON = 0x100, OPT_NAME, OPT_DELIVER, OPT_SKILL, OPT_SCRIPT,
	OPT_NOW, OPT_PAUSED
};

static int jflag;
static const char *now_arg;

static const struct cli_opt global_opts[] = {
	{ "json", OPT_JSON, 0, NULL, "list, log: JSON, one object a line" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt add_opts[] = {
	{ "name", OPT_NAME, 1, "NAME", "a name to find the job by" },
	{ "deliver", OPT_DELIVER, 1, "TARGET", "local (default) or "
	    "PLATFORM:CHAT[:THREAD] through the gateway" },
	{ "skill", OPT_SKILL, 1, "SKILL", "load this skill into each run "
	    "(repeat)" },
	{ "script", OPT_SCRIPT, 1, "COMMAND", "run this shell command first; "
	    "its output is context" },
	{ "model", 'm', 1, "MODEL", "the model for its runs" },
	{ "paused", OPT_PAUSED, 0, NULL, "add it paused" },
	{ "now", OPT_NOW, 1, "TIME", "add it as if it were TIME (ISO 8601)" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt now_opts[] = {
	{ "now", OPT_NOW, 1, "TIME", "act as if it were TIME (ISO 8601)" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt log_opts[] = {
	{ "lines", 'n', 1, "N", "only the last N runs" },
	{ NULL, 0, 0, NULL, NULL }
};

static int
on_global(int c, const char *arg)
{
	(void)arg;
	if (c == OPT_JSON)
		jflag = 1;
	return 0;
}

static int
on_now(int c, const char *arg)
{
	if (c == OPT_NOW)
		now_arg = arg;
	return 0;
}

static void
close_all(struct config *cfg, struct jobs *j, struct cron *c)
{
	cron_close(c);
	if (j)
		jobs_release(j);
	config_release(cfg);
}

/* The home, the config, the jobs and the run state; 0 or an exit code.
 * jobs may be NULL (not needed). */
static int
open_all(struct config *cfg, struct jobs *j, struct cron **c)
{
	struct buf err = BUF_INIT;
	int rc;

	if (j)
		memset(j, 0, sizeof(*j));
	*c = NULL;
	rc = hm_home_init(&err);
	if (rc == 0)
		rc = config_load(cfg, &err);
	if (rc == 0 && j)
		rc = jobs_load(j, &err);
	if (rc == 0)
		rc = cron_open(c, cfg, &err);
	if (rc < 0)	/* the callers return at once: leave nothing */
		close_all(cfg, j, *c);
	return hm_exit_status(rc < 0 ? -HM_EFAIL : rc, &err);
}


static int
get_now(time_t *now)
{
	struct buf err = BUF_INIT;

	*now = tu_now();
	if (now_arg && tu_parse_iso(now_arg, now, &err) < 0) {
		int rc = cli_usage_error("--now: %s", err.s);

		buf_release(&err);
		return rc;
	}
	return 0;
}

static void
iso(time_t t, struct buf *b)
{
	buf_reset(b);
	if (t)
		tu_format_iso(t, b);
	else
		buf_adds(b, "-");
}

static int
cmd_add(int argc, char **argv)
{
	struct job def;
	struct buf err = BUF_INIT, when = BUF_INIT;
	struct cli_state st;
	const char **skills = NULL;
	size_t ns = 0;
	char *id = NULL, *prompt = NULL;
	struct schedule s;
	time_t now, next;
	int c, rc = 0, stop = 0;

	memset(&def, 0, sizeof(def));
	cli_begin(&st, argc, argv);
	while (!stop && (c = cli_next(&st)) != -1) {
		switch (c) {
		case OPT_NAME: def.name = (char *)st.arg; break;
		case OPT_DELIVER: def.deliver = (char *)st.arg; break;
		case OPT_SCRIPT: def.script = (char *)st.arg; break;
		case 'm': def.model = (char *)st.arg; break;
		case OPT_PAUSED: def.paused = 1; break;
		case OPT_NOW: now_arg = st.arg; break;
		case OPT_SKILL:
			skills = xrealloc(skills, (ns + 2) * sizeof(*skills));
			skills[ns++] = st.arg;
			skills[ns] = NULL;
			break;
		default: rc = cli_bad(&st, c); stop = 1;
		}
	}
	if (!stop && cli_operands(&st, 2, 2))
		rc = HM_EXIT_USAGE;
	if (stop || rc)
		goto out;
	if ((rc = get_now(&now)) != 0)
		goto out;
	def.skills = (char **)skills;
	def.schedule = st.argv[0];
	if (!(prompt = cli_operand_text(st.argv[1]))) {
		rc = HM_EXIT_FAIL;
		goto out;
	}
	def.prompt = prompt;
	if ((rc = hm_home_init(&err)) == 0)
		rc = jobs_add(&def, now, &id, &err);
	if (rc == -HM_EINVAL) {
		rc = cli_usage_error("%s", err.s);
		goto out;
	}
	if (rc == 0) {
		printf("%s\n", id);
		if (schedule_parse(def.schedule, now, &s, NULL, &err) == 0 &&
		    schedule_next(&s, now - 1, now, &next) == 0) {
			tu_format_iso(next, &when);
			fprintf(stderr, "%s: %s: first run %s\n", hm_prog, id,
			    when.s);
		}
		buf_reset(&err);
	}
	rc = hm_exit_status(rc == -HM_ECONFLICT ? -HM_EFAIL : rc, &err);
out:
	free(skills);
	free(prompt);
	free(id);
	buf_release(&when);
	buf_release(&err);
	return rc;
}

static const char *
state_word(const struct job *j, const struct cron_state *st)
{
	if (st->running)
		return "running";
	if (!st->next)
		return "done";
	return j->paused ? "paused" : "scheduled";
}

static int
cmd_list(int argc, char **argv)
{
	struct config cfg = CONFIG_INIT;
	struct buf err = BUF_INIT, next = BUF_INIT, last = BUF_INIT;
	struct cron_state st;
	struct cli_state cs;
	struct cron *c;
	struct jobs j;
	cJSON *o;
	time_t now;
	size_t i;
	int rc;

	if ((rc = cli_parse(&cs, argc, argv, 0, 0, on_now)) != CLI_GO ||
	    (rc = get_now(&now)) || (rc = open_all(&cfg, &j, &c)))
		return rc;
	for (i = 0; i < j.n && rc == 0; i++) {
		if (cron_get_state(c, &j.v[i], now, &st, &err) < 0) {
			rc = hm_exit_status(-HM_EFAIL, &err);
			break;
		}
		iso(st.next, &next);
		iso(st.last, &last);
		if (jflag) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "id", j.v[i].id);
			cJSON_AddStringToObject(o, "name", j.v[i].name);
			cJSON_AddStringToObject(o, "schedule", j.v[i].schedule);
			cJSON_AddStringToObject(o, "canon", j.v[i].canon ?
			    j.v[i].canon : j.v[i].schedule);
			cJSON_AddStringToObject(o, "next", next.s);
			cJSON_AddStringToObject(o, "last", last.s);
			cJSON_AddStringToObject(o, "last_status",
			    st.last_status);
			cJSON_AddStringToObject(o, "state", state_word(&j.v[i],
			    &st));
			cJSON_AddStringToObject(o, "deliver", j.v[i].deliver);
			cJSON_AddStringToObject(o, "prompt", j.v[i].prompt);
			json_print_line(o);
		} else {
			printf("%s\t%s\t%s\t%s\t%s\t%s\n", j.v[i].id,
			    *j.v[i].name ? j.v[i].name : "-", j.v[i].schedule,
			    next.s, *st.last_status ? st.last_status : "-",
			    state_word(&j.v[i], &st));
		}
	}
	buf_release(&next);
	buf_release(&last);
	buf_release(&err);
	close_all(&cfg, &j, c);
	return rc;
}

/* rm, pause, resume: change jobs.json, print the id. */
static int
change(int argc, char **argv, int what)
{
	struct config cfg = CONFIG_INIT;
	struct buf err = BUF_INIT;
	struct cli_state st;
	struct cron *c;
	char *id = NULL;
	int rc;

	if ((rc = cli_parse(&st, argc, argv, 1, 1, NULL)) != CLI_GO)
		return rc;
	if ((rc = open_all(&cfg, NULL, &c)))
		return rc;
	if (what < 0)
		rc = jobs_rm(st.argv[0], &id, &err);
	else
		rc = jobs_set_paused(st.argv[0], what, &id, &err);
	if (rc == 0 && what < 0)
		rc = cron_forget(c, id, &err);
	if (rc == 0)
		printf("%s\n", id);
	free(id);
	close_all(&cfg, NULL, c);
	return hm_exit_status(rc == -HM_ENOTFOUND ? -HM_EFAIL : rc, &err);
}

static int cmd_rm(int argc, char **argv) { return change(argc, argv, -1); }
static int cmd_pause(int argc, char **argv) { return change(argc, argv, 1); }
static int cmd_resume(int argc, char **argv) { return change(argc, argv, 0); }

static int
cmd_run(int argc, char **argv)
{
	struct config cfg = CONFIG_INIT;
	struct buf err = BUF_INIT;
	const struct job *job;
	struct cli_state st;
	struct cron *c;
	struct jobs j;
	char status[24] = "";
	int rc;

	if ((rc = cli_parse(&st, argc, argv, 1, 1, NULL)) != CLI_GO ||
	    (rc = open_all(&cfg, &j, &c)))
		return rc;
	if (!(job = jobs_find(&j, st.argv[0]))) {
		hm_error("no job '%s'", st.argv[0]);
		rc = HM_EXIT_FAIL;
	} else {
		sig_catch_interrupt();
		rc = cron_run(c, job, tu_now(), status, &err);
		if (rc == 0 && strcmp(status, "ok")) {
			hm_error("%s: the run ended %s; see hermes-cron log %s",
			    job->id, status, job->id);
			rc = -HM_EFAIL;
		} else if (rc == 0) {
			printf("%s\n", job->id);
		}
		rc = hm_exit_status(rc, &err);
	}
	close_all(&cfg, &j, c);
	return rc;
}

static int
cmd_tick(int argc, char **argv)
{
	struct config cfg = CONFIG_INIT;
	struct buf err = BUF_INIT;
	struct cli_state st;
	struct cron *c;
	struct jobs j;
	time_t now;
	int rc, ran;

	if ((rc = cli_parse(&st, argc, argv, 0, 0, on_now)) != CLI_GO ||
	    (rc = get_now(&now)) || (rc = open_all(&cfg, &j, &c)))
		return rc;
	sig_catch_interrupt();
	rc = cron_tick(c, &j, now, &ran, &err);
	close_all(&cfg, &j, c);
	return hm_exit_status(rc == CRON_BUSY ? 0 : rc, &err);
}

static int
print_row(const struct cron_row *r, void *ctx)
{
	struct buf t = BUF_INIT, d = BUF_INIT;
	cJSON *o;

	(void)ctx;
	iso(r->started, &t);
	if (jflag) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "job", r->job);
		cJSON_AddStringToObject(o, "started", t.s);
		iso(r->due, &d);
		cJSON_AddStringToObject(o, "due", d.s);
		iso(r->finished, &d);
		cJSON_AddStringToObject(o, "finished", d.s);
		cJSON_AddStringToObject(o, "status", r->status);
		if (r->output)
			cJSON_AddStringToObject(o, "output", r->output);
		if (r->note)
			cJSON_AddStringToObject(o, "note", r->note);
		if (r->session)
			cJSON_AddStringToObject(o, "session", r->session);
		json_print_line(o);
	} else {
		printf("%s\t%s\t%s\t%s\t%s\n", r->job, t.s, r->status,
		    r->output ? r->output : "-", r->note ? r->note : "");
	}
	buf_release(&t);
	buf_release(&d);
	return 0;
}

static long log_lines;

static int
on_log(int c, const char *arg)
{
	char *end;

	if (c == 'n') {
		log_lines = strtol(arg, &end, 10);
		if (*end || end == arg || log_lines < 1)
			return cli_usage_error("-n: '%s' is not a count", arg);
	}
	return 0;
}

static int
cmd_log(int argc, char **argv)
{
	struct config cfg = CONFIG_INIT;
	struct buf err = BUF_INIT;
	const struct job *job = NULL;
	struct cli_state st;
	struct cron *c;
	struct jobs j;
	int rc;

	if ((rc = cli_parse(&st, argc, argv, 0, 1, on_log)) != CLI_GO ||
	    (rc = open_all(&cfg, &j, &c)))
		return rc;
	if (st.argc && !(job = jobs_find(&j, st.argv[0])) &&
	    strncmp(st.argv[0], "c_", 2)) {
		hm_error("no job '%s'", st.argv[0]);
		rc = HM_EXIT_FAIL;
	} else {
		rc = cron_log(c, job ? job->id : st.argc ? st.argv[0] : NULL,
		    log_lines, print_row, NULL, &err);
		rc = hm_exit_status(rc, &err);
	}
	close_all(&cfg, &j, c);
	return rc;
}

static int
cmd_daemon(int argc, char **argv)
{
	struct config cfg = CONFIG_INIT;
	struct buf err = BUF_INIT;
	struct cli_state st;
	struct cron *c;
	int rc;

	if ((rc = cli_parse(&st, argc, argv, 0, 0, NULL)) != CLI_GO ||
	    (rc = open_all(&cfg, NULL, &c)))
		return rc;
	sig_catch_interrupt();
	rc = cron_daemon(c, &err);	/* until SIGINT or SIGTERM */
	close_all(&cfg, NULL, c);
	return hm_exit_status(rc, &err);
}

static int
install(int argc, char **argv, int on)
{
	struct buf err = BUF_INIT;
	struct cli_state st;
	char *bin, *line;
	int rc, changed = 0;

	if ((rc = cli_parse(&st, argc, argv, 0, 0, NULL)) != CLI_GO)
		return rc;
	if ((rc = hm_home_init(&err)) < 0)
		return hm_exit_status(rc, &err);
	bin = proc_sibling("hermes-cron");
	rc = on ? crontab_install(bin, &changed, &err) :
	    crontab_uninstall(&changed, &err);
	if (rc == 0 && on) {
		line = crontab_line(bin);
		printf("%s\n", line);
		free(line);
	}
	if (rc == 0)
		fprintf(stderr, "%s: %s\n", hm_prog, on ? (changed ?
		    "added to the crontab" : "already in the crontab") :
		    (changed ? "removed from the crontab" :
		    "not in the crontab"));
	free(bin);
	return hm_exit_status(rc, &err);
}

static int cmd_install(int argc, char **argv) { return install(argc, argv, 1); }
static int cmd_uninstall(int argc, char **argv)
{
	return install(argc, argv, 0);
}

/* Job ids and names for the shell; never complains. */
static void
complete_jobs(void)
{
	struct buf err = BUF_INIT;
	struct jobs j;
	size_t i;

	if (hm_home_init(&err) == 0 && jobs_load(&j, &err) == 0) {
		for (i = 0; i < j.n; i++)
			printf("%s\n", j.v[i].id);
		jobs_release(&j);
	}
	buf_release(&err);
}

static const struct cli_verb verbs[] = {
	{ "add", cmd_add, "SCHEDULE PROMPT|-", "add a job; prints its id",
	    add_opts, NULL },
	{ "list", cmd_list, "", "print id, name, schedule, next run, last "
	    "status and state, one job a line", now_opts, NULL },
	{ "rm", cmd_rm, "ID", "remove a job (its log stays)", NULL,
	    complete_jobs },
	{ "pause", cmd_pause, "ID", "stop running a job; due runs are logged "
	    "as skipped", NULL, complete_jobs },
	{ "resume", cmd_resume, "ID", "run a paused job again", NULL,
	    complete_jobs },
	{ "run", cmd_run, "ID", "run a job now", NULL, complete_jobs },
	{ "tick", cmd_tick, "", "run the jobs that are due, then exit (for "
	    "a crontab line)", now_opts, NULL },
	{ "log", cmd_log, "[ID]", "print job, started, status, output and "
	    "note, one run a line", log_opts, complete_jobs },
	{ "daemon", cmd_daemon, "", "stay up and run jobs when due",
	    NULL, NULL },
	{ "install", cmd_install, "", "add the every-minute tick line to the "
	    "crontab", NULL, NULL },
	{ "uninstall", cmd_uninstall, "", "remove that line", NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	static const struct cli_cmd cmd = {
		"hermes-cron",
		"Scheduled agent runs: add jobs, run them when due, see what "
		    "happened.",
		global_opts, verbs, on_global, NULL, NULL, NULL
	};

	hm_init(argc, argv, HM_SOCKETS);
	return hm_finish(cli_run(&cmd, argc, argv));
}
