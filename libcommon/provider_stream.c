/*
 * provider_stream.c: reading a model's answer, for provider.c, whatever
 * shape it comes in: an event stream (its events handed to the API's
 * half, provider_openai.c or provider_anthropic.c), or one whole JSON
 * body, either asked for (--no-stream) or sent when a stream was asked
 * for (the Content-Type says JSON: a server that ignores "stream", an
 * error page).  The tool-call slots of a stream (struct pcall, see
 * provider.h) live here.  A body that is not what it claims to be is
 * described with its first bytes, printable ASCII only, so the user sees
 * an HTML error page for what it is.
 */
#include <cjson/cJSON.h>

#include "common.h"
#include "http.h"
#include "provider.h"
#include "sse.h"

#define PSTREAM_MAX_CALLS 1024
#define RAW_HEAD_MAX (1 << 20)	/* bytes kept to tell what a body is */

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
			conv_add_call(s->out, c->id, c->name,
			    buf_str(&c->args));
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
	struct pstream_feed *f = ctx;

	f->ps.events++;
	return f->anthropic ? anthropic_event(&f->ps, event, data) :
	    openai_event(&f->ps, event, data);
}

void
pstream_feed_init(struct pstream_feed *f, struct message *out,
    const struct provider_call *call, const struct http_resp *resp,
    int anthropic)
{
	memset(f, 0, sizeof(*f));
	pstream_init(&f->ps, out, call);
	f->resp = resp;
	f->anthropic = anthropic;
	sse_init(&f->sse, on_event, f);
}

void
pstream_feed_release(struct pstream_feed *f)
{
	sse_release(&f->sse);
	buf_release(&f->raw);
	pstream_release(&f->ps);
}

int
pstream_feed_data(const char *p, size_t n, void *ctx)
{
	struct pstream_feed *f = ctx;

	if (!f->decided) {
		f->decided = 1;
		f->json = json_type(f->resp->content_type);
	}
	if (f->json || (!f->ps.events && f->raw.len < RAW_HEAD_MAX))
		buf_add(&f->raw, p, n);
	if (!f->json)
		sse_feed(&f->sse, p, n);
	return 0;
}

void
pstream_error_text(const char *body, struct buf *out)
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

int
pstream_whole(int anthropic, const char *url, const char *ctype,
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
		return -HM_EFAIL;
	}
	free(was);
	if (cJSON_GetObjectItem(j, "error")) {
		buf_addf(why, "error in the answer from %s: ", url);
		pstream_error_text(s, why);
		cJSON_Delete(j);
		return -HM_EFAIL;
	}
	rc = anthropic ? anthropic_parse(j, out, why) : openai_parse(j, out,
	    why);
	cJSON_Delete(j);
	return rc < 0 ? -HM_EFAIL : 0;
}

int
pstream_feed_end(struct pstream_feed *f, const char *url, int cut,
    struct buf *why)
{
	struct pstream *ps = &f->ps;
	const struct provider_call *call = ps->call;
	struct message *out = ps->out;
	const char *ct = f->resp->content_type;
	struct pcall *c;
	int rc;

	if (f->json || (!ps->events && !ps->done && !sse_like(&f->raw) &&
	    json_like(&f->raw))) {
		rc = pstream_whole(f->anthropic, url, ct, &f->raw, cut, out,
		    why);
		if (rc == 0 && out->content && *out->content &&
		    call->on_text) {
			call->on_text(out->content, strlen(out->content),
			    call->ctx);
			ps->emitted = 1;
		}
		return rc;
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
			buf_addf(why, "tool call %ld in the stream from %s has "
			    "arguments but no name", c->index, url);
		else
			buf_addf(why, "a tool call in the stream from %s has "
			    "arguments but no name", url);
	} else if (!ps->done && !ps->events && !f->raw.len && !cut) {
		buf_reset(why);
		buf_addf(why, "empty body from %s", url);
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
		return 0;
	}
	return -HM_EFAIL;
}
