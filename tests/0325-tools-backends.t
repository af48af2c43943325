#!/bin/sh
test_description='terminal backends: ssh against a real sshd on 127.0.0.1, docker when an engine runs'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"

call() {
	printf "[{\"tool_calls\": [{\"name\": \"terminal\", \"arguments\": %s}]}, {\"text\": \"done\"}]" \
		"$1" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask -q -t terminal go >/dev/null 2>stderr &&
	fake_llm_jq 2 "b[\"messages\"][-1][\"content\"]" >result
}

test_expect_success 'setup' '
	mkdir -p "$HERMES_HOME" &&
	echo "provider.retry_delay_ms = 10" >"$HERMES_HOME/config"
'

SSHD=/usr/sbin/sshd
if [ -x "$SSHD" ] && [ "$(id -u)" = 0 ] && test_have ssh-keygen; then
	port=$(python3 -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1]); s.close()")
	mkdir -p /run/sshd ssh
	ssh-keygen -q -t ed25519 -N "" -f ssh/host_key &&
	ssh-keygen -q -t ed25519 -N "" -f ssh/client_key &&
	cp ssh/client_key.pub ssh/authorized_keys &&
	chmod 600 ssh/authorized_keys
	cat >ssh/sshd_config <<EOT
Port $port
ListenAddress 127.0.0.1
HostKey $TEST_TMP/ssh/host_key
AuthorizedKeysFile $TEST_TMP/ssh/authorized_keys
PidFile $TEST_TMP/ssh/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
EOT
	cat >ssh/client_config <<EOT
Host 127.0.0.1
	Port $port
	IdentityFile $TEST_TMP/ssh/client_key
	StrictHostKeyChecking no
	UserKnownHostsFile /dev/null
	LogLevel ERROR
EOT
	"$SSHD" -D -e -f "$TEST_TMP/ssh/sshd_config" 2>ssh/sshd.log &
	test_bg_pid $!
	for i in $(seq 1 50); do
		python3 -c "import socket; socket.create_connection((\"127.0.0.1\", $port), 0.2)" 2>/dev/null && break
		sleep 0.1
	done

	test_expect_success 'ssh backend: the command runs on the host, in workdir' '
		cat >>"$HERMES_HOME/config" <<-EOT &&
		terminal.backend = ssh
		terminal.ssh.host = 127.0.0.1
		terminal.ssh.config = $TEST_TMP/ssh/client_config
		EOT
		mkdir -p remote-dir &&
		call "{\"command\": \"echo via-ssh \$SSH_CONNECTION | cut -c1-17; pwd\", \"workdir\": \"$TEST_TMP/remote-dir\"}" &&
		grep -q "^via-ssh 127.0.0.1" result &&
		grep -q "/remote-dir$" result && grep -q "^\[exit 0\]" result
	'

	test_expect_success 'ssh backend: a control master is reused' '
		ls "$HERMES_HOME/ssh" | grep -q "^cm-"
	'

	test_expect_success 'ssh backend: the safety policy still applies' '
		call "{\"command\": \"rm -rf /\"}" &&
		grep -q "^error: blocked by the safety policy" result
	'
	ssh -F ssh/client_config -O exit 127.0.0.1 2>/dev/null
	for f in "$HERMES_HOME"/ssh/cm-*; do
		[ -S "$f" ] && ssh -o ControlPath="$f" -O exit 127.0.0.1 2>/dev/null
	done
else
	test_skip 'ssh backend' 'needs root and /usr/sbin/sshd (openssh-server)'
fi

if docker info >/dev/null 2>&1; then
	test_expect_success 'docker backend: the command runs in the session container' '
		printf "terminal.backend = docker\n" >>"$HERMES_HOME/config" &&
		call "{\"command\": \"test -f /.dockerenv && echo in-container\"}" &&
		grep -q in-container result
	'
else
	test_skip 'docker backend' 'no Docker engine is running here'
	test_expect_success 'docker backend without an engine: a clear tool error' '
		printf "provider.retry_delay_ms = 10\nterminal.backend = docker\n" >"$HERMES_HOME/config" &&
		call "{\"command\": \"true\"}" &&
		grep -q "^error: docker backend: cannot start a container" result
	'
fi

test_done
