#!/bin/sh
test_description='hermes-ask: the date, the zone and the source reach the model, the system prompt stays the same'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"

# Zones as POSIX TZ rules, which need no tzdata.
PARIS=CET-1CEST,M3.5.0,M10.5.0/3
NY=EST5EDT,M3.2.0,M11.1.0

test_expect_success 'setup' '
	mkdir -p "$HERMES_HOME" &&
	echo "provider.retry_delay_ms = 10" >"$HERMES_HOME/config" &&
	echo "[\"one\", \"two\", \"three\"]" >s.json
'

# sid FILE: the session id in a --json result
sid() {
	python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"session\"])" "$1"
}

# last N: the last message of the Nth request
last() {
	fake_llm_jq "$1" "b[\"messages\"][-1][\"content\"]"
}

test_expect_success 'the user message ends with the local date, zone and source' '
	fake_llm_start openai s.json &&
	HERMES_NOW=2026-11-24T09:30:00+01:00 TZ=$PARIS \
		hermes-ask -q "what did I get yesterday?" >/dev/null &&
	last 1 >got &&
	cat >want <<-\EOT &&
	what did I get yesterday?

	[Context: Tuesday 2026-11-24 09:30 CET (UTC+01:00); source: cli, the command line]
	EOT
	test_cmp want got
'

test_expect_success 'another zone shows its own wall clock; cron says nobody reads along' '
	fake_llm_start openai s.json &&
	HERMES_NOW=2026-11-24T09:30:00+01:00 TZ=$NY \
		hermes-ask -q --source cron "summarise yesterday'"'"'s mail" >/dev/null &&
	last 1 | tail -n 1 >got &&
	echo "[Context: Tuesday 2026-11-24 03:30 EST (UTC-05:00); source: cron, a scheduled job: nobody reads along]" >want &&
	test_cmp want got
'

test_expect_success 'each source hermes-ask is started with is named' '
	for src in kanban:"a kanban board worker: nobody reads along" \
		telegram:"a Telegram chat" subagent:"a parent agent that delegated this task" \
		email:"an email" mybot:""; do
		fake_llm_start openai s.json &&
		HERMES_NOW=@1795000000 TZ=UTC hermes-ask -q --json \
			--source "${src%%:*}" hi >/dev/null &&
		last 1 | tail -n 1 >got &&
		what=${src#*:} &&
		echo "[Context: Wednesday 2026-11-18 11:06 UTC; source: ${src%%:*}${what:+, $what}]" >want &&
		test_cmp want got || exit 1
	done
'

if [ -f /usr/share/zoneinfo/Europe/Paris ]; then
	test_expect_success 'a zone named by TZ is named to the model' '
		fake_llm_start openai s.json &&
		HERMES_NOW=2026-07-01T12:00:00Z TZ=Europe/Paris \
			hermes-ask -q hi >/dev/null &&
		last 1 | tail -n 1 >got &&
		echo "[Context: Wednesday 2026-07-01 14:00 CEST (Europe/Paris, UTC+02:00); source: cli, the command line]" >want &&
		test_cmp want got
	'
else
	test_skip 'a zone named by TZ is named to the model' 'no tzdata'
fi

test_expect_success 'the time is at minute precision: seconds never show' '
	fake_llm_start openai s.json &&
	HERMES_NOW=2026-11-24T09:30:59+01:00 TZ=$PARIS hermes-ask -q hi >/dev/null &&
	last 1 | grep -q "2026-11-24 09:30 CET" &&
	! last 1 | grep -q "09:30:59"
'

test_expect_success 'the system prompt is byte-identical across turns at different times' '
	fake_llm_start openai s.json &&
	HERMES_NOW=2026-11-24T09:30:00+01:00 TZ=$PARIS \
		hermes-ask -q --json "first question" >first.json &&
	id=$(sid first.json) &&
	HERMES_NOW=2026-11-25T18:05:00+01:00 TZ=$PARIS \
		hermes-ask -q -s "$id" "second question" >/dev/null &&
	fake_llm_jq 1 "b[\"messages\"][0]" >sys1 &&
	fake_llm_jq 2 "b[\"messages\"][0]" >sys2 &&
	test_cmp sys1 sys2 &&
	! grep -q -e 2026 -e Context -e cli sys1 &&
	fake_llm_jq 1 "b[\"messages\"][1]" >user1 &&
	fake_llm_jq 2 "b[\"messages\"][1]" >user1again &&
	test_cmp user1 user1again &&
	grep -q "09:30 CET" user1 &&
	last 2 | tail -n 1 >got &&
	echo "[Context: Wednesday 2026-11-25 18:05 CET (UTC+01:00); source: cli, the command line]" >want &&
	test_cmp want got
'

test_expect_success 'the Anthropic API: the system block stays the same, the context is in the user turn' '
	fake_llm_start anthropic s.json &&
	HERMES_NOW=2026-11-24T09:30:00+01:00 TZ=$PARIS \
		hermes-ask -q --json --source telegram "first" >tg.json &&
	HERMES_NOW=2026-11-24T21:00:00+01:00 TZ=$PARIS \
		hermes-ask -q --source telegram -s "$(sid tg.json)" "second" \
		>/dev/null &&
	fake_llm_jq 1 "b[\"system\"]" >sys1 &&
	fake_llm_jq 2 "b[\"system\"]" >sys2 &&
	test_cmp sys1 sys2 && ! grep -q 2026 sys1 &&
	fake_llm_jq 2 "b[\"messages\"][-1][\"content\"][-1][\"text\"]" >got &&
	printf "second\n\n[Context: Tuesday 2026-11-24 21:00 CET (UTC+01:00); source: telegram, a Telegram chat]\n" >want &&
	test_cmp want got
'

test_expect_success 'the stored message is what was sent, so -c resends the same bytes' '
	hermes-session show --json "$(sid tg.json)" >shown &&
	grep -q "first.n.n\[Context: Tuesday 2026-11-24 09:30 CET" shown &&
	grep -q "second.n.n\[Context: Tuesday 2026-11-24 21:00 CET" shown
'

test_expect_success '--dry-run shows the context line too' '
	HERMES_NOW=2026-11-24T09:30:00+01:00 TZ=$PARIS \
		hermes-ask --dry-run --source cron hi >body 2>/dev/null &&
	python3 -c "
import json; b = json.load(open(\"body\"))
assert b[\"messages\"][-1][\"content\"] == \"hi\n\n[Context: Tuesday 2026-11-24 09:30 CET (UTC+01:00); source: cron, a scheduled job: nobody reads along]\", b[\"messages\"][-1]
assert \"2026\" not in b[\"messages\"][0][\"content\"]
"
'

test_done
