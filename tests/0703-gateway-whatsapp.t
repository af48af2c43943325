#!/bin/sh
test_description='hermes-gateway: WhatsApp Cloud API: verification, signed webhooks in, Graph API answers out'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"
. "$TEST_ROOT/fakes/sink.sh"

WHATSAPP_TOKEN=EAAG-fake-TOKEN-0123456789
WHATSAPP_APP_SECRET=app-SECRET-abcdef0123
WHATSAPP_VERIFY_TOKEN=verify-me-please
WHATSAPP_PHONE_NUMBER_ID=106540352242922
export WHATSAPP_TOKEN WHATSAPP_APP_SECRET WHATSAPP_VERIFY_TOKEN \
	WHATSAPP_PHONE_NUMBER_ID
ADDR_FILE="$HERMES_HOME/gateway/whatsapp.addr"

# the texts the fake Graph API accepted, one JSON body a line
sent_has() {
	sink_sent | grep -q "$1"
}

sent_count() {
	sink_sent | grep -c "$1"
}

log_has() {
	grep -qF -- "$1" "$HERMES_HOME/logs/gateway.log"
}

# gw_start: a gateway for WhatsApp against the fake Graph API (its pid
# in gw.pid); returns once it listens
gw_start() {
	rm -f "$ADDR_FILE"
	HERMES_GATEWAY_WHATSAPP_API="$SINK_URL/v21.0" \
		hermes-gateway run --platform whatsapp 2>>gw.err &
	echo $! >gw.pid
	test_when_finished "kill $! 2>/dev/null; :"
	wait_for test -s "$ADDR_FILE"
}

gw_stop() {
	kill -TERM "$(cat gw.pid)" && wait "$(cat gw.pid)"
}

hook_url() {
	echo "http://$(cat "$ADDR_FILE")/webhook${1:-}"
}

# post FILE [good|bad|none]: the status of a POST signed like Meta's
post() {
	hook_post "$(hook_url)" X-Hub-Signature-256 "$WHATSAPP_APP_SECRET" "$@"
}

# payload FROM NAME ID TEXT: a messages webhook with one text message
payload() {
	cat <<-EOF
	{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"$WHATSAPP_PHONE_NUMBER_ID"},"contacts":[{"profile":{"name":"$2"},"wa_id":"$1"}],"messages":[{"from":"$1","id":"$3","timestamp":"1749416383","type":"text","text":{"body":"$4"}}]},"field":"messages"}]}]}
	EOF
}

test_expect_success 'setup' '
	mkdir -p "$HERMES_HOME" &&
	cat >"$HERMES_HOME/config" <<-\EOF
	provider.retry_delay_ms = 10
	gateway.whatsapp.listen = 127.0.0.1:0
	gateway.whatsapp.allow = 16505551234
	EOF
'

test_expect_success 'the subscription check: the challenge for the right token, 403 else' '
	sink_start --graph --token "$WHATSAPP_TOKEN" &&
	gw_start &&
	test "$(hook_get "$(hook_url "?hub.mode=subscribe&hub.verify_token=$WHATSAPP_VERIFY_TOKEN&hub.challenge=1158201444")")" = 200 &&
	printf 1158201444 >want && test_cmp want hook.body &&
	test "$(hook_get "$(hook_url "?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444")")" = 403 &&
	! grep -q 1158201444 hook.body &&
	test "$(hook_get "$(hook_url "?hub.verify_token=$WHATSAPP_VERIFY_TOKEN&hub.challenge=1")")" = 403 &&
	gw_stop
'

test_expect_success 'a signed message: 200 at once, the answer through the Graph API' '
	cat >s.json <<-\EOT &&
	[{"text": "It comes in blue.", "delay": 3}]
	EOT
	fake_llm_start openai s.json &&
	sink_start --graph --token "$WHATSAPP_TOKEN" &&
	gw_start &&
	payload 16505551234 "Sheena Nelson" wamid.IN1 "Does it come in another color?" >m.json &&
	test "$(post m.json)" = 200 &&
	test "$(sink_count)" = 0 &&
	wait_for sent_has "It comes in blue." &&
	test "$(sink_py "L[-1][\"path\"]")" = "/v21.0/$WHATSAPP_PHONE_NUMBER_ID/messages" &&
	test "$(sink_py "L[-1][\"auth_ok\"]")" = true &&
	test "$(sink_py "L[-1][\"body\"][\"to\"]")" = 16505551234 &&
	test "$(sink_py "L[-1][\"body\"][\"messaging_product\"]")" = whatsapp &&
	test "$(sink_py "L[-1][\"body\"][\"recipient_type\"]")" = individual &&
	test "$(sink_py "L[-1][\"body\"][\"type\"]")" = text &&
	test "$(sink_py "L[-1][\"body\"][\"context\"][\"message_id\"]")" = wamid.IN1 &&
	fake_llm_jq 1 "b[\"messages\"][-1][\"content\"]" | grep -q "another color" &&
	gw_stop &&
	hermes-session list --source whatsapp >sess &&
	test_line_count = 1 sess
'

test_expect_success 'a bad signature is 401; statuses and images are taken and skipped' '
	fake_llm_start openai s.json &&
	sink_start --graph --token "$WHATSAPP_TOKEN" &&
	gw_start &&
	test "$(post m.json bad)" = 401 &&
	test "$(post m.json none)" = 401 &&
	test "$(hook_post "$(hook_url)" X-Hermes-Signature "$WHATSAPP_APP_SECRET" m.json)" = 401 &&
	cat >st.json <<-EOF &&
	{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"$WHATSAPP_PHONE_NUMBER_ID"},"statuses":[{"id":"wamid.OUT1","status":"delivered","timestamp":"1749416390","recipient_id":"16505551234"}]},"field":"messages"}]}]}
	EOF
	test "$(post st.json)" = 200 &&
	cat >img.json <<-EOF &&
	{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"phone_number_id":"$WHATSAPP_PHONE_NUMBER_ID"},"contacts":[{"profile":{"name":"S"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.IMG","timestamp":"1","type":"image","image":{"id":"1","mime_type":"image/jpeg"}}]},"field":"messages"}]}]}
	EOF
	test "$(post img.json)" = 200 &&
	payload 16505551234 S wamid.X "for another number" |
		sed "s/\"phone_number_id\":\"[0-9]*\"/\"phone_number_id\":\"999\"/" >other.json &&
	test "$(post other.json)" = 200 &&
	printf "{\"object\": " >torn.json &&
	test "$(post torn.json)" = 400 &&
	test "$(hook_post "http://$(cat "$ADDR_FILE")/elsewhere" X-Hub-Signature-256 "$WHATSAPP_APP_SECRET" m.json)" = 404 &&
	log_has "whatsapp: 1 status update skipped" &&
	log_has "whatsapp: message wamid.IMG skipped: image" &&
	log_has "whatsapp: a change for phone number 999 skipped: not ours" &&
	gateway_settled &&
	gw_stop &&
	test "$(fake_llm_requests)" = 0 &&
	test "$(sink_count)" = 0
'

test_expect_success 'a 429 from the Graph API: retried after Retry-After, delivered once' '
	cat >s.json <<-\EOT &&
	["Sorry for the wait."]
	EOT
	cat >g.json <<-\EOT &&
	{"fail": [{"status": 429, "retry_after": 2}]}
	EOT
	fake_llm_start openai s.json &&
	sink_start --graph --token "$WHATSAPP_TOKEN" --script g.json &&
	gw_start &&
	payload 16505551234 "Sheena Nelson" wamid.IN2 "still there?" >m2.json &&
	test "$(post m2.json)" = 200 &&
	wait_for sent_has "Sorry for the wait." &&
	wait_for gateway_outbox_has sent "Sorry for the wait." &&
	wait_for gateway_settled &&
	gw_stop &&
	test "$(sink_count 429)" = 1 &&
	test "$(sent_count "Sorry for the wait.")" = 1 &&
	grep -q "whatsapp: .*429.*next send in 2 s" "$HERMES_HOME/logs/gateway.log"
'

test_expect_success 'an unknown user gets a pairing code; once approved, the agent answers' '
	cat >s.json <<-\EOT &&
	["Welcome aboard."]
	EOT
	fake_llm_start openai s.json &&
	sink_start --graph --token "$WHATSAPP_TOKEN" &&
	gw_start &&
	payload 447700900123 Ann wamid.IN3 "let me in" >a.json &&
	test "$(post a.json)" = 200 &&
	wait_for sent_has "pairing code is" &&
	sink_sent | grep "pairing code is" | grep -q "\"to\":\"447700900123\"" &&
	test "$(fake_llm_requests)" = 0 &&
	code=$(hermes-gateway pair list | grep "^pending	whatsapp	447700900123	Ann	" | cut -f5) &&
	hermes-gateway pair approve whatsapp "$code" &&
	test "$(post a.json)" = 200 &&
	wait_for sent_has "Welcome aboard." &&
	gw_stop
'

test_expect_success 'send; a refused token; missing settings; no secret in a log' '
	sink_start --graph --token "$WHATSAPP_TOKEN" &&
	HERMES_GATEWAY_WHATSAPP_API="$SINK_URL/v21.0" \
		hermes-gateway send whatsapp:16505551234 "build passed" &&
	sent_has "build passed" &&
	test_expect_code 1 env HERMES_GATEWAY_WHATSAPP_API="$SINK_URL/v21.0" \
		WHATSAPP_TOKEN=wrong-token-0000 \
		hermes-gateway send whatsapp:16505551234 "no" 2>err &&
	grep -q "access token was refused (401)" err &&
	! grep -q wrong-token-0000 err &&
	for v in WHATSAPP_TOKEN WHATSAPP_APP_SECRET WHATSAPP_VERIFY_TOKEN WHATSAPP_PHONE_NUMBER_ID
	do
		test_expect_code 1 env -u $v \
			hermes-gateway run --platform whatsapp 2>err &&
		grep -q "$v is not set" err || exit 1
	done &&
	for s in "$WHATSAPP_TOKEN" "$WHATSAPP_APP_SECRET" "$WHATSAPP_VERIFY_TOKEN"
	do
		! grep -r -- "$s" "$HERMES_HOME/logs" "$HERMES_HOME/gateway" gw.err || exit 1
	done
'

test_done
