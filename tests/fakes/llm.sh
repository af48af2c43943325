# llm.sh: a scripted fake LLM endpoint for shell tests (source after lib.sh).
#
#	fake_llm_start openai|anthropic SCRIPT.json   starts tests/fakes/llm.py,
#		exports HERMES_BASE_URL HERMES_PROVIDER HERMES_API_KEY
#		HERMES_MODEL FAKE_LLM_LOG FAKE_LLM_PORT; non-zero if it failed.
#	fake_llm_stop                 kill it and wait (safe to call twice)
#	fake_llm_requests             number of POSTs logged
#	fake_llm_body N               the Nth POST's body, compact JSON
#	fake_llm_jq N PYEXPR          python expression over that body, bound
#		to b (h = its lowercased headers, r = the whole log line);
#		bare(S) is a user message S without the context line hermes-ask
#		ends it with ("\n\n[Context: ...]", libcommon/prompt.h)
#
# SCRIPT is a JSON array of steps, one consumed per POST to an API path
# (a bare string is short for {"text": ...}):
#	status (200)  headers {}  body (raw body when status != 200)
#	text  tool_calls [{id?, name, arguments: object | raw string}]
#	usage {input, output, cached} (10/5/0)  finish (stop/finish reason)
#	chunk (7 chars a piece)  chunk_delay (s)  delay (s, before status)
#	cut  malformed  error_event  repeat (1)  expect (substring or list)
#	replay FILE (a recorded-shape body, relative to tests/fakes/streams/,
#	  sent instead of text/tool_calls; with crlf, gzip, split (bytes a
#	  write), length (Content-Length framing, else chunked), cut,
#	  chunk_delay, status; see tests/fakes/streams/README)
#
# The fake lives in the test file's main shell's lifetime (it watches $$)
# or FAKE_LLM_TIMEOUT seconds (60), whichever is shorter, so it may be
# started inside a test body.  Starting a new fake stops the previous one.
# Its stderr goes to $TEST_TMP/llm.err.  FAKE_LLM_PYTHON is python3's
# real path (pyenv shims cost ~0.1 s a run).

FAKE_LLM_PY="$TEST_ROOT/fakes/llm.py"
# The interpreter itself, not a (slow) pyenv shim: helpers run it often.
FAKE_LLM_PYTHON=${FAKE_LLM_PYTHON:-$(python3 -c 'import sys; print(sys.executable)')}
FAKE_LLM_LOG="$TEST_TMP/llm.log"

fake_llm_start() {
	case $1 in
	openai | anthropic) ;;
	*)
		echo "fake_llm_start: API must be openai or anthropic, not '$1'" >&2
		return 2
		;;
	esac
	fake_llm_stop
	FAKE_LLM_LOG="$TEST_TMP/llm.log"
	rm -f "$TEST_TMP/llm.port" "$FAKE_LLM_LOG"
	"$FAKE_LLM_PYTHON" -S "$FAKE_LLM_PY" --script "$2" --log "$FAKE_LLM_LOG" \
		--port-file "$TEST_TMP/llm.port" \
		--timeout "${FAKE_LLM_TIMEOUT:-60}" --watch-pid $$ \
		</dev/null >"$TEST_TMP/llm.err" 2>&1 &
	fake_llm_pid_=$!
	echo "$fake_llm_pid_" >"$TEST_TMP/llm.pid"
	test_bg_pid "$fake_llm_pid_"
	fake_llm_i_=0
	while [ ! -s "$TEST_TMP/llm.port" ]; do
		if ! kill -0 "$fake_llm_pid_" 2>/dev/null ||
			[ "$fake_llm_i_" -ge 200 ]; then
			echo "fake_llm_start: the fake did not come up" >&2
			cat "$TEST_TMP/llm.err" >&2
			fake_llm_stop
			return 1
		fi
		sleep 0.05
		fake_llm_i_=$((fake_llm_i_ + 1))
	done
	FAKE_LLM_PORT=$(cat "$TEST_TMP/llm.port")
	if [ "$1" = openai ]; then
		HERMES_BASE_URL="http://127.0.0.1:$FAKE_LLM_PORT/v1"
		HERMES_PROVIDER=custom
	else
		HERMES_BASE_URL="http://127.0.0.1:$FAKE_LLM_PORT"
		HERMES_PROVIDER=anthropic
	fi
	HERMES_API_KEY=sk-test-FAKEKEY0123456789
	HERMES_MODEL=fake-model
	export HERMES_BASE_URL HERMES_PROVIDER HERMES_API_KEY HERMES_MODEL \
		FAKE_LLM_LOG FAKE_LLM_PORT
}

# The pid lives in a file: test bodies and their cleanups are subshells.
fake_llm_stop() {
	[ -s "$TEST_TMP/llm.pid" ] || return 0
	fake_llm_p_=$(cat "$TEST_TMP/llm.pid")
	rm -f "$TEST_TMP/llm.pid"
	kill "$fake_llm_p_" 2>/dev/null || return 0
	wait "$fake_llm_p_" 2>/dev/null
	# Started by another subshell, it is not ours to wait for: poll until
	# it is gone or a zombie (an orphan's reaper may take its time).
	fake_llm_i_=0
	while [ "$fake_llm_i_" -lt 100 ]; do
		kill -0 "$fake_llm_p_" 2>/dev/null || break
		case $(cat "/proc/$fake_llm_p_/stat" 2>/dev/null) in
		*") Z "*) break ;;
		esac
		sleep 0.05
		fake_llm_i_=$((fake_llm_i_ + 1))
	done
	return 0
}

# fake_llm_py_ N CODE: run CODE with r = the Nth POST's log line (N may be
# 0 for "count only"), b = its body, h = its headers.
fake_llm_py_() {
	"$FAKE_LLM_PYTHON" -S - "$FAKE_LLM_LOG" "$1" "$2" <<-\EOF
	import json, sys
	log, n, code = sys.argv[1], int(sys.argv[2]), sys.argv[3]
	try:
	    lines = [json.loads(l) for l in open(log, encoding="utf-8") if l.strip()]
	except FileNotFoundError:
	    lines = []
	posts = [l for l in lines if l["method"] == "POST"]
	if n == 0:
	    print(len(posts))
	    sys.exit(0)
	if not 1 <= n <= len(posts):
	    sys.exit("fake_llm: no POST number %d (%d logged)" % (n, len(posts)))
	r = posts[n - 1]
	b, h = r["body"], r["headers"]
	def bare(s):
	    i = s.rfind("\n\n[Context: ") if isinstance(s, str) else -1
	    if i < 0 or not s.endswith("]") or "\n" in s[i + 2:]:
	        return s
	    return s[:i]
	v = eval(code)
	print(v if isinstance(v, str) else json.dumps(v, separators=(",", ":"),
	                                              ensure_ascii=False))
	EOF
}

fake_llm_requests() {
	fake_llm_py_ 0 None
}

fake_llm_body() {
	fake_llm_py_ "$1" 'b if b is not None else r["raw"]'
}

fake_llm_jq() {
	fake_llm_py_ "$1" "$2"
}
