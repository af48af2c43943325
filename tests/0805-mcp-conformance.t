#!/bin/sh
test_description='the official MCP conformance suite, hermes-mcp as the client'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/mcp.sh"

mcp_skip_all_without_npm
NODE22=$(mcp_node22) || {
	echo "1..0 # SKIP no Node 22 in deps/npm (run make deps)"
	exit 0
}
SUITE="$(mcp_npm_dir)/@modelcontextprotocol/conformance/dist/index.js"
CLIENT="$TEST_ROOT/fakes/mcp-conformance-client.sh"

# scenario NAME: run it; the report and checks.json land under out/
scenario() {
	timeout 40 "$NODE22" "$SUITE" client --command "$CLIENT" \
		--scenario "$1" --timeout 25000 -o "$TEST_TMP/out" >"$1.log" 2>&1
	rc=$?
	if [ $rc -ne 0 ] || ! grep -q "OVERALL: PASSED" "$1.log"; then
		sed 's/^/# /' "$1.log" >&2
		return 1
	fi
	# every check of the scenario, not only the summary
	python3 - "$TEST_TMP/out" "$1" <<-\PY
	import glob, json, sys
	runs = sorted(glob.glob("%s/%s-*/checks.json" % (sys.argv[1], sys.argv[2])))
	checks = json.load(open(runs[-1]))
	bad = [c for c in checks if c["status"] == "FAILURE"]
	assert checks and not bad, bad
	PY
}

test_expect_success 'initialize: handshake, session id, initialized' '
	scenario initialize
'

test_expect_success 'tools_call: tools/list, then add_numbers' '
	scenario tools_call
'

test_expect_success 'sse-retry: the stream ends early; GET, Last-Event-ID, after retry' '
	scenario sse-retry
'

test_expect_success 'elicitation-sep1034-client-defaults: asked on the GET stream' '
	scenario elicitation-sep1034-client-defaults
'

test_done
