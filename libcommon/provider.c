/*
 * provider.c: choosing the provider, retries and backoff, and streaming
 * plumbing shared by provider_openai.c and provider_anthropic.c.
 */
#include <time.h>
#include <cjson/cJSON.h>

#include "common.h"
#include "config.h"
#include "http.h"
#include "num.h"
#include "provider.h"
#include "sig.h"
#include "sse.h"
#include "timeutil.h"

struct known {
	const char *name;
	const char *url;
	const char *keyvar;
	const char *model;
	int anthropic;
};

static const struct known knowns[] = {
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

static long
context_for(const char *model)
{
	if (strstr(model, "claude"))
		return 200000;
	if (strstr(model, "gpt-4.1") || strstr(model, "gemini"))
		return 1000000;
	if (strstr(model, "gpt-5"))
		return 400000;
	return 128000;
}

/* The key's value, or def when unset; a bad value is an error. */
static int
get_long(const struct config *cfg, const char *key, long def, long *out,
    struct buf *err)
{
	int rc = config_get_long(cfg, key, out, err);

	if (rc == -HM_ENOTFOUND) {
		*out = def;
		rc = 0;
	}
	return rc;
}

static void
split_fallbacks(struct provider *p, const char *list)
{
	const char *s = list, *e;

	while (s && *s) {
		while (*s == ' ' || *s == ',')
			s++;
		e = s;
		while (*e && *e != ',')
			e++;
		if (e > s) {
			size_t n = (size_t)(e - s);

			while (n && s[n - 1] == ' ')
				n--;
			p->fallbacks = xrealloc(p->fallbacks,
			    (p->nfallbacks + 1) * sizeof(*p->fallbacks));
			p->fallbacks[p->nfallbacks++] = xstrndup(s, n);
		}
		s = e;
	}
}

int
provider_from_config(struct provider *p, const struct config *cfg,
    struct buf *err)
{
	enum config_origin o;
	const struct known *k = NULL;
	const char *name, *url, *key, *model, *v;
	size_t i;

	memset(p, 0, sizeof(*p));
	name = config_get(cfg, "provider", &o);
	url = config_get(cfg, "base_url", NULL);
	if (o == CONFIG_DEFAULT && url && *url)
		name = "custom";
	for (i = 0; i < HM_ARRAY_SIZE(knowns); i++)
		if (!strcmp(knowns[i].name, name))
			k = &knowns[i];
	if (!k)
		return hm_fail(err, HM_EINVAL, "unknown provider '%s'", name);
	key = config_get(cfg, "HERMES_API_KEY", NULL);
	if ((!key || !*key) && k->keyvar)
		key = config_get(cfg, k->keyvar, NULL);
	if (!url || !*url)
		url = k->url;
	if (!url)
		return hm_fail(err, HM_EFAIL, "provider 'custom' needs a base "
		    "URL: set HERMES_BASE_URL (or base_url in config)");
	if ((!key || !*key) && k->keyvar)
		return hm_fail(err, HM_EFAIL, "no API key for provider '%s': "
		    "set %s or HERMES_API_KEY (or HERMES_BASE_URL for a local "
		    "server)", k->name, k->keyvar);
	model = config_get(cfg, "model", NULL);
	if (!model || !*model)
		model = k->model;
	if (!model)
		return hm_fail(err, HM_EFAIL, "no model for provider '%s': set "
		    "HERMES_MODEL or 'hermes-config model ID'", k->name);
	p->name = xstrdup(k->name);
	p->anthropic = k->anthropic;
	p->base_url = xstrdup(url);
	while (*p->base_url && p->base_url[strlen(p->base_url) - 1] == '/')
		p->base_url[strlen(p->base_url) - 1] = '\0';
	p->api_key = key && *key ? xstrdup(key) : NULL;
	p->model = xstrdup(model);
	if ((v = config_get(cfg, "fallback_models", NULL)))
		split_fallbacks(p, v);
	p->stream = 1;
	if (get_long(cfg, "model.context", context_for(model), &p->context,
	    err) < 0 || get_long(cfg, "model.max_tokens", 8192,
	    &p->max_tokens, err) < 0 || get_long(cfg, "provider.retries", 3,
	    &p->retries, err) < 0 || get_long(cfg, "provider.retry_delay_ms",
	    1000, &p->retry_delay_ms, err) < 0 || get_long(cfg,
	    "provider.timeout", 600, &p->timeout, err) < 0) {
		provider_release(p);
		return -HM_EFAIL;
	}
	return 0;
}

void
provider_release(struct provider *p)
{
	size_t i;

	free(p->name);
	free(p->base_url);
	if (p->api_key)
		explicit_bzero(p->api_key, strlen(p->api_key));
	free(p->api_key);
	free(p->model);
	for (i = 0; i < p->nfallbacks; i++)
		free(p->fallbacks[i]);
	free(p->fallbacks);
	memset(p, 0, sizeof(*p));
}

char *
provider_url(const struct provider *p)
{
	struct buf b = BUF_INIT;
	size_t n = strlen(p->base_url);

	buf_adds(&b, p->base_url);
	if (p->anthropic)
		buf_adds(&b, n >= 3 && !strcmp(p->base_url + n - 3, "/v1") ?
		    "/messages" : "/v1/messages");
	else
		buf_adds(&b, "/chat/completions");
	return buf_detach(&b);
}

void
provider_request(const struct provider *p, const char *model,
    const struct provider_call *call, struct buf *body)
{
	if (p->anthropic)
		anthropic_request(p, model, call, body);
	else
		openai_request(p, model, call, body);
}

/* ---- streaming plumbing ---- */

#define PSTREAM_MAX_CALLS 1024
#define RAW_HEAD_MAX (1 << 20)	/* bytes of a body kept to tell what it is */

/* Up to 60 bytes of p from byte at (less 20), quoted, on one line. */
static void
snippet(struct buf *out, const char *p, size_t n, size_t at)
{
	size_t i = at > 20 ? at - 20 : 0, k = i + 60 < n ? i + 60 : n;

	buf_addf(out, "%s'", i ? "..." : "");
	for (; i < k; i++)
		buf_addc(out, (unsigned char)p[i] >= 0x20 &&
		    (unsigned char)p[i] < 0x7f ? p[i] : '.');
	buf_addf(out, "'%s", k < n ? "..." : "");
}

void
pstream_init(struct pstream *s, struct message *out,
    const struct provider_call *call)
{
	memset(s, 0, sizeof(*s));
	s->out = out;
	s->call = call;
	s->nameless = -1;
}

void
pstream_text(struct pstream *s, const char *t, size_t n)
{
	if (!n)
		return;
	buf_add(&s->text, t, n);
	if (s->call->on_text) {
		s->call->on_text(t, n, s->call->ctx);
		s->emitted = 1;
	}
}

void
pstream_bad(struct pstream *s, const char *data)
{
	struct buf b = BUF_INIT;

	s->bad = 1;
	if (s->bad_data)
		return;
	snippet(&b, data, strlen(data), 0);
	s->bad_data = buf_detach(&b);
}

struct pcall *
pstream_call(struct pstream *s, long index, const char *id)
{
	struct pcall *c;
	size_t i;

	if (id && !*id)
		id = NULL;
	for (i = s->ncalls; i-- > 0;) {
		c = &s->calls[i];
		if (index >= 0 && c->index == index) {
			if (id && c->id && strcmp(c->id, id))
				break;	/* a new call reusing the index */
			return c;
		}
		if (index < 0 && (!id || (c->id && !strcmp(c->id, id))))
			return c;	/* no key: the call being streamed */
	}
	if (index < 0 && id && s->ncalls && !s->calls[s->ncalls - 1].id)
		return &s->calls[s->ncalls - 1];	/* its id came late */
	if (s->ncalls >= PSTREAM_MAX_CALLS)
		return NULL;
	s->calls = xrealloc(s->calls, (s->ncalls + 1) * sizeof(*s->calls));
	c = &s->calls[s->ncalls++];
	memset(c, 0, sizeof(*c));
	c->index = index;
	if (id)
		c->id = xstrdup(id);
	return c;
}

struct pcall *
pstream_find(struct pstream *s, long index)
{
	size_t i;

	for (i = s->ncalls; i-- > 0;)
		if (s->calls[i].index == index)
			return &s->calls[i];
	return NULL;
}

void
pstream_name(struct pcall *c, const char *name)
{
	struct buf b = BUF_INIT;

	if (!name || !*name || (c->name && !strcmp(c->name, name)))
		return;
	if (c->name && strncmp(name, c->name, strlen(c->name)))
		buf_adds(&b, c->name);
	buf_adds(&b, name);
	free(c->name);
	c->name = buf_detach(&b);
}

void
pstream_id(struct pcall *c, const char *id)
{
	if (id && *id && !c->id)
		c->id = xstrdup(id);
}

int
pstream_empty_args(const char *args)
{
	return !args || strspn(args, " \t\r\n{}") == strlen(args);
}

void
pstream_finish(struct pstream *s)
{
	struct pcall *c;
	size_t i;

	for (i = 0; i < s->ncalls; i++) {
		c = &s->calls[i];
		if (c->name && *c->name)
			conv_add_call(s->out, c->id, c->name, buf_str(&c->args));
		else if (!pstream_empty_args(buf_str(&c->args)) &&
		    s->nameless < 0)
			s->nameless = (long)i;
	}
	if (s->text.len) {
		free(s->out->content);
		s->out->content = buf_detach(&s->text);
	}
}

void
pstream_release(struct pstream *s)
{
	size_t i;

	for (i = 0; i < s->ncalls; i++) {
		free(s->calls[i].id);
		free(s->calls[i].name);
		buf_release(&s->calls[i].args);
	}
	free(s->calls);
	buf_release(&s->text);
	free(s->bad_data);
	free(s->error);
}

/*
 * A call the provider gave no id gets one, unique in the conversation
 * (its message's place and its own), so its result can name it.
 */
static void
fill_ids(struct message *out, const struct provider_call *call)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < out->ncalls; i++) {
		if (out->calls[i].id && *out->calls[i].id)
			continue;
		buf_reset(&b);
		buf_addf(&b, "call_hm_%zu_%zu", call->conv ? call->conv->n :
		    0, i);
		free(out->calls[i].id);
		out->calls[i].id = buf_detach(&b);
	}
	buf_release(&b);
}

void
json_add_raw_or_object(cJSON *o, const char *name, const char *json)
{
	cJSON *v = cJSON_Parse(json);

	if (!cJSON_IsObject(v)) {
		cJSON_Delete(v);
		v = cJSON_CreateObject();
	}
	cJSON_AddItemToObject(o, name, v);
}

/*
 * The body of a 2xx answer to a streamed request: an event stream, or,
 * when the Content-Type says JSON, one whole answer kept in raw.  Of an
 * event stream raw keeps the head until the first event, to tell a body
 * that is no stream at all from one cut before its end.
 */
struct feed {
	struct sse sse;
	struct pstream *ps;
	const struct http_resp *resp;
	int anthropic;
	int decided;
	int json;
	struct buf raw;
};

/* application/json, application/problem+json; charset=utf-8 ... */
static int
json_type(const char *ct)
{
	size_t n;

	if (!ct)
		return 0;
	n = strcspn(ct, "; \t");
	return n >= 4 && !strncasecmp(ct + n - 4, "json", 4);
}

/* Does the body begin as an event stream: a field, or a comment? */
static int
sse_like(const struct buf *raw)
{
	static const char *const fields[] = { "data", "event", "id", "retry" };
	const char *p = buf_str(raw);
	size_t i, n;

	if (!strncmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	p += strspn(p, "\r\n");
	if (*p == ':')
		return 1;
	n = strcspn(p, ":\r\n");
	for (i = 0; i < HM_ARRAY_SIZE(fields); i++)
		if (n == strlen(fields[i]) && !strncmp(p, fields[i], n))
			return 1;
	return 0;
}

/* Does the body begin as a JSON object or array would? */
static int
json_like(const struct buf *raw)
{
	const char *p = buf_str(raw);

	p += strspn(p, " \t\r\n");
	return *p == '{' || *p == '[';
}

static int
on_event(const char *event, const char *data, void *ctx)
{
	struct feed *f = ctx;

	f->ps->events++;
	return f->anthropic ? anthropic_event(f->ps, event, data) :
	    openai_event(f->ps, event, data);
}

static int
on_data(const char *p, size_t n, void *ctx)
{
	struct feed *f = ctx;

	if (!f->decided) {
		f->decided = 1;
		f->json = json_type(f->resp->content_type);
	}
	if (f->json || (!f->ps->events && f->raw.len < RAW_HEAD_MAX))
		buf_add(&f->raw, p, n);
	if (!f->json)
		sse_feed(&f->sse, p, n);
	return 0;
}

/* The server's own words from an error body, on one line. */
static void
error_text(const char *body, struct buf *out)
{
	cJSON *j = cJSON_Parse(body), *e;
	const char *m = NULL;
	size_t i;

	e = cJSON_GetObjectItem(j, "error");
	if (cJSON_IsString(e))
		m = e->valuestring;
	else if (e)
		m = cJSON_GetStringValue(cJSON_GetObjectItem(e, "message"));
	if (!m)
		m = cJSON_GetStringValue(cJSON_GetObjectItem(j, "message"));
	if (!m)
		m = body;
	for (i = 0; m[i] && i < 200; i++)
		buf_addc(out, m[i] == '\n' || m[i] == '\r' ? ' ' : m[i]);
	if (m[i])
		buf_adds(out, "...");
	cJSON_Delete(j);
}

/* FATAL: no retry with this model; AUTH: no other model will do either */
enum { ATTEMPT_OK, ATTEMPT_RETRY, ATTEMPT_FATAL, ATTEMPT_AUTH };

/*
 * A whole answer: body (len bytes, NUL-terminated) from url.  cut says
 * the transfer failed, why then holding libcurl's reason.
 */
static int
whole(const struct provider *p, const char *url, const char *ctype,
    const struct buf *body, int cut, struct message *out, struct buf *why)
{
	const char *s = buf_str(body), *end = NULL;
	char *was = cut ? buf_detach(why) : NULL;
	cJSON *j = cJSON_ParseWithOpts(s, &end, 1);
	int rc;

	buf_reset(why);
	if (!j) {
		buf_addf(why, "malformed JSON body from %s", url);
		if (!json_type(ctype))
			buf_addf(why, " (Content-Type %s)", ctype ? ctype :
			    "missing");
		if (!body->len) {
			buf_adds(why, ": empty");
		} else {
			buf_addf(why, ": not JSON at byte %zu of %zu: ",
			    end && end >= s ? (size_t)(end - s) : 0, body->len);
			snippet(why, s, body->len, end && end >= s ?
			    (size_t)(end - s) : 0);
		}
		if (was)
			buf_addf(why, "; the transfer was cut: %s", was);
		free(was);
		return ATTEMPT_RETRY;
	}
	free(was);
	if (cJSON_GetObjectItem(j, "error")) {
		buf_addf(why, "error in the answer from %s: ", url);
		error_text(s, why);
		cJSON_Delete(j);
		return ATTEMPT_RETRY;
	}
	rc = p->anthropic ? anthropic_parse(j, out, why) : openai_parse(j, out,
	    why);
	cJSON_Delete(j);
	return rc < 0 ? ATTEMPT_RETRY : ATTEMPT_OK;
}

/* What is wrong with a streamed answer that arrived, or ATTEMPT_OK. */
static int
streamed(const struct provider *p, const char *url, struct feed *f,
    const struct provider_call *call, int cut, struct message *out,
    struct buf *why)
{
	struct pstream *ps = f->ps;
	const char *ct = f->resp->content_type;
	struct pcall *c;
	int res;

	if (f->json || (!ps->events && !ps->done && !sse_like(&f->raw) &&
	    json_like(&f->raw))) {
		res = whole(p, url, ct, &f->raw, cut, out, why);
		if (res == ATTEMPT_OK && out->content && *out->content &&
		    call->on_text) {
			call->on_text(out->content, strlen(out->content),
			    call->ctx);
			ps->emitted = 1;
		}
		return res;
	}
	pstream_finish(ps);
	if (ps->error) {
		buf_reset(why);
		buf_addf(why, "error in the stream: %s", ps->error);
	} else if (ps->bad) {
		buf_reset(why);
		buf_addf(why, "malformed chunk in the stream from %s: %s", url,
		    ps->bad_data ? ps->bad_data : "?");
	} else if (ps->nameless >= 0) {
		c = &ps->calls[ps->nameless];
		buf_reset(why);
		if (c->index >= 0)
			buf_addf(why, "the stream from %s gave tool call %ld "
			    "arguments but no name", url, c->index);
		else
			buf_addf(why, "the stream from %s gave a tool call "
			    "arguments but no name", url);
	} else if (!ps->done && !ps->events && f->raw.len &&
	    !sse_like(&f->raw)) {
		buf_reset(why);
		buf_addf(why, "no event stream from %s (Content-Type %s): ",
		    url, ct ? ct : "missing");
		snippet(why, f->raw.s, f->raw.len, 0);
	} else if (!ps->done) {
		char *was = cut ? buf_detach(why) : NULL;

		buf_reset(why);
		buf_addf(why, "stream cut before its end%s%s", was ? ": " : "",
		    was ? was : "");
		free(was);
	} else {
		return ATTEMPT_OK;
	}
	return ATTEMPT_RETRY;
}

static int
attempt(struct provider *p, const char *model,
    const struct provider_call *call, struct message *out, double *wait,
    int *emitted, struct buf *why)
{
	struct buf body = BUF_INIT, auth = BUF_INIT, key2 = BUF_INIT;
	const char *hdrs[6];
	struct http_resp resp;
	struct http_req req;
	struct pstream ps;
	struct feed f;
	char *url = provider_url(p);
	size_t nh = 0;
	int rc, res = ATTEMPT_OK;

	provider_request(p, model, call, &body);
	hdrs[nh++] = "Content-Type: application/json";
	if (p->anthropic) {
		hdrs[nh++] = "anthropic-version: 2023-06-01";
		if (p->api_key) {
			buf_addf(&key2, "x-api-key: %s", p->api_key);
			hdrs[nh++] = key2.s;
		}
	} else if (p->api_key) {
		buf_addf(&auth, "Authorization: Bearer %s", p->api_key);
		hdrs[nh++] = auth.s;
	}
	if (p->stream)
		hdrs[nh++] = "Accept: text/event-stream";
	hdrs[nh] = NULL;
	pstream_init(&ps, out, call);
	memset(&f, 0, sizeof(f));
	f.ps = &ps;
	f.resp = &resp;
	f.anthropic = p->anthropic;
	sse_init(&f.sse, on_event, &f);
	memset(&req, 0, sizeof(req));
	req.url = url;
	req.body = body.s;
	req.len = body.len;
	req.headers = hdrs;
	req.timeout = p->timeout;
	if (p->stream) {
		req.on_data = on_data;
		req.ctx = &f;
	}
	*wait = -1;
	rc = http_request(&req, &resp, why);
	if (resp.interrupted) {
		p->interrupted = 1;
		res = ATTEMPT_FATAL;
	} else if (resp.status >= 200 && resp.status < 300) {
		if (!p->stream)
			res = whole(p, url, resp.content_type, &resp.body,
			    rc < 0, out, why);
		else
			res = streamed(p, url, &f, call, rc < 0, out, why);
		if (res == ATTEMPT_OK)
			fill_ids(out, call);
	} else if (resp.status) {
		buf_reset(why);
		buf_addf(why, "HTTP %ld: ", resp.status);
		error_text(buf_str(&resp.body), why);
		*wait = resp.retry_after;
		res = resp.status == 429 || resp.status >= 500 ||
		    resp.status == 408 ? ATTEMPT_RETRY : resp.status == 401 ||
		    resp.status == 403 ? ATTEMPT_AUTH : ATTEMPT_FATAL;
	} else {
		res = ATTEMPT_RETRY;	/* refused, reset, timed out */
	}
	*emitted = ps.emitted;
	sse_release(&f.sse);
	buf_release(&f.raw);
	pstream_release(&ps);
	http_resp_release(&resp);
	if (key2.s)
		explicit_bzero(key2.s, key2.len);
	if (auth.s)
		explicit_bzero(auth.s, auth.len);
	buf_release(&key2);
	buf_release(&auth);
	buf_release(&body);
	free(url);
	return res;
}

static void
nap(double seconds)
{
	struct timespec ts;
	double left = seconds;

	while (left > 0 && !sig_interrupted) {
		double step = left < 0.1 ? left : 0.1;

		ts.tv_sec = (time_t)step;
		ts.tv_nsec = (long)((step - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
		left -= step;
	}
}

static double
backoff(const struct provider *p, long k, double retry_after)
{
	static unsigned seed;
	double base = (double)p->retry_delay_ms / 1000.0, d;

	if (retry_after >= 0)
		return retry_after > 60 ? 60 : retry_after;
	if (!seed)
		seed = (unsigned)tu_now() ^ ((unsigned)getpid() << 16);
	d = base * (double)(1L << (k < 10 ? k : 10));
	d += base * (double)(rand_r(&seed) % 1000) / 1000.0;	/* jitter */
	return d > 30 ? 30 : d;
}

int
provider_chat(struct provider *p, const struct provider_call *call,
    struct message *out, struct buf *err)
{
	struct buf why = BUF_INIT;
	const char *model;
	size_t mi;
	long k;
	double wait;
	int res = ATTEMPT_FATAL, emitted = 0;

	p->interrupted = 0;
	for (mi = 0; mi <= p->nfallbacks; mi++) {
		model = mi ? p->fallbacks[mi - 1] : p->model;
		for (k = 0; k <= p->retries; k++) {
			message_release(out);
			out->role = MSG_ASSISTANT;
			buf_reset(&why);
			res = attempt(p, model, call, out, &wait, &emitted,
			    &why);
			if (res == ATTEMPT_OK) {
				if (mi) {
					free(p->model);
					p->model = xstrdup(model);
				}
				buf_release(&why);
				return 0;
			}
			if (res == ATTEMPT_FATAL || res == ATTEMPT_AUTH ||
			    emitted || p->interrupted)
				break;
			if (k == p->retries)
				break;
			wait = backoff(p, k, wait);
			if (!p->quiet)
				hm_warn("%s (model %s): %s; retrying in %.1fs "
				    "(attempt %ld of %ld)", p->name, model,
				    buf_str(&why), wait, k + 2, p->retries + 1);
			nap(wait);
			if (sig_interrupted) {
				p->interrupted = 1;
				break;
			}
		}
		if (emitted || p->interrupted || res == ATTEMPT_AUTH)
			break;
		if (mi < p->nfallbacks && !p->quiet)
			hm_warn("%s (model %s): %s; trying model %s", p->name,
			    model, buf_str(&why), p->fallbacks[mi]);
	}
	if (p->interrupted)
		hm_fail(err, HM_EFAIL, "%s: interrupted", p->name);
	else
		hm_fail(err, HM_EFAIL, "provider %s (model %s) failed: %s%s",
		    p->name, model, buf_str(&why), res == ATTEMPT_RETRY &&
		    !emitted ? ", after every retry" : "");
	message_release(out);
	out->role = MSG_ASSISTANT;
	buf_release(&why);
	return -HM_EFAIL;
}
