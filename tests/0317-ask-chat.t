#!/bin/sh
test_description='the interactive chat on a real pseudo-terminal'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"

PTY="$TEST_ROOT/fakes/ptydrive.py"

test_expect_success 'setup' '
	mkdir -p "$HERMES_HOME" &&
	echo "provider.retry_delay_ms = 10" >"$HERMES_HOME/config"
'

test_expect_success 'prompts, answers, /usage, /memory, /quit' '
	hermes-memory add "remembered fact" &&
	echo "[\"first answer\", \"second answer\"]" >s.json &&
	fake_llm_start openai s.json &&
	cat >script <<-\EOT &&
	expect hermes>
	send hello there
	expect first answer
	expect hermes>
	send /usage
	expect 1 model calls
	send /memory
	expect remembered fact
	send and again
	expect second answer
	send /quit
	EOT
	python3 "$PTY" script -- hermes-ask >screen 2>&1 &&
	grep -q "session: 20" screen &&
	test "$(fake_llm_jq 2 "len(b[\"messages\"])")" = 4 &&
	hermes-session list >sessions && test_line_count = 1 sessions
'

test_expect_success 'hermes alone opens the chat; /undo and /retry' '
	echo "[\"one\", \"two\", \"three\"]" >s.json &&
	fake_llm_start openai s.json &&
	cat >script <<-\EOT &&
	expect hermes>
	send question A
	expect one
	send /undo
	expect forgot: question A
	send question B
	expect two
	send /retry
	expect three
	send /quit
	EOT
	python3 "$PTY" script -- hermes >screen 2>&1 &&
	test "$(fake_llm_jq 2 "len(b[\"messages\"])")" = 2 &&
	test "$(fake_llm_jq 3 "[bare(m[\"content\"]) for m in b[\"messages\"]][1:]")" = "[\"question B\"]"
'

test_expect_success '/model, /personality, /new, unknown commands' '
	echo "[\"p1\", \"p2\"]" >s.json &&
	fake_llm_start openai s.json &&
	cat >script <<-\EOT &&
	expect hermes>
	send /model other-model
	expect model: other-model
	send /personality concise
	expect personality: concise
	send hi
	expect p1
	send /new
	expect new session 20
	send /frobnicate
	expect unknown command /frobnicate
	send hi again
	expect p2
	send /quit
	EOT
	python3 "$PTY" script -- hermes-ask >screen 2>&1 &&
	test "$(fake_llm_jq 1 "b[\"model\"]")" = other-model &&
	fake_llm_jq 1 "b[\"messages\"][0][\"content\"]" >sys && grep -q "as few words" sys &&
	test "$(fake_llm_jq 2 "len(b[\"messages\"])")" = 2 &&
	hermes-session list >sessions && test_line_count = 4 sessions
'

test_expect_success 'Ctrl-C stops an answer, not the chat; Ctrl-D leaves' '
	echo "[{\"text\": \"$(printf "%0400d" 0)\", \"chunk\": 4, \"chunk_delay\": 0.05}, \"after\"]" >s.json &&
	fake_llm_start openai s.json &&
	cat >script <<-\EOT &&
	expect hermes>
	send long one
	expect 0000
	ctrl-c
	expect interrupted
	send next
	expect after
	expect hermes>
	raw
	ctrl-d
	EOT
	python3 "$PTY" script -- hermes-ask >screen 2>&1
'

test_expect_success '/goal runs the judge loop from the chat' '
	echo "[\"worked\", \"{\\\"done\\\": true, \\\"reason\\\": \\\"fine\\\"}\"]" >s.json &&
	fake_llm_start openai s.json &&
	cat >script <<-\EOT &&
	expect hermes>
	send /goal tidy the repo
	expect worked
	expect hermes>
	send /quit
	EOT
	python3 "$PTY" script -- hermes-ask >screen 2>&1 &&
	test "$(fake_llm_requests)" = 2
'

test_expect_success '/skills lists skills; /NAME sends the skill with the request' '
	hermes-skill create tidy-commits -d "Write tidy commit messages" - <<-\EOT &&
	Use the imperative mood; wrap at 72; say why.
	EOT
	echo "[\"skilled answer\"]" >s.json &&
	fake_llm_start openai s.json &&
	cat >script <<-\EOT &&
	expect hermes>
	send /skills
	expect tidy-commits
	send /tidy-commits for my last change
	expect skilled answer
	send /quit
	EOT
	python3 "$PTY" script -- hermes-ask >screen 2>&1 &&
	fake_llm_jq 1 "b[\"messages\"][-1][\"content\"]" >sent &&
	grep -q "imperative mood" sent && grep -q "Request: for my last change" sent
'

test_expect_success 'history is kept in chat_history, mode 0600' '
	test -f "$HERMES_HOME/chat_history" &&
	test "$(stat -c %a "$HERMES_HOME/chat_history")" = 600 &&
	grep -q "question.*B" "$HERMES_HOME/chat_history"
'

test_done
