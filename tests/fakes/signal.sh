# signal.sh: a fake signal-cli REST API for shell tests (source after
# lib.sh).
#
#	signal_start SCRIPT.json   starts tests/fakes/signal_api.py (its
#		docstring has the script's keys), exports
#		HERMES_GATEWAY_SIGNAL_URL SIGNAL_ACCOUNT FAKE_SIGNAL_LOG
#		FAKE_SIGNAL_PORT; non-zero if it failed.  The bot's number is
#		$FAKE_SIGNAL_ACCOUNT (+15550001).
#	signal_push FROM TEXT [GROUP]   queue a text message from FROM now
#		(in the group named GROUP when given)
#	signal_push_json MSG     queue one MSG (JSON, see signal_api.py)
#	signal_down SECONDS      make the API unreachable for SECONDS
#	signal_group NAME        the recipient the API knows group NAME by
#		("group." + base64 of signal-cli's id)
#	signal_sent              the /v2/send calls the fake accepted (201),
#		one JSON object a line: {"recipients", "message",
#		"quote_timestamp"?, "quote_author"?}
#	signal_calls ENDPOINT [STATUS]   how many receive or send requests
#		were logged (with that status)
#	signal_stop              kill it and wait (safe to call twice)
#
# The fake lives in the test file's main shell's lifetime (it watches $$)
# or FAKE_SIGNAL_TIMEOUT seconds (120), whichever is shorter, so it may
# be started inside a test body; its pid is kept in a file because bodies
# are subshells (start it in the body that uses it).  Starting a new fake
# stops the previous one.  Its stderr goes to $TEST_TMP/signal.err.

FAKE_SIGNAL_PY="$TEST_ROOT/fakes/signal_api.py"
# The interpreter itself, not a (slow) pyenv shim.
FAKE_SIGNAL_PYTHON=${FAKE_SIGNAL_PYTHON:-$(python3 -c 'import sys; print(sys.executable)')}
FAKE_SIGNAL_LOG="$TEST_TMP/signal.log"
FAKE_SIGNAL_ACCOUNT=${FAKE_SIGNAL_ACCOUNT:-+15550001}

signal_start() {
	signal_stop
	FAKE_SIGNAL_LOG="$TEST_TMP/signal.log"
	: >"$FAKE_SIGNAL_LOG"
	fake_spawn signal "$FAKE_SIGNAL_PYTHON" -S "$FAKE_SIGNAL_PY" --script "$1" \
		--log "$FAKE_SIGNAL_LOG" --port-file "$TEST_TMP/signal.port" \
		--account "$FAKE_SIGNAL_ACCOUNT" \
		--timeout "${FAKE_SIGNAL_TIMEOUT:-120}" --watch-pid $$ || return 1
	FAKE_SIGNAL_PORT=$(cat "$TEST_TMP/signal.port")
	HERMES_GATEWAY_SIGNAL_URL="http://127.0.0.1:$FAKE_SIGNAL_PORT"
	SIGNAL_ACCOUNT=$FAKE_SIGNAL_ACCOUNT
	export HERMES_GATEWAY_SIGNAL_URL SIGNAL_ACCOUNT FAKE_SIGNAL_LOG \
		FAKE_SIGNAL_PORT
}

signal_stop() {
	fake_kill signal
}

# signal_control_ PATH JSON: POST JSON to the fake's control PATH.
signal_control_() {
	"$FAKE_SIGNAL_PYTHON" -S - "$(cat "$TEST_TMP/signal.port")" "$1" \
		"$2" <<-\PY
	import sys, urllib.request
	port, path, body = sys.argv[1:4]
	urllib.request.urlopen(urllib.request.Request(
	    "http://127.0.0.1:%s%s" % (port, path), data=body.encode(),
	    headers={"Content-Type": "application/json"}), timeout=5).read()
	PY
}

signal_push_json() {
	signal_control_ /_push "$1"
}

signal_push() {
	signal_push_json "$("$FAKE_SIGNAL_PYTHON" -S -c '
import json, sys
m = {"from": sys.argv[1], "text": sys.argv[2]}
if len(sys.argv) > 3 and sys.argv[3]:
    m["group"] = sys.argv[3]
print(json.dumps(m))' "$1" "$2" "${3:-}")"
}

signal_down() {
	signal_control_ /_down "{\"seconds\": $1}"
}

signal_group() {
	"$FAKE_SIGNAL_PYTHON" -S -c '
import base64, hashlib, sys
gid = base64.b64encode(hashlib.sha256(sys.argv[1].encode()).digest())
print("group." + base64.b64encode(gid).decode())' "$1"
}

# signal_log_ WHAT ARG...: read the fake's log.
signal_log_() {
	"$FAKE_SIGNAL_PYTHON" -S - "$FAKE_SIGNAL_LOG" "$@" <<-\PY
	import json, sys
	log, what = sys.argv[1:3]
	args = sys.argv[3:]
	try:
	    lines = [json.loads(l) for l in open(log, encoding="utf-8")
	             if l.strip()]
	except FileNotFoundError:
	    lines = []
	if what == "sent":
	    keys = ("recipients", "message", "quote_timestamp", "quote_author")
	    for e in lines:
	        if e["endpoint"] == "send" and e["status"] == 201:
	            print(json.dumps({k: e["body"][k] for k in keys
	                              if k in e["body"]}, ensure_ascii=False))
	else:
	    print(sum(1 for e in lines if e["endpoint"] == args[0] and
	              (len(args) < 2 or str(e["status"]) == args[1])))
	PY
}

signal_sent() {
	signal_log_ sent
}

signal_calls() {
	signal_log_ calls "$@"
}
