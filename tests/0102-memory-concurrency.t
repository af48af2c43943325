#!/bin/sh
test_description='hermes-memory under concurrent writers and SIGKILL'
. "${0%/*}/lib.sh"

M="$HERMES_HOME/memories/MEMORY.md"

test_expect_success 'setup: a cap that fits everything' '
	mkdir -p "$HERMES_HOME" &&
	echo "memory.max_chars = 1000000" >"$HERMES_HOME/config"
'

test_expect_success '16 writers at once: every acknowledged entry is kept' '
	for w in $(seq 1 16); do
		(
			for k in $(seq 1 10); do
				if hermes-memory add "writer $w entry $k" 2>/dev/null
				then echo "writer $w entry $k"; fi
			done >acked.$w
		) &
	done &&
	wait &&
	cat acked.* | sort >acked &&
	test_line_count = 160 acked &&
	hermes-memory list | sort >stored &&
	test_cmp acked stored
'

test_expect_success 'the file parses: 160 entries, 159 separators' '
	test "$(grep -c "^§$" "$M")" = 159 &&
	hermes-memory usage --json | grep -q "\"entries\":160"
'

test_expect_success 'SIGKILL at random instants: always the old or the new file' '
	: >"$M" && i=0 && old=0 && new=0 &&
	while [ $i -lt 300 ]; do
		cp "$M" prev || exit 1
		if [ -s prev ]; then
			{ cat prev; printf "§\nkill test %d\n" $i; } >next
		else
			printf "kill test %d\n" $i >next
		fi
		hermes-memory add "kill test $i" 2>/dev/null &
		pid=$!
		case $((i % 6)) in
		0) ;;
		1) sleep 0.0003 ;;
		2) sleep 0.0007 ;;
		3) sleep 0.001 ;;
		4) sleep 0.0015 ;;
		5) sleep 0.003 ;;
		esac
		kill -9 $pid 2>/dev/null
		wait $pid 2>/dev/null
		if cmp -s "$M" prev; then old=$((old + 1))
		elif cmp -s "$M" next; then new=$((new + 1))
		else
			echo "iteration $i: torn file" >&2
			diff prev "$M" >&2
			exit 1
		fi
		i=$((i + 1))
	done &&
	say "after 300 kills: $old kept the old file, $new the new one" &&
	test $((old + new)) = 300
'

test_expect_success 'temp files never look like the memory file to readers' '
	ls "$HERMES_HOME/memories" >visible &&
	echo MEMORY.md >want &&
	test_cmp want visible
'

test_expect_success 'the next locked write sweeps temp debris of killed writers' '
	hermes-memory add "after the storm" &&
	ls -A "$HERMES_HOME/memories" | grep "^\.MEMORY\.md\." >dots;
	echo .MEMORY.md.lock >want &&
	test_cmp want dots
'

test_expect_success 'readers running beside writers always see a whole file' '
	: >"$M" &&
	(for k in $(seq 1 60); do hermes-memory add "rw $k"; done) &
	writer=$! &&
	bad=0 &&
	while kill -0 $writer 2>/dev/null; do
		hermes-memory list >snap || bad=1
		n=$(wc -l <snap)
		[ "$n" -eq 0 ] || tail -n 1 snap | grep -q "^rw $n$" || bad=1
	done &&
	wait $writer &&
	test $bad = 0
'

test_done
