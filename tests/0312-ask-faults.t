#!/bin/sh
test_description='hermes-ask: retries, cut and malformed streams, SIGINT, dead providers'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"

test_expect_success 'setup: fast backoff' '
	mkdir -p "$HERMES_HOME" &&
	echo "provider.retry_delay_ms = 10" >"$HERMES_HOME/config"
'

last_session_messages() {
	hermes-session list --json | head -n 1 |
		python3 -c "import json,sys; print(json.load(sys.stdin)[\"messages\"])"
}

test_expect_success '429 then success: retried, Retry-After honoured' '
	cat >s.json <<-\EOT &&
	[{"status": 429, "headers": {"Retry-After": "1"}}, {"text": "second time lucky"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask hi >out 2>err &&
	echo "second time lucky" >want && test_cmp want out &&
	test "$(fake_llm_requests)" = 2 &&
	grep -q "HTTP 429.*retrying in 1.0s (attempt 2 of 4)" err
'

test_expect_success '500 on every try: exit 1, one clear line, prompt saved' '
	echo "[{\"status\": 500, \"repeat\": 4, \"body\": \"{\\\"error\\\":{\\\"message\\\":\\\"upstream melted\\\"}}\"}]" >s.json &&
	fake_llm_start openai s.json &&
	test_expect_code 1 hermes-ask -q "please keep this prompt" 2>err &&
	test "$(fake_llm_requests)" = 4 &&
	grep -q "provider custom (model fake-model) failed: HTTP 500: upstream melted, after every retry" err &&
	hermes-session search "keep this prompt" >hits &&
	test_line_count = 1 hits
'

test_expect_success 'a 401 is not retried and shows the server message' '
	echo "[{\"status\": 401, \"body\": \"{\\\"error\\\":{\\\"message\\\":\\\"invalid api key\\\"}}\"}]" >s.json &&
	fake_llm_start openai s.json &&
	test_expect_code 1 hermes-ask -q hi 2>err &&
	test "$(fake_llm_requests)" = 1 &&
	grep -q "HTTP 401: invalid api key" err &&
	! grep -q FAKEKEY err
'

test_expect_success 'a cut stream before any text is retried' '
	cat >s.json <<-\EOT &&
	[{"cut": true, "tool_calls": [{"name": "memory", "arguments": {"action": "add", "target": "memory", "content": "never half applied"}}]},
	 {"text": "clean"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q hi >out 2>err &&
	echo clean >want && test_cmp want out &&
	grep -q "stream cut" err &&
	test ! -e "$HERMES_HOME/memories/MEMORY.md"
'

test_expect_success 'a stream cut after text was shown: exit 1, no duplicate text' '
	echo "[{\"cut\": true, \"text\": \"The first half of a long answer that will never finish.\"}, {\"text\": \"should not be asked\"}]" >s.json &&
	fake_llm_start openai s.json &&
	test_expect_code 1 hermes-ask hi >out 2>err &&
	test "$(fake_llm_requests)" = 1 &&
	grep -q "stream cut before its end" err &&
	grep -q "session saved" err
'

test_expect_success 'a malformed chunk before text is retried' '
	cat >s.json <<-\EOT &&
	[{"malformed": true, "tool_calls": [{"name": "session_search", "arguments": {"query": "x"}}]},
	 {"text": "recovered"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q hi >out 2>err &&
	grep -q recovered out && grep -q "malformed chunk" err
'

test_expect_success 'an error event mid-stream is retried when nothing was shown' '
	echo "[{\"error_event\": true, \"text\": \"partial\"}, {\"text\": \"fine now\"}]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask --json hi >out 2>err &&
	grep -q "fine now" out && grep -q "overloaded" err
'

test_expect_success 'a dead endpoint: retries, then exit 1 naming the provider' '
	port=$(python3 -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1]); s.close()") &&
	HERMES_BASE_URL=http://127.0.0.1:$port/v1 HERMES_API_KEY=k HERMES_MODEL=m \
		test_expect_code 1 hermes-ask -q hi 2>err &&
	grep -q "^hermes-ask: provider custom (model m) failed: .*connect" err &&
	grep -q "retrying in" err &&
	grep -q "session saved" err
'

test_expect_success 'fallback_models: the next model after the last failure' '
	echo "fallback_models = backup-model" >>"$HERMES_HOME/config" &&
	echo "[{\"status\": 503, \"repeat\": 4}, {\"text\": \"from the backup\"}]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask -q --json hi >out 2>err &&
	test "$(fake_llm_jq 5 "b[\"model\"]")" = backup-model &&
	grep -q "\"model\":\"backup-model\"" out &&
	sed -i "/fallback_models/d" "$HERMES_HOME/config"
'

test_expect_success 'SIGINT mid-stream: exit 130, the session saved' '
	echo "[{\"text\": \"$(printf "%01200d" 0)\", \"chunk\": 5, \"chunk_delay\": 0.05}]" >s.json &&
	fake_llm_start openai s.json || exit 1
	# a stale out from an earlier test would end the wait at once
	rm -f out err
	hermes-ask "interrupt me please" >out 2>err &
	pid=$! &&
	wait_for test -s out &&
	kill -INT $pid &&
	wait $pid; rc=$?
	test $rc = 130 &&
	grep -q "interrupted; session saved" err &&
	hermes-session search "interrupt me" >hits &&
	test_line_count = 1 hits
'

test_done
