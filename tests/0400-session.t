#!/bin/sh
test_description='hermes-session list, show, export, rm, prune and their errors'
. "${0%/*}/lib.sh"

DB="$HERMES_HOME/state.db"
A=20261120_090000_a1b2c3
B=20261121_103000_d4e5f6
C=20200101_090000_0f0f0f
# The one clock (see hermes(7)), fixed: prune counts idle days from it.
HERMES_NOW=@1795600000
export HERMES_NOW

# populate: three sessions written the way session.c writes them, through
# the sqlite3 shell (hermes-ask would make them; it is not needed here).
# A and B were active minutes ago, C in 2020; B's title holds a tab.
populate() {
	now=${HERMES_NOW#@}
	sqlite3 "$DB" <<EOF
INSERT INTO sessions (id, source, model, title, cwd, started_at,
  last_activity_at, message_count, tool_call_count, input_tokens,
  output_tokens, cached_tokens) VALUES
  ('$A', 'cli', 'anthropic/claude-sonnet', 'Fix the build', '/src/app',
   1795165200, $now - 7200, 5, 1, 2700, 70, 1100),
  ('$B', 'cron', 'openai/gpt-4o', 'Nightly	report', NULL,
   1795257000, $now - 3600, 2, 0, 800, 20, 0),
  ('$C', 'cli', NULL, 'Old chat', NULL, 1577869200, 1577869260, 1, 0, 0,
   0, 0);
INSERT INTO messages (session_id, role, content, ts) VALUES
  ('$A', 'system', 'You are Hermes.', 1795165200),
  ('$A', 'user', 'Fix the build
it fails when linking', 1795165201);
INSERT INTO messages (session_id, role, content, tool_calls, finish,
  input_tokens, output_tokens, cached_tokens, ts) VALUES
  ('$A', 'assistant', 'Let me run make.',
   '[{"id":"call_1","name":"terminal","arguments":"{\"command\":\"make\"}"}]',
   'tool_calls', 1200, 40, 0, 1795165205);
INSERT INTO messages (session_id, role, content, tool_call_id, tool_name,
  ts) VALUES
  ('$A', 'tool', 'cc -o app main.o
undefined reference to \`curl_easy_init''', 'call_1', 'terminal',
   1795165206);
INSERT INTO messages (session_id, role, content, finish, input_tokens,
  output_tokens, cached_tokens, ts) VALUES
  ('$A', 'assistant', 'Add -lcurl to LDLIBS in the Makefile.', 'stop',
   1500, 30, 1100, 1795165260.5),
  ('$B', 'user', 'Summarise the nightly résumé of deployments', NULL,
   0, 0, 0, 1795257000),
  ('$B', 'assistant', 'Two deployments went to staging; one failed.',
   'stop', 800, 20, 0, 1795257030),
  ('$C', 'user', 'hello from 2020', NULL, 0, 0, 0, 1577869200);
EOF
}

# Queries with string literals, kept out of the single-quoted test bodies.
count_messages_of() {
	sqlite3 "$DB" "SELECT count(*) FROM messages WHERE session_id = '$1'"
}
fts_check() {
	sqlite3 "$DB" "INSERT INTO messages_fts(messages_fts)
		VALUES ('integrity-check')"
}
add_fenced_result() {
	sqlite3 "$DB" <<EOF
INSERT INTO messages (session_id, role, content, tool_name, ts) VALUES
  ('$C', 'tool', 'see:
\`\`\`
x
\`\`\`', 'read_file', 1577869260);
EOF
}

cat >expect.show <<EOF
session  $A
title    Fix the build
source   cli
model    anthropic/claude-sonnet
cwd      /src/app
started  2026-11-20T09:00:00Z

system: You are Hermes.

user: Fix the build
it fails when linking

assistant: Let me run make.
assistant -> terminal {"command":"make"}

tool terminal: cc -o app main.o
undefined reference to \`curl_easy_init'

assistant: Add -lcurl to LDLIBS in the Makefile.

messages 5, tool calls 1, tokens: input 2700, output 70, cached 1100
EOF

cat >expect.md <<EOF
# Fix the build

- Session: \`$A\`
- Started: 2026-11-20T09:00:00Z
- Source: cli
- Model: anthropic/claude-sonnet
- Usage: 2700 input, 70 output, 1100 cached tokens

## System

You are Hermes.

## User

Fix the build
it fails when linking

## Assistant

Let me run make.

Tool call \`terminal\`:

\`\`\`json
{"command":"make"}
\`\`\`

## Tool result: \`terminal\`

\`\`\`
cc -o app main.o
undefined reference to \`curl_easy_init'
\`\`\`

## Assistant

Add -lcurl to LDLIBS in the Makefile.
EOF

test_expect_success 'list on a fresh home prints nothing and makes state.db' '
	hermes-session list >out 2>err &&
	test_line_count = 0 out && test_line_count = 0 err &&
	test -f "$DB" &&
	test "$(stat -c %a "$DB")" = 600 &&
	test "$(sqlite3 "$DB" "PRAGMA user_version")" = 3 &&
	test "$(sqlite3 "$DB" "PRAGMA journal_mode")" = wal
'

test_expect_success 'populate the store through the schema' '
	populate &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM messages")" = 8
'

test_expect_success 'list: one line a session, last active first' '
	hermes-session list >out &&
	printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" \
		$B 2026-11-21T10:30:00Z cron openai/gpt-4o 2 800 20 0 \
		"Nightly report" \
		$A 2026-11-20T09:00:00Z cli anthropic/claude-sonnet 5 2700 \
		70 1100 "Fix the build" \
		$C 2020-01-01T09:00:00Z cli "" 1 0 0 0 "Old chat" >want &&
	test_cmp want out
'

test_expect_success 'list with no verb; and through the front door' '
	hermes-session >out1 && hermes session list >out2 &&
	hermes-session list >want &&
	test_cmp want out1 && test_cmp want out2
'

test_expect_success 'list -n and --source' '
	hermes-session list -n 1 >out &&
	test_line_count = 1 out && grep -q "^$B	" out &&
	hermes-session list --limit=2 >out && test_line_count = 2 out &&
	hermes-session list --source cli >out &&
	cut -f1 out >ids && printf "%s\n%s\n" $A $C >want &&
	test_cmp want ids &&
	hermes-session list --source nowhere >out && test_line_count = 0 out
'

test_expect_success 'list --json: one object a line' '
	hermes-session --json list >out &&
	hermes-session list --json >out2 && test_cmp out out2 &&
	test_line_count = 3 out &&
	python3 -c "
import json
rows = [json.loads(l) for l in open(\"out\")]
a = rows[1]
assert a[\"id\"] == \"$A\", a
assert a[\"started\"] == \"2026-11-20T09:00:00Z\", a
assert a[\"source\"] == \"cli\" and a[\"cwd\"] == \"/src/app\", a
assert a[\"messages\"] == 5 and a[\"tool_calls\"] == 1, a
assert a[\"usage\"] == {\"input\": 2700, \"output\": 70, \"cached\": 1100}, a
assert rows[2][\"model\"] is None and rows[2][\"profile\"] is None, rows[2]
assert rows[0][\"title\"] == \"Nightly\treport\", rows[0]
"
'

test_expect_success 'show: header, conversation, usage' '
	hermes-session show $A >out &&
	grep "^last     20[0-9-]*T[0-9:]*Z$" out &&
	grep -v "^last " out >out.nolast &&
	test_cmp expect.show out.nolast
'

test_expect_success 'show takes a unique prefix' '
	hermes-session show 20261120 >out &&
	head -n 1 out | grep -q "^session  $A$"
'

test_expect_success 'show --json: the session and its conversation' '
	hermes-session show --json ${A%_*} >out &&
	test_line_count = 1 out &&
	python3 -c "
import json
s = json.load(open(\"out\"))
assert s[\"id\"] == \"$A\" and s[\"title\"] == \"Fix the build\", s
c = s[\"conversation\"]
assert [m[\"role\"] for m in c] == [\"system\", \"user\", \"assistant\",
    \"tool\", \"assistant\"], c
assert c[2][\"tool_calls\"][0][\"name\"] == \"terminal\", c[2]
assert c[3][\"tool_call_id\"] == \"call_1\", c[3]
"
'

test_expect_success 'export: a Markdown transcript by default' '
	hermes-session export $A >out &&
	test_cmp expect.md out &&
	hermes-session export --format md $A >out2 && test_cmp out out2
'

test_expect_success 'export --format jsonl: one valid object a message' '
	hermes-session export --format jsonl $A >out &&
	test_line_count = 5 out &&
	python3 -c "
import json
rows = [json.loads(l) for l in open(\"out\")]
keys = {\"role\", \"content\", \"tool_calls\", \"tool_call_id\", \"tool_name\",
    \"finish\", \"usage\", \"ts\"}
for r in rows:
    assert keys <= set(r), r
    assert isinstance(r[\"tool_calls\"], list), r
a = rows[2]
assert a[\"tool_calls\"] == [{\"id\": \"call_1\", \"name\": \"terminal\",
    \"arguments\": \"{\\\"command\\\":\\\"make\\\"}\"}], a
assert json.loads(a[\"tool_calls\"][0][\"arguments\"]) == {\"command\": \"make\"}
assert a[\"usage\"] == {\"input\": 1200, \"output\": 40, \"cached\": 0}, a
assert a[\"finish\"] == \"tool_calls\", a
t = rows[3]
assert t[\"role\"] == \"tool\" and t[\"tool_name\"] == \"terminal\", t
assert t[\"content\"].endswith(\"curl_easy_init\x27\"), t
assert rows[4][\"ts\"] == 1795165260.5, rows[4]
assert rows[1][\"content\"] == \"Fix the build\nit fails when linking\"
"
'

test_expect_success 'export: a backtick fence in a tool result gets a longer fence' '
	add_fenced_result &&
	hermes-session export $C >out &&
	grep -qx "\`\`\`\`" out &&
	grep -qx "\`\`\`" out
'

test_expect_success 'an unknown id exits 1 with one line naming it' '
	for v in show export rm; do
		test_expect_code 1 hermes-session $v 20990101_000000_ffffff \
			>out 2>err &&
		test_line_count = 0 out && test_one_line err &&
		grep -q "20990101_000000_ffffff" err || exit 1
	done
'

test_expect_success 'an ambiguous prefix exits 1 naming the candidates' '
	test_expect_code 1 hermes-session show 2026112 2>err &&
	test_one_line err &&
	grep -q "ambiguous" err && grep -q $A err && grep -q $B err
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 hermes-session list --bogus 2>err &&
	grep -q "unknown option" err &&
	test_expect_code 2 hermes-session show 2>err &&
	grep -q "missing operand" err &&
	test_expect_code 2 hermes-session show $A $B 2>err &&
	test_expect_code 2 hermes-session list -n 0 2>err &&
	grep -q "invalid count" err &&
	test_expect_code 2 hermes-session list -n x 2>err &&
	test_expect_code 2 hermes-session export --format pdf $A 2>err &&
	grep -q "unknown format" err &&
	test_expect_code 2 hermes-session list extra 2>err &&
	test_expect_code 2 hermes-session nosuchverb 2>err
'

test_expect_success 'rm takes a prefix, prints the full id, removes all' '
	hermes-session rm ${B%_*} >out &&
	echo $B >want && test_cmp want out &&
	test "$(count_messages_of $B)" = 0 &&
	hermes-session list | cut -f1 >ids &&
	printf "%s\n%s\n" $A $C >want && test_cmp want ids &&
	hermes-session search nightly >out && test_line_count = 0 out &&
	fts_check
'

test_expect_success 'rm of a removed id fails' '
	test_expect_code 1 hermes-session rm $B 2>err && test_one_line err
'

test_expect_success 'prune needs --older-than DAYS' '
	test_expect_code 2 hermes-session prune 2>err &&
	grep -q "older-than" err &&
	test_expect_code 2 hermes-session prune --older-than x 2>err &&
	test_expect_code 2 hermes-session prune --older-than -1 2>err
'

test_expect_success 'prune removes sessions idle longer than DAYS' '
	hermes-session prune --older-than 30 >out &&
	echo 1 >want && test_cmp want out &&
	hermes-session list | cut -f1 >ids &&
	echo $A >want && test_cmp want ids &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM messages")" = 5 &&
	hermes-session prune --older-than 30 >out &&
	echo 0 >want && test_cmp want out
'

test_expect_success 'prune --older-than 0 removes everything' '
	hermes-session prune --older-than 0 >out &&
	echo 1 >want && test_cmp want out &&
	hermes-session list >out && test_line_count = 0 out &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM messages_fts")" = 0
'

test_expect_success 'a database from a newer hermes is refused (exit 1)' '
	sqlite3 "$DB" "PRAGMA user_version = 7" &&
	test_expect_code 1 hermes-session list 2>err &&
	test_one_line err && grep -q "version 7" err &&
	sqlite3 "$DB" "PRAGMA user_version = 3"
'

test_done
