#!/bin/sh
test_description='hooks around tool calls and turns; secrets out of reach'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"

H="$HERMES_HOME/hooks"

test_expect_success 'setup' '
	mkdir -p "$H" &&
	echo "provider.retry_delay_ms = 10" >"$HERMES_HOME/config"
'

test_expect_success 'a pre-tool hook that exits 2 blocks the call; the model sees why' '
	cat >"$H/pre-tool" <<-\EOT &&
	#!/bin/sh
	cat >>"$HERMES_HOME/pre.log"; echo >>"$HERMES_HOME/pre.log"
	grep -q "\"tool\":\"memory\"" "$HERMES_HOME/pre.log" && {
		echo "memory writes are frozen today" >&2; exit 2; }
	exit 0
	EOT
	chmod +x "$H/pre-tool" &&
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "memory", "arguments": {"action": "add", "target": "memory", "content": "blocked fact"}}]},
	 {"text": "ok"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q go >/dev/null &&
	fake_llm_jq 2 "b[\"messages\"][-1][\"content\"]" >r &&
	grep -q "^error: blocked by the pre-tool hook: memory writes are frozen today" r &&
	test ! -s "$HERMES_HOME/memories/MEMORY.md" &&
	grep -q "\"arguments\":{\"action\":\"add\"" "$HERMES_HOME/pre.log" &&
	rm "$H/pre-tool"
'

test_expect_success 'post-tool and turn-end hooks see results and the answer' '
	printf "#!/bin/sh\ncat >>\"\$HERMES_HOME/\$1.log\"\n" >"$H/post-tool" &&
	cp "$H/post-tool" "$H/turn-end" &&
	chmod +x "$H/post-tool" "$H/turn-end" &&
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "terminal", "arguments": {"command": "echo hooked-output"}}]},
	 {"text": "final words"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q go >/dev/null &&
	grep -q "hooked-output" "$HERMES_HOME/post-tool.log" &&
	grep -q "\"error\":false" "$HERMES_HOME/post-tool.log" &&
	grep -q "\"text\":\"final words\"" "$HERMES_HOME/turn-end.log" &&
	rm "$H/post-tool" "$H/turn-end"
'

test_expect_success 'a crashing hook is reported, not fatal' '
	printf "#!/bin/sh\nkill -SEGV \$\$\n" >"$H/pre-tool" && chmod +x "$H/pre-tool" &&
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "memory", "arguments": {"action": "add", "target": "memory", "content": "still saved"}}]},
	 {"text": "ok"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q go >/dev/null 2>err &&
	grep -q "pre-tool hook" err &&
	grep -q "still saved" "$HERMES_HOME/memories/MEMORY.md" &&
	rm "$H/pre-tool"
'

test_expect_success 'the terminal cannot write .env, even with approvals off' '
	echo "approvals.mode = off" >>"$HERMES_HOME/config" &&
	echo "OPENAI_API_KEY=sk-real-secret-0000" >"$HERMES_HOME/.env" &&
	cat >s.json <<-EOT &&
	[{"tool_calls": [{"name": "terminal", "arguments": {"command": "echo EVIL=1 >> $HERMES_HOME/.env"}}]},
	 {"text": "ok"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q go >/dev/null &&
	fake_llm_jq 2 "b[\"messages\"][-1][\"content\"]" >r &&
	grep -q "^error: blocked by the safety policy" r &&
	! grep -q EVIL "$HERMES_HOME/.env"
'

test_done
