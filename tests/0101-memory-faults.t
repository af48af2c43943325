#!/bin/sh
test_description='hermes-memory: bad input and faults get one clear line, a documented code, and lose nothing'
. "${0%/*}/lib.sh"

M="$HERMES_HOME/memories/MEMORY.md"

test_expect_success 'setup: some stored entries' '
	hermes-memory add "first fact" &&
	hermes-memory add "second fact" &&
	cp "$M" "$TEST_TMP/golden"
'

unchanged() {
	test_cmp "$TEST_TMP/golden" "$M"
}

test_expect_success 'a wrong flag: one line, usage, exit 2' '
	test_expect_code 2 hermes-memory add --frob x 2>err &&
	head -n 1 err | grep -q "^hermes-memory: unknown option .--frob.$" &&
	grep -q "^usage: hermes-memory add" err && unchanged
'

test_expect_success 'a missing operand: exit 2' '
	test_expect_code 2 hermes-memory replace only-one 2>err &&
	head -n 1 err | grep -q "missing operand" && unchanged
'

test_expect_success 'an extra operand: exit 2' '
	test_expect_code 2 hermes-memory add a b 2>err &&
	head -n 1 err | grep -q "unexpected operand .b." && unchanged
'

test_expect_success 'an entry holding a § line: exit 2' '
	test_expect_code 2 hermes-memory add "$(printf "a\n§\nb")" 2>err &&
	test_one_line err && grep -q "separator" err && unchanged
'

test_expect_success 'an entry that is not UTF-8: exit 2' '
	test_expect_code 2 hermes-memory add "$(printf "caf\351")" 2>err &&
	test_one_line err && grep -q "not valid UTF-8" err && unchanged
'

test_expect_success 'an empty entry: exit 2' '
	test_expect_code 2 hermes-memory add "   " 2>err &&
	test_one_line err && grep -q "empty" err && unchanged
'

test_expect_success 'an add past the cap: exit 1, tells the agent to consolidate' '
	echo "memory.max_chars = 40" >"$HERMES_HOME/config" &&
	test_expect_code 1 hermes-memory add "this entry is far too long to fit in what is left" 2>err &&
	test_one_line err &&
	grep -q "MEMORY.md is full: 24/40 chars used" err &&
	grep -q "consolidate" err && unchanged &&
	rm "$HERMES_HOME/config"
'

test_expect_success 'a config line that cannot be read: exit 1 with file and line' '
	printf "# ok\nmemory.max_chars = 100\nthis is not a setting\n" >"$HERMES_HOME/config" &&
	test_expect_code 1 hermes-memory add "x" 2>err &&
	test_one_line err &&
	grep -q "config:3: expected .key = value." err && unchanged &&
	rm "$HERMES_HOME/config"
'

test_expect_success 'a bad cap in config: exit 1 naming the key' '
	echo "memory.max_chars = lots" >"$HERMES_HOME/config" &&
	test_expect_code 1 hermes-memory usage 2>err &&
	test_one_line err && grep -q "memory.max_chars" err &&
	rm "$HERMES_HOME/config"
'

test_expect_success 'HERMES_HOME that is a file: exit 1' '
	echo x >afile &&
	HERMES_HOME="$PWD/afile" test_expect_code 1 hermes-memory list 2>err &&
	test_one_line err && grep -q "is not a directory" err
'

test_expect_success 'a hostile HERMES_PROFILE: exit 2' '
	HERMES_PROFILE=../../etc test_expect_code 2 hermes-memory list 2>err &&
	test_one_line err && grep -q "invalid HERMES_PROFILE" err &&
	test ! -e "$HERMES_HOME/../etc"
'

test_expect_success 'a full disk: exit 1, old file intact, no temp left' '
	test -f "$SRC_ROOT/tests/fault.so" &&
	LD_PRELOAD="$SRC_ROOT/tests/fault.so" HERMES_FAULT_ENOSPC=/.MEMORY.md. \
	ASAN_OPTIONS=verify_asan_link_order=0 \
		test_expect_code 1 hermes-memory add "third fact" 2>err &&
	test_one_line err &&
	grep -q "cannot write .*MEMORY.md.*No space left on device" err &&
	unchanged &&
	test -z "$(ls -A "$HERMES_HOME/memories" | grep "^\.MEMORY\.md\.[^l]")"
'

if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	test_expect_success 'a really full tmpfs: exit 1, nothing lost' '
		cp -a "$HERMES_HOME" small &&
		echo "memory.max_chars = 100000" >small/config &&
		unshare -m sh -c "
			mount -t tmpfs -o size=16k tmpfs small/memories &&
			cp \"$M\" small/memories/ &&
			head -c 12000 /dev/zero >small/memories/filler;
			HERMES_HOME=\$PWD/small hermes-memory add \"$(printf %3000s | tr " " y)\" 2>err
			echo \$? >rc
			cp small/memories/MEMORY.md after
		" &&
		echo 1 >want && test_cmp want rc &&
		test_one_line err && grep -q "No space left on device" err &&
		test_cmp "$TEST_TMP/golden" after
	'
	test_expect_success 'a read-only home: reads work, writes exit 1' '
		unshare -m sh -c "
			mount --bind \"$HERMES_HOME\" \"$HERMES_HOME\" &&
			mount -o remount,ro,bind \"$HERMES_HOME\" &&
			hermes-memory list >out &&
			hermes-memory add \"new fact\" 2>err; echo \$? >rc
		" &&
		echo 1 >want && test_cmp want rc &&
		test_one_line err && grep -q "Read-only file system" err &&
		grep -q "first fact" out && unchanged
	'
else
	test_skip 'a really full tmpfs' 'needs root and unshare -m'
	if [ "$(id -u)" != 0 ]; then
		test_expect_success 'a read-only home: reads work, writes exit 1' '
			chmod a-w "$HERMES_HOME/memories" &&
			test_when_finished "chmod u+w \"$HERMES_HOME/memories\"" &&
			hermes-memory list >out &&
			test_expect_code 1 hermes-memory add "new fact" 2>err &&
			test_one_line err && unchanged
		'
	else
		test_skip 'a read-only home' 'root without unshare -m'
	fi
fi

test_expect_success 'a stored file that is not UTF-8: exit 1, left alone' '
	printf "good\n\302\247\nbad \377 byte\n" >"$TEST_TMP/corrupt" &&
	cp "$TEST_TMP/corrupt" "$M" &&
	test_expect_code 1 hermes-memory list 2>err &&
	test_one_line err && grep -q "not valid UTF-8 (byte 12)" err &&
	test_expect_code 1 hermes-memory add "more" 2>err &&
	test_cmp "$TEST_TMP/corrupt" "$M" &&
	cp "$TEST_TMP/golden" "$M"
'

test_expect_success 'stdout on a full device: exit 1, one line' '
	test_expect_code 1 hermes-memory list >/dev/full 2>err &&
	test_one_line err && grep -q "No space left on device" err
'

test_expect_success 'a closed pipe is quiet' '
	for i in $(seq 1 300); do echo "entry number $i"; done >many &&
	echo "memory.max_chars = 100000" >"$HERMES_HOME/config" &&
	while read -r l; do hermes-memory add "$l" || exit 1; done <many &&
	hermes-memory list 2>err | head -n 1 >/dev/null &&
	test_line_count = 0 err
'

test_done
