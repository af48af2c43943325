#!/bin/sh
test_description='hermes-gateway on Slack: Socket Mode in, chat.postMessage out; acks, mentions, threads, reconnects, 429'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"
. "$TEST_ROOT/fakes/slack.sh"

if ! slack_have_fake; then
	echo "1..0 # SKIP the fake Slack needs python3-websockets (make deps)"
	exit 0
fi

sent_has() {
	slack_sent | grep -q "$1"
}

sent_count() {
	slack_sent | grep -c "$1"
}

llm_asked() {
	test "$(fake_llm_requests)" = "$1"
}

log_has() {
	grep -qF -- "$1" "$HERMES_HOME/logs/gateway.log"
}

log_count() {
	test "$(grep -cF -- "$1" "$HERMES_HOME/logs/gateway.log")" = "$2"
}

connections() {
	test "$(slack_state connections)" -ge "$1" &&
	test "$(slack_state open)" = true
}

# acks_ok: every envelope the fake sent was acked, none past Slack's 3 s
# (the fake judges the time; late and missed are its counts)
acks_ok() {
	wait_for test "$(slack_state unacked)" = "[]" &&
	test "$(slack_state late)" = 0 &&
	test "$(slack_state missed)" = 0 &&
	test "$(slack_state acks)" -gt 0
}

gw_start() {
	hermes-gateway run --platform slack 2>>gw.err &
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
	gateway.slack.allow = U1
	EOF
'

test_expect_success 'a direct message in, the answer out in the same chat, every envelope acked' '
	cat >s.json <<-\EOT &&
	["Hi from the agent.", "Still here."]
	EOT
	fake_llm_start openai s.json &&
	slack_start &&
	gw_start &&
	slack_push "hello" D1 U1 >/dev/null &&
	wait_for sent_has "Hi from the agent." &&
	slack_sent | grep "Hi from the agent." | grep -q "\"channel\": \"D1\"" &&
	! slack_sent | grep "Hi from the agent." | grep -q thread_ts &&
	slack_push "again" D1 U1 >/dev/null &&
	wait_for sent_has "Still here." &&
	fake_llm_jq 2 "str([m[\"content\"] for m in b[\"messages\"]])" >conv &&
	grep -q "hello" conv && grep -q "Hi from the agent." conv &&
	acks_ok &&
	test "$(slack_calls auth.test)" = 1 &&
	test "$(slack_calls apps.connections.open)" = 1 &&
	gw_stop &&
	hermes-session list --source slack >sess &&
	test_line_count = 1 sess &&
	test -z "$(ls "$HERMES_HOME/gateway/inbox/")"
'

test_expect_success 'in a channel: a mention is answered in its thread, once; the rest is ignored' '
	cat >s.json <<-\EOT &&
	["Answer in the thread.", "Second answer in the thread."]
	EOT
	fake_llm_start openai s.json &&
	slack_start &&
	gw_start &&
	t1=$(slack_push "just chatting, no mention" C1 U1 channel) &&
	slack_ctl /_push "{\"text\": \"<@UBOT> a bot says hi\", \"channel\": \"C1\", \"user\": \"U9\", \"bot_id\": \"B9\", \"channel_type\": \"channel\"}" >bot.json &&
	slack_ctl /_push "{\"text\": \"edited <@UBOT>\", \"channel\": \"C1\", \"user\": \"U1\", \"subtype\": \"message_changed\", \"channel_type\": \"channel\"}" >edit.json &&
	ts=$(slack_push "<@UBOT> what is up &amp; down?" C1 U1 channel) &&
	wait_for sent_has "Answer in the thread." &&
	slack_sent | grep "Answer in the thread." >line &&
	grep -q "\"channel\": \"C1\"" line &&
	grep -q "\"thread_ts\": \"$ts\"" line &&
	test "$(fake_llm_requests)" = 1 &&
	fake_llm_jq 1 "b[\"messages\"][-1][\"content\"]" >asked &&
	grep -q "^what is up & down?\$" asked &&
	ts2=$(slack_push "<@UBOT> and a follow-up" C1 U1 channel "$ts") &&
	wait_for sent_has "Second answer in the thread." &&
	slack_sent | grep "Second answer" | grep -q "\"thread_ts\": \"$ts\"" &&
	fake_llm_jq 2 "str([m[\"content\"] for m in b[\"messages\"]])" >conv &&
	grep -q "what is up" conv &&
	log_has "slack: C1 $t1 skipped: not mentioned" &&
	log_has "slack: C1 $(sed "s/.*\"ts\": *\"\([^\"]*\)\".*/\1/" bot.json) skipped: a bot" &&
	log_has "slack: C1 $(sed "s/.*\"ts\": *\"\([^\"]*\)\".*/\1/" edit.json) skipped: a message_changed event" &&
	wait_for log_has "slack: C1 $ts skipped: taken already" &&
	wait_for log_has "slack: C1 $ts2 skipped: taken already" &&
	acks_ok &&
	wait_for gateway_settled &&
	test "$(sent_count "Answer in the thread.")" = 1 &&
	test "$(fake_llm_requests)" = 2 &&
	acks_ok &&
	gw_stop
'

test_expect_success 'an unknown user in a direct chat gets a pairing code; approved, served' '
	cat >s.json <<-\EOT &&
	["Welcome aboard."]
	EOT
	fake_llm_start openai s.json &&
	slack_start &&
	gw_start &&
	slack_push "let me in" D2 U2 >/dev/null &&
	wait_for sent_has "pairing code is" &&
	slack_sent | grep "pairing code" | grep -q "\"channel\": \"D2\"" &&
	test "$(fake_llm_requests)" = 0 &&
	hermes-gateway pair list >pairs &&
	grep -q "^pending	slack	U2	" pairs &&
	code=$(grep "^pending	slack	U2	" pairs | cut -f5) &&
	hermes-gateway pair approve slack "$code" >who &&
	echo U2 >want && test_cmp want who &&
	slack_push "hello now" D2 U2 >/dev/null &&
	wait_for sent_has "Welcome aboard." &&
	acks_ok &&
	gw_stop
'

test_expect_success 'a disconnect message, then a dropped connection: reconnected each time, events served' '
	cat >s.json <<-\EOT &&
	["After the refresh.", "After the drop."]
	EOT
	fake_llm_start openai s.json &&
	slack_start &&
	gw_start &&
	wait_for connections 1 &&
	slack_ctl /_disconnect "{\"reason\": \"refresh_requested\"}" >/dev/null &&
	wait_for connections 2 &&
	test "$(slack_calls apps.connections.open)" = 2 &&
	slack_push "still there?" D1 U1 >/dev/null &&
	wait_for sent_has "After the refresh." &&
	slack_ctl /_drop >/dev/null &&
	wait_for connections 3 &&
	test "$(slack_calls apps.connections.open)" = 3 &&
	slack_push "you dropped me" D1 U1 >/dev/null &&
	wait_for sent_has "After the drop." &&
	acks_ok &&
	gw_stop
'

test_expect_success 'a redelivered envelope is answered once' '
	cat >s.json <<-\EOT &&
	["Only once.", "Channel answer."]
	EOT
	fake_llm_start openai s.json &&
	slack_start &&
	gw_start &&
	slack_push "say it once" D1 U1 >/dev/null &&
	wait_for sent_has "Only once." &&
	slack_push "<@UBOT> and in the channel" C1 U1 channel >/dev/null &&
	slack_ctl /_redeliver >/dev/null &&
	wait_for llm_asked 2 &&
	slack_ctl /_redeliver >/dev/null &&
	acks_ok &&
	wait_for gateway_settled &&
	test "$(fake_llm_requests)" = 2 &&
	test "$(sent_count "Only once.")" = 1 &&
	test "$(sent_count "Channel answer.")" = 1 &&
	gw_stop
'

test_expect_success 'a 429 on chat.postMessage: delivered later, once, in the thread' '
	cat >s.json <<-\EOT &&
	["Slow but sure."]
	EOT
	fake_llm_start openai s.json &&
	slack_start &&
	slack_ctl /_fail "{\"method\": \"chat.postMessage\", \"with\": [{\"status\": 429, \"retry_after\": 1}]}" >/dev/null &&
	gw_start &&
	ts=$(slack_push "<@UBOT> take your time" C1 U1 channel) &&
	wait_for sent_has "Slow but sure." &&
	slack_sent | grep "Slow but sure." | grep -q "\"thread_ts\": \"$ts\"" &&
	wait_for gateway_outbox_has sent "Slow but sure." &&
	acks_ok &&
	wait_for gateway_settled &&
	test "$(sent_count "Slow but sure.")" = 1 &&
	test "$(slack_calls chat.postMessage)" = 2 &&
	grep -q "slack: chat.postMessage: rate limited (429)" "$HERMES_HOME/logs/gateway.log" &&
	acks_ok &&
	gw_stop
'

test_expect_success 'send: into a thread; a refusal names Slack'"'"'s error' '
	slack_start &&
	hermes-gateway send slack:C7:1700000000.000099 "build passed" &&
	slack_sent | grep "build passed" >line &&
	grep -q "\"channel\": \"C7\"" line &&
	grep -q "\"thread_ts\": \"1700000000.000099\"" line &&
	echo "a <b> & c" | hermes-gateway send slack:D1 &&
	slack_sent | grep -q "a &lt;b&gt; &amp; c" &&
	test_expect_code 1 hermes-gateway send slack:nowhere "hi" 2>err &&
	grep -q "channel_not_found" err &&
	HERMES_GATEWAY_SLACK_API=http://127.0.0.1:9 hermes-gateway send slack:C7 "later" 2>err &&
	grep -q "queued in the outbox" err &&
	grep -l "later" "$HERMES_HOME/gateway/outbox/"*.json >/dev/null
'

test_expect_success 'a Socket Mode URL refused: a new one after the backoff, no ticket in the log' '
	cat >s.json <<-\EOT &&
	["Through the second door."]
	EOT
	fake_llm_start openai s.json &&
	slack_start &&
	slack_ctl /_fail "{\"method\": \"apps.connections.open\", \"with\": [{\"ticket\": \"stale\"}]}" >/dev/null &&
	gw_start &&
	slack_push "knock knock" D1 U1 >/dev/null &&
	wait_for sent_has "Through the second door." &&
	test "$(slack_calls apps.connections.open)" = 2 &&
	grep -q "slack: cannot open the Socket Mode connection: .*401" "$HERMES_HOME/logs/gateway.log" &&
	! grep -q "stale-secret\|ticket=" "$HERMES_HOME/logs/gateway.log" &&
	acks_ok &&
	gw_stop
'

test_expect_success 'bad tokens: a clear error, and no token in it' '
	cat >sl.json <<-\EOT &&
	{"bot_token": "xoxb-the-right-one"}
	EOT
	slack_start sl.json &&
	test_expect_code 1 hermes-gateway run --platform slack 2>err &&
	grep -q "auth.test: the bot token (xoxb-) was refused (invalid_auth)" err &&
	grep -q SLACK_BOT_TOKEN err &&
	! grep -q "xoxb-fake" err &&
	test_expect_code 1 env -u SLACK_APP_TOKEN hermes-gateway run --platform slack 2>err &&
	grep -q SLACK_APP_TOKEN err &&
	test_expect_code 1 env -u SLACK_BOT_TOKEN hermes-gateway run --platform slack 2>err &&
	grep -q SLACK_BOT_TOKEN err
'

test_expect_success 'a refused app token: the gateway backs off and says why, without the token' '
	cat >sl.json <<-\EOT &&
	{"app_token": "xapp-the-right-one"}
	EOT
	slack_start sl.json &&
	gw_start &&
	wait_for grep -q "slack: apps.connections.open: the app-level token" "$HERMES_HOME/logs/gateway.log" &&
	grep -q "next poll in" "$HERMES_HOME/logs/gateway.log" &&
	! grep -q "xapp-fake\|xoxb-fake\|ticket=" "$HERMES_HOME/logs/gateway.log" &&
	gw_stop
'

test_done
