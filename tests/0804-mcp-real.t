#!/bin/sh
test_description='hermes-mcp against the real npm servers: server-everything (stdio, HTTP), server-filesystem'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"
. "$TEST_ROOT/fakes/mcp.sh"

mcp_skip_all_without_npm

NODE=$(mcp_node_)
EVERYTHING="$(mcp_npm_dir)/@modelcontextprotocol/server-everything/dist/index.js"
FILESYSTEM="$(mcp_npm_dir)/@modelcontextprotocol/server-filesystem/dist/index.js"

test_expect_success 'setup' '
	mkdir -p "$HERMES_HOME" allowed &&
	echo "provider.retry_delay_ms = 10" >"$HERMES_HOME/config" &&
	hermes-mcp add everything -- "$NODE" "$EVERYTHING" stdio >/dev/null &&
	hermes-mcp add files -- "$NODE" "$FILESYSTEM" "$TEST_TMP/allowed" >/dev/null
'

test_expect_success 'everything over stdio: its tools, get-sum and echo' '
	timeout 60 hermes-mcp test everything >out 2>err &&
	grep -q "^get-sum	" out && grep -q "^echo	" out &&
	grep -q "everything: mcp-servers/everything .*protocol 2025-11-25" err &&
	timeout 60 hermes-mcp call everything get-sum "{\"a\":2,\"b\":40}" >out &&
	echo "The sum of 2 and 40 is 42." >want && test_cmp want out &&
	timeout 60 hermes-mcp call everything echo "{\"message\":\"hello mcp\"}" >out &&
	grep -q "hello mcp" out
'

test_expect_success 'everything: an image is noted, links listed, structured content shown' '
	timeout 60 hermes-mcp call everything get-tiny-image >out &&
	grep -q "^\[image: image/png, [0-9]* bytes, not shown\]" out &&
	timeout 60 hermes-mcp call everything get-resource-links "{\"count\":2}" >out &&
	test "$(grep -c "^\[resource link: demo://" out)" = 2 &&
	timeout 60 hermes-mcp --json call everything get-structured-content "{\"location\":\"Chicago\"}" >out &&
	grep -q "\"structuredContent\":{\"temperature\"" out
'

test_expect_success 'everything: its environment holds none of our secrets' '
	OPENAI_API_KEY=sk-ours-only timeout 60 hermes-mcp call everything get-env >out &&
	grep -q "PATH" out &&
	! grep -q "sk-ours-only" out &&
	! grep -q "HERMES_HOME" out
'

test_expect_success 'everything: roots/list is answered with the roots of mcp.json' '
	timeout 60 hermes-mcp call everything get-roots-list >out &&
	grep -q "no roots are currently configured" out &&
	python3 -c "
import json, sys
p = sys.argv[1]; d = json.load(open(p))
d[\"mcpServers\"][\"everything\"][\"roots\"] = [sys.argv[2]]
json.dump(d, open(p, \"w\"))
" "$HERMES_HOME/mcp.json" "$TEST_TMP/allowed" &&
	timeout 60 hermes-mcp call everything get-roots-list >out &&
	grep -q "URI: file://$TEST_TMP/allowed" out
'

test_expect_success 'everything: no server process is left behind' '
	! test_pgrep "server-everything/dist/index.js stdio" >/dev/null
'

test_expect_success 'everything over Streamable HTTP on 127.0.0.1' '
	mcp_everything_http_start &&
	hermes-mcp add -f web --url "$MCP_EVERYTHING_URL" >/dev/null &&
	timeout 60 hermes-mcp test web >out 2>err &&
	grep -q "^get-sum	" out &&
	timeout 60 hermes-mcp call web get-sum "{\"a\":2,\"b\":40}" >out &&
	echo "The sum of 2 and 40 is 42." >want && test_cmp want out &&
	grep -q "Received session termination request" "$TEST_TMP/mcp-everything.err"
'

test_expect_success 'filesystem: read a file inside the allowed directory' '
	echo "the notes" >allowed/notes.txt &&
	timeout 60 hermes-mcp call files read_text_file "{\"path\":\"$TEST_TMP/allowed/notes.txt\"}" >out &&
	echo "the notes" >want && test_cmp want out
'

test_expect_success 'filesystem: outside it, the server says access denied and we exit 1' '
	echo secret >outside.txt &&
	test_expect_code 1 timeout 60 hermes-mcp call files read_text_file "{\"path\":\"$TEST_TMP/outside.txt\"}" >out 2>err &&
	grep -q "Access denied - path outside allowed directories" err &&
	test_line_count = 0 out
'

test_expect_success 'the agent uses a real server: the model calls get-sum' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "mcp_everything_get_sum", "arguments": {"a": 19, "b": 23}}]},
	 {"tool_calls": [{"name": "mcp_files_list_directory", "arguments": {"path": "ALLOWED"}}]},
	 {"text": "Done."}]
	EOT
	sed "s|ALLOWED|$TEST_TMP/allowed|" s.json >s2.json &&
	fake_llm_start openai s2.json &&
	timeout 90 hermes-ask -t mcp add and list >out 2>err &&
	echo Done. >want && test_cmp want out &&
	test "$(fake_llm_jq 2 "b[\"messages\"][-1][\"content\"]")" = "The sum of 19 and 23 is 42." &&
	fake_llm_jq 3 "b[\"messages\"][-1][\"content\"]" | grep -q "notes.txt"
'

test_done
