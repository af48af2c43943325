# telegram.sh: a fake Telegram Bot API for shell tests (source after
# lib.sh).
#
#	telegram_start SCRIPT.json   starts tests/fakes/telegram.py (see its
#		docstring for the script), exports HERMES_GATEWAY_TELEGRAM_API
#		and TELEGRAM_BOT_TOKEN; a new start stops the previous fake
#	telegram_push TEXT CHAT USER [TYPE]   queue one more update now
#	telegram_sent                one JSON object a line for each
#		sendMessage: {"chat_id", "text", "reply_to_message_id"?, ...}
#	telegram_stop
#
# The fake watches the test's main shell ($$) and lives at most
# FAKE_TG_TIMEOUT seconds (120), so it may be started inside a test body
# (whose exports are lost at its end: start it in the body that uses it).
FAKE_TG_PY="$TEST_ROOT/fakes/telegram.py"
FAKE_TG_LOG="$TEST_TMP/telegram.log"

telegram_stop() {
	if [ -s "$TEST_TMP/telegram.pid" ]; then
		kill "$(cat "$TEST_TMP/telegram.pid")" 2>/dev/null
		rm -f "$TEST_TMP/telegram.pid"
	fi
	return 0
}

telegram_start() {
	telegram_stop
	rm -f "$TEST_TMP/telegram.port" "$FAKE_TG_LOG"
	: >"$FAKE_TG_LOG"
	python3 -S "$FAKE_TG_PY" --script "$1" --log "$FAKE_TG_LOG" \
		--port-file "$TEST_TMP/telegram.port" --token 123:fake \
		--timeout "${FAKE_TG_TIMEOUT:-120}" --watch-pid $$ \
		</dev/null >"$TEST_TMP/telegram.err" 2>&1 &
	echo $! >"$TEST_TMP/telegram.pid"
	test_bg_pid "$!"
	tg_i_=0
	while [ ! -s "$TEST_TMP/telegram.port" ]; do
		if [ "$tg_i_" -ge 200 ]; then
			echo "telegram_start: the fake did not come up" >&2
			cat "$TEST_TMP/telegram.err" >&2
			return 1
		fi
		sleep 0.05
		tg_i_=$((tg_i_ + 1))
	done
	HERMES_GATEWAY_TELEGRAM_API="http://127.0.0.1:$(cat "$TEST_TMP/telegram.port")"
	TELEGRAM_BOT_TOKEN=123:fake
	export HERMES_GATEWAY_TELEGRAM_API TELEGRAM_BOT_TOKEN
}

telegram_push() {
	python3 -S - "$(cat "$TEST_TMP/telegram.port")" "$1" "$2" "$3" "${4:-private}" <<-\PY
	import json, sys, urllib.request
	port, text, chat, user, kind = sys.argv[1:6]
	body = json.dumps({"text": text, "chat": int(chat), "user": int(user),
	                   "type": kind}).encode()
	urllib.request.urlopen(urllib.request.Request(
	    "http://127.0.0.1:%s/control/push" % port, data=body,
	    headers={"Content-Type": "application/json"}), timeout=5).read()
	PY
}

telegram_sent() {
	python3 -S - "$FAKE_TG_LOG" <<-\PY
	import json, sys
	for line in open(sys.argv[1]):
	    e = json.loads(line)
	    if e["method"] == "sendMessage":
	        print(json.dumps(e["body"]))
	PY
}
