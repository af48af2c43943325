/*
 * prompt.c: system prompt assembly; see prompt.h.  Everything is read
 * fresh each time: a few small files, microseconds.
 */
#include <sys/stat.h>

#include "common.h"
#include "memory.h"
#include "path.h"
#include "prompt.h"
#include "skill.h"
#include "soul.h"

#define AGENTS_MAX 20000

char *
prompt_find_agents(const char *dir)
{
	struct buf p = BUF_INIT;
	char *d = xstrdup(dir), *up;
	struct stat st;

	for (;;) {
		buf_reset(&p);
		buf_addf(&p, "%s/AGENTS.md", strcmp(d, "/") ? d : "");
		if (stat(p.s, &st) == 0 && S_ISREG(st.st_mode)) {
			free(d);
			return buf_detach(&p);
		}
		buf_reset(&p);
		buf_addf(&p, "%s/.git", strcmp(d, "/") ? d : "");
		if (stat(p.s, &st) == 0 || !strcmp(d, "/"))
			break;
		up = hm_dirname(d);
		free(d);
		d = up;
	}
	free(d);
	buf_release(&p);
	return NULL;
}

static void
add_capped(struct buf *out, const char *s, size_t n)
{
	size_t head = AGENTS_MAX * 7 / 10, tail = AGENTS_MAX * 2 / 10;

	if (n <= AGENTS_MAX) {
		buf_add(out, s, n);
		return;
	}
	while (head && ((unsigned char)s[head] & 0xC0) == 0x80)
		head--;
	while (tail && ((unsigned char)s[n - tail] & 0xC0) == 0x80)
		tail--;
	buf_add(out, s, head);
	buf_addf(out, "\n[... %zu bytes of AGENTS.md cut ...]\n",
	    n - head - tail);
	buf_add(out, s + n - tail, tail);
}

static int
memory_block(struct buf *out, enum memory_target t, size_t limit,
    const char *title, struct buf *err)
{
	struct buf text = BUF_INIT;
	struct memory m;
	int rc;

	memory_init(&m, t, limit);
	rc = memory_load(&m, err);
	if (rc == 0 && m.n) {
		memory_render(&m, &text);
		buf_rtrim(&text);
		buf_addf(out, "\n\n## %s [%zu/%zu chars]\n%s", title,
		    memory_used(&m), m.limit, text.s);
	}
	buf_release(&text);
	memory_release(&m);
	return rc;
}

/* Built-in personalities, used when personalities/NAME.md does not
 * exist: a file of that name replaces one. */
static const char *const personalities[][2] = {
	{ "concise", "You are Hermes. Answer in as few words as the question "
	    "allows: no preamble, no summary, no pleasantries. Commands and "
	    "code over prose." },
	{ "technical", "You are Hermes, a senior engineer. Be precise: name "
	    "versions, flags, files and line numbers; show the command and "
	    "its output; state assumptions; prefer primary sources." },
	{ "teacher", "You are Hermes, a patient teacher. Explain the why "
	    "before the how, build from what the user already knows, give "
	    "one small example at a time and check understanding." },
	{ "creative", "You are Hermes, an inventive collaborator. Offer "
	    "several distinct options, including an unexpected one, and say "
	    "what each trades away." },
};

static const char *
builtin_personality(const char *name)
{
	size_t i;

	for (i = 0; i < HM_ARRAY_SIZE(personalities); i++)
		if (!strcmp(personalities[i][0], name))
			return personalities[i][1];
	return NULL;
}

int
prompt_build(const struct prompt_opts *o, struct buf *out, struct buf *err)
{
	struct buf text = BUF_INIT, rel = BUF_INIT;
	char cwd[PATH_MAX], *path, *agents;
	int rc = 0;

	if (o->personality) {
		if (!hm_valid_name(o->personality, 64))
			return hm_fail(err, HM_EINVAL, "invalid personality "
			    "name '%s'", o->personality);
		buf_addf(&rel, "personalities/%s.md", o->personality);
		path = hm_path(rel.s);
		buf_release(&rel);
		if (buf_read_file(&text, path) < 0) {
			int e = errno;

			if (e == ENOENT && builtin_personality(o->personality)) {
				buf_adds(&text,
				    builtin_personality(o->personality));
			} else {
				rc = hm_fail(err, e == ENOENT ? HM_ENOTFOUND :
				    HM_EIO, "cannot read personality '%s': %s",
				    path, strerror(e));
				free(path);
				buf_release(&text);
				return rc;
			}
		}
		free(path);
	} else {
		if (soul_ensure(err) < 0)
			return -HM_EIO;
		path = hm_path("SOUL.md");
		if (buf_read_file(&text, path) < 0)
			buf_adds(&text, soul_default);
		free(path);
	}
	buf_rtrim(&text);
	buf_add(out, buf_str(&text), text.len);
	buf_release(&text);
	rc = memory_block(out, MEMORY_USER, o->user_limit,
	    "User profile (USER.md)", err);
	if (rc < 0)
		return rc;
	if (getcwd(cwd, sizeof(cwd)) && (agents = prompt_find_agents(cwd))) {
		if (buf_read_file(&text, agents) == 0 && text.len) {
			buf_addf(out, "\n\n## Project context (%s)\n", agents);
			add_capped(out, text.s, strlen(text.s));
			buf_rtrim(out);
		}
		buf_release(&text);
		free(agents);
	}
	rc = memory_block(out, MEMORY_NOTES, o->memory_limit,
	    "Memory (MEMORY.md)", err);
	if (rc < 0)
		return rc;
	if ((rc = skill_index(&text, err)) < 0) {
		buf_release(&text);
		return rc;
	}
	if (text.len) {
		buf_adds(out, "\n\n");
		buf_add(out, text.s, text.len);
		buf_rtrim(out);
	}
	buf_release(&text);
	if (o->memory_tool)
		buf_adds(out, "\n\nSave what will matter in later sessions "
		    "with the memory tool: short entries, merged and pruned "
		    "as they age.");
	return 0;
}
