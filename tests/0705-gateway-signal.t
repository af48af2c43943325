#!/bin/sh
test_description='hermes-gateway on Signal (signal-cli REST API): direct and group chats, pairing, outages, 429, send'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"
. "$TEST_ROOT/fakes/signal.sh"

sent_has() {
	signal_sent | grep -q "$1"
}

sent_count() {
	signal_sent | grep -c "$1"
}

llm_asked() {
	test "$(fake_llm_requests)" = "$1"
}

log_has() {
	grep -q "$1" "$HERMES_HOME/logs/gateway.log"
}

# sent_field TEXT KEY: KEY of the (first) accepted send holding TEXT
sent_field() {
	signal_sent | grep "$1" | head -1 | "$FAKE_SIGNAL_PYTHON" -S -c '
import json, sys
v = json.loads(sys.stdin.read()).get(sys.argv[1])
print(v if isinstance(v, (str, int)) else json.dumps(v))' "$2"
}

# gw_start: a gateway for Signal in the background; its pid in gw.pid
gw_start() {
	hermes-gateway run --platform signal 2>>gw.err &
	echo $! >gw.pid
	test_when_finished "kill $! 2>/dev/null; :"
}

gw_stop() {
	kill -TERM "$(cat gw.pid)" && wait "$(cat gw.pid)"
}

test_expect_success 'setup' '
	mkdir -p "$HERMES_HOME" &&
	cat >"$HERMES_HOME/config" <<-\EOF
	provider.retry_delay_ms = 10
	gateway.signal.allow = +15550002,+15550003
	gateway.signal.interval = 1
	EOF
'

test_expect_success 'a direct message in, the answer out to that number, quoting it' '
	cat >s.json <<-\EOT &&
	["Hi there.", "You said hello before."]
	EOT
	fake_llm_start openai s.json &&
	cat >sg.json <<-\EOT &&
	{"messages": [{"kind": "receipt", "from": "+15550002"},
	              {"kind": "typing", "from": "+15550002"},
	              {"kind": "sync", "from": "+15550002"},
	              {"kind": "empty", "from": "+15550002"},
	              {"text": "hello", "from": "+15550002", "name": "Ann"}]}
	EOT
	signal_start sg.json &&
	gw_start &&
	wait_for sent_has "Hi there." &&
	test "$(sent_field "Hi there." recipients)" = "[\"+15550002\"]" &&
	test "$(sent_field "Hi there." quote_timestamp)" = 1700000000005 &&
	test "$(sent_field "Hi there." quote_author)" = +15550002 &&
	signal_push +15550002 "and again" &&
	wait_for sent_has "You said hello before." &&
	fake_llm_jq 2 "str([m[\"content\"] for m in b[\"messages\"]])" >conv &&
	grep -q "hello" conv && grep -q "Hi there." conv &&
	gw_stop &&
	llm_asked 2 &&
	test "$(signal_sent | wc -l)" = 2 &&
	grep -q "\"path\": \"/v1/receive/%2B15550001\"" "$FAKE_SIGNAL_LOG" &&
	grep -q "\"query\": {\"timeout\": \"1\"}" "$FAKE_SIGNAL_LOG" &&
	hermes-session list --source signal >sess &&
	test_line_count = 1 sess &&
	test -z "$(ls "$HERMES_HOME/gateway/inbox/")"
'

test_expect_success 'a group: answers go to the group, a session per user, strangers ignored' '
	cat >s.json <<-\EOT &&
	["Answer for two.", "Answer for three."]
	EOT
	fake_llm_start openai s.json &&
	cat >sg.json <<-\EOT &&
	{"messages": [{"text": "hi all", "from": "+15550009", "group": "team"},
	              {"text": "hi from two", "from": "+15550002", "group": "team"}]}
	EOT
	signal_start sg.json &&
	grp=$(signal_group team) &&
	gw_start &&
	wait_for sent_has "Answer for two." &&
	signal_push +15550003 "hi from three" team &&
	wait_for sent_has "Answer for three." &&
	gw_stop &&
	test "$(sent_field "Answer for two." recipients)" = "[\"$grp\"]" &&
	test "$(sent_field "Answer for two." quote_author)" = +15550002 &&
	test "$(sent_field "Answer for three." recipients)" = "[\"$grp\"]" &&
	test "$(sent_field "Answer for three." quote_author)" = +15550003 &&
	test "$(signal_sent | wc -l)" = 2 &&
	llm_asked 2 &&
	log_has "signal: user +15550009 is not allowed" &&
	! grep -q "+15550009" "$HERMES_HOME/gateway/pairing.json" 2>/dev/null &&
	"$FAKE_SIGNAL_PYTHON" -S - "$HERMES_HOME/gateway/chats.json" "$grp" <<-\PY
	import json, sys
	chats, grp = json.load(open(sys.argv[1])), sys.argv[2]
	a = chats["signal:%s:+15550002" % grp]
	b = chats["signal:%s:+15550003" % grp]
	assert a != b, (a, b)
	PY
'

test_expect_success 'strangers get a pairing code (also with a hidden number); once approved, the agent answers' '
	cat >s.json <<-\EOT &&
	["Welcome aboard."]
	EOT
	fake_llm_start openai s.json &&
	cat >sg.json <<-\EOT &&
	{"messages": [{"text": "let me in", "from": "+15550004"},
	              {"text": "me too", "from": "+15550006", "hide_number": true,
	               "uuid": "0a1b2c3d-0000-4000-8000-000000000006"}]}
	EOT
	signal_start sg.json &&
	gw_start &&
	wait_for sent_has "+15550004.*pairing code is" &&
	wait_for sent_has "0a1b2c3d-0000-4000-8000-000000000006.*pairing code is" &&
	llm_asked 0 &&
	hermes-gateway pair list >pairs &&
	grep -q "^pending	signal	+15550004	" pairs &&
	grep -q "^pending	signal	0a1b2c3d-0000-4000-8000-000000000006	" pairs &&
	code=$(grep "	+15550004	" pairs | cut -f5) &&
	hermes-gateway pair approve signal "$code" >who &&
	echo +15550004 >want && test_cmp want who &&
	signal_push +15550004 "hello now" &&
	wait_for sent_has "Welcome aboard." &&
	gw_stop &&
	test "$(sent_field "Welcome aboard." recipients)" = "[\"+15550004\"]"
'

test_expect_success 'the REST API down for a while: the gateway goes on, nothing lost, nothing twice' '
	cat >s.json <<-\EOT &&
	[{"text": "Back online.", "delay": 1}, "Still here."]
	EOT
	fake_llm_start openai s.json &&
	cat >sg.json <<-\EOT &&
	{"messages": [{"text": "are you there", "from": "+15550002"}],
	 "fail": {"receive": [500, 502]}}
	EOT
	signal_start sg.json &&
	gw_start &&
	wait_for llm_asked 1 &&
	signal_down 2 &&
	signal_push +15550002 "sent while it was down" &&
	wait_for sent_has "Back online." &&
	wait_for sent_has "Still here." &&
	wait_for gateway_settled &&
	kill -0 "$(cat gw.pid)" &&
	gw_stop &&
	test "$(sent_count "Back online.")" = 1 &&
	test "$(sent_count "Still here.")" = 1 &&
	llm_asked 2 &&
	log_has "signal: receive: HTTP 500" &&
	log_has "signal: .*next poll in" &&
	test -z "$(ls "$HERMES_HOME/gateway/inbox/")"
'

test_expect_success 'a 429 on send: retried after Retry-After, delivered once' '
	cat >s.json <<-\EOT &&
	["Rate limited once."]
	EOT
	fake_llm_start openai s.json &&
	cat >sg.json <<-\EOT &&
	{"messages": [{"text": "hurry", "from": "+15550002"}],
	 "fail": {"send": [{"status": 429, "retry_after": 1}]}}
	EOT
	signal_start sg.json &&
	gw_start &&
	wait_for sent_has "Rate limited once." &&
	wait_for gateway_outbox_has sent "Rate limited once." &&
	wait_for gateway_settled &&
	gw_stop &&
	test "$(sent_count "Rate limited once.")" = 1 &&
	test "$(signal_calls send 429)" = 1 &&
	log_has "signal: send: too many requests (429): retry after 1 s"
'

test_expect_success 'send: at once, to a number or a group; queued while the API is down' '
	cat >sg.json <<-\EOT &&
	{"messages": []}
	EOT
	signal_start sg.json &&
	hermes-gateway send signal:+15550002 hi &&
	test "$(sent_field "hi" recipients)" = "[\"+15550002\"]" &&
	grp=$(signal_group team) &&
	echo "to the team" | hermes-gateway send "signal:$grp" &&
	test "$(sent_field "to the team" recipients)" = "[\"$grp\"]" &&
	test_expect_code 1 hermes-gateway send signal:nobody hi 2>err &&
	grep -q "signal: send: Invalid identifier nobody (HTTP 400)" err &&
	HERMES_GATEWAY_SIGNAL_URL=http://127.0.0.1:9 hermes-gateway send signal:+15550002 "later" 2>err &&
	grep -q "queued in the outbox" err &&
	grep -l "later" "$HERMES_HOME/gateway/outbox/"*.json >/dev/null &&
	gw_start &&
	wait_for sent_has "later" &&
	wait_for gateway_outbox_has sent "later" &&
	wait_for gateway_settled &&
	gw_stop &&
	test "$(sent_count "later")" = 1
'

test_expect_success 'bad setup: no URL, no account, a bad interval' '
	test_expect_code 1 env -u HERMES_GATEWAY_SIGNAL_URL hermes-gateway run --platform signal 2>err &&
	grep -q "set gateway.signal.url" err &&
	test_expect_code 1 env -u HERMES_GATEWAY_SIGNAL_URL hermes-gateway send signal:+15550002 hi 2>err &&
	grep -q "set gateway.signal.url" err &&
	test_expect_code 1 env -u SIGNAL_ACCOUNT HERMES_GATEWAY_SIGNAL_URL=http://127.0.0.1:9 hermes-gateway run --platform signal 2>err &&
	grep -q "SIGNAL_ACCOUNT" err &&
	test_must_fail env HERMES_GATEWAY_SIGNAL_URL=http://127.0.0.1:9 SIGNAL_ACCOUNT=+15550001 HERMES_GATEWAY_SIGNAL_INTERVAL=0 hermes-gateway run --platform signal 2>err &&
	grep -q "gateway.signal.interval" err
'

test_done
