#!/bin/sh
test_description='the learning loop nudges, --goal with a judge, personalities per session'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"

test_expect_success 'setup' '
	mkdir -p "$HERMES_HOME" &&
	printf "provider.retry_delay_ms = 10\nmemory.nudge_interval = 2\n" \
		>"$HERMES_HOME/config"
'

sys_notes() {
	fake_llm_jq "$1" "\"|\".join(m[\"content\"] for m in b[\"messages\"] if m[\"role\"] == \"system\")"
}

test_expect_success 'after memory.nudge_interval user turns without a memory write, a note' '
	echo "[\"a\", \"b\", {\"tool_calls\": [{\"name\": \"memory\", \"arguments\": {\"action\": \"add\", \"target\": \"user\", \"content\": \"likes brevity\"}}]}, \"c\", \"d\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask -q first >/dev/null &&
	hermes-ask -q -c second >/dev/null &&
	sys_notes 1 >n1 && ! grep -q "without a memory write" n1 &&
	sys_notes 2 >n2 && grep -q "2 user turns have passed without a memory write" n2 &&
	: one reminder, then the count starts again &&
	hermes-ask -q -c third >/dev/null &&
	sys_notes 3 >n3 && test "$(grep -o "turns have passed" n3 | wc -l)" = 1 &&
	: a memory write resets it too &&
	hermes-ask -q -c fourth >/dev/null &&
	sys_notes 5 >n5 && test "$(grep -o "turns have passed" n5 | wc -l)" = 1 &&
	echo "memory.nudge_interval = 100" >>"$HERMES_HOME/config"
'

test_expect_success '--goal: judge says not done, one more turn, then done' '
	cat >s.json <<-\EOT &&
	["step one done",
	 "{\"done\": false, \"reason\": \"the tests were not run\"}",
	 "tests run and pass",
	 "{\"done\": true, \"reason\": \"all done\"}"]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q --json --goal "make the tests pass" >out &&
	test "$(fake_llm_requests)" = 4 &&
	fake_llm_jq 2 "b[\"messages\"][0][\"content\"]" >j && grep -q "You judge whether" j &&
	fake_llm_jq 2 "b[\"messages\"][1][\"content\"]" >j2 &&
	grep -q "make the tests pass" j2 && grep -q "step one done" j2 &&
	test "$(fake_llm_jq 1 "bare(b[\"messages\"][-1][\"content\"])")" = "Objective: make the tests pass" &&
	fake_llm_jq 3 "b[\"messages\"][-1][\"content\"]" >cont &&
	grep -q "not met yet (the tests were not run)" cont &&
	python3 -c "
import json; o = json.load(open(\"out\"))
assert o[\"text\"] == \"tests run and pass\" and o[\"turns\"] == 2, o
"
'

test_expect_success '--goal: a garbage verdict is not done; the budget ends it with 3' '
	echo "[\"working\", \"I think so?\", \"still working\", \"{\\\"done\\\": false}\"]" >s.json &&
	fake_llm_start openai s.json &&
	test_expect_code 3 hermes-ask -q --max-turns 2 --goal "finish it" >out 2>err &&
	grep -q "goal judge gave no verdict" err &&
	test "$(fake_llm_requests)" = 4
'

test_expect_success 'an unmet goal survives -c' '
	echo "[\"more work\", \"{\\\"done\\\": true, \\\"reason\\\": \\\"ok\\\"}\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask -q -c "keep going" >out &&
	fake_llm_jq 2 "b[\"messages\"][1][\"content\"]" | grep -q "finish it" &&
	echo "[\"plain\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask -q -c "and now?" >/dev/null &&
	test "$(fake_llm_requests)" = 1
'

test_expect_success 'built-in personalities; -p is remembered by the session' '
	echo "[\"one\", \"two\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask -q -p concise hi >/dev/null &&
	hermes-ask -q -c again >/dev/null &&
	fake_llm_jq 1 "b[\"messages\"][0][\"content\"]" >p1 && grep -q "as few words" p1 &&
	fake_llm_jq 2 "b[\"messages\"][0][\"content\"]" >p2 && grep -q "as few words" p2
'

test_expect_success 'a file in personalities/ wins over a built-in' '
	mkdir -p "$HERMES_HOME/personalities" &&
	echo "Custom concise voice." >"$HERMES_HOME/personalities/concise.md" &&
	echo "[\"x\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask -q -p concise hi >/dev/null &&
	fake_llm_jq 1 "b[\"messages\"][0][\"content\"]" >p && grep -q "Custom concise" p
'

test_done
