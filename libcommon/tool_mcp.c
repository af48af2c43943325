/*
 * tool_mcp.c: MCP servers' tools inside the agent (tool_mcp.h).
 *
 * Each server is a struct srv: its mcp.json entry, its connection (NULL
 * until the first use), and the struct mtool records registered for it.
 * A list fetched while a tool runs (a restart) is parked in pending and
 * swapped in by sync, between model calls, never under a running tool.
 * The cache file is written with atomic_write; two agents writing it at
 * once leave one whole list, and a stale one only costs a restart.
 */
#include <ctype.h>
#include <cjson/cJSON.h>

#include "atomic.h"
#include "mcp.h"
#include "path.h"
#include "sha256.h"
#include "toolreg.h"
#include "tool_mcp.h"
#include "common.h"

#define DESC_MAX	512	/* bytes of a description the model sees */

struct srv;

struct mtool {
	struct tool t;
	struct srv *srv;
	char *orig;			/* the server's name for it */
};

struct srv {
	const struct mcp_server *s;
	struct mcp_tools *mt;
	struct mcp_client *c;
	char *toolset;			/* "mcp-NAME" */
	char key[65];			/* cache key: hash of the entry */
	struct mtool **tools;
	size_t ntools;
	char *listed;			/* the registered list, as JSON */
	struct mcp_tool_info *pending;
	size_t npending;
	int has_pending;
};

struct mcp_tools {
	struct mcp_conf conf;
	const struct config *cfg;
	struct toolreg *r;
	struct srv *v;
	size_t n;
};

char *
mcp_tool_name(const char *server, const char *tool)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_addf(&b, "mcp_%s_%s", server, tool);
	for (i = 0; i < b.len; i++)
		if (!isalnum((unsigned char)b.s[i]) && b.s[i] != '_')
			b.s[i] = '_';
	if (b.len > 64)
		buf_setlen(&b, 64);
	return buf_detach(&b);
}

static void
hash_strv(struct sha256 *h, const char *tag, char **v)
{
	sha256_update(h, tag, strlen(tag) + 1);
	for (; v && *v; v++)
		sha256_update(h, *v, strlen(*v) + 1);
}

/* What the cached list depends on: how the server starts, and which of
 * its tools are allowed. */
static void
cache_key(const struct mcp_server *s, char hex[65])
{
	struct sha256 h;
	char *one[2] = { NULL, NULL };

	sha256_init(&h);
	one[0] = s->command ? s->command : s->url;
	hash_strv(&h, s->command ? "command" : "url", one);
	hash_strv(&h, "args", s->args);
	hash_strv(&h, "env", s->env);
	hash_strv(&h, "headers", s->headers);
	hash_strv(&h, s->allowed ? "allowed" : "all", s->allowed);
	sha256_hex(&h, hex);
}

static char *
cache_path(const char *name)
{
	struct buf rel = BUF_INIT;
	char *p;

	buf_addf(&rel, "cache/mcp-%s.json", name);
	p = hm_path(rel.s);
	buf_release(&rel);
	return p;
}

static cJSON *
tools_json(const struct mcp_tool_info *v, size_t n)
{
	cJSON *a = cJSON_CreateArray(), *t;
	size_t i;

	for (i = 0; i < n; i++) {
		t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "name", v[i].name);
		cJSON_AddStringToObject(t, "description", v[i].description);
		cJSON_AddItemToObject(t, "inputSchema", cJSON_Parse(
		    v[i].schema));
		cJSON_AddItemToArray(a, t);
	}
	return a;
}

int
mcp_cache_write(const struct mcp_server *s, const char *info,
    const struct mcp_tool_info *v, size_t n, struct buf *err)
{
	cJSON *o = cJSON_CreateObject();
	char hex[65], *text, *path = cache_path(s->name);
	int rc;

	cache_key(s, hex);
	cJSON_AddStringToObject(o, "key", hex);
	cJSON_AddStringToObject(o, "server", info ? info : s->name);
	cJSON_AddItemToObject(o, "tools", tools_json(v, n));
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!text)
		hm_oom();
	rc = hm_mkparents(path, err);
	if (rc == 0)
		rc = atomic_write(path, text, strlen(text), 0600, err);
	cJSON_free(text);
	free(path);
	return rc;
}

void
mcp_cache_remove(const char *name)
{
	char *path = cache_path(name);

	unlink(path);
	free(path);
}

/* The cached list of s, when it matches the entry as it is now. */
static int
cache_read(struct srv *sv, struct mcp_tool_info **v, size_t *n)
{
	struct buf text = BUF_INIT;
	char *path = cache_path(sv->s->name);
	const cJSON *t, *schema;
	const char *name, *desc;
	cJSON *o = NULL;
	char *s;
	int ok = 0;

	*v = NULL;
	*n = 0;
	if (buf_read_file(&text, path) < 0 || !(o = cJSON_Parse(text.s)))
		goto out;
	name = cJSON_GetStringValue(cJSON_GetObjectItem(o, "key"));
	if (!name || strcmp(name, sv->key) ||
	    !cJSON_IsArray(cJSON_GetObjectItem(o, "tools")))
		goto out;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(o, "tools")) {
		name = cJSON_GetStringValue(cJSON_GetObjectItem(t, "name"));
		desc = cJSON_GetStringValue(cJSON_GetObjectItem(t,
		    "description"));
		schema = cJSON_GetObjectItem(t, "inputSchema");
		if (!name || !cJSON_IsObject(schema))
			continue;
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[*n].name = xstrdup(name);
		(*v)[*n].description = xstrdup(desc ? desc : "");
		s = cJSON_PrintUnformatted(schema);
		(*v)[*n].schema = xstrdup(s ? s : "{}");
		cJSON_free(s);
		(*n)++;
	}
	ok = 1;
out:
	cJSON_Delete(o);
	buf_release(&text);
	free(path);
	return ok;
}

static char *
list_text(const struct mcp_tool_info *v, size_t n)
{
	cJSON *a = tools_json(v, n);
	char *s = cJSON_PrintUnformatted(a), *r;

	cJSON_Delete(a);
	r = xstrdup(s ? s : "[]");
	cJSON_free(s);
	return r;
}

static void
free_tools(struct srv *sv)
{
	size_t i;

	for (i = 0; i < sv->ntools; i++) {
		free((char *)sv->tools[i]->t.name);
		free((char *)sv->tools[i]->t.description);
		free((char *)sv->tools[i]->t.parameters);
		free(sv->tools[i]->orig);
		free(sv->tools[i]);
	}
	free(sv->tools);
	sv->tools = NULL;
	sv->ntools = 0;
}

/* The first paragraph of a description, at most DESC_MAX bytes. */
static char *
short_desc(const char *d)
{
	const char *para = strstr(d, "\n\n");
	size_t n = para ? (size_t)(para - d) : strlen(d);

	if (n > DESC_MAX) {
		n = DESC_MAX;
		while (n && ((unsigned char)d[n] & 0xC0) == 0x80)
			n--;
	}
	return xstrndup(d, n);
}

static int run_tool(const struct tool *t, struct tool_env *env, cJSON *args,
    struct buf *out);

/* Replace the registered tools of sv with list v. */
static void
install(struct srv *sv, const struct mcp_tool_info *v, size_t n)
{
	struct toolreg *r = sv->mt->r;
	struct mtool *m;
	char *name;
	size_t i;

	toolreg_drop_toolset(r, sv->toolset);
	free_tools(sv);
	free(sv->listed);
	sv->listed = list_text(v, n);
	for (i = 0; i < n; i++) {
		name = mcp_tool_name(sv->s->name, v[i].name);
		if (toolreg_find(r, name)) {
			hm_warn("mcp server '%s': tool '%s' is named like "
			    "another tool (%s); left out", sv->s->name,
			    v[i].name, name);
			free(name);
			continue;
		}
		m = xcalloc(1, sizeof(*m));
		m->t.name = name;
		m->t.toolset = sv->toolset;
		m->t.description = short_desc(v[i].description);
		m->t.parameters = xstrdup(v[i].schema);
		m->t.run = run_tool;
		m->t.data = m;
		m->srv = sv;
		m->orig = xstrdup(v[i].name);
		sv->tools = xrealloc(sv->tools, (sv->ntools + 1) *
		    sizeof(*sv->tools));
		sv->tools[sv->ntools++] = m;
		toolreg_add(r, &m->t);
	}
}

/* Keep a freshly fetched list: now (at load) or parked for sync. */
static void
take_list(struct srv *sv, struct mcp_tool_info *v, size_t n, int now)
{
	struct buf err = BUF_INIT;
	char *text = list_text(v, n);

	if (!sv->listed || strcmp(text, sv->listed)) {
		if (mcp_cache_write(sv->s, sv->c ? mcp_server_name(sv->c) :
		    NULL, v, n, &err) < 0)
			hm_warn("mcp server '%s': %s", sv->s->name,
			    buf_str(&err));
		if (now) {
			install(sv, v, n);
		} else {
			mcp_tools_free(sv->pending, sv->npending);
			sv->pending = v;
			sv->npending = n;
			sv->has_pending = 1;
			v = NULL;
			n = 0;
		}
	}
	mcp_tools_free(v, n);
	free(text);
	buf_release(&err);
}

static int
start(struct srv *sv, int now, struct buf *err)
{
	struct mcp_tool_info *v;
	size_t n;
	int rc;

	if (sv->c && !mcp_alive(sv->c)) {
		mcp_close(sv->c);
		sv->c = NULL;
	}
	if (sv->c)
		return 0;
	if ((rc = mcp_open(&sv->c, sv->s, sv->mt->cfg, err)) < 0)
		return rc;
	if ((rc = mcp_list_tools(sv->c, &v, &n, err)) < 0) {
		mcp_close(sv->c);
		sv->c = NULL;
		return rc;
	}
	take_list(sv, v, n, now);
	return 0;
}

static int
run_tool(const struct tool *t, struct tool_env *env, cJSON *args,
    struct buf *out)
{
	struct mtool *m = t->data;
	struct srv *sv = m->srv;
	struct buf err = BUF_INIT;
	cJSON *res = NULL;
	int rc;

	(void)env;
	if ((rc = start(sv, 0, &err)) < 0) {
		buf_addf(out, "MCP server '%s' is not available: %s",
		    sv->s->name, buf_str(&err));
		buf_release(&err);
		return -HM_EFAIL;
	}
	rc = mcp_call(sv->c, m->orig, args, &res, &err);
	if (rc < 0) {
		buf_adds(out, buf_str(&err));
		if (!mcp_alive(sv->c)) {
			mcp_close(sv->c);
			sv->c = NULL;
		}
	} else if (mcp_render(res, out)) {
		rc = -HM_EFAIL;		/* isError: the model sees an error */
	} else if (!out->len) {
		buf_adds(out, "(the tool returned nothing)");
	}
	cJSON_Delete(res);
	buf_release(&err);
	return rc < 0 ? -HM_EFAIL : 0;
}

/* Between model calls: take changed lists in. */
static void
sync_tools(struct toolreg *r, void *ctx)
{
	struct mcp_tools *mt = ctx;
	struct mcp_tool_info *v;
	struct buf err = BUF_INIT;
	struct srv *sv;
	size_t i, n;

	(void)r;
	for (i = 0; i < mt->n; i++) {
		sv = &mt->v[i];
		if (sv->c && mcp_alive(sv->c) && mcp_tools_changed(sv->c)) {
			buf_reset(&err);
			if (mcp_list_tools(sv->c, &v, &n, &err) == 0)
				take_list(sv, v, n, 1);
			else
				hm_warn("mcp server '%s': %s", sv->s->name,
				    buf_str(&err));
		}
		if (sv->has_pending) {
			install(sv, sv->pending, sv->npending);
			mcp_tools_free(sv->pending, sv->npending);
			sv->pending = NULL;
			sv->npending = 0;
			sv->has_pending = 0;
		}
	}
	buf_release(&err);
}

static void
load_one(struct srv *sv)
{
	struct buf err = BUF_INIT;
	struct mcp_tool_info *v;
	size_t n;

	cache_key(sv->s, sv->key);
	if (cache_read(sv, &v, &n)) {
		install(sv, v, n);
		mcp_tools_free(v, n);
	} else if (start(sv, 1, &err) < 0) {
		hm_warn("mcp server '%s': %s; its tools are off", sv->s->name,
		    buf_str(&err));
	}
	buf_release(&err);
}

void
mcp_tools_load(struct mcp_tools **mtp, struct toolreg *r,
    const struct config *cfg, const char *toolsets)
{
	struct mcp_tools *mt;
	struct buf err = BUF_INIT, ts = BUF_INIT;
	size_t i;

	*mtp = NULL;
	if (toolsets && !*toolsets)
		return;
	mt = xcalloc(1, sizeof(*mt));
	if (mcp_conf_load(&mt->conf, &err) < 0) {
		hm_warn("%s; MCP tools are off", buf_str(&err));
		buf_release(&err);
		free(mt);
		return;
	}
	mt->cfg = cfg;
	mt->r = r;
	mt->v = xcalloc(mt->conf.n ? mt->conf.n : 1, sizeof(*mt->v));
	for (i = 0; i < mt->conf.n; i++) {
		buf_reset(&ts);
		buf_addf(&ts, "mcp-%s", mt->conf.v[i].name);
		if (mt->conf.v[i].disabled || !toolreg_wants(toolsets, ts.s))
			continue;
		mt->v[mt->n].s = &mt->conf.v[i];
		mt->v[mt->n].mt = mt;
		mt->v[mt->n].toolset = buf_detach(&ts);
		load_one(&mt->v[mt->n++]);
	}
	buf_release(&ts);
	r->sync = sync_tools;
	r->sync_ctx = mt;
	*mtp = mt;
}

void
mcp_tools_release(struct mcp_tools *mt)
{
	size_t i;

	if (!mt)
		return;
	if (mt->r && mt->r->sync_ctx == mt) {
		mt->r->sync = NULL;
		mt->r->sync_ctx = NULL;
	}
	for (i = 0; i < mt->n; i++) {
		mcp_close(mt->v[i].c);
		if (mt->r)
			toolreg_drop_toolset(mt->r, mt->v[i].toolset);
		free_tools(&mt->v[i]);
		mcp_tools_free(mt->v[i].pending, mt->v[i].npending);
		free(mt->v[i].listed);
		free(mt->v[i].toolset);
	}
	free(mt->v);
	mcp_conf_release(&mt->conf);
	free(mt);
}
