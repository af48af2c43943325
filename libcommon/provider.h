/*
 * provider.h: one model call, over the OpenAI chat-completions API
 * (openrouter, openai, nous, custom) or the Anthropic Messages API.
 *
 * provider_from_config picks the provider, base URL, key and model by
 * SPEC section 2: provider (HERMES_PROVIDER) else custom when a base URL
 * is set else openrouter; key HERMES_API_KEY else the provider's own
 * variable.  With no key and no base URL it fails naming the variable to
 * set.  The key is kept only in p->api_key and the request headers: it is
 * never printed, logged, stored or put into err.
 *
 * provider_chat sends conv (m[0] may be the system prompt) with the tool
 * schemas (the OpenAI encoder caches each message's JSON in m->wire: the
 * conversation is const but that cache is not), and
 * schemas, streams text deltas to call->on_text as they arrive, and fills
 * out with the assistant message: text, tool calls (parallel calls in
 * order), finish reason and usage.  It retries with exponential backoff
 * and jitter (Retry-After honoured) on 429, 5xx, dropped connections, and
 * on a stream that is cut, malformed or carries an error event, but only
 * while nothing has been streamed yet; then it tries each fallback model.
 * On failure err holds one line naming the provider, the model and what
 * went wrong; p->interrupted is set when SIGINT stopped it.
 */
#ifndef HM_PROVIDER_H
#define HM_PROVIDER_H

#include <cjson/cJSON.h>

#include "conv.h"

struct buf;
struct config;

struct provider {
	char *name;		/* openrouter openai anthropic nous custom */
	int anthropic;		/* Messages API, else chat completions */
	char *base_url;
	char *api_key;		/* secret: never printed */
	char *model;
	char **fallbacks;
	size_t nfallbacks;
	long context;		/* context window, tokens */
	long max_tokens;	/* output cap sent to the API */
	int stream;
	long retries;		/* extra attempts per model */
	long retry_delay_ms;	/* base of the backoff */
	long timeout;		/* seconds per attempt */
	int quiet;		/* no retry notes on stderr */
	int interrupted;
};

struct provider_call {
	const struct conv *conv;
	const cJSON *tools;	/* [{"type":"function","function":{...}}] */
	const char *tools_json;	/* the same printed, or NULL */
	const cJSON *schema;	/* JSON Schema for a structured answer */
	void (*on_text)(const char *s, size_t n, void *ctx);
	void *ctx;
};

int provider_from_config(struct provider *p, const struct config *cfg,
    struct buf *err);
void provider_release(struct provider *p);
int provider_chat(struct provider *p, const struct provider_call *call,
    struct message *out, struct buf *err);

/* The request body provider_chat would send (for --dry-run). */
void provider_request(const struct provider *p, const char *model,
    const struct provider_call *call, struct buf *body);
char *provider_url(const struct provider *p);

/* Per-API halves, in provider_openai.c and provider_anthropic.c. */
struct pstream {
	struct message *out;
	const struct provider_call *call;
	struct buf text;
	struct buf *args;	/* per call index */
	int *blocks;		/* per call index: the API's block index */
	size_t nargs;
	int done;
	int emitted;
	int bad;		/* malformed chunk */
	char *error;		/* error event text */
};

void openai_request(const struct provider *p, const char *model,
    const struct provider_call *call, struct buf *body);
int openai_event(struct pstream *s, const char *event, const char *data);
int openai_parse(const char *json, struct message *out, struct buf *err);
void anthropic_request(const struct provider *p, const char *model,
    const struct provider_call *call, struct buf *body);
int anthropic_event(struct pstream *s, const char *event, const char *data);
int anthropic_parse(const char *json, struct message *out, struct buf *err);

/* Shared helpers for the two halves. */
void pstream_text(struct pstream *s, const char *t, size_t n);
struct tool_call *pstream_call(struct pstream *s, size_t index);
void pstream_finish(struct pstream *s);
void json_add_raw_or_object(cJSON *o, const char *name, const char *json);

#endif
