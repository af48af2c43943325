#!/bin/sh
test_description='hermes-gateway: the generic webhook: signed messages in, signed answers out, pairing, outages'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"
. "$TEST_ROOT/fakes/sink.sh"

WEBHOOK_SECRET=hook-SECRET-0123456789abcdef
export WEBHOOK_SECRET
ADDR_FILE="$HERMES_HOME/gateway/webhook.addr"

sent_has() {
	sink_sent | grep -q "$1"
}

# queued N: N messages wait in the outbox
queued() {
	test "$(ls "$HERMES_HOME/gateway/outbox/" | grep -c "\.json$")" = "$1"
}

# delivered N: N messages of the outbox were delivered
delivered() {
	test "$(ls "$HERMES_HOME/gateway/outbox/sent/" 2>/dev/null | wc -l)" = "$1"
}

sent_count() {
	sink_sent | grep -c "$1"
}

# gw_start: a gateway for the webhook in the background (its pid in
# gw.pid), answering to the sink; returns once it listens
gw_start() {
	rm -f "$ADDR_FILE"
	HERMES_GATEWAY_WEBHOOK_URL="$SINK_URL/replies" \
		hermes-gateway run --platform webhook 2>>gw.err &
	echo $! >gw.pid
	test_when_finished "kill $! 2>/dev/null; :"
	wait_for test -s "$ADDR_FILE"
}

gw_stop() {
	kill -TERM "$(cat gw.pid)" && wait "$(cat gw.pid)"
}

hook_url() {
	echo "http://$(cat "$ADDR_FILE")${1:-/webhook}"
}

# post FILE [good|bad|none]: the status of a signed POST of FILE
post() {
	hook_post "$(hook_url)" X-Hermes-Signature "$WEBHOOK_SECRET" "$@"
}

test_expect_success 'setup' '
	mkdir -p "$HERMES_HOME" &&
	cat >"$HERMES_HOME/config" <<-\EOF
	provider.retry_delay_ms = 10
	gateway.webhook.listen = 127.0.0.1:0
	gateway.webhook.allow = alice
	EOF
'

test_expect_success 'a signed message: 200 at once, the answer POSTed back signed' '
	cat >s.json <<-\EOT &&
	[{"text": "Hi from the agent.", "delay": 3}]
	EOT
	fake_llm_start openai s.json &&
	sink_start --secret "$WEBHOOK_SECRET" &&
	gw_start &&
	grep -q "^127\.0\.0\.1:[1-9][0-9]*$" "$ADDR_FILE" &&
	printf "%s" "{\"text\":\"hello\",\"user\":\"alice\",\"channel\":\"c1\",\"message_id\":\"m1\",\"thread\":\"t9\"}" >m.json &&
	test "$(post m.json)" = 200 &&
	grep -q "\"ok\":true" hook.body &&
	test "$(sink_count)" = 0 &&
	wait_for sent_has "Hi from the agent." &&
	test "$(sink_py "L[-1][\"body\"][\"chat_id\"]")" = c1 &&
	test "$(sink_py "L[-1][\"body\"][\"thread\"]")" = t9 &&
	test "$(sink_py "L[-1][\"body\"][\"reply_to\"]")" = m1 &&
	test "$(sink_py "L[-1][\"path\"]")" = /replies &&
	test "$(sink_py "L[-1][\"sig_ok\"]")" = true &&
	fake_llm_jq 1 "b[\"messages\"][-1][\"content\"]" | grep -q hello &&
	gw_stop &&
	test ! -e "$ADDR_FILE" &&
	hermes-session list --source webhook >sess &&
	test_line_count = 1 sess &&
	test -z "$(ls "$HERMES_HOME/gateway/inbox/")"
'

test_expect_success 'bad or no signature is 401 and reaches nobody; bad JSON 400' '
	fake_llm_start openai s.json &&
	sink_start --secret "$WEBHOOK_SECRET" &&
	gw_start &&
	test "$(post m.json bad)" = 401 &&
	grep -q "X-Hermes-Signature" hook.body &&
	test "$(post m.json none)" = 401 &&
	test "$(hook_post "$(hook_url)" X-Hermes-Signature not-the-secret m.json)" = 401 &&
	printf "{\"text\": \"hi\", " >torn.json &&
	test "$(post torn.json)" = 400 &&
	printf "%s" "{\"text\":\"hi\",\"user\":\"alice\"}" >nochan.json &&
	test "$(post nochan.json)" = 400 &&
	grep -q "channel" hook.body &&
	printf "%s" "{\"text\":\"hi\",\"user\":\"alice\",\"channel\":\"a:b\"}" >colon.json &&
	test "$(post colon.json)" = 400 &&
	test "$(hook_get "$(hook_url)")" = 405 &&
	test "$(hook_post "$(hook_url /elsewhere)" X-Hermes-Signature "$WEBHOOK_SECRET" m.json)" = 404 &&
	test "$(post m.json)" = 200 &&
	wait_for sent_has "Hi from the agent." &&
	gw_stop &&
	test "$(fake_llm_requests)" = 1 &&
	test "$(sink_count)" = 1
'

test_expect_success 'an unknown user gets a pairing code; once approved, the agent answers' '
	cat >s.json <<-\EOT &&
	["Welcome aboard."]
	EOT
	fake_llm_start openai s.json &&
	sink_start --secret "$WEBHOOK_SECRET" &&
	gw_start &&
	printf "%s" "{\"text\":\"let me in\",\"user\":\"bob\",\"channel\":\"c2\",\"user_name\":\"Bob\"}" >b.json &&
	test "$(post b.json)" = 200 &&
	wait_for sent_has "pairing code is" &&
	sink_sent | grep "pairing code is" | grep -q "\"chat_id\":\"c2\"" &&
	test "$(fake_llm_requests)" = 0 &&
	hermes-gateway pair list >pairs &&
	grep -q "^pending	webhook	bob	Bob	" pairs &&
	code=$(grep "^pending	webhook	bob	" pairs | cut -f5) &&
	hermes-gateway pair approve webhook "$code" >who &&
	echo bob >want && test_cmp want who &&
	test "$(post b.json)" = 200 &&
	wait_for sent_has "Welcome aboard." &&
	gw_stop
'

test_expect_success 'the reply URL down: messages still taken, answers queued, delivered once it is back' '
	cat >s.json <<-\EOT &&
	["Delivered later.", "Also later."]
	EOT
	fake_llm_start openai s.json &&
	sink_start --secret "$WEBHOOK_SECRET" &&
	sink_stop &&
	gw_start &&
	test "$(post m.json)" = 200 &&
	wait_for queued 1 &&
	test "$(post m.json)" = 200 &&
	wait_for queued 2 &&
	sink_restart &&
	wait_for sent_has "Delivered later." &&
	wait_for sent_has "Also later." &&
	wait_for delivered 2 &&
	wait_for gateway_settled &&
	gw_stop &&
	test "$(sent_count "Delivered later.")" = 1 &&
	grep -q "webhook: the reply POST failed" "$HERMES_HOME/logs/gateway.log"
'

test_expect_success 'send: signed (the secret also from .env), also while a gateway listens; no URL is a clear error' '
	sink_start --secret "$WEBHOOK_SECRET" &&
	gw_start &&
	HERMES_GATEWAY_WEBHOOK_URL="$SINK_URL/replies" \
		hermes-gateway send webhook:c7:th "build passed" &&
	sent_has "build passed" &&
	test "$(sink_py "L[-1][\"body\"][\"thread\"]")" = th &&
	test "$(sink_py "L[-1][\"sig_ok\"]")" = true &&
	gw_stop &&
	printf "WEBHOOK_SECRET=%s\n" "$WEBHOOK_SECRET" >"$HERMES_HOME/.env" &&
	chmod 600 "$HERMES_HOME/.env" &&
	test_when_finished "rm -f \"\$HERMES_HOME/.env\"" &&
	env -u WEBHOOK_SECRET HERMES_GATEWAY_WEBHOOK_URL="$SINK_URL/replies" \
		hermes-gateway send webhook:c8 "secret from .env" &&
	sent_has "secret from .env" &&
	test "$(sink_py "L[-1][\"sig_ok\"]")" = true &&
	sink_fail "{\"fail\": [400]}" &&
	test_expect_code 1 env HERMES_GATEWAY_WEBHOOK_URL="$SINK_URL/replies" \
		hermes-gateway send webhook:c7 "refused" 2>err &&
	grep -q "HTTP 400" err &&
	test_expect_code 1 hermes-gateway send webhook:c7 "nowhere" 2>err &&
	grep -q "gateway.webhook.url is not set" err
'

test_expect_success 'no WEBHOOK_SECRET: run exits 1 and says so; the secret never reaches a log' '
	test_expect_code 1 env -u WEBHOOK_SECRET \
		hermes-gateway run --platform webhook 2>err &&
	grep -q "WEBHOOK_SECRET" err &&
	grep -q "unsigned" err &&
	! grep -r "$WEBHOOK_SECRET" "$HERMES_HOME/logs" "$HERMES_HOME/gateway" &&
	! grep -q "$WEBHOOK_SECRET" gw.err
'

test_done
