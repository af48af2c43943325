#!/bin/sh
test_description='hermes-gateway: Telegram in, the agent, answers out; pairing, outages, restarts, the outbox'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"
. "$TEST_ROOT/fakes/telegram.sh"

sent_has() {
	telegram_sent | grep -q "$1"
}

llm_asked() {
	test "$(fake_llm_requests)" = "$1"
}

sent_count() {
	telegram_sent | grep -c "$1"
}

log_has() {
	grep -qF -- "$1" "$HERMES_HOME/logs/gateway.log"
}

# tg_caught_up: a getUpdates has confirmed (its offset) every update the
# fake queued, so the fake will never hand one over again
tg_caught_up() {
	"$FAKE_TG_PYTHON" -S - "$TEST_TMP/telegram.log" "$TEST_TMP/telegram.ids" <<-\PY
	import json, sys
	nxt = int(open(sys.argv[2]).read().strip() or 1)
	offs = [json.loads(l)["body"].get("offset") or 0
	        for l in open(sys.argv[1], encoding="utf-8") if l.strip()
	        and json.loads(l)["method"] == "getUpdates"]
	sys.exit(0 if offs and max(offs) >= nxt else 1)
	PY
}

# gw_start: a gateway for Telegram in the background; its pid in gw.pid
gw_start() {
	hermes-gateway run --platform telegram 2>>gw.err &
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
	gateway.telegram.allow = 222
	EOF
'

test_expect_success 'a message in, the agent answers, the reply goes out' '
	cat >s.json <<-\EOT &&
	["Hi there.", "You said hello before."]
	EOT
	fake_llm_start openai s.json &&
	cat >tg.json <<-\EOT &&
	{"updates": [{"text": "hello", "chat": 111, "user": 222}]}
	EOT
	telegram_start tg.json &&
	gw_start &&
	wait_for sent_has "Hi there." &&
	telegram_sent | grep "Hi there." | grep -q "\"chat_id\": *111" &&
	telegram_sent | grep "Hi there." | grep -q "reply_to_message_id" &&
	telegram_push "and again" 111 222 &&
	wait_for sent_has "You said hello before." &&
	fake_llm_jq 2 "str([m[\"content\"] for m in b[\"messages\"]])" >conv &&
	grep -q "hello" conv && grep -q "Hi there." conv &&
	gw_stop &&
	hermes-session list --source telegram >sess &&
	test_line_count = 1 sess &&
	test -z "$(ls "$HERMES_HOME/gateway/inbox/")"
'

test_expect_success 'an unknown user gets a pairing code; once approved, the agent answers' '
	cat >s.json <<-\EOT &&
	["Welcome aboard."]
	EOT
	fake_llm_start openai s.json &&
	cat >tg.json <<-\EOT &&
	{"updates": [{"text": "let me in", "chat": 333, "user": 444}]}
	EOT
	telegram_start tg.json &&
	gw_start &&
	wait_for sent_has "pairing code is" &&
	test "$(fake_llm_requests)" = 0 &&
	hermes-gateway pair list >pairs &&
	grep -q "^pending	telegram	444	" pairs &&
	code=$(cut -f5 pairs | head -1) &&
	hermes-gateway pair approve telegram "$code" >who &&
	echo 444 >want && test_cmp want who &&
	telegram_push "hello now" 333 444 &&
	wait_for sent_has "Welcome aboard." &&
	gw_stop
'

test_expect_success 'an unknown user in a group is ignored; a wrong code is refused' '
	cat >tg.json <<-\EOT &&
	{"updates": [{"text": "hi all", "chat": -100, "user": 555, "type": "group"}]}
	EOT
	telegram_start tg.json &&
	fake_llm_start openai s.json &&
	gw_start &&
	wait_for log_has "telegram: user 555 is not allowed: ignored (a group)" &&
	gw_stop &&
	test "$(telegram_sent | wc -l)" = 0 &&
	test_expect_code 1 hermes-gateway pair approve telegram ABCDEFGH 2>err &&
	grep -q "wrong or expired" err
'

test_expect_success 'slash commands are answered by the gateway' '
	cat >tg.json <<-\EOT &&
	{"updates": [{"text": "/whoami", "chat": 111, "user": 222}, {"text": "/help", "chat": 111, "user": 222}, {"text": "/model", "chat": 111, "user": 222}]}
	EOT
	telegram_start tg.json &&
	fake_llm_start openai s.json &&
	gw_start &&
	wait_for sent_has "telegram user 222" &&
	wait_for sent_has "/new" &&
	wait_for sent_has "Model: $(hermes-config get model)" &&
	gw_stop &&
	test "$(fake_llm_requests)" = 0
'

test_expect_success 'Telegram down for a while: nothing lost, nothing twice' '
	cat >s.json <<-\EOT &&
	["Back online."]
	EOT
	fake_llm_start openai s.json &&
	cat >tg.json <<-\EOT &&
	{"updates": [{"text": "are you there", "chat": 111, "user": 222}],
	 "fail": {"getUpdates": [500, 500, 502]}}
	EOT
	telegram_start tg.json &&
	gw_start &&
	wait_for sent_has "Back online." &&
	wait_for tg_caught_up &&
	wait_for gateway_settled &&
	gw_stop &&
	test "$(sent_count "Back online.")" = 1 &&
	test "$(fake_llm_requests)" = 1 &&
	grep -q "telegram: .*next poll in" "$HERMES_HOME/logs/gateway.log"
'

test_expect_success 'a send that fails (500): the answer waits in the outbox, then goes out once' '
	cat >s.json <<-\EOT &&
	["Kept for later."]
	EOT
	fake_llm_start openai s.json &&
	cat >tg.json <<-\EOT &&
	{"updates": [{"text": "answer me", "chat": 111, "user": 222}],
	 "fail": {"sendMessage": [500]}}
	EOT
	telegram_start tg.json &&
	gw_start &&
	wait_for grep -q "telegram:111: the answer waits in the outbox as .*HTTP 500" \
		"$HERMES_HOME/logs/gateway.log" &&
	wait_for sent_has "Kept for later." &&
	wait_for tg_caught_up &&
	wait_for gateway_settled &&
	gw_stop &&
	test "$(sent_count "Kept for later.")" = 1 &&
	test "$(telegram_calls sendMessage)" = 2 &&
	grep -l "Kept for later." "$HERMES_HOME/gateway/outbox/sent/"*.json >/dev/null
'

test_expect_success 'a send refused for good (400): the answer is kept in outbox/failed/' '
	cat >s.json <<-\EOT &&
	["Refused answer."]
	EOT
	fake_llm_start openai s.json &&
	cat >tg.json <<-\EOT &&
	{"updates": [{"text": "to a chat that is gone", "chat": 111, "user": 222}],
	 "fail": {"sendMessage": [{"status": 400, "description": "Bad Request: chat not found"}]}}
	EOT
	telegram_start tg.json &&
	gw_start &&
	wait_for log_has "telegram:111: the answer was refused (telegram: sendMessage: Bad Request: chat not found (400)); it is kept as outbox/failed/" &&
	wait_for tg_caught_up &&
	wait_for gateway_settled &&
	gw_stop &&
	test "$(sent_count "Refused answer.")" = 0 &&
	test "$(telegram_calls sendMessage)" = 1 &&
	f=$(grep -l "Refused answer." "$HERMES_HOME/gateway/outbox/failed/"*.json) &&
	grep -q "chat not found" "$f" &&
	grep -q "\"target\": *\"telegram:111\"" "$f"
'

test_expect_success 'neither sent nor queued: the message stays in inbox/, answered after a restart' '
	cat >s.json <<-\EOT &&
	["Not sent, not queued.", "Answered after all."]
	EOT
	fake_llm_start openai s.json &&
	cat >tg.json <<-\EOT &&
	{"updates": [], "fail": {"sendMessage": [500]}}
	EOT
	telegram_start tg.json &&
	gw_start &&
	wait_for log_has "started, pid $(cat gw.pid)" &&
	ob=$HERMES_HOME/gateway/outbox &&
	test_when_finished "[ -d \"$ob.away\" ] && rm -f \"$ob\" && mv \"$ob.away\" \"$ob\"; :" &&
	mv "$ob" "$ob.away" && : >"$ob" &&
	telegram_push "keep me" 111 222 &&
	wait_for log_has "its message stays in inbox/ to be answered after a restart" &&
	gw_stop &&
	test -n "$(ls "$HERMES_HOME/gateway/inbox/")" &&
	rm "$ob" && mv "$ob.away" "$ob" &&
	gw_start &&
	wait_for sent_has "Answered after all." &&
	wait_for tg_caught_up &&
	wait_for gateway_settled &&
	gw_stop &&
	test "$(sent_count "Not sent, not queued.")" = 0 &&
	test "$(sent_count "Answered after all.")" = 1
'

test_expect_success 'a gateway killed between poll and reply answers after the restart' '
	cat >s.json <<-\EOT &&
	[{"text": "too late", "delay": 30}, "Answered after the restart."]
	EOT
	fake_llm_start openai s.json &&
	cat >tg.json <<-\EOT &&
	{"updates": [{"text": "survive this", "chat": 111, "user": 222}]}
	EOT
	telegram_start tg.json &&
	gw_start &&
	wait_for llm_asked 1 &&
	test -n "$(ls "$HERMES_HOME/gateway/inbox/")" &&
	kill -9 "$(cat gw.pid)" && wait "$(cat gw.pid)" 2>/dev/null;
	test_pkill 9 "hermes-ask --json -q --source telegram";
	gw_start &&
	wait_for sent_has "Answered after the restart." &&
	gw_stop &&
	test "$(sent_count "Answered after the restart.")" = 1 &&
	test "$(sent_count "too late")" = 0 &&
	test -z "$(ls "$HERMES_HOME/gateway/inbox/")"
'

test_expect_success 'the outbox: delivered once, also what a crash left claimed' '
	cat >tg.json <<-\EOT &&
	{"updates": []}
	EOT
	telegram_start tg.json &&
	mkdir -p "$HERMES_HOME/gateway/outbox/cur" &&
	printf "{\"target\": \"telegram:111\", \"text\": \"from cron\"}\n" \
		>"$HERMES_HOME/gateway/outbox/.a.json" &&
	mv "$HERMES_HOME/gateway/outbox/.a.json" "$HERMES_HOME/gateway/outbox/a.json" &&
	printf "{\"target\": \"telegram:111\", \"text\": \"left in cur\"}\n" \
		>"$HERMES_HOME/gateway/outbox/cur/b.json" &&
	printf "{\"target\": \"nochat\", \"text\": \"x\"}\n" \
		>"$HERMES_HOME/gateway/outbox/c.json" &&
	gw_start &&
	wait_for sent_has "from cron" &&
	wait_for sent_has "left in cur" &&
	wait_for test -f "$HERMES_HOME/gateway/outbox/failed/c.json" &&
	wait_for test -f "$HERMES_HOME/gateway/outbox/sent/a.json" &&
	wait_for test -f "$HERMES_HOME/gateway/outbox/sent/b.json" &&
	wait_for gateway_settled &&
	gw_stop &&
	test "$(sent_count "from cron")" = 1 &&
	test "$(sent_count "left in cur")" = 1
'

test_expect_success 'send: at once when Telegram answers, else into the outbox' '
	cat >tg.json <<-\EOT &&
	{"updates": []}
	EOT
	telegram_start tg.json &&
	hermes-gateway send telegram:111 "build passed" &&
	sent_has "build passed" &&
	echo "from stdin" | hermes-gateway send telegram:111 &&
	sent_has "from stdin" &&
	HERMES_GATEWAY_TELEGRAM_API=http://127.0.0.1:9 hermes-gateway send telegram:111 "later" 2>err &&
	grep -q "queued in the outbox" err &&
	grep -l "later" "$HERMES_HOME/gateway/outbox/"*.json >/dev/null &&
	test_expect_code 2 hermes-gateway send "not a target" hi 2>err
'

test_expect_success 'one gateway per state directory; status says what runs' '
	cat >tg.json <<-\EOT &&
	{"updates": []}
	EOT
	telegram_start tg.json &&
	rm -f "$HERMES_HOME/gateway/status.json" &&
	gw_start &&
	wait_for test -f "$HERMES_HOME/gateway/status.json" &&
	test_expect_code 4 hermes-gateway run --platform telegram 2>err &&
	grep -q "running already" err &&
	hermes-gateway status >st &&
	grep -q "^gateway	running$" st &&
	grep -q "^telegram	" st &&
	gw_stop &&
	hermes-gateway status | grep -q "^gateway	stopped$"
'

test_expect_success 'bad input: no token, an unknown platform, a wrong verb' '
	test_expect_code 1 env -u TELEGRAM_BOT_TOKEN hermes-gateway run --platform telegram 2>err &&
	grep -q "TELEGRAM_BOT_TOKEN" err &&
	test_expect_code 2 hermes-gateway run --platform myspace 2>err &&
	grep -q "unknown platform" err &&
	test_expect_code 2 hermes-gateway frobnicate 2>err &&
	test_expect_code 2 hermes-gateway pair approve telegram 2>err
'

test_done
