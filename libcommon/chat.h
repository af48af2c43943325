/*
 * chat.h: the interactive chat: hermes (or hermes-ask with no prompt on a
 * terminal).  A line is a prompt for agent_ask; a line starting with "/"
 * is a command:
 *   /new  /model [ID]  /personality [NAME]  /skills  /SKILL [args]
 *   /goal OBJECTIVE  /memory  /usage  /retry  /undo  /help  /quit
 * Ctrl-C stops the answer being streamed and returns to the prompt;
 * Ctrl-D (end of input) or /quit leaves.  The session id goes to stderr
 * at the end.  Skill commands read the skills through skill.h unless a
 * caller sets the hooks in struct chat.
 */
#ifndef HM_CHAT_H
#define HM_CHAT_H

struct agent;
struct buf;
struct config;
struct session_db;

struct chat {
	struct agent *agent;
	struct session_db *sdb;		/* NULL with -n */
	char **session_id;		/* replaced by /new */
	const struct config *cfg;
	const char *source;
	/* skills: list names to out; load SKILL NAME's text; 0 or -HM_E* */
	int (*skills_list)(struct buf *out, struct buf *err);
	int (*skill_text)(const char *name, struct buf *out, struct buf *err);
};

int chat_run(struct chat *c);

#endif
