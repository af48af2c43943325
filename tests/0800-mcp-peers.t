#!/bin/sh
test_description='the MCP test peers: tests/fakes/mcp.py and deps/npm (not the client)'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/mcp.sh"

# drive.py CMD ACTION...: a minimal stdio MCP client.  Actions:
# init[:VERSION] (then notifications/initialized), list (follows cursors),
# call:NAME[:JSON], timeout:S (to wait for a line from the server: 5 s).
# It answers ping and roots/list, -32601 to the rest, prints one line an
# event, and at the end closes stdin and waits (5 s) for the server to exit.
cat >"$TEST_TMP/drive.py" <<\EOF
import json, os, select, shlex, subprocess, sys, time
p = subprocess.Popen(shlex.split(sys.argv[1]), stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, stderr=open("stderr.txt", "w"))
buf, nid, wait = b"", 0, 5.0


def out(*a):
    print(*a, flush=True)


def send(m):
    p.stdin.write((json.dumps(m) + "\n").encode())
    p.stdin.flush()


def recv():
    global buf
    end = time.monotonic() + wait
    while b"\n" not in buf:
        left = end - time.monotonic()
        if left <= 0 or not select.select([p.stdout], [], [], left)[0]:
            out("timeout")
            sys.exit(3)
        d = os.read(p.stdout.fileno(), 65536)
        if not d:
            out("eof", p.wait(5))
            sys.exit(4)
        buf += d
    line, buf = buf.split(b"\n", 1)
    try:
        return json.loads(line)
    except ValueError:
        out("nonjson", line.decode())
        sys.exit(5)


def request(method, params=None):
    global nid
    nid += 1
    send(dict(jsonrpc="2.0", id=nid, method=method, **({"params": params} if params else {})))
    while True:
        m = recv()
        if "method" in m and "id" in m:
            out("server-request", m["method"], m["id"])
            if m["method"] == "ping":
                send({"jsonrpc": "2.0", "id": m["id"], "result": {}})
            elif m["method"] == "roots/list":
                send({"jsonrpc": "2.0", "id": m["id"], "result": {"roots": []}})
            else:
                send({"jsonrpc": "2.0", "id": m["id"], "error": {
                    "code": -32601, "message": "Method not found"}})
        elif "method" in m:
            out("notification", m["method"])
        elif m.get("id") == nid:
            return m
        else:
            out("stray", json.dumps(m))


for act in sys.argv[2:]:
    verb, _, arg = act.partition(":")
    if verb == "init":
        r = request("initialize", {"protocolVersion": arg or "2025-11-25",
                                   "capabilities": {},
                                   "clientInfo": {"name": "drive", "version": "1"}})
        out("init", r["result"]["protocolVersion"], r["result"]["serverInfo"]["name"])
        send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    elif verb == "list":
        names, pages, cursor = [], 0, None
        while True:
            r = request("tools/list", {"cursor": cursor} if cursor else None)["result"]
            pages += 1
            names += [t["name"] for t in r["tools"]]
            cursor = r.get("nextCursor")
            if not cursor:
                break
        out("tools", " ".join(names))
        out("pages", pages)
    elif verb == "call":
        name, _, js = arg.partition(":")
        r = request("tools/call", {"name": name, "arguments": json.loads(js or "{}")})
        out("result", json.dumps(r.get("result", r.get("error")), separators=(",", ":")))
    elif verb == "timeout":
        wait = float(arg)
p.stdin.close()
try:
    out("exit", p.wait(5))
except subprocess.TimeoutExpired:
    p.kill()
    out("exit", "timeout")
EOF

drive() {
	"$MCP_PYTHON" -S "$TEST_TMP/drive.py" "$@"
}

test_expect_success 'stdio fake: initialize, three pages of tools, add' '
	drive "$(mcp_fake_stdio_cmd ok)" init list "call:add:{\"a\":2,\"b\":40}" >out &&
	cat >expect <<-\EOF &&
	init 2025-11-25 fake
	tools add echo fail image links structured slow die big
	pages 3
	result {"content":[{"type":"text","text":"42"}]}
	exit 0
	EOF
	test_cmp expect out
'

test_expect_success 'stdio fake: protocol version echoed, or latest, or forced' '
	drive "$(mcp_fake_stdio_cmd ok)" init:2024-11-05 >out &&
	grep -qx "init 2024-11-05 fake" out &&
	drive "$(mcp_fake_stdio_cmd ok)" init:2099-01-01 >out &&
	grep -qx "init 2025-11-25 fake" out &&
	drive "$(mcp_fake_stdio_cmd oldproto)" init >out &&
	grep -qx "init 2025-03-26 fake" out &&
	drive "$(mcp_fake_stdio_cmd badproto)" init >out &&
	grep -qx "init 1999-01-01 fake" out
'

test_expect_success 'stdio fake: tool results (isError, image, links, structured, big)' '
	drive "$(mcp_fake_stdio_cmd ok)" init call:fail call:image call:links \
		call:structured "call:big:{\"bytes\":100000}" call:nope >out &&
	grep -q "^result .*\"it failed\".*\"isError\":true" out &&
	grep -q "^result .*\"type\":\"image\",\"data\":\"iVBORw0KGgo" out &&
	grep -q "^result .*\"resource_link\".*\"text\":\"embedded note text\"" out &&
	grep -q "^result .*\"structuredContent\":{\"x\":1}" out &&
	awk "length > 100000" out | grep -q "^result" &&
	grep -q "^result {\"code\":-32602" out
'

test_expect_success 'stdio fake: chatty asks the client first and logs the answers' '
	rm -f "$MCP_FAKE_LOG" &&
	drive "$(mcp_fake_stdio_cmd chatty)" init "call:echo:{\"message\":\"hi\"}" >out &&
	cat >expect <<-\EOF &&
	init 2025-11-25 fake
	notification notifications/message
	server-request ping s1
	server-request roots/list s2
	server-request sampling/createMessage s3
	result {"content":[{"type":"text","text":"hi"}]}
	exit 0
	EOF
	test_cmp expect out &&
	test "$(mcp_log_py "[e[\"body\"][\"id\"] for e in L if e.get(\"body\") and \"method\" not in e[\"body\"]]")" = "[\"s1\",\"s2\",\"s3\"]" &&
	test "$(mcp_log_py "[e[\"body\"][\"error\"][\"code\"] for e in L if e.get(\"body\", {}).get(\"id\") == \"s3\"]")" = "[-32601]" &&
	test "$(mcp_log_py "L[-1].get(\"event\")")" = eof
'

test_expect_success 'stdio fake: listchanged adds a tool after the first call' '
	drive "$(mcp_fake_stdio_cmd listchanged)" init call:fail list >out &&
	grep -qx "notification notifications/tools/list_changed" out &&
	grep -qx "tools add echo fail image links structured slow die big added" out &&
	grep -qx "pages 4" out
'

test_expect_success 'stdio fake: nonjson, wrongid, die, stderr' '
	test_expect_code 5 drive "$(mcp_fake_stdio_cmd nonjson)" init >out &&
	grep -qx "nonjson hello, this is not JSON" out &&
	test_expect_code 3 drive "$(mcp_fake_stdio_cmd wrongid)" init timeout:0.5 \
		call:fail >out &&
	grep -q "^stray .*\"id\": 1002" out &&
	test_expect_code 4 drive "$(mcp_fake_stdio_cmd ok)" init call:die >out &&
	grep -qx "eof 3" out &&
	drive "$(mcp_fake_stdio_cmd stderr)" init >out &&
	grep -q "not an error" stderr.txt
'

if test_have curl; then
	# post URL BODY [SID]: headers to hdr, body to body; prints the status
	post() {
		curl -sS -m 5 -o body -D hdr -w "%{http_code}" -X POST "$1" \
			-H "Content-Type: application/json" \
			-H "Accept: application/json, text/event-stream" \
			${3:+-H "Mcp-Session-Id: $3"} \
			${3:+-H "MCP-Protocol-Version: 2025-11-25"} -d "$2"
	}
	sid() {
		sed -n "s/^[Mm]cp-[Ss]ession-[Ii]d: *//p" hdr | tr -d "\r"
	}
	INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}'
	NOTE='{"jsonrpc":"2.0","method":"notifications/initialized"}'
	LIST='{"jsonrpc":"2.0","id":2,"method":"tools/list"}'

	test_expect_success 'http fake: session, SSE with priming event, 202, 404, DELETE' '
		rm -f "$MCP_FAKE_LOG" &&
		mcp_fake_http_start ok &&
		test "$(post "$MCP_URL" "$INIT")" = 200 &&
		grep -qi "^content-type: text/event-stream" hdr &&
		s=$(sid) && test -n "$s" &&
		printf "id: 1\ndata: \n\nevent: message\n" >expect &&
		head -n 4 body >actual && test_cmp expect actual &&
		grep -q "^data: {.*\"protocolVersion\":\"2025-11-25\"" body &&
		test "$(post "$MCP_URL" "$NOTE" "$s")" = 202 && ! test -s body &&
		test "$(post "$MCP_URL" "$LIST" "$s")" = 200 &&
		grep -q "^data: {.*\"nextCursor\":\"c3\"" body &&
		test "$(post "$MCP_URL" "$LIST" nosuchsession)" = 404 &&
		test "$(post "$MCP_URL" "$LIST")" = 400 &&
		test "$(curl -sS -m 5 -o /dev/null -w "%{http_code}" -X DELETE \
			-H "Mcp-Session-Id: $s" "$MCP_URL")" = 200 &&
		test "$(post "$MCP_URL" "$LIST" "$s")" = 404 &&
		test "$(mcp_log_py "sum(e[\"method\"] == \"DELETE\" for e in L)")" = 1 &&
		test "$(mcp_log_py "L[2][\"headers\"][\"mcp-protocol-version\"]")" = 2025-11-25
	'

	test_expect_success 'http fake: jsononly, http500, sessionlost' '
		mcp_fake_http_start jsononly,sessionlost &&
		test "$(post "$MCP_URL" "$INIT")" = 200 &&
		grep -qi "^content-type: application/json" hdr &&
		s=$(sid) &&
		grep -q "\"serverInfo\":{\"name\":\"fake\"" body &&
		test "$(post "$MCP_URL" "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"add\",\"arguments\":{\"a\":1,\"b\":2}}}" "$s")" = 200 &&
		grep -q "\"text\":\"3\"" body &&
		test "$(post "$MCP_URL" "$LIST" "$s")" = 404 &&
		test "$(post "$MCP_URL" "$INIT")" = 200 &&
		mcp_fake_http_start http500 &&
		test "$(post "$MCP_URL" "$INIT")" = 200 &&
		test "$(post "$MCP_URL" "$LIST" "$(sid)")" = 500 &&
		test "$(cat body)" = boom
	'

	# chatty over HTTP: the server requests come in the POST's SSE stream,
	# the answers go back as POSTs of their own while that stream is open.
	cat >"$TEST_TMP/chatty.py" <<-\EOF
	import json, sys, urllib.request
	H = {"Content-Type": "application/json",
	     "Accept": "application/json, text/event-stream"}
	def post(body, sid=None):
	    h = dict(H, **({"Mcp-Session-Id": sid} if sid else {}))
	    return urllib.request.urlopen(urllib.request.Request(
	        sys.argv[1], json.dumps(body).encode(), h), timeout=5)
	r = post({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}})
	sid = r.headers["Mcp-Session-Id"]
	r.read()
	r = post({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
	          "params": {"name": "echo", "arguments": {"message": "hi"}}}, sid)
	for line in r:
	    if not line.startswith(b"data: {"):
	        continue
	    m = json.loads(line[6:])
	    print(m.get("method") or json.dumps(m["result"]), m.get("id", ""))
	    if "method" in m and "id" in m:
	        post({"jsonrpc": "2.0", "id": m["id"], "result": {}}, sid).read()
	EOF

	test_expect_success 'http fake: chatty sends server requests in the SSE stream' '
		mcp_fake_http_start chatty &&
		"$MCP_PYTHON" -S "$TEST_TMP/chatty.py" "$MCP_URL" >out &&
		cat >expect <<-\EOF &&
		notifications/message 
		ping s1
		roots/list s2
		sampling/createMessage s3
		{"content": [{"type": "text", "text": "hi"}]} 2
		EOF
		test_cmp expect out
	'

	if mcp_have_npm; then
		test_expect_success 'server-everything answers initialize over streamableHttp' '
			mcp_everything_http_start &&
			test "$(post "$MCP_EVERYTHING_URL" "$INIT")" = 200 &&
			test -n "$(sid)" &&
			grep -q "^data: {.*\"serverInfo\":{\"name\":\"mcp-servers/everything\"" body &&
			mcp_everything_stop
		'
	else
		test_skip 'server-everything answers initialize over streamableHttp' \
			'deps/npm not installed (make deps)'
	fi
else
	test_skip 'http fake' 'no curl'
	test_skip 'http fake modes' 'no curl'
	test_skip 'http fake chatty' 'no curl'
	test_skip 'server-everything over streamableHttp' 'no curl'
fi

if mcp_have_npm; then
	test_expect_success 'server-everything answers initialize over stdio' '
		drive "$(mcp_everything_cmd)" init list >out &&
		grep -qx "init 2025-11-25 mcp-servers/everything" out &&
		grep -q "^tools echo .*get-sum" out
	'
	test_expect_success 'the pinned Node 22 runs' '
		node22=$(mcp_node22) && "$node22" --version >out &&
		grep -q "^v22\." out
	'
else
	test_skip 'server-everything answers initialize over stdio' \
		'deps/npm not installed (make deps)'
	test_skip 'the pinned Node 22 runs' 'deps/npm not installed (make deps)'
fi

test_done
