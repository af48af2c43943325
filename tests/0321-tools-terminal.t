#!/bin/sh
test_description='terminal and process tools: output, caps, timeouts, background, safety'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"

test_expect_success 'setup' '
	mkdir -p "$HERMES_HOME" &&
	printf "provider.retry_delay_ms = 10\nagent.tool_output_max = 4000\n" \
		>"$HERMES_HOME/config"
'

SQ="'"

# call TOOL ARGS-JSON: the model calls one tool, then answers "done";
# the tool result the model got is left in ./result
call() {
	printf "[{\"tool_calls\": [{\"name\": \"%s\", \"arguments\": %s}]}, {\"text\": \"done\"}]" \
		"$1" "$2" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask -q go >/dev/null 2>stderr &&
	fake_llm_jq 2 "b[\"messages\"][-1][\"content\"]" >result
}

test_expect_success 'a command runs in the cwd; output and exit status come back' '
	mkdir -p work && cd work &&
	call terminal "{\"command\": \"pwd; echo out; echo err >&2; exit 3\"}" &&
	grep -q "/work$" result && grep -q "^out$" result &&
	grep -q "^err$" result && grep -q "^\[exit 3\]$" result
'

test_expect_success 'workdir is honoured, a missing one is a tool error' '
	mkdir -p sub &&
	call terminal "{\"command\": \"pwd\", \"workdir\": \"$PWD/sub\"}" &&
	grep -q "/sub$" result &&
	call terminal "{\"command\": \"pwd\", \"workdir\": \"$PWD/nope\"}" &&
	grep -q "^error: workdir .* is not a directory" result
'

test_expect_success 'a huge output is capped, head and tail kept' '
	call terminal "{\"command\": \"seq 1 2000000\"}" &&
	grep -q "^1$" result && grep -q "^2000000$" result &&
	grep -q "bytes cut" result &&
	test $(wc -c <result) -lt 6000
'

test_expect_success '1 GB of output: capped without holding it' '
	call terminal "{\"command\": \"head -c 1000000000 /dev/zero | tr \\\\\\\\0 x; echo; echo END\"}" &&
	grep -q "bytes cut" result && grep -q "^END$" result &&
	test $(wc -c <result) -lt 6000
'

test_expect_success 'a timeout kills a command that ignores SIGTERM, and its children' '
	call terminal "{\"command\": \"trap \\\"\\\" TERM; (sleep 300 &); sleep 300\", \"timeout\": 1}" &&
	grep -q "killed after 1 s: timeout" result &&
	! test_pgrep "sleep 300" >/dev/null
'

test_expect_success 'background commands: start, poll, wait, kill' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "terminal", "arguments": {"command": "echo started; sleep 0.3; echo finished", "background": true}},
	                 {"name": "terminal", "arguments": {"command": "sleep 300", "background": true}}]},
	 {"tool_calls": [{"name": "process", "arguments": {"action": "wait", "id": "bg_1", "timeout": 10}}]},
	 {"tool_calls": [{"name": "process", "arguments": {"action": "list"}}]},
	 {"tool_calls": [{"name": "process", "arguments": {"action": "kill", "id": "bg_2"}}]},
	 {"tool_calls": [{"name": "process", "arguments": {"action": "poll", "id": "bg_9"}}]},
	 {"text": "done"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q -t terminal go >/dev/null &&
	fake_llm_jq 2 "b[\"messages\"][-2][\"content\"]" >r2 &&
	grep -q "started bg_1" r2 &&
	fake_llm_jq 3 "b[\"messages\"][-1][\"content\"]" >wait &&
	grep -q "bg_1 pid [0-9]*: \[exit 0\]" wait && grep -q finished wait &&
	fake_llm_jq 4 "b[\"messages\"][-1][\"content\"]" >r4 &&
	grep -q "bg_2 pid [0-9]*: running" r4 &&
	fake_llm_jq 5 "b[\"messages\"][-1][\"content\"]" >r5 &&
	grep -q "killed by signal" r5 &&
	fake_llm_jq 6 "b[\"messages\"][-1][\"content\"]" >r6 &&
	grep -q "^error: no background process" r6 &&
	! test_pgrep "sleep 300" >/dev/null
'

test_expect_success 'background processes are killed when hermes-ask exits' '
	call terminal "{\"command\": \"sleep 301\", \"background\": true}" &&
	grep -q "started bg_1" result &&
	! test_pgrep "sleep 301" >/dev/null
'

test_expect_success 'nobody watching: a dangerous command is denied, the model told why once' '
	mkdir -p victim/a &&
	call terminal "{\"command\": \"rm -rf victim\"}" &&
	echo "error: blocked by the safety policy: recursive rm (${SQ}rm -rf victim${SQ}) needs approval, and nobody is there to give it (see approvals.mode and command_allowlist)" >want &&
	test_cmp want result &&
	test -d victim/a
'

test_expect_success 'approvals.mode = deny: the mode is the reason, said once' '
	echo "approvals.mode = deny" >>"$HERMES_HOME/config" &&
	call terminal "{\"command\": \"rm -rf victim\"}" &&
	echo "error: blocked by the safety policy: recursive rm (${SQ}rm -rf victim${SQ}) needs approval, and approvals.mode is deny" >want &&
	test_cmp want result &&
	test -d victim/a &&
	sed -i "/approvals.mode/d" "$HERMES_HOME/config"
'

test_expect_success 'a hardline command is blocked even with approvals off' '
	echo "approvals.mode = off" >>"$HERMES_HOME/config" &&
	call terminal "{\"command\": \"rm -rf /\"}" &&
	echo "error: blocked by the safety policy: recursive rm of ${SQ}/${SQ}; nothing can allow it" >want &&
	test_cmp want result &&
	call terminal "{\"command\": \"rm -rf victim\"}" &&
	grep -q "^\[exit 0\]" result && test ! -e victim &&
	sed -i "/approvals.mode/d" "$HERMES_HOME/config"
'

test_expect_success 'the allowlist lets a dangerous command through' '
	mkdir -p victim2 &&
	echo "rm -rf victim2" >"$HERMES_HOME/command_allowlist" &&
	call terminal "{\"command\": \"rm -rf victim2\"}" &&
	grep -q "^\[exit 0\]" result && test ! -e victim2
'

test_expect_success 'missing or wrong arguments are tool errors' '
	call terminal "{}" && grep -q "^error: .command. is required" result &&
	call terminal "{\"command\": \"true\", \"timeout\": \"soon\"}" &&
	grep -q "^error: .timeout. must be a number" result
'

test_done
