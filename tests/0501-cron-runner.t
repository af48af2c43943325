#!/bin/sh
test_description='hermes-cron: one tick at a time, killed ticks, DST, crontab, daemon, the cronjob tool'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"

TZ=Europe/Berlin
export TZ

log_of() {
	hermes-cron log "$1" | cut -f3,5
}

llm_asked_some() {
	test "$(fake_llm_requests)" != 0
}

none_running() {
	! hermes-cron list | grep -q "	running$"
}

ran_ok() {
	hermes-cron log "$1" | grep -q "	ok	"
}

test_expect_success 'setup' '
	mkdir -p "$HERMES_HOME" &&
	echo "provider.retry_delay_ms = 10" >"$HERMES_HOME/config"
'

test_expect_success 'a second tick while one holds the lock exits 0 at once, running nothing' '
	cat >s.json <<-\EOT &&
	["done"]
	EOT
	fake_llm_start openai s.json &&
	hermes-cron add --name daily "0 9 * * *" "p" >/dev/null 2>&1 &&
	python3 -c "
import fcntl, os, subprocess, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
r = subprocess.run([\"hermes-cron\", \"tick\", \"--now\", \"2030-01-01T09:00:00+01:00\"], timeout=10)
sys.exit(r.returncode)
" "$HERMES_HOME/cron/.lock" &&
	test "$(fake_llm_requests)" = 0 &&
	test "$(hermes-cron log | wc -l)" = 0
'

test_expect_success 'two ticks at once: the job runs exactly once' '
	cat >s.json <<-\EOT &&
	[{"text": "slow answer", "delay": 1, "repeat": 5}]
	EOT
	fake_llm_start openai s.json &&
	{ hermes-cron tick --now 2030-01-01T09:00:30+01:00 & p1=$!; } &&
	{ hermes-cron tick --now 2030-01-01T09:00:30+01:00 & p2=$!; } &&
	wait $p1 && wait $p2 &&
	test "$(fake_llm_requests)" = 1 &&
	test "$(log_of daily | grep -c "^ok")" = 1
'

test_expect_success 'a tick killed mid-run: the run is recorded as killed, not run again' '
	cat >s.json <<-\EOT &&
	[{"text": "too slow", "delay": 20}]
	EOT
	fake_llm_start openai s.json &&
	{ hermes-cron tick --now 2030-01-02T09:00:30+01:00 & tp=$!; } &&
	wait_for llm_asked_some &&
	hermes-cron list | grep -q "	running$" &&
	kill -9 $tp && wait $tp 2>/dev/null
	test_pkill 9 "hermes-ask --json -q --source cron" 2>/dev/null
	wait_for none_running &&
	hermes-cron tick --now 2030-01-02T09:01:00+01:00 &&
	log_of daily | tail -1 >last &&
	grep -q "^error	the run was killed before it finished" last &&
	test "$(fake_llm_requests)" = 1 &&
	hermes-cron list | cut -f4 | grep -q "^2030-01-03T09:00:00+01:00$"
'

test_expect_success 'DST spring forward: 02:30 runs once, moved to 03:30' '
	rm -f "$HERMES_HOME/cron/jobs.json" &&
	cat >s.json <<-\EOT &&
	[{"text": "ran", "repeat": 5}]
	EOT
	fake_llm_start openai s.json &&
	did=$(hermes-cron add "30 2 * * *" "dst" 2>/dev/null) &&
	python3 - "$HERMES_HOME/cron/jobs.json" <<-\EOF &&
	import json, sys
	d = json.load(open(sys.argv[1]))
	d["jobs"][0]["created"] = "2026-03-28T12:00:00+01:00"
	json.dump(d, open(sys.argv[1], "w"))
	EOF
	hermes-cron tick --now 2026-03-29T01:59:00+01:00 &&
	test "$(log_of "$did" | wc -l)" = 0 &&
	hermes-cron list --now 2026-03-29T01:59:00+01:00 | cut -f4 >next &&
	echo 2026-03-29T03:30:00+02:00 >want && test_cmp want next &&
	hermes-cron tick --now 2026-03-29T03:30:10+02:00 &&
	hermes-cron tick --now 2026-03-29T04:30:00+02:00 &&
	hermes-cron tick --now 2026-03-29T23:00:00+02:00 &&
	test "$(log_of "$did" | wc -l)" = 1 &&
	hermes-cron list | cut -f4 | grep -q "^2026-03-30T02:30:00+02:00$"
'

test_expect_success 'DST fall back: 02:30 on the long day runs once' '
	python3 - "$HERMES_HOME/cron/jobs.json" <<-\EOF &&
	import json, sys
	d = json.load(open(sys.argv[1]))
	d["jobs"][0]["id"] = "c_0000fa11"
	d["jobs"][0]["created"] = "2026-10-24T12:00:00+02:00"
	json.dump(d, open(sys.argv[1], "w"))
	EOF
	hermes-cron tick --now 2026-10-25T02:31:00+02:00 &&
	hermes-cron tick --now 2026-10-25T02:31:00+01:00 &&
	hermes-cron tick --now 2026-10-25T05:00:00+01:00 &&
	test "$(log_of c_0000fa11 | wc -l)" = 1
'

test_expect_success 'install adds one crontab line, keeps the others, and is idempotent' '
	mkdir -p fakebin &&
	cat >fakebin/crontab <<-\EOF &&
	#!/bin/sh
	# a crontab(1) that keeps the table in $CRONTAB_FILE
	case $1 in
	-l) [ -f "$CRONTAB_FILE" ] || { echo "no crontab for $(id -un)" >&2; exit 1; }
	    cat "$CRONTAB_FILE" ;;
	-) cat >"$CRONTAB_FILE" ;;
	*) cp "$1" "$CRONTAB_FILE" ;;
	esac
	EOF
	chmod +x fakebin/crontab &&
	CRONTAB_FILE=$TEST_TMP/table && export CRONTAB_FILE &&
	PATH=$TEST_TMP/fakebin:$PATH hermes-cron install >line 2>err &&
	grep -q "added to the crontab" err &&
	test_line_count = 1 table &&
	grep -q "^\* \* \* \* \* HERMES_HOME=.* tick >>.*2>&1 # hermes-cron$" table &&
	test_cmp line table &&
	printf "MAILTO=me\n0 3 * * * backup\n" >table &&
	PATH=$TEST_TMP/fakebin:$PATH hermes-cron install >/dev/null 2>&1 &&
	PATH=$TEST_TMP/fakebin:$PATH hermes-cron install >/dev/null 2>err &&
	grep -q "already in the crontab" err &&
	test_line_count = 3 table &&
	head -2 table >kept && printf "MAILTO=me\n0 3 * * * backup\n" >want &&
	test_cmp want kept &&
	PATH=$TEST_TMP/fakebin:$PATH hermes-cron uninstall 2>err &&
	grep -q "removed from the crontab" err &&
	test_cmp want table
'

test_expect_success 'install without a crontab command fails clearly' '
	mkdir -p emptybin && ln -sf "$(command -v sh)" emptybin/sh &&
	test_expect_code 1 env PATH=$TEST_TMP/emptybin "$(command -v hermes-cron)" install 2>err &&
	grep -q "cannot run .crontab." err
'

test_expect_success 'daemon: runs a job when it comes due and stops on SIGTERM' '
	cat >s.json <<-\EOT &&
	[{"text": "from the daemon", "repeat": 5}]
	EOT
	fake_llm_start openai s.json &&
	rm -f "$HERMES_HOME/cron/jobs.json" &&
	{ hermes-cron daemon 2>daemon.err & dp=$!; } &&
	nid=$(hermes-cron add "in 1s" "soon" 2>/dev/null) &&
	wait_for ran_ok "$nid" &&
	kill -TERM $dp && wait $dp
'

test_expect_success 'the cronjob tool: the agent schedules, lists and removes jobs' '
	rm -f "$HERMES_HOME/cron/jobs.json" &&
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "cronjob", "arguments": {"action": "create", "schedule": "every day at 9am", "prompt": "summarise the news", "name": "news"}}]},
	 {"tool_calls": [{"name": "cronjob", "arguments": {"action": "list"}}]},
	 {"tool_calls": [{"name": "cronjob", "arguments": {"action": "create", "schedule": "every funday", "prompt": "x"}}]},
	 {"text": "Scheduled."}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask "every morning at 9 summarise the news" >out 2>/dev/null &&
	hermes-cron list | grep -q "	news	every day at 9am	" &&
	fake_llm_jq 2 "b[\"messages\"][-1][\"content\"]" | grep -q "^scheduled c_.*first run" &&
	fake_llm_jq 3 "b[\"messages\"][-1][\"content\"]" | grep -q "news" &&
	fake_llm_jq 4 "b[\"messages\"][-1][\"content\"]" | grep -q "^error: .*funday"
'

test_expect_success 'inside a scheduled run the cronjob tool refuses' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "cronjob", "arguments": {"action": "list"}}]},
	 {"text": "ok"}]
	EOT
	fake_llm_start openai s.json &&
	HERMES_CRON_JOB=c_12345678 hermes-ask "list jobs" >/dev/null 2>&1 &&
	fake_llm_jq 2 "b[\"messages\"][-1][\"content\"]" | grep -q "^error: unknown tool .cronjob."
'

test_done
