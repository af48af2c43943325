/*
 * agent.h: the agent loop, shared by every caller through hermes-ask.
 *
 * agent_ask adds the user's prompt, with the context line of prompt.h
 * at its end (the local time and a->source; never in the system prompt,
 * which must stay the same for the provider's cache), and loops: rebuild
 * the system prompt
 * (so memory written a moment ago is seen), compress the context when the
 * last call used more than threshold x the context window, call the
 * model (text streams to stdout when a->stream), store the answer, run
 * every tool call of it in order and feed the results back, until the
 * model answers without tool calls.  Every message is stored in the
 * session as it happens (when a->sdb is set), so a crash or SIGINT loses
 * at most the answer being streamed.  After nudge_after tool calls in one
 * prompt, one system note asks the model to save what it learned.
 *
 * Returns 0 with the answer in a->text, AGENT_BUDGET when max_turns model
 * calls did not finish it, AGENT_INTERRUPTED on SIGINT/SIGTERM,
 * AGENT_PIPE when stdout closed while the answer streamed, or
 * -HM_EFAIL when the provider failed (err says why).
 */
#ifndef HM_AGENT_H
#define HM_AGENT_H

#include <cjson/cJSON.h>

#include "conv.h"
#include "prompt.h"
#include "provider.h"
#include "toolreg.h"

struct session_db;

#define AGENT_BUDGET 1
#define AGENT_INTERRUPTED 2
#define AGENT_PIPE 3		/* stdout was closed under us */

struct agent {
	struct provider *prov;
	struct toolreg *tools;
	struct tool_env env;
	struct session_db *sdb;		/* NULL: store nothing */
	const char *session_id;
	const char *source;		/* --source: cli, cron...; NULL cli */
	struct conv conv;		/* m[0]: the system prompt */
	struct prompt_opts popts;
	long max_turns;			/* model calls per prompt */
	long nudge_after;		/* skills.nudge_after */
	long memory_interval;		/* memory.nudge_interval */
	double threshold;		/* compression, share of context */
	int quiet;			/* no tool lines on stderr */
	int stream;			/* print text deltas to stdout */
	const cJSON *schema;
	/* results */
	long turns;
	long tool_calls;
	struct usage usage;
	char *text;
	long last_input;
	int line_start;			/* stdout is at a line start */
	int store_failed;
	int out_closed;
};

struct config;

void agent_init(struct agent *a);
/* The loop's settings from config: agent.max_turns, the memory caps,
 * agent.tool_output_max, skills.nudge_after, memory.nudge_interval,
 * compression.threshold.  A bad value is an error naming the key. */
int agent_configure(struct agent *a, const struct config *cfg,
    struct buf *err);
void agent_release(struct agent *a);
int agent_ask(struct agent *a, const char *prompt, struct buf *err);
int agent_store(struct agent *a, const struct message *m);
/* The --json result: session, model, text, turns, tool_calls, usage and,
 * on failure, error.  The caller owns it. */
cJSON *agent_json(const struct agent *a, const char *id, const char *error);
/* Rebuild the system prompt into conv.m[0] (adding it if missing). */
int agent_system(struct agent *a, struct buf *err);

#endif
