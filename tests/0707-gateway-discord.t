#!/bin/sh
test_description='hermes-gateway on Discord: the Gateway in (identify, heartbeats, resume, op 7, op 9, fatal closes), REST out (replies, 429, long answers)'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"
. "$TEST_ROOT/fakes/discord.sh"

sent_has() {
	discord_sent | grep -q "$1"
}

sent_count() {
	discord_sent | grep -c "$1"
}

llm_asked() {
	test "$(fake_llm_requests)" = "$1"
}

count_gt() {
	test "$(discord_count "$1")" -gt "$2"
}

log_has() {
	grep -qF -- "$1" "$HERMES_HOME/logs/gateway.log"
}

# hb_at S: the last heartbeat names s S
hb_at() {
	test "$(discord_log heartbeat "e[\"d\"]" | tail -1)" = "$1"
}

status_has() {
	hermes-gateway status | grep "^$1	" | grep -q "$2"
}

# caught_up: the last heartbeat names the last s the fake sent
caught_up() {
	discord_log heartbeat 'e["d"] == e["last_s"]' | tail -1 | grep -q true
}

# msg_id FILE: the id of the message the fake's answer in FILE names
msg_id() {
	sed "s/.*\"id\": *\"\([0-9]*\)\".*/\1/" "$1"
}

# push JSON: a MESSAGE_CREATE; its s in pushed.s
push() {
	discord_push "$1" >pushed.json &&
	sed 's/.*"s": *\([0-9a-z]*\).*/\1/' pushed.json >pushed.s
}

gw_start() {
	hermes-gateway run --platform discord 2>>gw.err &
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
	gateway.discord.allow = 222
	EOF
'

test_expect_success 'a DM in, the answer out as a reply; identify and heartbeats' '
	cat >s.json <<-\EOT &&
	["Hi from Discord."]
	EOT
	fake_llm_start openai s.json &&
	discord_start &&
	gw_start &&
	wait_for caught_up &&
	push "{\"content\": \"hello\", \"user\": \"222\", \"global_name\": \"Ann\"}" &&
	wait_for sent_has "Hi from Discord." &&
	s=$(cat pushed.s) &&
	wait_for hb_at $((s + 1)) &&
	wait_for count_gt heartbeat 2 &&
	wait_for gateway_settled &&
	gw_stop &&
	discord_sent >sent &&
	test_line_count = 1 sent &&
	grep -q "\"channel\": \"D222\"" sent &&
	grep -q "\"reply_to\": \"5001\"" sent &&
	grep -q "\"mentions_parse\": \[\]" sent &&
	discord_log identify >id &&
	test_line_count = 1 id &&
	grep -q "\"token_ok\": true" id &&
	grep -q "\"intents\": 37377" id &&
	grep -q "\"browser\": \"hermes\"" id &&
	discord_log rest "e[\"auth_ok\"]" | sort -u >auth &&
	echo true >want && test_cmp want auth &&
	discord_log heartbeat >hb &&
	test_line_count -ge 3 hb &&
	discord_log heartbeat "e[\"d\"] is not None and e[\"d\"] <= e[\"last_s\"]" |
		sort -u >ok && test_cmp want ok &&
	discord_log heartbeat "e[\"d\"]" | grep -qx "$((s + 1))" &&
	test "$(discord_log heartbeat "e[\"d\"]" | tail -1)" = $((s + 1)) &&
	test "$(fake_llm_requests)" = 1 &&
	fake_llm_jq 1 "b[\"messages\"][-1][\"content\"]" | grep -q hello &&
	! grep -q fake-discord-token "$HERMES_HOME/logs/gateway.log"
'

test_expect_success 'in a server only mentions are answered, the mention cut; bots are ignored' '
	cat >s.json <<-\EOT &&
	["Noon, in the server."]
	EOT
	fake_llm_start openai s.json &&
	discord_start &&
	gw_start &&
	wait_for caught_up &&
	push "{\"content\": \"not for you\", \"user\": \"222\", \"guild\": \"7\", \"channel\": \"C1\"}" &&
	cp pushed.json p1.json &&
	push "{\"content\": \"I am a bot\", \"user\": \"222\", \"bot\": true}" &&
	cp pushed.json p2.json &&
	push "{\"content\": \"<@900> what time is it\", \"user\": \"222\", \"guild\": \"7\", \"channel\": \"C1\", \"mention\": true}" &&
	wait_for sent_has "Noon, in the server." &&
	log_has "discord: message $(msg_id p1.json) skipped: not mentioned in a server" &&
	log_has "discord: message $(msg_id p2.json) skipped: a bot" &&
	wait_for caught_up &&
	wait_for gateway_settled &&
	gw_stop &&
	discord_sent >sent &&
	test_line_count = 1 sent &&
	grep -q "\"channel\": \"C1\"" sent &&
	grep -q "\"reply_to\": \"5003\"" sent &&
	test "$(fake_llm_requests)" = 1 &&
	fake_llm_jq 1 "b[\"messages\"][-1][\"content\"]" >asked &&
	grep -q "what time is it" asked &&
	! grep -q "<@" asked
'

test_expect_success 'an unknown user in a DM gets a pairing code; once approved, served' '
	cat >s.json <<-\EOT &&
	["Welcome, paired friend."]
	EOT
	fake_llm_start openai s.json &&
	discord_start &&
	gw_start &&
	push "{\"content\": \"let me in\", \"user\": \"444\", \"name\": \"bob\"}" &&
	wait_for sent_has "pairing code is" &&
	test "$(fake_llm_requests)" = 0 &&
	hermes-gateway pair list >pairs &&
	grep -q "^pending	discord	444	bob	" pairs &&
	code=$(cut -f5 pairs | head -1) &&
	hermes-gateway pair approve discord "$code" >who &&
	echo 444 >want && test_cmp want who &&
	push "{\"content\": \"hello now\", \"user\": \"444\"}" &&
	wait_for sent_has "Welcome, paired friend." &&
	gw_stop &&
	discord_sent | grep "Welcome" | grep -q "\"channel\": \"D444\""
'

test_expect_success 'a dropped connection, op 7 and a zombie resume; op 9 false identifies anew' '
	cat >s.json <<-\EOT &&
	["One.", "Two, after the drop.", "Three, after op 7.", "Four, after the zombie.", "Five, new session."]
	EOT
	fake_llm_start openai s.json &&
	discord_start &&
	gw_start &&
	push "{\"content\": \"one\", \"user\": \"222\"}" &&
	wait_for sent_has "One." &&
	wait_for caught_up &&
	discord_ctl drop "{\"push\": {\"content\": \"two\", \"user\": \"222\"}}" >pushed.json &&
	s=$(sed "s/.*\"s\": *\([0-9]*\).*/\1/" pushed.json) &&
	wait_for sent_has "Two, after the drop." &&
	discord_log resume >res &&
	test_line_count = 1 res &&
	grep -q "\"session_id\": \"sess1\"" res &&
	grep -q "\"seq\": $((s - 1))," res &&
	grep -q "\"ok\": true" res &&
	grep -q "\"replayed\": 1" res &&
	discord_log connect "e[\"path\"]" | tail -1 | grep -q "^\"/resume/?v=10&encoding=json\"$" &&

	wait_for caught_up &&
	r=$(discord_count resume) &&
	discord_ctl op "{\"op\": 7}" >/dev/null &&
	wait_for count_gt resume "$r" &&
	push "{\"content\": \"three\", \"user\": \"222\"}" &&
	wait_for sent_has "Three, after op 7." &&
	discord_log client_close "e[\"code\"]" | grep -qx 4000 &&

	wait_for caught_up &&
	r=$(discord_count resume) &&
	discord_ctl set "{\"no_ack\": 1}" >/dev/null &&
	wait_for count_gt resume "$r" &&
	push "{\"content\": \"four\", \"user\": \"222\"}" &&
	wait_for sent_has "Four, after the zombie." &&

	wait_for caught_up &&
	discord_ctl op "{\"op\": 9, \"d\": false}" >/dev/null &&
	push "{\"content\": \"five\", \"user\": \"222\"}" &&
	wait_for count_gt identify 1 &&
	wait_for sent_has "Five, new session." &&
	wait_for caught_up &&
	wait_for gateway_settled &&
	gw_stop &&
	test "$(discord_count resume)" -ge 3 &&
	test "$(discord_count identify)" = 2 &&
	discord_log resume "e[\"ok\"]" | sort -u >ok &&
	echo true >want && test_cmp want ok &&
	test "$(fake_llm_requests)" = 5 &&
	for a in One. "Two, after" "Three, after" "Four, after" "Five, new"; do
		test "$(sent_count "$a")" = 1 || return 1
	done &&
	discord_log identify "e[\"token_ok\"]" | sort -u >ok &&
	echo true >want && test_cmp want ok
'

test_expect_success '429 on send: retried after retry_after, delivered once; long answers split' '
	long=$(printf "%02500d" 0 | tr 0 a) &&
	printf "[\"Rate limited, then sent.\", \"%s\"]\n" "$long" >s.json &&
	fake_llm_start openai s.json &&
	cat >dc.json <<-\EOT &&
	{"fail": {"send": [{"status": 429, "retry_after": 0.5}]}}
	EOT
	discord_start dc.json &&
	gw_start &&
	push "{\"content\": \"hurry\", \"user\": \"222\"}" &&
	wait_for sent_has "Rate limited, then sent." &&
	push "{\"content\": \"say a lot\", \"user\": \"222\"}" &&
	wait_for gateway_outbox_has sent "Rate limited, then sent." &&
	wait_for sent_has "aaaa" &&
	wait_for caught_up &&
	wait_for gateway_settled &&
	gw_stop &&
	test "$(sent_count "Rate limited, then sent.")" = 1 &&
	discord_log rest "e[\"status\"]" | grep -c 429 >n429 &&
	echo 1 >want && test_cmp want n429 &&
	grep -q "rate limited (429)" "$HERMES_HOME/logs/gateway.log" &&
	discord_sent | grep aaaa >parts &&
	test_line_count = 2 parts &&
	discord_log rest "len(e[\"body\"][\"content\"]) if e[\"body\"] else 0" >lens &&
	test "$(sort -n lens | tail -1)" -le 2000 &&
	test "$(discord_sent | grep aaaa | grep -c reply_to)" = 1
'

test_expect_success 'close 4014: a clear error in the log and status, and no busy loop' '
	cat >dc.json <<-\EOT &&
	{"close_on_identify": 4014}
	EOT
	discord_start dc.json &&
	gw_start &&
	wait_for grep -q "disallowed intents.*next poll in 1 s" "$HERMES_HOME/logs/gateway.log" &&
	wait_for grep -q "disallowed intents.*next poll in 2 s" "$HERMES_HOME/logs/gateway.log" &&
	wait_for status_has discord "Message Content intent" &&
	gw_stop &&
	test "$(discord_count identify)" = 1 &&
	test "$(discord_count connect)" = 1 &&
	grep "disallowed intents" "$HERMES_HOME/logs/gateway.log" |
		sed -n "s/.*next poll in \([0-9]*\) s$/\1/p" >delays &&
	printf "1\n2\n" >want &&
	head -2 delays | test_cmp want - &&
	sort -n delays | test_cmp delays -
'

test_expect_success 'close 4004 and a refused token: errors without the token' '
	cat >dc.json <<-\EOT &&
	{"token": "another-token"}
	EOT
	discord_start dc.json &&
	gw_start &&
	wait_for grep -q "discord: the bot token was refused" "$HERMES_HOME/logs/gateway.log" &&
	gw_stop &&
	test "$(discord_count connect)" = 0 &&
	discord_start &&
	discord_ctl set "{\"close_on_identify\": 4004}" >/dev/null &&
	gw_start &&
	wait_for grep -q "authentication failed (close 4004)" "$HERMES_HOME/logs/gateway.log" &&
	gw_stop &&
	! grep -q fake-discord-token "$HERMES_HOME/logs/gateway.log" gw.err
'

test_expect_success 'send: posted at once; no token; 401, 403 and 5xx' '
	discord_start &&
	hermes-gateway send discord:C9 "build passed" &&
	discord_sent >sent &&
	test_line_count = 1 sent &&
	grep -q "\"channel\": \"C9\"" sent &&
	! grep -q reply_to sent &&
	test "$(discord_count connect)" = 0 &&
	test_expect_code 1 env -u DISCORD_BOT_TOKEN hermes-gateway send discord:C9 hi 2>err &&
	grep -q DISCORD_BOT_TOKEN err &&
	discord_ctl set "{\"fail\": {\"send\": [401, 403]}}" >/dev/null &&
	test_expect_code 1 hermes-gateway send discord:C9 hi 2>err &&
	grep -q "401" err && ! grep -q fake-discord-token err &&
	test_expect_code 1 hermes-gateway send discord:C9 hi 2>err &&
	grep -q "Missing Access" err &&
	discord_ctl set "{\"fail\": {\"send\": [500]}}" >/dev/null &&
	hermes-gateway send discord:C9 "later" 2>err &&
	grep -q "queued in the outbox" err
'

test_done
