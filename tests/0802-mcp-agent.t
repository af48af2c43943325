#!/bin/sh
test_description='hermes-ask: MCP tools in the loop, lazy start, list changes, failures as tool errors'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"

FAKE="$TEST_ROOT/fakes/mcp.py"

fake() {
	n=$1 m=$2
	shift 2
	hermes-mcp add -f "$@" -e MCP_FAKE_LOG="$TEST_TMP/$n.log" "$n" -- \
		python3 "$FAKE" stdio "$m" >/dev/null
}

# starts NAME: how many times the fake NAME got initialize
starts() {
	grep -c "\"method\": *\"initialize\"" "$TEST_TMP/$1.log" 2>/dev/null ||
		echo 0
}

# tools N: the tool names offered in request N, one a line
tools() {
	fake_llm_jq "$1" "\"\\n\".join(t[\"function\"][\"name\"] for t in b.get(\"tools\", []))"
}

test_expect_success 'setup' '
	mkdir -p "$HERMES_HOME" &&
	echo "provider.retry_delay_ms = 10" >"$HERMES_HOME/config" &&
	fake fk ok
'

test_expect_success 'the model calls an MCP tool and gets its text back' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "mcp_fk_add", "arguments": {"a": 2, "b": 40}}]},
	 {"text": "It is 42."}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask add them >out 2>err &&
	echo "It is 42." >want && test_cmp want out &&
	grep -q "^-> mcp_fk_add " err &&
	test "$(fake_llm_jq 2 "b[\"messages\"][-1][\"content\"]")" = 42 &&
	tools 1 >names &&
	grep -q "^mcp_fk_add$" names && grep -q "^mcp_fk_big$" names &&
	grep -q "^terminal$" names &&
	fake_llm_jq 1 "[t for t in b[\"tools\"] if t[\"function\"][\"name\"] == \"mcp_fk_add\"][0][\"function\"][\"parameters\"][\"required\"]" >req &&
	grep -q "a" req
'

test_expect_success 'the tool list is cached: the next run starts no server until a call' '
	test -f "$HERMES_HOME/cache/mcp-fk.json" &&
	before=$(starts fk) &&
	fake_llm_start openai s.json &&
	cat >s2.json <<-\EOT &&
	["Nothing to call."]
	EOT
	fake_llm_start openai s2.json &&
	hermes-ask hello >out &&
	test "$(starts fk)" = "$before" &&
	tools 1 | grep -q "^mcp_fk_add$" &&
	fake_llm_start openai s.json &&
	hermes-ask add them >out &&
	test "$(starts fk)" = "$((before + 1))"
'

test_expect_success 'a changed mcp.json entry makes the cache stale' '
	before=$(starts fk) &&
	fake fk ok --allow add &&
	fake_llm_start openai s2.json &&
	hermes-ask hello >out &&
	test "$(starts fk)" = "$((before + 1))" &&
	tools 1 | grep "^mcp_" >names &&
	echo mcp_fk_add >want && test_cmp want names &&
	fake fk ok
'

test_expect_success 'isError reaches the model as a tool error' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "mcp_fk_fail", "arguments": {}}]},
	 {"text": "It failed."}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask try >out 2>err &&
	fake_llm_jq 2 "b[\"messages\"][-1][\"content\"]" >res &&
	echo "error: it failed" >want && test_cmp want res
'

test_expect_success 'a hung server is a tool error after its timeout, and the agent goes on' '
	fake hung hang --timeout 1 &&
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "mcp_hung_add", "arguments": {"a": 1, "b": 1}}]},
	 {"text": "The server hung."}]
	EOT
	fake_llm_start openai s.json &&
	timeout 30 hermes-ask try >out 2>err &&
	echo "The server hung." >want && test_cmp want out &&
	fake_llm_jq 2 "b[\"messages\"][-1][\"content\"]" >res &&
	grep -q "^error: server .hung. did not answer tools/call within 1 s" res
'

test_expect_success 'a server that dies is a tool error; the next call starts it again' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "mcp_fk_die", "arguments": {}}]},
	 {"tool_calls": [{"name": "mcp_fk_add", "arguments": {"a": 1, "b": 2}}]},
	 {"text": "Back."}]
	EOT
	fake_llm_start openai s.json &&
	timeout 30 hermes-ask try >out 2>err &&
	echo Back. >want && test_cmp want out &&
	fake_llm_jq 2 "b[\"messages\"][-1][\"content\"]" | grep -q "^error: server .fk. exited" &&
	test "$(fake_llm_jq 3 "b[\"messages\"][-1][\"content\"]")" = 3
'

test_expect_success 'notifications/tools/list_changed: the next model call sees the new list' '
	fake lc listchanged &&
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "mcp_lc_add", "arguments": {"a": 1, "b": 2}}]},
	 {"tool_calls": [{"name": "mcp_lc_added", "arguments": {}}]},
	 {"text": "Done."}]
	EOT
	fake_llm_start openai s.json &&
	timeout 30 hermes-ask try >out 2>err &&
	! tools 1 | grep -q "^mcp_lc_added$" &&
	tools 2 | grep -q "^mcp_lc_added$" &&
	fake_llm_jq 3 "b[\"messages\"][-1][\"content\"]" >res &&
	! grep -q "^error" res &&
	python3 -c "
import json, sys
assert any(t[\"name\"] == \"added\" for t in json.load(open(sys.argv[1]))[\"tools\"])
" "$HERMES_HOME/cache/mcp-lc.json"
'

test_expect_success '-t picks MCP servers: mcp for all, mcp-NAME for one, none otherwise' '
	fake_llm_start openai s2.json &&
	hermes-ask -t mcp-fk hello >/dev/null &&
	tools 1 >names &&
	! grep -qv "^mcp_fk_" names &&
	fake_llm_start openai s2.json &&
	hermes-ask -t mcp hello >/dev/null &&
	tools 1 >names &&
	grep -q "^mcp_lc_" names && ! grep -q "^terminal$" names &&
	fake_llm_start openai s2.json &&
	hermes-ask -t file hello >/dev/null &&
	! tools 1 | grep -q "^mcp_"
'

test_expect_success 'a disabled server offers nothing' '
	hermes-mcp add -f --disabled off -- python3 "$FAKE" stdio ok >/dev/null &&
	fake_llm_start openai s2.json &&
	hermes-ask hello >/dev/null &&
	! tools 1 | grep -q "^mcp_off_"
'

test_expect_success 'a server that cannot start is a warning, and the run goes on' '
	hermes-mcp add -f broken -- /no/such/server >/dev/null &&
	fake_llm_start openai s2.json &&
	hermes-ask hello >out 2>err &&
	grep -q "mcp server .broken.: .*cannot run.*its tools are off" err &&
	echo "Nothing to call." >want && test_cmp want out &&
	hermes-mcp rm broken
'

test_expect_success 'a malformed mcp.json is a warning naming it; the agent still answers' '
	cp "$HERMES_HOME/mcp.json" good.json &&
	echo "{\"mcpServers\": [1]}" >"$HERMES_HOME/mcp.json" &&
	fake_llm_start openai s2.json &&
	hermes-ask hello >out 2>err &&
	grep -q "mcp.json: mcpServers: .*MCP tools are off" err &&
	echo "Nothing to call." >want && test_cmp want out &&
	! tools 1 | grep -q "^mcp_" &&
	cp good.json "$HERMES_HOME/mcp.json"
'

test_expect_success 'a server left running is shut down when the agent ends' '
	! test_pgrep "fakes/mcp.py stdio" >/dev/null
'

test_done
