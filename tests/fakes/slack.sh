# slack.sh: a fake Slack (Web API + Socket Mode) for shell tests (source
# after lib.sh).
#
#	slack_have_fake              is the fake's interpreter there (it
#		needs python3-websockets, which only /usr/bin/python3 sees)?
#	slack_start [SCRIPT.json]    starts tests/fakes/slack.py (its
#		docstring has the script's keys), exports
#		HERMES_GATEWAY_SLACK_API SLACK_BOT_TOKEN SLACK_APP_TOKEN
#		FAKE_SLACK_LOG FAKE_SLACK_PORT; non-zero if it failed.  The
#		bot's user id is UBOT.
#	slack_push TEXT CHANNEL USER [CHANNEL_TYPE [THREAD_TS]]   send a
#		message event (CHANNEL_TYPE im, the default, or channel);
#		prints its ts
#	slack_ctl PATH [JSON]        POST JSON to a control path (/_push,
#		/_redeliver, /_disconnect, /_drop, /_fail, /_state); prints
#		the answer
#	slack_state KEY              one field of /_state
#	slack_sent                   the chat.postMessage calls the fake
#		accepted, one JSON object a line: {"channel", "text",
#		"thread_ts"?}
#	slack_calls METHOD           how many METHOD calls were logged
#	slack_stop                   kill it and wait (safe to call twice)
#
# The fake lives in the test file's main shell's lifetime (it watches $$)
# or FAKE_SLACK_TIMEOUT seconds (120), whichever is shorter; its pid is
# kept in a file because bodies are subshells.  Starting a new fake stops
# the previous one.  Its stderr goes to $TEST_TMP/slack.err.

FAKE_SLACK_PY="$TEST_ROOT/fakes/slack.py"
FAKE_SLACK_PYTHON=${FAKE_SLACK_PYTHON:-/usr/bin/python3}
FAKE_SLACK_LOG="$TEST_TMP/slack.log"

slack_have_fake() {
	"$FAKE_SLACK_PYTHON" -c 'import websockets' 2>/dev/null
}

slack_start() {
	slack_stop
	FAKE_SLACK_LOG="$TEST_TMP/slack.log"
	: >"$FAKE_SLACK_LOG"
	fake_spawn slack "$FAKE_SLACK_PYTHON" "$FAKE_SLACK_PY" ${1:+--script "$1"} \
		--log "$FAKE_SLACK_LOG" --port-file "$TEST_TMP/slack.port" \
		--timeout "${FAKE_SLACK_TIMEOUT:-120}" --watch-pid $$ || return 1
	FAKE_SLACK_PORT=$(cat "$TEST_TMP/slack.port")
	HERMES_GATEWAY_SLACK_API="http://127.0.0.1:$FAKE_SLACK_PORT"
	SLACK_BOT_TOKEN=xoxb-fake-BOT
	SLACK_APP_TOKEN=xapp-fake-APP
	export HERMES_GATEWAY_SLACK_API SLACK_BOT_TOKEN SLACK_APP_TOKEN \
		FAKE_SLACK_LOG FAKE_SLACK_PORT
}

slack_stop() {
	fake_kill slack
}

slack_ctl() {
	fake_slack_body_=${2:-'{}'}
	"$FAKE_SLACK_PYTHON" -S - "$(cat "$TEST_TMP/slack.port")" "$1" \
		"$fake_slack_body_" <<-\PY
	import sys, urllib.request
	port, path, body = sys.argv[1:4]
	print(urllib.request.urlopen(urllib.request.Request(
	    "http://127.0.0.1:%s%s" % (port, path), data=body.encode(),
	    headers={"Content-Type": "application/json"}),
	    timeout=10).read().decode())
	PY
}

slack_push() {
	"$FAKE_SLACK_PYTHON" -S - "$(cat "$TEST_TMP/slack.port")" "$@" <<-\PY
	import json, sys, urllib.request
	port, text, chan, user = sys.argv[1:5]
	b = {"text": text, "channel": chan, "user": user,
	     "channel_type": sys.argv[5] if len(sys.argv) > 5 else "im"}
	if len(sys.argv) > 6:
	    b["thread_ts"] = sys.argv[6]
	r = json.loads(urllib.request.urlopen(urllib.request.Request(
	    "http://127.0.0.1:%s/_push" % port, data=json.dumps(b).encode(),
	    headers={"Content-Type": "application/json"}), timeout=10).read())
	print(r["ts"])
	PY
}

slack_state() {
	slack_ctl /_state | "$FAKE_SLACK_PYTHON" -S -c '
import json, sys
v = json.load(sys.stdin)[sys.argv[1]]
print(json.dumps(v) if isinstance(v, (list, dict, bool)) else v)' "$1"
}

# slack_log_ WHAT [ARG]: read the log.
slack_log_() {
	"$FAKE_SLACK_PYTHON" -S - "$FAKE_SLACK_LOG" "$1" "${2:-}" <<-\PY
	import json, sys
	log, what, arg = sys.argv[1:4]
	try:
	    lines = [json.loads(l) for l in open(log, encoding="utf-8")
	             if l.strip()]
	except FileNotFoundError:
	    lines = []
	api = [e for e in lines if e["kind"] == "api"]
	if what == "sent":
	    for e in api:
	        if e["method"] == "chat.postMessage" and e["ok"]:
	            print(json.dumps({k: e["body"][k] for k in
	                              ("channel", "text", "thread_ts")
	                              if k in e["body"]}, ensure_ascii=False))
	else:
	    print(sum(1 for e in api if e["method"] == arg))
	PY
}

slack_sent() {
	slack_log_ sent
}

slack_calls() {
	slack_log_ calls "$1"
}
