/*
 * goal.h: --goal, the agent working in turns toward an objective.
 *
 * goal_run sends the first prompt (or the objective itself), then after
 * every answer asks a judge (goals.judge_model, default the main model)
 * for {"done": bool, "reason": "..."} about the objective and the latest
 * answer.  Not done: a continuation message with the judge's reason and
 * another turn.  It stops when the judge says done (0) or when the model
 * calls of the whole run reach max_turns (AGENT_BUDGET).  A judge that
 * answers anything but that object counts as "not done" and is reported
 * on stderr.  Each verdict is stored in the session as a system note; the
 * objective itself is kept in the session's meta ("goal") until it is
 * met, so -c carries on with it.
 */
#ifndef HM_GOAL_H
#define HM_GOAL_H

struct agent;
struct buf;

int goal_run(struct agent *a, const char *objective, const char *prompt,
    const char *judge_model, struct buf *err);

#endif
