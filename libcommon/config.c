/*
 * config.c: the config file, .env and the environment; see config.h for
 * the formats and the precedence.  Parsing keeps every line's text so a
 * write changes only the line of its key.  The defaults live in two
 * tables here, keys[] and providers[], and config_effective() applies
 * the ones that depend on other keys: hermes-ask and hermes-config both
 * go through it, so what `hermes-config get` shows is what is used.
 */
#include <ctype.h>

#include "common.h"
#include "atomic.h"
#include "config.h"
#include "lock.h"
#include "num.h"
#include "path.h"
#include "utf8.h"

static const struct config_key keys[] = {
	{ "model", CONFIG_STR, NULL,
	    "model id sent to the provider (default: the provider's)", 0, 0,
	    NULL },
	{ "provider", CONFIG_ENUM, "openrouter",
	    "which API to talk to (custom when base_url is set)", 0, 0,
	    "openrouter|openai|anthropic|nous|custom" },
	{ "base_url", CONFIG_STR, NULL,
	    "base URL of an OpenAI-compatible API (.../v1; default: the "
	    "provider's)", 0, 0, NULL },
	{ "agent.max_turns", CONFIG_INT, "20",
	    "model calls allowed for one prompt", 1, 100000, NULL },
	{ "agent.tool_output_max", CONFIG_INT, "50000",
	    "bytes of one tool result kept for the model", 256, 100000000,
	    NULL },
	{ "model.context", CONFIG_INT, NULL,
	    "context window in tokens (default: known per model, else 128000)",
	    1000, 100000000, NULL },
	{ "model.max_tokens", CONFIG_INT, "8192",
	    "output token cap sent to the Anthropic API", 1, 10000000, NULL },
	{ "fallback_models", CONFIG_STR, NULL,
	    "models to try in order when the model fails, comma-separated",
	    0, 0, NULL },
	{ "provider.retries", CONFIG_INT, "3",
	    "extra attempts on 429, 5xx and dropped streams", 0, 100, NULL },
	{ "provider.retry_delay_ms", CONFIG_INT, "1000",
	    "base of the exponential backoff, in ms", 0, 600000, NULL },
	{ "provider.timeout", CONFIG_INT, "600",
	    "seconds one model call may take", 1, 86400, NULL },
	{ "compression.threshold", CONFIG_FLOAT, "0.5",
	    "share of the context window that triggers compression", 0, 0,
	    NULL },
	{ "skills.nudge_after", CONFIG_INT, "5",
	    "tool calls in one prompt before the save-what-you-learned note",
	    1, 100000, NULL },
	{ "memory.nudge_interval", CONFIG_INT, "10",
	    "user turns without a memory write before a note to save",
	    1, 100000, NULL },
	{ "goals.judge_model", CONFIG_STR, NULL,
	    "model that judges --goal progress (default: the main model)", 0,
	    0, NULL },
	{ "terminal.backend", CONFIG_ENUM, "local",
	    "where the terminal tool runs commands", 0, 0,
	    "local|docker|ssh" },
	{ "terminal.timeout", CONFIG_INT, "180",
	    "default seconds a terminal command may run", 1, 600, NULL },
	{ "terminal.docker_image", CONFIG_STR, "debian:bookworm-slim",
	    "image of the per-session container (docker backend)", 0, 0,
	    NULL },
	{ "terminal.docker_cpus", CONFIG_STR, "1",
	    "CPU limit of that container", 0, 0, NULL },
	{ "terminal.docker_memory", CONFIG_STR, "5g",
	    "memory limit of that container", 0, 0, NULL },
	{ "terminal.ssh.host", CONFIG_STR, NULL,
	    "[user@]host the ssh backend runs commands on", 0, 0, NULL },
	{ "terminal.ssh.config", CONFIG_STR, NULL,
	    "ssh_config file for the ssh backend (ssh -F)", 0, 0, NULL },
	{ "approvals.mode", CONFIG_ENUM, "ask",
	    "dangerous commands: ask when someone is there, else deny; "
	    "deny; or off", 0, 0, "ask|deny|off" },
	{ "hooks.timeout", CONFIG_INT, "10",
	    "seconds a hook in hooks/ may run", 1, 3600, NULL },
	{ "tools.roots", CONFIG_STR, NULL,
	    "directories the file tools may touch, ':'-separated absolute "
	    "paths (default: the cwd and $HERMES_HOME/worktrees)", 0, 0,
	    NULL },
	{ "web.search_url", CONFIG_STR, NULL,
	    "SearXNG-style endpoint for web_search (URL?q=Q&format=json)", 0,
	    0, NULL },
	{ "web.allow_private", CONFIG_BOOL, "false",
	    "let web_extract fetch loopback and private-network addresses", 0,
	    0, NULL },
	{ "web.timeout", CONFIG_INT, "20",
	    "seconds one web_extract or web_search fetch may take", 1, 3600,
	    NULL },
	{ "delegate.max_parallel", CONFIG_INT, "3",
	    "child agents delegate_task runs at once", 1, 16, NULL },
	{ "delegate.max_turns", CONFIG_INT, "10",
	    "model calls each child agent may make", 1, 1000, NULL },
	{ "delegate.max_depth", CONFIG_INT, "1",
	    "how deep delegated agents may delegate again", 0, 5, NULL },
	{ "delegate.timeout", CONFIG_INT, "600",
	    "seconds all delegated tasks of one call may take", 1, 86400,
	    NULL },
	{ "cron.timeout", CONFIG_INT, "3600",
	    "seconds one scheduled run may take", 1, 604800, NULL },
	{ "cron.script_timeout", CONFIG_INT, "300",
	    "seconds a scheduled job's script may take", 1, 86400, NULL },
	{ "kanban.max_workers", CONFIG_INT, "4",
	    "workers the dispatcher runs at once", 1, 256, NULL },
	{ "kanban.max_attempts", CONFIG_INT, "2",
	    "failed attempts before a task is blocked", 1, 100, NULL },
	{ "kanban.ttl", CONFIG_INT, "900",
	    "seconds a claim lasts without a heartbeat", 1, 86400, NULL },
	{ "kanban.timeout", CONFIG_INT, "3600",
	    "seconds a worker may run before it is stopped", 1, 604800,
	    NULL },
	{ "memory.max_chars", CONFIG_INT, "2200",
	    "character cap of memories/MEMORY.md", 1, 10000000, NULL },
	{ "memory.user_max_chars", CONFIG_INT, "1375",
	    "character cap of memories/USER.md", 1, 10000000, NULL },
	{ "gateway.platforms", CONFIG_STR, NULL,
	    "platforms hermes-gateway run serves, comma-separated", 0, 0,
	    NULL },
	{ "gateway.allow_all", CONFIG_BOOL, "false",
	    "let every user of every platform reach the agent", 0, 0, NULL },
	{ "gateway.max_turns", CONFIG_INT, "4",
	    "agent turns the gateway runs at once", 1, 64, NULL },
	{ "gateway.*.allow", CONFIG_STR, NULL,
	    "user ids allowed on a platform, comma-separated", 0, 0, NULL },
	{ "gateway.telegram.api", CONFIG_STR, "https://api.telegram.org",
	    "Telegram Bot API base URL", 0, 0, NULL },
	{ "gateway.slack.api", CONFIG_STR, "https://slack.com/api",
	    "Slack Web API base URL", 0, 0, NULL },
	{ "gateway.discord.api", CONFIG_STR, "https://discord.com/api/v10",
	    "Discord REST API base URL", 0, 0, NULL },
	{ "gateway.signal.url", CONFIG_STR, NULL,
	    "signal-cli REST API base URL", 0, 0, NULL },
	{ "gateway.email.imap", CONFIG_STR, NULL,
	    "IMAP server, imap://host:port", 0, 0, NULL },
	{ "gateway.email.smtp", CONFIG_STR, NULL,
	    "SMTP server, smtp://host:port", 0, 0, NULL },
	{ "gateway.webhook.url", CONFIG_STR, NULL,
	    "URL the webhook platform posts replies to", 0, 0, NULL },
	{ "gateway.signal.interval", CONFIG_INT, "2",
	    "seconds between Signal receives after an empty one", 1, 3600,
	    NULL },
	{ "gateway.webhook.listen", CONFIG_STR, "127.0.0.1:8644",
	    "HOST:PORT the webhook platform takes messages on", 0, 0, NULL },
	{ "gateway.whatsapp.api", CONFIG_STR,
	    "https://graph.facebook.com/v21.0",
	    "WhatsApp Cloud API (Graph API) base URL", 0, 0, NULL },
	{ "gateway.whatsapp.listen", CONFIG_STR, "127.0.0.1:8090",
	    "HOST:PORT the WhatsApp webhook listens on", 0, 0, NULL },
	{ "gateway.email.interval", CONFIG_INT, "60",
	    "seconds between two looks into the IMAP inbox", 1, 86400, NULL },
};

static const struct config_provider providers[] = {
	{ "openrouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY",
	    "anthropic/claude-sonnet-4.5", 0 },
	{ "openai", "https://api.openai.com/v1", "OPENAI_API_KEY", "gpt-4.1",
	    0 },
	{ "anthropic", "https://api.anthropic.com", "ANTHROPIC_API_KEY",
	    "claude-sonnet-4-5", 1 },
	{ "nous", "https://inference-api.nousresearch.com/v1", "NOUS_API_KEY",
	    NULL, 0 },
	{ "custom", NULL, NULL, NULL, 0 },
};

const struct config_provider *
config_provider_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < HM_ARRAY_SIZE(providers); i++)
		if (!strcmp(providers[i].name, name))
			return &providers[i];
	return NULL;
}

long
config_context_for(const char *model)
{
	if (strstr(model, "claude"))
		return 200000;
	if (strstr(model, "gpt-4.1") || strstr(model, "gemini"))
		return 1000000;
	if (strstr(model, "gpt-5"))
		return 400000;
	return 128000;
}

const struct config_key *
config_keys(size_t *n)
{
	*n = HM_ARRAY_SIZE(keys);
	return keys;
}

static int
key_match(const char *pat, const char *key)
{
	while (*pat && *key) {
		if (*pat == '*') {
			if (*key == '.')
				return 0;
			while (*key && *key != '.')
				key++;
			pat++;
			continue;
		}
		if (*pat++ != *key++)
			return 0;
	}
	return !*pat && !*key;
}

const struct config_key *
config_key_find(const char *key)
{
	size_t i;

	for (i = 0; i < HM_ARRAY_SIZE(keys); i++)
		if (key_match(keys[i].key, key))
			return &keys[i];
	return NULL;
}

int
config_is_env_name(const char *key)
{
	const char *p = key;

	if (!(*p >= 'A' && *p <= 'Z'))
		return 0;
	for (; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '_'))
			return 0;
	return 1;
}

static int
valid_file_key(const char *k)
{
	if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9')))
		return 0;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') ||
		    *k == '_' || *k == '.' || *k == '-'))
			return 0;
	return 1;
}

int
config_is_secret(const char *key)
{
	static const char *const sufs[] = { "_key", "_token", "_secret",
		"_password" };
	size_t i, n = strlen(key), m;

	for (i = 0; i < HM_ARRAY_SIZE(sufs); i++) {
		m = strlen(sufs[i]);
		if (n >= m && !strcasecmp(key + n - m, sufs[i]))
			return 1;
	}
	return 0;
}

char *
config_env_name(const char *key)
{
	struct buf b = BUF_INIT;
	const char *p;

	if (config_is_env_name(key))
		return xstrdup(key);
	buf_adds(&b, "HERMES_");
	for (p = key; *p; p++)
		buf_addc(&b, *p == '.' || *p == '-' ? '_' :
		    toupper((unsigned char)*p));
	return buf_detach(&b);
}

char *
config_mask(const char *val)
{
	struct buf b = BUF_INIT;
	size_t n = strlen(val);

	buf_adds(&b, "****");
	if (n >= 12)
		buf_adds(&b, val + n - 4);
	return buf_detach(&b);
}

/* ---- parsing ---- */

static void
items_add(struct config_item **items, size_t *n, const char *k, size_t kn,
    const char *v, int line)
{
	*items = xrealloc(*items, (*n + 1) * sizeof(**items));
	(*items)[*n].key = xstrndup(k, kn);
	(*items)[*n].val = xstrdup(v);
	(*items)[*n].line = line;
	(*n)++;
}

static void
items_free(struct config_item *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(items[i].key);
		free(items[i].val);
	}
	free(items);
}

/* Parse a double-quoted value starting after the quote; end is set past
 * the closing quote.  Returns 0 or -1 when unterminated. */
static int
unquote_double(const char *p, const char **end, struct buf *out)
{
	for (; *p && *p != '"'; p++) {
		if (*p != '\\') {
			buf_addc(out, *p);
			continue;
		}
		switch (*++p) {
		case 'n': buf_addc(out, '\n'); break;
		case 't': buf_addc(out, '\t'); break;
		case 'r': buf_addc(out, '\r'); break;
		case '"': buf_addc(out, '"'); break;
		case '\\': buf_addc(out, '\\'); break;
		case '\0': return -1;
		default: buf_addc(out, '\\'); buf_addc(out, *p); break;
		}
	}
	if (*p != '"')
		return -1;
	*end = p + 1;
	return 0;
}

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static void
rtrim_len(const char *s, size_t *n)
{
	while (*n && (s[*n - 1] == ' ' || s[*n - 1] == '\t' ||
	    s[*n - 1] == '\r'))
		(*n)--;
}

/* Split text into lines; call fn for each with its 1-based number. */
static int
each_line(const char *text, int (*fn)(const char *line, int no, void *ctx),
    void *ctx)
{
	struct buf line = BUF_INIT;
	const char *p = text, *nl;
	int no = 0, rc = 0;

	while (*p && rc == 0) {
		nl = strchr(p, '\n');
		buf_reset(&line);
		buf_add(&line, p, nl ? (size_t)(nl - p) : strlen(p));
		rc = fn(buf_str(&line), ++no, ctx);
		p = nl ? nl + 1 : p + strlen(p);
	}
	buf_release(&line);
	return rc;
}

struct parse_ctx {
	const char *name;
	struct config_item **items;
	size_t *n;
	struct buf *err;
	int dotenv;
};

static int
parse_config_line(const char *line, int no, void *vctx)
{
	struct parse_ctx *c = vctx;
	struct buf val = BUF_INIT;
	const char *p = skip_ws(line), *eq, *end;
	size_t kn, vn;
	char *key;
	int rc = 0;

	if (!utf8_valid(line, strlen(line), NULL))
		return hm_fail(c->err, HM_EINVAL, "%s:%d: not valid UTF-8",
		    c->name, no);
	if (!*p || *p == '#' || *p == '\r')
		return 0;
	eq = strchr(p, '=');
	if (!eq)
		return hm_fail(c->err, HM_EINVAL, "%s:%d: expected "
		    "'key = value'", c->name, no);
	kn = (size_t)(eq - p);
	rtrim_len(p, &kn);
	key = xstrndup(p, kn);
	if (!valid_file_key(key)) {
		rc = hm_fail(c->err, HM_EINVAL, "%s:%d: invalid key '%s'",
		    c->name, no, key);
		goto out;
	}
	p = skip_ws(eq + 1);
	if (*p == '"') {
		end = NULL;
		if (unquote_double(p + 1, &end, &val) == 0)
			end = skip_ws(end);
		if (!end || (*end != '\0' && strcmp(end, "\r"))) {
			rc = hm_fail(c->err, HM_EINVAL, "%s:%d: unterminated "
			    "quoted value", c->name, no);
			goto out;
		}
	} else {
		vn = strlen(p);
		rtrim_len(p, &vn);
		buf_add(&val, p, vn);
	}
	items_add(c->items, c->n, key, strlen(key), buf_str(&val), no);
out:
	free(key);
	buf_release(&val);
	return rc;
}

static int
parse_dotenv_line(const char *line, int no, void *vctx)
{
	struct parse_ctx *c = vctx;
	struct buf val = BUF_INIT;
	const char *p = skip_ws(line), *k, *end, *q;
	size_t vn;
	int rc = 0;

	if (!utf8_valid(line, strlen(line), NULL))
		return hm_fail(c->err, HM_EINVAL, "%s:%d: not valid UTF-8",
		    c->name, no);
	if (!*p || *p == '#' || *p == '\r')
		return 0;
	if (!strncmp(p, "export ", 7))
		p = skip_ws(p + 7);
	k = p;
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
	    (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-')
		p++;
	end = p;
	p = skip_ws(p);
	if (end == k || *p != '=')
		return hm_fail(c->err, HM_EINVAL, "%s:%d: expected "
		    "'KEY=VALUE'", c->name, no);
	p = skip_ws(p + 1);
	if (*p == '"' || *p == '\'') {
		if (*p == '"') {
			if (unquote_double(p + 1, &q, &val) < 0)
				q = NULL;
		} else {
			q = strchr(p + 1, '\'');
			if (q) {
				buf_add(&val, p + 1, (size_t)(q - p - 1));
				q++;
			}
		}
		if (q) {
			q = skip_ws(q);
			if (*q && *q != '#' && *q != '\r')
				q = NULL;
		}
		if (!q) {
			rc = hm_fail(c->err, HM_EINVAL, "%s:%d: unterminated "
			    "quoted value", c->name, no);
			goto out;
		}
	} else {
		q = p;
		while (*q && !((*q == '#') && q > p &&
		    (q[-1] == ' ' || q[-1] == '\t')))
			q++;
		vn = (size_t)(q - p);
		rtrim_len(p, &vn);
		buf_add(&val, p, vn);
	}
	items_add(c->items, c->n, k, (size_t)(end - k), buf_str(&val), no);
out:
	buf_release(&val);
	return rc;
}

int
config_parse(const char *text, const char *name, struct config_item **items,
    size_t *n, struct buf *err)
{
	struct parse_ctx c = { name, items, n, err, 0 };

	return each_line(text, parse_config_line, &c);
}

int
dotenv_parse(const char *text, const char *name, struct config_item **items,
    size_t *n, struct buf *err)
{
	struct parse_ctx c = { name, items, n, err, 1 };

	return each_line(text, parse_dotenv_line, &c);
}

static int
load_one(const char *rel, int dotenv, struct config_item **items, size_t *n,
    struct buf *err)
{
	char *path = hm_path(rel);
	struct buf text = BUF_INIT;
	int rc = 0;

	if (buf_read_file(&text, path) < 0) {
		if (errno != ENOENT)
			rc = hm_fail(err, HM_EIO, "cannot read '%s': %s", path,
			    strerror(errno));
	} else if (strlen(buf_str(&text)) != text.len) {
		rc = hm_fail(err, HM_EFAIL, "'%s' holds a NUL byte", path);
	} else if (dotenv) {
		rc = dotenv_parse(buf_str(&text), path, items, n, err);
	} else {
		rc = config_parse(buf_str(&text), path, items, n, err);
	}
	if (rc == -HM_EINVAL)
		rc = -HM_EFAIL;	/* a broken file is not a usage error */
	buf_release(&text);
	free(path);
	return rc;
}

int
config_load(struct config *c, struct buf *err)
{
	int rc;

	rc = load_one("config", 0, &c->file, &c->nfile, err);
	if (rc == 0)
		rc = load_one(".env", 1, &c->dotenv, &c->ndotenv, err);
	return rc;
}

void
config_release(struct config *c)
{
	items_free(c->file, c->nfile);
	items_free(c->dotenv, c->ndotenv);
	items_free(c->flags, c->nflags);
	memset(c, 0, sizeof(*c));
}

void
config_set_flag(struct config *c, const char *key, const char *val)
{
	items_add(&c->flags, &c->nflags, key, strlen(key), val, 0);
}

static const struct config_item *
items_last(const struct config_item *items, size_t n, const char *key)
{
	while (n-- > 0)
		if (!strcmp(items[n].key, key))
			return &items[n];
	return NULL;
}

/* config_get, and the line the value was read from (0 when none). */
static const char *
lookup(const struct config *c, const char *key, enum config_origin *origin,
    int *line)
{
	const struct config_key *k;
	const struct config_item *it;
	enum config_origin o = CONFIG_NONE;
	const char *v = NULL;
	char *env = config_env_name(key);

	*line = 0;
	if ((it = items_last(c->flags, c->nflags, key))) {
		v = it->val;
		o = CONFIG_FLAG;
	} else if ((v = getenv(env)) && *v) {
		o = CONFIG_ENV;
	} else if ((it = items_last(c->dotenv, c->ndotenv, env)) &&
	    *it->val) {
		v = it->val;
		*line = it->line;
		o = CONFIG_DOTENV;
	} else if (!config_is_env_name(key) &&
	    (it = items_last(c->file, c->nfile, key))) {
		v = it->val;
		*line = it->line;
		o = CONFIG_FILE;
	} else if ((k = config_key_find(key)) && (v = k->def)) {
		o = CONFIG_DEFAULT;
	} else {
		v = NULL;
	}
	free(env);
	if (origin)
		*origin = o;
	return v;
}

const char *
config_get(const struct config *c, const char *key,
    enum config_origin *origin)
{
	int line;

	return lookup(c, key, origin, &line);
}

/* The value of key unless it is unset, empty or only the table's
 * default: what a derived default gives way to. */
static const char *
given(const struct config *c, const char *key)
{
	enum config_origin o;
	const char *v = config_get(c, key, &o);

	return v && *v && o != CONFIG_DEFAULT ? v : NULL;
}

static void
derive(struct config_value *v, const char *val, const char *fmt,
    const char *arg)
{
	struct buf b = BUF_INIT;

	v->val = val;
	v->origin = CONFIG_DEFAULT;
	v->line = 0;
	free(v->why);
	buf_addf(&b, fmt, arg);
	v->why = buf_detach(&b);
}

const char *
config_effective(const struct config *c, const char *key,
    struct config_value *v)
{
	const struct config_provider *p;
	struct config_value pv;
	struct buf b = BUF_INIT;
	const char *model, *def;

	static const char *const derived[] = { "provider", "base_url",
		"model", "model.context", "goals.judge_model" };
	const struct config_key *k;
	size_t i;

	memset(v, 0, sizeof(*v));
	v->val = lookup(c, key, &v->origin, &v->line);
	for (i = 0; i < HM_ARRAY_SIZE(derived); i++)
		if (!strcmp(key, derived[i]))
			break;
	if (i == HM_ARRAY_SIZE(derived) || (v->val && *v->val &&
	    v->origin != CONFIG_DEFAULT))
		return v->val;
	if (v->val && !*v->val) {	/* empty counts as unset */
		k = config_key_find(key);
		v->val = k ? k->def : NULL;
		v->origin = v->val ? CONFIG_DEFAULT : CONFIG_NONE;
		v->line = 0;
	}
	if (!strcmp(key, "provider")) {
		if (given(c, "base_url"))
			derive(v, "custom", "%s", "base_url is set");
	} else if (!strcmp(key, "base_url") || !strcmp(key, "model")) {
		p = config_provider_find(config_effective(c, "provider",
		    &pv));
		def = !p ? NULL : !strcmp(key, "model") ? p->model : p->url;
		if (def)
			derive(v, def, "provider %s", p->name);
		config_value_release(&pv);
	} else if (!strcmp(key, "model.context")) {
		if ((model = config_effective(c, "model", &pv))) {
			buf_addf(&b, "%ld", config_context_for(model));
			v->own = buf_detach(&b);
			derive(v, v->own, "model %s", model);
		}
		config_value_release(&pv);
	} else if (!strcmp(key, "goals.judge_model")) {
		if ((model = config_effective(c, "model", &pv))) {
			v->own = xstrdup(model);
			derive(v, v->own, "%s", "the model");
		}
		config_value_release(&pv);
	}
	return v->val;
}

void
config_value_release(struct config_value *v)
{
	free(v->why);
	free(v->own);
	memset(v, 0, sizeof(*v));
}

void
config_describe(const char *key, const struct config_value *v,
    int with_name, struct buf *out)
{
	char *s = NULL;

	if (with_name)
		buf_adds(out, config_origin_name(v->origin));
	switch (v->origin) {
	case CONFIG_FILE:
	case CONFIG_DOTENV:
		s = hm_path(v->origin == CONFIG_FILE ? "config" : ".env");
		buf_addf(out, "%s%s:%d", with_name ? " " : "", s, v->line);
		break;
	case CONFIG_ENV:
		s = config_env_name(key);
		buf_addf(out, "%s%s", with_name ? " " : "", s);
		break;
	case CONFIG_DEFAULT:
		if (v->why)
			buf_addf(out, with_name ? " (%s)" : "%s", v->why);
		break;
	case CONFIG_NONE:
	case CONFIG_FLAG:
		break;
	}
	free(s);
}

const char *
config_origin_name(enum config_origin o)
{
	static const char *const names[] = { "unset", "default", "config",
		".env", "env", "flag" };

	return names[o];
}

int
config_check_value(const char *key, const char *val, struct buf *err)
{
	const struct config_key *k = config_key_find(key);
	const char *c, *bar;
	long l;
	double d;
	char *end;
	size_t n;

	if (!utf8_valid(val, strlen(val), NULL))
		return hm_fail(err, HM_EINVAL, "value for '%s' is not valid "
		    "UTF-8", key);
	if (!k)
		return 0;
	switch (k->type) {
	case CONFIG_INT:
		if (hm_parse_long(val, k->min, k->max, &l) < 0)
			return hm_fail(err, HM_EINVAL, "invalid value '%s' for "
			    "'%s': expected an integer from %ld to %ld", val,
			    key, k->min, k->max);
		break;
	case CONFIG_BOOL:
		if (strcmp(val, "true") && strcmp(val, "false"))
			return hm_fail(err, HM_EINVAL, "invalid value '%s' for "
			    "'%s': expected true or false", val, key);
		break;
	case CONFIG_FLOAT:
		errno = 0;
		d = strtod(val, &end);
		if (errno || end == val || *end || d < 0)
			return hm_fail(err, HM_EINVAL, "invalid value '%s' for "
			    "'%s': expected a number", val, key);
		break;
	case CONFIG_ENUM:
		for (c = k->choices; c && *c; c = bar ? bar + 1 : c + n) {
			bar = strchr(c, '|');
			n = bar ? (size_t)(bar - c) : strlen(c);
			if (strlen(val) == n && !strncmp(val, c, n))
				return 0;
		}
		return hm_fail(err, HM_EINVAL, "invalid value '%s' for '%s': "
		    "expected one of %s", val, key, k->choices);
	case CONFIG_STR:
		break;
	}
	return 0;
}

static int
get_checked(const struct config *c, const char *key, const char **v,
    struct buf *err)
{
	enum config_origin o;
	struct buf why = BUF_INIT;
	int rc;

	*v = config_get(c, key, &o);
	if (!*v)
		return -HM_ENOTFOUND;
	rc = config_check_value(key, *v, &why);
	if (rc < 0)
		rc = hm_fail(err, o == CONFIG_FLAG ? HM_EINVAL : HM_EFAIL,
		    "%s (from %s)", why.s, config_origin_name(o));
	buf_release(&why);
	return rc;
}

int
config_get_long(const struct config *c, const char *key, long *out,
    struct buf *err)
{
	const char *v;
	int rc = get_checked(c, key, &v, err);

	if (rc == 0 && hm_parse_long(v, LONG_MIN, LONG_MAX, out) < 0)
		rc = hm_fail(err, HM_EINVAL, "invalid value '%s' for '%s': "
		    "expected an integer", v, key);
	return rc;
}

int
config_get_bool(const struct config *c, const char *key, int *out,
    struct buf *err)
{
	const char *v;
	int rc = get_checked(c, key, &v, err);

	if (rc == 0)
		*out = !strcmp(v, "true") || !strcmp(v, "1") ||
		    !strcmp(v, "yes");
	return rc;
}

/* ---- writing ---- */

static int
needs_quotes(const char *v)
{
	size_t n = strlen(v);
	const char *p;

	if (n == 0)
		return 0;
	if (v[0] == ' ' || v[0] == '\t' || v[0] == '"' || v[n - 1] == ' ' ||
	    v[n - 1] == '\t')
		return 1;
	for (p = v; *p; p++)
		if ((unsigned char)*p < 0x20)
			return 1;
	return 0;
}

static void
add_quoted(struct buf *b, const char *v)
{
	buf_addc(b, '"');
	for (; *v; v++) {
		switch (*v) {
		case '\n': buf_adds(b, "\\n"); break;
		case '\t': buf_adds(b, "\\t"); break;
		case '\r': buf_adds(b, "\\r"); break;
		case '"': buf_adds(b, "\\\""); break;
		case '\\': buf_adds(b, "\\\\"); break;
		default: buf_addc(b, *v);
		}
	}
	buf_addc(b, '"');
}

static void
format_line(struct buf *b, const char *key, const char *val, int dotenv)
{
	const char *p;
	int plain = 1;

	if (!dotenv) {
		buf_addf(b, "%s = ", key);
		if (needs_quotes(val))
			add_quoted(b, val);
		else
			buf_adds(b, val);
		buf_addc(b, '\n');
		return;
	}
	buf_addf(b, "%s=", key);
	for (p = val; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-_./:@+,=", *p))
			plain = 0;
	if (plain && *val)
		buf_adds(b, val);
	else if (!strchr(val, '\'') && !strchr(val, '\n'))
		buf_addf(b, "'%s'", val);
	else
		add_quoted(b, val);
	buf_addc(b, '\n');
}

struct rewrite_ctx {
	const char *key;
	const char *val;
	int dotenv;
	int found;
	struct buf out;
};

static int
rewrite_line(const char *line, int no, void *vctx)
{
	struct rewrite_ctx *c = vctx;
	struct config_item *it = NULL;
	struct buf junk = BUF_INIT;
	size_t n = 0;
	int match;

	(void)no;
	if (c->dotenv)
		dotenv_parse(line, "", &it, &n, &junk);
	else
		config_parse(line, "", &it, &n, &junk);
	match = n == 1 && !strcmp(it[0].key, c->key);
	items_free(it, n);
	buf_release(&junk);
	if (!match) {
		buf_adds(&c->out, line);
		buf_addc(&c->out, '\n');
		return 0;
	}
	if (!c->found && c->val)
		format_line(&c->out, c->key, c->val, c->dotenv);
	c->found = 1;
	return 0;
}

int
config_write(const char *key, const char *val, struct buf *err)
{
	int dotenv = config_is_env_name(key) || config_is_secret(key);
	const char *rel = dotenv ? ".env" : "config";
	char *path = hm_path(rel), *lockpath = lock_sidecar(path);
	char *name = dotenv ? config_env_name(key) : xstrdup(key);
	struct rewrite_ctx c = { name, val, dotenv, 0, BUF_INIT };
	struct buf text = BUF_INIT;
	int fd, rc = 0;

	if (!config_is_env_name(key) && !valid_file_key(key)) {
		rc = hm_fail(err, HM_EINVAL, "invalid key '%s'", key);
		goto out;
	}
	if (val && (rc = config_check_value(key, val, err)) < 0)
		goto out;
	fd = lock_take(lockpath, LOCK_EX, err);
	if (fd < 0) {
		rc = fd;
		goto out;
	}
	if (buf_read_file(&text, path) < 0 && errno != ENOENT) {
		rc = hm_fail(err, HM_EIO, "cannot read '%s': %s", path,
		    strerror(errno));
		goto unlock;
	}
	if (strlen(buf_str(&text)) != text.len) {
		rc = hm_fail(err, HM_EFAIL, "'%s' holds a NUL byte; fix it "
		    "by hand first", path);
		goto unlock;
	}
	each_line(buf_str(&text), rewrite_line, &c);
	if (!c.found && !val) {
		rc = hm_fail(err, HM_ENOTFOUND, "'%s' is not set in '%s'", key,
		    path);
		goto unlock;
	}
	if (!c.found)
		format_line(&c.out, name, val, dotenv);
	rc = atomic_write(path, buf_str(&c.out), c.out.len,
	    dotenv ? 0600 : 0644, err);
unlock:
	lock_release(fd);
out:
	buf_release(&c.out);
	buf_release(&text);
	free(name);
	free(lockpath);
	free(path);
	return rc;
}
