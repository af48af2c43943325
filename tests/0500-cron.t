#!/bin/sh
test_description='hermes-cron: jobs, ticks driven by --now, outcomes, missed runs, delivery'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"

TZ=Europe/Berlin
export TZ
# Every command of this file, and every run it spawns, reads this clock:
# nothing here depends on today's date.
HERMES_NOW=2026-11-25T07:00:00+01:00
export HERMES_NOW

# log_of ID: "status<TAB>note" of every run of ID
log_of() {
	hermes-cron log "$1" | cut -f3,5
}

test_expect_success 'setup' '
	mkdir -p "$HERMES_HOME" &&
	echo "provider.retry_delay_ms = 10" >"$HERMES_HOME/config" &&
	echo "provider.retries = 0" >>"$HERMES_HOME/config"
'

test_expect_success 'add prints the id; list shows the schedule and the next run' '
	id=$(hermes-cron add --now 2026-11-25T07:30:00+01:00 --name morning \
		"every day at 9am" "summarise the news" 2>err) &&
	echo "$id" | grep -q "^c_[0-9a-f]\{8\}$" &&
	grep -q "first run 2026-11-25T09:00:00+01:00" err &&
	hermes-cron list --now 2026-11-25T08:00:00+01:00 >out &&
	printf "%s\tmorning\tevery day at 9am\t" "$id" >want &&
	grep -q "^$(cat want)" out &&
	grep -q "	scheduled$" out &&
	test "$(stat -c %a "$HERMES_HOME/cron/jobs.json")" = 600 &&
	python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))[\"jobs\"][0]
assert j[\"canon\"] == \"0 9 * * *\", j
assert j[\"created\"] == \"2026-11-25T07:30:00+01:00\", j
assert j[\"deliver\"] == \"local\" and j[\"prompt\"] == \"summarise the news\", j
" "$HERMES_HOME/cron/jobs.json"
'

test_expect_success 'HERMES_NOW fixes or shifts the clock; a bad one is named' '
	HERMES_NOW=@1795000000 hermes-cron add "in 2h" p 2>err >/dev/null &&
	grep -q "first run $(TZ=Europe/Berlin date -d @1795007200 +%Y-%m-%dT%H:%M)" err &&
	HERMES_NOW=+730d hermes-cron add "in 1h" p 2>err >/dev/null &&
	want=$(date -d "+730 days +1 hour" +%Y) &&
	grep -q "first run $want-" err &&
	HERMES_NOW=soon hermes-cron add "in 1h" p 2>err >/dev/null &&
	grep -q "^HERMES_NOW: .soon. is not an ISO 8601 time; using the real clock$" err &&
	grep -q "first run $(date +%Y)-" err &&
	test_expect_code 2 hermes-cron add --now tomorrow "in 1h" p 2>err &&
	grep -q "tomorrow" err
'

test_expect_success 'every schedule form is accepted and canonical' '
	for s in "*/15 9-17 * * mon-fri" "@daily" "every 30m" "every 2h" \
		"every monday 9:30" "weekdays at 8:30" "every day at 21:15" \
		"in 2h" "2030-01-01T10:00:00+01:00"; do
		hermes-cron add "$s" "p" >/dev/null 2>&1 || { echo "refused: $s"; return 1; }
	done &&
	python3 -c "
import json, sys
c = [j[\"canon\"] for j in json.load(open(sys.argv[1]))[\"jobs\"]]
assert \"30 9 * * 1\" in c and \"30 8 * * 1-5\" in c, c
assert any(x.startswith(\"20\") and \"T\" in x for x in c), c
" "$HERMES_HOME/cron/jobs.json"
'

test_expect_success 'a bad schedule names the word; a bad target is refused' '
	test_expect_code 2 hermes-cron add "every funday at 9" p 2>err &&
	grep -q "funday" err &&
	test_expect_code 2 hermes-cron add "61 * * * *" p 2>err &&
	grep -q "61" err &&
	test_expect_code 2 hermes-cron add --deliver "not a target" "every 1h" p 2>err &&
	grep -q "not a delivery target" err &&
	test_expect_code 1 hermes-cron add --name morning "every 1h" p 2>err &&
	grep -q "named .morning. exists" err
'

test_expect_success 'rm, pause, resume print the id; an unknown job fails' '
	for id in $(hermes-cron list | cut -f1 | tail -n +2); do
		hermes-cron rm "$id" >/dev/null || return 1
	done &&
	test "$(hermes-cron list | wc -l)" = 1 &&
	hermes-cron pause morning >out && grep -q "^c_" out &&
	hermes-cron list | grep -q "	paused$" &&
	hermes-cron resume morning >/dev/null &&
	hermes-cron list | grep -q "	scheduled$" &&
	test_expect_code 1 hermes-cron rm nosuch 2>err &&
	grep -q "no job .nosuch." err
'

test_expect_success 'tick before the due time runs nothing; at it, the job runs ok' '
	cat >s.json <<-\EOT &&
	["Quiet night, nothing new."]
	EOT
	fake_llm_start openai s.json &&
	hermes-cron tick --now 2026-11-25T08:59:00+01:00 &&
	test "$(fake_llm_requests)" = 0 &&
	hermes-cron tick --now 2026-11-25T09:00:10+01:00 &&
	test "$(fake_llm_requests)" = 1 &&
	hermes-cron log morning >log &&
	test_line_count = 1 log &&
	cut -f3 log >st && echo ok >want && test_cmp want st &&
	out=$(cut -f4 log) && test -f "$out" &&
	grep -q "^status: ok$" "$out" &&
	grep -q "^Quiet night, nothing new.$" "$out" &&
	fake_llm_jq 1 "b[\"messages\"][-1][\"content\"]" >prompt &&
	grep -q "summarise the news" prompt &&
	grep -q "scheduled run of job" prompt
'

test_expect_success 'the run is a fresh session from source cron, without the cronjob tool' '
	hermes-session list --source cron >sess &&
	test_line_count = 1 sess &&
	fake_llm_jq 1 "\" \".join(t[\"function\"][\"name\"] for t in b[\"tools\"])" >tools &&
	! grep -q cronjob tools &&
	grep -q terminal tools
'

test_expect_success 'the next tick the same minute does not run it again' '
	hermes-cron tick --now 2026-11-25T09:00:40+01:00 &&
	test "$(fake_llm_requests)" = 1 &&
	hermes-cron list --now 2026-11-25T09:01:00+01:00 | cut -f4,5 >out &&
	printf "2026-11-26T09:00:00+01:00\tok\n" >want && test_cmp want out
'

test_expect_success 'a provider that fails: status error with the reason; tick still exits 0' '
	cat >s.json <<-\EOT &&
	[{"status": 500, "body": "upstream exploded", "repeat": 10}]
	EOT
	fake_llm_start openai s.json &&
	hermes-cron tick --now 2026-11-26T09:00:05+01:00 &&
	hermes-cron log -n 1 morning >log &&
	test "$(cut -f3 log)" = error &&
	cut -f5 log | grep -q "500" &&
	hermes-cron list | cut -f5 | grep -q "^error$"
'

test_expect_success 'missed runs: late within the grace window, one catch-up beyond it' '
	cat >s.json <<-\EOT &&
	[{"text": "ok", "repeat": 10}]
	EOT
	fake_llm_start openai s.json &&
	hermes-cron rm morning >/dev/null &&
	hid=$(hermes-cron add --name hourly "every 1h" hourly 2>/dev/null) &&
	python3 - "$HERMES_HOME/cron/jobs.json" "$hid" <<-\EOF &&
	import json, sys
	p, i = sys.argv[1], sys.argv[2]
	d = json.load(open(p))
	for j in d["jobs"]:
	    if j["id"] == i:
	        j["created"] = "2026-11-27T10:00:00+01:00"
	json.dump(d, open(p, "w"))
	EOF
	hermes-cron tick --now 2026-11-27T11:10:00+01:00 &&
	log_of "$hid" >log &&
	grep -q "^ok	late by 10m" log &&
	hermes-cron tick --now 2026-11-27T16:30:00+01:00 &&
	log_of "$hid" | tail -1 >log &&
	grep -q "^ok	catch-up run: 5 runs were due since 2026-11-27T12:00:00+01:00" log &&
	test "$(fake_llm_requests)" = 2
'

test_expect_success 'a paused job that comes due is logged as skipped, with the reason' '
	hermes-cron pause hourly >/dev/null &&
	hid=$(hermes-cron list | grep "	hourly	" | cut -f1) &&
	hermes-cron tick --now 2026-11-27T17:30:00+01:00 &&
	log_of "$hid" | tail -1 >log &&
	grep -q "^skipped	paused: 1 due run not made" log &&
	test "$(fake_llm_requests)" = 2 &&
	hermes-cron resume hourly >/dev/null
'

test_expect_success 'a one-shot runs once and is done' '
	cat >s.json <<-\EOT &&
	[{"text": "ok", "repeat": 10}]
	EOT
	fake_llm_start openai s.json &&
	oid=$(hermes-cron add "2026-11-28T12:00:00+01:00" "once only" 2>/dev/null) &&
	hermes-cron tick --now 2026-11-28T12:30:00+01:00 &&
	hermes-cron tick --now 2026-11-28T13:30:00+01:00 &&
	test "$(log_of "$oid" | wc -l)" = 1 &&
	hermes-cron list | grep "^$oid" | grep -q "	-	ok	done$"
'

test_expect_success '[SILENT] is not delivered; an answer is dropped into the outbox' '
	rm -f "$HERMES_HOME/cron/jobs.json" &&
	cat >s.json <<-\EOT &&
	["[SILENT]", "The build is red."]
	EOT
	fake_llm_start openai s.json &&
	did=$(hermes-cron add --deliver telegram:4242 "every 1h" "check the build" 2>/dev/null) &&
	hermes-cron run "$did" >/dev/null &&
	! ls "$HERMES_HOME/gateway/outbox/"*.json 2>/dev/null &&
	log_of "$did" | grep -q "^ok	run by hand; \[SILENT\]: not delivered" &&
	hermes-cron run "$did" >/dev/null &&
	ls "$HERMES_HOME/gateway/outbox/"*.json >files &&
	test_line_count = 1 files &&
	python3 -c "
import json, sys
m = json.load(open(sys.argv[1]))
assert m[\"target\"] == \"telegram:4242\", m
assert \"The build is red.\" in m[\"text\"], m
assert m[\"source\"] == \"cron:$did\", m
" "$(cat files)"
'

test_expect_success 'a delivery that fails makes the run delivery_failed' '
	cat >s.json <<-\EOT &&
	["Red again."]
	EOT
	fake_llm_start openai s.json &&
	rm -rf "$HERMES_HOME/gateway" && echo "not a dir" >"$HERMES_HOME/gateway" &&
	test_expect_code 1 hermes-cron run "$(hermes-cron list | cut -f1)" 2>err &&
	grep -q "delivery_failed" err &&
	hermes-cron log -n 1 | cut -f3 >st && echo delivery_failed >want &&
	test_cmp want st &&
	rm -f "$HERMES_HOME/gateway"
'

test_expect_success 'skills and the script output are given to the agent' '
	mkdir -p "$HERMES_HOME/skills/triage" &&
	printf -- "---\nname: triage\ndescription: sort issues\n---\nLabel each issue SEV1-3.\n" \
		>"$HERMES_HOME/skills/triage/SKILL.md" &&
	cat >s.json <<-\EOT &&
	["Sorted."]
	EOT
	fake_llm_start openai s.json &&
	sid=$(hermes-cron add --skill triage --script "echo 3 open issues" "every 1h" "triage them" 2>/dev/null) &&
	hermes-cron run "$sid" >/dev/null &&
	fake_llm_jq 1 "b[\"messages\"][-1][\"content\"]" >prompt &&
	grep -q "Label each issue SEV1-3." prompt &&
	grep -q "3 open issues" prompt &&
	grep -q "triage them" prompt
'

test_expect_success 'a failing script makes the run an error, and the agent is not asked' '
	fake_llm_start openai s.json &&
	fid=$(hermes-cron add --script "echo broken >&2; exit 3" "every 1h" x 2>/dev/null) &&
	test_expect_code 1 hermes-cron run "$fid" 2>/dev/null &&
	test "$(fake_llm_requests)" = 0 &&
	log_of "$fid" | grep -q "^error	run by hand; not run: its script failed (exit status 3)"
'

test_expect_success 'hermes-ask failing before it can answer: its last words are the note' '
	aid=$(hermes-cron add "every 1h" x 2>/dev/null) &&
	test_expect_code 1 env -u HERMES_BASE_URL hermes-cron run "$aid" 2>/dev/null &&
	log_of "$aid" | grep -q "^error	run by hand; hermes-ask: no API key for provider"
'

test_expect_success 'a malformed jobs.json names the file and the key, and is not touched' '
	cp "$HERMES_HOME/cron/jobs.json" good.json &&
	printf "{\"jobs\": [{\"id\": \"c_1\", \"schedule\": \"every funday\", \"prompt\": \"p\"}]}\n" \
		>"$HERMES_HOME/cron/jobs.json" &&
	cp "$HERMES_HOME/cron/jobs.json" bad.json &&
	test_expect_code 1 hermes-cron list 2>err &&
	grep -q "cron/jobs.json: jobs\[0\].schedule" err &&
	test_expect_code 1 hermes-cron tick 2>err &&
	test_expect_code 1 hermes-cron add "every 1h" p 2>err &&
	test_cmp bad.json "$HERMES_HOME/cron/jobs.json" &&
	echo "{not json" >"$HERMES_HOME/cron/jobs.json" &&
	test_expect_code 1 hermes-cron list 2>err &&
	grep -q "cron/jobs.json: not valid JSON at line 1" err &&
	cp good.json "$HERMES_HOME/cron/jobs.json"
'

test_done
