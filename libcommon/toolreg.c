/*
 * toolreg.c: the registry.  Built-in tools are listed here once; the
 * default toolset is every built-in one.
 */
#include <cjson/cJSON.h>

#include "common.h"
#include "approve.h"
#include "config.h"
#include "num.h"
#include "roots.h"
#include "hooks.h"
#include "tool_agent.h"
#include "tool_cron.h"
#include "tool_kanban.h"
#include "tool_file.h"
#include "tool_skills.h"
#include "tool_terminal.h"
#include "tool_web.h"
#include "toolreg.h"

static const struct tool *const builtin[] = {
	&tool_terminal,
	&tool_process,
	&tool_read_file,
	&tool_write_file,
	&tool_patch,
	&tool_search_files,
	&tool_memory,
	&tool_session_search,
	&tool_skills_list,
	&tool_skill_view,
	&tool_skill_manage,
	&tool_todo,
	&tool_delegate_task,
	&tool_cronjob,
	&tool_kanban_show,
	&tool_kanban_complete,
	&tool_kanban_block,
	&tool_kanban_heartbeat,
	&tool_kanban_comment,
	&tool_kanban_create,
	&tool_kanban_link,
	&tool_web_extract,
	&tool_web_search,
};

static int
in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	while ((p = strstr(p, name))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return 1;
		p += n;
	}
	return 0;
}

int
toolreg_init(struct toolreg *r, const char *toolsets, struct buf *err)
{
	const char *p, *e;
	size_t i, n;
	int known;

	memset(r, 0, sizeof(*r));
	if (toolsets) {
		for (p = toolsets; *p; p = *e ? e + 1 : e) {
			e = strchr(p, ',');
			if (!e)
				e = p + strlen(p);
			n = (size_t)(e - p);
			known = n == 0 || !strncmp(p, "mcp", 3);
			for (i = 0; i < HM_ARRAY_SIZE(builtin); i++)
				if (strlen(builtin[i]->toolset) == n &&
				    !strncmp(builtin[i]->toolset, p, n))
					known = 1;
			if (!known) {
				struct buf names = BUF_INIT;

				toolreg_toolsets(&names);
				hm_fail(err, HM_EINVAL, "unknown toolset '%.*s' "
				    "(known: %s)", (int)n, p, names.s);
				buf_release(&names);
				return -HM_EINVAL;
			}
		}
	}
	for (i = 0; i < HM_ARRAY_SIZE(builtin); i++) {
		if (builtin[i] == &tool_cronjob && getenv("HERMES_CRON_JOB"))
			continue;	/* no jobs from inside a job */
		if (!strcmp(builtin[i]->toolset, "kanban") &&
		    !tool_kanban_active())
			continue;	/* only a worker has a task */
		if (!toolsets || in_list(toolsets, builtin[i]->toolset))
			toolreg_add(r, builtin[i]);
	}
	return 0;
}

static void
invalidate(struct toolreg *r)
{
	cJSON_Delete(r->schemas);
	r->schemas = NULL;
	free(r->json);
	r->json = NULL;
}

int
toolreg_wants(const char *toolsets, const char *ts)
{
	if (!toolsets)
		return 1;
	if (!strncmp(ts, "mcp-", 4) && in_list(toolsets, "mcp"))
		return 1;
	return in_list(toolsets, ts);
}

void
toolreg_toolsets(struct buf *out)
{
	size_t i, k;

	for (i = 0; i < HM_ARRAY_SIZE(builtin); i++) {
		for (k = 0; k < i; k++)
			if (!strcmp(builtin[k]->toolset, builtin[i]->toolset))
				break;
		if (k == i)
			buf_addf(out, "%s%s", out->len ? ", " : "",
			    builtin[i]->toolset);
	}
}

void
toolreg_add(struct toolreg *r, const struct tool *t)
{
	r->v = xrealloc(r->v, (r->n + 1) * sizeof(*r->v));
	r->v[r->n++] = t;
	invalidate(r);
}

void
toolreg_drop_toolset(struct toolreg *r, const char *toolset)
{
	size_t i, k = 0;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i]->toolset, toolset))
			r->v[k++] = r->v[i];
	if (k != r->n)
		invalidate(r);
	r->n = k;
}

void
toolreg_sync(struct toolreg *r)
{
	if (r && r->sync)
		r->sync(r, r->sync_ctx);
}

const struct tool *
toolreg_find(const struct toolreg *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->v[i]->name, name))
			return r->v[i];
	return NULL;
}

const cJSON *
toolreg_schemas(struct toolreg *r)
{
	cJSON *t, *fn, *params;
	size_t i;

	if (r->schemas)
		return r->schemas;
	r->schemas = cJSON_CreateArray();
	for (i = 0; i < r->n; i++) {
		t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "type", "function");
		fn = cJSON_AddObjectToObject(t, "function");
		cJSON_AddStringToObject(fn, "name", r->v[i]->name);
		cJSON_AddStringToObject(fn, "description",
		    r->v[i]->description);
		params = cJSON_Parse(r->v[i]->parameters);
		if (!params)
			params = cJSON_CreateObject();
		cJSON_AddItemToObject(fn, "parameters", params);
		cJSON_AddItemToArray(r->schemas, t);
	}
	return r->schemas;
}

static void
cap(struct buf *out, size_t max)
{
	struct buf b = BUF_INIT;
	size_t head, tail;

	if (!max || out->len <= max)
		return;
	head = max * 7 / 10;
	tail = max * 2 / 10;
	while (head && ((unsigned char)out->s[head] & 0xC0) == 0x80)
		head--;
	while (tail && ((unsigned char)out->s[out->len - tail] & 0xC0) == 0x80)
		tail--;
	buf_add(&b, out->s, head);
	buf_addf(&b, "\n[... %zu bytes cut ...]\n", out->len - head - tail);
	buf_add(&b, out->s + out->len - tail, tail);
	buf_release(out);
	*out = b;
}

/* Run hook EVENT with {session, tool, arguments[, result, error]}.
 * Returns HOOKS_BLOCK with the reason in out for a blocking pre-tool. */
static int
hook(struct tool_env *env, const char *event, const char *name, cJSON *args,
    const struct buf *result, int failed, struct buf *out)
{
	struct buf reason = BUF_INIT, err = BUF_INIT;
	cJSON *p = cJSON_CreateObject();
	long secs = 10;
	char *json;
	int rc;

	if (env->session_id)
		cJSON_AddStringToObject(p, "session", env->session_id);
	cJSON_AddStringToObject(p, "tool", name);
	cJSON_AddItemToObject(p, "arguments", cJSON_Duplicate(args, 1));
	if (result) {
		cJSON_AddStringToObject(p, "result", buf_str(result));
		cJSON_AddBoolToObject(p, "error", failed);
	}
	json = cJSON_PrintUnformatted(p);
	cJSON_Delete(p);
	if (env->cfg)
		config_get_long(env->cfg, "hooks.timeout", &secs, NULL);
	rc = hooks_run(event, json ? json : "{}", secs * 1000, &reason, &err);
	cJSON_free(json);
	if (rc == HOOKS_BLOCK && out)
		buf_addf(out, "error: blocked by the %s hook: %s", event,
		    buf_str(&reason));
	else if (rc < 0)
		hm_warn("%s hook: %s", event, buf_str(&err));
	buf_release(&reason);
	buf_release(&err);
	return rc;
}

int
toolreg_call(struct toolreg *r, struct tool_env *env, const char *name,
    const char *args, struct buf *out)
{
	const struct tool *t = toolreg_find(r, name);
	struct buf msg = BUF_INIT;
	cJSON *a;
	int rc;

	buf_reset(out);
	if (!t) {
		buf_addf(out, "error: unknown tool '%s'", name);
		return -HM_ENOTFOUND;
	}
	a = cJSON_Parse(args && *args ? args : "{}");
	if (!cJSON_IsObject(a)) {
		cJSON_Delete(a);
		buf_addf(out, "error: the arguments of %s are not a JSON "
		    "object", name);
		return -HM_EINVAL;
	}
	if (env->hooks && hook(env, "pre-tool", name, a, NULL, 0, out) ==
	    HOOKS_BLOCK) {
		cJSON_Delete(a);
		return -HM_EINVAL;
	}
	rc = t->run(t, env, a, &msg);
	if (rc < 0)
		buf_addf(out, "error: %s", buf_str(&msg));
	else
		buf_add(out, buf_str(&msg), msg.len);
	buf_release(&msg);
	cap(out, env->output_max);
	if (env->hooks)
		hook(env, "post-tool", name, a, out, rc < 0, NULL);
	cJSON_Delete(a);
	return rc < 0 ? rc : 0;
}

const char *
toolreg_schemas_json(struct toolreg *r)
{
	char *s;

	if (!r->json) {
		s = cJSON_PrintUnformatted(toolreg_schemas(r));
		if (!s)
			hm_oom();
		r->json = xstrdup(s);
		cJSON_free(s);
	}
	return r->json;
}

void
toolreg_release(struct toolreg *r)
{
	free(r->v);
	free(r->json);
	cJSON_Delete(r->schemas);
	memset(r, 0, sizeof(*r));
}

const char *
tool_arg_str(cJSON *args, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(args, name));
}

int
tool_arg_long(cJSON *args, const char *name, long def, long *out)
{
	cJSON *v = cJSON_GetObjectItem(args, name);

	if (!v || cJSON_IsNull(v)) {
		*out = def;
		return 0;
	}
	if (!cJSON_IsNumber(v))
		return -HM_EINVAL;
	*out = (long)v->valuedouble;
	return 0;
}

int
tool_env_init(struct tool_env *env, const struct config *cfg, int unattended,
    struct roots *roots, struct approve *appr, char *cwd, struct buf *err)
{
	const char *d = getenv("HERMES_DELEGATE_DEPTH");
	long depth = 0;
	int rc;

	if (!getcwd(cwd, PATH_MAX))
		cwd[0] = '\0';
	env->cfg = cfg;
	env->cwd = cwd[0] ? cwd : NULL;
	env->interactive = !unattended && isatty(2) &&
	    access("/dev/tty", R_OK | W_OK) == 0;
	env->hooks = 1;
	if (d && hm_parse_long(d, 0, 100, &depth) == 0)
		env->depth = (int)depth;
	if ((rc = roots_init(roots, cfg, env->cwd, err)) < 0)
		return rc;
	env->roots = roots;
	if ((rc = approve_init(appr, cfg, env->interactive, err)) < 0)
		return rc;
	env->approve = appr;
	return 0;
}
