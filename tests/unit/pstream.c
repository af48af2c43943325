/*
 * pstream.c: unit tests for how a stream's tool-call pieces become calls
 * (libcommon/provider.c, provider_openai.c, provider_anthropic.c), fed
 * event by event as the SSE parser would: calls are keyed by the
 * stream's index or id and kept in the order they first came (an index
 * the stream reuses with a new id is a new call); name pieces are joined
 * but a repeated name is not doubled; arguments may come as an object;
 * nameless calls are dropped, or flagged when they carry arguments;
 * Anthropic tool_use blocks take the input of their start when no delta
 * comes, and a delta for a block that never started is a bad stream.
 */
#include "common.h"
#include "conv.h"
#include "provider.h"
#include "tap.h"

static struct conv conv = CONV_INIT;
static struct provider_call call = { &conv, NULL, NULL, NULL, NULL, NULL };

/* Feed the events (NULL-terminated) to a fresh stream into out. */
static void
feed(struct pstream *s, struct message *out, int anthropic,
    const char *const *ev)
{
	memset(out, 0, sizeof(*out));
	pstream_init(s, out, &call);
	for (; *ev; ev++)
		if (anthropic ? anthropic_event(s, NULL, *ev) :
		    openai_event(s, NULL, *ev))
			break;
	pstream_finish(s);
}

/* "id name args|" per call of out. */
static char *
calls(const struct message *m)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < m->ncalls; i++)
		buf_addf(&b, "%s %s %s|", m->calls[i].id, m->calls[i].name,
		    m->calls[i].args);
	return buf_detach(&b);
}

#define TC(x) "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[" x \
	"]}}]}"
#define START(i) "{\"type\":\"content_block_start\",\"index\":" #i \
	",\"content_block\":"

static void
check(const char *what, int anthropic, const char *const *ev,
    const char *want, long nameless, int bad)
{
	struct pstream s;
	struct message m;
	char *got;

	feed(&s, &m, anthropic, ev);
	got = calls(&m);
	is_str(got, want, "%s", what);
	is_int(s.nameless, nameless, "%s: nameless", what);
	is_int(s.bad, bad, "%s: bad", what);
	free(got);
	pstream_release(&s);
	message_release(&m);
}

int
main(void)
{
	static const char *const index1[] = {
		"{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}",
		TC("{\"index\":1,\"id\":\"t1\",\"function\":{\"name\":\"read\","
		    "\"arguments\":\"\"}}"),
		TC("{\"index\":1,\"function\":{\"arguments\":"
		    "\"{\\\"a\\\":\"}}"),
		TC("{\"index\":1,\"function\":{\"arguments\":\"1}\"}}"),
		"[DONE]", NULL };
	static const char *const order[] = {
		TC("{\"index\":5,\"id\":\"five\",\"function\":"
		    "{\"name\":\"b\"}}"),
		TC("{\"index\":2,\"id\":\"two\",\"function\":"
		    "{\"name\":\"a\"}}"),
		TC("{\"index\":5,\"function\":{\"arguments\":\"{}\"}}"),
		TC("{\"index\":2,\"function\":{\"arguments\":"
		    "\"{\\\"x\\\":2}\"}}"),
		NULL };
	static const char *const reuse[] = {
		TC("{\"index\":0,\"id\":\"c1\",\"function\":{\"name\":\"a\","
		    "\"arguments\":\"{\\\"n\\\":1}\"}}"),
		TC("{\"index\":0,\"id\":\"c2\",\"function\":{\"name\":\"a\","
		    "\"arguments\":\"{\\\"n\\\":2}\"}}"),
		NULL };
	static const char *const names[] = {
		TC("{\"index\":0,\"id\":\"p\",\"function\":"
		    "{\"name\":\"read_\"}}"),
		TC("{\"index\":0,\"function\":{\"name\":\"file\"}}"),
		TC("{\"index\":1,\"id\":\"q\",\"function\":"
		    "{\"name\":\"read\"}}"),
		TC("{\"index\":1,\"function\":{\"name\":\"read\"}}"),
		TC("{\"index\":2,\"id\":\"r\",\"function\":"
		    "{\"name\":\"read\"}}"),
		TC("{\"index\":2,\"function\":{\"name\":\"read_file\"}}"),
		NULL };
	static const char *const objargs[] = {
		TC("{\"id\":\"o\",\"function\":{\"name\":\"f\",\"arguments\":"
		    "{\"k\":[1,2]}}}"),
		TC("{\"id\":\"o2\",\"function\":{\"name\":\"g\",\"arguments\":"
		    "null}}"),
		NULL };
	static const char *const noid[] = {
		TC("{\"index\":0,\"function\":{\"name\":\"f\",\"arguments\":"
		    "\"{}\"}}"),
		TC("{\"id\":\"late\"}"),
		NULL };
	static const char *const stray[] = {
		TC("{\"index\":0,\"function\":{\"arguments\":\"\"}}"),
		TC("{\"index\":0,\"type\":\"function\"}"),
		TC("{\"index\":3,\"id\":\"x\",\"function\":{\"name\":\"f\"}}"),
		TC("{\"index\":4,\"function\":{\"arguments\":\"{}\"}}"),
		NULL };
	static const char *const nameless[] = {
		TC("{\"index\":0,\"id\":\"a\",\"function\":{\"name\":\"f\"}}"),
		TC("{\"index\":2,\"id\":\"b\",\"function\":{\"arguments\":"
		    "\"{\\\"p\\\":1}\"}}"),
		NULL };
	static const char *const a_start[] = {
		START(4)
		    "{\"type\":\"tool_use\",\"id\":\"tu\",\"name\":\"f\","
		    "\"input\":{\"given\":true}}}",
		START(6)
		    "{\"type\":\"tool_use\",\"id\":\"tv\",\"name\":\"g\","
		    "\"input\":{\"old\":1}}}",
		"{\"type\":\"content_block_delta\",\"index\":6,\"delta\":"
		    "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"new"
		    "\\\":2}\"}}",
		START(7)
		    "{\"type\":\"tool_use\",\"id\":\"tw\",\"name\":\"h\","
		    "\"input\":{}}}",
		"{\"type\":\"message_stop\"}", NULL };
	static const char *const a_orphan[] = {
		START(0)
		    "{\"type\":\"tool_use\",\"id\":\"tu\",\"name\":\"f\","
		    "\"input\":{}}}",
		"{\"type\":\"content_block_delta\",\"index\":1,\"delta\":"
		    "{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}}",
		NULL };
	static const char *const a_usage[] = {
		"{\"type\":\"message_start\",\"message\":{\"usage\":{"
		    "\"input_tokens\":5,\"cache_read_input_tokens\":100,"
		    "\"cache_creation_input_tokens\":7,\"output_tokens\":1}}}",
		"{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
		    "\"end_turn\"},\"usage\":{\"output_tokens\":9}}",
		"{\"type\":\"message_delta\",\"usage\":{\"input_tokens\":6}}",
		NULL };
	struct pstream s;
	struct message m;

	check("index 1 with no index 0: one call", 0, index1,
	    "t1 read {\"a\":1}|", -1, 0);
	check("calls in the order the stream gave them, not by index", 0,
	    order, "five b {}|two a {\"x\":2}|", -1, 0);
	check("an index reused with a new id is a new call", 0, reuse,
	    "c1 a {\"n\":1}|c2 a {\"n\":2}|", -1, 0);
	check("name pieces joined, repeats not doubled, a fuller one kept",
	    0, names, "p read_file {}|q read {}|r read_file {}|", -1, 0);
	check("arguments as an object; null arguments", 0, objargs,
	    "o f {\"k\":[1,2]}|o2 g {}|", -1, 0);
	check("no index: a new id is a new call (nameless: dropped)", 0, noid,
	    " f {}|", -1, 0);
	check("stray nameless pieces with no arguments are dropped", 0, stray,
	    "x f {}|", -1, 0);
	check("a nameless call with arguments is flagged", 0, nameless,
	    "a f {}|", 1, 0);

	feed(&s, &m, 0, index1);
	is_str(m.content, "Hi", "text beside the calls");
	ok(s.done, "[DONE] ends the stream");
	pstream_release(&s);
	message_release(&m);

	check("Anthropic: a start's input without deltas, deltas replace it",
	    1, a_start, "tu f {\"given\":true}|tv g {\"new\":2}|tw h {}|", -1,
	    0);
	check("Anthropic: a delta for a block that never started is bad", 1,
	    a_orphan, "tu f {}|", -1, 1);
	feed(&s, &m, 1, a_usage);
	is_int(m.usage.input, 6 + 100 + 7, "message_delta's input count "
	    "replaces message_start's, cache counts kept");
	is_int(m.usage.cached, 100, "cached from message_start");
	is_int(m.usage.output, 9, "output from message_delta");
	is_str(m.finish, "stop", "end_turn is stop");
	pstream_release(&s);
	message_release(&m);
	return done_testing();
}
