# lib.sh: the hermes shell-test harness, after git's test-lib.sh API
# (written anew, ~150 lines).  A test file:
#
#	#!/bin/sh
#	test_description='what this file covers'
#	. "${0%/*}/lib.sh"
#	test_expect_success 'title' '
#		hermes-memory add x &&
#		hermes-memory list >out && grep -q x out
#	'
#	test_done
#
# Each file gets a fresh HERMES_HOME=$(mktemp -d), runs in a scratch
# directory inside it, with bin/ first on PATH and stdin from /dev/null.
# Bodies run in a subshell with `set -e` off; chain with &&.
# test_when_finished CMD runs CMD after the current test, pass or fail.
# Background peers started outside test bodies: record their pid with
# test_bg_pid PID; they are killed at exit.  (Inside a body the record is
# lost with the subshell: peers started there must stop themselves, as
# tests/fakes/llm.sh does.)

TEST_ROOT=$(cd "${0%/*}" && pwd)
case "$TEST_ROOT" in */tests/*) TEST_ROOT=${TEST_ROOT%%/tests/*}/tests ;; esac
SRC_ROOT=${TEST_ROOT%/tests}
PATH="$SRC_ROOT/bin:$PATH"
export PATH

TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/hermes-test.XXXXXX") || exit 1
HERMES_HOME="$TEST_TMP/home"
export HERMES_HOME
unset HERMES_PROFILE HERMES_PROVIDER HERMES_BASE_URL HERMES_API_KEY \
	HERMES_MODEL OPENROUTER_API_KEY OPENAI_API_KEY ANTHROPIC_API_KEY \
	NOUS_API_KEY VISUAL EDITOR
NO_COLOR=1
export NO_COLOR
cd "$TEST_TMP" || exit 1
exec </dev/null

test_count=0
test_failed=0
test_bg_pids=
test_cleanup_cmds=

# wait_for CMD...: run CMD every 0.1 s until it succeeds, at most 20 s
# (then non-zero).  CMD is run anew each time: pass a command, not the
# output of one.
wait_for() {
	wait_for_i_=0
	while ! "$@" 2>/dev/null; do
		wait_for_i_=$((wait_for_i_ + 1))
		[ $wait_for_i_ -lt 200 ] || return 1
		sleep 0.1
	done
}

# gateway_settled: the gateway of $HERMES_HOME holds no message it has
# not finished with: gateway/inbox/ is empty (every message taken was
# answered, queued or given up) and the outbox has nothing waiting, being
# written or claimed.  Once the platform's fake also says it handed
# over nothing new (acked, caught up), no more answers can come: what a
# test counts then is final, with no sleep to hope so.
gateway_settled() {
	test -z "$(ls -A "$HERMES_HOME/gateway/inbox" 2>/dev/null)" &&
	test -z "$(find "$HERMES_HOME/gateway/outbox" \
		"$HERMES_HOME/gateway/outbox/cur" -maxdepth 1 ! -type d \
		2>/dev/null)"
}

# gateway_outbox_has DIR TEXT: a message in the outbox's DIR ("sent",
# "failed", "." for those waiting) holds TEXT.  The glob is expanded at
# each call, so this suits wait_for (`wait_for grep TEXT DIR/*.json`
# would look at the files there before the first try, for ever).
gateway_outbox_has() {
	grep -lqF -- "$2" "$HERMES_HOME/gateway/outbox/$1/"*.json 2>/dev/null
}

# fake_spawn NAME CMD...: start a fake peer in the background (stdin
# /dev/null, its output in $TEST_TMP/NAME.err, its pid in
# $TEST_TMP/NAME.pid, killed at exit) and wait up to 10 s for it to
# write its port to $TEST_TMP/NAME.port; non-zero, with its output on
# stderr, when it does not come up.  The pid lives in a file because
# test bodies are subshells.
fake_spawn() {
	fake_spawn_n_=$1
	shift
	rm -f "$TEST_TMP/$fake_spawn_n_.port"
	"$@" </dev/null >"$TEST_TMP/$fake_spawn_n_.err" 2>&1 &
	fake_spawn_p_=$!
	echo "$fake_spawn_p_" >"$TEST_TMP/$fake_spawn_n_.pid"
	test_bg_pid "$fake_spawn_p_"
	fake_spawn_i_=0
	while [ ! -s "$TEST_TMP/$fake_spawn_n_.port" ]; do
		if ! kill -0 "$fake_spawn_p_" 2>/dev/null ||
			[ "$fake_spawn_i_" -ge 200 ]; then
			echo "${fake_spawn_n_}: the fake did not come up" >&2
			cat "$TEST_TMP/$fake_spawn_n_.err" >&2
			fake_kill "$fake_spawn_n_"
			return 1
		fi
		sleep 0.05
		fake_spawn_i_=$((fake_spawn_i_ + 1))
	done
}

# fake_kill NAME: stop the fake fake_spawn started (safe to call twice).
# One started by another subshell is not ours to wait for: poll until it
# is gone or a zombie.
fake_kill() {
	[ -s "$TEST_TMP/$1.pid" ] || return 0
	fake_kill_p_=$(cat "$TEST_TMP/$1.pid")
	rm -f "$TEST_TMP/$1.pid"
	kill "$fake_kill_p_" 2>/dev/null || return 0
	wait "$fake_kill_p_" 2>/dev/null
	fake_kill_i_=0
	while [ "$fake_kill_i_" -lt 100 ]; do
		kill -0 "$fake_kill_p_" 2>/dev/null || break
		case $(cat "/proc/$fake_kill_p_/stat" 2>/dev/null) in
		*") Z "*) break ;;
		esac
		sleep 0.05
		fake_kill_i_=$((fake_kill_i_ + 1))
	done
	return 0
}

# test_pgrep PATTERN: pgrep -f, but only this test file's processes
# (working directory under $TEST_TMP, or our HERMES_HOME in their
# environment), so test files run side by side (prove -j) never see or
# kill each other's.  Exit 0 when it printed a pid.
test_pgrep() {
	test_pgrep_n_=0
	for test_pgrep_p_ in $(pgrep -f "$1"); do
		case $(readlink "/proc/$test_pgrep_p_/cwd" 2>/dev/null) in
		"$TEST_TMP" | "$TEST_TMP"/*) ;;
		*)	tr '\0' '\n' <"/proc/$test_pgrep_p_/environ" 2>/dev/null |
				grep -qxF "HERMES_HOME=$HERMES_HOME" || continue ;;
		esac
		echo "$test_pgrep_p_"
		test_pgrep_n_=$((test_pgrep_n_ + 1))
	done
	[ "$test_pgrep_n_" -gt 0 ]
}

# test_pkill SIGNAL PATTERN: kill -SIGNAL what test_pgrep PATTERN finds.
test_pkill() {
	for test_pkill_p_ in $(test_pgrep "$2"); do
		kill "-$1" "$test_pkill_p_" 2>/dev/null
	done
	return 0
}

test_bg_pid() {
	test_bg_pids="$test_bg_pids $1"
}

test_exit_trap() {
	for p in $test_bg_pids; do
		kill "$p" 2>/dev/null
	done
	for p in $test_bg_pids; do
		wait "$p" 2>/dev/null
	done
	cd /
	chmod -R u+w "$TEST_TMP" 2>/dev/null
	rm -rf "$TEST_TMP"
}
trap test_exit_trap EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

say() {
	printf '# %s\n' "$*"
}

# Test bodies run in a subshell, so cleanup commands go through a file.
test_when_finished() {
	{ printf '%s\n' "$1"; cat "$TEST_TMP/.cleanup" 2>/dev/null || :; } \
		>"$TEST_TMP/.cleanup.new" &&
	mv "$TEST_TMP/.cleanup.new" "$TEST_TMP/.cleanup"
}

test_run_() {
	rm -f "$TEST_TMP/.cleanup"
	(eval "$1") >"$TEST_TMP/.out" 2>&1
	test_rc_=$?
	if [ -s "$TEST_TMP/.cleanup" ]; then
		(. "$TEST_TMP/.cleanup") >/dev/null 2>&1
		rm -f "$TEST_TMP/.cleanup"
	fi
	return $test_rc_
}

test_report_() {
	# $1 pass/fail, $2 title
	test_count=$((test_count + 1))
	if [ "$1" = pass ]; then
		printf 'ok %d - %s\n' "$test_count" "$2"
	else
		test_failed=$((test_failed + 1))
		printf 'not ok %d - %s\n' "$test_count" "$2"
		sed 's/^/#	/' "$TEST_TMP/.out"
	fi
}

test_expect_success() {
	if test_run_ "$2"; then
		test_report_ pass "$1"
	else
		test_report_ fail "$1"
	fi
}

test_expect_failure_() {
	if test_run_ "$2"; then
		test_report_ fail "$1"
	else
		test_report_ pass "$1"
	fi
}

test_skip() {
	test_count=$((test_count + 1))
	printf 'ok %d # skip %s (%s)\n' "$test_count" "$1" "$2"
}

# Prerequisites, after git's test-lib: test_set_prereq NAME says NAME
# holds; test_have_prereq NAME[,NAME...] whether all of them do (!NAME:
# NAME does not); test_lazy_prereq NAME CODE makes NAME hold when CODE
# (a script, run once, when first asked, in a subshell) succeeds.
# test_expect_success_if PREREQ TITLE BODY runs the test when PREREQ
# holds, and is a TAP skip ("ok N # skip TITLE (missing PREREQ)") when
# not: a test that cannot run here is never reported as passed.
test_prereqs_=" "
test_lazy_prereqs_=" "

test_set_prereq() {
	test_prereqs_="$test_prereqs_$1 "
}

test_lazy_prereq() {
	test_lazy_prereqs_="$test_lazy_prereqs_$1 "
	eval "test_lazy_code_$1=\$2"
}

# test_prereq_known_ NAME: settle a lazy NAME (to NAME or no-NAME).
test_prereq_known_() {
	case "$test_lazy_prereqs_" in *" $1 "*) ;; *) return 0 ;; esac
	case "$test_prereqs_" in *" $1 "* | *" no-$1 "*) return 0 ;; esac
	eval "test_lazy_c_=\$test_lazy_code_$1"
	if (eval "$test_lazy_c_") </dev/null >/dev/null 2>&1; then
		test_set_prereq "$1"
	else
		test_set_prereq "no-$1"
	fi
}

test_have_prereq() {
	for test_prereq_p_ in $(echo "$1" | tr , ' '); do
		test_prereq_want_=yes
		case $test_prereq_p_ in
		!*)	test_prereq_want_=no
			test_prereq_p_=${test_prereq_p_#!} ;;
		esac
		test_prereq_known_ "$test_prereq_p_"
		case "$test_prereqs_" in
		*" $test_prereq_p_ "*) test_prereq_is_=yes ;;
		*) test_prereq_is_=no ;;
		esac
		[ "$test_prereq_is_" = "$test_prereq_want_" ] || return 1
	done
	return 0
}

test_expect_success_if() {
	if test_have_prereq "$1"; then
		test_expect_success "$2" "$3"
	else
		test_skip "$2" "missing $1"
	fi
}

# test_must_fail CMD...: CMD exits non-zero, but not by a signal or 127.
test_must_fail() {
	"$@"
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "test_must_fail: '$*' succeeded" >&2
		return 1
	elif [ $rc -gt 128 ] && [ $rc -ne 141 ] || [ $rc -eq 127 ]; then
		echo "test_must_fail: '$*' died with $rc" >&2
		return 1
	fi
	return 0
}

# test_expect_code N CMD...: CMD exits exactly N.
test_expect_code() {
	want=$1
	shift
	"$@"
	rc=$?
	if [ $rc -ne "$want" ]; then
		echo "test_expect_code: '$*' exited $rc, wanted $want" >&2
		return 1
	fi
	return 0
}

# test_cmp EXPECTED ACTUAL
test_cmp() {
	diff -u "$1" "$2"
}

# test_line_count OP N FILE  (OP: = -lt -gt -le -ge)
test_line_count() {
	n=$(wc -l <"$3" | tr -d ' ')
	case $1 in
	=) [ "$n" -eq "$2" ] ;;
	*) [ "$n" "$1" "$2" ] ;;
	esac || {
		echo "test_line_count: $3 has $n lines, wanted $1 $2" >&2
		cat "$3" >&2
		return 1
	}
}

# test_one_line FILE: stderr-style check that FILE is exactly one line.
test_one_line() {
	test_line_count = 1 "$1"
}

# test_have CMD: is CMD on PATH?
test_have() {
	command -v "$1" >/dev/null 2>&1
}

test_done() {
	printf '1..%d\n' "$test_count"
	[ "$test_failed" -eq 0 ]
	exit $?
}
