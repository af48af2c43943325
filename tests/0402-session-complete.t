#!/bin/sh
test_description='hermes-session completion: recent ids, and no side effects'
. "${0%/*}/lib.sh"

DB="$HERMES_HOME/state.db"

# 25 sessions, 20250101_000001_cccccc .. 20250101_000025_cccccc; the
# higher the number, the more recent the activity.
populate() {
	sqlite3 "$DB" <<EOF
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25)
INSERT INTO sessions (id, source, started_at, last_activity_at)
  SELECT printf('20250101_0000%02d_cccccc', i), 'cli', 1735689600 + i,
  1735689600 + i FROM n;
EOF
}

test_expect_success 'completing an id with no state.db creates nothing' '
	hermes-session --complete show >out 2>err &&
	test_line_count = 0 err &&
	grep -q "^--help$" out &&
	! test -e "$HERMES_HOME"
'

test_expect_success 'through bash completion too' '
	bash -c ". \"$SRC_ROOT/completions/hermes.bash\" &&
		COMP_WORDS=(hermes-session rm \"\") && COMP_CWORD=2 &&
		_hermes && printf \"%s\n\" \"\${COMPREPLY[@]}\"" >out &&
	! test -e "$HERMES_HOME"
'

test_expect_success 'setup: 25 sessions' '
	hermes-session list >out && test_line_count = 0 out &&
	populate &&
	hermes-session list >out && test_line_count = 25 out
'

test_expect_success 'show, export and rm complete the 20 most recent ids' '
	for v in show export rm; do
		hermes-session --complete $v | grep -v "^-" >ids &&
		test_line_count = 20 ids &&
		head -n 1 ids | grep -qx 20250101_000025_cccccc &&
		tail -n 1 ids | grep -qx 20250101_000006_cccccc || exit 1
	done
'

test_expect_success 'other verbs complete no ids' '
	hermes-session --complete list >out &&
	! grep -q "^2025" out &&
	grep -qx -- --source out && grep -qx -- --limit out
'

test_expect_success 'completion leaves no -wal or -shm file behind' '
	rm -f "$DB-wal" "$DB-shm" &&
	hermes-session --complete show >out &&
	! test -e "$DB-wal" && ! test -e "$DB-shm"
'

test_expect_success 'completion of a database it cannot read says nothing' '
	echo "not a database" >"$DB" &&
	hermes-session --complete show >out 2>err &&
	test_line_count = 0 err && ! grep -q "^2025" out
'

test_done
