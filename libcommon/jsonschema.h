/*
 * jsonschema.h: the subset of JSON Schema that structured answers use:
 * type (or a list of types), enum, const, properties, required,
 * additionalProperties false, items, minItems/maxItems,
 * minLength/maxLength, minimum/maximum.  Other keywords are ignored.
 * jsonschema_check returns 0, or -HM_EINVAL with the first violation and
 * its path ($.a[2].b) in err.
 */
#ifndef HM_JSONSCHEMA_H
#define HM_JSONSCHEMA_H

#include <cjson/cJSON.h>

struct buf;

int jsonschema_check(const cJSON *schema, const cJSON *v, struct buf *err);

#endif
