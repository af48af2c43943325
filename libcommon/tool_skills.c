/*
 * tool_skills.c: skills_list, skill_view and skill_manage; see
 * tool_skills.h.  Every change goes through skill.c, so a skill the agent
 * writes is validated exactly as one written with hermes-skill, and is in
 * the index of the next model call (the prompt is rebuilt each time).
 */
#include <cjson/cJSON.h>

#include "common.h"
#include "skill.h"
#include "tool_skills.h"

static int
run_list(const struct tool *t, struct tool_env *env, cJSON *args,
    struct buf *out)
{
	const char *cat = tool_arg_str(args, "category");
	struct skill_set set = SKILL_SET_INIT;
	cJSON *o, *list, *cats, *s;
	size_t i, count = 0;
	char *text;
	int rc;

	(void)t;
	(void)env;
	if ((rc = skill_set_load(&set, out)) < 0)
		return rc;
	o = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(o, "skills");
	cats = cJSON_AddArrayToObject(o, "categories");
	for (i = 0; i < set.n; i++) {
		if (*set.v[i].category && (i == 0 ||
		    strcmp(set.v[i - 1].category, set.v[i].category)))
			cJSON_AddItemToArray(cats,
			    cJSON_CreateString(set.v[i].category));
		if (cat && *cat && strcmp(cat, set.v[i].category))
			continue;
		s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "name", set.v[i].name);
		cJSON_AddStringToObject(s, "description",
		    set.v[i].description);
		cJSON_AddStringToObject(s, "category", set.v[i].category);
		cJSON_AddItemToArray(list, s);
		count++;
	}
	cJSON_AddNumberToObject(o, "count", (double)count);
	text = cJSON_PrintUnformatted(o);
	buf_reset(out);
	buf_adds(out, text);
	cJSON_free(text);
	cJSON_Delete(o);
	skill_set_release(&set);
	return 0;
}

static int
run_view(const struct tool *t, struct tool_env *env, cJSON *args,
    struct buf *out)
{
	const char *name = tool_arg_str(args, "name");
	const char *file = tool_arg_str(args, "file_path");
	struct skill_set set = SKILL_SET_INIT;
	struct buf files = BUF_INIT, text = BUF_INIT;
	const struct skill *sk;
	int rc;

	(void)t;
	(void)env;
	if (!name)
		return hm_fail(out, HM_EINVAL, "'name' is required");
	if (file && !*file)
		file = NULL;
	if ((rc = skill_set_load(&set, out)) < 0)
		return rc;
	if (!(sk = skill_set_find(&set, name))) {
		rc = hm_fail(out, HM_ENOTFOUND, "no skill '%s'; skills_list "
		    "shows the skills there are", name);
		goto out;
	}
	if ((rc = skill_read(sk, file, &text, out)) < 0)
		goto out;
	buf_add(out, buf_str(&text), text.len);
	if (!file && skill_files(sk, &files, out) == 0 && files.len) {
		buf_rtrim(out);
		buf_adds(out, "\n\n[Files in this skill, for skill_view "
		    "file_path:\n");
		buf_add(out, files.s, files.len);
		buf_adds(out, "]");
	}
out:
	buf_release(&text);
	buf_release(&files);
	skill_set_release(&set);
	return rc;
}

static int
need(const char *v, const char *what, const char *action, struct buf *out)
{
	if (v)
		return 0;
	return hm_fail(out, HM_EINVAL, "'%s' is required for %s", what,
	    action);
}

static int
run_manage(const struct tool *t, struct tool_env *env, cJSON *args,
    struct buf *out)
{
	const char *action = tool_arg_str(args, "action");
	const char *name = tool_arg_str(args, "name");
	const char *content = tool_arg_str(args, "content");
	const char *old = tool_arg_str(args, "old_string");
	const char *new = tool_arg_str(args, "new_string");
	const char *file = tool_arg_str(args, "file_path");
	const char *cat = tool_arg_str(args, "category");
	cJSON *all = cJSON_GetObjectItem(args, "replace_all");
	char *path = NULL;
	int rc;

	(void)t;
	(void)env;
	if (!content)
		content = tool_arg_str(args, "file_content");
	if (file && !*file)
		file = NULL;
	if (!action)
		return hm_fail(out, HM_EINVAL, "'action' is required: create, "
		    "patch, edit, delete, write_file or remove_file");
	if (!name)
		return hm_fail(out, HM_EINVAL, "'name' is required");
	if (!strcmp(action, "create")) {
		if ((rc = need(content, "content (the whole SKILL.md)",
		    action, out)) == 0)
			rc = skill_create_text(name, cat, content, &path,
			    out);
	} else if (!strcmp(action, "edit")) {
		if ((rc = need(content, "content", action, out)) == 0)
			rc = skill_write(name, NULL, content, NULL, out);
	} else if (!strcmp(action, "patch")) {
		if ((rc = need(old, "old_string", action, out)) == 0 &&
		    (rc = need(new, "new_string", action, out)) == 0)
			rc = skill_patch(name, file, old, new,
			    cJSON_IsTrue(all), out);
	} else if (!strcmp(action, "delete")) {
		rc = skill_delete(name, out);
	} else if (!strcmp(action, "write_file")) {
		if ((rc = need(file, "file_path", action, out)) == 0 &&
		    (rc = need(content, "content", action, out)) == 0)
			rc = skill_write(name, file, content, NULL, out);
	} else if (!strcmp(action, "remove_file")) {
		if ((rc = need(file, "file_path", action, out)) == 0)
			rc = skill_remove_file(name, file, out);
	} else {
		rc = hm_fail(out, HM_EINVAL, "unknown action '%s': use create, "
		    "patch, edit, delete, write_file or remove_file", action);
	}
	if (rc == 0) {
		buf_reset(out);
		if (path)
			buf_addf(out, "ok; created %s", path);
		else
			buf_addf(out, "ok; %s %s%s%s", action, name,
			    file ? " " : "", file ? file : "");
	}
	free(path);
	return rc;
}

const struct tool tool_skills_list = {
	"skills_list", "skills",
	"List skills (name, description, category); optionally one category.",
	"{\"type\":\"object\",\"properties\":{"
	"\"category\":{\"type\":\"string\"}}}",
	run_list, NULL
};

const struct tool tool_skill_view = {
	"skill_view", "skills",
	"Load a skill's SKILL.md (and its file list), or one file in it "
	"with file_path. Load a skill before following it.",
	"{\"type\":\"object\",\"properties\":{"
	"\"name\":{\"type\":\"string\"},"
	"\"file_path\":{\"type\":\"string\"}},"
	"\"required\":[\"name\"]}",
	run_view, NULL
};

const struct tool tool_skill_manage = {
	"skill_manage", "skills",
	"Save reusable procedures as skills. Create one after a hard task "
	"succeeded (5+ tool calls), an error was overcome or the user "
	"corrected your approach; patch it when it proves wrong. create: "
	"content is the whole SKILL.md (---, name, description, ---, "
	"then When to use / Procedure / Pitfalls / Verification). edit: "
	"replace SKILL.md. patch: old_string -> new_string (file_path for "
	"another file). write_file/remove_file: file_path under "
	"references/, templates/, scripts/ or assets/.",
	"{\"type\":\"object\",\"properties\":{"
	"\"action\":{\"type\":\"string\",\"enum\":[\"create\",\"patch\","
	"\"edit\",\"delete\",\"write_file\",\"remove_file\"]},"
	"\"name\":{\"type\":\"string\"},"
	"\"content\":{\"type\":\"string\"},"
	"\"old_string\":{\"type\":\"string\"},"
	"\"new_string\":{\"type\":\"string\"},"
	"\"replace_all\":{\"type\":\"boolean\"},"
	"\"file_path\":{\"type\":\"string\"},"
	"\"category\":{\"type\":\"string\"}},"
	"\"required\":[\"action\",\"name\"]}",
	run_manage, NULL
};
