/*
 * plan.c: a goal into linked tasks (plan.h).  The model is reached the
 * way every other caller reaches it, through a hermes-ask child; the
 * plan is checked in full before the first task is added.
 */
#include <cjson/cJSON.h>
#include <limits.h>
#include <sys/wait.h>

#include "common.h"
#include "board.h"
#include "config.h"
#include "path.h"
#include "plan.h"
#include "proc.h"

#define MAX_TASKS	50

static const char schema[] =
	"{\"type\":\"object\",\"required\":[\"tasks\"],\"properties\":{"
	"\"tasks\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
	"\"required\":[\"key\",\"title\"],\"properties\":{"
	"\"key\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"},"
	"\"body\":{\"type\":\"string\"},\"needs\":{\"type\":\"array\","
	"\"items\":{\"type\":\"string\"}}}}}}}";

/* The model's plan, parsed; NULL with the reason in err. */
static cJSON *
ask(const struct config *cfg, const char *goal, struct buf *err)
{
	struct buf prompt = BUF_INIT, out = BUF_INIT, last = BUF_INIT;
	char *exe = proc_sibling("hermes-ask"), *log = hm_path("logs/kanban.log");
	char *argv[] = { exe, "-q", "-n", "--no-tools", "--schema",
		(char *)schema, NULL };
	cJSON *plan = NULL;
	long secs = 600;
	int st = 0;

	(void)cfg;
	hm_mkparents(log, NULL);
	buf_addf(&prompt, "Break this goal into a small set of tasks that "
	    "separate workers can do, each with a short key, a title, a body "
	    "saying exactly what to do and what done means, and needs: the "
	    "keys of tasks that must be finished first. Prefer tasks that can "
	    "run in parallel. Answer with JSON only.\n\nGoal: %s\n", goal);
	if (proc_capture(argv, NULL, prompt.s, secs, log, &out, &last, &st,
	    err) == 0) {
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			hm_fail(err, HM_EFAIL, "the planner failed: %s",
			    last.len ? last.s : "no message");
		else if (!(plan = cJSON_Parse(out.s ? out.s : "")))
			hm_fail(err, HM_EFAIL, "the planner's answer is not "
			    "JSON");
	}
	free(exe);
	free(log);
	buf_release(&prompt);
	buf_release(&out);
	buf_release(&last);
	return plan;
}

static int
index_of(cJSON *tasks, const char *key)
{
	cJSON *t;
	int i = 0;

	cJSON_ArrayForEach(t, tasks) {
		if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(t, "key")),
		    key))
			return i;
		i++;
	}
	return -1;
}

/* Keys unique, needs known, at most MAX_TASKS; order[] gets an order in
 * which parents come first, or -HM_EINVAL naming a cycle. */
static int
check(cJSON *tasks, int *order, struct buf *err)
{
	int n = cJSON_GetArraySize(tasks), done[MAX_TASKS], k = 0, i, ok;
	int progress;
	cJSON *t, *nd;

	if (n < 1 || n > MAX_TASKS)
		return hm_fail(err, HM_EINVAL, "the plan has %d tasks (1 to %d "
		    "expected)", n, MAX_TASKS);
	i = 0;
	cJSON_ArrayForEach(t, tasks) {
		const char *key = cJSON_GetStringValue(cJSON_GetObjectItem(t,
		    "key"));

		if (!*key || index_of(tasks, key) != i)
			return hm_fail(err, HM_EINVAL, "the plan uses key '%s' "
			    "twice or empty", key);
		cJSON_ArrayForEach(nd, cJSON_GetObjectItem(t, "needs"))
			if (index_of(tasks, nd->valuestring) < 0)
				return hm_fail(err, HM_EINVAL, "task '%s' of the "
				    "plan needs '%s', which is not in it", key,
				    nd->valuestring);
		done[i++] = 0;
	}
	do {
		progress = 0;
		i = 0;
		cJSON_ArrayForEach(t, tasks) {
			ok = !done[i];
			cJSON_ArrayForEach(nd, cJSON_GetObjectItem(t, "needs"))
				ok = ok && done[index_of(tasks, nd->valuestring)];
			if (ok) {
				done[i] = 1;
				order[k++] = i;
				progress = 1;
			}
			i++;
		}
	} while (progress);
	if (k < n)
		return hm_fail(err, HM_EINVAL, "the plan's needs make a cycle");
	return 0;
}

int
plan_goal(struct board *b, const struct config *cfg, const char *goal,
    const char *assignee, const char *repo, struct buf *ids,
    struct buf *err)
{
	cJSON *plan = ask(cfg, goal, err), *tasks, *t, *nd;
	char *id[MAX_TASKS] = { NULL };
	const char *needs[MAX_TASKS + 1];
	struct task_new n;
	int order[MAX_TASKS], i, k, m, rc;

	if (!plan)
		return -HM_EFAIL;
	tasks = cJSON_GetObjectItem(plan, "tasks");
	rc = check(tasks, order, err);
	for (k = 0; rc == 0 && k < cJSON_GetArraySize(tasks); k++) {
		i = order[k];
		t = cJSON_GetArrayItem(tasks, i);
		m = 0;
		cJSON_ArrayForEach(nd, cJSON_GetObjectItem(t, "needs"))
			needs[m++] = id[index_of(tasks, nd->valuestring)];
		needs[m] = NULL;
		memset(&n, 0, sizeof(n));
		n.title = cJSON_GetStringValue(cJSON_GetObjectItem(t, "title"));
		n.body = cJSON_GetStringValue(cJSON_GetObjectItem(t, "body"));
		n.assignee = assignee;
		n.repo = repo;
		n.needs = needs;
		rc = board_add(b, &n, "plan", &id[i], err);
	}
	for (i = 0; rc == 0 && i < cJSON_GetArraySize(tasks); i++)
		buf_addf(ids, "%s\n", id[i]);
	for (i = 0; i < MAX_TASKS; i++)
		free(id[i]);
	cJSON_Delete(plan);
	return rc;
}
