#!/bin/sh
test_description='hermes-ask: the tool loop, tool errors, memory at the next call, nudges, budget'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"

test_expect_success 'setup' '
	mkdir -p "$HERMES_HOME" &&
	echo "provider.retry_delay_ms = 10" >"$HERMES_HOME/config"
'

test_expect_success 'a tool call runs and its result goes back to the model' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "memory", "arguments": {"action": "add", "target": "memory", "content": "deploys use make release"}}]},
	 {"text": "Noted."}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask remember how we deploy >out 2>err &&
	echo Noted. >want && test_cmp want out &&
	grep -q "^-> memory " err &&
	grep -q "deploys use make release" "$HERMES_HOME/memories/MEMORY.md" &&
	test "$(fake_llm_jq 2 "b[\"messages\"][-1][\"role\"]")" = tool &&
	test "$(fake_llm_jq 2 "b[\"messages\"][-1][\"tool_call_id\"]")" = call_1 &&
	fake_llm_jq 2 "b[\"messages\"][-1][\"content\"]" | grep -q "^ok; MEMORY.md"
'

test_expect_success 'the memory written is in the system prompt of the next call' '
	fake_llm_jq 1 "b[\"messages\"][0][\"content\"]" >sys1 &&
	fake_llm_jq 2 "b[\"messages\"][0][\"content\"]" >sys2 &&
	! grep -q "deploys use make release" sys1 &&
	grep -q "deploys use make release" sys2
'

test_expect_success 'parallel calls all run, answered in order' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [
	   {"name": "memory", "arguments": {"action": "add", "target": "user", "content": "likes tea"}},
	   {"name": "memory", "arguments": {"action": "add", "target": "user", "content": "lives in Lyon"}},
	   {"name": "memory", "arguments": {"action": "add", "target": "memory", "content": "uses zsh"}}]},
	 {"text": "All saved."}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q save these >out 2>err &&
	test_line_count = 0 err &&
	test "$(fake_llm_jq 2 "\",\".join(m[\"tool_call_id\"] for m in b[\"messages\"] if m[\"role\"] == \"tool\")")" = "call_1,call_2,call_3" &&
	hermes-memory -u list >u && printf "likes tea\nlives in Lyon\n" >want &&
	test_cmp want u
'

test_expect_success 'unknown tools and bad arguments are tool errors, not crashes' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [
	   {"name": "no_such_tool", "arguments": {}},
	   {"name": "memory", "arguments": "{not json"},
	   {"name": "memory", "arguments": {"action": "explode", "target": "memory"}},
	   {"name": "memory", "arguments": {"action": "add", "target": "memory", "content": "x\n§\ny"}}]},
	 {"text": "I see errors."}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask try >out 2>err &&
	echo "I see errors." >want && test_cmp want out &&
	fake_llm_jq 2 "\"\\n\".join(m[\"content\"] for m in b[\"messages\"] if m[\"role\"] == \"tool\")" >results &&
	grep -q "^error: unknown tool .no_such_tool." results &&
	grep -q "^error: the arguments of memory are not a JSON object" results &&
	grep -q "^error: unknown action .explode." results &&
	grep -q "^error: entry holds a line" results
'

test_expect_success 'a full memory tells the model to consolidate' '
	echo "memory.max_chars = 30" >>"$HERMES_HOME/config" &&
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "memory", "arguments": {"action": "add", "target": "memory", "content": "a very long fact that cannot possibly fit"}}]},
	 {"text": "ok"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q x >/dev/null &&
	fake_llm_jq 2 "b[\"messages\"][-1][\"content\"]" | grep -q "consolidate" &&
	sed -i "/memory.max_chars/d" "$HERMES_HOME/config"
'

test_expect_success 'after 5 tool calls the model is nudged once to save what it learned' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "session_search", "arguments": {"query": "a"}}, {"name": "session_search", "arguments": {"query": "b"}}, {"name": "session_search", "arguments": {"query": "c"}}]},
	 {"tool_calls": [{"name": "session_search", "arguments": {"query": "d"}}, {"name": "session_search", "arguments": {"query": "e"}}]},
	 {"tool_calls": [{"name": "session_search", "arguments": {"query": "f"}}]},
	 {"text": "done"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q busy >/dev/null &&
	nudges() { fake_llm_jq $1 "sum(1 for m in b[\"messages\"] if m[\"role\"] == \"system\" and \"save what you learned\" in m[\"content\"])"; } &&
	test "$(nudges 2)" = 0 &&
	test "$(nudges 3)" = 1 &&
	test "$(nudges 4)" = 1
'

test_expect_success 'session_search finds earlier conversations' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "session_search", "arguments": {"query": "deploy"}}]},
	 {"text": "found it"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q what did we say >/dev/null &&
	fake_llm_jq 2 "b[\"messages\"][-1][\"content\"]" >res &&
	grep -q "deploy" res && grep -q "^\[20" res
'

test_expect_success '--max-turns: exit 3 when the budget is spent, session kept' '
	cat >s.json <<-\EOT &&
	[{"repeat": 5, "tool_calls": [{"name": "session_search", "arguments": {"query": "loop"}}]}]
	EOT
	fake_llm_start openai s.json &&
	test_expect_code 3 hermes-ask -q --max-turns 2 --json loop forever >out 2>err &&
	test "$(fake_llm_requests)" = 2 &&
	grep -q "max-turns" err &&
	python3 -c "
import json; o = json.load(open(\"out\"))
assert o[\"turns\"] == 2 and o[\"error\"], o
"
'

test_expect_success '--no-tools and -t select what the model sees' '
	echo "[\"a\", \"b\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask --no-tools x >/dev/null &&
	hermes-ask -t memory y >/dev/null &&
	test "$(fake_llm_jq 1 "\"tools\" in b")" = false &&
	test "$(fake_llm_jq 2 "\",\".join(t[\"function\"][\"name\"] for t in b[\"tools\"])")" = "memory" &&
	test_expect_code 2 hermes-ask -t bogus z 2>err &&
	grep -q "unknown toolset" err
'

test_done
