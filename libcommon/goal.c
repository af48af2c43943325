/* goal.c: the goal loop and its judge; see goal.h. */
#include <cjson/cJSON.h>

#include "common.h"
#include "agent.h"
#include "answer.h"
#include "goal.h"
#include "session.h"

static const char judge_system[] = "You judge whether an assistant has "
    "met an objective. Be strict: done means the objective is fully met "
    "by what the assistant did and reported, not merely planned. Reply "
    "with only a JSON object: {\"done\": true|false, \"reason\": "
    "\"one short sentence\"}.";

/* 1 done, 0 not done (why holds the reason), -1 the call failed, -2 it
 * was interrupted. */
static int
judge(struct agent *a, const char *objective, const char *model,
    struct buf *why, struct buf *err)
{
	struct conv c = CONV_INIT;
	struct provider_call call;
	struct buf q = BUF_INIT;
	struct message out;
	char *keep = NULL;
	cJSON *j, *d;
	const char *r;
	int rc, done = 0;

	conv_add(&c, MSG_SYSTEM, judge_system);
	buf_addf(&q, "Objective:\n%s\n\nThe assistant's latest answer:\n%s",
	    objective, a->text ? a->text : "");
	conv_add(&c, MSG_USER, q.s);
	memset(&call, 0, sizeof(call));
	call.conv = &c;
	memset(&out, 0, sizeof(out));
	if (model && *model) {
		keep = a->prov->model;
		a->prov->model = xstrdup(model);	/* a fallback may free it */
	}
	rc = provider_chat(a->prov, &call, &out, err);
	if (keep) {
		free(a->prov->model);
		a->prov->model = keep;
	}
	if (rc < 0) {
		done = a->prov->interrupted ? -2 : -1;
		goto out;
	}
	a->usage.input += out.usage.input;
	a->usage.output += out.usage.output;
	a->usage.cached += out.usage.cached;
	j = answer_json(out.content ? out.content : "");
	d = cJSON_GetObjectItem(j, "done");
	r = cJSON_GetStringValue(cJSON_GetObjectItem(j, "reason"));
	if (!cJSON_IsBool(d)) {
		hm_warn("goal judge gave no verdict, counted as not done: "
		    "%.200s", out.content ? out.content : "(empty)");
		buf_adds(why, "the judge could not tell");
	} else {
		done = cJSON_IsTrue(d);
		buf_adds(why, r && *r ? r : done ? "done" : "not done yet");
	}
	cJSON_Delete(j);
out:
	message_release(&out);
	conv_release(&c);
	buf_release(&q);
	return done;
}

static void
set_goal(struct agent *a, const char *objective)
{
	if (a->sdb && a->session_id)
		session_meta_set(a->sdb, a->session_id, "goal", objective,
		    NULL);
}

int
goal_run(struct agent *a, const char *objective, const char *prompt,
    const char *judge_model, struct buf *err)
{
	struct buf why = BUF_INIT, next = BUF_INIT, first = BUF_INIT;
	long budget = a->max_turns, start = a->turns;
	struct message *m;
	int rc, done;

	set_goal(a, objective);
	if (prompt && *prompt)
		buf_adds(&first, prompt);
	else
		buf_addf(&first, "Objective: %s", objective);
	rc = agent_ask(a, first.s, err);
	for (;;) {
		if (rc != 0)
			break;
		buf_reset(&why);
		done = judge(a, objective, judge_model, &why, err);
		if (done < 0) {
			rc = done == -2 ? AGENT_INTERRUPTED : -HM_EFAIL;
			break;
		}
		buf_reset(&next);
		buf_addf(&next, "[goal judge] %s: %s", done ? "done" :
		    "not done", why.s);
		m = conv_add(&a->conv, MSG_SYSTEM, next.s);
		agent_store(a, m);
		if (done) {
			set_goal(a, NULL);
			break;
		}
		if (a->turns - start >= budget) {
			rc = AGENT_BUDGET;
			break;
		}
		a->max_turns = budget - (a->turns - start);
		buf_reset(&next);
		buf_addf(&next, "The objective is not met yet (%s). Keep "
		    "working toward it: %s", why.s, objective);
		rc = agent_ask(a, next.s, err);
	}
	a->max_turns = budget;
	buf_release(&why);
	buf_release(&next);
	buf_release(&first);
	return rc;
}
