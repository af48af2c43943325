#!/bin/sh
test_description='hermes-ask: real provider streams (recorded shapes in tests/fakes/streams)'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"

# What request N sent back: [id, name, arguments] of every tool call of
# the assistant turns (arguments parsed, so a nameless or broken call
# shows), and the tool_call_id of every tool result, in order.
calls() {
	fake_llm_jq "$1" '[[c["id"], c["function"]["name"], json.loads(c["function"]["arguments"])] for m in b["messages"] if m["role"] == "assistant" for c in m.get("tool_calls") or []]'
}
tool_ids() {
	fake_llm_jq "$1" '[m["tool_call_id"] for m in b["messages"] if m["role"] == "tool"]'
}
results() {
	fake_llm_jq "$1" '"\n".join(m["content"] for m in b["messages"] if m["role"] == "tool")'
}
# Anthropic: the blocks of the assistant turn and the tool_result ids.
blocks() {
	fake_llm_jq "$1" '[[k["type"], k.get("id"), k.get("name"), k.get("input", k.get("text"))] for m in b["messages"] if m["role"] == "assistant" for k in m["content"]]'
}
json_usage() {
	python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["usage"], sort_keys=True))' "$1"
}
url() {
	echo "http://127.0.0.1:$FAKE_LLM_PORT/v1/chat/completions"
}

test_expect_success 'setup' '
	mkdir -p "$HERMES_HOME" &&
	echo "provider.retry_delay_ms = 10" >"$HERMES_HOME/config" &&
	echo "hello notes" >notes.txt &&
	echo "other file" >other.txt
'

test_expect_success 'Anthropic compat: a call at index 1 with no index 0 is the one call sent back' '
	cat >s.json <<-\EOT &&
	[{"replay": "anthropic-compat-tool-index1.sse"}, "Done."]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask read the notes >out 2>err &&
	printf "I'\''ll look at the notes.\nDone.\n" >want && test_cmp want out &&
	grep -q "^-> read_file {\"path\": \"notes.txt\"}$" err &&
	! grep -q "^->  " err &&
	test "$(calls 2)" = "[[\"toolu_01Xk3Pq7RrT2vW9yZa4Bc6De\",\"read_file\",{\"path\":\"notes.txt\"}]]" &&
	test "$(tool_ids 2)" = "[\"toolu_01Xk3Pq7RrT2vW9yZa4Bc6De\"]" &&
	results 2 | grep -q "hello notes" &&
	test "$(fake_llm_jq 2 "[m[\"content\"] for m in b[\"messages\"] if m[\"role\"] == \"assistant\"]")" = "[\"I'\''ll look at the notes.\"]"
'

test_expect_success 'sparse indexes 1 and 3: both calls, in order; no arguments goes back as {}' '
	echo "[{\"replay\": \"anthropic-compat-sparse.sse\"}, \"Done.\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask -q read >out 2>err &&
	printf "First the notes. Then the skills.\nDone.\n" >want && test_cmp want out &&
	test "$(calls 2)" = "[[\"toolu_01Sp1aaaaaaaaaaaaaaaaaaa\",\"read_file\",{\"path\":\"notes.txt\"}],[\"toolu_01Sp3bbbbbbbbbbbbbbbbbbb\",\"skills_list\",{}]]" &&
	test "$(tool_ids 2)" = "[\"toolu_01Sp1aaaaaaaaaaaaaaaaaaa\",\"toolu_01Sp3bbbbbbbbbbbbbbbbbbb\"]" &&
	results 2 | head -n 1 | grep -q "hello notes"
'

test_expect_success 'a name repeated in every piece is not doubled' '
	echo "[{\"replay\": \"repeated-name.sse\"}, \"Done.\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask read >out 2>err &&
	echo Done. >want && test_cmp want out &&
	grep -q "^-> read_file {\"path\": \"notes.txt\"}$" err &&
	! grep -q read_fileread_file err &&
	test "$(calls 2)" = "[[\"call_rn0001\",\"read_file\",{\"path\":\"notes.txt\"}]]" &&
	test "$(tool_ids 2)" = "[\"call_rn0001\"]"
'

test_expect_success 'arguments: null, content: null and tool_calls: null are skipped' '
	echo "[{\"replay\": \"null-arguments.sse\"}, \"Done.\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask read >out 2>err &&
	echo Done. >want && test_cmp want out &&
	test "$(calls 2)" = "[[\"call_na0001\",\"read_file\",{\"path\":\"notes.txt\"}]]" &&
	test "$(fake_llm_jq 2 "[m[\"content\"] for m in b[\"messages\"] if m[\"role\"] == \"assistant\"]")" = "[null]"
'

test_expect_success 'calls with no index are told apart by id, a bare piece continues the last' '
	echo "[{\"replay\": \"missing-index.sse\"}, \"Done.\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask -q read both >out &&
	test "$(calls 2)" = "[[\"call_gm_a\",\"read_file\",{\"path\":\"notes.txt\"}],[\"call_gm_b\",\"read_file\",{\"path\":\"other.txt\"}]]" &&
	test "$(tool_ids 2)" = "[\"call_gm_a\",\"call_gm_b\"]" &&
	results 2 >res && grep -q "hello notes" res && grep -q "other file" res
'

test_expect_success 'OpenAI: usage in its own chunk with choices [], after the finish' '
	echo "[{\"replay\": \"usage-separate.sse\"}]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask --json what >out &&
	test "$(json_usage out)" = "{\"cached\": 1920, \"input\": 2100, \"output\": 4}" &&
	test "$(python3 -c "import json; print(json.load(open(\"out\"))[\"text\"])")" = Forty-two.
'

test_expect_success 'OpenRouter: processing comments, usage in the finish chunk' '
	echo "[{\"replay\": \"usage-in-finish.sse\", \"repeat\": 2}]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask --json where >out &&
	test "$(json_usage out)" = "{\"cached\": 1000, \"input\": 1200, \"output\": 5}" &&
	hermes-ask where >out2 &&
	echo "Paris it is." >want && test_cmp want out2
'

test_expect_success 'keep-alive comments, event:, id: and retry: lines, CRLF, 5-byte writes' '
	echo "[{\"replay\": \"keepalive-events.sse\"}, {\"replay\": \"keepalive-events.sse\", \"crlf\": true, \"split\": 5}]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask hi >out &&
	echo "Keep calm and stream on." >want && test_cmp want out &&
	hermes-ask hi >out &&
	test_cmp want out
'

test_expect_success 'CRLF line ends on a tool-call stream, 3-byte writes' '
	echo "[{\"replay\": \"anthropic-compat-tool-index1.sse\", \"crlf\": true, \"split\": 3}, \"Done.\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask read >out 2>err &&
	printf "I'\''ll look at the notes.\nDone.\n" >want && test_cmp want out &&
	test "$(calls 2)" = "[[\"toolu_01Xk3Pq7RrT2vW9yZa4Bc6De\",\"read_file\",{\"path\":\"notes.txt\"}]]"
'

test_expect_success 'content "" and null deltas, finish_reason with an empty delta' '
	echo "[{\"replay\": \"empty-content.sse\"}]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask hi >out &&
	echo "Nothing lost." >want && test_cmp want out
'

test_expect_success 'a gzip stream (Content-Encoding: gzip) is decoded end to end' '
	echo "[{\"replay\": \"anthropic-compat-tool-index1.sse\", \"gzip\": true}, \"Done.\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask read >out 2>err &&
	fake_llm_jq 1 "h[\"accept-encoding\"]" | grep -q gzip &&
	printf "I'\''ll look at the notes.\nDone.\n" >want && test_cmp want out &&
	test "$(calls 2)" = "[[\"toolu_01Xk3Pq7RrT2vW9yZa4Bc6De\",\"read_file\",{\"path\":\"notes.txt\"}]]"
'

test_expect_success 'a gzip whole answer (--no-stream, Content-Length)' '
	echo "[{\"replay\": \"whole-answer.json\", \"gzip\": true, \"length\": true}]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask --no-stream hi >out &&
	echo "All in one piece." >want && test_cmp want out
'

test_expect_success 'a JSON answer to a streamed request is read whole and shown' '
	echo "[{\"replay\": \"whole-answer.json\"}]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask hi >out 2>err &&
	echo "All in one piece." >want && test_cmp want out &&
	test "$(fake_llm_jq 1 "b[\"stream\"]")" = true &&
	test_line_count = 0 err
'

test_expect_success 'an HTML page as application/json: a malformed body, not a cut stream' '
	echo "[{\"replay\": \"html-as-json.txt\", \"repeat\": 4}]" >s.json &&
	fake_llm_start openai s.json &&
	test_expect_code 1 hermes-ask hi >out 2>err &&
	test "$(fake_llm_requests)" = 4 &&
	grep -q "^hermes-ask: provider custom (model fake-model) failed: malformed JSON body from $(url): not JSON at byte 0 of [0-9]*: .<html>.<head>" err &&
	! grep -q "stream cut" err &&
	test_line_count = 0 out
'

test_expect_success 'the same without streaming' '
	echo "[{\"replay\": \"html-as-json.txt\", \"length\": true, \"repeat\": 4}]" >s.json &&
	fake_llm_start openai s.json &&
	test_expect_code 1 hermes-ask --no-stream hi 2>err &&
	grep -q "failed: malformed JSON body from $(url): not JSON at byte 0" err
'

test_expect_success 'a truncated JSON body, streamed or not, and one whose transfer was cut' '
	echo "[{\"replay\": \"truncated.json\", \"length\": true, \"repeat\": 8}]" >s.json &&
	fake_llm_start openai s.json &&
	test_expect_code 1 hermes-ask -q hi 2>err &&
	grep -q "failed: malformed JSON body from $(url): not JSON at byte [0-9]* of 120: " err &&
	! grep -q "stream cut" err &&
	test_expect_code 1 hermes-ask -q --no-stream hi 2>err &&
	grep -q "failed: malformed JSON body from $(url): not JSON at byte [0-9]* of 120: " err &&
	echo "[{\"replay\": \"whole-answer.json\", \"length\": true, \"split\": 100, \"cut\": true, \"repeat\": 4}]" >s.json &&
	fake_llm_start openai s.json &&
	test_expect_code 1 hermes-ask -q hi 2>err &&
	grep -q "failed: malformed JSON body from $(url): not JSON at byte [0-9]* of [0-9]*: .*; the transfer was cut: " err
'

test_expect_success 'a stream cut before its end still says so, and is retried before any text' '
	echo "[{\"replay\": \"missing-index.sse\", \"cut\": true}, {\"replay\": \"missing-index.sse\"}, \"Done.\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask read >out 2>err &&
	echo Done. >want && test_cmp want out &&
	grep -q "stream cut before its end" err &&
	test "$(fake_llm_requests)" = 3 &&
	test "$(calls 3)" = "[[\"call_gm_a\",\"read_file\",{\"path\":\"notes.txt\"}],[\"call_gm_b\",\"read_file\",{\"path\":\"other.txt\"}]]" &&
	echo "[{\"replay\": \"anthropic-compat-tool-index1.sse\", \"cut\": true}, \"not asked\"]" >s.json &&
	fake_llm_start openai s.json &&
	test_expect_code 1 hermes-ask read >out 2>err &&
	test "$(fake_llm_requests)" = 1 &&
	grep -q "failed: stream cut before its end" err &&
	! grep -q "^-> " err
'

test_expect_success 'a call with arguments but no name fails the turn; nothing nameless is sent' '
	echo "[{\"replay\": \"nameless-arguments.sse\", \"repeat\": 4}, \"not asked\"]" >s.json &&
	fake_llm_start openai s.json &&
	test_expect_code 1 hermes-ask read >out 2>err &&
	test "$(fake_llm_requests)" = 4 &&
	grep -q "failed: tool call 0 in the stream from $(url) has arguments but no name, after every retry" err &&
	! grep -q "^-> " err &&
	test "$(fake_llm_jq 4 "[dict(m, content=bare(m[\"content\"])) for m in b[\"messages\"] if m[\"role\"] != \"system\"]")" = "[{\"role\":\"user\",\"content\":\"read\"}]"
'

test_expect_success 'a call with no id gets one, and its result names it' '
	echo "[{\"replay\": \"no-id.sse\"}, \"Done.\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask -q read >out &&
	id=$(fake_llm_jq 2 "[c[\"id\"] for m in b[\"messages\"] if m[\"role\"] == \"assistant\" for c in m[\"tool_calls\"]][0]") &&
	case $id in call_hm_?*) ;; *) false ;; esac &&
	test "$(tool_ids 2)" = "[\"$id\"]" &&
	results 2 | grep -q "hello notes"
'

test_expect_success 'a 200 event stream with no body says so' '
	echo "[{\"replay\": \"empty.sse\", \"repeat\": 4}]" >s.json &&
	fake_llm_start openai s.json &&
	test_expect_code 1 hermes-ask -q hi 2>err &&
	grep -q "failed: empty body from $(url), after every retry" err
'

test_expect_success 'Anthropic: blocks from a thinking block 0, pings, a tool_use with no input delta' '
	echo "[{\"replay\": \"anthropic-thinking-tools.sse\"}, {\"text\": \"Done.\"}]" >s.json &&
	fake_llm_start anthropic s.json &&
	hermes-ask read >out 2>err &&
	printf "Reading both now.\nDone.\n" >want && test_cmp want out &&
	grep -q "^-> read_file {\"path\": \"notes.txt\"}$" err &&
	grep -q "^-> skills_list {}$" err &&
	test "$(blocks 2)" = "[[\"text\",null,null,\"Reading both now.\"],[\"tool_use\",\"toolu_01AbRead000000000000000\",\"read_file\",{\"path\":\"notes.txt\"}],[\"tool_use\",\"toolu_01AbSkills00000000000000\",\"skills_list\",{}]]" &&
	test "$(fake_llm_jq 2 "[k[\"tool_use_id\"] for k in b[\"messages\"][2][\"content\"]]")" = "[\"toolu_01AbRead000000000000000\",\"toolu_01AbSkills00000000000000\"]"
'

test_expect_success 'Anthropic: usage from message_delta replaces message_start, CRLF, 4-byte writes' '
	echo "[{\"replay\": \"anthropic-thinking-tools.sse\", \"crlf\": true, \"split\": 4}, {\"text\": \"Done.\", \"usage\": {\"input\": 10, \"output\": 5}}]" >s.json &&
	fake_llm_start anthropic s.json &&
	hermes-ask --json read >out &&
	test "$(json_usage out)" = "{\"cached\": 2048, \"input\": 4538, \"output\": 102}" &&
	test "$(blocks 2 | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")" = 3
'

test_done
