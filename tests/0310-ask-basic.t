#!/bin/sh
test_description='hermes-ask: answers, prompt assembly, sessions, continue'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"

test_expect_success 'setup' '
	mkdir -p "$HERMES_HOME/memories" &&
	echo "provider.retry_delay_ms = 10" >"$HERMES_HOME/config"
'

test_expect_success 'a plain answer streams to stdout' '
	echo "[{\"text\": \"Hello from the fake model.\"}]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask say hi >out 2>err &&
	echo "Hello from the fake model." >want &&
	test_cmp want out &&
	test "$(fake_llm_requests)" = 1 &&
	test "$(fake_llm_jq 1 "b[\"stream\"]")" = true &&
	test "$(fake_llm_jq 1 "bare(b[\"messages\"][-1][\"content\"])")" = "say hi" &&
	test "$(fake_llm_jq 1 "h[\"authorization\"]")" = "Bearer sk-test-FAKEKEY0123456789"
'

test_expect_success 'the system prompt is SOUL, USER, AGENTS.md, MEMORY in order' '
	echo "I am the test soul." >"$HERMES_HOME/SOUL.md" &&
	hermes-memory -u add "user prefers terse replies" &&
	hermes-memory add "the build uses make" &&
	mkdir -p proj/.git proj/sub &&
	echo "Project rule: tabs only." >proj/AGENTS.md &&
	echo "[\"ok\"]" >s.json &&
	fake_llm_start openai s.json &&
	(cd proj/sub && hermes-ask hi >/dev/null) &&
	fake_llm_jq 1 "b[\"messages\"][0][\"content\"]" >sys &&
	test "$(fake_llm_jq 1 "b[\"messages\"][0][\"role\"]")" = system &&
	grep -n -e "test soul" -e "terse replies" -e "tabs only" -e "uses make" sys |
		cut -d: -f1 >lines &&
	test_line_count = 4 lines &&
	sort -n lines >sorted && test_cmp sorted lines
'

test_expect_success 'AGENTS.md is not searched above the git root' '
	mkdir -p outer/repo/.git &&
	echo "outer rule" >outer/AGENTS.md &&
	echo "[\"ok\"]" >s.json &&
	fake_llm_start openai s.json &&
	(cd outer/repo && hermes-ask hi >/dev/null) &&
	fake_llm_jq 1 "b[\"messages\"][0][\"content\"]" >sys &&
	! grep -q "outer rule" sys
'

test_expect_success 'piped stdin is added after the arguments' '
	echo "[\"reviewed\"]" >s.json &&
	fake_llm_start openai s.json &&
	printf "diff --git a/x b/x\n+new line\n" | hermes-ask review this >out &&
	fake_llm_jq 1 "bare(b[\"messages\"][-1][\"content\"])" >sent &&
	printf "review this\n\ndiff --git a/x b/x\n+new line\n" >want &&
	test_cmp want sent
'

test_expect_success 'stdin alone is a prompt' '
	echo "[\"ok\"]" >s.json &&
	fake_llm_start openai s.json &&
	echo "just stdin" | hermes-ask >/dev/null &&
	test "$(fake_llm_jq 1 "bare(b[\"messages\"][-1][\"content\"])")" = "just stdin"
'

test_expect_success 'no prompt at all is a usage error' '
	test_expect_code 2 hermes-ask </dev/null 2>err &&
	grep -q "no prompt" err
'

test_expect_success '--json prints one object with session, text, usage' '
	echo "[{\"text\": \"json answer\", \"usage\": {\"input\": 120, \"output\": 7, \"cached\": 100}}]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask --json q >out &&
	test_line_count = 1 out &&
	python3 -c "
import json
o = json.load(open(\"out\"))
assert o[\"text\"] == \"json answer\", o
assert o[\"turns\"] == 1 and o[\"tool_calls\"] == 0, o
assert o[\"usage\"] == {\"input\": 120, \"output\": 7, \"cached\": 100}, o
assert o[\"session\"], o
print(o[\"session\"])
" >sid &&
	hermes-session show "$(cat sid)" >show &&
	grep -q "json answer" show
'

test_expect_success 'the session is stored with its usage' '
	hermes-session list --json >out &&
	python3 -c "
import json
rows = [json.loads(l) for l in open(\"out\")]
assert any(r[\"usage\"][\"input\"] == 120 and r[\"usage\"][\"cached\"] == 100 for r in rows), rows
"
'

test_expect_success '-c continues the latest session' '
	echo "[\"first answer\", \"second answer\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask --json "first question" >one &&
	hermes-ask -c --json "second question" >two &&
	test "$(fake_llm_jq 2 "len(b[\"messages\"])")" = 4 &&
	test "$(fake_llm_jq 2 "bare(b[\"messages\"][1][\"content\"])")" = "first question" &&
	test "$(fake_llm_jq 2 "b[\"messages\"][2][\"content\"]")" = "first answer" &&
	python3 -c "
import json
a = json.load(open(\"one\")); b = json.load(open(\"two\"))
assert a[\"session\"] == b[\"session\"]
"
'

test_expect_success '-s ID continues a given session, -s bogus fails' '
	sid=$(python3 -c "import json; print(json.load(open(\"one\"))[\"session\"])") &&
	echo "[\"third\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask -s "$sid" "third question" >/dev/null &&
	test "$(fake_llm_jq 1 "len(b[\"messages\"])")" = 6 &&
	test_expect_code 1 hermes-ask -s 19990101_000000_ffffff hi 2>err &&
	grep -q 19990101_000000_ffffff err
'

test_expect_success '-m picks the model, -p a personality' '
	mkdir -p "$HERMES_HOME/personalities" &&
	echo "You are a pirate." >"$HERMES_HOME/personalities/pirate.md" &&
	echo "[\"arr\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask -m other-model -p pirate hi >/dev/null &&
	test "$(fake_llm_jq 1 "b[\"model\"]")" = other-model &&
	fake_llm_jq 1 "b[\"messages\"][0][\"content\"]" >sys &&
	grep -q pirate sys && ! grep -q "test soul" sys &&
	test_expect_code 1 hermes-ask -p nobody hi 2>err &&
	grep -q "personality" err
'

test_expect_success 'no key and no base URL names the variable to set' '
	(
		unset HERMES_BASE_URL HERMES_API_KEY HERMES_PROVIDER
		test_expect_code 1 hermes-ask hi 2>err
	) &&
	test_one_line err && grep -q OPENROUTER_API_KEY err
'

test_expect_success 'the API key never reaches state.db, stdout or --json' '
	echo "[\"fine\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask --json hi >out 2>err &&
	! grep -q FAKEKEY out && ! grep -q FAKEKEY err &&
	! grep -a -q FAKEKEY "$HERMES_HOME"/state.db* &&
	! grep -r -a -q FAKEKEY "$HERMES_HOME"
'

test_expect_success '-n stores nothing' '
	hermes-session list >before &&
	echo "[\"unlogged\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask -n hi >out &&
	grep -q unlogged out &&
	hermes-session list >after &&
	test_cmp before after
'

test_expect_success '-n cannot continue a session' '
	test_expect_code 2 hermes-ask -n -c hi 2>err &&
	grep -q "cannot continue" err
'

test_expect_success '-c skips sessions of other sources (cron, gateway)' '
	echo "[\"cli answer\", \"cron answer\", \"again\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask "the cli question" >/dev/null &&
	hermes-ask --source cron "the cron question" >/dev/null &&
	hermes-ask -c follow up >/dev/null &&
	fake_llm_body 3 >body &&
	grep -q "the cli question" body && ! grep -q "the cron question" body
'

test_expect_success 'a closed stdout stops the agent: exit 141, no more calls' '
	cat >s.json <<-\EOT &&
	[{"chunk": 3, "chunk_delay": 0.05, "text": "first line\nsecond line\n", "tool_calls": [{"name": "session_search", "arguments": {"query": "x"}}]},
	 {"text": "should never be asked"}]
	EOT
	fake_llm_start openai s.json &&
	{ hermes-ask -q hi; echo $? >rc; } | head -c 1 >/dev/null &&
	echo 141 >want && test_cmp want rc &&
	test "$(fake_llm_requests)" = 1
'

test_done
