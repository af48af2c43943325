# smtp.sh: a fake SMTP server for shell tests (source after lib.sh).
#
#	smtp_have                    is python3-aiosmtpd there (for
#		/usr/bin/python3: the python3 on PATH may not see it)?
#	smtp_port                    picks a free port for the fake and keeps
#		it for every later smtp_start; sets FAKE_SMTP_PORT and
#		FAKE_SMTP_URL (smtp://127.0.0.1:PORT).  Call it outside test
#		bodies; nothing listens until smtp_start.
#	smtp_start                   starts tests/fakes/smtp.py on that port
#		(or any, without smtp_port); non-zero if it failed
#	smtp_stop                    kill it and wait (safe to call twice)
#	smtp_fail CODE               answer CODE (451, 554) to every message
#		from now on; smtp_fail "" accepts them again
#	smtp_count                   how many messages it accepted
#	smtp_msg N PYEXPR            a python expression over the Nth message
#		accepted (from 1): e is its log entry {mail_from, rcpt_tos,
#		data}, m the message parsed (email.message_from_bytes), b
#		its text body (decoded)
#
# The fake lives in the test file's main shell's lifetime (it watches $$)
# or FAKE_SMTP_TIMEOUT seconds (120), whichever is shorter.  Its log is
# $FAKE_SMTP_LOG, its stderr $TEST_TMP/smtp.err.

FAKE_SMTP_PY="$TEST_ROOT/fakes/smtp.py"
FAKE_SMTP_PYTHON=${FAKE_SMTP_PYTHON:-/usr/bin/python3}
FAKE_SMTP_LOG="$TEST_TMP/smtp.log"

smtp_have() {
	"$FAKE_SMTP_PYTHON" -c 'import aiosmtpd' 2>/dev/null
}

smtp_port() {
	FAKE_SMTP_PORT=$("$FAKE_SMTP_PYTHON" -S -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])') || return 1
	echo "$FAKE_SMTP_PORT" >"$TEST_TMP/smtp.want"
	FAKE_SMTP_URL="smtp://127.0.0.1:$FAKE_SMTP_PORT"
	export FAKE_SMTP_PORT FAKE_SMTP_URL
}

smtp_start() {
	smtp_stop
	touch "$FAKE_SMTP_LOG"
	fake_spawn smtp "$FAKE_SMTP_PYTHON" "$FAKE_SMTP_PY" --log "$FAKE_SMTP_LOG" \
		--port-file "$TEST_TMP/smtp.port" \
		--port "$(cat "$TEST_TMP/smtp.want" 2>/dev/null || echo 0)" \
		--fail-file "$TEST_TMP/smtp.fail" \
		--timeout "${FAKE_SMTP_TIMEOUT:-120}" --watch-pid $$ || return 1
	FAKE_SMTP_PORT=$(cat "$TEST_TMP/smtp.port")
	FAKE_SMTP_URL="smtp://127.0.0.1:$FAKE_SMTP_PORT"
	export FAKE_SMTP_PORT FAKE_SMTP_URL
}

smtp_stop() {
	fake_kill smtp
}

smtp_fail() {
	if [ -n "$1" ]; then
		echo "$1" >"$TEST_TMP/smtp.fail.tmp" &&
			mv "$TEST_TMP/smtp.fail.tmp" "$TEST_TMP/smtp.fail"
	else
		rm -f "$TEST_TMP/smtp.fail"
	fi
}

# smtp_py_ N CODE
smtp_py_() {
	"$FAKE_SMTP_PYTHON" -S - "$FAKE_SMTP_LOG" "$1" "$2" <<-\PY
	import email, email.policy, json, sys
	log, n, code = sys.argv[1], int(sys.argv[2]), sys.argv[3]
	try:
	    lines = [json.loads(l) for l in open(log, encoding="utf-8")
	             if l.strip()]
	except FileNotFoundError:
	    lines = []
	if n == 0:
	    print(len(lines))
	    sys.exit(0)
	if not 1 <= n <= len(lines):
	    sys.exit("smtp: no message %d (%d accepted)" % (n, len(lines)))
	e = lines[n - 1]
	m = email.message_from_bytes(e["data"].encode("utf-8", "surrogateescape"),
	                             policy=email.policy.default)
	part = m.get_body(("plain",))
	b = part.get_content() if part is not None else ""
	v = eval(code)
	print(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
	PY
}

smtp_count() {
	smtp_py_ 0 None
}

smtp_msg() {
	smtp_py_ "$1" "$2"
}
