#!/bin/sh
test_description='hermes-session search: full text, snippets, prefixes,
hostile queries, the context line of user messages left out, ranking over
a long history, -n, an old schema migrated'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"

DB="$HERMES_HOME/state.db"
A=20261120_090000_a1b2c3
B=20261121_103000_d4e5f6

# Messages 1-3 in A, 4-5 in B (ids follow insertion order).
populate() {
	sqlite3 "$DB" <<EOF
INSERT INTO sessions (id, source, started_at, last_activity_at,
  message_count) VALUES
  ('$A', 'cli', 1795165200, 1795165300, 3),
  ('$B', 'cron', 1795257000, 1795257100, 2);
INSERT INTO messages (session_id, role, content, ts) VALUES
  ('$A', 'user', 'Why does the link step fail?', 1795165200),
  ('$A', 'tool', 'cc -o app main.o
undefined reference to curl_easy_init', 1795165250),
  ('$A', 'assistant', 'Add -lcurl to LDLIBS.', 1795165300),
  ('$B', 'user', 'Summarise the nightly Résumé of deployments', 1795257000),
  ('$B', 'assistant', 'Two deployments went to staging; one failed.',
   1795257100);
EOF
}

# retext ID OLD NEW: replace OLD by NEW in message ID, behind our back.
retext() {
	sqlite3 "$DB" "UPDATE messages SET content = replace(content, '$2', '$3')
		WHERE id = $1"
}

test_expect_success 'setup: schema by hermes-session, rows by sqlite3' '
	hermes-session list >out && test_line_count = 0 out &&
	populate
'

test_expect_success 'a word: session, message id and a marked snippet' '
	hermes-session search curl_easy_init >out &&
	printf "%s\t2\t%s\n" $A \
		"cc -o app main.o undefined reference to [curl_easy_init]" \
		>want &&
	test_cmp want out
'

test_expect_success 'newlines in snippets are printed as spaces' '
	hermes-session search undefined >out &&
	test_line_count = 1 out &&
	grep -q "main.o \[undefined\] reference" out
'

test_expect_success 'every word must match' '
	hermes-session search deployments >out && test_line_count = 2 out &&
	hermes-session search "deployments staging" >out &&
	printf "%s\t5\t%s\n" $B \
		"Two [deployments] went to [staging]; one failed." >want &&
	test_cmp want out &&
	hermes-session search deployments nowhere >out &&
	test_line_count = 0 out
'

test_expect_success 'several operands are one query' '
	hermes-session search deployments staging >out2 &&
	test_cmp want out2
'

test_expect_success 'a trailing * makes a prefix query' '
	hermes-session search "deploy*" >out && test_line_count = 2 out &&
	hermes-session search deploy >out && test_line_count = 0 out
'

test_expect_success 'case and accents do not matter' '
	hermes-session search resume >out &&
	test_line_count = 1 out && grep -q "^$B	4	" out &&
	hermes-session search "RÉSUMÉ" >out && test_line_count = 1 out &&
	hermes-session search "ünïcode" >out && test_line_count = 0 out
'

test_expect_success 'hostile queries are text, never errors' '
	for q in "\"" "AND (" "foo*" "NEAR(a b)" "*" "a:b" "-x" "^y" \
		"OR" "\"unbalanced" "x\" OR \"y" "((((" "content:curl" \
		"'\''" "\\" "**" "link* OR"; do
		hermes-session search -- "$q" >out 2>err || {
			echo "query [$q] failed" && cat err && exit 1
		}
		test_line_count = 0 err || exit 1
	done
'

test_expect_success 'quotes and parentheses around words still find them' '
	hermes-session search "\"staging\"" >out && test_line_count = 1 out &&
	hermes-session search "(link)" >out && test_line_count = 1 out
'

test_expect_success 'an empty query is a usage error' '
	test_expect_code 2 hermes-session search "" 2>err &&
	test_one_line err &&
	test_expect_code 2 hermes-session search "   " 2>err &&
	test_expect_code 2 hermes-session search 2>err
'

test_expect_success 'search -n limits the hits' '
	hermes-session search -n 1 "deploy*" >out && test_line_count = 1 out
'

test_expect_success 'search --json: one object a hit' '
	hermes-session --json search undefined >out &&
	test_line_count = 1 out &&
	python3 -c "
import json
h = json.loads(open(\"out\").read())
assert h[\"session\"] == \"$A\" and h[\"message\"] == 2, h
assert h[\"role\"] == \"tool\" and h[\"ts\"] == 1795165250, h
assert \"[undefined]\" in h[\"snippet\"] and \"\n\" in h[\"snippet\"], h
"
'

test_expect_success 'the index follows updates and deletes made in SQL' '
	retext 5 staging prod &&
	hermes-session search staging >out && test_line_count = 0 out &&
	hermes-session search prod >out && test_line_count = 1 out &&
	sqlite3 "$DB" "DELETE FROM messages WHERE id = 5" &&
	hermes-session search prod >out && test_line_count = 0 out
'

# Sessions made by hermes-ask against the fake LLM, in a home of their
# own, each user message ending in its context line (prompt.h): a cron
# session of two turns, then a cli one that says "Tuesday" itself.
CTX="$TEST_TMP/ctx"
PARIS=CET-1CEST,M3.5.0,M10.5.0/3
LINE="[Context: Tuesday 2026-11-24 09:30 CET (UTC+01:00); source: cron,"
LINE="$LINE a scheduled job: nobody reads along]"
ctx() {
	HERMES_HOME="$CTX" HERMES_NOW=2026-11-24T09:30:00+01:00 TZ=$PARIS "$@"
}
ctxsql() {
	sqlite3 "$CTX/state.db" "$@"
}
# no_context FILE: no snippet in FILE shows the context line
no_context() {
	! grep -F "Context" "$1"
}

test_expect_success 'setup: hermes-ask stores the context line with the text' '
	mkdir "$CTX" &&
	echo "[\"The backup finished.\", \"The archive is fine.\",
		\"Noted.\"]" >s.json &&
	fake_llm_start openai s.json &&
	ctx hermes-ask -q --source cron "check the nightly backup" >/dev/null &&
	ctx hermes-ask -q --source cron -c "and verify the archive" \
		>/dev/null &&
	ctx hermes-ask -q "remind me on Tuesday" >/dev/null &&
	fake_llm_stop &&
	ctxsql "SELECT content FROM messages WHERE role = \"user\"
		ORDER BY id" >got &&
	cat >want <<-EOF &&
	check the nightly backup

	$LINE
	and verify the archive

	$LINE
	remind me on Tuesday

	${LINE%%; source*}; source: cli, the command line]
	EOF
	test_cmp want got
'

test_expect_success 'a word only in the context line finds nothing' '
	for q in cron source Context scheduled nobody reads along job 2026 \
		11 24 09 30 CET UTC command line "sched*" "cr*" "Con*"; do
		ctx hermes-session search "$q" >out &&
		test_line_count = 0 out || {
			echo "[$q] found:" && cat out && exit 1
		}
	done &&
	ctx hermes-session search Tuesday >out &&
	test_line_count = 1 out &&
	grep -q "	remind me on \[Tuesday\]$" out &&
	ctx hermes-session search "Tue*" >out && test_line_count = 1 out
'

test_expect_success 'its own words find it; snippets hold no context line' '
	ctx hermes-session search nightly backup >out &&
	test_line_count = 1 out &&
	grep -q "	check the \[nightly\] \[backup\]$" out &&
	ctx hermes-session search backup >out && test_line_count = 2 out &&
	no_context out &&
	ctx hermes-session search "the" >out && test_line_count = 4 out &&
	no_context out &&
	ctx hermes-session --json search "a*" >out &&
	test_line_count = 2 out && no_context out &&
	grep -q "\"\\[and\\] verify the \\[archive\\]\"" out
'

test_expect_success 'show and export print the messages as stored' '
	sid=$(ctx hermes-session list --source cron | cut -f1) &&
	ctx hermes-session show "$sid" >out &&
	test "$(grep -cxF "$LINE" out)" = 2 &&
	ctx hermes-session export --format jsonl "$sid" >out &&
	test "$(grep -cF "\\n\\n$LINE\"" out)" = 2
'

test_expect_success 'the index follows SQL updates and a rebuild by sqlite3' '
	ctxsql "UPDATE messages SET content = replace(content, \"archive\",
		\"vault\")" &&
	ctx hermes-session search vault >out && test_line_count = 2 out &&
	no_context out &&
	ctxsql "INSERT INTO messages_fts(messages_fts) VALUES (\"rebuild\");
		INSERT INTO messages_fts(messages_fts)
		VALUES (\"integrity-check\")" &&
	ctx hermes-session search cron >out && test_line_count = 0 out &&
	ctx hermes-session search vault >out && test_line_count = 2 out &&
	ctxsql "DELETE FROM messages WHERE content LIKE \"and verify%\";
		INSERT INTO messages_fts(messages_fts)
		VALUES (\"integrity-check\")" &&
	ctx hermes-session search vault >out && test_line_count = 1 out
'

# A year in miniature, in a home of its own: session OLD holds the only
# messages with "quokka" and the best "deploy" match of all (message 1),
# then 3,000 newer messages in NEW all say "deploy", three times the
# 1,000 newest matches a common word is ranked over.
BIG="$TEST_TMP/big"
OLD=20250101_090000_0a0a0a
NEW=20261201_090000_0b0b0b
big() {
	HERMES_HOME="$BIG" "$@"
}
bigsql() {
	sqlite3 "$BIG/state.db" "$@"
}
# ranked QUERY [WINDOW]: message ids in the documented order, from SQLite
# directly: bm25 over the newest WINDOW matches (all when not given),
# equal scores newest first.
ranked() {
	bigsql "SELECT id FROM (SELECT rowid AS id, bm25(messages_fts) AS s
		FROM messages_fts WHERE messages_fts MATCH '$1'
		ORDER BY rowid DESC LIMIT ${2:--1}) ORDER BY s, id DESC"
}

# Messages 1-4 in OLD; 5-3004 in NEW, each "deploy step" and a cut of a
# sentence, every seventh with a second "deploy".
big_populate() {
	sqlite3 "$BIG/state.db" <<EOF
INSERT INTO sessions (id, source, started_at, last_activity_at,
  message_count) VALUES
  ('$OLD', 'cli', 1735722000, 1735722300, 4),
  ('$NEW', 'gateway', 1796115600, 1796118600, 3000);
INSERT INTO messages (session_id, role, content, ts) VALUES
  ('$OLD', 'user', 'deploy deploy deploy deploy', 1735722000),
  ('$OLD', 'user', 'a quokka ate the deploy notes', 1735722100),
  ('$OLD', 'assistant', 'quokka quokka', 1735722200),
  ('$OLD', 'assistant', 'we saw one quokka by the long road to
    the deploy host late yesterday evening', 1735722300);
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k
    WHERE i < 3000)
INSERT INTO messages (session_id, role, content, ts)
  SELECT '$NEW', 'assistant', 'deploy ' ||
    CASE i % 7 WHEN 0 THEN 'deploy ' ELSE '' END || 'step ' ||
    substr('of the nightly pipeline went fine again', 1, i % 40),
    1796115600 + i FROM k;
EOF
}

test_expect_success 'setup: an old session, then 3000 common-word messages' '
	mkdir "$BIG" && big hermes-session list >out && big_populate &&
	test "$(bigsql "SELECT count(*) FROM messages_fts
		WHERE messages_fts MATCH \"deploy\"")" = 3003
'

test_expect_success 'a rare word in an old session is found first' '
	big hermes-session search -n 1 quokka >out &&
	printf "%s\t3\t%s\n" $OLD "[quokka] [quokka]" >want &&
	test_cmp want out &&
	big hermes-session search -n 1 deploy quokka >out &&
	grep -q "^$OLD	" out
'

test_expect_success 'a rare word: every match, best first (bm25 over all)' '
	for q in quokka "quokka deploy" "quok*" "q*"; do
		ranked "$(echo "$q" | sed "s/[a-z][a-z]*/\"&\"/g")" >want &&
		big hermes-session search $q | cut -f2 >got &&
		test_cmp want got || exit 1
	done &&
	test_line_count = 3 got
'

test_expect_success 'a common word: its newest 1000 matches, best first' '
	ranked deploy 1000 >want &&
	big hermes-session search deploy | cut -f2 >got &&
	test_cmp want got &&
	ranked deploy >all && test "$(head -n 1 all)" = 1 &&
	! grep -qx 1 got &&
	test "$(sort -n got | head -n 1)" -gt 2003
'

test_expect_success 'equal scores come newest first' '
	big hermes-session search -n 3 deploy | cut -f2 >got &&
	test "$(sed -n 1p got)" -gt "$(sed -n 2p got)" &&
	test "$(sed -n 2p got)" -gt "$(sed -n 3p got)" &&
	test "$(bigsql "SELECT count(DISTINCT content) FROM messages
		WHERE id IN ($(paste -sd, got))")" = 1
'

test_expect_success '-n N: the first N of the same order' '
	big hermes-session search deploy >all &&
	for n in 1 7 10 999; do
		big hermes-session search -n $n deploy >out &&
		test_line_count = $n out &&
		head -n $n all >want && test_cmp want out || exit 1
	done
'

test_expect_success '-n larger than 1000 ranks that many matches' '
	big hermes-session search -n 2500 deploy | cut -f2 >got &&
	ranked deploy 2500 | head -n 2500 >want && test_cmp want got &&
	big hermes-session search -n 5000 deploy >out &&
	test_line_count = 3003 out &&
	head -n 1 out | grep -q "^$OLD	1	"
'

# The schema as hermes wrote it before prefix indexes and the context
# line (version 2), and three messages, the last with a context line.
V2="$TEST_TMP/v2"
v2_populate() {
	sqlite3 "$V2/state.db" <<EOF
PRAGMA journal_mode = WAL;
CREATE TABLE sessions (id TEXT PRIMARY KEY,
  source TEXT NOT NULL DEFAULT 'cli', model TEXT, title TEXT,
  cwd TEXT, profile TEXT, parent_id TEXT, started_at REAL NOT NULL,
  last_activity_at REAL NOT NULL,
  message_count INTEGER NOT NULL DEFAULT 0,
  tool_call_count INTEGER NOT NULL DEFAULT 0,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cached_tokens INTEGER NOT NULL DEFAULT 0);
CREATE INDEX sessions_last ON sessions(last_activity_at);
CREATE INDEX sessions_source ON sessions(source, last_activity_at);
CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  role TEXT NOT NULL, content TEXT, tool_calls TEXT,
  tool_call_id TEXT, tool_name TEXT, finish TEXT,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cached_tokens INTEGER NOT NULL DEFAULT 0, ts REAL NOT NULL);
CREATE INDEX messages_session ON messages(session_id, id);
CREATE VIRTUAL TABLE messages_fts USING fts5(content,
  content = 'messages', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content)
    VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER messages_au AFTER UPDATE ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content)
    VALUES ('delete', old.id, old.content);
  INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
ALTER TABLE sessions ADD COLUMN meta TEXT;
PRAGMA user_version = 2;
INSERT INTO sessions (id, started_at, last_activity_at)
  VALUES ('$A', 1795165200, 1795165300);
INSERT INTO messages (session_id, role, content, ts) VALUES
  ('$A', 'user', 'the deployment of the Résumé site', 1795165200),
  ('$A', 'assistant', 'deployed; one failed check', 1795165300),
  ('$A', 'user', 'the nightly run' || char(10, 10) || '$LINE', 1795165400);
EOF
}

test_expect_success 'a version 2 database is migrated on open and searches' '
	mkdir "$V2" && v2_populate >/dev/null &&
	HERMES_HOME="$V2" hermes-session search "d*" >out &&
	test_line_count = 2 out &&
	test "$(sqlite3 "$V2/state.db" "PRAGMA user_version")" = 3 &&
	sqlite3 "$V2/state.db" "SELECT sql FROM sqlite_master
		WHERE name = \"messages_fts\"" >out &&
	grep -q "prefix = .1 2 3." out &&
	sqlite3 "$V2/state.db" "INSERT INTO messages_fts(messages_fts)
		VALUES (\"integrity-check\")" &&
	HERMES_HOME="$V2" hermes-session search resume >out &&
	printf "%s\t1\t%s\n" $A "the deployment of the [Résumé] site" >want &&
	test_cmp want out &&
	sqlite3 "$V2/state.db" "INSERT INTO messages (session_id, role,
		content, ts) VALUES (\"$A\", \"user\", \"redeploy it\", 1)" &&
	HERMES_HOME="$V2" hermes-session search "re*" >out &&
	test_line_count = 2 out &&
	HERMES_HOME="$V2" hermes-session search cron >out &&
	test_line_count = 0 out &&
	HERMES_HOME="$V2" hermes-session search nightly >out &&
	printf "%s\t3\t%s\n" $A "the [nightly] run" >want &&
	test_cmp want out &&
	sqlite3 "$V2/state.db" "SELECT content FROM messages
		WHERE id = 3" >out &&
	printf "the nightly run\n\n%s\n" "$LINE" >want &&
	test_cmp want out
'

test_done
