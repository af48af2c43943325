/* jsonschema.c: a small validator; see jsonschema.h. */
#include <cjson/cJSON.h>
#include <math.h>

#include "common.h"
#include "jsonschema.h"
#include "utf8.h"

static int
is_type(const cJSON *v, const char *t)
{
	if (!strcmp(t, "object"))
		return cJSON_IsObject(v);
	if (!strcmp(t, "array"))
		return cJSON_IsArray(v);
	if (!strcmp(t, "string"))
		return cJSON_IsString(v);
	if (!strcmp(t, "number"))
		return cJSON_IsNumber(v);
	if (!strcmp(t, "integer"))
		return cJSON_IsNumber(v) && v->valuedouble ==
		    floor(v->valuedouble);
	if (!strcmp(t, "boolean"))
		return cJSON_IsBool(v);
	if (!strcmp(t, "null"))
		return cJSON_IsNull(v);
	return 1;
}

static double
numkey(const cJSON *s, const char *k, int *has)
{
	const cJSON *v = cJSON_GetObjectItem(s, k);

	*has = cJSON_IsNumber(v);
	return *has ? v->valuedouble : 0;
}

static int
check(const cJSON *s, const cJSON *v, struct buf *path, struct buf *err)
{
	const cJSON *t, *e, *p, *req, *props, *item;
	size_t mark = path->len, len;
	int ok, has, i, rc = 0;
	double lim;

	if (!cJSON_IsObject(s))
		return 0;
	t = cJSON_GetObjectItem(s, "type");
	if (cJSON_IsString(t) && !is_type(v, t->valuestring))
		return hm_fail(err, HM_EINVAL, "%s: expected %s", path->s,
		    t->valuestring);
	if (cJSON_IsArray(t)) {
		ok = 0;
		cJSON_ArrayForEach(e, t)
			if (cJSON_IsString(e) && is_type(v, e->valuestring))
				ok = 1;
		if (!ok)
			return hm_fail(err, HM_EINVAL, "%s: wrong type", path->s);
	}
	if ((e = cJSON_GetObjectItem(s, "enum")) && cJSON_IsArray(e)) {
		ok = 0;
		cJSON_ArrayForEach(p, e)
			if (cJSON_Compare(p, v, 1))
				ok = 1;
		if (!ok)
			return hm_fail(err, HM_EINVAL, "%s: not one of the "
			    "allowed values", path->s);
	}
	if ((e = cJSON_GetObjectItem(s, "const")) && !cJSON_Compare(e, v, 1))
		return hm_fail(err, HM_EINVAL, "%s: not the required value",
		    path->s);
	if (cJSON_IsString(v)) {
		len = utf8_count(v->valuestring, strlen(v->valuestring));
		lim = numkey(s, "minLength", &has);
		if (has && (double)len < lim)
			return hm_fail(err, HM_EINVAL, "%s: shorter than %g",
			    path->s, lim);
		lim = numkey(s, "maxLength", &has);
		if (has && (double)len > lim)
			return hm_fail(err, HM_EINVAL, "%s: longer than %g",
			    path->s, lim);
	}
	if (cJSON_IsNumber(v)) {
		lim = numkey(s, "minimum", &has);
		if (has && v->valuedouble < lim)
			return hm_fail(err, HM_EINVAL, "%s: below %g", path->s,
			    lim);
		lim = numkey(s, "maximum", &has);
		if (has && v->valuedouble > lim)
			return hm_fail(err, HM_EINVAL, "%s: above %g", path->s,
			    lim);
	}
	if (cJSON_IsObject(v)) {
		props = cJSON_GetObjectItem(s, "properties");
		req = cJSON_GetObjectItem(s, "required");
		cJSON_ArrayForEach(e, req) {
			if (cJSON_IsString(e) &&
			    !cJSON_GetObjectItemCaseSensitive(v, e->valuestring))
				return hm_fail(err, HM_EINVAL, "%s: missing "
				    "required '%s'", path->s, e->valuestring);
		}
		cJSON_ArrayForEach(item, v) {
			p = cJSON_GetObjectItemCaseSensitive(props,
			    item->string);
			if (!p && cJSON_IsFalse(cJSON_GetObjectItem(s,
			    "additionalProperties")))
				return hm_fail(err, HM_EINVAL, "%s: unexpected "
				    "'%s'", path->s, item->string);
			if (!p)
				continue;
			buf_addf(path, ".%s", item->string);
			rc = check(p, item, path, err);
			buf_setlen(path, mark);
			if (rc < 0)
				return rc;
		}
	}
	if (cJSON_IsArray(v)) {
		lim = numkey(s, "minItems", &has);
		if (has && cJSON_GetArraySize(v) < lim)
			return hm_fail(err, HM_EINVAL, "%s: fewer than %g items",
			    path->s, lim);
		lim = numkey(s, "maxItems", &has);
		if (has && cJSON_GetArraySize(v) > lim)
			return hm_fail(err, HM_EINVAL, "%s: more than %g items",
			    path->s, lim);
		p = cJSON_GetObjectItem(s, "items");
		i = 0;
		cJSON_ArrayForEach(item, v) {
			buf_addf(path, "[%d]", i++);
			rc = check(p, item, path, err);
			buf_setlen(path, mark);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

int
jsonschema_check(const cJSON *schema, const cJSON *v, struct buf *err)
{
	struct buf path = BUF_INIT;
	int rc;

	buf_adds(&path, "$");
	rc = check(schema, v, &path, err);
	buf_release(&path);
	return rc;
}
