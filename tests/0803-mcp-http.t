#!/bin/sh
test_description='hermes-mcp over Streamable HTTP: sessions, SSE and JSON answers, errors'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"
. "$TEST_ROOT/fakes/mcp.sh"

# http NAME MODE [add options]: start a fake HTTP server, add it as NAME
http() {
	n=$1
	mcp_fake_http_start "$2" || return 1
	shift 2
	hermes-mcp add -f "$@" --url "$MCP_FAKE_URL" "$n" >/dev/null
}

# The tool names of the model's request N.
tools() {
	fake_llm_jq "$1" "\"\\n\".join(t[\"function\"][\"name\"] for t in b.get(\"tools\", []))"
}

# The fake's log as "METHOD jsonrpc-method session? version?" lines.
requests() {
	mcp_log_py '"\n".join("%s %s %s %s" % (e.get("method"), (e.get("body") or {}).get("method", "-") if isinstance(e.get("body"), dict) else "-", "sid" if e["headers"].get("mcp-session-id") else "nosid", e["headers"].get("mcp-protocol-version", "nover")) for e in L if "headers" in e)'
}

test_expect_success 'SSE answers: test lists every page; session and version headers follow; GET 405 is no stream' '
	: >"$MCP_FAKE_LOG" &&
	http web ok &&
	hermes-mcp test web >out 2>err &&
	test_line_count = 9 out &&
	grep -q "web: fake 1.0, protocol 2025-11-25, 9 tools" err &&
	requests >reqs &&
	cat >want <<-\EOF &&
	POST initialize nosid nover
	GET - sid 2025-11-25
	POST notifications/initialized sid 2025-11-25
	POST tools/list sid 2025-11-25
	POST tools/list sid 2025-11-25
	POST tools/list sid 2025-11-25
	DELETE - sid nover
	EOF
	test_cmp want reqs
'

test_expect_success 'JSON answers work the same' '
	http web jsononly &&
	hermes-mcp call web add "{\"a\":20,\"b\":22}" >out &&
	echo 42 >want && test_cmp want out
'

test_expect_success 'requests inside the SSE stream are answered by a second POST' '
	: >"$MCP_FAKE_LOG" &&
	http web chatty &&
	timeout 20 hermes-mcp call web add "{\"a\":1,\"b\":2}" >out &&
	echo 3 >want && test_cmp want out &&
	mcp_log_py "[e[\"body\"] for e in L if isinstance(e.get(\"body\"), dict) and e[\"body\"].get(\"id\") in (\"s1\", \"s2\", \"s3\")]" >answers &&
	grep -q "\"id\":\"s1\",\"result\":{}" answers &&
	grep -q "\"roots\":\[\]" answers &&
	grep -q "\"code\":-32601" answers
'

test_expect_success 'the standalone GET stream: its requests are answered at once' '
	: >"$MCP_FAKE_LOG" &&
	http web getstream,elicit &&
	timeout 20 hermes-mcp call web add "{\"a\":1,\"b\":2}" >out &&
	echo "client answered: e1=decline e2=-32601" >want && test_cmp want out &&
	mcp_log_py "[(e[\"headers\"].get(\"accept\"), bool(e[\"headers\"].get(\"mcp-session-id\"))) for e in L if e.get(\"method\") == \"GET\"]" >gets &&
	echo "[[\"text/event-stream\",true]]" >want && test_cmp want gets
'

test_expect_success 'a GET refused before notifications/initialized is asked again after it' '
	: >"$MCP_FAKE_LOG" &&
	http web getstream,getlate,elicit &&
	timeout 20 hermes-mcp call web add "{\"a\":1,\"b\":2}" >out &&
	echo "client answered: e1=decline e2=-32601" >want && test_cmp want out &&
	requests | sed -n "2,4p" >reqs &&
	cat >want <<-\EOF &&
	GET - sid 2025-11-25
	POST notifications/initialized sid 2025-11-25
	GET - sid 2025-11-25
	EOF
	test_cmp want reqs
'

test_expect_success '--elicit-defaults: a form is accepted with its defaults, and said so' '
	: >"$MCP_FAKE_LOG" &&
	http web getstream,elicit &&
	timeout 20 hermes-mcp call --elicit-defaults web add "{\"a\":1,\"b\":2}" >out &&
	echo "client answered: e1=accept:{\"name\":\"Ada\"} e2=-32601" >want &&
	test_cmp want out &&
	mcp_log_py "[e[\"body\"][\"params\"][\"capabilities\"] for e in L if (e.get(\"body\") or {}).get(\"method\") == \"initialize\"]" >caps &&
	grep -q "\"elicitation\":{}" caps
'

test_expect_success 'requests inside the POST stream: elicitation declined, sampling refused' '
	http web elicit &&
	timeout 20 hermes-mcp call web add "{\"a\":1,\"b\":2}" >out &&
	echo "client answered: e1=decline e2=-32601" >want && test_cmp want out
'

test_expect_success 'a stream ended before the reply is resumed with GET and Last-Event-ID' '
	: >"$MCP_FAKE_LOG" &&
	http web sseretry &&
	timeout 20 hermes-mcp call web add "{\"a\":20,\"b\":22}" >out &&
	echo 42 >want && test_cmp want out &&
	mcp_log_py "[e[\"headers\"].get(\"last-event-id\") for e in L if e.get(\"method\") == \"GET\"]" >gets &&
	echo "[null,\"1\"]" >want && test_cmp want gets
'

test_expect_success 'in the agent: list_changed on the GET stream, the next model call sees it' '
	http web listchanged,getstream &&
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "mcp_web_add", "arguments": {"a": 1, "b": 2}}]},
	 {"tool_calls": [{"name": "mcp_web_added", "arguments": {}}]},
	 {"text": "Done."}]
	EOT
	fake_llm_start openai s.json &&
	timeout 30 hermes-ask try >out 2>err &&
	echo Done. >want && test_cmp want out &&
	! tools 1 | grep -q "^mcp_web_added$" &&
	tools 2 | grep -q "^mcp_web_added$" &&
	fake_llm_jq 3 "b[\"messages\"][-1][\"content\"]" >res &&
	! grep -q "^error" res
'

test_expect_success 'a 500 is an error with the server message' '
	http web http500 &&
	test_expect_code 1 hermes-mcp call web add "{\"a\":1,\"b\":2}" 2>err &&
	grep -q "server .web. answered HTTP 500: boom" err
'

test_expect_success 'an older protocol the server answers is used; an unknown one refused' '
	: >"$MCP_FAKE_LOG" &&
	http web oldproto &&
	hermes-mcp test web >/dev/null 2>err &&
	grep -q "protocol 2025-03-26" err &&
	requests | grep -q "tools/list sid 2025-03-26" &&
	http web badproto &&
	test_expect_code 1 hermes-mcp test web 2>err &&
	grep -q "speaks MCP protocol .1999-01-01., which hermes does not" err
'

test_expect_success 'headers from mcp.json are sent, ${VAR} filled from .env' '
	: >"$MCP_FAKE_LOG" &&
	echo "WEB_TOKEN=s3cret" >>"$HERMES_HOME/.env" &&
	http web ok -H "Authorization: Bearer \${WEB_TOKEN}" &&
	hermes-mcp test web >/dev/null 2>&1 &&
	mcp_log_py "sorted(set(e[\"headers\"].get(\"authorization\", \"none\") for e in L if \"headers\" in e))" >auth &&
	echo "[\"Bearer s3cret\"]" >want && test_cmp want auth &&
	! grep -q s3cret "$HERMES_HOME/mcp.json" &&
	! hermes-mcp list | grep -q s3cret
'

test_expect_success 'nothing listening: a quick, clear error' '
	port=$(mcp_free_port) &&
	hermes-mcp add -f gone --url "http://127.0.0.1:$port/mcp" >/dev/null &&
	test_expect_code 1 timeout 20 hermes-mcp test gone 2>err &&
	grep -q "server .gone.: http://127.0.0.1:$port/mcp: Couldn.t connect" err
'

test_expect_success 'not an http URL is refused before anything is sent' '
	printf "{\"mcpServers\": {\"f\": {\"url\": \"\${U}\"}}}\n" >"$HERMES_HOME/mcp.json" &&
	U=file:///etc/passwd test_expect_code 1 hermes-mcp test f 2>err &&
	grep -q "is not an http:// or https:// URL" err
'

test_expect_success 'in the agent: a forgotten session is started again and the call goes on' '
	: >"$MCP_FAKE_LOG" &&
	echo "provider.retry_delay_ms = 10" >"$HERMES_HOME/config" &&
	http web sessionlost &&
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "mcp_web_add", "arguments": {"a": 1, "b": 2}}]},
	 {"tool_calls": [{"name": "mcp_web_add", "arguments": {"a": 3, "b": 4}}]},
	 {"text": "Two sums."}]
	EOT
	fake_llm_start openai s.json &&
	timeout 30 hermes-ask sums >out 2>err &&
	echo "Two sums." >want && test_cmp want out &&
	test "$(fake_llm_jq 2 "b[\"messages\"][-1][\"content\"]")" = 3 &&
	test "$(fake_llm_jq 3 "b[\"messages\"][-1][\"content\"]")" = 7 &&
	test "$(requests | grep -c "POST initialize")" = 2
'

test_expect_success 'in the agent: a 500 is a tool error and the run goes on' '
	http web call500 &&
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "mcp_web_add", "arguments": {"a": 1, "b": 2}}]},
	 {"text": "No luck."}]
	EOT
	fake_llm_start openai s.json &&
	timeout 30 hermes-ask sums >out 2>err &&
	echo "No luck." >want && test_cmp want out &&
	fake_llm_jq 2 "b[\"messages\"][-1][\"content\"]" | grep -q "^error: server .web. answered HTTP 500: boom"
'

test_done
