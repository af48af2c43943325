/*
 * answer.h: a model's final answer, shaped for pipelines.
 * answer_fence: the inside of the first ``` fence into out; -1 if none.
 * answer_json: the answer parsed as JSON, a ``` fence around it allowed;
 *   NULL when it is not JSON.  The caller deletes it.
 * answer_check: 0 when the answer is JSON valid under schema, else
 *   -HM_EINVAL with the reason (path and rule) in why.
 */
#ifndef HM_ANSWER_H
#define HM_ANSWER_H

#include <cjson/cJSON.h>

struct buf;

int answer_fence(const char *text, struct buf *out);
cJSON *answer_json(const char *text);
int answer_check(const cJSON *schema, const char *text, struct buf *why);

#endif
