#!/bin/sh
test_description='hermes-gateway mcp: the conversations over MCP, to our client, a script and the official SDK'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"
. "$TEST_ROOT/fakes/telegram.sh"
. "$TEST_ROOT/fakes/mcp.sh"

# The MCP client passes HOME to its servers: never the real one.
HOME="$TEST_TMP/nohome"
export HOME
DRIVE="$MCP_PYTHON -S $TEST_ROOT/fakes/mcp_drive.py"

sent_has() {
	telegram_sent | grep -q "$1"
}

gw_start() {
	hermes-gateway run --platform telegram 2>>gw.err &
	echo $! >gw.pid
	test_when_finished "kill $! 2>/dev/null; :"
}

gw_stop() {
	kill -TERM "$(cat gw.pid)" && wait "$(cat gw.pid)"
}

# py EXPR <FILE: EXPR over j, the JSON on stdin; prints it, fails if falsy
py() {
	"$MCP_PYTHON" -S -c 'import json, sys
j = json.load(sys.stdin)
v = eval(sys.argv[1])
print(v if isinstance(v, str) else json.dumps(v))
sys.exit(0 if v or v == 0 else 1)' "$1"
}

call() {
	hermes-mcp call gw "$@"
}

test_expect_success 'setup: config, and our client pointed at hermes-gateway mcp' '
	mkdir -p "$HERMES_HOME" &&
	cat >"$HERMES_HOME/config" <<-\EOF &&
	provider.retry_delay_ms = 10
	gateway.telegram.allow = 222
	gateway.platforms = telegram
	EOF
	hermes-mcp add -e "HERMES_HOME=\${HERMES_HOME}" gw -- hermes-gateway mcp
'

test_expect_success 'a real gateway run logs the message in and the reply out' '
	cat >s.json <<-\EOT &&
	["Hi there."]
	EOT
	fake_llm_start openai s.json &&
	cat >tg.json <<-\EOT &&
	{"updates": [{"text": "hello", "chat": 111, "user": 222, "name": "ann"}]}
	EOT
	telegram_start tg.json &&
	gw_start &&
	wait_for sent_has "Hi there." &&
	wait_for grep -q "\"type\":\"reply\"" "$HERMES_HOME/gateway/events.jsonl" &&
	gw_stop &&
	grep -c "\"session_key\":\"telegram:111\"" "$HERMES_HOME/gateway/events.jsonl" >n &&
	echo 2 >want && test_cmp want n &&
	head -1 "$HERMES_HOME/gateway/events.jsonl" | grep -q "^{\"type\":\"log\",\"base\":0,"
'

test_expect_success 'hermes-mcp test: the ten tools' '
	hermes-mcp test gw >tools 2>err &&
	cut -f1 tools | sort >names &&
	sort >want <<-\EOF &&
	conversations_list
	conversation_get
	messages_read
	attachments_fetch
	events_poll
	events_wait
	messages_send
	channels_list
	permissions_list_open
	permissions_respond
	EOF
	test_cmp want names &&
	grep -q "hermes-gateway" err
'

test_expect_success 'conversations_list and conversation_get' '
	call conversations_list "{}" >out &&
	py "j[\"count\"] == 1" <out &&
	py "j[\"conversations\"][0]" <out >c &&
	py "j[\"session_key\"] == \"telegram:111\" and j[\"platform\"] == \"telegram\" and j[\"chat_id\"] == \"111\" and j[\"message_count\"] == 2 and j[\"display_name\"] == \"ann\" and j[\"chat_type\"] == \"dm\"" <c &&
	sid=$(py "j[\"telegram:111\"]" <"$HERMES_HOME/gateway/chats.json") &&
	py "j[\"session_id\"]" <c >got && echo "$sid" >want && test_cmp want got &&
	call conversations_list "{\"platform\": \"slack\"}" | py "j[\"count\"] == 0" &&
	call conversations_list "{\"search\": \"ANN\"}" | py "j[\"count\"] == 1" &&
	call conversation_get "{\"session_key\": \"telegram:111\"}" >g &&
	py "j[\"target\"] == \"telegram:111\" and j[\"user_id\"] == \"222\" and j[\"created_at\"]" <g &&
	test_expect_code 1 call conversation_get "{\"session_key\": \"telegram:999\"}" 2>err &&
	grep -q "not found" err
'

test_expect_success 'messages_read: both ways, oldest first; events_poll after a cursor' '
	call messages_read "{\"session_key\": \"telegram:111\"}" >m &&
	py "[(x[\"role\"], x[\"content\"]) for x in j[\"messages\"]] == [(\"user\", \"hello\"), (\"assistant\", \"Hi there.\")]" <m &&
	call messages_read "{\"session_key\": \"telegram:111\", \"limit\": 1}" |
		py "j[\"count\"] == 1 and j[\"total_in_session\"] == 2 and j[\"messages\"][0][\"content\"] == \"Hi there.\"" &&
	c1=$(py "j[\"messages\"][0][\"cursor\"]" <m) &&
	c2=$(py "j[\"messages\"][1][\"cursor\"]" <m) &&
	call events_poll "{\"after_cursor\": $c1}" >e &&
	py "[x[\"content\"] for x in j[\"events\"]] == [\"Hi there.\"] and j[\"next_cursor\"] == $c2" <e &&
	py "j[\"events\"][0][\"role\"] == \"assistant\" and j[\"events\"][0][\"session_key\"] == \"telegram:111\"" <e &&
	call events_poll "{\"after_cursor\": $c2}" | py "j[\"events\"] == [] and j[\"next_cursor\"] == $c2" &&
	call events_poll "{}" | py "j[\"events\"] == []"
'

test_expect_success 'messages_send: into the outbox, and the running gateway delivers it' '
	cat >tg.json <<-\EOT &&
	{"updates": []}
	EOT
	telegram_start tg.json &&
	call messages_send "{\"target\": \"telegram:111\", \"message\": \"from mcp\"}" >r &&
	name=$(py "j[\"outbox\"]" <r) &&
	py "j[\"queued\"] and not j[\"gateway_running\"]" <r &&
	grep -q "from mcp" "$HERMES_HOME/gateway/outbox/$name" &&
	gw_start &&
	wait_for sent_has "from mcp" &&
	wait_for test -f "$HERMES_HOME/gateway/outbox/sent/$name" &&
	call messages_send "{\"session_key\": \"telegram:111\", \"message\": \"by key\"}" >r &&
	py "j[\"target\"] == \"telegram:111\" and j[\"gateway_running\"]" <r &&
	wait_for sent_has "by key" &&
	gw_stop &&
	call messages_read "{\"session_key\": \"telegram:111\"}" |
		py "[x[\"content\"] for x in j[\"messages\"]][-2:] == [\"from mcp\", \"by key\"]" &&
	test_expect_code 1 call messages_send "{\"target\": \"nochat\", \"message\": \"x\"}" 2>err &&
	grep -q "nochat" err &&
	test_expect_code 1 call messages_send "{\"target\": \"telegram:111\"}"
'

test_expect_success 'channels_list; attachments and permissions say what is not there' '
	call channels_list "{}" >ch &&
	py "j[\"channels\"][0][\"target\"] == \"telegram:111\" and j[\"platforms\"] == [\"telegram\"]" <ch &&
	test_expect_code 1 call attachments_fetch "{\"session_key\": \"telegram:111\", \"message_id\": \"1\"}" 2>err &&
	grep -q "only the text" err &&
	call permissions_list_open "{}" | py "j[\"count\"] == 0 and j[\"approvals\"] == []" &&
	test_expect_code 1 call permissions_respond "{\"id\": \"x\", \"decision\": \"deny\"}" 2>err &&
	grep -q "no open permission request" err &&
	test_expect_code 1 call permissions_respond "{\"id\": \"x\", \"decision\": \"maybe\"}" 2>err &&
	grep -q "Invalid decision" err
'

test_expect_success 'events_wait: a message from Telegram during the wait, then its reply; a timeout' '
	cat >s.json <<-\EOT &&
	["Pong."]
	EOT
	fake_llm_start openai s.json &&
	cat >tg.json <<-\EOT &&
	{"updates": []}
	EOT
	telegram_start tg.json &&
	gw_start &&
	cat >push.py <<-EOF &&
	import json, urllib.request
	urllib.request.urlopen(urllib.request.Request(
	    "http://127.0.0.1:$FAKE_TG_PORT/control/push",
	    data=json.dumps({"text": "ping", "chat": 111, "user": 222,
	                     "type": "private"}).encode(),
	    headers={"Content-Type": "application/json"}), timeout=5).read()
	EOF
	$DRIVE -- hermes-gateway mcp >out <<-EOF &&
	init
	call 1 events_wait {"timeout_ms": 20000}
	bg $MCP_PYTHON -S push.py
	expect s["event"]["content"] == "ping" and s["event"]["role"] == "user"
	let c s["next_cursor"]
	sub call 2 events_wait {{"after_cursor": {c}, "session_key": "telegram:111", "timeout_ms": 20000}}
	expect s["event"]["content"] == "Pong." and s["event"]["role"] == "assistant"
	let c s["next_cursor"]
	sub call 3 events_wait {{"after_cursor": {c}, "timeout_ms": 300}}
	expect s["event"] is None and s["reason"] == "timeout" and s["next_cursor"] == v["c"]
	close
	exit 0
	EOF
	gw_stop
'

test_expect_success 'protocol: not JSON is -32700, an unknown method -32601, EOF exits 0' '
	$DRIVE -- hermes-gateway mcp <<-\EOF
	init
	raw this is not JSON
	expect m["error"]["code"] == -32700 and m["id"] is None
	send {"jsonrpc": "2.0", "id": 7, "method": "resources/list"}
	expect m["error"]["code"] == -32601 and m["id"] == 7
	send {"jsonrpc": "2.0", "id": 8, "method": "ping"}
	expect m["result"] == {}
	close
	exit 0
	EOF
'

# The official SDK, over stdio and (for the conformance suite's server
# scenarios, which only speak HTTP) through a stdio-to-HTTP bridge.
if mcp_have_npm && NODE22=$(mcp_node22 2>/dev/null); then
	test_expect_success 'the official TypeScript SDK client, over stdio' '
		"$NODE22" "$TEST_ROOT/fakes/mcp-sdk-stdio.mjs" \
			"$(mcp_npm_dir)/@modelcontextprotocol/sdk" conversations_list "{}" \
			-- hermes-gateway mcp >out 2>err &&
		grep -q "^conversations_list,conversation_get,.*permissions_respond$" err &&
		py "j[\"structuredContent\"][\"conversations\"][0][\"session_key\"]" <out >k &&
		echo telegram:111 >want && test_cmp want k
	'

	test_expect_success 'conformance server scenarios: initialize, ping, tools-list' '
		"$MCP_PYTHON" -S "$TEST_ROOT/fakes/mcp_bridge.py" --port-file bridge.port \
			--watch-pid $$ -- hermes-gateway mcp 2>bridge.err &
		echo $! >bridge.pid &&
		test_when_finished "kill $(cat bridge.pid) 2>/dev/null; :" &&
		wait_for test -s bridge.port &&
		url="http://127.0.0.1:$(cat bridge.port)/mcp" &&
		suite="$(mcp_npm_dir)/@modelcontextprotocol/conformance/dist/index.js" &&
		for s in server-initialize ping tools-list; do
			timeout 60 "$NODE22" "$suite" server --url "$url" \
				--scenario "$s" >"$s.log" 2>&1 ||
			{ cat "$s.log"; exit 1; }
		done
	'
else
	test_skip 'the official TypeScript SDK client, over stdio' 'no deps/npm'
	test_skip 'conformance server scenarios' 'no deps/npm'
fi

test_expect_success 'the servers hermes-mcp started said nothing on stderr' '
	test -f "$HERMES_HOME/logs/mcp-gw.log" &&
	test_line_count = 0 "$HERMES_HOME/logs/mcp-gw.log"
'

test_done
