#!/bin/sh
test_description='hermes-ask: context compression with a memory-save turn first'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"

test_expect_success 'setup: a tiny context window' '
	mkdir -p "$HERMES_HOME" &&
	cat >"$HERMES_HOME/config" <<-\EOT
	provider.retry_delay_ms = 10
	provider.retries = 0
	model.context = 1000
	skills.nudge_after = 100
	EOT
'

# 8 tool rounds; the last reports 900 input tokens, over half of 1000.
script() {
	python3 - "$1" <<-\EOT
	import json, sys
	steps = [{"tool_calls": [{"name": "session_search", "arguments": {"query": "q%d" % i}}],
	          "usage": {"input": 100, "output": 5}} for i in range(7)]
	steps.append({"tool_calls": [{"name": "session_search", "arguments": {"query": "last"}}],
	              "usage": {"input": 900, "output": 5}})
	steps.append({"tool_calls": [{"name": "memory", "arguments": {"action": "add", "target": "memory", "content": "saved before compaction"}}]})
	steps.append({"text": "SUMMARY: searched eight times"} if sys.argv[1] == "ok" else {"status": 400})
	steps.append({"text": "final answer"})
	print(json.dumps(steps))
	EOT
}

test_expect_success 'past the threshold: save turn, summary, then a shorter request' '
	script ok >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask -q long task >out 2>err &&
	echo "final answer" >want && test_cmp want out &&
	test "$(fake_llm_requests)" = 11 &&
	fake_llm_jq 9 "b[\"messages\"][-1][\"content\"]" | grep -q "context is nearly full" &&
	test "$(fake_llm_jq 9 "[t[\"function\"][\"name\"] for t in b[\"tools\"]]")" = "[\"memory\"]" &&
	grep -q "saved before compaction" "$HERMES_HOME/memories/MEMORY.md" &&
	fake_llm_jq 10 "b[\"messages\"][0][\"content\"]" | grep -q "You compress conversations" &&
	test "$(fake_llm_jq 10 "\"tools\" in b")" = false &&
	fake_llm_jq 11 "b[\"messages\"][2][\"content\"]" >compacted &&
	grep -q "^\[CONTEXT COMPACTION\]" compacted &&
	grep -q "SUMMARY: searched eight times" compacted &&
	test "$(fake_llm_jq 11 "len(b[\"messages\"])")" -lt "$(fake_llm_jq 8 "len(b[\"messages\"])")" &&
	test "$(fake_llm_jq 11 "bare(b[\"messages\"][1][\"content\"])")" = "long task" &&
	test "$(fake_llm_jq 11 "b[\"messages\"][3][\"role\"]")" != tool &&
	fake_llm_jq 11 "b[\"messages\"][0][\"content\"]" | grep -q "saved before compaction"
'

test_expect_success 'the stored session keeps every message' '
	hermes-session list --json | head -n 1 >row &&
	python3 -c "
import json; r = json.load(open(\"row\"))
assert r[\"messages\"] >= 20, r
"
'

test_expect_success 'a failed summary leaves the conversation whole' '
	: >"$HERMES_HOME/memories/MEMORY.md" &&
	script fail >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask -q long task >out 2>err &&
	grep -q "final answer" out &&
	grep -q "compression failed" err &&
	test "$(fake_llm_jq 11 "len(b[\"messages\"])")" -gt "$(fake_llm_jq 8 "len(b[\"messages\"])")" &&
	! fake_llm_body 11 | grep -q "CONTEXT COMPACTION"
'

test_done
