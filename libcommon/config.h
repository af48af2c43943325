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

/* Parsers, exposed for the unit tests. */
int config_parse(const char *text, const char *name,
    struct config_item **items, size_t *n, struct buf *err);
int dotenv_parse(const char *text, const char *name,
    struct config_item **items, size_t *n, struct buf *err);

#endif
