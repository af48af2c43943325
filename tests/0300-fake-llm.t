#!/bin/sh
test_description='tests/fakes/llm.py, the scripted OpenAI/Anthropic fake'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"

# client.py BASE PATH BODY [PATH BODY]...: POST each BODY to BASE+PATH and
# print a JSON summary of each answer, one a line; a stream is parsed as
# SSE and reassembled the way hermes must do it.
cat >"$TEST_TMP/client.py" <<\EOF
import http.client, json, sys, urllib.error, urllib.request


def one(url, body):
    o = {"status": None, "headers": {}, "json": None, "text": "", "calls": {},
         "deltas": 0, "bad": 0, "errors": [], "done": False,
         "truncated": False, "usage": {}, "finish": None}
    req = urllib.request.Request(url, data=body.encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        resp = urllib.request.urlopen(req, timeout=10)
    except urllib.error.HTTPError as e:
        resp = e
    o["status"] = resp.status
    o["headers"] = {k.lower(): v for k, v in resp.headers.items()}
    try:
        raw = resp.read()
    except http.client.IncompleteRead as e:
        raw, o["truncated"] = e.partial, True
    if not o["headers"].get("content-type", "").startswith("text/event-stream"):
        try:
            o["json"] = json.loads(raw)
        except ValueError:
            o["bad"] += 1
        return o

    def dispatch(ev, d):
        if d == "[DONE]":
            o["done"] = True
            return
        try:
            j = json.loads(d)
        except ValueError:
            o["bad"] += 1
            return
        if "error" in j:
            o["errors"].append(j["error"])
            return
        t = j.get("type")
        if ev and t and ev != t:
            o["errors"].append("event %s carries type %s" % (ev, t))
        if "choices" in j:                       # OpenAI
            o["usage"] = j.get("usage") or o["usage"]
            for c in j["choices"]:
                dl = c["delta"]
                if dl.get("content"):
                    o["text"] += dl["content"]
                    o["deltas"] += 1
                for tc in dl.get("tool_calls", []):
                    k = o["calls"].setdefault(str(tc["index"]), {"args": ""})
                    if "id" in tc:
                        k["id"], k["name"] = tc["id"], tc["function"]["name"]
                    k["args"] += tc["function"].get("arguments", "")
                    o["deltas"] += 1
                o["finish"] = c.get("finish_reason") or o["finish"]
        elif t == "message_start":
            o["usage"] = j["message"]["usage"]
        elif t == "content_block_start" and j["content_block"]["type"] == "tool_use":
            b = j["content_block"]
            o["calls"][str(j["index"])] = {"id": b["id"], "name": b["name"], "args": ""}
        elif t == "content_block_delta":
            dl = j["delta"]
            if dl["type"] == "text_delta":
                o["text"] += dl["text"]
            else:
                o["calls"][str(j["index"])]["args"] += dl["partial_json"]
            o["deltas"] += 1
        elif t == "message_delta":
            o["finish"] = j["delta"]["stop_reason"]
            o["usage"]["output_tokens"] = j["usage"]["output_tokens"]
        elif t == "message_stop":
            o["done"] = True

    ev, data = None, []
    for line in raw.decode().split("\n"):
        line = line.rstrip("\r")
        if line == "":
            if data:
                dispatch(ev, "\n".join(data))
            ev, data = None, []
        elif line.startswith("event:"):
            ev = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
    return o


a = sys.argv
for i in range(2, len(a) - 1, 2):
    print(json.dumps(one(a[1] + a[i], a[i + 1])))
EOF

# post PATH BODY [PATH BODY]... >out: POST to the running fake.
post() {
	py "$TEST_TMP/client.py" "http://127.0.0.1:$FAKE_LLM_PORT" "$@"
}
# check FILE PYEXPR...: assert each PYEXPR over the summaries in FILE:
# L = all of them, o = the last, j = o["json"].
check() {
	py -c '
import json, sys
L = [json.loads(l) for l in open(sys.argv[1])]
o = L[-1]
j = o["json"]
for e in sys.argv[2:]:
    if not eval(e):
        sys.exit("check failed: %s\n%s" % (e, json.dumps(L, indent=1)))
' "$@"
}
py() { "$FAKE_LLM_PYTHON" -S "$@"; }
OA=/v1/chat/completions
AN=/v1/messages
S='"stream":true'
U='"stream_options":{"include_usage":true}'

cat >text.json <<\EOF
[{"text": "Hello, wörld — this is a fairly long reply.", "usage": {"input": 50, "output": 17, "cached": 8}}]
EOF
cat >tools.json <<\EOF
[{"text": "Let me check.",
  "tool_calls": [{"name": "memory_search", "arguments": {"query": "vim", "limit": 3}},
                 {"id": "call_X", "name": "broken", "arguments": "{\"query\": \"unterminated"}],
  "chunk": 4}]
EOF

test_expect_success 'fake_llm_start writes the port file and exports the env' '
	fake_llm_start openai text.json &&
	test -s "$TEST_TMP/llm.port" &&
	! test -e "$TEST_TMP/llm.port.tmp" &&
	test "$HERMES_BASE_URL" = "http://127.0.0.1:$(cat "$TEST_TMP/llm.port")/v1" &&
	test "$HERMES_PROVIDER" = custom &&
	test "$HERMES_MODEL" = fake-model &&
	test "$HERMES_API_KEY" = sk-test-FAKEKEY0123456789 &&
	fake_llm_start anthropic text.json &&
	test "$HERMES_BASE_URL" = "http://127.0.0.1:$FAKE_LLM_PORT" &&
	test "$HERMES_PROVIDER" = anthropic &&
	fake_llm_stop
'

test_expect_success 'GET /models and /v1/models list fake-model' '
	fake_llm_start openai text.json &&
	py -c "
import json, sys, urllib.request
for p in (\"/models\", \"/v1/models\"):
    d = json.load(urllib.request.urlopen(\"http://127.0.0.1:$FAKE_LLM_PORT\" + p))
    assert d[\"data\"][0][\"id\"] == \"fake-model\" and d[\"object\"] == \"list\", d
" &&
	test "$(fake_llm_requests)" = 0 &&
	fake_llm_stop
'

test_expect_success 'OpenAI stream: text reassembles from 7-char chunks, no usage unasked' '
	fake_llm_start openai text.json &&
	post $OA "{$S}" >out &&
	check out "o[\"text\"] == \"Hello, wörld — this is a fairly long reply.\"" \
		"o[\"deltas\"] == 7 and o[\"finish\"] == \"stop\" and o[\"done\"]" \
		"o[\"usage\"] == {} and not o[\"truncated\"] and o[\"bad\"] == 0" \
		"o[\"headers\"][\"content-type\"] == \"text/event-stream\"" &&
	fake_llm_stop
'

test_expect_success 'OpenAI stream: include_usage adds a usage chunk before [DONE]' '
	fake_llm_start openai text.json &&
	post /chat/completions "{$S,$U}" >out &&
	check out "o[\"usage\"][\"prompt_tokens\"] == 50 and o[\"usage\"][\"completion_tokens\"] == 17" \
		"o[\"usage\"][\"prompt_tokens_details\"][\"cached_tokens\"] == 8 and o[\"done\"]" &&
	fake_llm_stop
'

test_expect_success 'OpenAI stream: parallel tool calls reassemble by index' '
	fake_llm_start openai tools.json &&
	post $OA "{$S}" >out &&
	check out "o[\"text\"] == \"Let me check.\" and o[\"finish\"] == \"tool_calls\"" \
		"o[\"calls\"][\"0\"][\"id\"] == \"call_1\" and o[\"calls\"][\"0\"][\"name\"] == \"memory_search\"" \
		"json.loads(o[\"calls\"][\"0\"][\"args\"]) == {\"query\": \"vim\", \"limit\": 3}" \
		"o[\"calls\"][\"1\"] == {\"id\": \"call_X\", \"name\": \"broken\", \"args\": \"{\\\"query\\\": \\\"unterminated\"}" &&
	fake_llm_stop
'

test_expect_success 'OpenAI non-streaming: chat.completion with tool_calls and usage' '
	fake_llm_start openai tools.json &&
	post $OA "{\"model\":\"m1\"}" >out &&
	check out "j[\"object\"] == \"chat.completion\" and j[\"model\"] == \"m1\"" \
		"j[\"choices\"][0][\"message\"][\"content\"] == \"Let me check.\"" \
		"j[\"choices\"][0][\"finish_reason\"] == \"tool_calls\"" \
		"j[\"choices\"][0][\"message\"][\"tool_calls\"][1][\"function\"][\"arguments\"] == \"{\\\"query\\\": \\\"unterminated\"" \
		"j[\"usage\"] == {\"prompt_tokens\": 10, \"completion_tokens\": 5, \"total_tokens\": 15, \"prompt_tokens_details\": {\"cached_tokens\": 0}}" &&
	fake_llm_stop
'

test_expect_success 'Anthropic stream: text and tool_use blocks, usage, stop_reason' '
	fake_llm_start anthropic tools.json &&
	post $AN "{$S}" >out &&
	check out "o[\"text\"] == \"Let me check.\" and o[\"finish\"] == \"tool_use\" and o[\"done\"]" \
		"o[\"calls\"][\"1\"][\"id\"] == \"toolu_01\" and o[\"calls\"][\"2\"][\"id\"] == \"call_X\"" \
		"json.loads(o[\"calls\"][\"1\"][\"args\"]) == {\"query\": \"vim\", \"limit\": 3}" \
		"o[\"calls\"][\"2\"][\"args\"] == \"{\\\"query\\\": \\\"unterminated\"" \
		"o[\"usage\"][\"input_tokens\"] == 10 and o[\"usage\"][\"output_tokens\"] == 5" \
		"o[\"errors\"] == [] and o[\"bad\"] == 0" &&
	fake_llm_start anthropic text.json &&
	post /messages "{$S}" >out &&
	check out "o[\"text\"].startswith(\"Hello, wörld\") and o[\"finish\"] == \"end_turn\"" \
		"o[\"usage\"][\"cache_read_input_tokens\"] == 8 and o[\"usage\"][\"output_tokens\"] == 17" \
		"o[\"calls\"] == {}" &&
	fake_llm_stop
'

test_expect_success 'Anthropic non-streaming: a message with content blocks' '
	fake_llm_start anthropic tools.json &&
	post $AN "{}" >out &&
	check out "j[\"type\"] == \"message\" and j[\"stop_reason\"] == \"tool_use\"" \
		"[b[\"type\"] for b in j[\"content\"]] == [\"text\", \"tool_use\", \"tool_use\"]" \
		"j[\"content\"][1][\"input\"] == {\"query\": \"vim\", \"limit\": 3}" \
		"j[\"usage\"][\"output_tokens\"] == 5 and j[\"usage\"][\"cache_read_input_tokens\"] == 0" &&
	fake_llm_stop
'

test_expect_success 'repeat serves a step N times, then the next; exhausted is 500' '
	cat >script.json <<-\EOF &&
	[{"text": "again", "repeat": 3}, "last"]
	EOF
	fake_llm_start openai script.json &&
	post $OA "{}" $OA "{}" $OA "{}" $OA "{}" $OA "{}" >out &&
	check out "[x[\"json\"][\"choices\"][0][\"message\"][\"content\"] for x in L[:4]] == [\"again\"] * 3 + [\"last\"]" \
		"o[\"status\"] == 500 and j[\"error\"][\"message\"] == \"fake script exhausted\"" &&
	fake_llm_start anthropic script.json &&
	post $AN "{}" $AN "{}" $AN "{}" $AN "{}" $AN "{}" >out &&
	check out "o[\"status\"] == 500 and j[\"type\"] == \"error\" and \"exhausted\" in j[\"error\"][\"message\"]" &&
	fake_llm_stop
'

test_expect_success '429 carries Retry-After and an API-shaped error body' '
	cat >script.json <<-\EOF &&
	[{"status": 429, "headers": {"Retry-After": "1"}, "repeat": 2},
	 {"status": 503, "body": "upstream sad"}, "ok"]
	EOF
	fake_llm_start anthropic script.json &&
	post $AN "{$S}" >out &&
	check out "o[\"status\"] == 429 and o[\"headers\"][\"retry-after\"] == \"1\"" \
		"j[\"error\"][\"type\"] == \"rate_limit_error\"" &&
	fake_llm_start openai script.json &&
	post $OA "{$S}" $OA "{$S}" $OA "{$S}" $OA "{$S}" >out &&
	check out "L[0][\"status\"] == 429 and L[0][\"json\"][\"error\"][\"type\"] == \"rate_limit_error\"" \
		"L[2][\"status\"] == 503 and L[2][\"json\"] is None and L[2][\"bad\"] == 1" \
		"o[\"text\"] == \"ok\"" &&
	fake_llm_stop
'

test_expect_success 'cut closes the stream mid-way without the terminator' '
	cat >script.json <<-\EOF &&
	[{"text": "abcdefghijklmnopqrstuvwxyz0123456789", "cut": true, "repeat": 2}]
	EOF
	fake_llm_start openai script.json &&
	post $OA "{$S}" >out &&
	check out "o[\"truncated\"] and not o[\"done\"] and o[\"finish\"] is None" \
		"\"abcdefg\".startswith(o[\"text\"]) or o[\"text\"].startswith(\"abcdefg\")" &&
	post $OA "{}" >out &&
	check out "o[\"truncated\"] and j is None" &&
	fake_llm_start anthropic script.json &&
	post $AN "{$S}" >out &&
	check out "o[\"truncated\"] and not o[\"done\"] and o[\"text\"].startswith(\"abcdefg\")" &&
	fake_llm_stop
'

if test_have curl; then
	test_expect_success 'curl -N sees a cut stream as a partial transfer (18)' '
		cat >script.json <<-\EOF &&
		[{"text": "abcdefghijklmnopqrstuvwxyz", "cut": true}, "whole"]
		EOF
		fake_llm_start openai script.json &&
		test_expect_code 18 curl -sN -H "Content-Type: application/json" \
			-d "{$S}" "$HERMES_BASE_URL/chat/completions" >out &&
		grep -q "^data: .*abcdefg" out && ! grep -q DONE out &&
		curl -sfN -d "{$S}" "$HERMES_BASE_URL/chat/completions" >out &&
		grep -q "^data: \[DONE\]$" out &&
		fake_llm_stop
	'
else
	test_skip 'curl -N sees a cut stream as a partial transfer' 'no curl'
fi

test_expect_success 'malformed puts one bad data line mid-stream' '
	cat >script.json <<-\EOF &&
	[{"text": "abcdefghijklmnopqrstu", "malformed": true, "repeat": 3}]
	EOF
	fake_llm_start openai script.json &&
	post $OA "{$S}" >out &&
	check out "o[\"bad\"] == 1 and o[\"done\"] and o[\"text\"] == \"abcdefghijklmnopqrstu\"" &&
	post $OA "{}" >out &&
	check out "o[\"status\"] == 200 and o[\"bad\"] == 1" &&
	fake_llm_start anthropic script.json &&
	post $AN "{$S}" >out &&
	check out "o[\"bad\"] == 1 and o[\"done\"] and o[\"text\"] == \"abcdefghijklmnopqrstu\"" &&
	fake_llm_stop
'

test_expect_success 'error_event: one text chunk, an error event, then the end' '
	cat >script.json <<-\EOF &&
	[{"text": "abcdefghijklmnopqrstu", "error_event": true}]
	EOF
	fake_llm_start openai script.json &&
	post $OA "{$S}" >out &&
	check out "o[\"text\"] == \"abcdefg\" and not o[\"done\"] and not o[\"truncated\"]" \
		"o[\"errors\"] == [{\"message\": \"overloaded\", \"type\": \"server_error\"}]" &&
	fake_llm_start anthropic script.json &&
	post $AN "{$S}" >out &&
	check out "o[\"text\"] == \"abcdefg\" and not o[\"done\"]" &&
	check out "o[\"errors\"] == [{\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}]"
'

test_expect_success 'expect: a missing substring is a loud 400, a present one passes' '
	cat >script.json <<-\EOF &&
	[{"text": "no", "expect": "\"role\":\"tool\""},
	 {"text": "yes", "expect": ["\"model\"", "tool_call_id"]}]
	EOF
	fake_llm_start openai script.json &&
	post $OA "{\"model\":\"m\"}" >out &&
	check out "o[\"status\"] == 400 and \"role\" in j[\"error\"][\"message\"]" \
		"\"lacks\" in j[\"error\"][\"message\"]" &&
	post $OA "{\"model\":\"m\",\"tool_call_id\":\"c\"}" >out &&
	check out "o[\"status\"] == 200 and j[\"choices\"][0][\"message\"][\"content\"] == \"yes\"" &&
	fake_llm_stop
'

test_expect_success 'the log has one line per request; the helpers read it' '
	cat >script.json <<-\EOF &&
	["one", "two"]
	EOF
	fake_llm_start anthropic script.json &&
	post $AN "{\"model\":\"fake-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}" >/dev/null &&
	py -c "import urllib.request; urllib.request.urlopen(\"http://127.0.0.1:$FAKE_LLM_PORT/v1/models\")" &&
	post /messages "not json at all" >/dev/null &&
	test_line_count = 3 "$FAKE_LLM_LOG" &&
	test "$(fake_llm_requests)" = 2 &&
	test "$(fake_llm_jq 1 "b[\"messages\"][0][\"role\"]")" = user &&
	test "$(fake_llm_jq 1 "h[\"content-type\"]")" = application/json &&
	test "$(fake_llm_jq 1 "r[\"n\"], r[\"step\"], r[\"path\"]")" = "[1,1,\"/v1/messages\"]" &&
	test "$(fake_llm_body 1)" = "{\"model\":\"fake-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}" &&
	test "$(fake_llm_body 2)" = "not json at all" &&
	test "$(fake_llm_jq 2 "r[\"n\"], b")" = "[3,null]" &&
	py -c "
import json
rows = [json.loads(l) for l in open(\"$FAKE_LLM_LOG\")]
assert [r[\"n\"] for r in rows] == [1, 2, 3], rows
assert rows[1][\"method\"] == \"GET\" and rows[1][\"body\"] is None, rows[1]
assert all(k == k.lower() for r in rows for k in r[\"headers\"]), rows
" &&
	test_must_fail fake_llm_body 3 2>err &&
	grep -q "no POST number 3" err &&
	fake_llm_stop
'

test_expect_success 'delay and chunk_delay slow the answer down' '
	cat >script.json <<-\EOF &&
	[{"text": "abcdefghijklmnopqrstu", "delay": 0.3, "chunk_delay": 0.05}]
	EOF
	fake_llm_start openai script.json &&
	py -c "
import subprocess, sys, time
t = time.monotonic()
out = subprocess.run([sys.executable, \"-S\"] + sys.argv[1:], check=True,
                     capture_output=True, text=True).stdout
d = time.monotonic() - t
assert d >= 0.5, d          # 0.3 s, then 5 gaps of 0.05 s
assert \"abcdefghijklmnopqrstu\" in out, out
" "$TEST_TMP/client.py" "$HERMES_BASE_URL" /chat/completions "{$S}" &&
	fake_llm_stop
'

test_expect_success '--timeout ends the process by itself' '
	echo "[]" >script.json &&
	py "$TEST_ROOT/fakes/llm.py" --script script.json --log t.log \
		--port-file t.port --timeout 0.5 &
	pid=$! &&
	i=0 && while ! test -s t.port && test $i -lt 60; do
		sleep 0.05; i=$((i + 1))
	done &&
	test -s t.port && ! test -e t.port.tmp &&
	i=0 && while kill -0 $pid 2>/dev/null && test $i -lt 60; do
		sleep 0.1; i=$((i + 1))
	done &&
	! kill -0 $pid 2>/dev/null && wait $pid
'

test_expect_success 'SIGTERM ends the process; fake_llm_stop is idempotent' '
	fake_llm_start openai text.json &&
	pid=$(cat "$TEST_TMP/llm.pid") &&
	fake_llm_stop &&
	! kill -0 $pid 2>/dev/null &&
	! test -e "$TEST_TMP/llm.pid" &&
	fake_llm_stop
'

test_done
