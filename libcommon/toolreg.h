/*
 * toolreg.h: the tools the model may call, one registry for built-in
 * tools (one tool_*.c file each) and, later, MCP tools added at run time.
 *
 * A tool has a name, a toolset (what -t selects), a short description and
 * a JSON-schema parameters object kept as text (every byte is paid on
 * every call, so keep them lean), and run(), which gets the parsed
 * arguments object and writes its result text to out.  run returns 0, or
 * a negative -HM_E* with the reason in out; toolreg_call then hands the
 * model "error: REASON", never a crash.  Unknown tools and arguments that
 * are not a JSON object are tool errors too.  Results longer than
 * env->output_max bytes keep their head and tail with a note of the cut.
 *
 * Tools added at run time (MCP servers' tools, toolset "mcp-NAME") may
 * change between model calls: whoever owns them sets sync, which
 * toolreg_sync runs before each call to bring the list up to date
 * (toolreg_drop_toolset, toolreg_add); the schema caches follow.
 */
#ifndef HM_TOOLREG_H
#define HM_TOOLREG_H

#include <stddef.h>
#include <cjson/cJSON.h>

struct buf;
struct config;
struct session_db;
struct roots;
struct approve;

struct tool_env {
	const struct config *cfg;
	struct session_db *sdb;		/* NULL with --no-log */
	const char *session_id;
	size_t output_max;
	int memory_writes;		/* memory tool calls so far */
	const char *cwd;		/* absolute: relative paths start here */
	struct roots *roots;		/* file tools stay inside; NULL: none */
	struct approve *approve;	/* command policy; NULL: allow all */
	int interactive;		/* a person can answer a prompt */
	int depth;			/* delegate_task nesting, 0 at the top */
	int hooks;			/* run $HERMES_HOME/hooks/ around calls */
};

struct tool {
	const char *name;
	const char *toolset;
	const char *description;
	const char *parameters;		/* JSON Schema text */
	int (*run)(const struct tool *t, struct tool_env *env, cJSON *args,
	    struct buf *out);
	void *data;
};

struct toolreg {
	const struct tool **v;
	size_t n;
	cJSON *schemas;			/* built on first use */
	char *json;			/* schemas printed, cached */
	void (*sync)(struct toolreg *r, void *ctx);
	void *sync_ctx;
};

#define TOOLREG_INIT { NULL, 0, NULL, NULL, NULL, NULL }

/* toolsets: NULL for the default set, "" for none, or "a,b".  An unknown
 * toolset name is -HM_EINVAL naming it and the known ones; "mcp" (every
 * MCP server) and "mcp-NAME" are left to the MCP loader. */
int toolreg_init(struct toolreg *r, const char *toolsets, struct buf *err);
/* Does the -t list (NULL: default, everything) select toolset ts?  "mcp"
 * in the list selects every "mcp-NAME". */
int toolreg_wants(const char *toolsets, const char *ts);
void toolreg_add(struct toolreg *r, const struct tool *t);
void toolreg_drop_toolset(struct toolreg *r, const char *toolset);
void toolreg_sync(struct toolreg *r);
/* The built-in toolset names, ", "-separated, appended to out. */
void toolreg_toolsets(struct buf *out);
const struct tool *toolreg_find(const struct toolreg *r, const char *name);
const cJSON *toolreg_schemas(struct toolreg *r);
const char *toolreg_schemas_json(struct toolreg *r);	/* same, as text */
int toolreg_call(struct toolreg *r, struct tool_env *env, const char *name,
    const char *args, struct buf *out);
void toolreg_release(struct toolreg *r);

/* Fill env for a run: cwd (a PATH_MAX buffer the caller keeps), whether
 * a person can answer approval prompts (a terminal on stderr and
 * /dev/tty, and not unattended), the delegate depth from
 * HERMES_DELEGATE_DEPTH, the file roots and the command policy (which
 * the caller releases).  0 or -HM_E* with the reason in err. */
int tool_env_init(struct tool_env *env, const struct config *cfg,
    int unattended, struct roots *roots, struct approve *appr, char *cwd,
    struct buf *err);

/* Helpers for tools: a string argument, or NULL. */
const char *tool_arg_str(cJSON *args, const char *name);
int tool_arg_long(cJSON *args, const char *name, long def, long *out);

extern const struct tool tool_memory;
extern const struct tool tool_session_search;

#endif
