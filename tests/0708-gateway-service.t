#!/bin/sh
test_description='hermes-gateway: install/uninstall as a systemd user unit; SIGHUP re-reads the config'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"
. "$TEST_ROOT/fakes/telegram.sh"

sent_has() {
	telegram_sent | grep -q "$1"
}

log_has() {
	grep -q "$1" "$HERMES_HOME/logs/gateway.log"
}

# A systemctl that logs its arguments; show-environment answers with
# $SYSTEMD (0: a user manager runs, 1: none).
test_expect_success 'setup' '
	mkdir -p "$HERMES_HOME" fakebin &&
	cat >fakebin/systemctl <<-EOF &&
	#!/bin/sh
	echo "\$*" >>"$TEST_TMP/systemctl.log"
	case "\$*" in *show-environment*) exit "\$(cat "$TEST_TMP/systemd")" ;; esac
	case "\$*" in *enable*) test -f "\$XDG_CONFIG_HOME/systemd/user/hermes-gateway.service" || exit 5 ;; esac
	exit 0
	EOF
	chmod +x fakebin/systemctl &&
	cat >"$HERMES_HOME/config" <<-\EOF &&
	provider.retry_delay_ms = 10
	gateway.telegram.allow = 222
	EOF
	echo "TELEGRAM_BOT_TOKEN=999:very-secret" >"$HERMES_HOME/.env"
'

test_expect_success 'install with systemd: the unit is written, enabled and started' '
	echo 0 >"$TEST_TMP/systemd" &&
	XDG_CONFIG_HOME="$TEST_TMP/xdg" PATH="$TEST_TMP/fakebin:$PATH" \
		hermes-gateway install >out 2>err &&
	unit="$TEST_TMP/xdg/systemd/user/hermes-gateway.service" &&
	echo "$unit" >want && test_cmp want out &&
	grep -q "^ExecStart=\".*/bin/hermes-gateway\" run$" "$unit" &&
	grep -q "^Environment=\"HERMES_HOME=$HERMES_HOME\"$" "$unit" &&
	grep -q "^EnvironmentFile=-$HERMES_HOME/.env$" "$unit" &&
	grep -q "^Restart=on-failure$" "$unit" &&
	grep -q "^ExecReload=/bin/kill -HUP \$MAINPID$" "$unit" &&
	grep -q "^WantedBy=default.target$" "$unit" &&
	! grep -q very-secret "$unit" &&
	grep -q "^--user daemon-reload$" systemctl.log &&
	grep -q "^--user enable --now hermes-gateway.service$" systemctl.log
'

# systemd-analyze verify --user needs a user manager of its own, which
# needs XDG_RUNTIME_DIR; without one it says "Failed to initialize
# manager" and verifies nothing, so a probe unit must pass first.
test_lazy_prereq SYSTEMD_VERIFY '
	test_have systemd-analyze &&
	mkdir -p "$TEST_TMP/run" "$TEST_TMP/probe" &&
	chmod 700 "$TEST_TMP/run" &&
	printf "[Service]\nExecStart=/bin/true\n" >"$TEST_TMP/probe/probe.service" &&
	XDG_RUNTIME_DIR="$TEST_TMP/run" systemd-analyze verify --user \
		"$TEST_TMP/probe/probe.service"
'

test_expect_success_if SYSTEMD_VERIFY 'the unit passes systemd-analyze verify where it is installed' '
	unit="$TEST_TMP/xdg/systemd/user/hermes-gateway.service" &&
	XDG_RUNTIME_DIR="$TEST_TMP/run" systemd-analyze verify --user "$unit" 2>verr &&
	! grep -i -E "hermes-gateway.service:[0-9]+:|unknown|invalid|ignoring|failed" verr
'

test_expect_success 'uninstall with systemd: disabled, removed, reloaded; twice is fine' '
	: >systemctl.log &&
	XDG_CONFIG_HOME="$TEST_TMP/xdg" PATH="$TEST_TMP/fakebin:$PATH" \
		hermes-gateway uninstall 2>err &&
	! test -e "$TEST_TMP/xdg/systemd/user/hermes-gateway.service" &&
	grep -q "^--user disable --now hermes-gateway.service$" systemctl.log &&
	grep -q "^--user daemon-reload$" systemctl.log &&
	grep -q "stopped, disabled and removed" err &&
	XDG_CONFIG_HOME="$TEST_TMP/xdg" PATH="$TEST_TMP/fakebin:$PATH" \
		hermes-gateway uninstall 2>err &&
	grep -q "nothing to remove" err
'

test_expect_success 'install without systemd: the unit is printed with how to start it' '
	echo 1 >"$TEST_TMP/systemd" && : >systemctl.log &&
	XDG_CONFIG_HOME="$TEST_TMP/xdg" PATH="$TEST_TMP/fakebin:$PATH" \
		hermes-gateway install >out 2>err &&
	grep -q "^\[Service\]$" out &&
	grep -q "no systemd user manager" err &&
	grep -q "run >/dev/null" err &&
	test -f "$TEST_TMP/xdg/systemd/user/hermes-gateway.service" &&
	! grep -q enable systemctl.log
'

test_expect_success 'a failing systemctl is an error that names it' '
	echo 0 >"$TEST_TMP/systemd" &&
	rm -f "$TEST_TMP/xdg/systemd/user/hermes-gateway.service" &&
	cat >fakebin/systemctl <<-\EOF &&
	#!/bin/sh
	case "$*" in *show-environment*) exit 0 ;; esac
	echo "Failed to connect to bus" >&2; exit 1
	EOF
	test_expect_code 1 env XDG_CONFIG_HOME="$TEST_TMP/xdg" \
		PATH="$TEST_TMP/fakebin:$PATH" hermes-gateway install 2>err &&
	grep -q "systemctl --user daemon-reload failed (exit 1): Failed to connect to bus" err
'

test_expect_success 'SIGHUP: a new allowlist is read without a restart' '
	cat >s.json <<-\EOT &&
	["Now I know you."]
	EOT
	fake_llm_start openai s.json &&
	cat >tg.json <<-\EOT &&
	{"updates": [{"text": "hi", "chat": 777, "user": 777}]}
	EOT
	telegram_start tg.json &&
	{ hermes-gateway run --platform telegram 2>gw.err & pid=$!; } &&
	test_when_finished "kill $pid 2>/dev/null; :" &&
	wait_for sent_has "pairing code is" &&
	test "$(fake_llm_requests)" = 0 &&
	hermes-config set gateway.telegram.allow 222,777 &&
	kill -HUP $pid &&
	wait_for log_has "SIGHUP: config reloaded, 1 platform" &&
	telegram_push "hi again" 777 777 &&
	wait_for sent_has "Now I know you." &&
	kill -0 $pid &&
	kill -TERM $pid && wait $pid
'

test_expect_success 'SIGHUP with a broken config: the gateway runs on with the old one' '
	cat >s.json <<-\EOT &&
	["Still here."]
	EOT
	fake_llm_start openai s.json &&
	echo "{}" >tg.json &&
	telegram_start tg.json &&
	{ hermes-gateway run --platform telegram 2>gw.err & pid=$!; } &&
	test_when_finished "kill $pid 2>/dev/null; :" &&
	wait_for log_has "started, pid $pid" &&
	cp "$HERMES_HOME/config" good-config &&
	echo "this is = = not a config line" >>"$HERMES_HOME/config" &&
	kill -HUP $pid &&
	wait_for log_has "SIGHUP: the config was not reloaded: .*invalid key" &&
	kill -0 $pid &&
	cp good-config "$HERMES_HOME/config" &&
	telegram_push "still there?" 222 222 &&
	wait_for sent_has "Still here." &&
	kill -TERM $pid && wait $pid &&
	! grep -q very-secret "$HERMES_HOME/logs/gateway.log"
'

test_done
