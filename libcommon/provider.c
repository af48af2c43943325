/*
 * provider.c: choosing the provider, one attempt over HTTP (its answer
 * read by provider_stream.c), retries with backoff, fallback models.
 */
#include <time.h>
#include <cjson/cJSON.h>

#include "common.h"
#include "config.h"
#include "http.h"
#include "num.h"
#include "provider.h"
#include "sig.h"
#include "timeutil.h"

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
	/* provider, base_url and model with their defaults come from
	 * config_effective (config.h), as hermes-config shows them */
	struct config_value name, url, model;
	const struct config_provider *k;
	const char *key, *v;
	int rc = -HM_EFAIL;

	memset(p, 0, sizeof(*p));
	config_effective(cfg, "provider", &name);
	config_effective(cfg, "base_url", &url);
	config_effective(cfg, "model", &model);
	if (!(k = config_provider_find(name.val))) {
		rc = hm_fail(err, HM_EINVAL, "unknown provider '%s'",
		    name.val ? name.val : "");
		goto out;
	}
	key = config_get(cfg, "HERMES_API_KEY", NULL);
	if ((!key || !*key) && k->keyvar)
		key = config_get(cfg, k->keyvar, NULL);
	if (!url.val || !*url.val) {
		hm_fail(err, HM_EFAIL, "provider 'custom' needs a base "
		    "URL: set HERMES_BASE_URL (or base_url in config)");
		goto out;
	}
	if ((!key || !*key) && k->keyvar) {
		hm_fail(err, HM_EFAIL, "no API key for provider '%s': "
		    "set %s or HERMES_API_KEY (or HERMES_BASE_URL for a local "
		    "server)", k->name, k->keyvar);
		goto out;
	}
	if (!model.val || !*model.val) {
		hm_fail(err, HM_EFAIL, "no model for provider '%s': set "
		    "HERMES_MODEL or 'hermes-config model ID'", k->name);
		goto out;
	}
	p->name = xstrdup(k->name);
	p->anthropic = k->anthropic;
	p->base_url = xstrdup(url.val);
	while (*p->base_url && p->base_url[strlen(p->base_url) - 1] == '/')
		p->base_url[strlen(p->base_url) - 1] = '\0';
	p->api_key = key && *key ? xstrdup(key) : NULL;
	p->model = xstrdup(model.val);
	if ((v = config_get(cfg, "fallback_models", NULL)))
		split_fallbacks(p, v);
	p->stream = 1;
	if (get_long(cfg, "model.context", config_context_for(p->model),
	    &p->context, err) < 0 || get_long(cfg, "model.max_tokens", 8192,
	    &p->max_tokens, err) < 0 || get_long(cfg, "provider.retries", 3,
	    &p->retries, err) < 0 || get_long(cfg, "provider.retry_delay_ms",
	    1000, &p->retry_delay_ms, err) < 0 || get_long(cfg,
	    "provider.timeout", 600, &p->timeout, err) < 0) {
		provider_release(p);
		goto out;
	}
	rc = 0;
out:
	config_value_release(&name);
	config_value_release(&url);
	config_value_release(&model);
	return rc;
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

/*
 * A call the provider gave no id (some local servers) gets one, so its
 * result can name it: the clock, the pid and a count, unique across the
 * runs that may share a session.
 */
static void
fill_ids(struct message *out)
{
	static unsigned long seq;
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < out->ncalls; i++) {
		if (out->calls[i].id && *out->calls[i].id)
			continue;
		buf_reset(&b);
		buf_addf(&b, "call_hm_%lld_%ld_%lu", (long long)tu_now(),
		    (long)getpid(), ++seq);
		free(out->calls[i].id);
		out->calls[i].id = buf_detach(&b);
	}
	buf_release(&b);
}

/* FATAL: no retry with this model; AUTH: no other model will do either */
enum { ATTEMPT_OK, ATTEMPT_RETRY, ATTEMPT_FATAL, ATTEMPT_AUTH };

static int
attempt(struct provider *p, const char *model,
    const struct provider_call *call, struct message *out, double *wait,
    int *emitted, struct buf *why)
{
	struct buf body = BUF_INIT, auth = BUF_INIT, key2 = BUF_INIT;
	const char *hdrs[6];
	struct http_resp resp;
	struct http_req req;
	struct pstream_feed f;
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
	pstream_feed_init(&f, out, call, &resp, p->anthropic);
	memset(&req, 0, sizeof(req));
	req.url = url;
	req.body = body.s;
	req.len = body.len;
	req.headers = hdrs;
	req.timeout = p->timeout;
	if (p->stream) {
		req.on_data = pstream_feed_data;
		req.ctx = &f;
	}
	*wait = -1;
	rc = http_request(&req, &resp, why);
	if (resp.interrupted) {
		p->interrupted = 1;
		res = ATTEMPT_FATAL;
	} else if (resp.status >= 200 && resp.status < 300) {
		if (!p->stream)
			rc = pstream_whole(p->anthropic, url,
			    resp.content_type, &resp.body, rc < 0, out, why);
		else
			rc = pstream_feed_end(&f, url, rc < 0, why);
		res = rc < 0 ? ATTEMPT_RETRY : ATTEMPT_OK;
		if (res == ATTEMPT_OK)
			fill_ids(out);
	} else if (resp.status) {
		buf_reset(why);
		buf_addf(why, "HTTP %ld: ", resp.status);
		pstream_error_text(buf_str(&resp.body), why);
		*wait = resp.retry_after;
		res = resp.status == 429 || resp.status >= 500 ||
		    resp.status == 408 ? ATTEMPT_RETRY : resp.status == 401 ||
		    resp.status == 403 ? ATTEMPT_AUTH : ATTEMPT_FATAL;
	} else {
		res = ATTEMPT_RETRY;	/* refused, reset, timed out */
	}
	*emitted = f.ps.emitted;
	pstream_feed_release(&f);
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
