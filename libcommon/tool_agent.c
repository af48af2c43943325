/*
 * tool_agent.c: tools about the agent's own work: todo (a task list kept
 * per session in $HERMES_HOME/todos/SESSION.json, replaced atomically)
 * and delegate_task (child hermes-ask runs in parallel, each with a goal
 * and context, no memory tool and a turn budget; their final texts come
 * back as the result).  Children are processes, like every other caller
 * of the agent: a child that crashes costs one task, never this run.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>

#include "common.h"
#include "atomic.h"
#include "config.h"
#include "path.h"
#include "proc.h"
#include "sig.h"
#include "tool_agent.h"
#include "timeutil.h"

/* ---- todo ---- */

static cJSON *mem_todos;	/* when no session is recorded */

static char *
todo_path(const struct tool_env *env)
{
	struct buf b = BUF_INIT;
	char *p;

	if (!env->session_id)
		return NULL;
	buf_addf(&b, "todos/%s.json", env->session_id);
	p = hm_path(b.s);
	buf_release(&b);
	return p;
}

static void
render_todos(const cJSON *list, struct buf *out)
{
	const cJSON *it;
	const char *st, *mark;
	int i = 0, open = 0;

	cJSON_ArrayForEach(it, list) {
		st = cJSON_GetStringValue(cJSON_GetObjectItem(it, "status"));
		mark = !strcmp(st, "completed") ? "[x]" :
		    !strcmp(st, "in_progress") ? "[>]" : "[ ]";
		open += strcmp(st, "completed") != 0;
		buf_addf(out, "%s %s %s\n", mark, cJSON_GetStringValue(
		    cJSON_GetObjectItem(it, "id")), cJSON_GetStringValue(
		    cJSON_GetObjectItem(it, "content")));
		i++;
	}
	buf_addf(out, "%d item%s, %d open", i, i == 1 ? "" : "s", open);
}

static int
todo_run(const struct tool *t, struct tool_env *env, cJSON *args,
    struct buf *out)
{
	cJSON *todos = cJSON_GetObjectItem(args, "todos"), *list = NULL, *it, *n;
	struct buf text = BUF_INIT, idb = BUF_INIT;
	const char *content, *status, *id;
	char *path = todo_path(env), *s;
	int i = 0, rc = 0;

	(void)t;
	if (!todos) {		/* read */
		if (path && buf_read_file(&text, path) == 0)
			list = cJSON_Parse(text.s);
		else
			list = mem_todos ? cJSON_Duplicate(mem_todos, 1) : NULL;
		if (!list)
			buf_adds(out, "no todo list yet");
		else
			render_todos(list, out);
		goto out;
	}
	if (!cJSON_IsArray(todos)) {
		rc = hm_fail(out, HM_EINVAL, "'todos' must be an array");
		goto out;
	}
	list = cJSON_CreateArray();
	cJSON_ArrayForEach(it, todos) {
		i++;
		content = cJSON_GetStringValue(cJSON_GetObjectItem(it,
		    "content"));
		status = cJSON_GetStringValue(cJSON_GetObjectItem(it,
		    "status"));
		id = cJSON_GetStringValue(cJSON_GetObjectItem(it, "id"));
		if (!status)
			status = "pending";
		if (!content || (strcmp(status, "pending") &&
		    strcmp(status, "in_progress") &&
		    strcmp(status, "completed"))) {
			cJSON_Delete(list);
			list = NULL;
			rc = hm_fail(out, HM_EINVAL, "todo %d needs 'content' "
			    "and a status of pending, in_progress or "
			    "completed", i);
			goto out;
		}
		buf_reset(&idb);
		if (!id)
			buf_addf(&idb, "%d", i);
		n = cJSON_CreateObject();
		cJSON_AddStringToObject(n, "id", id ? id : idb.s);
		cJSON_AddStringToObject(n, "content", content);
		cJSON_AddStringToObject(n, "status", status);
		cJSON_AddItemToArray(list, n);
	}
	if (path) {
		s = cJSON_PrintUnformatted(list);
		rc = atomic_write(path, s, strlen(s), 0600, out);
		cJSON_free(s);
	} else {
		cJSON_Delete(mem_todos);
		mem_todos = cJSON_Duplicate(list, 1);
	}
	if (rc == 0)
		render_todos(list, out);
out:
	cJSON_Delete(rc == 0 ? list : NULL);
	buf_release(&text);
	buf_release(&idb);
	free(path);
	return rc;
}

const struct tool tool_todo = {
	"todo", "todo",
	"The session's task list. Give todos (the whole list, each {id?, "
	"content, status: pending|in_progress|completed}) to replace it; "
	"omit them to read it.",
	"{\"type\":\"object\",\"properties\":{\"todos\":{\"type\":\"array\","
	"\"items\":{\"type\":\"object\",\"properties\":{"
	"\"id\":{\"type\":\"string\"},\"content\":{\"type\":\"string\"},"
	"\"status\":{\"type\":\"string\",\"enum\":[\"pending\","
	"\"in_progress\",\"completed\"]}},\"required\":[\"content\"]}}}}",
	todo_run, NULL
};

/* ---- delegate_task ---- */

struct child {
	pid_t pid;
	char *goal;
	char *outpath;
	int done;
};

/* Every built-in toolset but memory (children must not write the
 * parent's memory) and delegate (no grandchildren by default). */
static void
child_toolsets(struct buf *out)
{
	struct buf all = BUF_INIT;
	const char *p, *e;
	size_t n;

	toolreg_toolsets(&all);
	for (p = buf_str(&all); *p; p = *e ? e + 2 : e) {
		e = strstr(p, ", ");
		if (!e)
			e = p + strlen(p);
		n = (size_t)(e - p);
		if ((n == 6 && !strncmp(p, "memory", 6)) ||
		    (n == 8 && !strncmp(p, "delegate", 8)))
			continue;
		buf_addf(out, "%s%.*s", out->len ? "," : "", (int)n, p);
	}
	buf_release(&all);
}

static int
start_child(struct tool_env *env, struct child *c, const char *goal,
    const char *context, const char *turns, struct buf *err)
{
	struct buf prompt = BUF_INIT, tmpl = BUF_INIT, depth = BUF_INIT;
	struct buf sets = BUF_INIT;
	const char *td = getenv("TMPDIR");
	char *bin = proc_sibling("hermes-ask");
	char *argv[] = { bin, "--json", "-q", "--source", "subagent",
		"--max-turns", (char *)turns, "-t", NULL, NULL };
	int in, outfd, devnull;

	child_toolsets(&sets);
	argv[8] = sets.s;
	buf_addf(&prompt, "%s", goal);
	if (context && *context)
		buf_addf(&prompt, "\n\nContext:\n%s", context);
	buf_addf(&tmpl, "%s/hermes-delegate-XXXXXX", td && *td ? td : "/tmp");
	in = mkostemp(tmpl.s, O_CLOEXEC);
	if (in < 0 || write(in, prompt.s, prompt.len) != (ssize_t)prompt.len) {
		hm_fail(err, HM_EIO, "cannot write the task prompt: %s",
		    strerror(errno));
		goto fail;
	}
	unlink(tmpl.s);
	lseek(in, 0, SEEK_SET);
	c->outpath = xstrdup(tmpl.s);
	outfd = open(c->outpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	if (outfd < 0) {
		hm_fail(err, HM_EIO, "cannot create '%s': %s", c->outpath,
		    strerror(errno));
		goto fail;
	}
	buf_addf(&depth, "%d", env->depth + 1);
	fflush(stdout);
	c->pid = fork();
	if (c->pid == 0) {
		setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		devnull = open("/dev/null", O_WRONLY);
		dup2(in, 0);
		dup2(outfd, 1);
		if (devnull >= 0)
			dup2(devnull, 2);
		setenv("HERMES_DELEGATE_DEPTH", depth.s, 1);
		execvp(bin, argv);
		_exit(127);
	}
	close(outfd);
	close(in);
	in = -1;
	if (c->pid < 0) {
		hm_fail(err, HM_EFAIL, "cannot fork: %s", strerror(errno));
		goto fail;
	}
	setpgid(c->pid, c->pid);
	c->goal = xstrdup(goal);
	buf_release(&prompt);
	buf_release(&tmpl);
	buf_release(&depth);
	buf_release(&sets);
	free(bin);
	return 0;
fail:
	if (in >= 0)
		close(in);
	buf_release(&prompt);
	buf_release(&tmpl);
	buf_release(&depth);
	buf_release(&sets);
	free(bin);
	return -HM_EFAIL;
}

static void
collect(struct child *c, int i, struct buf *out)
{
	struct buf text = BUF_INIT;
	cJSON *j;
	const char *t, *e;

	buf_addf(out, "%s## Task %d: %s\n", i ? "\n\n" : "", i + 1, c->goal);
	if (buf_read_file(&text, c->outpath) < 0 || !(j = cJSON_Parse(text.s))) {
		buf_adds(out, "failed: the child agent gave no result");
		buf_release(&text);
		return;
	}
	t = cJSON_GetStringValue(cJSON_GetObjectItem(j, "text"));
	e = cJSON_GetStringValue(cJSON_GetObjectItem(j, "error"));
	if (e)
		buf_addf(out, "failed: %s\n", e);
	buf_adds(out, t ? t : "");
	cJSON_Delete(j);
	buf_release(&text);
}

static int
delegate_run(const struct tool *t, struct tool_env *env, cJSON *args,
    struct buf *out)
{
	cJSON *tasks = cJSON_GetObjectItem(args, "tasks"), *it;
	const char *goal = tool_arg_str(args, "goal");
	const char *ctx = tool_arg_str(args, "context");
	const char *goals[5], *ctxs[5], *turns;
	struct child kids[5];
	long par = 3, maxd = 1, limit = 600;
	int n = 0, i, started = 0, running = 0, st, rc = 0;
	double end;

	(void)t;
	config_get_long(env->cfg, "delegate.max_depth", &maxd, NULL);
	if (env->depth >= maxd)
		return hm_fail(out, HM_EINVAL, "delegate_task cannot nest "
		    "deeper than %ld level(s); do this task yourself", maxd);
	if (goal && *goal) {
		goals[n] = goal;
		ctxs[n++] = ctx;
	}
	cJSON_ArrayForEach(it, tasks) {
		if (n == 5)
			return hm_fail(out, HM_EINVAL, "at most 5 tasks at once");
		goals[n] = cJSON_GetStringValue(cJSON_GetObjectItem(it,
		    "goal"));
		ctxs[n] = cJSON_GetStringValue(cJSON_GetObjectItem(it,
		    "context"));
		if (!goals[n] || !*goals[n])
			return hm_fail(out, HM_EINVAL, "every task needs a "
			    "'goal'");
		if (!ctxs[n])
			ctxs[n] = ctx;
		n++;
	}
	if (!n)
		return hm_fail(out, HM_EINVAL, "give a 'goal' or 'tasks'");
	config_get_long(env->cfg, "delegate.max_parallel", &par, NULL);
	config_get_long(env->cfg, "delegate.timeout", &limit, NULL);
	turns = config_get(env->cfg, "delegate.max_turns", NULL);
	if (!turns)
		turns = "10";
	memset(kids, 0, sizeof(kids));
	end = tu_mono() + (double)limit;
	while (started < n || running) {
		while (started < n && running < par) {
			if (start_child(env, &kids[started], goals[started],
			    ctxs[started], turns, out) < 0) {
				rc = -HM_EFAIL;
				goto stop;
			}
			started++;
			running++;
		}
		for (i = 0; i < started; i++) {
			if (kids[i].done || kids[i].pid <= 0)
				continue;
			if (waitpid(kids[i].pid, &st, WNOHANG) == kids[i].pid) {
				kids[i].done = 1;
				running--;
			}
		}
		if (sig_interrupted || tu_mono() > end) {
			rc = hm_fail(out, HM_EFAIL, sig_interrupted ?
			    "interrupted" : "delegated tasks took longer than "
			    "delegate.timeout (%ld s)", limit);
			goto stop;
		}
		if (running)
			usleep(20000);
	}
	buf_reset(out);
	for (i = 0; i < n; i++)
		collect(&kids[i], i, out);
stop:
	for (i = 0; i < started; i++) {
		if (!kids[i].done && kids[i].pid > 0) {
			kill(-kids[i].pid, SIGTERM);
			waitpid(kids[i].pid, &st, 0);
		}
		if (kids[i].outpath)
			unlink(kids[i].outpath);
		free(kids[i].outpath);
		free(kids[i].goal);
	}
	return rc;
}

const struct tool tool_delegate_task = {
	"delegate_task", "delegate",
	"Hand self-contained work to child agents running in parallel "
	"(max 5): a goal with context, or tasks [{goal, context}]. They "
	"share no memory with you; give them what they need. Returns each "
	"final answer.",
	"{\"type\":\"object\",\"properties\":{"
	"\"goal\":{\"type\":\"string\"},\"context\":{\"type\":\"string\"},"
	"\"tasks\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
	"\"properties\":{\"goal\":{\"type\":\"string\"},"
	"\"context\":{\"type\":\"string\"}},\"required\":[\"goal\"]}}}}",
	delegate_run, NULL
};
