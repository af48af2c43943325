/*
 * prompt.h: the system prompt, rebuilt from the files before every model
 * call, so a memory written during a session is seen at the next call.
 *
 * Order (SPEC section 4): SOUL.md, or personalities/NAME.md with -p; the
 * USER.md block; project context (the nearest AGENTS.md from the current
 * directory up to the git root, capped at 20000 characters keeping head
 * and tail); the MEMORY.md block; the skills index (names and
 * descriptions only: skill_view loads one, skill.h).  Blocks
 * with nothing in them are left out: the prompt stays lean.
 * A missing SOUL.md is written with the default first (soul.h).
 *
 * The system prompt holds nothing that changes with the clock or with
 * the caller, so it stays byte-identical from call to call and the
 * provider's prompt cache keeps it.  What the model must know of the
 * moment goes at the end of each user message instead (prompt_context,
 * called by agent_ask): the local date and time to the minute, from
 * tu_now() (HERMES_NOW moves it) in the zone of TZ, and the source of
 * the turn (hermes-ask --source: cli, cron, kanban, subagent, or the
 * gateway's platform name), as one line:
 *   [Context: Tuesday 2026-11-24 09:30 CET (Europe/Paris, UTC+01:00);
 *   source: cron, a scheduled job: nobody reads along]
 * The line is stored with the message, so a continued session sends the
 * same bytes again and the cached prefix still matches; each new user
 * message carries its own.  prompt_with_context() builds the stored text:
 * the prompt with an old context line at its end dropped (a /retry of a
 * stored message), then the new one.
 */
#ifndef HM_PROMPT_H
#define HM_PROMPT_H

#include <stddef.h>
#include <time.h>

struct buf;

#define PROMPT_CONTEXT_MARK "[Context: "

struct prompt_opts {
	const char *personality;	/* NULL: SOUL.md */
	size_t memory_limit;
	size_t user_limit;
	int memory_tool;		/* mention how to save */
};

int prompt_build(const struct prompt_opts *o, struct buf *out,
    struct buf *err);
/* Append the context line for a turn from source (NULL: cli) at now. */
void prompt_context(const char *source, time_t now, struct buf *out);
/* The user message as stored and sent: text, a blank line, the context
 * line (just the line when text is empty).  The caller frees it. */
char *prompt_with_context(const char *text, const char *source,
    time_t now);
/* The nearest AGENTS.md from dir up to the git root, malloc'd, or NULL. */
char *prompt_find_agents(const char *dir);

#endif
