# discord.sh: a fake Discord (REST API and Gateway WebSocket) for shell
# tests (source after lib.sh).
#
#	discord_start [SCRIPT.json]   starts tests/fakes/discord.py (its
#		docstring has the script's keys), exports
#		HERMES_GATEWAY_DISCORD_API DISCORD_BOT_TOKEN FAKE_DC_LOG
#		FAKE_DC_PORT; non-zero if it failed.  The token is
#		$FAKE_DC_TOKEN (fake-discord-token); the bot's id is 900.
#	discord_push JSON           a MESSAGE_CREATE, e.g. {"content": "hi",
#		"user": "222"} (a DM), {..., "guild": "7", "channel": "C1",
#		"mention": true}; prints the fake's answer {"s", "id"}
#	discord_ctl WHAT [JSON]     POST /_WHAT: op ({"op": 7}), drop, close
#		({"code": 4014}), set ({"fail": {"send": [429]}})
#	discord_sent                the messages the fake accepted, one JSON
#		object a line: {"channel", "content", "reply_to"?,
#		"mentions_parse"?}
#	discord_log KIND [EXPR]     the log entries of KIND (identify,
#		heartbeat, resume, connect, rest, ...) one a line, or EXPR
#		(python, over e) of each
#	discord_count KIND          how many entries of KIND
#	discord_stop                kill it and wait (safe to call twice)
#
# The fake lives in the test file's main shell's lifetime (it watches $$)
# or FAKE_DC_TIMEOUT seconds (120), whichever is shorter, so it may be
# started inside a test body; its pid is kept in a file because bodies
# are subshells.  Starting a new fake stops the previous one.  Its stderr
# goes to $TEST_TMP/discord.err.

FAKE_DC_PY="$TEST_ROOT/fakes/discord.py"
# The interpreter itself, not a (slow) pyenv shim.
FAKE_DC_PYTHON=${FAKE_DC_PYTHON:-$(python3 -c 'import sys; print(sys.executable)')}
FAKE_DC_LOG="$TEST_TMP/discord.log"

discord_start() {
	discord_stop
	FAKE_DC_LOG="$TEST_TMP/discord.log"
	: >"$FAKE_DC_LOG"
	fake_spawn discord "$FAKE_DC_PYTHON" -S "$FAKE_DC_PY" ${1:+--script "$1"} \
		--log "$FAKE_DC_LOG" --port-file "$TEST_TMP/discord.port" \
		--token "${FAKE_DC_TOKEN:-fake-discord-token}" \
		--timeout "${FAKE_DC_TIMEOUT:-120}" --watch-pid $$ || return 1
	FAKE_DC_PORT=$(cat "$TEST_TMP/discord.port")
	HERMES_GATEWAY_DISCORD_API="http://127.0.0.1:$FAKE_DC_PORT/api/v10"
	DISCORD_BOT_TOKEN=${FAKE_DC_TOKEN:-fake-discord-token}
	export HERMES_GATEWAY_DISCORD_API DISCORD_BOT_TOKEN FAKE_DC_LOG \
		FAKE_DC_PORT
}

discord_stop() {
	fake_kill discord
}

discord_ctl() {
	fake_dc_body_=${2:-'{}'}
	"$FAKE_DC_PYTHON" -S - "$(cat "$TEST_TMP/discord.port")" "$1" \
		"$fake_dc_body_" <<-\PY
	import sys, urllib.error, urllib.request
	port, what, body = sys.argv[1:4]
	try:
	    print(urllib.request.urlopen(urllib.request.Request(
	        "http://127.0.0.1:%s/_%s" % (port, what), data=body.encode(),
	        headers={"Content-Type": "application/json"}),
	        timeout=5).read().decode())
	except urllib.error.HTTPError as e:
	    print(e.read().decode(), file=sys.stderr)
	    sys.exit(1)
	PY
}

discord_push() {
	discord_ctl push "$1"
}

# discord_log_ WHAT KIND [EXPR]
discord_log_() {
	"$FAKE_DC_PYTHON" -S - "$FAKE_DC_LOG" "$1" "${2:-}" "${3:-}" <<-\PY
	import json, sys
	log, what, kind, expr = sys.argv[1:5]
	try:
	    lines = [json.loads(l) for l in open(log, encoding="utf-8")
	             if l.strip()]
	except FileNotFoundError:
	    lines = []
	if what == "sent":
	    for e in lines:
	        if (e["kind"] == "rest" and e["method"] == "POST" and
	                e["status"] == 200):
	            b = e["body"]
	            o = {"channel": e["path"].split("/")[-2],
	                 "content": b.get("content")}
	            ref = b.get("message_reference")
	            if ref:
	                o["reply_to"] = ref.get("message_id")
	            am = b.get("allowed_mentions")
	            if isinstance(am, dict) and "parse" in am:
	                o["mentions_parse"] = am["parse"]
	            print(json.dumps(o, ensure_ascii=False))
	elif what == "count":
	    print(sum(1 for e in lines if e["kind"] == kind))
	else:
	    for e in lines:
	        if e["kind"] == kind:
	            print(json.dumps(eval(expr) if expr else e,
	                             ensure_ascii=False))
	PY
}

discord_sent() {
	discord_log_ sent
}

discord_log() {
	discord_log_ log "$1" "${2:-}"
}

discord_count() {
	discord_log_ count "$1"
}
