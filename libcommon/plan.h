/*
 * plan.h: hermes-kanban plan: the model breaks a goal into tasks.
 *
 * One call: a hermes-ask child (no tools, nothing stored) answers with
 * JSON valid against a fixed schema, {"tasks": [{"key", "title", "body",
 * "needs": [keys]}]}, which hermes-ask itself checks and asks again once
 * when it does not validate.  The tasks are then checked here (keys
 * unique, every need a known key, no cycle, at most 50 tasks), added to
 * the board in an order where parents come first, linked, and their ids
 * appended to ids, one a line, in the model's order.  A bad plan adds
 * nothing.
 */
#ifndef HM_PLAN_H
#define HM_PLAN_H

struct board;
struct buf;
struct config;

int plan_goal(struct board *b, const struct config *cfg, const char *goal,
    const char *assignee, const char *repo, struct buf *ids,
    struct buf *err);

#endif
