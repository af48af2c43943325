# sink.sh: an HTTP sink for shell tests (source after lib.sh): the
# webhook platform's reply URL, or a fake of WhatsApp's Graph API, and a
# client that sends signed webhook requests.
#
#	sink_start [OPTION...]   starts tests/fakes/sink.py (its docstring
#		has the options: --graph --secret S --token T --script F
#		--port N), exports SINK_PORT SINK_URL (http://127.0.0.1:PORT)
#		SINK_LOG; non-zero if it failed.  Starting a new sink stops
#		the previous one.
#	sink_restart             the same sink again, on the same port
#	sink_stop                kill it and wait (safe to call twice)
#	sink_fail JSON           append {"fail": [...]} to its failures now
#	sink_sent                the bodies it accepted (2xx), compact JSON,
#		one a line
#	sink_count [STATUS]      requests logged (with that status)
#	sink_py PYEXPR           print PYEXPR over L, the logged requests
#		(each {"method", "path", "headers", "body", "status",
#		"sig_ok", "auth_ok", ...})
#
#	hook_post URL HEADER SECRET FILE [good|bad|none]   POST FILE's bytes
#		to URL with HEADER: sha256=HMAC(SECRET, bytes) (bad: a wrong
#		one; none: no header); prints the status, the body goes to
#		$TEST_TMP/hook.body
#	hook_get URL             GET it; the status and hook.body likewise
#
# The sink lives in the test file's main shell's lifetime (it watches
# $$) or SINK_TIMEOUT seconds (120).  Its pid and options are kept in
# files because test bodies are subshells.

SINK_PY="$TEST_ROOT/fakes/sink.py"
SINK_PYTHON=${SINK_PYTHON:-$(python3 -c 'import sys; print(sys.executable)')}
SINK_LOG="$TEST_TMP/sink.log"

sink_start() {
	sink_stop
	printf '%s\n' "$@" >"$TEST_TMP/sink.opts"
	: >"$SINK_LOG"
	sink_run_ "$@"
}

sink_run_() {
	rm -f "$TEST_TMP/sink.port"
	"$SINK_PYTHON" -S "$SINK_PY" --log "$SINK_LOG" \
		--port-file "$TEST_TMP/sink.port" \
		--timeout "${SINK_TIMEOUT:-120}" --watch-pid $$ "$@" \
		</dev/null >"$TEST_TMP/sink.err" 2>&1 &
	sink_pid_=$!
	echo "$sink_pid_" >"$TEST_TMP/sink.pid"
	test_bg_pid "$sink_pid_"
	sink_i_=0
	while [ ! -s "$TEST_TMP/sink.port" ]; do
		if ! kill -0 "$sink_pid_" 2>/dev/null ||
			[ "$sink_i_" -ge 200 ]; then
			echo "sink_start: the sink did not come up" >&2
			cat "$TEST_TMP/sink.err" >&2
			sink_stop
			return 1
		fi
		sleep 0.05
		sink_i_=$((sink_i_ + 1))
	done
	SINK_PORT=$(cat "$TEST_TMP/sink.port")
	SINK_URL="http://127.0.0.1:$SINK_PORT"
	export SINK_PORT SINK_URL SINK_LOG
}

sink_restart() {
	sink_port_=$(cat "$TEST_TMP/sink.port" 2>/dev/null) || return 1
	sink_stop
	# shellcheck disable=SC2046
	set -- $(cat "$TEST_TMP/sink.opts") --port "$sink_port_"
	sink_run_ "$@"
}

sink_stop() {
	[ -s "$TEST_TMP/sink.pid" ] || return 0
	sink_p_=$(cat "$TEST_TMP/sink.pid")
	rm -f "$TEST_TMP/sink.pid"
	kill "$sink_p_" 2>/dev/null || return 0
	wait "$sink_p_" 2>/dev/null
	sink_i_=0
	while [ "$sink_i_" -lt 100 ]; do
		kill -0 "$sink_p_" 2>/dev/null || break
		case $(cat "/proc/$sink_p_/stat" 2>/dev/null) in
		*") Z "*) break ;;
		esac
		sleep 0.05
		sink_i_=$((sink_i_ + 1))
	done
	return 0
}

sink_fail() {
	"$SINK_PYTHON" -S - "$(cat "$TEST_TMP/sink.port")" "$1" <<-\PY
	import sys, urllib.request
	port, body = sys.argv[1:3]
	urllib.request.urlopen(urllib.request.Request(
	    "http://127.0.0.1:%s/control/fail" % port, data=body.encode(),
	    headers={"Content-Type": "application/json"}), timeout=5).read()
	PY
}

sink_py() {
	"$SINK_PYTHON" -S - "$SINK_LOG" "$1" <<-\PY
	import json, sys
	log, code = sys.argv[1:3]
	try:
	    L = [json.loads(l) for l in open(log, encoding="utf-8")
	         if l.strip()]
	except FileNotFoundError:
	    L = []
	v = eval(code)
	if isinstance(v, list) and all(isinstance(x, str) for x in v):
	    print("\n".join(v))
	else:
	    print(v if isinstance(v, str) else json.dumps(v,
	          separators=(",", ":"), ensure_ascii=False))
	PY
}

sink_sent() {
	sink_py '[json.dumps(e["body"], separators=(",", ":"),
	    ensure_ascii=False) for e in L if 200 <= e["status"] < 300]'
}

sink_count() {
	sink_py "len([e for e in L if '${1:-}' in ('', str(e['status']))])"
}

hook_post() {
	"$SINK_PYTHON" -S - "$1" "$2" "$3" "$4" "${5:-good}" \
		"$TEST_TMP/hook.body" <<-\PY
	import hashlib, hmac, sys, urllib.error, urllib.request
	url, header, secret, path, mode, out = sys.argv[1:7]
	data = open(path, "rb").read()
	sig = hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()
	h = {"Content-Type": "application/json"}
	if mode == "good":
	    h[header] = "sha256=" + sig
	elif mode == "bad":
	    h[header] = "sha256=" + sig[::-1]
	try:
	    r = urllib.request.urlopen(urllib.request.Request(url, data=data,
	                               headers=h), timeout=10)
	    status, body = r.status, r.read()
	except urllib.error.HTTPError as e:
	    status, body = e.code, e.read()
	open(out, "wb").write(body)
	print(status)
	PY
}

hook_get() {
	"$SINK_PYTHON" -S - "$1" "$TEST_TMP/hook.body" <<-\PY
	import sys, urllib.error, urllib.request
	url, out = sys.argv[1:3]
	try:
	    r = urllib.request.urlopen(url, timeout=10)
	    status, body = r.status, r.read()
	except urllib.error.HTTPError as e:
	    status, body = e.code, e.read()
	open(out, "wb").write(body)
	print(status)
	PY
}
