/*
 * prompt.c: system prompt assembly, and the context line of each user
 * message; see prompt.h.  Everything is read fresh each time: a few small
 * files, microseconds.  The two are kept apart on purpose: the system
 * prompt must not change with the time or the caller, or every call
 * would miss the provider's prompt cache (the cache matches a prefix of
 * the request byte for byte, and the system prompt is its start).
 */
#include <sys/stat.h>
#include <ctype.h>

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

/* ---- the context line ---- */

/* What each source means for the model; the gateway's platforms by name. */
static const char *const sources[][2] = {
	{ "cli", "the command line" },
	{ "cron", "a scheduled job: nobody reads along" },
	{ "kanban", "a kanban board worker: nobody reads along" },
	{ "subagent", "a parent agent that delegated this task" },
	{ "telegram", "a Telegram chat" },
	{ "slack", "a Slack chat" },
	{ "discord", "a Discord chat" },
	{ "signal", "a Signal chat" },
	{ "whatsapp", "a WhatsApp chat" },
	{ "email", "an email" },
	{ "webhook", "a webhook" },
};

/* Is s an IANA zone name, Area/Place ("America/Argentina/Salta")? */
static int
iana(const char *s)
{
	const char *p;

	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')) ||
	    !strchr(s, '/'))
		return 0;
	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("/_+-", *p))
			return 0;
	return 1;
}

/* The zone's name as TZ or /etc/localtime give it ("Europe/Paris"), or
 * NULL when neither names one (a POSIX rule such as "CET-1CEST,M3.5.0,
 * M10.5.0/3" has only the abbreviations). */
static char *
zone_name(void)
{
	const char *tz = getenv("TZ"), *z;
	char link[PATH_MAX];
	ssize_t n;

	if (tz && *tz == ':')
		tz++;
	if (tz && *tz)
		return iana(tz) ? xstrdup(tz) : NULL;
	n = readlink("/etc/localtime", link, sizeof(link) - 1);
	if (n <= 0)
		return NULL;
	link[n] = '\0';
	z = strstr(link, "zoneinfo/");
	return z && iana(z + 9) ? xstrdup(z + 9) : NULL;
}

void
prompt_context(const char *source, time_t now, struct buf *out)
{
	char day[64], zone[64];
	struct tm tm;
	char *name;
	long off;
	size_t i;

	if (!source || !*source)
		source = "cli";
	tzset();
	buf_adds(out, PROMPT_CONTEXT_MARK);
	if (localtime_r(&now, &tm) && strftime(day, sizeof(day),
	    "%A %Y-%m-%d %H:%M", &tm) && strftime(zone, sizeof(zone), "%Z",
	    &tm)) {
		off = tm.tm_gmtoff / 60;
		if (off == 0 && (!strcmp(zone, "UTC") ||
		    !strcmp(zone, "GMT"))) {
			buf_addf(out, "%s UTC", day);
		} else {
			buf_addf(out, "%s %s (", day, zone);
			if ((name = zone_name()) && strcmp(name, zone))
				buf_addf(out, "%s, ", name);
			free(name);
			buf_addf(out, "UTC%c%02ld:%02ld)", off < 0 ? '-' : '+',
			    labs(off) / 60, labs(off) % 60);
		}
	} else {
		buf_addf(out, "@%lld", (long long)now);
	}
	buf_addf(out, "; source: %s", source);
	for (i = 0; i < HM_ARRAY_SIZE(sources); i++)
		if (!strcmp(source, sources[i][0]))
			buf_addf(out, ", %s", sources[i][1]);
	buf_addc(out, ']');
}

char *
prompt_with_context(const char *text, const char *source, time_t now)
{
	struct buf b = BUF_INIT;
	const char *p = text, *last = NULL;
	size_t n;

	while ((p = strstr(p, "\n\n" PROMPT_CONTEXT_MARK)))
		last = p++;
	n = strlen(text);
	if (last && !strchr(last + 2, '\n') && text[n - 1] == ']')
		n = (size_t)(last - text);	/* a stored message again */
	else if (!strncmp(text, PROMPT_CONTEXT_MARK,
	    strlen(PROMPT_CONTEXT_MARK)) && !strchr(text, '\n'))
		n = 0;
	buf_add(&b, text, n);
	if (b.len)
		buf_adds(&b, "\n\n");
	prompt_context(source, now, &b);
	return buf_detach(&b);
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
