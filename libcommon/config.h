/*
 * config.h: settings, in the order that wins:
 *   a command-line flag (config_set_flag) > the environment >
 *   $HERMES_HOME/.env > $HERMES_HOME/config > the key's default.
 *
 * config: "key = value" lines; '#' starts a comment line; keys are
 *   lowercase dotted (agent.max_turns); a value may be "double quoted"
 *   with \" \\ \n \t escapes to keep edge spaces.  The last line for a key
 *   wins.  Unknown keys are kept (a newer hermes may know them).
 * .env: KEY=VALUE lines, mode 0600, the python-dotenv subset: optional
 *   "export ", 'single' (literal) or "double" (escapes) quotes, and an
 *   unquoted value ends at " #".
 * A key's environment name is HERMES_ + the key in capitals with dots as
 * underscores (base_url -> HERMES_BASE_URL).  UPPER_CASE keys are
 * environment variables themselves and live in .env.
 *
 * Secrets: a key ending in _KEY, _TOKEN, _SECRET or _PASSWORD (any case).
 * They are only ever written to .env (0600), a dotted one under its
 * environment name (model.api_key -> HERMES_MODEL_API_KEY), and
 * config_mask() is what any listing shows of them.
 *
 * Writes (config_write) hold flock(.config.lock) or flock(..env.lock)
 * across read-modify-write and replace the file with atomic_write,
 * keeping comments, order and unknown lines.
 *
 * Effective values: config_effective() is the value a command uses,
 * that is config_get() plus the defaults that depend on other keys.
 * They are applied here, once, for hermes-ask (provider_from_config)
 * and hermes-config (get, list) alike:
 *   provider            custom when base_url is set, else the table's
 *   base_url            the provider's URL (config_providers)
 *   model               the provider's model (none for nous, custom)
 *   model.context       known per model (config_context_for)
 *   goals.judge_model   the model
 * For these keys an empty value counts as unset.  Every other key's
 * default is its row in the key table.  There is no per-profile
 * configuration: HERMES_PROFILE moves SOUL.md, memories/ and skills/
 * only (path.h).  config_describe() says where a value came from, for
 * people: "config /h/config:3", ".env /h/.env:2", "env HERMES_MODEL",
 * "flag", "default", "default (provider openai)", "unset".
 */
#ifndef HM_CONFIG_H
#define HM_CONFIG_H

#include <stddef.h>

struct buf;

enum config_type { CONFIG_STR, CONFIG_INT, CONFIG_BOOL, CONFIG_FLOAT,
	CONFIG_ENUM };

struct config_key {
	const char *key;	/* may hold '*' for one dotted component */
	enum config_type type;
	const char *def;	/* default, or NULL */
	const char *help;
	long min, max;		/* CONFIG_INT */
	const char *choices;	/* CONFIG_ENUM: "a|b|c" */
};

enum config_origin { CONFIG_NONE, CONFIG_DEFAULT, CONFIG_FILE, CONFIG_DOTENV,
	CONFIG_ENV, CONFIG_FLAG };

struct config_item {
	char *key;
	char *val;
	int line;		/* 1-based line in its file; 0 for a flag */
};

/* The providers hermes knows, with their defaults. */
struct config_provider {
	const char *name;
	const char *url;	/* NULL: base_url must be set */
	const char *keyvar;	/* its API key variable, or NULL */
	const char *model;	/* its default model, or NULL */
	int anthropic;		/* Messages API, else chat completions */
};

/* What config_effective found; config_value_release frees it. */
struct config_value {
	const char *val;	/* NULL: no value; valid while c and v live */
	enum config_origin origin;
	int line;		/* CONFIG_FILE, CONFIG_DOTENV: its line */
	char *why;		/* CONFIG_DEFAULT: what it follows, or NULL */
	char *own;		/* storage of a computed val */
};

struct config {
	struct config_item *file, *dotenv, *flags;
	size_t nfile, ndotenv, nflags;
};

#define CONFIG_INIT { NULL, NULL, NULL, 0, 0, 0 }

int config_load(struct config *c, struct buf *err);
void config_release(struct config *c);
void config_set_flag(struct config *c, const char *key, const char *val);

const char *config_get(const struct config *c, const char *key,
    enum config_origin *origin);
int config_get_long(const struct config *c, const char *key, long *out,
    struct buf *err);
int config_get_bool(const struct config *c, const char *key, int *out,
    struct buf *err);
const char *config_origin_name(enum config_origin o);

const struct config_key *config_key_find(const char *key);
const struct config_key *config_keys(size_t *n);
int config_is_env_name(const char *key);
int config_is_secret(const char *key);
int config_check_value(const char *key, const char *val, struct buf *err);
char *config_mask(const char *val);
char *config_env_name(const char *key);

int config_write(const char *key, const char *val, struct buf *err);

const struct config_provider *config_provider_find(const char *name);
long config_context_for(const char *model);
const char *config_effective(const struct config *c, const char *key,
    struct config_value *v);
void config_value_release(struct config_value *v);
/* Append where v came from, as above; the member "where" of --json is
 * the same without the origin's name (path:line, variable, why). */
void config_describe(const char *key, const struct config_value *v,
    int with_name, struct buf *out);

/* Parsers, exposed for the unit tests. */
int config_parse(const char *text, const char *name,
    struct config_item **items, size_t *n, struct buf *err);
int dotenv_parse(const char *text, const char *name,
    struct config_item **items, size_t *n, struct buf *err);

#endif
