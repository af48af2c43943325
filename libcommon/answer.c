/*
 * answer.c: shaping a final answer for pipelines: the first fenced code
 * block (-x), the answer as JSON, and the check against a schema.
 */
#include <cjson/cJSON.h>

#include "common.h"
#include "answer.h"
#include "jsonschema.h"

/* The inside of the first ``` fence, or -1. */
int
answer_fence(const char *t, struct buf *out)
{
	const char *p = t, *start, *end;

	while (p && *p) {
		if (!strncmp(p, "```", 3)) {
			start = strchr(p, '\n');
			if (!start)
				return -1;
			start++;
			for (end = start; *end; end = strchr(end, '\n') ?
			    strchr(end, '\n') + 1 : end + strlen(end))
				if (!strncmp(end, "```", 3))
					break;
			buf_add(out, start, (size_t)(end - start));
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

/* Parse the answer as JSON (a ``` fence around it is allowed). */
cJSON *
answer_json(const char *text)
{
	struct buf b = BUF_INIT;
	cJSON *j;

	if (answer_fence(text, &b) == 0)
		j = cJSON_Parse(b.s);
	else
		j = cJSON_Parse(text);
	buf_release(&b);
	return j;
}

int
answer_check(const cJSON *schema, const char *text, struct buf *why)
{
	cJSON *j = answer_json(text ? text : "");
	int rc;

	if (!j)
		return hm_fail(why, HM_EINVAL, "the answer is not JSON");
	rc = jsonschema_check(schema, j, why);
	cJSON_Delete(j);
	return rc;
}
