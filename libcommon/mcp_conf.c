/*
 * mcp_conf.c: mcp.json, the list of MCP servers; see mcp.h for the
 * format.
 *
 * Loading reads the whole file with cJSON and turns each entry of
 * "mcpServers" into a struct mcp_server, checking every key we know and
 * failing on the first bad one with the file and the key path
 * ("mcp.json: mcpServers.x.args: not an array of strings").  Keys we do
 * not know are ignored.  The string arrays (args, env, headers, roots)
 * are always allocated, empty when the key is missing; allowed stays
 * NULL unless allowedTools is given, since NULL means every tool.
 * Nothing is expanded here: ${VAR} stays in the records so listings
 * never show a secret; mcp_expand fills it in when a server starts.
 *
 * Edits (add, rm) work on the cJSON tree of the file, not on the
 * records, so unknown keys at any level survive.  They hold
 * flock(.mcp.json.lock) across the read-modify-write and replace the
 * file with atomic_write, mode 0600 since env and headers may hold
 * secrets.  A file that is not a JSON object (or whose mcpServers is
 * not one) is left alone with an error; bad entries of other servers
 * are not checked, so rm can take a broken one out.
 */
#include <sys/file.h>
#include <fnmatch.h>
#include <strings.h>
#include <cjson/cJSON.h>

#include "common.h"
#include "atomic.h"
#include "config.h"
#include "lock.h"
#include "mcp.h"
#include "path.h"
#include "utf8.h"

#define FILE_NAME	"mcp.json"
#define NAME_MAX_LEN	64
#define MAX_SECONDS	1e7	/* about four months */

/* Who is being checked: the file (prefix "mcp.json: ", a bad stored
 * file is -HM_EFAIL) or an entry handed to mcp_conf_add (no prefix,
 * -HM_EINVAL). */
struct ctx {
	const char *pfx;
	int code;
	struct buf *err;
};

static const cJSON *
item(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* "PFXmcpServers.NAME.KEY: message" into err; key may be NULL. */
static int __attribute__((format(printf, 4, 5)))
bad(const struct ctx *x, const char *name, const char *key,
    const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	int rc;

	buf_addf(&b, "%smcpServers.%s", x->pfx, name);
	if (key)
		buf_addf(&b, ".%s", key);
	buf_adds(&b, ": ");
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	rc = hm_fail(x->err, x->code, "%s", b.s);
	buf_release(&b);
	return rc;
}

static void
strv_free(char **v)
{
	char **p;

	if (!v)
		return;
	for (p = v; *p; p++)
		free(*p);
	free(v);
}

/* A NULL-terminated copy of an array of strings; -1 when a is not one. */
static int
str_array(const cJSON *a, char ***out)
{
	const cJSON *e;
	size_t n = 0;
	char **v;

	if (!cJSON_IsArray(a))
		return -1;
	cJSON_ArrayForEach(e, a) {
		if (!cJSON_IsString(e))
			return -1;
		n++;
	}
	v = xcalloc(n + 1, sizeof(*v));
	n = 0;
	cJSON_ArrayForEach(e, a)
		v[n++] = xstrdup(e->valuestring);
	*out = v;
	return 0;
}

static int
valid_env_name(const char *s)
{
	return *s && !strchr(s, '=');
}

/* An HTTP field name: visible ASCII except ':' (RFC 9110 is stricter
 * still, but this is what keeps the request well-formed). */
static int
valid_header_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s <= ' ' || *s == ':' || *s == 0x7f)
			return 0;
	return 1;
}

/* An object of string values as "KEYsepVALUE" strings: env (sep "=")
 * or headers (sep ": "). */
static int
str_map(const struct ctx *x, const char *name, const char *key,
    const cJSON *o, const char *sep, char ***out)
{
	int hdr = !strcmp(sep, ": ");
	struct buf b = BUF_INIT;
	const cJSON *e;
	size_t n = 0;

	if (!cJSON_IsObject(o))
		return bad(x, name, key, "not an object of strings");
	cJSON_ArrayForEach(e, o) {
		if (!cJSON_IsString(e))
			return bad(x, name, key, "'%s' is not a string",
			    e->string);
		if (hdr ? !valid_header_name(e->string) :
		    !valid_env_name(e->string))
			return bad(x, name, key, "invalid %s name '%s'",
			    hdr ? "header" : "variable", e->string);
		if (hdr && strpbrk(e->valuestring, "\r\n"))
			return bad(x, name, key, "'%s' holds a line break",
			    e->string);
		n++;
	}
	*out = xcalloc(n + 1, sizeof(**out));
	n = 0;
	cJSON_ArrayForEach(e, o) {
		buf_addf(&b, "%s%s%s", e->string, sep, e->valuestring);
		(*out)[n++] = buf_detach(&b);
	}
	return 0;
}

static int
seconds(const struct ctx *x, const char *name, const cJSON *o,
    const char *key, long *out)
{
	const cJSON *v = item(o, key);
	double d;

	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || !(v->valuedouble > 0) ||
	    v->valuedouble > MAX_SECONDS)
		return bad(x, name, key, "not a positive number of seconds");
	d = v->valuedouble;
	*out = (long)d;
	if ((double)*out < d)	/* 0.5 s waits a second, not none */
		(*out)++;
	return 0;
}

static void
server_free(struct mcp_server *s)
{
	free(s->name);
	free(s->command);
	strv_free(s->args);
	strv_free(s->env);
	free(s->url);
	strv_free(s->headers);
	strv_free(s->allowed);
	strv_free(s->roots);
	memset(s, 0, sizeof(*s));
}

static int
check_name(const struct ctx *x, const char *name)
{
	if (hm_valid_name(name, NAME_MAX_LEN))
		return 0;
	return hm_fail(x->err, x->code, "%sinvalid server name '%s': use up "
	    "to %d letters, digits, '-', '_' and '.', not first '-' or '.'",
	    x->pfx, name, NAME_MAX_LEN);
}

/* The transport: exactly one of command and url, agreeing with type. */
static int
parse_transport(const struct ctx *x, const char *name, const cJSON *o,
    struct mcp_server *s)
{
	const cJSON *t = item(o, "type"), *cmd = item(o, "command"),
	    *url = item(o, "url");
	const char *type = NULL, *u;

	if (t) {
		if (!cJSON_IsString(t))
			return bad(x, name, "type", "not a string");
		type = t->valuestring;
		if (!strcmp(type, "sse"))
			return bad(x, name, "type", "'sse' (the old HTTP+SSE "
			    "transport) is not supported; use Streamable "
			    "HTTP");
		if (strcmp(type, "stdio") && strcmp(type, "http") &&
		    strcmp(type, "streamable-http"))
			return bad(x, name, "type", "unknown transport '%s': "
			    "use stdio or http", type);
	}
	if (cmd && url)
		return bad(x, name, NULL, "both command and url; give one");
	if (!cmd && !url)
		return bad(x, name, NULL, "neither command nor url");
	if (cmd) {
		if (!cJSON_IsString(cmd))
			return bad(x, name, "command", "not a string");
		if (!*cmd->valuestring)
			return bad(x, name, "command", "empty");
		if (type && strcmp(type, "stdio"))
			return bad(x, name, "type", "'%s' needs url, not "
			    "command", type);
		s->command = xstrdup(cmd->valuestring);
		return 0;
	}
	if (!cJSON_IsString(url))
		return bad(x, name, "url", "not a string");
	u = url->valuestring;
	if (!*u)
		return bad(x, name, "url", "empty");
	/* "${BASE}/mcp" is checked once expanded, when the server starts. */
	if (strncmp(u, "${", 2) && strncasecmp(u, "http://", 7) &&
	    strncasecmp(u, "https://", 8))
		return bad(x, name, "url", "'%s' is not an http:// or "
		    "https:// URL", u);
	if (type && !strcmp(type, "stdio"))
		return bad(x, name, "type", "'stdio' needs command, not url");
	s->url = xstrdup(u);
	return 0;
}

/* One entry of mcpServers into s.  On failure s holds what was done so
 * far: the caller frees it with server_free. */
static int
parse_server(const struct ctx *x, const char *name, const cJSON *o,
    struct mcp_server *s)
{
	const cJSON *v;
	char **p;
	int rc;

	memset(s, 0, sizeof(*s));
	s->timeout = MCP_TIMEOUT;
	s->connect_timeout = MCP_CONNECT_TIMEOUT;
	if ((rc = check_name(x, name)) < 0)
		return rc;
	s->name = xstrdup(name);
	if (!cJSON_IsObject(o))
		return bad(x, name, NULL, "not an object");
	if ((rc = parse_transport(x, name, o, s)) < 0)
		return rc;

	if ((v = item(o, "args")) && str_array(v, &s->args) < 0)
		return bad(x, name, "args", "not an array of strings");
	if ((v = item(o, "env")) &&
	    (rc = str_map(x, name, "env", v, "=", &s->env)) < 0)
		return rc;
	if ((v = item(o, "headers")) &&
	    (rc = str_map(x, name, "headers", v, ": ", &s->headers)) < 0)
		return rc;
	if ((v = item(o, "allowedTools")) && str_array(v, &s->allowed) < 0)
		return bad(x, name, "allowedTools", "not an array of strings");
	if ((v = item(o, "roots"))) {
		if (str_array(v, &s->roots) < 0)
			return bad(x, name, "roots", "not an array of strings");
		for (p = s->roots; *p; p++)
			if (**p != '/')
				return bad(x, name, "roots", "'%s' is not an "
				    "absolute path", *p);
	}
	if ((v = item(o, "disabled"))) {
		if (!cJSON_IsBool(v))
			return bad(x, name, "disabled", "not true or false");
		s->disabled = cJSON_IsTrue(v);
	}
	if ((rc = seconds(x, name, o, "timeout", &s->timeout)) < 0 ||
	    (rc = seconds(x, name, o, "connectTimeout",
	    &s->connect_timeout)) < 0)
		return rc;

	if (!s->args)
		s->args = xcalloc(1, sizeof(*s->args));
	if (!s->env)
		s->env = xcalloc(1, sizeof(*s->env));
	if (!s->headers)
		s->headers = xcalloc(1, sizeof(*s->headers));
	if (!s->roots)
		s->roots = xcalloc(1, sizeof(*s->roots));
	return 0;
}

/* The 1-based line of position at in text. */
static int
line_of(const char *text, const char *at)
{
	int line = 1;

	for (; *text && text < at; text++)
		if (*text == '\n')
			line++;
	return line;
}

/* Read and parse path into *root: NULL when the file is missing or
 * holds only white space.  The top level must be an object and its
 * mcpServers, when there, an object too. */
static int
read_tree(const char *path, cJSON **root, struct buf *err)
{
	struct buf text = BUF_INIT;
	const char *end = NULL, *p;
	const cJSON *servers;
	size_t at;
	int rc = 0;

	*root = NULL;
	if (buf_read_file(&text, path) < 0) {
		if (errno != ENOENT)
			rc = hm_fail(err, HM_EIO, "cannot read '%s': %s", path,
			    strerror(errno));
		buf_release(&text);
		return rc;
	}
	for (p = buf_str(&text); *p && strchr(" \t\r\n", *p); p++)
		;
	if (!utf8_valid(buf_str(&text), text.len, &at))
		rc = hm_fail(err, HM_EFAIL, FILE_NAME ": not valid UTF-8 "
		    "(byte %zu)", at);
	else if (!*p)
		;	/* empty: no servers */
	else if (!(*root = cJSON_ParseWithOpts(text.s, &end, 1)))
		rc = hm_fail(err, HM_EFAIL, FILE_NAME ": not valid JSON at "
		    "line %d", line_of(text.s, end ? end : text.s));
	else if (!cJSON_IsObject(*root))
		rc = hm_fail(err, HM_EFAIL, FILE_NAME ": not a JSON object");
	else if ((servers = item(*root, "mcpServers")) &&
	    !cJSON_IsObject(servers))
		rc = hm_fail(err, HM_EFAIL, FILE_NAME ": mcpServers: not an "
		    "object");
	if (rc < 0) {
		cJSON_Delete(*root);
		*root = NULL;
	}
	buf_release(&text);
	return rc;
}

int
mcp_conf_load(struct mcp_conf *c, struct buf *err)
{
	struct ctx x = { FILE_NAME ": ", HM_EFAIL, err };
	const cJSON *servers, *e;
	cJSON *root;
	size_t i, n = 0;
	int rc;

	memset(c, 0, sizeof(*c));
	c->path = hm_path(FILE_NAME);
	if ((rc = read_tree(c->path, &root, err)) < 0 || !root)
		goto out;
	servers = item(root, "mcpServers");
	cJSON_ArrayForEach(e, servers)
		n++;
	c->v = xcalloc(n ? n : 1, sizeof(*c->v));
	cJSON_ArrayForEach(e, servers) {
		rc = parse_server(&x, e->string, e, &c->v[c->n]);
		c->n++;
		if (rc < 0)
			goto out;
		for (i = 0; i + 1 < c->n; i++)
			if (!strcmp(c->v[i].name, e->string)) {
				rc = bad(&x, e->string, NULL, "given twice");
				goto out;
			}
	}
out:
	cJSON_Delete(root);
	if (rc < 0)
		mcp_conf_release(c);
	return rc;
}

const struct mcp_server *
mcp_conf_find(const struct mcp_conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].name, name))
			return &c->v[i];
	return NULL;
}

void
mcp_conf_release(struct mcp_conf *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		server_free(&c->v[i]);
	free(c->v);
	free(c->path);
	memset(c, 0, sizeof(*c));
}

int
mcp_tool_allowed(const struct mcp_server *s, const char *tool)
{
	char **p;

	if (!s->allowed)
		return 1;
	for (p = s->allowed; *p; p++)
		if (!strcmp(*p, tool) || !fnmatch(*p, tool, 0))
			return 1;
	return 0;
}

/* ---- edits ---- */

/* Remove every member called name but keep; 1 when one went. */
static int
drop(cJSON *servers, const char *name, const cJSON *keep)
{
	cJSON *e, *next;
	int found = 0;

	for (e = servers->child; e; e = next) {
		next = e->next;
		if (e != keep && e->string && !strcmp(e->string, name)) {
			cJSON_Delete(cJSON_DetachItemViaPointer(servers, e));
			found = 1;
		}
	}
	return found;
}

/* Under the lock: add, replace (entry != NULL) or remove (entry NULL)
 * server name.  Takes entry over. */
static int
edit(const char *name, cJSON *entry, int force, struct buf *err)
{
	char *path = hm_path(FILE_NAME), *lockpath = lock_sidecar(path), *s;
	struct buf text = BUF_INIT;
	cJSON *root = NULL, *servers, *old;
	int fd, rc;

	if ((fd = rc = lock_take(lockpath, LOCK_EX, err)) < 0)
		goto out;
	atomic_sweep(path);
	if ((rc = read_tree(path, &root, err)) < 0)
		goto out;
	if (!root)
		root = cJSON_CreateObject();
	servers = cJSON_GetObjectItemCaseSensitive(root, "mcpServers");
	if (!servers)
		servers = cJSON_AddObjectToObject(root, "mcpServers");
	if (!root || !servers)
		hm_oom();
	old = cJSON_GetObjectItemCaseSensitive(servers, name);
	if (entry && old && !force) {
		rc = hm_fail(err, HM_ECONFLICT, "server '%s' already exists "
		    "in " FILE_NAME, name);
		goto out;
	}
	if (!entry && !old) {
		rc = hm_fail(err, HM_ENOTFOUND, "no server '%s' in " FILE_NAME,
		    name);
		goto out;
	}
	if (entry && old) {
		/* In place, so the order of the servers stays. */
		if (!cJSON_ReplaceItemInObjectCaseSensitive(servers, name,
		    entry))
			hm_oom();
		drop(servers, name, entry);
	} else if (entry) {
		if (!cJSON_AddItemToObject(servers, name, entry))
			hm_oom();
	} else
		drop(servers, name, NULL);
	entry = NULL;
	if (!(s = cJSON_Print(root)))
		hm_oom();
	buf_adds(&text, s);
	buf_addc(&text, '\n');
	cJSON_free(s);
	rc = atomic_write(path, text.s, text.len, 0600, err);
out:
	cJSON_Delete(entry);
	cJSON_Delete(root);
	lock_release(fd);
	buf_release(&text);
	free(lockpath);
	free(path);
	return rc;
}

int
mcp_conf_add(const char *name, cJSON *entry, int force, struct buf *err)
{
	struct ctx x = { "", HM_EINVAL, err };
	struct mcp_server s;
	int rc;

	if (!hm_valid_name(name, NAME_MAX_LEN)) {
		cJSON_Delete(entry);
		return hm_fail(err, HM_EINVAL, "invalid server name '%s'",
		    name);
	}
	if (!entry)
		return hm_fail(err, HM_EINVAL, "mcpServers.%s: no entry",
		    name);
	rc = parse_server(&x, name, entry, &s);
	server_free(&s);
	if (rc < 0) {
		cJSON_Delete(entry);
		return rc;
	}
	return edit(name, entry, force, err);
}

int
mcp_conf_rm(const char *name, struct buf *err)
{
	return edit(name, NULL, 0, err);
}

/* ---- ${VAR} ---- */

/* Length of the variable name at s ([A-Za-z_][A-Za-z0-9_]*), 0: none. */
static size_t
var_len(const char *s)
{
	size_t n = 0;

	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
	    *s == '_'))
		return 0;
	while ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') ||
	    (s[n] >= '0' && s[n] <= '9') || s[n] == '_')
		n++;
	return n;
}

/* The environment, then .env; a non-empty value wins over an empty
 * one.  Not config_get: that maps a lower-case name to HERMES_NAME and
 * the config file, which is not what ${name} means. */
static const char *
lookup(const char *name, const struct config *cfg)
{
	const char *env = getenv(name), *dot = NULL;
	size_t i;

	if (env && *env)
		return env;
	for (i = cfg ? cfg->ndotenv : 0; i-- > 0;)
		if (!strcmp(cfg->dotenv[i].key, name)) {
			dot = cfg->dotenv[i].val;
			break;
		}
	if (dot && *dot)
		return dot;
	return env ? env : dot;
}

int
mcp_expand(const char *s, const struct config *cfg, struct buf *out,
    struct buf *err)
{
	struct buf b = BUF_INIT;
	const char *p = s, *q, *v, *def, *end;
	char *name;
	size_t n;
	int rc;

	while (*p) {
		if (p[0] != '$' || p[1] != '{' || !(n = var_len(p + 2))) {
			buf_addc(&b, *p++);
			continue;
		}
		q = p + 2 + n;
		def = NULL;
		if (*q == '}')
			end = q;
		else if (q[0] == ':' && q[1] == '-' &&
		    (end = strchr(q + 2, '}')))
			def = q + 2;	/* ${VAR:-default}: Claude Code's */
		else {
			buf_addc(&b, *p++);	/* not ours: literally */
			continue;
		}
		name = xstrndup(p + 2, n);
		v = lookup(name, cfg);
		if (def && (!v || !*v))
			buf_add(&b, def, (size_t)(end - def));
		else if (v)
			buf_adds(&b, v);
		else {
			rc = hm_fail(err, HM_EINVAL, "${%s} is not set "
			    "(environment or .env)", name);
			free(name);
			buf_release(&b);
			return rc;
		}
		free(name);
		p = end + 1;
	}
	buf_add(out, buf_str(&b), b.len);
	buf_release(&b);
	return 0;
}
