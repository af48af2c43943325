# telegram.sh: a fake Telegram Bot API for shell tests (source after
# lib.sh).
#
#	telegram_start SCRIPT.json   starts tests/fakes/telegram.py (its
#		docstring has the script's keys), exports
#		HERMES_GATEWAY_TELEGRAM_API TELEGRAM_BOT_TOKEN FAKE_TG_LOG
#		FAKE_TG_PORT; non-zero if it failed.  The token is
#		$FAKE_TG_TOKEN (123:fake); a "token" in the script makes the
#		fake expect another one (a 401 test).  Update ids go on
#		growing from one fake to the next (as one bot's do), so a
#		gateway's saved offset does not hide a new fake's updates.
#	telegram_push TEXT CHAT USER [TYPE]   queue one more text message
#		now (TYPE: private, the default, group or supergroup)
#	telegram_sent                the sendMessage calls the fake accepted,
#		one JSON object a line: {"chat_id", "text",
#		"reply_to_message_id"?, "message_thread_id"?}
#	telegram_calls METHOD        how many METHOD requests were logged
#	telegram_stop                kill it and wait (safe to call twice)
#
# The fake lives in the test file's main shell's lifetime (it watches $$)
# or FAKE_TG_TIMEOUT seconds (120), whichever is shorter, so it may be
# started inside a test body; its pid is kept in a file because bodies
# are subshells (whose exports are lost: start it in the body that uses
# it).  Starting a new fake stops the previous one.  Its stderr goes to
# $TEST_TMP/telegram.err.

FAKE_TG_PY="$TEST_ROOT/fakes/telegram.py"
# The interpreter itself, not a (slow) pyenv shim.
FAKE_TG_PYTHON=${FAKE_TG_PYTHON:-$(python3 -c 'import sys; print(sys.executable)')}
FAKE_TG_LOG="$TEST_TMP/telegram.log"

telegram_start() {
	telegram_stop
	FAKE_TG_LOG="$TEST_TMP/telegram.log"
	: >"$FAKE_TG_LOG"
	fake_spawn telegram "$FAKE_TG_PYTHON" -S "$FAKE_TG_PY" --script "$1" \
		--log "$FAKE_TG_LOG" --port-file "$TEST_TMP/telegram.port" \
		--token "${FAKE_TG_TOKEN:-123:fake}" \
		--id-file "$TEST_TMP/telegram.ids" \
		--timeout "${FAKE_TG_TIMEOUT:-120}" --watch-pid $$ || return 1
	FAKE_TG_PORT=$(cat "$TEST_TMP/telegram.port")
	HERMES_GATEWAY_TELEGRAM_API="http://127.0.0.1:$FAKE_TG_PORT"
	TELEGRAM_BOT_TOKEN=${FAKE_TG_TOKEN:-123:fake}
	export HERMES_GATEWAY_TELEGRAM_API TELEGRAM_BOT_TOKEN FAKE_TG_LOG \
		FAKE_TG_PORT
}

telegram_stop() {
	fake_kill telegram
}

telegram_push() {
	"$FAKE_TG_PYTHON" -S - "$(cat "$TEST_TMP/telegram.port")" "$1" "$2" \
		"$3" "${4:-private}" <<-\PY
	import json, sys, urllib.request
	port, text, chat, user, kind = sys.argv[1:6]
	body = json.dumps({"text": text, "chat": int(chat), "user": int(user),
	                   "type": kind}).encode()
	urllib.request.urlopen(urllib.request.Request(
	    "http://127.0.0.1:%s/control/push" % port, data=body,
	    headers={"Content-Type": "application/json"}), timeout=5).read()
	PY
}

# telegram_log_ CODE: run CODE over e = each logged request.
telegram_log_() {
	"$FAKE_TG_PYTHON" -S - "$FAKE_TG_LOG" "$1" "${2:-}" <<-\PY
	import json, sys
	log, what, arg = sys.argv[1:4]
	try:
	    lines = [json.loads(l) for l in open(log, encoding="utf-8")
	             if l.strip()]
	except FileNotFoundError:
	    lines = []
	if what == "sent":
	    keys = ("chat_id", "text", "reply_to_message_id",
	            "message_thread_id")
	    for e in lines:
	        if e["method"] == "sendMessage" and e["status"] == 200:
	            print(json.dumps({k: e["body"][k] for k in keys
	                              if k in e["body"]}, ensure_ascii=False))
	else:
	    print(sum(1 for e in lines if e["method"] == arg))
	PY
}

telegram_sent() {
	telegram_log_ sent
}

telegram_calls() {
	telegram_log_ calls "$1"
}
