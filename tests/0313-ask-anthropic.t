#!/bin/sh
test_description='hermes-ask over the Anthropic Messages API'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"

test_expect_success 'setup' '
	mkdir -p "$HERMES_HOME" &&
	echo "provider.retry_delay_ms = 10" >"$HERMES_HOME/config" &&
	echo "Anthropic soul." >"$HERMES_HOME/SOUL.md"
'

test_expect_success 'a streamed answer, with the key in x-api-key' '
	echo "[{\"text\": \"Hi from Claude-ish.\", \"usage\": {\"input\": 50, \"output\": 6, \"cached\": 40}}]" >s.json &&
	fake_llm_start anthropic s.json &&
	hermes-ask --json hello >out &&
	test "$(fake_llm_jq 1 "h[\"x-api-key\"]")" = sk-test-FAKEKEY0123456789 &&
	test "$(fake_llm_jq 1 "h.get(\"anthropic-version\")")" = 2023-06-01 &&
	test "$(fake_llm_jq 1 "b[\"system\"][0][\"text\"].splitlines()[0]")" = "Anthropic soul." &&
	test "$(fake_llm_jq 1 "b[\"messages\"][0][\"role\"]")" = user &&
	test "$(fake_llm_jq 1 "b[\"max_tokens\"]")" = 8192 &&
	python3 -c "
import json; o = json.load(open(\"out\"))
assert o[\"text\"] == \"Hi from Claude-ish.\", o
assert o[\"usage\"] == {\"input\": 90, \"output\": 6, \"cached\": 40}, o
"
'

test_expect_success 'tool_use blocks run; results go back as tool_result' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [
	   {"id": "toolu_a", "name": "memory", "arguments": {"action": "add", "target": "memory", "content": "anthropic fact one"}},
	   {"id": "toolu_b", "name": "memory", "arguments": {"action": "add", "target": "user", "content": "anthropic fact two"}}]},
	 {"text": "Both saved."}]
	EOT
	fake_llm_start anthropic s.json &&
	hermes-ask -q save >out &&
	echo "Both saved." >want && test_cmp want out &&
	grep -q "anthropic fact one" "$HERMES_HOME/memories/MEMORY.md" &&
	grep -q "anthropic fact two" "$HERMES_HOME/memories/USER.md" &&
	test "$(fake_llm_jq 2 "[blk[\"type\"] for blk in b[\"messages\"][1][\"content\"]]")" = "[\"tool_use\",\"tool_use\"]" &&
	test "$(fake_llm_jq 2 "b[\"messages\"][1][\"content\"][0][\"input\"][\"content\"]")" = "anthropic fact one" &&
	test "$(fake_llm_jq 2 "[blk[\"tool_use_id\"] for blk in b[\"messages\"][2][\"content\"]]")" = "[\"toolu_a\",\"toolu_b\"]" &&
	fake_llm_jq 2 "b[\"system\"][0][\"text\"]" >sys && grep -q "anthropic fact one" sys &&
	test "$(fake_llm_jq 2 "b[\"tools\"][0][\"input_schema\"][\"type\"]")" = object
'

test_expect_success 'an overloaded error event is retried' '
	echo "[{\"error_event\": true, \"text\": \"x\"}, {\"text\": \"ok now\"}]" >s.json &&
	fake_llm_start anthropic s.json &&
	hermes-ask --json hi >out 2>err &&
	grep -q "ok now" out && grep -q -i "overloaded" err
'

test_expect_success 'non-streaming mode parses the whole message' '
	echo "[{\"text\": \"in one piece\"}]" >s.json &&
	fake_llm_start anthropic s.json &&
	hermes-ask --no-stream hi >out &&
	echo "in one piece" >want && test_cmp want out &&
	test "$(fake_llm_jq 1 "b.get(\"stream\", False)")" = false
'

test_expect_success 'a continued session alternates user and assistant turns' '
	echo "[\"one\", \"two\"]" >s.json &&
	fake_llm_start anthropic s.json &&
	hermes-ask first >/dev/null &&
	hermes-ask -c second >/dev/null &&
	test "$(fake_llm_jq 2 "[m[\"role\"] for m in b[\"messages\"]]")" = "[\"user\",\"assistant\",\"user\"]"
'

test_done
