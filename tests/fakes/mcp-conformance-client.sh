#!/bin/sh
# mcp-conformance-client.sh URL: hermes-mcp as the client under test of an
# @modelcontextprotocol/conformance scenario.  The suite starts a scenario
# server, then runs this with the server's URL last and the scenario name
# in MCP_CONFORMANCE_SCENARIO.  Only the public CLI is used: add the
# server to a throwaway mcp.json, then do what the scenario expects.
url=$1
HERMES_HOME=$(mktemp -d "${TMPDIR:-/tmp}/hermes-conf.XXXXXX") || exit 1
export HERMES_HOME
trap 'rm -rf "$HERMES_HOME"' EXIT
hermes-mcp add conformance --url "$url" >/dev/null || exit 1
case $MCP_CONFORMANCE_SCENARIO in
initialize) hermes-mcp test conformance ;;
tools_call) hermes-mcp call conformance add_numbers '{"a": 5, "b": 3}' ;;
elicitation-sep1034-client-defaults)
	# the tool asks us a form on the standalone GET stream while the
	# POST waits; the defaults it proposes are the answer
	hermes-mcp call --elicit-defaults conformance \
		test_client_elicitation_defaults
	;;
sse-retry)
	# the server ends the tool's stream before the reply: resume it
	hermes-mcp call conformance test_reconnection
	;;
*)
	echo "mcp-conformance-client: no plan for scenario '$MCP_CONFORMANCE_SCENARIO'" >&2
	exit 1
	;;
esac
