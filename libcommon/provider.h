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
 * conversation is const but that cache is not), streams text deltas to
 * call->on_text as they arrive, and fills out with the assistant message:
 * text, tool calls (parallel calls in the order the stream gave them),
 * finish reason and usage.  A streamed request answered with a JSON
 * Content-Type (a server that ignores "stream", or an error page) is read
 * as one whole answer, its text then handed to on_text at once.  It
 * retries with exponential backoff and jitter (Retry-After honoured) on
 * 429, 5xx, dropped connections, on a body that is not the JSON it says
 * it is ("malformed JSON body from URL: why"), on a stream that is cut,
 * malformed, carries an error event or a tool call with no name, but only
 * while nothing has been streamed yet; then it tries each fallback model.
 * On failure err holds one line naming the provider, the model and what
 * went wrong; p->interrupted is set when SIGINT stopped it.
 */
#ifndef HM_PROVIDER_H
#define HM_PROVIDER_H

#include <cjson/cJSON.h>

#include "buf.h"
#include "conv.h"
#include "sse.h"

struct config;
struct http_resp;

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

/*
 * Per-API halves, in provider_openai.c and provider_anthropic.c, and the
 * reading of answers they share, in provider_stream.c.
 *
 * A stream's tool calls are gathered in pcall slots, one per call the
 * stream names, in the order the stream first mentions them, keyed by
 * what the stream gives: its index (OpenAI's tool_calls[].index,
 * Anthropic's content block index) or, without one, the call's id (a
 * piece with neither belongs to the call being streamed).  Indexes need
 * not start at 0 nor be dense.  pstream_finish turns the slots into
 * out->calls: a nameless slot whose arguments are empty or "{}" is
 * dropped (a stray or empty delta), one with real arguments is an error
 * (s->nameless: the turn fails rather than send a nameless call back).
 * provider_chat gives a call without an id one, so a result can always
 * be tied to its call.
 */
struct pcall {
	long index;		/* the stream's index, or -1: none given */
	char *id;		/* NULL until the stream gives one */
	char *name;
	struct buf args;
	int has_args;		/* an arguments piece came, maybe "" */
};

struct pstream {
	struct message *out;
	const struct provider_call *call;
	struct buf text;
	struct pcall *calls;
	size_t ncalls;
	long events;		/* events delivered */
	int done;
	int emitted;
	int bad;		/* malformed chunk */
	char *bad_data;		/* its beginning, for the message */
	char *error;		/* error event text */
	long nameless;		/* slot: a nameless call with args; -1 */
	long ausage[3];		/* Anthropic: input, cache read, write */
};

void openai_request(const struct provider *p, const char *model,
    const struct provider_call *call, struct buf *body);
int openai_event(struct pstream *s, const char *event, const char *data);
int openai_parse(const cJSON *j, struct message *out, struct buf *err);
void anthropic_request(const struct provider *p, const char *model,
    const struct provider_call *call, struct buf *body);
int anthropic_event(struct pstream *s, const char *event, const char *data);
int anthropic_parse(const cJSON *j, struct message *out, struct buf *err);

/* Shared helpers for the two halves. */
void pstream_init(struct pstream *s, struct message *out,
    const struct provider_call *call);
void pstream_release(struct pstream *s);
void pstream_text(struct pstream *s, const char *t, size_t n);
void pstream_bad(struct pstream *s, const char *data);
/* The slot for INDEX (-1: none given) and ID (NULL or "": none given):
 * the last with that index, unless it has another id (a new call reusing
 * the index); with no index, the one with that id, or with no id either,
 * the last slot (the call being streamed); else a new slot.  NULL past
 * 1024 calls (the caller marks the stream bad). */
struct pcall *pstream_call(struct pstream *s, long index, const char *id);
/* The last slot with INDEX, or NULL. */
struct pcall *pstream_find(struct pstream *s, long index);
/* A name piece: repeated whole names are not doubled ("read", "read"
 * stays "read"), a longer one that begins with it replaces it, any other
 * piece is appended ("read_" "file"). */
void pstream_name(struct pcall *c, const char *name);
void pstream_id(struct pcall *c, const char *id);
void pstream_finish(struct pstream *s);
/* NULL, blank or "{}": a nameless call with such arguments is dropped. */
int pstream_empty_args(const char *args);
void json_add_raw_or_object(cJSON *o, const char *name, const char *json);

/*
 * The body of a 2xx answer to a streamed request: pstream_feed_data is
 * http's on_data (ctx: the feed).  The Content-Type, seen at the first
 * byte, says JSON (then the body is kept whole in raw) or else an event
 * stream (raw keeps its head until the first event, to tell a body that
 * is no stream at all from one cut before its end).  pstream_feed_end,
 * once the transfer is over (cut: it failed, why holding libcurl's
 * reason), finishes the message or says in why what was wrong: a cut
 * stream, a malformed chunk, an error event, a nameless call, no stream
 * at all; a whole JSON answer is parsed as pstream_whole does and its
 * text handed to on_text.  0 or -HM_EFAIL.
 */
struct pstream_feed {
	struct sse sse;
	struct pstream ps;
	const struct http_resp *resp;
	int anthropic;
	int decided;		/* the Content-Type was looked at */
	int json;
	struct buf raw;
};

void pstream_feed_init(struct pstream_feed *f, struct message *out,
    const struct provider_call *call, const struct http_resp *resp,
    int anthropic);
int pstream_feed_data(const char *p, size_t n, void *ctx);
int pstream_feed_end(struct pstream_feed *f, const char *url, int cut,
    struct buf *why);
void pstream_feed_release(struct pstream_feed *f);
/* A whole JSON answer (body NUL-terminated) into out, or -HM_EFAIL with
 * why: "malformed JSON body from URL: not JSON at byte N of M: '...'"
 * (and "; the transfer was cut: ..." when cut), or the error it holds. */
int pstream_whole(int anthropic, const char *url, const char *ctype,
    const struct buf *body, int cut, struct message *out, struct buf *why);
/* The server's own words from an error body, on one line, into out. */
void pstream_error_text(const char *body, struct buf *out);

#endif
