/*
 * cron_run.c: one run of a scheduled job (cron.h): the prompt with the
 * job's skills and script output, the hermes-ask child fed on stdin with
 * its stdout and stderr in unlinked temporary files (no pipe to drain,
 * no size limit), the output file, the delivery, the outcome row.  The
 * caller holds the job's lock and has written the "running" row.
 */
#include <sys/wait.h>
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <limits.h>

#include "common.h"
#include "atomic.h"
#include "config.h"
#include "cron.h"
#include "cron_int.h"
#include "jobs.h"
#include "outbox.h"
#include "path.h"
#include "proc.h"
#include "skill.h"
#include "timeutil.h"

#define SCRIPT_MAX	(64 * 1024)	/* bytes of script output kept */

struct outcome {
	char status[24];
	struct buf note;
	struct buf text;
	char *session;
	char *output;
};

static int
run_script(struct cron *c, const struct job *job, struct buf *out,
    struct buf *err)
{
	char *argv[] = { "/bin/sh", "-c", job->script, NULL };
	char *log = hm_path("logs/cron.log");
	struct buf last = BUF_INIT;
	long secs = 300;
	int st = 0, rc;

	config_get_long(c->cfg, "cron.script_timeout", &secs, NULL);
	hm_mkparents(log, NULL);
	rc = proc_capture(argv, NULL, NULL, secs, log, out, &last, &st,
	    err);
	if (rc == 0 && (!WIFEXITED(st) || WEXITSTATUS(st)))
		rc = hm_fail(err, HM_EFAIL, "its script failed (%s %d)%s%s",
		    WIFEXITED(st) ? "exit status" : "signal",
		    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
		    last.len ? ": " : "", buf_str(&last));
	buf_release(&last);
	free(log);
	if (rc < 0)
		return rc;
	if (out->len > SCRIPT_MAX) {
		buf_setlen(out, SCRIPT_MAX);
		buf_adds(out, "\n[... cut ...]");
	}
	return 0;
}

/* What the agent is asked: who it is running as, skills, the script's
 * output, the prompt. */
static int
compose(struct cron *c, const struct job *job, struct buf *p,
    struct buf *err)
{
	struct skill_set set;
	struct buf script = BUF_INIT, body = BUF_INIT;
	const struct skill *sk;
	char **s;
	int rc = 0;

	buf_addf(p, "This is a scheduled run of job %s%s%s (%s, schedule "
	    "'%s'). Nobody is watching; your final answer is delivered to "
	    "%s. If there is nothing worth delivering, answer exactly "
	    "[SILENT].\n\n", job->id, *job->name ? " " : "", job->name,
	    job->canon ? job->canon : job->schedule, job->schedule,
	    job->deliver);
	if (job->skills && *job->skills) {
		memset(&set, 0, sizeof(set));
		if ((rc = skill_set_load(&set, err)) < 0)
			return rc;
		for (s = job->skills; *s && rc == 0; s++) {
			if (!(sk = skill_set_find(&set, *s))) {
				rc = hm_fail(err, HM_ENOTFOUND, "no skill '%s'",
				    *s);
				break;
			}
			buf_reset(&body);
			if ((rc = skill_read(sk, NULL, &body, err)) == 0)
				buf_addf(p, "<skill name=\"%s\">\n%s\n</skill>"
				    "\n\n", *s, body.s);
		}
		skill_set_release(&set);
	}
	if (rc == 0 && job->script) {
		rc = run_script(c, job, &script, err);
		if (rc == 0)
			buf_addf(p, "Output of the job's script `%s`:\n```\n%s"
			    "\n```\n\n", job->script, buf_str(&script));
	}
	buf_adds(p, job->prompt);
	buf_addc(p, '\n');
	buf_release(&script);
	buf_release(&body);
	return rc;
}

/* The last JSON line hermes-ask printed. */
static cJSON *
last_json(struct buf *out)
{
	char *p, *line;

	buf_rtrim(out);
	if (!out->len)
		return NULL;
	line = strrchr(out->s, '\n');
	line = line ? line + 1 : out->s;
	p = line;
	return *p == '{' ? cJSON_Parse(p) : NULL;
}

static void
ask(struct cron *c, const struct job *job, struct outcome *o)
{
	struct buf prompt = BUF_INIT, out = BUF_INIT, err = BUF_INIT;
	struct buf envs = BUF_INIT, home = BUF_INIT, last = BUF_INIT;
	char *argv[10], *exe = proc_sibling("hermes-ask"), *log = hm_path("logs/cron.log");
	const char *env[3];
	const char *e, *t, *s;
	long secs = 3600;
	cJSON *j = NULL;
	int st = 0, n = 0;

	snprintf(o->status, sizeof(o->status), "error");
	if (compose(c, job, &prompt, &err) < 0) {
		buf_addf(&o->note, "not run: %s", err.s);
		goto out;
	}
	argv[n++] = exe;
	argv[n++] = "--json";
	argv[n++] = "-q";
	argv[n++] = "--source";
	argv[n++] = "cron";
	if (job->model) {
		argv[n++] = "-m";
		argv[n++] = job->model;
	}
	argv[n] = NULL;
	buf_addf(&envs, "HERMES_CRON_JOB=%s", job->id);
	buf_addf(&home, "HERMES_HOME=%s", hm_home());
	env[0] = envs.s;
	env[1] = home.s;
	env[2] = NULL;
	config_get_long(c->cfg, "cron.timeout", &secs, NULL);
	hm_mkparents(log, NULL);
	if (proc_capture(argv, env, prompt.s, secs, log, &out, &last, &st,
	    &err) < 0) {
		buf_addf(&o->note, "hermes-ask: %s", err.s);
		goto out;
	}
	j = last_json(&out);
	e = cJSON_GetStringValue(cJSON_GetObjectItem(j, "error"));
	t = cJSON_GetStringValue(cJSON_GetObjectItem(j, "text"));
	s = cJSON_GetStringValue(cJSON_GetObjectItem(j, "session"));
	if (s)
		o->session = xstrdup(s);
	if (t)
		buf_adds(&o->text, t);
	if (e)
		buf_adds(&o->note, e);
	else if (!j && last.len)
		buf_adds(&o->note, last.s);	/* "hermes-ask: no API key" */
	else if (!j)
		buf_addf(&o->note, "hermes-ask %s %d and printed no JSON "
		    "(see logs/cron.log)", WIFEXITED(st) ? "exited" :
		    "was killed by signal", WIFEXITED(st) ? WEXITSTATUS(st) :
		    WTERMSIG(st));
	else if (!WIFEXITED(st) || WEXITSTATUS(st))
		buf_addf(&o->note, "hermes-ask exited %d",
		    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	else
		snprintf(o->status, sizeof(o->status), "ok");
out:
	cJSON_Delete(j);
	free(exe);
	free(log);
	buf_release(&prompt);
	buf_release(&out);
	buf_release(&err);
	buf_release(&envs);
	buf_release(&home);
	buf_release(&last);
}

static int
silent(const struct buf *text)
{
	const char *p = buf_str(text);

	while (*p == ' ' || *p == '\n' || *p == '\t')
		p++;
	return !strncmp(p, "[SILENT]", 8);
}

static void
write_output(const struct job *job, time_t due, time_t started,
    struct outcome *o)
{
	struct buf rel = BUF_INIT, b = BUF_INIT, stamp = BUF_INIT;
	struct buf t = BUF_INIT, err = BUF_INIT;

	tu_format_stamp(started, &stamp);
	buf_addf(&rel, "cron/output/%s/%s.md", job->id, stamp.s);
	o->output = hm_path(rel.s);
	buf_addf(&b, "---\njob: %s\nname: %s\nschedule: %s\n", job->id,
	    job->name, job->schedule);
	tu_format_iso(due, &t);
	buf_addf(&b, "due: %s\n", t.s);
	buf_reset(&t);
	tu_format_iso(started, &t);
	buf_addf(&b, "started: %s\nstatus: %s\n", t.s, o->status);
	if (o->session)
		buf_addf(&b, "session: %s\n", o->session);
	if (o->note.len)
		buf_addf(&b, "note: %s\n", o->note.s);
	buf_addf(&b, "---\n%s%s", buf_str(&o->text),
	    o->text.len && o->text.s[o->text.len - 1] != '\n' ? "\n" : "");
	if (hm_mkparents(o->output, &err) < 0 ||
	    atomic_write(o->output, b.s, b.len, 0600, &err) < 0) {
		free(o->output);
		o->output = NULL;
		buf_addf(&o->note, "%s(output not saved: %s)", o->note.len ?
		    " " : "", err.s);
	}
	buf_release(&rel);
	buf_release(&b);
	buf_release(&stamp);
	buf_release(&t);
	buf_release(&err);
}

static void
deliver(const struct job *job, struct outcome *o)
{
	struct buf msg = BUF_INIT, err = BUF_INIT, src = BUF_INIT;

	if (!strcmp(job->deliver, "local") || strcmp(o->status, "ok"))
		return;
	if (silent(&o->text)) {
		buf_addf(&o->note, "%s[SILENT]: not delivered",
		    o->note.len ? "; " : "");
		return;
	}
	buf_addf(&msg, "%s%s%s\n\n%s", "Scheduled job ", *job->name ?
	    job->name : job->id, ":", o->text.s);
	buf_addf(&src, "cron:%s", job->id);
	if (outbox_put(job->deliver, msg.s, src.s, NULL, &err) < 0) {
		snprintf(o->status, sizeof(o->status), "delivery_failed");
		buf_addf(&o->note, "%s%s", o->note.len ? "; " : "", err.s);
	} else {
		buf_addf(&o->note, "%squeued for %s", o->note.len ? "; " : "",
		    job->deliver);
	}
	buf_release(&msg);
	buf_release(&err);
	buf_release(&src);
}

/* Run job under its lock jl, for row; record the outcome. */
int
cron_execute(struct cron *c, const struct job *job, int64_t row, time_t due,
    time_t started, const char *why, char *status, struct buf *err)
{
	struct outcome o;
	time_t t0 = tu_now();
	int rc;

	memset(&o, 0, sizeof(o));
	ask(c, job, &o);	/* o.note: why it failed, if it did */
	if (why) {
		struct buf n = BUF_INIT;

		buf_addf(&n, "%s%s%s", why, o.note.len ? "; " : "",
		    buf_str(&o.note));
		buf_release(&o.note);
		o.note = n;
	}
	write_output(job, due, started, &o);
	deliver(job, &o);
	rc = cron_finish_row(c, job->id, row, started, started + (tu_now() - t0),
	    o.status, o.output, o.note.len ? o.note.s : NULL, o.session, err);
	if (status)
		snprintf(status, 24, "%s", o.status);
	buf_release(&o.note);
	buf_release(&o.text);
	free(o.session);
	free(o.output);
	return rc;
}

