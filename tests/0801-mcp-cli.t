#!/bin/sh
test_description='hermes-mcp: mcp.json verbs, and a stdio server that behaves and misbehaves'
. "${0%/*}/lib.sh"

FAKE="$TEST_ROOT/fakes/mcp.py"

# fake NAME MODE [add options]: a stdio fake logging to NAME.log
fake() {
	n=$1 m=$2
	shift 2
	hermes-mcp add -f "$@" -e MCP_FAKE_LOG="$TEST_TMP/$n.log" "$n" -- \
		python3 "$FAKE" stdio "$m" >/dev/null
}

# logged MESSAGE-FILTER: the messages the fake got, one compact JSON a line
logged() {
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    print(json.dumps(json.loads(line).get("body"), separators=(",", ":")))
' "$TEST_TMP/$1.log"
}

test_expect_success 'add writes mcp.json in the Claude Desktop format, mode 0600' '
	hermes-mcp add files -- npx -y @modelcontextprotocol/server-filesystem /srv >out &&
	echo files >want && test_cmp want out &&
	hermes-mcp add --url http://127.0.0.1:9/mcp -H "Authorization: Bearer \${TOK}" \
		--allow "get_*" --timeout 5 web >/dev/null &&
	python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))[\"mcpServers\"]
assert d[\"files\"][\"command\"] == \"npx\", d
assert d[\"files\"][\"args\"] == [\"-y\", \"@modelcontextprotocol/server-filesystem\", \"/srv\"], d
assert d[\"web\"][\"url\"] == \"http://127.0.0.1:9/mcp\", d
assert d[\"web\"][\"headers\"] == {\"Authorization\": \"Bearer \${TOK}\"}, d
assert d[\"web\"][\"allowedTools\"] == [\"get_*\"], d
assert d[\"web\"][\"timeout\"] == 5, d
" "$HERMES_HOME/mcp.json" &&
	test "$(stat -c %a "$HERMES_HOME/mcp.json")" = 600
'

test_expect_success 'list prints one server a line; --json one object a line' '
	hermes-mcp list >out &&
	printf "files\tstdio\tnpx -y @modelcontextprotocol/server-filesystem /srv\nweb\thttp\thttp://127.0.0.1:9/mcp\n" >want &&
	test_cmp want out &&
	hermes-mcp --json list >out &&
	test_line_count = 2 out &&
	grep -q "\"transport\":\"http\"" out
'

test_expect_success 'a second add of a name fails; -f replaces it; keys we do not know stay' '
	test_expect_code 1 hermes-mcp add files -- true 2>err &&
	grep -q "already exists" err &&
	python3 -c "
import json, sys
p = sys.argv[1]; d = json.load(open(p))
d[\"mcpServers\"][\"files\"][\"x-note\"] = \"mine\"; d[\"globalShortcut\"] = \"Ctrl+Space\"
json.dump(d, open(p, \"w\"))
" "$HERMES_HOME/mcp.json" &&
	hermes-mcp add -f other -- true >/dev/null &&
	grep -q "x-note" "$HERMES_HOME/mcp.json" &&
	grep -q "globalShortcut" "$HERMES_HOME/mcp.json" &&
	hermes-mcp add -f files -- cat >/dev/null &&
	hermes-mcp list | grep -q "^files	stdio	cat$"
'

test_expect_success 'rm removes a server; an unknown one fails' '
	hermes-mcp rm other &&
	! hermes-mcp list | grep -q "^other" &&
	test_expect_code 1 hermes-mcp rm other 2>err &&
	grep -q "no server .other." err
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 hermes-mcp add 2>err &&
	test_expect_code 2 hermes-mcp add onlyname 2>err &&
	test_expect_code 2 hermes-mcp add -e NOEQUALS x -- true 2>err &&
	grep -q "KEY=VALUE" err &&
	test_expect_code 2 hermes-mcp add -H "Auth: x" x -- true 2>err &&
	test_expect_code 2 hermes-mcp add --timeout soon x -- true 2>err &&
	test_expect_code 2 hermes-mcp call files 2>err &&
	test_expect_code 2 hermes-mcp call files t "[1,2]" 2>err &&
	grep -q "not a JSON object" err
'

test_expect_success 'a malformed mcp.json names the file and the key, and is kept' '
	cp "$HERMES_HOME/mcp.json" good.json &&
	printf "{\"mcpServers\": {\"x\": {\"command\": \"a\", \"args\": \"notalist\"}}}\n" \
		>"$HERMES_HOME/mcp.json" &&
	test_expect_code 1 hermes-mcp list 2>err &&
	grep -q "mcp.json: mcpServers.x.args" err &&
	printf "{\"mcpServers\": {\n  \"x\": {,}\n}}\n" >"$HERMES_HOME/mcp.json" &&
	test_expect_code 1 hermes-mcp test x 2>err &&
	grep -q "mcp.json: not valid JSON at line 2" err &&
	test_expect_code 1 hermes-mcp add y -- true 2>err &&
	grep -q "{,}" "$HERMES_HOME/mcp.json" &&
	cp good.json "$HERMES_HOME/mcp.json"
'

test_expect_success 'test lists every page of tools and says who answered' '
	fake fake ok &&
	hermes-mcp test fake >out 2>err &&
	cut -f1 out >names &&
	printf "add\necho\nfail\nimage\nlinks\nstructured\nslow\ndie\nbig\n" >want &&
	test_cmp want names &&
	grep -q "fake: fake 1.0, protocol 2025-11-25, 9 tools" err &&
	test -f "$HERMES_HOME/cache/mcp-fake.json" &&
	hermes-mcp --json test fake >out 2>/dev/null &&
	head -1 out | grep -q "\"inputSchema\":{"
'

test_expect_success 'the handshake: version, capabilities, initialized, then EOF at the end' '
	logged fake >msgs &&
	head -1 msgs | grep -q "\"method\":\"initialize\"" &&
	head -1 msgs | grep -q "\"protocolVersion\":\"2025-11-25\"" &&
	head -1 msgs | grep -q "\"clientInfo\":{\"name\":\"hermes\"" &&
	sed -n 2p msgs | grep -q "\"method\":\"notifications/initialized\"" &&
	grep -q "\"cursor\"" msgs &&
	grep -q "\"event\": *\"eof\"" "$TEST_TMP/fake.log"
'

test_expect_success 'call prints the text; arguments come from the operand or stdin' '
	hermes-mcp call fake add "{\"a\":2,\"b\":40}" >out &&
	echo 42 >want && test_cmp want out &&
	echo "{\"message\":\"hi there\"}" | hermes-mcp call fake echo - >out &&
	grep -q "hi there" out
'

test_expect_success 'isError is printed on stderr and exits 1' '
	test_expect_code 1 hermes-mcp call fake fail >out 2>err &&
	test_line_count = 0 out &&
	grep -q "fake fail: it failed" err
'

test_expect_success 'images are noted, links and resources shown by URI, structured content compact' '
	hermes-mcp call fake image >out &&
	grep -q "^\[image: image/png, [0-9]* bytes, not shown\]" out &&
	hermes-mcp call fake links >out &&
	grep -q "^\[resource link: " out &&
	grep -q "^\[resource " out &&
	hermes-mcp --json call fake structured >out &&
	grep -q "\"structuredContent\":{\"x\":1}" out
'

test_expect_success 'a tool the server lacks is an error naming those it has' '
	test_expect_code 1 hermes-mcp call fake nope 2>err &&
	grep -q "has no tool .nope.; it has: add echo" err
'

test_expect_success 'allowedTools limits what test shows and what call reaches' '
	fake lim ok --allow "ad*" --allow echo &&
	hermes-mcp test lim 2>/dev/null | cut -f1 >out &&
	printf "add\necho\n" >want && test_cmp want out &&
	test_expect_code 1 hermes-mcp call lim fail 2>err &&
	grep -q "has no tool .fail." err
'

test_expect_success 'the server asks things mid-request: ping and roots/list answered, others -32601' '
	fake chat chatty &&
	hermes-mcp call chat add "{\"a\":1,\"b\":2}" >out &&
	echo 3 >want && test_cmp want out &&
	logged chat >msgs &&
	grep -q "\"id\":\"s1\",\"result\":{}" msgs &&
	grep -q "\"id\":\"s2\",\"result\":{\"roots\":\[\]}" msgs &&
	grep "\"id\":\"s3\"" msgs | grep -q "\"code\":-32601"
'

test_expect_success 'roots in mcp.json are what roots/list answers' '
	python3 -c "
import json, sys
p = sys.argv[1]; d = json.load(open(p))
d[\"mcpServers\"][\"chat\"][\"roots\"] = [\"/srv/data\"]
json.dump(d, open(p, \"w\"))
" "$HERMES_HOME/mcp.json" &&
	: >"$TEST_TMP/chat.log" &&
	hermes-mcp call chat add "{\"a\":1,\"b\":2}" >/dev/null &&
	logged chat | grep -q "\"uri\":\"file:///srv/data\",\"name\":\"data\""
'

test_expect_success 'a server that prints something not JSON fails at once' '
	fake nj nonjson &&
	test_expect_code 1 timeout 20 hermes-mcp test nj 2>err &&
	grep -q "server .nj. printed something that is not JSON-RPC: .hello" err
'

test_expect_success 'a reply to an id never asked fails the call' '
	fake wid wrongid &&
	test_expect_code 1 timeout 20 hermes-mcp call wid add "{\"a\":1,\"b\":1}" 2>err &&
	grep -q "answered id .*never asked" err
'

test_expect_success 'a server that does not answer in time: timeout from mcp.json' '
	fake slow hang --timeout 1 &&
	test_expect_code 1 timeout 20 hermes-mcp call slow add "{\"a\":1,\"b\":1}" 2>err &&
	grep -q "server .slow. did not answer tools/call within 1 s" err &&
	logged slow | grep -q "notifications/cancelled"
'

test_expect_success 'a server that dies: the reason and its last words' '
	fake dead ok &&
	test_expect_code 1 timeout 20 hermes-mcp call dead die 2>err &&
	grep -q "server .dead. exited with status" err
'

test_expect_success 'a message over 16 MiB is refused; a big one under it is fine' '
	fake big ok &&
	hermes-mcp call big big "{\"bytes\": 200000}" >out &&
	test "$(wc -c <out)" -gt 200000 &&
	test_expect_code 1 timeout 30 hermes-mcp call big big "{\"bytes\": 17000000}" >out 2>err &&
	grep -q "over 16 MiB" err
'

test_expect_success 'big arguments go through a full pipe both ways' '
	python3 -c "import json; print(json.dumps({\"message\": \"y\" * 3000000}))" >big.json &&
	hermes-mcp call big echo - <big.json >out &&
	test "$(tr -cd y <out | wc -c)" = 3000000
'

test_expect_success 'a command that does not exist is said at once' '
	hermes-mcp add -f gone -- /no/such/server >/dev/null &&
	test_expect_code 1 hermes-mcp test gone 2>err &&
	grep -q "server .gone.: cannot run ./no/such/server.: No such file" err
'

test_expect_success 'the server gets a small environment plus its env; ${VAR} from .env' '
	cat >envsrv.sh <<-\EOF &&
	#!/bin/sh
	env >"$OUT"
	exec python3 "$FAKE" stdio ok
	EOF
	chmod +x envsrv.sh &&
	echo "SECRET_FOR_SERVER=from-dotenv" >"$HERMES_HOME/.env" &&
	hermes-mcp add -f envy -e OUT="$TEST_TMP/env.out" -e FAKE="$FAKE" \
		-e "TOKEN=\${SECRET_FOR_SERVER}" -- "$TEST_TMP/envsrv.sh" >/dev/null &&
	OPENROUTER_API_KEY=sk-never-there HERMES_HOME="$HERMES_HOME" \
		hermes-mcp call envy add "{\"a\":1,\"b\":1}" >/dev/null &&
	grep -q "^TOKEN=from-dotenv$" env.out &&
	grep -q "^PATH=" env.out &&
	! grep -q "sk-never-there" env.out &&
	! grep -q "^HERMES_HOME=" env.out &&
	! grep -q "TOKEN=" "$HERMES_HOME/mcp.json".no 2>/dev/null &&
	grep -q "\${SECRET_FOR_SERVER}" "$HERMES_HOME/mcp.json"
'

test_expect_success 'an unset ${VAR} is an error naming it' '
	hermes-mcp add -f unset -e "X=\${NOT_SET_ANYWHERE}" -- true >/dev/null &&
	test_expect_code 1 hermes-mcp test unset 2>err &&
	grep -q "NOT_SET_ANYWHERE" err
'

test_expect_success 'the server stderr goes to its log, not ours' '
	fake talk stderr &&
	hermes-mcp call talk add "{\"a\":1,\"b\":1}" >out 2>err &&
	test_line_count = 0 err &&
	test -s "$HERMES_HOME/logs/mcp-talk.log"
'

test_expect_success 'no server process is left behind' '
	! test_pgrep "fakes/mcp.py stdio" >/dev/null
'

test_done
