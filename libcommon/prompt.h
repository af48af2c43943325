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
 */
#ifndef HM_PROMPT_H
#define HM_PROMPT_H

#include <stddef.h>

struct buf;

struct prompt_opts {
	const char *personality;	/* NULL: SOUL.md */
	size_t memory_limit;
	size_t user_limit;
	int memory_tool;		/* mention how to save */
};

int prompt_build(const struct prompt_opts *o, struct buf *out,
    struct buf *err);
/* The nearest AGENTS.md from dir up to the git root, malloc'd, or NULL. */
char *prompt_find_agents(const char *dir);

#endif
