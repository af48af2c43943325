#!/bin/sh
test_description='hermes-session search: full text, snippets, prefixes, hostile queries'
. "${0%/*}/lib.sh"

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

test_done
