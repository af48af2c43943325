#!/bin/sh
test_description='the test harness itself: cleanup runs after a test, pass or fail'
. "${0%/*}/lib.sh"

test_expect_success 'test_when_finished registers cleanups (first and later)' '
	test_when_finished "echo one >>cleaned" &&
	test_when_finished "echo two >>cleaned" &&
	true
'

test_expect_success 'they ran, most recent first' '
	printf "two\none\n" >want &&
	test_cmp want cleaned
'

test_expect_success 'a body that fails still runs its cleanup' '
	( test_run_ "test_when_finished \"touch after-fail\" && false" ) ;
	test -f after-fail
'

test_done
